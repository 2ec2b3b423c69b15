/* SPDX-License-Identifier: MIT */
/* i386.S - context switch for 32-bit x86, System V i386 ABI (Linux, BSD). */
/*
 * Saved state, on the suspended context's own stack, lowest address first:
 *   [sp+0]   MXCSR (4 bytes; only when built with SSE, else unused)
 *   [sp+4]   x87 control word (2 bytes) and padding
 *   [sp+8]   edi, esi, ebx, ebp   (the i386 callee-saved registers)
 *   [sp+24]  return address
 * The context object holds only sp (offset 0).  The x87 control word (and
 * MXCSR with SSE) carry the rounding mode and exception masks, which the
 * ABI treats as preserved across calls; they are kept per thread like on
 * x86-64.  No x87 or SSE data register is callee-saved.  Modern Linux
 * i386 code expects esp+4 to be 16-byte aligned on function entry (the
 * stack is 16-byte aligned at each call); a new context starts that way.
 */
#define ST_ASM 1
#include "config.h"
#include "asm.h"

#define FRAME 28

        .text

/* Restore what _st_md_switch saved, from the stack at esp up to (not
 * including) the return address; shared with _st_md_start so the two
 * cannot drift apart. */
.macro RESTORE_SAVED
#if defined(__SSE__)
        ldmxcsr (%esp)
#endif
        fldcw   4(%esp)
        addl    $8, %esp
        popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
.endm

/* void _st_md_switch(_st_md_context_t *from, _st_md_context_t *to) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_switch)
        movl    4(%esp), %eax           /* from */
        movl    8(%esp), %edx           /* to */
        pushl   %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        subl    $8, %esp
#if defined(__SSE__)
        stmxcsr (%esp)
#endif
        fnstcw  4(%esp)
        movl    %esp, (%eax)
        movl    (%edx), %esp
        RESTORE_SAVED
        ret
ST_FUNC_END(_st_md_switch)

/* void _st_md_init(_st_md_context_t *ctx, void *lo, void *hi,
 *                  _st_md_entry_t entry) */
        .p2align 4
ST_FUNC_BEGIN(_st_md_init)
        movl    12(%esp), %edx          /* hi */
        andl    $-16, %edx              /* 16-byte aligned */
        call    1f                      /* eax = address of 1 (PIC) */
1:      popl    %eax
        leal    ST_SYM(_st_md_start)-1b(%eax), %eax
        movl    %eax, -4(%edx)          /* return address of the switch */
        movl    $0, -8(%edx)            /* ebp: end of the frame chain */
        movl    16(%esp), %eax
        movl    %eax, -12(%edx)         /* ebx: entry */
        movl    $0, -16(%edx)           /* esi */
        movl    $0, -20(%edx)           /* edi */
        movl    $0, -28(%edx)
        movl    $0, -24(%edx)
#if defined(__SSE__)
        stmxcsr -28(%edx)               /* inherit the creator's FP modes */
#endif
        fnstcw  -24(%edx)
        leal    -FRAME(%edx), %eax
        movl    4(%esp), %ecx           /* ctx */
        movl    %eax, (%ecx)
        ret
ST_FUNC_END(_st_md_init)

/* First code run by a new context: esp == hi (16-byte aligned), so each
 * call below enters its callee with esp+4 16-byte aligned.  When entry
 * returns the context to resume, the finished one is dropped and the
 * other restored as in _st_md_switch, but entered with a jump: the first
 * switch to this context consumed the return predictor's entry for the
 * return we skip, so the resumed code's returns predict well. */
        .p2align 4
ST_SYM(_st_md_start):
        xorl    %ebp, %ebp
        call    *%ebx
        testl   %eax, %eax
        jz      1f
        movl    (%eax), %esp
        RESTORE_SAVED
        popl    %ecx
        jmp     *%ecx
1:      call    ST_SYM(_st_md_entry_returned)
        hlt

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
