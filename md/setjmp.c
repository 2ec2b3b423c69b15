/* SPDX-License-Identifier: MIT */
/* setjmp.c - context switch with _setjmp/_longjmp, bootstrapped portably. */
/*
 * A jmp_buf's layout is private to the C library (glibc even mangles the
 * saved stack pointer), so a new context cannot be made by editing one.
 * Instead a signal is delivered on an alternate stack and the handler
 * saves a context with _setjmp there, which the first switch resumes.
 *
 * The kernel writes its signal frame at the top of the alternate stack,
 * and with the CPU's extended state that frame takes kilobytes (several
 * with AVX-512, about 12 KiB with AMX: getauxval(AT_MINSIGSTKSZ)).  Were
 * the thread to start right below it, the frame would share and overflow
 * the page that also holds the thread block, and a sleeping thread would
 * cost two pages.  So the alternate stack is a separate boot area, whole
 * pages above the stack's header (lib/stack.c maps it):
 *
 *   | ... usable stack | boot frame | thread block | header | boot area |
 *                                   hi                      ctx->boot
 *
 * The handler, running in the boot area, declares a variable-length
 * array that reaches down to hi, which moves the stack pointer there,
 * and calls boot_frame(), whose frame therefore lies just below hi, in
 * the thread block's page.  boot_frame() saves the context and returns
 * through the handler; the boot area (kernel frame and handler frame) is
 * then released with madvise(), and nothing in it is used again: the
 * context resumes in boot_frame(), which never returns.  Only the
 * language is relied on (a VLA is allocated on the stack), never the
 * jmp_buf layout or the frame's size.  Built without _FORTIFY_SOURCE:
 * the fortified longjmp refuses to jump between stacks.
 */
/* Must precede every include: the fortified longjmp checks that the
 * target frame is older on the same stack, which a switch never is. */
#undef _FORTIFY_SOURCE
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(HAVE_SYS_AUXV_H)
#include <sys/auxv.h>
#endif

#include "md.h"

#if defined(__STDC_NO_VLA__)
#error "the setjmp method needs variable-length arrays"
#endif

#define BOOT_SIGNAL SIGUSR2
/* Room in the boot area for the handler's own frame, below the kernel's. */
#define BOOT_SLACK  2048

/* Process-wide: the signal disposition is shared by all OS threads. */
static pthread_mutex_t boot_lock = PTHREAD_MUTEX_INITIALIZER;
static _st_md_context_t *boot_ctx;      /* context being made; boot_lock */
static char *boot_hi;                   /* top of its stack; boot_lock */
static size_t boot_size;                /* the boot area's size, once known */
/* The size of a one-byte VLA, hidden from the optimiser: such an array's
 * address is (about) the stack pointer. */
static volatile size_t boot_one = 1;

/* The largest signal frame the kernel may write, as far as it says. */
static size_t signal_frame_max(void)
{
    long n = 0;

#if defined(_SC_MINSIGSTKSZ)
    n = sysconf(_SC_MINSIGSTKSZ);
#endif
#if defined(HAVE_GETAUXVAL) && defined(AT_MINSIGSTKSZ)
    if ((long)getauxval(AT_MINSIGSTKSZ) > n)
        n = (long)getauxval(AT_MINSIGSTKSZ);
#endif
    if (n <= 0)
        n = SIGSTKSZ;                   /* the system's generous default */
    return (size_t)n;
}

size_t _st_md_boot_size(size_t pagesize)
{
    size_t n = __atomic_load_n(&boot_size, __ATOMIC_RELAXED);

    if (n == 0) {
        n = signal_frame_max() + BOOT_SLACK;
        n = (n + pagesize - 1) / pagesize * pagesize;
        __atomic_store_n(&boot_size, n, __ATOMIC_RELAXED);
    }
    return n;
}

static void boot_failed(void)
{
    static const char msg[] = "libst: the setjmp method could not place a "
                              "new context's first frame; aborting\n";

    (void)!write(2, msg, sizeof msg - 1);
    abort();
}

/* Called with the stack pointer below pad, which is at most the stack's
 * top: the frame the context starts from. */
static __attribute__((noinline)) void boot_frame(_st_md_context_t *ctx,
                                                 char *pad)
{
    {
        char here[boot_one];

        /* Had the VLA not moved the stack pointer, here would be above. */
        if ((uintptr_t)here >= (uintptr_t)pad ||
            (uintptr_t)pad > (uintptr_t)boot_hi)
            boot_failed();
    }
    if (_setjmp(ctx->jb) == 0)
        return;
    /* Resumed by the first switch to ctx, on its own stack. */
    {
        _st_md_context_t *to = ctx->entry();

        if (to == NULL)
            _st_md_entry_returned();
        /* ctx is finished and never resumed: saving into it (its block
         * is still mapped) spares a jmp_buf on the stack. */
        _st_md_switch(ctx, to);
    }
    _st_md_entry_returned();
}

static void boot_handler(int sig)
{
    _st_md_context_t *ctx = boot_ctx;
    char *hi = boot_hi;
    char probe[boot_one];               /* here: in the boot area */

    (void)sig;
    if ((uintptr_t)probe <= (uintptr_t)hi ||
        (uintptr_t)probe < (uintptr_t)ctx->boot)
        boot_failed();                  /* the kernel frame did not fit */
    {
        char pad[(uintptr_t)probe - (uintptr_t)hi]; /* from here to hi */

        boot_frame(ctx, pad);
    }
}

void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
                 _st_md_entry_t entry)
{
    struct sigaction sa, osa;
    stack_t ss, oss;
    sigset_t mask, omask;

    (void)lo;
    pthread_mutex_lock(&boot_lock);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = boot_handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ss.ss_sp = ctx->boot;
    ss.ss_size = boot_size;
    ss.ss_flags = 0;

    sigemptyset(&mask);
    sigaddset(&mask, BOOT_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &mask, &omask);
    if (sigaltstack(&ss, &oss) != 0 || sigaction(BOOT_SIGNAL, &sa, &osa) != 0)
        abort();
    ctx->entry = entry;
    boot_ctx = ctx;
    boot_hi = hi;
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
#if defined(MADV_DONTNEED)
    /* The kernel's and the handler's frames are garbage now. */
    madvise(ctx->boot, boot_size, MADV_DONTNEED);
#endif
}

void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to)
{
    if (_setjmp(from->jb) == 0)
        _longjmp(to->jb, 1);
}
