/* SPDX-License-Identifier: MIT */
/* ev_kqueue.c - the kqueue(2) event system (BSD, macOS). */
/*
 * Filters are one-shot and reference counted per descriptor and
 * direction.  A direction whose waiter count leaves 0 has its descriptor
 * queued; the EV_ADD changes are built from that queue and submitted with
 * the next kevent wait.  A fired one-shot filter is gone from the kernel,
 * so waking its requests costs no system call; filters whose last waiter
 * leaves without them firing are deleted before any thread runs again,
 * which keeps the rule "count 0 => nothing in the kernel" and so makes
 * closing and reusing a descriptor number safe.
 *
 * Invariants between dispatches: a direction with waiters is either
 * armed (its filter is in the kernel) or its descriptor is on the add
 * queue (or a full rescan of the I/O list is pending); a direction
 * without waiters is never armed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define KQ_RD           0x1             /* read direction (EVFILT_READ) */
#define KQ_WR           0x2             /* write direction (EVFILT_WRITE) */
#define KQ_MIN_EVENTS   64
#if !defined(KQ_MAX_EVENTS)             /* the tests make it small */
#define KQ_MAX_EVENTS   65536
#endif
#define KQ_MAX_SEC      31536000        /* cap waits at about a year */

/* Regular files are always ready (as with select and poll), also at
 * the end of the file, where a vnode read filter does not fire unless
 * asked to: NOTE_EOF (OpenBSD, NetBSD), NOTE_FILE_POLL (FreeBSD). */
#if defined(NOTE_EOF)
#define KQ_READ_FFLAGS  NOTE_EOF
#elif defined(NOTE_FILE_POLL)
#define KQ_READ_FFLAGS  NOTE_FILE_POLL
#else
#define KQ_READ_FFLAGS  0
#endif

#if defined(EV_RECEIPT)
#define KQ_DEL_FLAGS    (EV_DELETE | EV_RECEIPT)
#else
#define KQ_DEL_FLAGS    EV_DELETE
#endif

typedef struct kq_fd {
    int rd, wr;                         /* waiters per direction */
    unsigned char armed;                /* KQ_* filters held by the kernel */
    unsigned char queued;               /* on the add queue */
    short rrev, wrev;                   /* scratch: results per direction */
} kq_fd_t;

struct kq_state {
    int kq;                             /* the kqueue, or -1 */
    pid_t pid;                          /* process that created it */
    unsigned long fork_gen;             /* _st_fork_generation then */
    dev_t kq_dev;                       /* its identity, to recognise */
    ino_t kq_ino;                       /*   an inherited descriptor */
    kq_fd_t *tab;                       /* indexed by descriptor */
    size_t tabsize;                     /* entries in tab */
    int *pend;                          /* add queue: descriptors */
    int npend, pendcap;                 /* its length and capacity */
    int rescan;                         /* queue every waiter from io_q */
    int narmed;                         /* filters held by the kernel */
    struct kevent *chg;                 /* change list (adds or deletes) */
    int nchg;                           /* deletes waiting in chg */
    struct kevent *evs;                 /* event buffer */
    int *fired;                         /* scratch: descriptors reported */
    int evcap;                          /* entries of chg, evs and fired */
};

static __thread struct kq_state *K __attribute__((tls_model("initial-exec")));

/* ---- kqueue descriptors ----------------------------------------------- */

static int kq_open(void)
{
    int fd = kqueue();

    if (fd >= 0)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

static void kq_remember(void)
{
    struct stat st;

    K->pid = getpid();
    K->fork_gen = _st_fork_generation();
    K->kq_dev = 0;
    K->kq_ino = 0;
    if (fstat(K->kq, &st) == 0) {
        K->kq_dev = st.st_dev;
        K->kq_ino = st.st_ino;
    }
}

/*
 * Close our kqueue if the descriptor still refers to it.  A child of fork
 * does not inherit kqueues on BSD and macOS, so there the number may have
 * been reused for something else: after a fork, close only a descriptor
 * that is recognisably the same object (emulations that do inherit it).
 */
static void kq_release(void)
{
    struct stat st;
    int ours;

    if (K->kq < 0)
        return;
    if (K->pid == getpid() && K->fork_gen == _st_fork_generation())
        ours = 1;
    else
        ours = (K->kq_dev != 0 || K->kq_ino != 0) &&
               fstat(K->kq, &st) == 0 && st.st_dev == K->kq_dev &&
               st.st_ino == K->kq_ino;
    if (ours)
        close(K->kq);
    K->kq = -1;
}

/* kevent failed with EBADF: is our kqueue gone (fork, or closed)? */
static int kq_lost(void)
{
    return K->pid != getpid() || K->fork_gen != _st_fork_generation() ||
           (fcntl(K->kq, F_GETFD) < 0 && errno == EBADF);
}

/* ---- tables ------------------------------------------------------------ */

static int kq_grow_tab(int fd)
{
    size_t old = K->tabsize, n = old;
    kq_fd_t *t;

    if ((size_t)fd < old)
        return 0;
    if (_st_fd_check_open(fd) < 0)
        return -1;                      /* never grow for a bogus number */
    if (fd > ST_MAX_FD_INDEX) {
        errno = ENOMEM;                 /* doubling past this overflows */
        return -1;
    }
    while (n <= (size_t)fd)
        n *= 2;
    t = realloc(K->tab, n * sizeof *t);
    if (t == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memset(t + old, 0, (n - old) * sizeof *t);
    K->tab = t;
    K->tabsize = n;
    return 0;
}

/* Grow the change list, event buffer and fired list together. */
static void kq_grow_events(int want)
{
    int n = K->evcap;
    void *p;

    if (want > KQ_MAX_EVENTS)
        want = KQ_MAX_EVENTS;
    if (want <= n)
        return;
    while (n < want)
        n *= 2;
    p = realloc(K->chg, (size_t)n * sizeof *K->chg);
    if (p == NULL)
        return;
    K->chg = p;
    p = realloc(K->evs, (size_t)n * sizeof *K->evs);
    if (p == NULL)
        return;
    K->evs = p;
    p = realloc(K->fired, (size_t)n * sizeof *K->fired);
    if (p == NULL)
        return;
    K->fired = p;
    K->evcap = n;
}

/* Queue fd for EV_ADD at the next dispatch.  Never fails: if the queue
 * cannot grow, the next dispatch rescans every waiting request. */
static void kq_pend(int fd)
{
    kq_fd_t *e = &K->tab[fd];

    if (e->queued)
        return;
    if (K->npend == K->pendcap) {
        int n = K->pendcap ? K->pendcap * 2 : KQ_MIN_EVENTS;
        int *p = realloc(K->pend, (size_t)n * sizeof *p);
        if (p == NULL) {
            K->rescan = 1;
            return;
        }
        K->pend = p;
        K->pendcap = n;
    }
    e->queued = 1;
    K->pend[K->npend++] = fd;
}

/* ---- deletes ------------------------------------------------------------ */

/* Submit the queued deletes; errors (a filter that is already gone) are
 * ignored.  With EV_RECEIPT every change reports into the event buffer,
 * which is exactly as long as the batch, so no pending event is taken.
 * In a child that has not rebuilt yet they are dropped: the filters were
 * in the parent's kqueue, and the number may be another kqueue now. */
static void kq_flush(void)
{
    int off = 0;

    if (K->fork_gen != _st_fork_generation()) {
        K->nchg = 0;
        return;
    }

#if defined(EV_RECEIPT)
    static const struct timespec zero = { 0, 0 };

    while (off < K->nchg) {
        int n = K->nchg - off;
        if (n > K->evcap)
            n = K->evcap;
        (void)kevent(K->kq, K->chg + off, n, K->evs, n, &zero);
        off += n;
    }
#else
    for (; off < K->nchg; off++)
        (void)kevent(K->kq, &K->chg[off], 1, NULL, 0, NULL);
#endif
    K->nchg = 0;
}

static void kq_push_delete(int fd, short filter)
{
    if (K->nchg == K->evcap)
        kq_flush();
    EV_SET(&K->chg[K->nchg], (uintptr_t)fd, filter, KQ_DEL_FLAGS, 0, 0, 0);
    K->nchg++;
}

/* Drop pq's counts; queue deletes for armed filters left without
 * waiters (the caller flushes). */
static void kq_unregister(_st_pollq_t *pq)
{
    int i;

    for (i = 0; i < pq->npds; i++) {
        const struct pollfd *p = &pq->pds[i];
        kq_fd_t *e = &K->tab[p->fd];
        if ((p->events & POLLIN) && --e->rd == 0 && (e->armed & KQ_RD)) {
            e->armed &= (unsigned char)~KQ_RD;
            K->narmed--;
            kq_push_delete(p->fd, EVFILT_READ);
        }
        if ((p->events & POLLOUT) && --e->wr == 0 && (e->armed & KQ_WR)) {
            e->armed &= (unsigned char)~KQ_WR;
            K->narmed--;
            kq_push_delete(p->fd, EVFILT_WRITE);
        }
    }
}

/* ---- the backend -------------------------------------------------------- */

static int kq_probe(void)
{
    int fd = kqueue();

    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static void kq_destroy(void)
{
    if (K == NULL)
        return;
    kq_release();
    free(K->tab);
    free(K->pend);
    free(K->chg);
    free(K->evs);
    free(K->fired);
    free(K);
    K = NULL;
}

static int kq_init(void)
{
    int err;

    if (K != NULL)
        kq_destroy();
    K = calloc(1, sizeof *K);
    if (K == NULL) {
        errno = ENOMEM;
        return -1;
    }
    K->kq = kq_open();
    if (K->kq < 0)
        goto fail;
    kq_remember();
    K->tab = calloc(FD_SETSIZE, sizeof *K->tab);
    K->chg = malloc(KQ_MIN_EVENTS * sizeof *K->chg);
    K->evs = malloc(KQ_MIN_EVENTS * sizeof *K->evs);
    K->fired = malloc(KQ_MIN_EVENTS * sizeof *K->fired);
    K->pend = malloc(KQ_MIN_EVENTS * sizeof *K->pend);
    if (K->tab == NULL || K->chg == NULL || K->evs == NULL ||
        K->fired == NULL || K->pend == NULL) {
        errno = ENOMEM;
        goto fail;
    }
    K->tabsize = FD_SETSIZE;
    K->evcap = KQ_MIN_EVENTS;
    K->pendcap = KQ_MIN_EVENTS;
    return 0;
fail:
    err = errno;
    kq_destroy();
    errno = err;
    return -1;
}

static int kq_pollset_add(_st_pollq_t *pq)
{
    int i, maxfd = -1;

    /* kqueue has no priority filter: POLLPRI is refused. */
    if (_st_pollq_check(pq, POLLIN | POLLOUT, 0) < 0)
        return -1;
    for (i = 0; i < pq->npds; i++) {
        const struct pollfd *p = &pq->pds[i];
        if (p->fd > maxfd)
            maxfd = p->fd;
    }
    if (maxfd >= 0 && kq_grow_tab(maxfd) < 0)
        return -1;
    for (i = 0; i < pq->npds; i++) {
        const struct pollfd *p = &pq->pds[i];
        kq_fd_t *e = &K->tab[p->fd];
        if ((p->events & POLLIN) && e->rd++ == 0 && !(e->armed & KQ_RD))
            kq_pend(p->fd);
        if ((p->events & POLLOUT) && e->wr++ == 0 && !(e->armed & KQ_WR))
            kq_pend(p->fd);
    }
    return 0;
}

static void kq_pollset_del(_st_pollq_t *pq)
{
    kq_unregister(pq);
    kq_flush();
}

/* Append EV_ADDs for fd's unarmed directions that have waiters; -1 if
 * they do not fit in the first room entries of the change list. */
static int kq_add_for(int fd, int *nadd, int room)
{
    kq_fd_t *e = &K->tab[fd];
    int need = ((e->rd ? KQ_RD : 0) | (e->wr ? KQ_WR : 0)) & ~e->armed;
    int k = (need & KQ_RD ? 1 : 0) + (need & KQ_WR ? 1 : 0);

    if (*nadd + k > room)
        return -1;
    if (need & KQ_RD)
        EV_SET(&K->chg[(*nadd)++], (uintptr_t)fd, EVFILT_READ,
               EV_ADD | EV_ONESHOT, KQ_READ_FFLAGS, 0, 0);
    if (need & KQ_WR)
        EV_SET(&K->chg[(*nadd)++], (uintptr_t)fd, EVFILT_WRITE,
               EV_ADD | EV_ONESHOT, 0, 0, 0);
    e->armed |= (unsigned char)need;
    K->narmed += k;
    return 0;
}

/* Build the change list from the add queue (and, after a fork or a
 * failed queue growth, from every waiting request).  The list never
 * exceeds the event buffer, so each failing change has a slot to report
 * in.  Sets *more if something had to wait for the next round. */
static int kq_build_adds(int *more)
{
    int room = K->evcap, nadd = 0, keep = 0, i;

    *more = 0;
    if (K->rescan) {
        _st_clist_t *q;
        K->rescan = 0;
        for (q = VP->io_q.next; q != &VP->io_q; q = q->next) {
            _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
            for (i = 0; i < pq->npds; i++) {
                if (kq_add_for(pq->pds[i].fd, &nadd, room) < 0) {
                    K->rescan = 1;
                    *more = 1;
                    return nadd;
                }
            }
        }
    }
    for (i = 0; i < K->npend; i++) {
        int fd = K->pend[i];
        if (kq_add_for(fd, &nadd, room) < 0) {
            K->pend[keep++] = fd;
            *more = 1;
        } else {
            K->tab[fd].queued = 0;
        }
    }
    K->npend = keep;
    return nadd;
}

/* kevent failed: the adds may not have been applied; queue them again
 * (adding an existing filter again only updates it). */
static void kq_unsubmit(int nadd)
{
    int i;

    for (i = 0; i < nadd; i++) {
        int fd = (int)K->chg[i].ident;
        int dir = K->chg[i].filter == EVFILT_READ ? KQ_RD : KQ_WR;
        if (K->tab[fd].armed & dir) {
            K->tab[fd].armed &= (unsigned char)~dir;
            K->narmed--;
        }
        kq_pend(fd);
    }
}

/* New process (or our kqueue vanished): make a new kqueue and register
 * every waiting request again. */
static void kq_rebuild(void)
{
    _st_clist_t *q;
    int i;

    kq_release();
    K->kq = kq_open();
    if (K->kq < 0)
        _st_fatal(__FILE__, __LINE__, "kqueue after fork");
    kq_remember();
    K->narmed = 0;
    K->nchg = 0;
    for (q = VP->io_q.next; q != &VP->io_q; q = q->next) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        for (i = 0; i < pq->npds; i++)
            K->tab[pq->pds[i].fd].armed = 0;
    }
    K->rescan = 1;
}

/* Record one reported event in the per-descriptor scratch; 1 if it
 * concerns a waiter. */
static int kq_record(const struct kevent *ev)
{
    kq_fd_t *e;
    int dir;

    if (ev->ident >= K->tabsize)
        return 0;
    if (ev->filter == EVFILT_READ)
        dir = KQ_RD;
    else if (ev->filter == EVFILT_WRITE)
        dir = KQ_WR;
    else
        return 0;
    if ((ev->flags & EV_ERROR) && ev->data == 0)
        return 0;                       /* a receipt, not an error */
    e = &K->tab[ev->ident];
    /* Fired one-shot filters and failed adds are not in the kernel. */
    if (e->armed & dir) {
        e->armed &= (unsigned char)~dir;
        K->narmed--;
    }
    if (!(dir == KQ_RD ? e->rd : e->wr))
        return 0;                       /* stale: nobody waits any more */
    if (ev->flags & EV_ERROR) {
        if (ev->data == EBADF) {
            e->rrev |= POLLNVAL;
            e->wrev |= POLLNVAL;
        } else if (dir == KQ_RD) {
            e->rrev |= POLLERR;
        } else {
            e->wrev |= POLLERR;
        }
    } else if (dir == KQ_RD) {
        e->rrev |= POLLIN;
    } else {
        e->wrev |= POLLOUT;
    }
    return 1;
}

static short kq_revents(const struct pollfd *p)
{
    const kq_fd_t *e = &K->tab[p->fd];
    short rev = 0;

    if (p->events & POLLIN)
        rev |= e->rrev;
    if (p->events & POLLOUT)
        rev |= e->wrev;
    return rev;
}

static void kq_dispatch(void)
{
    struct timespec ts, *tsp = NULL;
    st_utime_t timeout;
    _st_clist_t *q, *nx;
    int i, n, nadd, more, nfired = 0, hits = 0, retried = 0;

    if (K->kq < 0 || K->fork_gen != _st_fork_generation())
        kq_rebuild();
    kq_flush();                         /* nothing should be left; be sure */
    kq_grow_events(K->narmed + 2 * K->npend);

    for (;;) {
        nadd = kq_build_adds(&more);
        timeout = more ? 0 : _st_next_timeout();
        tsp = NULL;
        if (timeout != ST_UTIME_NO_TIMEOUT) {
            st_utime_t sec = timeout / 1000000;
            if (sec > KQ_MAX_SEC)
                sec = KQ_MAX_SEC;
            ts.tv_sec = (time_t)sec;
            ts.tv_nsec = (long)(timeout % 1000000) * 1000;
            tsp = &ts;
        }
        n = kevent(K->kq, K->chg, nadd, K->evs, K->evcap, tsp);
        if (n >= 0)
            break;
        kq_unsubmit(nadd);
        if (errno != EBADF || retried || !kq_lost())
            return;                     /* EINTR and the like: next pass */
        retried = 1;
        kq_rebuild();
    }

    for (i = 0; i < n; i++) {
        if (kq_record(&K->evs[i])) {
            K->fired[nfired++] = (int)K->evs[i].ident;
            hits = 1;
        }
    }
    if (!hits)
        return;

    /* Wake in registration order every request with a ready entry. */
    for (q = VP->io_q.next; q != &VP->io_q; q = nx) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        int ready = 0;
        nx = q->next;
        for (i = 0; i < pq->npds; i++) {
            if (kq_revents(&pq->pds[i])) {
                ready = 1;
                break;
            }
        }
        if (!ready)
            continue;
        for (i = 0; i < pq->npds; i++)
            pq->pds[i].revents = kq_revents(&pq->pds[i]);
        kq_unregister(pq);
        _st_pollq_wake(pq);
    }

    for (i = 0; i < nfired; i++) {
        int fd = K->fired[i];
        kq_fd_t *e = &K->tab[fd];
        e->rrev = e->wrev = 0;
        /* Every waiter of a reported direction was woken; if one is
         * somehow left, arm its filter again rather than lose it. */
        if ((e->rd && !(e->armed & KQ_RD)) || (e->wr && !(e->armed & KQ_WR)))
            kq_pend(fd);
    }
    kq_flush();
}

static int kq_fd_new(int osfd)
{
    return osfd < 0 ? 0 : kq_grow_tab(osfd);
}

static int kq_fd_close(int osfd)
{
    if (osfd >= 0 && (size_t)osfd < K->tabsize &&
        (K->tab[osfd].rd || K->tab[osfd].wr)) {
        errno = EBUSY;
        return -1;
    }
    return 0;
}

static void kq_fd_free(int osfd)
{
    (void)osfd;
}

static int kq_fd_getlimit(void)
{
    return 0;
}

const _st_eventsys_ops_t _st_eventsys_kqueue = {
    .name = "kqueue", .val = ST_EVENTSYS_ALT, .probe = kq_probe,
    .init = kq_init, .destroy = kq_destroy,
    .pollset_add = kq_pollset_add, .pollset_del = kq_pollset_del,
    .dispatch = kq_dispatch, .fd_new = kq_fd_new,
    .fd_close = kq_fd_close, .fd_free = kq_fd_free,
    .fd_getlimit = kq_fd_getlimit,
    .file_io = _st_pool_file_io
};
