/* SPDX-License-Identifier: MIT */
/* ev_io_uring.c - the io_uring event system (Linux, liburing). */
/*
 * Two kinds of kernel requests share one ring per scheduler:
 *
 * Polls.  Waiters are indexed by descriptor like ev_epoll.c.  A
 * descriptor with waiters has at most one one-shot IORING_OP_POLL_ADD
 * armed, for the union of the wanted directions.  pollset_add/del only
 * count and mark the descriptor dirty; the next dispatch brings the
 * kernel in line (POLL_REMOVE the old poll if it no longer fits, POLL_ADD
 * a new one), so the SQEs of every thread are submitted together with
 * the wait in one io_uring_enter.  One exception: when the last waiter
 * of a descriptor without a netfd leaves, its poll is removed at once,
 * since the program may close() the descriptor and reuse the number
 * before the next dispatch (a netfd's poll is kept until the netfd is
 * closed or freed, which drops it first).  Each armed poll carries a
 * generation number in its user_data; a CQE whose generation is not the
 * armed one (a poll that was removed, or its removal's echo) is ignored.
 *
 * Standing polls.  A netfd of a TCP or AF_UNIX stream socket whose only
 * waiters want POLLIN gets a multishot poll instead, which stays armed
 * across waits, as an epoll registration does.  It reports arrivals, not
 * levels, so a wait trusts it only while the receive queue is known
 * empty: io.c says (sock_drained) when a read system call of this
 * thread returned fewer bytes than asked, which on these sockets means
 * the queue was empty when the call returned; every arrival after that
 * is a CQE not reaped yet, and any CQE of the descriptor clears the
 * mark.  Then a wait queues no SQE at all.  Without the mark the poll
 * is removed and armed anew, which reports the level like a one-shot.
 * Its CQEs still waiting in the ring when a waiter comes tell of
 * arrivals that a read may have taken since: a CQE whose index is below
 * the CQ tail that the latest waiter saw (reg_tail) wakes no one unless
 * poll(2) finds the level now.
 * (Datagram and other sockets, where a short read says nothing, keep the
 * one-shot polls.  Urgent data stops a TCP read short of the data
 * behind it: st_read gets that data, st_netfd_poll waits for the next
 * arrival, as st_netfd_poll(3) says.)
 *
 * Operations (uring_io.c).  When a read, recvmsg, accept or write of a
 * netfd would block, io.c calls the table's sock_io: the call itself is
 * queued as an SQE (user_data points at a record on the caller's
 * stack) and the thread sleeps until its CQE, which carries the result,
 * so no retry system call is needed.  Calls on regular files (file_io)
 * are operations too, always.  On timeout or interrupt the operation is
 * cancelled with IORING_OP_ASYNC_CANCEL and the thread waits for the
 * operation's own CQE before returning (the kernel may be writing into
 * the caller's buffer until then); if the operation completed anyway its
 * result is returned, so no data is ever lost.  A completed operation
 * also wakes the poll waiters of its descriptor and direction (epoll
 * would have reported the readiness to them too, before anyone read the
 * data).
 *
 * Known-empty receive queues.  By the spec a read first tries the system
 * call, but on a keep-alive connection that try fails with EAGAIN on
 * nearly every request.  So each read or accept operation is linked to a
 * one-shot POLLIN poll (the readiness poll), which the kernel arms only
 * after the operation has completed, and which then fires at once if
 * anything is left, or later at the next arrival.  While the latest such
 * poll of a descriptor has completed its operation successfully and not
 * fired, the queue is known empty and io.c skips the doomed call and
 * queues the operation at once (sock_doomed).  Only the latest poll
 * counts: an older one fires with the arrival that completes the next
 * operation, which says nothing about the time after it.  The ring runs
 * task work promptly (no DEFER_TASKRUN), so a poll firing because this
 * thread wrote to a socket is a CQE before its write() returns; CQEs not
 * yet reaped are scanned (not consumed) before a mark is trusted.  Data
 * whose CQE the kernel has not posted yet comes from another CPU, a race
 * a read could equally have lost; and a wrong mark can only cost a
 * switch, as the operation then completes in the next idle pass.
 *
 * After fork the ring's memory is shared with the parent: the child
 * drops its mapping without touching it, makes a new ring, re-arms the
 * polls of every waiting descriptor and re-submits pending operations.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <liburing.h>

#include "common.h"
#include "fdwait.h"
#include "uring.h"

__thread struct ur_state *_st_ur_state
    __attribute__((tls_model("initial-exec")));

static const int needed_ops[] = {
    IORING_OP_POLL_ADD, IORING_OP_POLL_REMOVE, IORING_OP_ASYNC_CANCEL,
    IORING_OP_RECV, IORING_OP_RECVMSG, IORING_OP_ACCEPT, IORING_OP_SEND,
    IORING_OP_SENDMSG
};

static int ring_setup(struct io_uring *ring, unsigned int entries,
                      unsigned int cq)
{
    struct io_uring_params p;
    /* No DEFER_TASKRUN: for the known-empty marks, completions must be
     * posted whenever this thread leaves a system call, not only in
     * io_uring_enter.  COOP_TASKRUN keeps that (it only spares the IPI
     * to a thread running elsewhere in user space, which costs more than
     * everything saved here). */
    static const unsigned int tries[] = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
            IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_SUBMIT_ALL,
        0
    };
    size_t i;
    int r = -EINVAL;

    for (i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        memset(&p, 0, sizeof p);
        p.flags = tries[i];
        if (cq) {
            p.flags |= IORING_SETUP_CQSIZE;
            p.cq_entries = cq;
        }
        r = io_uring_queue_init_params(entries, ring, &p);
        if (r == 0) {
            if (!(p.features & IORING_FEAT_NODROP) ||
                !(p.features & IORING_FEAT_EXT_ARG)) {
                io_uring_queue_exit(ring);
                return -EINVAL;
            }
            return 0;
        }
        if (r != -EINVAL)
            return r;
    }
    return r;
}

static int ur_probe(void)
{
    struct io_uring ring;
    struct io_uring_probe *pr;
    size_t i;
    int ok;

    if (ring_setup(&ring, 4, 0) < 0)
        return -1;
    pr = io_uring_get_probe_ring(&ring);
    ok = pr != NULL;
    for (i = 0; ok && i < sizeof needed_ops / sizeof needed_ops[0]; i++)
        ok = io_uring_opcode_supported(pr, needed_ops[i]);
    if (pr)
        io_uring_free_probe(pr);
    io_uring_queue_exit(&ring);
    return ok ? 0 : -1;
}

static int ur_grow(int fd)
{
    int old = E->tabsize, n = old ? old : 64;
    ur_fd_t *t;
    int *d, *f;

    if (fd < old)
        return 0;
    if (fd > ST_MAX_FD_INDEX) {
        /* Doubling past this would overflow. */
        errno = ENOMEM;
        return -1;
    }
    while (n <= fd)
        n *= 2;
    t = realloc(E->tab, (size_t)n * sizeof *t);
    if (t == NULL)
        goto nomem;
    memset(t + old, 0, (size_t)(n - old) * sizeof *t);
    E->tab = t;
    d = realloc(E->dirty, (size_t)n * sizeof *d);
    if (d == NULL)
        goto nomem;
    E->dirty = d;
    f = realloc(E->fired, (size_t)n * sizeof *f);
    if (f == NULL)
        goto nomem;
    E->fired = f;
    E->tabsize = n;
    return 0;
nomem:
    errno = ENOMEM;
    return -1;
}

/* Room for descriptor fd, which must be open if the table has to grow:
 * then the call fails with EBADF, as with epoll, rather than waiting on
 * a poll that reports POLLNVAL. */
int _st_ur_reserve(int fd)
{
    return _st_fd_may_grow(fd, (size_t)E->tabsize) < 0 ? -1 : ur_grow(fd);
}

static int ur_init(void)
{
    int hint = st_getfdlimit(), r;

    E = calloc(1, sizeof *E);
    if (E == NULL) {
        errno = ENOMEM;
        return -1;
    }
    r = ring_setup(&E->ring, UR_SQ_ENTRIES, UR_CQ_ENTRIES);
    if (r < 0) {
        free(E);
        E = NULL;
        errno = -r;
        return -1;
    }
    E->fork_gen = _st_fork_generation();
    ST_CLIST_INIT(&E->ops);
    {
        int note;
        E->gate = _st_fileio_gate(&note);
        E->iowq = -1;
    }
    if (hint <= 0 || hint > 4096)
        hint = 4096;
    if (ur_grow(hint - 1) < 0) {
        io_uring_queue_exit(&E->ring);
        free(E->tab);
        free(E->dirty);
        free(E->fired);
        free(E);
        E = NULL;
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static void ur_destroy(void)
{
    if (E == NULL)
        return;
    _st_ur_cancel_all();
    io_uring_queue_exit(&E->ring);
    free(E->tab);
    free(E->dirty);
    free(E->fired);
    free(E->ready);
    free(E);
    E = NULL;
}

/* ---- submission helpers ------------------------------------------------ */

struct io_uring_sqe *_st_ur_get_sqe(void)
{
    struct io_uring_sqe *sqe;
    int tries = 0;

    while ((sqe = io_uring_get_sqe(&E->ring)) == NULL) {
        int r = io_uring_submit(&E->ring);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY)
            _st_fatal(__FILE__, __LINE__, "io_uring_submit");
        if (r < 0 && ++tries > 1000000)
            _st_fatal(__FILE__, __LINE__, "io_uring submission queue stuck");
    }
    return sqe;
}

static uint64_t poll_ud(int fd, unsigned int gen)
{
    return ((uint64_t)gen << 34) | ((uint64_t)(unsigned int)fd << 2) |
           TAG_POLL;
}

static void queue_poll_remove(int fd)
{
    ur_fd_t *e = &E->tab[fd];
    struct io_uring_sqe *sqe = _st_ur_get_sqe();

    io_uring_prep_poll_remove(sqe, poll_ud(fd, e->gen));
    io_uring_sqe_set_data64(sqe, TAG_NONE);
    e->armed = 0;
    e->multi = 0;
}

uint64_t _st_ur_rpoll_ud(int fd, unsigned int gen)
{
    return ((uint64_t)gen << 34) | ((uint64_t)(unsigned int)fd << 2) |
           TAG_RPOLL;
}

void _st_ur_remove_rpoll(int fd, unsigned int gen)
{
    struct io_uring_sqe *sqe = _st_ur_get_sqe();

    io_uring_prep_poll_remove(sqe, _st_ur_rpoll_ud(fd, gen));
    io_uring_sqe_set_data64(sqe, TAG_NONE);
}

/* Forget what we know about fd's receive queue; drop its readiness polls
 * (they hold a file reference).  Returns 1 if an SQE was queued. */
static int reset_rstate(int fd)
{
    ur_fd_t *e = &E->tab[fd];
    int queued = 0;

    e->empty = 0;
    if (e->rpoll) {
        _st_ur_remove_rpoll(fd, e->rgen);
        e->rpoll = 0;
        queued = 1;
    }
    if (e->opoll) {
        _st_ur_remove_rpoll(fd, e->ogen);
        e->opoll = 0;
        queued = 1;
    }
    return queued;
}

/* After fork the ring (memory included) is shared with the parent: drop
 * our view of it without writing, make a new one, register again. */
void _st_ur_rebuild(void)
{
    _st_clist_t *q, *n;
    int fd, r;

    io_uring_queue_exit(&E->ring);
    r = ring_setup(&E->ring, UR_SQ_ENTRIES, UR_CQ_ENTRIES);
    if (r < 0)
        _st_fatal(__FILE__, __LINE__, "io_uring_queue_init after fork");
    E->fork_gen = _st_fork_generation();
    E->ndirty = 0;
    E->scan = 0;
    for (fd = 0; fd < E->tabsize; fd++) {
        ur_fd_t *e = &E->tab[fd];
        e->armed = 0;
        e->multi = 0;
        e->dirty = 0;
        e->rpoll = 0;
        e->opoll = 0;
        e->empty = 0;
        if (e->rd || e->wr || e->ex) {
            e->dirty = 1;
            E->dirty[E->ndirty++] = fd;
        }
    }
    for (q = E->ops.next; q != &E->ops; q = n) {
        ur_op_t *op = ST_CONTAINER(q, ur_op_t, links);
        n = q->next;
        if (op->cancelling) {
            _st_ur_op_finish(op, -ECANCELED);
            if (op->thread->state == ST_ST_IO_WAIT)
                _st_wake(op->thread);
        } else {
            op->linked = 0;
            _st_ur_queue_op(op);
        }
    }
}


/* ---- polls ------------------------------------------------------------- */

static unsigned int needed(const ur_fd_t *e)
{
    return (e->rd ? POLLIN : 0) | (e->wr ? POLLOUT : 0) |
           (e->ex ? POLLPRI : 0);
}

static void mark_dirty(int fd)
{
    ur_fd_t *e = &E->tab[fd];

    if (!e->dirty) {
        e->dirty = 1;
        E->dirty[E->ndirty++] = fd;
    }
}

/* Is fd a stream socket whose short reads empty the receive queue (TCP,
 * AF_UNIX stream)?  Asked once per netfd. */
static int short_read_drains(int fd, ur_fd_t *e)
{
    if (e->stream == 0) {
        int dom = -1, type = -1, proto = -1;
        socklen_t l = sizeof dom;
        int ok = getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0;
        l = sizeof type;
        ok = ok && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0 &&
             type == SOCK_STREAM;
        if (ok && dom != AF_UNIX) {
            l = sizeof proto;
            ok = (dom == AF_INET || dom == AF_INET6) &&
                 getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l) == 0 &&
                 proto == IPPROTO_TCP;
        }
        e->stream = ok ? 1 : 2;
    }
    return e->stream == 1;
}

/* Bring the kernel's polls in line with the waiters (queues SQEs only).
 * A netfd of a stream socket whose only waiters want POLLIN gets a
 * standing poll (multishot), which stays armed across waits: a wait
 * needs no SQE while the receive queue is known empty (a read came back
 * short after the poll was armed: any later arrival is a CQE to come).
 * Otherwise the level is unknown and the poll is armed anew, which
 * reports it. */
static void reconcile(void)
{
    int i;

    for (i = 0; i < E->ndirty; i++) {
        int fd = E->dirty[i];
        ur_fd_t *e = &E->tab[fd];
        unsigned int want = needed(e);
        struct io_uring_sqe *sqe;
        int multi;

        e->dirty = 0;
        multi = want == POLLIN && e->refs > 0 && short_read_drains(fd, e);
        if (e->armed) {
            if (e->multi ? (want ? multi && e->empty : e->refs > 0)
                         : (want ? (e->armed & want) == want : e->refs > 0))
                continue;               /* still fits, or kept for a netfd */
            queue_poll_remove(fd);
        }
        if (want) {
            e->gen = (e->gen + 1) & GEN_MASK;
            sqe = _st_ur_get_sqe();
            if (multi) {
                io_uring_prep_poll_multishot(sqe, fd, POLLIN);
                e->empty = 0;           /* known again only after a read */
            } else {
                io_uring_prep_poll_add(sqe, fd, want);
            }
            io_uring_sqe_set_data64(sqe, poll_ud(fd, e->gen));
            e->armed = want;
            e->multi = (char)multi;
        }
    }
    E->ndirty = 0;
}

static void count(ur_fd_t *e, short events, int delta)
{
    _st_fdwait_count(&e->rd, &e->wr, &e->ex, events, delta);
}

static void link_node(ur_fd_t *e, _st_pollnode_t *n)
{
    _st_fdwait_link(&e->waiters, n);
}

static void unlink_node(ur_fd_t *e, _st_pollnode_t *n)
{
    _st_fdwait_unlink(&e->waiters, n);
}

/* Undo entries [0, upto) of pq.  The poll of a descriptor without a
 * netfd whose last waiter leaves is removed now, not at the next
 * dispatch: the caller may close() the descriptor and reuse its number
 * before then, and the poll would both hold the old file open and pass
 * for a poll of the new one.  Returns 1 if removals were queued; the
 * caller submits them before any thread can run. */
static int ur_unregister(_st_pollq_t *pq, int upto)
{
    int i, queued = 0;

    for (i = 0; i < upto; i++) {
        int fd = pq->pds[i].fd;
        ur_fd_t *e = &E->tab[fd];
        count(e, pq->pds[i].events, -1);
        unlink_node(e, &pq->nodes[i]);
        if (e->armed && e->refs == 0 && !needed(e)) {
            queue_poll_remove(fd);
            queued = 1;
        }
        mark_dirty(fd);
    }
    return queued;
}

static int ur_pollset_add(_st_pollq_t *pq)
{
    unsigned int tail = io_uring_smp_load_acquire(E->ring.cq.ktail);
    int i, err;

    if (_st_pollq_check(pq, UR_DIRS, 0) < 0)
        return -1;
    for (i = 0; i < pq->npds; i++) {
        struct pollfd *p = &pq->pds[i];
        if (_st_ur_reserve(p->fd) < 0)
            goto undo;
        E->tab[p->fd].reg_tail = tail;
        count(&E->tab[p->fd], p->events, 1);
        pq->nodes[i].pq = pq;
        link_node(&E->tab[p->fd], &pq->nodes[i]);
        mark_dirty(p->fd);
    }
    return 0;
undo:
    err = errno;
    if (ur_unregister(pq, i))
        io_uring_submit(&E->ring);
    errno = err;
    return -1;
}

static void ur_pollset_del(_st_pollq_t *pq)
{
    _st_ur_check_fork();                       /* the ring must be ours to submit */
    if (ur_unregister(pq, pq->npds))
        io_uring_submit(&E->ring);
}

/* ---- dispatch ---------------------------------------------------------- */

static short fired_bits(int fd)
{
    return E->tab[fd].revents;
}

/* A poll CQE posted before the latest waiter on fd came may tell of data
 * that a read has taken since (a multishot poll reports every arrival):
 * readiness is the level, so ask the kernel for it now. */
static short level_now(int fd, const ur_fd_t *e)
{
    struct pollfd p;
    int r;

    p.fd = fd;
    p.events = (short)needed(e);
    p.revents = 0;
    do
        r = poll(&p, 1, 0);
    while (r < 0 && errno == EINTR);
    return r < 0 ? POLLERR : p.revents;
}

static int by_seq(const void *a, const void *b)
{
    const ur_ready_t *x = a, *y = b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int add_ready(int nready, unsigned long long seq, _st_pollq_t *pq,
                     ur_op_t *op)
{
    if (nready >= E->readycap) {
        int n = E->readycap ? E->readycap * 2 : 64;
        ur_ready_t *r = realloc(E->ready, (size_t)n * sizeof *r);
        if (r == NULL)
            return -1;
        E->ready = r;
        E->readycap = n;
    }
    E->ready[nready].seq = seq;
    E->ready[nready].pq = pq;
    E->ready[nready].op = op;
    return 0;
}

/* Record that fd showed rev and queue its poll waiters for waking. */
static int fire(int fd, short rev, int nready, int *nfired)
{
    ur_fd_t *e = &E->tab[fd];
    _st_clist_t *l;

    if (rev == 0)
        return nready;
    if (e->revents == 0)
        E->fired[(*nfired)++] = fd;
    e->revents |= rev;
    for (l = e->waiters ? &e->waiters->links : NULL; l; l = l->next) {
        _st_pollq_t *pq = ST_CONTAINER(l, _st_pollnode_t, links)->pq;
        if (pq->ready)
            continue;
        if (add_ready(nready, pq->seq, pq, NULL) < 0)
            break;
        pq->ready = 1;
        nready++;
    }
    return nready;
}

static void ur_dispatch(void)
{
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    int i, nready = 0, nfired = 0, removed = 0;
    st_utime_t timeout;

    _st_ur_check_fork();
    reconcile();
    timeout = _st_next_timeout();
    if (timeout == ST_UTIME_NO_TIMEOUT) {
        io_uring_submit_and_wait(&E->ring, 1);
    } else {
        struct __kernel_timespec ts;
        st_utime_t sec = timeout / 1000000;
        if (sec > 31536000)
            sec = 31536000;
        ts.tv_sec = (long long)sec;
        ts.tv_nsec = (long long)(timeout % 1000000) * 1000;
        io_uring_submit_and_wait_timeout(&E->ring, &cqe, 1, &ts, NULL);
    }

    io_uring_for_each_cqe(&E->ring, head, cqe) {
        uint64_t ud = cqe->user_data;
        seen++;
        if ((ud & TAG_MASK) == TAG_OP) {
            ur_op_t *op = (ur_op_t *)(uintptr_t)(ud & ~TAG_MASK);
            int fd = op->req->osfd;
            _st_ur_op_finish(op, cqe->res);
            if (fd < E->tabsize)
                _st_ur_note_op(&E->tab[fd], op, cqe->res);
            /* The descriptor was ready: poll waiters in that direction
             * are woken too, as with epoll, even though the operation
             * may have taken the data already. */
            if (cqe->res >= 0 && fd < E->tabsize && E->tab[fd].waiters)
                nready = fire(fd, (op->req->kind == ST_IO_SEND ||
                                   op->req->kind == ST_IO_SENDMSG) ?
                                  POLLOUT : POLLIN, nready, &nfired);
            if (op->thread->state == ST_ST_IO_WAIT &&
                add_ready(nready, op->seq, NULL, op) == 0)
                nready++;
            else if (op->thread->state == ST_ST_IO_WAIT)
                _st_wake(op->thread);
        } else if ((ud & TAG_MASK) == TAG_POLL) {
            int fd = (int)((ud >> 2) & 0xffffffffu);
            unsigned int gen = (unsigned int)(ud >> 34);
            ur_fd_t *e;
            short rev;

            if (fd < 0 || fd >= E->tabsize)
                continue;
            e = &E->tab[fd];
            e->empty = 0;
            if (!e->armed || e->gen != gen)
                continue;               /* stale: removed or replaced */
            if (!e->multi || !(cqe->flags & IORING_CQE_F_MORE)) {
                e->armed = 0;           /* one-shot, or ended: it is gone */
                mark_dirty(fd);
            }
            if (cqe->res < 0) {
                rev = cqe->res == -EBADF ? POLLNVAL : POLLERR;
            } else {
                rev = (short)(e->waiters != NULL &&
                              (int)(head - e->reg_tail) < 0 ?
                              level_now(fd, e) : cqe->res);
                rev &= (short)(UR_DIRS | POLLERR | POLLHUP | POLLNVAL);
                if (rev & (POLLERR | POLLHUP))
                    rev |= (short)needed(e);
            }
            if (!e->armed)
                e->multi = 0;
            nready = fire(fd, rev, nready, &nfired);
        } else if ((ud & TAG_MASK) == TAG_RPOLL) {
            int fd = (int)((ud >> 2) & 0xffffffffu);
            unsigned int gen = (unsigned int)(ud >> 34);
            ur_fd_t *e;

            if (fd < 0 || fd >= E->tabsize)
                continue;
            e = &E->tab[fd];
            if (e->rpoll && e->rgen == gen) {
                e->rpoll = 0;           /* something arrived, or cancelled */
                e->empty = 0;
            } else if (e->opoll && e->ogen == gen) {
                e->opoll = 0;
            }
        }
    }
    io_uring_cq_advance(&E->ring, seen);
    E->scan = *E->ring.cq.khead;

    if (nready > 1)
        qsort(E->ready, (size_t)nready, sizeof *E->ready, by_seq);
    for (i = 0; i < nready; i++) {
        _st_pollq_t *pq = E->ready[i].pq;

        if (pq == NULL) {
            _st_wake(E->ready[i].op->thread);
            continue;
        }
        pq->ready = 0;
        if (!_st_fdwait_deliver(pq, fired_bits))
            continue;                   /* fired in a direction it ignores */
        removed |= ur_unregister(pq, pq->npds);
        _st_pollq_wake(pq);
    }
    for (i = 0; i < nfired; i++)
        E->tab[E->fired[i]].revents = 0;
    if (removed)
        io_uring_submit(&E->ring);      /* before the woken threads run */
}

/* ---- descriptors ------------------------------------------------------- */

static int ur_fd_new(int osfd)
{
    ur_fd_t *e;

    if (_st_ur_reserve(osfd) < 0)
        return -1;
    e = &E->tab[osfd];
    if (e->refs == 0) {
        e->nosock = 0;
        e->stream = 0;
        _st_ur_check_fork();
        if (e->armed && !needed(e))
            queue_poll_remove(osfd);    /* left by an earlier owner */
        reset_rstate(osfd);
    }
    e->refs++;
    return 0;
}

static int ur_fd_close(int osfd)
{
    ur_fd_t *e;
    int queued;

    if (osfd >= E->tabsize)
        return 0;
    e = &E->tab[osfd];
    if (needed(e) || e->nops) {
        errno = EBUSY;
        return -1;
    }
    _st_ur_check_fork();
    /* Polls hold a file reference: drop them before close(). */
    queued = reset_rstate(osfd);
    if (e->armed) {
        queue_poll_remove(osfd);
        queued = 1;
    }
    if (queued)
        io_uring_submit(&E->ring);
    return 0;
}

static void ur_fd_free(int osfd)
{
    ur_fd_t *e;

    if (osfd >= E->tabsize)
        return;
    e = &E->tab[osfd];
    if (e->refs > 0 && --e->refs == 0) {
        /* The descriptor leaves our hands: our marks would go stale. */
        int queued;
        _st_ur_check_fork();
        queued = reset_rstate(osfd);
        if (e->armed && !needed(e)) {
            queue_poll_remove(osfd);
            queued = 1;
        }
        if (queued)
            io_uring_submit(&E->ring);
    }
}

static int ur_fd_getlimit(void)
{
    return 0;
}

const _st_eventsys_ops_t _st_eventsys_io_uring = {
    .name = "io_uring", .val = ST_EVENTSYS_IO_URING, .probe = ur_probe,
    .init = ur_init, .destroy = ur_destroy,
    .pollset_add = ur_pollset_add, .pollset_del = ur_pollset_del,
    .dispatch = ur_dispatch, .fd_new = ur_fd_new,
    .fd_close = ur_fd_close, .fd_free = ur_fd_free,
    .fd_getlimit = ur_fd_getlimit,
    .sock_io = _st_ur_sock_io, .sock_doomed = _st_ur_sock_doomed,
    .sock_drained = _st_ur_sock_drained,
    .file_io = _st_ur_file_io
};
