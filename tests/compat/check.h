/* SPDX-License-Identifier: MIT */
/* check.h - the part of Check's interface the suites use, for Windows. */
/*
 * Check needs fork() and POSIX pipes, which Windows lacks, so the MinGW
 * build compiles the same suites against this runner (check.c).  Like
 * Check in its default mode it isolates each test: it runs every test
 * in a fresh process (itself, started with CreateProcess), so a crash,
 * a hang (the test case's timeout) or leftover library state stays with
 * that test.  CK_FORK=no runs the tests in the runner's own process
 * instead, as Check does; the first failure then ends the run.
 * CK_RUN_SUITE and CK_RUN_CASE select as in Check.  Tests that cannot
 * apply on Windows are skipped by name (skips.h) and counted.
 */
#ifndef ST_CHECK_COMPAT_H
#define ST_CHECK_COMPAT_H

#include <stdint.h>
#include <string.h>

typedef struct Suite Suite;
typedef struct TCase TCase;
typedef struct SRunner SRunner;
typedef void (*TFun)(int);

enum print_output { CK_SILENT, CK_MINIMAL, CK_NORMAL, CK_VERBOSE, CK_ENV };

#define START_TEST(name) static void name(int _i) { (void)_i;
#define END_TEST }

Suite *suite_create(const char *name);
TCase *tcase_create(const char *name);
void suite_add_tcase(Suite *s, TCase *tc);
void _tcase_add_test(TCase *tc, TFun f, const char *name, int start,
                     int end);
#define tcase_add_test(tc, f) _tcase_add_test((tc), (f), #f, 0, 1)
#define tcase_add_loop_test(tc, f, s, e) \
    _tcase_add_test((tc), (f), #f, (s), (e))
void tcase_set_timeout(TCase *tc, double seconds);

SRunner *srunner_create(Suite *s);
void srunner_run_all(SRunner *sr, enum print_output mode);
int srunner_ntests_failed(SRunner *sr);
void srunner_free(SRunner *sr);

void _ck_failed(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(gnu_printf, 3, 4)));
void _ck_mark(const char *file, int line);

#define ck_abort_msg(...) _ck_failed(__FILE__, __LINE__, __VA_ARGS__)
#define ck_assert_msg(e, ...) \
    ((e) ? _ck_mark(__FILE__, __LINE__) : _ck_failed(__FILE__, __LINE__, \
        __VA_ARGS__))
#define ck_assert(e) \
    ck_assert_msg((e), "Assertion '%s' failed", #e)

#define _ck_cmp_int(X, OP, Y) do { \
    long long _x = (X), _y = (Y); \
    ck_assert_msg(_x OP _y, "Assertion '%s' failed: %s == %lld, %s == %lld", \
                  #X " " #OP " " #Y, #X, _x, #Y, _y); \
} while (0)
#define _ck_cmp_uint(X, OP, Y) do { \
    unsigned long long _x = (X), _y = (Y); \
    ck_assert_msg(_x OP _y, "Assertion '%s' failed: %s == %llu, %s == %llu", \
                  #X " " #OP " " #Y, #X, _x, #Y, _y); \
} while (0)
#define _ck_cmp_ptr(X, OP, Y) do { \
    const void *_x = (X), *_y = (Y); \
    ck_assert_msg(_x OP _y, "Assertion '%s' failed: %s == %p, %s == %p", \
                  #X " " #OP " " #Y, #X, _x, #Y, _y); \
} while (0)
#define ck_assert_int_eq(X, Y) _ck_cmp_int(X, ==, Y)
#define ck_assert_int_ne(X, Y) _ck_cmp_int(X, !=, Y)
#define ck_assert_int_lt(X, Y) _ck_cmp_int(X, <, Y)
#define ck_assert_int_le(X, Y) _ck_cmp_int(X, <=, Y)
#define ck_assert_int_gt(X, Y) _ck_cmp_int(X, >, Y)
#define ck_assert_int_ge(X, Y) _ck_cmp_int(X, >=, Y)
#define ck_assert_uint_eq(X, Y) _ck_cmp_uint(X, ==, Y)
#define ck_assert_uint_ne(X, Y) _ck_cmp_uint(X, !=, Y)
#define ck_assert_uint_lt(X, Y) _ck_cmp_uint(X, <, Y)
#define ck_assert_uint_le(X, Y) _ck_cmp_uint(X, <=, Y)
#define ck_assert_uint_gt(X, Y) _ck_cmp_uint(X, >, Y)
#define ck_assert_uint_ge(X, Y) _ck_cmp_uint(X, >=, Y)
#define ck_assert_ptr_eq(X, Y) _ck_cmp_ptr(X, ==, Y)
#define ck_assert_ptr_ne(X, Y) _ck_cmp_ptr(X, !=, Y)
#define ck_assert_ptr_null(X) _ck_cmp_ptr(X, ==, NULL)
#define ck_assert_ptr_nonnull(X) _ck_cmp_ptr(X, !=, NULL)
#define ck_assert_str_eq(X, Y) do { \
    const char *_x = (X), *_y = (Y); \
    ck_assert_msg(_x != NULL && _y != NULL && strcmp(_x, _y) == 0, \
                  "Assertion '%s' failed: %s == \"%s\", %s == \"%s\"", \
                  #X " == " #Y, #X, _x ? _x : "(null)", #Y, \
                  _y ? _y : "(null)"); \
} while (0)
#define ck_assert_str_ne(X, Y) do { \
    const char *_x = (X), *_y = (Y); \
    ck_assert_msg(_x == NULL || _y == NULL || strcmp(_x, _y) != 0, \
                  "Assertion '%s' failed: %s == \"%s\", %s == \"%s\"", \
                  #X " != " #Y, #X, _x ? _x : "(null)", #Y, \
                  _y ? _y : "(null)"); \
} while (0)
#define mark_point() _ck_mark(__FILE__, __LINE__)

#endif /* ST_CHECK_COMPAT_H */
