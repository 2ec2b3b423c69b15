/* SPDX-License-Identifier: MIT */
/* check_mt.c - one scheduler per OS thread (API.md 1.1, 4.7). */
#include "testutil.h"

#include <pthread.h>

#define NPTHREADS 4
#define NWORKERS 40
#define ROUNDS 20

struct world {
    int backend;                        /* index into st_test_backends */
    st_mutex_t m;                       /* this scheduler's objects */
    st_cond_t c;
    long counter;
    int failures;
    st_netfd_t file;                    /* file I/O on this scheduler's pool
                                           (or ring) */
};

static void *worker(void *arg)
{
    struct world *w = arg;
    st_netfd_t a, b;
    char buf[32];
    int i;

    st_test_tcp_pair(&a, &b);
    for (i = 0; i < ROUNDS; i++) {
        long v;
        if (st_mutex_lock(w->m) != 0)
            w->failures++;
        v = w->counter;
        st_thread_yield();
        w->counter = v + 1;             /* the mutex makes this safe */
        st_mutex_unlock(w->m);
        if (st_write(a, "ping", 4, st_test_usec(2000000)) != 4 ||
            st_read_fully(b, buf, 4, st_test_usec(2000000)) != 4 ||
            memcmp(buf, "ping", 4) != 0)
            w->failures++;
        if (st_pwrite(w->file, "file", 4, (off_t)i * 4,
                      ST_UTIME_NO_TIMEOUT) != 4 ||
            st_pread(w->file, buf, 4, (off_t)i * 4,
                     ST_UTIME_NO_TIMEOUT) != 4 ||
            memcmp(buf, "file", 4) != 0)
            w->failures++;
        st_usleep((st_utime_t)(i % 3) * 100);
    }
    st_netfd_close(a);
    st_netfd_close(b);
    st_cond_signal(w->c);
    return NULL;
}

static void *os_thread(void *arg)
{
    struct world *w = arg;
    st_thread_t t[NWORKERS];
    int i, k;

    if (st_get_eventsys() != -1 || st_thread_self() != NULL)
        w->failures++;                  /* state must be per OS thread */
    if (st_set_eventsys(st_test_backends[w->backend]) != 0 ||
        st_init() != 0) {
        w->failures++;
        return NULL;
    }
    if (st_get_eventsys() != st_test_backends[w->backend])
        w->failures++;
    if (st_key_create(&k, NULL) != 0 ||
        st_thread_setspecific(k, w) != 0)
        w->failures++;
    w->m = st_mutex_new();
    w->c = st_cond_new();
    {
        char path[] = "/tmp/st-mt-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0)
            w->failures++;
        unlink(path);
        w->file = st_netfd_open(fd);
        if (w->file == NULL)
            w->failures++;
    }
    for (i = 0; i < NWORKERS; i++)
        t[i] = st_thread_create(worker, w, 1, 0);
    for (i = 0; i < NWORKERS; i++)
        if (st_thread_join(t[i], NULL) != 0)
            w->failures++;
    if (st_thread_getspecific(k) != w)
        w->failures++;
    if (st_fsync(w->file, ST_UTIME_NO_TIMEOUT) != 0 ||
        st_netfd_close(w->file) != 0)
        w->failures++;
    st_mutex_destroy(w->m);
    st_cond_destroy(w->c);
    st_destroy();
    return NULL;
}

START_TEST(independent_schedulers)
{
    pthread_t pt[NPTHREADS];
    struct world w[NPTHREADS];
    int i;

    memset(w, 0, sizeof w);
    for (i = 0; i < NPTHREADS; i++) {
        w[i].backend = i % st_test_nbackends;
        ck_assert_int_eq(pthread_create(&pt[i], NULL, os_thread, &w[i]), 0);
    }
    for (i = 0; i < NPTHREADS; i++)
        ck_assert_int_eq(pthread_join(pt[i], NULL), 0);
    for (i = 0; i < NPTHREADS; i++) {
        ck_assert_int_eq(w[i].failures, 0);
        ck_assert_int_eq(w[i].counter, NWORKERS * ROUNDS);
    }
    /* The main OS thread never initialised: still untouched. */
    ck_assert_ptr_null(st_thread_self());
    ck_assert_int_eq(st_get_eventsys(), -1);
}
END_TEST

/* ---- keys are counted per scheduler ------------------------------------ */

static int own_destructor_calls, main_destructor_calls;

static void own_destructor(void *v)
{
    (void)v;
    own_destructor_calls++;
}

static void main_destructor(void *v)
{
    (void)v;
    main_destructor_calls++;
}

struct key_world {
    int created;                        /* keys this scheduler got */
    int first, last;                    /* their numbers */
    int eagain;                         /* the next one failed so */
    int destructor_ran;                 /* own_destructor, at exit */
    int setspecific2_ok;
};

static void *keyed(void *arg)
{
    int *k = arg;
    st_thread_setspecific(*k, (void *)1);
    return NULL;
}

static void *key_os_thread(void *arg)
{
    struct key_world *w = arg;
    int i, k, first = -1, last = -1;
    st_thread_t t;

    if (st_init() != 0)
        return NULL;
    for (i = 0; i < 64 && st_key_create(&k, own_destructor) == 0; i++) {
        if (first < 0)
            first = k;
        last = k;
    }
    w->created = i;
    w->first = first;
    w->last = last;
    w->eagain = errno == EAGAIN;
    /* The last key works, with this scheduler's destructor. */
    t = st_thread_create(keyed, &last, 1, 0);
    if (t != NULL) {
        w->setspecific2_ok = st_thread_setspecific2(t, last, (void *)2) == 0;
        st_thread_join(t, NULL);
    }
    w->destructor_ran = own_destructor_calls;
    st_destroy();
    return NULL;
}

START_TEST(keys_per_scheduler)
{
    struct key_world w;
    pthread_t pt;
    int i, k;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 14; i++) {
        ck_assert_int_eq(st_key_create(&k, main_destructor), 0);
        ck_assert_int_eq(k, i);
    }
    memset(&w, 0, sizeof w);
    ck_assert_int_eq(pthread_create(&pt, NULL, key_os_thread, &w), 0);
    ck_assert_int_eq(pthread_join(pt, NULL), 0);
    /* The other scheduler had the full limit, numbered from 0. */
    ck_assert_int_eq(w.created, st_key_getlimit());
    ck_assert_int_eq(w.first, 0);
    ck_assert_int_eq(w.last, st_key_getlimit() - 1);
    ck_assert(w.eagain);
    ck_assert(w.setspecific2_ok);
    /* setspecific2 replaced 1 with 2 (one call), exit destroyed 2. */
    ck_assert_int_eq(w.destructor_ran, 2);
    ck_assert_int_eq(main_destructor_calls, 0);
    /* And this one still has exactly its 2 left. */
    ck_assert_int_eq(st_key_create(&k, main_destructor), 0);
    ck_assert_int_eq(k, 14);
    ck_assert_int_eq(st_key_create(&k, main_destructor), 0);
    ck_assert_int_eq(k, 15);
    errno = 0;
    ck_assert_int_eq(st_key_create(&k, NULL), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(st_thread_setspecific(15, &k), 0);
    ck_assert_int_eq(st_thread_setspecific(15, NULL), 0);
    ck_assert_int_eq(main_destructor_calls, 1);
    ck_assert_int_eq(own_destructor_calls, 2);
}
END_TEST

/* API.md 3.1, 4.7: the clock function is the process's, so it cannot be
 * replaced while another OS thread's scheduler runs on it. */
static st_utime_t fake_clock(void)
{
    return 42;
}

static void *set_clock(void *arg)
{
    int *r = arg;

    errno = 0;
    r[0] = st_set_utime_function(fake_clock);
    r[1] = errno;
    r[2] = st_set_utime_function(NULL);     /* the one it has: no change */
    return NULL;
}

START_TEST(clock_is_process_wide)
{
    pthread_t pt;
    int r[3];
    st_utime_t t0;

    ck_assert_int_eq(st_init(), 0);
    ck_assert_int_eq(pthread_create(&pt, NULL, set_clock, r), 0);
    ck_assert_int_eq(pthread_join(pt, NULL), 0);
    ck_assert_int_eq(r[0], -1);
    ck_assert_int_eq(r[1], EINVAL);
    ck_assert_int_eq(r[2], 0);
    t0 = st_utime();
    ck_assert_int_eq(st_usleep(2000), 0);
    ck_assert_uint_ge(st_utime() - t0, 2000);    /* still the real clock */
    st_destroy();
    /* With no scheduler left, another OS thread may replace it. */
    ck_assert_int_eq(pthread_create(&pt, NULL, set_clock, r), 0);
    ck_assert_int_eq(pthread_join(pt, NULL), 0);
    ck_assert_int_eq(r[0], 0);
    ck_assert_int_eq(r[2], 0);                  /* and restore it */
}
END_TEST

static Suite *mt_suite(void)
{
    Suite *s = suite_create("mt");
    TCase *tc = tcase_create("pthreads");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, independent_schedulers);
    tcase_add_test(tc, keys_per_scheduler);
    tcase_add_test(tc, clock_is_process_wide);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(mt_suite());
}
