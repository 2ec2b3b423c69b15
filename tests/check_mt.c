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

static Suite *mt_suite(void)
{
    Suite *s = suite_create("mt");
    TCase *tc = tcase_create("pthreads");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, independent_schedulers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(mt_suite());
}
