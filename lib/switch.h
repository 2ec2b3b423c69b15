/* SPDX-License-Identifier: MIT */
/* switch.h - the body of a thread switch, inlined into the hot waits. */
/*
 * _st_switch() (sched.c) is this function out of line; the waits that
 * dominate switch-heavy programs (yield, condition variables, mutexes,
 * sleeps) inline it to save a call and a frame per switch.
 */
#ifndef ST_SWITCH_H
#define ST_SWITCH_H

#include <errno.h>

#include "common.h"
#include "sanitizer.h"

/* Take the run-queue head (or the idle thread if the queue is empty)
 * and make it current. */
static inline __attribute__((always_inline)) _st_thread_t *
_st_take_next(_st_vp_t *vp)
{
    _st_thread_t *next;

    if (_st_likely(!_st_runq_empty(vp))) {
        next = _st_runq_pop(vp);
        ST_STAT_INC(thread_run);
    } else {
        next = vp->idle;
        ST_STAT_INC(thread_idle);
    }
    next->state = ST_ST_RUNNING;
    vp->current = next;
    return next;
}

/* _st_switch_pick() when a switch callback is installed (sched.c). */
_st_thread_t *_st_switch_pick_hooked(_st_vp_t *vp, _st_thread_t *me,
                                     int idle) ST_HIDDEN;

/* The first half of a switch away from me: the stack check (not for the
 * idle thread), then the next thread taken and made current.  Returns
 * it.  With callbacks installed, _st_switch_pick_hooked() does the same
 * around them, so that the usual switch makes no call before the switch
 * itself and has nothing to keep across one. */
static inline __attribute__((always_inline)) _st_thread_t *
_st_switch_pick(_st_vp_t *vp, _st_thread_t *me, int idle)
{
    if (_st_unlikely(vp->hooks))
        return _st_switch_pick_hooked(vp, me, idle);
    if (!idle)
        _st_stack_check(me);
    return _st_take_next(vp);
}

/* Leave me (which has already recorded where it waits, or queued itself)
 * and run the head of the run queue, or the idle thread.  Returns when
 * someone makes me current again.  idle: me is the idle thread (no
 * callbacks, no stack check). */
static inline __attribute__((always_inline)) void
_st_switch_from(_st_vp_t *vp, _st_thread_t *me, int idle)
{
    _st_thread_t *next = _st_switch_pick(vp, me, idle);

    if (_st_likely(next != me)) {
        ST_SAN_SWITCH_BEGIN(me, next);
        _st_md_switch(&me->ctx, &next->ctx);
        ST_SAN_SWITCH_END(me);
    }
}

/* From an ordinary thread: the idle thread never waits in these calls. */
static inline __attribute__((always_inline)) void
_st_switch_out(_st_vp_t *vp, _st_thread_t *me)
{
    _st_switch_from(vp, me, 0);
}

/*
 * The return of a public wait (st_cond_wait...) to its caller.  A thread
 * resumed by _st_md_switch returns through its own frames, while the
 * CPU's return predictor holds the return addresses pushed by the thread
 * that switched to it.  The switch compares the two threads' return
 * addresses itself (md/x86_64.S): a wait that ends with the switch (a
 * tail call, as st_thread_yield) needs nothing more.  A wait with work
 * left after the switch returns into its own code, which both threads
 * share, and then to its caller, which the predictor expects to be the
 * other thread's.  So such a wait records where it was called from
 * (ST_WAIT_ENTER) before it switches, and returns by tail-calling
 * _st_md_wait_return(rv) (ST_WAIT_RETURN), which returns with `ret` if
 * the thread that switched to us had recorded the same place, and
 * otherwise by an indirect jump, which the indirect-branch predictor
 * learns from the path taken.  Only a hint: whatever _st_wait_site holds,
 * the wait returns where it must, even if the call is not a tail call.
 */
#if defined(ST_MD_ASM) && defined(__x86_64__) && defined(__ELF__)
extern __thread const void *_st_wait_site ST_HIDDEN
    __attribute__((tls_model("initial-exec")));
int _st_md_wait_return(int rv) ST_HIDDEN;
#define ST_WAIT_ENTER() (_st_wait_site = __builtin_return_address(0))
#define ST_WAIT_RETURN(rv) return _st_md_wait_return(rv)
#else
#define ST_WAIT_ENTER() ((void)0)
#define ST_WAIT_RETURN(rv) return (rv)
#endif

/* Consume a pending interrupt: -1/EINTR if there was one. */
static inline int _st_take_interrupt(_st_thread_t *me)
{
    if (me->flags & ST_FL_INTERRUPT) {
        me->flags &= ~ST_FL_INTERRUPT;
        errno = EINTR;
        return -1;
    }
    return 0;
}

/* Wait on c until signalled, timed out (-1/ETIME) or interrupted
 * (-1/EINTR); a pending interrupt fails at once.  The body of
 * st_cond_timedwait, also inlined into st_thread_join. */
static inline __attribute__((always_inline)) int
_st_cond_wait_in(_st_vp_t *vp, _st_thread_t *me, struct _st_cond *c,
                 st_utime_t timeout)
{
    int rv = 0;

    if (_st_take_interrupt(me) < 0)
        return -1;
    me->state = ST_ST_COND_WAIT;
    _st_clist_append(&c->wait_q, &me->wait_links);
    if (timeout != ST_UTIME_NO_TIMEOUT)
        _st_add_sleepq(me, timeout);
    _st_switch_out(vp, me);
    _st_clist_unlink(&me->wait_links);
    if (_st_likely(!(me->flags & (ST_FL_TIMEDOUT | ST_FL_INTERRUPT))))
        return 0;
    if (me->flags & ST_FL_TIMEDOUT) {
        me->flags &= ~ST_FL_TIMEDOUT;
        errno = ETIME;
        rv = -1;
    }
    if (_st_take_interrupt(me) < 0)
        rv = -1;
    return rv;
}

#endif /* ST_SWITCH_H */
