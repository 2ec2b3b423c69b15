/* SPDX-License-Identifier: MIT */
/* check_uring.c - the io_uring event system: selection, a keep-alive
 * request/response loop, cancellation races, known-empty queues, fork. */
#include "testutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>

#if defined(ST_HAVE_IO_URING_BACKEND)

/* Select io_uring and initialise; 0 if the kernel refused it (the test
 * then passes after saying so). */
static int uring_init(void)
{
    if (st_set_eventsys(ST_EVENTSYS_IO_URING) < 0) {
        ck_assert_int_eq(errno, EINVAL);
        fprintf(stderr, "NOTE: io_uring unavailable at run time "
                "(st_set_eventsys: EINVAL); io_uring test skipped\n");
        return 0;
    }
    ck_assert_int_eq(st_init(), 0);
    return 1;
}

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

/* FNV-1a over a buffer, continuing from h. */
static uint32_t fnv(uint32_t h, const unsigned char *p, size_t n)
{
    while (n--) {
        h ^= *p++;
        h *= 16777619u;
    }
    return h;
}

START_TEST(uring_is_selected)
{
    if (!uring_init())
        return;
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_IO_URING);
    ck_assert_int_eq(st_get_eventsys(), 4);
    ck_assert_str_eq(st_get_eventsys_name(), "io_uring");
    errno = 0;
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_SELECT), -1);
    ck_assert_int_eq(errno, EBUSY);
}
END_TEST

/* ---- keep-alive request/response ----------------------------------------
 * Each request is a header {length, checksum} and length random bytes; the
 * server answers with {length, checksum of what it received} followed by
 * the same bytes reversed.  Sizes vary from 1 byte to 256 KiB so reads
 * complete partially and writes fill the socket buffers. */

#define KA_CONNS 6
#define KA_ITERS 300
#define KA_MAX   (256 * 1024)

static struct sockaddr_in ka_addr;
static int ka_clients_ok;
static int ka_servers_done;

static void *ka_serve(void *arg)
{
    st_netfd_t c = arg;
    unsigned char *buf = malloc(KA_MAX);
    uint32_t hdr[2];

    ck_assert_ptr_nonnull(buf);
    for (;;) {
        ssize_t n = st_read_fully(c, hdr, sizeof hdr, st_test_usec(20000000));
        uint32_t len, sum, i;
        size_t got = 0;
        if (n == 0)
            break;                      /* client done */
        ck_assert_int_eq(n, (ssize_t)sizeof hdr);
        len = hdr[0];
        ck_assert_uint_le(len, KA_MAX);
        while (got < len) {             /* plain st_read: partial reads */
            n = st_read(c, buf + got, len - got, st_test_usec(20000000));
            ck_assert_int_gt(n, 0);
            got += (size_t)n;
        }
        sum = fnv(2166136261u, buf, len);
        ck_assert_uint_eq(sum, hdr[1]);
        for (i = 0; i < len / 2; i++) {
            unsigned char t = buf[i];
            buf[i] = buf[len - 1 - i];
            buf[len - 1 - i] = t;
        }
        {
            struct iovec iov[2];
            hdr[1] = sum;
            iov[0].iov_base = hdr;
            iov[0].iov_len = sizeof hdr;
            iov[1].iov_base = buf;
            iov[1].iov_len = len;
            ck_assert_int_eq(st_writev(c, iov, 2, st_test_usec(20000000)),
                             (ssize_t)(sizeof hdr + len));
        }
    }
    free(buf);
    st_netfd_close(c);
    ka_servers_done++;
    return NULL;
}

static void *ka_accept(void *arg)
{
    st_netfd_t l = arg;
    int i;

    for (i = 0; i < KA_CONNS; i++) {
        st_netfd_t c = st_accept(l, NULL, NULL, st_test_usec(10000000));
        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_nonnull(st_thread_create(ka_serve, c, 0, 0));
    }
    return NULL;
}

static void *ka_client(void *arg)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), it;
    unsigned char *out = malloc(KA_MAX), *in = malloc(KA_MAX);
    st_netfd_t c;

    (void)arg;
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(in);
    c = st_netfd_open_socket(s);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(st_connect(c, (struct sockaddr *)&ka_addr,
                                sizeof ka_addr, st_test_usec(5000000)), 0);
    for (it = 0; it < KA_ITERS; it++) {
        uint32_t len = (it % 7 == 6) ? rnd() % KA_MAX + 1 : rnd() % 2048 + 1;
        uint32_t hdr[2], i;
        for (i = 0; i < len; i++)
            out[i] = (unsigned char)rnd();
        hdr[0] = len;
        hdr[1] = fnv(2166136261u, out, len);
        ck_assert_int_eq(st_write(c, hdr, sizeof hdr, st_test_usec(20000000)),
                         (ssize_t)sizeof hdr);
        ck_assert_int_eq(st_write(c, out, len, st_test_usec(20000000)),
                         (ssize_t)len);
        memset(hdr, 0, sizeof hdr);
        ck_assert_int_eq(st_read_fully(c, hdr, sizeof hdr,
                                       st_test_usec(20000000)),
                         (ssize_t)sizeof hdr);
        ck_assert_uint_eq(hdr[0], len);
        ck_assert_uint_eq(hdr[1], fnv(2166136261u, out, len));
        ck_assert_int_eq(st_read_fully(c, in, len, st_test_usec(20000000)),
                         (ssize_t)len);
        for (i = 0; i < len; i++)
            if (in[i] != out[len - 1 - i])
                ck_abort_msg("conn byte %u of %u differs (iteration %d)",
                             i, len, it);
    }
    st_netfd_close(c);
    free(out);
    free(in);
    ka_clients_ok++;
    return NULL;
}

START_TEST(uring_keepalive_checksummed)
{
    st_netfd_t l;
    st_thread_t cl[KA_CONNS];
    int i;

    if (!uring_init())
        return;
    l = st_test_listener(&ka_addr, KA_CONNS);
    ck_assert_ptr_nonnull(l);
    ck_assert_ptr_nonnull(st_thread_create(ka_accept, l, 0, 0));
    ka_clients_ok = 0;
    for (i = 0; i < KA_CONNS; i++)
        cl[i] = st_thread_create(ka_client, NULL, 1, 0);
    for (i = 0; i < KA_CONNS; i++)
        ck_assert_int_eq(st_thread_join(cl[i], NULL), 0);
    ck_assert_int_eq(ka_clients_ok, KA_CONNS);
    /* Let every server see its client's EOF and release its buffer. */
    for (i = 0; i < 1000 && ka_servers_done < KA_CONNS; i++)
        st_usleep(1000);
    ck_assert_int_eq(ka_servers_done, KA_CONNS);
}
END_TEST

/* ---- a pending read that times out or is interrupted loses nothing ------
 * A reader consumes a byte stream 0,1,2,... with short timeouts or while
 * being interrupted; the writer sends at moments that race with the
 * cancellation.  Every byte must arrive exactly once, in order. */

#define RACE_BYTES 3000

static st_netfd_t race_rd;
static int race_done, race_timeouts, race_eintr;
static st_thread_t race_reader_t;

static void *race_reader(void *arg)
{
    int use_timeout = *(int *)arg;
    unsigned int next = 0;
    unsigned char buf[64];

    while (next < RACE_BYTES) {
        st_utime_t to = use_timeout ? (st_utime_t)(rnd() % 300) :
                        ST_UTIME_NO_TIMEOUT;
        ssize_t n = st_read(race_rd, buf, 1 + rnd() % sizeof buf, to);
        ssize_t i;
        if (n < 0) {
            if (errno == ETIME)
                race_timeouts++;
            else if (errno == EINTR)
                race_eintr++;
            else
                ck_abort_msg("read failed: errno %d", errno);
            continue;
        }
        ck_assert_int_gt(n, 0);
        for (i = 0; i < n; i++, next++)
            if (buf[i] != (unsigned char)next)
                ck_abort_msg("byte %u is %u", next, buf[i]);
    }
    race_done = 1;
    return NULL;
}

static void race_run(int use_timeout, int seed)
{
    st_netfd_t wr;
    st_thread_t t;
    unsigned int sent = 0;

    if (!uring_init())
        return;
    rng_state += (uint64_t)seed * 0x9e3779b97f4a7c15ULL;
    st_test_tcp_pair(&race_rd, &wr);
    race_done = race_timeouts = race_eintr = 0;
    t = race_reader_t = st_thread_create(race_reader, &use_timeout, 1, 0);
    ck_assert_ptr_nonnull(t);
    while (sent < RACE_BYTES) {
        unsigned char chunk[8];
        unsigned int k = 1 + rnd() % sizeof chunk, i;
        if (sent + k > RACE_BYTES)
            k = RACE_BYTES - sent;
        for (i = 0; i < k; i++)
            chunk[i] = (unsigned char)(sent + i);
        switch (rnd() % 4) {
        case 0:
            st_usleep(rnd() % 400);
            break;
        case 1:
            st_thread_yield();
            break;
        default:
            break;
        }
        ck_assert_int_eq(st_write(wr, chunk, k, ST_UTIME_NO_TIMEOUT),
                         (ssize_t)k);
        sent += k;
        /* Interrupt right after the data went out, in the same pass. */
        if (!use_timeout && rnd() % 2)
            st_thread_interrupt(t);
        if (rnd() % 3 == 0)
            st_usleep(rnd() % 200);
    }
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert(race_done);
    fprintf(stderr, "io_uring race (%s): %d timeouts, %d interrupts\n",
            use_timeout ? "timeouts" : "interrupts", race_timeouts,
            race_eintr);
    st_netfd_close(race_rd);
    st_netfd_close(wr);
}

START_TEST(uring_timeout_loses_nothing)
{
    race_run(1, _i);
}
END_TEST

START_TEST(uring_interrupt_loses_nothing)
{
    race_run(0, _i);
}
END_TEST

/* A read that times out: ETIME, then the data that follows is read. */
START_TEST(uring_read_timeout_then_data)
{
    st_netfd_t a, b;
    char c = 0;
    int i;

    if (!uring_init())
        return;
    st_test_tcp_pair(&a, &b);
    for (i = 0; i < 200; i++) {
        char x = (char)i;
        errno = 0;
        ck_assert_int_eq(st_read(a, &c, 1, 1000), -1);
        ck_assert_int_eq(errno, ETIME);
        ck_assert_int_eq(st_write(b, &x, 1, ST_UTIME_NO_TIMEOUT), 1);
        ck_assert_int_eq(st_read(a, &c, 1, st_test_usec(1000000)), 1);
        ck_assert_int_eq(c, x);
    }
}
END_TEST

/* ---- known-empty receive queues ------------------------------------------
 * After a read operation completes, io_uring knows the queue is empty
 * until a poll armed behind it fires, and then skips the read system call.
 * None of that may be visible: a read that finds data never switches,
 * interrupts act as the spec says, nothing is lost or reordered. */

static int ke_other_ran;

static void *ke_set_flag(void *arg)
{
    (void)arg;
    ke_other_ran = 1;
    return NULL;
}

static void *ke_write_one(void *arg)
{
    ck_assert_int_eq(st_write(arg, "x", 1, ST_UTIME_NO_TIMEOUT), 1);
    return NULL;
}

/* Leave b known empty: a read of it blocks and completes as an
 * operation (another thread writes the byte). */
static void ke_prime(st_netfd_t a, st_netfd_t b)
{
    char c;

    ck_assert_ptr_nonnull(st_thread_create(ke_write_one, a, 0, 0));
    ck_assert_int_eq(st_read(b, &c, 1, st_test_usec(5000000)), 1);
    ck_assert_int_eq(c, 'x');
}

static void ke_unix_pair(st_netfd_t *a, st_netfd_t *b)
{
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    *a = st_netfd_open_socket(sv[0]);
    *b = st_netfd_open_socket(sv[1]);
    ck_assert_ptr_nonnull(*a);
    ck_assert_ptr_nonnull(*b);
}

/* Let the flag-setting thread run before the next round. */
static void ke_drain(void)
{
    st_usleep(0);
    ck_assert_int_eq(ke_other_ran, 1);
}

/* Write, then read the other end (also with st_read_fully and accept):
 * the data is there, so no switch may happen in between. */
START_TEST(uring_write_then_read_no_switch)
{
    st_netfd_t a, b;
    char buf[64];
    int i;

    if (!uring_init())
        return;
    for (i = 0; i < 200; i++) {
        if (i % 2)
            ke_unix_pair(&a, &b);
        else
            st_test_tcp_pair(&a, &b);
        ke_prime(a, b);
        ke_other_ran = 0;
        ck_assert_ptr_nonnull(st_thread_create(ke_set_flag, NULL, 0, 0));
        ck_assert_int_eq(st_write(a, "hello", 5, ST_UTIME_NO_TIMEOUT), 5);
        if (i % 4 < 2) {
            ck_assert_int_eq(st_read(b, buf, sizeof buf, ST_UTIME_NO_TIMEOUT),
                             5);
        } else {
            ck_assert_int_eq(st_read_fully(b, buf, 5, ST_UTIME_NO_TIMEOUT),
                             5);
        }
        ck_assert_int_eq(ke_other_ran, 0);
        ck_assert(memcmp(buf, "hello", 5) == 0);
        ke_drain();
        st_netfd_close(a);
        st_netfd_close(b);
    }
}
END_TEST

static void *ke_connect(void *arg)
{
    struct sockaddr_in *sin = arg;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    st_netfd_t c = st_netfd_open_socket(s);

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(st_connect(c, (struct sockaddr *)sin, sizeof *sin,
                                st_test_usec(5000000)), 0);
    return c;
}

START_TEST(uring_connect_then_accept_no_switch)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    int l = socket(AF_INET, SOCK_STREAM, 0), i;
    st_netfd_t lfd, c, s;
    st_thread_t t;
    void *cv;

    if (!uring_init())
        return;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(listen(l, 16), 0);
    ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
    lfd = st_netfd_open_socket(l);
    ck_assert_ptr_nonnull(lfd);
    for (i = 0; i < 50; i++) {
        /* A blocked accept completes as an operation: known empty. */
        t = st_thread_create(ke_connect, &sin, 1, 0);
        ck_assert_ptr_nonnull(t);
        s = st_accept(lfd, NULL, NULL, st_test_usec(5000000));
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(st_thread_join(t, &cv), 0);
        st_netfd_close(cv);
        st_netfd_close(s);
        /* A connection made by this thread is there at once. */
        {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin),
                             0);
            c = st_netfd_open_socket(fd);
            ck_assert_ptr_nonnull(c);
        }
        ke_other_ran = 0;
        ck_assert_ptr_nonnull(st_thread_create(ke_set_flag, NULL, 0, 0));
        s = st_accept(lfd, NULL, NULL, ST_UTIME_NO_TIMEOUT);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(ke_other_ran, 0);
        ke_drain();
        st_netfd_close(c);
        st_netfd_close(s);
    }
    st_netfd_close(lfd);
}
END_TEST

/* An empty socket known as such, with an interrupt pending: EINTR, no
 * switch; the interrupt is consumed. */
START_TEST(uring_skip_interrupt_empty)
{
    st_netfd_t a, b;
    char c;
    int i;

    if (!uring_init())
        return;
    st_test_tcp_pair(&a, &b);
    for (i = 0; i < 100; i++) {
        ke_prime(a, b);
        ke_other_ran = 0;
        ck_assert_ptr_nonnull(st_thread_create(ke_set_flag, NULL, 0, 0));
        st_thread_interrupt(st_thread_self());
        errno = 0;
        ck_assert_int_eq(st_read(b, &c, 1, ST_UTIME_NO_TIMEOUT), -1);
        ck_assert_int_eq(errno, EINTR);
        ck_assert_int_eq(ke_other_ran, 0);
        ke_drain();
        errno = 0;
        ck_assert_int_eq(st_read(b, &c, 1, 1000), -1);
        ck_assert_int_eq(errno, ETIME);
    }
}
END_TEST

/* Data queued and an interrupt pending: the read returns the data and
 * leaves the interrupt for the next wait. */
START_TEST(uring_skip_interrupt_data)
{
    st_netfd_t a, b;
    char buf[8];
    int i;

    if (!uring_init())
        return;
    st_test_tcp_pair(&a, &b);
    for (i = 0; i < 100; i++) {
        ke_prime(a, b);
        ck_assert_int_eq(st_write(a, "abc", 3, ST_UTIME_NO_TIMEOUT), 3);
        st_thread_interrupt(st_thread_self());
        ck_assert_int_eq(st_read(b, buf, sizeof buf, ST_UTIME_NO_TIMEOUT), 3);
        ck_assert(memcmp(buf, "abc", 3) == 0);
        errno = 0;
        ck_assert_int_eq(st_read(b, buf, sizeof buf, ST_UTIME_NO_TIMEOUT), -1);
        ck_assert_int_eq(errno, EINTR);
    }
}
END_TEST

/* 10,000 messages of 1 to 3000 bytes from a writer thread (loop 0), or
 * from another process writing with plain write() (loop 1, so arrivals
 * race with the marks from another CPU); the reader reads with random
 * sizes and timeouts.  Byte count and checksum must match. */
#define KE_MSGS 10000

static void *ke_st_writer(void *arg)
{
    unsigned char buf[3000];
    uint32_t h = 2166136261u;
    int i;

    for (i = 0; i < KE_MSGS; i++) {
        size_t n = 1 + rnd() % sizeof buf, k;
        for (k = 0; k < n; k++)
            buf[k] = (unsigned char)rnd();
        h = fnv(h, buf, n);
        ck_assert_int_eq(st_write(arg, buf, n, ST_UTIME_NO_TIMEOUT),
                         (ssize_t)n);
        if (rnd() % 3 == 0)
            st_usleep(rnd() % 4 == 0 ? 100 : 0);
    }
    ck_assert_int_eq(st_write(arg, &h, sizeof h, ST_UTIME_NO_TIMEOUT),
                     (ssize_t)sizeof h);
    st_netfd_close(arg);
    return NULL;
}

static void ke_proc_writer(int fd)
{
    unsigned char buf[3000];
    uint32_t h = 2166136261u;
    int i;

    for (i = 0; i < KE_MSGS; i++) {
        size_t n = 1 + rnd() % sizeof buf, k, off = 0;
        for (k = 0; k < n; k++)
            buf[k] = (unsigned char)rnd();
        h = fnv(h, buf, n);
        while (off < n) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    continue;
                _exit(1);
            }
            off += (size_t)w;
        }
        if (rnd() % 64 == 0)
            usleep(50);
    }
    if (write(fd, &h, sizeof h) != (ssize_t)sizeof h)
        _exit(1);
    _exit(0);
}

START_TEST(uring_skip_stream_in_order)
{
    st_netfd_t a, b;
    static unsigned char buf[8192 + 4];
    uint32_t h = 2166136261u, want;
    size_t tail = 0;
    pid_t pid = -1;
    int status;

    if (!uring_init())
        return;
    if (_i == 0) {
        st_test_tcp_pair(&a, &b);
        ck_assert_ptr_nonnull(st_thread_create(ke_st_writer, a, 0, 0));
    } else {
        int sv[2];
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(sv[1]);
            ke_proc_writer(sv[0]);
        }
        close(sv[0]);
        b = st_netfd_open_socket(sv[1]);
        ck_assert_ptr_nonnull(b);
    }
    /* Hash everything but the last 4 bytes (the writer's checksum),
     * which are only known to be last at EOF or after the count. */
    for (;;) {
        size_t want_n = 1 + rnd() % (sizeof buf - sizeof h);
        ssize_t n;
        if (rnd() % 8 == 0) {
            size_t r = want_n;
            n = st_read_resid(b, buf + tail, &r, st_test_usec(10000000)) < 0
                ? -1 : (ssize_t)(want_n - r);
        } else {
            n = st_read(b, buf + tail, want_n,
                        rnd() % 16 == 0 ? 200 : st_test_usec(10000000));
            if (n < 0 && errno == ETIME)
                continue;
        }
        ck_assert_int_ge(n, 0);
        if (n == 0)
            break;
        tail += (size_t)n;
        if (tail > sizeof h) {
            h = fnv(h, buf, tail - sizeof h);
            memmove(buf, buf + tail - sizeof h, sizeof h);
            tail = sizeof h;
        }
    }
    ck_assert_uint_eq(tail, sizeof h);
    memcpy(&want, buf, sizeof want);
    ck_assert_uint_eq(h, want);
    st_netfd_close(b);
    if (pid > 0) {
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}
END_TEST

/* Closing or freeing a descriptor known empty: the polls behind it let
 * the socket go (the peer sees EOF), and a new descriptor with the same
 * number, or a new netfd on the same one, starts afresh. */
START_TEST(uring_skip_close_reuse)
{
    int i;

    if (!uring_init())
        return;
    for (i = 0; i < 100; i++) {
        int sv[2], fd0, fd1;
        st_netfd_t a, b;
        char buf[16];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        fd0 = sv[0];
        fd1 = sv[1];
        a = st_netfd_open_socket(fd0);
        b = st_netfd_open_socket(fd1);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        ke_prime(a, b);
        if (i % 2 == 0) {
            ck_assert_int_eq(st_netfd_close(b), 0);
            /* Read behind ST's back: EOF only if nothing holds fd1's file. */
            ck_assert_int_eq(fcntl(fd0, F_SETFL, 0), 0);
            ck_assert_int_eq(read(fd0, buf, sizeof buf), 0);
            st_netfd_free(a);
            close(fd0);
            ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
            a = st_netfd_open_socket(sv[0]);
            b = st_netfd_open_socket(sv[1]);
        } else {
            /* Freed, then used outside ST, then wrapped again. */
            st_netfd_free(b);
            ck_assert_int_eq(write(fd0, "zz", 2), 2);
            ck_assert_int_eq(read(fd1, buf, sizeof buf), 2);
            b = st_netfd_open_socket(fd1);
        }
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        ck_assert_int_eq(write(st_netfd_fileno(a), "hey", 3), 3);
        ke_other_ran = 0;
        ck_assert_ptr_nonnull(st_thread_create(ke_set_flag, NULL, 0, 0));
        ck_assert_int_eq(st_read(b, buf, sizeof buf, ST_UTIME_NO_TIMEOUT), 3);
        ck_assert_int_eq(ke_other_ran, 0);
        ck_assert(memcmp(buf, "hey", 3) == 0);
        ke_drain();
        st_netfd_close(a);
        st_netfd_close(b);
    }
}
END_TEST

/* ---- fork --------------------------------------------------------------- */

static st_netfd_t fk_a;
static int fk_res = -2;
static char fk_byte;

static void *fk_reader(void *arg)
{
    (void)arg;
    fk_res = (int)st_read(fk_a, &fk_byte, 1, ST_UTIME_NO_TIMEOUT);
    return NULL;
}

static void *fk_echo(void *arg)
{
    st_netfd_t c = arg;
    char buf[256];
    ssize_t n;

    while ((n = st_read(c, buf, sizeof buf, st_test_usec(5000000))) > 0)
        if (st_write(c, buf, (size_t)n, st_test_usec(5000000)) != n)
            return (void *)1;
    return n == 0 ? NULL : (void *)1;
}

START_TEST(uring_fork_child_works)
{
    st_netfd_t b, c, d;
    st_thread_t t;
    pid_t pid;
    int status, go[2];

    if (!uring_init())
        return;
    st_test_tcp_pair(&fk_a, &b);
    st_test_tcp_pair(&c, &d);
    ck_assert_int_eq(pipe(go), 0);
    /* A thread blocked in a read operation across the fork. */
    t = st_thread_create(fk_reader, NULL, 1, 0);
    ck_assert_int_eq(st_usleep(2000), 0);
    ck_assert_int_eq(fk_res, -2);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* Child: the blocked reader gets the byte we send; an echo
         * thread serves a few hundred round trips. */
        st_thread_t e;
        void *rv = (void *)1;
        char x = 'k', buf[100];
        int i, ok = 1;
        /* The parent has cancelled its read when it says so (by time,
         * a pause of the parent would let its read take our byte). */
        close(go[1]);
        if (read(go[0], &x, 1) != 1)
            _exit(7);
        x = 'k';
        if (st_write(b, &x, 1, 1000000) != 1)
            _exit(2);
        if (st_thread_join(t, NULL) != 0 || fk_res != 1 || fk_byte != 'k')
            _exit(3);
        e = st_thread_create(fk_echo, d, 1, 0);
        for (i = 0; i < 300 && ok; i++) {
            memset(buf, i, sizeof buf);
            ok = st_write(c, buf, sizeof buf, 1000000) == (ssize_t)sizeof buf;
            memset(buf, 0, sizeof buf);
            ok = ok && st_read_fully(c, buf, sizeof buf, 1000000) ==
                       (ssize_t)sizeof buf && buf[0] == (char)i &&
                       buf[99] == (char)i;
        }
        if (!ok)
            _exit(4);
        shutdown(st_netfd_fileno(c), SHUT_WR);
        if (st_thread_join(e, &rv) != 0 || rv != NULL)
            _exit(5);
        if (st_get_eventsys() != ST_EVENTSYS_IO_URING)
            _exit(6);
        _exit(0);
    }
    /* Parent: withdraw its own copy of the pending read at once. */
    close(go[0]);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(fk_res, -1);
    ck_assert_int_eq((int)write(go[1], "g", 1), 1);
    close(go[1]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child status %#x", status);
    /* The parent's ring still works too. */
    {
        char x = 'p', y = 0;
        ck_assert_int_eq(st_write(b, &x, 1, 1000000), 1);
        ck_assert_int_eq(st_read(fk_a, &y, 1, 1000000), 1);
        ck_assert_int_eq(y, 'p');
    }
}
END_TEST

/* A poll wait on a regular file reports it ready (epoll would refuse). */
START_TEST(uring_poll_regular_file)
{
    struct pollfd pd;
    char path[] = "/tmp/check_uring.XXXXXX";
    int fd = mkstemp(path);

    if (!uring_init()) {
        close(fd);
        unlink(path);
        return;
    }
    ck_assert_int_ge(fd, 0);
    unlink(path);
    pd.fd = fd;
    pd.events = POLLIN | POLLOUT;
    pd.revents = 0;
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(1000000)), 1);
    ck_assert(pd.revents & POLLIN);
    ck_assert(pd.revents & POLLOUT);
    close(fd);
}
END_TEST

#endif /* ST_HAVE_IO_URING_BACKEND */

START_TEST(uring_not_built)
{
#if !defined(ST_HAVE_IO_URING_BACKEND)
    fprintf(stderr, "NOTE: io_uring event system not built; "
            "io_uring tests skipped\n");
    errno = 0;
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_IO_URING), -1);
    ck_assert_int_eq(errno, EINVAL);
#endif
}
END_TEST

static Suite *uring_suite(void)
{
    Suite *s = suite_create("uring");
    TCase *tc = tcase_create("uring");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, uring_not_built);
#if defined(ST_HAVE_IO_URING_BACKEND)
    tcase_add_test(tc, uring_is_selected);
    tcase_add_test(tc, uring_keepalive_checksummed);
    tcase_add_loop_test(tc, uring_timeout_loses_nothing, 0, 5);
    tcase_add_loop_test(tc, uring_interrupt_loses_nothing, 0, 5);
    tcase_add_test(tc, uring_read_timeout_then_data);
    tcase_add_test(tc, uring_write_then_read_no_switch);
    tcase_add_test(tc, uring_connect_then_accept_no_switch);
    tcase_add_test(tc, uring_skip_interrupt_empty);
    tcase_add_test(tc, uring_skip_interrupt_data);
    tcase_add_loop_test(tc, uring_skip_stream_in_order, 0, 2);
    tcase_add_test(tc, uring_skip_close_reuse);
    tcase_add_test(tc, uring_fork_child_works);
    tcase_add_test(tc, uring_poll_regular_file);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(uring_suite());
}
