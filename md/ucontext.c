/* SPDX-License-Identifier: MIT */
/* ucontext.c - context switch with getcontext/makecontext/swapcontext. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>

#include "md.h"

/* makecontext passes int arguments only, so the entry function travels
 * split in two 32-bit halves. */
static void start(unsigned int hi32, unsigned int lo32)
{
    uintptr_t p = ((uintptr_t)hi32 << 16 << 16) | (uintptr_t)lo32;
    _st_md_entry_t entry = (_st_md_entry_t)p;
    _st_md_context_t *to = entry(), done;

    if (to == NULL)
        _st_md_entry_returned();
    _st_md_switch(&done, to);
    _st_md_entry_returned();
}

void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
                 _st_md_entry_t entry)
{
    uintptr_t p = (uintptr_t)entry;

    if (getcontext(&ctx->uc) != 0)
        abort();
    ctx->uc.uc_stack.ss_sp = lo;
    ctx->uc.uc_stack.ss_size = (size_t)((char *)hi - (char *)lo);
    ctx->uc.uc_stack.ss_flags = 0;
    ctx->uc.uc_link = NULL;
    makecontext(&ctx->uc, (void (*)(void))start, 2,
                (unsigned int)(p >> 16 >> 16), (unsigned int)p);
}

void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to)
{
    /* swapcontext installs the mask saved in the target; State Threads
     * has no per-thread masks, so carry the current one across. */
    pthread_sigmask(SIG_SETMASK, NULL, &to->uc.uc_sigmask);
    if (swapcontext(&from->uc, &to->uc) != 0)
        abort();
}
