/* SPDX-License-Identifier: MIT */
/* proxy.c - a TCP relay: two threads per connection, with timeouts. */
/*
 * Usage: examples/proxy -l LISTEN_ADDR:PORT -r REMOTE_ADDR:PORT
 *                       [-c CONNECT_TIMEOUT_MS] [-i IDLE_TIMEOUT_S]
 * Accepts connections on LISTEN_ADDR:PORT and relays each one, in both
 * directions, to a new connection to REMOTE_ADDR:PORT.  Addresses are
 * IPv4 "a.b.c.d:port", IPv6 "[::1]:port", or a host name (resolved once
 * at start-up, before any thread runs).  With port 0 the listening port
 * is chosen by the system; the first line on stdout is always
 * "listening on ADDR:PORT".  Defaults: connect timeout 3000 ms, idle
 * timeout 300 s (a connection with no traffic either way is closed).
 *
 * Demonstrates: st_connect with a timeout; two threads sharing one
 * connection pair, one per direction, so a slow or blocked direction
 * never stalls the other; half-close (EOF in one direction becomes
 * shutdown(SHUT_WR) towards the other side, the other keeps flowing);
 * an idle timeout measured across both directions; st_thread_interrupt
 * to stop the partner thread on error, and st_thread_join before the
 * sockets are closed (never close a descriptor another thread waits on).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "st.h"

#define BUFSIZE (16 * 1024)

static struct sockaddr_storage remote;
static socklen_t remote_len;
static st_utime_t connect_timeout = 3000 * 1000LL;
static st_utime_t idle_timeout = 300 * 1000000LL;

struct relay {
    st_netfd_t fd[2];           /* 0: client, 1: remote */
    st_thread_t thread[2];      /* thread copying from fd[i] to fd[1 - i] */
    int done[2];
    st_utime_t last_activity;
};

/* Copies fd[dir] -> fd[1 - dir] until EOF or failure; 0 on clean EOF. */
static int pump(struct relay *r, int dir)
{
    char buf[BUFSIZE];
    st_netfd_t in = r->fd[dir], out = r->fd[1 - dir];

    for (;;) {
        ssize_t n = st_read(in, buf, sizeof buf, idle_timeout);

        if (n == 0) {
            shutdown(st_netfd_fileno(out), SHUT_WR);
            return 0;
        }
        if (n < 0) {
            /* Idle only if the other direction was quiet too. */
            if (errno == ETIME &&
                st_utime() - r->last_activity < idle_timeout)
                continue;
            return -1;
        }
        r->last_activity = st_utime();
        if (st_write(out, buf, (size_t)n, idle_timeout) != n)
            return -1;
        r->last_activity = st_utime();
    }
}

/* Ends direction dir; on failure also stops the partner if it still runs. */
static void finish(struct relay *r, int dir, int rc)
{
    r->done[dir] = 1;
    if (rc < 0 && !r->done[1 - dir])
        st_thread_interrupt(r->thread[1 - dir]);
}

static void *remote_to_client(void *arg)
{
    struct relay *r = arg;

    finish(r, 1, pump(r, 1));
    return NULL;
}

static void *handle(void *arg)
{
    struct relay r;
    int s;

    memset(&r, 0, sizeof r);
    r.fd[0] = arg;
    r.thread[0] = st_thread_self();
    if ((s = socket(remote.ss_family, SOCK_STREAM, 0)) < 0 ||
        (r.fd[1] = st_netfd_open_socket(s)) == NULL) {
        if (s >= 0)
            close(s);
        goto out;
    }
    if (st_connect(r.fd[1], (struct sockaddr *)&remote, (int)remote_len,
                   connect_timeout) < 0) {
        fprintf(stderr, "proxy: connect: %s\n",
                errno == ETIME ? "timed out" : strerror(errno));
        goto out;
    }
    r.last_activity = st_utime();
    r.thread[1] = st_thread_create(remote_to_client, &r, 1, 0);
    if (r.thread[1] == NULL)
        goto out;
    finish(&r, 0, pump(&r, 0));
    /* An interrupt meant for our pump may arrive while we join: retry. */
    while (st_thread_join(r.thread[1], NULL) < 0 && errno == EINTR)
        ;
out:
    if (r.fd[1] != NULL)
        st_netfd_close(r.fd[1]);
    st_netfd_close(r.fd[0]);
    return NULL;
}

/* "host:port", "[v6]:port" -> address; -1 with a message on failure. */
static int resolve(const char *spec, int passive,
                   struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(spec, ':'), *h = spec;
    size_t hlen;
    struct addrinfo hints, *res;
    int rc;

    if (colon == NULL) {
        fprintf(stderr, "proxy: %s: expected ADDR:PORT\n", spec);
        return -1;
    }
    hlen = (size_t)(colon - spec);
    if (spec[0] == '[' && hlen >= 2 && spec[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= sizeof host) {
        fprintf(stderr, "proxy: %s: address too long\n", spec);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    rc = getaddrinfo(hlen > 0 ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "proxy: %s: %s\n", spec, gai_strerror(rc));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void print_address(const char *what, const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN];
    unsigned port;

    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
        port = ntohs(s6->sin6_port);
        printf("%s [%s]:%u\n", what, host, port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
        port = ntohs(s4->sin_port);
        printf("%s %s:%u\n", what, host, port);
    }
    fflush(stdout);
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s -l LISTEN_ADDR:PORT -r REMOTE_ADDR:PORT "
            "[-c CONNECT_TIMEOUT_MS] [-i IDLE_TIMEOUT_S]\n", prog);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *remote_spec = NULL;
    struct sockaddr_storage laddr;
    socklen_t llen;
    int c, s, on = 1;
    st_netfd_t lfd;

    while ((c = getopt(argc, argv, "l:r:c:i:")) != -1) {
        switch (c) {
        case 'l': listen_spec = optarg; break;
        case 'r': remote_spec = optarg; break;
        case 'c': connect_timeout = (st_utime_t)atol(optarg) * 1000; break;
        case 'i': idle_timeout = (st_utime_t)atol(optarg) * 1000000; break;
        default: usage(argv[0]);
        }
    }
    if (listen_spec == NULL || remote_spec == NULL || optind != argc ||
        connect_timeout == 0 || idle_timeout == 0)
        usage(argv[0]);
    if (resolve(listen_spec, 1, &laddr, &llen) < 0 ||
        resolve(remote_spec, 0, &remote, &remote_len) < 0)
        return 2;

    if (st_set_eventsys(ST_EVENTSYS_ALT) < 0)
        st_set_eventsys(ST_EVENTSYS_DEFAULT);
    if (st_init() < 0) {
        perror("st_init");
        return 1;
    }
    if ((s = socket(laddr.ss_family, SOCK_STREAM, 0)) < 0 ||
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(s, (struct sockaddr *)&laddr, llen) < 0 ||
        listen(s, 128) < 0 ||
        getsockname(s, (struct sockaddr *)&laddr, &llen) < 0 ||
        (lfd = st_netfd_open_socket(s)) == NULL) {
        perror("proxy: listen");
        return 1;
    }
    print_address("listening on", (struct sockaddr *)&laddr);
    for (;;) {
        st_netfd_t cfd = st_accept(lfd, NULL, NULL, ST_UTIME_NO_TIMEOUT);

        if (cfd == NULL) {
            /* EMFILE and the like: back off instead of spinning. */
            perror("proxy: accept");
            st_usleep(100 * 1000);
            continue;
        }
        setsockopt(st_netfd_fileno(cfd), IPPROTO_TCP, TCP_NODELAY, &on,
                   sizeof on);
        if (st_thread_create(handle, cfd, 0, 0) == NULL) {
            perror("proxy: st_thread_create");
            st_netfd_close(cfd);
        }
    }
}
