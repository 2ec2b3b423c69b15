/* SPDX-License-Identifier: MIT */
/* check_time.c - placeholder replaced below. */
#include "testutil.h"
START_TEST(init_works)
{
    ck_assert_int_eq(st_init(), 0);
}
END_TEST
int main(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");
    tcase_add_test(tc, init_works);
    suite_add_tcase(s, tc);
    return st_test_run(s);
}
