/* SPDX-License-Identifier: MIT */
/* ppc64le.S - context switch for 64-bit little-endian POWER, ELFv2 ABI. */
/*
 * Saved state.  _st_md_switch keeps the ELFv2 conventions: it stores LR
 * and CR in the caller's frame (LR save doubleword at 16, CR save word at
 * 8), then pushes a 528-byte frame with a back chain:
 *   [sp+0]    back chain    (the caller's sp)
 *   [sp+24]   r2            TOC pointer (the same for every libst context,
 *                           restored anyway so a context resumes with its own)
 *   [sp+32]   r14..r31      the callee-saved GPRs
 *   [sp+176]  f14..f31      the callee-saved FPRs
 *   [sp+320]  FPSCR         rounding mode and enables: kept per thread, like
 *                           MXCSR on x86-64, so fesetround() in one thread
 *                           does not leak into another
 *   [sp+328]  VRSAVE        (32 bits)
 *   [sp+336]  v20..v31      the callee-saved vector registers (16-aligned)
 * plus, in the caller's frame, LR (where the context resumes) and CR, of
 * which fields CR2..CR4 are callee-saved and restored.  sp stays 16-byte
 * aligned.  The context object holds only sp (offset 0).  r13 (thread
 * pointer) is per process and never touched.
 *
 * A new context gets a first frame of 128 bytes at the top of its stack
 * (back chain 0, LR save = the start stub) and the switch frame below it.
 * The stub calls entry() through CTR with r12 = its address, as the ELFv2
 * global entry point requires, and keeps the TOC save doubleword.
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

#define FRAME 528
#define FIRST 128

#if defined(_CALL_ELF) && _CALL_ELF == 2
        .abiversion 2
#endif
        .text

/* Restore what _st_md_switch saved, from the switch frame at r1, pop that
 * frame (r1 = the caller's sp again) and restore LR and the callee-saved
 * CR fields from the caller's frame, leaving the resume address in LR and
 * r0.  Shared with _st_md_start so the two cannot drift apart. */
.macro RESTORE_SAVED
        li      %r12, 336
        lvx     %v20, %r1, %r12
        li      %r12, 352
        lvx     %v21, %r1, %r12
        li      %r12, 368
        lvx     %v22, %r1, %r12
        li      %r12, 384
        lvx     %v23, %r1, %r12
        li      %r12, 400
        lvx     %v24, %r1, %r12
        li      %r12, 416
        lvx     %v25, %r1, %r12
        li      %r12, 432
        lvx     %v26, %r1, %r12
        li      %r12, 448
        lvx     %v27, %r1, %r12
        li      %r12, 464
        lvx     %v28, %r1, %r12
        li      %r12, 480
        lvx     %v29, %r1, %r12
        li      %r12, 496
        lvx     %v30, %r1, %r12
        li      %r12, 512
        lvx     %v31, %r1, %r12
        lwz     %r12, 328(%r1)
        mtvrsave %r12
        lfd     %f0, 320(%r1)
        mtfsf   0xff, %f0
        lfd     %f14, 176(%r1)
        lfd     %f15, 184(%r1)
        lfd     %f16, 192(%r1)
        lfd     %f17, 200(%r1)
        lfd     %f18, 208(%r1)
        lfd     %f19, 216(%r1)
        lfd     %f20, 224(%r1)
        lfd     %f21, 232(%r1)
        lfd     %f22, 240(%r1)
        lfd     %f23, 248(%r1)
        lfd     %f24, 256(%r1)
        lfd     %f25, 264(%r1)
        lfd     %f26, 272(%r1)
        lfd     %f27, 280(%r1)
        lfd     %f28, 288(%r1)
        lfd     %f29, 296(%r1)
        lfd     %f30, 304(%r1)
        lfd     %f31, 312(%r1)
        ld      %r14, 32(%r1)
        ld      %r15, 40(%r1)
        ld      %r16, 48(%r1)
        ld      %r17, 56(%r1)
        ld      %r18, 64(%r1)
        ld      %r19, 72(%r1)
        ld      %r20, 80(%r1)
        ld      %r21, 88(%r1)
        ld      %r22, 96(%r1)
        ld      %r23, 104(%r1)
        ld      %r24, 112(%r1)
        ld      %r25, 120(%r1)
        ld      %r26, 128(%r1)
        ld      %r27, 136(%r1)
        ld      %r28, 144(%r1)
        ld      %r29, 152(%r1)
        ld      %r30, 160(%r1)
        ld      %r31, 168(%r1)
        ld      %r2, 24(%r1)
        addi    %r1, %r1, FRAME
        ld      %r0, 16(%r1)
        mtlr    %r0
        lwz     %r12, 8(%r1)
        mtcrf   0x38, %r12              /* CR2, CR3, CR4 */
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_switch)
        mflr    %r0
        std     %r0, 16(%r1)
        mfcr    %r12
        stw     %r12, 8(%r1)
        stdu    %r1, -FRAME(%r1)
        std     %r2, 24(%r1)
        std     %r14, 32(%r1)
        std     %r15, 40(%r1)
        std     %r16, 48(%r1)
        std     %r17, 56(%r1)
        std     %r18, 64(%r1)
        std     %r19, 72(%r1)
        std     %r20, 80(%r1)
        std     %r21, 88(%r1)
        std     %r22, 96(%r1)
        std     %r23, 104(%r1)
        std     %r24, 112(%r1)
        std     %r25, 120(%r1)
        std     %r26, 128(%r1)
        std     %r27, 136(%r1)
        std     %r28, 144(%r1)
        std     %r29, 152(%r1)
        std     %r30, 160(%r1)
        std     %r31, 168(%r1)
        stfd    %f14, 176(%r1)
        stfd    %f15, 184(%r1)
        stfd    %f16, 192(%r1)
        stfd    %f17, 200(%r1)
        stfd    %f18, 208(%r1)
        stfd    %f19, 216(%r1)
        stfd    %f20, 224(%r1)
        stfd    %f21, 232(%r1)
        stfd    %f22, 240(%r1)
        stfd    %f23, 248(%r1)
        stfd    %f24, 256(%r1)
        stfd    %f25, 264(%r1)
        stfd    %f26, 272(%r1)
        stfd    %f27, 280(%r1)
        stfd    %f28, 288(%r1)
        stfd    %f29, 296(%r1)
        stfd    %f30, 304(%r1)
        stfd    %f31, 312(%r1)
        mffs    %f0
        stfd    %f0, 320(%r1)
        mfvrsave %r12
        stw     %r12, 328(%r1)
        li      %r12, 336
        stvx    %v20, %r1, %r12
        li      %r12, 352
        stvx    %v21, %r1, %r12
        li      %r12, 368
        stvx    %v22, %r1, %r12
        li      %r12, 384
        stvx    %v23, %r1, %r12
        li      %r12, 400
        stvx    %v24, %r1, %r12
        li      %r12, 416
        stvx    %v25, %r1, %r12
        li      %r12, 432
        stvx    %v26, %r1, %r12
        li      %r12, 448
        stvx    %v27, %r1, %r12
        li      %r12, 464
        stvx    %v28, %r1, %r12
        li      %r12, 480
        stvx    %v29, %r1, %r12
        li      %r12, 496
        stvx    %v30, %r1, %r12
        li      %r12, 512
        stvx    %v31, %r1, %r12

        std     %r1, 0(%r3)
        ld      %r1, 0(%r4)

        RESTORE_SAVED
        blr
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_entry_t entry) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_init)
        clrrdi  %r5, %r5, 4             /* hi, 16-byte aligned */
        addi    %r7, %r5, -FIRST        /* the first frame */
        addi    %r8, %r7, -FRAME        /* the initial switch frame */
        li      %r0, 0
        mr      %r9, %r8
1:      std     %r0, 0(%r9)             /* zero both frames */
        addi    %r9, %r9, 8
        cmpld   %r9, %r5
        blt     1b
        std     %r7, 0(%r8)             /* switch frame back chain */
        std     %r2, 24(%r8)            /* r2: the TOC of libst */
        std     %r6, 32(%r8)            /* r14: entry */
        mffs    %f0                     /* inherit the creator's FP modes */
        stfd    %f0, 320(%r8)
        mfvrsave %r9
        stw     %r9, 328(%r8)
        mflr    %r0                     /* address of the start stub (PIC) */
        bcl     20, 31, 2f
2:      mflr    %r9
        mtlr    %r0
        addi    %r9, %r9, ST_SYM(_st_md_start) - 2b
        std     %r9, 16(%r7)            /* LR save: where the switch lands */
        std     %r8, 0(%r3)
        blr
ST_FUNC_END(_st_md_init)

/* First code run by a new context: r1 == hi - 128, the first frame (back
 * chain 0), r2 == the TOC of libst, r14 == entry.  When entry returns the
 * context to resume, the finished one is dropped and the other restored
 * as in _st_md_switch, but entered with bctr, which unlike blr is not a
 * return hint: the first switch to this context consumed the return
 * predictor's entry for the return we skip, so the resumed code's returns
 * predict well. */
        .p2align 4
ST_SYM(_st_md_start):
        li      %r0, 0
        mtlr    %r0
        std     %r2, 24(%r1)            /* TOC save doubleword */
        mr      %r12, %r14              /* global entry: r12 = address */
        mtctr   %r12
        bctrl
        ld      %r2, 24(%r1)
        cmpdi   %r3, 0
        beq     1f
        ld      %r1, 0(%r3)
        RESTORE_SAVED
        mtctr   %r0
        bctr
1:      bl      ST_SYM(_st_md_entry_returned)
        nop
        trap

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
