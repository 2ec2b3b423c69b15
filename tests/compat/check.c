/* SPDX-License-Identifier: MIT */
/* check.c - a Check-compatible runner for the suites on Windows. */
/*
 * The parent runs each selected test in a child process (this program
 * again, told which test by CK_COMPAT_RUN), waits for it within the test
 * case's timeout and reads its exit status: 0 passed, 1 failed (the
 * child printed the failure), anything else is an error (an exception,
 * abort, or the timeout).  The summary line is Check's, plus the number
 * of tests skipped by name (skips.h).
 */
#define __USE_MINGW_ANSI_STDIO 1        /* C99 printf: %lld, %zu */
#include <winsock2.h>
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct test {
    TFun fn;                            /* the test function */
    const char *name;                   /* its name */
    int start, end;                     /* loop range [start, end) */
};

struct TCase {
    const char *name;                   /* test case name */
    double timeout;                     /* seconds; < 0: the default */
    struct test *tests;                 /* its tests */
    int ntests;
    TCase *next;                        /* next case of the suite */
};

struct Suite {
    const char *name;                   /* suite name */
    TCase *first, *last;                /* its cases, in order */
};

struct SRunner {
    Suite *suite;                       /* the one suite run */
    int checks, failures, errors, skipped;
};

struct skip {
    const char *suite, *tcase, *test;   /* what is skipped ("*": any) */
    int iter;                           /* loop index, or -1 for all */
    const char *reason;                 /* why it cannot apply here */
};

static const struct skip skips[] = {
#include "skips.h"
    { NULL, NULL, NULL, -1, NULL }
};

/* The test being run in this process (for failure messages). */
static const char *cur_tcase = "", *cur_test = "";
static int cur_iter;
static int in_child;                    /* one test per process */

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (p == NULL) {
        fputs("check compat: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

Suite *suite_create(const char *name)
{
    Suite *s = xcalloc(1, sizeof *s);

    s->name = name;
    return s;
}

TCase *tcase_create(const char *name)
{
    TCase *tc = xcalloc(1, sizeof *tc);

    tc->name = name;
    tc->timeout = -1;
    return tc;
}

void suite_add_tcase(Suite *s, TCase *tc)
{
    if (s->last != NULL)
        s->last->next = tc;
    else
        s->first = tc;
    s->last = tc;
}

void _tcase_add_test(TCase *tc, TFun f, const char *name, int start,
                     int end)
{
    struct test *t = realloc(tc->tests, (size_t)(tc->ntests + 1) * sizeof *t);

    if (t == NULL) {
        fputs("check compat: out of memory\n", stderr);
        exit(2);
    }
    tc->tests = t;
    t[tc->ntests].fn = f;
    t[tc->ntests].name = name;
    t[tc->ntests].start = start;
    t[tc->ntests].end = end;
    tc->ntests++;
}

void tcase_set_timeout(TCase *tc, double seconds)
{
    tc->timeout = seconds;
}

SRunner *srunner_create(Suite *s)
{
    SRunner *sr = xcalloc(1, sizeof *sr);

    sr->suite = s;
    return sr;
}

int srunner_ntests_failed(SRunner *sr)
{
    return sr->failures + sr->errors;
}

void srunner_free(SRunner *sr)
{
    TCase *tc, *n;

    for (tc = sr->suite->first; tc != NULL; tc = n) {
        n = tc->next;
        free(tc->tests);
        free(tc);
    }
    free(sr->suite);
    free(sr);
}

void _ck_mark(const char *file, int line)
{
    (void)file;
    (void)line;
}

void _ck_failed(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    printf("%s:%d:F:%s:%s:%d: ", file, line, cur_tcase, cur_test, cur_iter);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    /* Each test has the process to itself: its failure ends it.  In
     * CK_FORK=no mode the run ends here too (see check.h). */
    _exit(in_child ? 1 : EXIT_FAILURE);
}

static const char *skip_reason(const char *suite, const char *tcase,
                               const char *test, int iter)
{
    const struct skip *k;

    for (k = skips; k->suite != NULL; k++) {
        if ((strcmp(k->suite, "*") == 0 || strcmp(k->suite, suite) == 0) &&
            (strcmp(k->tcase, "*") == 0 || strcmp(k->tcase, tcase) == 0) &&
            (strcmp(k->test, "*") == 0 || strcmp(k->test, test) == 0) &&
            (k->iter < 0 || k->iter == iter))
            return k->reason;
    }
    return NULL;
}

static double timeout_of(const TCase *tc)
{
    const char *d = getenv("CK_DEFAULT_TIMEOUT");
    const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
    double t = tc->timeout >= 0 ? tc->timeout : (d ? atof(d) : 4.0);

    if (m != NULL && atof(m) > 0)
        t *= atof(m);
    return t;
}

/* Run one iteration in a child process; returns 0 passed, 1 failed,
 * 2 error (with the message printed here). */
static int run_child(const TCase *tc, const struct test *t, int i)
{
    char exe[MAX_PATH], spec[512];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD code, ms, w;
    double secs = timeout_of(tc);

    if (GetModuleFileNameA(NULL, exe, sizeof exe) == 0)
        return 2;
    snprintf(spec, sizeof spec, "%s|%s|%d", tc->name, t->name, i);
    SetEnvironmentVariableA("CK_COMPAT_RUN", spec);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    fflush(stdout);
    fflush(stderr);
    if (!CreateProcessA(exe, NULL, NULL, NULL, TRUE, 0, NULL, NULL, &si,
                        &pi)) {
        SetEnvironmentVariableA("CK_COMPAT_RUN", NULL);
        printf("%s:E:%s:%s:%d: cannot start the test process (%lu)\n",
               exe, tc->name, t->name, i, (unsigned long)GetLastError());
        return 2;
    }
    SetEnvironmentVariableA("CK_COMPAT_RUN", NULL);
    ms = secs > 0 ? (DWORD)(secs * 1000) : INFINITE;
    w = WaitForSingleObject(pi.hProcess, ms);
    if (w == WAIT_TIMEOUT) {
        TerminateProcess(pi.hProcess, 0xdead);
        WaitForSingleObject(pi.hProcess, INFINITE);
        printf("%s:E:%s:%s:%d: Test timeout expired\n", exe, tc->name,
               t->name, i);
        code = 2;
    } else if (!GetExitCodeProcess(pi.hProcess, &code)) {
        code = 2;
    } else if (code != 0 && code != 1) {
        printf("%s:E:%s:%s:%d: (after this point) Test ended with "
               "status 0x%lx\n", exe, tc->name, t->name, i,
               (unsigned long)code);
        code = 2;
    }
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}

/* In the child: run the one test named by spec, then exit. */
static void run_one(SRunner *sr, const char *spec)
{
    char tcase[256], test[256];
    const char *p = strchr(spec, '|'), *q = p ? strchr(p + 1, '|') : NULL;
    TCase *tc;
    int j;

    if (q == NULL || (size_t)(p - spec) >= sizeof tcase ||
        (size_t)(q - p - 1) >= sizeof test)
        exit(2);
    memcpy(tcase, spec, (size_t)(p - spec));
    tcase[p - spec] = '\0';
    memcpy(test, p + 1, (size_t)(q - p - 1));
    test[q - p - 1] = '\0';
    in_child = 1;
    for (tc = sr->suite->first; tc != NULL; tc = tc->next) {
        if (strcmp(tc->name, tcase) != 0)
            continue;
        for (j = 0; j < tc->ntests; j++) {
            if (strcmp(tc->tests[j].name, test) == 0) {
                cur_tcase = tc->name;
                cur_test = tc->tests[j].name;
                cur_iter = atoi(q + 1);
                tc->tests[j].fn(cur_iter);
                fflush(stdout);
                exit(0);
            }
        }
    }
    exit(2);
}

void srunner_run_all(SRunner *sr, enum print_output mode)
{
    const char *spec = getenv("CK_COMPAT_RUN");
    const char *fork_env = getenv("CK_FORK");
    const char *want_suite = getenv("CK_RUN_SUITE");
    const char *want_case = getenv("CK_RUN_CASE");
    int in_process = fork_env != NULL && strcmp(fork_env, "no") == 0;
    Suite *s = sr->suite;
    TCase *tc;
    WSADATA wd;
    int j, i;

    /* Tests make sockets before st_init starts Winsock for them. */
    WSAStartup(MAKEWORD(2, 2), &wd);
    if (spec != NULL)
        run_one(sr, spec);              /* does not return */
    if (mode != CK_SILENT)
        printf("Running suite(s): %s\n", s->name);
    if (want_suite != NULL && strcmp(want_suite, s->name) != 0)
        goto summary;
    for (tc = s->first; tc != NULL; tc = tc->next) {
        if (want_case != NULL && strcmp(want_case, tc->name) != 0)
            continue;
        for (j = 0; j < tc->ntests; j++) {
            const struct test *t = &tc->tests[j];
            for (i = t->start; i < t->end; i++) {
                const char *why = skip_reason(s->name, tc->name, t->name, i);
                int r;
                if (why != NULL) {
                    printf("SKIP:%s:%s:%s:%d: %s\n", s->name, tc->name,
                           t->name, i, why);
                    sr->skipped++;
                    continue;
                }
                sr->checks++;
                if (in_process) {
                    cur_tcase = tc->name;
                    cur_test = t->name;
                    cur_iter = i;
                    t->fn(i);
                    r = 0;
                } else {
                    r = run_child(tc, t, i);
                }
                if (r == 1)
                    sr->failures++;
                else if (r != 0)
                    sr->errors++;
            }
        }
    }
summary:
    if (mode != CK_SILENT) {
        int passed = sr->checks - sr->failures - sr->errors;
        printf("%d%%: Checks: %d, Failures: %d, Errors: %d, Skipped: %d\n",
               sr->checks ? passed * 100 / sr->checks : 100, sr->checks,
               sr->failures, sr->errors, sr->skipped);
    }
    fflush(stdout);
}
