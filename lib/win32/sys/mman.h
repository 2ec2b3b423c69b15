/* SPDX-License-Identifier: MIT */
/* sys/mman.h - names only: memory mappings on Windows are VirtualAlloc's
 * (lib/stack_win.c).  mmap and its kin fail with ENOSYS, for the tests
 * that probe Linux mappings to compile. */
#ifndef ST_WIN32_COMPAT_SYS_MMAN_H
#define ST_WIN32_COMPAT_SYS_MMAN_H

#include <errno.h>
#include <stddef.h>

#define PROT_NONE       0
#define PROT_READ       1
#define PROT_WRITE      2
#define MAP_PRIVATE     2
#define MAP_ANONYMOUS   0x20
#define MAP_ANON        MAP_ANONYMOUS
#define MAP_FAILED      ((void *)-1)

static inline void *_st_win_mmap(void)
{
    errno = ENOSYS;
    return MAP_FAILED;
}
static inline int _st_win_nommap(void)
{
    errno = ENOSYS;
    return -1;
}
#define mmap(a, l, p, f, d, o)  ((void)(a), (void)(l), _st_win_mmap())
#define munmap(a, l)            ((void)(a), (void)(l), _st_win_nommap())
#define mprotect(a, l, p)       ((void)(a), (void)(l), _st_win_nommap())
#define madvise(a, l, v)        ((void)(a), (void)(l), _st_win_nommap())

#endif
