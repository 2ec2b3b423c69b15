/* SPDX-License-Identifier: MIT */
/* stack_posix.c - thread stack mappings with mmap and a PROT_NONE guard. */
#include "config.h"

#include <sys/mman.h>

#include "common.h"
#include "stack.h"

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif
#ifndef MAP_STACK
#define MAP_STACK 0
#endif

char *_st_stack_os_map(size_t total)
{
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

/* One PROT_NONE page: the SIGSEGV handler (guard.c) runs on an
 * alternate signal stack, so it needs no room below the guard. */
size_t _st_stack_os_guard_len(size_t page)
{
    return page;
}

size_t _st_stack_os_guard(char *vaddr, size_t page)
{
    return mprotect(vaddr, page, PROT_NONE) == 0 ? page : 0;
}

void _st_stack_os_unmap(char *vaddr, size_t total)
{
    munmap(vaddr, total);
}
