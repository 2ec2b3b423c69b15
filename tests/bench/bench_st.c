/* SPDX-License-Identifier: MIT */
/*
 * bench_st.c - micro-benchmarks for a State Threads library.
 *
 * The same source is linked against libst (ours) and against the original
 * State Threads 1.9 (built with -DBENCH_ST19, whose st.h has no
 * st_thread_yield).  Each run prints one line of "key=value" pairs on
 * stdout; tests/bench/run.sh collects them.
 *
 *   bench_st yield N        two threads, N st_thread_yield each
 *   bench_st usleep0 N      two threads, N st_usleep(0) each (yield stand-in)
 *   bench_st cond N         ping-pong over two condition variables, N rounds;
 *                           both threads run the same loop
 *   bench_st condasym N     the same ping-pong written as two different
 *                           functions (pinger and ponger)
 *   bench_st yieldasym N    the primordial thread and one other, N yields
 *                           each, from two different functions (ST 1.9:
 *                           st_usleep(0))
 *   bench_st ring N         100 threads in a ring, each yielding (ST 1.9:
 *                           st_usleep(0)) from its own function at its
 *                           own call depth (1 to 8 frames); N switches in all
 *   bench_st ringcond N     the same ring, each thread handing a token to
 *                           the next over a condition variable
 *   bench_st create N       N x (create joinable + run + join)
 *   bench_st detached N     N detached threads, created in batches of 1000
 *   bench_st memory N       N threads sleeping with the default stack
 *   bench_st timers N SECS  N threads sleeping 1..1000 ms at random
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "st.h"

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double cpu_ns(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
}

static long rss_kib(void)
{
    long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
        res = -1;
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_st: %s: %s\n", what, strerror(errno));
    exit(1);
}

static long iters;

/* The switch and create benchmarks: elapsed time and the process's CPU
 * time, each divided by the number of operations.  On a host shared with
 * other jobs the CPU time leaves out the time the process waited for a
 * core (it still pays for the caches the others wiped). */
static double clock_t0, clock_c0;

static double proc_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void clock_start(void)
{
    clock_c0 = proc_cpu_ns();
    clock_t0 = now_ns();
}

static void clock_stop(const char *name, long n, double ops)
{
    double t1 = now_ns(), c1 = proc_cpu_ns();

    printf("bench=%s n=%ld ns=%.2f cpu_ns=%.2f\n", name, n,
           (t1 - clock_t0) / ops, (c1 - clock_c0) / ops);
}

/* ---- switch: yield / usleep(0) ------------------------------------------ */

/* Inlined: each caller has its own call site. */
static inline __attribute__((always_inline)) void yield_once(void)
{
#ifdef BENCH_ST19
    st_usleep(0);
#else
    st_thread_yield();
#endif
}

static void *yielder(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < iters; i++)
        yield_once();
    return NULL;
}

static void *usleeper(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < iters; i++)
        st_usleep(0);
    return NULL;
}

static void bench_pair(void *(*fn)(void *), const char *name)
{
    st_thread_t a, b;

    a = st_thread_create(fn, NULL, 1, 0);
    b = st_thread_create(fn, NULL, 1, 0);
    if (a == NULL || b == NULL)
        die("st_thread_create");
    clock_start();
    st_thread_join(a, NULL);
    st_thread_join(b, NULL);
    /* Each of the 2N calls is one switch from one thread to the other. */
    clock_stop(name, iters, 2.0 * iters);
}

/* ---- switch: condition-variable ping-pong ------------------------------- */

static st_cond_t cv_ping, cv_pong;
static volatile long turn;  /* 0: ping's turn, 1: pong's */

static void *ponger(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < iters; i++) {
        while (turn != 1)
            st_cond_wait(cv_pong);
        turn = 0;
        st_cond_signal(cv_ping);
    }
    return NULL;
}

static void *pinger(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < iters; i++) {
        turn = 1;
        st_cond_signal(cv_pong);
        while (turn != 0)
            st_cond_wait(cv_ping);
    }
    return NULL;
}

/* Symmetric: side s waits on cv[s] for its turn, then hands the turn to
 * the other side.  Side 1 starts by waiting, side 0 by signalling. */
static st_cond_t cv[2];

static void *player(void *arg)
{
    long side = (long)arg, i;

    for (i = 0; i < iters; i++) {
        while (turn != side)
            st_cond_wait(cv[side]);
        turn = !side;
        st_cond_signal(cv[!side]);
    }
    return NULL;
}

static void bench_cond(int symmetric)
{
    st_thread_t a, b;

    cv_ping = cv[0] = st_cond_new();
    cv_pong = cv[1] = st_cond_new();
    turn = 0;
    if (symmetric) {
        b = st_thread_create(player, (void *)1L, 1, 0);
        a = st_thread_create(player, (void *)0L, 1, 0);
    } else {
        b = st_thread_create(ponger, NULL, 1, 0);
        a = st_thread_create(pinger, NULL, 1, 0);
    }
    if (a == NULL || b == NULL)
        die("st_thread_create");
    clock_start();
    st_thread_join(a, NULL);
    st_thread_join(b, NULL);
    /* One round = ping -> pong -> ping: two one-way switches. */
    clock_stop(symmetric ? "cond" : "condasym", iters, 2.0 * iters);
}

/* ---- switch: asymmetric yield ------------------------------------------- */

/* The primordial thread loops here, the other thread in yielder. */
static __attribute__((noinline)) void bench_yieldasym(void)
{
    st_thread_t b;
    long i;

    b = st_thread_create(yielder, NULL, 1, 0);
    if (b == NULL)
        die("st_thread_create");
    clock_start();
    for (i = 0; i < iters; i++)
        yield_once();
    clock_stop("yieldasym", iters, 2.0 * iters);
    st_thread_join(b, NULL);
}

/* ---- switch: a ring of 100 threads, each in its own function ----------- */

/*
 * Thread i runs ring_main_i, which calls ring_i(depth) with depth 1 + i % 8;
 * ring_i recurses down to depth 1 and waits there, then returns through
 * every frame.  So each thread waits at its own call site and returns
 * through its own return addresses, none of them shared with another
 * thread, as threads of a real server do.
 */
#define RING 100
static st_cond_t ring_cv[RING];
static volatile int ring_token;
static int ring_cond;              /* wait: 0 yield (ST 1.9: usleep(0)), 1 cond */
static long ring_rounds;           /* waits per thread */
static volatile long ring_sink;

/* Inlined into each ring_i, so that every thread's wait call differs. */
static inline __attribute__((always_inline)) void ring_wait(int i)
{
    if (ring_cond) {
        while (ring_token != i)
            st_cond_wait(ring_cv[i]);
        ring_token = (i + 1) % RING;
        st_cond_signal(ring_cv[(i + 1) % RING]);
    } else {
        yield_once();
    }
}

#define RING_FN(i)                                                          \
    static __attribute__((noinline)) void ring_##i(int d)                   \
    {                                                                       \
        if (d > 1)                                                          \
            ring_##i(d - 1);                                                \
        else                                                                \
            ring_wait(i);                                                   \
        ring_sink += d; /* not a tail call: each frame returns */           \
    }                                                                       \
    static void *ring_main_##i(void *arg)                                   \
    {                                                                       \
        long k;                                                             \
        (void)arg;                                                          \
        for (k = 0; k < ring_rounds; k++)                                   \
            ring_##i(1 + (i) % 8);                                          \
        return NULL;                                                        \
    }
#define RING_FN10(t)                                                        \
    RING_FN(t##0) RING_FN(t##1) RING_FN(t##2) RING_FN(t##3) RING_FN(t##4)   \
    RING_FN(t##5) RING_FN(t##6) RING_FN(t##7) RING_FN(t##8) RING_FN(t##9)
RING_FN(0) RING_FN(1) RING_FN(2) RING_FN(3) RING_FN(4)
RING_FN(5) RING_FN(6) RING_FN(7) RING_FN(8) RING_FN(9)
RING_FN10(1) RING_FN10(2) RING_FN10(3) RING_FN10(4)
RING_FN10(5) RING_FN10(6) RING_FN10(7) RING_FN10(8) RING_FN10(9)

#define RING_MAIN(i) ring_main_##i,
#define RING_MAIN10(t)                                                      \
    RING_MAIN(t##0) RING_MAIN(t##1) RING_MAIN(t##2) RING_MAIN(t##3)         \
    RING_MAIN(t##4) RING_MAIN(t##5) RING_MAIN(t##6) RING_MAIN(t##7)         \
    RING_MAIN(t##8) RING_MAIN(t##9)
static void *(*const ring_mains[RING])(void *) = {
    RING_MAIN(0) RING_MAIN(1) RING_MAIN(2) RING_MAIN(3) RING_MAIN(4)
    RING_MAIN(5) RING_MAIN(6) RING_MAIN(7) RING_MAIN(8) RING_MAIN(9)
    RING_MAIN10(1) RING_MAIN10(2) RING_MAIN10(3) RING_MAIN10(4)
    RING_MAIN10(5) RING_MAIN10(6) RING_MAIN10(7) RING_MAIN10(8) RING_MAIN10(9)
};

static void bench_ring(int cond)
{
    st_thread_t t[RING];
    int i;

    ring_cond = cond;
    ring_rounds = iters / RING > 0 ? iters / RING : 1;
    ring_token = 0;
    for (i = 0; i < RING; i++) {
        ring_cv[i] = st_cond_new();
        t[i] = st_thread_create(ring_mains[i], NULL, 1, 0);
        if (ring_cv[i] == NULL || t[i] == NULL)
            die("st_thread_create");
    }
    clock_start();
    for (i = 0; i < RING; i++)
        st_thread_join(t[i], NULL);
    /* One wait = one switch to the next thread of the ring. */
    clock_stop(cond ? "ringcond" : "ring", ring_rounds * RING,
               (double)(ring_rounds * RING));
}

/* ---- create ---------------------------------------------------------------- */

static volatile long ran;

static void *noop(void *arg)
{
    ran++;
    return arg;
}

static void bench_create(void)
{
    long i;

    for (i = 0; i < 1000; i++) {  /* warm the stack cache */
        st_thread_t t = st_thread_create(noop, NULL, 1, 0);
        st_thread_join(t, NULL);
    }
    clock_start();
    for (i = 0; i < iters; i++) {
        st_thread_t t = st_thread_create(noop, NULL, 1, 0);
        if (t == NULL)
            die("st_thread_create");
        st_thread_join(t, NULL);
    }
    clock_stop("create", iters, (double)iters);
}

static void bench_detached(void)
{
    const long batch = 1000;
    double t0, t1;
    long i, j;

    for (j = 0; j < batch; j++)
        st_thread_create(noop, NULL, 0, 0);
    st_usleep(0);
    ran = 0;
    t0 = now_ns();
    for (i = 0; i < iters; i += batch) {
        for (j = 0; j < batch; j++)
            if (st_thread_create(noop, NULL, 0, 0) == NULL)
                die("st_thread_create");
        st_usleep(0);  /* every runnable thread runs before we wake */
    }
    t1 = now_ns();
    if (ran != (iters + batch - 1) / batch * batch) {
        fprintf(stderr, "bench_st: detached: %ld ran\n", ran);
        exit(1);
    }
    printf("bench=detached n=%ld ns=%.2f\n", ran, (t1 - t0) / (double)ran);
}

/* ---- memory ---------------------------------------------------------------- */

static volatile long asleep;

static void *sleeper(void *arg)
{
    (void)arg;
    asleep++;
    st_usleep((st_utime_t)3600 * 1000000);
    return NULL;
}

static void bench_memory(void)
{
    long before, after, i;
    double t0, t1;

    before = rss_kib();
    t0 = now_ns();
    for (i = 0; i < iters; i++)
        if (st_thread_create(sleeper, NULL, 0, 0) == NULL)
            die("st_thread_create");
    st_usleep(0);  /* let each run once and fall asleep */
    t1 = now_ns();
    after = rss_kib();
    if (asleep != iters) {
        fprintf(stderr, "bench_st: memory: %ld of %ld asleep\n", asleep, iters);
        exit(1);
    }
    printf("bench=memory n=%ld kib=%.3f create_ns=%.1f rss_kib=%ld\n", iters,
           (double)(after - before) / (double)iters, (t1 - t0) / (double)iters,
           after);
    fflush(stdout);
    _exit(0);  /* no point in waking a million threads to tear down */
}

/* ---- timers ---------------------------------------------------------------- */

#define HIST_US 1000000  /* lateness histogram: 1 us buckets up to 1 s */
static unsigned *hist;
static long wakes, early, overflow;
static double early_max_us;
static volatile int stopping;

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *timer_thread(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;

    while (!stopping) {
        long ms = 1 + (long)(rng_next(&seed) % 1000);
        double t0 = now_ns(), late;

        st_usleep((st_utime_t)ms * 1000);
        if (stopping)
            break;
        late = (now_ns() - t0) / 1e3 - (double)ms * 1000.0;  /* us */
        wakes++;
        if (late < 0) {
            early++;
            if (-late > early_max_us)
                early_max_us = -late;
        } else if (late >= HIST_US) {
            overflow++;
        } else {
            hist[(long)late]++;
        }
    }
    return NULL;
}

static double pct(double p)
{
    long want = (long)(p * (double)(wakes - early)), seen = 0, i;

    for (i = 0; i < HIST_US; i++) {
        seen += hist[i];
        if (seen > want)
            return (double)i;
    }
    return (double)HIST_US;
}

static void bench_timers(int secs)
{
    double c0, c1, t0, t1, warm = 1.0;
    long i;

    hist = calloc(HIST_US, sizeof *hist);
    if (hist == NULL)
        die("calloc");
    for (i = 0; i < iters; i++)
        if (st_thread_create(timer_thread, (void *)(uintptr_t)(i + 1), 0, 0) == NULL)
            die("st_thread_create");
    /* Skip the first second: every thread starts its first sleep at once. */
    st_usleep((st_utime_t)(warm * 1e6));
    memset(hist, 0, HIST_US * sizeof *hist);
    wakes = early = overflow = 0;
    early_max_us = 0;
    c0 = cpu_ns();
    t0 = now_ns();
    st_usleep((st_utime_t)secs * 1000000);
    t1 = now_ns();
    c1 = cpu_ns();
    stopping = 1;
    printf("bench=timers n=%ld wakes_per_s=%.0f cpu_ns_per_wake=%.0f "
           "p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f early=%ld "
           "early_share=%.6f early_max_us=%.0f over1s=%ld\n",
           iters, (double)wakes / ((t1 - t0) / 1e9),
           wakes ? (c1 - c0) / (double)wakes : 0.0, pct(0.5), pct(0.9),
           pct(0.99), pct(0.999), early,
           wakes ? (double)early / (double)wakes : 0.0, early_max_us, overflow);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *mode;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_st yield|usleep0|cond|condasym|yieldasym|"
                        "ring|ringcond|create|detached|memory|timers N [SECS]\n");
        return 2;
    }
    mode = argv[1];
    iters = atol(argv[2]);
    if (strcmp(mode, "memory") == 0 || strcmp(mode, "timers") == 0) {
        struct rlimit rl;
        /* A million threads: make sure nothing small limits us. */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (st_init() < 0)
        die("st_init");
    if (strcmp(mode, "yield") == 0)
        bench_pair(yielder, "yield");
    else if (strcmp(mode, "usleep0") == 0)
        bench_pair(usleeper, "usleep0");
    else if (strcmp(mode, "cond") == 0)
        bench_cond(1);
    else if (strcmp(mode, "condasym") == 0)
        bench_cond(0);
    else if (strcmp(mode, "yieldasym") == 0)
        bench_yieldasym();
    else if (strcmp(mode, "ring") == 0)
        bench_ring(0);
    else if (strcmp(mode, "ringcond") == 0)
        bench_ring(1);
    else if (strcmp(mode, "create") == 0)
        bench_create();
    else if (strcmp(mode, "detached") == 0)
        bench_detached();
    else if (strcmp(mode, "memory") == 0)
        bench_memory();
    else if (strcmp(mode, "timers") == 0)
        bench_timers(argc > 3 ? atoi(argv[3]) : 3);
    else {
        fprintf(stderr, "bench_st: unknown mode %s\n", mode);
        return 2;
    }
    fflush(stdout);
    _exit(0);
}
