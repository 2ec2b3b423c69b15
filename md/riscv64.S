/* SPDX-License-Identifier: MIT */
/* riscv64.S - context switch for RV64, LP64D (or LP64) psABI, Linux. */
/*
 * Saved state, on the suspended context's own stack (208 bytes, sp stays
 * 16-byte aligned as the psABI requires), lowest address first:
 *   [sp+0]   ra             where the context resumes
 *   [sp+8]   s0..s11        the callee-saved integer registers (s0 = fp)
 *   [sp+104] fs0..fs11      the callee-saved FP registers (LP64D; the
 *                           slots are unused without the D extension)
 *   [sp+200] fcsr           rounding mode (frm) and flags: kept per thread,
 *                           like MXCSR on x86-64, so fesetround() in one
 *                           thread does not leak into another
 * The context object holds only sp (offset 0).  gp and tp are constant
 * for the whole process and never touched.
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

#define FRAME 208

#if defined(__riscv_flen) && __riscv_flen >= 64
#define ST_RV_FP 1
#endif

        .text

/* Restore what _st_md_switch saved and pop its frame, leaving the resume
 * address in ra; shared with _st_md_start so the two cannot drift apart.
 * (The #if is resolved by the C preprocessor before the assembler sees
 * the macro.) */
.macro RESTORE_SAVED
#if defined(ST_RV_FP)
        ld      t0, 200(sp)
        fscsr   t0
        fld     fs0, 104(sp)
        fld     fs1, 112(sp)
        fld     fs2, 120(sp)
        fld     fs3, 128(sp)
        fld     fs4, 136(sp)
        fld     fs5, 144(sp)
        fld     fs6, 152(sp)
        fld     fs7, 160(sp)
        fld     fs8, 168(sp)
        fld     fs9, 176(sp)
        fld     fs10, 184(sp)
        fld     fs11, 192(sp)
#endif
        ld      ra, 0(sp)
        ld      s0, 8(sp)
        ld      s1, 16(sp)
        ld      s2, 24(sp)
        ld      s3, 32(sp)
        ld      s4, 40(sp)
        ld      s5, 48(sp)
        ld      s6, 56(sp)
        ld      s7, 64(sp)
        ld      s8, 72(sp)
        ld      s9, 80(sp)
        ld      s10, 88(sp)
        ld      s11, 96(sp)
        addi    sp, sp, FRAME
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 2
ST_FUNC_BEGIN(_st_md_switch)
        addi    sp, sp, -FRAME
        sd      ra, 0(sp)
        sd      s0, 8(sp)
        sd      s1, 16(sp)
        sd      s2, 24(sp)
        sd      s3, 32(sp)
        sd      s4, 40(sp)
        sd      s5, 48(sp)
        sd      s6, 56(sp)
        sd      s7, 64(sp)
        sd      s8, 72(sp)
        sd      s9, 80(sp)
        sd      s10, 88(sp)
        sd      s11, 96(sp)
#if defined(ST_RV_FP)
        fsd     fs0, 104(sp)
        fsd     fs1, 112(sp)
        fsd     fs2, 120(sp)
        fsd     fs3, 128(sp)
        fsd     fs4, 136(sp)
        fsd     fs5, 144(sp)
        fsd     fs6, 152(sp)
        fsd     fs7, 160(sp)
        fsd     fs8, 168(sp)
        fsd     fs9, 176(sp)
        fsd     fs10, 184(sp)
        fsd     fs11, 192(sp)
        frcsr   t0
        sd      t0, 200(sp)
#endif
        sd      sp, 0(a0)
        ld      sp, 0(a1)
        RESTORE_SAVED
        ret
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_entry_t entry) */
        .p2align 2
ST_FUNC_BEGIN(_st_md_init)
        andi    a2, a2, -16             /* hi, 16-byte aligned */
        addi    t0, a2, -FRAME          /* the initial switch frame */
        mv      t1, t0
1:      sd      zero, 0(t1)             /* zero every slot */
        addi    t1, t1, 8
        bltu    t1, a2, 1b
        lla     t1, ST_SYM(_st_md_start)
        sd      t1, 0(t0)               /* ra: where the first switch lands */
        sd      a3, 16(t0)              /* s1: entry */
#if defined(ST_RV_FP)
        frcsr   t1                      /* inherit the creator's FP modes */
        sd      t1, 200(t0)
#endif
        sd      t0, 0(a0)
        ret
ST_FUNC_END(_st_md_init)

/* First code run by a new context: sp == hi (16-byte aligned), s0 (fp)
 * == 0 ends the frame chain.  When entry returns the context to resume,
 * the finished one is dropped and the other restored as in _st_md_switch,
 * but entered with jr t2: a JALR is a return hint only when rs1 is ra or
 * t0 (x1/x5), and the first switch to this context consumed the return
 * predictor's entry for the return we skip, so the resumed code's returns
 * predict well.  (t2, x7, is also the register that Zicfilp exempts from
 * landing pads.) */
        .p2align 2
ST_SYM(_st_md_start):
        mv      ra, zero
        jalr    s1
        beqz    a0, 1f
        ld      sp, 0(a0)
        RESTORE_SAVED
        mv      t2, ra
        jr      t2
1:      call    ST_SYM(_st_md_entry_returned)
        unimp

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
