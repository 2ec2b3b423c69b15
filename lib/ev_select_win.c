/* SPDX-License-Identifier: MIT */
/* ev_select_win.c - the select event system over Winsock. */
/*
 * Winsock's fd_set is an array of sockets with a count, not a bitmap
 * indexed by descriptor number: FD_SETSIZE (raised here, before
 * winsock2.h, from Winsock's 64) bounds how many sockets a set holds,
 * whatever their handle values.  The sets are rebuilt from the waiting
 * requests at each dispatch.  Two Winsock rules differ from POSIX: a
 * failed non-blocking connect is reported in the exception set, not the
 * write set, so every write wait also watches for exceptions (reported
 * as POLLOUT|POLLERR, after which st_connect reads SO_ERROR); and select
 * with three empty sets fails instead of sleeping, so such a wait sleeps.
 */
#define FD_SETSIZE 1024
#include "config.h"

#include <winsock2.h>
#include <windows.h>
#include <stdlib.h>

#include "common.h"

struct sel_state {
    fd_set fds[3];                      /* read, write, exception (scratch) */
    int entries[3];                     /* registered entries per set */
    int nnetfds;                        /* netfds made (the fd limit) */
};

static __thread struct sel_state *S;

static int sel_init(void)
{
    S = calloc(1, sizeof *S);
    if (S == NULL) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static void sel_destroy(void)
{
    free(S);
    S = NULL;
}

/* The sets an entry occupies: read, write (+ exception), exception. */
static void count_entry(const struct pollfd *p, int n[3])
{
    n[0] = (p->events & POLLIN) != 0;
    n[1] = (p->events & POLLOUT) != 0;
    n[2] = (p->events & (POLLOUT | POLLPRI)) != 0;
}

static int sel_pollset_add(_st_pollq_t *pq)
{
    int add[3] = { 0, 0, 0 }, n[3], i, d;

    if (_st_pollq_check(pq, POLLIN | POLLOUT | POLLPRI, 0) < 0)
        return -1;
    for (i = 0; i < pq->npds; i++) {
        count_entry(&pq->pds[i], n);
        for (d = 0; d < 3; d++)
            add[d] += n[d];
    }
    for (d = 0; d < 3; d++) {
        if (S->entries[d] + add[d] > FD_SETSIZE) {
            errno = EINVAL;
            return -1;
        }
    }
    for (d = 0; d < 3; d++)
        S->entries[d] += add[d];
    return 0;
}

static void sel_pollset_del(_st_pollq_t *pq)
{
    int n[3], i, d;

    for (i = 0; i < pq->npds; i++) {
        count_entry(&pq->pds[i], n);
        for (d = 0; d < 3; d++)
            S->entries[d] -= n[d];
    }
}

static short revents_of(const struct pollfd *p, fd_set *r, fd_set *w,
                        fd_set *e)
{
    SOCKET s = (SOCKET)p->fd;
    short rev = 0;

    if ((p->events & POLLIN) && FD_ISSET(s, r))
        rev |= POLLIN;
    if ((p->events & POLLOUT) && FD_ISSET(s, w))
        rev |= POLLOUT;
    if ((p->events & (POLLOUT | POLLPRI)) && FD_ISSET(s, e))
        rev |= (p->events & POLLPRI) ? POLLPRI : (POLLOUT | POLLERR);
    return rev;
}

/* select failed on a socket closed under a waiter: wake the requests
 * holding sockets that no longer exist, with POLLNVAL. */
static void sel_find_bad_fd(void)
{
    _st_clist_t *q, *n;
    int i;

    for (q = VP->io_q.next; q != &VP->io_q; q = n) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        int bad = 0;
        n = q->next;
        for (i = 0; i < pq->npds; i++) {
            int type, len = sizeof type;
            pq->pds[i].revents = 0;
            if (getsockopt((SOCKET)pq->pds[i].fd, SOL_SOCKET, SO_TYPE,
                           (char *)&type, &len) == SOCKET_ERROR &&
                WSAGetLastError() == WSAENOTSOCK) {
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

static void sel_dispatch(void)
{
    fd_set *r = &S->fds[0], *w = &S->fds[1], *e = &S->fds[2];
    st_utime_t timeout = _st_next_timeout();
    struct timeval tv, *tvp = NULL;
    _st_clist_t *q, *n;
    int i, nfds;

    FD_ZERO(r);
    FD_ZERO(w);
    FD_ZERO(e);
    for (q = VP->io_q.next; q != &VP->io_q; q = q->next) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        for (i = 0; i < pq->npds; i++) {
            const struct pollfd *p = &pq->pds[i];
            SOCKET s = (SOCKET)p->fd;
            if (p->events & POLLIN)
                FD_SET(s, r);
            if (p->events & POLLOUT)
                FD_SET(s, w);
            if (p->events & (POLLOUT | POLLPRI))
                FD_SET(s, e);
        }
    }
    if (r->fd_count + w->fd_count + e->fd_count == 0) {
        /* Nothing to watch: a timed wait is a sleep. */
        if (timeout == ST_UTIME_NO_TIMEOUT)
            Sleep(INFINITE);
        else
            Sleep((DWORD)(timeout / 1000 > 86400000 ? 86400000
                                                    : (timeout + 999) / 1000));
        return;
    }
    if (timeout != ST_UTIME_NO_TIMEOUT) {
        st_utime_t sec = timeout / 1000000;
        if (sec > 31536000)
            sec = 31536000;             /* about a year */
        tv.tv_sec = (long)sec;
        tv.tv_usec = (long)(timeout % 1000000);
        tvp = &tv;
    }
    nfds = select(0, r, w, e, tvp);
    if (nfds == SOCKET_ERROR) {
        if (WSAGetLastError() == WSAENOTSOCK)
            sel_find_bad_fd();
        return;
    }
    if (nfds == 0)
        return;
    for (q = VP->io_q.next; q != &VP->io_q; q = n) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        int ready = 0;
        n = q->next;
        for (i = 0; i < pq->npds; i++)
            if (revents_of(&pq->pds[i], r, w, e))
                ready++;
        if (!ready)
            continue;
        for (i = 0; i < pq->npds; i++)
            pq->pds[i].revents = revents_of(&pq->pds[i], r, w, e);
        sel_pollset_del(pq);
        _st_pollq_wake(pq);
    }
}

static int sel_fd_new(int osfd)
{
    (void)osfd;
    if (S->nnetfds >= FD_SETSIZE) {
        errno = EMFILE;
        return -1;
    }
    S->nnetfds++;
    return 0;
}

static int sel_fd_close(int osfd)
{
    _st_clist_t *q;
    int i;

    for (q = VP->io_q.next; q != &VP->io_q; q = q->next) {
        _st_pollq_t *pq = ST_CONTAINER(q, _st_pollq_t, links);
        for (i = 0; i < pq->npds; i++) {
            if ((int)pq->pds[i].fd == osfd) {
                errno = EBUSY;
                return -1;
            }
        }
    }
    return 0;
}

static void sel_fd_free(int osfd)
{
    (void)osfd;
    if (S != NULL && S->nnetfds > 0)
        S->nnetfds--;
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
