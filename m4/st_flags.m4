# SPDX-License-Identifier: MIT
# serial 1
#
# ST_CHECK_CFLAG(VAR, FLAG)
# Append FLAG to the shell variable VAR when the C compiler accepts it
# with -Werror.  Used for warnings and visibility, never for CFLAGS.
AC_DEFUN([ST_CHECK_CFLAG], [
  AS_VAR_PUSHDEF([st_cache], [st_cv_cflag_$2])
  AC_CACHE_CHECK([whether $CC accepts $2], [st_cache], [
    st_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror $2"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AS_VAR_SET([st_cache], [yes])], [AS_VAR_SET([st_cache], [no])])
    CFLAGS=$st_save_CFLAGS])
  AS_VAR_IF([st_cache], [yes], [$1="$$1 $2"])
  AS_VAR_POPDEF([st_cache])
])
