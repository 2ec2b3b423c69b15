/* SPDX-License-Identifier: MIT */
/* win-overflow.c - Windows only: a thread that overflows its stack runs
 * into the guard page, and the vectored handler names it on stderr and
 * ends the process with STATUS_STACK_OVERFLOW (lib/guard_win.c).  Run by
 * tests/windows-check.sh, which checks the message and the status. */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>

#include "st.h"

static __attribute__((noinline)) int recurse(int n)
{
    volatile char pad[1024];

    pad[0] = (char)n;
    return recurse(n + 1) + pad[0];
}

static void *deep(void *arg)
{
    (void)arg;
    st_thread_setname(NULL, "deep");
    return (void *)(INT_PTR)recurse(0);
}

int main(void)
{
    if (st_init() < 0)
        return 2;
    if (st_thread_create(deep, NULL, 0, 64 * 1024) == NULL)
        return 2;
    st_thread_exit(NULL);
    return 3;                           /* not reached */
}
