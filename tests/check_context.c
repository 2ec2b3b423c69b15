/* SPDX-License-Identifier: MIT */
/* check_context.c - the machine-dependent switch: stacks, registers. */
#include "testutil.h"

#include <fenv.h>
#include <stdint.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

static int order[16];
static int norder;

static void *pingpong(void *arg)
{
    int id = (int)(intptr_t)arg, i;

    for (i = 0; i < 3; i++) {
        order[norder++] = id;
        st_thread_yield();
    }
    return (void *)(intptr_t)(id + 100);
}

START_TEST(switch_round_robin)
{
    st_thread_t t[2];
    void *rv;
    int i;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 2; i++)
        t[i] = st_thread_create(pingpong, (void *)(intptr_t)i, 1, 0);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_int_eq((int)(intptr_t)rv, i + 100);
    }
    ck_assert_int_eq(norder, 6);
    for (i = 0; i < 6; i++)
        ck_assert_int_eq(order[i], i % 2);
}
END_TEST

/* Touch n bytes of locals, deepest first, so every page is written. */
static int use_stack(size_t n)
{
    volatile char buf[1024];
    size_t i;

    for (i = 0; i < sizeof buf; i++)
        buf[i] = (char)i;
    if (n > sizeof buf)
        return buf[n % sizeof buf] + use_stack(n - sizeof buf);
    return buf[0];
}

static void *stack_user(void *arg)
{
    use_stack((size_t)arg);
    return (void *)1;
}

START_TEST(default_stack_holds_16k)
{
    st_thread_t t;
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(stack_user, (void *)(size_t)(16 * 1024), 1, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)1);
}
END_TEST

START_TEST(odd_stack_size_holds_64k)
{
    st_thread_t t;
    void *rv = NULL;

    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(stack_user, (void *)(size_t)(64 * 1024), 1,
                         256 * 1024 + 100);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)1);
}
END_TEST

/* ---- callee-saved registers: see regwork.h ----------------------------- */
#include "regwork.h"

static void *regs_thread(void *arg)
{
    return (void *)(uintptr_t)regs_work((unsigned long)(uintptr_t)arg);
}

START_TEST(callee_saved_registers_survive)
{
    enum { NT = 3 };
    unsigned long seed[NT + 1], expect[NT + 1];   /* [NT]: the main thread */
    st_thread_t t[NT];
    void *rv;
    int i;

    regs_yield = 0;
    for (i = 0; i <= NT; i++) {
        seed[i] = (unsigned long)(i + 1) * 1000003UL + 12345;
        expect[i] = regs_work(seed[i]);
    }
    ck_assert(expect[0] != expect[1] && expect[1] != expect[2] &&
              expect[2] != expect[3] && expect[3] != expect[0]);
    regs_yield = 1;
    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < NT; i++) {
        t[i] = st_thread_create(regs_thread, (void *)(uintptr_t)seed[i], 1, 0);
        ck_assert_ptr_nonnull(t[i]);
    }
    /* The primordial thread computes too, interleaved with the others. */
    ck_assert(regs_work(seed[NT]) == expect[NT]);
    for (i = 0; i < NT; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_msg((unsigned long)(uintptr_t)rv == expect[i],
                      "thread %d: %#lx, expected %#lx", i,
                      (unsigned long)(uintptr_t)rv, expect[i]);
    }
}
END_TEST

/* ---- deep recursion ------------------------------------------------------
 * A thread created with a 1 MiB stack can really use about 900 KiB. */
START_TEST(declared_stack_1m_holds_900k)
{
    st_thread_t t;
    void *rv = NULL;
    size_t use = 900 * 1024;

#if defined(ST_TEST_ASAN)
    use = 400 * 1024;                   /* redzones grow every frame */
#endif
    ck_assert_int_eq(st_init(), 0);
    t = st_thread_create(stack_user, (void *)use, 1, 1024 * 1024);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_thread_join(t, &rv), 0);
    ck_assert_ptr_eq(rv, (void *)1);
}
END_TEST

/* ---- stack alignment -----------------------------------------------------
 * Locals that need 16- and 32-byte alignment, long double and vector
 * arithmetic in a new thread's first frames, before and after a switch.
 * Compilers trust the ABI's incoming alignment for 16-byte locals (no
 * realignment on x86 or AArch64, where a misaligned sp also faults), so a
 * start stub or switch frame of the wrong size shows up here. */
typedef float st_v4sf __attribute__((vector_size(16)));

static __attribute__((noinline)) unsigned align_probe(int step)
{
    volatile char pad = (char)step;
    double v16[2] __attribute__((aligned(16)));
    char v32[32] __attribute__((aligned(32)));
    volatile long double ld = 1.5L;
    volatile st_v4sf v = {1.0f, 2.0f, 3.0f, 4.0f};
    st_v4sf w;
    unsigned bad = 0;

    (void)pad;
    if ((uintptr_t)v16 % 16 != 0)
        bad |= 1;
    if ((uintptr_t)v32 % 32 != 0)
        bad |= 2;
    v16[0] = 2.0;
    v16[1] = (double)step;
    memset(v32, step, sizeof v32);
    ld = ld * (long double)v16[0] + 0.25L;
    if (ld != 3.25L)
        bad |= 4;
    w = v + v;
    if (w[0] != 2.0f || w[3] != 8.0f || v32[31] != (char)step)
        bad |= 8;
#if defined(__SSE__)
    {
        __m128 m = _mm_load_ps((const float *)v16);  /* faults if not 16 */
        float out[4] __attribute__((aligned(16)));

        _mm_store_ps(out, _mm_add_ps(m, m));
        if (out[0] != out[0])
            bad |= 16;
    }
#endif
#if defined(__SIZEOF_INT128__)
    {
        volatile __int128 q = (__int128)step << 70;

        if ((q >> 70) != step)
            bad |= 32;
    }
#endif
    return bad;
}

static void *align_thread(void *arg)
{
    unsigned bad = align_probe(1);      /* first frame after the stub */

    st_thread_yield();
    bad |= align_probe(2) << 8;         /* after a switch back */
    (void)arg;
    return (void *)(uintptr_t)bad;
}

START_TEST(new_thread_stack_is_aligned)
{
    st_thread_t t[2];
    void *rv = (void *)-1;
    int i;

    ck_assert_int_eq(st_init(), 0);
    for (i = 0; i < 2; i++) {
        t[i] = st_thread_create(align_thread, NULL, 1, i ? 96 * 1024 + 8 : 0);
        ck_assert_ptr_nonnull(t[i]);
    }
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(st_thread_join(t[i], &rv), 0);
        ck_assert_msg(rv == NULL, "alignment faults %#lx", (unsigned long)
                      (uintptr_t)rv);
    }
}
END_TEST

/* ---- waits called from different places ---------------------------------
 * The x86-64 switch resumes a thread whose return address differs from
 * the leaving thread's with an indirect jump, and the condition-variable
 * waits return to their callers through a hint that picks `ret` or a jump
 * (md/x86_64.S, lib/switch.h).  Here every wait has its own call site and depth and is
 * resumed by threads that wait elsewhere: each must come back to its
 * caller with its result, its errno, its live values and an aligned
 * stack. */
enum { SITE_YIELD, SITE_TIMEDOUT, SITE_INTERRUPTED, SITE_SIGNALLED, SITE_SLEEP,
       SITE_NONE };
static st_cond_t site_cv;
static volatile int site_waiting;

static __attribute__((noinline)) unsigned long
site_deep(int depth, int what, unsigned long x, unsigned *bad)
{
    unsigned long a = x * 3 + 1, b = x ^ 0x5a5aUL, c = x + (unsigned long)depth;
    int rv = 0, err = 0, want_rv = 0, want_err = 0;

    if (depth > 1) {
        x = site_deep(depth - 1, what, x + 7, bad);
    } else {
        errno = 12345;
        switch (what) {
        case SITE_YIELD:
            st_thread_yield();
            break;
        case SITE_TIMEDOUT:
            rv = st_cond_timedwait(site_cv, 0);
            want_rv = -1;
            want_err = ETIME;
            break;
        case SITE_INTERRUPTED:
        case SITE_SIGNALLED:
            site_waiting++;
            rv = st_cond_wait(site_cv);
            if (what == SITE_INTERRUPTED) {
                want_rv = -1;
                want_err = EINTR;
            }
            break;
        case SITE_SLEEP:
            rv = st_usleep(0);
            break;
        default:
            break;
        }
        err = rv < 0 ? errno : 0;
        if (rv != want_rv || err != want_err)
            *bad |= 1u << (8 + what);
        if (what != SITE_NONE)
            *bad |= align_probe(what + 1);
    }
    return a * 7 + b * 13 + c * 17 + x;
}

static st_thread_t site_t[2];

/* One waiter: arg is what it waits for, its depth and seed follow. */
static void *site_waiter(void *arg)
{
    int what = (int)(intptr_t)arg, depth = what == SITE_INTERRUPTED ? 3 : 2;
    unsigned long seed = (unsigned long)what * 11 + 1;
    unsigned bad = 0;
    unsigned long r = site_deep(depth, what, seed, &bad);

    if (r != site_deep(depth, SITE_NONE, seed, &bad))
        bad |= 0x8000u;
    return (void *)(uintptr_t)bad;
}

static void *site_driver(void *arg)
{
    unsigned bad = 0;
    unsigned long r = 0, want = 0;
    int i;

    (void)arg;
    while (site_waiting < 2) {
        r += site_deep(4, SITE_YIELD, 5, &bad);
        want += site_deep(4, SITE_NONE, 5, &bad);
    }
    st_thread_interrupt(site_t[0]);
    r += site_deep(1, SITE_YIELD, 9, &bad);     /* the interrupted one runs */
    want += site_deep(1, SITE_NONE, 9, &bad);
    st_cond_signal(site_cv);                    /* the other one */
    r += site_deep(2, SITE_TIMEDOUT, 31, &bad); /* it runs, we time out */
    want += site_deep(2, SITE_NONE, 31, &bad);
    for (i = 0; i < 3; i++) {
        r += site_deep(5 - i, SITE_SLEEP, 40 + (unsigned long)i, &bad);
        want += site_deep(5 - i, SITE_NONE, 40 + (unsigned long)i, &bad);
    }
    return (void *)(uintptr_t)(r == want ? bad : bad | 0x8000u);
}

START_TEST(waits_at_different_sites_return_right)
{
    st_thread_t d;
    void *rv;
    int i;

    ck_assert_int_eq(st_init(), 0);
    site_cv = st_cond_new();
    ck_assert_ptr_nonnull(site_cv);
    site_waiting = 0;
    site_t[0] = st_thread_create(site_waiter, (void *)SITE_INTERRUPTED, 1, 0);
    site_t[1] = st_thread_create(site_waiter, (void *)SITE_SIGNALLED, 1, 0);
    d = st_thread_create(site_driver, NULL, 1, 0);
    ck_assert(site_t[0] != NULL && site_t[1] != NULL && d != NULL);
    ck_assert_int_eq(st_thread_join(d, &rv), 0);
    ck_assert_msg(rv == NULL, "driver: faults %#lx", (unsigned long)(uintptr_t)rv);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(st_thread_join(site_t[i], &rv), 0);
        ck_assert_msg(rv == NULL, "waiter %d: faults %#lx", i,
                      (unsigned long)(uintptr_t)rv);
    }
    ck_assert_int_eq(st_cond_destroy(site_cv), 0);
}
END_TEST

/* ---- floating-point modes ------------------------------------------------
 * The hand-assembly ports keep the FP control register (MXCSR and the x87
 * control word, FPCR, FPSCR, fcsr, FPC, FCSR) per context, so fesetround()
 * in one thread does not leak into another and a new thread starts with
 * its creator's mode.  ucontext and setjmp give no such promise (glibc's
 * x86-64 swapcontext happens to; _longjmp does not), so for them the test
 * only runs the threads.  The checks that need it are skipped when the
 * machine itself ignores rounding modes (soft-float; some emulators:
 * qemu's default MIPS CPU drops FCSR writes, and no qemu MIPS CPU rounds
 * arithmetic by it). */
#if defined(ST_MD_ASM) && defined(FE_UPWARD) && defined(FE_DOWNWARD) && \
    defined(FE_TONEAREST)
#define ST_FP_MODES_PER_THREAD 1
#endif

#if defined(FE_UPWARD) && defined(FE_DOWNWARD)
static int fp_seen[6];
static volatile double fp_one = 1.0, fp_three = 3.0, fp_ten = 10.0;
static double third_near, tenth_near;   /* rounded to nearest: down, up */

/* 1: fesetround/fegetround keep the mode; 2: arithmetic follows it too. */
static int fp_modes_supported(void)
{
    int level = 0;

    third_near = fp_one / fp_three;
    tenth_near = fp_one / fp_ten;
    if (fesetround(FE_UPWARD) == 0 && fegetround() == FE_UPWARD) {
        level = 1;
        if (fp_one / fp_three > third_near &&
            fesetround(FE_DOWNWARD) == 0 && fp_one / fp_ten < tenth_near)
            level = 2;
    }
    fesetround(FE_TONEAREST);
    return level;
}

static void *round_up_thread(void *arg)
{
    (void)arg;
    fesetround(FE_UPWARD);
    st_thread_yield();
    fp_seen[0] = fegetround() == FE_UPWARD;
    st_thread_yield();
    fp_seen[1] = fegetround() == FE_UPWARD;
    /* the arithmetic itself (SSE on x86-64, not only the x87 word) */
    fp_seen[4] = fp_one / fp_three > third_near;
    fesetround(FE_TONEAREST);
    return (void *)1;
}

static void *round_down_thread(void *arg)
{
    (void)arg;
    fp_seen[2] = fegetround() == FE_TONEAREST;  /* the creator's mode */
    fesetround(FE_DOWNWARD);
    st_thread_yield();
    fp_seen[3] = fegetround() == FE_DOWNWARD;
    fp_seen[5] = fp_one / fp_ten < tenth_near;
    st_thread_yield();
    fesetround(FE_TONEAREST);
    return (void *)1;
}
#endif

START_TEST(fp_rounding_mode_is_per_thread)
{
#if defined(FE_UPWARD) && defined(FE_DOWNWARD)
    st_thread_t up, down;
    int level;

    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    level = fp_modes_supported();
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    ck_assert_int_eq(st_init(), 0);
    up = st_thread_create(round_up_thread, NULL, 1, 0);
    down = st_thread_create(round_down_thread, NULL, 1, 0);
    ck_assert_ptr_nonnull(up);
    ck_assert_ptr_nonnull(down);
    ck_assert_int_eq(st_thread_join(up, NULL), 0);
    ck_assert_int_eq(st_thread_join(down, NULL), 0);
#if defined(ST_FP_MODES_PER_THREAD)
    if (level >= 1) {
        ck_assert_msg(fp_seen[0] && fp_seen[1],
                      "FE_UPWARD lost by its thread");
        ck_assert_msg(fp_seen[2],
                      "a new thread did not start in FE_TONEAREST");
        ck_assert_msg(fp_seen[3], "FE_DOWNWARD lost by its thread");
        ck_assert_int_eq(fegetround(), FE_TONEAREST);
    }
    if (level >= 2) {
        ck_assert_msg(fp_seen[4],
                      "1/3 not rounded up in the FE_UPWARD thread");
        ck_assert_msg(fp_seen[5],
                      "1/10 not rounded down in the FE_DOWNWARD thread");
    }
#else
    (void)level;
    fesetround(FE_TONEAREST);           /* whatever leaked, undo it */
#endif
#endif
}
END_TEST

/* x86-64 keeps two FP control registers, and the switch loads each
 * context's pair only where it differs from the leaving one's: a thread
 * that changes only the x87 control word, and one that changes only
 * MXCSR, must each keep their own and not see the other's. */
#if defined(ST_MD_ASM) && defined(__x86_64__)
static unsigned short x87_cw(void)
{
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static void set_x87_cw(unsigned short cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw));
}

static unsigned mxcsr(void)
{
    unsigned v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void set_mxcsr(unsigned v)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static unsigned short cw0;
static unsigned mx0;
static int regs_bad[3];

static void *x87_only_thread(void *arg)
{
    unsigned short cw = (unsigned short)(cw0 ^ 0x0C00); /* rounding */
    int i;

    (void)arg;
    set_x87_cw(cw);
    for (i = 0; i < 3; i++) {
        st_thread_yield();
        regs_bad[0] |= x87_cw() != cw || mxcsr() != mx0;
    }
    set_x87_cw(cw0);
    return NULL;
}

static void *mxcsr_only_thread(void *arg)
{
    unsigned mx = mx0 ^ 0x6000;                         /* rounding */
    int i;

    (void)arg;
    set_mxcsr(mx);
    for (i = 0; i < 3; i++) {
        st_thread_yield();
        regs_bad[1] |= mxcsr() != mx || x87_cw() != cw0;
    }
    set_mxcsr(mx0);
    return NULL;
}

/* Runs after each of the two above in the round robin: a switch from the
 * x87 thread to it differs in the control word alone, one from the MXCSR
 * thread in MXCSR alone, and one from it to the x87 thread likewise. */
static void *defaults_thread(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 3; i++) {
        st_thread_yield();
        regs_bad[2] |= mxcsr() != mx0 || x87_cw() != cw0;
    }
    return NULL;
}
#endif

START_TEST(fp_control_registers_kept_apart)
{
#if defined(ST_MD_ASM) && defined(__x86_64__)
    st_thread_t a, b, c;

    cw0 = x87_cw();
    mx0 = mxcsr();
    ck_assert_int_eq(st_init(), 0);
    a = st_thread_create(x87_only_thread, NULL, 1, 0);
    b = st_thread_create(defaults_thread, NULL, 1, 0);
    c = st_thread_create(mxcsr_only_thread, NULL, 1, 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(st_thread_join(a, NULL), 0);
    ck_assert_int_eq(st_thread_join(b, NULL), 0);
    ck_assert_int_eq(st_thread_join(c, NULL), 0);
    ck_assert_msg(!regs_bad[0], "the x87 control word was not kept apart");
    ck_assert_msg(!regs_bad[1], "MXCSR was not kept apart");
    ck_assert_msg(!regs_bad[2], "a thread saw another's FP control");
    ck_assert_int_eq(x87_cw(), cw0);
    ck_assert_uint_eq(mxcsr(), mx0);
#endif
}
END_TEST

static Suite *context_suite(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("switch");

    tcase_add_test(tc, switch_round_robin);
    tcase_add_test(tc, default_stack_holds_16k);
    tcase_add_test(tc, odd_stack_size_holds_64k);
    tcase_add_test(tc, callee_saved_registers_survive);
    tcase_add_test(tc, declared_stack_1m_holds_900k);
    tcase_add_test(tc, new_thread_stack_is_aligned);
    tcase_add_test(tc, waits_at_different_sites_return_right);
    tcase_add_test(tc, fp_rounding_mode_is_per_thread);
    tcase_add_test(tc, fp_control_registers_kept_apart);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return st_test_run(context_suite());
}
