/* SPDX-License-Identifier: MIT */
/* introspect.c - listing live threads and their states. */
#include "config.h"

#include <errno.h>

#include "common.h"

/* Internal and public state numbers are kept equal. */
_Static_assert(ST_ST_RUNNING == ST_STATE_RUNNING &&
               ST_ST_RUNNABLE == ST_STATE_RUNNABLE &&
               ST_ST_IO_WAIT == ST_STATE_IO_WAIT &&
               ST_ST_LOCK_WAIT == ST_STATE_LOCK_WAIT &&
               ST_ST_COND_WAIT == ST_STATE_COND_WAIT &&
               ST_ST_SLEEPING == ST_STATE_SLEEPING &&
               ST_ST_SUSPENDED == ST_STATE_SUSPENDED &&
               ST_ST_ZOMBIE == ST_STATE_ZOMBIE,
               "thread state numbering");

int st_thread_stats(st_thread_info_t *info, int max)
{
    _st_vp_t *vp = VP;
    _st_clist_t *q;
    int n = 0;

    if (max < 0 || (max > 0 && info == NULL)) {
        errno = EINVAL;
        return -1;
    }
    if (!vp->initialized)
        return 0;
    for (q = vp->all_q.next; q != &vp->all_q; q = q->next) {
        _st_thread_t *t = ST_CONTAINER(q, _st_thread_t, all_links);
        if (t->state == ST_ST_DEAD)
            continue;
        if (n < max) {
            st_thread_info_t *i = &info[n];
            i->thread = t;
            i->state = t->state;
            i->flags = ((t->flags & ST_FL_JOINABLE) ? ST_INFO_JOINABLE : 0) |
                       ((t->flags & ST_FL_PRIMORDIAL) ? ST_INFO_PRIMORDIAL : 0) |
                       ((t->flags & ST_FL_INTERRUPT) ? ST_INFO_INTERRUPTED : 0);
            i->name = t->name;
            i->stack_size = t->stack ?
                (size_t)(t->stack->top - t->stack->bottom) : 0;
            i->wakeup = (t->flags & ST_FL_ON_SLEEPQ) ? _st_due_us(t) :
                        ST_UTIME_NO_TIMEOUT;
        }
        n++;
    }
    return n;
}

const char *st_thread_state_name(int state)
{
    static const char *const names[] = {
        "running", "runnable", "io-wait", "lock-wait", "cond-wait",
        "sleeping", "suspended", "zombie"
    };

    if (state < 0 || state >= (int)(sizeof names / sizeof names[0]))
        return "unknown";
    return names[state];
}
