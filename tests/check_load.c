/* SPDX-License-Identifier: MIT */
/* check_load.c - many concurrent connections through a proxy built on the
 * library: every byte of every stream is verified.
 *
 * Each client sends a checksummed pseudo-random stream (64 KiB - 256 KiB,
 * a different length per connection) to the proxy, which relays it to an
 * echo server, which sends it back through the proxy; the client writes
 * in one thread and reads (and verifies) in another, so both directions
 * are busy at once.
 *
 * Short form (make check): 500 connections on epoll/kqueue, 200 on select
 * (which is capped at FD_SETSIZE descriptors; 4 per connection) and poll.
 * Long form:
 *   ST_LOAD_CONNECTIONS=5000 [ST_LOAD_ROUNDS=10] tests/check_load
 * runs that many connections (per round) on ST_EVENTSYS_ALT; when four
 * descriptors per connection do not fit under RLIMIT_NOFILE the echo
 * server runs in a forked child process with its own scheduler.
 * Every I/O has a timeout: the test fails rather than hangs.
 */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>

#define STACK   (64 * 1024)
#define BUFSZ   8192
#define MINLEN  (64 * 1024)
#define MAXLEN  (256 * 1024)

static st_utime_t tmo;                  /* per-I/O inactivity timeout */

/* ---- failures ------------------------------------------------------------- */

static int failures;
static char first_failure[256];

static void load_fail(const char *what, int err)
{
    if (failures++ == 0)
        snprintf(first_failure, sizeof first_failure, "%s: %s", what,
                 err ? strerror(err) : "bad data");
}

/* ---- the pseudo-random streams -------------------------------------------- */

struct gen {
    uint64_t s;                         /* xorshift64 state */
    uint64_t word;                      /* current output word */
    int left;                           /* bytes left in word */
};

static void gen_init(struct gen *g, uint64_t seed)
{
    g->s = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
    if (g->s == 0)
        g->s = 1;
    g->left = 0;
}

static uint64_t gen_next(struct gen *g)
{
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return g->s;
}

static void gen_fill(struct gen *g, unsigned char *p, size_t n)
{
    while (n > 0) {
        if (g->left == 0) {
            uint64_t w = gen_next(g);
            if (n >= 8) {               /* whole words, same byte order */
                p[0] = (unsigned char)w;         p[1] = (unsigned char)(w >> 8);
                p[2] = (unsigned char)(w >> 16); p[3] = (unsigned char)(w >> 24);
                p[4] = (unsigned char)(w >> 32); p[5] = (unsigned char)(w >> 40);
                p[6] = (unsigned char)(w >> 48); p[7] = (unsigned char)(w >> 56);
                p += 8;
                n -= 8;
                continue;
            }
            g->word = w;
            g->left = 8;
        }
        *p++ = (unsigned char)g->word;
        g->word >>= 8;
        g->left--;
        n--;
    }
}

/* Fletcher-style checksum over a stream, updated chunk by chunk (chunks
 * of at most BUFSZ bytes; reduced after each, so the result does not
 * depend on where the chunks start). */
#define SUM_MOD 4294967291ULL
struct sum {
    uint64_t a, b;
};

static void sum_add(struct sum *s, const unsigned char *p, size_t n)
{
    uint64_t a = s->a, b = s->b;
    size_t i;

    for (i = 0; i < n; i++) {
        a += p[i];
        b += a;
    }
    s->a = a % SUM_MOD;
    s->b = b % SUM_MOD;
}

static size_t stream_len(int id)
{
    struct gen g;

    gen_init(&g, (uint64_t)id + 77);
    return MINLEN + (size_t)(gen_next(&g) % (MAXLEN - MINLEN + 1));
}

/* ---- the echo server ----------------------------------------------------- */

static int echo_active;
static st_cond_t echo_idle;

static void *echo_conn(void *arg)
{
    st_netfd_t c = arg;
    char buf[BUFSZ];
    ssize_t n;

    while ((n = st_read(c, buf, sizeof buf, tmo)) > 0) {
        if (st_write(c, buf, (size_t)n, tmo) != n) {
            load_fail("echo st_write", errno);
            break;
        }
    }
    if (n < 0)
        load_fail("echo st_read", errno);
    st_netfd_close(c);
    if (--echo_active == 0)
        st_cond_broadcast(echo_idle);
    return NULL;
}

/* Accepts until interrupted; each connection gets a thread. */
static void *echo_accept_loop(void *arg)
{
    st_netfd_t l = arg;

    for (;;) {
        st_netfd_t c = st_accept(l, NULL, NULL, ST_UTIME_NO_TIMEOUT);
        if (c == NULL) {
            if (errno != EINTR)
                load_fail("echo st_accept", errno);
            return NULL;
        }
        echo_active++;
        if (st_thread_create(echo_conn, c, 0, STACK) == NULL) {
            load_fail("echo st_thread_create", errno);
            echo_active--;
            st_netfd_close(c);
        }
    }
}

/* ---- the proxy --------------------------------------------------------------- */

static struct sockaddr_in echo_sin;
static int proxy_active;
static st_cond_t proxy_idle;

struct pump {
    st_netfd_t from, to;
};

/* Relay until EOF, then pass the EOF on; 0, or -1 on error. */
static int relay(st_netfd_t from, st_netfd_t to)
{
    char buf[BUFSZ];
    ssize_t n;

    while ((n = st_read(from, buf, sizeof buf, tmo)) > 0) {
        if (st_write(to, buf, (size_t)n, tmo) != n) {
            load_fail("proxy st_write", errno);
            return -1;
        }
    }
    if (n < 0) {
        load_fail("proxy st_read", errno);
        return -1;
    }
    shutdown(st_netfd_fileno(to), SHUT_WR);
    return 0;
}

static void *pump_main(void *arg)
{
    struct pump *p = arg;

    relay(p->from, p->to);
    return NULL;
}

static void *proxy_conn(void *arg)
{
    st_netfd_t c = arg, up;
    struct pump down;
    st_thread_t t;

    up = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
    if (up == NULL) {
        load_fail("proxy socket", errno);
        goto out;
    }
    if (st_connect(up, (struct sockaddr *)&echo_sin, sizeof echo_sin,
                   tmo) < 0) {
        load_fail("proxy st_connect", errno);
        st_netfd_close(up);
        goto out;
    }
    down.from = up;
    down.to = c;
    t = st_thread_create(pump_main, &down, 1, STACK);
    if (t == NULL) {
        load_fail("proxy st_thread_create", errno);
    } else {
        relay(c, up);                   /* client -> echo server */
        st_thread_join(t, NULL);        /* echo server -> client */
    }
    st_netfd_close(up);
out:
    st_netfd_close(c);
    if (--proxy_active == 0)
        st_cond_broadcast(proxy_idle);
    return NULL;
}

static void *proxy_accept_loop(void *arg)
{
    st_netfd_t l = arg;

    for (;;) {
        st_netfd_t c = st_accept(l, NULL, NULL, ST_UTIME_NO_TIMEOUT);
        if (c == NULL) {
            if (errno != EINTR)
                load_fail("proxy st_accept", errno);
            return NULL;
        }
        proxy_active++;
        if (st_thread_create(proxy_conn, c, 0, STACK) == NULL) {
            load_fail("proxy st_thread_create", errno);
            proxy_active--;
            st_netfd_close(c);
        }
    }
}

/* ---- the clients -------------------------------------------------------------- */

static struct sockaddr_in proxy_sin;
static unsigned long long bytes_verified;

struct client {
    int id;
    st_netfd_t fd;
    size_t len;
    struct sum sent;                    /* checksum of what was written */
    int werr;                           /* writer failed */
};

static void *client_writer(void *arg)
{
    struct client *cl = arg;
    unsigned char buf[BUFSZ];
    struct gen data, sizes;
    size_t off = 0;

    gen_init(&data, (uint64_t)cl->id);
    gen_init(&sizes, (uint64_t)cl->id + 1000003);
    memset(&cl->sent, 0, sizeof cl->sent);
    while (off < cl->len) {
        size_t n = 1 + (size_t)(gen_next(&sizes) % sizeof buf);
        if (n > cl->len - off)
            n = cl->len - off;
        gen_fill(&data, buf, n);
        sum_add(&cl->sent, buf, n);
        if (st_write(cl->fd, buf, n, tmo) != (ssize_t)n) {
            load_fail("client st_write", errno);
            cl->werr = 1;
            return NULL;
        }
        off += n;
    }
    shutdown(st_netfd_fileno(cl->fd), SHUT_WR);
    return NULL;
}

static void *client_main(void *arg)
{
    struct client cl;
    unsigned char buf[BUFSZ], want[BUFSZ];
    struct gen data, sizes;
    struct sum got;
    size_t off = 0;
    st_thread_t w;
    ssize_t n;
    int bad = 0;

    memset(&cl, 0, sizeof cl);
    cl.id = (int)(intptr_t)arg;
    cl.len = stream_len(cl.id);
    cl.fd = st_netfd_open_socket(socket(AF_INET, SOCK_STREAM, 0));
    if (cl.fd == NULL) {
        load_fail("client socket", errno);
        return NULL;
    }
    if (st_connect(cl.fd, (struct sockaddr *)&proxy_sin, sizeof proxy_sin,
                   tmo) < 0) {
        load_fail("client st_connect", errno);
        st_netfd_close(cl.fd);
        return NULL;
    }
    w = st_thread_create(client_writer, &cl, 1, STACK);
    if (w == NULL) {
        load_fail("client st_thread_create", errno);
        st_netfd_close(cl.fd);
        return NULL;
    }
    gen_init(&data, (uint64_t)cl.id);
    gen_init(&sizes, (uint64_t)cl.id + 2000003);
    memset(&got, 0, sizeof got);
    for (;;) {
        size_t ask = 1 + (size_t)(gen_next(&sizes) % sizeof buf);
        n = st_read(cl.fd, buf, ask, tmo);
        if (n <= 0)
            break;
        if (off + (size_t)n > cl.len) {
            bad = 1;                    /* more than was sent */
            break;
        }
        gen_fill(&data, want, (size_t)n);
        if (memcmp(buf, want, (size_t)n) != 0)
            bad = 1;
        sum_add(&got, buf, (size_t)n);
        off += (size_t)n;
    }
    if (n < 0)
        load_fail("client st_read", errno);
    st_thread_join(w, NULL);
    if (bad || (n == 0 && off != cl.len))
        load_fail("client stream corrupted or short", 0);
    else if (n == 0 && !cl.werr &&
             (got.a != cl.sent.a || got.b != cl.sent.b))
        load_fail("client checksum mismatch", 0);
    else if (n == 0 && !cl.werr)
        bytes_verified += cl.len;
    st_netfd_close(cl.fd);
    return NULL;
}

/* ---- the test ------------------------------------------------------------------ */

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    int n = v ? atoi(v) : 0;

    return n > 0 ? n : dflt;
}

static int connections_for(int backend)
{
    int n = env_int("ST_LOAD_CONNECTIONS", 0);

    if (backend == ST_EVENTSYS_ALT)
        return n ? n : 500;
    /* select: 4 descriptors per connection must stay under FD_SETSIZE. */
    return n && n < 200 ? n : 200;
}

static int plain_listener(struct sockaddr_in *sin, int backlog)
{
    socklen_t len = sizeof *sin;
    int l = socket(AF_INET, SOCK_STREAM, 0), on = 1;

    ck_assert_int_ge(l, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(l, (struct sockaddr *)sin, sizeof *sin), 0);
    ck_assert_int_eq(listen(l, backlog), 0);
    ck_assert_int_eq(getsockname(l, (struct sockaddr *)sin, &len), 0);
    return l;
}

/* The echo server in its own process: serves until the parent closes the
 * control pipe, then waits (bounded) for its connections and exits with
 * 0, or 1 after any failure. */
static void *watch_parent(void *arg)
{
    char c;

    while (st_read(arg, &c, 1, ST_UTIME_NO_TIMEOUT) > 0)
        ;
    return NULL;
}

static void echo_process(int backend, int lfd, int ctl)
{
    st_netfd_t l;
    st_thread_t acc, watch;
    int i;

    if (st_set_eventsys(backend) < 0 || st_init() < 0)
        _exit(3);
    echo_idle = st_cond_new();
    l = st_netfd_open_socket(lfd);
    acc = st_thread_create(echo_accept_loop, l, 1, STACK);
    watch = st_thread_create(watch_parent, st_netfd_open(ctl), 1, STACK);
    if (l == NULL || acc == NULL || watch == NULL)
        _exit(4);
    st_thread_join(watch, NULL);
    st_thread_interrupt(acc);
    st_thread_join(acc, NULL);
    for (i = 0; i < 100 && echo_active > 0; i++)
        st_cond_timedwait(echo_idle, tmo / 10);
    if (failures)
        fprintf(stderr, "check_load: echo process: %d failures, first: %s\n",
                failures, first_failure);
    _exit(failures || echo_active ? 1 : 0);
}

START_TEST(proxy_load)
{
    int backend = st_test_backends[_i];
    int n = connections_for(backend);
    int rounds = env_int("ST_LOAD_ROUNDS", 1);
    int backlog = n > 4096 ? 4096 : n + 16;
    int limit, lfd_echo, ctl[2] = { -1, -1 }, r, i;
    pid_t echo_pid = -1;
    struct rlimit rl;
    st_netfd_t pl, el = NULL;
    st_thread_t pacc, eacc = NULL, *clients;
    st_utime_t t0;
    double secs;

    tmo = st_test_usec(30000000);
    /* Four descriptors per connection (client, two at the proxy, echo):
     * raise the soft limit to the hard one, and if that is not enough
     * serve the echo side from a second process. */
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    limit = rl.rlim_cur > 1000000 ? 1000000 : (int)rl.rlim_cur;
    if (backend == ST_EVENTSYS_SELECT && limit > FD_SETSIZE)
        limit = FD_SETSIZE;
    ck_assert_msg(3 * n + 64 <= limit, "%d connections need %d descriptors; "
                  "the limit is %d", n, 3 * n + 64, limit);

    lfd_echo = plain_listener(&echo_sin, backlog);
    if (4 * n + 64 > limit) {
        ck_assert_int_eq(pipe(ctl), 0);
        echo_pid = fork();
        ck_assert_int_ge(echo_pid, 0);
        if (echo_pid == 0) {
            close(ctl[1]);
            echo_process(backend, lfd_echo, ctl[0]);
        }
        close(ctl[0]);
        close(lfd_echo);
    }

    st_test_init(_i);
    echo_idle = st_cond_new();
    proxy_idle = st_cond_new();
    if (echo_pid < 0) {
        el = st_netfd_open_socket(lfd_echo);
        ck_assert_ptr_nonnull(el);
        eacc = st_thread_create(echo_accept_loop, el, 1, STACK);
    }
    pl = st_netfd_open_socket(plain_listener(&proxy_sin, backlog));
    ck_assert_ptr_nonnull(pl);
    pacc = st_thread_create(proxy_accept_loop, pl, 1, STACK);
    clients = calloc((size_t)n, sizeof *clients);
    ck_assert_ptr_nonnull(clients);

    t0 = st_utime();
    for (r = 0; r < rounds && failures == 0; r++) {
        for (i = 0; i < n; i++) {
            clients[i] = st_thread_create(client_main,
                                          (void *)(intptr_t)(r * n + i), 1,
                                          STACK);
            ck_assert_ptr_nonnull(clients[i]);
        }
        for (i = 0; i < n; i++)
            st_thread_join(clients[i], NULL);
    }
    secs = (double)(st_utime() - t0) / 1e6;

    /* Shut the servers down; their connections have all ended. */
    st_thread_interrupt(pacc);
    st_thread_join(pacc, NULL);
    for (i = 0; i < 100 && proxy_active > 0; i++)
        st_cond_timedwait(proxy_idle, tmo / 10);
    if (eacc != NULL) {
        st_thread_interrupt(eacc);
        st_thread_join(eacc, NULL);
        for (i = 0; i < 100 && echo_active > 0; i++)
            st_cond_timedwait(echo_idle, tmo / 10);
    }
    if (echo_pid > 0) {
        int status = -1;
        close(ctl[1]);                  /* the echo process finishes */
        for (i = 0; i < 60000; i++) {
            if (waitpid(echo_pid, &status, WNOHANG) == echo_pid)
                break;
            st_usleep(1000);
        }
        if (i == 60000) {
            kill(echo_pid, SIGKILL);
            waitpid(echo_pid, &status, 0);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            load_fail("echo process failed", 0);
    }

    printf("load: backend=%s connections=%d rounds=%d bytes=%llu "
           "(each way) seconds=%.2f%s\n", st_get_eventsys_name(), n, rounds,
           bytes_verified, secs, echo_pid > 0 ? " echo-in-child" : "");
    fflush(stdout);
    ck_assert_msg(failures == 0, "%d failures, first: %s", failures,
                  first_failure);
    ck_assert_int_eq(proxy_active, 0);
    ck_assert_int_eq(echo_active, 0);
    {
        unsigned long long want = 0;
        for (r = 0; r < rounds; r++)
            for (i = 0; i < n; i++)
                want += stream_len(r * n + i);
        ck_assert(bytes_verified == want);
    }
    free(clients);
}
END_TEST

static Suite *load_suite(void)
{
    Suite *s = suite_create("load");
    TCase *tc = tcase_create("load");
    int n = env_int("ST_LOAD_CONNECTIONS", 500);
    int rounds = env_int("ST_LOAD_ROUNDS", 1);

    tcase_set_timeout(tc, 120 + (double)n * rounds / 10);
    tcase_add_loop_test(tc, proxy_load, 0, st_test_nbackends);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(load_suite());
}
