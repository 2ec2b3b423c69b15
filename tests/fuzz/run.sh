#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh - build and run the libFuzzer harness fuzz_sched.
#
#   tests/fuzz/run.sh [SECONDS]        (default 60; CI uses 30)
#
# Builds the library out of tree with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (plus coverage for libFuzzer) into
# $ST_FUZZ_BUILD (default /tmp/st-fuzz), builds the harness and a plain
# replay driver, fuzzes for SECONDS, then replays the whole corpus with
# the replay driver.  Exits non-zero on any crash, leak, sanitizer report,
# hang (-timeout) or invariant violation; the reproducer is left in
# $ST_FUZZ_BUILD/artifacts/ and can be replayed with
#   $ST_FUZZ_BUILD/replay $ST_FUZZ_BUILD/artifacts/crash-...
#
# Long run (soak), e.g. overnight on both cores with a kept corpus:
#   ST_FUZZ_JOBS=2 ST_FUZZ_CORPUS=$HOME/st-fuzz-corpus tests/fuzz/run.sh 28800
# (ST_FUZZ_JOBS > 1 runs libFuzzer with -fork=N, which keeps going after a
# crash and records every distinct one in artifacts/; run.sh still fails
# if any was found.)  Extra libFuzzer flags can be given in
# ST_FUZZ_FLAGS, e.g. ST_FUZZ_FLAGS='-max_len=2048'.
set -eu

DUR=${1:-60}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=${ST_FUZZ_BUILD:-/tmp/st-fuzz}
JOBS=${ST_FUZZ_JOBS:-1}
CORPUS=${ST_FUZZ_CORPUS:-$B/corpus}
CC=${CC:-clang}
SAN='-fsanitize=address,undefined -fno-omit-frame-pointer'

mkdir -p "$B" "$CORPUS"
cd "$B"
# Findings of earlier runs are kept aside, not reported again.
if [ -d artifacts ] && [ -n "$(ls -A artifacts)" ]; then
    mv artifacts "artifacts.$(date +%Y%m%d-%H%M%S)"
fi
mkdir -p artifacts

# The library: configure once, rebuild when sources change.
if [ ! -f Makefile ]; then
    "$SRC/configure" -q CC="$CC" \
        CFLAGS="-g -O1 $SAN -fsanitize=fuzzer-no-link" --disable-shared
fi
make -j2 lib/libst.la >/dev/null
# Libraries the static archive needs (e.g. -luring), as libtool recorded.
DEPLIBS=$(sed -n "s/^dependency_libs='\(.*\)'$/\1/p" lib/libst.la)

# shellcheck disable=SC2086
"$CC" -g -O1 $SAN -fsanitize=fuzzer -I"$SRC/include" \
    "$SRC/tests/fuzz/fuzz_sched.c" lib/.libs/libst.a $DEPLIBS -o fuzz_sched
# shellcheck disable=SC2086
"$CC" -g -O1 $SAN -fsanitize=fuzzer-no-link -DST_FUZZ_REPLAY \
    -I"$SRC/include" "$SRC/tests/fuzz/fuzz_sched.c" lib/.libs/libst.a \
    $DEPLIBS -o replay

# Seeds: a few hand-written scripts, one per event system (first byte
# mod 4: select, poll, epoll/kqueue, io_uring).
if [ -z "$(ls -A "$CORPUS")" ]; then
    for b in 0 1 2 3; do
        printf "\\$(printf %03o $((b + 8)))\0\3\0\11\14\1\15\1\6\1\7\1\10\7\11\1\12\2\13\1\16\1\17\1\20\1\21\1\22\1\23\1\24\1\27\21\30\41\31\1\25\1\2\1\3\2" \
            > "$CORPUS/seed-$b"
    done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

rc=0
if [ "$JOBS" -gt 1 ]; then
    FORK="-fork=$JOBS -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
else
    FORK=
fi
# shellcheck disable=SC2086
./fuzz_sched $FORK -max_total_time="$DUR" -max_len=1024 -timeout=20 \
    -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$B/artifacts/" ${ST_FUZZ_FLAGS:-} "$CORPUS" \
    > "$B/fuzz.log" 2>&1 || rc=$?
tail -n 25 "$B/fuzz.log"
if ls "$B"/artifacts/crash-* "$B"/artifacts/leak-* "$B"/artifacts/timeout-* \
        "$B"/artifacts/oom-* >/dev/null 2>&1; then
    echo "run.sh: artifacts found in $B/artifacts:" >&2
    ls -l "$B/artifacts" >&2
    [ "$rc" -ne 0 ] || rc=1
fi
if [ "$rc" -ne 0 ]; then
    echo "run.sh: fuzzing failed (status $rc); log: $B/fuzz.log" >&2
    exit "$rc"
fi
./replay "$CORPUS" || { echo "run.sh: corpus replay failed" >&2; exit 1; }
echo "run.sh: OK"
