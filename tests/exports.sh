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
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' |
      grep -v -E '^(st_|_st_show_thread_stack$|_st_iterate_threads$)' |
      grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$')
if [ -n "$bad" ]; then
    echo "exports: unexpected exported symbols:"; echo "$bad"; fail=1
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
[ $fail -eq 0 ] && echo "exports: $n public symbols, non-executable stack, soname libst.so.1"
exit $fail
