/* SPDX-License-Identifier: MIT */
/* unistd.h - MinGW's unistd.h plus sysconf(_SC_PAGESIZE) and a fork stub. */
#ifndef ST_WIN32_COMPAT_UNISTD_H
#define ST_WIN32_COMPAT_UNISTD_H

#include_next <unistd.h>
#include <errno.h>
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
