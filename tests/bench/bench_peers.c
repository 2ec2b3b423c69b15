/* SPDX-License-Identifier: MIT */
/*
 * bench_peers.c - the same switch/create measurements on GNU Pth and on
 * glibc swapcontext, for comparison with bench_st.
 *
 *   bench_peers pth-yield N      two Pth threads, N pth_yield(other) each
 *   bench_peers pth-cond N       Pth condition-variable ping-pong, N rounds
 *   bench_peers pth-create N     N x (pth_spawn joinable + pth_join)
 *   bench_peers ucontext N       swapcontext ping-pong, N rounds
 *   bench_peers ucontext-create N  N x (makecontext + swap in + swap out)
 */
#include <pth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long iters;
static volatile long counter;

/* ---- Pth ----------------------------------------------------------------- */

static pth_t pa, pb;

static void *pth_yielder(void *arg)
{
    long i;
    int who = (int)(long)arg;

    for (i = 0; i < iters; i++)
        pth_yield(who ? pa : pb);
    return NULL;
}

static pth_mutex_t pm = PTH_MUTEX_INIT;
static pth_cond_t cping = PTH_COND_INIT, cpong = PTH_COND_INIT;
static volatile int turn;

static void *pth_pinger(void *arg)
{
    long i;

    (void)arg;
    pth_mutex_acquire(&pm, FALSE, NULL);
    for (i = 0; i < iters; i++) {
        turn = 1;
        pth_cond_notify(&cpong, FALSE);
        while (turn != 0)
            pth_cond_await(&cping, &pm, NULL);
    }
    pth_mutex_release(&pm);
    return NULL;
}

static void *pth_ponger(void *arg)
{
    long i;

    (void)arg;
    pth_mutex_acquire(&pm, FALSE, NULL);
    for (i = 0; i < iters; i++) {
        while (turn != 1)
            pth_cond_await(&cpong, &pm, NULL);
        turn = 0;
        pth_cond_notify(&cping, FALSE);
    }
    pth_mutex_release(&pm);
    return NULL;
}

static void *pth_noop(void *arg)
{
    counter++;
    return arg;
}

static int run_pth(const char *mode)
{
    pth_attr_t attr;
    double t0, t1;
    long i;

    pth_init();
    attr = pth_attr_new();
    pth_attr_set(attr, PTH_ATTR_JOINABLE, TRUE);
    pth_attr_set(attr, PTH_ATTR_STACK_SIZE, 64 * 1024);
    if (strcmp(mode, "pth-yield") == 0) {
        pa = pth_spawn(attr, pth_yielder, (void *)0L);
        pb = pth_spawn(attr, pth_yielder, (void *)1L);
        t0 = now_ns();
        pth_join(pa, NULL);
        pth_join(pb, NULL);
        t1 = now_ns();
        printf("bench=pth-yield n=%ld ns=%.2f\n", iters, (t1 - t0) / (2.0 * iters));
    } else if (strcmp(mode, "pth-cond") == 0) {
        pb = pth_spawn(attr, pth_ponger, NULL);
        pa = pth_spawn(attr, pth_pinger, NULL);
        t0 = now_ns();
        pth_join(pa, NULL);
        pth_join(pb, NULL);
        t1 = now_ns();
        printf("bench=pth-cond n=%ld ns=%.2f\n", iters, (t1 - t0) / (2.0 * iters));
    } else if (strcmp(mode, "pth-create") == 0) {
        t0 = now_ns();
        for (i = 0; i < iters; i++) {
            pth_t t = pth_spawn(attr, pth_noop, NULL);
            pth_join(t, NULL);
        }
        t1 = now_ns();
        printf("bench=pth-create n=%ld ns=%.2f\n", iters, (t1 - t0) / (double)iters);
    } else {
        return 2;
    }
    return 0;
}

/* ---- ucontext ------------------------------------------------------------ */

static ucontext_t uc_main, uc_other;

static void uc_pong(void)
{
    for (;;) {
        counter++;
        swapcontext(&uc_other, &uc_main);
    }
}

static void uc_once(void)
{
    counter++;
    /* returning ends the context and resumes uc_link (uc_main) */
}

static int run_ucontext(const char *mode)
{
    const size_t size = 128 * 1024;
    char *stack = calloc(1, size);
    double t0, t1;
    long i;

    if (strcmp(mode, "ucontext") == 0) {
        getcontext(&uc_other);
        uc_other.uc_stack.ss_sp = stack;
        uc_other.uc_stack.ss_size = size;
        uc_other.uc_link = NULL;
        makecontext(&uc_other, uc_pong, 0);
        swapcontext(&uc_main, &uc_other);
        t0 = now_ns();
        for (i = 0; i < iters; i++)
            swapcontext(&uc_main, &uc_other);
        t1 = now_ns();
        printf("bench=ucontext n=%ld ns=%.2f\n", iters, (t1 - t0) / (2.0 * iters));
    } else if (strcmp(mode, "ucontext-create") == 0) {
        t0 = now_ns();
        for (i = 0; i < iters; i++) {
            getcontext(&uc_other);
            uc_other.uc_stack.ss_sp = stack;
            uc_other.uc_stack.ss_size = size;
            uc_other.uc_link = &uc_main;
            makecontext(&uc_other, uc_once, 0);
            swapcontext(&uc_main, &uc_other);
        }
        t1 = now_ns();
        printf("bench=ucontext-create n=%ld ns=%.2f\n", iters, (t1 - t0) / (double)iters);
    } else {
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_peers MODE N\n");
        return 2;
    }
    iters = atol(argv[2]);
    if (strncmp(argv[1], "pth-", 4) == 0)
        return run_pth(argv[1]);
    return run_ucontext(argv[1]);
}
