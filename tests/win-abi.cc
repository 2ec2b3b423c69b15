// SPDX-License-Identifier: MIT
// win-abi.cc - Windows x64 only: what the thread block's stack bounds and
// the start-up unwind information of md/x86_64-win.S make work on a
// thread stack.  Built and run by tests/windows-check.sh (MinGW g++,
// under Wine).  Exit status 0 when every check passes.
//
//  1. A C++ exception thrown and caught on a thread stack: the SEH
//     unwinder refuses frames outside [StackLimit, StackBase) of the
//     thread block, so this needs the bounds switched with the stack.
//  2. A stack walk (RtlCaptureStackBackTrace) from a thread ends at the
//     thread's start, in a handful of frames, without faulting.
//  3. The bounds in the thread block are the thread's own while it runs
//     and the process stack's again after the switch back.
#include <winsock2.h>
#include <windows.h>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "st.h"

static int failures;

#define CHECK(c) do { if (!(c)) { \
    std::printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__, #c); \
    failures++; } } while (0)

static void *tib(int off)
{
    return *(void **)((char *)NtCurrentTeb() + off);
}

static __attribute__((noinline)) int thrower(int depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    if (depth == 0)
        throw std::runtime_error("from a thread stack");
    return thrower(depth - 1) + pad[0];
}

static void *exceptions(void *)
{
    int caught = 0;
    for (int i = 0; i < 3; i++) {
        try {
            thrower(8);
        } catch (const std::runtime_error &e) {
            caught += std::strcmp(e.what(), "from a thread stack") == 0;
        }
        st_usleep(1000);            // another thread runs in between
    }
    return (void *)(intptr_t)caught;
}

static void *walk(void *)
{
    void *frames[64];
    USHORT n = RtlCaptureStackBackTrace(0, 64, frames, NULL);
    return (void *)(intptr_t)n;
}

struct bounds { void *base, *limit, *dealloc; char here; };

static void *own_bounds(void *arg)
{
    bounds *b = (bounds *)arg;
    st_usleep(1000);
    b->base = tib(0x08);
    b->limit = tib(0x10);
    b->dealloc = tib(0x1478);
    b->here = (char)((char *)&b <= (char *)b->base &&
                     (char *)&b >= (char *)b->limit);
    return NULL;
}

int main()
{
    void *rv;
    bounds b;
    void *pbase = tib(0x08), *plimit = tib(0x10);

    if (st_init() < 0)
        return 2;
    st_thread_t t1 = st_thread_create(exceptions, NULL, 1, 0);
    st_thread_t t2 = st_thread_create(own_bounds, &b, 1, 0);
    CHECK(t1 != NULL && t2 != NULL);
    CHECK(st_thread_join(t1, &rv) == 0);
    CHECK((intptr_t)rv == 3);
    CHECK(st_thread_join(t2, NULL) == 0);
    CHECK(b.here);
    CHECK(b.base != pbase);
    CHECK((char *)b.dealloc < (char *)b.limit);
    CHECK(tib(0x08) == pbase && tib(0x10) == plimit);

    st_thread_t t3 = st_thread_create(walk, NULL, 1, 0);
    CHECK(st_thread_join(t3, &rv) == 0);
    // walk, thread_main, _st_md_start (and perhaps an inlined frame).
    CHECK((intptr_t)rv >= 2 && (intptr_t)rv <= 6);
    std::printf("win-abi: exceptions caught %d/3, walk of %d frames: %s\n",
                3, (int)(intptr_t)rv, failures ? "FAIL" : "ok");
    return failures ? 1 : 0;
}
