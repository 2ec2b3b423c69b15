# SPDX-License-Identifier: MIT
# serial 3
#
# ST_CONTEXT_PROBES
# Probe the three context-switch methods.  Sets st_cv_ctx_asm,
# st_cv_ctx_ucontext and st_cv_ctx_setjmp to yes or no.  Each may be
# preset on the configure command line (for cross builds or odd libcs).
AC_DEFUN([ST_CONTEXT_PROBES], [
  AC_CACHE_CHECK([for a hand-assembly context switch for $host_cpu],
    [st_cv_ctx_asm], [
    st_cv_ctx_asm=no
    AS_IF([test -n "$st_md_asm_file"], [
      # The toolchain must assemble the GNU dialect our .S files use.
      AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#if !defined(__GNUC__) && !defined(__clang__)
#error need the GNU assembler dialect
#endif
/* .text and .p2align: every object format (ELF, Mach-O, PE) has them. */
__asm__(".text\n.p2align 2\nst_conftest_label:\n");
]], [])], [st_cv_ctx_asm=yes])])])

  AC_CHECK_HEADERS([ucontext.h])
  AC_CHECK_FUNCS([getcontext makecontext swapcontext])
  AC_CACHE_CHECK([whether makecontext/swapcontext work], [st_cv_ctx_ucontext], [
    AS_IF([test "x$ac_cv_header_ucontext_h$ac_cv_func_getcontext$ac_cv_func_makecontext$ac_cv_func_swapcontext" != xyesyesyesyes],
      [st_cv_ctx_ucontext=no],
      [AC_RUN_IFELSE([AC_LANG_PROGRAM([[
#include <stdlib.h>
#include <ucontext.h>
static ucontext_t a, b;
static volatile int ran;
static void f(void) { ran = 1; swapcontext(&b, &a); }
]], [[
  static char stk[65536];
  if (getcontext(&b) != 0) return 1;
  b.uc_stack.ss_sp = stk;
  b.uc_stack.ss_size = sizeof stk;
  b.uc_link = 0;
  makecontext(&b, f, 0);
  if (swapcontext(&a, &b) != 0) return 2;
  return ran ? 0 : 3;
]])], [st_cv_ctx_ucontext=yes], [st_cv_ctx_ucontext=no],
      [st_cv_ctx_ucontext=yes])])])

  AC_CHECK_FUNCS([sigaltstack])
  # The largest signal frame, which sizes the setjmp method's boot area.
  AC_CHECK_HEADERS([sys/auxv.h])
  AC_CHECK_FUNCS([getauxval])
  AC_CACHE_CHECK([for _setjmp/_longjmp with sigaltstack], [st_cv_ctx_setjmp], [
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#include <setjmp.h>
#include <signal.h>
]], [[
  jmp_buf jb;
  stack_t ss;
  ss.ss_sp = 0; ss.ss_size = 0; ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, 0);
  if (_setjmp(jb) == 0) _longjmp(jb, 1);
]])], [st_cv_ctx_setjmp=yes], [st_cv_ctx_setjmp=no])])
])
