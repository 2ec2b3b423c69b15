/* SPDX-License-Identifier: MIT */
/* check_io.c - the I/O calls (API.md 3.7, 3.9, 5.1 #21-#25, #28-#30). */
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define T1S st_test_usec(1000000)

static unsigned char pattern(size_t i)
{
    return (unsigned char)((i * 131) ^ (i >> 8));
}

struct xfer {
    st_netfd_t fd;
    size_t len;
    size_t chunk;
    st_utime_t delay;
};

static void *slow_writer(void *arg)
{
    struct xfer *x = arg;
    unsigned char buf[4096];
    size_t off = 0;

    while (off < x->len) {
        size_t n = x->len - off < x->chunk ? x->len - off : x->chunk, i;
        for (i = 0; i < n; i++)
            buf[i] = pattern(off + i);
        if (st_write(x->fd, buf, n, T1S) != (ssize_t)n)
            return (void *)1;
        off += n;
        if (x->delay)
            st_usleep(x->delay);
    }
    return NULL;
}

START_TEST(read_fully_waits_all_segments)
{
    st_netfd_t a, b;
    struct xfer x;
    unsigned char buf[3000];
    st_thread_t w;
    size_t i;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    x.fd = b; x.len = sizeof buf; x.chunk = 700; x.delay = 500;
    w = st_thread_create(slow_writer, &x, 1, 0);
    ck_assert_int_eq((int)st_read_fully(a, buf, sizeof buf, T1S),
                     (int)sizeof buf);
    for (i = 0; i < sizeof buf; i++)
        ck_assert_int_eq(buf[i], pattern(i));
    ck_assert_int_eq(st_thread_join(w, NULL), 0);
}
END_TEST

START_TEST(read_fully_short_at_eof_and_timeout)
{
    st_netfd_t a, b;
    char buf[100];

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    ck_assert_int_eq((int)st_write(b, "hello", 5, T1S), 5);
    errno = 0;
    ck_assert_int_eq((int)st_read_fully(a, buf, sizeof buf, 3000), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert(memcmp(buf, "hello", 5) == 0);   /* partial data kept */
    ck_assert_int_eq((int)st_write(b, "abc", 3, T1S), 3);
    ck_assert_int_eq(st_netfd_close(b), 0);
    ck_assert_int_eq((int)st_read_fully(a, buf, sizeof buf, T1S), 3);
    ck_assert(memcmp(buf, "abc", 3) == 0);
}
END_TEST

static int rf_r, rf_e;

static void *read_fully_bg(void *arg)
{
    char buf[10];
    rf_r = (int)st_read_fully(arg, buf, sizeof buf, ST_UTIME_NO_TIMEOUT);
    rf_e = errno;
    return NULL;
}

START_TEST(read_fully_interrupted)
{
    st_netfd_t a, b;
    st_thread_t t;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    t = st_thread_create(read_fully_bg, a, 1, 0);
    ck_assert_int_eq((int)st_write(b, "12", 2, T1S), 2);
    st_usleep(2000);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(rf_r, -1);
    ck_assert_int_eq(rf_e, EINTR);
}
END_TEST

START_TEST(resid_accounting)
{
    st_netfd_t a, b;
    char b1[4], b2[6], b3[5];
    struct iovec iov[4], *p;
    int n;
    size_t resid;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    ck_assert_int_eq((int)st_write(b, "0123456", 7, T1S), 7);
    iov[0].iov_base = b1; iov[0].iov_len = sizeof b1;
    iov[1].iov_base = b2; iov[1].iov_len = sizeof b2;
    iov[2].iov_base = b3; iov[2].iov_len = sizeof b3;
    iov[3].iov_base = b3; iov[3].iov_len = 0;
    p = iov;
    n = 4;
    errno = 0;
    ck_assert_int_eq(st_readv_resid(a, &p, &n, 3000), -1);
    ck_assert_int_eq(errno, ETIME);
    /* 7 bytes: b1 full, 3 of b2. */
    ck_assert_ptr_eq(p, &iov[1]);
    ck_assert_int_eq(n, 3);
    ck_assert_ptr_eq(iov[1].iov_base, b2 + 3);
    ck_assert_int_eq((int)iov[1].iov_len, 3);
    ck_assert_int_eq((int)iov[0].iov_len, 0);
    /* Resume after the timeout: exactly the rest. */
    ck_assert_int_eq((int)st_write(b, "789abcdefgh", 8, T1S), 8);
    ck_assert_int_eq(st_readv_resid(a, &p, &n, T1S), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_eq(p, &iov[4]);     /* trailing empty iovec skipped */
    ck_assert(memcmp(b1, "0123", 4) == 0);
    ck_assert(memcmp(b2, "456789", 6) == 0);
    ck_assert(memcmp(b3, "abcde", 5) == 0);
    /* Nothing to do: 0 at once. */
    n = 0;
    ck_assert_int_eq(st_readv_resid(a, &p, &n, 0), 0);
    resid = 0;
    ck_assert_int_eq(st_read_resid(a, b1, &resid, 0), 0);
    ck_assert_int_eq(st_write_resid(a, b1, &resid, 0), 0);
    /* EOF: 0 with bytes still missing. */
    ck_assert_int_eq(st_netfd_close(b), 0);
    resid = sizeof b1;
    ck_assert_int_eq(st_read_resid(a, b1, &resid, T1S), 0);
    ck_assert_int_eq((int)resid, (int)sizeof b1);
}
END_TEST

START_TEST(write_resid_resumes_after_timeout)
{
    st_netfd_t a, b;
    static char big[4 << 20];
    char *rbuf;
    size_t resid = sizeof big, sent, got = 0;
    ssize_t n;
    size_t i;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)pattern(i);
    errno = 0;
    ck_assert_int_eq(st_write_resid(a, big, &resid, 5000), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert(resid > 0 && resid < sizeof big);
    sent = sizeof big - resid;
    rbuf = malloc(sizeof big);
    /* Drain in another thread while the rest is written. */
    while (got < sent) {
        n = st_read(b, rbuf + got, sizeof big - got, T1S);
        ck_assert_int_gt((int)n, 0);
        got += (size_t)n;
    }
    {
        struct iovec v, *pv = &v;
        int nv = 1;
        v.iov_base = big + sent;
        v.iov_len = resid;
        while (nv > 0) {
            if (st_writev_resid(a, &pv, &nv, 1000) < 0)
                ck_assert_int_eq(errno, ETIME);
            while (got < sizeof big - v.iov_len - (nv ? 0 : 0)) {
                n = st_read(b, rbuf + got, sizeof big - got, 1000);
                if (n <= 0)
                    break;
                got += (size_t)n;
            }
        }
    }
    while (got < sizeof big) {
        n = st_read(b, rbuf + got, sizeof big - got, T1S);
        ck_assert_int_gt((int)n, 0);
        got += (size_t)n;
    }
    ck_assert(memcmp(rbuf, big, sizeof big) == 0);
    free(rbuf);
}
END_TEST

static void *drain(void *arg)
{
    struct xfer *x = arg;
    unsigned char buf[8192];
    size_t off = 0;

    while (off < x->len) {
        ssize_t n = st_read(x->fd, buf, sizeof buf, T1S);
        size_t i;
        if (n <= 0)
            return (void *)1;
        for (i = 0; i < (size_t)n; i++)
            if (buf[i] != pattern(off + i))
                return (void *)2;
        off += (size_t)n;
        if (x->delay)
            st_usleep(x->delay);
    }
    return NULL;
}

START_TEST(writev_many_vectors_in_order)
{
    st_netfd_t a, b;
    struct iovec iov[40];
    static unsigned char data[40 * 20000];
    struct xfer x;
    st_thread_t d;
    void *rv;
    size_t i;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    for (i = 0; i < sizeof data; i++)
        data[i] = pattern(i);
    for (i = 0; i < 40; i++) {
        iov[i].iov_base = data + i * 20000;
        iov[i].iov_len = 20000;
    }
    x.fd = b; x.len = sizeof data; x.delay = 200;
    d = st_thread_create(drain, &x, 1, 0);
    ck_assert_int_eq((int)st_writev(a, iov, 40, T1S), (int)sizeof data);
    /* The caller's array is untouched. */
    for (i = 0; i < 40; i++) {
        ck_assert_ptr_eq(iov[i].iov_base, data + i * 20000);
        ck_assert_int_eq((int)iov[i].iov_len, 20000);
    }
    ck_assert_int_eq(st_thread_join(d, &rv), 0);
    ck_assert_ptr_null(rv);
    ck_assert_int_eq((int)st_writev(a, iov, 0, T1S), 0);
    ck_assert_int_eq((int)st_write(a, data, 0, T1S), 0);
}
END_TEST

static void make_reset(st_netfd_t *a, st_netfd_t *b)
{
    struct linger lg;

    st_test_tcp_pair(a, b);
    lg.l_onoff = 1;
    lg.l_linger = 0;
    ck_assert_int_eq(setsockopt(st_netfd_fileno(*b), SOL_SOCKET, SO_LINGER,
                                &lg, sizeof lg), 0);
    ck_assert_int_eq(st_netfd_close(*b), 0);     /* sends RST */
    st_usleep(1000);
}

START_TEST(reset_peer_errors)
{
    st_netfd_t a, b;
    char buf[64];
    struct iovec v;
    size_t resid;
    int k;

    st_test_init(_i);
    for (k = 0; k < 4; k++) {
        make_reset(&a, &b);
        errno = 0;
        switch (k) {
        case 0:
            ck_assert_int_eq((int)st_read(a, buf, sizeof buf, T1S), -1);
            break;
        case 1:
            ck_assert_int_eq((int)st_read_fully(a, buf, sizeof buf, T1S), -1);
            break;
        case 2:
            v.iov_base = buf; v.iov_len = sizeof buf;
            ck_assert_int_eq((int)st_readv(a, &v, 1, T1S), -1);
            break;
        case 3:
            resid = sizeof buf;
            ck_assert_int_eq(st_read_resid(a, buf, &resid, T1S), -1);
            break;
        }
        ck_assert_int_eq(errno, ECONNRESET);
        st_netfd_close(a);
    }
    make_reset(&a, &b);
    memset(buf, 0, sizeof buf);
    errno = 0;
    ck_assert_int_eq((int)st_write(a, buf, sizeof buf, T1S), -1);
    ck_assert(errno == EPIPE || errno == ECONNRESET);
    st_netfd_close(a);
    make_reset(&a, &b);
    v.iov_base = buf; v.iov_len = sizeof buf;
    ck_assert_int_eq((int)st_writev(a, &v, 1, T1S), -1);
    ck_assert(errno == EPIPE || errno == ECONNRESET);
    st_netfd_close(a);
}
END_TEST

START_TEST(accept_and_connect)
{
    struct sockaddr_in sin, peer;
    st_netfd_t l, c, s;
    int peerlen = sizeof peer, fl;

    st_test_init(_i);
    l = st_test_listener(&sin, 8);
    c = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
    ck_assert_int_eq(st_connect(c, (struct sockaddr *)&sin, sizeof sin, T1S), 0);
    s = st_accept(l, (struct sockaddr *)&peer, &peerlen, T1S);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(peerlen, (int)sizeof peer);
    ck_assert_int_eq(peer.sin_family, AF_INET);
    ck_assert_int_eq(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    fl = fcntl(st_netfd_fileno(s), F_GETFL);
    ck_assert(fl & O_NONBLOCK);
    ck_assert_int_eq(fcntl(st_netfd_fileno(s), F_GETFD) & FD_CLOEXEC, 0);
    errno = 0;
    ck_assert_ptr_null(st_accept(l, NULL, NULL, 3000));
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq(st_netfd_close(s), 0);
    ck_assert_int_eq(st_netfd_close(c), 0);
}
END_TEST

START_TEST(accept_not_listening)
{
    st_netfd_t s = NULL;

    st_test_init(_i);
    s = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
    errno = 0;
    ck_assert_ptr_null(st_accept(s, NULL, NULL, T1S));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(connect_errors)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    st_netfd_t l, c;
    int i, n = 0;

    st_test_init(_i);
    /* Closed port: a listener made and closed gives a free port. */
    l = st_test_listener(&sin, 1);
    st_netfd_close(l);
    c = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
    errno = 0;
    ck_assert_int_eq(st_connect(c, (struct sockaddr *)&sin, sizeof sin, T1S), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    st_netfd_close(c);
    /* Wrong family. */
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    sin6.sin6_port = sin.sin_port;
    c = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
    ck_assert_int_eq(st_connect(c, (struct sockaddr *)&sin6, sizeof sin6, T1S), -1);
    ck_assert(errno == EAFNOSUPPORT || errno == EINVAL);
    st_netfd_close(c);
    /* Full backlog: never accepted, the connect times out. */
    l = st_test_listener(&sin, 0);
    for (i = 0; i < 64 && n == 0; i++) {
        c = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
        if (st_connect(c, (struct sockaddr *)&sin, sizeof sin, 20000) < 0) {
            ck_assert_int_eq(errno, ETIME);
            n++;
        }
    }
    ck_assert_int_eq(n, 1);
}
END_TEST

/* #24: signals interrupting blocking system calls are invisible. */
static volatile sig_atomic_t alarms, late_armed;
static int late_fd = -1;

/* While armed, the 20th alarm writes the blocked read's data: the read
 * is hit by signals first however late the process gets there. */
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
    if (late_armed && ++late_armed == 21)
        (void)!write(late_fd, "late", 4);
}

START_TEST(real_signals_no_eintr)
{
    struct sigaction sa;
    struct itimerval it;
    st_netfd_t a, b;
    char buf[16];
    int fl;

    st_test_init(_i);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;       /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
    st_test_tcp_pair(&a, &b);
    /* A blocking descriptor: the read blocks in the kernel and is hit
     * by signals; the data comes from the 20th alarm's handler. */
    fl = fcntl(st_netfd_fileno(a), F_GETFL);
    fcntl(st_netfd_fileno(a), F_SETFL, fl & ~O_NONBLOCK);
    late_fd = st_netfd_fileno(b);
    memset(&it, 0, sizeof it);
    it.it_value.tv_usec = 5000;
    it.it_interval.tv_usec = 5000;
    late_armed = 1;
    setitimer(ITIMER_REAL, &it, NULL);
    ck_assert_int_eq((int)st_read(a, buf, 4, T1S), 4);
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    late_armed = 0;
    ck_assert_int_ge(alarms, 20);
    ck_assert(memcmp(buf, "late", 4) == 0);
    /* Waits in the event system are not disturbed either. */
    fcntl(st_netfd_fileno(a), F_SETFL, fl);
    it.it_value.tv_usec = 1000;
    it.it_interval.tv_usec = 1000;
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0;
    ck_assert_int_eq((int)st_read(a, buf, 1, 30000), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq(st_usleep(20000), 0);
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
}
END_TEST

static int dtor_calls;
static void *dtor_arg;

static void nfd_dtor(void *v)
{
    dtor_calls++;
    dtor_arg = v;
}

START_TEST(netfd_objects)
{
    st_netfd_t a, b, c;
    int p[2];

    st_test_init(_i);
    ck_assert_int_eq(pipe(p), 0);
    a = st_netfd_open(p[0]);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(st_netfd_fileno(a), p[0]);
    ck_assert(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    ck_assert_ptr_null(st_netfd_getspecific(a));
    st_netfd_setspecific(a, &p, nfd_dtor);
    ck_assert_ptr_eq(st_netfd_getspecific(a), &p);
    st_netfd_setspecific(a, &p, nfd_dtor);       /* same: no call */
    ck_assert_int_eq(dtor_calls, 0);
    st_netfd_free(a);
    ck_assert_int_eq(dtor_calls, 1);
    ck_assert_ptr_eq(dtor_arg, &p);
    ck_assert_int_ge(fcntl(p[0], F_GETFL), 0);  /* still open */
    st_netfd_free(a);                             /* double free ignored */
    ck_assert_int_eq(dtor_calls, 1);
    b = st_netfd_open(p[1]);
    ck_assert_ptr_eq(b, a);                       /* LIFO reuse */
    ck_assert_int_eq(st_netfd_serialize_accept(b), 0);
    ck_assert_int_eq(st_netfd_serialize_accept(b), 0);
    st_netfd_setspecific(b, &dtor_calls, nfd_dtor);
    ck_assert_int_eq(st_netfd_close(b), 0);
    ck_assert_int_eq(dtor_calls, 2);
    ck_assert_int_eq(fcntl(p[1], F_GETFL), -1);  /* closed */
    errno = 0;
    ck_assert_ptr_null(st_netfd_open(p[1]));
    ck_assert_int_eq(errno, EBADF);
    ck_assert_ptr_null(st_netfd_open_socket(p[1]));
    ck_assert_int_eq(errno, EBADF);
    c = st_netfd_open(p[0]);
    ck_assert_int_eq(st_netfd_close(c), 0);
}
END_TEST

static int closer_r, closer_e;

static void *wait_read(void *arg)
{
    char c;
    closer_r = (int)st_read(arg, &c, 1, T1S);
    closer_e = errno;
    return NULL;
}

START_TEST(close_while_waiting_busy)
{
    st_netfd_t a, b;
    st_thread_t t;

    if (st_test_backends[_i] == ST_EVENTSYS_POLL)
        return;                          /* poll never refuses (spec) */
    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    t = st_thread_create(wait_read, a, 1, 0);
    st_usleep(1000);
    errno = 0;
    ck_assert_int_eq(st_netfd_close(a), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq((int)st_write(b, "k", 1, T1S), 1);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(closer_r, 1);        /* waiter undisturbed */
    ck_assert_int_eq(st_netfd_close(a), 0);
}
END_TEST

START_TEST(udp_datagrams)
{
    struct sockaddr_in sin, from;
    st_netfd_t u1, u2;
    socklen_t len = sizeof sin;
    char buf[64];
    int fromlen = sizeof from;
    struct msghdr mh;
    struct iovec v;
    int s1 = socket(AF_INET, SOCK_DGRAM, 0), s2 = socket(AF_INET, SOCK_DGRAM, 0);

    st_test_init(_i);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s1, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(getsockname(s1, (struct sockaddr *)&sin, &len), 0);
    u1 = st_netfd_open_socket(s1);
    u2 = st_netfd_open_socket(s2);
    errno = 0;
    ck_assert_int_eq(st_recvfrom(u1, buf, sizeof buf, NULL, NULL,
                                 ST_UTIME_NO_WAIT), -1);
    ck_assert_int_eq(errno, ETIME);
    ck_assert_int_eq(st_sendto(u2, "first", 5, (struct sockaddr *)&sin,
                               sizeof sin, T1S), 5);
    ck_assert_int_eq(st_sendto(u2, "second!", 7, (struct sockaddr *)&sin,
                               sizeof sin, T1S), 7);
    ck_assert_int_eq(st_sendto(u2, "truncated-datagram", 18,
                               (struct sockaddr *)&sin, sizeof sin, T1S), 18);
    ck_assert_int_eq(st_recvfrom(u1, buf, sizeof buf, (struct sockaddr *)&from,
                                 &fromlen, T1S), 5);
    ck_assert_int_eq(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    ck_assert_int_eq(st_recvfrom(u1, buf, 3, NULL, NULL, T1S), 3);
    ck_assert(memcmp(buf, "sec", 3) == 0);      /* rest dropped */
    memset(&mh, 0, sizeof mh);
    v.iov_base = buf;
    v.iov_len = 9;
    mh.msg_iov = &v;
    mh.msg_iovlen = 1;
    ck_assert_int_eq(st_recvmsg(u1, &mh, 0, T1S), 9);
    ck_assert(mh.msg_flags & MSG_TRUNC);
    v.iov_len = 4;
    mh.msg_name = &sin;
    mh.msg_namelen = sizeof sin;
    v.iov_base = "msg!";
    ck_assert_int_eq(st_sendmsg(u2, &mh, 0, T1S), 4);
    ck_assert_int_eq(st_recvfrom(u1, buf, sizeof buf, NULL, NULL, T1S), 4);
    ck_assert(memcmp(buf, "msg!", 4) == 0);
}
END_TEST

START_TEST(mmsg_batches)
{
#if defined(HAVE_SENDMMSG) && defined(HAVE_RECVMMSG)
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    struct mmsghdr out[4], in[8];
    struct iovec ov[4], iv[8];
    char bufs[8][32];
    st_netfd_t u1, u2;
    int s1 = socket(AF_INET, SOCK_DGRAM, 0), s2 = socket(AF_INET, SOCK_DGRAM, 0);
    int i, n;

    st_test_init(_i);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s1, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(getsockname(s1, (struct sockaddr *)&sin, &len), 0);
    ck_assert_int_eq(connect(s2, (struct sockaddr *)&sin, sizeof sin), 0);
    u1 = st_netfd_open_socket(s1);
    u2 = st_netfd_open_socket(s2);
    memset(in, 0, sizeof in);
    for (i = 0; i < 8; i++) {
        iv[i].iov_base = bufs[i];
        iv[i].iov_len = sizeof bufs[i];
        in[i].msg_hdr.msg_iov = &iv[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    errno = 0;
    ck_assert_int_eq(st_recvmmsg(u1, in, 8, 0, 2000), -1);
    ck_assert_int_eq(errno, ETIME);
    memset(out, 0, sizeof out);
    for (i = 0; i < 4; i++) {
        ov[i].iov_base = (char *)"abcd" + i;
        ov[i].iov_len = (size_t)(4 - i);
        out[i].msg_hdr.msg_iov = &ov[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }
    ck_assert_int_eq(st_sendmmsg(u2, out, 4, 0, T1S), 4);
    n = 0;
    while (n < 4) {
        int r = st_recvmmsg(u1, in + n, (unsigned)(8 - n), 0, T1S);
        ck_assert_int_gt(r, 0);
        n += r;
    }
    for (i = 0; i < 4; i++)
        ck_assert_int_eq((int)in[i].msg_len, 4 - i);
    ck_assert_int_eq(st_sendmmsg(u2, out, 0, 0, T1S), 0);
#endif
}
END_TEST

/* Issue 18: a zero-length read returns 0 at once (API.md 3.9), also
 * after a read had to wait (io_uring then knew the queue empty, skipped
 * the call and queued a zero-length receive, which the kernel blocks). */
static void *write_x(void *arg)
{
    ck_assert_int_eq((int)write(st_netfd_fileno(arg), "x", 1), 1);
    return NULL;
}

START_TEST(zero_length_read_after_wait)
{
    st_netfd_t a, b;
    struct iovec iov;
    char c[4];
    int k;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    for (k = 0; k < 2; k++) {
        ck_assert_ptr_nonnull(st_thread_create(write_x, b, 0, 0));
        ck_assert_int_eq((int)st_read(a, c, 1, T1S), 1);
        if (k == 0) {
            ck_assert_int_eq((int)st_read(a, c, 0, 200000), 0);
        } else {
            iov.iov_base = c;
            iov.iov_len = 0;
            ck_assert_int_eq((int)st_readv(a, &iov, 1, 200000), 0);
        }
    }
    ck_assert_int_eq(st_netfd_close(a), 0);
    ck_assert_int_eq(st_netfd_close(b), 0);
}
END_TEST

/* st_sendmmsg sends every message (API.md 3.9), waiting for POLLOUT
 * whenever the socket buffer is full, and returns a short count only
 * after a failed wait or an error.  A unix datagram pair with a small
 * send buffer and a reader that only starts once the sender waits forces
 * EAGAIN in the middle of the batch. */
#if defined(HAVE_SENDMMSG)
#define MM_N    64
#define MM_LEN  512
static char mm_bufs[MM_N][MM_LEN];
static struct mmsghdr mm_out[MM_N];
static struct iovec mm_iov[MM_N];
static int mm_blocked;

static void mm_pair(int sv[2], st_netfd_t *r, st_netfd_t *w)
{
    int i, sz = 1;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    ck_assert_int_eq(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz,
                                sizeof sz), 0);
    *r = st_netfd_open_socket(sv[0]);
    *w = st_netfd_open_socket(sv[1]);
    ck_assert_ptr_nonnull(*r);
    ck_assert_ptr_nonnull(*w);
    memset(mm_out, 0, sizeof mm_out);
    for (i = 0; i < MM_N; i++) {
        memset(mm_bufs[i], i, MM_LEN);
        mm_iov[i].iov_base = mm_bufs[i];
        mm_iov[i].iov_len = MM_LEN;
        mm_out[i].msg_hdr.msg_iov = &mm_iov[i];
        mm_out[i].msg_hdr.msg_iovlen = 1;
    }
}

static void *mm_reader(void *arg)
{
    st_netfd_t r = arg;
    struct pollfd p;
    char buf[MM_LEN + 1];
    int i;

    /* First run: the sender is waiting, its socket not writable. */
    p.fd = *(int *)st_netfd_getspecific(r);
    p.events = POLLOUT;
    mm_blocked = poll(&p, 1, 0) == 0;
    for (i = 0; i < MM_N; i++) {
        if (st_read(r, buf, sizeof buf, st_test_usec(5000000)) != MM_LEN ||
            buf[0] != (char)i || buf[MM_LEN - 1] != (char)i)
            break;
    }
    return (void *)(intptr_t)i;
}

static void *mm_sender(void *arg)
{
    return (void *)(intptr_t)st_sendmmsg(arg, mm_out, MM_N, 0,
                                     ST_UTIME_NO_TIMEOUT);
}

/* k of the batch were sent, not all; the rest cannot be: -1 with err.
 * Closes the pair. */
static void mm_rest_fails(st_netfd_t r, st_netfd_t w, int k, int err)
{
    ck_assert_int_gt(k, 0);
    ck_assert_int_lt(k, MM_N);
    errno = 0;
    ck_assert_int_eq(st_sendmmsg(w, mm_out + k, MM_N - k, 0, 2000), -1);
    ck_assert_int_eq(errno, err);
    ck_assert_int_eq(st_netfd_close(r), 0);
    ck_assert_int_eq(st_netfd_close(w), 0);
}
#endif

START_TEST(sendmmsg_sends_all_or_says_how_many)
{
#if defined(HAVE_SENDMMSG)
    st_netfd_t r, w;
    st_thread_t t;
    int sv[2];
    void *got;

    st_test_init(_i);
    mm_pair(sv, &r, &w);
    st_netfd_setspecific(r, &sv[1], NULL);
    mm_blocked = 0;
    t = st_thread_create(mm_reader, r, 1, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_sendmmsg(w, mm_out, MM_N, 0, st_test_usec(5000000)),
                     MM_N);
    ck_assert_int_eq(st_thread_join(t, &got), 0);
    ck_assert_int_eq(mm_blocked, 1);
    ck_assert_ptr_eq(got, (void *)(intptr_t)MM_N);
    ck_assert_int_eq(st_netfd_close(r), 0);
    ck_assert_int_eq(st_netfd_close(w), 0);

    /* A timeout or an interrupt after some were sent: their count; when
     * none could be sent: -1 with ETIME or EINTR. */
    mm_pair(sv, &r, &w);
    mm_rest_fails(r, w, st_sendmmsg(w, mm_out, MM_N, 0, 2000), ETIME);

    mm_pair(sv, &r, &w);
    t = st_thread_create(mm_sender, w, 1, 0);
    ck_assert_ptr_nonnull(t);
    st_thread_yield();                  /* it sends some, then waits */
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, &got), 0);
    st_thread_interrupt(st_thread_self());
    mm_rest_fails(r, w, (int)(intptr_t)got, EINTR);

    /* An error after some were sent: their count; at the first: -1. */
    mm_pair(sv, &r, &w);
    mm_out[2].msg_hdr.msg_iov = NULL;
    ck_assert_int_eq(st_sendmmsg(w, mm_out, 4, 0, 2000), 2);
    errno = 0;
    ck_assert_int_eq(st_sendmmsg(w, mm_out + 2, 2, 0, 2000), -1);
    ck_assert_int_eq(errno, EFAULT);
    ck_assert_int_eq(st_netfd_close(r), 0);
    ck_assert_int_eq(st_netfd_close(w), 0);
#endif
}
END_TEST

/* The timeout is an inactivity timeout, renewed by every wait: with a
 * fake clock that advances by T/32 per message the reader takes, the
 * sender waits far longer than T in all, but never T at once (the
 * socket holds far fewer than 32 messages). */
#if defined(HAVE_SENDMMSG)
#define MM_T 1000000
static st_utime_t mm_fake;

static st_utime_t mm_fake_clock(void)
{
    return mm_fake;
}

static void *mm_slow_reader(void *arg)
{
    char buf[MM_LEN + 1];
    int i;

    for (i = 0; i < MM_N; i++) {
        if (st_read(arg, buf, sizeof buf, ST_UTIME_NO_TIMEOUT) != MM_LEN ||
            buf[0] != (char)i)
            break;
        mm_fake += MM_T / 32;
    }
    return (void *)(intptr_t)i;
}
#endif

START_TEST(sendmmsg_timeout_is_per_wait)
{
#if defined(HAVE_SENDMMSG)
    st_netfd_t r, w;
    st_thread_t t;
    int sv[2];
    void *got;

    mm_fake = 1000;
    ck_assert_int_eq(st_set_utime_function(mm_fake_clock), 0);
    st_test_init(_i);
    mm_pair(sv, &r, &w);
    t = st_thread_create(mm_slow_reader, r, 1, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_sendmmsg(w, mm_out, MM_N, 0, MM_T), MM_N);
    ck_assert_int_eq(st_thread_join(t, &got), 0);
    ck_assert_ptr_eq(got, (void *)(intptr_t)MM_N);
    ck_assert(mm_fake - 1000 > MM_T);
    ck_assert_int_eq(st_netfd_close(r), 0);
    ck_assert_int_eq(st_netfd_close(w), 0);
#endif
}
END_TEST

START_TEST(open_fifo_and_files)
{
    char dir[] = "/tmp/st-io-XXXXXX", path[64], file[64];
    st_netfd_t r, w, f;
    char buf[8];

    st_test_init(_i);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/fifo", dir);
    snprintf(file, sizeof file, "%s/file", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    errno = 0;
    ck_assert_ptr_null(st_open(path, O_WRONLY, 0));
    ck_assert_int_eq(errno, ENXIO);
    ck_assert_ptr_null(st_open("/nonexistent/st-test", O_RDONLY, 0));
    ck_assert_int_eq(errno, ENOENT);
    r = st_open(path, O_RDONLY, 0);
    ck_assert_ptr_nonnull(r);
    ck_assert(fcntl(st_netfd_fileno(r), F_GETFL) & O_NONBLOCK);
    ck_assert_int_eq((int)st_read(r, buf, sizeof buf, T1S), 0);   /* no writer */
    w = st_open(path, O_WRONLY, 0);
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq((int)st_write(w, "fifo", 4, T1S), 4);
    ck_assert_int_eq((int)st_read(r, buf, sizeof buf, T1S), 4);
    st_netfd_close(w);
    st_netfd_close(r);
    f = st_open(file, O_CREAT | O_RDWR | O_APPEND, 0600);
    ck_assert_ptr_nonnull(f);
    ck_assert(fcntl(st_netfd_fileno(f), F_GETFL) & O_APPEND);
    ck_assert_int_eq((int)st_write(f, "data", 4, 0), 4);
    ck_assert_int_eq((int)lseek(st_netfd_fileno(f), 0, SEEK_SET), 0);
    ck_assert_int_eq((int)st_read(f, buf, sizeof buf, 0), 4);
    ck_assert_int_eq((int)st_read(f, buf, sizeof buf, 0), 0);  /* EOF */
    st_netfd_close(f);
    unlink(file);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* #30: signal-to-pipe pattern. */
static int sigpipe_w = -1;

static void sig_to_pipe(int sig)
{
    int e = errno;
    unsigned char c = (unsigned char)sig;
    (void)!write(sigpipe_w, &c, 1);
    errno = e;
}

static void *signal_reader(void *arg)
{
    unsigned char c = 0;
    if (st_read(arg, &c, 1, st_test_usec(5000000)) != 1)
        return NULL;
    return (void *)(intptr_t)c;
}

START_TEST(signal_pipe_pattern)
{
    struct sigaction sa;
    st_thread_t t;
    void *rv;
    int p[2];
    pid_t pid;

    st_test_init(_i);
    ck_assert_int_eq(pipe(p), 0);
    sigpipe_w = p[1];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sig_to_pipe;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    ck_assert_int_eq(sigaction(SIGHUP, &sa, NULL), 0);
    t = st_thread_create(signal_reader, st_netfd_open(p[0]), 1, 0);
    st_usleep(1000);
    kill(getpid(), SIGUSR1);                    /* same process */
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)(intptr_t)SIGUSR1);
    t = st_thread_create(signal_reader, st_netfd_open(p[0]), 1, 0);
    st_usleep(1000);
    pid = fork();
    if (pid == 0) {
        kill(getppid(), SIGHUP);                /* another process */
        _exit(0);
    }
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)(intptr_t)SIGHUP);
    waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(bad_netfd_args)
{
    char buf[4];

    st_test_init(_i);
    errno = 0;
    ck_assert_int_eq((int)st_read(NULL, buf, 1, 0), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq((int)st_write(NULL, buf, 1, 0), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_ptr_null(st_accept(NULL, NULL, NULL, 0));
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_netfd_poll(NULL, POLLIN, 0), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_netfd_close(NULL), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_ptr_null(st_netfd_open(-1));
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(select_refuses_high_fd)
{
    int fd, s;
    struct rlimit rl;

    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max <= FD_SETSIZE + 10)
        return;
    /* st_init on select lowers both limits to FD_SETSIZE; a descriptor
     * above it can still have been opened before. */
    rl.rlim_cur = rl.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    s = socket(AF_INET, SOCK_STREAM, 0);
    fd = dup2(s, FD_SETSIZE + 5);
    ck_assert_int_eq(fd, FD_SETSIZE + 5);
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_SELECT), 0);
    ck_assert_int_eq(st_init(), 0);
    errno = 0;
    ck_assert_ptr_null(st_netfd_open_socket(fd));
    ck_assert_int_eq(errno, EMFILE);
}
END_TEST

/* API.md 3.7 st_netfd_setspecific: "If value differs from the current
 * value and the current value and current destructor are non-NULL,
 * calls the current destructor on the current value. Then stores value
 * and destructor (the destructor is replaced even when the value is
 * unchanged). The stored destructor runs on free/close if the value is
 * non-NULL." */
static int dtor1_calls;

/* Another destructor than nfd_dtor, which records its argument. */
static void nfd_dtor1(void *v)
{
    (void)v;
    dtor1_calls++;
}

START_TEST(netfd_setspecific_replaces_destructor)
{
    st_netfd_t a, b;
    int x, y;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    dtor1_calls = dtor_calls = 0;
    /* Same value, new destructor: no call, and the new one is kept. */
    st_netfd_setspecific(a, &x, nfd_dtor1);
    st_netfd_setspecific(a, &x, nfd_dtor);
    ck_assert_int_eq(dtor1_calls, 0);
    ck_assert_int_eq(dtor_calls, 0);
    ck_assert_ptr_eq(st_netfd_getspecific(a), &x);
    ck_assert_int_eq(st_netfd_close(a), 0);
    ck_assert_int_eq(dtor1_calls, 0);
    ck_assert_int_eq(dtor_calls, 1);
    ck_assert_ptr_eq(dtor_arg, &x);
    /* A new value calls the current (replaced) destructor on the old. */
    st_netfd_setspecific(b, &x, nfd_dtor1);
    st_netfd_setspecific(b, &x, nfd_dtor);
    st_netfd_setspecific(b, &y, nfd_dtor1);
    ck_assert_int_eq(dtor1_calls, 0);
    ck_assert_int_eq(dtor_calls, 2);
    ck_assert_ptr_eq(dtor_arg, &x);
    /* Same value, no destructor: none runs when the object goes. */
    st_netfd_setspecific(b, &y, NULL);
    ck_assert_ptr_eq(st_netfd_getspecific(b), &y);
    st_netfd_free(b);
    ck_assert_int_eq(dtor1_calls, 0);
    ck_assert_int_eq(dtor_calls, 2);
}
END_TEST

/* API.md 3.7 st_netfd_close: "2. Frees the object exactly like
 * st_netfd_free (destructor runs). 3. close(osfd); returns its result (a
 * failing close still leaves the object freed)"; 5.2 #22 (keep); 3.7:
 * "an SRS test observes that a freed object is the next one handed out".
 * The descriptor is closed behind ST's back, with nobody waiting on it
 * (once after a wait that timed out): close fails with EBADF, and so
 * does st_netfd_close, whose object was freed all the same. */
START_TEST(netfd_close_failing_close_frees)
{
    int way;

    st_test_init(_i);
    for (way = 0; way < 2; way++) {
        st_netfd_t a, b, n;
        int fd;

        st_test_tcp_pair(&a, &b);
        fd = st_netfd_fileno(a);
        if (way == 1) {
            errno = 0;
            ck_assert_int_eq(st_netfd_poll(a, POLLIN, 2000), -1);
            ck_assert_int_eq(errno, ETIME);
        }
        dtor_calls = 0;
        dtor_arg = NULL;
        st_netfd_setspecific(a, &way, nfd_dtor);
        ck_assert_int_eq(close(fd), 0);         /* behind ST's back */
        errno = 0;
        ck_assert_int_eq(st_netfd_close(a), -1);
        ck_assert_int_eq(errno, EBADF);
        ck_assert_int_eq(dtor_calls, 1);        /* freed: destructor ran */
        ck_assert_ptr_eq(dtor_arg, &way);
        /* Freed: the next object handed out is this one. */
        n = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
        ck_assert_ptr_eq(n, a);
        ck_assert_int_eq(dtor_calls, 1);
        ck_assert_int_eq(st_netfd_close(n), 0);
        ck_assert_int_eq(st_netfd_close(b), 0);
    }
}
END_TEST

/* API.md 3.9 st_accept: "If wrapping fails (e.g. EMFILE from select for
 * fd ≥ FD_SETSIZE) the accepted descriptor is closed and NULL returned
 * with the wrapping errno."  With select, every descriptor below
 * FD_SETSIZE in use and the limit raised again past it (st_init lowered
 * it to FD_SETSIZE: raising the hard limit needs CAP_SYS_RESOURCE, or
 * valgrind, which lets st_init lower only the soft one; elsewhere the
 * test passes without running), the connection is accepted as
 * FD_SETSIZE, which select refuses: the descriptor must be closed, and
 * the client sees the end of the connection. */
START_TEST(accept_wrap_failure_closes)
{
    struct sockaddr_in sin;
    struct rlimit rl;
    static int fill[FD_SETSIZE];
    st_netfd_t l, c, s;
    char ch;
    int fd, last = -1, i, nfill = 0;

    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_SELECT), 0);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    ck_assert_int_le((long)rl.rlim_cur, FD_SETSIZE);
    /* Valgrind keeps the hard limit (the soft one alone was lowered). */
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < FD_SETSIZE + 16)
        rl.rlim_max = FD_SETSIZE + 16;
    rl.rlim_cur = FD_SETSIZE + 16;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        fprintf(stderr, "NOTE: cannot raise RLIMIT_NOFILE past FD_SETSIZE "
                "(%s); accept_wrap_failure_closes skipped as passed\n",
                strerror(errno));
        return;
    }
    l = st_test_listener(&sin, 8);
    ck_assert_ptr_nonnull(l);
    c = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(st_connect(c, (struct sockaddr *)&sin, sizeof sin,
                                T1S), 0);
    /* Fill every free number below FD_SETSIZE. */
    while (nfill < FD_SETSIZE && last < FD_SETSIZE - 1) {
        last = dup(st_netfd_fileno(c));
        ck_assert_int_ge(last, 0);
        fill[nfill++] = last;
    }
    ck_assert_int_eq(last, FD_SETSIZE - 1);
    ck_assert_int_lt(fcntl(FD_SETSIZE, F_GETFD), 0);
    errno = 0;
    s = st_accept(l, NULL, NULL, T1S);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(errno, EMFILE);
    /* The accepted descriptor (FD_SETSIZE, the lowest free) is closed. */
    errno = 0;
    ck_assert_int_lt(fcntl(FD_SETSIZE, F_GETFD), 0);
    ck_assert_int_eq(errno, EBADF);
    fd = dup(st_netfd_fileno(c));
    ck_assert_int_eq(fd, FD_SETSIZE);
    close(fd);
    /* The server end was closed: the client reads the end of file. */
    ck_assert_int_eq((int)st_read(c, &ch, 1, st_test_usec(5000000)), 0);
    for (i = 0; i < nfill; i++)
        close(fill[i]);
    ck_assert_int_eq(st_netfd_close(c), 0);
    ck_assert_int_eq(st_netfd_close(l), 0);
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("io");
    int n = st_test_nbackends;

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, read_fully_waits_all_segments, 0, n);
    tcase_add_loop_test(tc, read_fully_short_at_eof_and_timeout, 0, n);
    tcase_add_loop_test(tc, read_fully_interrupted, 0, n);
    tcase_add_loop_test(tc, resid_accounting, 0, n);
    tcase_add_loop_test(tc, write_resid_resumes_after_timeout, 0, n);
    tcase_add_loop_test(tc, writev_many_vectors_in_order, 0, n);
    tcase_add_loop_test(tc, reset_peer_errors, 0, n);
    tcase_add_loop_test(tc, accept_and_connect, 0, n);
    tcase_add_loop_test(tc, accept_not_listening, 0, n);
    tcase_add_loop_test(tc, connect_errors, 0, n);
    tcase_add_loop_test(tc, real_signals_no_eintr, 0, n);
    tcase_add_loop_test(tc, netfd_objects, 0, n);
    tcase_add_loop_test(tc, close_while_waiting_busy, 0, n);
    tcase_add_loop_test(tc, udp_datagrams, 0, n);
    tcase_add_loop_test(tc, mmsg_batches, 0, n);
    tcase_add_loop_test(tc, zero_length_read_after_wait, 0, n);
    tcase_add_loop_test(tc, sendmmsg_sends_all_or_says_how_many, 0, n);
    tcase_add_loop_test(tc, sendmmsg_timeout_is_per_wait, 0, n);
    tcase_add_loop_test(tc, open_fifo_and_files, 0, n);
    tcase_add_loop_test(tc, signal_pipe_pattern, 0, n);
    tcase_add_loop_test(tc, bad_netfd_args, 0, n);
    tcase_add_test(tc, select_refuses_high_fd);
    tcase_add_loop_test(tc, netfd_setspecific_replaces_destructor, 0, n);
    tcase_add_loop_test(tc, netfd_close_failing_close_frees, 0, n);
    tcase_add_test(tc, accept_wrap_failure_closes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(io_suite());
}
