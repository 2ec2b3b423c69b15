/* SPDX-License-Identifier: MIT */
/* common.c - method-independent helpers of the machine-dependent layer. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "md.h"

#if defined(ST_MD_ASM) && defined(__x86_64__)
#include <cpuid.h>
#include <string.h>

/* Read by md/x86_64.S and md/x86_64-win.S at each switch: 1 to compare
 * the leaving and the resumed contexts' FP modes and load them only where
 * they differ (the faster choice on Intel), 0 to load them always (on
 * AMD, reading back the modes just stored costs more than loading them).
 * 0 until the CPU is known, which is correct everywhere. */
unsigned char _st_md_fp_compare ST_HIDDEN;

static void __attribute__((constructor)) md_probe_cpu(void)
{
    const char *force = getenv("LIBST_MD_FP_COMPARE");  /* tests: 0 or 1 */
    unsigned a, b, c, d;
    char vendor[13];

    if (force != NULL && (force[0] == '0' || force[0] == '1')) {
        _st_md_fp_compare = force[0] == '1';
        return;
    }
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return;
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    _st_md_fp_compare = strcmp(vendor, "GenuineIntel") == 0;
}
#endif

void _st_md_entry_returned(void)
{
    fputs("libst: a thread's entry function returned no context to "
          "resume; aborting\n", stderr);
    abort();
}
