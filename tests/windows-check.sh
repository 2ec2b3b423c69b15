#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/windows-check.sh - cross-build libst for Windows x64 (MinGW-w64)
# and run the suites and the echo smoke test under Wine.
#
# Usage: tests/windows-check.sh [BUILDDIR]     (default: _build-win, or
# the source tree itself when it is configured for Windows)
# Needs x86_64-w64-mingw32-gcc and Wine (Debian: gcc-mingw-w64-x86-64,
# mingw-w64, wine64).  Configures BUILDDIR for --host=x86_64-w64-mingw32
# unless it already is, builds the DLL, the static library and the test
# programs, runs every suite (each test in a process of its own, see
# tests/compat/check.h), prints the pass/fail/skip counts and the skipped
# tests with their reasons, and exits non-zero on any failure or error.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
host=x86_64-w64-mingw32
# A source tree configured in place for Windows (the README's commands)
# is its own build directory; otherwise build out of tree.
if [ $# -eq 0 ] && [ -f "$srcdir/Makefile" ] &&
   grep -q "^host = $host" "$srcdir/Makefile"; then
    build=$srcdir
else
    build=${1:-_build-win}
fi
WINE=${WINE:-/usr/lib/wine/wine64}
[ -x "$WINE" ] || WINE=$(command -v wine64 || command -v wine || echo wine)

mkdir -p "$build" || exit 2
build=$(cd "$build" && pwd)
cd "$build" || exit 2
if [ ! -f Makefile ] || ! grep -q "^host = $host" Makefile; then
    [ -x "$srcdir/configure" ] || (cd "$srcdir" && autoreconf -fi) || exit 2
    "$srcdir/configure" --host=$host -q || exit 2
fi
make -s -j2 >/dev/null || { make; exit 2; }
make -s -j2 check TESTS= >/dev/null || { make check TESTS=; exit 2; }

# The DLLs: ours, then MinGW's runtime (winpthread, libgcc).
gccdll=$(dirname "$($host-gcc -print-libgcc-file-name)")
WINEPATH="$build/lib/.libs;/usr/$host/lib;$gccdll"
WINEDEBUG=${WINEDEBUG:--all}
CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60}
export WINEPATH WINEDEBUG CK_DEFAULT_TIMEOUT

# A program libtool built against the DLL lives in .libs/.
exe() {
    if [ -f "$(dirname "$1")/.libs/$(basename "$1").exe" ]; then
        echo "$(dirname "$1")/.libs/$(basename "$1").exe"
    else
        echo "$1.exe"
    fi
}

log=$build/windows-check.log
: >"$log"
checks=0 failures=0 errors=0 skipped=0 broken=0
for suite in context sched thread sync key time io poll eventsys stack \
             mt fault load fileio; do
    prog=$(exe tests/check_$suite)
    if [ ! -f "$prog" ]; then
        echo "FAIL: tests/check_$suite was not built"
        broken=$((broken + 1))
        continue
    fi
    out=$("$WINE" "$prog" 2>&1)
    rc=$?
    printf '%s\n' "$out" >>"$log"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks:' | tail -1)
    if [ -z "$line" ]; then
        echo "FAIL: check_$suite: no summary (exit status $rc)"
        printf '%s\n' "$out" | tail -5 | sed 's/^/  | /'
        broken=$((broken + 1))
        continue
    fi
    echo "check_$suite: $line"
    printf '%s\n' "$out" | grep -E ':[FE]:' | sed 's/^/  | /'
    # "N%: Checks: C, Failures: F, Errors: E, Skipped: S" -> C F E S
    set -- $(printf '%s\n' "$line" | tr -cs '0-9' ' ' | cut -d' ' -f2-5)
    checks=$((checks + $1)) failures=$((failures + $2))
    errors=$((errors + $3)) skipped=$((skipped + $4))
    [ "$rc" -eq 0 ] || [ "$2$3" != 00 ] || broken=$((broken + 1))
done

# The echo example and its smoke client, over loopback.
smoke_ok=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libst-win.XXXXXX") || exit 2
"$WINE" "$(exe examples/echo)" 0 >"$tmp/echo.out" 2>&1 &
echo_pid=$!
port=
i=0
while [ $i -lt 600 ] && [ -z "$port" ]; do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
           "$tmp/echo.out" 2>/dev/null)
    [ -n "$port" ] || sleep 0.1
    i=$((i + 1))
done
if [ -n "$port" ] &&
   "$WINE" "$(exe examples/smoke_client)" echo "$port" >"$tmp/client.out" 2>&1
then
    echo "PASS: echo example round trip under Wine (port $port)"
    smoke_ok=1
else
    echo "FAIL: echo example under Wine"
    sed 's/^/  | /' "$tmp/echo.out" "$tmp/client.out" 2>/dev/null
fi
kill "$echo_pid" 2>/dev/null
wait "$echo_pid" 2>/dev/null
rm -rf "$tmp"

# Windows-only checks: exceptions and stack walks on thread stacks, and
# the overflow report (see the two files).
abi_ok=0
inc="-I$srcdir/include -I$build"
dll=$build/lib/.libs/libst.dll.a
if $host-g++ -O2 $inc -o tests/win-abi.exe "$srcdir/tests/win-abi.cc" \
       "$dll" -lws2_32 &&
   $host-gcc -O2 $inc -o tests/win-overflow.exe \
       "$srcdir/tests/win-overflow.c" "$dll" -lws2_32; then
    if "$WINE" tests/win-abi.exe; then
        echo "PASS: C++ exceptions and stack walks on thread stacks"
        abi_ok=1
    else
        echo "FAIL: tests/win-abi.cc"
    fi
    "$WINE" tests/win-overflow.exe >/dev/null 2>"$build/win-overflow.err"
    rc=$?
    # Wine reports STATUS_STACK_OVERFLOW (0xC00000FD) as its low byte.
    if [ $rc -eq 253 ] &&
       grep -q 'libst: stack overflow in thread 0x[0-9a-f]* (deep)' \
           "$build/win-overflow.err"; then
        echo "PASS: overflow into the guard page names the thread"
    else
        echo "FAIL: overflow report (exit status $rc):"
        sed 's/^/  | /' "$build/win-overflow.err"
        abi_ok=0
    fi
else
    echo "FAIL: the Windows-only checks do not build"
fi

echo
echo "Skipped on Windows:"
grep "^SKIP:" "$log" | sed "s/^SKIP:/  /"
passed=$((checks - failures - errors))
echo
echo "Windows suite under Wine: $passed passed, $failures failed," \
     "$errors errors, $skipped skipped ($checks run)"
[ $failures -eq 0 ] && [ $errors -eq 0 ] && [ $broken -eq 0 ] &&
    [ $smoke_ok -eq 1 ] && [ $abi_ok -eq 1 ]
