/* SPDX-License-Identifier: MIT */
/* common.c - method-independent helpers of the machine-dependent layer. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "md.h"

void _st_md_entry_returned(void)
{
    fputs("libst: a thread's entry function returned no context to "
          "resume; aborting\n", stderr);
    abort();
}
