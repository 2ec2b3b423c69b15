/* SPDX-License-Identifier: MIT */
/* sched.c - the scheduler: init, switching, thread life cycle. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "st.h"
#include "common.h"
#include "sanitizer.h"
#include "stack.h"
#include "switch.h"

__thread _st_vp_t _st_this_vp __attribute__((tls_model("initial-exec")));
#if defined(ST_MD_ASM) && defined(__x86_64__) && defined(__ELF__)
__thread const void *_st_wait_site __attribute__((tls_model("initial-exec")));
#endif

/* Process-wide: the descriptor limit recorded by the last st_init. */
static int fdlimit = -1;

void _st_fatal(const char *file, int line, const char *what)
{
    fprintf(stderr, "libst: internal error at %s:%d: %s\n", file, line, what);
    abort();
}

/* ---- run queue and switching ------------------------------------------ */

/* The only writer of the switch callbacks and of the flag derived from
 * them, which the switch tests (switch.h). */
static void set_switch_cbs(_st_vp_t *vp, st_switch_cb_t in, st_switch_cb_t out)
{
    vp->switch_in_cb = in;
    vp->switch_out_cb = out;
    vp->hooks = in != NULL || out != NULL;
}

/*
 * Leave the current thread (which has already recorded where it waits,
 * or queued itself) and run the head of the run queue, or the idle thread.
 * Returns when someone makes the caller current again.
 */
void _st_switch(void)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;

    _st_switch_from(vp, me, me->flags & ST_FL_IDLE);
}

/* ---- idle thread and final exit ----------------------------------------- */

static _st_md_context_t *idle_main(void)
{
    _st_vp_t *vp = VP;

    ST_SAN_SWITCH_END(vp->idle);
    for (;;) {
        if (ST_VP_ACTIVE_COUNT(vp) <= 0) {
            /* Every thread has exited.  Run exit() on the primordial
             * thread's (large) stack: it is parked in st_thread_exit. */
            _st_thread_t *p = vp->primordial;
            vp->exiting = 1;
            set_switch_cbs(vp, NULL, NULL);
            if (p != NULL) {
                vp->current = p;
                ST_SAN_SWITCH_BEGIN(vp->idle, p);
                _st_md_switch(&vp->idle->ctx, &p->ctx);
            }
            exit(0);
        }
        {
            /* The event wait must not leave its errno (EINTR, ENOSYS from
             * a probe...) to the thread that resumes: st_poll promises an
             * untouched errno on timeout. */
            int saved_errno = errno;
            vp->ev->dispatch();
            if (_st_unlikely(vp->pool_rearm))
                _st_pool_rearm();
            _st_check_clock();
            errno = saved_errno;
        }
        _st_switch();
    }
}

/* ---- thread creation ---------------------------------------------------- */

static inline __attribute__((always_inline)) _st_thread_t *
thread_finish(_st_vp_t *vp, _st_thread_t *t, void *retval);

/* A thread's life: returning from start() is st_thread_exit(), and the
 * context returned is resumed by the start-up code of the md layer, so
 * the call/return pairs stay balanced for the CPU's return predictor. */
static _st_md_context_t *thread_main(void)
{
    _st_thread_t *t = VP->current;  /* its in callback has been called */
    void *rv;

    ST_SAN_SWITCH_END(t);
    rv = t->start(t->arg);
#if defined(ST_SAN_FIBERS)
    /* The sanitizers want the switch right after it is announced. */
    st_thread_exit(rv);
    return NULL;
#else
    return &thread_finish(VP, t, rv)->ctx;
#endif
}

static inline __attribute__((always_inline)) _st_thread_t *
thread_new(size_t stack_size, _st_md_entry_t entry,
           void *(*start)(void *), void *arg, int flags)
{
    _st_stack_t *s = _st_stack_new(stack_size);
    _st_thread_t *t;

    if (s == NULL)
        return NULL;
    t = s->tcb;
    /* Field by field: a memset of the whole block (with its key slots
     * and machine context) costs more than the rest of creation.  Left
     * stale, since each is written before anything reads it: links and
     * wait_links (linked into a list first), due and heap_index (read
     * while ST_FL_ON_SLEEPQ is set), retval (read once ST_ST_ZOMBIE). */
    t->state = ST_ST_RUNNABLE;
    t->flags = flags;
    t->start = start;
    t->arg = arg;
    t->name[0] = '\0';
#if defined(ST_SAN_FIBERS)
    t->asan_fake_stack = NULL;
#endif
    t->nkeys = 0;           /* no slot set: nothing to clear */
    t->stack = s;
    t->stack_limit = (uintptr_t)s->bottom;
    t->red_word = s->guarded ? NULL :
                  (const volatile uint64_t *)(void *)s->bottom - 1;
    t->magic = (uintptr_t)t ^ ST_THREAD_MAGIC;
    t->serial = ++VP->thread_serial;
    ST_CLIST_INIT(&t->term.wait_q);
    _st_stack_init_ctx(&t->ctx, s, entry);
    return t;
}

st_thread_t st_thread_create(void *(*start)(void *arg), void *arg,
                             int joinable, int stack_size)
{
    _st_vp_t *vp = VP;
    _st_thread_t *t;

    if (!vp->initialized || start == NULL || stack_size < 0) {
        errno = EINVAL;
        return NULL;
    }
    t = thread_new(stack_size ? (size_t)stack_size : ST_DEFAULT_STACK_SIZE,
                   thread_main, start, arg, joinable ? ST_FL_JOINABLE : 0);
    if (t == NULL)
        return NULL;
    _st_clist_append(&vp->all_q, &t->all_links);
    vp->nthreads++;
    ST_VP_ACTIVE_COUNT(vp)++;
    _st_add_runq(t);
    return t;
}


/* ---- exit and join ------------------------------------------------------ */

/* Forget a thread that will never run again and cache its stack.  The
 * stack stays mapped until a later create reuses or trims it, which
 * cannot happen before the caller (t itself, about to switch away for
 * good, or t's joiner) has left it. */
static void thread_release(_st_vp_t *vp, _st_thread_t *t)
{
    _st_clist_unlink(&t->all_links);
    vp->nthreads--;
    t->state = ST_ST_DEAD;
    t->magic = 0;
    _st_stack_free(t->stack);
}

static inline __attribute__((always_inline)) _st_thread_t *
leave_for_good(_st_vp_t *vp, _st_thread_t *me);

#if !defined(ST_SAN_FIBERS)
/* A joined zombie's last run, shown to the switch callbacks as in the
 * SRS-1.9.2 life cycle (in and out after the join); without callbacks
 * the joiner releases the zombie itself. */
static _st_md_context_t *zombie_main(void)
{
    _st_vp_t *vp = VP;
    _st_thread_t *t = vp->current;

    thread_release(vp, t);
    return &leave_for_good(vp, t)->ctx;
}
#endif

/* The first half of a switch away from a thread that never runs again:
 * make the next thread current and return it; its context is resumed
 * without saving the caller's.  (Sanitizer builds announce the switch
 * just before making it, after every return on the old stack.) */
static inline __attribute__((always_inline)) _st_thread_t *
leave_for_good(_st_vp_t *vp, _st_thread_t *me)
{
    return _st_switch_pick(vp, me, 0);
}

/* Everything st_thread_exit does up to its last switch, which the caller
 * makes to the thread returned. */
static inline __attribute__((always_inline)) _st_thread_t *
thread_finish(_st_vp_t *vp, _st_thread_t *t, void *retval)
{
    t->retval = retval;
    if (t->nkeys > 0)
        _st_key_run_destructors(t);
    ST_VP_ACTIVE_COUNT(vp)--;

    if (t->flags & ST_FL_PRIMORDIAL) {
        /* The process stack cannot be released; park here for good.
         * The idle thread resumes us only to run exit() on this stack. */
        t->state = ST_ST_DEAD;
        _st_switch();
        exit(0);
    }

    if (t->flags & ST_FL_JOINABLE) {
        _st_thread_t *w;
        _st_clist_t *q;

        /* A zombie is on no list: only its joiner finds it. */
        t->state = ST_ST_ZOMBIE;
        for (q = t->term.wait_q.next; q != &t->term.wait_q; q = q->next) {
            w = ST_CONTAINER(q, _st_thread_t, wait_links);
            if (w->state == ST_ST_COND_WAIT) {
                _st_wake(w);
                break;
            }
        }
#if defined(ST_SAN_FIBERS)
        _st_switch();
        /* Joined: made runnable by st_thread_join to clean up. */
        vp = VP;
#else
        /* Gone for good: the joiner releases us, or gives us a new
         * context for a last run if it has to show one (below). */
        return leave_for_good(vp, t);
#endif
    }

    thread_release(vp, t);
#if defined(ST_SAN_FIBERS)
    /* The switch and its announcement together, from this frame. */
    _st_switch();
    _st_fatal(__FILE__, __LINE__, "dead thread resumed");
#endif
    return leave_for_good(vp, t);
}

void st_thread_exit(void *retval)
{
    _st_vp_t *vp = VP;
    _st_thread_t *t = vp->current;
    _st_thread_t *next = thread_finish(vp, t, retval);

    /* t's block is still mapped: saving into it is harmless. */
    ST_SAN_SWITCH_BEGIN(t, next);
    _st_md_switch(&t->ctx, &next->ctx);
    _st_fatal(__FILE__, __LINE__, "dead thread resumed");
}

int st_thread_join(st_thread_t t, void **retvalp)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;

    /* The primordial thread's block is never recycled: EINVAL for it,
     * as for any thread that is not joinable, even once it has exited. */
    if (ST_THREAD_VALID(t) && (t->flags & ST_FL_PRIMORDIAL)) {
        errno = EINVAL;
        return -1;
    }
    if (!ST_THREAD_LIVE(t)) {
        errno = ESRCH;
        return -1;
    }
    if (!(t->flags & ST_FL_JOINABLE)) {
        errno = EINVAL;
        return -1;
    }
    if (t == me) {
        errno = EDEADLK;
        return -1;
    }
    if (!ST_CLIST_EMPTY(&t->term.wait_q)) {
        errno = EINVAL;
        return -1;
    }
    while (t->state != ST_ST_ZOMBIE) {
        if (_st_cond_wait_in(vp, me, &t->term, ST_UTIME_NO_TIMEOUT) < 0)
            return -1;
    }
    if (retvalp != NULL)
        *retvalp = t->retval;
    t->flags |= ST_FL_JOINED;
#if !defined(ST_SAN_FIBERS)
    if (!vp->hooks) {
        thread_release(vp, t);
        return 0;
    }
    _st_stack_init_ctx(&t->ctx, t->stack, zombie_main);
#endif
    _st_add_runq(t);
    return 0;
}

st_thread_t st_thread_self(void)
{
    return VP->current;
}

void st_thread_interrupt(st_thread_t t)
{
    if (!ST_THREAD_VALID(t))
        return;
    switch (t->state) {
    case ST_ST_ZOMBIE:
    case ST_ST_DEAD:
        return;
    case ST_ST_RUNNING:
    case ST_ST_RUNNABLE:
        t->flags |= ST_FL_INTERRUPT;
        return;
    default:
        t->flags |= ST_FL_INTERRUPT;
        _st_wake(t);
        return;
    }
}

/* st_thread_yield() with a clock to check, switch callbacks or a stack
 * check to make. */
static __attribute__((noinline)) void yield_slow(_st_vp_t *vp,
                                                 _st_thread_t *me)
{
    /* Checking the clock wakes expired sleepers and refreshes the time
     * cache; with neither to serve, the reading is only owed to
     * st_utime_last_clock(), which takes it when asked. */
    if (vp->heap_len == 0 && vp->cached_time == 0)
        vp->clock_stale = 1;
    else
        _st_check_clock();
    if (_st_runq_empty(vp))
        return;
    ST_STAT_INC(thread_yield2);
    _st_add_runq(me);
    _st_switch_out(vp, me);
}

void st_thread_yield(void)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;
    _st_thread_t *next;

    ST_STAT_INC(thread_yield);
#if !defined(ST_SAN_FIBERS)
    /* The usual case, with nothing to call but the switch, so that the
     * function needs no frame: no sleeper or time cache, no callbacks,
     * a guarded stack (nothing to check). */
    if (_st_likely(vp->heap_len == 0 && vp->cached_time == 0 &&
                   !vp->hooks && me->red_word == NULL)) {
        vp->clock_stale = 1;
        if (_st_runq_empty(vp))
            return;
        ST_STAT_INC(thread_yield2);
        /* The head first, then me at the tail: the queue that
         * _st_add_runq() and _st_take_next() make, with no second test
         * for an empty queue. */
        next = _st_runq_pop(vp);
        ST_STAT_INC(thread_run);
        _st_add_runq(me);
        next->state = ST_ST_RUNNING;
        vp->current = next;
        /* The switch ends this function (a tail call): _st_md_switch
         * compares the call sites itself (switch.h, md/x86_64.S). */
        _st_md_switch(&me->ctx, &next->ctx);
        return;
    }
#endif
    (void)next;
    yield_slow(vp, me);
}

/* ---- switch callbacks ----------------------------------------------------- */

/*
 * _st_switch_pick() with callbacks: the out callback in the thread that
 * leaves, while it is still current; the in callback once the next one
 * is current (never for the idle thread).  The in callback is called
 * here, by the thread that switches, rather than by the next one after
 * it resumes: it sees the same st_thread_self(), in the same order of
 * calls, since nothing runs between the two places.  A new thread's
 * first run and a joined zombie's last one get theirs the same way.
 */
_st_thread_t *_st_switch_pick_hooked(_st_vp_t *vp, _st_thread_t *me, int idle)
{
    _st_thread_t *next;

    if (!idle) {
        if (vp->switch_out_cb)
            vp->switch_out_cb();
        _st_stack_check(me);
    }
    next = _st_take_next(vp);
    if (next != vp->idle && vp->switch_in_cb)
        vp->switch_in_cb();
    return next;
}

st_switch_cb_t st_set_switch_in_cb(st_switch_cb_t cb)
{
    _st_vp_t *vp = VP;
    st_switch_cb_t old = vp->switch_in_cb;

    set_switch_cbs(vp, cb, vp->switch_out_cb);
    return old;
}

st_switch_cb_t st_set_switch_out_cb(st_switch_cb_t cb)
{
    _st_vp_t *vp = VP;
    st_switch_cb_t old = vp->switch_out_cb;

    set_switch_cbs(vp, vp->switch_in_cb, cb);
    return old;
}

/* ---- thread names and debugger hooks ------------------------------------ */

int st_thread_setname(st_thread_t t, const char *name)
{
    if (t == NULL)
        t = VP->current;
    if (!ST_THREAD_LIVE(t)) {
        errno = ESRCH;
        return -1;
    }
    if (name == NULL) {
        t->name[0] = '\0';
        return 0;
    }
    strncpy(t->name, name, sizeof t->name - 1);
    t->name[sizeof t->name - 1] = '\0';
    return 0;
}

const char *st_thread_getname(st_thread_t t)
{
    if (t == NULL)
        t = VP->current;
    if (!ST_THREAD_LIVE(t))
        return NULL;
    return t->name;
}

/* Recorded for sanitizer fiber annotations of the primordial thread;
 * may be called before st_init. */
static __thread void *primordial_top, *primordial_bottom;

void st_set_primordial_stack(void *top, void *bottom)
{
    primordial_top = top;
    primordial_bottom = bottom;
}

/* A place for a debugger breakpoint; deliberately does nothing. */
void _st_show_thread_stack(st_thread_t t, const char *messg)
{
    (void)t;
    (void)messg;
}

/* Prints every live thread to stderr when ST_DEBUG_THREADS is set in the
 * environment (or always when called from a debugger with the variable
 * set); otherwise a no-op. */
void _st_iterate_threads(void)
{
    _st_vp_t *vp = VP;
    _st_clist_t *q;

    if (!vp->initialized || getenv("ST_DEBUG_THREADS") == NULL)
        return;
    for (q = vp->all_q.next; q != &vp->all_q; q = q->next) {
        _st_thread_t *t = ST_CONTAINER(q, _st_thread_t, all_links);
        fprintf(stderr, "st thread %p %-9s %s\n", (void *)t,
                t->state == ST_ST_DEAD ? "dead" :
                st_thread_state_name(t->state), t->name);
    }
}

/* ---- initialisation and teardown ------------------------------------------ */

static void set_fdlimit(int v)
{
    __atomic_store_n(&fdlimit, v, __ATOMIC_RELAXED);
}

/*
 * Descriptor limits (API.md 6.7).  A backend with a limit (select:
 * FD_SETSIZE) lowers the hard limit to it, as every reference does, so
 * that the process can never hold a descriptor it cannot watch; the soft
 * limit is raised to the (new) hard one, or kept when that is unlimited.
 * The result is recorded for st_getfdlimit.  The soft limit is set here,
 * early (a process at its soft limit then has room for the backend's
 * descriptors); the hard limit is lowered by lower_hard_fdlimit as the
 * last step of st_init, since an unprivileged process cannot undo that.
 */
static int adjust_fdlimit(const _st_eventsys_ops_t *ev, struct rlimit *saved,
                          struct rlimit *target)
{
    struct rlimit rl;
    int blimit = ev->fd_getlimit();

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    *saved = rl;
    if (blimit > 0 &&
        (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)blimit))
        rl.rlim_max = (rlim_t)blimit;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= (rlim_t)INT_MAX)
        rl.rlim_cur = rl.rlim_max;
    *target = rl;
    if (rl.rlim_cur != saved->rlim_cur) {
        struct rlimit soft = *saved;
        soft.rlim_cur = rl.rlim_cur;
        if (setrlimit(RLIMIT_NOFILE, &soft) < 0)
            return -1;
    }
    set_fdlimit(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT_MAX ?
                INT_MAX : (int)rl.rlim_cur);
    return 0;
}

/* Best effort: the kernel always lets a process lower its hard limit,
 * but a sandbox may not (valgrind refuses any change of it); the soft
 * limit, already at the backend's limit, then does the job alone. */
static void lower_hard_fdlimit(const struct rlimit *saved,
                               const struct rlimit *target)
{
    if (target->rlim_max != saved->rlim_max) {
        int err = errno;
        (void)setrlimit(RLIMIT_NOFILE, target);
        errno = err;
    }
}

int st_init(void)
{
    _st_vp_t *vp = VP;
    const _st_eventsys_ops_t *chosen = vp->ev;
    struct sigaction sa, old_sa;
    struct rlimit old_rl, new_rl;
    int old_fdlimit = st_getfdlimit();
    _st_thread_t *idle = NULL, *prim = NULL;
    int err;

    if (vp->initialized)
        return 0;
    if (_st_eventsys_resolve() < 0 || _st_os_init() < 0)
        return -1;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPIPE, &sa, &old_sa) < 0)
        goto fail_ev;
    if (adjust_fdlimit(vp->ev, &old_rl, &new_rl) < 0)
        goto fail_sig;
    if (vp->ev->init() < 0)
        goto fail_rl;

    vp->pagesize = (size_t)sysconf(_SC_PAGESIZE);
    _st_guard_handler_init();
    _st_runq_init(vp);
    ST_CLIST_INIT(&vp->io_q);
    ST_CLIST_INIT(&vp->all_q);
    ST_CLIST_INIT(&vp->stack_cache);
    ST_VP_FREE_STACKS(vp) = 0;
    set_switch_cbs(vp, NULL, NULL);
    _st_clock_start();
    ST_SAN_PRIMORDIAL();

    idle = thread_new(ST_DEFAULT_STACK_SIZE, idle_main, NULL, NULL,
                      ST_FL_IDLE);
    if (idle == NULL)
        goto fail_backend;
    st_thread_setname(idle, "idle");

    prim = calloc(1, sizeof *prim);
    if (prim == NULL)
        goto fail_idle;
    lower_hard_fdlimit(&old_rl, &new_rl);
    prim->magic = (uintptr_t)prim ^ ST_THREAD_MAGIC;
    prim->serial = ++vp->thread_serial;
    prim->flags = ST_FL_PRIMORDIAL;
    prim->state = ST_ST_RUNNING;
    ST_CLIST_INIT(&prim->wait_links);
    ST_CLIST_INIT(&prim->term.wait_q);
    _st_clist_append(&vp->all_q, &prim->all_links);
    vp->nthreads = 1;
    vp->idle = idle;
    vp->primordial = prim;
    vp->current = prim;
    ST_VP_ACTIVE_COUNT(vp) = 1;
    vp->initialized = 1;
    _st_clock_users(1);
    return 0;

fail_idle:
    err = errno;
    _st_stack_free(idle->stack);
    _st_stack_cache_trim(0);
    errno = err;
fail_backend:
    err = errno;
    _st_guard_handler_fini();
    vp->ev->destroy();
    errno = err;
fail_rl:
    err = errno;
    setrlimit(RLIMIT_NOFILE, &old_rl);
    set_fdlimit(old_fdlimit);
    errno = err;
fail_sig:
    err = errno;
    sigaction(SIGPIPE, &old_sa, NULL);
    errno = err;
fail_ev:
    err = errno;
    _st_os_fini();
    errno = err;
    vp->ev = chosen;
    return -1;
}

int st_getfdlimit(void)
{
    return __atomic_load_n(&fdlimit, __ATOMIC_RELAXED);
}

void st_destroy(void)
{
    _st_vp_t *vp = VP;
    _st_thread_t *me, *t;
    _st_clist_t *q, *n;

    if (!vp->initialized) {
        vp->ev = NULL;
        vp->key_count = 0;
        return;
    }
    me = vp->current;
    _st_clock_users(-1);
    /* File calls in flight use other threads' buffers: finish them (and
     * the event system's operations) before any stack goes. */
    _st_pool_destroy();
    vp->ev->destroy();
    /* Release every other thread's stack; the caller keeps running on
     * its own (the process stack for the primordial thread). */
    for (q = vp->all_q.next; q != &vp->all_q; q = n) {
        n = q->next;
        t = ST_CONTAINER(q, _st_thread_t, all_links);
        if (t == me || t == vp->primordial)
            continue;
        _st_clist_remove(&t->all_links);
        t->magic = 0;
        _st_stack_free(t->stack);
    }
    _st_stack_free(vp->idle->stack);
    _st_tfd_close();
    _st_netfd_destroy_all();
    _st_timer_reset();
    _st_guard_handler_fini();
    _st_os_fini();
    /* A non-primordial caller keeps its own stack mapped (it runs on it). */
    _st_stack_cache_trim(0);
    vp->primordial->magic = 0;
    free(vp->primordial);
    {
        time_t ct = vp->cached_time;
        st_utime_t cs = vp->cached_time_stamp;
        memset(vp, 0, sizeof *vp);
        vp->cached_time = ct;
        vp->cached_time_stamp = cs;
    }
}
