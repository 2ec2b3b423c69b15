/* SPDX-License-Identifier: MIT */
/* asm.h - helpers shared by the hand-assembly context switches. */
#ifndef ST_MD_ASM_H
#define ST_MD_ASM_H

#if defined(__APPLE__)
#define ST_SYM(name) _##name
#define ST_FUNC_BEGIN(name) \
    .globl ST_SYM(name); .private_extern ST_SYM(name); ST_SYM(name):
#define ST_FUNC_END(name)
#elif defined(_WIN32)
/* PE/COFF: a function symbol; only the DLL's .def file exports. */
#define ST_SYM(name) name
#define ST_FUNC_BEGIN(name) \
    .globl name; .def name; .scl 2; .type 32; .endef; name:
#define ST_FUNC_END(name)
#else
#define ST_SYM(name) name
#define ST_FUNC_BEGIN(name) \
    .globl name; .hidden name; .type name, %function; name:
#define ST_FUNC_END(name) .size name, . - name
#endif

#if defined(__x86_64__)
/* Both x86-64 switches (System V and Windows): r8d, r9w = the MXCSR and
 * x87 control word just stored at off(%rsp), where the CPU gains by
 * comparing them with the resumed context's (_st_md_fp_compare, set in
 * md/common.c; md/x86_64.S says why); else r8d = -1, which no saved
 * MXCSR equals, so that the modes are loaded. */
.macro READ_BACK_MODES off
        movl    $-1, %r8d
        testb   $1, ST_SYM(_st_md_fp_compare)(%rip)
        jz      5f
        movl    \off(%rsp), %r8d
        movzwl  \off+4(%rsp), %r9d
5:
.endm
#endif

#endif /* ST_MD_ASM_H */
