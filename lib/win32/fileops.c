/* SPDX-License-Identifier: MIT */
/* fileops.c - POSIX file calls on C runtime descriptors, for MinGW builds. */
/*
 * A descriptor that is not a socket is the C runtime's (_open, mkstemp,
 * _open_osfhandle).  pread and pwrite are ReadFile and WriteFile with an
 * OVERLAPPED offset on its handle, which the runtime opened for
 * synchronous I/O: Windows then moves the file position too, so they
 * put it back.  Meanwhile no read or write made through this file may
 * run on that descriptor: pread and pwrite hold its lock exclusively,
 * read, write, readv and writev (the runtime's _read and _write) hold it
 * shared.  The locks are a table indexed by descriptor (the runtime has
 * at most 2,048).  fsync and fdatasync are FlushFileBuffers.  Errors
 * become the errno values POSIX gives.
 */
#define ST_WIN32_SOCKIO_IMPL 1
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "sockio.h"

#define NLOCKS      2048                /* the runtime's descriptor limit */
#define MAX_XFER    0x7ffff000u         /* per call, as Linux caps it */

static SRWLOCK locks[NLOCKS];           /* all-zero: SRWLOCK_INIT */

static SRWLOCK *fd_lock(int fd)
{
    return &locks[(unsigned)fd % NLOCKS];
}

/* errno for a failed ReadFile, WriteFile or FlushFileBuffers. */
static int file_errno(DWORD e)
{
    switch (e) {
    case ERROR_INVALID_HANDLE:
    case ERROR_ACCESS_DENIED:           /* not open for that direction */
        return EBADF;
    case ERROR_NOACCESS:
    case ERROR_INVALID_USER_BUFFER:     return EFAULT;  /* Wine: writes */
    case ERROR_INVALID_PARAMETER:
    case ERROR_NEGATIVE_SEEK:           return EINVAL;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:        return ENOSPC;
    case ERROR_FILE_TOO_LARGE:          return EFBIG;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:             return ENOMEM;
    case ERROR_LOCK_VIOLATION:
    case ERROR_SHARING_VIOLATION:       return EACCES;
    case ERROR_BROKEN_PIPE:             return EPIPE;
    default:                            return EIO;
    }
}

static int is_socket(int fd)
{
    int type, len = sizeof type;

    return getsockopt((SOCKET)fd, SOL_SOCKET, SO_TYPE, (char *)&type,
                      &len) == 0;
}

/* The handle of a runtime descriptor on a disk file, or NULL with errno:
 * EBADF, or notfile for a socket, pipe or device. */
static HANDLE disk_handle(int fd, int notfile)
{
    intptr_t h;

    if (fd < 0) {
        errno = EBADF;
        return NULL;
    }
    if (is_socket(fd)) {
        errno = notfile;
        return NULL;
    }
    h = _get_osfhandle(fd);
    if (h == -1 || h == -2) {           /* -2: no stream behind it */
        errno = EBADF;
        return NULL;
    }
    if (GetFileType((HANDLE)h) != FILE_TYPE_DISK) {
        errno = notfile;
        return NULL;
    }
    return (HANDLE)h;
}

int _st_win_is_disk_file(int fd)
{
    return disk_handle(fd, EBADF) != NULL;
}

static ssize_t positioned(int fd, void *buf, size_t n, off_t off,
                          int writing)
{
    DWORD len = n > MAX_XFER ? MAX_XFER : (DWORD)n, done = 0, err = 0;
    LARGE_INTEGER zero, pos;
    OVERLAPPED ov;
    HANDLE h;
    BOOL ok;

    if (off < 0) {
        errno = EINVAL;
        return -1;
    }
    h = disk_handle(fd, ESPIPE);
    if (h == NULL)
        return -1;
    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)((uint64_t)off & 0xffffffffu);
    ov.OffsetHigh = (DWORD)((uint64_t)off >> 32);
    zero.QuadPart = 0;
    AcquireSRWLockExclusive(fd_lock(fd));
    ok = SetFilePointerEx(h, zero, &pos, FILE_CURRENT);
    if (ok) {
        ok = writing ? WriteFile(h, buf, len, &done, &ov)
                     : ReadFile(h, buf, len, &done, &ov);
        if (!ok)
            err = GetLastError();
        SetFilePointerEx(h, pos, NULL, FILE_BEGIN);
    } else {
        err = GetLastError();
    }
    ReleaseSRWLockExclusive(fd_lock(fd));
    if (ok)
        return (ssize_t)done;
    if (!writing && err == ERROR_HANDLE_EOF)
        return 0;                       /* at or past the end */
    errno = file_errno(err);
    return -1;
}

ssize_t _st_win_pread(int fd, void *buf, size_t n, off_t off)
{
    return positioned(fd, buf, n, off, 0);
}

ssize_t _st_win_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    return positioned(fd, (void *)(uintptr_t)buf, n, off, 1);
}

/* A handle without write access cannot be flushed (Windows answers
 * ERROR_ACCESS_DENIED): nothing was written through it, so there is
 * nothing of its own to sync. */
int _st_win_fsync(int fd)
{
    HANDLE h = disk_handle(fd, EINVAL);
    DWORD err;

    if (h == NULL)
        return -1;
    if (FlushFileBuffers(h))
        return 0;
    err = GetLastError();
    if (err == ERROR_ACCESS_DENIED)
        return 0;
    errno = file_errno(err);
    return -1;
}

int _st_win_fdatasync(int fd)
{
    return _st_win_fsync(fd);           /* no data-only flush in Win32 */
}

ssize_t _st_win_file_read(int fd, void *buf, size_t n)
{
    int r;

    AcquireSRWLockShared(fd_lock(fd));
    r = _read(fd, buf, n > MAX_XFER ? MAX_XFER : (unsigned)n);
    ReleaseSRWLockShared(fd_lock(fd));
    return r;
}

ssize_t _st_win_file_write(int fd, const void *buf, size_t n)
{
    int r;

    AcquireSRWLockShared(fd_lock(fd));
    r = _write(fd, buf, n > MAX_XFER ? MAX_XFER : (unsigned)n);
    ReleaseSRWLockShared(fd_lock(fd));
    return r;
}

/* readv and writev: one runtime call per vector, up to the first short
 * one (the lock keeps pread and pwrite out, not other plain calls). */
ssize_t _st_win_file_rwv(int fd, const struct iovec *iov, int cnt,
                         int writing)
{
    ssize_t total = 0;
    int i;

    if (cnt < 0 || (cnt > 0 && iov == NULL)) {
        errno = EINVAL;
        return -1;
    }
    AcquireSRWLockShared(fd_lock(fd));
    for (i = 0; i < cnt; i++) {
        size_t want = iov[i].iov_len;
        unsigned len = want > MAX_XFER ? MAX_XFER : (unsigned)want;
        int r;
        if (len == 0)
            continue;
        r = writing ? _write(fd, iov[i].iov_base, len)
                    : _read(fd, iov[i].iov_base, len);
        if (r < 0) {
            if (total == 0)
                total = -1;             /* errno from the runtime */
            break;
        }
        total += r;
        if ((unsigned)r < len || total >= (ssize_t)MAX_XFER)
            break;
    }
    ReleaseSRWLockShared(fd_lock(fd));
    return total;
}

/* A socket reads as S_IFSOCK (the runtime knows no sockets); the rest
 * is the runtime's _fstat64, in the struct stat of the headers. */
int _st_win_fstat(int fd, struct stat *sb)
{
    struct _stat64 st;

    memset(sb, 0, sizeof *sb);
    if (fd >= 0 && is_socket(fd)) {
        sb->st_mode = S_IFSOCK | 0666;
        return 0;
    }
    if (_fstat64(fd, &st) < 0)
        return -1;
    sb->st_dev = st.st_dev;
    sb->st_ino = st.st_ino;
    sb->st_mode = st.st_mode;
    sb->st_nlink = st.st_nlink;
    sb->st_uid = st.st_uid;
    sb->st_gid = st.st_gid;
    sb->st_rdev = st.st_rdev;
    sb->st_size = (_off_t)st.st_size;
    sb->st_atime = st.st_atime;
    sb->st_mtime = st.st_mtime;
    sb->st_ctime = st.st_ctime;
    return 0;
}

/* open: the runtime's, always binary (POSIX has no text mode), without
 * O_NONBLOCK (a disk file is always ready).  Only disk files: FIFOs and
 * devices cannot be waited on with Winsock (ENOSYS). */
int _st_win_open(const char *path, int oflags, ...)
{
    int mode = 0, fd;

    if (oflags & O_CREAT) {
        va_list ap;
        va_start(ap, oflags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    fd = _open(path, (oflags & ~O_NONBLOCK) | O_BINARY,
               mode & (_S_IREAD | _S_IWRITE));
    if (fd >= 0 && GetFileType((HANDLE)_get_osfhandle(fd)) !=
                   FILE_TYPE_DISK) {
        _close(fd);
        errno = ENOSYS;
        return -1;
    }
    return fd;
}
