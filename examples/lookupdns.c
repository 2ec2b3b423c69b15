/* SPDX-License-Identifier: MIT */
/* lookupdns.c - concurrent DNS A-record lookups with a tiny UDP client. */
/*
 * Usage: examples/lookupdns [-s SERVER_IP[:PORT]] [-t TIMEOUT_MS]
 *                           [-r TRIES] name...
 * Resolves every name at once, one ST thread per name, and prints
 *   name -> a.b.c.d          or          name -> error: ...
 * as the answers arrive.  SERVER defaults to the first "nameserver" of
 * /etc/resolv.conf (port 53), TIMEOUT_MS to 1000 per try, TRIES to 3.
 *
 * Demonstrates: blocking DNS (getaddrinfo) would stop every thread, so
 * ST programs talk to the name server themselves.  Each thread builds an
 * RFC 1035 query, sends it with st_sendto, waits for the answer with
 * st_recvfrom and a timeout, resends a few times, and parses the reply
 * (following compression pointers and CNAME chains).  The classic ST
 * exit style: main creates the threads and calls st_thread_exit(NULL);
 * the process exits with status 0 when the last thread has finished.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "st.h"

#define DNS_PORT     53
#define DNS_MAXMSG   512        /* classic UDP message limit (no EDNS) */
#define DNS_MAXNAME  256        /* dotted form, with the final NUL */
#define TYPE_A       1
#define TYPE_CNAME   5
#define CLASS_IN     1

static struct sockaddr_storage server;
static socklen_t server_len;
static st_utime_t try_timeout = 1000 * 1000;
static int tries = 3;
static unsigned short next_id;

/* Encodes a dotted name as DNS labels; returns the length or -1. */
static int encode_name(const char *name, unsigned char *out, size_t room)
{
    size_t pos = 0;
    const char *p = name, *dot;

    if (strcmp(name, ".") == 0)
        p = "";
    while (*p != '\0') {
        size_t len;

        dot = strchr(p, '.');
        len = dot != NULL ? (size_t)(dot - p) : strlen(p);
        if (len == 0 || len > 63 || pos + 1 + len + 1 > room)
            return -1;
        out[pos++] = (unsigned char)len;
        memcpy(out + pos, p, len);
        pos += len;
        p += len;
        if (*p == '.')
            p++;
    }
    if (pos + 1 > room || pos + 1 > 255)
        return -1;
    out[pos++] = 0;
    return (int)pos;
}

/*
 * Decodes the name at msg[*off] into dotted form, following compression
 * pointers (each must point backwards, which also rules out loops), and
 * moves *off past the name as it appears at that place.  0 or -1.
 */
static int decode_name(const unsigned char *msg, int len, int *off,
                       char *out)
{
    int pos = *off, end = -1, outlen = 0, limit = pos;

    for (;;) {
        int l;

        if (pos >= len)
            return -1;
        l = msg[pos];
        if ((l & 0xC0) == 0xC0) {
            int target;

            if (pos + 1 >= len)
                return -1;
            target = ((l & 0x3F) << 8) | msg[pos + 1];
            if (end < 0)
                end = pos + 2;
            if (target >= limit)
                return -1;
            limit = pos = target;
            continue;
        }
        if ((l & 0xC0) != 0)
            return -1;          /* 0x40/0x80: extended labels, unsupported */
        pos++;
        if (l == 0)
            break;
        if (pos + l > len || outlen + l + 2 > DNS_MAXNAME)
            return -1;
        if (outlen > 0)
            out[outlen++] = '.';
        memcpy(out + outlen, msg + pos, (size_t)l);
        outlen += l;
        pos += l;
    }
    out[outlen] = '\0';
    *off = end >= 0 ? end : pos;
    return 0;
}

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Builds a recursive A query for name; returns its length or -1. */
static int build_query(const char *name, unsigned id, unsigned char *q)
{
    int n;

    memset(q, 0, 12);
    q[0] = (unsigned char)(id >> 8);
    q[1] = (unsigned char)id;
    q[2] = 0x01;                        /* RD: recursion desired */
    q[5] = 1;                           /* QDCOUNT = 1 */
    if ((n = encode_name(name, q + 12, DNS_MAXMSG - 12 - 4)) < 0)
        return -1;
    n += 12;
    q[n++] = 0;
    q[n++] = TYPE_A;
    q[n++] = 0;
    q[n++] = CLASS_IN;
    return n;
}

/*
 * Parses a reply.  Returns 1 with *addr set, 0 if the reply is not ours
 * (wrong id/question: keep waiting), -1 with *err set for a final error.
 */
static int parse_reply(const unsigned char *m, int len, unsigned id,
                       const char *name, struct in_addr *addr,
                       const char **err)
{
    static const char *rcodes[] = {
        "no error", "format error", "server failure",
        "no such name (NXDOMAIN)", "not implemented", "refused"
    };
    char owner[DNS_MAXNAME], target[DNS_MAXNAME], qname[DNS_MAXNAME];
    unsigned qd, an, rcode, i;
    int off = 12, pass;

    if (len < 12 || get16(m) != id || !(m[2] & 0x80))
        return 0;
    qd = get16(m + 4);
    an = get16(m + 6);
    if (qd != 1 || decode_name(m, len, &off, qname) < 0 || off + 4 > len ||
        strcasecmp(qname, name) != 0 || get16(m + off) != TYPE_A)
        return 0;
    off += 4;
    if (m[2] & 0x02) {
        *err = "truncated reply";
        return -1;
    }
    rcode = m[3] & 0x0F;
    if (rcode != 0) {
        *err = rcode < sizeof rcodes / sizeof rcodes[0] ? rcodes[rcode]
                                                         : "error reply";
        return -1;
    }
    /* Follow the CNAME chain from the question name; answers may come in
     * any order, so walk them a few times. */
    snprintf(target, sizeof target, "%s", name);
    for (pass = 0; pass < 8; pass++) {
        int p = off, advanced = 0;

        for (i = 0; i < an; i++) {
            unsigned type, class, rdlen;

            if (decode_name(m, len, &p, owner) < 0 || p + 10 > len) {
                *err = "malformed reply";
                return -1;
            }
            type = get16(m + p);
            class = get16(m + p + 2);
            rdlen = get16(m + p + 8);
            p += 10;
            if (p + (int)rdlen > len) {
                *err = "malformed reply";
                return -1;
            }
            if (class == CLASS_IN && strcasecmp(owner, target) == 0) {
                if (type == TYPE_A && rdlen == 4) {
                    memcpy(addr, m + p, 4);
                    return 1;
                }
                if (type == TYPE_CNAME) {
                    int q = p;

                    if (decode_name(m, len, &q, target) < 0) {
                        *err = "malformed reply";
                        return -1;
                    }
                    advanced = 1;
                }
            }
            p += (int)rdlen;
        }
        if (!advanced)
            break;
    }
    *err = "no A record";
    return -1;
}

static void *lookup(void *arg)
{
    char name[DNS_MAXNAME];
    unsigned char query[DNS_MAXMSG], reply[DNS_MAXMSG];
    const char *err = NULL;
    struct in_addr addr;
    struct sockaddr_storage from;
    st_netfd_t fd = NULL;
    unsigned id = next_id++;
    int qlen, s, try, done = 0;

    snprintf(name, sizeof name, "%s", (const char *)arg);
    if (strlen(name) > 1 && name[strlen(name) - 1] == '.')
        name[strlen(name) - 1] = '\0';
    if ((qlen = build_query(name, id, query)) < 0) {
        err = "invalid name";
        goto out;
    }
    if ((s = socket(server.ss_family, SOCK_DGRAM, 0)) < 0 ||
        (fd = st_netfd_open_socket(s)) == NULL) {
        err = strerror(errno);
        goto out;
    }
    err = "timed out";
    for (try = 0; try < tries && !done; try++) {
        st_utime_t deadline;

        if (st_sendto(fd, query, qlen, (struct sockaddr *)&server,
                      (int)server_len, try_timeout) != qlen) {
            err = strerror(errno);
            break;
        }
        /* Ignore strays (wrong source, id or question) until the deadline. */
        deadline = st_utime() + try_timeout;
        while (!done) {
            st_utime_t now = st_utime();
            int fromlen = sizeof from, n, r;

            if (now >= deadline)
                break;
            n = st_recvfrom(fd, reply, sizeof reply, (struct sockaddr *)&from,
                            &fromlen, deadline - now);
            if (n < 0) {
                if (errno != ETIME) {
                    err = strerror(errno);
                    done = 1;
                }
                break;
            }
            if ((socklen_t)fromlen != server_len ||
                memcmp(&from, &server, server_len) != 0)
                continue;
            r = parse_reply(reply, n, id, name, &addr, &err);
            if (r != 0)
                done = 1;
            if (r > 0)
                err = NULL;
        }
    }
out:
    if (err != NULL)
        printf("%s -> error: %s\n", name, err);
    else
        printf("%s -> %s\n", name, inet_ntoa(addr));
    if (fd != NULL)
        st_netfd_close(fd);
    return NULL;
}

/* Parses "IPv4[:port]", "IPv6", or "[IPv6]:port" into server. */
static int parse_server(const char *spec)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon = strrchr(spec, ':');
    long port = DNS_PORT;
    struct sockaddr_in *sin = (struct sockaddr_in *)&server;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&server;

    memset(&server, 0, sizeof server);
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');

        if (close == NULL || (size_t)(close - spec - 1) >= sizeof host)
            return -1;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] != '\0' && colon == NULL)
            return -1;
    } else if (colon != NULL && strchr(spec, ':') == colon) {
        if ((size_t)(colon - spec) >= sizeof host)
            return -1;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
    } else {
        snprintf(host, sizeof host, "%s", spec);    /* bare IPv6 or IPv4 */
        colon = NULL;
    }
    if (colon != NULL) {
        char *end;

        port = strtol(colon + 1, &end, 10);
        if (*end != '\0' || port <= 0 || port > 65535)
            return -1;
    }
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((unsigned short)port);
        server_len = sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((unsigned short)port);
        server_len = sizeof *sin6;
    } else {
        return -1;
    }
    return 0;
}

/* The first "nameserver" line of /etc/resolv.conf, or 127.0.0.1. */
static const char *default_server(void)
{
    static char addr[INET6_ADDRSTRLEN + 1];
    char line[256];
    FILE *f = fopen("/etc/resolv.conf", "r");

    snprintf(addr, sizeof addr, "127.0.0.1");
    if (f == NULL)
        return addr;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "nameserver %46s", addr) == 1 &&
            strchr(addr, '%') == NULL)
            break;
    fclose(f);
    return addr;
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-s SERVER_IP[:PORT]] [-t TIMEOUT_MS] "
            "[-r TRIES] name...\n", prog);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *srv = NULL;
    int c, i;

    while ((c = getopt(argc, argv, "s:t:r:")) != -1) {
        switch (c) {
        case 's': srv = optarg; break;
        case 't': try_timeout = (st_utime_t)atol(optarg) * 1000; break;
        case 'r': tries = atoi(optarg); break;
        default: usage(argv[0]);
        }
    }
    if (optind >= argc || try_timeout == 0 || tries < 1)
        usage(argv[0]);
    if (srv == NULL)
        srv = default_server();
    if (parse_server(srv) < 0) {
        fprintf(stderr, "%s: bad server address: %s\n", argv[0], srv);
        return 2;
    }
    if (st_init() < 0) {
        perror("st_init");
        return 1;
    }
    next_id = (unsigned short)(st_utime() ^ (st_utime_t)getpid() << 4);
    for (i = optind; i < argc; i++)
        if (st_thread_create(lookup, argv[i], 0, 0) == NULL) {
            perror("st_thread_create");
            return 1;
        }
    st_thread_exit(NULL);
    return 0;   /* not reached */
}
