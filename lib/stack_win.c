/* SPDX-License-Identifier: MIT */
/* stack_win.c - thread stack mappings from VirtualAlloc, with a guard. */
/*
 * Below the usable bottom of a guarded stack (ST_MD_STACK_LOW bytes):
 *
 *   | room for the overflow handler (RW) | guard page (PAGE_GUARD) | usable
 *   vaddr                                                          bottom
 *
 * Windows delivers an exception on the faulting thread's own stack, just
 * below its stack pointer, so an overflow needs writable room under the
 * guard for the exception frames and the vectored handler (guard_win.c)
 * that names the thread.  A PAGE_GUARD page turns writable on its first
 * touch: the frame pushed for that fault fits.  The thread block's
 * bounds (md/x86_64-win.S) cover this whole allocation, so Windows (and
 * Wine) treat it as a thread stack: the guard fault is reported as
 * STATUS_GUARD_PAGE_VIOLATION or, after the room is used up,
 * STATUS_STACK_OVERFLOW.
 */
#include "config.h"

#include <winsock2.h>                   /* before windows.h, always */
#include <windows.h>

#include "common.h"
#include "stack.h"

char *_st_stack_os_map(size_t total)
{
    return VirtualAlloc(NULL, total, MEM_RESERVE | MEM_COMMIT,
                        PAGE_READWRITE);
}

size_t _st_stack_os_guard_len(size_t page)
{
    (void)page;
    return ST_MD_STACK_LOW;
}

size_t _st_stack_os_guard(char *vaddr, size_t page)
{
    DWORD old;

    if (!VirtualProtect(vaddr + ST_MD_STACK_LOW - page, page,
                        PAGE_READWRITE | PAGE_GUARD, &old))
        return 0;
    return ST_MD_STACK_LOW;
}

void _st_stack_os_unmap(char *vaddr, size_t total)
{
    (void)total;
    VirtualFree(vaddr, 0, MEM_RELEASE);
}
