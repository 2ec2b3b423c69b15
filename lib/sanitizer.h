/* SPDX-License-Identifier: MIT */
/* sanitizer.h - hook points around every context switch. */
/*
 * ST_SAN_SWITCH_BEGIN(from, to) runs in the old thread just before the
 * machine switch; ST_SAN_SWITCH_END(me) runs in the resumed thread just
 * after it (and first thing in a new thread).  ST_SAN_STACK_NEW/FREE
 * bracket a stack's life.  Under AddressSanitizer they announce fiber
 * switches; with valgrind's headers they register stacks; otherwise they
 * compile to nothing.  Under ThreadSanitizer each stack is a fiber.
 */
#ifndef ST_SANITIZER_H
#define ST_SANITIZER_H

#include "common.h"

#if defined(__SANITIZE_ADDRESS__)
#define ST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ST_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define ST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ST_TSAN 1
#endif
#endif

/* Fiber-aware sanitizers want every switch right after its announcement,
 * and each fiber to end with a switch of its own. */
#if defined(ST_ASAN) || defined(ST_TSAN)
#define ST_SAN_FIBERS 1
#endif

#if defined(ST_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

static inline void _st_san_begin(_st_thread_t *from, _st_thread_t *to)
{
    _st_vp_t *vp = VP;
    const void *bottom = vp->prim_stack_bottom;
    size_t size = vp->prim_stack_size;

    if (to->stack != NULL) {
        bottom = to->stack->bottom;
        size = (size_t)(to->stack->top - to->stack->bottom);
    }
    /* A finished thread never comes back: let ASan drop its fake stack. */
    __sanitizer_start_switch_fiber(from->state == ST_ST_DEAD ? NULL :
                                   &from->asan_fake_stack, bottom, size);
}

static inline void _st_san_end(_st_thread_t *me)
{
    const void *old_bottom = NULL;
    size_t old_size = 0;
    _st_vp_t *vp = VP;

    __sanitizer_finish_switch_fiber(me->asan_fake_stack, &old_bottom,
                                    &old_size);
    /* The first switch away from the primordial thread tells us where
     * the process stack is. */
    if (vp->prim_stack_size == 0 && old_size != 0 &&
        vp->primordial != NULL && vp->primordial != me) {
        vp->prim_stack_bottom = old_bottom;
        vp->prim_stack_size = old_size;
    }
}
#define ST_SAN_SWITCH_BEGIN(from, to)   _st_san_begin((from), (to))
#define ST_SAN_SWITCH_END(me)           _st_san_end(me)
#elif defined(ST_TSAN)
#include <sanitizer/tsan_interface.h>

/* Each stack carries a TSan fiber; the primordial thread uses the OS
 * thread's own, recorded at st_init. */
static inline void _st_san_begin(_st_thread_t *from, _st_thread_t *to)
{
    (void)from;
    __tsan_switch_to_fiber(to->stack ? to->stack->tsan_fiber
                                     : VP->prim_tsan_fiber, 0);
}
#define ST_SAN_SWITCH_BEGIN(from, to)   _st_san_begin((from), (to))
#define ST_SAN_SWITCH_END(me)           ((void)(me))
#define ST_SAN_PRIMORDIAL() \
    (VP->prim_tsan_fiber = __tsan_get_current_fiber())
#else
#define ST_SAN_SWITCH_BEGIN(from, to)   ((void)(from), (void)(to))
#define ST_SAN_SWITCH_END(me)           ((void)(me))
#endif
#if !defined(ST_SAN_PRIMORDIAL)
#define ST_SAN_PRIMORDIAL()             ((void)0)
#endif

#if defined(ST_TSAN)
#define ST_SAN_STACK_NEW(s)     ((s)->tsan_fiber = __tsan_create_fiber(0))
#define ST_SAN_STACK_FREE(s)    __tsan_destroy_fiber((s)->tsan_fiber)
#elif defined(HAVE_VALGRIND_VALGRIND_H) && !defined(ST_ASAN)
#include <valgrind/valgrind.h>
/* Bounds are inclusive.  The setjmp method's boot area (md/setjmp.c) is
 * a stack of its own: its bootstrap moves the stack pointer from there
 * to the stack's top in one step, which valgrind must see as a switch,
 * not as the thread block and header being pushed and popped. */
#define ST_SAN_STACK_NEW(s) \
    ((s)->valgrind_id = VALGRIND_STACK_REGISTER((s)->vaddr, \
                                                _st_stack_end(s) - 1), \
     ST_SAN_BOOT_NEW(s))
#define ST_SAN_STACK_FREE(s) \
    do { \
        VALGRIND_STACK_DEREGISTER((s)->valgrind_id); \
        ST_SAN_BOOT_FREE(s); \
    } while (0)
#if defined(ST_MD_SETJMP)
#define ST_SAN_BOOT_NEW(s) \
    ((s)->valgrind_boot_id = VALGRIND_STACK_REGISTER(_st_stack_end(s), \
                                   (s)->vaddr + (s)->vaddr_size - 1))
#define ST_SAN_BOOT_FREE(s)     VALGRIND_STACK_DEREGISTER((s)->valgrind_boot_id)
#else
#define ST_SAN_BOOT_NEW(s)      ((void)(s))
#define ST_SAN_BOOT_FREE(s)     ((void)(s))
#endif
#else
#define ST_SAN_STACK_NEW(s)             ((void)(s))
#define ST_SAN_STACK_FREE(s)            ((void)(s))
#endif

/* A cached stack taken again: a thread that left it for good never
 * unwound its frames.  AddressSanitizer would see their poisoned red
 * zones under the new thread's frames and thread block; ThreadSanitizer
 * keeps them on the fiber's shadow call stack, which would grow with
 * every reuse until it overflows: the new thread gets a new fiber. */
#if defined(ST_ASAN)
#define ST_SAN_STACK_REUSE(s) \
    __asan_unpoison_memory_region((s)->bottom, \
        (size_t)((s)->vaddr + (s)->vaddr_size - (s)->bottom))
#elif defined(ST_TSAN)
#define ST_SAN_STACK_REUSE(s) \
    (__tsan_destroy_fiber((s)->tsan_fiber), \
     (s)->tsan_fiber = __tsan_create_fiber(0))
#else
#define ST_SAN_STACK_REUSE(s)           ((void)(s))
#endif

/* A stack top moved by st_randomize_stacks (the only case where a new
 * thread's first frame can lie below the last user's stack pointer):
 * memcheck keeps the memory below that pointer unaddressable.  Not in
 * the create fast path: randomisation is the slow path. */
#if defined(HAVE_VALGRIND_VALGRIND_H) && !defined(ST_ASAN) && !defined(ST_TSAN)
#include <valgrind/memcheck.h>
#define ST_SAN_STACK_TOP_MOVED(s) \
    VALGRIND_MAKE_MEM_UNDEFINED((s)->bottom, \
                                (size_t)((s)->top - (s)->bottom))
#else
#define ST_SAN_STACK_TOP_MOVED(s)       ((void)(s))
#endif

#endif /* ST_SANITIZER_H */
