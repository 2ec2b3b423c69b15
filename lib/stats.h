/* SPDX-License-Identifier: MIT */
/* stats.h - the counters of the debug-statistics build. */
/*
 * ./configure --enable-debug-stats defines ST_DEBUG_STATS: the library
 * then exports, as thread-local variables (one set per scheduler), the
 * counters that SRS built with --debug-stats=on reads by name (declared
 * there as "extern __thread").  In every other build the macros below
 * compile to nothing and no such symbol exists.
 *
 *   _st_active_count          threads keeping the scheduler alive (the
 *                             storage itself, not a copy)
 *   _st_num_free_stacks       stacks in the cache (likewise)
 *   _st_stat_<call>           system calls made by the I/O functions:
 *                             recvfrom, sendto, read, readv, writev,
 *                             recvmsg, sendmsg
 *   _st_stat_<call>_eagain    those of them that failed with EAGAIN
 *   _st_stat_epoll            waits of the epoll event system
 *   _st_stat_epoll_zero       those with a zero timeout (a poll)
 *   _st_stat_epoll_shake      those with a timeout under 1 ms
 *   _st_stat_epoll_spin       those that returned no event
 *   _st_stat_sched_<N>ms      clock checks of the scheduler (idle passes
 *                             and yields) that came at most N ms (15, 20,
 *                             25, 30, 35, 40, 80, 160) after the previous
 *                             one and more than the next lower bound
 *   _st_stat_sched_s          those that came later than 160 ms
 *   _st_stat_thread_run       switches to a thread of the run queue
 *   _st_stat_thread_idle      switches to the idle thread (queue empty)
 *   _st_stat_thread_yield     st_thread_yield calls
 *   _st_stat_thread_yield2    those that switched
 */
#ifndef ST_STATS_H
#define ST_STATS_H

#if defined(ST_DEBUG_STATS)

#include <errno.h>
#include <sys/types.h>

#include "st.h"

/* Every counter, once: X(type, name) for each (stats.c defines them
 * with the same list).  The lateness buckets (ms) are a list of their
 * own, for the code that counts them. */
#define ST_STAT_SCHED_BUCKETS(X) \
    X(15) X(20) X(25) X(30) X(35) X(40) X(80) X(160)
#define ST_STAT_IO_PAIR_(X, call) \
    X(unsigned long long, _st_stat_##call) \
    X(unsigned long long, _st_stat_##call##_eagain)
#define ST_STAT_COUNTERS(X) \
    X(int, _st_active_count) \
    X(int, _st_num_free_stacks) \
    ST_STAT_IO_PAIR_(X, recvfrom) ST_STAT_IO_PAIR_(X, sendto) \
    ST_STAT_IO_PAIR_(X, read) ST_STAT_IO_PAIR_(X, readv) \
    ST_STAT_IO_PAIR_(X, writev) ST_STAT_IO_PAIR_(X, recvmsg) \
    ST_STAT_IO_PAIR_(X, sendmsg) \
    X(unsigned long long, _st_stat_epoll) \
    X(unsigned long long, _st_stat_epoll_zero) \
    X(unsigned long long, _st_stat_epoll_shake) \
    X(unsigned long long, _st_stat_epoll_spin) \
    X(unsigned long long, _st_stat_sched_15ms) \
    X(unsigned long long, _st_stat_sched_20ms) \
    X(unsigned long long, _st_stat_sched_25ms) \
    X(unsigned long long, _st_stat_sched_30ms) \
    X(unsigned long long, _st_stat_sched_35ms) \
    X(unsigned long long, _st_stat_sched_40ms) \
    X(unsigned long long, _st_stat_sched_80ms) \
    X(unsigned long long, _st_stat_sched_160ms) \
    X(unsigned long long, _st_stat_sched_s) \
    X(unsigned long long, _st_stat_thread_run) \
    X(unsigned long long, _st_stat_thread_idle) \
    X(unsigned long long, _st_stat_thread_yield) \
    X(unsigned long long, _st_stat_thread_yield2)

/* Exported whatever the visibility default; the same TLS model as the
 * scheduler's own state (static TLS of the library). */
#define ST_STAT_DECL(type, name) \
    extern __thread type name ST_API \
        __attribute__((tls_model("initial-exec")));
ST_STAT_COUNTERS(ST_STAT_DECL)
#undef ST_STAT_DECL

/* The result of a system call, counted: made, and failed with EAGAIN. */
static inline ssize_t _st_stat_io(unsigned long long *made,
                                  unsigned long long *eagain, ssize_t r)
{
    (*made)++;
    if (r < 0 && errno == EAGAIN)
        (*eagain)++;
    return r;
}

#define ST_STAT_INC(name)           ((void)_st_stat_##name++)
#define ST_STAT_IF(cond, name)      ((void)((cond) && _st_stat_##name++))
/* ST_STAT_IO(read, read(fd, buf, n)) is read(fd, buf, n), counted. */
#define ST_STAT_IO(call, expr) \
    _st_stat_io(&_st_stat_##call, &_st_stat_##call##_eagain, (expr))
void _st_stat_sched(st_utime_t elapsed) ST_HIDDEN;   /* stats.c */
#define ST_STAT_SCHED(elapsed)      _st_stat_sched(elapsed)

/* The two live values are these variables themselves. */
#define ST_VP_ACTIVE_COUNT(vp)      (*((void)(vp), &_st_active_count))
#define ST_VP_FREE_STACKS(vp)       (*((void)(vp), &_st_num_free_stacks))

#else /* !ST_DEBUG_STATS: nothing at all */

#define ST_STAT_INC(name)           ((void)0)
#define ST_STAT_IF(cond, name)      ((void)0)
#define ST_STAT_IO(call, expr)      (expr)
#define ST_STAT_SCHED(elapsed)      ((void)0)
#define ST_VP_ACTIVE_COUNT(vp)      ((vp)->active_count)
#define ST_VP_FREE_STACKS(vp)       ((vp)->stack_cache_len)

#endif /* ST_DEBUG_STATS */

#endif /* ST_STATS_H */
