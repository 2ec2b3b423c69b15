/* SPDX-License-Identifier: MIT */
/* aarch64.S - context switch for AArch64, AAPCS64 (Linux, BSD, Darwin). */
/*
 * Saved state, on the suspended context's own stack (176 bytes, sp stays
 * 16-byte aligned as AAPCS64 requires at every instruction), lowest
 * address first:
 *   [sp+0]   x19..x28       the callee-saved general registers
 *   [sp+80]  x29, x30       frame pointer and link register (where to resume)
 *   [sp+96]  d8..d15        the low 64 bits of v8..v15, the only callee-saved
 *                           part of the SIMD/FP register file
 *   [sp+160] FPCR           rounding mode and trap enables: kept per thread,
 *                           like MXCSR on x86-64, so that fesetround() in one
 *                           thread does not leak into another
 *   [sp+168] padding
 * The context object holds only sp (offset 0).  x18 (platform register)
 * and everything else are caller-saved or not ours to touch.
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

#define FRAME 176

        .text

/* Restore what _st_md_switch saved and pop its frame, leaving the resume
 * address in x30; shared with _st_md_start so the two cannot drift apart. */
.macro RESTORE_SAVED
        ldr     x9, [sp, #160]
        msr     fpcr, x9
        ldp     d14, d15, [sp, #144]
        ldp     d12, d13, [sp, #128]
        ldp     d10, d11, [sp, #112]
        ldp     d8, d9, [sp, #96]
        ldp     x29, x30, [sp, #80]
        ldp     x27, x28, [sp, #64]
        ldp     x25, x26, [sp, #48]
        ldp     x23, x24, [sp, #32]
        ldp     x21, x22, [sp, #16]
        ldp     x19, x20, [sp, #0]
        add     sp, sp, #FRAME
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_switch)
        sub     sp, sp, #FRAME
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mrs     x9, fpcr
        str     x9, [sp, #160]
        mov     x9, sp
        str     x9, [x0]
        ldr     x9, [x1]
        mov     sp, x9
        RESTORE_SAVED
        ret
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_entry_t entry) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_init)
        and     x2, x2, #-16            /* hi, 16-byte aligned */
        sub     x9, x2, #FRAME          /* the initial switch frame */
        mov     x10, x9
1:      stp     xzr, xzr, [x10], #16    /* zero every slot */
        cmp     x10, x2
        b.lo    1b
        str     x3, [x9, #0]            /* x19: entry */
        adr     x10, ST_SYM(_st_md_start)
        str     x10, [x9, #88]          /* x30: where the first switch lands */
        mrs     x10, fpcr               /* inherit the creator's FP modes */
        str     x10, [x9, #160]
        str     x9, [x0]
        ret
ST_FUNC_END(_st_md_init)

/* First code run by a new context: sp == hi (16-byte aligned), x29 == 0
 * ends the frame chain.  When entry returns the context to resume, the
 * finished one is dropped and the other restored as in _st_md_switch, but
 * entered with BR, which unlike RET is not a return hint: the first switch
 * to this context consumed the return predictor's entry for the return we
 * skip, so the resumed code's returns predict well.  (Under BTI, BR would
 * need a landing pad at the resume point; this file has no BTI property
 * note, so the linker does not mark a program that contains it as BTI.) */
        .p2align 2
ST_SYM(_st_md_start):
        mov     x30, xzr
        blr     x19
        cbz     x0, 1f
        ldr     x9, [x0]
        mov     sp, x9
        RESTORE_SAVED
        mov     x16, x30
        br      x16
1:      bl      ST_SYM(_st_md_entry_returned)
        brk     #1

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
