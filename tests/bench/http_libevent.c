/* SPDX-License-Identifier: MIT */
/*
 * http_libevent.c - the same minimal HTTP/1.1 keep-alive server as
 * http_st.c, on libevent (one event per connection, raw read/write).
 *
 *   http_libevent PORT
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

static const char response[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: ev\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "hello, world!";
#define RESP_LEN (sizeof response - 1)
#define MAX_PIPELINE 16

struct conn {
    struct event *ev;
    int state;
    size_t pend_off, pend_len;  /* unsent output when a write was short */
    char pend[MAX_PIPELINE * RESP_LEN];
};

static struct event_base *base;

static void conn_free(struct conn *c, int fd)
{
    event_free(c->ev);
    close(fd);
    free(c);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    char buf[4096];
    ssize_t n, i;
    int reqs = 0;

    if (c->pend_len > 0) {  /* finish the short write first */
        n = write(fd, c->pend + c->pend_off, c->pend_len);
        if (n < 0 && errno != EAGAIN) {
            conn_free(c, fd);
            return;
        }
        if (n > 0) {
            c->pend_off += (size_t)n;
            c->pend_len -= (size_t)n;
        }
        if (c->pend_len > 0)
            return;
        event_del(c->ev);
        event_assign(c->ev, base, fd, EV_READ | EV_PERSIST, on_io, c);
        event_add(c->ev, NULL);
        return;
    }
    n = read(fd, buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN)
            return;
        conn_free(c, fd);
        return;
    }
    for (i = 0; i < n; i++) {
        char ch = buf[i];
        if ((c->state == 0 || c->state == 2) && ch == '\r')
            c->state++;
        else if ((c->state == 1 || c->state == 3) && ch == '\n')
            c->state++;
        else
            c->state = ch == '\r' ? 1 : 0;
        if (c->state == 4) {
            c->state = 0;
            reqs++;
        }
    }
    if (reqs > MAX_PIPELINE)
        reqs = MAX_PIPELINE;  /* wrk never pipelines this deep */
    if (reqs > 0) {
        size_t len = (size_t)reqs * RESP_LEN;
        int j;
        for (j = 0; j < reqs; j++)
            memcpy(c->pend + j * RESP_LEN, response, RESP_LEN);
        n = write(fd, c->pend, len);
        if (n < 0 && errno != EAGAIN) {
            conn_free(c, fd);
            return;
        }
        if (n < 0)
            n = 0;
        if ((size_t)n < len) {
            c->pend_off = (size_t)n;
            c->pend_len = len - (size_t)n;
            event_del(c->ev);
            event_assign(c->ev, base, fd, EV_WRITE | EV_PERSIST, on_io, c);
            event_add(c->ev, NULL);
        }
    }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
    struct conn *c = calloc(1, sizeof *c);
    int one = 1;

    (void)l; (void)sa; (void)salen; (void)arg;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_io, c);
    event_add(c->ev, NULL);
}

int main(int argc, char **argv)
{
    struct sockaddr_in sin;
    struct rlimit rl;
    struct evconnlistener *l;

    if (argc < 2) {
        fprintf(stderr, "usage: http_libevent PORT\n");
        return 2;
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, on_accept, NULL,
                                LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 4096,
                                (struct sockaddr *)&sin, sizeof sin);
    if (l == NULL) {
        perror("http_libevent: bind");
        return 1;
    }
    fprintf(stderr, "http_libevent: %s on port %s\n",
            event_base_get_method(base), argv[1]);
    event_base_dispatch(base);
    return 0;
}
