/* SPDX-License-Identifier: MIT */
/* huge_threads.c - the scale demo: very many sleeping threads, little memory. */
/*
 * Usage: examples/huge_threads [N]          (default N = 100000)
 * Starts N threads; thread i sleeps (i % 100) * 10 ms and exits.  Prints
 * the resident memory per thread, measured while all N threads exist and
 * sleep (VmRSS from /proc/self/status, minus a baseline taken before the
 * first thread was created), the peak (VmHWM), and a final line
 *   huge_threads: N threads, T s, K KiB/thread
 * Demonstrates that an ST thread is cheap: a default (128 KiB) stack is
 * reserved address space, but a thread that only sleeps touches a single
 * page, which holds its control block and its few stack frames.  The
 * threads are detached; the last one to exit wakes main via a condition
 * variable, so no per-thread bookkeeping inflates the measurement.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st.h"

static long alive;
static st_cond_t all_done;

/* Reads a "Key:   123 kB" line of /proc/self/status; -1 if unavailable. */
static long proc_status_kib(const char *key)
{
    char line[256];
    size_t klen = strlen(key);
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static void *sleeper(void *arg)
{
    long i = (long)(intptr_t)arg;

    st_usleep((st_utime_t)(i % 100) * 10 * 1000);
    if (--alive == 0)
        st_cond_signal(all_done);
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long i, base, with_threads, hwm;
    st_utime_t t0, t1;

    if (argc > 2 || n <= 0) {
        fprintf(stderr, "usage: %s [N]   (N > 0 threads)\n", argv[0]);
        return 2;
    }
    if (st_init() < 0 || (all_done = st_cond_new()) == NULL) {
        perror("st_init");
        return 1;
    }
    base = proc_status_kib("VmRSS");
    t0 = st_utime();
    for (i = 0; i < n; i++) {
        if (st_thread_create(sleeper, (void *)(intptr_t)i, 0, 0) == NULL) {
            fprintf(stderr, "huge_threads: thread %ld: %s\n", i,
                    strerror(errno));
            return 1;
        }
        alive++;
    }
    /*
     * Let every new thread run once: each goes to sleep, and main runs
     * again (it is queued behind them) before any sleeper is due, since
     * only the idle thread's clock check wakes them.
     */
    st_thread_yield();
    with_threads = proc_status_kib("VmRSS");
    printf("created %ld threads in %.3f s; all are sleeping\n", n,
           (double)(st_utime() - t0) / 1e6);
    while (alive > 0)
        st_cond_wait(all_done);
    t1 = st_utime();
    hwm = proc_status_kib("VmHWM");
    if (base < 0 || with_threads < 0) {
        printf("huge_threads: %ld threads, %.2f s, n/a KiB/thread\n", n,
               (double)(t1 - t0) / 1e6);
        return 0;
    }
    printf("VmRSS baseline %ld KiB, with threads %ld KiB, VmHWM %ld KiB\n",
           base, with_threads, hwm);
    printf("huge_threads: %ld threads, %.2f s, %.2f KiB/thread\n", n,
           (double)(t1 - t0) / 1e6, (double)(with_threads - base) / (double)n);
    return 0;
}
