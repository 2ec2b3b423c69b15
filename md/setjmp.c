/* SPDX-License-Identifier: MIT */
/* setjmp.c - context switch with _setjmp/_longjmp, bootstrapped portably. */
/*
 * A jmp_buf's layout is private to the C library (glibc even mangles the
 * saved stack pointer), so a new context cannot be made by editing one.
 * Instead the new stack is installed as the signal alternate stack, a
 * signal is raised, and the handler - now running on the new stack -
 * saves its state with _setjmp and returns.  The first switch to the
 * context longjmps back into that handler frame, which then calls the
 * entry function.  Built without _FORTIFY_SOURCE: the fortified longjmp
 * refuses to jump between stacks.
 */
/* Must precede every include: the fortified longjmp checks that the
 * target frame is older on the same stack, which a switch never is. */
#undef _FORTIFY_SOURCE
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

#define BOOT_SIGNAL SIGUSR2

/* Process-wide: the signal disposition is shared by all OS threads. */
static pthread_mutex_t boot_lock = PTHREAD_MUTEX_INITIALIZER;
static _st_md_context_t *boot_ctx;      /* context being made; boot_lock */

static void boot_handler(int sig)
{
    _st_md_context_t *volatile ctx = boot_ctx;

    (void)sig;
    if (_setjmp(ctx->jb) == 0)
        return;
    /* Resumed by the first switch to this context. */
    {
        _st_md_context_t *to = ctx->entry(), done;

        if (to == NULL)
            _st_md_entry_returned();
        _st_md_switch(&done, to);
    }
    _st_md_entry_returned();
}

void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
                 _st_md_entry_t entry)
{
    struct sigaction sa, osa;
    stack_t ss, oss;
    sigset_t mask, omask;

    pthread_mutex_lock(&boot_lock);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = boot_handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ss.ss_sp = lo;
    ss.ss_size = (size_t)((char *)hi - (char *)lo);
    ss.ss_flags = 0;

    sigemptyset(&mask);
    sigaddset(&mask, BOOT_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &mask, &omask);
    if (sigaltstack(&ss, &oss) != 0 || sigaction(BOOT_SIGNAL, &sa, &osa) != 0)
        abort();
    ctx->entry = entry;
    boot_ctx = ctx;
    pthread_kill(pthread_self(), BOOT_SIGNAL);
    /* Deliver it now, on the alternate stack, and nowhere else. */
    {
        sigset_t only;
        sigfillset(&only);
        sigdelset(&only, BOOT_SIGNAL);
        sigsuspend(&only);
    }
    sigaction(BOOT_SIGNAL, &osa, NULL);
    ss.ss_flags = SS_DISABLE;
    if (oss.ss_flags & SS_DISABLE)
        sigaltstack(&ss, NULL);
    else
        sigaltstack(&oss, NULL);
    pthread_sigmask(SIG_SETMASK, &omask, NULL);
    pthread_mutex_unlock(&boot_lock);
}

void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to)
{
    if (_setjmp(from->jb) == 0)
        _longjmp(to->jb, 1);
}
