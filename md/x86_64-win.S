/* SPDX-License-Identifier: MIT */
/* x86_64-win.S - context switch for x86-64, Windows x64 ABI (PE/COFF). */
/*
 * The Windows x64 ABI makes rbx, rbp, rdi, rsi, r12-r15 and xmm6-xmm15
 * callee-saved, with MXCSR's control bits and the x87 control word.  A
 * thread's stack bounds live in the thread information block (gs:):
 *   gs:0x00   ExceptionList       unused by Windows on x64; Wine keeps
 *                                 its own handler frames there, which
 *                                 live on the stack they were made on
 *   gs:0x08   StackBase           top of the stack (exclusive)
 *   gs:0x10   StackLimit          lowest committed address
 *   gs:0x1478 DeallocationStack   start of the stack's allocation
 * The unwinder (SEH, C++ exceptions, RtlCaptureStackBackTrace) refuses
 * frames outside [StackLimit, StackBase), so each context carries its
 * own bounds and the switch installs them.
 *
 * Saved state, on the suspended context's own stack, lowest address first:
 *   [sp+0]    MXCSR (4 bytes) and x87 control word (2 bytes), 8-byte slot
 *   [sp+8]    xmm6 ... xmm15        (16-byte aligned: sp is 8 mod 16)
 *   [sp+168]  padding
 *   [sp+176]  ExceptionList, StackBase, StackLimit, DeallocationStack
 *   [sp+208]  r15, r14, r13, r12, rsi, rdi, rbx, rbp
 *   [sp+272]  return address
 * The context object holds only sp (offset 0).
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

/* Bytes below a thread stack's usable bottom that belong to its
 * allocation (lib/stack_win.c: the overflow handler's room and the
 * guard page); DeallocationStack is that far below lo.  Keep equal to
 * ST_MD_STACK_LOW in md/md.h. */
#define STACK_LOW 65536

        .text

/* Restore what _st_md_switch saved.  The FP modes are loaded only where
 * they differ from the leaving context's (r8d: its MXCSR, r9w: its x87
 * control word), or always where r8d is -1: ldmxcsr and fldcw are slow,
 * partly serialising instructions on Intel, and threads almost never
 * change these modes. */
.macro RESTORE_SAVED
        cmpl    (%rsp), %r8d
        jne     6f
        cmpw    4(%rsp), %r9w
        je      7f
6:
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
7:
        movaps  8(%rsp), %xmm6
        movaps  24(%rsp), %xmm7
        movaps  40(%rsp), %xmm8
        movaps  56(%rsp), %xmm9
        movaps  72(%rsp), %xmm10
        movaps  88(%rsp), %xmm11
        movaps  104(%rsp), %xmm12
        movaps  120(%rsp), %xmm13
        movaps  136(%rsp), %xmm14
        movaps  152(%rsp), %xmm15
        addq    $176, %rsp
        popq    %gs:0x00
        popq    %gs:0x08
        popq    %gs:0x10
        popq    %gs:0x1478
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rsi
        popq    %rdi
        popq    %rbx
        popq    %rbp
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to)
 * from in rcx, to in rdx.  No exception can be raised in here, and the
 * stack pointer moves to another stack halfway, so it has no unwind
 * information (an unwinder would see it as a leaf function). */
        .p2align 4
ST_FUNC_BEGIN(_st_md_switch)
        pushq   %rbp
        pushq   %rbx
        pushq   %rdi
        pushq   %rsi
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %gs:0x1478
        pushq   %gs:0x10
        pushq   %gs:0x08
        pushq   %gs:0x00
        subq    $176, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        READ_BACK_MODES 0
        movaps  %xmm6, 8(%rsp)
        movaps  %xmm7, 24(%rsp)
        movaps  %xmm8, 40(%rsp)
        movaps  %xmm9, 56(%rsp)
        movaps  %xmm10, 72(%rsp)
        movaps  %xmm11, 88(%rsp)
        movaps  %xmm12, 104(%rsp)
        movaps  %xmm13, 120(%rsp)
        movaps  %xmm14, 136(%rsp)
        movaps  %xmm15, 152(%rsp)
        movq    %rsp, (%rcx)
        movq    (%rdx), %rsp
        RESTORE_SAVED
        ret
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_context_t *(*entry)(void))
 * ctx in rcx, lo in rdx, hi in r8, entry in r9.  The first switch
 * "returns" into _st_md_start with rsp = hi - 16, where a zero word is
 * the return address that ends every stack walk. */
        .p2align 4
ST_FUNC_BEGIN(_st_md_init)
        andq    $-16, %r8               /* hi, 16-byte aligned */
        movq    $0, -8(%r8)             /* padding */
        movq    $0, -16(%r8)            /* the walk's end */
        leaq    ST_SYM(_st_md_start)(%rip), %rax
        movq    %rax, -24(%r8)          /* return address of the switch */
        movq    $0, -32(%r8)            /* rbp: end of the frame chain */
        movq    %r9, -40(%r8)           /* rbx: entry */
        movq    $0, -48(%r8)            /* rdi */
        movq    $0, -56(%r8)            /* rsi */
        movq    $0, -64(%r8)            /* r12 */
        movq    $0, -72(%r8)            /* r13 */
        movq    $0, -80(%r8)            /* r14 */
        movq    $0, -88(%r8)            /* r15 */
        leaq    -STACK_LOW(%rdx), %rax
        movq    %rax, -96(%r8)          /* DeallocationStack */
        movq    %rdx, -104(%r8)         /* StackLimit = lo */
        movq    %r8, -112(%r8)          /* StackBase = hi */
        movq    $-1, -120(%r8)          /* ExceptionList: empty */
        leaq    -296(%r8), %rax         /* sp: 8 mod 16, as in a switch */
        pxor    %xmm0, %xmm0            /* xmm6-15 of a new thread: 0 */
        movaps  %xmm0, 8(%rax)
        movaps  %xmm0, 24(%rax)
        movaps  %xmm0, 40(%rax)
        movaps  %xmm0, 56(%rax)
        movaps  %xmm0, 72(%rax)
        movaps  %xmm0, 88(%rax)
        movaps  %xmm0, 104(%rax)
        movaps  %xmm0, 120(%rax)
        movaps  %xmm0, 136(%rax)
        movaps  %xmm0, 152(%rax)
        stmxcsr (%rax)                  /* inherit the creator's FP modes */
        fnstcw  4(%rax)
        movq    %rax, (%rcx)
        ret
ST_FUNC_END(_st_md_init)

/* First code run by a new context: rsp == hi - 16 (16-byte aligned, the
 * zero return address at [rsp]), rbx == entry.  Its unwind information
 * leads a stack walk to that zero, where the walk ends.  When entry
 * returns the context to resume, the finished one is dropped and the
 * other resumed as in _st_md_switch. */
        .p2align 4
        .def    ST_SYM(_st_md_start); .scl 3; .type 32; .endef
        .seh_proc ST_SYM(_st_md_start)
ST_SYM(_st_md_start):
        subq    $32, %rsp               /* the callee's shadow space */
        .seh_stackalloc 32
        .seh_endprologue
        xorl    %ebp, %ebp
        callq   *%rbx
        testq   %rax, %rax
        jz      1f
        movq    (%rax), %rsp
        movl    $-1, %r8d               /* no saved modes to compare */
        RESTORE_SAVED
        ret
1:      callq   ST_SYM(_st_md_entry_returned)
        ud2
        .seh_endproc
