/* SPDX-License-Identifier: MIT */
/* mips64.S - context switch for 64-bit MIPS, n64 ABI (Linux). */
/*
 * Saved state, on the suspended context's own stack (160 bytes, sp stays
 * 16-byte aligned as n64 requires), lowest address first:
 *   [sp+0]    s0..s7        the callee-saved GPRs $16..$23
 *   [sp+64]   gp            $28, callee-saved in n64
 *   [sp+72]   s8/fp         $30
 *   [sp+80]   ra            where the context resumes
 *   [sp+88]   $f24..$f31    the n64 callee-saved FPRs (64-bit FPU, FR=1,
 *                           all eight; hard-float only)
 *   [sp+152]  FCSR          rounding mode and enables: kept per thread, like
 *                           MXCSR on x86-64, so fesetround() in one thread
 *                           does not leak into another
 * The context object holds only sp (offset 0).
 *
 * Position independence: the start stub calls entry() with $t9 = its
 * address, as PIC callees expect; _st_md_init finds the stub with a
 * PC-relative bal, and the stub derives gp from its own address (it is
 * entered by jr ra, so ra holds it) to reach _st_md_entry_returned through
 * the GOT.
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

#define FRAME 160

#if defined(__mips_hard_float)
#define ST_MIPS_FP 1
#endif

        .set    noreorder
        .set    nomips16
        .text

/* Restore what _st_md_switch saved, leaving the resume address in ra.  It
 * stops short of popping the frame: the caller puts that daddiu in the
 * delay slot of its jump, and a macro ending in a branch would hide what
 * fills the slot.  Shared with _st_md_start so the two cannot drift apart. */
.macro RESTORE_SAVED
#if defined(ST_MIPS_FP)
        ld      $12, 152($sp)
        ctc1    $12, $31
        ldc1    $f24, 88($sp)
        ldc1    $f25, 96($sp)
        ldc1    $f26, 104($sp)
        ldc1    $f27, 112($sp)
        ldc1    $f28, 120($sp)
        ldc1    $f29, 128($sp)
        ldc1    $f30, 136($sp)
        ldc1    $f31, 144($sp)
#endif
        ld      $16, 0($sp)
        ld      $17, 8($sp)
        ld      $18, 16($sp)
        ld      $19, 24($sp)
        ld      $20, 32($sp)
        ld      $21, 40($sp)
        ld      $22, 48($sp)
        ld      $23, 56($sp)
        ld      $28, 64($sp)
        ld      $30, 72($sp)
        ld      $31, 80($sp)
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 3
ST_FUNC_BEGIN(_st_md_switch)
        daddiu  $sp, $sp, -FRAME
        sd      $16, 0($sp)
        sd      $17, 8($sp)
        sd      $18, 16($sp)
        sd      $19, 24($sp)
        sd      $20, 32($sp)
        sd      $21, 40($sp)
        sd      $22, 48($sp)
        sd      $23, 56($sp)
        sd      $28, 64($sp)
        sd      $30, 72($sp)
        sd      $31, 80($sp)
#if defined(ST_MIPS_FP)
        sdc1    $f24, 88($sp)
        sdc1    $f25, 96($sp)
        sdc1    $f26, 104($sp)
        sdc1    $f27, 112($sp)
        sdc1    $f28, 120($sp)
        sdc1    $f29, 128($sp)
        sdc1    $f30, 136($sp)
        sdc1    $f31, 144($sp)
        cfc1    $12, $31
        sd      $12, 152($sp)
#endif
        sd      $sp, 0($4)
        ld      $sp, 0($5)
        RESTORE_SAVED
        jr      $31
        daddiu  $sp, $sp, FRAME         /* (delay slot) */
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_entry_t entry) */
        .p2align 3
ST_FUNC_BEGIN(_st_md_init)
        li      $12, -16
        and     $6, $6, $12             /* hi, 16-byte aligned */
        daddiu  $12, $6, -FRAME         /* the initial switch frame */
        move    $13, $12
1:      sd      $0, 0($13)              /* zero every slot */
        daddiu  $13, $13, 8
        sltu    $14, $13, $6
        bnez    $14, 1b
        nop
        sd      $7, 0($12)              /* s0: entry */
        move    $13, $31                /* address of the start stub (PIC) */
        bal     2f
        nop
2:      daddiu  $14, $31, ST_SYM(_st_md_start) - 2b
        move    $31, $13
        sd      $14, 80($12)            /* ra: where the first switch lands */
#if defined(ST_MIPS_FP)
        cfc1    $13, $31                /* inherit the creator's FP modes */
        sd      $13, 152($12)
#endif
        jr      $31
        sd      $12, 0($4)              /* (delay slot) */
ST_FUNC_END(_st_md_init)

/* First code run by a new context: sp == hi (16-byte aligned), ra == the
 * address of this stub, fp == 0 ends the frame chain.  When entry returns
 * the context to resume, the finished one is dropped and the other
 * restored as in _st_md_switch, but entered with jr $12: only jr $31 is a
 * return hint, and the first switch to this context consumed the return
 * predictor's entry for the return we skip, so the resumed code's returns
 * predict well. */
        .p2align 3
ST_SYM(_st_md_start):
        lui     $28, %hi(%neg(%gp_rel(ST_SYM(_st_md_start))))
        daddu   $28, $28, $31
        daddiu  $28, $28, %lo(%neg(%gp_rel(ST_SYM(_st_md_start))))
        move    $25, $16                /* t9 = entry, for PIC callees */
        jalr    $25
        nop
        beqz    $2, 1f
        nop
        ld      $sp, 0($2)
        RESTORE_SAVED
        move    $12, $31
        jr      $12
        daddiu  $sp, $sp, FRAME         /* (delay slot) */
1:      ld      $25, %call16(ST_SYM(_st_md_entry_returned))($28)
        jalr    $25
        nop
        break

        .set    reorder

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
