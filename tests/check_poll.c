/* SPDX-License-Identifier: MIT */
/* check_poll.c - st_poll and st_netfd_poll (API.md 3.8, 5.1 #26, #27). */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>

START_TEST(poll_counts_and_revents)
{
    st_netfd_t a, b, c, d;
    struct pollfd pd[3];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    st_test_tcp_pair(&c, &d);
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "x", 1), 1);
    pd[0].fd = st_netfd_fileno(a); pd[0].events = POLLIN; pd[0].revents = 77;
    pd[1].fd = st_netfd_fileno(c); pd[1].events = POLLIN; pd[1].revents = 77;
    pd[2].fd = st_netfd_fileno(d); pd[2].events = POLLOUT; pd[2].revents = 77;
    ck_assert_int_eq(st_poll(pd, 3, st_test_usec(1000000)), 2);
    ck_assert(pd[0].revents & POLLIN);
    ck_assert_int_eq(pd[1].revents, 0);
    ck_assert(pd[2].revents & POLLOUT);
}
END_TEST

START_TEST(poll_timeout_zero_revents_errno_kept)
{
    st_netfd_t a, b;
    struct pollfd pd;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    pd.fd = st_netfd_fileno(a);
    pd.events = POLLIN;
    pd.revents = POLLIN;
    errno = 4242;
    ck_assert_int_eq(st_poll(&pd, 1, 2000), 0);
    ck_assert_int_eq(errno, 4242);
    ck_assert_int_eq(pd.revents, 0);
    /* The registration is gone: a later write wakes nobody stale. */
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "y", 1), 1);
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(1000000)), 1);
    ck_assert_int_eq(st_netfd_close(a), 0);
}
END_TEST

static int pr, pe;

static void *poller(void *arg)
{
    struct pollfd pd;
    pd.fd = st_netfd_fileno(arg);
    pd.events = POLLIN;
    pr = st_poll(&pd, 1, ST_UTIME_NO_TIMEOUT);
    pe = errno;
    return NULL;
}

START_TEST(poll_interrupt)
{
    st_netfd_t a, b;
    st_thread_t t;
    struct pollfd pd;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    t = st_thread_create(poller, a, 1, 0);
    st_usleep(1000);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(pr, -1);
    ck_assert_int_eq(pe, EINTR);
    /* Interrupt before the poll: EINTR at once, the next one times out. */
    st_thread_interrupt(st_thread_self());
    pd.fd = st_netfd_fileno(a);
    pd.events = POLLIN;
    ck_assert_int_eq(st_poll(&pd, 1, 1000), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq(st_poll(&pd, 1, 1000), 0);
    /* Nothing is left registered: close works. */
    ck_assert_int_eq(st_netfd_close(a), 0);
}
END_TEST

START_TEST(poll_invalid_sets)
{
    st_netfd_t a, b;
    struct pollfd pd[2];
    int v = st_test_backends[_i];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    pd[0].fd = st_netfd_fileno(a);
    pd[0].events = POLLIN;
    pd[1].fd = -1;
    pd[1].events = POLLIN;
    errno = 0;
    ck_assert_int_eq(st_poll(pd, 2, 1000), -1);
    ck_assert_int_eq(errno, EINVAL);
    pd[1].fd = st_netfd_fileno(b);
    pd[1].events = 0;
    ck_assert_int_eq(st_poll(pd, 2, 1000), -1);
    ck_assert_int_eq(errno, EINVAL);
    if (v != ST_EVENTSYS_POLL) {
        pd[1].events = POLLRDNORM;
        ck_assert_int_eq(st_poll(pd, 2, 1000), -1);
        ck_assert_int_eq(errno, EINVAL);
    }
    ck_assert_int_eq(st_poll(pd, -1, 1000), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* Nothing was left registered. */
    ck_assert_int_eq(st_netfd_close(a), 0);
    ck_assert_int_eq(st_netfd_close(b), 0);
}
END_TEST

START_TEST(poll_empty_set_sleeps)
{
    st_utime_t t0;

    st_test_init(_i);
    t0 = st_utime();
    ck_assert_int_eq(st_poll(NULL, 0, 3000), 0);
    ck_assert(st_utime() - t0 >= 3000);
}
END_TEST

START_TEST(poll_regular_file_epoll_eperm)
{
    char path[] = "/tmp/st-poll-XXXXXX";
    struct pollfd pd[2];
    st_netfd_t a, b;
    int f;

#if !defined(ST_HAVE_EPOLL_BACKEND) || defined(ST_HAVE_KQUEUE_BACKEND)
    return;                             /* ST_EVENTSYS_ALT is not epoll */
#endif
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_ALT), 0);
    ck_assert_int_eq(st_init(), 0);
    st_test_tcp_pair(&a, &b);
    f = mkstemp(path);
    ck_assert_int_ge(f, 0);
    unlink(path);
    pd[0].fd = st_netfd_fileno(a);
    pd[0].events = POLLIN;
    pd[1].fd = f;
    pd[1].events = POLLIN;
    errno = 0;
    ck_assert_int_eq(st_poll(pd, 2, 1000), -1);
    ck_assert_int_eq(errno, EPERM);
    /* The earlier entry was unregistered. */
    ck_assert_int_eq(st_netfd_close(a), 0);
    close(f);
}
END_TEST

/* Regular files are always ready (API.md 3.9 st_open, 5.1 #27), also at
 * the end of the file; only epoll refuses them (the test above). */
START_TEST(poll_regular_file_ready)
{
    char path[] = "/tmp/st-poll-XXXXXX";
    struct pollfd pd;
    int f;

    st_test_init(_i);
#if defined(ST_HAVE_EPOLL_BACKEND) && !defined(ST_HAVE_KQUEUE_BACKEND)
    if (st_test_backends[_i] == ST_EVENTSYS_ALT)
        return;
#endif
    f = mkstemp(path);
    ck_assert_int_ge(f, 0);
    unlink(path);
    pd.fd = f;
    pd.events = POLLIN | POLLOUT;
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(5000000)), 1);
    ck_assert_int_eq(pd.revents & (POLLIN | POLLOUT), POLLIN | POLLOUT);
    ck_assert_int_eq((int)write(f, "x", 1), 1);
    pd.events = POLLIN;                 /* at the end of a non-empty file */
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(5000000)), 1);
    ck_assert_int_eq(pd.revents & POLLIN, POLLIN);
    close(f);
}
END_TEST

START_TEST(poll_pri_urgent_data)
{
    st_netfd_t a, b;
    struct pollfd pd;
    int v = st_test_backends[_i];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    ck_assert_int_eq((int)send(st_netfd_fileno(b), "!", 1, MSG_OOB), 1);
    pd.fd = st_netfd_fileno(a);
    pd.events = POLLPRI;
#if defined(ST_HAVE_KQUEUE_BACKEND)
    if (v == ST_EVENTSYS_ALT) {
        /* kqueue has no priority filter. */
        ck_assert_int_eq(st_poll(&pd, 1, 1000), -1);
        ck_assert_int_eq(errno, EINVAL);
        return;
    }
#endif
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(1000000)), 1);
    if (v != ST_EVENTSYS_POLL)
        ck_assert_int_eq(pd.revents, POLLPRI);
    else
        ck_assert(pd.revents & POLLPRI);
}
END_TEST

static void *read_one(void *arg)
{
    char c;
    return (void *)(intptr_t)st_read(arg, &c, 1, st_test_usec(5000000));
}

START_TEST(poll_high_descriptors)
{
    st_netfd_t a, b, ha, hb;
    st_thread_t t1, t2;
    struct rlimit rl;
    void *r1, *r2;
    int v = st_test_backends[_i];
    int hi1 = 5000, hi2 = 9000;

    if (v == ST_EVENTSYS_SELECT)
        return;                         /* select is capped at FD_SETSIZE */
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max < 9100)
        return;                         /* cannot open such descriptors */
    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    ck_assert_int_eq(dup2(st_netfd_fileno(a), hi1), hi1);
    ck_assert_int_eq(dup2(st_netfd_fileno(b), hi2), hi2);
    ha = st_netfd_open_socket(hi1);
    hb = st_netfd_open_socket(hi2);
    t1 = st_thread_create(read_one, ha, 1, 0);
    t2 = st_thread_create(read_one, hb, 1, 0);
    st_usleep(1000);
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "1", 1), 1);
    ck_assert_int_eq((int)write(st_netfd_fileno(a), "2", 1), 1);
    ck_assert_int_eq(st_thread_join(t1, &r1), 0);
    ck_assert_int_eq(st_thread_join(t2, &r2), 0);
    ck_assert_ptr_eq(r1, (void *)1L);
    ck_assert_ptr_eq(r2, (void *)1L);
}
END_TEST

START_TEST(netfd_poll_results)
{
    st_netfd_t a, b;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    errno = 0;
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, 2000), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN | POLLOUT, 1000000), 0);
    ck_assert_int_eq(st_netfd_poll(a, 0, 1000), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static void *multi_reader(void *arg)
{
    struct pollfd pd;
    pd.fd = st_netfd_fileno(arg);
    pd.events = POLLIN;
    return (void *)(intptr_t)st_poll(&pd, 1, st_test_usec(5000000));
}

START_TEST(many_waiters_same_fd)
{
    st_netfd_t a, b;
    st_thread_t t[5];
    void *rv;
    int i;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    for (i = 0; i < 5; i++)
        t[i] = st_thread_create(multi_reader, a, 1, 0);
    st_usleep(1000);
    if (st_test_backends[_i] != ST_EVENTSYS_POLL) {
        /* Waited on: refused, waiters undisturbed (poll never refuses). */
        ck_assert_int_eq(st_netfd_close(a), -1);
        ck_assert_int_eq(errno, EBUSY);
    }
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "m", 1), 1);
    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_ptr_eq(rv, (void *)1L);
    }
    ck_assert_int_eq(st_netfd_close(a), 0);
}
END_TEST

/* API.md 1.9: threads woken by I/O in one pass run in the order their
 * poll requests were registered, not in descriptor order nor in the
 * order the descriptors became ready.  Checked with a few waiters and
 * with many (epoll sorts small and large batches differently). */
#define ORDER_MAX 40
static int wake_order[ORDER_MAX], nwoken;

static void *order_waiter(void *arg)
{
    int *fdi = arg;  /* [0] descriptor, [1] this waiter's number */
    struct pollfd pd;

    pd.fd = fdi[0];
    pd.events = POLLIN;
    if (st_poll(&pd, 1, st_test_usec(5000000)) != 1)
        return (void *)0L;
    wake_order[nwoken++] = fdi[1];
    return (void *)1L;
}

static void check_wake_order(int n)
{
    int sv[ORDER_MAX][2], arg[ORDER_MAX][2], perm[ORDER_MAX], i;
    st_thread_t t[ORDER_MAX];
    void *rv;

    for (i = 0; i < n; i++) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
        perm[i] = (i * 7 + 3) % n;  /* n is not a multiple of 7 */
    }
    nwoken = 0;
    /* Waiter i registers i-th, on a descriptor out of numeric order. */
    for (i = 0; i < n; i++) {
        arg[i][0] = sv[perm[i]][0];
        arg[i][1] = i;
        t[i] = st_thread_create(order_waiter, arg[i], 1, 0);
        ck_assert_ptr_nonnull(t[i]);
    }
    st_thread_yield();  /* each runs once and waits, in order; no I/O pass */
    ck_assert_int_eq(nwoken, 0);
    /* Ready in reverse registration order, all before the next pass. */
    for (i = n - 1; i >= 0; i--)
        ck_assert_int_eq((int)write(sv[perm[i]][1], "o", 1), 1);
    for (i = 0; i < n; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_ptr_eq(rv, (void *)1L);
    }
    ck_assert_int_eq(nwoken, n);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(wake_order[i], i);
    for (i = 0; i < n; i++) {
        close(sv[i][0]);
        close(sv[i][1]);
    }
}

START_TEST(io_wake_order_is_registration_order)
{
    st_test_init(_i);
    check_wake_order(6);
    check_wake_order(ORDER_MAX);
}
END_TEST

/* A new connected pair whose first end has descriptor number fd (just
 * closed), as the next socket() usually gets. */
static void reuse_number(int nv[2], int fd)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, nv), 0);
    if (nv[0] != fd) {
        ck_assert_int_eq(dup2(nv[0], fd), fd);
        close(nv[0]);
        nv[0] = fd;
    }
}

/* Issue 18: a descriptor waited on with st_poll (no netfd) until the
 * timeout, then closed, its number reused by a new socket with data
 * ready: the next st_poll sees the new file at once.  (io_uring kept the
 * old file's poll armed and took it as covering the new request.) */
START_TEST(poll_reuse_after_timeout_raw)
{
    int sv[2], nv[2], fd;
    struct pollfd pd;

    st_test_init(_i);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fd = sv[0];
    pd.fd = fd;
    pd.events = POLLIN;
    ck_assert_int_eq(st_poll(&pd, 1, 2000), 0);
    ck_assert_int_eq(close(fd), 0);
    reuse_number(nv, fd);
    ck_assert_int_eq((int)write(nv[1], "n", 1), 1);
    pd.fd = fd;
    pd.events = POLLIN;
    pd.revents = 0;
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(2000000)), 1);
    ck_assert(pd.revents & POLLIN);
    close(nv[0]);
    close(nv[1]);
    close(sv[1]);
}
END_TEST

/* The same with netfds, freed and closed in either way; and with a
 * second netfd on the number (API.md 3.7: no duplicate detection) left
 * behind when the first is freed and the descriptor closed. */
START_TEST(poll_reuse_after_timeout_netfd)
{
    int way;

    st_test_init(_i);
    for (way = 0; way < 3; way++) {
        int sv[2], nv[2], fd;
        st_netfd_t a, a2 = NULL, n;

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        fd = sv[0];
        a = st_netfd_open_socket(fd);
        ck_assert_ptr_nonnull(a);
        if (way == 2) {
            a2 = st_netfd_open_socket(fd);
            ck_assert_ptr_nonnull(a2);
        }
        ck_assert_int_eq(st_netfd_poll(a, POLLIN, 2000), -1);
        ck_assert_int_eq(errno, ETIME);
        if (way == 0) {
            ck_assert_int_eq(st_netfd_close(a), 0);
        } else {
            st_netfd_free(a);
            ck_assert_int_eq(close(fd), 0);
        }
        reuse_number(nv, fd);
        n = st_netfd_open_socket(fd);
        ck_assert_ptr_nonnull(n);
        ck_assert_int_eq((int)write(nv[1], "n", 1), 1);
        ck_assert_int_eq(st_netfd_poll(n, POLLIN, st_test_usec(2000000)), 0);
        ck_assert_int_eq(st_netfd_close(n), 0);
        if (a2 != NULL)
            st_netfd_free(a2);
        close(nv[1]);
        close(sv[1]);
    }
}
END_TEST

/* Right after close() of a descriptor whose wait timed out, with no
 * dispatch in between, nothing of ST still holds the file: the peer
 * reads EOF at once. */
static void check_peer_eof(int sv[2])
{
    char c;

    ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
    errno = 0;
    ck_assert_int_eq((int)read(sv[1], &c, 1), 0);
    close(sv[1]);
}

START_TEST(poll_close_peer_sees_eof)
{
    int way;

    st_test_init(_i);
    for (way = 0; way < 3; way++) {
        int sv[2];
        struct pollfd pd;
        st_netfd_t a;

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        if (way == 0) {
            pd.fd = sv[0];
            pd.events = POLLIN;
            ck_assert_int_eq(st_poll(&pd, 1, 2000), 0);
            ck_assert_int_eq(close(sv[0]), 0);
        } else {
            a = st_netfd_open_socket(sv[0]);
            ck_assert_ptr_nonnull(a);
            ck_assert_int_eq(st_netfd_poll(a, POLLIN, 2000), -1);
            if (way == 1) {
                ck_assert_int_eq(st_netfd_close(a), 0);
            } else {
                st_netfd_free(a);
                ck_assert_int_eq(close(sv[0]), 0);
            }
        }
        check_peer_eof(sv);
    }
}
END_TEST

/* Anonymous resident pages of the process: /proc/self/statm's resident
 * minus shared (file-backed) pages.  A table grown and zero-filled is
 * anonymous memory; file pages are left out because the first run of
 * library code faults in text (up to 16 pages around each fault), which
 * says nothing about the tables. */
static long anon_pages(void)
{
    char buf[128];
    long res, shared;
    ssize_t n = -1;
    int fd = open("/proc/self/statm", O_RDONLY);

    if (fd >= 0) {
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
    }
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    if (sscanf(buf, "%*s %ld %ld", &res, &shared) != 2)
        return -1;
    return res - shared;
}

/* Issue 18: a huge descriptor number that was never opened is refused
 * (or reported) without any table growing to its size first. */
#define BOGUS_FD 4000000
START_TEST(poll_bogus_descriptor_no_growth)
{
    struct pollfd pd;
    long before, after, bound;
    int v = st_test_backends[_i], r, err, sv[2];

    ck_assert_int_lt(fcntl(BOGUS_FD, F_GETFD), 0);
    st_test_init(_i);
    /* Warm up: the idle thread's first run, the timerfd, the buffers. */
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pd.fd = sv[0];
    pd.events = POLLIN;
    ck_assert_int_eq(st_poll(&pd, 1, 1000), 0);
    close(sv[0]);
    close(sv[1]);
    (void)anon_pages();
    before = anon_pages();
    pd.fd = BOGUS_FD;
    pd.events = POLLIN;
    pd.revents = 0;
    errno = 0;
    r = st_poll(&pd, 1, st_test_usec(1000000));
    err = errno;
    ck_assert_ptr_null(st_netfd_open_socket(BOGUS_FD));
    ck_assert_int_eq(errno, v == ST_EVENTSYS_SELECT ? EMFILE : EBADF);
    ck_assert_ptr_null(st_netfd_open(BOGUS_FD));
    after = anon_pages();
    /* A few pages (more with AddressSanitizer's allocator and shadow, or
     * valgrind's translations of code run for the first time); growing a
     * table to the number would cost tens of thousands. */
#if defined(ST_TEST_ASAN)
    bound = 32;
#else
    bound = st_test_on_valgrind() ? 256 : 8;
#endif
    if (before > 0 && after > 0)
        ck_assert_int_le(after - before, bound);
    if (v == ST_EVENTSYS_SELECT) {
        ck_assert_int_eq(r, -1);
        ck_assert_int_eq(err, EINVAL);
    } else if (v == ST_EVENTSYS_POLL) {
        ck_assert_int_eq(r, 1);         /* the kernel's answer, verbatim */
        ck_assert_int_eq(pd.revents, POLLNVAL);
    } else {
        ck_assert_int_eq(r, -1);
        ck_assert_int_eq(err, EBADF);
    }
}
END_TEST

/* Waits after reads, as a poll-first server does them: a read that fills
 * its buffer says nothing about the rest, a short one leaves nothing
 * behind, and every later arrival or the end of the stream ends a wait. */
static void *write_later(void *arg)
{
    st_usleep(20000);
    ck_assert_int_eq((int)write(st_netfd_fileno(arg), "later", 5), 5);
    return NULL;
}

START_TEST(poll_level_after_reads)
{
    st_netfd_t a, b;
    st_thread_t t;
    char big[200], buf[100];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    memset(big, 'x', sizeof big);
    ck_assert_int_eq((int)write(st_netfd_fileno(b), big, sizeof big), 200);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq((int)st_read(a, buf, 100, 1000000), 100);
    /* A full read: the other 100 bytes are still there. */
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq((int)st_read(a, buf, 100, 1000000), 100);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, 20000), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "0123456789", 10), 10);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq((int)st_read(a, buf, 100, 1000000), 10);
    /* A short read emptied the queue: no false readiness... */
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, 20000), -1);
    ck_assert_int_eq(errno, ETIME);
    /* ...and an arrival while we wait, or before we wait, ends it. */
    t = st_thread_create(write_later, b, 1, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(5000000)), 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq((int)st_read(a, buf, 100, 1000000), 5);
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "now", 3), 3);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq((int)st_read(a, buf, 100, 1000000), 3);
    /* The end of the stream stays readable. */
    ck_assert_int_eq(st_netfd_close(b), 0);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq((int)st_read(a, buf, 100, 1000000), 0);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq(st_netfd_close(a), 0);
}
END_TEST

/* Level readiness after several arrivals, all read before the next poll
 * (API.md 3.8): the news of the data that the read took is not news of
 * data now.  On TCP and on an AF_UNIX stream. */
static void several_arrivals_then_poll(st_netfd_t a, st_netfd_t b)
{
    char buf[100];
    ssize_t n;
    int i, got;

    ck_assert_int_eq((int)write(st_netfd_fileno(b), "x", 1), 1);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq((int)st_read(a, buf, sizeof buf, 1000000), 1);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq((int)write(st_netfd_fileno(b), "ab", 2), 2);
        ck_assert_int_eq((int)write(st_netfd_fileno(b), "cd", 2), 2);
        for (got = 0; got < 4; got += (int)n) {   /* reads that stop short */
            n = st_read(a, buf + got, sizeof buf - (size_t)got,
                        st_test_usec(1000000));
            ck_assert_int_gt((int)n, 0);
        }
        ck_assert_int_eq(got, 4);
        errno = 0;
        ck_assert_int_eq(st_netfd_poll(a, POLLIN, 20000), -1);
        ck_assert_int_eq(errno, ETIME);
    }
    /* And new data still ends the wait. */
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "e", 1), 1);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq(st_netfd_close(a), 0);
    ck_assert_int_eq(st_netfd_close(b), 0);
}

START_TEST(poll_level_after_several_arrivals)
{
    st_netfd_t a, b;
    int sv[2];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    several_arrivals_then_poll(a, b);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    a = st_netfd_open_socket(sv[0]);
    b = st_netfd_open_socket(sv[1]);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    several_arrivals_then_poll(a, b);
}
END_TEST

/* Two UDP sockets on loopback, each connected to the other. */
static void udp_pair(int sv[2])
{
    struct sockaddr_in sa[2];
    int i;

    for (i = 0; i < 2; i++) {
        socklen_t l = sizeof sa[i];
        sv[i] = (int)socket(AF_INET, SOCK_DGRAM, 0);
        ck_assert_int_ge(sv[i], 0);
        memset(&sa[i], 0, sizeof sa[i]);
        sa[i].sin_family = AF_INET;
        sa[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(sv[i], (struct sockaddr *)&sa[i], sizeof sa[i]), 0);
        ck_assert_int_eq(getsockname(sv[i], (struct sockaddr *)&sa[i], &l), 0);
    }
    for (i = 0; i < 2; i++)
        ck_assert_int_eq(connect(sv[i], (struct sockaddr *)&sa[1 - i],
                                 sizeof sa[1 - i]), 0);
}

/* A datagram smaller than the buffer is a short read with the next
 * datagram still queued: UDP, and AF_UNIX SOCK_SEQPACKET where there is
 * one. */
START_TEST(poll_datagrams_after_short_read)
{
    int k, nkinds = 1;

#if !defined(_WIN32)
    nkinds = 2;
#endif
    st_test_init(_i);
    for (k = 0; k < nkinds; k++) {
        int sv[2];
        st_netfd_t a, b;
        char buf[100];

        if (k == 0)
            udp_pair(sv);
#if !defined(_WIN32)
        else
            ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
#endif
        a = st_netfd_open_socket(sv[0]);
        b = st_netfd_open_socket(sv[1]);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        ck_assert_int_eq(st_netfd_poll(a, POLLIN, 20000), -1);
        ck_assert_int_eq(errno, ETIME);
        ck_assert_int_eq((int)send(sv[1], "first", 5, 0), 5);
        ck_assert_int_eq((int)send(sv[1], "second", 6, 0), 6);
        ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
        ck_assert_int_eq((int)st_read(a, buf, sizeof buf, 1000000), 5);
        ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
        ck_assert_int_eq((int)st_read(a, buf, sizeof buf, 1000000), 6);
        ck_assert_int_eq(st_netfd_close(a), 0);
        ck_assert_int_eq(st_netfd_close(b), 0);
    }
}
END_TEST

/* Urgent data stops a TCP read short of the data behind it.  The next
 * st_read gets that data at once everywhere; io_uring's standing poll
 * takes the short read for an empty queue, so there st_netfd_poll waits
 * for the next arrival (documented in st_netfd_poll(3)). */
START_TEST(poll_after_read_stopped_by_urgent_data)
{
    st_netfd_t a, b;
    char buf[100];
    int fb;
    int v = st_test_backends[_i];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    fb = st_netfd_fileno(b);
    ck_assert_int_eq((int)send(fb, "ab", 2, 0), 2);
    ck_assert_int_eq((int)send(fb, "c", 1, MSG_OOB), 1);
    ck_assert_int_eq((int)send(fb, "de", 2, 0), 2);
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    ck_assert_int_eq((int)st_read(a, buf, sizeof buf, 1000000), 2);
    ck_assert_int_eq(memcmp(buf, "ab", 2), 0);
#if defined(ST_EVENTSYS_IO_URING)
    if (v != ST_EVENTSYS_IO_URING)
#endif
        ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    (void)v;
    ck_assert_int_eq((int)st_read(a, buf, sizeof buf, st_test_usec(1000000)), 2);
    ck_assert_int_eq(memcmp(buf, "de", 2), 0);
}
END_TEST

/* API.md 3.8 st_poll, step 3: "Appends a poll request to the I/O list,
 * arms a timer unless ST_UTIME_NO_TIMEOUT, switches — always, even if
 * descriptors are already ready; readiness is discovered in the next
 * idle pass"; st_netfd_poll is st_poll on one entry; 5.2 #6: "st_poll/
 * st_netfd_poll always switch even when ready" (keep).  A thread made
 * runnable before the call runs before the call returns, and readiness
 * it causes is found by the same call. */
static int bystander_runs;

static void *bystander(void *arg)
{
    int *sv = arg;
    struct pollfd p;

    bystander_runs++;
    if (sv != NULL) {
        /* Make sv[0] readable, and wait (blocking the process, not
         * switching) until the kernel says so. */
        ck_assert_int_eq((int)write(sv[1], "w", 1), 1);
        p.fd = sv[0];
        p.events = POLLIN;
        p.revents = 0;
        ck_assert_int_eq(poll(&p, 1, 5000), 1);
    }
    return NULL;
}

START_TEST(poll_switches_when_ready)
{
    st_netfd_t a, b;
    struct pollfd pd[2];
    st_thread_t t;
    int sv[2], k, r;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "r", 1), 1);
    /* a is readable (and writable) now, and stays so: nothing reads. */
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    for (k = 0; k < 5; k++) {
        bystander_runs = 0;
        t = st_thread_create(bystander, k == 4 ? sv : NULL, 1, 0);
        ck_assert_ptr_nonnull(t);
        pd[0].fd = st_netfd_fileno(a);
        pd[0].revents = 0;
        switch (k) {
        case 0:
            pd[0].events = POLLIN;
            ck_assert_int_eq(st_poll(pd, 1, st_test_usec(1000000)), 1);
            ck_assert(pd[0].revents & POLLIN);
            break;
        case 1:
            pd[0].events = POLLIN | POLLOUT;
            ck_assert_int_eq(st_poll(pd, 1, ST_UTIME_NO_TIMEOUT), 1);
            ck_assert(pd[0].revents & POLLIN);
            ck_assert(pd[0].revents & POLLOUT);
            break;
        case 2:
            ck_assert_int_eq(st_netfd_poll(a, POLLIN,
                                           st_test_usec(1000000)), 0);
            break;
        case 3:
            ck_assert_int_eq(st_netfd_poll(a, POLLOUT,
                                           ST_UTIME_NO_TIMEOUT), 0);
            break;
        case 4:
            /* sv[0] is not ready at the call; the bystander, run by the
             * switch, makes it so before the pass that finds a ready. */
            pd[0].events = POLLIN;
            pd[1].fd = sv[0];
            pd[1].events = POLLIN;
            pd[1].revents = 0;
            r = st_poll(pd, 2, st_test_usec(1000000));
            ck_assert_int_eq(r, 2);
            ck_assert(pd[0].revents & POLLIN);
            ck_assert(pd[1].revents & POLLIN);
            break;
        }
        ck_assert_int_eq(bystander_runs, 1);
        ck_assert_int_eq(st_thread_join(t, NULL), 0);
    }
    close(sv[0]);
    close(sv[1]);
    ck_assert_int_eq(st_netfd_close(a), 0);
    ck_assert_int_eq(st_netfd_close(b), 0);
}
END_TEST

/* API.md 6.8, revents by backend: "select: POLLIN, POLLOUT, POLLPRI
 * (errors/EOF appear as readable/writable)"; "poll: whatever the kernel
 * reports, verbatim" (6.4: "including POLLERR, POLLHUP, POLLNVAL");
 * "epoll: requested subset of POLLIN/POLLOUT/POLLPRI, plus POLLERR,
 * POLLHUP unrequested; error/hang-up also sets all requested directions"
 * (6.5).  io_uring reports as epoll does (ev_io_uring.c: a poll result
 * with POLLERR or POLLHUP adds every wanted direction).  3.8
 * st_netfd_poll: "otherwise 0 (also when only POLLERR/POLLHUP are
 * reported — the next I/O call then returns the error or EOF)".
 *
 * Checked on a TCP connection that hung up (this end shut down for
 * writing, then the peer closed: POLLHUP, no error; the peer's close
 * alone is only an end of file, readable) and on one the peer reset
 * (POLLERR and POLLHUP).  No urgent data is ever sent, so POLLPRI
 * is never ready in itself: it appears only where epoll and io_uring add
 * it for the error or hang-up, and a select wait for it alone sees
 * neither (they are readable/writable there). */

/* The kernel's own answer for fd now, as poll(2) gives it. */
static short kernel_revents(int fd, short events)
{
    struct pollfd p;

    p.fd = fd;
    p.events = events;
    p.revents = 0;
    ck_assert_int_eq(poll(&p, 1, 0), 1);
    return p.revents;
}

/* st_poll on fd for events, which must wake at once (the condition is
 * there already) unless select cannot see it; checks revents against
 * what the backend reports: dirs are the directions the connection shows
 * (readable, writable), cond POLLHUP and maybe POLLERR. */
static void check_cond_revents(int v, int fd, short events, short dirs,
                               short cond)
{
    struct pollfd pd;
    int r;

    pd.fd = fd;
    pd.events = events;
    pd.revents = 0;
    r = st_poll(&pd, 1, v == ST_EVENTSYS_SELECT && !(events & dirs) ?
                20000 : st_test_usec(5000000));
    if (v == ST_EVENTSYS_SELECT) {
        /* Only the directions asked for and shown, no condition bits. */
        ck_assert_int_eq(r, (events & dirs) ? 1 : 0);
        if (r == 1)
            ck_assert_int_eq(pd.revents, events & dirs);
        return;
    }
    ck_assert_int_eq(r, 1);
    if (strcmp(st_get_eventsys_name(), "kqueue") == 0) {
        /* kqueue: the directions asked for (both shown), POLLERR at most
         * added; it has no POLLHUP. */
        ck_assert_int_eq(pd.revents & ~POLLERR, events);
    } else if (v == ST_EVENTSYS_POLL) {
        /* Verbatim: the kernel's bits, the condition included even when
         * no direction was asked for or is shown.  (Which directions
         * come with it is the kernel's business: WSAPoll reports a
         * hang-up without POLLRDNORM.) */
        ck_assert_int_eq(pd.revents, kernel_revents(fd, events));
        ck_assert_int_eq(pd.revents & (POLLERR | POLLHUP), cond);
    } else {
        /* epoll, io_uring: the condition sets every requested direction,
         * POLLPRI too. */
        ck_assert_int_eq(pd.revents, events | cond);
    }
}

/* Once cond has come: every request on a's descriptor, both directions
 * shown, cond set; and st_netfd_poll(POLLPRI) ends with the condition
 * alone (not on select, which has no condition bits; kqueue refuses
 * POLLPRI). */
static void check_each_request(int v, st_netfd_t a, short cond)
{
    int fa = st_netfd_fileno(a);
    struct pollfd pd;

    /* Wait for the condition to arrive: it makes the socket readable. */
    pd.fd = fa;
    pd.events = POLLIN;
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(5000000)), 1);
    check_cond_revents(v, fa, POLLIN, POLLIN | POLLOUT, cond);
    check_cond_revents(v, fa, POLLOUT, POLLIN | POLLOUT, cond);
    if (strcmp(st_get_eventsys_name(), "kqueue") == 0) {
        /* API.md 6.6: kqueue refuses POLLPRI. */
        pd.events = POLLPRI;
        errno = 0;
        ck_assert_int_eq(st_poll(&pd, 1, 0), -1);
        ck_assert_int_eq(errno, EINVAL);
        return;
    }
    check_cond_revents(v, fa, POLLIN | POLLPRI, POLLIN | POLLOUT, cond);
    check_cond_revents(v, fa, POLLPRI, POLLIN | POLLOUT, cond);
    if (v != ST_EVENTSYS_SELECT)
        ck_assert_int_eq(st_netfd_poll(a, POLLPRI, st_test_usec(5000000)),
                         0);
}

START_TEST(poll_revents_hangup)
{
    st_netfd_t a, b;
    char c;
    int v = st_test_backends[_i], fa;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    fa = st_netfd_fileno(a);
    ck_assert_int_eq(shutdown(fa, SHUT_WR), 0);
    ck_assert_int_eq(st_netfd_close(b), 0); /* the peer's EOF: hang-up */
    check_each_request(v, a, POLLHUP);
    ck_assert_int_eq((int)st_read(a, &c, 1, st_test_usec(1000000)), 0);
    ck_assert_int_eq(st_netfd_close(a), 0);
}
END_TEST

START_TEST(poll_revents_reset)
{
    st_netfd_t a, b;
    struct linger lg;
    char c;
    int v = st_test_backends[_i];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    lg.l_onoff = 1;
    lg.l_linger = 0;
    ck_assert_int_eq(setsockopt(st_netfd_fileno(b), SOL_SOCKET, SO_LINGER,
                                (const char *)&lg, sizeof lg), 0);
    ck_assert_int_eq(st_netfd_close(b), 0);     /* sends RST */
    check_each_request(v, a, POLLERR | POLLHUP);
    ck_assert_int_eq(st_netfd_poll(a, POLLOUT, st_test_usec(5000000)), 0);
    /* The next I/O call returns the error. */
    errno = 0;
    ck_assert_int_eq((int)st_read(a, &c, 1, st_test_usec(1000000)), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    ck_assert_int_eq(st_netfd_close(a), 0);
}
END_TEST

/* API.md 3.8 st_poll, step 4: "Interrupted: unregisters if still
 * registered, −1 EINTR (even if readiness was found in the same pass)";
 * 1.9: "Threads woken by I/O are appended in the order their poll
 * requests were registered".  Two threads wait on one descriptor; the
 * pass that finds it readable wakes both, and the first, running first,
 * interrupts the second, which is runnable by then with its readiness
 * found: its st_poll (or st_netfd_poll) still fails with EINTR.  The
 * interrupt is consumed: its next wait sees the descriptor ready. */
static st_thread_t victim;
static int victim_how, victim_state, victim_r, victim_e, victim_again;

static void *interrupter(void *arg)
{
    st_thread_info_t info[8];
    struct pollfd pd;
    int i, n;

    pd.fd = st_netfd_fileno(arg);
    pd.events = POLLIN;
    if (st_poll(&pd, 1, st_test_usec(5000000)) != 1)
        return (void *)0L;
    n = st_thread_stats(info, 8);
    for (i = 0; i < n; i++)
        if (info[i].thread == victim)
            victim_state = info[i].state;
    st_thread_interrupt(victim);
    return (void *)1L;
}

static void *interrupted_waiter(void *arg)
{
    struct pollfd pd;

    pd.fd = st_netfd_fileno(arg);
    pd.events = POLLIN;
    pd.revents = 0;
    errno = 0;
    if (victim_how == 0)
        victim_r = st_poll(&pd, 1, st_test_usec(5000000));
    else
        victim_r = st_netfd_poll(arg, POLLIN, st_test_usec(5000000));
    victim_e = errno;
    victim_again = st_poll(&pd, 1, st_test_usec(1000000));
    return NULL;
}

START_TEST(poll_interrupt_beats_readiness)
{
    st_netfd_t a, b;
    st_thread_t t;
    void *rv;
    char c;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    for (victim_how = 0; victim_how < 2; victim_how++) {
        victim_state = -1;
        victim_r = victim_e = victim_again = -2;
        t = st_thread_create(interrupter, a, 1, 0);
        ck_assert_ptr_nonnull(t);
        victim = st_thread_create(interrupted_waiter, a, 1, 0);
        ck_assert_ptr_nonnull(victim);
        st_thread_yield();      /* both register, in this order; no pass */
        ck_assert_int_eq((int)write(st_netfd_fileno(b), "i", 1), 1);
        ck_assert_int_eq(st_thread_join(t, &rv), 0);
        ck_assert_ptr_eq(rv, (void *)1L);
        ck_assert_int_eq(st_thread_join(victim, NULL), 0);
        /* Woken by the readiness, in the interrupter's pass. */
        ck_assert_int_eq(victim_state, ST_STATE_RUNNABLE);
        ck_assert_int_eq(victim_r, -1);
        ck_assert_int_eq(victim_e, EINTR);
        ck_assert_int_eq(victim_again, 1);
        ck_assert_int_eq((int)st_read(a, &c, 1, st_test_usec(1000000)), 1);
    }
    ck_assert_int_eq(st_netfd_close(a), 0);
    ck_assert_int_eq(st_netfd_close(b), 0);
}
END_TEST

/* API.md 1.6: "A timeout of 0 (ST_UTIME_NO_WAIT) never means 'return
 * without switching': the thread is due immediately, so it waits until
 * the run queue drains and the idle thread makes one non-blocking I/O
 * check, then wakes (I/O readiness found in that pass wins over the
 * timeout)."  Ready descriptors: st_poll returns them and st_netfd_poll
 * 0, not a timeout; a descriptor that is not ready times out. */
START_TEST(poll_no_wait_readiness_wins)
{
    st_netfd_t a, b;
    struct pollfd pd[2];
    int k;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    ck_assert_int_eq((int)write(st_netfd_fileno(b), "z", 1), 1);
    /* a is readable now, and stays so: nothing reads. */
    ck_assert_int_eq(st_netfd_poll(a, POLLIN, st_test_usec(1000000)), 0);
    for (k = 0; k < 3; k++) {
        pd[0].fd = st_netfd_fileno(a);
        pd[0].events = POLLIN;
        pd[0].revents = 0;
        pd[1].fd = st_netfd_fileno(b);
        pd[1].events = POLLIN;
        pd[1].revents = POLLIN;         /* stale: must be rewritten */
        ck_assert_int_eq(st_poll(pd, 2, ST_UTIME_NO_WAIT), 1);
        ck_assert(pd[0].revents & POLLIN);
        ck_assert_int_eq(pd[1].revents, 0);
        ck_assert_int_eq(st_netfd_poll(a, POLLIN, ST_UTIME_NO_WAIT), 0);
        ck_assert_int_eq(st_netfd_poll(b, POLLOUT, ST_UTIME_NO_WAIT), 0);
        ck_assert_int_eq(st_netfd_poll(a, POLLIN | POLLOUT,
                                       ST_UTIME_NO_WAIT), 0);
        errno = 0;
        ck_assert_int_eq(st_netfd_poll(b, POLLIN, ST_UTIME_NO_WAIT), -1);
        ck_assert_int_eq(errno, ETIME);
        errno = 4242;
        ck_assert_int_eq(st_poll(&pd[1], 1, ST_UTIME_NO_WAIT), 0);
        ck_assert_int_eq(errno, 4242);
    }
    ck_assert_int_eq(st_netfd_close(a), 0);
    ck_assert_int_eq(st_netfd_close(b), 0);
}
END_TEST

static Suite *poll_suite(void)
{
    Suite *s = suite_create("poll");
    TCase *tc = tcase_create("poll");
    int n = st_test_nbackends;

    tcase_add_loop_test(tc, poll_counts_and_revents, 0, n);
    tcase_add_loop_test(tc, poll_timeout_zero_revents_errno_kept, 0, n);
    tcase_add_loop_test(tc, poll_interrupt, 0, n);
    tcase_add_loop_test(tc, poll_invalid_sets, 0, n);
    tcase_add_loop_test(tc, poll_empty_set_sleeps, 0, n);
    tcase_add_test(tc, poll_regular_file_epoll_eperm);
    tcase_add_loop_test(tc, poll_regular_file_ready, 0, n);
    tcase_add_loop_test(tc, poll_pri_urgent_data, 0, n);
    tcase_add_loop_test(tc, poll_high_descriptors, 0, n);
    tcase_add_loop_test(tc, netfd_poll_results, 0, n);
    tcase_add_loop_test(tc, many_waiters_same_fd, 0, n);
    tcase_add_loop_test(tc, io_wake_order_is_registration_order, 0, n);
    tcase_add_loop_test(tc, poll_reuse_after_timeout_raw, 0, n);
    tcase_add_loop_test(tc, poll_reuse_after_timeout_netfd, 0, n);
    tcase_add_loop_test(tc, poll_close_peer_sees_eof, 0, n);
    tcase_add_loop_test(tc, poll_bogus_descriptor_no_growth, 0, n);
    tcase_add_loop_test(tc, poll_level_after_reads, 0, n);
    tcase_add_loop_test(tc, poll_level_after_several_arrivals, 0, n);
    tcase_add_loop_test(tc, poll_datagrams_after_short_read, 0, n);
    tcase_add_loop_test(tc, poll_after_read_stopped_by_urgent_data, 0, n);
    tcase_add_loop_test(tc, poll_switches_when_ready, 0, n);
    tcase_add_loop_test(tc, poll_revents_hangup, 0, n);
    tcase_add_loop_test(tc, poll_revents_reset, 0, n);
    tcase_add_loop_test(tc, poll_interrupt_beats_readiness, 0, n);
    tcase_add_loop_test(tc, poll_no_wait_readiness_wins, 0, n);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(poll_suite());
}
