/* SPDX-License-Identifier: MIT */
/* check_key.c - thread-specific data (API.md 3.4, 5.1 #18). */
#include "testutil.h"

static int destroyed[8];
static void *destroyed_val[8];
static st_thread_t destroyed_self[8];   /* st_thread_self() in the call */
static int ndestroyed;

static void dtor0(void *v)
{
    destroyed[0]++;
    destroyed_val[0] = v;
    destroyed_self[0] = st_thread_self();
    ndestroyed++;
}

static void dtor1(void *v)
{
    destroyed[1]++;
    destroyed_val[1] = v;
    destroyed_self[1] = st_thread_self();
    ndestroyed++;
}

START_TEST(sixteen_keys_then_eagain)
{
    int k, i, last = -1;

    ck_assert_int_eq(st_key_getlimit(), 16);
    for (i = 0; i < 16; i++) {
        ck_assert_int_eq(st_key_create(&k, NULL), 0);
        ck_assert_int_eq(k, i);
        last = k;
    }
    k = 1234;
    errno = 0;
    ck_assert_int_eq(st_key_create(&k, NULL), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(k, 1234);
    ck_assert_int_eq(last, 15);
}
END_TEST

START_TEST(invalid_keys)
{
    int k;

    ck_assert_int_eq(st_init(), 0);
    errno = 0;
    ck_assert_int_eq(st_thread_setspecific(0, &k), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_key_create(&k, NULL), 0);
    ck_assert_int_eq(st_thread_setspecific(k + 1, &k), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_thread_setspecific(-1, &k), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(st_thread_getspecific(k + 1));
    ck_assert_ptr_null(st_thread_getspecific(-5));
    ck_assert_int_eq(errno, 0);
    ck_assert_int_eq(st_key_create(NULL, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(set_same_replace_null)
{
    int k, a, b;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_key_create(&k, dtor0), 0);
    ck_assert_ptr_null(st_thread_getspecific(k));
    ck_assert_int_eq(st_thread_setspecific(k, &a), 0);
    ck_assert_ptr_eq(st_thread_getspecific(k), &a);
    ck_assert_int_eq(st_thread_setspecific(k, &a), 0);
    ck_assert_int_eq(destroyed[0], 0);          /* same value: no call */
    ck_assert_int_eq(st_thread_setspecific(k, &b), 0);
    ck_assert_int_eq(destroyed[0], 1);
    ck_assert_ptr_eq(destroyed_val[0], &a);
    ck_assert_int_eq(st_thread_setspecific(k, NULL), 0);
    ck_assert_int_eq(destroyed[0], 2);
    ck_assert_ptr_eq(destroyed_val[0], &b);
    ck_assert_ptr_null(st_thread_getspecific(k));
}
END_TEST

static int key_a, key_b;

static void *per_thread(void *arg)
{
    if (st_thread_getspecific(key_a) != NULL)
        return (void *)1;
    st_thread_setspecific(key_a, arg);
    st_usleep(1000);
    return st_thread_getspecific(key_a) == arg ? NULL : (void *)2;
}

START_TEST(values_are_per_thread)
{
    st_thread_t t[4];
    void *rv;
    long i;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_key_create(&key_a, NULL), 0);
    st_thread_setspecific(key_a, (void *)99);
    for (i = 0; i < 4; i++)
        t[i] = st_thread_create(per_thread, (void *)(intptr_t)(i + 1), 1, 0);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_ptr_null(rv);
    }
    ck_assert_ptr_eq(st_thread_getspecific(key_a), (void *)99);
}
END_TEST

static void *set_two_and_return(void *arg)
{
    st_thread_setspecific(key_a, (void *)11);
    st_thread_setspecific(key_b, (void *)22);
    if (arg == (void *)1)
        st_thread_exit((void *)3);
    if (arg == (void *)2) {
        st_usleep(ST_UTIME_NO_TIMEOUT);    /* interrupted, then returns */
        return (void *)4;
    }
    return (void *)5;
}

START_TEST(destructors_on_every_exit_path)
{
    st_thread_t t;
    void *rv;
    long how;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_key_create(&key_a, dtor0), 0);
    ck_assert_int_eq(st_key_create(&key_b, dtor1), 0);
    for (how = 0; how < 4; how++) {
        memset(destroyed, 0, sizeof destroyed);
        t = st_thread_create(set_two_and_return, (void *)(intptr_t)how, how != 3, 0);
        if (how == 2) {
            st_usleep(1000);
            st_thread_interrupt(t);
        }
        if (how == 3) {                 /* detached */
            st_usleep(1000);
        } else {
            ck_assert_int_eq(st_thread_join(t, &rv), 0);
        }
        /* Destructors ran before join returned. */
        ck_assert_int_eq(destroyed[0], 1);
        ck_assert_int_eq(destroyed[1], 1);
        ck_assert_ptr_eq(destroyed_val[0], (void *)11);
        ck_assert_ptr_eq(destroyed_val[1], (void *)22);
    }
}
END_TEST

/* API.md 3.4 "Destructors at exit": "One pass only, key 0 upward".
 * Values set in the reverse order, one key left NULL and one key without
 * a destructor: the destructors run in key order, for the non-NULL
 * values of keys that have one, before the join returns. */
static int dorder[16], ndorder;

static void record_order(void *v)
{
    if (ndorder < 16)
        dorder[ndorder++] = (int)(intptr_t)v;
}

static int okeys[5];

static void *set_in_reverse(void *arg)
{
    int i;

    (void)arg;
    for (i = 4; i >= 0; i--)
        if (i != 2)                     /* key 2 stays NULL */
            st_thread_setspecific(okeys[i], (void *)(intptr_t)(100 + i));
    return NULL;
}

START_TEST(exit_destructors_key_order)
{
    st_thread_t t;
    int i;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 5; i++)             /* key 3 has no destructor */
        ck_assert_int_eq(st_key_create(&okeys[i], i == 3 ? NULL :
                                       record_order), 0);
    t = st_thread_create(set_in_reverse, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(ndorder, 3);
    ck_assert_int_eq(dorder[0], 100);
    ck_assert_int_eq(dorder[1], 101);
    ck_assert_int_eq(dorder[2], 104);
}
END_TEST

/* API.md 3.4 st_key_create: "Every existing and future thread sees NULL
 * for a new key."  Existing: the primordial thread and a thread that set
 * an older key and now waits (both with slots in use), and a thread
 * created but not yet run.  The new keys, up to the limit, read NULL in
 * all of them; a value set afterwards reads back, and only the values
 * set get destructors at exit. */
static int old_key, nnew_keys, new_keys[16];
static st_cond_t key_cv;

static void *read_new_keys(void *arg)
{
    int i;

    for (i = 0; i < nnew_keys; i++)
        if (st_thread_getspecific(new_keys[i]) != NULL)
            return (void *)(intptr_t)(i + 1);
    st_thread_setspecific(new_keys[nnew_keys - 1], arg);
    if (st_thread_getspecific(new_keys[nnew_keys - 1]) != arg)
        return (void *)100;
    return NULL;
}

static void *set_old_then_wait(void *arg)
{
    st_thread_setspecific(old_key, (void *)5);
    if (st_cond_wait(key_cv) != 0)
        return (void *)200;
    if (st_thread_getspecific(old_key) != (void *)5)
        return (void *)300;
    return read_new_keys(arg);
}

START_TEST(new_key_null_in_existing_threads)
{
    st_thread_t waiting, unstarted;
    void *rv;
    int i;

    ck_assert_int_eq(st_init(), 0);
    key_cv = st_cond_new();
    ck_assert_int_eq(st_key_create(&old_key, dtor0), 0);
    ck_assert_int_eq(st_thread_setspecific(old_key, (void *)4), 0);
    waiting = st_thread_create(set_old_then_wait, (void *)21, 1, 0);
    st_usleep(0);                       /* it set old_key and waits */
    unstarted = st_thread_create(read_new_keys, (void *)22, 1, 0);
    while (nnew_keys < 16 && st_key_create(&new_keys[nnew_keys], dtor1) == 0)
        nnew_keys++;
    ck_assert_int_eq(nnew_keys, st_key_getlimit() - 1);
    for (i = 0; i < nnew_keys; i++)
        ck_assert_ptr_null(st_thread_getspecific(new_keys[i]));
    ck_assert_ptr_eq(st_thread_getspecific(old_key), (void *)4);
    st_cond_signal(key_cv);
    ck_assert_int_eq(st_thread_join(waiting, &rv), 0);
    ck_assert_ptr_null(rv);
    ck_assert_int_eq(st_thread_join(unstarted, &rv), 0);
    ck_assert_ptr_null(rv);
    ck_assert_int_eq(destroyed[0], 1);  /* waiting's old_key value */
    ck_assert_ptr_eq(destroyed_val[0], (void *)5);
    ck_assert_int_eq(destroyed[1], 2);  /* the last key, in each */
    ck_assert_int_eq(st_cond_destroy(key_cv), 0);
}
END_TEST

static void *check_null(void *arg)
{
    (void)arg;
    return st_thread_getspecific(key_a);
}

START_TEST(reused_stack_sees_null)
{
    st_thread_t t;
    void *rv = (void *)1;
    int i;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_key_create(&key_a, NULL), 0);
    ck_assert_int_eq(st_key_create(&key_b, NULL), 0);
    for (i = 0; i < 3; i++) {
        t = st_thread_create(set_two_and_return, NULL, 1, 0);
        ck_assert_int_eq(st_thread_join(t, NULL), 0);
        st_usleep(0);                   /* let it release its stack */
        t = st_thread_create(check_null, NULL, 1, 0);
        ck_assert_int_eq(st_thread_join(t, &rv), 0);
        ck_assert_ptr_null(rv);
    }
}
END_TEST

static void *blocked_until_interrupt(void *arg)
{
    (void)arg;
    st_usleep(ST_UTIME_NO_TIMEOUT);
    return st_thread_getspecific(key_a);
}

/* Slots are set lazily: setting a high key first must leave the lower
 * ones NULL even where an earlier thread on the same stack set them. */
static int key_lo[3], key_hi;

static void *set_all(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 3; i++)
        st_thread_setspecific(key_lo[i], (void *)(intptr_t)(i + 1));
    st_thread_setspecific(key_hi, (void *)7);
    return NULL;
}

static void *set_high_read_low(void *arg)
{
    int i;

    (void)arg;
    if (st_thread_getspecific(key_hi) != NULL)
        return (void *)1;
    st_thread_setspecific(key_hi, (void *)8);
    for (i = 0; i < 3; i++)
        if (st_thread_getspecific(key_lo[i]) != NULL)
            return (void *)2;
    if (st_thread_getspecific(key_hi) != (void *)8)
        return (void *)3;
    return NULL;
}

START_TEST(high_key_first_leaves_low_null)
{
    st_thread_t t;
    void *rv = (void *)1;
    int i, round;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(st_key_create(&key_lo[i], NULL), 0);
    ck_assert_int_eq(st_key_create(&key_hi, NULL), 0);
    for (round = 0; round < 20; round++) {
        t = st_thread_create(set_all, NULL, 1, 0);
        ck_assert_int_eq(st_thread_join(t, NULL), 0);
        t = st_thread_create(set_high_read_low, NULL, 1, 0);
        ck_assert_int_eq(st_thread_join(t, &rv), 0);
        ck_assert_ptr_null(rv);
    }
}
END_TEST

/* Replaces the primordial thread's key_a value while it waits to join
 * us: the destructor must see us as st_thread_self(), at once. */
static void *replace_in_primordial(void *arg)
{
    destroyed_self[0] = NULL;
    if (st_thread_setspecific2(arg, key_a, (void *)12) != 0 ||
        destroyed_val[0] != (void *)10)
        return NULL;
    return destroyed_self[0];
}

START_TEST(setspecific2_other_threads)
{
    st_thread_t fresh, blocked, setter;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_key_create(&key_a, dtor0), 0);
    /* Not yet run. */
    fresh = st_thread_create(check_null, NULL, 1, 0);
    ck_assert_int_eq(st_thread_setspecific2(fresh, key_a, (void *)7), 0);
    ck_assert_int_eq(st_thread_join(fresh, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)7);
    ck_assert_int_eq(destroyed[0], 1);   /* its exit destroyed 7 */
    ck_assert_ptr_eq(destroyed_self[0], fresh);  /* at its exit: its own */
    /* Blocked; replacing runs the destructor in our context (API.md
     * 3.4 st_thread_setspecific2: "The destructor runs in the caller's
     * context"), synchronously. */
    blocked = st_thread_create(blocked_until_interrupt, NULL, 1, 0);
    st_usleep(1000);
    ck_assert_int_eq(st_thread_setspecific2(blocked, key_a, (void *)8), 0);
    ck_assert_int_eq(st_thread_setspecific2(blocked, key_a, (void *)9), 0);
    ck_assert_int_eq(destroyed[0], 2);
    ck_assert_ptr_eq(destroyed_val[0], (void *)8);
    ck_assert_ptr_eq(destroyed_self[0], st_thread_self());
    /* The same from another thread, on a value of ours while we wait. */
    ck_assert_int_eq(st_thread_setspecific(key_a, (void *)10), 0);
    setter = st_thread_create(replace_in_primordial, st_thread_self(), 1, 0);
    ck_assert_int_eq(st_thread_join(setter, &rv), 0);
    ck_assert_ptr_eq(rv, setter);       /* destructor ran in the setter */
    ck_assert_int_eq(destroyed[0], 3);
    ck_assert_ptr_eq(destroyed_val[0], (void *)10);
    ck_assert_ptr_eq(st_thread_getspecific(key_a), (void *)12);
    st_thread_interrupt(blocked);
    ck_assert_int_eq(st_thread_join(blocked, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)9);
    ck_assert_int_eq(st_thread_setspecific2(NULL, key_a, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static int passes;

static void resetting_dtor(void *v)
{
    passes++;
    /* Re-set a value: later passes clean it up, a bounded number of times. */
    st_thread_setspecific(key_b, v);
}

static void *set_resetting(void *arg)
{
    (void)arg;
    st_thread_setspecific(key_b, (void *)1);
    return NULL;
}

START_TEST(destructor_passes_bounded)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_key_create(&key_b, resetting_dtor), 0);
    t = st_thread_create(set_resetting, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(passes, 4);
}
END_TEST

/* Keys belong to the scheduler: created before st_init they are kept by
 * it, and st_destroy forgets them with the rest. */
START_TEST(st_destroy_forgets_keys)
{
    int k, i;

    ck_assert_int_eq(st_key_create(&k, NULL), 0);
    ck_assert_int_eq(k, 0);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_thread_setspecific(0, &k), 0);
    ck_assert_ptr_eq(st_thread_getspecific(0), &k);
    st_destroy();
    ck_assert_int_eq(st_init(), 0);
    errno = 0;
    ck_assert_int_eq(st_thread_setspecific(0, &k), -1);
    ck_assert_int_eq(errno, EINVAL);
    for (i = 0; i < st_key_getlimit(); i++) {
        ck_assert_int_eq(st_key_create(&k, NULL), 0);
        ck_assert_int_eq(k, i);
    }
    ck_assert_int_eq(st_key_create(&k, NULL), -1);
    st_destroy();
    /* Before st_init too. */
    ck_assert_int_eq(st_key_create(&k, NULL), 0);
    st_destroy();
    ck_assert_int_eq(st_key_create(&k, NULL), 0);
    ck_assert_int_eq(k, 0);
}
END_TEST

static Suite *key_suite(void)
{
    Suite *s = suite_create("key");
    TCase *tc = tcase_create("key");

    tcase_add_test(tc, sixteen_keys_then_eagain);
    tcase_add_test(tc, invalid_keys);
    tcase_add_test(tc, set_same_replace_null);
    tcase_add_test(tc, values_are_per_thread);
    tcase_add_test(tc, destructors_on_every_exit_path);
    tcase_add_test(tc, exit_destructors_key_order);
    tcase_add_test(tc, new_key_null_in_existing_threads);
    tcase_add_test(tc, reused_stack_sees_null);
    tcase_add_test(tc, high_key_first_leaves_low_null);
    tcase_add_test(tc, setspecific2_other_threads);
    tcase_add_test(tc, destructor_passes_bounded);
    tcase_add_test(tc, st_destroy_forgets_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(key_suite());
}
