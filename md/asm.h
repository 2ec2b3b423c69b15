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

#endif /* ST_MD_ASM_H */
