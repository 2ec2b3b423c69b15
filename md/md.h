/* SPDX-License-Identifier: MIT */
/* md.h - the one interface between the portable library and the machine. */
/*
 * A context is a suspended flow of control: the registers that the ABI
 * says a callee must preserve, plus the stack pointer.  The portable code
 * needs exactly two operations on it:
 *
 *   _st_md_init(ctx, lo, hi, entry)
 *       Prepare ctx so that the first _st_md_switch() to it calls entry()
 *       on the stack [lo, hi) (hi is the top; every supported CPU grows its
 *       stack downwards).  When entry() returns a context, the method
 *       resumes it as _st_md_switch() would, without saving the finished
 *       one (whose stack must stay mapped until then).  Returning NULL is
 *       a bug: the method aborts the process with a message.
 *
 *   _st_md_switch(from, to)
 *       Save the running flow of control into from and resume to.  Returns
 *       when some other flow switches back to from.
 *
 * Which method implements them is chosen by configure: exactly one of
 * ST_MD_ASM, ST_MD_UCONTEXT or ST_MD_SETJMP is defined in config.h.
 *
 * The setjmp method also needs a boot area for each context: whole pages,
 * _st_md_boot_size(pagesize) bytes of them, mapped at a page-aligned
 * address above hi in the same mapping, with nothing but the caller's
 * own memory (thread block, header) between hi and the area.  _st_md_init
 * writes the area and releases it (madvise) before it returns; what lies
 * between hi and the area is left as it is.  The caller gives the area
 * with ST_MD_BOOT_AREA(ctx, area) before each _st_md_init.  The other
 * methods need none: the size is 0 and the macro does nothing.
 */
#ifndef ST_MD_H
#define ST_MD_H

#include <stddef.h>

#if defined(ST_MD_ASM)
/* Hand assembly: the whole saved state lives on the context's own stack;
 * the context is only the saved stack pointer (offset 0, used by the .S). */
typedef struct _st_md_context {
    void *sp;                           /* saved stack pointer */
} _st_md_context_t;
#define ST_MD_METHOD "asm"
#if defined(_WIN32)
/* Bytes of a thread stack's allocation below its usable bottom (lo):
 * lib/stack.c's low zone on 64-bit hosts.  md/x86_64-win.S sets the
 * thread block's DeallocationStack this far below lo, and
 * lib/stack_win.c puts the guard page at the top of it. */
#define ST_MD_STACK_LOW 65536
#endif
#elif defined(ST_MD_UCONTEXT)
#include <ucontext.h>
typedef struct _st_md_context {
    ucontext_t uc;                      /* getcontext/makecontext state */
} _st_md_context_t;
#define ST_MD_METHOD "ucontext"
#elif defined(ST_MD_SETJMP)
#include <setjmp.h>
typedef struct _st_md_context {
    jmp_buf jb;                         /* _setjmp/_longjmp state */
    struct _st_md_context *(*entry)(void); /* run on the first switch */
    char *boot;                         /* the boot area (above) */
} _st_md_context_t;
#define ST_MD_METHOD "setjmp"
size_t _st_md_boot_size(size_t pagesize) ST_HIDDEN;
#define ST_MD_BOOT_AREA(ctx, area)  ((ctx)->boot = (area))
#else
#error "configure did not choose a context-switch method"
#endif

#if !defined(ST_MD_SETJMP)
#define _st_md_boot_size(pagesize)  ((void)(pagesize), (size_t)0)
#define ST_MD_BOOT_AREA(ctx, area)  ((void)(ctx), (void)(area))
#endif

typedef _st_md_context_t *(*_st_md_entry_t)(void);

void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
                 _st_md_entry_t entry) ST_HIDDEN;
void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) ST_HIDDEN;

/* Called by every method's start-up code if entry() returns NULL. */
void _st_md_entry_returned(void) ST_HIDDEN __attribute__((noreturn));

#endif /* ST_MD_H */
