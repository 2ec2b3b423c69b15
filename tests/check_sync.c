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

START_TEST(signalled_then_interrupted_loses_signal)
{
    st_thread_t a, b;

    ck_assert_int_eq(st_init(), 0);
    cv = st_cond_new();
    a = st_thread_create(cond_waiter, (void *)0L, 1, 0);
    b = st_thread_create(cond_waiter, (void *)1L, 1, 0);
    st_usleep(0);
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
    tcase_add_test(tc, null_objects_einval);
    suite_add_tcase(s, tc);
    tcase_add_test(tm, mutex_errors);
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
