/* SPDX-License-Identifier: MIT */
/* check_kqueue.c - the kqueue emulation against kqueue(2), and the paths
 * of lib/ev_kqueue.c that only a kqueue kernel takes (tests/kqueue). */
#include "../testutil.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static const struct timespec zero = { 0, 0 };

static void pipe_pair(int p[2])
{
    ck_assert_int_eq(pipe(p), 0);
}

/* One change with EV_RECEIPT: its error, 0 if it was applied. */
static int change(int kq, int fd, short filter, unsigned short flags)
{
    struct kevent ch, out;

    EV_SET(&ch, (uintptr_t)fd, filter, flags | EV_RECEIPT, 0, 0, NULL);
    ck_assert_int_eq(kevent(kq, &ch, 1, &out, 1, &zero), 1);
    ck_assert_int_eq(out.flags, EV_ERROR);
    ck_assert_int_eq((int)out.ident, fd);
    return (int)out.data;
}

/* The events due now, at most two. */
static int due(int kq, struct kevent ev[2])
{
    return kevent(kq, NULL, 0, ev, 2, &zero);
}

/* ---- the emulation --------------------------------------------------- */

START_TEST(kq_is_a_descriptor)
{
    int kq = kqueue(), p[2];
    struct kevent ev;

    ck_assert_int_ge(kq, 0);
    ck_assert_int_ge(fcntl(kq, F_GETFD), 0);
    ck_assert_int_eq(kevent(kq, NULL, 0, &ev, 1, &zero), 0);
    ck_assert_int_eq(close(kq), 0);
    errno = 0;
    ck_assert_int_eq(kevent(kq, NULL, 0, &ev, 1, &zero), -1);
    ck_assert_int_eq(errno, EBADF);
    /* The number reused by something else is no kqueue either. */
    pipe_pair(p);
    ck_assert_int_eq(p[0], kq);
    errno = 0;
    ck_assert_int_eq(kevent(p[0], NULL, 0, &ev, 1, &zero), -1);
    ck_assert_int_eq(errno, EBADF);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(kq_errors_and_receipts)
{
    int kq = kqueue(), p[2], dead[2];
    struct kevent ch[4], ev[4];
    struct timespec bad = { 0, 1000000000L };

    pipe_pair(p);
    pipe_pair(dead);
    close(dead[0]);
    close(dead[1]);
    EV_SET(&ch[0], (uintptr_t)p[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
           NULL);
    EV_SET(&ch[1], (uintptr_t)p[1], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
    EV_SET(&ch[2], (uintptr_t)dead[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
    EV_SET(&ch[3], (uintptr_t)p[0], 99, EV_ADD, 0, 0, NULL);
    ck_assert_int_eq(kevent(kq, ch, 4, ev, 4, NULL), 4);
    ck_assert_int_eq(ev[0].flags, EV_ERROR);
    ck_assert_int_eq((int)ev[0].data, 0);
    ck_assert_int_eq((int)ev[0].ident, p[0]);
    ck_assert_int_eq((int)ev[1].data, ENOENT);
    ck_assert_int_eq((int)ev[2].data, EBADF);
    ck_assert_int_eq((int)ev[3].data, EINVAL);
    /* No room for the error: the call fails with it. */
    errno = 0;
    ck_assert_int_eq(kevent(kq, &ch[2], 1, NULL, 0, &zero), -1);
    ck_assert_int_eq(errno, EBADF);
    /* The lists may be one array. */
    ck_assert_int_eq(kevent(kq, &ch[1], 1, &ch[1], 1, &zero), 1);
    ck_assert_int_eq((int)ch[1].data, ENOENT);
    errno = 0;
    ck_assert_int_eq(kevent(kq, NULL, 0, ev, 1, &bad), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* The write filter of a pipe without a reader. */
    close(p[0]);
    ck_assert_int_eq(change(kq, p[1], EVFILT_WRITE, EV_ADD), EPIPE);
    close(p[1]);
    close(kq);
}
END_TEST

START_TEST(kq_read_data_eof_oneshot)
{
    int kq = kqueue(), p[2];
    struct kevent ev[2];

    pipe_pair(p);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_ADD | EV_ONESHOT), 0);
    ck_assert_int_eq(due(kq, ev), 0);
    ck_assert_int_eq((int)write(p[1], "abc", 3), 3);
    ck_assert_int_eq(kevent(kq, NULL, 0, ev, 2, NULL), 1);
    ck_assert_int_eq((int)ev[0].ident, p[0]);
    ck_assert_int_eq(ev[0].filter, EVFILT_READ);
    ck_assert_int_eq((int)ev[0].data, 3);
    ck_assert(!(ev[0].flags & EV_EOF));
    /* Reported once: the knote is gone although the data is still there. */
    ck_assert_int_eq(due(kq, ev), 0);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_DELETE), ENOENT);
    /* Level-triggered: reported at every call; EV_EOF once the writer
     * is gone, with the bytes still readable. */
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_ADD), 0);
    ck_assert_int_eq(due(kq, ev), 1);
    ck_assert_int_eq(due(kq, ev), 1);
    close(p[1]);
    ck_assert_int_eq(due(kq, ev), 1);
    ck_assert(ev[0].flags & EV_EOF);
    ck_assert_int_eq((int)ev[0].data, 3);
    close(p[0]);
    close(kq);
}
END_TEST

START_TEST(kq_write_and_socket_eof)
{
    int kq = kqueue(), s[2];
    struct kevent ev[2];
    char c;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
    ck_assert_int_eq(change(kq, s[0], EVFILT_WRITE, EV_ADD), 0);
    ck_assert_int_eq(change(kq, s[0], EVFILT_READ, EV_ADD), 0);
    ck_assert_int_eq(due(kq, ev), 1);
    ck_assert_int_eq(ev[0].filter, EVFILT_WRITE);
    ck_assert_int_gt((int)ev[0].data, 0);     /* room in the send buffer */
    ck_assert(!(ev[0].flags & EV_EOF));
    close(s[1]);
    ck_assert_int_eq(due(kq, ev), 2);
    ck_assert(ev[0].flags & EV_EOF);
    ck_assert(ev[1].flags & EV_EOF);
    ck_assert_int_eq((int)read(s[0], &c, 1), 0);
    close(s[0]);
    close(kq);
}
END_TEST

START_TEST(kq_enable_disable_clear_delete)
{
    int kq = kqueue(), p[2];
    struct kevent ev[2];
    char buf[4];

    pipe_pair(p);
    ck_assert_int_eq((int)write(p[1], "a", 1), 1);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_ADD | EV_DISABLE), 0);
    ck_assert_int_eq(due(kq, ev), 0);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_ENABLE), 0);
    ck_assert_int_eq(due(kq, ev), 1);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_DELETE), 0);
    ck_assert_int_eq(due(kq, ev), 0);
    /* EV_CLEAR: reported once per change of state. */
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_ADD | EV_CLEAR), 0);
    ck_assert_int_eq(due(kq, ev), 1);
    ck_assert_int_eq(due(kq, ev), 0);
    ck_assert_int_eq((int)write(p[1], "b", 1), 1);
    ck_assert_int_eq(due(kq, ev), 1);
    ck_assert_int_eq((int)ev[0].data, 2);
    ck_assert_int_eq((int)read(p[0], buf, sizeof buf), 2);
    ck_assert_int_eq(due(kq, ev), 0);
    ck_assert_int_eq((int)write(p[1], "c", 1), 1);
    ck_assert_int_eq(due(kq, ev), 1);
    /* EV_DISPATCH: disabled once reported, until EV_ENABLE. */
    ck_assert_int_eq(change(kq, p[1], EVFILT_WRITE, EV_ADD | EV_DISPATCH), 0);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_DELETE), 0);
    ck_assert_int_eq(due(kq, ev), 1);
    ck_assert_int_eq(due(kq, ev), 0);
    ck_assert_int_eq(change(kq, p[1], EVFILT_WRITE, EV_ENABLE), 0);
    ck_assert_int_eq(due(kq, ev), 1);
    close(p[0]);
    close(p[1]);
    close(kq);
}
END_TEST

/* Closing a descriptor removes its knotes, also when the number is
 * reused at once. */
START_TEST(kq_close_drops_knotes)
{
    int kq = kqueue(), p[2], q[2];
    struct kevent ev[2];

    pipe_pair(p);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_ADD), 0);
    close(p[0]);
    close(p[1]);
    pipe_pair(q);
    ck_assert_int_eq(q[0], p[0]);
    ck_assert_int_eq((int)write(q[1], "x", 1), 1);
    ck_assert_int_eq(due(kq, ev), 0);
    close(q[0]);
    close(q[1]);
    close(kq);
}
END_TEST

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(kq_timeout)
{
    int kq = kqueue(), p[2];
    struct timespec ts = { 0, 20 * 1000000L };
    struct kevent ev;
    long long t0;

    pipe_pair(p);
    ck_assert_int_eq(change(kq, p[0], EVFILT_READ, EV_ADD), 0);
    t0 = mono_ms();
    ck_assert_int_eq(kevent(kq, NULL, 0, &ev, 1, &ts), 0);
    ck_assert(mono_ms() - t0 >= 20);
    /* With no event list the call does not wait at all. */
    ck_assert_int_eq(kevent(kq, NULL, 0, NULL, 0, NULL), 0);
    close(p[0]);
    close(p[1]);
    close(kq);
}
END_TEST

/* kqueues are not inherited: in the child the number is closed (and a
 * number still open there is no kqueue); the parent's keeps working. */
START_TEST(kq_not_inherited)
{
    int kq = kqueue(), p[2], status;
    struct kevent ev;
    pid_t pid;

    pipe_pair(p);
    ck_assert_int_eq(change(kq, p[1], EVFILT_WRITE, EV_ADD), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int bad = kevent(kq, NULL, 0, &ev, 1, &zero) == -1 && errno == EBADF;
        int closed = fcntl(kq, F_GETFD) == -1 && errno == EBADF;
        _exit(bad && closed ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(kevent(kq, NULL, 0, &ev, 1, &zero), 1);
    close(p[0]);
    close(p[1]);
    close(kq);
}
END_TEST

/* ---- lib/ev_kqueue.c ------------------------------------------------ */

/* A change that fails with EBADF reports the entry as POLLNVAL, and
 * st_netfd_poll fails with EBADF (API.md 3.8). */
START_TEST(backend_closed_descriptor_nval)
{
    struct pollfd pd;
    int p[2];

    st_test_init(0);
    pipe_pair(p);
    close(p[0]);
    close(p[1]);
    pd.fd = p[0];
    pd.events = POLLIN;
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(5000000)), 1);
    ck_assert_int_eq(pd.revents, POLLNVAL);
}
END_TEST

/* Any other failing change (EPIPE: a pipe without a reader) reports
 * POLLERR in that direction; the I/O call then returns the error. */
START_TEST(backend_failed_add_pollerr)
{
    struct pollfd pd;
    st_netfd_t w;
    int p[2];

    st_test_init(0);
    pipe_pair(p);
    close(p[0]);
    w = st_netfd_open(p[1]);
    ck_assert_ptr_nonnull(w);
    pd.fd = p[1];
    pd.events = POLLOUT;
    ck_assert_int_eq(st_poll(&pd, 1, st_test_usec(5000000)), 1);
    ck_assert_int_eq(pd.revents, POLLERR);
    ck_assert_int_eq(st_netfd_poll(w, POLLOUT, st_test_usec(5000000)), 0);
    errno = 0;
    ck_assert_int_eq((int)st_write(w, "x", 1, st_test_usec(5000000)), -1);
    ck_assert_int_eq(errno, EPIPE);
    ck_assert_int_eq(st_netfd_close(w), 0);
}
END_TEST

static void *reader(void *arg)
{
    char c = 0;
    if (st_read(arg, &c, 1, st_test_usec(5000000)) != 1)
        return NULL;
    return (void *)(long)c;
}

/* Initialise, and start a thread reading a new pipe p (netfd *r); the
 * read filter is in the kernel when this returns. */
static st_thread_t start_reader(int p[2], st_netfd_t *r)
{
    st_thread_t t;

    st_test_init(0);
    pipe_pair(p);
    *r = st_netfd_open(p[0]);
    ck_assert_ptr_nonnull(*r);
    t = st_thread_create(reader, *r, 1, 0);
    ck_assert_ptr_nonnull(t);
    st_usleep(0);
    return t;
}

/* A child made without the fork hooks (a raw system call): libst does
 * not know it is a new process, kevent fails with EBADF, and the backend
 * must notice the lost kqueue, close the inherited descriptor, make a
 * new kqueue and register the waiting read again. */
START_TEST(backend_kqueue_lost_without_atfork)
{
#if defined(SYS_fork)
    st_netfd_t r;
    st_thread_t t;
    int p[2], status;
    pid_t pid;

    t = start_reader(p, &r);
    pid = (pid_t)syscall(SYS_fork);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        void *res = NULL;
        if (write(p[1], "k", 1) != 1 || st_thread_join(t, &res) != 0)
            _exit(2);
        _exit(res == (void *)(long)'k' ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child status %#x", status);
    /* The parent's registration is untouched. */
    ck_assert_int_eq((int)write(p[1], "p", 1), 1);
    {
        void *res = NULL;
        ck_assert_int_eq(st_thread_join(t, &res), 0);
        ck_assert_ptr_eq(res, (void *)(long)'p');
    }
    ck_assert_int_eq(st_netfd_close(r), 0);
    close(p[1]);
#endif
}
END_TEST

/* In a child, a wait that ends before the backend has run there (an
 * interrupt) must not send its deletes to the parent's kqueue number:
 * the child may have a kqueue of its own there by then. */
START_TEST(backend_child_deletes_not_sent)
{
    st_netfd_t r;
    st_thread_t t;
    int p[2], status, probe;
    pid_t pid;

    probe = dup(0);                     /* the number st_init will use */
    ck_assert_int_ge(probe, 0);
    close(probe);
    t = start_reader(p, &r);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct kevent ch, ev[2];
        int kq = kqueue();
        if (kq != probe)
            _exit(3);                   /* the test's premise failed */
        EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
        if (kevent(kq, &ch, 1, NULL, 0, NULL) != 0)
            _exit(4);
        st_thread_interrupt(t);
        if (st_thread_join(t, NULL) != 0 || write(p[1], "c", 1) != 1)
            _exit(5);
        _exit(due(kq, ev) == 1 ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child status %#x", status);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(st_netfd_close(r), 0);
    close(p[1]);
}
END_TEST

/* More waiters than the test build's event buffer (128) across a fork:
 * the child registers them all again over several calls. */
#define MANY 300

START_TEST(backend_fork_many_waiters)
{
    static st_netfd_t r[MANY];
    static st_thread_t t[MANY];
    static int w[MANY];
    int i, status, ok = 1;
    pid_t pid;

    st_test_init(0);
    for (i = 0; i < MANY; i++) {
        int p[2];
        pipe_pair(p);
        r[i] = st_netfd_open(p[0]);
        w[i] = p[1];
        t[i] = st_thread_create(reader, r[i], 1, 0);
        ck_assert_ptr_nonnull(t[i]);
    }
    st_usleep(0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid != 0) {
        /* The pipes are shared: the child reads first, alone. */
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "child status %#x", status);
    }
    for (i = 0; i < MANY; i++) {
        void *res = NULL;
        char c = pid == 0 ? 'c' : 'p';
        if (write(w[i], &c, 1) != 1 || st_thread_join(t[i], &res) != 0 ||
            res != (void *)(long)c)
            ok = 0;
        if (pid == 0)
            continue;
        ck_assert_int_eq(st_netfd_close(r[i]), 0);
        close(w[i]);
    }
    if (pid == 0)
        _exit(ok ? 0 : 1);
    ck_assert(ok);
}
END_TEST

static Suite *kqueue_suite(void)
{
    Suite *s = suite_create("kqueue");
    TCase *emu = tcase_create("emulation");
    TCase *be = tcase_create("backend");

    tcase_add_test(emu, kq_is_a_descriptor);
    tcase_add_test(emu, kq_errors_and_receipts);
    tcase_add_test(emu, kq_read_data_eof_oneshot);
    tcase_add_test(emu, kq_write_and_socket_eof);
    tcase_add_test(emu, kq_enable_disable_clear_delete);
    tcase_add_test(emu, kq_close_drops_knotes);
    tcase_add_test(emu, kq_timeout);
    tcase_add_test(emu, kq_not_inherited);
    suite_add_tcase(s, emu);
    tcase_add_test(be, backend_closed_descriptor_nval);
    tcase_add_test(be, backend_failed_add_pollerr);
    tcase_add_test(be, backend_kqueue_lost_without_atfork);
    tcase_add_test(be, backend_child_deletes_not_sent);
    tcase_add_test(be, backend_fork_many_waiters);
    suite_add_tcase(s, be);
    return s;
}

int main(void)
{
    return st_test_run(kqueue_suite());
}
