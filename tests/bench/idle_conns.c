/* SPDX-License-Identifier: MIT */
/*
 * idle_conns.c - open N idle TCP connections to 127.0.0.1:PORT and hold
 * them until killed.  Prints "ready N" once every connection is up.
 *
 *   idle_conns PORT N
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_in sin;
    struct rlimit rl;
    int i, n, ok = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: idle_conns PORT N\n");
        return 2;
    }
    n = atoi(argv[2]);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            perror("idle_conns: socket");
            break;
        }
        if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
            perror("idle_conns: connect");
            close(fd);
            break;
        }
        ok++;
    }
    printf("ready %d\n", ok);
    fflush(stdout);
    for (;;)
        pause();
}
