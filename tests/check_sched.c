/* SPDX-License-Identifier: MIT */
/* check_sched.c - scheduling order and switch points (API.md 1.7, 1.9,
 * 5.1 #11, #16). */
#include "testutil.h"

#include <stdio.h>
#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>
#include <signal.h>
#include <sys/syscall.h>
#endif

static int seq[64];
static int nseq;

static void *yielder(void *arg)
{
    int i;

    for (i = 0; i < 3; i++) {
        seq[nseq++] = (int)(intptr_t)arg;
        st_thread_yield();
    }
    return NULL;
}

START_TEST(yield_round_robin)
{
    st_thread_t t[3];
    int i;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 3; i++)
        t[i] = st_thread_create(yielder, (void *)(intptr_t)i, 1, 0);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    ck_assert_int_eq(nseq, 9);
    for (i = 0; i < 9; i++)
        ck_assert_int_eq(seq[i], i % 3);
}
END_TEST

START_TEST(yield_alone_advances_clock)
{
    st_utime_t before, now;

    ck_assert_int_eq(st_init(), 0);
    before = st_utime_last_clock();
    /* Spin until the clock has visibly moved, then yield. */
    do
        now = st_utime();
    while (now == before);
    st_thread_yield();
    ck_assert(st_utime_last_clock() >= now);
}
END_TEST

static void *mark(void *arg)
{
    seq[nseq++] = (int)(intptr_t)arg;
    return NULL;
}

START_TEST(create_does_not_switch)
{
    int i;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 3; i++)
        st_thread_create(mark, (void *)(intptr_t)i, 0, 0);
    /* Creation never switches: nothing ran yet. */
    ck_assert_int_eq(nseq, 0);
    st_usleep(0);
    ck_assert_int_eq(nseq, 3);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(seq[i], i);
}
END_TEST

static void *sleep_then_mark(void *arg)
{
    st_usleep((st_utime_t)(intptr_t)arg * 1000);
    seq[nseq++] = (int)(intptr_t)arg;
    return NULL;
}

/* On the real clock a pause of the process between two sleepers' calls
 * shifts one deadline past the next, and a pause over two deadlines
 * wakes both in one pass, latest first: so the clock moves only when
 * the test moves it, by 1 ms per idle pass.  Every deadline then has
 * a pass of its own, on any machine. */
START_TEST(sleepers_wake_in_deadline_order)
{
    static const long ms[] = { 30, 70, 10, 50, 20, 60, 40 };
    st_thread_t t[7];
    int i, pass;

    st_test_fake_clock_at(1000);
    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 7; i++)
        t[i] = st_thread_create(sleep_then_mark, (void *)(intptr_t)ms[i], 1, 0);
    for (pass = 0; pass < 100 && nseq < 7; pass++) {
        st_usleep(0);                   /* one idle pass */
        st_test_fake += 1000;
    }
    for (i = 0; i < 7; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    for (i = 0; i < 7; i++)
        ck_assert_int_eq(seq[i], (i + 1) * 10);
}
END_TEST

static void *fake_sleeper(void *arg)
{
    st_usleep((st_utime_t)(intptr_t)arg);
    seq[nseq++] = (int)(intptr_t)arg;
    return NULL;
}

START_TEST(same_pass_expiries_latest_first)
{
    st_thread_t t[3];
    int i;

    /* A frozen clock makes all three expire in the same pass. */
    st_test_fake_clock_at(1000);
    ck_assert_int_eq(st_init(), 0);
    t[0] = st_thread_create(fake_sleeper, (void *)10L, 1, 0);
    t[1] = st_thread_create(fake_sleeper, (void *)30L, 1, 0);
    t[2] = st_thread_create(fake_sleeper, (void *)20L, 1, 0);
    st_thread_create(mark, (void *)99L, 0, 0);
    st_thread_yield();                  /* all sleep, mark runs */
    ck_assert_int_eq(nseq, 1);
    st_test_fake += 100;
    /* The expired ones go to the run-queue head, latest deadline first,
     * ahead of anything already queued. */
    st_thread_create(mark, (void *)77L, 0, 0);
    st_thread_yield();
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    ck_assert_int_eq(nseq, 5);
    ck_assert_int_eq(seq[0], 99);
    ck_assert_int_eq(seq[1], 30);
    ck_assert_int_eq(seq[2], 20);
    ck_assert_int_eq(seq[3], 10);
    ck_assert_int_eq(seq[4], 77);
}
END_TEST

static void *fake_sleeper2(void *arg)
{
    st_usleep((st_utime_t)(intptr_t)arg);
    seq[nseq++] = (int)(intptr_t)arg;
    return NULL;
}

START_TEST(earlier_deadline_never_later_pass)
{
    st_thread_t a, b;

    st_test_fake_clock_at(5000);
    ck_assert_int_eq(st_init(), 0);
    a = st_thread_create(fake_sleeper2, (void *)50L, 1, 0);
    b = st_thread_create(fake_sleeper2, (void *)60L, 1, 0);
    st_thread_yield();
    st_test_fake += 55;                 /* only a is due */
    st_thread_yield();
    ck_assert_int_eq(nseq, 1);
    ck_assert_int_eq(seq[0], 50);
    st_test_fake += 10;
    ck_assert_int_eq(st_thread_join(b, NULL), 0);
    ck_assert_int_eq(st_thread_join(a, NULL), 0);
    ck_assert_int_eq(seq[1], 60);
}
END_TEST

static int io_order[8];
static int nio;

static void *read_mark(void *arg)
{
    st_netfd_t fd = arg;
    char c;

    if (st_read(fd, &c, 1, st_test_usec(5000000)) == 1)
        io_order[nio++] = c;
    return NULL;
}

START_TEST(io_wakeups_in_registration_order)
{
    st_netfd_t a[3], b[3];
    st_thread_t t[3];
    int i;

    st_test_init(_i);
    for (i = 0; i < 3; i++)
        st_test_tcp_pair(&a[i], &b[i]);
    /* Register in order 2, 0, 1; make all ready at once. */
    t[0] = st_thread_create(read_mark, a[2], 1, 0);
    t[1] = st_thread_create(read_mark, a[0], 1, 0);
    t[2] = st_thread_create(read_mark, a[1], 1, 0);
    st_usleep(1000);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq((int)write(st_netfd_fileno(b[i]), &"012"[i], 1), 1);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    ck_assert_int_eq(nio, 3);
    ck_assert_int_eq(io_order[0], '2');
    ck_assert_int_eq(io_order[1], '0');
    ck_assert_int_eq(io_order[2], '1');
}
END_TEST

/* API.md 1.9: threads whose timer expired go to "the head of the run
 * queue ... so threads expiring in the same pass run ... before
 * everything else" (the SRS order, which 1.9 recommends and this library
 * follows; ST-1.9 appends them after the I/O-woken threads).  Two
 * readers wait on pipes (registered first), two sleepers on timers; with
 * the clock frozen, the pipes are made readable and the clock moved past
 * both deadlines, so one idle pass finds both kinds: the sleepers run
 * first, then the readers in registration order. */
static char wake_seq[9];
static int nwake_seq;

static void *pipe_reader_mark(void *arg)
{
    char c;

    if (st_read(arg, &c, 1, ST_UTIME_NO_TIMEOUT) == 1 && nwake_seq < 8)
        wake_seq[nwake_seq++] = c;
    return NULL;
}

static void *fake_sleep_mark(void *arg)
{
    if (st_usleep((st_utime_t)(intptr_t)arg) == 0 && nwake_seq < 8)
        wake_seq[nwake_seq++] = (char)('0' + (intptr_t)arg / 10);
    return NULL;
}

START_TEST(timer_wakeups_before_io_wakeups)
{
    int p[2][2], i;
    st_netfd_t r[2];
    st_thread_t t[4];

    st_test_fake_clock_at(1000);
    st_test_init(_i);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(pipe(p[i]), 0);
        ck_assert_ptr_nonnull(r[i] = st_netfd_open(p[i][0]));
    }
    t[0] = st_thread_create(pipe_reader_mark, r[0], 1, 0);
    t[1] = st_thread_create(pipe_reader_mark, r[1], 1, 0);
    t[2] = st_thread_create(fake_sleep_mark, (void *)10L, 1, 0);
    t[3] = st_thread_create(fake_sleep_mark, (void *)20L, 1, 0);
    st_usleep(0);                       /* all wait; one pass, none due */
    ck_assert_int_eq(nwake_seq, 0);
    ck_assert_int_eq((int)write(p[0][1], "a", 1), 1);
    ck_assert_int_eq((int)write(p[1][1], "b", 1), 1);
    st_test_fake += 100;                /* both sleepers due */
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
    wake_seq[nwake_seq] = '\0';
    ck_assert_int_eq(nwake_seq, 4);
    ck_assert_msg(strchr("12", wake_seq[0]) && strchr("12", wake_seq[1]) &&
                  strcmp(wake_seq + 2, "ab") == 0,
                  "wake-up order %s: want the sleepers (1, 2) first, then "
                  "the readers (a, b)", wake_seq);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(st_netfd_close(r[i]), 0);
        close(p[i][1]);
    }
}
END_TEST

static int counter;

static void *no_switch_work(void *arg)
{
    st_cond_t c = st_cond_new();
    st_mutex_t m = st_mutex_new();
    int k;

    (void)arg;
    /* None of these may switch: counter must not change under us. */
    counter = 1;
    st_cond_signal(c);
    st_cond_broadcast(c);
    st_mutex_lock(m);
    st_mutex_unlock(m);
    st_mutex_trylock(m);
    st_mutex_unlock(m);
    st_key_create(&k, NULL);
    st_thread_setspecific(k, &k);
    st_thread_interrupt(st_thread_self());
    st_thread_create(mark, NULL, 0, 0);
    st_cond_destroy(c);
    st_mutex_destroy(m);
    return (void *)(intptr_t)counter;
}

static void *bump(void *arg)
{
    (void)arg;
    for (;;) {
        counter++;
        if (st_usleep(100) < 0)
            break;
    }
    return NULL;
}

START_TEST(non_switching_calls)
{
    st_thread_t w, b;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    b = st_thread_create(bump, NULL, 1, 0);
    w = st_thread_create(no_switch_work, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(w, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)1L);
    st_thread_interrupt(b);
    ck_assert_int_eq(st_thread_join(b, NULL), 0);
}
END_TEST

static void *bounce(void *arg)
{
    return arg;
}

START_TEST(many_threads_and_stack_reuse)
{
    int round, i;
    st_thread_t t[200];

    ck_assert_int_eq(st_init(), 0);
    for (round = 0; round < 5; round++) {
        for (i = 0; i < 200; i++)
            ck_assert_ptr_nonnull(t[i] = st_thread_create(
                bounce, (void *)(intptr_t)i, 1, i % 3 ? 0 : 65536));
        for (i = 0; i < 200; i++) {
            void *rv;
            ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
            ck_assert_ptr_eq(rv, (void *)(intptr_t)i);
        }
    }
}
END_TEST

static long rss_kib(void)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            v = atol(line + 6);
    fclose(f);
    return v;
}

static void *sleep_long(void *arg)
{
    (void)arg;
    st_usleep(ST_UTIME_NO_TIMEOUT);
    return NULL;
}

/* Create n sleeping threads with the default stack; the memory they
 * cost, in KiB per thread, or -1 if it cannot be measured here. */
static double kib_per_sleeper(const char *test, int n)
{
    long before, after;
    int i;

#if defined(ST_TEST_ASAN)
    return -1;                          /* shadow memory skews RSS */
#endif
    if (st_test_on_valgrind()) {
        fprintf(stderr, "%s: not measured under valgrind\n", test);
        return -1;
    }
    ck_assert_int_eq(st_init(), 0);
    before = rss_kib();
    if (before < 0)
        return -1;                      /* no /proc: nothing to measure */
    for (i = 0; i < n; i++)
        ck_assert_ptr_nonnull(st_thread_create(sleep_long, NULL, 0, 0));
    st_usleep(0);                       /* every thread ran and sleeps */
    after = rss_kib();
    return (double)(after - before) / n;
}

/* Whether reading never-written anonymous memory costs memory: 1 on a
 * kernel that maps a fresh page for a read fault (some configurations
 * have no shared zero page), 0 where reads share the zero page, -1 if
 * RSS cannot be read. */
static int fresh_reads_cost_memory(void)
{
#if defined(__linux__)
    const size_t pages = 256, page = (size_t)sysconf(_SC_PAGESIZE);
    volatile const char *m;
    long before, after;
    size_t i;
    int sum = 0;

    m = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne((void *)m, MAP_FAILED);
    before = rss_kib();
    for (i = 0; i < pages; i++)
        sum += m[i * page];
    after = rss_kib();
    munmap((void *)m, pages * page);
    ck_assert_int_eq(sum, 0);
    if (before < 0 || after < 0)
        return -1;
    return after - before > (long)(pages * page / 1024 / 2);
#else
    return -1;                          /* RSS is read from /proc */
#endif
}

/* Stacks that get no guard of their own: all of them once guard regions
 * are unavailable and the guard-page budget (a quarter of
 * vm.max_map_count) is spent. */
static long unguarded_stacks(long n)
{
    long max_maps = 65530;
    FILE *f;

    if (st_test_guard_regions())
        return 0;
    f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld", &max_maps) != 1)
            max_maps = 65530;
        fclose(f);
    }
    return n > max_maps / 4 ? n - max_maps / 4 : 0;
}

/* 100,000 sleeping threads with the default stack cost about one page
 * each: the thread block shares the stack's only touched page.  A stack
 * without a guard is checked at each switch by reading the untouched
 * word below it; where the kernel has no shared zero page that read
 * costs one more page, and the bound says so rather than hiding it. */
START_TEST(memory_per_sleeping_thread)
{
    /* 32-bit address spaces cannot hold 100,000 default stacks. */
    const long n = sizeof(void *) == 4 ? 10000 : 100000;
    double bound = 4.3, per;
    long bare = unguarded_stacks(n);

    if (bare > 0 && fresh_reads_cost_memory() == 1) {
        bound += 4.1 * (double)bare / (double)n;
        fprintf(stderr, "memory_per_sleeping_thread: %ld of %ld stacks "
                "unguarded on a kernel without a shared zero page: "
                "bound %.2f KiB\n", bare, n, bound);
    }
    per = kib_per_sleeper("memory_per_sleeping_thread", (int)n);
    if (per >= 0)
        ck_assert_msg(per <= bound, "%.2f KiB per sleeping thread "
                      "(bound %.2f)", per, bound);
}
END_TEST

#if defined(__x86_64__) && defined(__linux__)
static char *frame_top;
static long frame_size;

static void frame_probe(int sig)
{
    char here[sig > 0 ? 1 : 2];         /* a VLA: at the stack pointer */

    frame_size = (long)(frame_top - here);
}

/* How far below the top of an alternate stack a signal handler runs:
 * the size of the kernel's signal frame, give or take a few bytes. */
static long signal_frame_size(void)
{
    static char alt[64 * 1024] __attribute__((aligned(64)));
    struct sigaction sa, osa;
    stack_t ss, oss;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = frame_probe;
    sa.sa_flags = SA_ONSTACK;
    ss.ss_sp = alt;
    ss.ss_size = sizeof alt;
    ss.ss_flags = 0;
    frame_top = alt + sizeof alt;
    ck_assert_int_eq(sigaltstack(&ss, &oss), 0);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, &osa), 0);
    raise(SIGUSR1);
    sigaction(SIGUSR1, &osa, NULL);
    sigaltstack(&oss, NULL);
    return frame_size;
}

/* Put this OS thread's AMX tiles in use, after which the kernel saves
 * their 8 KiB in every signal frame.  0 if the CPU or kernel has none. */
static int use_amx(void)
{
    static unsigned char cfg[64] __attribute__((aligned(64)));
    unsigned a, b, c, d;

    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 24)))
        return 0;
    /* ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA. */
    if (syscall(SYS_arch_prctl, 0x1023, 18) != 0)
        return 0;
    memset(cfg, 0, sizeof cfg);
    cfg[0] = 1;                         /* palette 1 */
    cfg[16] = 64;                       /* tile 0: 64 bytes a row, */
    cfg[48] = 16;                       /* 16 rows */
    /* ldtilecfg (%rax); tilezero %tmm0 (encoded for old assemblers). */
    __asm__ volatile(".byte 0xc4, 0xe2, 0x78, 0x49, 0x00\n\t"
                     ".byte 0xc4, 0xe2, 0x7b, 0x49, 0xc0"
                     : : "a"(cfg) : "memory");
    return 1;
}
#endif

/* Still one page when the signal frame is three pages (AMX in use): the
 * setjmp method's bootstrap signal must not leave it on the stack. */
START_TEST(memory_per_sleeper_with_big_signal_frame)
{
#if defined(__x86_64__) && defined(__linux__)
    long frame;
    double per;

    if (st_test_on_valgrind() || !use_amx()) {
        fputs("memory_per_sleeper_with_big_signal_frame: no AMX here; "
              "skipped as passed\n", stderr);
        return;
    }
    frame = signal_frame_size();
    ck_assert_msg(frame > 8192, "signal frame of %ld bytes with AMX", frame);
    per = kib_per_sleeper("memory_per_sleeper_with_big_signal_frame", 20000);
    if (per >= 0)
        ck_assert_msg(per <= 4.3, "%.2f KiB per sleeping thread with a "
                      "%ld-byte signal frame", per, frame);
#endif
}
END_TEST

static Suite *sched_suite(void)
{
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("order");

    tcase_add_test(tc, yield_round_robin);
    tcase_add_test(tc, yield_alone_advances_clock);
    tcase_add_test(tc, create_does_not_switch);
    tcase_add_test(tc, sleepers_wake_in_deadline_order);
    tcase_add_test(tc, same_pass_expiries_latest_first);
    tcase_add_test(tc, earlier_deadline_never_later_pass);
    tcase_add_loop_test(tc, io_wakeups_in_registration_order, 0,
                        st_test_nbackends);
    tcase_add_loop_test(tc, timer_wakeups_before_io_wakeups, 0,
                        st_test_nbackends);
    tcase_add_test(tc, non_switching_calls);
    tcase_add_test(tc, many_threads_and_stack_reuse);
    suite_add_tcase(s, tc);

    /* Creating 100,000 threads takes seconds with the setjmp method. */
    tc = tcase_create("memory");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, memory_per_sleeping_thread);
    tcase_add_test(tc, memory_per_sleeper_with_big_signal_frame);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(sched_suite());
}
