/* SPDX-License-Identifier: MIT */
/* httpd.c - a small static-file HTTP/1.1 server on libst. */
/*
 * Usage: examples/httpd -p PORT -d DOCROOT [-a ADDR] [-w WORKERS]
 *                       [-l LOGFILE] [-t TIMEOUT_S]
 *   -p PORT     TCP port; 0 lets the system choose one
 *   -d DOCROOT  directory whose files are served
 *   -a ADDR     address to listen on (default 127.0.0.1; "::1" for IPv6)
 *   -w WORKERS  worker processes sharing the listening socket (default 1)
 *   -l LOGFILE  access log (Common Log Format), reopened on SIGHUP
 *   -t TIMEOUT  read/write and keep-alive idle timeout in s (default 30)
 * The first line on stdout is "listening on ADDR:PORT" (flushed), so a
 * script can start it with -p 0 and learn the port.
 *
 * What it does: GET and HEAD of regular files under DOCROOT ("/" and
 * directories map to index.html), with Content-Length, Content-Type from
 * the extension, Date and Last-Modified.  Errors: 400 (malformed request,
 * missing Host in HTTP/1.1, or a ".." path segment - checked after
 * %-decoding, so no path leaves DOCROOT), 404, 405 (other standard
 * methods), 501 (unknown methods), 505 (not HTTP/1.x).  Connections are
 * persistent by default for HTTP/1.1 and for HTTP/1.0 only with
 * "Connection: keep-alive"; pipelined requests are answered in order.
 *
 * What it demonstrates:
 * - the classic multi-process ST structure: the parent creates the
 *   listening socket, forks the workers, and only then does each worker
 *   call st_init (nothing of ST is shared across fork); the parent stays
 *   as a supervisor, forwards SIGTERM/SIGHUP to the workers, and exits
 *   when they are all gone (status 0 if they all exited 0);
 * - one ST thread per connection, written as blocking code;
 * - timeouts on every st_read/st_write: a stalled client, or an idle
 *   keep-alive connection, is dropped after TIMEOUT seconds;
 * - the signal-to-pipe pattern: handlers only write() the signal number
 *   into a pipe (saving errno); a dedicated ST thread reads the pipe
 *   through st_netfd_open + st_read and acts, so no ST call ever runs in
 *   a signal handler;
 * - graceful shutdown on SIGTERM (or SIGINT): stop accepting (the
 *   listening socket is closed), interrupt connections that wait idle
 *   for a next request (st_thread_interrupt), let requests in progress
 *   finish, then exit 0;
 * - log reopen on SIGHUP, for log rotation (rename the file, send HUP).
 * Files are read with plain read(2): disk I/O blocks the whole process,
 * which is why a real ST server runs several worker processes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "st.h"

#define REQ_MAX       8192          /* request line + headers */
#define FILE_CHUNK    (16 * 1024)
#define MAX_WORKERS   64

/* Configuration. */
static const char *docroot;
static const char *logpath;
static st_utime_t io_timeout = 30 * 1000000LL;

/* Per-process state. */
static int sig_pipe[2] = { -1, -1 };
static int log_fd = -1;
static int shutting_down;
static sigset_t saved_mask;     /* signal mask to restore after setup */
static pid_t supervisor_pid;

/* ---- signals: the handler only writes the signal number to a pipe ----- */

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;

    if (write(sig_pipe[1], &b, 1) < 0) {
        /* Pipe full: a signal is already pending there; nothing to do. */
    }
    errno = saved;
}

/* Creates the pipe (write end non-blocking) and installs the handlers. */
static int setup_signals(const int *sigs, int n)
{
    struct sigaction sa;
    int i;

    if (pipe(sig_pipe) < 0)
        return -1;
    fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(sig_pipe[1], F_SETFL, fcntl(sig_pipe[1], F_GETFL) | O_NONBLOCK);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (i = 0; i < n; i++)
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return -1;
    return 0;
}

/* ---- access log --------------------------------------------------------- */

static void open_log(void)
{
    int fd;

    if (logpath == NULL)
        return;
    fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "httpd[%ld]: %s: %s\n", (long)getpid(), logpath,
                strerror(errno));
        return;                 /* keep the old one, if any */
    }
    if (log_fd >= 0)
        close(log_fd);
    log_fd = fd;
}

/* One Common Log Format line, written with a single write(2). */
static void log_request(const char *peer, const char *reqline, int status,
                        long long bytes)
{
    char line[1024], when[64], clean[512];
    time_t now = st_time();
    struct tm tm;
    size_t i;
    int n;

    if (log_fd < 0)
        return;
    for (i = 0; reqline[i] != '\0' && i < sizeof clean - 1; i++)
        clean[i] = (isprint((unsigned char)reqline[i]) &&
                    reqline[i] != '"') ? reqline[i] : '?';
    clean[i] = '\0';
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    n = snprintf(line, sizeof line, "%s - - [%s] \"%s\" %d %lld\n", peer,
                 when, clean, status, bytes);
    if (n > 0 && write(log_fd, line, (size_t)n < sizeof line ?
                       (size_t)n : sizeof line - 1) < 0) {
        /* Nothing sensible to do about a failing log in an example. */
    }
}

/* ---- HTTP --------------------------------------------------------------- */

struct conn {
    st_netfd_t fd;
    st_thread_t thread;
    int idle;                   /* blocked waiting for a next request */
    int served;                 /* requests answered so far */
    struct conn *prev, *next;
    char peer[INET6_ADDRSTRLEN];
    size_t len;                 /* bytes in buf */
    char buf[REQ_MAX + 1];
};

static struct conn *conns;      /* every connection of this worker */
static int nconns;
static st_cond_t drained;       /* signalled when nconns drops to 0 */

static const char *status_text(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

static const char *content_type(const char *path)
{
    static const struct { const char *ext, *type; } types[] = {
        { "html", "text/html; charset=utf-8" },
        { "htm", "text/html; charset=utf-8" },
        { "txt", "text/plain; charset=utf-8" },
        { "css", "text/css" },
        { "js", "text/javascript" },
        { "json", "application/json" },
        { "png", "image/png" },
        { "jpg", "image/jpeg" },
        { "jpeg", "image/jpeg" },
        { "gif", "image/gif" },
        { "svg", "image/svg+xml" },
        { "ico", "image/x-icon" },
    };
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t i;

    if (dot != NULL && (slash == NULL || dot > slash))
        for (i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static void http_date(time_t t, char *out, size_t size)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Turns the request target into a file path under docroot.  Returns 0,
 * or 400 for targets that are malformed or try to leave the root.
 */
static int map_path(const char *target, char *out, size_t size)
{
    char path[REQ_MAX];
    size_t n = 0;
    const char *p, *seg;

    if (target[0] != '/')
        return 400;
    for (p = target; *p != '\0' && *p != '?' && *p != '#'; p++) {
        int c = (unsigned char)*p;

        if (c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);

            if (lo < 0)
                return 400;
            c = hi * 16 + lo;
            p += 2;
        }
        if (c == '\0' || n + 1 >= sizeof path)
            return 400;
        path[n++] = (char)c;
    }
    path[n] = '\0';
    /* Reject any ".." segment (after decoding: %2e%2e counts too). */
    for (seg = path; seg != NULL; seg = strchr(seg + 1, '/')) {
        const char *s = seg + 1;

        if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
            return 400;
    }
    if ((size_t)snprintf(out, size, "%s%s", docroot, path) >= size)
        return 400;
    return 0;
}

/* Sends headers and (unless head_only) body bytes; -1 if the peer failed. */
static int send_response(struct conn *c, int status, const char *type,
                         long long length, time_t mtime, int keep_alive,
                         const char *extra, const char *body, int head_only)
{
    char hdr[1024], date[64], lastmod[96] = "";
    struct iovec iov[2];
    int n;

    http_date(st_time(), date, sizeof date);
    if (mtime != 0) {
        char d[64];

        http_date(mtime, d, sizeof d);
        snprintf(lastmod, sizeof lastmod, "Last-Modified: %s\r\n", d);
    }
    n = snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 %d %s\r\n"
                 "Server: libst-httpd/" ST_VERSION "\r\n"
                 "Date: %s\r\n"
                 "%s"
                 "Content-Type: %s\r\n"
                 "Content-Length: %lld\r\n"
                 "%s"
                 "Connection: %s\r\n"
                 "\r\n",
                 status, status_text(status), date, lastmod, type, length,
                 extra != NULL ? extra : "",
                 keep_alive ? "keep-alive" : "close");
    iov[0].iov_base = hdr;
    iov[0].iov_len = (size_t)n;
    iov[1].iov_base = (void *)body;
    iov[1].iov_len = body != NULL && !head_only ? (size_t)length : 0;
    return st_writev(c->fd, iov, 2, io_timeout) < 0 ? -1 : 0;
}

static int send_error(struct conn *c, int status, int keep_alive,
                      int head_only)
{
    char body[256];
    int n = snprintf(body, sizeof body,
                     "<!DOCTYPE html>\n<html><head><title>%d %s</title>"
                     "</head><body><h1>%d %s</h1></body></html>\n",
                     status, status_text(status), status, status_text(status));

    return send_response(c, status, "text/html; charset=utf-8", n, 0,
                         keep_alive, status == 405 ? "Allow: GET, HEAD\r\n"
                         : NULL, body, head_only);
}

/* Serves one file; *sent gets the body bytes written. */
static int send_file(struct conn *c, const char *path, int keep_alive,
                     int head_only, int *status, long long *sent)
{
    char fpath[PATH_MAX + 16], chunk[FILE_CHUNK];
    struct stat st;
    int fd;

    snprintf(fpath, sizeof fpath, "%s", path);
    fd = open(fpath, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(fpath, sizeof fpath, "%s%sindex.html", path,
                 path[strlen(path) - 1] == '/' ? "" : "/");
        fd = open(fpath, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        *status = 404;
        return send_error(c, 404, keep_alive, head_only);
    }
    *status = 200;
    if (send_response(c, 200, content_type(fpath), (long long)st.st_size,
                      st.st_mtime, keep_alive, NULL, NULL, head_only) < 0) {
        close(fd);
        return -1;
    }
    while (!head_only && *sent < (long long)st.st_size) {
        ssize_t n = read(fd, chunk, sizeof chunk);

        if (n <= 0 || st_write(c->fd, chunk, (size_t)n, io_timeout) != n) {
            close(fd);
            return -1;  /* the promised length can no longer be kept */
        }
        *sent += n;
    }
    close(fd);
    return 0;
}

/* Case-insensitive search for a comma-separated token in a header value. */
static int has_token(const char *value, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = value;

    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (strncasecmp(p, token, tlen) == 0 &&
            (p[tlen] == '\0' || p[tlen] == ',' || p[tlen] == ' ' ||
             p[tlen] == '\t'))
            return 1;
        while (*p != '\0' && *p != ',')
            p++;
    }
    return 0;
}

/*
 * Handles one request: req holds its header block, NUL-terminated and
 * ending with an empty line.  Returns 1 to keep the connection, 0 to
 * close it.
 */
static int handle_request(struct conn *c, char *req)
{
    static const char *known[] = { "POST", "PUT", "DELETE", "OPTIONS",
                                   "TRACE", "CONNECT", "PATCH" };
    char *line, *next, *method, *target, *version, *sp;
    char path[PATH_MAX], reqline[512];
    int status = 0, keep_alive, head_only, minor, has_host = 0, has_body = 0;
    long long sent = 0;
    size_t i, len;
    int rc;

    /* Request line: METHOD SP TARGET SP HTTP/1.x */
    next = strstr(req, "\r\n");
    *next = '\0';
    next += 2;
    line = req;
    len = strlen(line) < sizeof reqline ? strlen(line) : sizeof reqline - 1;
    memcpy(reqline, line, len);     /* a possibly truncated copy, for logs */
    reqline[len] = '\0';
    method = line;
    target = (sp = strchr(method, ' ')) != NULL ? sp + 1 : NULL;
    if (sp != NULL)
        *sp = '\0';
    version = target != NULL && (sp = strchr(target, ' ')) != NULL ? sp + 1
                                                                    : NULL;
    if (version == NULL || *method == '\0' || *target == '\0' ||
        strchr(version, ' ') != NULL) {
        send_error(c, 400, 0, 0);
        log_request(c->peer, reqline, 400, 0);
        return 0;
    }
    *sp = '\0';
    if (strncmp(version, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)version[7])
        || version[8] != '\0') {
        status = strncmp(version, "HTTP/", 5) == 0 ? 505 : 400;
        send_error(c, status, 0, 0);
        log_request(c->peer, reqline, status, 0);
        return 0;
    }
    minor = version[7] - '0';
    keep_alive = minor >= 1;
    head_only = strcmp(method, "HEAD") == 0;

    /* Headers: "Name: value" lines until the empty line. */
    while (*next != '\0' && !(next[0] == '\r' && next[1] == '\n')) {
        char *end = strstr(next, "\r\n"), *colon, *value;

        *end = '\0';
        line = next;
        next = end + 2;
        if ((colon = strchr(line, ':')) == NULL || colon == line ||
            line[0] == ' ' || line[0] == '\t') {
            status = 400;       /* also rejects obsolete line folding */
            break;
        }
        *colon = '\0';
        for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
            ;
        if (strcasecmp(line, "Connection") == 0) {
            if (has_token(value, "close"))
                keep_alive = 0;
            else if (has_token(value, "keep-alive"))
                keep_alive = 1;
        } else if (strcasecmp(line, "Host") == 0) {
            has_host = 1;
        } else if (strcasecmp(line, "Transfer-Encoding") == 0 ||
                   (strcasecmp(line, "Content-Length") == 0 &&
                    strtoll(value, NULL, 10) != 0)) {
            has_body = 1;
        }
    }
    if (status == 0 && minor >= 1 && !has_host)
        status = 400;
    /* A request body is never read here: answer, then close. */
    if (has_body)
        keep_alive = 0;
    if (shutting_down)
        keep_alive = 0;
    if (status == 0 && !head_only && strcmp(method, "GET") != 0) {
        status = 501;
        for (i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(method, known[i]) == 0)
                status = 405;
    }
    if (status == 0)
        status = map_path(target, path, sizeof path);
    if (status == 400)
        keep_alive = 0;
    if (status != 0)
        rc = send_error(c, status, keep_alive, head_only);
    else
        rc = send_file(c, path, keep_alive, head_only, &status, &sent);
    log_request(c->peer, reqline, status, sent);
    return rc == 0 && keep_alive;
}

/* Finds the end of the header block in c->buf; its length or 0. */
static size_t header_end(struct conn *c)
{
    char *p;

    /* Empty lines before a request line are ignored (RFC 9112, 2.2). */
    while (c->len >= 2 && c->buf[0] == '\r' && c->buf[1] == '\n') {
        memmove(c->buf, c->buf + 2, c->len - 2);
        c->len -= 2;
    }
    c->buf[c->len] = '\0';
    p = strstr(c->buf, "\r\n\r\n");
    return p != NULL ? (size_t)(p - c->buf) + 4 : 0;
}

static void *serve(void *arg)
{
    struct conn *c = arg;

    for (;;) {
        size_t hlen;
        ssize_t n;

        /* Read until a complete header block is buffered. */
        while ((hlen = header_end(c)) == 0) {
            if (c->len >= REQ_MAX || memchr(c->buf, '\0', c->len) != NULL) {
                send_error(c, 400, 0, 0);
                log_request(c->peer, "(malformed request)", 400, 0);
                goto done;
            }
            /* Between requests the connection is idle: a shutdown may
             * interrupt this wait (nothing is lost).  The first request
             * of a connection accepted before the shutdown is awaited. */
            c->idle = c->len == 0 && c->served > 0;
            if (c->idle && shutting_down)
                goto done;
            n = st_read(c->fd, c->buf + c->len, REQ_MAX - c->len,
                        io_timeout);
            c->idle = 0;
            if (n <= 0)
                goto done;      /* EOF, error, timeout, or shutdown */
            c->len += (size_t)n;
        }
        {
            char req[REQ_MAX + 1];
            int keep;

            memcpy(req, c->buf, hlen);
            req[hlen] = '\0';
            /* Keep pipelined bytes for the next round. */
            memmove(c->buf, c->buf + hlen, c->len - hlen);
            c->len -= hlen;
            keep = handle_request(c, req);
            c->served++;
            if (!keep)
                goto done;
        }
    }
done:
    st_netfd_close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    free(c);
    if (--nconns == 0 && shutting_down)
        st_cond_signal(drained);
    return NULL;
}

static void *acceptor(void *arg)
{
    st_netfd_t lfd = arg;

    while (!shutting_down) {
        struct sockaddr_storage sa;
        int salen = sizeof sa;
        st_netfd_t fd = st_accept(lfd, (struct sockaddr *)&sa, &salen,
                                  ST_UTIME_NO_TIMEOUT);
        struct conn *c;

        if (fd == NULL) {
            if (errno == EINTR)
                continue;       /* shutdown: the loop condition ends it */
            if (errno != EAGAIN && errno != ECONNABORTED)
                st_usleep(100 * 1000);      /* EMFILE...: back off */
            continue;
        }
        if ((c = calloc(1, sizeof *c)) == NULL) {
            st_netfd_close(fd);
            continue;
        }
        c->fd = fd;
        if (sa.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr,
                      c->peer, sizeof c->peer);
        else
            inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr,
                      c->peer, sizeof c->peer);
        if ((c->thread = st_thread_create(serve, c, 0, 0)) == NULL) {
            st_netfd_close(fd);
            free(c);
            continue;
        }
        c->next = conns;
        if (conns != NULL)
            conns->prev = c;
        conns = c;
        nconns++;
    }
    /* Stop accepting: with every process's copy closed, the kernel
     * refuses new connections instead of queueing them. */
    st_netfd_close(lfd);
    return NULL;
}

/* ---- worker process ----------------------------------------------------- */

static int worker(int lsock)
{
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
    st_thread_t acc;
    st_netfd_t sfd, lfd;
    unsigned char sig;
    struct conn *c;

    /* Own pipe and handlers first, then unblock (the signals were
     * blocked across fork), and only then start ST: the signal mask is
     * process state that must be settled before st_init. */
    signal(SIGCHLD, SIG_DFL);
    if (setup_signals(sigs, 3) < 0 ||
        sigprocmask(SIG_SETMASK, &saved_mask, NULL) < 0) {
        perror("httpd: worker signals");
        return 1;
    }
#ifdef __linux__
    /* Should the supervisor be killed outright, shut down as well. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != supervisor_pid)
        raise(SIGTERM);
#endif
    if (st_set_eventsys(ST_EVENTSYS_ALT) < 0)
        st_set_eventsys(ST_EVENTSYS_DEFAULT);
    if (st_init() < 0 || (drained = st_cond_new()) == NULL ||
        (sfd = st_netfd_open(sig_pipe[0])) == NULL ||
        (lfd = st_netfd_open_socket(lsock)) == NULL) {
        perror("httpd: worker");
        return 1;
    }
    open_log();
    if ((acc = st_thread_create(acceptor, lfd, 0, 0)) == NULL) {
        perror("httpd: worker");
        return 1;
    }
    /* The primordial thread is the signal thread. */
    for (;;) {
        if (st_read(sfd, &sig, 1, ST_UTIME_NO_TIMEOUT) != 1)
            continue;
        if (sig == SIGHUP) {
            open_log();
        } else if (sig == SIGTERM || sig == SIGINT) {
            break;
        }
    }
    shutting_down = 1;
    st_thread_interrupt(acc);
    for (c = conns; c != NULL; c = c->next)
        if (c->idle)
            st_thread_interrupt(c->thread);
    /* Requests in progress finish; every I/O wait is bounded by the
     * timeout, so allow a couple of them before giving up. */
    while (nconns > 0)
        if (st_cond_timedwait(drained, 3 * io_timeout) < 0 &&
            errno == ETIME) {
            fprintf(stderr, "httpd[%ld]: %d connection(s) still busy at "
                    "shutdown\n", (long)getpid(), nconns);
            break;
        }
    if (log_fd >= 0)
        close(log_fd);
    return 0;
}

/* ---- supervisor (parent) ------------------------------------------------ */

static pid_t workers[MAX_WORKERS];
static int nworkers;

static void forward(int sig)
{
    int i;

    for (i = 0; i < nworkers; i++)
        if (workers[i] > 0)
            kill(workers[i], sig);
}

static int supervise(void)
{
    st_netfd_t sfd;
    unsigned char sig;
    int alive = nworkers, failed = 0, status, i;
    pid_t pid;

    if (st_init() < 0 || (sfd = st_netfd_open(sig_pipe[0])) == NULL) {
        perror("httpd: supervisor");
        forward(SIGTERM);
        return 1;
    }
    while (alive > 0) {
        if (st_read(sfd, &sig, 1, ST_UTIME_NO_TIMEOUT) != 1)
            continue;
        if (sig == SIGTERM || sig == SIGINT) {
            forward(SIGTERM);
        } else if (sig == SIGHUP) {
            forward(SIGHUP);
        } else if (sig == SIGCHLD) {
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                for (i = 0; i < nworkers; i++)
                    if (workers[i] == pid) {
                        workers[i] = 0;
                        alive--;
                    }
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                    fprintf(stderr, "httpd: worker %ld failed\n", (long)pid);
                    failed = 1;
                }
            }
        }
    }
    return failed;
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s -p PORT -d DOCROOT [-a ADDR] [-w WORKERS] "
            "[-l LOGFILE] [-t TIMEOUT_S]\n", prog);
    exit(2);
}

int main(int argc, char **argv)
{
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
    const char *addr = "127.0.0.1", *port = NULL;
    char host[INET6_ADDRSTRLEN], root[PATH_MAX];
    struct addrinfo hints, *res;
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    char portstr[16];
    sigset_t block;
    int c, s, on = 1, rc, i, n = 1;

    while ((c = getopt(argc, argv, "p:d:a:w:l:t:")) != -1) {
        switch (c) {
        case 'p': port = optarg; break;
        case 'd': docroot = optarg; break;
        case 'a': addr = optarg; break;
        case 'w': n = atoi(optarg); break;
        case 'l': logpath = optarg; break;
        case 't': io_timeout = (st_utime_t)atol(optarg) * 1000000; break;
        default: usage(argv[0]);
        }
    }
    if (port == NULL || docroot == NULL || optind != argc || n < 1 ||
        n > MAX_WORKERS || io_timeout == 0)
        usage(argv[0]);
    if (realpath(docroot, root) == NULL) {
        perror(docroot);
        return 2;
    }
    docroot = strcmp(root, "/") == 0 ? "" : root;
    if (logpath != NULL) {
        open_log();             /* fail early on a bad path */
        if (log_fd < 0)
            return 2;
        close(log_fd);
        log_fd = -1;
    }

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    if ((rc = getaddrinfo(addr, port, &hints, &res)) != 0) {
        fprintf(stderr, "httpd: %s:%s: %s\n", addr, port, gai_strerror(rc));
        return 2;
    }
    if ((s = socket(res->ai_family, SOCK_STREAM, 0)) < 0 ||
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(s, res->ai_addr, res->ai_addrlen) < 0 || listen(s, 511) < 0 ||
        getsockname(s, (struct sockaddr *)&sa, &salen) < 0) {
        perror("httpd: listen");
        return 1;
    }
    freeaddrinfo(res);
    getnameinfo((struct sockaddr *)&sa, salen, host, sizeof host, portstr,
                sizeof portstr, NI_NUMERICHOST | NI_NUMERICSERV);
    printf(sa.ss_family == AF_INET6 ? "listening on [%s]:%s\n"
                                    : "listening on %s:%s\n", host, portstr);
    fflush(stdout);             /* before fork, or children repeat it */

    /* Install the supervisor's handlers first, with the signals blocked
     * until every worker has replaced them with its own. */
    sigemptyset(&block);
    for (i = 0; i < 4; i++)
        sigaddset(&block, sigs[i]);
    sigprocmask(SIG_BLOCK, &block, &saved_mask);
    if (setup_signals(sigs, 4) < 0) {
        perror("httpd: signals");
        return 1;
    }
    supervisor_pid = getpid();
    for (i = 0; i < n; i++) {
        pid_t pid = fork();

        if (pid < 0) {
            perror("httpd: fork");
            forward(SIGTERM);
            break;
        }
        if (pid == 0) {
            close(sig_pipe[0]);
            close(sig_pipe[1]);
            rc = worker(s);     /* replaces the handlers, then... */
            _exit(rc);
        }
        workers[nworkers++] = pid;
    }
    close(s);
    sigprocmask(SIG_SETMASK, &saved_mask, NULL);
    return supervise();
}
