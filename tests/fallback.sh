#!/bin/sh
# SPDX-License-Identifier: MIT
# fallback.sh - the stack suites again with guard regions turned off
# (LIBST_NO_GUARD_REGIONS=1), as on kernels older than Linux 6.13 and on
# other systems: guard pages within the budget, the switch-time check
# beyond it, and the report of a fault just below an unguarded stack;
# then the context suite with each way of restoring FP modes (x86-64).
top_builddir=${top_builddir:-.}
LIBST_NO_GUARD_REGIONS=1
export LIBST_NO_GUARD_REGIONS
fail=0
for t in check_stack check_sched check_thread check_context; do
    prog="$top_builddir/tests/$t"
    if [ ! -x "$prog" ]; then
        echo "fallback: $prog not built"; exit 99
    fi
    echo "=== $t with LIBST_NO_GUARD_REGIONS=1"
    "$prog" || fail=1
done
# Both ways of restoring the FP modes at a switch on x86-64 (md/x86_64.S:
# compare, chosen on Intel, or always load), whatever this CPU picks.
unset LIBST_NO_GUARD_REGIONS
for way in 0 1; do
    echo "=== check_context with LIBST_MD_FP_COMPARE=$way"
    LIBST_MD_FP_COMPARE=$way "$top_builddir/tests/check_context" || fail=1
done
exit $fail
