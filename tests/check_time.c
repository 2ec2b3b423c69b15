/* SPDX-License-Identifier: MIT */
/* check_time.c - sleeping, timeouts, the clock and the time cache
 * (API.md 5.1 #15-#17, 5.2 #1-#3). */
#include "testutil.h"

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static st_utime_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (st_utime_t)ts.tv_sec * 1000000 + (st_utime_t)ts.tv_nsec / 1000;
}

static int ran;

static void *set_ran(void *arg)
{
    (void)arg;
    ran++;
    return NULL;
}

static void burn(st_utime_t us)
{
    st_utime_t m0 = mono_us();
    while (mono_us() - m0 < us)
        ;
}

START_TEST(timeout_counts_from_the_call)
{
    st_utime_t m0;

    st_test_init(_i);
    st_usleep(0);
    /* Compute for a while without switching: the sleep still lasts the
     * full time from the call. */
    burn(20000);
    m0 = mono_us();
    ck_assert_int_eq(st_usleep(10000), 0);
    ck_assert(mono_us() - m0 >= 10000);
}
END_TEST

START_TEST(usleep_zero_lets_others_run)
{
    ck_assert_int_eq(st_init(), 0);
    st_thread_create(set_ran, NULL, 0, 0);
    ck_assert_int_eq(st_usleep(0), 0);
    ck_assert_int_eq(ran, 1);
    st_thread_create(set_ran, NULL, 0, 0);
    ck_assert_int_eq(st_usleep(ST_UTIME_NO_WAIT), 0);
    ck_assert_int_eq(ran, 2);
    st_thread_create(set_ran, NULL, 0, 0);
    ck_assert_int_eq(st_sleep(0), 0);
    ck_assert_int_eq(ran, 3);
}
END_TEST

START_TEST(usleep_lasts_at_least)
{
    static const st_utime_t d[] = { 500, 1500, 10000, 30000 };
    size_t i;

    st_test_init(_i);
    for (i = 0; i < sizeof d / sizeof d[0]; i++) {
        st_utime_t s0 = st_utime(), m0 = mono_us(), s1, m1;
        ck_assert_int_eq(st_usleep(d[i]), 0);
        s1 = st_utime();
        m1 = mono_us();
        ck_assert_msg(s1 - s0 >= d[i], "st clock: %llu < %llu",
                      s1 - s0, d[i]);
        ck_assert_msg(m1 - m0 >= d[i], "monotonic: %llu < %llu",
                      m1 - m0, d[i]);
        ck_assert(st_utime_last_clock() >= s0 + d[i]);
        ck_assert(st_utime_last_clock() <= st_utime());
    }
}
END_TEST

START_TEST(sub_ms_sleep_does_not_round_to_zero_or_spin)
{
    st_utime_t m0, m1;
    int i;

    st_test_init(_i);
    m0 = mono_us();
    for (i = 0; i < 20; i++)
        ck_assert_int_eq(st_usleep(500), 0);
    m1 = mono_us();
    /* 20 x 500 us: never shorter than asked. */
    ck_assert(m1 - m0 >= 10000);
}
END_TEST

static int park_r, park_e;

static void *park_sleep(void *arg)
{
    park_r = arg ? st_sleep(-1) : st_usleep(ST_UTIME_NO_TIMEOUT);
    park_e = errno;
    return NULL;
}

START_TEST(park_until_interrupted)
{
    int k;

    ck_assert_int_eq(st_init(), 0);
    for (k = 0; k < 2; k++) {
        st_thread_t t = st_thread_create(park_sleep, k ? (void *)1 : NULL,
                                         1, 0);
        park_r = 99;
        st_usleep(5000);
        ck_assert_int_eq(park_r, 99);
        st_thread_interrupt(t);
        ck_assert_int_eq(st_thread_join(t, NULL), 0);
        ck_assert_int_eq(park_r, -1);
        ck_assert_int_eq(park_e, EINTR);
    }
}
END_TEST

static void *interrupt_soon(void *arg)
{
    st_usleep(2000);
    st_thread_interrupt(arg);
    return NULL;
}

START_TEST(huge_sleep_is_not_due_at_once)
{
    st_thread_t t;
    st_utime_t m0;

    ck_assert_int_eq(st_init(), 0);
    /* A deadline that would wrap must not become "already due". */
    t = st_thread_create(interrupt_soon, st_thread_self(), 1, 0);
    m0 = mono_us();
    ck_assert_int_eq(st_usleep(ST_UTIME_NO_TIMEOUT - 1), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert(mono_us() - m0 >= 2000);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
}
END_TEST

static st_cond_t hc;

static void *signal_soon(void *arg)
{
    (void)arg;
    st_usleep(2000);
    st_cond_signal(hc);
    return NULL;
}

START_TEST(huge_timeout_waits_for_signal)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    hc = st_cond_new();
    t = st_thread_create(signal_soon, NULL, 1, 0);
    ck_assert_int_eq(st_cond_timedwait(hc, ST_UTIME_NO_TIMEOUT - 5), 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    t = st_thread_create(signal_soon, NULL, 1, 0);
    ck_assert_int_eq(st_cond_timedwait(hc, (st_utime_t)1 << 62), 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
}
END_TEST

static st_netfd_t early_fds[2];
static int early_r[2], early_e[2];

static void *timed_reader(void *arg)
{
    int k = (int)(intptr_t)arg;
    char c;

    early_r[k] = (int)st_read(early_fds[k], &c, 1, 40000);
    early_e[k] = errno;
    return NULL;
}

/* The byte for t1 is written before any idle pass after the two reads
 * began: it is ready in the first pass, before any pause of the process
 * can have made t1's timeout due (readiness found in a pass wins). */
START_TEST(early_io_wake_keeps_other_timeouts)
{
    st_netfd_t b1, b2;
    st_thread_t t1, t2;
    st_utime_t m0;

    st_test_init(_i);
    st_test_tcp_pair(&early_fds[0], &b1);
    st_test_tcp_pair(&early_fds[1], &b2);
    m0 = mono_us();
    t1 = st_thread_create(timed_reader, (void *)0L, 1, 0);
    t2 = st_thread_create(timed_reader, (void *)1L, 1, 0);
    st_thread_yield();                  /* both wait; no I/O pass yet */
    ck_assert_int_eq((int)write(st_netfd_fileno(b1), "x", 1), 1);
    ck_assert_int_eq(st_thread_join(t1, NULL), 0);
    ck_assert_int_eq(early_r[0], 1);
    ck_assert_int_eq(st_thread_join(t2, NULL), 0);
    ck_assert_int_eq(early_r[1], -1);
    ck_assert_int_eq(early_e[1], ETIME);
    ck_assert(mono_us() - m0 >= 40000);
}
END_TEST

START_TEST(timecache)
{
    time_t t0;

    ck_assert_int_eq(st_timecache_set(1), 0);
    ck_assert_int_eq(st_timecache_set(1), 1);
    ck_assert_int_eq(st_timecache_set(0), 1);
    ck_assert_int_eq(st_timecache_set(0), 0);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_timecache_set(1), 0);
    t0 = st_time();
    ck_assert(t0 > 0);
    st_usleep(5000);
    ck_assert(st_time() == t0);         /* held across a short sleep */
    /* Refreshed once more than a second has passed: 42 sleeps of 50 ms
     * take 2.1 s at least (counted in sleeps, not read on the clock, so
     * that a pause after the last sleep cannot end the loop early). */
    {
        int i;
        for (i = 0; i < 42 && st_time() == t0; i++)
            st_usleep(50000);
    }
    ck_assert(st_time() > t0);
    ck_assert_int_eq(st_timecache_set(0), 1);
    ck_assert(llabs((long long)(st_time() - time(NULL))) <= 1);
}
END_TEST

START_TEST(clock_is_monotonic_us)
{
    st_utime_t m0 = mono_us(), a = st_utime(), m1 = mono_us();

    /* The built-in clock is CLOCK_MONOTONIC in microseconds: read
     * between two readings of it, whatever the delay between them. */
    ck_assert(m0 <= a + 1000 && a <= m1 + 1000);
}
END_TEST

static int count_fds(void)
{
    return st_test_dir_entries("/proc/self/fd", NULL);
}

/* Timed waits may use a descriptor of the library's (a timerfd, so that
 * they end on time); st_destroy gives it back. */
START_TEST(timed_waits_release_descriptors)
{
    int before = count_fds();
    st_cond_t c;

    if (before < 0)
        return;                         /* no /proc: nothing to count */
    st_test_init(_i);
    ck_assert_int_eq(st_usleep(1000), 0);
    c = st_cond_new();
    ck_assert_int_eq(st_cond_timedwait(c, 2000), -1);
    ck_assert_int_eq(errno, ETIME);
    st_cond_destroy(c);
    st_destroy();
    ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* After fork parent and child time their waits independently: a timer
 * the child arms must not move the parent's wake-up (they would share a
 * timerfd).  The child arms a long sleep while the parent's short one
 * is pending. */
START_TEST(timed_sleeps_after_fork)
{
    st_utime_t m0, late;
    int status;
    pid_t pid;

    st_test_init(_i);
    ck_assert_int_eq(st_usleep(1000), 0);      /* the parent's timer */
    pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        st_utime_t c0 = mono_us();
        int ok = st_usleep(5000) == 0 && st_usleep(1000000) == 0 &&
                 mono_us() - c0 >= 1005000;
        _exit(ok ? 0 : 1);
    }
    m0 = mono_us();
    ck_assert_int_eq(st_usleep(40000), 0);
    /* On the child's timer the parent would wake about 965 ms late;
     * 600 ms leaves room for a pause of the process. */
    late = mono_us() - m0 - 40000;
    ck_assert_msg(late < 600000, "parent woke %llu us late", late);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* ---- exact deadlines on a clock that moves only when told ------------- */

static st_utime_t fclock;

static st_utime_t fclock_read(void)
{
    return fclock;
}

enum { W_SLEEP, W_READ, W_COND };

struct fwait {
    int kind;                           /* W_* */
    st_netfd_t fd;                      /* W_READ: nothing ever arrives */
    st_cond_t c;                        /* W_COND: never signalled */
    st_utime_t d;                       /* the timeout */
    int r, e, done;                     /* result, errno, returned */
    st_utime_t woke;                    /* clock reading at return */
};

static void *fake_waiter(void *arg)
{
    struct fwait *w = arg;
    char ch;

    switch (w->kind) {
    case W_SLEEP:
        w->r = st_usleep(w->d);
        break;
    case W_READ:
        w->r = (int)st_read(w->fd, &ch, 1, w->d);
        break;
    default:
        w->r = st_cond_timedwait(w->c, w->d);
        break;
    }
    w->e = errno;
    w->woke = fclock;
    w->done = 1;
    return NULL;
}

/* t's timer deadline as st_thread_stats reports it, or NO_TIMEOUT. */
static st_utime_t timer_of(st_thread_t t)
{
    st_thread_info_t info[8];
    int i, n = st_thread_stats(info, 8);

    for (i = 0; i < n && i < 8; i++)
        if (info[i].thread == t)
            return info[i].wakeup;
    return ST_UTIME_NO_TIMEOUT;
}

/* A wait of d started at reading t0 is still waiting after a scheduler
 * pass at t0 + d - 1 and ends in the pass at t0 + d, exactly. */
static void exact_deadline(int backend, int kind, st_utime_t d)
{
    const st_utime_t t0 = 7000000;
    struct fwait w;
    st_netfd_t a = NULL, b = NULL;
    st_thread_t t;

    memset(&w, 0, sizeof w);
    w.kind = kind;
    w.d = d;
    fclock = t0;
    ck_assert_int_eq(st_set_utime_function(fclock_read), 0);
    st_test_init(backend);
    if (kind == W_READ) {
        st_test_tcp_pair(&a, &b);
        w.fd = a;
    }
    if (kind == W_COND)
        w.c = st_cond_new();
    t = st_thread_create(fake_waiter, &w, 1, 0);
    /* Each st_usleep(0) is one pass of the idle thread (an event check
     * that does not block, then a clock reading). */
    ck_assert_int_eq(st_usleep(0), 0);          /* it waits from t0 */
    ck_assert_int_eq(w.done, 0);
    ck_assert_msg(timer_of(t) == t0 + d, "deadline %llu, not t0 + %llu",
                  timer_of(t) - t0, d);
    fclock = t0 + d - 1;
    ck_assert_int_eq(st_usleep(0), 0);
    ck_assert_msg(!w.done, "woke 1 us before the deadline");
    fclock = t0 + d;
    ck_assert_int_eq(st_usleep(0), 0);
    /* Woken in this pass (io_uring's read still collects the
     * cancellation of its kernel operation before it returns). */
    ck_assert_msg(w.done || timer_of(t) == ST_UTIME_NO_TIMEOUT,
                  "still waiting at the deadline");
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert(w.woke == t0 + d);
    if (kind == W_SLEEP) {
        ck_assert_int_eq(w.r, 0);
    } else {
        ck_assert_int_eq(w.r, -1);
        ck_assert_int_eq(w.e, ETIME);
    }
    if (a != NULL) {
        st_netfd_close(a);
        st_netfd_close(b);
    }
    if (w.c != NULL)
        st_cond_destroy(w.c);
}

START_TEST(usleep_deadline_is_exact)
{
    exact_deadline(_i, W_SLEEP, 3600 * 1000000ULL);     /* an hour */
}
END_TEST

START_TEST(read_timeout_is_exact)
{
    exact_deadline(_i, W_READ, 30 * 1000000ULL);
}
END_TEST

START_TEST(cond_timedwait_is_exact)
{
    exact_deadline(_i, W_COND, 250000);
}
END_TEST

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* On the real clock no wait ends early, even by a fraction of a
 * microsecond (the library reads the clock in nanoseconds). */
START_TEST(short_sleeps_never_early_to_the_ns)
{
    int i;

    st_test_init(_i);
    for (i = 0; i < 500; i++) {
        st_utime_t d = (st_utime_t)(1 + i % 20);
        uint64_t n0 = mono_ns(), n1;
        ck_assert_int_eq(st_usleep(d), 0);
        n1 = mono_ns();
        ck_assert_msg(n1 - n0 >= d * 1000, "st_usleep(%llu) took %llu ns",
                      d, (unsigned long long)(n1 - n0));
    }
}
END_TEST

static Suite *time_suite(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, usleep_zero_lets_others_run);
    tcase_add_loop_test(tc, usleep_lasts_at_least, 0, st_test_nbackends);
    tcase_add_loop_test(tc, sub_ms_sleep_does_not_round_to_zero_or_spin, 0,
                        st_test_nbackends);
    tcase_add_test(tc, park_until_interrupted);
    tcase_add_loop_test(tc, timeout_counts_from_the_call, 0,
                        st_test_nbackends);
    tcase_add_test(tc, huge_sleep_is_not_due_at_once);
    tcase_add_test(tc, huge_timeout_waits_for_signal);
    tcase_add_loop_test(tc, early_io_wake_keeps_other_timeouts, 0,
                        st_test_nbackends);
    tcase_add_test(tc, timecache);
    tcase_add_test(tc, clock_is_monotonic_us);
    tcase_add_loop_test(tc, timed_waits_release_descriptors, 0,
                        st_test_nbackends);
    tcase_add_loop_test(tc, timed_sleeps_after_fork, 0, st_test_nbackends);
    tcase_add_loop_test(tc, usleep_deadline_is_exact, 0, st_test_nbackends);
    tcase_add_loop_test(tc, read_timeout_is_exact, 0, st_test_nbackends);
    tcase_add_loop_test(tc, cond_timedwait_is_exact, 0, st_test_nbackends);
    tcase_add_loop_test(tc, short_sleeps_never_early_to_the_ns, 0,
                        st_test_nbackends);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(time_suite());
}
