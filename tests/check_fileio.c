/* SPDX-License-Identifier: MIT */
/* check_fileio.c - regular-file I/O on the ring or the helper pool. */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/uio.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#if !defined(O_TEMPORARY)
#define O_TEMPORARY 0                   /* Windows: delete on last close */
#endif

/* A fresh empty file in $TMPDIR (or /tmp, or Windows' %TEMP%), its name
 * in path[size].  Windows cannot remove a file that is open: there it
 * is opened again with O_TEMPORARY, and goes with its last descriptor
 * (the unlink calls of the tests fail harmlessly). */
static int tmpfile_named(char *path, size_t size)
{
    const char *dir = getenv("TMPDIR");
    int fd;

#if defined(_WIN32)
    if (dir == NULL || *dir == '\0')
        dir = getenv("TEMP");
#endif
    snprintf(path, size, "%s/st-fileio-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    if (O_TEMPORARY != 0) {
        close(fd);
        fd = open(path, O_RDWR | O_TEMPORARY);
        ck_assert_int_ge(fd, 0);
    }
    return fd;
}

/* The same, unlinked at once. */
static int tmpfile_fd(void)
{
    char path[512];
    int fd = tmpfile_named(path, sizeof path);

    unlink(path);
    return fd;
}

static st_netfd_t tmpfile_netfd(void)
{
    st_netfd_t f = st_netfd_open(tmpfile_fd());

    ck_assert_ptr_nonnull(f);
    return f;
}

/* File calls on the ring (else on the helper pool). */
static int uring(void)
{
    return st_get_eventsys() == ST_EVENTSYS_IO_URING;
}

/* ---- results and offsets --------------------------------------------- */

START_TEST(read_write_offsets)
{
    st_netfd_t f;
    char buf[64];
    int osfd;

    st_test_init(_i);
    f = tmpfile_netfd();
    osfd = st_netfd_fileno(f);
    ck_assert_int_eq(st_write(f, "hello world", 11, ST_UTIME_NO_TIMEOUT), 11);
    /* The file offset moves as write(2) moves it. */
    ck_assert_int_eq(lseek(osfd, 0, SEEK_CUR), 11);
    ck_assert_int_eq(st_pwrite(f, "HELLO", 5, 0, ST_UTIME_NO_TIMEOUT), 5);
    ck_assert_int_eq(lseek(osfd, 0, SEEK_CUR), 11);     /* pwrite: no move */
    memset(buf, 0, sizeof buf);
    ck_assert_int_eq(st_pread(f, buf, sizeof buf, 0, ST_UTIME_NO_TIMEOUT), 11);
    ck_assert_str_eq(buf, "HELLO world");
    ck_assert_int_eq(st_pread(f, buf, 4, 9, ST_UTIME_NO_TIMEOUT), 2);
    ck_assert_int_eq(memcmp(buf, "ld", 2), 0);          /* short, at EOF */
    ck_assert_int_eq(st_pread(f, buf, 4, 11, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(st_pread(f, buf, 4, 1000, ST_UTIME_NO_TIMEOUT), 0);
    /* st_read at the offset: EOF; after a seek it reads and moves. */
    ck_assert_int_eq(st_read(f, buf, sizeof buf, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(lseek(osfd, 6, SEEK_SET), 6);
    ck_assert_int_eq(st_read(f, buf, 3, ST_UTIME_NO_TIMEOUT), 3);
    ck_assert_int_eq(memcmp(buf, "wor", 3), 0);
    ck_assert_int_eq(lseek(osfd, 0, SEEK_CUR), 9);
    ck_assert_int_eq(st_read(f, buf, sizeof buf, ST_UTIME_NO_TIMEOUT), 2);
    ck_assert_int_eq(st_read(f, buf, 0, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(st_fsync(f, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(st_fdatasync(f, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

START_TEST(vectors_and_resid)
{
    st_netfd_t f;
    char a[4], b[8], big[32];
    struct iovec v[3], *vp;
    int n;
    size_t resid;

    st_test_init(_i);
    f = tmpfile_netfd();
    v[0].iov_base = "abc";
    v[0].iov_len = 3;
    v[1].iov_base = "";
    v[1].iov_len = 0;
    v[2].iov_base = "defghij";
    v[2].iov_len = 7;
    ck_assert_int_eq(st_writev(f, v, 3, ST_UTIME_NO_TIMEOUT), 10);
    ck_assert_int_eq(v[0].iov_len, 3);              /* caller's array kept */
    ck_assert_int_eq(st_write(f, "KLM", 3, ST_UTIME_NO_TIMEOUT), 3);
    ck_assert_int_eq(lseek(st_netfd_fileno(f), 0, SEEK_CUR), 13);
    ck_assert_int_eq(lseek(st_netfd_fileno(f), 0, SEEK_SET), 0);
    v[0].iov_base = a;
    v[0].iov_len = sizeof a;
    v[1].iov_base = b;
    v[1].iov_len = sizeof b;
    ck_assert_int_eq(st_readv(f, v, 2, ST_UTIME_NO_TIMEOUT), 12);
    ck_assert_int_eq(memcmp(a, "abcd", 4), 0);
    ck_assert_int_eq(memcmp(b, "efghijKL", 8), 0);
    /* resid at EOF: one byte left, the rest missing. */
    vp = v;
    n = 2;
    v[0].iov_base = a;
    v[0].iov_len = 2;
    v[1].iov_base = b;
    v[1].iov_len = 2;
    ck_assert_int_eq(st_readv_resid(f, &vp, &n, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_ptr_eq(vp, &v[0]);
    ck_assert_int_eq(v[0].iov_len, 1);
    ck_assert_int_eq(a[0], 'M');
    /* read_fully: a short count at EOF. */
    ck_assert_int_eq(lseek(st_netfd_fileno(f), 10, SEEK_SET), 10);
    ck_assert_int_eq(st_read_fully(f, big, sizeof big, ST_UTIME_NO_TIMEOUT),
                     3);
    ck_assert_int_eq(memcmp(big, "KLM", 3), 0);
    resid = 5;
    ck_assert_int_eq(st_write_resid(f, "nopqr", &resid, ST_UTIME_NO_TIMEOUT),
                     0);
    ck_assert_int_eq(resid, 0);
    ck_assert_int_eq(st_pread(f, big, sizeof big, 0, ST_UTIME_NO_TIMEOUT), 18);
    ck_assert_int_eq(memcmp(big, "abcdefghijKLMnopqr", 18), 0);
    ck_assert_int_eq(lseek(st_netfd_fileno(f), 0, SEEK_SET), 0);
    resid = 20;
    ck_assert_int_eq(st_read_resid(f, big, &resid, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(resid, 2);
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* st_open on a file; O_APPEND kept. */
START_TEST(open_append)
{
    char path[512], buf[16];
    st_netfd_t f;
    int fd;

    st_test_init(_i);
    fd = tmpfile_named(path, sizeof path);
    ck_assert_int_eq(write(fd, "12", 2), 2);
    f = st_open(path, O_RDWR | O_APPEND | O_TEMPORARY, 0);
    close(fd);
    ck_assert_ptr_nonnull(f);
    unlink(path);
    ck_assert_int_eq(st_write(f, "34", 2, ST_UTIME_NO_TIMEOUT), 2);
    ck_assert_int_eq(st_pread(f, buf, sizeof buf, 0, ST_UTIME_NO_TIMEOUT), 4);
    ck_assert_int_eq(memcmp(buf, "1234", 4), 0);
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* ---- errors -------------------------------------------------------- */

START_TEST(errors)
{
    st_netfd_t f, ro, s1, s2;
    char buf[8], path[512];
    int fd;

    st_test_init(_i);
    errno = 0;
    ck_assert_int_eq(st_pread(NULL, buf, 1, 0, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_pwrite(NULL, buf, 1, 0, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_fsync(NULL, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_fdatasync(NULL, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    fd = tmpfile_named(path, sizeof path);
    f = st_netfd_open(fd);
    ck_assert_ptr_nonnull(f);
    ro = st_netfd_open(open(path, O_RDONLY | O_TEMPORARY));
    ck_assert_ptr_nonnull(ro);
    unlink(path);
    ck_assert_int_eq(st_pread(f, buf, 1, -1, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_pwrite(f, buf, 1, -5, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_readv(f, NULL, -1, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EINVAL);
    if (!st_test_on_valgrind()) {
        /* The kernel refuses a bad buffer (valgrind would report it). */
        ck_assert_int_eq(st_pwrite(f, (void *)8, 4, 0, ST_UTIME_NO_TIMEOUT),
                         -1);
        ck_assert_int_eq(errno, EFAULT);
        ck_assert_int_eq(st_write(f, "x", 1, ST_UTIME_NO_TIMEOUT), 1);
        ck_assert_int_eq(st_pread(f, (void *)8, 1, 0, ST_UTIME_NO_TIMEOUT),
                         -1);
        ck_assert_int_eq(errno, EFAULT);
    }
    /* Opened read-only: writes fail with the kernel's EBADF. */
    ck_assert_int_eq(st_write(ro, "a", 1, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_pwrite(ro, "a", 1, 0, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_fsync(ro, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(st_netfd_close(ro), 0);
    /* A freed netfd. */
    st_netfd_free(f);
    ck_assert_int_eq(st_pread(f, buf, 1, 0, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(st_fsync(f, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EBADF);
    close(fd);
    /* Not a file: the kernel's answers (sockets cannot seek or sync). */
    st_test_tcp_pair(&s1, &s2);
    ck_assert_int_eq(st_pread(s1, buf, 1, 0, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, ESPIPE);
    ck_assert_int_eq(st_fsync(s1, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EINVAL);
    st_netfd_close(s1);
    st_netfd_close(s2);
}
END_TEST

START_TEST(set_threads)
{
    st_netfd_t f;
    char buf[4];

    ck_assert_int_eq(st_set_fileio_threads(-1), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_set_fileio_threads(100000), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(st_set_fileio_threads(2), 4);  /* the default */
    ck_assert_int_eq(st_set_fileio_threads(0), 2);
    st_test_init(_i);
    /* 0: the calls block in the caller, with the same results. */
    f = tmpfile_netfd();
    ck_assert_int_eq(st_write(f, "abcd", 4, ST_UTIME_NO_TIMEOUT), 4);
    ck_assert_int_eq(st_pread(f, buf, 4, 0, ST_UTIME_NO_TIMEOUT), 4);
    ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
    ck_assert_int_eq(st_fsync(f, ST_UTIME_NO_TIMEOUT), 0);
    ck_assert_int_eq(st_set_fileio_threads(1), 0);
    ck_assert_int_eq(st_pwrite(f, "E", 1, 4, ST_UTIME_NO_TIMEOUT), 1);
    ck_assert_int_eq(st_pread(f, buf, 4, 1, ST_UTIME_NO_TIMEOUT), 4);
    ck_assert_int_eq(memcmp(buf, "bcdE", 4), 0);
    ck_assert_int_eq(st_netfd_close(f), 0);
    st_destroy();
    /* st_destroy restores the default. */
    ck_assert_int_eq(st_set_fileio_threads(4), 4);
}
END_TEST

#if defined(__linux__)
/* Is task name (in /proc/self/task) one of the pool's helpers, named
 * st-fileio?  Not if it has just exited. */
static int is_helper(const char *dir, const char *name)
{
    char path[300], comm[32] = "";
    FILE *f;
    int yes;

    snprintf(path, sizeof path, "%s/%s/comm", dir, name);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    yes = fgets(comm, sizeof comm, f) != NULL &&
          strcmp(comm, "st-fileio\n") == 0;
    fclose(f);
    return yes;
}

/* The process's OS threads named st-fileio: the pool's helpers. */
static int helpers(void)
{
    int n = st_test_dir_entries("/proc/self/task", is_helper);

    ck_assert_int_ge(n, 0);
    return n;
}

/* One thread writing a file call after call keeps one helper busy: the
 * helper that has just answered takes the next call, and the pool does
 * not grow towards its size for a load that one helper carries.  The
 * ring performs the calls itself and starts no helper at all. */
START_TEST(one_writer_one_helper)
{
    char block[4096];
    st_netfd_t f;
    int i;

    st_test_init(_i);
    memset(block, 'w', sizeof block);
    ck_assert_int_eq(helpers(), 0);
    f = tmpfile_netfd();
    for (i = 0; i < 300; i++) {
        ck_assert_int_eq(st_write(f, block, sizeof block,
                                  ST_UTIME_NO_TIMEOUT), (int)sizeof block);
        if (i % 50 == 49)
            ck_assert_int_eq(st_fdatasync(f, ST_UTIME_NO_TIMEOUT), 0);
    }
    ck_assert_int_eq(helpers(), uring() ? 0 : 1);
    ck_assert_int_eq(st_netfd_close(f), 0);
    st_destroy();
}
END_TEST
#endif /* __linux__: threads counted in /proc */

/* ---- the gate: calls held before they start (test-only hook) ----------- */

static int gate_w = -1;                 /* write a byte: one call starts */
static st_netfd_t started;              /* a byte per call a helper took */

/* Before st_init: every file call waits for a byte on a pipe. */
static void gate_init(int i, int threads)
{
    int g[2], n[2];
    char env[64];

    ck_assert_int_eq(pipe(g), 0);
    ck_assert_int_eq(pipe(n), 0);
    snprintf(env, sizeof env, "%d:%d", g[0], n[1]);
    ck_assert_int_eq(setenv("ST_TEST_FILEIO_GATE", env, 1), 0);
    gate_w = g[1];
    ck_assert_int_eq(st_set_fileio_threads(threads), 4);
    st_test_init(i);
    started = st_netfd_open(n[0]);
    ck_assert_ptr_nonnull(started);
}

static void gate_open(int calls)
{
    while (calls-- > 0)
        ck_assert_int_eq(write(gate_w, "g", 1), 1);
}

/* The pool: wait until a helper has taken one more call. */
static void gate_started(void)
{
    char c;

    if (!uring())
        ck_assert_int_eq(st_read(started, &c, 1, ST_UTIME_NO_TIMEOUT), 1);
}

struct job {
    st_netfd_t f;
    const char *data;
    off_t off;                          /* -1: st_write */
    st_utime_t timeout;
    ssize_t res;
    int err;
    int done;
};

static void *job_main(void *arg)
{
    struct job *j = arg;

    j->res = j->off < 0 ?
        st_write(j->f, j->data, strlen(j->data), j->timeout) :
        st_pwrite(j->f, j->data, strlen(j->data), j->off, j->timeout);
    j->err = errno;
    j->done = 1;
    return NULL;
}

static st_thread_t job_start(struct job *j, st_netfd_t f, const char *data,
                             off_t off, st_utime_t timeout)
{
    st_thread_t t;

    memset(j, 0, sizeof *j);
    j->f = f;
    j->data = data;
    j->off = off;
    j->timeout = timeout;
    t = st_thread_create(job_main, j, 1, 0);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Start a job and wait until its call has started (pool) or is queued
 * behind the gate (ring). */
static st_thread_t job_held(struct job *j, st_netfd_t f, const char *data,
                            off_t off, st_utime_t timeout)
{
    st_thread_t t = job_start(j, f, data, off, timeout);

    st_thread_yield();
    gate_started();
    return t;
}

static int ticks;

static void *ticker(void *arg)
{
    struct job *j = arg;

    while (!j->done && ticks < 1000000) {
        st_usleep(1000);
        ticks++;
        if (ticks == 5)
            gate_open(1);               /* let the write start now */
    }
    return NULL;
}

/* Other threads run while a file call waits for the disk (here: for the
 * gate): the writer is still waiting after five ticks of another. */
START_TEST(others_keep_running)
{
    struct job j;
    st_thread_t w, tk;
    char buf[8];

    gate_init(_i, 4);
    j.done = 0;
    w = job_start(&j, tmpfile_netfd(), "data", -1, ST_UTIME_NO_TIMEOUT);
    ticks = 0;
    tk = st_thread_create(ticker, &j, 1, 0);
    ck_assert_int_eq(st_thread_join(w, NULL), 0);
    ck_assert_int_ge(ticks, 5);         /* it ran while the write waited */
    ck_assert_int_eq(j.res, 4);
    ck_assert_int_eq(st_thread_join(tk, NULL), 0);
    gate_open(1);
    ck_assert_int_eq(st_pread(j.f, buf, 8, 0, ST_UTIME_NO_TIMEOUT), 4);
    ck_assert_int_eq(st_netfd_close(j.f), 0);
}
END_TEST

/* A timeout or interrupt before the call started: ETIME/EINTR at once,
 * and the call is never performed.  One helper, held by a first call. */
START_TEST(not_started)
{
    struct job first, late, intr;
    st_thread_t t1, t2, t3;
    st_netfd_t f;
    char buf[16];

    gate_init(_i, 1);
    f = tmpfile_netfd();
    t1 = job_held(&first, f, "first", 0, ST_UTIME_NO_TIMEOUT);
    t2 = job_start(&late, f, "late", 10, st_test_usec(20000));
    t3 = job_start(&intr, f, "intr", 20, ST_UTIME_NO_TIMEOUT);
    st_thread_yield();                  /* both queued */
    st_thread_interrupt(t3);
    ck_assert_int_eq(st_thread_join(t3, NULL), 0);
    ck_assert_int_eq(intr.res, -1);
    ck_assert_int_eq(intr.err, EINTR);
    ck_assert_int_eq(st_thread_join(t2, NULL), 0);
    ck_assert_int_eq(late.res, -1);
    ck_assert_int_eq(late.err, ETIME);
    ck_assert(!first.done);
    gate_open(1);
    ck_assert_int_eq(st_thread_join(t1, NULL), 0);
    ck_assert_int_eq(first.res, 5);
    gate_open(1);
    ck_assert_int_eq(st_pread(f, buf, sizeof buf, 0, ST_UTIME_NO_TIMEOUT), 5);
    ck_assert_int_eq(memcmp(buf, "first", 5), 0);   /* nothing else */
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* A pending interrupt: EINTR, nothing done. */
START_TEST(interrupt_pending)
{
    st_netfd_t f;
    char buf[4];

    st_test_init(_i);
    f = tmpfile_netfd();
    st_thread_interrupt(st_thread_self());
    ck_assert_int_eq(st_pwrite(f, "abc", 3, 0, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq(st_pread(f, buf, 4, 0, ST_UTIME_NO_TIMEOUT), 0);
    st_thread_interrupt(st_thread_self());
    ck_assert_int_eq(st_fsync(f, ST_UTIME_NO_TIMEOUT), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* The clock, moved forward at will: a timeout then expires exactly when
 * the test says so, however slowly helpers start. */
static st_utime_t clock_shift;

static st_utime_t shifted_clock(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (st_utime_t)ts.tv_sec * 1000000 + (st_utime_t)ts.tv_nsec / 1000 +
           clock_shift;
}

/* Started: the pool waits for the helper and returns the call's result
 * (the call uses the caller's buffer); the ring cancels the operation
 * (held by the gate, it never ran) and waits for the cancellation. */
START_TEST(started_timeout_interrupt)
{
    struct job tj, ij;
    st_thread_t t1, t2;
    st_netfd_t f;
    char buf[16];

    ck_assert_int_eq(st_set_utime_function(shifted_clock), 0);
    gate_init(_i, 2);
    f = tmpfile_netfd();
    t1 = job_held(&tj, f, "timed", 0, 600000000);
    t2 = job_held(&ij, f, "intrd", 5, ST_UTIME_NO_TIMEOUT);
    st_thread_interrupt(t2);
    clock_shift += 1200000000;          /* t1's timeout expires now */
    st_usleep(st_test_usec(5000));
    if (uring()) {
        ck_assert_int_eq(st_thread_join(t1, NULL), 0);
        ck_assert_int_eq(st_thread_join(t2, NULL), 0);
        ck_assert_int_eq(tj.res, -1);
        ck_assert_int_eq(tj.err, ETIME);
        ck_assert_int_eq(ij.res, -1);
        ck_assert_int_eq(ij.err, EINTR);
        gate_open(3);
        ck_assert_int_eq(st_pread(f, buf, sizeof buf, 0,
                                  ST_UTIME_NO_TIMEOUT), 0);
    } else {
        ck_assert(!tj.done && !ij.done);    /* both wait for the helpers */
        gate_open(2);
        ck_assert_int_eq(st_thread_join(t1, NULL), 0);
        ck_assert_int_eq(st_thread_join(t2, NULL), 0);
        ck_assert_int_eq(tj.res, 5);
        ck_assert_int_eq(ij.res, 5);
        gate_open(1);
        ck_assert_int_eq(st_pread(f, buf, sizeof buf, 0,
                                  ST_UTIME_NO_TIMEOUT), 10);
        ck_assert_int_eq(memcmp(buf, "timedintrd", 10), 0);
    }
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* Closing a netfd with a call in flight: EBUSY, the call unharmed. */
START_TEST(close_in_flight)
{
    struct job j;
    st_thread_t t;
    st_netfd_t f;

    gate_init(_i, 1);
    f = tmpfile_netfd();
    t = job_held(&j, f, "xyz", -1, ST_UTIME_NO_TIMEOUT);
    ck_assert_int_eq(st_netfd_close(f), -1);
    ck_assert_int_eq(errno, EBUSY);
    gate_open(1);
    ck_assert_int_eq(st_thread_join(t, NULL), 0);
    ck_assert_int_eq(j.res, 3);
    ck_assert_int_eq(lseek(st_netfd_fileno(f), 0, SEEK_CUR), 3);
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* Two st_write calls on one netfd happen in call order, whole. */
START_TEST(write_order)
{
    struct job a, b;
    st_thread_t ta, tb;
    st_netfd_t f;
    char buf[16];

    gate_init(_i, 4);
    f = tmpfile_netfd();
    ta = job_start(&a, f, "aaaa", -1, ST_UTIME_NO_TIMEOUT);
    tb = job_start(&b, f, "bb", -1, ST_UTIME_NO_TIMEOUT);
    st_thread_yield();
    gate_open(2);
    ck_assert_int_eq(st_thread_join(ta, NULL), 0);
    ck_assert_int_eq(st_thread_join(tb, NULL), 0);
    gate_open(1);
    ck_assert_int_eq(st_pread(f, buf, sizeof buf, 0, ST_UTIME_NO_TIMEOUT), 6);
    ck_assert_int_eq(memcmp(buf, "aaaabb", 6), 0);
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* Positioned reads and a read at the file position, released by the
 * gate at the same moment on four helpers, round after round: the
 * preads never move the position the read uses (on Windows they move
 * it and put it back, and the read waits meanwhile). */
#define RACE_ROUNDS 64
#define RACE_READ 256
#define RACE_PREAD (16 * 1024)
#define RACE_SIZE (RACE_ROUNDS * RACE_READ + 3 * RACE_PREAD)

static char race_data[RACE_SIZE];

struct racer {
    st_netfd_t f;
    off_t off;                          /* -1: st_read */
    char buf[RACE_PREAD];
    ssize_t res;
};

static void *racer_main(void *arg)
{
    struct racer *r = arg;

    r->res = r->off < 0 ?
        st_read(r->f, r->buf, RACE_READ, ST_UTIME_NO_TIMEOUT) :
        st_pread(r->f, r->buf, RACE_PREAD, r->off, ST_UTIME_NO_TIMEOUT);
    return NULL;
}

START_TEST(pread_alongside_read)
{
    static struct racer r[4];
    st_thread_t t[4];
    st_netfd_t f;
    int i, k;

    gate_init(_i, 4);
    f = tmpfile_netfd();
    for (i = 0; i < RACE_SIZE; i++)
        race_data[i] = (char)(i * 7 + i / 251);
    gate_open(1);
    ck_assert_int_eq(st_pwrite(f, race_data, RACE_SIZE, 0,
                               ST_UTIME_NO_TIMEOUT), RACE_SIZE);
    if (!uring())
        gate_started();
    for (k = 0; k < RACE_ROUNDS; k++) {
        for (i = 0; i < 4; i++) {
            r[i].f = f;
            r[i].off = i == 0 ? -1 : (off_t)((k * 5 + i) % 16) * 1024;
            t[i] = st_thread_create(racer_main, &r[i], 1, 0);
            ck_assert_ptr_nonnull(t[i]);
        }
        st_thread_yield();
        for (i = 0; i < 4; i++)
            gate_started();             /* four helpers hold one each */
        gate_open(4);
        for (i = 0; i < 4; i++)
            ck_assert_int_eq(st_thread_join(t[i], NULL), 0);
        ck_assert_int_eq(r[0].res, RACE_READ);
        ck_assert_int_eq(memcmp(r[0].buf, race_data + k * RACE_READ,
                                RACE_READ), 0);
        for (i = 1; i < 4; i++) {
            ck_assert_int_eq(r[i].res, RACE_PREAD);
            ck_assert_int_eq(memcmp(r[i].buf, race_data + r[i].off,
                                    RACE_PREAD), 0);
        }
    }
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* Size 0 with calls queued: new calls block in the caller, the queued
 * ones are still served. */
START_TEST(size_zero_serves_queued)
{
    struct job a, b;
    st_thread_t ta, tb;
    st_netfd_t f;
    char buf[8];

    gate_init(_i, 1);
    f = tmpfile_netfd();
    ta = job_held(&a, f, "aa", 0, ST_UTIME_NO_TIMEOUT);
    tb = job_start(&b, f, "bb", 2, ST_UTIME_NO_TIMEOUT);
    st_thread_yield();                  /* queued behind a */
    ck_assert_int_eq(st_set_fileio_threads(0), 1);
    gate_open(2);
    ck_assert_int_eq(st_thread_join(ta, NULL), 0);
    ck_assert_int_eq(st_thread_join(tb, NULL), 0);
    ck_assert_int_eq(a.res, 2);
    ck_assert_int_eq(b.res, 2);
    ck_assert_int_eq(st_pread(f, buf, sizeof buf, 0, ST_UTIME_NO_TIMEOUT), 4);
    ck_assert_int_eq(memcmp(buf, "aabb", 4), 0);
    ck_assert_int_eq(st_netfd_close(f), 0);
}
END_TEST

/* ---- st_destroy with calls in flight ----------------------------------- */

struct closer {
    char path[64];                      /* the scheduler thread's stat */
};

/* Open the gate once the scheduler's thread sleeps (in st_destroy,
 * waiting for the helper): only then can the helper go on. */
static void *closer_main(void *arg)
{
    struct closer *c = arg;
    char stat[512], *p;
    int i;

    for (i = 0; i < 200000 && c->path[0] != '\0'; i++) {
        FILE *fp = fopen(c->path, "r");
        size_t n;
        if (fp == NULL)
            break;                      /* no /proc: open now */
        n = fread(stat, 1, sizeof stat - 1, fp);
        fclose(fp);
        stat[n] = '\0';
        p = strrchr(stat, ')');
        if (p != NULL && p[1] == ' ' && p[2] == 'S')
            break;
        usleep(100);
    }
    close(gate_w);                      /* every held call may start */
    return NULL;
}

static char destroy_buf[8];

START_TEST(destroy_in_flight)
{
    struct job run, queued;
    struct closer c;
    pthread_t pt;
    int fd, ring;

    gate_init(_i, 1);
    ring = uring();
    fd = tmpfile_fd();
    {
        st_netfd_t f = st_netfd_open(dup(fd));
        ck_assert_ptr_nonnull(f);
        strcpy(destroy_buf, "run");
        job_start(&run, f, destroy_buf, 0, ST_UTIME_NO_TIMEOUT);
        st_thread_yield();
        gate_started();
        job_start(&queued, f, "queued", 8, ST_UTIME_NO_TIMEOUT);
        st_thread_yield();
    }
#if defined(__linux__)
    snprintf(c.path, sizeof c.path, "/proc/self/task/%d/stat",
             (int)syscall(SYS_gettid));
#else
    c.path[0] = '\0';                   /* no /proc: open now */
#endif
    ck_assert_int_eq(pthread_create(&pt, NULL, closer_main, &c), 0);
    st_destroy();                       /* returns: the helper finished */
    ck_assert_int_eq(pthread_join(pt, NULL), 0);
    {
        char buf[32];
        ssize_t n = pread(fd, buf, sizeof buf, 0);
        if (ring) {
            ck_assert_int_eq(n, 0);     /* neither had started: cancelled */
        } else if (st_test_on_valgrind() && n == 14) {
            /* valgrind runs one thread at a time: the scheduler may look
             * asleep while it waits for its turn, before st_destroy
             * stops the pool, and then the helper may take "queued". */
            ck_assert_int_eq(memcmp(buf, "run", 3), 0);
        } else {
            ck_assert_int_eq(n, 3);     /* started: done; queued: never */
            ck_assert_int_eq(memcmp(buf, "run", 3), 0);
        }
    }
    close(fd);
}
END_TEST

static Suite *fileio_suite(void)
{
    Suite *s = suite_create("fileio");
    TCase *tc = tcase_create("calls");
    TCase *tg = tcase_create("gate");

    tcase_add_loop_test(tc, read_write_offsets, 0, st_test_nbackends);
    tcase_add_loop_test(tc, vectors_and_resid, 0, st_test_nbackends);
    tcase_add_loop_test(tc, open_append, 0, st_test_nbackends);
    tcase_add_loop_test(tc, errors, 0, st_test_nbackends);
    tcase_add_loop_test(tc, set_threads, 0, st_test_nbackends);
    tcase_add_loop_test(tc, interrupt_pending, 0, st_test_nbackends);
#if defined(__linux__)
    tcase_add_loop_test(tc, one_writer_one_helper, 0, st_test_nbackends);
#endif
    suite_add_tcase(s, tc);
    tcase_add_loop_test(tg, others_keep_running, 0, st_test_nbackends);
    tcase_add_loop_test(tg, not_started, 0, st_test_nbackends);
    tcase_add_loop_test(tg, started_timeout_interrupt, 0, st_test_nbackends);
    tcase_add_loop_test(tg, close_in_flight, 0, st_test_nbackends);
    tcase_add_loop_test(tg, write_order, 0, st_test_nbackends);
    tcase_add_loop_test(tg, pread_alongside_read, 0, st_test_nbackends);
    tcase_add_loop_test(tg, size_zero_serves_queued, 0, st_test_nbackends);
    tcase_add_loop_test(tg, destroy_in_flight, 0, st_test_nbackends);
    suite_add_tcase(s, tg);
    return s;
}

int main(void)
{
    return st_test_run(fileio_suite());
}
