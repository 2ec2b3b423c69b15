/* SPDX-License-Identifier: MIT */
/* check_stats.c - the counters of ./configure --enable-debug-stats, read
 * the way SRS's debug build reads them: declared here by name, as
 * "extern __thread", with no header of the library's. */
#include "testutil.h"

#include <pthread.h>
#include <sys/uio.h>

extern __thread int _st_active_count;
extern __thread int _st_num_free_stacks;
extern __thread unsigned long long _st_stat_recvfrom;
extern __thread unsigned long long _st_stat_recvfrom_eagain;
extern __thread unsigned long long _st_stat_sendto;
extern __thread unsigned long long _st_stat_sendto_eagain;
extern __thread unsigned long long _st_stat_read;
extern __thread unsigned long long _st_stat_read_eagain;
extern __thread unsigned long long _st_stat_readv;
extern __thread unsigned long long _st_stat_readv_eagain;
extern __thread unsigned long long _st_stat_writev;
extern __thread unsigned long long _st_stat_writev_eagain;
extern __thread unsigned long long _st_stat_recvmsg;
extern __thread unsigned long long _st_stat_recvmsg_eagain;
extern __thread unsigned long long _st_stat_sendmsg;
extern __thread unsigned long long _st_stat_sendmsg_eagain;
extern __thread unsigned long long _st_stat_epoll;
extern __thread unsigned long long _st_stat_epoll_zero;
extern __thread unsigned long long _st_stat_epoll_shake;
extern __thread unsigned long long _st_stat_epoll_spin;
extern __thread unsigned long long _st_stat_sched_15ms;
extern __thread unsigned long long _st_stat_sched_20ms;
extern __thread unsigned long long _st_stat_sched_25ms;
extern __thread unsigned long long _st_stat_sched_30ms;
extern __thread unsigned long long _st_stat_sched_35ms;
extern __thread unsigned long long _st_stat_sched_40ms;
extern __thread unsigned long long _st_stat_sched_80ms;
extern __thread unsigned long long _st_stat_sched_160ms;
extern __thread unsigned long long _st_stat_sched_s;
extern __thread unsigned long long _st_stat_thread_run;
extern __thread unsigned long long _st_stat_thread_idle;
extern __thread unsigned long long _st_stat_thread_yield;
extern __thread unsigned long long _st_stat_thread_yield2;

#define T5S st_test_usec(5000000)

static void init_epoll(void)
{
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_ALT), 0);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_str_eq(st_get_eventsys_name(), "epoll");
}

/* A connected UDP pair on loopback. */
static void udp_pair(st_netfd_t *a, st_netfd_t *b)
{
    struct sockaddr_in sa, sb;
    socklen_t len = sizeof sa;
    int x = socket(AF_INET, SOCK_DGRAM, 0), y = socket(AF_INET, SOCK_DGRAM, 0);

    ck_assert_int_ge(x, 0);
    ck_assert_int_ge(y, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sb = sa;
    ck_assert_int_eq(bind(x, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(bind(y, (struct sockaddr *)&sb, sizeof sb), 0);
    ck_assert_int_eq(getsockname(x, (struct sockaddr *)&sa, &len), 0);
    len = sizeof sb;
    ck_assert_int_eq(getsockname(y, (struct sockaddr *)&sb, &len), 0);
    ck_assert_int_eq(connect(x, (struct sockaddr *)&sb, sizeof sb), 0);
    ck_assert_int_eq(connect(y, (struct sockaddr *)&sa, sizeof sa), 0);
    *a = st_netfd_open_socket(x);
    *b = st_netfd_open_socket(y);
    ck_assert_ptr_nonnull(*a);
    ck_assert_ptr_nonnull(*b);
}

/* ---- reads that wait: one EAGAIN, then the data ------------------------- */

enum { K_READ, K_READV, K_RECVFROM, K_RECVMSG };

struct rd {
    int kind;
    st_netfd_t fd;
    int r;
};

static void *one_read(void *arg)
{
    struct rd *x = arg;
    char c;
    struct iovec v = { &c, 1 };
    struct msghdr m;

    memset(&m, 0, sizeof m);
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    switch (x->kind) {
    case K_READ:
        x->r = (int)st_read(x->fd, &c, 1, T5S);
        break;
    case K_READV:
        x->r = (int)st_readv(x->fd, &v, 1, T5S);
        break;
    case K_RECVFROM:
        x->r = st_recvfrom(x->fd, &c, 1, NULL, NULL, T5S);
        break;
    default:
        x->r = st_recvmsg(x->fd, &m, 0, T5S);
        break;
    }
    return NULL;
}

/* The reader finds nothing (one call, EAGAIN), waits, and reads the byte
 * sent meanwhile (a second call).  Returns the reader's result. */
static int read_after_wait(int kind, st_netfd_t rfd, st_netfd_t wfd)
{
    struct rd x = { kind, rfd, -9 };
    st_thread_t t = st_thread_create(one_read, &x, 1, 0);

    ck_assert_int_eq(st_usleep(0), 0);          /* it waits */
    ck_assert_int_eq((int)write(st_netfd_fileno(wfd), "x", 1), 1);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    return x.r;
}

#define DELTA(var, before) ((var) - (before))

/* read_after_wait made two calls, the first failing with EAGAIN. */
static void wait_counted(int kind, st_netfd_t rfd, st_netfd_t wfd,
                         const unsigned long long *calls,
                         const unsigned long long *eagain)
{
    unsigned long long n0 = *calls, e0 = *eagain;

    ck_assert_int_eq(read_after_wait(kind, rfd, wfd), 1);
    ck_assert_uint_eq(*calls - n0, 2);
    ck_assert_uint_eq(*eagain - e0, 1);
}

START_TEST(read_calls_and_eagain)
{
    st_netfd_t a, b;

    init_epoll();
    st_test_tcp_pair(&a, &b);
    wait_counted(K_READ, b, a, &_st_stat_read, &_st_stat_read_eagain);
    wait_counted(K_READV, b, a, &_st_stat_readv, &_st_stat_readv_eagain);
    st_netfd_close(a);
    st_netfd_close(b);
}
END_TEST

START_TEST(datagram_calls_and_eagain)
{
    st_netfd_t a, b;
    unsigned long long n0, e0;

    init_epoll();
    udp_pair(&a, &b);
    wait_counted(K_RECVFROM, b, a, &_st_stat_recvfrom,
                 &_st_stat_recvfrom_eagain);
    wait_counted(K_RECVMSG, b, a, &_st_stat_recvmsg,
                 &_st_stat_recvmsg_eagain);

    /* Sends that go through at once: one call each, no EAGAIN. */
    n0 = _st_stat_sendto;
    e0 = _st_stat_sendto_eagain;
    ck_assert_int_eq(st_sendto(a, "y", 1, NULL, 0, T5S), 1);
    ck_assert_uint_eq(DELTA(_st_stat_sendto, n0), 1);
    ck_assert_uint_eq(DELTA(_st_stat_sendto_eagain, e0), 0);
    {
        struct iovec v = { (void *)"z", 1 };
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        n0 = _st_stat_sendmsg;
        e0 = _st_stat_sendmsg_eagain;
        ck_assert_int_eq(st_sendmsg(a, &m, 0, T5S), 1);
        ck_assert_uint_eq(DELTA(_st_stat_sendmsg, n0), 1);
        ck_assert_uint_eq(DELTA(_st_stat_sendmsg_eagain, e0), 0);
    }
    st_netfd_close(a);
    st_netfd_close(b);
}
END_TEST

/* ---- sends into a full connection: EAGAIN first -------------------------- */

enum { K_WRITEV, K_SENDTO, K_SENDMSG };

#define CHUNK 65536

struct wr {
    int kind;
    st_netfd_t fd;
    char *buf;                          /* CHUNK bytes */
    size_t filled;                      /* written before, with write(2) */
    size_t sent;                        /* then by the ST call(s) */
};

static void *send_into_full(void *arg)
{
    struct wr *w = arg;
    int fd = st_netfd_fileno(w->fd);
    ssize_t n;

    /* Fill the connection with plain writes (not counted), until the
     * kernel takes no more: the reader has not read yet. */
    while ((n = write(fd, w->buf, CHUNK)) > 0)
        w->filled += (size_t)n;
    if (errno != EAGAIN)
        return NULL;
    while (w->sent < CHUNK) {
        struct iovec v[2] = { { w->buf + w->sent, (CHUNK - w->sent) / 2 },
                              { w->buf + w->sent + (CHUNK - w->sent) / 2,
                                CHUNK - w->sent - (CHUNK - w->sent) / 2 } };
        struct msghdr m;

        memset(&m, 0, sizeof m);
        m.msg_iov = v;
        m.msg_iovlen = 2;
        switch (w->kind) {
        case K_WRITEV:
            n = st_writev(w->fd, v, 2, T5S);
            break;
        case K_SENDTO:
            n = st_sendto(w->fd, w->buf + w->sent, (int)(CHUNK - w->sent),
                          NULL, 0, T5S);
            break;
        default:
            n = st_sendmsg(w->fd, &m, 0, T5S);
            break;
        }
        if (n <= 0)
            break;
        w->sent += (size_t)n;
    }
    return NULL;
}

/* The writer's first call finds the connection full (EAGAIN), waits for
 * the reader, and completes. */
static void send_after_eagain(int kind, unsigned long long *calls,
                              unsigned long long *eagain)
{
    st_netfd_t a, b;
    struct wr w;
    st_thread_t t;
    unsigned long long n0 = *calls, e0 = *eagain;
    size_t got = 0;
    char *in = malloc(CHUNK);

    ck_assert_ptr_nonnull(in);
    memset(&w, 0, sizeof w);
    w.kind = kind;
    w.buf = calloc(1, CHUNK);
    ck_assert_ptr_nonnull(w.buf);
    st_test_tcp_pair(&a, &b);
    w.fd = a;
    t = st_thread_create(send_into_full, &w, 1, 0);
    /* Read (waiting first) until the writer is done and all is read. */
    for (;;) {
        ssize_t n = st_read(b, in, CHUNK, T5S);
        ck_assert_int_gt((int)n, 0);
        got += (size_t)n;
        if (w.sent == CHUNK && got == w.filled + CHUNK)
            break;
    }
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert(w.filled > 0);
    ck_assert_msg(*calls - n0 >= 2, "%llu calls", *calls - n0);
    ck_assert_msg(*eagain - e0 >= 1, "no EAGAIN in %llu calls", *calls - n0);
    ck_assert(*eagain - e0 < *calls - n0);
    st_netfd_close(a);
    st_netfd_close(b);
    free(in);
    free(w.buf);
}

START_TEST(sends_that_fill_the_connection)
{
    init_epoll();
    send_after_eagain(K_WRITEV, &_st_stat_writev, &_st_stat_writev_eagain);
    send_after_eagain(K_SENDTO, &_st_stat_sendto, &_st_stat_sendto_eagain);
    send_after_eagain(K_SENDMSG, &_st_stat_sendmsg,
                      &_st_stat_sendmsg_eagain);
}
END_TEST

/* ---- epoll waits -------------------------------------------------------- */

START_TEST(epoll_waits)
{
    unsigned long long w0, z0, s0, p0;
    int i;

    init_epoll();
    w0 = _st_stat_epoll;
    z0 = _st_stat_epoll_zero;
    s0 = _st_stat_epoll_shake;
    p0 = _st_stat_epoll_spin;
    /* A wait with a zero timeout, empty. */
    ck_assert_int_eq(st_usleep(0), 0);
    ck_assert_uint_eq(DELTA(_st_stat_epoll, w0), 1);
    ck_assert_uint_eq(DELTA(_st_stat_epoll_zero, z0), 1);
    ck_assert_uint_eq(DELTA(_st_stat_epoll_shake, s0), 0);
    ck_assert_uint_eq(DELTA(_st_stat_epoll_spin, p0), 1);
    /* Sub-millisecond timed waits that end with no I/O (one, unless
     * the process is paused past its deadline before it waits). */
    for (i = 0; i < 100 && _st_stat_epoll_shake == s0; i++)
        ck_assert_int_eq(st_usleep(500), 0);
    ck_assert_uint_ge(DELTA(_st_stat_epoll_shake, s0), 1);
    ck_assert_int_eq(st_usleep(3000), 0);
    ck_assert_uint_ge(DELTA(_st_stat_epoll, w0), 3);
    ck_assert_uint_ge(DELTA(_st_stat_epoll_spin, p0), 3);
}
END_TEST

/* ---- scheduler passes by lateness (a clock moved by hand) --------------- */

static st_utime_t fclock = 1000000;

static st_utime_t fclock_read(void)
{
    return fclock;
}

static void *hour_sleep(void *arg)
{
    st_sleep(3600);
    return arg;
}

START_TEST(sched_buckets)
{
    /* Automatic: a thread-local address is not a constant. */
    const struct {
        st_utime_t step;
        unsigned long long *bucket;
    } *p, steps[] = {
        { 10000, &_st_stat_sched_15ms },
        { 15000, &_st_stat_sched_15ms },     /* bounds are inclusive */
        { 15001, &_st_stat_sched_20ms },
        { 24000, &_st_stat_sched_25ms },
        { 30000, &_st_stat_sched_30ms },
        { 31000, &_st_stat_sched_35ms },
        { 39000, &_st_stat_sched_40ms },
        { 79000, &_st_stat_sched_80ms },
        { 100000, &_st_stat_sched_160ms },
        { 160001, &_st_stat_sched_s },
        { 5000000, &_st_stat_sched_s },
    };
    st_thread_t sleeper;

    ck_assert_int_eq(st_set_utime_function(fclock_read), 0);
    init_epoll();
    /* A timer keeps st_thread_yield reading the clock. */
    sleeper = st_thread_create(hour_sleep, NULL, 1, 0);
    st_thread_yield();
    for (p = steps; p < steps + sizeof steps / sizeof steps[0]; p++) {
        unsigned long long before = *p->bucket;
        fclock += p->step;
        st_thread_yield();
        ck_assert_msg(*p->bucket == before + 1, "a pass %llu us late",
                      p->step);
    }
    st_thread_interrupt(sleeper);
    ck_assert_int_eq(st_thread_join(sleeper, NULL), 0);
}
END_TEST

/* ---- switches and yields ------------------------------------------------ */

static void *nothing(void *arg)
{
    return arg;
}

START_TEST(runs_idles_yields)
{
    unsigned long long r0, i0, y0, y20;
    st_thread_t t;

    init_epoll();
    r0 = _st_stat_thread_run;
    i0 = _st_stat_thread_idle;
    y0 = _st_stat_thread_yield;
    y20 = _st_stat_thread_yield2;
    st_thread_yield();                  /* nobody else: no switch */
    ck_assert_uint_eq(DELTA(_st_stat_thread_yield, y0), 1);
    ck_assert_uint_eq(DELTA(_st_stat_thread_yield2, y20), 0);
    ck_assert_uint_eq(DELTA(_st_stat_thread_run, r0), 0);
    t = st_thread_create(nothing, NULL, 1, 0);
    st_thread_yield();                  /* runs t, then us again */
    ck_assert_uint_eq(DELTA(_st_stat_thread_yield, y0), 2);
    ck_assert_uint_eq(DELTA(_st_stat_thread_yield2, y20), 1);
    ck_assert_uint_eq(DELTA(_st_stat_thread_run, r0), 2);
    ck_assert_uint_eq(DELTA(_st_stat_thread_idle, i0), 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(st_usleep(1000), 0);   /* the idle thread waits */
    ck_assert_uint_ge(DELTA(_st_stat_thread_idle, i0), 1);
    ck_assert_uint_ge(DELTA(_st_stat_thread_run, r0), 3);
}
END_TEST

/* ---- the two live values ------------------------------------------------ */

START_TEST(active_count_and_free_stacks_are_live)
{
    int i, free0;

    init_epoll();
    ck_assert_int_eq(_st_active_count, 1);      /* the primordial thread */
    free0 = _st_num_free_stacks;
    for (i = 0; i < 3; i++)
        ck_assert_ptr_nonnull(st_thread_create(nothing, NULL, 0, 0));
    ck_assert_int_eq(_st_active_count, 4);
    st_thread_yield();                  /* they run and exit */
    ck_assert_int_eq(_st_active_count, 1);
    ck_assert_int_eq(_st_num_free_stacks, free0 + 3);
    for (i = 0; i < 2; i++)             /* cached stacks are reused */
        ck_assert_ptr_nonnull(st_thread_create(nothing, NULL, 0, 0));
    ck_assert_int_eq(_st_num_free_stacks, free0 + 1);
    ck_assert_int_eq(_st_active_count, 3);
    st_thread_yield();
    ck_assert_int_eq(_st_num_free_stacks, free0 + 3);
}
END_TEST

/* ---- a server's work, and SRS's statistics line -------------------------- */

static void *echo_conn(void *arg)
{
    st_netfd_t c = arg;
    char buf[512];
    int n;

    while ((n = (int)st_read(c, buf, sizeof buf, T5S)) > 0) {
        struct iovec v = { buf, (size_t)n };
        if (st_writev(c, &v, 1, T5S) != n)
            break;
    }
    st_netfd_close(c);
    return NULL;
}

static void *echo_server(void *arg)
{
    st_netfd_t l = arg, c;
    int i;

    for (i = 0; i < 8 && (c = st_accept(l, NULL, NULL, T5S)) != NULL; i++)
        st_thread_create(echo_conn, c, 0, 0);
    return NULL;
}

static void *echo_client(void *arg)
{
    struct sockaddr_in *sin = arg;
    int s = socket(AF_INET, SOCK_STREAM, 0), i;
    st_netfd_t c = st_netfd_open_socket(s);
    char buf[64];

    if (c == NULL || st_connect(c, (struct sockaddr *)sin, sizeof *sin,
                                T5S) < 0)
        return (void *)1;
    for (i = 0; i < 50; i++) {
        if (st_write(c, "hello, world", 12, T5S) != 12 ||
            st_read_fully(c, buf, 12, T5S) != 12)
            break;
        st_thread_yield();
    }
    st_netfd_close(c);
    return i == 50 ? NULL : (void *)1;
}

START_TEST(server_work_moves_the_counters)
{
    struct sockaddr_in sin;
    st_netfd_t l;
    st_thread_t srv, cl[8];
    void *rv;
    int i;

    init_epoll();
    l = st_test_listener(&sin, 16);
    srv = st_thread_create(echo_server, l, 1, 0);
    for (i = 0; i < 8; i++)
        cl[i] = st_thread_create(echo_client, &sin, 1, 0);
    for (i = 0; i < 8; i++) {
        ck_assert_int_eq(st_thread_join(cl[i], &rv), 0);
        ck_assert_ptr_null(rv);
    }
    ck_assert_int_eq(st_thread_join(srv, NULL), 0);
    /* The connection threads see their clients' EOF and exit. */
    for (i = 0; i < 1000 && _st_active_count > 1; i++)
        st_usleep(1000);
    st_netfd_close(l);
    /* SRS's hybrid server prints these. */
    fprintf(stderr, "st: active=%d free_stacks=%d\n"
            "st: recvfrom=%llu/%llu sendto=%llu/%llu read=%llu/%llu "
            "readv=%llu/%llu writev=%llu/%llu recvmsg=%llu/%llu "
            "sendmsg=%llu/%llu (calls/EAGAIN)\n"
            "st: epoll=%llu zero=%llu shake=%llu spin=%llu\n"
            "st: sched 15ms=%llu 20ms=%llu 25ms=%llu 30ms=%llu 35ms=%llu "
            "40ms=%llu 80ms=%llu 160ms=%llu s=%llu\n"
            "st: thread run=%llu idle=%llu yield=%llu yield2=%llu\n",
            _st_active_count, _st_num_free_stacks,
            _st_stat_recvfrom, _st_stat_recvfrom_eagain,
            _st_stat_sendto, _st_stat_sendto_eagain,
            _st_stat_read, _st_stat_read_eagain,
            _st_stat_readv, _st_stat_readv_eagain,
            _st_stat_writev, _st_stat_writev_eagain,
            _st_stat_recvmsg, _st_stat_recvmsg_eagain,
            _st_stat_sendmsg, _st_stat_sendmsg_eagain,
            _st_stat_epoll, _st_stat_epoll_zero, _st_stat_epoll_shake,
            _st_stat_epoll_spin, _st_stat_sched_15ms, _st_stat_sched_20ms,
            _st_stat_sched_25ms, _st_stat_sched_30ms, _st_stat_sched_35ms,
            _st_stat_sched_40ms, _st_stat_sched_80ms, _st_stat_sched_160ms,
            _st_stat_sched_s, _st_stat_thread_run, _st_stat_thread_idle,
            _st_stat_thread_yield, _st_stat_thread_yield2);
    ck_assert_int_eq(_st_active_count, 1);
    ck_assert_int_gt(_st_num_free_stacks, 8);
    ck_assert_uint_ge(_st_stat_read, 8 * 50);
    ck_assert_uint_gt(_st_stat_read_eagain, 0);
    ck_assert_uint_ge(_st_stat_writev, 8 * 50);
    ck_assert_uint_gt(_st_stat_epoll, 0);
    ck_assert_uint_gt(_st_stat_sched_15ms + _st_stat_sched_20ms +
                      _st_stat_sched_25ms + _st_stat_sched_30ms +
                      _st_stat_sched_35ms + _st_stat_sched_40ms +
                      _st_stat_sched_80ms + _st_stat_sched_160ms +
                      _st_stat_sched_s, 0);
    ck_assert_uint_gt(_st_stat_thread_run, 8 * 50);
    ck_assert_uint_gt(_st_stat_thread_idle, 0);
    ck_assert_uint_ge(_st_stat_thread_yield, 8 * 50);
    ck_assert_uint_gt(_st_stat_thread_yield2, 0);
}
END_TEST

/* The counters belong to the OS thread's scheduler: another OS thread
 * has its own, which start at zero and move with its own work only. */
struct fresh {
    int active0, free0;
    unsigned long long sum0;
    int active1;
    unsigned long long yields;
};

static void *fresh_os_thread(void *arg)
{
    struct fresh *f = arg;

    f->active0 = _st_active_count;
    f->free0 = _st_num_free_stacks;
    f->sum0 = _st_stat_read + _st_stat_epoll + _st_stat_thread_run +
              _st_stat_sched_15ms + _st_stat_thread_yield;
    if (st_set_eventsys(ST_EVENTSYS_ALT) == 0 && st_init() == 0) {
        f->active1 = _st_active_count;
        st_thread_yield();
        f->yields = _st_stat_thread_yield;
        st_destroy();
    }
    return NULL;
}

START_TEST(counters_per_os_thread)
{
    struct fresh f;
    pthread_t pt;
    int i;

    init_epoll();
    for (i = 0; i < 5; i++)
        st_thread_yield();
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(pthread_create(&pt, NULL, fresh_os_thread, &f), 0);
    ck_assert_int_eq(pthread_join(pt, NULL), 0);
    ck_assert_int_eq(f.active0, 0);
    ck_assert_int_eq(f.free0, 0);
    ck_assert_uint_eq(f.sum0, 0);
    ck_assert_int_eq(f.active1, 1);
    ck_assert_uint_eq(f.yields, 1);
    ck_assert_uint_eq(_st_stat_thread_yield, 5);
    ck_assert_int_eq(_st_active_count, 1);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("stats");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, counters_per_os_thread);
    tcase_add_test(tc, read_calls_and_eagain);
    tcase_add_test(tc, datagram_calls_and_eagain);
    tcase_add_test(tc, sends_that_fill_the_connection);
    tcase_add_test(tc, epoll_waits);
    tcase_add_test(tc, sched_buckets);
    tcase_add_test(tc, runs_idles_yields);
    tcase_add_test(tc, active_count_and_free_stacks_are_live);
    tcase_add_test(tc, server_work_moves_the_counters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(stats_suite());
}
