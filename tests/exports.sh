#!/bin/sh
# SPDX-License-Identifier: MIT
# exports.sh - the shared library exports only the public API, has no
# executable stack and no rpath.
top_builddir=${top_builddir:-.}
lib=$(ls "$top_builddir"/lib/.libs/libst.so.* 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then
    echo "exports: no shared library built (--disable-shared): nothing to check"
    exit 0
fi
fail=0
# ./configure --enable-debug-stats adds exactly the 33 thread-local
# counters that SRS's debug build reads (lib/stats.h); no other build
# has any of them.
stats="_st_active_count _st_num_free_stacks"
for c in recvfrom sendto read readv writev recvmsg sendmsg; do
    stats="$stats _st_stat_$c _st_stat_${c}_eagain"
done
for c in epoll epoll_zero epoll_shake epoll_spin sched_15ms sched_20ms \
         sched_25ms sched_30ms sched_35ms sched_40ms sched_80ms \
         sched_160ms sched_s thread_run thread_idle thread_yield \
         thread_yield2; do
    stats="$stats _st_stat_$c"
done
debug_stats=no
if grep -q '^#define ST_DEBUG_STATS 1' "$top_builddir/config.h" 2>/dev/null; then
    debug_stats=yes
fi
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
other=$(echo "$syms" |
        grep -v -E '^(st_|_st_show_thread_stack$|_st_iterate_threads$)' |
        grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$')
if [ $debug_stats = yes ]; then
    for v in $stats; do
        if ! nm -D --defined-only "$lib" | grep -q " [TBD] $v\$"; then
            echo "exports: debug-stats build lacks the thread-local $v"; fail=1
        fi
        other=$(echo "$other" | grep -v -x "$v")
    done
fi
if [ -n "$other" ]; then
    echo "exports: unexpected exported symbols:"; echo "$other"; fail=1
fi
n=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^st_')
if [ "$n" -lt 60 ]; then
    echo "exports: only $n st_ symbols exported"; fail=1
fi
if command -v readelf >/dev/null 2>&1; then
    if readelf -lW "$lib" | grep GNU_STACK | grep -q RWE; then
        echo "exports: executable stack"; fail=1
    fi
    if readelf -d "$lib" | grep -q -E 'RPATH|RUNPATH'; then
        echo "exports: rpath present"; fail=1
    fi
    if ! readelf -d "$lib" | grep -q 'SONAME.*libst\.so\.1'; then
        echo "exports: soname is not libst.so.1"; fail=1
    fi
fi
[ $fail -eq 0 ] && echo "exports: $n public symbols, non-executable stack, soname libst.so.1, debug stats: $debug_stats"
exit $fail
