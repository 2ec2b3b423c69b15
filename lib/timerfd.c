/* SPDX-License-Identifier: MIT */
/* timerfd.c - timed event waits that end on time. */
/*
 * The kernel lets a poll, select or epoll timeout fire up to its timer
 * slack late (50 us by default, or 0.1% of the timeout), and that slack
 * would be most of the lateness of st_usleep.  A timerfd fires on time,
 * so where one can be made the idle thread waits on it among its
 * descriptors, with no timeout.  It is armed only when the earliest
 * deadline changes; one per scheduler, made on first use.
 */
#include "config.h"

#include "common.h"

#if defined(HAVE_SYS_TIMERFD_H) && defined(HAVE_TIMERFD_CREATE)
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static __thread struct {
    int have;                           /* fd is a timerfd of ours */
    int fd;
    int fired;                          /* readable until re-armed */
    st_utime_t due;                     /* deadline armed for, or 0 */
    unsigned long fork_gen;             /* _st_fork_generation at creation */
} T;

/* Arm for ns nanoseconds from now, or disarm (0). */
static int set_timer(uint64_t ns)
{
    struct itimerspec its;
    uint64_t sec = ns / 1000000000;

    memset(&its, 0, sizeof its);
    if (sec > 31536000)
        sec = 31536000;                 /* about a year, as the backends */
    its.it_value.tv_sec = (time_t)sec;
    its.it_value.tv_nsec = (long)(ns % 1000000000);
    return timerfd_settime(T.fd, 0, &its, NULL);
}

int _st_tfd_arm(st_utime_t timeout, int *fresh)
{
    st_utime_t due;

    if (fresh != NULL)
        *fresh = 0;
    if (T.have && T.fork_gen != _st_fork_generation())
        _st_tfd_close();                /* the parent's too: make our own */
    if (timeout == ST_UTIME_NO_TIMEOUT) {
        /* No timers: one left armed or readable would wake us. */
        if (T.have && (T.due || T.fired) && set_timer(0) == 0)
            T.due = 0, T.fired = 0;
        return -1;
    }
    if (timeout == 0)
        return -1;
    if (!T.have) {
        /* EMFILE and the like: this wait uses its timeout, the next
         * one tries again. */
        int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (fd < 0)
            return -1;
        T.fd = fd;
        T.have = 1;
        T.due = 0;
        T.fired = 0;
        T.fork_gen = _st_fork_generation();
        if (fresh != NULL)
            *fresh = 1;
    }
    due = VP->heap[0]->due;
    if (due != T.due || T.fired) {
        /* To the nanosecond on the built-in clock (timer.c keeps its
         * deadlines so), and never 0, which would disarm it. */
        uint64_t ns = _st_next_timeout_ns();
        if (set_timer(ns ? ns : 1) < 0)
            return -1;
        T.due = due;
        T.fired = 0;
    }
    return T.fd;
}

void _st_tfd_fired(void)
{
    T.fired = 1;
}

void _st_tfd_close(void)
{
    if (T.have)
        close(T.fd);
    T.have = 0;
    T.due = 0;
    T.fired = 0;
}
#else
int _st_tfd_arm(st_utime_t timeout, int *fresh)
{
    (void)timeout;
    if (fresh != NULL)
        *fresh = 0;
    return -1;
}

void _st_tfd_fired(void)
{
}

void _st_tfd_close(void)
{
}
#endif
