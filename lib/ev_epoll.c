/* SPDX-License-Identifier: MIT */
/* ev_epoll.c - the epoll(7) event system (Linux). */
/*
 * Waiters are indexed by descriptor: each pollfd entry of a request is a
 * node on its descriptor's list, so a dispatch costs work in proportion
 * to the descriptors that are ready, not to the threads that wait.
 *
 * The kernel interest of a descriptor wrapped by a netfd is kept after
 * its last waiter leaves, so a thread that waits on the same descriptor
 * again (the usual read, process, read loop) pays no epoll_ctl.  The
 * extra interest is trimmed when it fires with nobody waiting, and
 * dropped when the netfd is freed or closed.  Raw st_poll descriptors
 * (no netfd) are unregistered as soon as their last waiter leaves.
 *
 * A timed wait sleeps on the scheduler's timerfd (timerfd.c), which is
 * in the epoll set, rather than on the epoll timeout.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "fdwait.h"

#define EP_DIRS (EPOLLIN | EPOLLOUT | EPOLLPRI)
#define MAX_EVENTS 65536

typedef struct ep_fd {
    int rd, wr, ex;                     /* waiters per direction */
    int refs;                           /* netfds wrapping the descriptor */
    unsigned int mask;                  /* interest the kernel holds */
    short revents;                      /* scratch: fired bits (POLL*) */
    short trim;                         /* scratch: fired unwanted bits */
    _st_pollnode_t *waiters;            /* NULL-terminated node list */
} ep_fd_t;

struct ep_state {
    int epfd;                           /* the epoll instance */
    unsigned long fork_gen;             /* _st_fork_generation at creation */
    ep_fd_t *tab;                       /* indexed by descriptor */
    int tabsize;                        /* entries in tab */
    int nregistered;                    /* descriptors with a mask */
    struct epoll_event *evs;            /* epoll_wait buffer */
    int evcap;                          /* its entries */
    _st_pollq_t **ready;                /* scratch: requests to wake */
    int readycap;                       /* its entries */
    int *fired;                         /* scratch: descriptors fired */
    int firedcap;                       /* its entries */
    int have_pwait2;                    /* epoll_pwait2 usable */
};

/* The timerfd's epoll data: not a descriptor of the table. */
#define TIMER_DATA (-1)

static __thread struct ep_state *E __attribute__((tls_model("initial-exec")));

static int ep_probe(void)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);

    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int grow_array(void **arr, int *cap, int need, size_t elem)
{
    int n = *cap ? *cap : 64;
    void *p;

    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    p = realloc(*arr, (size_t)n * elem);
    if (p == NULL) {
        errno = ENOMEM;
        return -1;
    }
    *arr = p;
    *cap = n;
    return 0;
}

static int ep_grow(int fd)
{
    int old = E->tabsize, n = old ? old : 64;
    ep_fd_t *t;

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
    if (t == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memset(t + old, 0, (size_t)(n - old) * sizeof *t);
    E->tab = t;
    E->tabsize = n;
    return 0;
}

/* Room for descriptor fd, which must be open if the table has to grow. */
static int ep_reserve(int fd)
{
    return _st_fd_may_grow(fd, (size_t)E->tabsize) < 0 ? -1 : ep_grow(fd);
}

static int ep_init(void)
{
    int hint = st_getfdlimit();

    E = calloc(1, sizeof *E);
    if (E == NULL) {
        errno = ENOMEM;
        return -1;
    }
    E->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (E->epfd < 0) {
        int err = errno;
        free(E);
        E = NULL;
        errno = err;
        return -1;
    }
    E->fork_gen = _st_fork_generation();
    E->have_pwait2 = 1;
    if (hint <= 0 || hint > 4096)
        hint = 4096;
    if (ep_grow(hint - 1) < 0 ||
        grow_array((void **)&E->evs, &E->evcap, 64, sizeof *E->evs) < 0) {
        close(E->epfd);
        free(E->tab);
        free(E);
        E = NULL;
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static void ep_destroy(void)
{
    if (E == NULL)
        return;
    close(E->epfd);
    free(E->tab);
    free(E->evs);
    free(E->ready);
    free(E->fired);
    free(E);
    E = NULL;
}

static unsigned int needed(const ep_fd_t *e)
{
    return (e->rd ? EPOLLIN : 0) | (e->wr ? EPOLLOUT : 0) |
           (e->ex ? EPOLLPRI : 0);
}

/* After fork the epoll instance is shared with the parent: before any
 * epoll_ctl or wait, a child makes its own (see ep_rebuild). */
static void ep_rebuild(void);

static inline void ep_check_fork(void)
{
    if (_st_unlikely(E->fork_gen != _st_fork_generation()))
        ep_rebuild();
}

/* epoll_ctl(op) of fd for events, reported with data (the descriptor, or
 * TIMER_DATA). */
static int ctl(int op, int fd, unsigned int events, int data)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.fd = data;
    return epoll_ctl(E->epfd, op, fd, &ev);
}

/* Bring the kernel's interest for fd in line with the waiters.  Keeps
 * extra interest for netfd descriptors unless trim is set. */
static int ep_sync(int fd, int trim)
{
    ep_fd_t *e;
    unsigned int need, want;
    int op, r;

    ep_check_fork();
    e = &E->tab[fd];
    need = needed(e);
    want = (e->refs > 0 && !trim) ? (e->mask | need) : need;

    if (want == e->mask)
        return 0;
    if (want == 0) {
        epoll_ctl(E->epfd, EPOLL_CTL_DEL, fd, NULL);
        e->mask = 0;
        E->nregistered--;
        return 0;
    }
    op = e->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    r = ctl(op, fd, want, fd);
    if (r < 0 && op == EPOLL_CTL_MOD && errno == ENOENT)
        r = ctl(op = EPOLL_CTL_ADD, fd, want, fd);
    else if (r < 0 && op == EPOLL_CTL_ADD && errno == EEXIST)
        r = ctl(EPOLL_CTL_MOD, fd, want, fd);
    if (r < 0)
        return -1;
    if (e->mask == 0)
        E->nregistered++;
    e->mask = want;
    return 0;
}

static void count(ep_fd_t *e, short events, int delta)
{
    _st_fdwait_count(&e->rd, &e->wr, &e->ex, events, delta);
}

static void link_node(ep_fd_t *e, _st_pollnode_t *n)
{
    _st_fdwait_link(&e->waiters, n);
}

static void unlink_node(ep_fd_t *e, _st_pollnode_t *n)
{
    _st_fdwait_unlink(&e->waiters, n);
}

/* Undo entries [0, upto) of pq. */
static void ep_unregister(_st_pollq_t *pq, int upto)
{
    int i;

    for (i = 0; i < upto; i++) {
        int fd = pq->pds[i].fd;
        ep_fd_t *e = &E->tab[fd];
        count(e, pq->pds[i].events, -1);
        unlink_node(e, &pq->nodes[i]);
        ep_sync(fd, 0);
    }
}

static int ep_pollset_add(_st_pollq_t *pq)
{
    int i, err;

    if (_st_pollq_check(pq, POLLIN | POLLOUT | POLLPRI, 0) < 0)
        return -1;
    for (i = 0; i < pq->npds; i++) {
        struct pollfd *p = &pq->pds[i];
        if (ep_reserve(p->fd) < 0)
            goto undo;
        count(&E->tab[p->fd], p->events, 1);
        pq->nodes[i].pq = pq;
        link_node(&E->tab[p->fd], &pq->nodes[i]);
        if (ep_sync(p->fd, 0) < 0) {
            i++;                        /* undo the failing entry too */
            goto undo;
        }
    }
    return 0;
undo:
    err = errno;
    ep_unregister(pq, i);
    errno = err;
    return -1;
}

static void ep_pollset_del(_st_pollq_t *pq)
{
    ep_unregister(pq, pq->npds);
}

/* After fork the epoll instance is shared with the parent: make our own
 * and register the current waiters again. */
static void ep_rebuild(void)
{
    int fd;

    close(E->epfd);
    E->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (E->epfd < 0)
        _st_fatal(__FILE__, __LINE__, "epoll_create1 after fork");

    E->fork_gen = _st_fork_generation();
    E->nregistered = 0;
    for (fd = 0; fd < E->tabsize; fd++) {
        E->tab[fd].mask = 0;
        if (needed(&E->tab[fd]))
            ep_sync(fd, 1);
    }
}

static int ep_wait(st_utime_t timeout)
{
    int maxev = E->evcap;

#if defined(HAVE_EPOLL_PWAIT2)
    if (E->have_pwait2) {
        struct timespec ts, *tsp = NULL;
        int n;
        if (timeout != ST_UTIME_NO_TIMEOUT) {
            st_utime_t sec = timeout / 1000000;
            if (sec > 31536000)
                sec = 31536000;
            ts.tv_sec = (time_t)sec;
            ts.tv_nsec = (long)(timeout % 1000000) * 1000;
            tsp = &ts;
        }
        n = epoll_pwait2(E->epfd, E->evs, maxev, tsp, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        E->have_pwait2 = 0;
    }
#endif
    {
        int ms = -1;
        if (timeout != ST_UTIME_NO_TIMEOUT)
            ms = timeout >= (st_utime_t)INT_MAX * 1000 ? INT_MAX :
                 (int)((timeout + 999) / 1000);
        return epoll_wait(E->epfd, E->evs, maxev, ms);
    }
}

/* The epoll timeout for a wait of timeout us: none when the timerfd
 * (added to the set when it is made) will wake us. */
static st_utime_t exact_timeout(st_utime_t timeout)
{
    int fresh, tfd = _st_tfd_arm(timeout, &fresh);

    if (tfd < 0)
        return timeout;
    if (fresh && ctl(EPOLL_CTL_ADD, tfd, EPOLLIN, TIMER_DATA) < 0) {
        _st_tfd_close();
        return timeout;
    }
    return ST_UTIME_NO_TIMEOUT;
}

static short fired_bits(int fd)
{
    return E->tab[fd].revents;
}

static int by_seq(const void *a, const void *b)
{
    const _st_pollq_t *x = *(_st_pollq_t *const *)a;
    const _st_pollq_t *y = *(_st_pollq_t *const *)b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Wake order is registration order.  A dispatch usually finds a few
 * requests, nearly in order already: insertion sort them, and leave
 * large batches to qsort. */
static void sort_ready(_st_pollq_t **a, int n)
{
    int i, j;

    if (n > 32) {
        qsort(a, (size_t)n, sizeof *a, by_seq);
        return;
    }
    for (i = 1; i < n; i++) {
        _st_pollq_t *x = a[i];
        for (j = i; j > 0 && a[j - 1]->seq > x->seq; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

static void ep_dispatch(void)
{
    st_utime_t timeout;
    int i, n, nready = 0, nfired = 0;
    int want = E->nregistered < 64 ? 64 :
               E->nregistered > MAX_EVENTS ? MAX_EVENTS : E->nregistered;

    ep_check_fork();
    if (want > E->evcap)
        grow_array((void **)&E->evs, &E->evcap, want, sizeof *E->evs);

    timeout = _st_next_timeout();
    n = ep_wait(exact_timeout(timeout));
    ST_STAT_INC(epoll);
    ST_STAT_IF(timeout == 0, epoll_zero);
    ST_STAT_IF(timeout > 0 && timeout < 1000, epoll_shake);
    ST_STAT_IF(n <= 0, epoll_spin);
    if (n <= 0)
        return;
    if (grow_array((void **)&E->fired, &E->firedcap, n, sizeof(int)) < 0)
        return;

    for (i = 0; i < n; i++) {
        int fd = E->evs[i].data.fd;
        unsigned int ev = E->evs[i].events;
        ep_fd_t *e;
        _st_clist_t *l;
        short rev = 0;

        if (fd == TIMER_DATA) {
            _st_tfd_fired();
            ST_STAT_IF(n == 1, epoll_spin);     /* the timer alone */
            continue;
        }
        if (fd < 0 || fd >= E->tabsize)
            continue;
        e = &E->tab[fd];
        if (ev & EPOLLIN)
            rev |= POLLIN;
        if (ev & EPOLLOUT)
            rev |= POLLOUT;
        if (ev & EPOLLPRI)
            rev |= POLLPRI;
        if (ev & EPOLLERR)
            rev |= POLLERR;
        if (ev & EPOLLHUP)
            rev |= POLLHUP;
        if (ev & (EPOLLERR | EPOLLHUP)) {
            if (e->rd)
                rev |= POLLIN;
            if (e->wr)
                rev |= POLLOUT;
            if (e->ex)
                rev |= POLLPRI;
        }
        e->revents = rev;
        e->trim = (ev & EP_DIRS & ~needed(e)) != 0 || needed(e) == 0;
        E->fired[nfired++] = fd;
        for (l = e->waiters ? &e->waiters->links : NULL; l; l = l->next) {
            _st_pollq_t *pq = ST_CONTAINER(l, _st_pollnode_t, links)->pq;
            if (pq->ready)
                continue;
            if (grow_array((void **)&E->ready, &E->readycap, nready + 1,
                           sizeof *E->ready) < 0)
                break;
            pq->ready = 1;
            E->ready[nready++] = pq;
        }
    }

    sort_ready(E->ready, nready);
    for (i = 0; i < nready; i++) {
        _st_pollq_t *pq = E->ready[i];
        pq->ready = 0;
        if (!_st_fdwait_deliver(pq, fired_bits))
            continue;                   /* fired in a direction it ignores */
        ep_pollset_del(pq);
        _st_pollq_wake(pq);
    }
    for (i = 0; i < nfired; i++) {
        ep_fd_t *e = &E->tab[E->fired[i]];
        e->revents = 0;
        if (e->trim) {
            e->trim = 0;
            ep_sync(E->fired[i], 1);
        }
    }
}

static int ep_fd_new(int osfd)
{
    ep_fd_t *e;

    if (ep_reserve(osfd) < 0)
        return -1;
    e = &E->tab[osfd];
    if (e->mask != 0 && needed(e) == 0) {
        /* Another netfd on this number kept its registration.  If that
         * descriptor was closed behind our back and the number now names
         * a new file, the kernel dropped the registration with the old
         * file: forget it, so that the next wait registers the new one. */
        ep_check_fork();
        if (ctl(EPOLL_CTL_MOD, osfd, e->mask, osfd) < 0 && errno == ENOENT) {
            e->mask = 0;
            E->nregistered--;
        }
    }
    e->refs++;
    return 0;
}

static int ep_fd_close(int osfd)
{
    ep_fd_t *e;

    if (osfd >= E->tabsize)
        return 0;
    e = &E->tab[osfd];
    if (needed(e)) {
        errno = EBUSY;
        return -1;
    }
    ep_check_fork();
    if (e->mask) {
        epoll_ctl(E->epfd, EPOLL_CTL_DEL, osfd, NULL);
        e->mask = 0;
        E->nregistered--;
    }
    return 0;
}

static void ep_fd_free(int osfd)
{
    ep_fd_t *e;

    if (osfd >= E->tabsize)
        return;
    e = &E->tab[osfd];
    if (e->refs > 0 && --e->refs == 0)
        ep_sync(osfd, 1);
}

static int ep_fd_getlimit(void)
{
    return 0;
}

const _st_eventsys_ops_t _st_eventsys_epoll = {
    .name = "epoll", .val = ST_EVENTSYS_ALT, .probe = ep_probe,
    .init = ep_init, .destroy = ep_destroy,
    .pollset_add = ep_pollset_add, .pollset_del = ep_pollset_del,
    .dispatch = ep_dispatch, .fd_new = ep_fd_new,
    .fd_close = ep_fd_close, .fd_free = ep_fd_free,
    .fd_getlimit = ep_fd_getlimit,
    .file_io = _st_pool_file_io
};
