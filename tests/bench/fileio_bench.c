/* SPDX-License-Identifier: MIT */
/*
 * fileio_bench.c - do file writes stall the other threads?
 *
 *   fileio_bench MODE [MIB] [SLEEPERS]
 *
 * One thread writes MIB (default 256) MiB to a file in $TMPDIR (or /tmp)
 * in 256 KiB st_write calls, with st_fsync after every 4 MiB, while
 * SLEEPERS (default 1000) threads loop on st_usleep(1000).  MODE:
 *   block  epoll, st_set_fileio_threads(0): the classic blocking calls
 *   pool   epoll with the helper pool (4 threads)
 *   uring  io_uring (file calls on the ring)
 * Prints one line of key=value pairs: the sleepers' lateness (how much
 * longer than 1 ms each sleep took) p50/p99/max in microseconds, over the
 * sleeps that overlap the writer's run, and the writer's MB/s (MiB written / seconds, the final
 * fsync included).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "st.h"

#define CHUNK   (256 * 1024)
#define SYNC_EVERY (4 * 1024 * 1024)
#define HIST_US 1000000                 /* per-microsecond buckets up to 1 s */

static unsigned long *hist;             /* lateness histogram */
static unsigned long nsamples;
static st_utime_t max_late;
static st_utime_t w_start, w_end;       /* the writer's run, 0 = not yet */
static int stop;

static void *sleeper(void *arg)
{
    (void)arg;
    while (!stop) {
        st_utime_t t0 = st_utime(), t, late;
        st_usleep(1000);
        t = st_utime();
        late = t - t0 > 1000 ? t - t0 - 1000 : 0;
        /* Count the sleeps that overlap the writer's run. */
        if (w_start == 0 || t <= w_start || (w_end != 0 && t0 >= w_end))
            continue;
        hist[late < HIST_US ? late : HIST_US - 1]++;
        nsamples++;
        if (late > max_late)
            max_late = late;
    }
    return NULL;
}

static st_utime_t percentile(double p)
{
    unsigned long want = (unsigned long)(p * (double)nsamples), seen = 0;
    st_utime_t i;

    for (i = 0; i < HIST_US; i++) {
        seen += hist[i];
        if (seen > want)
            return i;
    }
    return HIST_US;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "pool";
    long mib = argc > 2 ? atol(argv[2]) : 256;
    int nsleepers = argc > 3 ? atoi(argv[3]) : 1000, i;
    const char *dir = getenv("TMPDIR");
    char path[512];
    st_netfd_t f;
    char *buf;
    size_t total, done = 0, since_sync = 0;
    st_utime_t t0, t1;
    int fd;

    if (strcmp(mode, "uring") == 0) {
        if (st_set_eventsys(ST_EVENTSYS_IO_URING) < 0) {
            fprintf(stderr, "fileio_bench: no io_uring\n");
            return 1;
        }
    } else {
        if (st_set_eventsys(ST_EVENTSYS_ALT) < 0)
            return 1;
        st_set_fileio_threads(strcmp(mode, "block") == 0 ? 0 : 4);
    }
    if (st_init() < 0)
        return 1;
    hist = calloc(HIST_US, sizeof *hist);
    buf = malloc(CHUNK);
    if (hist == NULL || buf == NULL)
        return 1;
    memset(buf, 'x', CHUNK);
    snprintf(path, sizeof path, "%s/st-fileio-bench-XXXXXX",
             dir && *dir ? dir : "/tmp");
    fd = mkstemp(path);
    if (fd < 0 || (f = st_netfd_open(fd)) == NULL) {
        perror("fileio_bench: temporary file");
        return 1;
    }
    unlink(path);
    for (i = 0; i < nsleepers; i++)
        if (st_thread_create(sleeper, NULL, 0, 64 * 1024) == NULL)
            return 1;
    st_usleep(200000);                  /* the sleepers settle */
    total = (size_t)mib * 1024 * 1024;
    t0 = w_start = st_utime();
    while (done < total) {
        if (st_write(f, buf, CHUNK, ST_UTIME_NO_TIMEOUT) != CHUNK) {
            perror("fileio_bench: st_write");
            return 1;
        }
        done += CHUNK;
        since_sync += CHUNK;
        if (since_sync >= SYNC_EVERY) {
            if (st_fsync(f, ST_UTIME_NO_TIMEOUT) < 0) {
                perror("fileio_bench: st_fsync");
                return 1;
            }
            since_sync = 0;
        }
    }
    if (st_fsync(f, ST_UTIME_NO_TIMEOUT) < 0)
        return 1;
    t1 = w_end = st_utime();
    st_usleep(5000);                    /* sleeps that began during the
                                           writes end and are counted */
    stop = 1;
    st_usleep(5000);                    /* the sleepers leave */
    printf("mode=%s mib=%ld sleepers=%d samples=%lu p50_us=%llu "
           "p99_us=%llu max_us=%llu mbps=%.1f\n", mode, mib, nsleepers,
           nsamples, (unsigned long long)percentile(0.50),
           (unsigned long long)percentile(0.99),
           (unsigned long long)max_late,
           (double)total / 1048576.0 / ((double)(t1 - t0) / 1e6));
    st_netfd_close(f);
    return 0;
}
