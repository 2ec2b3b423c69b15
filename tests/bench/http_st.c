/* SPDX-License-Identifier: MIT */
/*
 * http_st.c - a minimal HTTP/1.1 keep-alive server on State Threads: one
 * thread per connection, every request answered with the same 13-byte
 * body.  Built against libst and against State Threads 1.9.
 *
 *   http_st PORT [select|poll|epoll|io_uring] [poll-first|read-first]
 *
 * read-first (the default) is the plainest loop: st_read, answer, st_read
 * again, which costs one read that fails with EAGAIN per request, since
 * st_read always tries the read before it waits.  poll-first waits with
 * st_netfd_poll before each read instead, so that every read finds data,
 * as in nginx and libevent, which read only when epoll says so.
 *
 * It only counts "\r\n\r\n" to find the end of each request (no bodies),
 * which is all wrk sends.  Pipelined requests are answered in one write.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "st.h"

static const char response[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: st\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "hello, world!";
#define RESP_LEN (sizeof response - 1)
#define MAX_PIPELINE 16

static int poll_first;  /* wait for readability before each read */

static void *serve(void *arg)
{
    st_netfd_t c = arg;
    char buf[4096], out[MAX_PIPELINE * RESP_LEN];
    int state = 0;  /* how much of "\r\n\r\n" matched so far */

    for (;;) {
        ssize_t n, i;
        int reqs = 0;

        if (poll_first && st_netfd_poll(c, POLLIN, ST_UTIME_NO_TIMEOUT) < 0)
            break;
        n = st_read(c, buf, sizeof buf, ST_UTIME_NO_TIMEOUT);
        if (n <= 0)
            break;
        for (i = 0; i < n; i++) {
            char ch = buf[i];
            if ((state == 0 || state == 2) && ch == '\r')
                state++;
            else if ((state == 1 || state == 3) && ch == '\n')
                state++;
            else
                state = ch == '\r' ? 1 : 0;
            if (state == 4) {
                state = 0;
                reqs++;
            }
        }
        while (reqs > 0) {
            int k = reqs > MAX_PIPELINE ? MAX_PIPELINE : reqs, j;
            for (j = 0; j < k; j++)
                memcpy(out + j * RESP_LEN, response, RESP_LEN);
            if (st_write(c, out, (size_t)k * RESP_LEN, ST_UTIME_NO_TIMEOUT) < 0)
                goto done;
            reqs -= k;
        }
    }
done:
    st_netfd_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    struct sockaddr_in sin;
    struct rlimit rl;
    st_netfd_t lfd;
    int fd, one = 1, es = ST_EVENTSYS_DEFAULT;

    if (argc < 2) {
        fprintf(stderr, "usage: http_st PORT [select|poll|epoll|io_uring]"
                        " [poll-first|read-first]\n");
        return 2;
    }
    if (argc > 2) {
        if (strcmp(argv[2], "select") == 0)
            es = ST_EVENTSYS_SELECT;
        else if (strcmp(argv[2], "poll") == 0)
            es = ST_EVENTSYS_POLL;
        else if (strcmp(argv[2], "epoll") == 0)
            es = ST_EVENTSYS_ALT;
#if defined(ST_EVENTSYS_IO_URING)
        else if (strcmp(argv[2], "io_uring") == 0)
            es = ST_EVENTSYS_IO_URING;
#endif
    }
    if (argc > 3) {
        poll_first = strcmp(argv[3], "poll-first") == 0;
        if (!poll_first && strcmp(argv[3], "read-first") != 0) {
            fprintf(stderr, "http_st: unknown loop %s\n", argv[3]);
            return 2;
        }
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    if (st_set_eventsys(es) < 0) {
        fprintf(stderr, "http_st: eventsys %s unavailable\n", argv[2]);
        return 1;
    }
    if (st_init() < 0) {
        perror("st_init");
        return 1;
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 4096) < 0) {
        perror("http_st: bind/listen");
        return 1;
    }
    lfd = st_netfd_open_socket(fd);
    if (lfd == NULL) {
        perror("st_netfd_open_socket");
        return 1;
    }
    fprintf(stderr, "http_st: %s on port %s\n", st_get_eventsys_name(), argv[1]);
    for (;;) {
        st_netfd_t c = st_accept(lfd, NULL, NULL, ST_UTIME_NO_TIMEOUT);
        if (c == NULL)
            continue;
        setsockopt(st_netfd_fileno(c), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (st_thread_create(serve, c, 0, 0) == NULL)
            st_netfd_close(c);
    }
}
