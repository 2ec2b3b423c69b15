/* SPDX-License-Identifier: MIT */
/* smoke_client.c - client, stub DNS server and helpers for smoke.sh. */
/*
 * Usage: examples/smoke_client COMMAND ARGS...   (exit 0 = success)
 *   waitport FILE          wait (10 s max) until FILE holds a line
 *                          "listening on ADDR:PORT"; print PORT
 *   waitfor FILE TEXT      wait (10 s max) until FILE contains TEXT
 *   watchdog PID SECS      SIGKILL PID if it still runs after SECS
 *   sleepms MS             pause (for bounded polling loops)
 *   echo PORT              one round trip through an echo server
 *   relay PORT BYTES       send BYTES pseudo-random bytes while reading
 *                          the echo; compare checksums both ways
 *   http PORT REQ...       send the requests on one connection, in turn;
 *                          each REQ is "METHOD TARGET STATUS BODY [FLAGS]"
 *                          with BODY a file the body must equal (for
 *                          HEAD: its size must equal Content-Length) or
 *                          "-"; FLAGS: "close" sends Connection: close,
 *                          "http10" uses HTTP/1.0, "eof" expects the
 *                          server to close the connection afterwards
 *   refused PORT           succeed if a connection is refused at once
 *   hold PORT              GET / on a keep-alive connection, print
 *                          "ready", then wait (20 s max) for the server
 *                          to close it and print "closed"
 *   dnsstub                UDP DNS server on 127.0.0.1 (prints
 *                          "listening on 127.0.0.1:PORT"); answers A
 *                          queries: a.test 10.0.0.1, alias.test CNAME
 *                          b.test 10.0.0.2, retry.test 10.0.0.3 (the
 *                          first query for it is ignored), others
 *                          NXDOMAIN; exits after 60 s
 * Everything is loopback-only and every wait is bounded.  It is written
 * with libst too: the relay check runs a writer and a reader thread.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "st.h"

#define SEC 1000000LL
#define TIMEOUT (5 * SEC)

static int fail(const char *what)
{
    fprintf(stderr, "smoke_client: %s\n", what);
    return 1;
}

static int dial_attempts = 20;

static st_netfd_t dial(const char *port)
{
    struct sockaddr_in sin;
    int attempt, err;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(port));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (attempt = 0; attempt < dial_attempts; attempt++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        st_netfd_t fd = s < 0 ? NULL : st_netfd_open_socket(s);

        if (fd == NULL)
            return NULL;
        if (st_connect(fd, (struct sockaddr *)&sin, sizeof sin, TIMEOUT) == 0)
            return fd;
        err = errno;
        st_netfd_close(fd);
        errno = err;
        if (attempt + 1 < dial_attempts)
            st_usleep(100 * 1000);      /* refused: not listening yet */
    }
    return NULL;
}

/* ---- file helpers -------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static int cmd_waitfor(const char *path, const char *text, int print_port)
{
    int i;

    for (i = 0; i < 200; i++) {
        size_t len;
        char *buf = slurp(path, &len), *p;

        if (buf != NULL && (p = strstr(buf, text)) != NULL) {
            if (print_port) {
                char *nl = strchr(p, '\n'), *colon;

                if (nl == NULL) {   /* line not complete yet */
                    free(buf);
                    st_usleep(50 * 1000);
                    continue;
                }
                *nl = '\0';
                colon = strrchr(p, ':');
                printf("%s\n", colon != NULL ? colon + 1 : "0");
            }
            free(buf);
            return 0;
        }
        free(buf);
        st_usleep(50 * 1000);
    }
    fprintf(stderr, "smoke_client: %s: no \"%s\" after 10 s\n", path, text);
    return 1;
}

static int cmd_watchdog(pid_t pid, int secs)
{
    int i;

    for (i = 0; i < secs * 20; i++) {
        if (kill(pid, 0) < 0)
            return 0;
        st_usleep(50 * 1000);
    }
    fprintf(stderr, "smoke_client: watchdog: killing %ld after %d s\n",
            (long)pid, secs);
    kill(pid, SIGKILL);
    return 1;
}

/* ---- echo and relay ------------------------------------------------------ */

static int cmd_echo(const char *port)
{
    static const char msg[] = "hello, libst";
    char buf[sizeof msg];
    st_netfd_t fd = dial(port);

    if (fd == NULL)
        return fail("echo: cannot connect");
    if (st_write(fd, msg, sizeof msg, TIMEOUT) != (ssize_t)sizeof msg ||
        st_read_fully(fd, buf, sizeof msg, TIMEOUT) != (ssize_t)sizeof msg ||
        memcmp(buf, msg, sizeof msg) != 0)
        return fail("echo: wrong or missing echo");
    st_netfd_close(fd);
    return 0;
}

struct relay_job {
    st_netfd_t fd;
    size_t bytes;
    unsigned long long sum;     /* FNV-1a of what was written */
    int ok;
};

static unsigned long long fnv(unsigned long long h, const unsigned char *p,
                              size_t n)
{
    while (n-- > 0)
        h = (h ^ *p++) * 1099511628211ULL;
    return h;
}

static void *relay_writer(void *arg)
{
    struct relay_job *j = arg;
    unsigned char buf[8192];
    unsigned long long x = 88172645463325252ULL;
    size_t done = 0, i, n;

    j->sum = 14695981039346656037ULL;
    while (done < j->bytes) {
        n = j->bytes - done < sizeof buf ? j->bytes - done : sizeof buf;
        for (i = 0; i < n; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            buf[i] = (unsigned char)x;
        }
        j->sum = fnv(j->sum, buf, n);
        if (st_write(j->fd, buf, n, TIMEOUT) != (ssize_t)n)
            return NULL;
        done += n;
    }
    shutdown(st_netfd_fileno(j->fd), SHUT_WR);
    j->ok = 1;
    return NULL;
}

static int cmd_relay(const char *port, const char *bytes)
{
    struct relay_job j;
    unsigned char buf[8192];
    unsigned long long sum = 14695981039346656037ULL;
    size_t got = 0;
    st_thread_t w;
    ssize_t n;

    memset(&j, 0, sizeof j);
    j.bytes = (size_t)strtoul(bytes, NULL, 10);
    if ((j.fd = dial(port)) == NULL)
        return fail("relay: cannot connect");
    if ((w = st_thread_create(relay_writer, &j, 1, 0)) == NULL)
        return fail("relay: thread");
    while ((n = st_read(j.fd, buf, sizeof buf, TIMEOUT)) > 0) {
        sum = fnv(sum, buf, (size_t)n);
        got += (size_t)n;
    }
    st_thread_join(w, NULL);
    st_netfd_close(j.fd);
    printf("relay: sent %zu bytes (fnv %016llx), received %zu (fnv %016llx)\n",
           j.bytes, j.sum, got, sum);
    return n == 0 && j.ok && got == j.bytes && sum == j.sum ? 0 : 1;
}

/* ---- HTTP ---------------------------------------------------------------- */

struct http_conn {
    st_netfd_t fd;
    char buf[1 << 20];          /* enough for big.txt of smoke.sh */
    size_t len;
};

/* Reads until buf holds n bytes or a "\r\n\r\n" (n == 0); -1 on failure. */
static int fill(struct http_conn *c, size_t n)
{
    while (n == 0 ? strstr(c->buf, "\r\n\r\n") == NULL : c->len < n) {
        ssize_t r;

        if (c->len >= sizeof c->buf - 1)
            return -1;
        r = st_read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len,
                    TIMEOUT);
        if (r <= 0)
            return -1;
        c->len += (size_t)r;
        c->buf[c->len] = '\0';
    }
    return 0;
}

static int http_one(struct http_conn *c, char *spec)
{
    char *method = strtok(spec, " "), *target = strtok(NULL, " ");
    char *status = strtok(NULL, " "), *body = strtok(NULL, " "), *flag;
    int close_req = 0, http10 = 0, expect_eof = 0, code = 0;
    char req[1024], *hdr_end, *cl;
    size_t hlen, clen = 0, flen = 0;
    char *file = NULL;
    ssize_t r;

    if (method == NULL || target == NULL || status == NULL || body == NULL)
        return fail("http: bad request spec");
    while ((flag = strtok(NULL, " ")) != NULL) {
        close_req |= strcmp(flag, "close") == 0;
        http10 |= strcmp(flag, "http10") == 0;
        expect_eof |= strcmp(flag, "eof") == 0;
    }
    if (strcmp(body, "-") != 0 && (file = slurp(body, &flen)) == NULL)
        return fail("http: cannot read expected body file");
    snprintf(req, sizeof req, "%s %s HTTP/1.%d\r\nHost: 127.0.0.1\r\n"
             "User-Agent: smoke_client\r\n%s\r\n", method, target,
             http10 ? 0 : 1, close_req ? "Connection: close\r\n" : "");
    if (st_write(c->fd, req, strlen(req), TIMEOUT) != (ssize_t)strlen(req))
        return fail("http: write failed (connection closed?)");
    if (fill(c, 0) < 0)
        return fail("http: no complete response header");
    hdr_end = strstr(c->buf, "\r\n\r\n");
    hlen = (size_t)(hdr_end - c->buf) + 4;
    *hdr_end = '\0';
    if (sscanf(c->buf, "HTTP/1.%*d %d", &code) != 1)
        return fail("http: bad status line");
    for (cl = strstr(c->buf, "\r\n"); cl != NULL; cl = strstr(cl + 2, "\r\n"))
        if (strncasecmp(cl + 2, "Content-Length:", 15) == 0)
            break;
    if (cl != NULL)
        clen = (size_t)strtoul(cl + 17, NULL, 10);
    printf("  %s %s -> %d, Content-Length %zu\n", method, target, code,
           clen);
    if (code != atoi(status))
        return fail("http: unexpected status");
    if (cl == NULL)
        return fail("http: no Content-Length");
    if (strcmp(method, "HEAD") == 0) {
        if (file != NULL && clen != flen)
            return fail("http: HEAD Content-Length differs from the file");
        clen = 0;
    }
    if (fill(c, hlen + clen) < 0)
        return fail("http: short body");
    if (file != NULL && strcmp(method, "HEAD") != 0 &&
        (clen != flen || memcmp(c->buf + hlen, file, flen) != 0))
        return fail("http: body differs from the file");
    free(file);
    memmove(c->buf, c->buf + hlen + clen, c->len - hlen - clen);
    c->len -= hlen + clen;
    c->buf[c->len] = '\0';
    if (expect_eof) {
        char x;

        if (c->len != 0 || (r = st_read(c->fd, &x, 1, TIMEOUT)) != 0)
            return fail("http: connection not closed by the server");
    }
    return 0;
}

static int cmd_http(const char *port, char **reqs, int n)
{
    static struct http_conn c;
    int i;

    if ((c.fd = dial(port)) == NULL)
        return fail("http: cannot connect");
    for (i = 0; i < n; i++)
        if (http_one(&c, reqs[i]) != 0)
            return 1;
    st_netfd_close(c.fd);
    return 0;
}

static int cmd_hold(const char *port)
{
    char spec[] = "GET / 200 -";
    static struct http_conn c;
    char x;

    if ((c.fd = dial(port)) == NULL || http_one(&c, spec) != 0)
        return fail("hold: first request failed");
    printf("ready\n");
    fflush(stdout);
    if (st_read(c.fd, &x, 1, 20 * SEC) != 0)
        return fail("hold: the server did not close the idle connection");
    printf("closed\n");
    return 0;
}

/* ---- stub DNS server ----------------------------------------------------- */

static int cmd_dnsstub(void)
{
    struct sockaddr_in sin;
    socklen_t slen = sizeof sin;
    st_netfd_t fd;
    st_utime_t end;
    int s, retry_seen = 0;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
        bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(s, (struct sockaddr *)&sin, &slen) < 0 ||
        (fd = st_netfd_open_socket(s)) == NULL)
        return fail("dnsstub: socket");
    printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
    fflush(stdout);
    end = st_utime() + 60 * SEC;
    while (st_utime() < end) {
        unsigned char q[512], r[512];
        char name[256];
        struct sockaddr_in from;
        int fromlen = sizeof from, n, off = 12, nlen = 0, rlen;
        unsigned char a[4] = { 10, 0, 0, 0 };

        n = st_recvfrom(fd, q, sizeof q, (struct sockaddr *)&from, &fromlen,
                        SEC);
        if (n < 12 + 5)
            continue;
        while (off < n && q[off] != 0 && q[off] < 64 &&
               off + 1 + q[off] < n && nlen + q[off] + 2 < (int)sizeof name) {
            if (nlen > 0)
                name[nlen++] = '.';
            memcpy(name + nlen, q + off + 1, q[off]);
            nlen += q[off];
            off += 1 + q[off];
        }
        name[nlen] = '\0';
        if (off + 5 > n || q[off] != 0)
            continue;
        off += 5;                       /* root label, QTYPE, QCLASS */
        memcpy(r, q, (size_t)off);      /* header and question */
        r[2] = 0x81;                    /* QR, RD */
        r[3] = 0x80;                    /* RA, rcode 0 */
        r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
        rlen = off;
        if (strcasecmp(name, "retry.test") == 0 && !retry_seen++)
            continue;                   /* drop it: the client must resend */
        if (strcasecmp(name, "alias.test") == 0) {
            /* alias.test CNAME b.test (b + pointer to "test" in the
             * question), then b.test A 10.0.0.2 (pointer to that name). */
            static const unsigned char cname[] = {
                0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4,
                1, 'b', 0xC0, 18
            };
            static const unsigned char arec[] = {
                0xC0, 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4
            };
            int bname = rlen + 12;

            memcpy(r + rlen, cname, sizeof cname);
            rlen += (int)sizeof cname;
            memcpy(r + rlen, arec, sizeof arec);
            r[rlen + 1] = (unsigned char)bname;
            rlen += (int)sizeof arec;
            a[3] = 2;
            memcpy(r + rlen, a, 4);
            rlen += 4;
            r[7] = 2;
        } else if (strcasecmp(name, "a.test") == 0 ||
                   strcasecmp(name, "retry.test") == 0) {
            static const unsigned char arec[] = {
                0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4
            };

            memcpy(r + rlen, arec, sizeof arec);
            rlen += (int)sizeof arec;
            a[3] = name[0] == 'a' ? 1 : 3;
            memcpy(r + rlen, a, 4);
            rlen += 4;
            r[7] = 1;
        } else {
            r[3] = 0x83;                /* NXDOMAIN */
        }
        st_sendto(fd, r, rlen, (struct sockaddr *)&from, fromlen, SEC);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (st_init() < 0)
        return fail("st_init failed");
    if (strcmp(cmd, "waitport") == 0 && argc == 3)
        return cmd_waitfor(argv[2], "listening on ", 1);
    if (strcmp(cmd, "waitfor") == 0 && argc == 4)
        return cmd_waitfor(argv[2], argv[3], 0);
    if (strcmp(cmd, "watchdog") == 0 && argc == 4)
        return cmd_watchdog((pid_t)atol(argv[2]), atoi(argv[3]));
    if (strcmp(cmd, "sleepms") == 0 && argc == 3)
        return st_usleep((st_utime_t)atol(argv[2]) * 1000) < 0;
    if (strcmp(cmd, "echo") == 0 && argc == 3)
        return cmd_echo(argv[2]);
    if (strcmp(cmd, "relay") == 0 && argc == 4)
        return cmd_relay(argv[2], argv[3]);
    if (strcmp(cmd, "http") == 0 && argc >= 4)
        return cmd_http(argv[2], argv + 3, argc - 3);
    if (strcmp(cmd, "refused") == 0 && argc == 3) {
        dial_attempts = 1;
        return dial(argv[2]) == NULL && errno == ECONNREFUSED ? 0 : 1;
    }
    if (strcmp(cmd, "hold") == 0 && argc == 3)
        return cmd_hold(argv[2]);
    if (strcmp(cmd, "dnsstub") == 0 && argc == 2)
        return cmd_dnsstub();
    fprintf(stderr, "usage: %s waitport|waitfor|watchdog|sleepms|echo|relay|"
            "http|refused|hold|dnsstub ARGS... (see the source)\n", argv[0]);
    return 2;
}
