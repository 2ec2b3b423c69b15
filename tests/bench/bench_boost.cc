// SPDX-License-Identifier: MIT
// bench_boost.cc - the floor: raw Boost.Context jump_fcontext/make_fcontext.
//
//   bench_boost switch N   ping-pong between main and one context, N rounds
//   bench_boost create N   N x (make_fcontext + jump in + jump back out)
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_boost switch|create N\n");
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
    } else {
        return 2;
    }
    return counter > 0 ? 0 : 1;
}
