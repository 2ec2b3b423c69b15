/* SPDX-License-Identifier: MIT */
/* timer.c - the clock, the time cache, the sleep heap and st_usleep. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <sys/time.h>

#include "common.h"
#include "switch.h"

/* ---- the clock --------------------------------------------------------- */

/* The built-in clock in nanoseconds: the scheduler keeps its deadlines at
 * this resolution, so that a wait is not up to a microsecond early by the
 * real clock (a microsecond reading is truncated). */
static uint64_t builtin_ns(void)
{
#if defined(CLOCK_MONOTONIC)
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
#endif
    {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        return (uint64_t)tv.tv_sec * 1000000000ULL +
               (uint64_t)tv.tv_usec * 1000ULL;
    }
}

static st_utime_t builtin_utime(void)
{
    return builtin_ns() / 1000;
}

/* Process-wide, like the originals. */
static st_utime_t (*utime_func)(void) = builtin_utime;
static int clock_users;                 /* schedulers initialized now */

/* Allowed only before st_init; since the clock is the whole process's,
 * also not while any other OS thread's scheduler runs on it (setting it
 * to the function it already has changes nothing and is allowed). */
int st_set_utime_function(st_utime_t (*func)(void))
{
    st_utime_t (*f)(void) = func ? func : builtin_utime;

    if (VP->initialized ||
        (f != utime_func && __atomic_load_n(&clock_users, __ATOMIC_ACQUIRE))) {
        errno = EINVAL;
        return -1;
    }
    utime_func = f;
    return 0;
}

/* st_init succeeded (+1) or st_destroy releases a scheduler (-1). */
void _st_clock_users(int delta)
{
    __atomic_add_fetch(&clock_users, delta, __ATOMIC_ACQ_REL);
}

st_utime_t st_utime(void)
{
    return utime_func();
}

/*
 * The scheduler's own readings, in ticks: nanoseconds on the built-in
 * clock, the function's microseconds otherwise (chosen at st_init).
 * Timer deadlines (t->due) are in ticks; a wait of D started at reading
 * T is due at T + D exactly, and expires in the first pass whose reading
 * is at least that.
 */
static uint64_t now_ticks(const _st_vp_t *vp)
{
    return vp->fine_clock ? builtin_ns() : utime_func();
}

static st_utime_t ticks_to_us(const _st_vp_t *vp, uint64_t ticks)
{
    return vp->fine_clock ? ticks / 1000 : ticks;
}

/* A duration in ticks, rounded up to whole microseconds. */
static st_utime_t ticks_to_us_up(const _st_vp_t *vp, uint64_t ticks)
{
    return vp->fine_clock ?
           ticks / 1000 + (st_utime_t)(ticks % 1000 != 0) : ticks;
}

void _st_clock_start(void)
{
    _st_vp_t *vp = VP;

    vp->fine_clock = utime_func == builtin_utime;
    vp->last_clock = ticks_to_us(vp, now_ticks(vp));
}

st_utime_t _st_due_us(const _st_thread_t *t)
{
    return ticks_to_us_up(VP, t->due);
}

st_utime_t st_utime_last_clock(void)
{
    _st_vp_t *vp = VP;

    /* A yield with no timers skipped its clock read; take it now. */
    if (vp->clock_stale) {
        vp->clock_stale = 0;
        vp->last_clock = st_utime();
    }
    return vp->last_clock;
}

int st_timecache_set(int on)
{
    _st_vp_t *vp = VP;
    int was = vp->cached_time != 0;

    if (on) {
        vp->cached_time = time(NULL);
        vp->cached_time_stamp = st_utime();
    } else {
        vp->cached_time = 0;
    }
    return was;
}

time_t st_time(void)
{
    time_t t = VP->cached_time;

    return t ? t : time(NULL);
}

/* ---- the heap ---------------------------------------------------------- */

static void heap_set(_st_thread_t **h, size_t i, _st_thread_t *t)
{
    h[i] = t;
    t->heap_index = i;
}

static void sift_up(_st_thread_t **h, size_t i)
{
    _st_thread_t *t = h[i];

    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p]->due <= t->due)
            break;
        heap_set(h, i, h[p]);
        i = p;
    }
    heap_set(h, i, t);
}

static void sift_down(_st_thread_t **h, size_t n, size_t i)
{
    _st_thread_t *t = h[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h[c + 1]->due < h[c]->due)
            c++;
        if (t->due <= h[c]->due)
            break;
        heap_set(h, i, h[c]);
        i = c;
    }
    heap_set(h, i, t);
}

void _st_add_sleepq(_st_thread_t *t, st_utime_t timeout)
{
    _st_vp_t *vp = VP;

    if (vp->heap_len == vp->heap_cap) {
        size_t cap = vp->heap_cap ? vp->heap_cap * 2 : 64;
        _st_thread_t **h = realloc(vp->heap, cap * sizeof *h);
        if (h == NULL)
            _st_fatal(__FILE__, __LINE__, "out of memory for timers");
        vp->heap = h;
        vp->heap_cap = cap;
    }
    /* Counted from now, not from last_clock as the originals do: a
     * thread that computed since the last clock check must not get a
     * shorter timeout, so no wake-up is ever earlier than asked.  Huge
     * timeouts saturate. */
    if (vp->fine_clock)
        timeout = timeout > (ST_UTIME_NO_TIMEOUT - 1) / 1000 ?
                  ST_UTIME_NO_TIMEOUT - 1 : timeout * 1000;
    t->due = _st_deadline(now_ticks(vp), timeout);
    t->flags |= ST_FL_ON_SLEEPQ;
    heap_set(vp->heap, vp->heap_len, t);
    sift_up(vp->heap, vp->heap_len++);
}

void _st_del_sleepq(_st_thread_t *t)
{
    _st_vp_t *vp = VP;
    size_t i = t->heap_index;
    _st_thread_t *last;

    t->flags &= ~ST_FL_ON_SLEEPQ;
    last = vp->heap[--vp->heap_len];
    if (i == vp->heap_len)
        return;
    heap_set(vp->heap, i, last);
    if (i > 0 && vp->heap[(i - 1) / 2]->due > last->due)
        sift_up(vp->heap, i);
    else
        sift_down(vp->heap, vp->heap_len, i);
}

void _st_timer_reset(void)
{
    _st_vp_t *vp = VP;

    free(vp->heap);
    vp->heap = NULL;
    vp->heap_len = vp->heap_cap = 0;
}

/* Ticks until the earliest timer, measured now; NO_TIMEOUT if none. */
static uint64_t next_ticks(const _st_vp_t *vp)
{
    uint64_t now;

    if (vp->heap_len == 0)
        return ST_UTIME_NO_TIMEOUT;
    now = now_ticks(vp);
    return vp->heap[0]->due > now ? vp->heap[0]->due - now : 0;
}

/* Microseconds until the earliest timer, rounded up (a wait that long
 * never ends before the deadline); NO_TIMEOUT if none. */
st_utime_t _st_next_timeout(void)
{
    _st_vp_t *vp = VP;
    uint64_t d = next_ticks(vp);

    return d == ST_UTIME_NO_TIMEOUT ? d : ticks_to_us_up(vp, d);
}

/* The same in nanoseconds, for the timerfd; 0 if due or none. */
uint64_t _st_next_timeout_ns(void)
{
    _st_vp_t *vp = VP;
    uint64_t d = next_ticks(vp);

    if (d == ST_UTIME_NO_TIMEOUT)
        return 0;
    if (vp->fine_clock)
        return d;
    return d > UINT64_MAX / 1000 ? UINT64_MAX : d * 1000;
}

/* Read the clock, refresh the time cache, wake expired sleepers.  Each
 * expired thread goes to the head of the run queue as it leaves the heap
 * in deadline order, so a pass runs them latest deadline first, ahead of
 * everything else (the SRS order). */
void _st_check_clock(void)
{
    _st_vp_t *vp = VP;
    uint64_t now = now_ticks(vp);
    st_utime_t us = ticks_to_us(vp, now);

    ST_STAT_SCHED(us > vp->last_clock ? us - vp->last_clock : 0);
    vp->last_clock = us;
    vp->clock_stale = 0;
    if (vp->cached_time && us - vp->cached_time_stamp > 999000) {
        vp->cached_time = time(NULL);
        vp->cached_time_stamp = us;
    }
    while (vp->heap_len > 0 && vp->heap[0]->due <= now) {
        _st_thread_t *t = vp->heap[0];
        _st_del_sleepq(t);
        if (t->state == ST_ST_COND_WAIT)
            t->flags |= ST_FL_TIMEDOUT;
        _st_add_runq_head(t);
    }
}

/* ---- sleeping ----------------------------------------------------------- */

int st_usleep(st_utime_t usecs)
{
    _st_thread_t *me = VP->current;

    if (me->flags & ST_FL_INTERRUPT) {
        me->flags &= ~ST_FL_INTERRUPT;
        errno = EINTR;
        return -1;
    }
    if (usecs != ST_UTIME_NO_TIMEOUT) {
        me->state = ST_ST_SLEEPING;
        _st_add_sleepq(me, usecs);
    } else {
        me->state = ST_ST_SUSPENDED;
    }
    _st_switch_out(VP, me);
    if (me->flags & ST_FL_INTERRUPT) {
        me->flags &= ~ST_FL_INTERRUPT;
        errno = EINTR;
        return -1;
    }
    return 0;
}

int st_sleep(int secs)
{
    if (secs < 0)
        return st_usleep(ST_UTIME_NO_TIMEOUT);
    return st_usleep((st_utime_t)secs * 1000000ULL);
}
