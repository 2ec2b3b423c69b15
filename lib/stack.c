/* SPDX-License-Identifier: MIT */
/* stack.c - thread stacks: mapping, guard pages, overflow checks, cache. */
/*
 * Layout of one mapping (addresses grow to the right):
 *
 *   | low page | usable stack ...........| thread block | stack header |
 *   vaddr      bottom                    top/tcb                       end
 *
 * The low page is PROT_NONE (a guard) while the process-wide guard budget
 * lasts; each guard splits the mapping in two, and vm.max_map_count caps
 * the mappings of a process.  Beyond the budget the low zone (a few
 * pages) stays readable and is never written: it reads as zeroes (the
 * shared zero page, costing no memory), so a non-zero word at its top, or
 * a stack pointer below bottom at a switch, means the thread overflowed.
 *
 * The thread block sits at the top of the stack so that a sleeping thread
 * touches a single page.  Its position moves by 64 bytes each time the
 * mapping is reused, so a stale handle to an earlier thread on the same
 * stack does not find a valid block.
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

/* Unguarded stacks get a never-written zone below them this many pages
 * deep: an overflow lands there (costing no memory until it happens) and
 * is caught at the next switch before it reaches a neighbour. */
#define RED_ZONE_PAGES      4

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
}

static void stack_unmap(_st_stack_t *s)
{
    ST_SAN_STACK_FREE(s);
    if (s->guarded)
        __atomic_sub_fetch(&guards_used, 1, __ATOMIC_RELAXED);
    _st_stack_os_unmap(s->vaddr, s->vaddr_size);
}

/* Another cached stack (the best fit, but never more than twice the
 * request), or a new mapping; size is already rounded. */
_st_stack_t *_st_stack_new_slow(size_t size)
{
    _st_vp_t *vp = VP;
    size_t page = vp->pagesize;
    size_t reserve, total, low;
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
    if (size > (size_t)-1 / 2 - reserve - page) {
        errno = ENOMEM;
        return NULL;
    }
    guarded = take_guard();
    low = guarded ? _st_stack_os_guard_len(page) : RED_ZONE_PAGES * page;
    total = low + size + reserve;
    vaddr = _st_stack_os_map(total);
    if (vaddr == NULL) {
        if (guarded)
            __atomic_sub_fetch(&guards_used, 1, __ATOMIC_RELAXED);
        errno = ENOMEM;
        return NULL;
    }
    s = (_st_stack_t *)(void *)(vaddr + total -
                                ST_ALIGN_UP(sizeof(_st_stack_t), TCB_STEP));
    s->vaddr = vaddr;
    s->vaddr_size = total;
    s->bottom = vaddr + low;
    s->size = size;
    s->gen = 0;
    s->guarded = 0;
    s->randomized = vp->randomize_stacks != 0;
    ST_CLIST_INIT(&s->links);
    if (guarded) {
        if (_st_stack_os_guard(vaddr, page) == low)
            s->guarded = 1;
        else
            __atomic_sub_fetch(&guards_used, 1, __ATOMIC_RELAXED);
    }
    _st_stack_place(s, vaddr + total);
    ST_SAN_STACK_NEW(s);
    return s;
}

/* Unmap the oldest cached stacks until at most keep remain.  The most
 * recently freed stack (possibly the caller's own) is the last to go. */
void _st_stack_cache_trim(size_t keep)
{
    _st_vp_t *vp = VP;

    while (vp->stack_cache_len > keep) {
        _st_stack_t *s = ST_CONTAINER(vp->stack_cache.prev, _st_stack_t,
                                      links);
        _st_clist_remove(&s->links);
        vp->stack_cache_len--;
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

/* Report a stack overflow of t on stderr; safe in a signal handler. */
void _st_stack_overflow_report(_st_thread_t *t)
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
    n = put_str(msg, n, sizeof msg, " bytes; aborting\n");
    (void)!write(2, msg, n);
}

void _st_stack_overflow(_st_thread_t *t)
{
    _st_stack_overflow_report(t);
    abort();
}

/* Is addr inside the guard page of t's stack? */
int _st_stack_in_guard(const _st_thread_t *t, const void *addr)
{
    const _st_stack_t *s = t->stack;

    return s != NULL && s->guarded && (const char *)addr >= s->vaddr &&
           (const char *)addr < s->bottom;
}


int st_randomize_stacks(int on)
{
    int old = VP->randomize_stacks;

    VP->randomize_stacks = on;
    return old;
}
