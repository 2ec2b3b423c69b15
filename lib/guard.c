/* SPDX-License-Identifier: MIT */
/* guard.c - naming a stack overflow when a thread hits its guard zone. */
/*
 * A thread that runs into the guard zone below its stack (or, with no
 * guard, faults just below the never-written zone) gets SIGSEGV on a stack it can
 * no longer use, so the report needs a signal stack of its own.  When the
 * program has no SIGSEGV handler of its own, st_init installs one that
 * runs on a per-OS-thread alternate stack, says which thread overflowed,
 * restores the default action and returns: the faulting access repeats
 * and the process dies of SIGSEGV as it would have, with the report on
 * stderr.  Faults elsewhere pass through unchanged.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"

#define ALT_STACK_SIZE (64 * 1024)

static __thread void *alt_stack;        /* ours, if we installed one */
static int handler_installed;           /* process-wide */

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
    _st_thread_t *t = VP->current;
    struct sigaction dfl;

    (void)uctx;
    if (t != NULL && si != NULL && _st_stack_in_guard(t, si->si_addr))
        _st_stack_overflow_report(t, "ran off the bottom of its "
                                  "stack, the process dies of SIGSEGV");
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
}

int _st_guard_handler_init(void)
{
    struct sigaction old, sa;
    stack_t ss;

    if (sigaction(SIGSEGV, NULL, &old) < 0)
        return 0;
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGSEGV, &sa, NULL) == 0)
            __atomic_store_n(&handler_installed, 1, __ATOMIC_RELAXED);
    }
    if (!__atomic_load_n(&handler_installed, __ATOMIC_RELAXED))
        return 0;
    /* Each OS thread needs an alternate stack; keep one it already has. */
    if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE))
        return 0;
    alt_stack = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (alt_stack == MAP_FAILED) {
        alt_stack = NULL;
        return 0;                       /* no report, but no harm */
    }
    ss.ss_sp = alt_stack;
    ss.ss_size = ALT_STACK_SIZE;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) < 0) {
        munmap(alt_stack, ALT_STACK_SIZE);
        alt_stack = NULL;
    }
    return 0;
}

void _st_guard_handler_fini(void)
{
    stack_t ss;

    if (alt_stack == NULL)
        return;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    munmap(alt_stack, ALT_STACK_SIZE);
    alt_stack = NULL;
}
