/* SPDX-License-Identifier: MIT */
/* check_context.c - the machine-dependent switch: stacks, registers. */
#include "testutil.h"

static int order[16];
static int norder;

static void *pingpong(void *arg)
{
    int id = (int)(long)arg, i;

    for (i = 0; i < 3; i++) {
        order[norder++] = id;
        st_thread_yield();
    }
    return (void *)(long)(id + 100);
}

START_TEST(switch_round_robin)
{
    st_thread_t t[2];
    void *rv;
    int i;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 2; i++)
        t[i] = st_thread_create(pingpong, (void *)(long)i, 1, 0);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_int_eq((int)(long)rv, i + 100);
    }
    ck_assert_int_eq(norder, 6);
    for (i = 0; i < 6; i++)
        ck_assert_int_eq(order[i], i % 2);
}
END_TEST

/* Touch n bytes of locals, deepest first, so every page is written. */
static int use_stack(size_t n)
{
    volatile char buf[1024];
    size_t i;

    for (i = 0; i < sizeof buf; i++)
        buf[i] = (char)i;
    if (n > sizeof buf)
        return buf[n % sizeof buf] + use_stack(n - sizeof buf);
    return buf[0];
}

static void *stack_user(void *arg)
{
    use_stack((size_t)arg);
    return (void *)1;
}

START_TEST(default_stack_holds_16k)
{
    st_thread_t t;
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(stack_user, (void *)(size_t)(16 * 1024), 1, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)1);
}
END_TEST

START_TEST(odd_stack_size_holds_64k)
{
    st_thread_t t;
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(stack_user, (void *)(size_t)(64 * 1024), 1,
                         256 * 1024 + 100);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)1);
}
END_TEST

static Suite *context_suite(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("switch");

    tcase_add_test(tc, switch_round_robin);
    tcase_add_test(tc, default_stack_holds_16k);
    tcase_add_test(tc, odd_stack_size_holds_64k);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(context_suite());
}
