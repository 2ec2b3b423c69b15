/* SPDX-License-Identifier: MIT */
/* check_stack.c - stack overflow is detected, loudly, at any scale. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#define STACK 65536
/* 100,000 sleepers with 32-bit addresses must fit in about 3 GiB. */
#define SLEEPER_STACK (sizeof(void *) == 4 ? 8192 : 0)

static char *recursion_top;

/* Recurse until the frame is `beyond` bytes below the stack's top
 * reference, then switch (where the unguarded check runs). */
static int dive(size_t beyond)
{
    volatile char frame[512];

    frame[0] = 1;
    frame[sizeof frame - 1] = 2;
    if ((size_t)(recursion_top - (char *)frame) < beyond)
        return dive(beyond) + frame[0];
    st_usleep(1);
    return frame[sizeof frame - 1];
}

static void *overflower(void *arg)
{
    char here;

    recursion_top = &here;
    st_thread_setname(st_thread_self(), "diver");
    return (void *)(long)dive((size_t)arg);
}

static void *sleep_forever(void *arg)
{
    (void)arg;
    st_usleep(ST_UTIME_NO_TIMEOUT);
    return NULL;
}

/* Run body in a child; return its wait status and stderr text. */
static int child_run(void (*body)(size_t), size_t arg, char *err, size_t n)
{
    int p[2], status;
    ssize_t k, got = 0;
    pid_t pid;

    ck_assert_int_eq(pipe(p), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        body(arg);
        _exit(0);
    }
    close(p[1]);
    while (got < (ssize_t)n - 1 && (k = read(p[0], err + got,
                                              n - 1 - (size_t)got)) > 0)
        got += k;
    err[got] = '\0';
    close(p[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* Recurse forever, switching at every level: the switch check must stop
 * it within one frame of leaving the stack. */
static volatile int keep_diving = 1;     /* never cleared */

static int dive_switching(int depth)
{
    volatile char frame[512];

    frame[0] = (char)depth;
    st_thread_yield();
    st_usleep(0);
    if (!keep_diving)
        return frame[0];
    return dive_switching(depth + 1) + frame[0];
}

static void *switching_overflower(void *arg)
{
    (void)arg;
    return (void *)(long)dive_switching(0);
}

static void overflow_with_threads(size_t nthreads)
{
    size_t i;
    st_thread_t t;

    st_init();
    for (i = 0; i < nthreads; i++)
        if (st_thread_create(sleep_forever, NULL, 0, SLEEPER_STACK) == NULL)
            _exit(3);
    st_usleep(0);
    t = st_thread_create(switching_overflower, NULL, 1, STACK);
    st_thread_join(t, NULL);
    _exit(4);                           /* overflow went unnoticed */
}

static void infinite_overflow(size_t unused)
{
    st_thread_t t;

    (void)unused;
    st_init();
    t = st_thread_create(overflower, (void *)(size_t)-1, 1, STACK);
    st_thread_join(t, NULL);
    _exit(4);
}

START_TEST(guard_page_overflow_named)
{
    char err[512];

    if (st_test_on_valgrind()) {
        /* valgrind takes SIGSEGV itself and cannot map 100k stacks. */
        fputs("overflow tests: not run under valgrind\n", stderr);
        return;
    }
    {
    int status = child_run(infinite_overflow, 0, err, sizeof err);

    ck_assert_msg(WIFSIGNALED(status), "status %#x, stderr: %s", status, err);
    ck_assert_int_eq(WTERMSIG(status), SIGSEGV);
    ck_assert_msg(strstr(err, "stack overflow in thread") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "(diver)") != NULL, "%s", err);
    }
}
END_TEST

START_TEST(overflow_detected_beyond_guard_budget)
{
    char err[512];

    if (st_test_on_valgrind())
        return;                         /* see guard_page_overflow_named */
    {
    /* 100,000 live threads: far more than the guard-page budget, so the
     * overflowing thread relies on the check made at each switch. */
    int status = child_run(overflow_with_threads, 100000, err, sizeof err);

    ck_assert_msg(WIFSIGNALED(status), "status %#x, stderr: %s", status, err);
    ck_assert_int_eq(WTERMSIG(status), SIGABRT);
    ck_assert_msg(strstr(err, "stack overflow in thread") != NULL, "%s", err);
    }
}
END_TEST

static void *use_full_stack(void *arg)
{
    char here;

    recursion_top = &here;
    /* Bind st_usleep now: a lazy PLT lookup needs kilobytes of stack. */
    st_usleep(0);
    /* Nearly all of the requested size is usable. */
    return (void *)(long)dive((size_t)arg);
}

START_TEST(requested_size_usable)
{
    st_thread_t t;
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(use_full_stack, (void *)(size_t)(STACK - 1024), 1,
                         STACK);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_int_gt((int)(long)rv, 2);
}
END_TEST

static Suite *stack_suite(void)
{
    Suite *s = suite_create("stack");
    TCase *tc = tcase_create("overflow");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, requested_size_usable);
#if !defined(ST_TEST_ASAN)
    /* ASan owns SIGSEGV and reports overflows itself. */
    tcase_add_test(tc, guard_page_overflow_named);
    tcase_add_test(tc, overflow_detected_beyond_guard_budget);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(stack_suite());
}
