// SPDX-License-Identifier: MIT
// bench_boost.cc - the floor: raw Boost.Context jump_fcontext/make_fcontext.
//
//   bench_boost switch N   ping-pong between main and one context, N rounds
//   bench_boost create N   N x (make_fcontext + jump in + jump back out)
//   bench_boost ring N     bench_st's ring with no scheduler: 100 contexts,
//                          each waiting in its own function at its own call
//                          depth (1 to 8 frames), each jumping straight to
//                          the next; N jumps in all.  The floor of any
//                          library for that shape: the resumed contexts'
//                          returns, with no run queue.
//
// Prints "bench=... n=... ns=..." like bench_st.
#include <boost/context/detail/fcontext.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

using boost::context::detail::fcontext_t;
using boost::context::detail::jump_fcontext;
using boost::context::detail::make_fcontext;
using boost::context::detail::transfer_t;

static double now_ns()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double cpu_ns()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile long counter;

static void pong(transfer_t t)
{
    fcontext_t back = t.fctx;
    for (;;) {
        counter++;
        back = jump_fcontext(back, nullptr).fctx;
    }
}

static void once(transfer_t t)
{
    counter++;
    jump_fcontext(t.fctx, nullptr);  // never resumed
}

// ---- ring: the same shape as bench_st's ring, with jumps only -----------

constexpr int RING = 100;
static fcontext_t ring_ctx[RING];  // where each context is to be resumed
static fcontext_t ring_main_ctx;
static long ring_rounds;
static volatile long ring_sink;

// Jump to the next context; whoever jumps back here passes the slot in
// which its own context is to be stored.
static inline __attribute__((always_inline)) void ring_jump(void *slot, int next)
{
    transfer_t t = jump_fcontext(ring_ctx[next], slot);
    *static_cast<fcontext_t *>(t.data) = t.fctx;
}

template <int I> __attribute__((noinline)) void ring_fn(int d)
{
    if (d > 1)
        ring_fn<I>(d - 1);
    else
        ring_jump(&ring_ctx[I], (I + 1) % RING);
    ring_sink += d;  // not a tail call: each frame returns
}

template <int I> void ring_entry(transfer_t t)
{
    *static_cast<fcontext_t *>(t.data) = t.fctx;
    for (long k = 0; k < ring_rounds; k++)
        ring_fn<I>(1 + I % 8);
    if (I == RING - 1)  // the last lap is done: back to main
        jump_fcontext(ring_main_ctx, nullptr);
    ring_jump(&ring_ctx[I], (I + 1) % RING);  // never resumed
}

template <int... I> struct ring_table {
    static constexpr void (*entries[sizeof...(I)])(transfer_t) = {ring_entry<I>...};
};
template <int N, int... I> struct ring_make : ring_make<N - 1, N - 1, I...> {};
template <int... I> struct ring_make<0, I...> {
    using type = ring_table<I...>;
};

static void run_ring(long n)
{
    const std::size_t size = 64 * 1024;
    char *stacks = static_cast<char *>(std::malloc(size * RING));
    std::memset(stacks, 0, size * RING);
    // Each top moved down by 13 more cache lines than the last, so that the
    // 100 tops do not share cache sets (what st_randomize_stacks does for
    // ST; here it takes 1.7 ns off the floor): the best case for the jump.
    for (int i = 0; i < RING; i++) {
        std::size_t off = (std::size_t)i * 832 % 16384;
        ring_ctx[i] = make_fcontext(stacks + size * (i + 1) - off, size - off,
                                    ring_make<RING>::type::entries[i]);
    }
    ring_rounds = n / RING > 0 ? n / RING : 1;
    double c0 = cpu_ns(), t0 = now_ns();
    jump_fcontext(ring_ctx[0], &ring_main_ctx);
    double t1 = now_ns(), c1 = cpu_ns();
    double jumps = (double)(ring_rounds * RING);
    std::printf("bench=ring n=%ld ns=%.2f cpu_ns=%.2f\n", ring_rounds * RING,
                (t1 - t0) / jumps, (c1 - c0) / jumps);
    std::free(stacks);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_boost switch|create|ring N\n");
        return 2;
    }
    long n = std::atol(argv[2]);
    const std::size_t size = 128 * 1024;
    char *stack = static_cast<char *>(std::malloc(size));
    std::memset(stack, 0, size);
    char *top = stack + size;

    if (std::strcmp(argv[1], "switch") == 0) {
        fcontext_t c = make_fcontext(top, size, pong);
        c = jump_fcontext(c, nullptr).fctx;  // warm up
        double c0 = cpu_ns(), t0 = now_ns();
        for (long i = 0; i < n; i++)
            c = jump_fcontext(c, nullptr).fctx;
        double t1 = now_ns(), c1 = cpu_ns();
        std::printf("bench=switch n=%ld ns=%.2f cpu_ns=%.2f\n", n, (t1 - t0) / (2.0 * n),
                    (c1 - c0) / (2.0 * n));
    } else if (std::strcmp(argv[1], "create") == 0) {
        double c0 = cpu_ns(), t0 = now_ns();
        for (long i = 0; i < n; i++) {
            fcontext_t c = make_fcontext(top, size, once);
            jump_fcontext(c, nullptr);
        }
        double t1 = now_ns(), c1 = cpu_ns();
        std::printf("bench=create n=%ld ns=%.2f cpu_ns=%.2f\n", n, (t1 - t0) / (double)n,
                    (c1 - c0) / (double)n);
    } else if (std::strcmp(argv[1], "ring") == 0) {
        run_ring(n);
        return ring_sink > 0 ? 0 : 1;
    } else {
        return 2;
    }
    return counter > 0 ? 0 : 1;
}
