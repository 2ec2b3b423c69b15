/* SPDX-License-Identifier: MIT */
/* s390x.S - context switch for z/Architecture, s390x ELF ABI (Linux). */
/*
 * Saved state of a suspended context, relative to its saved sp (r15):
 *   [sp+0]    f8..f15       the callee-saved FP registers
 *   [sp+64]   FPC           rounding mode and masks: kept per thread, like
 *                           MXCSR on x86-64, so fesetround() in one thread
 *                           does not leak into another
 *   [sp+72]   padding (the switch frame is 80 bytes, keeping r15 8-byte
 *             aligned as the ABI requires)
 *   [sp+128]  r6..r15       the callee-saved GPRs (r14 is the return
 *                           address, r15 the stack pointer), stored in the
 *                           register save area of the caller's frame at
 *                           offset 48, exactly where the ABI lets a callee
 *                           put them
 * The context object holds only sp (offset 0).  Access registers a0/a1
 * (the thread pointer) are per process and never touched.
 * Every frame that calls out provides the 160-byte register save area for
 * its callees; a new context's first frame does, and its back chain is 0.
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

#define FRAME 80
#define SAVE  160               /* the ABI's register save area */

        .text

/* Restore what _st_md_switch saved, from the switch frame at r15; the
 * final lmg also restores the caller's r15 (dropping the frame) and leaves
 * the resume address in r14.  Shared with _st_md_start so the two cannot
 * drift apart. */
.macro RESTORE_SAVED
        lfpc    64(%r15)
        ld      %f8, 0(%r15)
        ld      %f9, 8(%r15)
        ld      %f10, 16(%r15)
        ld      %f11, 24(%r15)
        ld      %f12, 32(%r15)
        ld      %f13, 40(%r15)
        ld      %f14, 48(%r15)
        ld      %f15, 56(%r15)
        lmg     %r6, %r15, FRAME+48(%r15)
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 3
ST_FUNC_BEGIN(_st_md_switch)
        stmg    %r6, %r15, 48(%r15)
        lay     %r15, -FRAME(%r15)
        std     %f8, 0(%r15)
        std     %f9, 8(%r15)
        std     %f10, 16(%r15)
        std     %f11, 24(%r15)
        std     %f12, 32(%r15)
        std     %f13, 40(%r15)
        std     %f14, 48(%r15)
        std     %f15, 56(%r15)
        stfpc   64(%r15)
        stg     %r15, 0(%r2)
        lg      %r15, 0(%r3)
        RESTORE_SAVED
        br      %r14
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_entry_t entry) */
        .p2align 3
ST_FUNC_BEGIN(_st_md_init)
        nill    %r4, 0xfff0             /* hi, 16-byte aligned */
        lay     %r1, -(FRAME+SAVE)(%r4) /* the initial switch frame */
        xc      0(FRAME+SAVE, %r1), 0(%r1)      /* zero every slot */
        stfpc   64(%r1)                 /* inherit the creator's FP modes */
        lay     %r0, FRAME(%r1)         /* the first frame: hi - 160 */
        stg     %r5, FRAME+48(%r1)      /* r6: entry */
        larl    %r3, ST_SYM(_st_md_start)
        stg     %r3, FRAME+112(%r1)     /* r14: where the first switch lands */
        stg     %r0, FRAME+120(%r1)     /* r15: the first frame */
        stg     %r1, 0(%r2)
        br      %r14
ST_FUNC_END(_st_md_init)

/* First code run by a new context: r15 == hi - 160, a frame whose register
 * save area is free for entry() and whose back chain is 0.  When entry
 * returns the context to resume, the finished one is dropped and the other
 * restored as in _st_md_switch, but entered with br %r1, not br %r14 (the
 * return idiom): the first switch to this context consumed the return
 * predictor's entry for the return we skip, so the resumed code's returns
 * predict well. */
        .p2align 3
ST_SYM(_st_md_start):
        basr    %r14, %r6
        ltgr    %r2, %r2
        jz      1f
        lg      %r15, 0(%r2)
        RESTORE_SAVED
        lgr     %r1, %r14
        br      %r1
1:      brasl   %r14, ST_SYM(_st_md_entry_returned)
        .long   0                       /* not reached: illegal op */

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
