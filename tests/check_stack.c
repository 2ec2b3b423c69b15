/* SPDX-License-Identifier: MIT */
/* check_stack.c - stack overflow is detected, loudly, at any scale. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
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
    return (void *)(intptr_t)dive((size_t)arg);
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
    return (void *)(intptr_t)dive_switching(0);
}

/* One frame with a 16 KiB local array, touched first at its low end (as
 * a function filling a buffer from the start does): each level jumps
 * 16 KiB below the last, over a one-page guard. */
static int big_frames(int depth)
{
    volatile char big[16 * 1024];

    big[0] = (char)depth;
    if (!keep_diving)
        return big[0];
    return big_frames(depth + 1) + big[0];
}

/* Go down in 512-byte frames to about 2 KiB above the bottom of a
 * STACK-byte stack, then jump with big frames: the first one lands some
 * 14 KiB below the bottom. */
static int dive_then_jump(char *near_bottom)
{
    volatile char frame[512];

    frame[0] = 1;
    if ((char *)frame > near_bottom)
        return dive_then_jump(near_bottom) + frame[0];
    return big_frames(0) + frame[0];
}

static void *jumper(void *arg)
{
    char here;

    (void)arg;
    st_thread_setname(st_thread_self(), "jumper");
    return (void *)(intptr_t)dive_then_jump(
        (char *)((uintptr_t)&here - STACK + 2048));
}

/* What the child runs: nthreads sleepers, and one thread that overflows
 * created after `before` of them (the rest after it, so that it has
 * live neighbours on both sides unless before == nthreads). */
struct scene {
    size_t nthreads;
    size_t before;
    void *(*overflow)(void *);
    void *arg;
    int last_lowest;        /* needs nothing of ours mapped below it */
};

static const struct scene *the_scene;

static void scene_body(size_t unused)
{
    const struct scene *sc = the_scene;
    st_thread_t t = NULL, prev = NULL;
    size_t i;

    (void)unused;
    st_init();
    for (i = 0; i <= sc->nthreads; i++) {
        if (i == sc->before) {
            t = st_thread_create(sc->overflow, sc->arg, 1, STACK);
            if (t == NULL)
                _exit(3);
            if (sc->last_lowest && (char *)t > (char *)prev) {
                /* Mappings placed bottom-up (qemu-user does): the stack
                 * below the last one is another thread's. */
                fputs("SKIPPED: stacks are not mapped top-down here\n",
                      stderr);
                _exit(77);
            }
            /* The parent matches the report against this handle. */
            fprintf(stderr, "handle %p\n", (void *)t);
            fflush(stderr);
        }
        if (i < sc->nthreads &&
            (prev = st_thread_create(sleep_forever, NULL, 0,
                                     SLEEPER_STACK)) == NULL)
            _exit(3);
    }
    st_thread_join(t, NULL);
    _exit(4);                           /* overflow went unnoticed */
}

/* Run sc in a child: it must die by sig with a report that names the
 * thread (its name, if given, and its handle). */
static void expect_overflow(const struct scene *sc, int sig, const char *name)
{
    char err[1024], handle[64];
    const char *h, *report;
    int status;

    the_scene = sc;
    status = child_run(scene_body, 0, err, sizeof err);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
        fputs(err, stderr);             /* the reason */
        return;
    }
    ck_assert_msg(WIFSIGNALED(status), "status %#x, stderr: %s", status, err);
    ck_assert_msg(WTERMSIG(status) == sig, "signal %d, want %d; stderr: %s",
                  WTERMSIG(status), sig, err);
    report = strstr(err, "stack overflow in thread");
    ck_assert_msg(report != NULL, "%s", err);
    if (name != NULL)
        ck_assert_msg(strstr(report, name) != NULL, "%s", err);
    h = strstr(err, "handle ");
    ck_assert_msg(h != NULL && sscanf(h, "handle %60s", handle) == 1, "%s",
                  err);
    ck_assert_msg(strstr(report, handle) != NULL,
                  "report does not name %s: %s", handle, err);
}

/* valgrind takes SIGSEGV itself and cannot map 100k stacks; ASan owns
 * SIGSEGV and reports overflows itself. */
static int overflow_tests_skipped(const char *what)
{
#if defined(ST_TEST_ASAN)
    fprintf(stderr, "%s: not run under AddressSanitizer\n", what);
    return 1;
#else
    if (st_test_on_valgrind()) {
        fprintf(stderr, "%s: not run under valgrind\n", what);
        return 1;
    }
    return 0;
#endif
}

/* The usual overflow: deep recursion that never switches, 512 bytes a
 * frame, in a thread with live neighbours on both sides. */
static void nonswitching_overflow(size_t nthreads, const char *what)
{
    struct scene sc = { nthreads, nthreads / 2, overflower,
                        (void *)(size_t)-1, 0 };

    if (overflow_tests_skipped(what))
        return;
    if (nthreads > 1000 && !st_test_guard_regions()) {
        /* Beyond the guard-page budget, with no guard regions, a thread
         * that never switches can run into its neighbour (st(3)). */
        fprintf(stderr, "%s: SKIPPED: no guard regions (Linux 6.13+) here"
                " or LIBST_NO_GUARD_REGIONS set; see "
                "overflow_just_below_unguarded_stack\n", what);
        return;
    }
    expect_overflow(&sc, SIGSEGV, "(diver)");
}

START_TEST(nonswitching_overflow_100_threads)
{
    nonswitching_overflow(100, "nonswitching_overflow_100_threads");
}
END_TEST

START_TEST(nonswitching_overflow_100000_threads)
{
    nonswitching_overflow(100000, "nonswitching_overflow_100000_threads");
}
END_TEST

/* ST_TEST_LONG=1 (make check-long): a million threads, about 4 GiB. */
START_TEST(nonswitching_overflow_1000000_threads)
{
    const char *l = getenv("ST_TEST_LONG");

    if (l == NULL || strcmp(l, "1") != 0 || sizeof(void *) < 8) {
        fputs("nonswitching_overflow_1000000_threads: long mode only "
              "(ST_TEST_LONG=1, 64-bit)\n", stderr);
        return;
    }
    nonswitching_overflow(1000000, "nonswitching_overflow_1000000_threads");
}
END_TEST

/* A 16 KiB frame jumps over a one-page guard; the 64 KiB zone of 64-bit
 * hosts still catches it (st(3)). */
START_TEST(big_frame_jump_caught)
{
    struct scene sc = { 100, 50, jumper, NULL, 0 };

    if (overflow_tests_skipped("big_frame_jump_caught"))
        return;
    if (sizeof(void *) < 8) {
        fputs("big_frame_jump_caught: SKIPPED: 32-bit hosts have a "
              "one-page zone (st(3))\n", stderr);
        return;
    }
    expect_overflow(&sc, SIGSEGV, "(jumper)");
}
END_TEST

/* Switching at every level: with guard regions the guard catches it;
 * without them, beyond the guard-page budget, the check at a switch. */
START_TEST(switching_overflow_100000_threads)
{
    struct scene sc = { 100000, 100000, switching_overflower, NULL, 0 };

    if (overflow_tests_skipped("switching_overflow_100000_threads"))
        return;
    expect_overflow(&sc, st_test_guard_regions() ? SIGSEGV : SIGABRT, NULL);
}
END_TEST

/* Without guard regions and beyond the budget, the thread created last
 * has nothing mapped below its never-written zone: the fault there is
 * reported as its overflow, not as a bare crash. */
START_TEST(overflow_just_below_unguarded_stack)
{
    struct scene sc = { 100000, 100000, overflower, (void *)(size_t)-1, 1 };

    if (overflow_tests_skipped("overflow_just_below_unguarded_stack"))
        return;
    expect_overflow(&sc, SIGSEGV, "(diver)");
}
END_TEST

static void *use_full_stack(void *arg)
{
    char here;

    recursion_top = &here;
    /* Bind st_usleep now: a lazy PLT lookup needs kilobytes of stack. */
    st_usleep(0);
    /* Nearly all of the requested size is usable. */
    return (void *)(intptr_t)dive((size_t)arg);
}

START_TEST(requested_size_usable)
{
    st_thread_t t;
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(use_full_stack, (void *)(size_t)(STACK - 1024), 1,
                         STACK);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_int_gt((int)(intptr_t)rv, 2);
}
END_TEST

/* Where in its page a thread's first frame sits. */
static void *frame_offset(void *arg)
{
    char here;
    long page = sysconf(_SC_PAGESIZE);

    (void)arg;
    return (void *)((uintptr_t)&here % (uintptr_t)page);
}

/* Offsets of the first frames of n threads run one after the other
 * (after the first, each reuses the stack the last one left). */
static void first_frame_offsets(uintptr_t *off, int n, int stack_size)
{
    int i;

    for (i = 0; i < n; i++) {
        void *rv = NULL;
        st_thread_t t = st_thread_create(frame_offset, NULL, 1, stack_size);

        ck_assert_ptr_nonnull(t);
        ck_assert_int_eq(st_thread_join(t, &rv), 0);
        off[i] = (uintptr_t)rv;
    }
}

/* Without st_randomize_stacks, every thread's first frame is at the same
 * offset in its page: new and reused stacks, of every size. */
START_TEST(first_frame_same_offset_without_randomization)
{
    uintptr_t off[20], other[4];
    int i;

    ck_assert_int_eq(st_init(), 0);
    first_frame_offsets(off, 20, 0);
    for (i = 1; i < 20; i++)
        ck_assert_msg(off[i] == off[0], "use %d: offset %lu, first %lu", i,
                      (unsigned long)off[i], (unsigned long)off[0]);
    /* Another size is another (new) mapping: still the same offset. */
    first_frame_offsets(other, 4, STACK);
    for (i = 0; i < 4; i++)
        ck_assert_uint_eq(other[i], off[0]);
}
END_TEST

/* With it on, offsets move in multiples of 16 bytes.  Stacks mapped
 * before it was on keep their place (so do State Threads'), so ask for
 * a size that no earlier test cached (CK_FORK=no runs them in one
 * process). */
START_TEST(first_frame_randomized_by_16)
{
    uintptr_t off[32];
    int i, moved = 0;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_randomize_stacks(1), 0);
    first_frame_offsets(off, 32, 8 * STACK);
    for (i = 1; i < 32; i++) {
        ck_assert_uint_eq((off[i] - off[0]) % 16, 0);
        moved += off[i] != off[0];
    }
    ck_assert_int_gt(moved, 0);
}
END_TEST

/* API.md 3.1: st_randomize_stacks returns the previous setting, 0 or the
 * non-zero value passed before; turning it on leaves the program's
 * random() sequence alone (a private generator, quirk 19).  Windows has
 * rand() only. */
#if defined(_WIN32)
#define APP_SEED(s) srand(s)
#define APP_RANDOM() ((long)rand())
#else
#define APP_SEED(s) srandom(s)
#define APP_RANDOM() random()
#endif
START_TEST(randomize_returns_previous_keeps_random)
{
    uintptr_t off[2];
    long want[4];
    int i;

    ck_assert_int_eq(st_init(), 0);
    APP_SEED(12345);
    for (i = 0; i < 4; i++)
        want[i] = APP_RANDOM();
    APP_SEED(12345);
    ck_assert_int_eq(st_randomize_stacks(7), 0);
    ck_assert_int_eq(st_randomize_stacks(3), 7);
    first_frame_offsets(off, 2, 16 * STACK);  /* new stacks, randomized */
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(APP_RANDOM(), want[i]);
    ck_assert_int_eq(st_randomize_stacks(0), 3);
    ck_assert_int_eq(st_randomize_stacks(0), 0);
}
END_TEST

static Suite *stack_suite(void)
{
    Suite *s = suite_create("stack");
    TCase *tc = tcase_create("overflow");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, requested_size_usable);
    tcase_add_test(tc, first_frame_same_offset_without_randomization);
    tcase_add_test(tc, first_frame_randomized_by_16);
    tcase_add_test(tc, randomize_returns_previous_keeps_random);
    tcase_add_test(tc, nonswitching_overflow_100_threads);
    tcase_add_test(tc, nonswitching_overflow_100000_threads);
    tcase_add_test(tc, nonswitching_overflow_1000000_threads);
    tcase_add_test(tc, big_frame_jump_caught);
    tcase_add_test(tc, switching_overflow_100000_threads);
    tcase_add_test(tc, overflow_just_below_unguarded_stack);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(stack_suite());
}
