/* SPDX-License-Identifier: MIT */
/* testutil.h - helpers shared by the Check suites. */
#ifndef ST_TESTUTIL_H
#define ST_TESTUTIL_H

#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "st.h"

#include <dirent.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Built with AddressSanitizer (gcc or clang)?  It owns SIGSEGV and makes
 * frames and resident memory larger, so a few tests adapt. */
#if defined(__SANITIZE_ADDRESS__)
#define ST_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ST_TEST_ASAN 1
#endif
#endif

#if defined(HAVE_VALGRIND_VALGRIND_H)
#include <valgrind/valgrind.h>
#define st_test_on_valgrind() (RUNNING_ON_VALGRIND != 0)
#else
#define st_test_on_valgrind() 0
#endif

/* The event systems compiled into this build; I/O tests loop over them
 * with tcase_add_loop_test(tc, fn, 0, st_test_nbackends).  The kqueue
 * test build (tests/kqueue) loops over kqueue alone: the ordinary build
 * runs the others. */
static const int st_test_backends[] = {
#if defined(ST_TEST_KQUEUE_EMU)
    ST_EVENTSYS_ALT,
#else
    ST_EVENTSYS_SELECT,
#if defined(ST_HAVE_POLL_BACKEND)
    ST_EVENTSYS_POLL,
#endif
#if defined(ST_HAVE_EPOLL_BACKEND) || defined(ST_HAVE_KQUEUE_BACKEND)
    ST_EVENTSYS_ALT,
#endif
#if defined(ST_HAVE_IO_URING_BACKEND)
    ST_EVENTSYS_IO_URING,
#endif
#endif
};
#define st_test_nbackends \
    ((int)(sizeof st_test_backends / sizeof st_test_backends[0]))

/* Guard regions (MADV_GUARD_INSTALL, Linux 6.13) in force here?  The
 * same test as the library's: the kernel must refuse to read the page.
 * LIBST_NO_GUARD_REGIONS (tests/fallback.sh) forces the fallback. */
static inline int st_test_guard_regions(void)
{
#if defined(__linux__)
    const char *off = getenv("LIBST_NO_GUARD_REGIONS");
    long page = sysconf(_SC_PAGESIZE);
    int p[2], ok = 0;
    char *m;

    if (off != NULL && *off != '\0' && strcmp(off, "0") != 0)
        return 0;
    m = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    if (madvise(m, (size_t)page, 102 /* MADV_GUARD_INSTALL */) == 0 &&
        pipe(p) == 0) {
        ok = write(p[1], m, 1) < 0 && errno == EFAULT;
        close(p[0]);
        close(p[1]);
    }
    munmap(m, (size_t)page);
    return ok;
#else
    return 0;
#endif
}

/* io_uring is compiled in but the kernel refuses it (too old, disabled
 * by sysctl or seccomp): st_set_eventsys failed with EINVAL.  The test
 * passes without running: in Check's fork mode the test process exits
 * with status 0; without fork the rest of the test runs on select. */
static inline void st_test_no_uring(void)
{
    fprintf(stderr, "NOTE: io_uring unavailable at run time "
            "(st_set_eventsys: EINVAL); test skipped as passed\n");
    {
        const char *f = getenv("CK_FORK");
        if (f == NULL || strcmp(f, "no") != 0)
            exit(0);
    }
    ck_assert_int_eq(st_set_eventsys(ST_EVENTSYS_SELECT), 0);
}

/* Initialise with backend number i of st_test_backends (a loop index). */
static inline void st_test_init(int i)
{
    int r = st_set_eventsys(st_test_backends[i]);
#if defined(ST_HAVE_IO_URING_BACKEND)
    if (r < 0 && errno == EINVAL &&
        st_test_backends[i] == ST_EVENTSYS_IO_URING) {
        st_test_no_uring();
        r = 0;
    }
#endif
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(st_init(), 0);
}

/* A generous bound for "this should happen soon" waits, in microseconds;
 * scaled by ST_TEST_TIME_MULT for slow machines (valgrind, qemu). */
static inline st_utime_t st_test_usec(st_utime_t us)
{
    const char *m = getenv("ST_TEST_TIME_MULT");
    long k = m ? atol(m) : 1;
    return us * (st_utime_t)(k > 0 ? k : 1);
}

/* A connected TCP pair over 127.0.0.1, both ends wrapped in netfds. */
static inline void st_test_tcp_pair(st_netfd_t *a, st_netfd_t *b)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    int l = socket(AF_INET, SOCK_STREAM, 0), c, s;

    ck_assert_int_ge(l, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(listen(l, 1), 0);
    ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
    c = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof sin), 0);
    s = accept(l, NULL, NULL);
    ck_assert_int_ge(s, 0);
    close(l);
    *a = st_netfd_open_socket(c);
    *b = st_netfd_open_socket(s);
    ck_assert_ptr_nonnull(*a);
    ck_assert_ptr_nonnull(*b);
}

/* A listening socket on 127.0.0.1 (ephemeral port), address in *sin. */
static inline st_netfd_t st_test_listener(struct sockaddr_in *sin, int backlog)
{
    socklen_t len = sizeof *sin;
    int l = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(l, 0);
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(l, (struct sockaddr *)sin, sizeof *sin), 0);
    ck_assert_int_eq(listen(l, backlog), 0);
    ck_assert_int_eq(getsockname(l, (struct sockaddr *)sin, &len), 0);
    return st_netfd_open_socket(l);
}

/* The entries of a directory (not . and ..), e.g. /proc/self/fd, that
 * keep(path, name) accepts (every one if keep is NULL); -1 if it cannot
 * be opened (no /proc). */
static inline int st_test_dir_entries(const char *path,
                                      int (*keep)(const char *dir,
                                                  const char *name))
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && (keep == NULL || keep(path, de->d_name)))
            n++;
    closedir(d);
    return n;
}

/* A clock that moves only when the test moves it (st_test_fake += us):
 * timers then expire in the idle pass the test chooses, whatever the
 * machine's load.  st_test_fake_clock_at(t) installs it, reading t;
 * call it before st_init. */
static st_utime_t st_test_fake __attribute__((unused));

static inline st_utime_t st_test_fake_clock(void)
{
    return st_test_fake;
}

static inline void st_test_fake_clock_at(st_utime_t t)
{
    st_test_fake = t;
    ck_assert_int_eq(st_set_utime_function(st_test_fake_clock), 0);
}

/* Check's per-test time limit scales with ST_TEST_TIME_MULT too, unless
 * CK_TIMEOUT_MULTIPLIER says otherwise.  Check reads it when a test case
 * is made, so st_test_run sets it before its argument builds the suite. */
static inline void st_test_scale_timeouts(void)
{
    const char *m = getenv("ST_TEST_TIME_MULT");

    if (m != NULL && atol(m) > 1)
        (void)setenv("CK_TIMEOUT_MULTIPLIER", m, 0);
}

/* Run one suite; the exit status is what automake's harness reads.
 * Each test runs in a forked child, which releases the scheduler on exit
 * so that leak checkers see only real leaks. */
#define st_test_run(s) (st_test_scale_timeouts(), st_test_run_(s))

static inline int st_test_run_(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    atexit(st_destroy);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* ST_TESTUTIL_H */
