/* SPDX-License-Identifier: MIT */
/* stack_win.c - thread stack mappings from VirtualAlloc, with a guard. */
/*
 * The zone below a stack's usable bottom (stack.c's 64 KiB low zone,
 * ST_MD_STACK_LOW):
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
 * Wine) treat it as a thread stack.  The guard costs no budget: it is
 * stack.c's "guard region" kind.
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

void _st_stack_os_unmap(char *vaddr, size_t total)
{
    (void)total;
    VirtualFree(vaddr, 0, MEM_RELEASE);
}

int _st_stack_os_guard_region(char *addr, size_t len, size_t page)
{
    DWORD old;

    /* md/x86_64-win.S puts DeallocationStack ST_MD_STACK_LOW below lo. */
    ST_ASSERT(len == ST_MD_STACK_LOW);
    return VirtualProtect(addr + len - page, page,
                          PAGE_READWRITE | PAGE_GUARD, &old) != 0;
}

int _st_stack_os_protect_none(char *addr, size_t len)
{
    DWORD old;

    return VirtualProtect(addr, len, PAGE_NOACCESS, &old) ? 0 : -1;
}
