/* SPDX-License-Identifier: MIT */
/* check_thread.c - threads: create, join, exit, interrupt, callbacks
 * (API.md 5.1 #7-#9, #12-#14). */
#include "testutil.h"

#include <stdio.h>
#include <sys/wait.h>

static void *ret_arg(void *arg)
{
    return arg;
}

static void nested_exit(void *v)
{
    st_thread_exit(v);
}

static void *exit_nested(void *arg)
{
    nested_exit(arg);
    return NULL;                        /* not reached */
}

START_TEST(create_join_value)
{
    st_thread_t t;
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(ret_arg, (void *)0x1234, 1, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)0x1234);
    t = st_thread_create(exit_nested, (void *)0x99, 1, 0);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)0x99);
    t = st_thread_create(ret_arg, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
}
END_TEST

START_TEST(join_64_in_order)
{
    st_thread_t t[64];
    void *rv;
    long i;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 64; i++)
        ck_assert_ptr_nonnull(t[i] = st_thread_create(ret_arg,
                                                      (void *)(intptr_t)(i + 1), 1, 0));
    for (i = 0; i < 64; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_ptr_eq(rv, (void *)(intptr_t)(i + 1));
    }
}
END_TEST

START_TEST(join_errors)
{
    st_thread_t d, j;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    d = st_thread_create(ret_arg, NULL, 0, 0);
    errno = 0;
    ck_assert_int_eq(st_thread_join(d, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* The primordial thread is never joinable. */
    ck_assert_int_eq(st_thread_join(st_thread_self(), NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    j = st_thread_create(ret_arg, (void *)7, 1, 0);
    ck_assert_int_eq(st_thread_join(j, &rv), 0);
    /* A joined handle is stale: detected, not UB. */
    ck_assert_int_eq(st_thread_join(j, &rv), -1);
    ck_assert_int_eq(errno, ESRCH);
}
END_TEST

static st_thread_t selfjoin_handle;
static int selfjoin_errno;

static void *self_joiner(void *arg)
{
    (void)arg;
    if (st_thread_join(st_thread_self(), NULL) == -1)
        selfjoin_errno = errno;
    selfjoin_handle = st_thread_self();
    return (void *)5;
}

START_TEST(self_join_edeadlk)
{
    st_thread_t t;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(self_joiner, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_int_eq(selfjoin_errno, EDEADLK);
    ck_assert_ptr_eq(selfjoin_handle, t);
    ck_assert_ptr_eq(rv, (void *)5);
}
END_TEST

static st_thread_t target;
static int second_join_errno;

static void *sleeper_ms(void *arg)
{
    st_usleep((st_utime_t)(intptr_t)arg * 1000);
    return (void *)42;
}

static void *second_joiner(void *arg)
{
    (void)arg;
    if (st_thread_join(target, NULL) == -1)
        second_join_errno = errno;
    return NULL;
}

START_TEST(second_joiner_einval)
{
    st_thread_t j2;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    target = st_thread_create(sleeper_ms, (void *)20L, 1, 0);
    j2 = st_thread_create(second_joiner, NULL, 1, 0);
    /* We wait first; j2 runs while we wait and must get EINVAL. */
    ck_assert_int_eq(st_thread_join(target, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)42);
    ck_assert_int_eq(st_thread_join(j2, NULL), 0);
    ck_assert_int_eq(second_join_errno, EINVAL);
}
END_TEST

static int joiner_errno;

static void *interrupted_joiner(void *arg)
{
    (void)arg;
    if (st_thread_join(target, NULL) == -1)
        joiner_errno = errno;
    return NULL;
}

START_TEST(joiner_interrupted_target_joinable)
{
    st_thread_t j;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    target = st_thread_create(sleeper_ms, (void *)30L, 1, 0);
    j = st_thread_create(interrupted_joiner, NULL, 1, 0);
    st_usleep(1000);
    st_thread_interrupt(j);
    ck_assert_int_eq(st_thread_join(j, NULL), 0);
    ck_assert_int_eq(joiner_errno, EINTR);
    ck_assert_int_eq(st_thread_join(target, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)42);
}
END_TEST

START_TEST(join_exited_no_switch)
{
    st_thread_t t;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(ret_arg, (void *)3, 1, 0);
    st_usleep(0);                       /* t runs and becomes a zombie */
    /* A pending interrupt is not consumed: no wait happens. */
    st_thread_interrupt(st_thread_self());
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)3);
    errno = 0;
    ck_assert_int_eq(st_usleep(10), -1);
    ck_assert_int_eq(errno, EINTR);
}
END_TEST

static st_thread_t seen_self;

static void *record_self(void *arg)
{
    (void)arg;
    seen_self = st_thread_self();
    return NULL;
}

START_TEST(self_is_handle)
{
    st_thread_t t, prim;

    ck_assert_int_eq(st_init(), 0);
    prim = st_thread_self();
    ck_assert_ptr_nonnull(prim);
    t = st_thread_create(record_self, NULL, 1, 0);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_ptr_eq(seen_self, t);
    ck_assert_ptr_ne(seen_self, prim);
}
END_TEST

START_TEST(create_bad_args)
{
    ck_assert_int_eq(st_init(), 0);
    errno = 0;
    ck_assert_ptr_null(st_thread_create(ret_arg, NULL, 1, -4096));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(st_thread_create(NULL, NULL, 1, 0));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- interrupts (#12) ------------------------------------------------- */

static int wait_result, wait_errno;

static void record(int r)
{
    wait_result = r;
    wait_errno = errno;
}

static void *block_sleep(void *a) { (void)a; record(st_usleep(ST_UTIME_NO_TIMEOUT)); return NULL; }
static void *block_timed(void *a) { (void)a; record(st_usleep(10000000)); return NULL; }
static void *block_cond(void *a) { record(st_cond_wait(a)); return NULL; }
static void *block_mutex(void *a) { record(st_mutex_lock(a)); return NULL; }
static void *block_read(void *a)
{
    char c;
    record((int)st_read(a, &c, 1, ST_UTIME_NO_TIMEOUT));
    return NULL;
}
static void *block_accept(void *a)
{
    record(st_accept(a, NULL, NULL, ST_UTIME_NO_TIMEOUT) ? 0 : -1);
    return NULL;
}
static void *block_poll(void *a)
{
    struct pollfd pd;
    pd.fd = st_netfd_fileno(a);
    pd.events = POLLIN;
    record(st_poll(&pd, 1, ST_UTIME_NO_TIMEOUT));
    return NULL;
}
static void *block_join(void *a) { record(st_thread_join(a, NULL)); return NULL; }

START_TEST(interrupt_wakes_every_wait)
{
    void *(*fns[])(void *) = { block_sleep, block_timed, block_cond,
                               block_mutex, block_read, block_accept,
                               block_poll, block_join };
    st_netfd_t a, b, l;
    struct sockaddr_in sin;
    st_cond_t c;
    st_mutex_t m;
    st_thread_t forever;
    size_t k;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    l = st_test_listener(&sin, 4);
    c = st_cond_new();
    m = st_mutex_new();
    ck_assert_int_eq(st_mutex_lock(m), 0);
    forever = st_thread_create(block_sleep, NULL, 1, 0);
    for (k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        void *args[] = { NULL, NULL, c, m, a, l, a, forever };
        st_thread_t t = st_thread_create(fns[k], args[k], 1, 0);
        st_utime_t t0;
        wait_result = 99;
        ck_assert_int_eq(st_usleep(2000), 0);   /* t is now blocked */
        ck_assert_int_eq(wait_result, 99);
        t0 = st_utime();
        st_thread_interrupt(t);
        ck_assert_int_eq(st_thread_join(t, NULL), 0);
        ck_assert_msg(wait_result == -1 && wait_errno == EINTR,
                      "wait %zu: result %d errno %d", k, wait_result,
                      wait_errno);
        ck_assert(st_utime() - t0 < st_test_usec(1000000));
    }
    st_thread_interrupt(forever);
    ck_assert_int_eq(st_thread_join(forever, NULL), 0);
    ck_assert_int_eq(st_mutex_unlock(m), 0);
    ck_assert_int_eq(st_mutex_destroy(m), 0);
    ck_assert_int_eq(st_cond_destroy(c), 0);
}
END_TEST

static int first_r, first_e, second_r;

static void *two_waits(void *arg)
{
    (void)arg;
    first_r = st_usleep(1000);
    first_e = errno;
    second_r = st_usleep(1000);
    return NULL;
}

START_TEST(interrupt_before_first_run)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(two_waits, NULL, 1, 0);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(first_r, -1);
    ck_assert_int_eq(first_e, EINTR);
    ck_assert_int_eq(second_r, 0);
}
END_TEST

START_TEST(self_interrupt_mutex_and_trylock)
{
    st_mutex_t m;

    ck_assert_int_eq(st_init(), 0);
    m = st_mutex_new();
    st_thread_interrupt(st_thread_self());
    /* trylock ignores the pending interrupt... */
    ck_assert_int_eq(st_mutex_trylock(m), 0);
    ck_assert_int_eq(st_mutex_unlock(m), 0);
    /* ...lock consumes it even though the mutex is free. */
    errno = 0;
    ck_assert_int_eq(st_mutex_lock(m), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq(st_mutex_lock(m), 0);
    ck_assert_int_eq(st_mutex_unlock(m), 0);
    ck_assert_int_eq(st_mutex_destroy(m), 0);
}
END_TEST

/* API.md 3.2 st_usleep/st_sleep: "Pending interrupt on entry -> -1
 * EINTR immediately (no switch), flag cleared", whatever the duration
 * (0, finite, none).  A thread made runnable just before each call is
 * the witness: had the call switched, it would have run (and it would
 * then interrupt us, so that a call that waits forever still ends).
 * The join that follows waits, so it shows the flag was consumed. */
static int in_call, ran_in_call;

static void *witness(void *arg)
{
    if (in_call) {
        ran_in_call++;
        st_thread_interrupt(arg);
    }
    return NULL;
}

START_TEST(sleep_pending_interrupt_no_switch)
{
    int k, r, e;

    ck_assert_int_eq(st_init(), 0);
    for (k = 0; k < 6; k++) {
        st_thread_t w = st_thread_create(witness, st_thread_self(), 1, 0);
        st_thread_interrupt(st_thread_self());
        in_call = 1;
        errno = 0;
        switch (k) {
        case 0: r = st_usleep(0); break;
        case 1: r = st_usleep(st_test_usec(1000000)); break;
        case 2: r = st_usleep(ST_UTIME_NO_TIMEOUT); break;
        case 3: r = st_sleep(0); break;
        case 4: r = st_sleep(1); break;
        default: r = st_sleep(-1); break;
        }
        e = errno;
        in_call = 0;
        ck_assert_msg(ran_in_call == 0, "call %d switched", k);
        ck_assert_msg(r == -1 && e == EINTR, "call %d: %d errno %d", k, r, e);
        ck_assert_int_eq(st_thread_join(w, NULL), 0);
    }
}
END_TEST

/* API.md 3.2 st_thread_yield: it "ignores a pending interrupt": it
 * still switches to a runnable thread, and the interrupt stays pending
 * for the next blocking call (which fails at once, instead of sleeping
 * for a second).  Also with nothing else runnable. */
static int plain_ran;

static void *plain(void *arg)
{
    (void)arg;
    plain_ran++;
    return NULL;
}

START_TEST(yield_leaves_interrupt_pending)
{
    ck_assert_int_eq(st_init(), 0);
    st_thread_create(plain, NULL, 0, 0);
    st_thread_interrupt(st_thread_self());
    st_thread_yield();
    ck_assert_int_eq(plain_ran, 1);     /* it switched */
    errno = 0;
    ck_assert_int_eq(st_usleep(st_test_usec(1000000)), -1);
    ck_assert_int_eq(errno, EINTR);
    st_thread_interrupt(st_thread_self());
    st_thread_yield();                  /* nothing runnable */
    ck_assert_int_eq(st_usleep(st_test_usec(1000000)), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq(st_usleep(0), 0);  /* consumed */
}
END_TEST

START_TEST(interrupt_zombie_ignored)
{
    st_thread_t t;
    void *rv;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(ret_arg, (void *)8, 1, 0);
    st_usleep(0);
    st_thread_interrupt(t);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)8);
}
END_TEST

START_TEST(read_with_data_ignores_interrupt)
{
    st_netfd_t a, b;
    char c;

    st_test_init(_i);
    st_test_tcp_pair(&a, &b);
    ck_assert_int_eq((int)st_write(b, "x", 1, 1000000), 1);
    st_usleep(1000);
    st_thread_interrupt(st_thread_self());
    ck_assert_int_eq((int)st_read(a, &c, 1, 1000000), 1);
    errno = 0;
    ck_assert_int_eq((int)st_read(a, &c, 1, 1000000), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq((int)st_read(a, &c, 1, 5000), -1);
    ck_assert_int_eq(errno, ETIME);
}
END_TEST

/* ---- process exit (#13) ----------------------------------------------- */

static void *print_and_sleep(void *arg)
{
    st_usleep((st_utime_t)(intptr_t)arg);
    printf("thread done\n");          /* buffered: must be flushed */
    return NULL;
}

/* Run fn in a child; return its wait status, capture its stdout. */
static int in_child(void (*fn)(void), char *out, size_t outlen)
{
    int p[2], status;
    pid_t pid;
    ssize_t n, got = 0;

    ck_assert_int_eq(pipe(p), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        fn();
        _exit(3);
    }
    close(p[1]);
    while (got < (ssize_t)outlen - 1 &&
           (n = read(p[0], out + got, outlen - 1 - (size_t)got)) > 0)
        got += n;
    out[got] = '\0';
    close(p[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* Run fn in a child, which must exit with status 0 having printed want. */
static void child_exits_0(void (*fn)(void), const char *want)
{
    char out[256];
    int status = in_child(fn, out, sizeof out);

    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_str_eq(out, want);
}

static void main_exits_last(void)
{
    st_init();
    st_thread_create(print_and_sleep, (void *)2000L, 0, 0);
    st_thread_create(ret_arg, NULL, 1, 0);     /* an unjoined zombie */
    st_thread_exit(NULL);
}

START_TEST(exit_after_last_thread)
{
    child_exits_0(main_exits_last, "thread done\n");
}
END_TEST

/* API.md 4.5: the exit after the last thread is exit(0), so atexit
 * handlers run, after the last thread's output. */
static void say_atexit(void)
{
    printf("atexit\n");
}

static void main_exits_with_atexit(void)
{
    st_init();
    atexit(say_atexit);
    st_thread_create(print_and_sleep, (void *)2000L, 0, 0);
    st_thread_exit(NULL);
}

START_TEST(last_exit_runs_atexit)
{
    child_exits_0(main_exits_with_atexit, "thread done\natexit\n");
}
END_TEST

static void *read_forever(void *arg)
{
    char c;
    (void)st_read(arg, &c, 1, ST_UTIME_NO_TIMEOUT);
    printf("reader woke\n");
    return NULL;
}

static int feed_fd = -1;

static void *feed_later(void *arg)
{
    (void)arg;
    st_usleep(20000);
    (void)!write(feed_fd, "z", 1);
    return NULL;
}

static void blocked_reader_keeps_alive(void)
{
    int p[2];
    st_init();
    if (pipe(p) < 0)
        _exit(4);
    feed_fd = p[1];
    st_thread_create(read_forever, st_netfd_open(p[0]), 0, 0);
    st_thread_create(feed_later, NULL, 0, 0);
    st_thread_exit(NULL);
}

START_TEST(blocked_io_keeps_process_alive)
{
    /* The process lived until the reader was fed and finished. */
    child_exits_0(blocked_reader_keeps_alive, "reader woke\n");
}
END_TEST

/* API.md 3.2 join, 4.5: the primordial thread is never joinable, also
 * after its st_thread_exit (its control block is never recycled). */
static st_thread_t prim;

static void *join_prim_later(void *arg)
{
    int r, e;

    (void)arg;
    st_usleep(1000);                    /* the primordial has exited */
    errno = 0;
    r = st_thread_join(prim, NULL);
    e = errno;
    printf("join %d %s\n", r, e == EINVAL ? "EINVAL" : strerror(e));
    return NULL;
}

/* In a child: main starts after_prim in a thread and exits. */
static void *(*after_prim)(void *);

static void main_exits_leaving_one(void)
{
    st_init();
    prim = st_thread_self();
    st_thread_create(after_prim, NULL, 0, 0);
    st_thread_exit(NULL);
}

START_TEST(exited_primordial_not_joinable)
{
    after_prim = join_prim_later;
    child_exits_0(main_exits_leaving_one, "join -1 EINVAL\n");
}
END_TEST

static void only_main_exits(void)
{
    st_init();
    printf("bye\n");
    st_thread_exit(NULL);
}

START_TEST(main_exit_alone)
{
    child_exits_0(only_main_exits, "bye\n");
}
END_TEST

/* API.md 3.4 "Destructors at exit": they run "for the primordial
 * thread if it calls st_thread_exit", one pass, key 0 upward (values
 * set here in the reverse order); 4.5 likewise.  "If main returns or
 * calls exit, no destructors run": not for main, not for other threads. */
static void print_dtor(void *v)
{
    printf("k%d\n", (int)(intptr_t)v - 10);
}

static void set_keys_reversed(void)
{
    int k[3], i;

    for (i = 0; i < 3; i++)
        if (st_key_create(&k[i], print_dtor) != 0)
            _exit(4);
    for (i = 2; i >= 0; i--)
        if (st_thread_setspecific(k[i], (void *)(intptr_t)(10 + i)) != 0)
            _exit(5);
}

static void main_exits_with_keys(void)
{
    st_init();
    set_keys_reversed();
    st_thread_exit(NULL);
}

START_TEST(primordial_exit_destructors_key_order)
{
    child_exits_0(main_exits_with_keys, "k0\nk1\nk2\n");
}
END_TEST

static void *set_key0_and_wait(void *arg)
{
    (void)arg;
    st_thread_setspecific(0, (void *)9);
    st_usleep(ST_UTIME_NO_TIMEOUT);
    return NULL;
}

static void main_returns_with_keys(void)
{
    st_init();
    set_keys_reversed();
    st_thread_create(set_key0_and_wait, NULL, 0, 0);
    st_thread_yield();                  /* it sets its value and waits */
    printf("main returns\n");
    exit(0);                            /* what returning from main does */
}

START_TEST(main_return_no_destructors)
{
    child_exits_0(main_returns_with_keys, "main returns\n");
}
END_TEST

/* API.md 3.2 st_thread_interrupt, 4.5: after main's st_thread_exit the
 * primordial thread is gone for good ("switches away forever");
 * interrupting it must neither crash nor bring it back (it would end
 * the process early, before the output below). */
static void *interrupt_prim_later(void *arg)
{
    (void)arg;
    /* First run: the primordial thread has switched away for good. */
    st_thread_interrupt(prim);
    st_thread_interrupt(prim);
    st_usleep(1000);                    /* a revived primordial runs now */
    printf("still running\n");
    return NULL;
}

START_TEST(interrupt_exited_primordial)
{
    after_prim = interrupt_prim_later;
    child_exits_0(main_exits_leaving_one, "still running\n");
}
END_TEST

/* ---- switch callbacks (#14) ------------------------------------------- */

static char trace[256];
static st_thread_t cb_main, cb_worker;
static st_cond_t cb_cond;

static void note(char c)
{
    size_t n = strlen(trace);
    st_thread_t me = st_thread_self();
    if (n + 3 < sizeof trace) {
        trace[n] = c;
        trace[n + 1] = me == cb_main ? 'M' : me == cb_worker ? 'W' : '?';
        trace[n + 2] = '\0';
    }
}

static void on_in(void) { note('+'); }
static void on_out(void) { note('-'); }

static void *cb_worker_fn(void *arg)
{
    (void)arg;
    st_cond_signal(cb_cond);
    st_cond_wait(cb_cond);
    return NULL;
}

START_TEST(switch_callbacks_sequence)
{
    ck_assert_int_eq(st_init(), 0);
    ck_assert_ptr_null(st_set_switch_in_cb(on_in));
    ck_assert(st_set_switch_in_cb(on_in) == on_in);
    ck_assert_ptr_null(st_set_switch_out_cb(on_out));
    cb_main = st_thread_self();
    cb_cond = st_cond_new();
    cb_worker = st_thread_create(cb_worker_fn, NULL, 0, 0);
    /* main waits; worker first runs (in), signals, waits (out); main in. */
    ck_assert_int_eq(st_cond_wait(cb_cond), 0);
    ck_assert_str_eq(trace, "-M+W-W+M");
    ck_assert(st_set_switch_in_cb(NULL) == on_in);
    ck_assert(st_set_switch_out_cb(NULL) == on_out);
    trace[0] = '\0';
    st_cond_signal(cb_cond);
    st_usleep(1000);
    ck_assert_str_eq(trace, "");        /* disabled; idle never seen */
}
END_TEST

static void *cb_joinable_fn(void *arg)
{
    return arg;
}

/* SRS-1.9.2 life cycle of a joinable thread: out as it becomes a zombie,
 * then after the join one more run with in and out. */
START_TEST(switch_callbacks_joinable_zombie)
{
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    cb_main = st_thread_self();
    trace[0] = '\0';
    st_set_switch_in_cb(on_in);
    st_set_switch_out_cb(on_out);
    cb_worker = st_thread_create(cb_joinable_fn, (void *)5, 1, 0);
    ck_assert_int_eq(st_thread_join(cb_worker, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)5);
    ck_assert_str_eq(trace, "-M+W-W+M");
    st_thread_yield();                  /* the zombie's last run */
    ck_assert_str_eq(trace, "-M+W-W+M-M+W-W+M");
    st_set_switch_in_cb(NULL);
    st_set_switch_out_cb(NULL);
}
END_TEST

/* Hooks installed between a zombie's exit and its join: the zombie still
 * runs once more after the join, with in and out. */
START_TEST(switch_callbacks_installed_before_join)
{
    void *rv = NULL;
    st_thread_t t;
    int i;

    ck_assert_int_eq(st_init(), 0);
    cb_main = st_thread_self();
    for (i = 0; i < 2; i++) {
        t = cb_worker = st_thread_create(cb_joinable_fn, (void *)6, 1, 0);
        st_usleep(0);                   /* it runs and becomes a zombie */
        trace[0] = '\0';
        st_set_switch_in_cb(on_in);
        st_set_switch_out_cb(on_out);
        ck_assert_int_eq(st_thread_join(t, &rv), 0);
        ck_assert_ptr_eq(rv, (void *)6);
        st_thread_yield();
        st_usleep(0);
        st_set_switch_in_cb(NULL);
        st_set_switch_out_cb(NULL);
        ck_assert_str_eq(trace, "-M+W-W+M-M+M");
        ck_assert_int_eq(st_thread_join(t, NULL), -1);
    }
}
END_TEST

static int trace_key;
static long current_trace_id;

static void trace_in(void)
{
    current_trace_id = (long)(intptr_t)st_thread_getspecific(trace_key);
}

static void trace_out(void)
{
    st_thread_setspecific(trace_key, (void *)(intptr_t)current_trace_id);
}

static void *traced(void *arg)
{
    int i;
    current_trace_id = (long)(intptr_t)arg;
    for (i = 0; i < 5; i++) {
        st_usleep(100 * (st_utime_t)(intptr_t)arg);
        if (current_trace_id != (long)(intptr_t)arg)
            return (void *)1;
    }
    return NULL;
}

START_TEST(switch_callbacks_trace_id)
{
    st_thread_t t[4];
    void *rv;
    long i;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_key_create(&trace_key, NULL), 0);
    st_set_switch_in_cb(trace_in);
    st_set_switch_out_cb(trace_out);
    for (i = 0; i < 4; i++)
        t[i] = st_thread_create(traced, (void *)(intptr_t)(i + 1), 1, 0);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_ptr_null(rv);
    }
}
END_TEST

START_TEST(thread_names)
{
    st_thread_t t;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(ret_arg, NULL, 1, 0);
    ck_assert_str_eq(st_thread_getname(t), "");
    ck_assert_int_eq(st_thread_setname(t, "worker-with-a-long-name"), 0);
    ck_assert_str_eq(st_thread_getname(t), "worker-with-a-l");
    ck_assert_int_eq(st_thread_setname(NULL, "main"), 0);
    ck_assert_str_eq(st_thread_getname(NULL), "main");
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_ptr_null(st_thread_getname(t));
    ck_assert_int_eq(st_thread_setname(t, "x"), -1);
    ck_assert_int_eq(errno, ESRCH);
}
END_TEST

static void *stats_sleeper(void *arg)
{
    st_usleep((st_utime_t)(intptr_t)arg);
    return NULL;
}

START_TEST(thread_stats_lists_live_threads)
{
    st_thread_info_t info[8];
    st_thread_t a, b, z;
    st_cond_t c;
    int n, i, seen = 0;

    ck_assert_int_eq(st_thread_stats(NULL, 0), 0);       /* before init */
    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(st_thread_stats(NULL, 0), 1);       /* primordial */
    a = st_thread_create(stats_sleeper, (void *)5000000L, 1, 0);
    b = st_thread_create(stats_sleeper, (void *)(intptr_t)ST_UTIME_NO_TIMEOUT,
                         0, 65536);
    z = st_thread_create(ret_arg, NULL, 1, 0);
    st_thread_setname(a, "sleeper");
    st_usleep(0);                       /* a, b asleep; z a zombie */
    c = st_cond_new();
    n = st_thread_stats(info, 8);
    ck_assert_int_eq(n, 4);
    for (i = 0; i < n; i++) {
        if (info[i].thread == st_thread_self()) {
            ck_assert_int_eq(info[i].state, ST_STATE_RUNNING);
            ck_assert(info[i].flags & ST_INFO_PRIMORDIAL);
            ck_assert_int_eq((int)info[i].stack_size, 0);
            seen |= 1;
        } else if (info[i].thread == a) {
            ck_assert_int_eq(info[i].state, ST_STATE_SLEEPING);
            ck_assert_str_eq(info[i].name, "sleeper");
            ck_assert(info[i].flags & ST_INFO_JOINABLE);
            ck_assert(info[i].wakeup != ST_UTIME_NO_TIMEOUT);
            ck_assert(info[i].stack_size >= 128 * 1024);
            seen |= 2;
        } else if (info[i].thread == b) {
            ck_assert_int_eq(info[i].state, ST_STATE_SUSPENDED);
            ck_assert(!(info[i].flags & ST_INFO_JOINABLE));
            ck_assert(info[i].wakeup == ST_UTIME_NO_TIMEOUT);
            ck_assert(info[i].stack_size >= 65536);
            seen |= 4;
        } else if (info[i].thread == z) {
            ck_assert_int_eq(info[i].state, ST_STATE_ZOMBIE);
            seen |= 8;
        }
    }
    ck_assert_int_eq(seen, 15);
    /* A short buffer still gets the full count. */
    ck_assert_int_eq(st_thread_stats(info, 2), 4);
    ck_assert_int_eq(st_thread_stats(info, -1), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(st_thread_state_name(ST_STATE_IO_WAIT), "io-wait");
    ck_assert_str_eq(st_thread_state_name(42), "unknown");
    st_thread_interrupt(b);
    st_thread_interrupt(a);
    ck_assert_int_eq(st_thread_join(z, NULL), 0);
    ck_assert_int_eq(st_thread_join(a, NULL), 0);
    st_usleep(0);
    ck_assert_int_eq(st_thread_stats(NULL, 0), 1);
    st_cond_destroy(c);
}
END_TEST

static Suite *thread_suite(void)
{
    Suite *s = suite_create("thread");
    TCase *tc = tcase_create("thread");

    tcase_add_test(tc, create_join_value);
    tcase_add_test(tc, join_64_in_order);
    tcase_add_test(tc, join_errors);
    tcase_add_test(tc, self_join_edeadlk);
    tcase_add_test(tc, second_joiner_einval);
    tcase_add_test(tc, joiner_interrupted_target_joinable);
    tcase_add_test(tc, join_exited_no_switch);
    tcase_add_test(tc, self_is_handle);
    tcase_add_test(tc, create_bad_args);
    tcase_add_loop_test(tc, interrupt_wakes_every_wait, 0, st_test_nbackends);
    tcase_add_test(tc, interrupt_before_first_run);
    tcase_add_test(tc, self_interrupt_mutex_and_trylock);
    tcase_add_test(tc, interrupt_zombie_ignored);
    tcase_add_test(tc, sleep_pending_interrupt_no_switch);
    tcase_add_test(tc, yield_leaves_interrupt_pending);
    tcase_add_loop_test(tc, read_with_data_ignores_interrupt, 0,
                        st_test_nbackends);
    tcase_add_test(tc, exit_after_last_thread);
    tcase_add_test(tc, last_exit_runs_atexit);
    tcase_add_test(tc, blocked_io_keeps_process_alive);
    tcase_add_test(tc, main_exit_alone);
    tcase_add_test(tc, exited_primordial_not_joinable);
    tcase_add_test(tc, primordial_exit_destructors_key_order);
    tcase_add_test(tc, main_return_no_destructors);
    tcase_add_test(tc, interrupt_exited_primordial);
    tcase_add_test(tc, switch_callbacks_sequence);
    tcase_add_test(tc, switch_callbacks_trace_id);
    tcase_add_test(tc, switch_callbacks_joinable_zombie);
    tcase_add_test(tc, switch_callbacks_installed_before_join);
    tcase_add_test(tc, thread_names);
    tcase_add_test(tc, thread_stats_lists_live_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(thread_suite());
}
