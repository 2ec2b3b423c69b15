/* SPDX-License-Identifier: MIT */
/* arm.S - context switch for 32-bit ARM (ARMv7-A), AAPCS hard-float (VFP). */
/*
 * Saved state, on the suspended context's own stack (104 bytes, a
 * multiple of 8 so the AAPCS 8-byte alignment at calls is kept), lowest
 * address first:
 *   [sp+0]   d8..d15        the callee-saved VFP registers
 *   [sp+64]  FPSCR          rounding mode and exception bits: kept per
 *                           thread (like MXCSR on x86-64) so fesetround()
 *                           in one thread does not leak into another
 *   [sp+68]  r4..r11        the callee-saved core registers (r11 = fp)
 *   [sp+100] lr             where the context resumes
 * The context object holds only sp (offset 0).
 *
 * The file is always assembled as ARM (A32) code, whatever the compiler's
 * default instruction set: every ARMv7-A core runs both, the functions are
 * marked %function so the linker turns calls from Thumb-2 code into BLX,
 * and every indirect branch or return uses bx/blx, which switch state by
 * bit 0 of the target address (so entry() may be Thumb code).
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

        .syntax unified
        .arm
        .fpu    vfp
        .text

/* Restore what _st_md_switch saved and pop its frame, leaving the resume
 * address in lr; shared with _st_md_start so the two cannot drift apart.
 * (ARM code: the macro is expanded under the .arm directive above.) */
.macro RESTORE_SAVED
        vpop    {d8-d15}
        pop     {r2, r4-r11, lr}
        vmsr    fpscr, r2
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 2
ST_FUNC_BEGIN(_st_md_switch)
        vmrs    r2, fpscr
        push    {r2, r4-r11, lr}
        vpush   {d8-d15}
        str     sp, [r0]
        ldr     sp, [r1]
        RESTORE_SAVED
        bx      lr
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_entry_t entry) */
        .p2align 2
ST_FUNC_BEGIN(_st_md_init)
        push    {r4, lr}
        bic     r2, r2, #15             /* hi, 16-byte aligned */
        sub     r12, r2, #104           /* the initial switch frame */
        mov     r1, r12
        mov     r4, #0
1:      str     r4, [r1], #4            /* zero every slot */
        cmp     r1, r2
        blo     1b
        str     r3, [r12, #68]          /* r4: entry */
        adr     r1, ST_SYM(_st_md_start)
        str     r1, [r12, #100]         /* lr: where the first switch lands */
        vmrs    r1, fpscr               /* inherit the creator's FP modes */
        str     r1, [r12, #64]
        str     r12, [r0]
        pop     {r4, lr}
        bx      lr
ST_FUNC_END(_st_md_init)

/* First code run by a new context (ARM state): sp == hi (8-byte aligned),
 * r11 == 0 ends the frame chain.  When entry returns the context to
 * resume, the finished one is dropped and the other restored as in
 * _st_md_switch, but entered with BX r12, an ordinary indirect branch
 * (cores predict as returns BX LR, MOV PC, LR and loads of pc from the
 * stack): the first switch to this context consumed the return predictor's
 * entry for the return we skip, so the resumed code's returns predict
 * well. */
        .p2align 2
ST_SYM(_st_md_start):
        mov     lr, #0
        blx     r4
        cmp     r0, #0
        beq     1f
        ldr     sp, [r0]
        RESTORE_SAVED
        mov     r12, lr
        bx      r12
1:      bl      ST_SYM(_st_md_entry_returned)
        udf     #0

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
