/* SPDX-License-Identifier: MIT */
/* guard_win.c - naming a stack overflow on Windows (vectored handler). */
/*
 * The Windows counterpart of guard.c.  A thread that runs into the guard
 * page under its stack (stack_win.c) raises STATUS_GUARD_PAGE_VIOLATION,
 * STATUS_STACK_OVERFLOW or, past the guard, an access violation; the
 * exception is delivered on the same stack, in the room left for it
 * under the guard.  A vectored handler, which runs before any frame
 * handler, says which thread overflowed and ends the process with
 * STATUS_STACK_OVERFLOW, as an overflow of a Windows thread's own stack
 * would.  Other exceptions pass through unchanged.
 */
#include "config.h"

#include <winsock2.h>                   /* before windows.h, always */
#include <windows.h>

#include "common.h"

static PVOID handler;                   /* process-wide, never removed */

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_RECORD *er = ep->ExceptionRecord;
    _st_thread_t *t;
    const void *addr;

    switch (er->ExceptionCode) {
    case STATUS_GUARD_PAGE_VIOLATION:
    case STATUS_ACCESS_VIOLATION:
        if (er->NumberParameters < 2)
            return EXCEPTION_CONTINUE_SEARCH;
        addr = (const void *)er->ExceptionInformation[1];
        break;
    case STATUS_STACK_OVERFLOW:
        addr = (const void *)ep->ContextRecord->Rsp;
        break;
    default:
        return EXCEPTION_CONTINUE_SEARCH;
    }
    t = VP->current;
    if (t == NULL || !_st_stack_in_guard(t, addr))
        return EXCEPTION_CONTINUE_SEARCH;
    _st_stack_overflow_report(t, "ran into the guard page below its "
                              "stack; ending the process");
    TerminateProcess(GetCurrentProcess(), (UINT)STATUS_STACK_OVERFLOW);
    return EXCEPTION_CONTINUE_SEARCH;
}

int _st_guard_handler_init(void)
{
    PVOID h = AddVectoredExceptionHandler(1, on_exception);
    PVOID none = NULL;

    /* One handler for the process, however many schedulers start. */
    if (h != NULL &&
        !__atomic_compare_exchange_n(&handler, &none, h, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        RemoveVectoredExceptionHandler(h);
    return 0;
}

void _st_guard_handler_fini(void)
{
}
