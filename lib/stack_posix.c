/* SPDX-License-Identifier: MIT */
/* stack_posix.c - thread stack mappings with mmap; their guards. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
#if defined(__linux__) && !defined(MADV_GUARD_INSTALL)
#define MADV_GUARD_INSTALL  102         /* Linux 6.13 */
#endif

char *_st_stack_os_map(size_t total)
{
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

void _st_stack_os_unmap(char *vaddr, size_t total)
{
    munmap(vaddr, total);
}

int _st_stack_os_protect_none(char *addr, size_t len)
{
    return mprotect(addr, len, PROT_NONE);
}

/* Guard regions: -1 not yet probed, 0 unavailable, 1 available.
 * LIBST_NO_GUARD_REGIONS=1 in the environment forces the fallback (for
 * tests and for comparing the two). */
static int regions_state = -1;

#if defined(MADV_GUARD_INSTALL)
/* Does MADV_GUARD_INSTALL work here, really?  An emulator (qemu-user)
 * may accept the advice and do nothing, so the probe also checks that
 * the kernel now refuses to read the page (write(2) from it fails). */
static int probe_guard_regions(size_t page)
{
    const char *off = getenv("LIBST_NO_GUARD_REGIONS");
    int p[2], ok = 0;
    char *m;

    if (off != NULL && *off != '\0' && strcmp(off, "0") != 0)
        return 0;
    m = mmap(NULL, page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    if (madvise(m, page, MADV_GUARD_INSTALL) == 0 && pipe(p) == 0) {
        ok = write(p[1], m, 1) < 0 && errno == EFAULT;
        close(p[0]);
        close(p[1]);
    }
    munmap(m, page);
    return ok;
}
#endif

/* Put a guard region on [addr, addr + len): 1 if done. */
int _st_stack_os_guard_region(char *addr, size_t len, size_t page)
{
#if defined(MADV_GUARD_INSTALL)
    int st = __atomic_load_n(&regions_state, __ATOMIC_RELAXED);

    if (st < 0) {
        st = probe_guard_regions(page);
        __atomic_store_n(&regions_state, st, __ATOMIC_RELAXED);
    }
    /* May still fail for one mapping (say, locked by mlockall). */
    return st == 1 && madvise(addr, len, MADV_GUARD_INSTALL) == 0;
#else
    (void)addr;
    (void)len;
    (void)page;
    return 0;
#endif
}
