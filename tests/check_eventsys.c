/* SPDX-License-Identifier: MIT */
/* check_eventsys.c - life cycle and configuration (API.md 5.1 #1-#6). */
#include "testutil.h"

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>

START_TEST(eventsys_before_choice)
{
    ck_assert_int_eq(st_get_eventsys(), -1);
    ck_assert_str_eq(st_get_eventsys_name(), "");
    ck_assert_int_eq(st_getfdlimit(), -1);
    ck_assert_ptr_null(st_thread_self());
}
END_TEST

START_TEST(eventsys_default_is_select)
{
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_SELECT);
    ck_assert_str_eq(st_get_eventsys_name(), "select");
}
END_TEST

START_TEST(eventsys_alt_is_epoll)
{
#if defined(ST_HAVE_KQUEUE_BACKEND)
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_ALT), 0);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_ALT);
    ck_assert_str_eq(st_get_eventsys_name(), "kqueue");
#elif defined(ST_HAVE_EPOLL_BACKEND)
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_ALT), 0);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_ALT);
    ck_assert_str_eq(st_get_eventsys_name(), "epoll");
#else
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_ALT), -1);
    ck_assert_int_eq(errno, EINVAL);
#endif
}
END_TEST

START_TEST(eventsys_poll_and_names)
{
    static const char *const names[] = { "", "select", "poll", "epoll",
                                          "io_uring" };
    int v = st_test_backends[_i];

    ck_assert_int_eq(st_set_eventsys(v), 0);
    /* Chosen but not initialised: the choice is already visible. */
    ck_assert_int_eq(st_get_eventsys(), v);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_get_eventsys(), v);
#if !defined(ST_HAVE_KQUEUE_BACKEND)
    ck_assert_str_eq(st_get_eventsys_name(), names[v]);
#else
    (void)names;
#endif
}
END_TEST

START_TEST(eventsys_second_choice_busy)
{
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_SELECT), 0);
    errno = 0;
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_POLL), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_SELECT);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_SELECT), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_SELECT);
}
END_TEST

/* ST_EVENTSYS_POLL (2) is accepted, as in ST-1.9 (SRS refuses it): a
 * deliberate difference, for ST-1.9 programs. */
START_TEST(eventsys_poll_accepted)
{
#if defined(ST_HAVE_POLL_BACKEND)
    ck_assert_int_eq(ST_EVENTSYS_POLL, 2);
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_POLL), 0);
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_POLL);
    ck_assert_str_eq(st_get_eventsys_name(), "poll");
#endif
}
END_TEST

START_TEST(eventsys_invalid_leaves_open)
{
    errno = 0;
    ck_assert_int_eq(st_set_eventsys(99), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_set_eventsys(-1), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_get_eventsys(), -1);
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_DEFAULT), 0);
    ck_assert_int_eq(st_get_eventsys(), ST_EVENTSYS_SELECT);
}
END_TEST

static int waiter_done;

static void *waiter(void *arg)
{
    (void)arg;
    ck_assert_int_eq(st_usleep(1000), 0);
    waiter_done = 1;
    return NULL;
}

static void *second_init(void *arg)
{
    (void)arg;
    errno = 12345;
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(errno, 12345);
    return NULL;
}

START_TEST(init_twice_is_noop)
{
    st_thread_t w, t;
    st_thread_t self;

    ck_assert_int_eq(st_init(), 0);
    self = st_thread_self();
    w = st_thread_create(waiter, NULL, 1, 0);
    errno = 777;
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(errno, 777);
    ck_assert_ptr_eq(st_thread_self(), self);
    t = st_thread_create(second_init, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(st_thread_join(w, NULL), 0);
    ck_assert_int_eq(waiter_done, 1);
}
END_TEST

START_TEST(fdlimit_raised_to_hard)
{
    struct rlimit rl;
    int v = st_test_backends[_i];

    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > 64) {
        /* Start below the hard limit so the raise is visible. */
        rl.rlim_cur = 64;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    st_test_init(_i);
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (v == ST_EVENTSYS_SELECT) {
        /* select: at most FD_SETSIZE, soft and hard alike (valgrind
         * refuses to change the hard limit: the soft one alone then). */
        ck_assert_int_le((long)rl.rlim_cur, FD_SETSIZE);
        if (!st_test_on_valgrind())
            ck_assert_int_eq((long)rl.rlim_cur, (long)rl.rlim_max);
        ck_assert_int_eq(st_getfdlimit(), (int)rl.rlim_cur);
    } else if (rl.rlim_max != RLIM_INFINITY) {
        ck_assert_int_eq((long)rl.rlim_cur, (long)rl.rlim_max);
        ck_assert_int_eq(st_getfdlimit(), (int)rl.rlim_max);
    }
}
END_TEST

/* In a child, since the limits are the process's: what st_init on
 * select makes of a hard limit above FD_SETSIZE; 0 if as every
 * reference does (soft = hard = FD_SETSIZE), 2 if the hard limit cannot
 * be raised above FD_SETSIZE to try (not root), 3 if it cannot be
 * changed at all (valgrind), 1 otherwise. */
static int select_child(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1;
    if (st_test_on_valgrind())
        return 3;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= FD_SETSIZE) {
        rl.rlim_max = FD_SETSIZE * 4;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return 2;
    }
    rl.rlim_cur = 256;                  /* and a program's low soft limit */
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0 ||
        st_set_eventsys(ST_EVENTSYS_SELECT) < 0 || st_init() < 0 ||
        getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1;
    if (rl.rlim_cur != FD_SETSIZE || rl.rlim_max != FD_SETSIZE ||
        st_getfdlimit() != FD_SETSIZE)
        return 1;
    /* A later raise of the soft limit cannot pass it either. */
    rl.rlim_cur = FD_SETSIZE + 1;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        return 1;
    return 0;
}

START_TEST(select_lowers_hard_limit)
{
    int status;
    pid_t pid = fork();

    ck_assert_int_ne(pid, -1);
    if (pid == 0)
        _exit(select_child());
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    if (WEXITSTATUS(status) == 2) {
        fprintf(stderr, "NOTE: select_lowers_hard_limit skipped: the hard "
                "RLIMIT_NOFILE is at most FD_SETSIZE and cannot be raised "
                "(not privileged)\n");
        return;
    }
    if (WEXITSTATUS(status) == 3) {
        fprintf(stderr, "NOTE: select_lowers_hard_limit skipped: valgrind "
                "refuses any change of the hard RLIMIT_NOFILE\n");
        return;
    }
    ck_assert_msg(WEXITSTATUS(status) == 0, "select left RLIMIT_NOFILE "
                  "above FD_SETSIZE, or st_getfdlimit disagrees");
}
END_TEST

START_TEST(init_ignores_sigpipe)
{
    int p[2];
    struct sigaction sa;

    ck_assert_int_eq(signal(SIGPIPE, SIG_DFL) != SIG_ERR, 1);
    st_test_init(_i);
    ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
    ck_assert(sa.sa_handler == SIG_IGN);
    ck_assert_int_eq(pipe(p), 0);
    close(p[0]);
    errno = 0;
    ck_assert_int_eq((int)write(p[1], "x", 1), -1);
    ck_assert_int_eq(errno, EPIPE);
    close(p[1]);
}
END_TEST

static st_utime_t fake_now;

static st_utime_t fake_clock(void)
{
    return fake_now;
}

START_TEST(utime_function_before_init)
{
    fake_now = 5000000;
    ck_assert_int_eq(st_set_utime_function(fake_clock), 0);
    ck_assert(st_utime() == 5000000);
    ck_assert_int_eq(st_init(), 0);
    ck_assert(st_utime_last_clock() == 5000000);
    errno = 0;
    ck_assert_int_eq(st_set_utime_function(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(st_utime() == 5000000);
}
END_TEST

static void *advance_clock(void *arg)
{
    int i;

    (void)arg;
    /* Time moves only when this thread says so. */
    for (i = 0; i < 100; i++) {
        fake_now += 1000;
        st_thread_yield();
    }
    return NULL;
}

START_TEST(utime_function_drives_sleep)
{
    st_thread_t t;
    st_utime_t start;

    fake_now = 1000;
    ck_assert_int_eq(st_set_utime_function(fake_clock), 0);
    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(advance_clock, NULL, 1, 0);
    start = fake_now;
    ck_assert_int_eq(st_usleep(20000), 0);
    ck_assert(fake_now - start >= 20000);
    ck_assert(fake_now - start < 100000);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
}
END_TEST

START_TEST(utime_function_null_restores)
{
    st_utime_t a, b;

    ck_assert_int_eq(st_set_utime_function(fake_clock), 0);
    ck_assert_int_eq(st_set_utime_function(NULL), 0);
    a = st_utime();
    b = st_utime();
    ck_assert(b >= a);
    ck_assert(a != fake_now);
}
END_TEST

START_TEST(destroy_idempotent_and_reinit)
{
    st_destroy();                       /* before init: harmless */
    st_destroy();
    st_test_init(_i);
    st_destroy();
    st_destroy();                       /* twice: harmless */
    ck_assert_ptr_null(st_thread_self());
    ck_assert_int_eq(st_get_eventsys(), -1);
    /* A full reset: a new scheduler can start. */
    st_test_init(_i);
    ck_assert_ptr_nonnull(st_thread_self());
    ck_assert_int_eq(st_usleep(100), 0);
    st_destroy();
}
END_TEST

static void *fork_sleeper(void *arg)
{
    st_netfd_t rd = arg;
    char c;

    /* Blocked on a pipe across the fork in both processes. */
    if (st_read(rd, &c, 1, st_test_usec(10000000)) != 1)
        return (void *)1;
    return (void *)(intptr_t)c;
}

START_TEST(fork_after_init_both_work)
{
    int p[2], q[2], status;
    st_netfd_t prd, qrd;
    st_thread_t t;
    void *rv;
    pid_t pid;

    st_test_init(_i);
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(pipe(q), 0);
    prd = st_netfd_open(p[0]);
    qrd = st_netfd_open(q[0]);
    t = st_thread_create(fork_sleeper, prd, 1, 0);
    ck_assert_int_eq(st_usleep(1000), 0);  /* t is now waiting */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* Child: its own copy of t waits on the same pipe; feed it
         * through a pipe only the child reads (q). */
        st_thread_t t2 = st_thread_create(fork_sleeper, qrd, 1, 0);
        void *r2 = NULL;
        char c = 'c';
        if (write(q[1], &c, 1) != 1 ||
            st_thread_join(t2, &r2) != 0 || r2 != (void *)(intptr_t)'c')
            _exit(2);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    /* The parent's scheduler still works after the child used its copy. */
    ck_assert_int_eq((int)write(p[1], "p", 1), 1);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)(intptr_t)'p');
}
END_TEST

/* Every function of the API links (a missing definition fails the
 * build of this suite), and the primordial-stack hook is callable. */
START_TEST(every_function_links)
{
    void (*const fns[])(void) = {
        (void (*)(void))st_init, (void (*)(void))st_getfdlimit,
        (void (*)(void))st_set_eventsys, (void (*)(void))st_get_eventsys,
        (void (*)(void))st_get_eventsys_name,
        (void (*)(void))st_set_switch_in_cb,
        (void (*)(void))st_set_switch_out_cb,
        (void (*)(void))st_thread_self, (void (*)(void))st_thread_exit,
        (void (*)(void))st_thread_join, (void (*)(void))st_thread_interrupt,
        (void (*)(void))st_thread_yield, (void (*)(void))st_thread_create,
        (void (*)(void))st_randomize_stacks,
        (void (*)(void))st_set_utime_function, (void (*)(void))st_utime,
        (void (*)(void))st_utime_last_clock,
        (void (*)(void))st_timecache_set, (void (*)(void))st_time,
        (void (*)(void))st_usleep, (void (*)(void))st_sleep,
        (void (*)(void))st_cond_new, (void (*)(void))st_cond_destroy,
        (void (*)(void))st_cond_timedwait, (void (*)(void))st_cond_wait,
        (void (*)(void))st_cond_signal, (void (*)(void))st_cond_broadcast,
        (void (*)(void))st_mutex_new, (void (*)(void))st_mutex_destroy,
        (void (*)(void))st_mutex_lock, (void (*)(void))st_mutex_unlock,
        (void (*)(void))st_mutex_trylock, (void (*)(void))st_key_create,
        (void (*)(void))st_key_getlimit,
        (void (*)(void))st_thread_setspecific,
        (void (*)(void))st_thread_getspecific,
        (void (*)(void))st_netfd_open, (void (*)(void))st_netfd_open_socket,
        (void (*)(void))st_netfd_free, (void (*)(void))st_netfd_close,
        (void (*)(void))st_netfd_fileno,
        (void (*)(void))st_netfd_setspecific,
        (void (*)(void))st_netfd_getspecific,
        (void (*)(void))st_netfd_serialize_accept,
        (void (*)(void))st_netfd_poll, (void (*)(void))st_poll,
        (void (*)(void))st_accept, (void (*)(void))st_connect,
        (void (*)(void))st_read, (void (*)(void))st_read_fully,
        (void (*)(void))st_read_resid, (void (*)(void))st_readv,
        (void (*)(void))st_readv_resid, (void (*)(void))st_write,
        (void (*)(void))st_write_resid, (void (*)(void))st_writev,
        (void (*)(void))st_writev_resid, (void (*)(void))st_recvfrom,
        (void (*)(void))st_sendto, (void (*)(void))st_recvmsg,
        (void (*)(void))st_sendmsg, (void (*)(void))st_open,
        (void (*)(void))st_destroy, (void (*)(void))st_thread_setspecific2,
        (void (*)(void))st_set_primordial_stack,
        (void (*)(void))st_sendmmsg, (void (*)(void))st_recvmmsg,
        (void (*)(void))st_thread_setname,
        (void (*)(void))st_thread_getname,
        (void (*)(void))_st_show_thread_stack,
        (void (*)(void))_st_iterate_threads,
    };
    static char fake_stack[65536];
    size_t i;

    for (i = 0; i < sizeof fns / sizeof fns[0]; i++)
        ck_assert_ptr_nonnull((void *)(uintptr_t)fns[i]);
    st_set_primordial_stack(fake_stack + sizeof fake_stack, fake_stack);
    ck_assert_int_eq(st_init(), 0);
    _st_show_thread_stack(st_thread_self(), "test");
    _st_iterate_threads();
    ck_assert_str_eq(ST_VERSION, "1.9.2");
    ck_assert_int_eq(ST_VERSION_MAJOR, 1);
    ck_assert_int_eq(ST_VERSION_MINOR, 9);
    ck_assert(ST_UTIME_NO_TIMEOUT == (st_utime_t)-1LL);
    ck_assert_int_eq(ST_UTIME_NO_WAIT, 0);
#if defined(__linux__)
    ck_assert_int_eq(ETIME, 62);
#endif
}
END_TEST

static Suite *eventsys_suite(void)
{
    Suite *s = suite_create("eventsys");
    TCase *tc = tcase_create("lifecycle");

    tcase_add_test(tc, every_function_links);
    tcase_add_test(tc, eventsys_before_choice);
    tcase_add_test(tc, eventsys_default_is_select);
    tcase_add_test(tc, eventsys_alt_is_epoll);
    tcase_add_loop_test(tc, eventsys_poll_and_names, 0, st_test_nbackends);
    tcase_add_test(tc, eventsys_second_choice_busy);
    tcase_add_test(tc, eventsys_poll_accepted);
    tcase_add_test(tc, eventsys_invalid_leaves_open);
    tcase_add_test(tc, init_twice_is_noop);
    tcase_add_loop_test(tc, fdlimit_raised_to_hard, 0, st_test_nbackends);
    tcase_add_test(tc, select_lowers_hard_limit);
    tcase_add_loop_test(tc, init_ignores_sigpipe, 0, st_test_nbackends);
    tcase_add_test(tc, utime_function_before_init);
    tcase_add_test(tc, utime_function_drives_sleep);
    tcase_add_test(tc, utime_function_null_restores);
    tcase_add_loop_test(tc, destroy_idempotent_and_reinit, 0,
                        st_test_nbackends);
    tcase_add_loop_test(tc, fork_after_init_both_work, 0, st_test_nbackends);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(eventsys_suite());
}
