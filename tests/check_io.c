/* SPDX-License-Identifier: MIT */
/* check_io.c - placeholder replaced below. */
#include "testutil.h"
START_TEST(init_works)
{
    ck_assert_int_eq(st_init(), 0);
}
END_TEST
int main(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("io");
    tcase_add_test(tc, init_works);
    suite_add_tcase(s, tc);
    return st_test_run(s);
}
