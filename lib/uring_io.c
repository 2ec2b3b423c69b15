/* SPDX-License-Identifier: MIT */
/* uring_io.c - the operations the io_uring event system performs itself. */
/*
 * sock_io: a socket call that would block, queued as an operation whose
 * completion carries the result.  file_io: a call on a regular file
 * (IORING_OP_READ/READV, WRITE/WRITEV, FSYNC), so that only the caller
 * waits for the disk.  Both wait the same way: until the CQE; on timeout
 * or interrupt, the operation is cancelled and the thread still waits for
 * its CQE, since the kernel may use the caller's buffer until then.  The
 * design of the ring, the polls and the known-empty marks is described in
 * ev_io_uring.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <liburing.h>

#include "common.h"
#include "switch.h"
#include "uring.h"

/* valgrind cannot see the kernel write into buffers for io_uring
 * operations: tell memcheck what a completed receive filled in. */
#if defined(HAVE_VALGRIND_VALGRIND_H) && \
    defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define UR_DEFINED(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#endif
#endif
#if !defined(UR_DEFINED)
#define UR_DEFINED(p, n) ((void)(p), (void)(n))
#endif


void _st_ur_queue_op(ur_op_t *op)
{
    const _st_io_req_t *r = op->req;
    struct io_uring_sqe *sqe;
    size_t len = r->len > 0x7ffff000 ? 0x7ffff000 : r->len;   /* read(2)'s cap */

    /* A link must go in one submission: room for both SQEs first. */
    if ((op->linked || op->gated) && io_uring_sq_space_left(&E->ring) < 2)
        io_uring_submit(&E->ring);
    if (op->gated) {
        /* Test hook: the operation starts once a byte is read. */
        sqe = _st_ur_get_sqe();
        io_uring_prep_read(sqe, E->gate, &op->gatebuf, 1, (uint64_t)-1);
        io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
        io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)&op->gatebuf);
    }
    sqe = _st_ur_get_sqe();
    switch (r->kind) {
    case ST_IO_RECV:
        io_uring_prep_recv(sqe, r->osfd, r->buf, len, 0);
        break;
    case ST_IO_RECVMSG:
        io_uring_prep_recvmsg(sqe, r->osfd, r->msg, (unsigned)r->flags);
        break;
    case ST_IO_ACCEPT:
        io_uring_prep_accept(sqe, r->osfd, r->addr, (socklen_t *)r->addrlen,
                             r->flags);
        break;
    case ST_IO_SEND:
        io_uring_prep_send(sqe, r->osfd, r->buf, len, MSG_NOSIGNAL);
        break;
    case ST_IO_SENDMSG:
        io_uring_prep_sendmsg(sqe, r->osfd, r->msg, (unsigned)r->flags);
        break;
    case ST_IO_FREAD:
        if (r->iov != NULL || r->iovcnt > 0)
            io_uring_prep_readv(sqe, r->osfd, r->iov, (unsigned)r->iovcnt,
                                (uint64_t)r->off);
        else
            io_uring_prep_read(sqe, r->osfd, r->buf, (unsigned)len,
                               (uint64_t)r->off);   /* -1: the position */
        break;
    case ST_IO_FWRITE:
        if (r->iov != NULL || r->iovcnt > 0)
            io_uring_prep_writev(sqe, r->osfd, r->iov, (unsigned)r->iovcnt,
                                 (uint64_t)r->off);
        else
            io_uring_prep_write(sqe, r->osfd, r->buf, (unsigned)len,
                                (uint64_t)r->off);
        break;
    default: /* ST_IO_FSYNC, ST_IO_FDATASYNC */
        io_uring_prep_fsync(sqe, r->osfd, r->kind == ST_IO_FDATASYNC ?
                                          IORING_FSYNC_DATASYNC : 0);
        break;
    }
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | TAG_OP);
    if (op->linked) {
        /* Armed by the kernel only once the operation has succeeded. */
        io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
        sqe = io_uring_get_sqe(&E->ring);
        io_uring_prep_poll_add(sqe, r->osfd, POLLIN | POLLRDHUP);
        io_uring_sqe_set_data64(sqe, _st_ur_rpoll_ud(r->osfd, op->pgen));
    }
}

static void queue_cancel(ur_op_t *op)
{
    struct io_uring_sqe *sqe = _st_ur_get_sqe();

    io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)op | TAG_OP, 0);
    io_uring_sqe_set_data64(sqe, TAG_NONE);
    if (op->gated) {
        /* Not started yet: the link breaks and the operation completes
         * with -ECANCELED. */
        sqe = _st_ur_get_sqe();
        io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)&op->gatebuf, 0);
        io_uring_sqe_set_data64(sqe, TAG_NONE);
    }
    op->cancelling = 1;
}

/* st_destroy: cancel every pending operation and wait for each one's
 * completion (the kernel may use the buffers, on thread stacks about to
 * go, until then); an operation already running is waited for. */
void _st_ur_cancel_all(void)
{
    _st_clist_t *q;

    if (E == NULL || E->fork_gen != _st_fork_generation())
        return;                         /* the ring is the parent's */
    for (q = E->ops.next; q != &E->ops; q = q->next) {
        ur_op_t *op = ST_CONTAINER(q, ur_op_t, links);
        if (!op->cancelling)
            queue_cancel(op);
    }
    while (!ST_CLIST_EMPTY(&E->ops)) {
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        int r = io_uring_submit_and_wait(&E->ring, 1);

        if (r < 0 && r != -EINTR)
            break;
        io_uring_for_each_cqe(&E->ring, head, cqe) {
            seen++;
            if ((cqe->user_data & TAG_MASK) == TAG_OP)
                _st_ur_op_finish((ur_op_t *)(uintptr_t)
                                 (cqe->user_data & ~TAG_MASK), cqe->res);
        }
        io_uring_cq_advance(&E->ring, seen);
    }
}

void _st_ur_op_finish(ur_op_t *op, int res)
{
    op->res = res;
    op->done = 1;
    _st_clist_remove(&op->links);
    if (op->req->osfd < E->tabsize)
        E->tab[op->req->osfd].nops--;
}

/* ---- known-empty receive queues ---------------------------------------- */

/* An operation of e's descriptor completed. */
void _st_ur_note_op(ur_fd_t *e, const ur_op_t *op, int res)
{
    if (op->req->kind != ST_IO_RECV && op->req->kind != ST_IO_RECVMSG &&
        op->req->kind != ST_IO_ACCEPT)
        return;
    /* Its readiness poll is armed now, unless it fired already. */
    e->empty = op->linked && res >= 0 && e->rpoll && e->rgen == op->pgen;
}

/* Clear the marks of descriptors with readiness news in CQEs not yet
 * reaped; dispatch still handles those CQEs in order later. */
static void scan_cq(unsigned int tail)
{
    struct io_uring_cq *cq = &E->ring.cq;
    unsigned int i = E->scan;

    if ((int)(i - *cq->khead) < 0)
        i = *cq->khead;
    for (; i != tail; i++) {
        uint64_t ud = cq->cqes[i & cq->ring_mask].user_data;
        int fd = (int)((ud >> 2) & 0xffffffffu);
        ur_fd_t *e;
        if ((ud & TAG_MASK) != TAG_POLL && (ud & TAG_MASK) != TAG_RPOLL)
            continue;
        if (fd < 0 || fd >= E->tabsize)
            continue;
        e = &E->tab[fd];
        if ((ud & TAG_MASK) == TAG_POLL || e->rgen == (unsigned int)(ud >> 34))
            e->empty = 0;
    }
    E->scan = tail;
}

/* io.c: would a read of osfd certainly block now?  Then it skips the
 * system call.  Never with an interrupt pending: a read that finds data
 * must succeed then, so the kernel has the last word. */
int _st_ur_sock_doomed(int osfd)
{
    ur_fd_t *e;
    unsigned int tail;

    if (E == NULL || osfd < 0 || osfd >= E->tabsize)
        return 0;
    e = &E->tab[osfd];
    if (!e->empty || !(e->rpoll || e->multi) || e->nosock ||
        (VP->current->flags & ST_FL_INTERRUPT) ||
        E->fork_gen != _st_fork_generation())
        return 0;
    /* CQEs the kernel could not fit are not in the ring to scan. */
    if (IO_URING_READ_ONCE(*E->ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW)
        return 0;
    tail = io_uring_smp_load_acquire(E->ring.cq.ktail);
    if (tail != E->scan)
        scan_cq(tail);
    return e->empty;
}

/* io.c: a read system call of osfd came back short.  With the standing
 * poll armed (submitted: nothing waits in the SQ) on a TCP or AF_UNIX
 * stream socket, that means the queue was empty when the read returned,
 * and any arrival since is a CQE not reaped yet, which clears the mark.
 * Only a read done by this thread just now counts: a ring operation's
 * result is older than CQEs that may already have been reaped. */
void _st_ur_sock_drained(int osfd)
{
    ur_fd_t *e;

    if (E == NULL || osfd < 0 || osfd >= E->tabsize)
        return;
    e = &E->tab[osfd];
    if (e->multi && e->stream == 1 &&
        io_uring_sq_ready(&E->ring) == 0 &&
        E->fork_gen == _st_fork_generation())
        e->empty = 1;
}

/* ---- operations (called from io.c) ------------------------------------- */

static void mark_iov(const struct iovec *iov, size_t n, size_t left)
{
    size_t i;

    for (i = 0; i < n && left > 0; i++) {
        size_t k = iov[i].iov_len;
        if (k > left)
            k = left;
        UR_DEFINED(iov[i].iov_base, k);
        left -= k;
    }
}

static void mark_defined(const _st_io_req_t *req, int res)
{
    size_t left = (size_t)res;

    switch (req->kind) {
    case ST_IO_RECV:
        UR_DEFINED(req->buf, left);
        break;
    case ST_IO_RECVMSG:
        mark_iov(req->msg->msg_iov, req->msg->msg_iovlen, left);
        break;
    case ST_IO_FREAD:
        if (req->iov != NULL || req->iovcnt > 0)
            mark_iov(req->iov, (size_t)req->iovcnt, left);
        else
            UR_DEFINED(req->buf, left);
        break;
    default:
        break;
    }
}

/* A transfer of no bytes is never queued: the kernel treats a
 * zero-length receive as one that waits for data, while read(2) returns
 * 0 at once. */
static int zero_length(const _st_io_req_t *req)
{
    size_t i;

    switch (req->kind) {
    case ST_IO_RECV:
    case ST_IO_SEND:
        return req->len == 0;
    case ST_IO_RECVMSG:
    case ST_IO_SENDMSG:
        for (i = 0; i < req->msg->msg_iovlen; i++)
            if (req->msg->msg_iov[i].iov_len > 0)
                return 0;
        return 1;
    default:
        return 0;
    }
}

/* Queue op and wait for its completion; on timeout or interrupt cancel
 * it and still wait for its completion, since until then the kernel may
 * use the caller's buffer.  Returns the CQE's result. */
static int op_wait(ur_op_t *op, st_utime_t timeout)
{
    _st_thread_t *me = op->thread;

    _st_ur_queue_op(op);
    _st_clist_append(&E->ops, &op->links);
    E->tab[op->req->osfd].nops++;
    if (timeout != ST_UTIME_NO_TIMEOUT)
        _st_add_sleepq(me, timeout);
    me->state = ST_ST_IO_WAIT;
    _st_switch();

    if (!op->done) {
        _st_ur_check_fork();
        if (!op->done) {
            queue_cancel(op);
            while (!op->done) {
                me->state = ST_ST_IO_WAIT;
                _st_switch();
            }
        }
    }
    return op->res;
}

/* A cancelled operation's result: ETIME, or EINTR if interrupted. */
static int cancelled(ur_op_t *op, int res)
{
    if (!op->cancelling ||
        (res != -ECANCELED && res != -EINTR && res != -EAGAIN))
        return 0;
    if (_st_take_interrupt(op->thread) == 0)
        errno = ETIME;
    return 1;
}

long _st_ur_sock_io(const _st_io_req_t *req, st_utime_t timeout)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;
    ur_op_t op;
    int res;

    if (E == NULL || req->osfd < 0 || zero_length(req) ||
        _st_ur_reserve(req->osfd) < 0 || E->tab[req->osfd].nosock)
        return -2;
    if (_st_take_interrupt(me) < 0)
        return -1;
    _st_ur_check_fork();
    memset(&op, 0, sizeof op);
    op.req = req;
    op.thread = me;
    op.seq = vp->pollq_seq++;
    if (req->kind == ST_IO_RECV || req->kind == ST_IO_RECVMSG ||
        req->kind == ST_IO_ACCEPT) {
        ur_fd_t *e = &E->tab[req->osfd];
        if (e->rpoll) {
            /* Still armed (nothing arrived): it will fire with what
             * completes this operation, so it no longer counts.  Keep
             * one such for removal at close; drop an even older one. */
            if (e->opoll)
                _st_ur_remove_rpoll(req->osfd, e->ogen);
            e->opoll = 1;
            e->ogen = e->rgen;
        }
        e->rgen = (e->rgen + 1) & GEN_MASK;
        e->rpoll = 1;
        e->empty = 0;                   /* until the operation completes */
        op.linked = 1;
        op.pgen = e->rgen;
    }
    res = op_wait(&op, timeout);
    if (res >= 0) {
        mark_defined(req, res);
        return res;                     /* a completed call counts, always */
    }
    if (cancelled(&op, res))
        return -1;
    /* The caller falls back to a poll and the system call. */
    E->tab[req->osfd].empty = 0;
    switch (res) {
    case -ENOTSOCK:
    case -EOPNOTSUPP:
        E->tab[req->osfd].nosock = 1;
        return -2;
    case -EAGAIN:
    case -EINTR:
    case -ECANCELED:
        return -2;
    default:
        errno = -res;
        return -1;
    }
}

/* A call on a regular file, always an operation on the ring.  The ring
 * may refuse (EAGAIN from a file opened O_NONBLOCK whose file system
 * cannot do it without blocking): then the helper pool does it. */
long _st_ur_file_io(const _st_io_req_t *req, st_utime_t timeout)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;
    int n = _st_fileio_threads();
    ur_op_t op;
    int res;

    if (E == NULL || req->osfd < 0 || _st_ur_reserve(req->osfd) < 0)
        return _st_pool_file_io(req, timeout);
    if (_st_take_interrupt(me) < 0)
        return -1;
    _st_ur_check_fork();
    if (E->iowq != n) {
        /* The pool size bounds the kernel's workers for file I/O. */
        unsigned int vals[2] = { (unsigned int)n, 0 };
        io_uring_register_iowq_max_workers(&E->ring, vals);
        E->iowq = n;
    }
    memset(&op, 0, sizeof op);
    op.req = req;
    op.thread = me;
    op.seq = vp->pollq_seq++;
    op.gated = E->gate >= 0;
    res = op_wait(&op, timeout);
    if (res >= 0) {
        mark_defined(req, res);
        return res;
    }
    if (cancelled(&op, res))
        return -1;
    if (res == -EAGAIN)
        return _st_pool_file_io(req, timeout);
    errno = -res;
    return -1;
}
