/* SPDX-License-Identifier: MIT */
/* demo.c - a first look at libst: threads, sleeping, a loopback echo. */
/*
 * Usage: examples/demo
 * Starts an echo server thread and three client threads on 127.0.0.1;
 * each client sends a greeting, reads the echo and sleeps a little.
 * Prints what happens and exits 0 when every client got its echo.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "st.h"

static struct sockaddr_in server_addr;
static int echoed;

static void *serve_one(void *arg)
{
    st_netfd_t c = arg;
    char buf[256];
    ssize_t n;

    while ((n = st_read(c, buf, sizeof buf, 5 * 1000000)) > 0)
        if (st_write(c, buf, (size_t)n, 5 * 1000000) != n)
            break;
    st_netfd_close(c);
    return NULL;
}

static void *server(void *arg)
{
    st_netfd_t lfd = arg;

    for (;;) {
        st_netfd_t c = st_accept(lfd, NULL, NULL, ST_UTIME_NO_TIMEOUT);
        if (c != NULL)
            st_thread_create(serve_one, c, 0, 0);
    }
    return NULL;
}

static void *client(void *arg)
{
    int id = (int)(intptr_t)arg;
    char msg[64], buf[64];
    int s = socket(AF_INET, SOCK_STREAM, 0);
    st_netfd_t fd = st_netfd_open_socket(s);
    size_t len;

    snprintf(msg, sizeof msg, "hello from thread %d", id);
    len = strlen(msg);
    st_usleep((st_utime_t)id * 10000);
    if (fd == NULL || st_connect(fd, (struct sockaddr *)&server_addr,
                                 sizeof server_addr, 1000000) < 0 ||
        st_write(fd, msg, len, 1000000) != (ssize_t)len ||
        st_read_fully(fd, buf, len, 1000000) != (ssize_t)len) {
        perror("client");
        return NULL;
    }
    buf[len] = '\0';
    printf("client %d got echo: \"%s\"\n", id, buf);
    echoed++;
    st_netfd_close(fd);
    return NULL;
}

int main(void)
{
    st_thread_t clients[3];
    socklen_t alen = sizeof server_addr;
    int i, s, on = 1;
    st_netfd_t lfd;

    if (st_set_eventsys(ST_EVENTSYS_ALT) < 0)
        st_set_eventsys(ST_EVENTSYS_DEFAULT);
    if (st_init() < 0) {
        perror("st_init");
        return 1;
    }
    printf("libst %s, event system %s\n", ST_VERSION, st_get_eventsys_name());

    s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    memset(&server_addr, 0, sizeof server_addr);
    server_addr.sin_family = AF_INET;
    server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&server_addr, sizeof server_addr) < 0 ||
        listen(s, 16) < 0 ||
        getsockname(s, (struct sockaddr *)&server_addr, &alen) < 0) {
        perror("listen");
        return 1;
    }
    lfd = st_netfd_open_socket(s);
    st_thread_create(server, lfd, 0, 0);
    for (i = 0; i < 3; i++)
        clients[i] = st_thread_create(client, (void *)(intptr_t)(i + 1), 1, 0);
    for (i = 0; i < 3; i++)
        st_thread_join(clients[i], NULL);
    printf("%d of 3 clients echoed; bye\n", echoed);
    return echoed == 3 ? 0 : 1;
}
