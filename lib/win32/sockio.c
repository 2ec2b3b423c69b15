/* SPDX-License-Identifier: MIT */
/* sockio.c - POSIX-named socket calls over Winsock (see sockio.h). */
#define ST_WIN32_SOCKIO_IMPL 1
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "sockio.h"

#define WSABUFS_LOCAL 16                /* vectors converted on-stack */

int _st_win_errno(int e)
{
    switch (e) {
    case 0:                     return 0;
    case WSAEINTR:              return EINTR;
    case WSAEBADF:
    case WSAENOTSOCK:           return EBADF;   /* every netfd is a socket */
    case WSAEACCES:             return EACCES;
    case WSAEFAULT:             return EFAULT;
    case WSAEINVAL:             return EINVAL;
    case WSAEMFILE:             return EMFILE;
    case WSAEWOULDBLOCK:        return EAGAIN;
    case WSAEINPROGRESS:        return EINPROGRESS;
    case WSAEALREADY:           return EALREADY;
    case WSAEDESTADDRREQ:       return EDESTADDRREQ;
    case WSAEMSGSIZE:           return EMSGSIZE;
    case WSAEPROTOTYPE:         return EPROTOTYPE;
    case WSAENOPROTOOPT:        return ENOPROTOOPT;
    case WSAEPROTONOSUPPORT:    return EPROTONOSUPPORT;
    case WSAEOPNOTSUPP:         return EOPNOTSUPP;
    case WSAEAFNOSUPPORT:       return EAFNOSUPPORT;
    case WSAEADDRINUSE:         return EADDRINUSE;
    case WSAEADDRNOTAVAIL:      return EADDRNOTAVAIL;
    case WSAENETDOWN:           return ENETDOWN;
    case WSAENETUNREACH:        return ENETUNREACH;
    case WSAENETRESET:          return ENETRESET;
    case WSAECONNABORTED:       return ECONNABORTED;
    case WSAECONNRESET:         return ECONNRESET;
    case WSAENOBUFS:            return ENOBUFS;
    case WSAEISCONN:            return EISCONN;
    case WSAENOTCONN:           return ENOTCONN;
    case WSAESHUTDOWN:          return EPIPE;   /* sending after SHUT_WR */
    case WSAETIMEDOUT:          return ETIMEDOUT;
    case WSAECONNREFUSED:       return ECONNREFUSED;
    case WSAEHOSTDOWN:
    case WSAEHOSTUNREACH:       return EHOSTUNREACH;
    case WSAEDISCON:            return EPIPE;
    case WSA_NOT_ENOUGH_MEMORY: return ENOMEM;
    case WSANOTINITIALISED:     return ENOSYS;  /* st_init not called */
    default:                    return EIO;
    }
}

/* Every failing call ends here: errno from the last Winsock error. */
static int fail(void)
{
    errno = _st_win_errno(WSAGetLastError());
    return -1;
}

static int not_socket(void)
{
    return WSAGetLastError() == WSAENOTSOCK;
}

ssize_t _st_win_recv(int fd, void *buf, size_t n, int flags)
{
    int r = recv((SOCKET)fd, buf, n > INT_MAX ? INT_MAX : (int)n, flags);

    return r == SOCKET_ERROR ? fail() : r;
}

ssize_t _st_win_send(int fd, const void *buf, size_t n, int flags)
{
    int r = send((SOCKET)fd, buf, n > INT_MAX ? INT_MAX : (int)n, flags);

    return r == SOCKET_ERROR ? fail() : r;
}

ssize_t _st_win_read(int fd, void *buf, size_t n)
{
    int r = recv((SOCKET)fd, buf, n > INT_MAX ? INT_MAX : (int)n, 0);

    if (r != SOCKET_ERROR)
        return r;
    if (not_socket())
        return _st_win_file_read(fd, buf, n);
    if (n == 0 && WSAGetLastError() == WSAEWOULDBLOCK)
        return 0;                       /* see empty_read */
    return fail();
}

ssize_t _st_win_write(int fd, const void *buf, size_t n)
{
    int r = send((SOCKET)fd, buf, n > INT_MAX ? INT_MAX : (int)n, 0);

    if (r != SOCKET_ERROR)
        return r;
    if (not_socket())
        return _st_win_file_write(fd, buf, n);
    return fail();
}

/* POSIX vectors as WSABUFs: local ones for short arrays, else malloc'd.
 * Returns the array, or NULL with errno set. */
static WSABUF *to_wsabufs(const struct iovec *iov, int cnt, WSABUF *local)
{
    WSABUF *b = local;
    int i;

    if (cnt < 0 || (cnt > 0 && iov == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    if (cnt > WSABUFS_LOCAL) {
        b = malloc((size_t)cnt * sizeof *b);
        if (b == NULL) {
            errno = ENOMEM;
            return NULL;
        }
    }
    for (i = 0; i < cnt; i++) {
        if (iov[i].iov_len > ULONG_MAX) {
            if (b != local)
                free(b);
            errno = EINVAL;
            return NULL;
        }
        b[i].buf = iov[i].iov_base;
        b[i].len = (ULONG)iov[i].iov_len;
    }
    return b;
}

/* One scatter/gather transfer; name/namelen (may be NULL) are the peer
 * address of a datagram. */
static ssize_t xfer(int fd, const struct iovec *iov, int cnt, int writing,
                    int flags, struct sockaddr *name, socklen_t *namelen,
                    int *outflags)
{
    WSABUF local[WSABUFS_LOCAL], *b = to_wsabufs(iov, cnt, local);
    DWORD done = 0, fl = (DWORD)flags;
    int r, err;

    if (b == NULL)
        return -1;
    if (writing)
        r = WSASendTo((SOCKET)fd, b, (DWORD)cnt, &done, fl, name,
                      namelen ? *namelen : 0, NULL, NULL);
    else
        r = WSARecvFrom((SOCKET)fd, b, (DWORD)cnt, &done, &fl, name,
                        (int *)namelen, NULL, NULL);
    err = WSAGetLastError();
    if (b != local)
        free(b);
    if (r == SOCKET_ERROR) {
        if (!writing && err == WSAEMSGSIZE) {
            /* A datagram longer than the buffers fills them: POSIX
             * returns that much (Winsock reports no count). */
            size_t total = 0;
            int i;
            for (i = 0; i < cnt; i++)
                total += iov[i].iov_len;
            if (outflags != NULL)
                *outflags |= MSG_TRUNC;
            return (ssize_t)total;
        }
        errno = _st_win_errno(err);
        return -1;
    }
    if (outflags != NULL && (fl & MSG_PARTIAL))
        *outflags |= MSG_TRUNC;
    return (ssize_t)done;
}

/* A read of no bytes returns 0 at once in POSIX; Winsock's receive of
 * no bytes waits for data like any other (WSAEWOULDBLOCK). */
static int empty_read(const struct iovec *iov, int cnt)
{
    int i;

    for (i = 0; i < cnt; i++)
        if (iov[i].iov_len > 0)
            return 0;
    return WSAGetLastError() == WSAEWOULDBLOCK;
}

static ssize_t rwv(int fd, const struct iovec *iov, int cnt, int writing)
{
    ssize_t n = xfer(fd, iov, cnt, writing, 0, NULL, NULL, NULL);

    if (n >= 0)
        return n;
    if (errno == EBADF && not_socket())
        return _st_win_file_rwv(fd, iov, cnt, writing);
    if (!writing && iov != NULL && empty_read(iov, cnt))
        return 0;
    return n;
}

ssize_t _st_win_readv(int fd, const struct iovec *iov, int cnt)
{
    return rwv(fd, iov, cnt, 0);
}

ssize_t _st_win_writev(int fd, const struct iovec *iov, int cnt)
{
    return rwv(fd, iov, cnt, 1);
}

ssize_t _st_win_recvmsg(int fd, struct msghdr *msg, int flags)
{
    socklen_t len = msg->msg_namelen;
    ssize_t n;

    if (msg->msg_iovlen > INT_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    msg->msg_flags = 0;
    n = xfer(fd, msg->msg_iov, (int)msg->msg_iovlen, 0, flags,
             msg->msg_name, msg->msg_name ? &len : NULL, &msg->msg_flags);
    if (n >= 0) {
        msg->msg_namelen = msg->msg_name ? len : 0;
        msg->msg_controllen = 0;        /* no ancillary data on Winsock */
    }
    return n;
}

ssize_t _st_win_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    socklen_t len = msg->msg_namelen;

    if (msg->msg_controllen != 0) {
        errno = EOPNOTSUPP;
        return -1;
    }
    if (msg->msg_iovlen > INT_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    return xfer(fd, msg->msg_iov, (int)msg->msg_iovlen, 1, flags,
                msg->msg_name, msg->msg_name ? &len : NULL, NULL);
}

ssize_t _st_win_recvfrom(int fd, void *buf, size_t n, int flags,
                         struct sockaddr *from, socklen_t *fromlen)
{
    struct iovec v;

    v.iov_base = buf;
    v.iov_len = n;
    return xfer(fd, &v, 1, 0, flags, from, from ? fromlen : NULL, NULL);
}

ssize_t _st_win_sendto(int fd, const void *buf, size_t n, int flags,
                       const struct sockaddr *to, socklen_t tolen)
{
    struct iovec v;

    v.iov_base = (void *)(uintptr_t)buf;
    v.iov_len = n;
    return xfer(fd, &v, 1, 1, flags, (struct sockaddr *)(uintptr_t)to,
                to ? &tolen : NULL, NULL);
}

int _st_win_close(int fd)
{
    if (closesocket((SOCKET)fd) == 0)
        return 0;
    if (not_socket())
        return _close(fd);
    return fail();
}

int _st_win_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    SOCKET s = accept((SOCKET)fd, addr, len);

    return s == INVALID_SOCKET ? fail() : (int)s;
}

/* Is addr of another family than the socket's? */
static int other_family(int fd, const struct sockaddr *addr)
{
    WSAPROTOCOL_INFOA pi;
    int n = sizeof pi;

    return addr != NULL &&
           getsockopt((SOCKET)fd, SOL_SOCKET, SO_PROTOCOL_INFOA, (char *)&pi,
                      &n) == 0 &&
           pi.iAddressFamily != addr->sa_family;
}

int _st_win_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    int err;

    if (connect((SOCKET)fd, addr, len) == 0)
        return 0;
    err = WSAGetLastError();
    switch (err) {
    case WSAEWOULDBLOCK:                /* POSIX: in progress */
        errno = EINPROGRESS;
        return -1;
    case WSAEINVAL:                     /* an earlier one still running */
        errno = EALREADY;
        return -1;
    case WSAEFAULT:                     /* Windows, Wine: an address of */
    case WSAEOPNOTSUPP:                 /* another family */
        errno = other_family(fd, addr) ? EAFNOSUPPORT : _st_win_errno(err);
        return -1;
    default:
        errno = _st_win_errno(err);
        return -1;
    }
}

int _st_win_getsockopt(int fd, int level, int name, void *val,
                       socklen_t *len)
{
    if (getsockopt((SOCKET)fd, level, name, val, len) == SOCKET_ERROR)
        return fail();
    /* A pending error is a Winsock code: callers set errno from it. */
    if (level == SOL_SOCKET && name == SO_ERROR && val != NULL &&
        len != NULL && *len >= (socklen_t)sizeof(int))
        *(int *)val = _st_win_errno(*(int *)val);
    return 0;
}

int _st_win_socket(int domain, int type, int proto)
{
    SOCKET s = socket(domain, type, proto);

    return s == INVALID_SOCKET ? fail() : (int)s;
}

int _st_win_shutdown(int fd, int how)
{
    return shutdown((SOCKET)fd, how) == 0 ? 0 : fail();
}

int _st_win_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    return bind((SOCKET)fd, addr, len) == 0 ? 0 : fail();
}

int _st_win_listen(int fd, int backlog)
{
    return listen((SOCKET)fd, backlog) == 0 ? 0 : fail();
}

/* A connected pair over loopback stands in for socketpair(AF_UNIX) and
 * pipe(): Winsock has neither.  SOCK_STREAM gives TCP, SOCK_DGRAM two
 * connected UDP sockets. */
int _st_win_socketpair(int domain, int type, int proto, int sv[2])
{
    struct sockaddr_in sin;
    int len = sizeof sin, err;
    SOCKET l = INVALID_SOCKET, a = INVALID_SOCKET, b = INVALID_SOCKET;

    (void)domain;
    (void)proto;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (type == SOCK_DGRAM) {
        struct sockaddr_in sb;
        int lb = sizeof sb;
        a = socket(AF_INET, SOCK_DGRAM, 0);
        b = socket(AF_INET, SOCK_DGRAM, 0);
        if (a == INVALID_SOCKET || b == INVALID_SOCKET ||
            bind(a, (struct sockaddr *)&sin, sizeof sin) != 0 ||
            bind(b, (struct sockaddr *)&sin, sizeof sin) != 0 ||
            getsockname(a, (struct sockaddr *)&sin, &len) != 0 ||
            getsockname(b, (struct sockaddr *)&sb, &lb) != 0 ||
            connect(a, (struct sockaddr *)&sb, lb) != 0 ||
            connect(b, (struct sockaddr *)&sin, len) != 0)
            goto fail;
    } else {
        l = socket(AF_INET, SOCK_STREAM, 0);
        if (l == INVALID_SOCKET ||
            bind(l, (struct sockaddr *)&sin, sizeof sin) != 0 ||
            listen(l, 1) != 0 ||
            getsockname(l, (struct sockaddr *)&sin, &len) != 0)
            goto fail;
        a = socket(AF_INET, SOCK_STREAM, 0);
        if (a == INVALID_SOCKET ||
            connect(a, (struct sockaddr *)&sin, len) != 0)
            goto fail;
        b = accept(l, NULL, NULL);
        if (b == INVALID_SOCKET)
            goto fail;
        closesocket(l);
    }
    sv[0] = (int)a;
    sv[1] = (int)b;
    return 0;
fail:
    err = WSAGetLastError();
    if (l != INVALID_SOCKET)
        closesocket(l);
    if (a != INVALID_SOCKET)
        closesocket(a);
    if (b != INVALID_SOCKET)
        closesocket(b);
    errno = _st_win_errno(err);
    return -1;
}

int _st_win_pipe(int fds[2])
{
    return _st_win_socketpair(AF_INET, SOCK_STREAM, 0, fds);
}

int _st_win_ioctl(int fd, unsigned long req, void *arg)
{
    u_long v = arg != NULL ? (u_long)*(int *)arg : 0;

    if (ioctlsocket((SOCKET)fd, (long)req, &v) == SOCKET_ERROR)
        return fail();
    if (arg != NULL && req != (unsigned long)FIONBIO)
        *(int *)arg = (int)v;
    return 0;
}

/* F_GETFL cannot tell on Winsock (it reports no flags); F_SETFL with
 * O_NONBLOCK sets the socket non-blocking, and is accepted on a disk
 * file (always ready; its calls go to the helper pool).  Nothing else
 * exists. */
int _st_win_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    int flags;
    u_long on;

    switch (cmd) {
    case F_GETFL:
        return 0;
    case F_GETFD:
        return FD_CLOEXEC;              /* sockets are not inherited */
    case F_SETFD:
        return 0;
    case F_SETFL:
        va_start(ap, cmd);
        flags = va_arg(ap, int);
        va_end(ap);
        on = (flags & O_NONBLOCK) != 0;
        if (ioctlsocket((SOCKET)fd, FIONBIO, &on) == 0)
            return 0;
        if (!not_socket())
            return fail();
        if (_st_win_is_disk_file(fd))
            return 0;
        errno = EBADF;                  /* a pipe, a console, nothing */
        return -1;
    default:
        errno = EINVAL;
        return -1;
    }
}

int _st_win_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    nfds_t i;
    int r;

    if (n == 0) {
        /* WSAPoll refuses an empty set; a timed wait is a sleep. */
        Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
        return 0;
    }
    /* WSAPoll rejects POLLPRI (the Microsoft provider has no priority
     * band): ask for the rest; POLLPRI alone waits for errors only. */
    for (i = 0; i < n; i++)
        fds[i].events &= (short)~POLLPRI;
    r = WSAPoll(fds, (ULONG)n, timeout_ms);
    return r == SOCKET_ERROR ? fail() : r;
}
