/* SPDX-License-Identifier: MIT */
/* ev_select.c - the select(2) event system. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include "common.h"

struct sel_state {
    fd_set fds[3];                      /* read, write, exception */
    int counts[3][FD_SETSIZE];          /* waiters per descriptor */
    int maxfd;                          /* highest registered, or -1 */
};

static __thread struct sel_state *S __attribute__((tls_model("initial-exec")));

static const short dir_bits[3] = { POLLIN, POLLOUT, POLLPRI };

static int sel_init(void)
{
    S = calloc(1, sizeof *S);
    if (S == NULL) {
        errno = ENOMEM;
        return -1;
    }
    S->maxfd = -1;
    return 0;
}

static void sel_destroy(void)
{
    free(S);
    S = NULL;
}

static int sel_pollset_add(_st_pollq_t *pq)
{
    int i, d;

    if (_st_pollq_check(pq, POLLIN | POLLOUT | POLLPRI, FD_SETSIZE) < 0)
        return -1;
    for (i = 0; i < pq->npds; i++) {
        struct pollfd *p = &pq->pds[i];
        for (d = 0; d < 3; d++) {
            if (p->events & dir_bits[d]) {
                FD_SET(p->fd, &S->fds[d]);
                S->counts[d][p->fd]++;
            }
        }
        if (p->fd > S->maxfd)
            S->maxfd = p->fd;
    }
    return 0;
}

static void sel_pollset_del(_st_pollq_t *pq)
{
    int i, d;

    for (i = 0; i < pq->npds; i++) {
        struct pollfd *p = &pq->pds[i];
        for (d = 0; d < 3; d++) {
            if ((p->events & dir_bits[d]) && --S->counts[d][p->fd] == 0)
                FD_CLR(p->fd, &S->fds[d]);
        }
    }
    while (S->maxfd >= 0 && !S->counts[0][S->maxfd] &&
           !S->counts[1][S->maxfd] && !S->counts[2][S->maxfd])
        S->maxfd--;
}

/* select failed with EBADF: wake the requests holding dead descriptors. */
static void sel_find_bad_fd(void)
{
    _st_clist_t *q, *n;
    int i;

    for (q = VP->io_q.next; q != &VP->io_q; q = n) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        int bad = 0;
        n = q->next;
        for (i = 0; i < pq->npds; i++) {
            pq->pds[i].revents = 0;
            if (fcntl(pq->pds[i].fd, F_GETFL) < 0 && errno == EBADF) {
                pq->pds[i].revents = POLLNVAL;
                bad = 1;
            }
        }
        if (bad) {
            sel_pollset_del(pq);
            _st_pollq_wake(pq);
        }
    }
}

static short revents_of(const struct pollfd *p, fd_set *r, fd_set *w,
                        fd_set *e)
{
    short rev = 0;

    if ((p->events & POLLIN) && FD_ISSET(p->fd, r))
        rev |= POLLIN;
    if ((p->events & POLLOUT) && FD_ISSET(p->fd, w))
        rev |= POLLOUT;
    if ((p->events & POLLPRI) && FD_ISSET(p->fd, e))
        rev |= POLLPRI;
    return rev;
}

static void sel_dispatch(void)
{
    fd_set r, w, e;
    struct timeval tv, *tvp = NULL;
    st_utime_t timeout = _st_next_timeout();
    _st_clist_t *q, *n;
    int i, nfds, maxfd = S->maxfd;
    int tfd = _st_tfd_arm(timeout, NULL);

    memcpy(&r, &S->fds[0], sizeof r);
    memcpy(&w, &S->fds[1], sizeof w);
    memcpy(&e, &S->fds[2], sizeof e);
    /* A timed wait ends on time with the timerfd (timerfd.c). */
    if (tfd >= 0 && tfd < FD_SETSIZE) {
        FD_SET(tfd, &r);
        if (tfd > maxfd)
            maxfd = tfd;
        timeout = ST_UTIME_NO_TIMEOUT;
    } else {
        tfd = -1;
    }
    if (timeout != ST_UTIME_NO_TIMEOUT) {
        st_utime_t sec = timeout / 1000000;
        /* Cap at about a year: some kernels reject larger values. */
        if (sec > 31536000)
            sec = 31536000;
        tv.tv_sec = (time_t)sec;
        tv.tv_usec = (suseconds_t)(timeout % 1000000);
        tvp = &tv;
    }
    nfds = select(maxfd + 1, &r, &w, &e, tvp);
    if (nfds < 0) {
        if (errno == EBADF)
            sel_find_bad_fd();
        return;
    }
    if (tfd >= 0 && FD_ISSET(tfd, &r)) {
        _st_tfd_fired();
        nfds--;
    }
    if (nfds == 0)
        return;
    for (q = VP->io_q.next; q != &VP->io_q; q = n) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        int ready = 0;
        n = q->next;
        for (i = 0; i < pq->npds; i++)
            if (revents_of(&pq->pds[i], &r, &w, &e))
                ready++;
        if (!ready)
            continue;
        for (i = 0; i < pq->npds; i++)
            pq->pds[i].revents = revents_of(&pq->pds[i], &r, &w, &e);
        sel_pollset_del(pq);
        _st_pollq_wake(pq);
    }
}

static int sel_fd_new(int osfd)
{
    if (osfd >= FD_SETSIZE) {
        errno = EMFILE;
        return -1;
    }
    return 0;
}

static int sel_fd_close(int osfd)
{
    if (osfd >= 0 && osfd < FD_SETSIZE &&
        (S->counts[0][osfd] || S->counts[1][osfd] || S->counts[2][osfd])) {
        errno = EBUSY;
        return -1;
    }
    return 0;
}

static void sel_fd_free(int osfd)
{
    (void)osfd;
}

static int sel_fd_getlimit(void)
{
    return FD_SETSIZE;
}

const _st_eventsys_ops_t _st_eventsys_select = {
    .name = "select", .val = ST_EVENTSYS_SELECT, .probe = NULL,
    .init = sel_init, .destroy = sel_destroy,
    .pollset_add = sel_pollset_add, .pollset_del = sel_pollset_del,
    .dispatch = sel_dispatch, .fd_new = sel_fd_new,
    .fd_close = sel_fd_close, .fd_free = sel_fd_free,
    .fd_getlimit = sel_fd_getlimit,
    .file_io = _st_pool_file_io
};
