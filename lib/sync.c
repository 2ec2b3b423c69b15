/* SPDX-License-Identifier: MIT */
/* sync.c - condition variables and mutexes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "common.h"
#include "switch.h"

/* ---- condition variables -------------------------------------------------- */

st_cond_t st_cond_new(void)
{
    st_cond_t c = malloc(sizeof *c);

    if (c == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    ST_CLIST_INIT(&c->wait_q);
    return c;
}

int st_cond_destroy(st_cond_t c)
{
    if (c == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (!ST_CLIST_EMPTY(&c->wait_q)) {
        errno = EBUSY;
        return -1;
    }
    free(c);
    return 0;
}

static inline __attribute__((always_inline)) int
cond_wait(st_cond_t c, st_utime_t timeout)
{
    _st_vp_t *vp = VP;

    if (c == NULL) {
        errno = EINVAL;
        return -1;
    }
    return _st_cond_wait_in(vp, vp->current, c, timeout);
}

int st_cond_timedwait(st_cond_t c, st_utime_t timeout)
{
    int rv;

    ST_WAIT_ENTER();
    rv = cond_wait(c, timeout);
    ST_WAIT_RETURN(rv);
}

/* Its own copy, with no timeout to test or arm. */
int st_cond_wait(st_cond_t c)
{
    int rv;

    ST_WAIT_ENTER();
    rv = cond_wait(c, ST_UTIME_NO_TIMEOUT);
    ST_WAIT_RETURN(rv);
}

/* _st_wake() of a thread with a timer to cancel, out of line and called
 * last, so that st_cond_signal's usual path needs no frame. */
static __attribute__((noinline, cold)) int wake_timed(_st_thread_t *t)
{
    _st_wake(t);
    return 0;
}

static inline __attribute__((always_inline)) int
cond_wake(st_cond_t c, int all)
{
    _st_clist_t *q;

    if (c == NULL) {
        errno = EINVAL;
        return -1;
    }
    for (q = c->wait_q.next; q != &c->wait_q; q = q->next) {
        _st_thread_t *t = ST_CONTAINER(q, _st_thread_t, wait_links);
        if (t->state != ST_ST_COND_WAIT)
            continue;               /* already woken, not yet run */
        if (all) {
            _st_wake(t);
            continue;
        }
        if (_st_unlikely(t->flags & ST_FL_ON_SLEEPQ))
            return wake_timed(t);
        _st_add_runq(t);
        break;
    }
    return 0;
}

int st_cond_signal(st_cond_t c)
{
    return cond_wake(c, 0);
}

int st_cond_broadcast(st_cond_t c)
{
    return cond_wake(c, 1);
}

/* ---- mutexes ------------------------------------------------------------- */

/* Ownership is the thread, not its address: a thread that exits owning a
 * mutex leaves it owned forever, even once its block's address belongs
 * to a new thread. */
static int owns(const struct _st_mutex *m, const _st_thread_t *t)
{
    return m->owner == t && m->owner_serial == t->serial;
}

static void set_owner(struct _st_mutex *m, _st_thread_t *t)
{
    m->owner = t;
    m->owner_serial = t->serial;
}

st_mutex_t st_mutex_new(void)
{
    st_mutex_t m = malloc(sizeof *m);

    if (m == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    m->owner = NULL;
    ST_CLIST_INIT(&m->wait_q);
    return m;
}

int st_mutex_destroy(st_mutex_t m)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (m->owner != NULL || !ST_CLIST_EMPTY(&m->wait_q)) {
        errno = EBUSY;
        return -1;
    }
    free(m);
    return 0;
}

int st_mutex_lock(st_mutex_t m)
{
    _st_thread_t *me = VP->current;

    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (_st_take_interrupt(me) < 0)
        return -1;
    if (m->owner == NULL) {
        set_owner(m, me);
        return 0;
    }
    if (owns(m, me)) {
        errno = EDEADLK;
        return -1;
    }
    me->state = ST_ST_LOCK_WAIT;
    _st_clist_append(&m->wait_q, &me->wait_links);
    _st_switch_out(VP, me);
    _st_clist_remove(&me->wait_links);
    if (!owns(m, me) && _st_take_interrupt(me) < 0)
        return -1;
    return 0;
}

int st_mutex_unlock(st_mutex_t m)
{
    _st_clist_t *q;

    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (!owns(m, VP->current)) {
        errno = EPERM;
        return -1;
    }
    for (q = m->wait_q.next; q != &m->wait_q; q = q->next) {
        _st_thread_t *t = ST_CONTAINER(q, _st_thread_t, wait_links);
        if (t->state == ST_ST_LOCK_WAIT) {
            set_owner(m, t);
            _st_add_runq(t);
            return 0;
        }
    }
    m->owner = NULL;
    return 0;
}

int st_mutex_trylock(st_mutex_t m)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (m->owner != NULL) {
        errno = EBUSY;
        return -1;
    }
    set_owner(m, VP->current);
    return 0;
}
