# SPDX-License-Identifier: MIT
# serial 4
#
# ST_EVENTSYS_PROBES
# Decide which event systems to compile: select always; poll, epoll and
# kqueue when their headers and functions exist and --disable-<name> was
# not given; io_uring when liburing is found.  Sets st_ev_poll,
# st_ev_epoll, st_ev_kqueue, st_ev_io_uring to yes or no.
AC_DEFUN([ST_EVENTSYS_PROBES], [
  AC_ARG_ENABLE([poll],
    [AS_HELP_STRING([--disable-poll], [do not build the poll event system])],
    [], [enable_poll=auto])
  AC_ARG_ENABLE([epoll],
    [AS_HELP_STRING([--disable-epoll], [do not build the epoll event system])],
    [], [enable_epoll=auto])
  AC_ARG_ENABLE([io-uring],
    [AS_HELP_STRING([--disable-io-uring], [do not build the io_uring event system])],
    [], [enable_io_uring=auto])
  AC_ARG_ENABLE([kqueue],
    [AS_HELP_STRING([--disable-kqueue], [do not build the kqueue event system])],
    [], [enable_kqueue=auto])

  AC_CHECK_HEADERS([poll.h sys/select.h sys/epoll.h sys/event.h sys/timerfd.h])
  AC_CHECK_FUNCS([poll ppoll epoll_create1 epoll_pwait2 kqueue timerfd_create])

  st_ev_poll=no
  AS_IF([test "x$enable_poll" != xno && test "x$ac_cv_header_poll_h$ac_cv_func_poll" = xyesyes],
    [st_ev_poll=yes], [test "x$enable_poll" = xyes],
    [AC_MSG_ERROR([poll was requested but poll.h or poll() is missing])])
  st_ev_epoll=no
  AS_IF([test "x$enable_epoll" != xno && test "x$ac_cv_header_sys_epoll_h$ac_cv_func_epoll_create1" = xyesyes],
    [st_ev_epoll=yes], [test "x$enable_epoll" = xyes],
    [AC_MSG_ERROR([epoll was requested but sys/epoll.h is missing])])
  st_ev_kqueue=no
  AS_IF([test "x$enable_kqueue" != xno && test "x$ac_cv_header_sys_event_h$ac_cv_func_kqueue" = xyesyes],
    [st_ev_kqueue=yes], [test "x$enable_kqueue" = xyes],
    [AC_MSG_ERROR([kqueue was requested but sys/event.h is missing])])
  # io_uring: liburing's header and library (Linux).
  st_ev_io_uring=no
  ST_URING_LIBS=
  AS_IF([test "x$enable_io_uring" != xno], [
    AC_CHECK_HEADERS([liburing.h])
    AS_IF([test "x$ac_cv_header_liburing_h" = xyes],
      [AC_CHECK_LIB([uring], [io_uring_queue_init],
        [st_ev_io_uring=yes; ST_URING_LIBS=-luring])])
    AS_IF([test "x$enable_io_uring$st_ev_io_uring" = xyesno],
      [AC_MSG_ERROR([io_uring was requested but liburing (liburing-dev) is missing])])])
  AC_SUBST([ST_URING_LIBS])

  # One alternative system per build: kqueue where the host has it.
  AS_IF([test "x$st_ev_kqueue" = xyes], [st_ev_epoll=no])

  # Without a kernel kqueue, make check also runs the kqueue backend over
  # the emulation in tests/kqueue (it needs ppoll and Linux's POLLRDHUP).
  st_kq_emu=no
  AS_IF([test "x$st_ev_kqueue$ac_cv_func_ppoll" = xnoyes],
    [AC_CHECK_DECL([POLLRDHUP], [st_kq_emu=yes], [],
      [[#define _GNU_SOURCE 1
#include <poll.h>]])])
  AM_CONDITIONAL([KQUEUE_EMU], [test "x$st_kq_emu" = xyes])
  AH_BOTTOM([
/* The kqueue test build (tests/local.am) compiles the library and the
   suites again with this macro: kqueue, over the emulation in
   tests/kqueue, is then compiled, and so is ST_EVENTSYS_ALT (kqueue
   before epoll). */
#if defined(ST_TEST_KQUEUE_EMU)
# define ST_HAVE_KQUEUE_BACKEND 1
#endif])
])
