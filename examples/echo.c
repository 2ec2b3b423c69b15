/* SPDX-License-Identifier: MIT */
/* echo.c - the smallest libst TCP echo server: the "hello world". */
/*
 * Usage: examples/echo PORT        (PORT 0 picks a free port)
 * Listens on 127.0.0.1:PORT, prints "listening on 127.0.0.1:PORT" and
 * sends back whatever each client sends until the client closes.
 * Demonstrates the basic shape of every libst server: st_init, wrap the
 * listening socket, accept in a loop, one thread per connection, and
 * plain blocking-style st_read/st_write (with an idle timeout).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st.h"

#define IDLE_TIMEOUT (60 * 1000000LL)   /* microseconds */

static void *handle(void *arg)
{
    st_netfd_t c = arg;
    char buf[4096];
    ssize_t n;

    while ((n = st_read(c, buf, sizeof buf, IDLE_TIMEOUT)) > 0)
        if (st_write(c, buf, (size_t)n, IDLE_TIMEOUT) != n)
            break;
    st_netfd_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof sin;
    int s, on = 1;
    st_netfd_t lfd, c;

    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (st_init() < 0 || (s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        listen(s, 128) < 0 ||
        getsockname(s, (struct sockaddr *)&sin, &len) < 0 ||
        (lfd = st_netfd_open_socket(s)) == NULL) {
        perror("echo");
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
    fflush(stdout);
    for (;;)
        if ((c = st_accept(lfd, NULL, NULL, ST_UTIME_NO_TIMEOUT)) != NULL &&
            st_thread_create(handle, c, 0, 0) == NULL)
            st_netfd_close(c);
}
