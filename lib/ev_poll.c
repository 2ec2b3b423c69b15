/* SPDX-License-Identifier: MIT */
/* ev_poll.c - the poll(2) event system. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"

#define MIN_POLLFDS 64

struct poll_state {
    struct pollfd *fds;                 /* concatenated request arrays */
    size_t cap;                         /* allocated entries */
    size_t total;                       /* registered entries */
};

static __thread struct poll_state *P __attribute__((tls_model("initial-exec")));

static int pol_init(void)
{
    P = calloc(1, sizeof *P);
    if (P == NULL)
        goto nomem;
    P->fds = malloc(MIN_POLLFDS * sizeof *P->fds);
    if (P->fds == NULL) {
        free(P);
        P = NULL;
        goto nomem;
    }
    P->cap = MIN_POLLFDS;
    return 0;
nomem:
    errno = ENOMEM;
    return -1;
}

static void pol_destroy(void)
{
    if (P != NULL)
        free(P->fds);
    free(P);
    P = NULL;
}

static int pol_pollset_add(_st_pollq_t *pq)
{
    /* poll(2) takes any event bits. */
    if (_st_pollq_check(pq, (short)~0, 0) < 0)
        return -1;
    P->total += (size_t)pq->npds;
    return 0;
}

static void pol_pollset_del(_st_pollq_t *pq)
{
    P->total -= (size_t)pq->npds;
}

static void pol_dispatch(void)
{
    st_utime_t timeout = _st_next_timeout();
    _st_clist_t *q, *n;
    struct pollfd *pd;
    size_t k = 0;
    int i, nfds;

    int tfd;

    if (P->total + 1 > P->cap) {      /* + 1: the timerfd */
        size_t cap = P->cap;
        while (cap < P->total + 1)
            cap *= 2;
        pd = realloc(P->fds, cap * sizeof *pd);
        if (pd == NULL)
            return;                     /* try again next pass */
        P->fds = pd;
        P->cap = cap;
    }
    for (q = VP->io_q.next; q != &VP->io_q; q = q->next) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        for (i = 0; i < pq->npds; i++) {
            P->fds[k].fd = pq->pds[i].fd;
            P->fds[k].events = pq->pds[i].events;
            P->fds[k].revents = 0;
            k++;
        }
    }
    /* A timed wait ends on time with the timerfd (timerfd.c), last. */
    tfd = _st_tfd_arm(timeout, NULL);
    if (tfd >= 0) {
        P->fds[k].fd = tfd;
        P->fds[k].events = POLLIN;
        P->fds[k].revents = 0;
        k++;
        timeout = ST_UTIME_NO_TIMEOUT;
    }
#if defined(HAVE_PPOLL)
    {
        struct timespec ts, *tsp = NULL;
        if (timeout != ST_UTIME_NO_TIMEOUT) {
            st_utime_t sec = timeout / 1000000;
            if (sec > 31536000)
                sec = 31536000;
            ts.tv_sec = (time_t)sec;
            ts.tv_nsec = (long)(timeout % 1000000) * 1000;
            tsp = &ts;
        }
        nfds = ppoll(P->fds, (nfds_t)k, tsp, NULL);
    }
#else
    {
        int ms = -1;
        if (timeout != ST_UTIME_NO_TIMEOUT)
            ms = timeout >= (st_utime_t)INT_MAX * 1000 ? INT_MAX :
                 (int)((timeout + 999) / 1000);
        nfds = poll(P->fds, (nfds_t)k, ms);
    }
#endif
    if (nfds <= 0)
        return;
    if (tfd >= 0 && P->fds[k - 1].revents)
        _st_tfd_fired();
    pd = P->fds;
    for (q = VP->io_q.next; q != &VP->io_q; q = n) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        int ready = 0;
        n = q->next;
        for (i = 0; i < pq->npds; i++)
            if (pd[i].revents)
                ready = 1;
        if (ready) {
            for (i = 0; i < pq->npds; i++)
                pq->pds[i].revents = pd[i].revents;
            pol_pollset_del(pq);
            _st_pollq_wake(pq);
        }
        pd += pq->npds;
    }
}

static int pol_fd_new(int osfd)
{
    (void)osfd;
    return 0;
}

static int pol_fd_close(int osfd)
{
    (void)osfd;
    return 0;
}

static void pol_fd_free(int osfd)
{
    (void)osfd;
}

static int pol_fd_getlimit(void)
{
    return 0;
}

const _st_eventsys_ops_t _st_eventsys_poll = {
    .name = "poll", .val = ST_EVENTSYS_POLL, .probe = NULL,
    .init = pol_init, .destroy = pol_destroy,
    .pollset_add = pol_pollset_add, .pollset_del = pol_pollset_del,
    .dispatch = pol_dispatch, .fd_new = pol_fd_new,
    .fd_close = pol_fd_close, .fd_free = pol_fd_free,
    .fd_getlimit = pol_fd_getlimit,
    .file_io = _st_pool_file_io
};
