/* SPDX-License-Identifier: MIT */
/* cross-smoke.c - a self-contained test of libst, without Check.
 *
 * For targets where the Check library cannot be installed (cross builds
 * run under qemu-user): tests/cross-check.sh compiles it with the cross
 * compiler against the static lib/.libs/libst.a and runs it once per event
 * system.  It covers the context switch (ping-pong yield, callee-saved
 * registers, stack alignment, deep stacks, per-thread FP rounding mode),
 * threads (create, join, return values), sync (cond signal, timed wait ETIME, mutex hand-off), timers
 * (st_usleep ordering) and TCP I/O over 127.0.0.1 (st_accept, st_connect,
 * st_read, st_write of a checksummed buffer).
 *
 * Usage: cross-smoke [select|poll|alt]    (default: the library's default)
 * The last line reads "N passed, M failed"; the exit status is 0 only when
 * nothing failed.  ST_TEST_TIME_MULT scales time bounds for slow machines.
 */
#include "config.h"

#include <errno.h>
#include <fenv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "st.h"

static int npassed, nfailed;
static const char *current;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "  %s: %s:%d: check failed: %s\n", current,    \
                    __FILE__, __LINE__, #cond);                            \
            return 1;                                                      \
        }                                                                  \
    } while (0)

static long time_mult(void)
{
    const char *m = getenv("ST_TEST_TIME_MULT");
    long k = m ? atol(m) : 1;
    return k > 0 ? k : 1;
}

/* ---- context switching ------------------------------------------------ */

static int order[32];
static int norder;

static void *pingpong(void *arg)
{
    int id = (int)(long)arg, i;

    for (i = 0; i < 5; i++) {
        order[norder++] = id;
        st_thread_yield();
    }
    return (void *)(long)(id + 100);
}

static int test_pingpong(void)
{
    st_thread_t t[2];
    void *rv;
    int i;

    norder = 0;
    for (i = 0; i < 2; i++) {
        t[i] = st_thread_create(pingpong, (void *)(long)i, 1, 0);
        CHECK(t[i] != NULL);
    }
    for (i = 0; i < 2; i++) {
        CHECK(st_thread_join(t[i], &rv) == 0);
        CHECK((int)(long)rv == i + 100);
    }
    CHECK(norder == 10);
    for (i = 0; i < 10; i++)
        CHECK(order[i] == i % 2);
    return 0;
}

/* Many live integer and floating-point values across yields: only
 * callee-saved registers (or spills) can hold them across the call. */
#include "regwork.h"

static void *regs_thread(void *arg)
{
    return (void *)regs_work((unsigned long)arg);
}

static int test_registers(void)
{
    unsigned long expect[3];
    st_thread_t t[3];
    void *rv;
    int i;

    regs_yield = 0;
    for (i = 0; i < 3; i++)
        expect[i] = regs_work((unsigned long)(i + 1) * 1000003UL);
    regs_yield = 1;
    for (i = 0; i < 3; i++) {
        t[i] = st_thread_create(regs_thread,
                                (void *)((unsigned long)(i + 1) * 1000003UL),
                                1, 0);
        CHECK(t[i] != NULL);
    }
    for (i = 0; i < 3; i++) {
        CHECK(st_thread_join(t[i], &rv) == 0);
        CHECK((unsigned long)rv == expect[i]);
    }
    return 0;
}

static void *align_thread(void *arg)
{
    char pad[3];
    double v16[2] __attribute__((aligned(16)));
    long double ld = 1.5L;
    uintptr_t bad = 0;

    pad[0] = (char)(long)arg;
    (void)pad;
    v16[0] = 2.0;
    v16[1] = 3.0;
    ld = ld * (long double)v16[1] + (long double)v16[0];
    bad |= (uintptr_t)v16 & 15;
    if (ld != 6.5L)
        bad |= 1;
    return (void *)bad;
}

static int test_alignment(void)
{
    st_thread_t t = st_thread_create(align_thread, NULL, 1, 0);
    void *rv = (void *)1;

    CHECK(t != NULL);
    CHECK(st_thread_join(t, &rv) == 0);
    CHECK(rv == NULL);
    return 0;
}

static __attribute__((noinline)) long recurse(int depth)
{
    volatile char buf[4096];

    buf[0] = (char)depth;
    buf[sizeof buf - 1] = (char)(depth >> 8);
    if (depth == 0)
        return buf[0];
    return recurse(depth - 1) + buf[0] + buf[sizeof buf - 1];
}

static void *deep_thread(void *arg)
{
    return (void *)recurse((int)(long)arg);
}

static int test_deep_stack(void)
{
    /* ~900 KiB of frames on a 1 MiB stack */
    st_thread_t t = st_thread_create(deep_thread, (void *)220L, 1,
                                     1024 * 1024);
    void *rv;

    CHECK(t != NULL);
    CHECK(st_thread_join(t, &rv) == 0);
    CHECK((long)rv == recurse(220));
    return 0;
}

/* The assembly ports keep the FP control register per context: a rounding
 * mode set in one thread stays there and does not leak into another.
 * Skipped where the (emulated) machine does not keep rounding modes. */
static int fp_seen[3];

static void *fp_up(void *arg)
{
    (void)arg;
#if defined(FE_UPWARD)
    fesetround(FE_UPWARD);
    st_thread_yield();
    fp_seen[0] = fegetround() == FE_UPWARD;
    fesetround(FE_TONEAREST);
#endif
    return NULL;
}

static void *fp_down(void *arg)
{
    (void)arg;
#if defined(FE_DOWNWARD)
    fp_seen[1] = fegetround() == FE_TONEAREST;
    fesetround(FE_DOWNWARD);
    st_thread_yield();
    fp_seen[2] = fegetround() == FE_DOWNWARD;
    fesetround(FE_TONEAREST);
#endif
    return NULL;
}

static int test_fp_modes(void)
{
#if defined(ST_MD_ASM) && defined(FE_UPWARD) && defined(FE_DOWNWARD)
    st_thread_t a, b;
    int works = fesetround(FE_UPWARD) == 0 && fegetround() == FE_UPWARD;

    fesetround(FE_TONEAREST);
    if (!works) {
        printf("  (rounding modes not kept by this machine: skipped)\n");
        return 0;
    }
    a = st_thread_create(fp_up, NULL, 1, 0);
    b = st_thread_create(fp_down, NULL, 1, 0);
    CHECK(a != NULL && b != NULL);
    CHECK(st_thread_join(a, NULL) == 0);
    CHECK(st_thread_join(b, NULL) == 0);
    CHECK(fp_seen[0]);
    CHECK(fp_seen[1]);
    CHECK(fp_seen[2]);
    CHECK(fegetround() == FE_TONEAREST);
#endif
    return 0;
}

/* ---- threads ---------------------------------------------------------- */

static void *square(void *arg)
{
    long v = (long)arg;

    st_usleep(1000);
    return (void *)(v * v);
}

static int test_threads(void)
{
    st_thread_t t[8];
    void *rv;
    long i;

    for (i = 0; i < 8; i++) {
        t[i] = st_thread_create(square, (void *)i, 1, 0);
        CHECK(t[i] != NULL);
    }
    for (i = 7; i >= 0; i--) {
        CHECK(st_thread_join(t[i], &rv) == 0);
        CHECK((long)rv == i * i);
    }
    return 0;
}

/* ---- sync ------------------------------------------------------------- */

static st_cond_t cond;
static int cond_state;

static void *cond_waiter(void *arg)
{
    int rc = st_cond_wait(cond);

    (void)arg;
    return (void *)(long)(rc == 0 && cond_state == 1 ? 1 : 0);
}

static int test_cond(void)
{
    st_thread_t t;
    st_utime_t t0;
    void *rv;

    cond = st_cond_new();
    CHECK(cond != NULL);
    cond_state = 0;
    t = st_thread_create(cond_waiter, NULL, 1, 0);
    CHECK(t != NULL);
    st_thread_yield();
    cond_state = 1;
    CHECK(st_cond_signal(cond) == 0);
    CHECK(st_thread_join(t, &rv) == 0);
    CHECK((long)rv == 1);

    t0 = st_utime();
    errno = 0;
    CHECK(st_cond_timedwait(cond, 20000) == -1);
    CHECK(errno == ETIME);
    CHECK(st_utime() - t0 >= 19000);
    CHECK(st_cond_destroy(cond) == 0);
    return 0;
}

static st_mutex_t mutex;
static int mtx_log[8];
static int mtx_n;

static void *mutex_user(void *arg)
{
    int id = (int)(long)arg;

    if (st_mutex_lock(mutex) != 0)
        return (void *)0;
    mtx_log[mtx_n++] = id;
    st_usleep(2000);
    mtx_log[mtx_n++] = id;
    st_mutex_unlock(mutex);
    return (void *)1;
}

static int test_mutex(void)
{
    st_thread_t t[3];
    void *rv;
    int i;

    mutex = st_mutex_new();
    CHECK(mutex != NULL);
    mtx_n = 0;
    for (i = 0; i < 3; i++) {
        t[i] = st_thread_create(mutex_user, (void *)(long)i, 1, 0);
        CHECK(t[i] != NULL);
    }
    for (i = 0; i < 3; i++) {
        CHECK(st_thread_join(t[i], &rv) == 0);
        CHECK((long)rv == 1);
    }
    CHECK(mtx_n == 6);
    for (i = 0; i < 6; i += 2)      /* each holder runs alone, FIFO */
        CHECK(mtx_log[i] == i / 2 && mtx_log[i + 1] == i / 2);
    CHECK(st_mutex_destroy(mutex) == 0);
    return 0;
}

/* ---- timers ----------------------------------------------------------- */

static int wake_order[4];
static int nwake;

static void *sleeper(void *arg)
{
    long ms = (long)arg;

    st_usleep((st_utime_t)ms * 1000 * (st_utime_t)time_mult());
    wake_order[nwake++] = (int)ms;
    return NULL;
}

static int test_usleep_order(void)
{
    static const long ms[4] = {40, 10, 30, 20};
    st_thread_t t[4];
    int i;

    nwake = 0;
    for (i = 0; i < 4; i++) {
        t[i] = st_thread_create(sleeper, (void *)ms[i], 1, 0);
        CHECK(t[i] != NULL);
    }
    for (i = 0; i < 4; i++)
        CHECK(st_thread_join(t[i], NULL) == 0);
    CHECK(nwake == 4);
    for (i = 0; i < 4; i++)
        CHECK(wake_order[i] == (i + 1) * 10);
    return 0;
}

/* ---- TCP I/O ---------------------------------------------------------- */

#define IO_LEN (256 * 1024)

static uint32_t checksum(const unsigned char *p, size_t n)
{
    uint32_t a = 1, b = 0;      /* Adler-32 */
    size_t i;

    for (i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

static st_netfd_t listener;
static uint32_t server_sum;

static void *server(void *arg)
{
    st_netfd_t c = st_accept(listener, NULL, NULL, ST_UTIME_NO_TIMEOUT);
    unsigned char *buf;
    size_t got = 0;
    ssize_t n;

    (void)arg;
    if (c == NULL)
        return (void *)0;
    buf = malloc(IO_LEN);
    if (buf == NULL)
        return (void *)0;
    while (got < IO_LEN) {
        n = st_read(c, buf + got, IO_LEN - got, ST_UTIME_NO_TIMEOUT);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    server_sum = checksum(buf, got);
    /* echo the checksum back */
    n = st_write(c, &server_sum, sizeof server_sum, ST_UTIME_NO_TIMEOUT);
    free(buf);
    st_netfd_close(c);
    return (void *)(long)(got == IO_LEN && n == (ssize_t)sizeof server_sum);
}

static int test_tcp(void)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    unsigned char *buf;
    uint32_t sum, echoed = 0;
    st_netfd_t c;
    st_thread_t t;
    void *rv;
    int fd, i;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(listen(fd, 4) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
    listener = st_netfd_open_socket(fd);
    CHECK(listener != NULL);
    t = st_thread_create(server, NULL, 1, 0);
    CHECK(t != NULL);

    buf = malloc(IO_LEN);
    CHECK(buf != NULL);
    for (i = 0; i < IO_LEN; i++)
        buf[i] = (unsigned char)(i * 131 + (i >> 9));
    sum = checksum(buf, IO_LEN);

    fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    c = st_netfd_open_socket(fd);
    CHECK(c != NULL);
    CHECK(st_connect(c, (struct sockaddr *)&sin, sizeof sin,
                     ST_UTIME_NO_TIMEOUT) == 0);
    CHECK(st_write(c, buf, IO_LEN, ST_UTIME_NO_TIMEOUT) == IO_LEN);
    CHECK(st_read_fully(c, &echoed, sizeof echoed, ST_UTIME_NO_TIMEOUT) ==
          (ssize_t)sizeof echoed);
    CHECK(st_thread_join(t, &rv) == 0);
    CHECK((long)rv == 1);
    CHECK(server_sum == sum);
    CHECK(echoed == sum);
    free(buf);
    st_netfd_close(c);
    st_netfd_close(listener);
    return 0;
}

/* ---- driver ----------------------------------------------------------- */

static void run(const char *name, int (*fn)(void))
{
    current = name;
    if (fn() == 0) {
        npassed++;
        printf("PASS: %s\n", name);
    } else {
        nfailed++;
        printf("FAIL: %s\n", name);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int es = ST_EVENTSYS_DEFAULT;

    if (argc > 1) {
        if (strcmp(argv[1], "select") == 0)
            es = ST_EVENTSYS_SELECT;
        else if (strcmp(argv[1], "poll") == 0)
            es = ST_EVENTSYS_POLL;
        else if (strcmp(argv[1], "alt") == 0 || strcmp(argv[1], "epoll") == 0)
            es = ST_EVENTSYS_ALT;
        else {
            fprintf(stderr, "usage: %s [select|poll|alt]\n", argv[0]);
            return 2;
        }
    }
    if (st_set_eventsys(es) != 0 || st_init() != 0) {
        printf("FAIL: st_init with event system %s\n",
               argc > 1 ? argv[1] : "default");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    printf("cross-smoke: event system %s, context switch %s\n",
           st_get_eventsys_name(),
#if defined(ST_MD_ASM)
           "asm"
#elif defined(ST_MD_UCONTEXT)
           "ucontext"
#else
           "setjmp"
#endif
           );
    run("context_pingpong", test_pingpong);
    run("context_registers", test_registers);
    run("context_alignment", test_alignment);
    run("context_deep_stack", test_deep_stack);
    run("context_fp_modes", test_fp_modes);
    run("thread_create_join", test_threads);
    run("sync_cond", test_cond);
    run("sync_mutex_handoff", test_mutex);
    run("time_usleep_order", test_usleep_order);
    run("io_tcp_checksum", test_tcp);
    printf("%d passed, %d failed\n", npassed, nfailed);
    return nfailed == 0 ? 0 : 1;
}
