/* SPDX-License-Identifier: MIT */
/* check_sync.c - condition variables and mutexes (API.md 3.5, 3.6,
 * 5.1 #19, #20). */
#include "testutil.h"

static st_cond_t cv;
static st_mutex_t mx;
static int woke[16];
static int nwoke;
static int res[16], err[16];

static void *cond_waiter(void *arg)
{
    int id = (int)(intptr_t)arg;

    res[id] = st_cond_wait(cv);
    err[id] = errno;
    woke[nwoke++] = id;
    return NULL;
}

START_TEST(signal_without_waiter_is_lost)
{
    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    ck_assert_ptr_nonnull(cv);
    ck_assert_int_eq(st_cond_signal(cv), 0);
    ck_assert_int_eq(st_cond_broadcast(cv), 0);
    errno = 0;
    ck_assert_int_eq(st_cond_timedwait(cv, 1000), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq(st_cond_timedwait(cv, 0), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

START_TEST(signals_fifo_back_to_back)
{
    st_thread_t t[3];
    int i;

    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    for (i = 0; i < 3; i++)
        t[i] = st_thread_create(cond_waiter, (void *)(intptr_t)i, 1, 0);
    st_usleep(0);
    /* Two signals before anyone runs wake two different waiters. */
    st_cond_signal(cv);
    st_cond_signal(cv);
    st_usleep(0);
    ck_assert_int_eq(nwoke, 2);
    ck_assert_int_eq(woke[0], 0);
    ck_assert_int_eq(woke[1], 1);
    st_cond_signal(cv);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    ck_assert_int_eq(woke[2], 2);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

START_TEST(broadcast_after_signal_once_each)
{
    st_thread_t t[4];
    int i;

    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    for (i = 0; i < 4; i++)
        t[i] = st_thread_create(cond_waiter, (void *)(intptr_t)i, 1, 0);
    st_usleep(0);
    st_cond_signal(cv);
    st_cond_broadcast(cv);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    ck_assert_int_eq(nwoke, 4);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(woke[i], i);
        ck_assert_int_eq(res[i], 0);
    }
}
END_TEST

START_TEST(destroy_busy_cond)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    t = st_thread_create(cond_waiter, (void *)0L, 1, 0);
    st_usleep(0);
    errno = 0;
    ck_assert_int_eq(st_cond_destroy(cv), -1);       /* waiting */
    ck_assert_int_eq(errno, EBUSY);
    st_cond_signal(cv);
    ck_assert_int_eq(st_cond_destroy(cv), -1);       /* signalled, not run */
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    t = st_thread_create(cond_waiter, (void *)1L, 1, 0);
    st_usleep(0);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_cond_destroy(cv), -1);       /* interrupted, not run */
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(res[1], -1);
    ck_assert_int_eq(err[1], EINTR);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

/* Two threads waiting on cv, in the order a, b. */
static void two_cond_waiters(st_thread_t *a, st_thread_t *b)
{
    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    *a = st_thread_create(cond_waiter, (void *)0L, 1, 0);
    *b = st_thread_create(cond_waiter, (void *)1L, 1, 0);
    st_usleep(0);
}

START_TEST(signalled_then_interrupted_loses_signal)
{
    st_thread_t a, b;

    two_cond_waiters(&a, &b);
    st_cond_signal(cv);
    st_thread_interrupt(a);
    st_usleep(0);
    ck_assert_int_eq(res[0], -1);
    ck_assert_int_eq(err[0], EINTR);
    ck_assert_int_eq(nwoke, 1);          /* b was not woken instead */
    st_cond_signal(cv);
    ck_assert_int_eq(st_thread_join(b, NULL), 0);
    ck_assert_int_eq(res[1], 0);
    ck_assert_int_eq(st_thread_join(a, NULL), 0);
}
END_TEST

START_TEST(timedwait_interrupt_on_entry)
{
    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    st_thread_interrupt(st_thread_self());
    errno = 0;
    ck_assert_int_eq(st_cond_timedwait(cv, 100000), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq(st_cond_timedwait(cv, 1000), -1);
    ck_assert_int_eq(errno, ETIME);
}
END_TEST

/* API.md 3.5 st_cond_timedwait: "if it timed out, errno = ETIME, -1; if
 * it was interrupted, errno = EINTR, -1 (interrupt wins when both)".
 * Two timed waiters expire in the same idle pass; whichever runs first
 * (ETIME) interrupts the other, which has timed out too but not run yet:
 * that one must get EINTR, and both its flags are consumed (its next
 * wait, a sleep, completes). */
static st_thread_t pair[2];
static int pair_done[2], pair_next[2];

static void *timed_then_interrupt_other(void *arg)
{
    int id = (int)(intptr_t)arg;

    res[id] = st_cond_timedwait(cv, 10 * (st_utime_t)(id + 1));
    err[id] = errno;
    woke[nwoke++] = id;
    if (!pair_done[1 - id])
        st_thread_interrupt(pair[1 - id]);
    pair_done[id] = 1;
    pair_next[id] = st_usleep(0);
    return NULL;
}

START_TEST(timedwait_timeout_and_interrupt_eintr_wins)
{
    int first, second;

    st_test_fake_clock_at(1000);
    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    pair[0] = st_thread_create(timed_then_interrupt_other, (void *)0L, 1, 0);
    pair[1] = st_thread_create(timed_then_interrupt_other, (void *)1L, 1, 0);
    st_thread_yield();                  /* both wait, due at 1010, 1020 */
    ck_assert_int_eq(nwoke, 0);
    st_test_fake += 100;                /* both due in the next pass */
    ck_assert_int_eq(st_thread_join(pair[0], NULL), 0);
    ck_assert_int_eq(st_thread_join(pair[1], NULL), 0);
    ck_assert_int_eq(nwoke, 2);
    first = woke[0];
    second = woke[1];
    ck_assert_int_eq(res[first], -1);
    ck_assert_int_eq(err[first], ETIME);
    ck_assert_msg(res[second] == -1 && err[second] == EINTR,
                  "timed out and interrupted: %d errno %d (want EINTR)",
                  res[second], err[second]);
    ck_assert_int_eq(pair_next[0], 0);
    ck_assert_int_eq(pair_next[1], 0);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

/* API.md 3.5 st_cond_signal: wakes "the first thread in the queue that
 * is still waiting (skips threads already woken by a signal, timeout or
 * interrupt but not yet run)".  An interrupted waiter ahead of a real
 * one: the signal goes to the real one, it is not spent on the woken. */
START_TEST(signal_skips_interrupted_waiter)
{
    st_thread_t a, b;

    two_cond_waiters(&a, &b);           /* queue: a, b */
    st_thread_interrupt(a);             /* woken, not run, still linked */
    st_cond_signal(cv);
    st_usleep(0);
    ck_assert_msg(nwoke == 2, "the signal was lost on the interrupted "
                  "waiter: %d of 2 woke", nwoke);
    ck_assert_int_eq(res[0], -1);
    ck_assert_int_eq(err[0], EINTR);
    ck_assert_int_eq(res[1], 0);
    ck_assert_int_eq(st_thread_join(a, NULL), 0);
    ck_assert_int_eq(st_thread_join(b, NULL), 0);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

/* The same for waiters woken by their timeout: two timed waiters ahead
 * of an untimed one expire in one pass; the first of them to run
 * signals, and the other (timed out, not yet run) must be skipped so
 * that the untimed waiter gets the signal.  Both timed ones: ETIME. */
static int timed_signalled;

static void *timed_then_signal(void *arg)
{
    int id = (int)(intptr_t)arg;

    res[id] = st_cond_timedwait(cv, 10 * (st_utime_t)id);
    err[id] = errno;
    woke[nwoke++] = id;
    if (!timed_signalled++)
        st_cond_signal(cv);
    return NULL;
}

START_TEST(signal_skips_timed_out_waiter)
{
    st_thread_t a1, a2, b;

    st_test_fake_clock_at(1000);
    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    a1 = st_thread_create(timed_then_signal, (void *)1L, 1, 0);
    a2 = st_thread_create(timed_then_signal, (void *)2L, 1, 0);
    b = st_thread_create(cond_waiter, (void *)3L, 1, 0);
    st_thread_yield();                  /* queue: a1, a2 (timed), b */
    ck_assert_int_eq(nwoke, 0);
    st_test_fake += 100;                /* a1 and a2 due in one pass */
    ck_assert_int_eq(st_thread_join(a1, NULL), 0);
    ck_assert_int_eq(st_thread_join(a2, NULL), 0);
    /* b was signalled before a1 and a2 exited, so it has run by now. */
    ck_assert_msg(nwoke == 3, "the signal was lost on a timed-out "
                  "waiter: %d of 3 woke", nwoke);
    ck_assert_int_eq(res[1], -1);
    ck_assert_int_eq(err[1], ETIME);
    ck_assert_int_eq(res[2], -1);
    ck_assert_int_eq(err[2], ETIME);
    ck_assert_int_eq(res[3], 0);
    ck_assert_int_eq(st_thread_join(b, NULL), 0);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

/* API.md 3.5 st_cond_signal "appends it to the run queue, cancels its
 * timer": a signalled timed waiter returns 0 although its deadline has
 * passed by the time it runs.  The signaller computes past the deadline
 * without switching.  First it yields, which reads the clock before the
 * waiter runs; then it sleeps, so that the waiter runs first and starts
 * its next wait, one with no timeout, before the next clock check: a
 * timer left armed would end that wait with ETIME. */
#define SIG_T 2000                      /* the waiter's timeout, us */
static int tw_r[3], tw_e[3], tw_n;

static void *timed_waits(void *arg)
{
    (void)arg;
    for (tw_n = 0; tw_n < 3; tw_n++) {
        tw_r[tw_n] = tw_n < 2 ? st_cond_timedwait(cv, SIG_T) :
                     st_cond_wait(cv);
        tw_e[tw_n] = errno;
    }
    return NULL;
}

static void compute_past_deadline(st_utime_t t0)
{
    /* The waiter's deadline is at most t0 + SIG_T: it started waiting
     * before t0 was read. */
    while (st_utime() - t0 < 2 * SIG_T)
        ;
}

static void *signal_and_compute(void *arg)
{
    st_utime_t t0;

    (void)arg;
    t0 = st_utime();
    st_cond_signal(cv);                 /* first wait */
    compute_past_deadline(t0);
    st_thread_yield();                  /* clock read; the waiter runs */
    if (tw_n != 1)
        return (void *)1;
    t0 = st_utime();
    st_cond_signal(cv);                 /* second wait */
    compute_past_deadline(t0);
    st_usleep(0);                       /* waiter runs, waits; idle pass */
    if (tw_n != 2)
        return (void *)2;
    st_cond_signal(cv);                 /* third wait */
    return NULL;
}

START_TEST(signal_cancels_timer)
{
    st_thread_t w, s;
    void *rv;
    int i;

    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    w = st_thread_create(timed_waits, NULL, 1, 0);
    s = st_thread_create(signal_and_compute, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(s, &rv), 0);
    /* Done with a correct library (a zombie ignores this); otherwise
     * stuck in its last wait, which this ends. */
    st_thread_interrupt(w);
    ck_assert_int_eq(st_thread_join(w, NULL), 0);
    for (i = 0; i < 3; i++)
        ck_assert_msg(tw_r[i] == 0, "signalled wait %d: %d errno %d", i,
                      tw_r[i], tw_e[i]);
    ck_assert_ptr_null(rv);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

/* API.md 3.5: "A timeout of 0 fails with ETIME unless another thread
 * signals during the scheduling round."  Threads already runnable when
 * the wait starts run before it ends; one of them (not the first)
 * signals, and the wait returns 0.  Without a signaller: ETIME. */
static void *just_mark(void *arg)
{
    woke[nwoke++] = (int)(intptr_t)arg;
    return NULL;
}

static void *signal_cv(void *arg)
{
    woke[nwoke++] = (int)(intptr_t)arg;
    st_cond_signal(cv);
    return NULL;
}

START_TEST(timedwait_zero_signalled_in_round)
{
    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    st_thread_create(just_mark, (void *)1L, 0, 0);
    st_thread_create(signal_cv, (void *)2L, 0, 0);
    st_thread_create(just_mark, (void *)3L, 0, 0);
    errno = 0;
    ck_assert_int_eq(st_cond_timedwait(cv, ST_UTIME_NO_WAIT), 0);
    ck_assert_int_eq(nwoke, 3);         /* the whole round ran */
    /* Nobody to signal this time. */
    st_thread_create(just_mark, (void *)4L, 0, 0);
    ck_assert_int_eq(st_cond_timedwait(cv, 0), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq(nwoke, 4);
    ck_assert_int_eq(st_cond_destroy(cv), 0);
}
END_TEST

/* ---- mutexes ------------------------------------------------------------ */

static void *lock_and_record(void *arg)
{
    int id = (int)(intptr_t)arg;

    res[id] = st_mutex_lock(mx);
    err[id] = errno;
    woke[nwoke++] = id;
    if (res[id] == 0)
        st_mutex_unlock(mx);
    return NULL;
}

START_TEST(mutex_errors)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    errno = 0;
    ck_assert_int_eq(st_mutex_unlock(mx), -1);       /* free */
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(st_mutex_lock(mx), 0);
    ck_assert_int_eq(st_mutex_lock(mx), -1);         /* relock */
    ck_assert_int_eq(errno, EDEADLK);
    ck_assert_int_eq(st_mutex_trylock(mx), -1);      /* owner */
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_mutex_destroy(mx), -1);
    ck_assert_int_eq(errno, EBUSY);
    t = st_thread_create(lock_and_record, (void *)0L, 1, 0);
    st_usleep(0);
    ck_assert_int_eq(st_mutex_unlock(mx), 0);        /* handed to t */
    ck_assert_int_eq(st_mutex_unlock(mx), -1);       /* no longer ours */
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(st_mutex_trylock(mx), -1);      /* t owns it */
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_mutex_destroy(mx), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(st_mutex_destroy(mx), 0);
}
END_TEST

/* API.md 3.6 st_mutex_lock checks, in order: "1. pending interrupt ->
 * -1 EINTR, even if the mutex is free ... 3. owned by caller -> -1
 * EDEADLK".  So the owner locking again with an interrupt pending gets
 * EINTR, which consumes the interrupt: the next relock is EDEADLK, and
 * the owner still owns the mutex.  (trylock ignores the interrupt.) */
START_TEST(relock_interrupt_before_edeadlk)
{
    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    ck_assert_int_eq(st_mutex_lock(mx), 0);
    st_thread_interrupt(st_thread_self());
    errno = 0;
    ck_assert_int_eq(st_mutex_trylock(mx), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_mutex_lock(mx), -1);
    ck_assert_msg(errno == EINTR, "relock with an interrupt pending: "
                  "errno %d (want EINTR before EDEADLK)", errno);
    ck_assert_int_eq(st_mutex_lock(mx), -1);
    ck_assert_int_eq(errno, EDEADLK);
    ck_assert_int_eq(st_mutex_unlock(mx), 0);
    ck_assert_int_eq(st_mutex_destroy(mx), 0);
}
END_TEST

static void *try_other(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)(st_mutex_trylock(mx) == -1 && errno == EBUSY);
}

START_TEST(trylock_by_other_busy)
{
    st_thread_t t;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    ck_assert_int_eq(st_mutex_trylock(mx), 0);
    t = st_thread_create(try_other, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)1L);
    ck_assert_int_eq(st_mutex_unlock(mx), 0);
}
END_TEST

/* API.md 3.6: a thread exiting while owning a mutex leaves it owned
 * forever.  The threads made after it, one at a time with the same stack
 * size, get the dead owner's recycled stack, and some of them its very
 * thread-block address: none of them may unlock the mutex or be told it
 * holds it already. */
static void *lock_and_exit(void *arg)
{
    (void)arg;
    ck_assert_int_eq(st_mutex_lock(mx), 0);
    return NULL;
}

static void *not_the_owner(void *arg)
{
    (void)arg;
    errno = 0;
    ck_assert_int_eq(st_mutex_unlock(mx), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(st_mutex_trylock(mx), -1);
    ck_assert_int_eq(errno, EBUSY);
    return NULL;
}

START_TEST(dead_owner_keeps_mutex)
{
    st_thread_t t;
    int i;

    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    t = st_thread_create(lock_and_exit, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    for (i = 0; i < 40; i++) {
        t = st_thread_create(not_the_owner, NULL, 1, 0);
        ck_assert_ptr_nonnull(t);
        ck_assert_int_eq(st_thread_join(t, NULL), 0);
    }
    errno = 0;
    ck_assert_int_eq(st_mutex_destroy(mx), -1);
    ck_assert_int_eq(errno, EBUSY);
}
END_TEST

START_TEST(mutex_fifo_skips_interrupted)
{
    st_thread_t t[3];
    int i;

    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    ck_assert_int_eq(st_mutex_lock(mx), 0);
    for (i = 0; i < 3; i++)
        t[i] = st_thread_create(lock_and_record, (void *)(intptr_t)i, 1, 0);
    st_usleep(0);
    st_thread_interrupt(t[0]);
    ck_assert_int_eq(st_mutex_unlock(mx), 0);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    ck_assert_int_eq(res[0], -1);
    ck_assert_int_eq(err[0], EINTR);
    ck_assert_int_eq(res[1], 0);
    ck_assert_int_eq(res[2], 0);
    ck_assert_int_eq(woke[0], 0);
    ck_assert_int_eq(woke[1], 1);
    ck_assert_int_eq(woke[2], 2);
    ck_assert_int_eq(st_mutex_destroy(mx), 0);
}
END_TEST

START_TEST(only_waiter_interrupted_mutex_free_but_busy)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    ck_assert_int_eq(st_mutex_lock(mx), 0);
    t = st_thread_create(lock_and_record, (void *)0L, 1, 0);
    st_usleep(0);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_mutex_unlock(mx), 0);
    /* Free now, but the interrupted waiter is still linked. */
    ck_assert_int_eq(st_mutex_destroy(mx), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_mutex_trylock(mx), 0);
    ck_assert_int_eq(st_mutex_unlock(mx), 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(res[0], -1);
    ck_assert_int_eq(st_mutex_destroy(mx), 0);
}
END_TEST

static int handed_r;

static void *lock_then_sleep(void *arg)
{
    (void)arg;
    handed_r = st_mutex_lock(mx);
    /* Ownership came first: the interrupt stays pending. */
    res[5] = st_usleep(1000);
    err[5] = errno;
    st_mutex_unlock(mx);
    return NULL;
}

START_TEST(handed_over_then_interrupted_succeeds)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    ck_assert_int_eq(st_mutex_lock(mx), 0);
    t = st_thread_create(lock_then_sleep, NULL, 1, 0);
    st_usleep(0);
    ck_assert_int_eq(st_mutex_unlock(mx), 0);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(handed_r, 0);
    ck_assert_int_eq(res[5], -1);
    ck_assert_int_eq(err[5], EINTR);
}
END_TEST

static int inside, overlap, total;

static void *worker(void *arg)
{
    int r;

    (void)arg;
    for (r = 0; r < 50; r++) {
        if (st_mutex_lock(mx) != 0)
            return (void *)1;
        if (inside++)
            overlap = 1;
        st_thread_yield();
        total++;
        st_usleep(r % 3 == 0 ? 0 : 10);
        inside--;
        st_mutex_unlock(mx);
        st_thread_yield();
    }
    return NULL;
}

START_TEST(workers_never_overlap)
{
    st_thread_t t[8];
    void *rv;
    int i;

    ck_assert_int_eq(st_init(), 0);
    mx = st_mutex_new();
    for (i = 0; i < 8; i++)
        t[i] = st_thread_create(worker, NULL, 1, 0);
    for (i = 0; i < 8; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_ptr_null(rv);
    }
    ck_assert_int_eq(overlap, 0);
    ck_assert_int_eq(total, 400);
    ck_assert_int_eq(st_mutex_destroy(mx), 0);
}
END_TEST

START_TEST(null_objects_einval)
{
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_cond_wait(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_cond_signal(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_cond_destroy(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_mutex_lock(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_mutex_unlock(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_mutex_destroy(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *sync_suite(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("cond");
    TCase *tm = tcase_create("mutex");

    tcase_add_test(tc, signal_without_waiter_is_lost);
    tcase_add_test(tc, signals_fifo_back_to_back);
    tcase_add_test(tc, broadcast_after_signal_once_each);
    tcase_add_test(tc, destroy_busy_cond);
    tcase_add_test(tc, signalled_then_interrupted_loses_signal);
    tcase_add_test(tc, timedwait_interrupt_on_entry);
    tcase_add_test(tc, timedwait_timeout_and_interrupt_eintr_wins);
    tcase_add_test(tc, signal_skips_interrupted_waiter);
    tcase_add_test(tc, signal_skips_timed_out_waiter);
    tcase_add_test(tc, signal_cancels_timer);
    tcase_add_test(tc, timedwait_zero_signalled_in_round);
    tcase_add_test(tc, null_objects_einval);
    suite_add_tcase(s, tc);
    tcase_add_test(tm, mutex_errors);
    tcase_add_test(tm, relock_interrupt_before_edeadlk);
    tcase_add_test(tm, trylock_by_other_busy);
    tcase_add_test(tm, dead_owner_keeps_mutex);
    tcase_add_test(tm, mutex_fifo_skips_interrupted);
    tcase_add_test(tm, only_waiter_interrupted_mutex_free_but_busy);
    tcase_add_test(tm, handed_over_then_interrupted_succeeds);
    tcase_add_test(tm, workers_never_overlap);
    suite_add_tcase(s, tm);
    return s;
}

int main(void)
{
    return st_test_run(sync_suite());
}
