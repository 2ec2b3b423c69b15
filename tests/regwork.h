/* SPDX-License-Identifier: MIT */
/* regwork.h - a computation that keeps many values live across yields,
 * shared by check_context.c and cross-smoke.c (include once per program). */
#ifndef ST_REGWORK_H
#define ST_REGWORK_H

#include <stdint.h>
#include <string.h>

#include "st.h"

/* Eighteen integer and eighteen floating-point accumulators, plus their
 * coefficients and the loop counter, stay live across every
 * st_thread_yield() call: more than any port has callee-saved registers
 * (ppc64le: 18 + 18), so the compiler fills all of them and spills the
 * rest.  A port that loses or mixes up a saved register between the
 * interleaved threads changes some thread's result.  Every live value,
 * coefficients and counter included, is derived from the thread's seed:
 * a value common to all threads (say a constant 0.25 that the compiler
 * keeps in a register) would still look right when a stale copy from
 * another thread is left behind, hiding a register the port forgot.
 * The expected values come from the same function run without yielding. */
static volatile int regs_yield = 1;

static __attribute__((noinline)) void regs_maybe_yield(void)
{
    if (regs_yield)
        st_thread_yield();
}

/* splitmix64: well-mixed per-thread values from the seed. */
static inline uint64_t regs_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A double in [lo, lo + width), from 52 bits of the next value. */
static inline double regs_real(uint64_t *s, double lo, double width)
{
    return lo + width * ((double)(regs_next(s) >> 12) * 0x1p-52);
}

static __attribute__((noinline)) unsigned long regs_work(unsigned long seed)
{
    uint64_t s = seed;
    unsigned long x0 = regs_next(&s), x1 = regs_next(&s), x2 = regs_next(&s);
    unsigned long x3 = regs_next(&s), x4 = regs_next(&s), x5 = regs_next(&s);
    unsigned long x6 = regs_next(&s), x7 = regs_next(&s), x8 = regs_next(&s);
    unsigned long x9 = regs_next(&s), x10 = regs_next(&s);
    unsigned long x11 = regs_next(&s), x12 = regs_next(&s);
    unsigned long x13 = regs_next(&s), x14 = regs_next(&s);
    unsigned long x15 = regs_next(&s), x16 = regs_next(&s);
    unsigned long x17 = regs_next(&s);
    unsigned long mul = regs_next(&s) | 1, add = regs_next(&s);
    unsigned long n, n0 = regs_next(&s) % 1000;
    /* Coefficients below 1/2 keep the chain below bounded, far from
     * overflow, and its values from settling, so no bits get lost. */
    double k0 = regs_real(&s, 0.25, 0.25), k1 = regs_real(&s, 0.25, 0.25);
    double k2 = regs_real(&s, 0.25, 0.25), k3 = regs_real(&s, 0.25, 0.25);
    double f0 = regs_real(&s, -8, 16), f1 = regs_real(&s, -8, 16);
    double f2 = regs_real(&s, -8, 16), f3 = regs_real(&s, -8, 16);
    double f4 = regs_real(&s, -8, 16), f5 = regs_real(&s, -8, 16);
    double f6 = regs_real(&s, -8, 16), f7 = regs_real(&s, -8, 16);
    double f8 = regs_real(&s, -8, 16), f9 = regs_real(&s, -8, 16);
    double f10 = regs_real(&s, -8, 16), f11 = regs_real(&s, -8, 16);
    double f12 = regs_real(&s, -8, 16), f13 = regs_real(&s, -8, 16);
    double f14 = regs_real(&s, -8, 16), f15 = regs_real(&s, -8, 16);
    double f16 = regs_real(&s, -8, 16), f17 = regs_real(&s, -8, 16);

    for (n = n0; n != n0 + 64; n++) {
        x0 = x0 * mul + x1;
        x1 ^= x2 + n;
        x2 += x3 ^ add;
        x3 ^= x4 << 1;
        x4 += x5;
        x5 ^= x6 >> 3;
        x6 += x7 * 5;
        x7 ^= x8;
        x8 += x9;
        x9 ^= x10 + add;
        x10 += x11;
        x11 ^= x12 >> 7;
        x12 += x13 ^ n;
        x13 ^= x14 << 2;
        x14 += x15;
        x15 ^= x16 >> 5;
        x16 = x16 * mul + x17;
        x17 ^= x0 >> 11;
        f0 = f0 * k0 + f1;
        f1 = f1 * k1 - f2;
        f2 = f2 * k2 + f3;
        f3 = f3 * k3 - f4;
        f4 = f4 * k0 + f5;
        f5 = f5 * k1 - f6;
        f6 = f6 * k2 + f7;
        f7 = f7 * k3 - f8;
        f8 = f8 * k0 + f9;
        f9 = f9 * k1 - f10;
        f10 = f10 * k2 + f11;
        f11 = f11 * k3 - f12;
        f12 = f12 * k0 + f13;
        f13 = f13 * k1 - f14;
        f14 = f14 * k2 + f15;
        f15 = f15 * k3 - f16;
        f16 = f16 * k0 + f17;
        f17 = f17 * k1 + (double)(n & 7);
        regs_maybe_yield();
    }
    /* Fold everything in exactly: the doubles' bit patterns, not a
     * rounding, and the coefficients too (a stale coefficient register
     * left after the last yield would not show in the accumulators). */
    {
        double fs[22] = {f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11,
                         f12, f13, f14, f15, f16, f17, k0, k1, k2, k3};
        unsigned long x = x0 ^ x1 ^ x2 ^ x3 ^ x4 ^ x5 ^ x6 ^ x7 ^ x8 ^ x9 ^
                          x10 ^ x11 ^ x12 ^ x13 ^ x14 ^ x15 ^ x16 ^ x17 ^
                          mul ^ add ^ n;
        uint64_t bits;
        int m;

        for (m = 0; m < 22; m++) {
            memcpy(&bits, &fs[m], sizeof bits);
            x = x * 31 + (unsigned long)(bits ^ (bits >> 32));
        }
        return x;
    }
}

#endif /* ST_REGWORK_H */
