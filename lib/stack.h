/* SPDX-License-Identifier: MIT */
/* stack.h - the stack cache's fast paths, inlined into thread creation
 * and release (the rest of the stack code is in stack.c). */
#ifndef ST_STACK_H
#define ST_STACK_H

#include "common.h"
#include "sanitizer.h"

#define ST_ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((size_t)(a) - 1))
#define TCB_ROTATIONS       8
#define TCB_STEP            64
/* Enough to absorb a burst of about a thousand short-lived threads
 * without remapping; each cached stack keeps its touched top page(s). */
#define STACK_CACHE_MAX     1024
/* The setjmp method starts a context from a small frame of its own at
 * the stack's top (the kernel's signal frame goes to the boot area above
 * the header, see md/setjmp.c); the stack is made that much larger to
 * keep the requested size usable. */
#if defined(ST_MD_SETJMP)
#define MD_STACK_OVERHEAD   1024
#else
#define MD_STACK_OVERHEAD   0
#endif
#define STACK_HDR_SIZE      ST_ALIGN_UP(sizeof(_st_stack_t), TCB_STEP)

/* The operating system's side of a stack mapping (lib/stack_posix.c,
 * lib/stack_win.c): map total bytes readable and writable (NULL on
 * failure) and unmap them; put a guard that needs no budget on the zone
 * [addr, addr + len) below a stack (1 if done: a guard region on Linux,
 * the guard page of Windows); make [addr, addr + len) inaccessible
 * (0, or -1: a guard page, within the budget). */
char *_st_stack_os_map(size_t total) ST_HIDDEN;
void _st_stack_os_unmap(char *vaddr, size_t total) ST_HIDDEN;
int _st_stack_os_guard_region(char *addr, size_t len, size_t page) ST_HIDDEN;
int _st_stack_os_protect_none(char *addr, size_t len) ST_HIDDEN;

_st_stack_t *_st_stack_new_slow(size_t size) ST_HIDDEN;
void _st_stack_randomize(_st_stack_t *s) ST_HIDDEN;

/* The end of the header, where the machine layer's boot area (if any)
 * starts. */
static inline char *_st_stack_end(_st_stack_t *s)
{
    return (char *)s + STACK_HDR_SIZE;
}

/* Place the thread block and stack top below the header for this use.
 * The block takes one of TCB_ROTATIONS slots in turn (a stale handle
 * then misses), each new mapping starting one slot further on (so that
 * many threads' blocks do not all compete for the same L1 cache sets: a
 * ring of 100 threads switches about 5% faster); the stack top stays
 * below the lowest slot, at the same offset in its page for every use of
 * every mapping. */
static inline void _st_stack_place(_st_stack_t *s)
{
    size_t tcb = ST_ALIGN_UP(sizeof(_st_thread_t), TCB_STEP);
    char *slot0 = (char *)s - tcb;

    s->tcb = slot0 - (s->gen % TCB_ROTATIONS) * TCB_STEP;
    s->top = slot0 - (TCB_ROTATIONS - 1) * TCB_STEP;
    /* Randomised mappings have a spare page below the top. */
    if (_st_unlikely(s->randomized) && VP->randomize_stacks)
        _st_stack_randomize(s);
}

/* Take s out of the cache for a new thread. */
static inline _st_stack_t *_st_stack_take_cached(_st_vp_t *vp,
                                                 _st_stack_t *s)
{
    _st_clist_unlink(&s->links);        /* relinked when freed */
    ST_VP_FREE_STACKS(vp)--;
    s->gen++;
    _st_stack_place(s);
    ST_SAN_STACK_REUSE(s);
    return s;
}

/* A stack of at least size usable bytes, with its thread block placed. */
static inline _st_stack_t *_st_stack_new(size_t size)
{
    _st_vp_t *vp = VP;
    _st_clist_t *q = vp->stack_cache.next;
    _st_stack_t *s;

    /* The usual case: the stack freed last has the size asked for. */
    size = ST_ALIGN_UP(size + MD_STACK_OVERHEAD, vp->pagesize);
    if (_st_likely(q != &vp->stack_cache)) {
        s = ST_CONTAINER(q, _st_stack_t, links);
        if (_st_likely(s->size == size))
            return _st_stack_take_cached(vp, s);
    }
    return _st_stack_new_slow(size);
}

/* Prepare ctx to run entry() on s. */
static inline void _st_stack_init_ctx(_st_md_context_t *ctx, _st_stack_t *s,
                                      _st_md_entry_t entry)
{
    ST_MD_BOOT_AREA(ctx, _st_stack_end(s));
    _st_md_init(ctx, s->bottom, s->top, entry);
}

/* Give s back to the cache (most recent first); the oldest beyond the
 * cache's size are unmapped. */
static inline void _st_stack_free(_st_stack_t *s)
{
    _st_vp_t *vp = VP;

    _st_clist_prepend(&vp->stack_cache, &s->links);
    if (_st_unlikely(++ST_VP_FREE_STACKS(vp) > STACK_CACHE_MAX))
        _st_stack_cache_trim(STACK_CACHE_MAX);
}

#endif /* ST_STACK_H */
