/* SPDX-License-Identifier: MIT */
/* fileio.c - regular-file calls: the helper pool, st_set_fileio_threads. */
/*
 * A regular file is always "ready" to poll(), so a read, write or sync
 * that waits for the disk would stop every thread of the scheduler.  An
 * event system's file_io performs such a call so that only its caller
 * waits.  io_uring queues it on the ring; every other event system uses
 * this pool (and io_uring falls back to it where the ring refuses).
 *
 * The pool: per scheduler, a few POSIX threads started on the first file
 * call (at most st_set_fileio_threads(n) of them run calls at once).  The
 * calling ST thread puts a request (on its own stack) on the todo list
 * and sleeps.  A helper takes it, performs the blocking system call,
 * moves it to the done list and writes to a descriptor (an eventfd, or a
 * pipe) on which the pool keeps an internal poll request registered with
 * the event system.  When that poll fires, dispatch calls pool_notify,
 * which wakes the threads of the finished requests; the idle loop then
 * registers the poll again (_st_pool_rearm), outside the dispatch.  The
 * lists and the request states are shared with the helpers and guarded
 * by the pool's mutex; everything else is the scheduler's alone.
 *
 * A timeout or an interrupt ends the wait at once (ETIME, EINTR) only if
 * no helper has taken the request yet: it is withdrawn, never performed.
 * Once a helper is inside the system call, the caller waits for it (the
 * call uses the caller's buffer) and returns its result.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#if defined(HAVE_SYS_EVENTFD_H)
#include <sys/eventfd.h>
#endif
#if defined(HAVE_SYS_PRCTL_H)
#include <sys/prctl.h>
#endif

#include "common.h"
#include "switch.h"

#define FILEIO_MAX 1024                 /* st_set_fileio_threads bound */

enum { F_QUEUED, F_RUNNING, F_DONE };

typedef struct fio {
    _st_clist_t links;                  /* todo or done list (locked) */
    const _st_io_req_t *req;            /* the call */
    _st_thread_t *thread;               /* who waits */
    int state;                          /* F_* (locked) */
    int reaped;                         /* taken off the done list */
    long res;                           /* the call's result */
    int err;                            /* and its errno */
} fio_t;

struct _st_pool {
    pthread_mutex_t lock;               /* guards what helpers share */
    pthread_cond_t work;                /* helpers wait for requests */
    _st_clist_t todo;                   /* queued requests (locked) */
    _st_clist_t done;                   /* finished, not reaped (locked) */
    int target;                         /* helpers allowed to run calls */
    int queued;                         /* requests on todo (locked) */
    int busy;                           /* helpers inside a call (locked) */
    int idle;                           /* helpers waiting (locked) */
    int returning;                      /* finished a call, not yet back
                                         * at the todo list (locked) */
    int stopping;                       /* st_destroy (locked) */
    int nthreads;                       /* helpers started */
    pthread_t *tids;                    /* their ids, for st_destroy */
    int tidcap;                         /* entries in tids */
    int rfd, wfd;                       /* eventfd (rfd == wfd) or pipe */
    int gate;                           /* test hook descriptor or -1 */
    int gate_note;                      /* and its "started" pipe, or -1 */
    unsigned long fork_gen;             /* _st_fork_generation at start */
    int armed;                          /* pq registered */
    struct pollfd pd;                   /* the pool's poll entry */
    _st_pollnode_t node;                /* its node */
    _st_pollq_t pq;                     /* its internal request */
};

/* ---- the call itself ---------------------------------------------------- */

long _st_file_call(const _st_io_req_t *r)
{
    long n;

    do {
        switch (r->kind) {
        case ST_IO_FREAD:
            if (r->iov != NULL || r->iovcnt > 0)
                n = readv(r->osfd, r->iov, r->iovcnt);
            else if (r->off < 0)
                n = read(r->osfd, r->buf, r->len);
            else
                n = pread(r->osfd, r->buf, r->len, r->off);
            break;
        case ST_IO_FWRITE:
            if (r->iov != NULL || r->iovcnt > 0)
                n = writev(r->osfd, r->iov, r->iovcnt);
            else if (r->off < 0)
                n = write(r->osfd, r->buf, r->len);
            else
                n = pwrite(r->osfd, r->buf, r->len, r->off);
            break;
#if defined(HAVE_FDATASYNC)
        case ST_IO_FDATASYNC:
            n = fdatasync(r->osfd);
            break;
#endif
        default:
            n = fsync(r->osfd);
            break;
        }
    } while (n < 0 && errno == EINTR);
    return n;
}

/* ---- settings ----------------------------------------------------------- */

int st_set_fileio_threads(int n)
{
    _st_vp_t *vp = VP;
    int old = _st_fileio_threads();
    struct _st_pool *p = vp->pool;

    if (n < 0 || n > FILEIO_MAX) {
        errno = EINVAL;
        return -1;
    }
    vp->fileio_cfg = n + 1;
    if (p != NULL) {
        pthread_mutex_lock(&p->lock);
        p->target = n;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->lock);
    }
    return old;
}

/* Test-only hook (documented in st_set_fileio_threads(3)):
 * ST_TEST_FILEIO_GATE=R[:W] names the read end R of a pipe (a socket
 * where pipe() makes sockets, as on Windows); every file
 * call then waits for one byte from R before it starts (a pool helper
 * reads it after taking the request, and first writes one byte to the
 * pipe W if given, saying "started"; the ring reads it in an operation
 * linked before the file operation). */
static int fifo_fd(const char *s, char **end)
{
    struct stat sb;
    long v = strtol(s, end, 10);

    if (*end == s || v < 0 || v > ST_MAX_FD_INDEX ||
        fstat((int)v, &sb) < 0 ||
        !(S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)))
        return -1;
    return (int)v;
}

/* Returns R (and W in *note, or -1), or -1 when unset. */
int _st_fileio_gate(int *note)
{
    const char *s = getenv("ST_TEST_FILEIO_GATE");
    char *end;
    int gate;

    *note = -1;
    if (s == NULL || *s == '\0')
        return -1;
    gate = fifo_fd(s, &end);
    if (gate >= 0 && *end == ':')
        *note = fifo_fd(end + 1, &end);
    return gate;
}

/* ---- helpers (POSIX threads) --------------------------------------------- */

static void signal_done(struct _st_pool *p)
{
    ssize_t w;
#if defined(HAVE_SYS_EVENTFD_H)
    uint64_t one = 1;
    do
        w = write(p->wfd, &one, sizeof one);
    while (w < 0 && errno == EINTR);
#else
    char c = 0;
    do
        w = write(p->wfd, &c, 1);
    while (w < 0 && errno == EINTR);
#endif
    (void)w;                            /* EAGAIN: a wake-up is pending */
}

static void *helper_main(void *arg)
{
    struct _st_pool *p = arg;

#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_NAME)
    /* Named for top -H, ps -L and debuggers (the Linux thread name). */
    (void)prctl(PR_SET_NAME, "st-fileio", 0, 0, 0);
#endif
    pthread_mutex_lock(&p->lock);
    for (;;) {
        fio_t *r;
        long res;
        int err;

        /* Size 0 only sends new calls to their callers: requests
         * queued before are still served, one at a time. */
        while (!p->stopping &&
               (ST_CLIST_EMPTY(&p->todo) ||
                p->busy >= (p->target > 0 ? p->target : 1))) {
            p->idle++;
            pthread_cond_wait(&p->work, &p->lock);
            p->idle--;
        }
        if (p->stopping)
            break;
        r = ST_CONTAINER(p->todo.next, fio_t, links);
        _st_clist_remove(&r->links);
        p->queued--;
        r->state = F_RUNNING;
        p->busy++;
        pthread_mutex_unlock(&p->lock);

        if (p->gate >= 0) {
            char c = 0;
            ssize_t g;
            if (p->gate_note >= 0)
                do
                    g = write(p->gate_note, &c, 1);
                while (g < 0 && errno == EINTR);
            do
                g = read(p->gate, &c, 1);
            while (g < 0 && errno == EINTR);
        }
        res = _st_file_call(r->req);
        err = errno;

        pthread_mutex_lock(&p->lock);
        r->res = res;
        r->err = err;
        r->state = F_DONE;
        _st_clist_append(&p->done, &r->links);
        p->busy--;
        p->returning++;
        pthread_mutex_unlock(&p->lock);
        signal_done(p);
        pthread_mutex_lock(&p->lock);
        p->returning--;                 /* back at the todo list */
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Start a helper thread, with every signal blocked (they belong to the
 * scheduler's thread; Windows has no POSIX signals to block). */
static int start_thread(struct _st_pool *p, pthread_t *tid)
{
#if defined(_WIN32)
    return pthread_create(tid, NULL, helper_main, p);
#else
    sigset_t all, old;
    int r;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(tid, NULL, helper_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
#endif
}

/* Start one more helper.  0 or -1. */
static int spawn(struct _st_pool *p)
{
    pthread_t tid;

    if (p->nthreads == p->tidcap) {
        int n = p->tidcap ? p->tidcap * 2 : 4;
        pthread_t *t = realloc(p->tids, (size_t)n * sizeof *t);
        if (t == NULL)
            return -1;
        p->tids = t;
        p->tidcap = n;
    }
    if (start_thread(p, &tid) != 0)
        return -1;
    p->tids[p->nthreads++] = tid;
    return 0;
}

/* ---- the scheduler's side ------------------------------------------------ */

static void drain(struct _st_pool *p)
{
    char buf[64];
    ssize_t n;

    do
        n = read(p->rfd, buf, sizeof buf);
    while (n > 0 || (n < 0 && errno == EINTR));
}

/* Wake the threads of finished requests (under the lock: wakes never
 * switch).  A thread that is not waiting any more (woken by its timer
 * or an interrupt) finds its request done by itself. */
static void reap(struct _st_pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (!ST_CLIST_EMPTY(&p->done)) {
        fio_t *r = ST_CONTAINER(p->done.next, fio_t, links);
        _st_clist_remove(&r->links);
        r->reaped = 1;
        if (r->thread->state == ST_ST_IO_WAIT)
            _st_wake(r->thread);
    }
    pthread_mutex_unlock(&p->lock);
}

/* The pool's poll fired (called by dispatch, request unregistered). */
static void pool_notify(_st_pollq_t *pq)
{
    struct _st_pool *p = ST_CONTAINER(pq, struct _st_pool, pq);

    p->armed = 0;
    VP->pool_rearm = 1;
    drain(p);
    reap(p);
}

static int arm(struct _st_pool *p)
{
    _st_vp_t *vp = VP;

    if (p->armed)
        return 0;
    p->pd.fd = p->rfd;
    p->pd.events = POLLIN;
    p->pd.revents = 0;
    p->pq.pds = &p->pd;
    p->pq.npds = 1;
    p->pq.thread = NULL;
    p->pq.notify = pool_notify;
    p->pq.on_ioq = 1;
    p->pq.ready = 0;
    p->pq.seq = vp->pollq_seq++;
    p->pq.nodes = &p->node;
    if (vp->ev->pollset_add(&p->pq) < 0)
        return -1;
    _st_clist_append(&vp->io_q, &p->pq.links);
    p->armed = 1;
    return 0;
}

/* Called by the idle loop after a dispatch in which the poll fired. */
void _st_pool_rearm(void)
{
    _st_vp_t *vp = VP;

    vp->pool_rearm = 0;
    if (vp->pool != NULL && arm(vp->pool) < 0)
        _st_fatal(__FILE__, __LINE__, "file pool: pollset_add");
}

static void disarm(struct _st_pool *p)
{
    if (p->armed) {
        _st_clist_remove(&p->pq.links);
        VP->ev->pollset_del(&p->pq);
        p->armed = 0;
    }
}

static void close_fds(struct _st_pool *p)
{
    close(p->rfd);
    if (p->wfd != p->rfd)
        close(p->wfd);
}

static int open_fds(struct _st_pool *p)
{
#if defined(HAVE_SYS_EVENTFD_H)
    p->rfd = p->wfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return p->rfd < 0 ? -1 : 0;
#else
    int fds[2], i;

    if (pipe(fds) < 0)
        return -1;
    for (i = 0; i < 2; i++) {
        int fl = fcntl(fds[i], F_GETFL);
        if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) < 0 ||
            fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
            close(fds[0]);
            close(fds[1]);
            return -1;
        }
    }
    p->rfd = fds[0];
    p->wfd = fds[1];
    return 0;
#endif
}

static struct _st_pool *pool_get(void)
{
    _st_vp_t *vp = VP;
    struct _st_pool *p = vp->pool;

    if (p != NULL && _st_likely(p->fork_gen == _st_fork_generation()))
        return p;
    if (p != NULL) {
        /* A child after fork: the helpers stayed in the parent and the
         * mutex may be held there.  Leave the old pool alone (its queued
         * requests are lost) and start afresh. */
        disarm(p);
        close_fds(p);
        vp->pool = NULL;
    }
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    if (open_fds(p) < 0)
        goto fail;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        goto fail_fds;
    if (pthread_cond_init(&p->work, NULL) != 0)
        goto fail_lock;
    ST_CLIST_INIT(&p->todo);
    ST_CLIST_INIT(&p->done);
    p->target = _st_fileio_threads();
    p->gate = _st_fileio_gate(&p->gate_note);
    p->fork_gen = _st_fork_generation();
    if (arm(p) < 0)
        goto fail_cond;
    vp->pool = p;
    return p;
fail_cond:
    pthread_cond_destroy(&p->work);
fail_lock:
    pthread_mutex_destroy(&p->lock);
fail_fds:
    close_fds(p);
fail:
    free(p);
    return NULL;
}

long _st_pool_file_io(const _st_io_req_t *req, st_utime_t timeout)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;
    struct _st_pool *p;
    fio_t r;
    int more;

    if (_st_take_interrupt(me) < 0)
        return -1;
    p = pool_get();
    if (p == NULL)
        return _st_file_call(req);      /* no pool: block, as classic ST */
    memset(&r, 0, sizeof r);
    r.req = req;
    r.thread = me;
    pthread_mutex_lock(&p->lock);
    r.state = F_QUEUED;
    _st_clist_append(&p->todo, &r.links);
    /* A helper that has just finished a call counts as idle: it looks
     * at the todo list before it waits.  A thread that writes a file
     * sequentially thus keeps one helper, and no wake-up is needed. */
    more = ++p->queued > p->idle + p->returning &&
           p->nthreads < p->target;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    if (more && spawn(p) < 0 && p->nthreads == 0) {
        /* Not a single helper: do it here. */
        pthread_mutex_lock(&p->lock);
        _st_clist_remove(&r.links);
        p->queued--;
        pthread_mutex_unlock(&p->lock);
        return _st_file_call(req);
    }

    if (timeout != ST_UTIME_NO_TIMEOUT)
        _st_add_sleepq(me, timeout);
    me->state = ST_ST_IO_WAIT;
    _st_switch();

    pthread_mutex_lock(&p->lock);
    if (r.state == F_QUEUED) {
        /* Timed out or interrupted before any helper took it. */
        _st_clist_remove(&r.links);
        p->queued--;
        pthread_mutex_unlock(&p->lock);
        if (_st_take_interrupt(me) == 0)
            errno = ETIME;
        return -1;
    }
    while (r.state != F_DONE) {
        /* A helper is inside the call, with our buffer: wait for it. */
        pthread_mutex_unlock(&p->lock);
        me->state = ST_ST_IO_WAIT;
        _st_switch();
        pthread_mutex_lock(&p->lock);
    }
    if (!r.reaped)
        _st_clist_remove(&r.links);     /* done, not yet reaped */
    pthread_mutex_unlock(&p->lock);
    if (r.res < 0)
        errno = r.err;
    return r.res;
}

/* st_destroy: calls a helper has started are finished (their results are
 * dropped), queued ones are never performed; the helpers are joined. */
void _st_pool_destroy(void)
{
    _st_vp_t *vp = VP;
    struct _st_pool *p = vp->pool;
    int i;

    if (p == NULL)
        return;
    vp->pool = NULL;
    if (p->fork_gen != _st_fork_generation()) {
        close_fds(p);                   /* another process's pool */
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (i = 0; i < p->nthreads; i++)
        pthread_join(p->tids[i], NULL);
    disarm(p);
    close_fds(p);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->tids);
    free(p);
}
