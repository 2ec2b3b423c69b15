/* SPDX-License-Identifier: MIT */
/* sockio.h - POSIX-named socket calls over Winsock, for MinGW builds. */
/*
 * The portable library (and its tests and examples) call read, write,
 * readv, close, accept, connect, poll... on descriptors that are always
 * sockets on Windows.  The headers of lib/win32/ that MinGW lacks
 * (sys/socket.h, sys/uio.h, poll.h, ...) include this one, which maps
 * those names onto the functions below: each calls Winsock and turns
 * WSAGetLastError() into the errno value POSIX gives (WSAEWOULDBLOCK is
 * EAGAIN, a non-blocking connect's WSAEWOULDBLOCK is EINPROGRESS, ...).
 * read, write, readv, writev and close fall back to the C runtime on a
 * descriptor that is not a socket (files, stderr: lib/win32/fileops.c).
 */
#ifndef ST_WIN32_SOCKIO_H
#define ST_WIN32_SOCKIO_H

#include <st_win32.h>                   /* winsock2.h, iovec, msghdr */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL    0               /* Winsock raises no SIGPIPE */
#endif
#ifndef MSG_TRUNC
#define MSG_TRUNC       0x0100          /* WSARecvFrom's MSG_PARTIAL */
#endif
#ifndef SHUT_RD
#define SHUT_RD         SD_RECEIVE
#define SHUT_WR         SD_SEND
#define SHUT_RDWR       SD_BOTH
#endif
#ifndef F_GETFL
#define F_GETFL         3
#define F_SETFL         4
#endif
#ifndef F_GETFD
#define F_GETFD         1
#define F_SETFD         2
#define FD_CLOEXEC      1               /* handles are not inherited */
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC       0
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK      0x100000        /* clear of every _O_ flag */
#endif
#ifndef ENOTSUP
#define ENOTSUP         EOPNOTSUPP
#endif
typedef unsigned long nfds_t;

/* errno for a Winsock error code (WSAGetLastError(), SO_ERROR). */
int _st_win_errno(int wsaerr);

ssize_t _st_win_read(int fd, void *buf, size_t n);
ssize_t _st_win_write(int fd, const void *buf, size_t n);
ssize_t _st_win_readv(int fd, const struct iovec *iov, int cnt);
ssize_t _st_win_writev(int fd, const struct iovec *iov, int cnt);
int _st_win_close(int fd);
int _st_win_accept(int fd, struct sockaddr *addr, socklen_t *len);
int _st_win_connect(int fd, const struct sockaddr *addr, socklen_t len);
int _st_win_getsockopt(int fd, int level, int name, void *val,
                       socklen_t *len);
ssize_t _st_win_recvfrom(int fd, void *buf, size_t n, int flags,
                         struct sockaddr *from, socklen_t *fromlen);
ssize_t _st_win_sendto(int fd, const void *buf, size_t n, int flags,
                       const struct sockaddr *to, socklen_t tolen);
ssize_t _st_win_recv(int fd, void *buf, size_t n, int flags);
ssize_t _st_win_send(int fd, const void *buf, size_t n, int flags);
ssize_t _st_win_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t _st_win_sendmsg(int fd, const struct msghdr *msg, int flags);
int _st_win_socket(int domain, int type, int proto);
int _st_win_socketpair(int domain, int type, int proto, int sv[2]);
int _st_win_pipe(int fds[2]);
int _st_win_ioctl(int fd, unsigned long req, void *arg);
int _st_win_fcntl(int fd, int cmd, ...);
int _st_win_open(const char *path, int oflags, ...);
/* The C runtime's side (fileops.c): read, write, readv and writev on a
 * runtime descriptor, taking turns with pread and pwrite on it. */
ssize_t _st_win_file_read(int fd, void *buf, size_t n);
ssize_t _st_win_file_write(int fd, const void *buf, size_t n);
ssize_t _st_win_file_rwv(int fd, const struct iovec *iov, int cnt,
                         int writing);
int _st_win_is_disk_file(int fd);      /* a runtime descriptor on a file */
int _st_win_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
int _st_win_shutdown(int fd, int how);
int _st_win_bind(int fd, const struct sockaddr *addr, socklen_t len);
int _st_win_listen(int fd, int backlog);

#if !defined(ST_WIN32_SOCKIO_IMPL)
#define read(f, b, n)               _st_win_read((f), (b), (n))
#define write(f, b, n)              _st_win_write((f), (b), (n))
#define readv(f, v, c)              _st_win_readv((f), (v), (c))
#define writev(f, v, c)             _st_win_writev((f), (v), (c))
#define close(f)                    _st_win_close(f)
#define accept(f, a, l)             _st_win_accept((f), (a), (l))
#define connect(f, a, l)            _st_win_connect((f), (a), (l))
#define getsockopt(f, l, o, v, n)   _st_win_getsockopt((f), (l), (o), (v), (n))
#define setsockopt(f, l, o, v, n) \
    setsockopt((SOCKET)(f), (l), (o), (const char *)(v), (n))
#define getsockname(f, a, l)        getsockname((SOCKET)(f), (a), (l))
#define getpeername(f, a, l)        getpeername((SOCKET)(f), (a), (l))
#define recvfrom(f, b, n, g, a, l) \
    _st_win_recvfrom((f), (b), (n), (g), (a), (l))
#define sendto(f, b, n, g, a, l)    _st_win_sendto((f), (b), (n), (g), (a), (l))
#define recv(f, b, n, g)            _st_win_recv((f), (b), (n), (g))
#define send(f, b, n, g)            _st_win_send((f), (b), (n), (g))
#define recvmsg(f, m, g)            _st_win_recvmsg((f), (m), (g))
#define sendmsg(f, m, g)            _st_win_sendmsg((f), (m), (g))
#define socket(d, t, p)             _st_win_socket((d), (t), (p))
#define socketpair(d, t, p, v)      _st_win_socketpair((d), (t), (p), (v))
#define pipe(v)                     _st_win_pipe(v)
#define ioctl(f, r, a)              _st_win_ioctl((f), (r), (a))
#define fcntl(...)                  _st_win_fcntl(__VA_ARGS__)
#define open(...)                   _st_win_open(__VA_ARGS__)
#define poll(f, n, t)               _st_win_poll((f), (n), (t))
#define shutdown(f, h)              _st_win_shutdown((f), (h))
#define bind(f, a, l)               _st_win_bind((f), (a), (l))
#define listen(f, b)                _st_win_listen((f), (b))
#endif

#endif /* ST_WIN32_SOCKIO_H */
