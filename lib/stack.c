/* SPDX-License-Identifier: MIT */
/* stack.c - thread stacks: mapping, guard pages, overflow checks, cache. */
/*
 * Layout of one mapping (addresses grow to the right):
 *
 *   | low zone | usable stack ........| slack | thread block | header | boot |
 *   vaddr      bottom                 top     tcb                          end
 *
 * The low zone (LOW_ZONE bytes) is a guard, the first kind that works:
 *  - a guard region (Linux 6.13+, madvise MADV_GUARD_INSTALL): page-table
 *    markers that fault on any access, cost no memory and do not split
 *    the mapping, so every stack has one at any thread count;
 *  - else PROT_NONE pages while the process-wide guard budget lasts (each
 *    splits the mapping in two, and vm.max_map_count caps the mappings of
 *    a process);
 *  - else nothing: the zone stays readable and is never written, so it
 *    reads as zeroes, and a non-zero word at its top, or a stack pointer
 *    below bottom at a switch, means the thread overflowed.  Reading that
 *    word maps the shared zero page, which costs no memory, except on
 *    kernels built without one, where it costs a page per such stack.
 * A cached stack keeps its guard, so a guard costs one system call per
 * mapping, not per thread.
 *
 * The thread block sits at the top of the stack so that a sleeping thread
 * touches a single page.  Its position moves by 64 bytes each time the
 * mapping is reused, so a stale handle to an earlier thread on the same
 * stack does not find a valid block; the stack top stays below the lowest
 * position, so every thread's first frame sits at the same offset in its
 * page (unless st_randomize_stacks moves it on purpose).  The boot area
 * is whole pages that the setjmp method writes while it makes a context
 * and releases at once (md/setjmp.c); the other methods have none.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "sanitizer.h"
#include "stack.h"

/* The zone below each stack.  64-bit address space is plentiful, so the
 * zone is deep enough that a frame with a large local array (up to about
 * 64 KiB) that jumps over its top still lands inside it.  32-bit hosts
 * cannot spare that for 100,000 stacks: one page when guarded, four
 * never-written pages when not. */
#define LOW_ZONE_64         (64 * 1024)
#define RED_ZONE_PAGES_32   4

static size_t low_zone(size_t page, int guarded)
{
    if (sizeof(void *) >= 8)
        return LOW_ZONE_64 > page ? LOW_ZONE_64 : page;
    return guarded ? page : RED_ZONE_PAGES_32 * page;
}

/* Guard pages in use by all schedulers of the process. */
static long guards_used;
static long guard_budget = -1;

static long read_guard_budget(void)
{
    long max_maps = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");

    if (f != NULL) {
        if (fscanf(f, "%ld", &max_maps) != 1)
            max_maps = 65530;
        fclose(f);
    }
    /* Each guard costs about two mappings; leave half for the program. */
    return max_maps / 4;
}

static int take_guard(void)
{
    long b = __atomic_load_n(&guard_budget, __ATOMIC_RELAXED);

    if (b < 0) {
        b = read_guard_budget();
        __atomic_store_n(&guard_budget, b, __ATOMIC_RELAXED);
    }
    if (__atomic_add_fetch(&guards_used, 1, __ATOMIC_RELAXED) <= b)
        return 1;
    __atomic_sub_fetch(&guards_used, 1, __ATOMIC_RELAXED);
    return 0;
}

static uint64_t next_random(void)
{
    /* xorshift64*: private, so the program's random() is left alone. */
    uint64_t x = VP->rng;

    if (x == 0)
        x = (uint64_t)st_utime() | 1;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    VP->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Move s->top down by a random multiple of 16 within its spare page. */
void _st_stack_randomize(_st_stack_t *s)
{
    s->top -= (next_random() % (VP->pagesize / 16)) * 16;
    ST_SAN_STACK_TOP_MOVED(s);
}

static void stack_unmap(_st_stack_t *s)
{
    ST_SAN_STACK_FREE(s);
    if (s->guarded == ST_GUARD_PAGES)
        __atomic_sub_fetch(&guards_used, 1, __ATOMIC_RELAXED);
    _st_stack_os_unmap(s->vaddr, s->vaddr_size);
}

/* Another cached stack (the best fit, but never more than twice the
 * request), or a new mapping; size is already rounded. */
_st_stack_t *_st_stack_new_slow(size_t size)
{
    _st_vp_t *vp = VP;
    size_t page = vp->pagesize;
    size_t reserve, boot, total, low;
    int guarded;
    _st_clist_t *q;
    _st_stack_t *s, *best = NULL;
    char *vaddr;

    for (q = vp->stack_cache.next; q != &vp->stack_cache; q = q->next) {
        s = ST_CONTAINER(q, _st_stack_t, links);
        if (s->size >= size && s->size <= 2 * size &&
            (best == NULL || s->size < best->size)) {
            best = s;
            if (s->size == size)
                break;                  /* exact */
        }
    }
    if (best != NULL)
        return _st_stack_take_cached(vp, best);

    reserve = ST_ALIGN_UP(sizeof(_st_stack_t), TCB_STEP) +
              ST_ALIGN_UP(sizeof(_st_thread_t), TCB_STEP) +
              (TCB_ROTATIONS - 1) * TCB_STEP;
    reserve = ST_ALIGN_UP(reserve, page);
    if (vp->randomize_stacks)
        reserve += page;
    boot = _st_md_boot_size(page);
    if (size > (size_t)-1 / 2 - reserve - boot - page) {
        errno = ENOMEM;
        return NULL;
    }
    /* Map for the deeper zone first: whether it gets a guard region is
     * known only once it exists, and a guard page needs the budget. */
    low = low_zone(page, 1);
    if (low_zone(page, 0) > low)
        low = low_zone(page, 0);
    total = low + size + reserve + boot;
    vaddr = _st_stack_os_map(total);
    if (vaddr == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    s = (_st_stack_t *)(void *)(vaddr + total - boot - STACK_HDR_SIZE);
    s->guarded = ST_GUARD_NONE;
    if (_st_stack_os_guard_region(vaddr, low, page)) {
        s->guarded = ST_GUARD_REGION;
    } else {
        guarded = take_guard();
        if (guarded && _st_stack_os_protect_none(vaddr + low -
                                                 low_zone(page, 1),
                                                 low_zone(page, 1)) == 0)
            s->guarded = ST_GUARD_PAGES;
        else if (guarded)
            __atomic_sub_fetch(&guards_used, 1, __ATOMIC_RELAXED);
    }
    s->vaddr = vaddr;
    s->vaddr_size = total;
    s->bottom = vaddr + low;
    s->size = size;
    s->gen = vp->stack_color++;         /* spread thread blocks over cache sets */
    s->randomized = vp->randomize_stacks != 0;
    ST_CLIST_INIT(&s->links);
    _st_stack_place(s);
    ST_SAN_STACK_NEW(s);
    return s;
}

/* Unmap the oldest cached stacks until at most keep remain.  The most
 * recently freed stack (possibly the caller's own) is the last to go. */
void _st_stack_cache_trim(size_t keep)
{
    _st_vp_t *vp = VP;

    while ((size_t)ST_VP_FREE_STACKS(vp) > keep) {
        _st_stack_t *s = ST_CONTAINER(vp->stack_cache.prev, _st_stack_t,
                                      links);
        _st_clist_remove(&s->links);
        ST_VP_FREE_STACKS(vp)--;
        stack_unmap(s);
    }
}

/* Async-signal-safe formatting for the overflow report. */
static size_t put_str(char *buf, size_t at, size_t cap, const char *str)
{
    while (*str && at + 1 < cap)
        buf[at++] = *str++;
    return at;
}

static size_t put_num(char *buf, size_t at, size_t cap, uintptr_t v,
                      unsigned base)
{
    char tmp[32];
    size_t n = 0;

    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v && n < sizeof tmp);
    while (n && at + 1 < cap)
        buf[at++] = tmp[--n];
    return at;
}

/* Report a stack overflow of t on stderr, ending with how it was found;
 * safe in a signal handler. */
void _st_stack_overflow_report(_st_thread_t *t, const char *how)
{
    char msg[200];
    size_t n = 0;

    n = put_str(msg, n, sizeof msg, "libst: stack overflow in thread 0x");
    n = put_num(msg, n, sizeof msg, (uintptr_t)t, 16);
    if (t->name[0]) {
        n = put_str(msg, n, sizeof msg, " (");
        n = put_str(msg, n, sizeof msg, t->name);
        n = put_str(msg, n, sizeof msg, ")");
    }
    n = put_str(msg, n, sizeof msg, ", stack size ");
    n = put_num(msg, n, sizeof msg, t->stack ? t->stack->size : 0, 10);
    n = put_str(msg, n, sizeof msg, " bytes; ");
    n = put_str(msg, n, sizeof msg, how);
    n = put_str(msg, n, sizeof msg, "\n");
    (void)!write(2, msg, n);
}

void _st_stack_overflow(_st_thread_t *t)
{
    _st_stack_overflow_report(t, "found at a switch, aborting");
    abort();
}

/* Is a fault at addr an overflow of t's stack?  Anywhere in its low zone
 * (guarded), or as far below an unguarded zone as the zone is deep: a
 * sequential overflow of an unguarded stack writes through its zone and
 * faults just below it if nothing is mapped there. */
int _st_stack_in_guard(const _st_thread_t *t, const void *addr)
{
    const _st_stack_t *s = t->stack;
    const char *a = addr;
    size_t zone;

    if (s == NULL)
        return 0;
    zone = (size_t)(s->bottom - s->vaddr);
    return a < s->bottom &&
           (a >= s->vaddr || (size_t)(s->vaddr - a) <= zone);
}

int st_randomize_stacks(int on)
{
    int old = VP->randomize_stacks;

    VP->randomize_stacks = on;
    return old;
}
