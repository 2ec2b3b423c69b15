/* SPDX-License-Identifier: MIT */
/* unistd.h - MinGW's unistd.h plus sysconf(_SC_PAGESIZE), the file calls
 * it lacks (pread, pwrite, fsync, fdatasync: lib/win32/fileops.c), setenv
 * and a fork stub. */
#ifndef ST_WIN32_COMPAT_UNISTD_H
#define ST_WIN32_COMPAT_UNISTD_H

#include_next <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <winsock2.h>                   /* before windows.h, always */
#include <windows.h>

#ifndef _SC_PAGESIZE
#define _SC_PAGESIZE    30
#endif
static inline long sysconf(int name)
{
    SYSTEM_INFO si;

    if (name != _SC_PAGESIZE)
        return -1;
    GetSystemInfo(&si);
    return (long)si.dwPageSize;
}

/* Positioned I/O and sync on C runtime descriptors of disk files
 * (fileops.c).  pread and pwrite leave the file position where it was;
 * on a socket, pipe or device they fail with ESPIPE and the syncs with
 * EINVAL. */
ssize_t _st_win_pread(int fd, void *buf, size_t n, off_t off);
ssize_t _st_win_pwrite(int fd, const void *buf, size_t n, off_t off);
int _st_win_fsync(int fd);
int _st_win_fdatasync(int fd);
#define pread(f, b, n, o)   _st_win_pread((f), (b), (n), (o))
#define pwrite(f, b, n, o)  _st_win_pwrite((f), (b), (n), (o))
#define fsync(f)            _st_win_fsync(f)
#define fdatasync(f)        _st_win_fdatasync(f)

/* setenv over the runtime's _putenv, which copies "name=value". */
static inline int _st_win_setenv(const char *name, const char *value,
                                 int overwrite)
{
    size_t ln, lv;
    char *s;
    int r;

    if (name == NULL || *name == '\0' || strchr(name, '=') != NULL) {
        errno = EINVAL;
        return -1;
    }
    if (!overwrite && getenv(name) != NULL)
        return 0;
    ln = strlen(name);
    lv = strlen(value);
    s = malloc(ln + lv + 2);
    if (s == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(s, name, ln);
    s[ln] = '=';
    memcpy(s + ln + 1, value, lv + 1);
    r = _putenv(s);
    free(s);
    return r == 0 ? 0 : -1;
}
#define setenv(n, v, o) _st_win_setenv((n), (v), (o))

/* No fork on Windows. */
static inline int _st_win_fork(void)
{
    errno = ENOSYS;
    return -1;
}
#define fork() _st_win_fork()

/* Nor FIFOs, signals or parent processes: stubs that fail, for the
 * tests that are skipped on Windows to compile. */
static inline char *_st_win_mkdtemp(char *tmpl)
{
    (void)tmpl;
    errno = ENOSYS;
    return NULL;
}
#define mkdtemp(t) _st_win_mkdtemp(t)
static inline int _st_win_mkfifo(const char *path, int mode)
{
    (void)path;
    (void)mode;
    errno = ENOSYS;
    return -1;
}
#define mkfifo(p, m) _st_win_mkfifo((p), (m))
static inline unsigned _st_win_alarm(unsigned secs)
{
    (void)secs;
    return 0;
}
#define alarm(s) _st_win_alarm(s)
#define getppid() ((int)0)

#endif
