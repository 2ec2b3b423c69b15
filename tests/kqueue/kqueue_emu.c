/* SPDX-License-Identifier: MIT */
/* kqueue_emu.c - kqueue(2) and kevent(2) over poll(2), for the tests. */
/*
 * A test double for the BSD kernel, so that lib/ev_kqueue.c runs on
 * Linux (tests/local.am links it in place of the system calls).  It
 * follows FreeBSD's kqueue(2) for the read and write filters on
 * descriptors; doc/PORTS.md ("kqueue emulation") lists what it cannot
 * reproduce.
 *
 * A kqueue is a real descriptor (an unbound Unix datagram socket, which
 * has an inode of its own), so close() and descriptor numbers behave as
 * with the kernel.  The emulation keeps, per descriptor number, the
 * queue it made there and the identity (device, inode) and pid of it:
 * a number that was closed, reused, or inherited through fork is not a
 * kqueue any more (EBADF).  Kqueues are not inherited by fork(2): a
 * pthread_atfork handler closes them in the child.
 *
 * Each kevent wait polls every enabled knote (one pollfd per knote) and
 * evaluates the filters on the result, so a filter is true exactly when
 * poll(2) says so (regular files aside, see filt_vnode).  A knote whose
 * descriptor was closed is dropped, as the kernel does on close: the
 * emulation notices it at the next call (the descriptor is gone or is
 * another file).  Knotes are reported in list order; a reported knote
 * that stays moves to the end, so that a short event list does not
 * starve the others.  One thread at a time may use a given kqueue.
 */
#define _GNU_SOURCE                     /* POLLRDHUP, ppoll, F_GETPIPE_SZ */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sys/event.h>

#if !defined(POLLRDHUP)
#define POLLRDHUP 0
#endif

#define EV_ACTIONS (EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE)

typedef struct knote {
    struct kevent kev;                  /* ident, filter, flags, udata */
    unsigned int sfflags;               /* fflags as given */
    dev_t dev;                          /* the file it was added for */
    ino_t ino;
    mode_t type;                        /* its S_IFMT */
    int disabled;                       /* EV_DISABLE, EV_DISPATCH */
    int cleared;                        /* EV_CLEAR: reported, not re-armed */
    int64_t cdata;                      /*   and data then */
    int pidx;                           /* its pollfd this pass, or -1 */
    struct knote *prev, *next;          /* report order */
} knote_t;

typedef struct kq {
    int fd;                             /* the descriptor */
    pid_t pid;                          /* process that made it */
    dev_t dev;                          /* its identity */
    ino_t ino;
    knote_t head;                       /* circular list of knotes */
    int nknotes;
    struct pollfd *pfd;                 /* scratch: one per knote */
    int pcap;
} kq_t;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static kq_t **reg;                      /* kqueues by descriptor number */
static size_t nreg;

static void kq_free(kq_t *kq)
{
    while (kq->head.next != &kq->head) {
        knote_t *kn = kq->head.next;
        kn->next->prev = kn->prev;
        kn->prev->next = kn->next;
        free(kn);
    }
    free(kq->pfd);
    free(kq);
}

/* fork: the child has no kqueue.  Close what the parent's numbers refer
 * to, so that they are free (and may be reused) as on BSD. */
static void reg_lock_all(void)
{
    pthread_mutex_lock(&reg_lock);
}

static void reg_unlock_all(void)
{
    pthread_mutex_unlock(&reg_lock);
}

static void reg_child(void)
{
    size_t i;

    for (i = 0; i < nreg; i++) {
        if (reg[i] != NULL) {
            close(reg[i]->fd);
            kq_free(reg[i]);
            reg[i] = NULL;
        }
    }
    pthread_mutex_unlock(&reg_lock);
}

static void reg_setup(void)
{
    pthread_atfork(reg_lock_all, reg_unlock_all, reg_child);
}

static int same_file(int fd, dev_t dev, ino_t ino)
{
    struct stat st;

    return fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

int kqueue(void)
{
    kq_t *kq;
    struct stat st;
    int fd, err;

    pthread_once(&reg_once, reg_setup);
    kq = calloc(1, sizeof *kq);
    if (kq == NULL) {
        errno = ENOMEM;
        return -1;
    }
    kq->head.next = kq->head.prev = &kq->head;
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0 || fstat(fd, &st) < 0)
        goto fail;
    kq->fd = fd;
    kq->pid = getpid();
    kq->dev = st.st_dev;
    kq->ino = st.st_ino;
    pthread_mutex_lock(&reg_lock);
    if ((size_t)fd >= nreg) {
        size_t n = nreg ? nreg : 64, i;
        kq_t **r;
        while (n <= (size_t)fd)
            n *= 2;
        r = realloc(reg, n * sizeof *r);
        if (r == NULL) {
            pthread_mutex_unlock(&reg_lock);
            errno = ENOMEM;
            goto fail;
        }
        for (i = nreg; i < n; i++)
            r[i] = NULL;
        reg = r;
        nreg = n;
    }
    if (reg[fd] != NULL)
        kq_free(reg[fd]);               /* that kqueue was closed */
    reg[fd] = kq;
    pthread_mutex_unlock(&reg_lock);
    return fd;
fail:
    err = errno;
    if (fd >= 0)
        close(fd);
    free(kq);
    errno = err;
    return -1;
}

/* The kqueue on descriptor fd, or NULL with EBADF. */
static kq_t *kq_get(int fd)
{
    kq_t *kq = NULL;

    pthread_mutex_lock(&reg_lock);
    if (fd >= 0 && (size_t)fd < nreg)
        kq = reg[fd];
    if (kq != NULL && kq->pid != getpid())
        kq = NULL;                      /* not inherited by a child */
    if (kq != NULL && !same_file(fd, kq->dev, kq->ino)) {
        reg[fd] = NULL;                 /* closed, perhaps reused */
        kq_free(kq);
        kq = NULL;
    }
    pthread_mutex_unlock(&reg_lock);
    if (kq == NULL)
        errno = EBADF;
    return kq;
}

/* ---- knotes ------------------------------------------------------------ */

static void kn_unlink(knote_t *kn)
{
    kn->next->prev = kn->prev;
    kn->prev->next = kn->next;
}

static void kn_append(kq_t *kq, knote_t *kn)
{
    kn->prev = kq->head.prev;
    kn->next = &kq->head;
    kq->head.prev->next = kn;
    kq->head.prev = kn;
}

static void kn_drop(kq_t *kq, knote_t *kn)
{
    kn_unlink(kn);
    kq->nknotes--;
    free(kn);
}

/* Closing a descriptor removes its knotes from every kqueue. */
static int kn_alive(const knote_t *kn)
{
    return same_file((int)kn->kev.ident, kn->dev, kn->ino);
}

static knote_t *kn_find(kq_t *kq, uintptr_t ident, short filter)
{
    knote_t *kn;

    for (kn = kq->head.next; kn != &kq->head; kn = kn->next) {
        if (kn->kev.ident == ident && kn->kev.filter == filter) {
            if (kn_alive(kn))
                return kn;
            kn_drop(kq, kn);
            return NULL;
        }
    }
    return NULL;
}

/* Apply one change; 0 or an errno value. */
static int kq_change(kq_t *kq, const struct kevent *kev)
{
    knote_t *kn;
    struct stat st;

    if (kev->filter != EVFILT_READ && kev->filter != EVFILT_WRITE)
        return EINVAL;
    if (kev->ident > INT_MAX || fstat((int)kev->ident, &st) < 0)
        return EBADF;
    kn = kn_find(kq, kev->ident, kev->filter);
    if (kn == NULL) {
        if (!(kev->flags & EV_ADD))
            return ENOENT;
        if (kev->filter == EVFILT_WRITE && S_ISFIFO(st.st_mode)) {
            /* A pipe whose reader is gone (Linux: POLLERR). */
            struct pollfd p = { (int)kev->ident, POLLOUT, 0 };
            if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
                return EPIPE;
        }
        kn = calloc(1, sizeof *kn);
        if (kn == NULL)
            return ENOMEM;
        kn->kev = *kev;
        kn->kev.flags &= (unsigned short)~EV_ACTIONS;
        kn->kev.fflags = 0;
        kn->kev.data = 0;
        kn->sfflags = kev->fflags;
        kn->dev = st.st_dev;
        kn->ino = st.st_ino;
        kn->type = st.st_mode & S_IFMT;
        kn->disabled = (kev->flags & EV_DISABLE) != 0;
        kn_append(kq, kn);
        kq->nknotes++;
        return 0;
    }
    if (kev->flags & EV_DELETE) {
        kn_drop(kq, kn);
        return 0;
    }
    if (kev->flags & EV_ENABLE)
        kn->disabled = 0;
    else if (kev->flags & EV_DISABLE)
        kn->disabled = 1;
    /* A modification keeps the flags and a triggered state. */
    kn->kev.udata = kev->udata;
    kn->sfflags = kev->fflags;
    return 0;
}

/* ---- filters ------------------------------------------------------------ */

/* Regular files (FreeBSD's vnode filter): readable while the offset is
 * before the end (data: the bytes left, may be negative), or always
 * with NOTE_FILE_POLL; always writable.  poll(2) is not asked. */
static int filt_vnode(const knote_t *kn, struct kevent *ev)
{
    struct stat st;
    off_t off;
    int fd = (int)kn->kev.ident;

    if (kn->kev.filter == EVFILT_WRITE)
        return 1;
    off = lseek(fd, 0, SEEK_CUR);
    if (off >= 0 && fstat(fd, &st) == 0)
        ev->data = (int64_t)(st.st_size - off);
    return ev->data != 0 || (kn->sfflags & NOTE_FILE_POLL);
}

/* Bytes that can be written without blocking, where that is cheap. */
static int64_t write_space(const knote_t *kn)
{
    int fd = (int)kn->kev.ident, size = 0, used = 0;
    socklen_t len = sizeof size;

    if (kn->type == S_IFSOCK) {
        if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0)
            return 0;
#if defined(TIOCOUTQ)
        (void)ioctl(fd, TIOCOUTQ, &used);
#endif
    } else if (kn->type == S_IFIFO) {
#if defined(F_GETPIPE_SZ)
        size = fcntl(fd, F_GETPIPE_SZ);
        (void)ioctl(fd, FIONREAD, &used);
#endif
    }
    return size > used ? size - used : 0;
}

/* Evaluate kn on this pass's poll result: 1 if it fires, with the event
 * to report in *ev. */
static int kn_filter(const kq_t *kq, const knote_t *kn, struct kevent *ev)
{
    short re = kn->pidx >= 0 ? kq->pfd[kn->pidx].revents : 0;
    int eof, ready, avail = 0;

    *ev = kn->kev;
    if (kn->type == S_IFREG)
        return filt_vnode(kn, ev);
    if (kn->kev.filter == EVFILT_READ) {
        /* End of input (peer shut down, writer gone, reset): EV_EOF,
         * also with data left; a pending socket error alone fires
         * without it. */
        eof = (re & (POLLHUP | POLLRDHUP)) != 0;
        ready = eof || (re & (POLLIN | POLLERR));
        if (ready) {
            if (ioctl((int)kn->kev.ident, FIONREAD, &avail) == 0)
                ev->data = avail;
            else if (re & POLLIN)
                ev->data = 1;           /* a listening socket: >= 1 */
        }
    } else {
        /* The other side is gone: a socket hung up, or a pipe whose
         * reader closed (Linux reports POLLERR for that). */
        eof = (re & POLLHUP) || ((re & POLLERR) && kn->type == S_IFIFO);
        ready = eof || (re & (POLLOUT | POLLERR));
        if (ready && !eof)
            ev->data = write_space(kn);
    }
    if (eof)
        ev->flags |= EV_EOF;
    return ready;
}

/* ---- waiting ----------------------------------------------------------- */

/* Drop dead knotes and fill the pollfd array: every enabled knote, or
 * (armed_only) those that can fire by themselves.  Returns the count. */
static int kq_pollset(kq_t *kq, int armed_only)
{
    knote_t *kn, *nx;
    int n = 0;

    if (kq->pcap < kq->nknotes) {
        int cap = kq->nknotes * 2;
        struct pollfd *p = realloc(kq->pfd, (size_t)cap * sizeof *p);
        if (p == NULL) {
            errno = ENOMEM;
            return -1;
        }
        kq->pfd = p;
        kq->pcap = cap;
    }
    for (kn = kq->head.next; kn != &kq->head; kn = nx) {
        nx = kn->next;
        kn->pidx = -1;
        if (!armed_only && !kn_alive(kn)) {
            kn_drop(kq, kn);
            continue;
        }
        if (kn->disabled || kn->type == S_IFREG ||
            (armed_only && kn->cleared))
            continue;
        kq->pfd[n].fd = (int)kn->kev.ident;
        kq->pfd[n].events = kn->kev.filter == EVFILT_READ ?
            (POLLIN | POLLRDHUP) : POLLOUT;
        kq->pfd[n].revents = 0;
        kn->pidx = n++;
    }
    return n;
}

/* Report what fires now, at most max events. */
static int kq_collect(kq_t *kq, struct kevent *out, int max)
{
    knote_t *kn = kq->head.next, *last = kq->head.prev, *nx;
    int n = 0, done = kn == &kq->head;

    while (!done && n < max) {
        struct kevent ev;
        nx = kn->next;
        done = kn == last;
        if (kn->disabled) {
            kn = nx;
            continue;
        }
        if (!kn_filter(kq, kn, &ev)) {
            kn->cleared = 0;            /* EV_CLEAR: seen false, re-armed */
            kn = nx;
            continue;
        }
        if (kn->cleared && ev.data == kn->cdata) {
            kn = nx;                    /* EV_CLEAR: nothing new */
            continue;
        }
        out[n++] = ev;
        if (kn->kev.flags & EV_ONESHOT) {
            kn_drop(kq, kn);
        } else {
            if (kn->kev.flags & EV_DISPATCH)
                kn->disabled = 1;
            if (kn->kev.flags & EV_CLEAR) {
                kn->cleared = 1;
                kn->cdata = ev.data;
            }
            kn_unlink(kn);
            kn_append(kq, kn);
        }
        kn = nx;
    }
    return n;
}

static void ts_now(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}

/* *left = deadline - now; 0 if it has passed. */
static int ts_left(const struct timespec *deadline, struct timespec *left)
{
    struct timespec now;

    ts_now(&now);
    left->tv_sec = deadline->tv_sec - now.tv_sec;
    left->tv_nsec = deadline->tv_nsec - now.tv_nsec;
    if (left->tv_nsec < 0) {
        left->tv_nsec += 1000000000L;
        left->tv_sec--;
    }
    return left->tv_sec > 0 || (left->tv_sec == 0 && left->tv_nsec > 0);
}

static int kq_scan(kq_t *kq, struct kevent *out, int max,
                   const struct timespec *timeout)
{
    struct timespec deadline, left;

    if (max == 0)
        return 0;                       /* changes only: no wait */
    if (timeout != NULL) {
        ts_now(&deadline);
        deadline.tv_sec += timeout->tv_sec;
        deadline.tv_nsec += timeout->tv_nsec;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_nsec -= 1000000000L;
            deadline.tv_sec++;
        }
    }
    for (;;) {
        int n = kq_pollset(kq, 0), r;
        if (n < 0 || (n > 0 && poll(kq->pfd, (nfds_t)n, 0) < 0))
            return -1;
        n = kq_collect(kq, out, max);
        if (n > 0)
            return n;
        if (timeout != NULL && !ts_left(&deadline, &left))
            return 0;
        n = kq_pollset(kq, 1);
        if (n < 0)
            return -1;
        r = ppoll(kq->pfd, (nfds_t)n, timeout ? &left : NULL, NULL);
        if (r < 0)
            return -1;                  /* EINTR: a signal */
        if (r == 0)
            return 0;                   /* the time limit */
    }
}

int kevent(int kqfd, const struct kevent *changelist, int nchanges,
           struct kevent *eventlist, int nevents,
           const struct timespec *timeout)
{
    kq_t *kq = kq_get(kqfd);
    int i, nerr = 0;

    if (kq == NULL)
        return -1;
    if (nchanges < 0 || nevents < 0) {
        errno = EINVAL;
        return -1;
    }
    /* Each change is copied before anything is written to the event
     * list, so the two lists may be the same array. */
    for (i = 0; i < nchanges; i++) {
        struct kevent kev = changelist[i];
        int err = kq_change(kq, &kev);
        if (err == 0 && !(kev.flags & EV_RECEIPT))
            continue;
        if (nevents == 0) {
            /* No room to report it: fail (or stop) here. */
            if (err == 0)
                return 0;
            errno = err;
            return -1;
        }
        kev.flags = EV_ERROR;
        kev.data = err;
        eventlist[nerr++] = kev;
        nevents--;
    }
    if (nerr > 0)
        return nerr;                    /* reported changes: no wait */
    if (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
                            timeout->tv_nsec >= 1000000000L)) {
        errno = EINVAL;
        return -1;
    }
    return kq_scan(kq, eventlist, nevents, timeout);
}
