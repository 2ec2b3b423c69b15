/* SPDX-License-Identifier: MIT */
/* x86_64.S - context switch for x86-64, System V ABI (ELF and Mach-O). */
/*
 * Saved state, on the suspended context's own stack, lowest address first:
 *   [sp+0]  MXCSR (4 bytes) and x87 control word (2 bytes), 8-byte slot
 *   [sp+8]  r15, r14, r13, r12, rbx, rbp  (the SysV callee-saved GPRs)
 *   [sp+56] return address
 * A fresh context (_st_md_init) sets only the modes, rbx (its entry) and
 * the return address (_st_md_start); its first resume reads no other slot.
 * The context object holds only sp (offset 0).  xmm registers are all
 * caller-saved in the SysV ABI, so none are saved.  The stack is 16-byte
 * aligned at every call, as the ABI requires.
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

        .text

/* The saved MXCSR and x87 control word at rsp, loaded only where they
 * differ from the leaving context's (r8d: its MXCSR, r9w: its control
 * word), or always where r8d is -1 (no MXCSR has its reserved top bits
 * set).  Threads almost never change these modes, and on Intel ldmxcsr
 * and fldcw are slow, partly serialising instructions, so there the
 * usual switch keeps the modes in force.  Comparing needs the leaving
 * modes in registers, read back from the stmxcsr/fnstcw stores just
 * made, and on AMD (Zen) that read-back costs more than the two loads
 * (cond ping-pong 0.81x, yield 0.85x without it on an EPYC): so the
 * switch reads back only where _st_md_fp_compare (md/common.c, set from
 * the CPU vendor at load time) says so. */
.macro RESTORE_MODES
        cmpl    (%rsp), %r8d
        jne     6f
        cmpw    4(%rsp), %r9w
        je      7f
6:
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
7:
.endm

/* Restore what _st_md_switch saved, from the stack at rsp up to (not
 * including) the return address. */
.macro RESTORE_SAVED
        RESTORE_MODES
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
.endm

/* Resume the context whose saved state is at rsp; rax holds the return
 * address of the context that is leaving, which is the top entry of the
 * CPU's return predictor (pushed by the call into _st_md_switch, or into
 * the wait that tail-called it).  A suspended context whose return
 * address is the same (both sides wait at the same place) returns with
 * `ret`, which that entry predicts.  Any other one would make `ret`
 * mispredict, so it is resumed by an indirect jump to its return address,
 * which the indirect-branch predictor learns from the path taken.  A
 * fresh one (its return address is still _st_md_start) is entered with a
 * direct jump and no return, so a thread that ends by resuming the one
 * that started it (create, run, join) returns into it on the entry that
 * its own start left on the predictor. */
.macro RESUME
        cmpq    %rax, 56(%rsp)          /* the return address */
        jne     8f
        RESTORE_SAVED
        ret
8:      leaq    ST_SYM(_st_md_start)(%rip), %rcx
        cmpq    %rcx, 56(%rsp)
        je      9f
#if defined(__ELF__)
        /* For the waits that return by _st_md_wait_return: our return
         * address is now the predictor's top entry. */
        movq    _st_wait_site@gottpoff(%rip), %rcx
        movq    %rax, %fs:(%rcx)
#endif
        RESTORE_SAVED
        popq    %rcx
        jmp     *%rcx
9:      ENTER_FRESH
.endm

/* Enter the fresh context whose saved state is at rsp. */
.macro ENTER_FRESH
        RESTORE_MODES
        movq    40(%rsp), %rbx          /* entry; the other slots are unset */
        addq    $64, %rsp               /* rsp = hi */
        jmp     ST_SYM(_st_md_start)
.endm

/* The same from the start-up code, when a thread has returned from its
 * entry: the predictor's top entry is then the one that was below the
 * thread's start, so a suspended context always returns with `ret` (its
 * joiner, which started it, does so at that entry). */
.macro RESUME_FROM_EXIT
        leaq    ST_SYM(_st_md_start)(%rip), %rcx
        cmpq    %rcx, 56(%rsp)
        je      9f
        RESTORE_SAVED
        ret
9:      ENTER_FRESH
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_switch)
        movq    (%rsp), %rax            /* our return address */
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        READ_BACK_MODES 0
        movq    %rsp, (%rdi)
        movq    (%rsi), %rsp
        RESUME
ST_FUNC_END(_st_md_switch)

#if defined(__ELF__)
/* int _st_md_wait_return(int rv), tail-called by a wait (lib/switch.h):
 * return rv to the wait's caller, with `ret` if the thread that switched
 * to this one waited at the same place (_st_wait_site), and otherwise by
 * an indirect jump. */
        .p2align 4
ST_FUNC_BEGIN(_st_md_wait_return)
        movl    %edi, %eax
        movq    _st_wait_site@gottpoff(%rip), %rcx
        movq    %fs:(%rcx), %rcx
        cmpq    %rcx, (%rsp)
        jne     1f
        ret
1:      popq    %rcx
        jmp     *%rcx
ST_FUNC_END(_st_md_wait_return)
#endif

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_context_t *(*entry)(void)) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_init)
        andq    $-16, %rdx              /* hi, 16-byte aligned */
        leaq    ST_SYM(_st_md_start)(%rip), %rax
        movq    %rax, -8(%rdx)          /* return address of the switch */
        movq    %rcx, -24(%rdx)         /* rbx: entry (ENTER_FRESH reads
                                           only this and the modes) */
        stmxcsr -64(%rdx)               /* inherit the creator's FP modes */
        fnstcw  -60(%rdx)
        leaq    -64(%rdx), %rax
        movq    %rax, (%rdi)
        ret
ST_FUNC_END(_st_md_init)

/* First code run by a new context: rsp == hi (16-byte aligned), rbx ==
 * entry.  When entry returns the context to resume, the finished one is
 * dropped and the other resumed as in _st_md_switch. */
        .p2align 4
ST_SYM(_st_md_start):
        xorl    %ebp, %ebp
        callq   *%rbx
        testq   %rax, %rax
        jz      1f
        stmxcsr -8(%rsp)                /* the finished thread's modes */
        fnstcw  -4(%rsp)
        READ_BACK_MODES -8
        movq    (%rax), %rsp
        RESUME_FROM_EXIT
1:      callq   ST_SYM(_st_md_entry_returned)
        hlt

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
