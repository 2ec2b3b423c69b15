/* SPDX-License-Identifier: MIT */
/* io.c - waiting for I/O (st_poll) and the blocking-style I/O calls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"
#include "netfd.h"

#define WOULDBLOCK(e) ((e) == EAGAIN || (e) == EWOULDBLOCK)
#define LOCAL_NODES 8                   /* poll entries handled on-stack */
#define LOCAL_IOV   16                  /* writev copies handled on-stack */

/* ---- st_poll ----------------------------------------------------------- */

int st_poll(struct pollfd *pds, int npds, st_utime_t timeout)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;
    _st_pollnode_t local[LOCAL_NODES];
    _st_pollq_t pq;
    int i, n = 0;

    if (npds < 0 || (npds > 0 && pds == NULL)) {
        errno = EINVAL;
        return -1;
    }
    if (me->flags & ST_FL_INTERRUPT) {
        me->flags &= ~ST_FL_INTERRUPT;
        errno = EINTR;
        return -1;
    }
    pq.pds = pds;
    pq.npds = npds;
    pq.thread = me;
    pq.on_ioq = 1;
    pq.ready = 0;
    pq.seq = vp->pollq_seq++;
    pq.notify = NULL;
    pq.nodes = local;
    if (npds > LOCAL_NODES) {
        pq.nodes = malloc((size_t)npds * sizeof *pq.nodes);
        if (pq.nodes == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    if (npds > 0) {
        if (vp->ev->pollset_add(&pq) < 0) {
            int err = errno;
            if (pq.nodes != local)
                free(pq.nodes);
            errno = err;
            return -1;
        }
        _st_clist_append(&vp->io_q, &pq.links);
    } else {
        ST_CLIST_INIT(&pq.links);
    }
    if (timeout != ST_UTIME_NO_TIMEOUT)
        _st_add_sleepq(me, timeout);
    me->state = ST_ST_IO_WAIT;
    _st_switch();

    if (pq.on_ioq) {
        /* Timed out or interrupted: nothing is ready. */
        if (npds > 0) {
            _st_clist_remove(&pq.links);
            vp->ev->pollset_del(&pq);
        }
        for (i = 0; i < npds; i++)
            pds[i].revents = 0;
    } else {
        for (i = 0; i < npds; i++)
            if (pds[i].revents)
                n++;
    }
    if (pq.nodes != local)
        free(pq.nodes);
    if (me->flags & ST_FL_INTERRUPT) {
        me->flags &= ~ST_FL_INTERRUPT;
        errno = EINTR;
        return -1;
    }
    return n;
}

int st_netfd_poll(st_netfd_t fd, int how, st_utime_t timeout)
{
    struct pollfd pd;
    int n;

    if (fd == NULL || !fd->inuse) {
        errno = EBADF;
        return -1;
    }
    pd.fd = fd->osfd;
    pd.events = (short)how;
    pd.revents = 0;
    n = st_poll(&pd, 1, timeout);
    if (n < 0)
        return -1;
    if (n == 0) {
        errno = ETIME;
        return -1;
    }
    if (pd.revents & POLLNVAL) {
        errno = EBADF;
        return -1;
    }
    return 0;
}

/*
 * A socket call that would block may be performed by the event system
 * itself (io_uring: a kernel operation whose completion carries the
 * result, so no retry).  Returns 1 with *res set (-1: failed with errno)
 * when it was done that way, 0 when the caller must wait with a poll and
 * retry as usual.
 */
static inline int sock_io(const _st_io_req_t *req, st_utime_t timeout,
                          ssize_t *res)
{
    const _st_eventsys_ops_t *ev = VP->ev;
    long r;

    if (ev->sock_io == NULL)
        return 0;
    r = ev->sock_io(req, timeout);
    if (r == -2)
        return 0;
    *res = (ssize_t)r;
    return 1;
}

/* A read (or accept) the event system knows would fail with EAGAIN skips
 * the system call and goes straight to the wait: it would switch anyway. */
static inline int sock_doomed(st_netfd_t fd)
{
    const _st_eventsys_ops_t *ev = VP->ev;

    return ev->sock_doomed != NULL && ev->sock_doomed(fd->osfd);
}

/* A read system call of fd returned res of ASKED bytes: a short one is
 * news for an event system that keeps a standing poll.  ASKED is only
 * evaluated for such a system (a readv's total costs a loop). */
#define NOTE_READ(fd, res, ASKED)                                         \
    do {                                                                  \
        void (*drained_)(int) = VP->ev->sock_drained;                     \
        if (drained_ != NULL && (res) > 0 && (size_t)(res) < (ASKED))     \
            drained_((fd)->osfd);                                         \
    } while (0)

#define SOCK_REQ(var, ...) _st_io_req_t var = { __VA_ARGS__ }

/*
 * The common pattern: try the non-blocking call; retry on EINTR; on
 * EAGAIN wait for the direction with a fresh timeout and retry; any other
 * error is returned.  CALL is re-evaluated each time.  REQ (or NULL)
 * describes the call for an event system that performs it itself;
 * SKIP says the call is known to block (skip it and wait at once);
 * ON_DONE runs after a successful system call (not after sock_io).
 */
#define IO_LOOP_REQ(res, fd, dir, timeout, CALL, REQ, SKIP, ON_DONE)      \
    for (;;) {                                                            \
        ssize_t ev_res_;                                                  \
        if (!(SKIP)) {                                                    \
            (res) = (CALL);                                               \
            if ((res) >= 0) {                                             \
                ON_DONE;                                                  \
                break;                                                    \
            }                                                             \
            if (errno == EINTR)                                           \
                continue;                                                 \
            if (!WOULDBLOCK(errno))                                       \
                return -1;                                                \
        }                                                                 \
        if ((REQ) != NULL && sock_io((REQ), (timeout), &ev_res_)) {       \
            if (ev_res_ < 0)                                              \
                return -1;                                                \
            (res) = ev_res_;                                              \
            break;                                                        \
        }                                                                 \
        if (st_netfd_poll((fd), (dir), (timeout)) < 0)                    \
            return -1;                                                    \
    }
#define IO_LOOP(res, fd, dir, timeout, CALL)                              \
    IO_LOOP_REQ(res, fd, dir, timeout, CALL, (const void *)NULL, 0, (void)0)
/* A read that the event system can do itself or know to be doomed.
 * A zero-length read is never skipped: it returns 0 at once (API.md
 * 3.9), which only the system call says; the kernel would block a
 * zero-length receive operation. */
#define IO_LOOP_READ(res, fd, timeout, CALL, REQ, NONEMPTY, ASKED)        \
    IO_LOOP_REQ(res, fd, POLLIN, timeout, CALL, REQ,                      \
                sock_doomed(fd) && (NONEMPTY), NOTE_READ(fd, res, ASKED))

#define CHECK_FD(fd, ret)                                                 \
    do {                                                                  \
        if ((fd) == NULL || !(fd)->inuse) {                               \
            errno = EBADF;                                                \
            return ret;                                                   \
        }                                                                 \
    } while (0)

/* ---- accept and connect ------------------------------------------------- */

st_netfd_t st_accept(st_netfd_t fd, struct sockaddr *addr, int *addrlen,
                     st_utime_t timeout)
{
    socklen_t len, *lenp = NULL;
    st_netfd_t nfd;
    int osfd, err;

    CHECK_FD(fd, NULL);
    if (addrlen != NULL) {
        if (*addrlen < 0) {
            errno = EINVAL;
            return NULL;
        }
        len = (socklen_t)*addrlen;
        lenp = &len;
    }
    for (;;) {
#if defined(SOCK_NONBLOCK)
        ssize_t eres;
        SOCK_REQ(req, .kind = ST_IO_ACCEPT, .osfd = fd->osfd,
                 .flags = SOCK_NONBLOCK, .addr = addr, .addrlen = lenp);
        if (sock_doomed(fd))
            goto ev_wait;               /* no connection is queued */
#endif
#if defined(HAVE_ACCEPT4) && defined(SOCK_NONBLOCK)
        osfd = accept4(fd->osfd, addr, lenp, SOCK_NONBLOCK);
#else
        osfd = accept(fd->osfd, addr, lenp);
#endif
        if (osfd >= 0)
            break;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (!WOULDBLOCK(errno))
            return NULL;
#if defined(SOCK_NONBLOCK)
    ev_wait:
        if (sock_io(&req, timeout, &eres)) {
            if (eres >= 0) {
                osfd = (int)eres;
                break;
            }
            if (errno == ECONNABORTED)
                continue;
            return NULL;
        }
#endif
        if (st_netfd_poll(fd, POLLIN, timeout) < 0)
            return NULL;
    }
    if (addrlen != NULL)
        *addrlen = (int)len;
#if defined(HAVE_ACCEPT4) && defined(SOCK_NONBLOCK)
    nfd = _st_netfd_new(osfd, ST_NB_NONE);
#elif defined(ST_ACCEPT_INHERITS_NONBLOCK)
    nfd = _st_netfd_new(osfd, ST_NB_NONE);
#else
    nfd = _st_netfd_new(osfd, ST_NB_IOCTL);
#endif
    if (nfd == NULL) {
        err = errno;
        close(osfd);
        errno = err;
    }
    return nfd;
}

int st_connect(st_netfd_t fd, const struct sockaddr *addr, int addrlen,
               st_utime_t timeout)
{
    int n, err = 0, interrupted = 0;
    socklen_t len;

    CHECK_FD(fd, -1);
    for (;;) {
        if (connect(fd->osfd, addr, (socklen_t)addrlen) == 0)
            return 0;
        if (errno == EINTR) {
            interrupted = 1;
            continue;
        }
        if (errno == EINPROGRESS || (interrupted && errno == EADDRINUSE) ||
            (interrupted && errno == EALREADY))
            break;
        if (interrupted && errno == EISCONN)
            return 0;
        return -1;
    }
    if (st_netfd_poll(fd, POLLOUT, timeout) < 0)
        return -1;
    len = sizeof err;
    n = getsockopt(fd->osfd, SOL_SOCKET, SO_ERROR, (char *)&err, &len);
    if (n < 0)
        return -1;
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

/* ---- regular files ------------------------------------------------------ */

/* A regular file is always "ready", so its calls never wait for a poll:
 * they go to the event system's file_io, where only the caller waits.
 * With st_set_fileio_threads(0) the plain calls block the scheduler, as
 * in the classic versions, and so does a call that asks not to wait at
 * all (ST_UTIME_NO_WAIT: a file is ready, so it must not fail with ETIME
 * for want of a helper). */
static inline int file_path(st_netfd_t fd, st_utime_t timeout)
{
    return _st_unlikely(fd->regular) && timeout != ST_UTIME_NO_WAIT &&
           _st_fileio_threads() != 0;
}

/* Enter and leave file calls on fd: counted (st_netfd_close refuses with
 * EBUSY meanwhile), and those that use the file position (whole=1)
 * take turns per netfd, so that they happen in call order and one
 * st_write's parts are never interleaved with another's. */
static int file_enter(st_netfd_t fd, int whole)
{
    fd->nfile++;
    if (whole && st_mutex_lock(&fd->fpos) < 0) {
        fd->nfile--;
        return -1;
    }
    return 0;
}

static void file_leave(st_netfd_t fd, int whole)
{
    int err = errno;

    if (whole)
        st_mutex_unlock(&fd->fpos);
    fd->nfile--;
    errno = err;
}

static ssize_t file_once(st_netfd_t fd, const _st_io_req_t *req,
                         st_utime_t timeout)
{
    int whole = req->off < 0 &&
                (req->kind == ST_IO_FREAD || req->kind == ST_IO_FWRITE);
    ssize_t n;

    if (file_enter(fd, whole) < 0)
        return -1;
    n = (ssize_t)VP->ev->file_io(req, timeout);
    file_leave(fd, whole);
    return n;
}

/* ---- reads ----------------------------------------------------------- */

ssize_t st_read(st_netfd_t fd, void *buf, size_t nbyte, st_utime_t timeout)
{
    ssize_t n;

    CHECK_FD(fd, -1);
    if (file_path(fd, timeout)) {
        _st_io_req_t req = { .kind = ST_IO_FREAD, .osfd = fd->osfd,
                             .buf = buf, .len = nbyte, .off = -1 };
        return file_once(fd, &req, timeout);
    }
    {
        SOCK_REQ(req, .kind = ST_IO_RECV, .osfd = fd->osfd, .buf = buf,
                  .len = nbyte);
        IO_LOOP_READ(n, fd, timeout,
                     ST_STAT_IO(read, read(fd->osfd, buf, nbyte)), &req,
                     nbyte > 0, nbyte);
    }
    return n;
}

/* Does the vector array hold at least one byte of room? */
static int iov_nonempty(const struct iovec *iov, int iov_size)
{
    int i;

    for (i = 0; iov != NULL && i < iov_size; i++)
        if (iov[i].iov_len > 0)
            return 1;
    return 0;
}

/* The bytes the vectors hold room for. */
static size_t iov_total(const struct iovec *iov, int iov_size)
{
    size_t t = 0;
    int i;

    for (i = 0; i < iov_size; i++)
        t += iov[i].iov_len;
    return t;
}

ssize_t st_readv(st_netfd_t fd, const struct iovec *iov, int iov_size,
                 st_utime_t timeout)
{
    ssize_t n;

    CHECK_FD(fd, -1);
    if (file_path(fd, timeout)) {
        _st_io_req_t req = { .kind = ST_IO_FREAD, .osfd = fd->osfd,
                             .iov = iov, .iovcnt = iov_size, .off = -1 };
        if (iov_size < 0) {
            errno = EINVAL;
            return -1;
        }
        return file_once(fd, &req, timeout);
    }
    {
        struct msghdr msg;
        SOCK_REQ(req, .kind = ST_IO_RECVMSG, .osfd = fd->osfd,
                  .msg = &msg);
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = (struct iovec *)(uintptr_t)iov;
        msg.msg_iovlen = iov_size > 0 ? (size_t)iov_size : 0;
        IO_LOOP_READ(n, fd, timeout,
                     ST_STAT_IO(readv, readv(fd->osfd, iov, iov_size)), &req,
                     iov_nonempty(iov, iov_size), iov_total(iov, iov_size));
    }
    return n;
}

/* Drop leading empty vectors so they cost no wait. */
static void skip_empty(struct iovec **iov, int *iov_size)
{
    while (*iov_size > 0 && (*iov)->iov_len == 0) {
        (*iov)++;
        (*iov_size)--;
    }
}

/* Account n transferred bytes against the vector array. */
static void consume(struct iovec **iov, int *iov_size, size_t n)
{
    while (*iov_size > 0) {
        struct iovec *v = *iov;
        if (n < v->iov_len) {
            v->iov_base = (char *)v->iov_base + n;
            v->iov_len -= n;
            break;
        }
        n -= v->iov_len;
        v->iov_base = (char *)v->iov_base + v->iov_len;
        v->iov_len = 0;
        (*iov)++;
        (*iov_size)--;
    }
    skip_empty(iov, iov_size);
}

/* st_readv_resid and st_writev_resid on a regular file: one call per
 * round and no wait between rounds, the whole loop in one turn. */
static int file_resid(st_netfd_t fd, struct iovec **iov, int *iov_size,
                      st_utime_t timeout, int writing)
{
    ssize_t n;
    int rv = 0;

    if (file_enter(fd, 1) < 0)
        return -1;
    while (*iov_size > 0) {
        _st_io_req_t req = {
            .kind = writing ? ST_IO_FWRITE : ST_IO_FREAD, .osfd = fd->osfd,
            .buf = (*iov)->iov_base, .len = (*iov)->iov_len,
            .iov = *iov_size > 1 ? *iov : NULL,
            .iovcnt = *iov_size > 1 ? *iov_size : 0,
            .off = -1
        };
        n = (ssize_t)VP->ev->file_io(&req, timeout);
        if (n < 0) {
            rv = -1;
            break;
        }
        if (n == 0 && !writing)
            break;                      /* EOF */
        consume(iov, iov_size, (size_t)n);
    }
    file_leave(fd, 1);
    return rv;
}

/* The loop behind st_readv_resid and st_writev_resid: transfer until
 * every vector is done, at EOF (reads), or on an error, timeout or
 * interrupt; after each partial transfer, wait for the direction. */
static int resid_io(st_netfd_t fd, struct iovec **iov, int *iov_size,
                    st_utime_t timeout, int writing)
{
    ssize_t n;
    int doomed = 0;                     /* the next read is known to block */

    CHECK_FD(fd, -1);
    if (iov == NULL || iov_size == NULL || *iov_size < 0) {
        errno = EINVAL;
        return -1;
    }
    skip_empty(iov, iov_size);
    if (file_path(fd, timeout))
        return file_resid(fd, iov, iov_size, timeout, writing);
    while (*iov_size > 0) {
        if (!writing && (doomed || sock_doomed(fd))) {
            n = -1;
            errno = EAGAIN;
            doomed = 0;
        } else if (*iov_size == 1) {
            n = writing ? write(fd->osfd, (*iov)->iov_base, (*iov)->iov_len)
                        : ST_STAT_IO(read, read(fd->osfd, (*iov)->iov_base,
                                                (*iov)->iov_len));
        } else {
            n = writing ? ST_STAT_IO(writev, writev(fd->osfd, *iov, *iov_size))
                        : ST_STAT_IO(readv, readv(fd->osfd, *iov, *iov_size));
        }
        if (!writing && n > 0)
            NOTE_READ(fd, n, iov_total(*iov, *iov_size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (!WOULDBLOCK(errno))
                return -1;
            {
                struct msghdr msg;
                SOCK_REQ(req, .kind = writing ? ST_IO_SEND : ST_IO_RECV,
                          .osfd = fd->osfd, .buf = (*iov)->iov_base,
                          .len = (*iov)->iov_len);
                if (*iov_size > 1) {
                    memset(&msg, 0, sizeof msg);
                    msg.msg_iov = *iov;
                    msg.msg_iovlen = (size_t)*iov_size;
                    req.kind = writing ? ST_IO_SENDMSG : ST_IO_RECVMSG;
                    req.msg = &msg;
                    if (writing)
                        req.flags = MSG_NOSIGNAL;
                }
                /* Done by the ring: n is its result, or still -1 when
                 * the caller must poll and retry. */
                if (sock_io(&req, timeout, &n) && n < 0)
                    return -1;
            }
        }
        if (n >= 0) {
            if (n == 0 && !writing)
                break;                  /* EOF */
            consume(iov, iov_size, (size_t)n);
            if (*iov_size == 0)
                break;
            if (!writing && sock_doomed(fd)) {
                doomed = 1;             /* the operation is the wait */
                continue;
            }
        }
        if (st_netfd_poll(fd, writing ? POLLOUT : POLLIN, timeout) < 0)
            return -1;
    }
    return 0;
}

int st_readv_resid(st_netfd_t fd, struct iovec **iov, int *iov_size,
                   st_utime_t timeout)
{
    return resid_io(fd, iov, iov_size, timeout, 0);
}

int st_read_resid(st_netfd_t fd, void *buf, size_t *resid,
                  st_utime_t timeout)
{
    struct iovec iov, *riov = &iov;
    int riov_size = 1, rv;

    if (resid == NULL) {
        errno = EINVAL;
        return -1;
    }
    iov.iov_base = buf;
    iov.iov_len = *resid;
    rv = st_readv_resid(fd, &riov, &riov_size, timeout);
    *resid = iov.iov_len;
    return rv;
}

ssize_t st_read_fully(st_netfd_t fd, void *buf, size_t nbyte,
                      st_utime_t timeout)
{
    size_t resid = nbyte;

    if (st_read_resid(fd, buf, &resid, timeout) < 0)
        return -1;
    return (ssize_t)(nbyte - resid);
}

/* ---- writes ----------------------------------------------------------- */

int st_writev_resid(st_netfd_t fd, struct iovec **iov, int *iov_size,
                    st_utime_t timeout)
{
    return resid_io(fd, iov, iov_size, timeout, 1);
}

int st_write_resid(st_netfd_t fd, const void *buf, size_t *resid,
                   st_utime_t timeout)
{
    struct iovec iov, *riov = &iov;
    int riov_size = 1, rv;

    if (resid == NULL) {
        errno = EINVAL;
        return -1;
    }
    iov.iov_base = (void *)(uintptr_t)buf;
    iov.iov_len = *resid;
    rv = st_writev_resid(fd, &riov, &riov_size, timeout);
    *resid = iov.iov_len;
    return rv;
}

ssize_t st_write(st_netfd_t fd, const void *buf, size_t nbyte,
                 st_utime_t timeout)
{
    size_t resid = nbyte;

    if (st_write_resid(fd, buf, &resid, timeout) < 0)
        return -1;
    return (ssize_t)nbyte;
}

ssize_t st_writev(st_netfd_t fd, const struct iovec *iov, int iov_size,
                  st_utime_t timeout)
{
    struct iovec local[LOCAL_IOV], *copy = NULL, *tmp;
    size_t total;
    ssize_t n;
    int left, rv;

    CHECK_FD(fd, -1);
    if (iov_size < 0 || (iov_size > 0 && iov == NULL)) {
        errno = EINVAL;
        return -1;
    }
    total = iov_total(iov, iov_size);
    if (total == 0)
        return 0;
    n = 0;                              /* a file: the copy does it all */
    while (!file_path(fd, timeout)) {
        n = ST_STAT_IO(writev, writev(fd->osfd, iov, iov_size));
        if (n >= 0) {
            if ((size_t)n == total)
                return (ssize_t)total;
            break;
        }
        if (errno == EINTR)
            continue;
        if (!WOULDBLOCK(errno))
            return -1;
        if (st_netfd_poll(fd, POLLOUT, timeout) < 0)
            return -1;
    }
    /* Partial: continue on a private copy of the remaining vectors. */
    copy = iov_size <= LOCAL_IOV ? local : calloc((size_t)iov_size,
                                                   sizeof *copy);
    if (copy == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(copy, iov, (size_t)iov_size * sizeof *copy);
    tmp = copy;
    left = iov_size;
    consume(&tmp, &left, (size_t)n);
    rv = 0;
    if (file_path(fd, timeout)) {
        rv = file_resid(fd, &tmp, &left, timeout, 1);
    } else if (left > 0) {
        if (st_netfd_poll(fd, POLLOUT, timeout) < 0)
            rv = -1;
        else
            rv = st_writev_resid(fd, &tmp, &left, timeout);
    }
    if (copy != local) {
        int err = errno;
        free(copy);
        errno = err;
    }
    return rv < 0 ? -1 : (ssize_t)total;
}

/* ---- datagrams and messages ------------------------------------------- */

int st_recvfrom(st_netfd_t fd, void *buf, int len, struct sockaddr *from,
                int *fromlen, st_utime_t timeout)
{
    socklen_t flen, *flenp = NULL;
    ssize_t n;

    CHECK_FD(fd, -1);
    if (len < 0) {
        errno = EINVAL;
        return -1;
    }
    if (fromlen != NULL) {
        flen = (socklen_t)*fromlen;
        flenp = &flen;
    }
    IO_LOOP(n, fd, POLLIN, timeout,
            ST_STAT_IO(recvfrom, recvfrom(fd->osfd, buf, (size_t)len, 0,
                                          from, flenp)));
    if (fromlen != NULL)
        *fromlen = (int)flen;
    return (int)n;
}

int st_sendto(st_netfd_t fd, const void *msg, int len,
              const struct sockaddr *to, int tolen, st_utime_t timeout)
{
    ssize_t n;

    CHECK_FD(fd, -1);
    if (len < 0) {
        errno = EINVAL;
        return -1;
    }
    IO_LOOP(n, fd, POLLOUT, timeout,
            ST_STAT_IO(sendto, sendto(fd->osfd, msg, (size_t)len, 0, to,
                                      (socklen_t)tolen)));
    return (int)n;
}

int st_recvmsg(st_netfd_t fd, struct msghdr *msg, int flags,
               st_utime_t timeout)
{
    ssize_t n;

    CHECK_FD(fd, -1);
    IO_LOOP(n, fd, POLLIN, timeout,
            ST_STAT_IO(recvmsg, recvmsg(fd->osfd, msg, flags)));
    return (int)n;
}

int st_sendmsg(st_netfd_t fd, const struct msghdr *msg, int flags,
               st_utime_t timeout)
{
    ssize_t n;

    CHECK_FD(fd, -1);
    IO_LOOP(n, fd, POLLOUT, timeout,
            ST_STAT_IO(sendmsg, sendmsg(fd->osfd, msg, flags)));
    return (int)n;
}

/* Sends all vlen messages (API.md 3.9): after a partial batch it goes
 * on with the rest, waiting for POLLOUT with a fresh timeout whenever
 * the socket is full.  The count sent so far is returned when a wait
 * fails or an error follows some sent messages; -1 only if none went. */
int st_sendmmsg(st_netfd_t fd, struct mmsghdr *msgvec, unsigned int vlen,
                int flags, st_utime_t timeout)
{
#if defined(HAVE_SENDMMSG)
    unsigned int sent = 0;
    int n;

    CHECK_FD(fd, -1);
    if (vlen > INT_MAX)
        vlen = INT_MAX;                 /* the count must fit the result */
    while (sent < vlen) {
        n = sendmmsg(fd->osfd, msgvec + sent, vlen - sent, flags);
        if (n > 0) {
            sent += (unsigned int)n;
            continue;
        }
        if (n == 0)
            break;                      /* took nothing, no error */
        if (errno == EINTR)
            continue;
        if (!WOULDBLOCK(errno) || st_netfd_poll(fd, POLLOUT, timeout) < 0)
            return sent > 0 ? (int)sent : -1;
    }
    return (int)sent;
#else
    (void)fd; (void)msgvec; (void)vlen; (void)flags; (void)timeout;
    errno = ENOSYS;
    return -1;
#endif
}

int st_recvmmsg(st_netfd_t fd, struct mmsghdr *msgvec, unsigned int vlen,
                int flags, st_utime_t timeout)
{
#if defined(HAVE_RECVMMSG)
    int n;

    CHECK_FD(fd, -1);
    if (vlen == 0)
        return 0;
    IO_LOOP(n, fd, POLLIN, timeout,
            recvmmsg(fd->osfd, msgvec, vlen, flags & ~MSG_WAITFORONE, NULL));
    return n;
#else
    (void)fd; (void)msgvec; (void)vlen; (void)flags; (void)timeout;
    errno = ENOSYS;
    return -1;
#endif
}

/* ---- files and FIFOs ------------------------------------------------- */

st_netfd_t st_open(const char *path, int oflags, mode_t mode)
{
    st_netfd_t fd;
    int osfd, err;

    if (path == NULL) {
        errno = EFAULT;
        return NULL;
    }
    do {
        osfd = open(path, oflags | O_NONBLOCK, mode);
    } while (osfd < 0 && errno == EINTR);
    if (osfd < 0)
        return NULL;
    fd = _st_netfd_new(osfd, ST_NB_NONE | ST_NB_STAT);
    if (fd == NULL) {
        err = errno;
        close(osfd);
        errno = err;
    }
    return fd;
}

/* ---- file extensions ------------------------------------------------- */

ssize_t st_pread(st_netfd_t fd, void *buf, size_t nbyte, off_t offset,
                 st_utime_t timeout)
{
    ssize_t n;

    CHECK_FD(fd, -1);
    if (offset < 0) {
        errno = EINVAL;                 /* and -1 would mean "no offset" */
        return -1;
    }
    if (file_path(fd, timeout)) {
        _st_io_req_t req = { .kind = ST_IO_FREAD, .osfd = fd->osfd,
                             .buf = buf, .len = nbyte, .off = offset };
        return file_once(fd, &req, timeout);
    }
    IO_LOOP(n, fd, POLLIN, timeout, pread(fd->osfd, buf, nbyte, offset));
    return n;
}

ssize_t st_pwrite(st_netfd_t fd, const void *buf, size_t nbyte,
                  off_t offset, st_utime_t timeout)
{
    ssize_t n;

    CHECK_FD(fd, -1);
    if (offset < 0) {
        errno = EINVAL;
        return -1;
    }
    if (file_path(fd, timeout)) {
        _st_io_req_t req = { .kind = ST_IO_FWRITE, .osfd = fd->osfd,
                             .buf = (void *)(uintptr_t)buf, .len = nbyte,
                             .off = offset };
        return file_once(fd, &req, timeout);
    }
    IO_LOOP(n, fd, POLLOUT, timeout, pwrite(fd->osfd, buf, nbyte, offset));
    return n;
}

static int sync_call(st_netfd_t fd, int kind, st_utime_t timeout)
{
    _st_io_req_t req = { .kind = kind, .off = -1 };

    CHECK_FD(fd, -1);
    req.osfd = fd->osfd;
    if (file_path(fd, timeout))
        return (int)file_once(fd, &req, timeout);
    return (int)_st_file_call(&req);
}

int st_fsync(st_netfd_t fd, st_utime_t timeout)
{
    return sync_call(fd, ST_IO_FSYNC, timeout);
}

int st_fdatasync(st_netfd_t fd, st_utime_t timeout)
{
    return sync_call(fd, ST_IO_FDATASYNC, timeout);
}
