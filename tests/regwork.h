/* SPDX-License-Identifier: MIT */
/* regwork.h - a computation that keeps many values live across yields,
 * shared by check_context.c and cross-smoke.c (include once per program). */
#ifndef ST_REGWORK_H
#define ST_REGWORK_H

#include <stdint.h>
#include <string.h>

#include "st.h"

/* Twelve integer and eight floating-point accumulators stay live across
 * every st_thread_yield() call, so the compiler keeps them in callee-saved
 * registers (or spills them): a port that loses or mixes up any saved
 * register between the interleaved threads changes some thread's result.
 * The expected values come from the same function run without yielding. */
static volatile int regs_yield = 1;

static __attribute__((noinline)) void regs_maybe_yield(void)
{
    if (regs_yield)
        st_thread_yield();
}

static __attribute__((noinline)) unsigned long regs_work(unsigned long seed)
{
    unsigned long a = seed, b = seed * 3, c = seed * 5, d = seed * 7;
    unsigned long e = seed ^ 11, f = seed ^ 13, g = seed + 17, h = seed + 19;
    unsigned long i = seed * 23, j = seed * 29, k = seed + 31, l = seed + 37;
    double fa = (double)(seed & 0xffff), fb = fa * 0.5, fc = fa + 0.25;
    double fd = fa - 0.75, fe = fa * 1.5, ff = fa + 2.0, fg = fa * 0.125;
    double fh = fa + 3.5;
    int n;

    for (n = 0; n < 64; n++) {
        a = a * 6364136223846793005UL + b;
        b ^= c + (unsigned long)n;
        c += d * 3;
        d ^= e << 1;
        e += f;
        f ^= g >> 3;
        g += h * 5;
        h ^= i;
        i += j;
        j ^= k + 7;
        k += l;
        l ^= a >> 7;
        fa = fa * 0.75 + fb;
        fb = fb * 0.5 + fc;
        fc = fc * 0.25 + fd;
        fd = fd * 0.125 + fe;
        fe = fe * 0.5 + ff;
        ff = ff * 0.25 + fg;
        fg = fg * 0.75 + fh;
        fh = fh * 0.5 + (double)(n & 7);
        regs_maybe_yield();
    }
    /* Fold the doubles in exactly: their bit patterns, not a rounding. */
    {
        double fs[8] = {fa, fb, fc, fd, fe, ff, fg, fh};
        unsigned long x = a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ k ^ l;
        uint64_t bits;
        int m;

        for (m = 0; m < 8; m++) {
            memcpy(&bits, &fs[m], sizeof bits);
            x = x * 31 + (unsigned long)(bits ^ (bits >> 32));
        }
        return x;
    }
}

#endif /* ST_REGWORK_H */
