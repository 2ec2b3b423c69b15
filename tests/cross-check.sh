#!/bin/sh
# SPDX-License-Identifier: MIT
# cross-check.sh - build libst for another CPU and run its tests under
# qemu-user.
#
# Usage: tests/cross-check.sh HOST [BACKEND...]
#   HOST     a GNU triplet with a Debian cross toolchain, e.g.
#            aarch64-linux-gnu, arm-linux-gnueabihf, i686-linux-gnu,
#            riscv64-linux-gnu, powerpc64le-linux-gnu, s390x-linux-gnu,
#            mips64el-linux-gnuabi64
#   BACKEND  event systems for the smoke test: select, poll, epoll
#            (default: poll epoll)
#
# Builds out of tree in /tmp/st-cross-HOST (configure --host=HOST
# --disable-shared), checks that configure picked the assembly port for
# the CPU, then runs:
#   - the Check suites (make check, each program under qemu), when Check
#     for the target is installed (Debian multiarch: check:ARCH); they loop
#     over every compiled event system, select, poll and epoll;
#   - tests/cross-smoke.c, a self-contained test without Check, once per
#     BACKEND, always (and it is the only suite when Check is missing).
# Packages: qemu-user gcc-HOST (plus, for the Check suites,
# `dpkg --add-architecture ARCH && apt-get update && apt-get install
# check:ARCH`).  See doc/PORTS.md.
# Environment: MAKE_JOBS (default 2), ST_TEST_TIME_MULT (default 5),
# ST_CROSS_BUILDDIR (default /tmp/st-cross-HOST), CONFIGURE_FLAGS (extra
# configure arguments, split at blanks; put CFLAGS in the environment),
# ST_CROSS_STRICT=yes (count the known qemu failures), QEMU_CPU.
# Exits non-zero on any failure; the last line reads
#   cross-check HOST: N passed, M failed

set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 HOST [select|poll|epoll ...]" >&2
    exit 2
fi
host=$1
shift
backends=${*:-poll epoll}

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${ST_CROSS_BUILDDIR:-/tmp/st-cross-$host}
jobs=${MAKE_JOBS:-2}

# CPU name (as configure.host spells it), qemu program, Debian multiarch
# directory (for the target's Check library).
case $host in
  aarch64*-linux*)      cpu=aarch64; qemu="qemu-aarch64" ;;
  arm*-linux*eabihf)    cpu=arm;     qemu="qemu-arm" ;;
  i?86-linux*)          cpu=i386;    qemu="qemu-i386" ;;
  riscv64*-linux*)      cpu=riscv64; qemu="qemu-riscv64" ;;
  powerpc64le-linux*)   cpu=ppc64le; qemu="qemu-ppc64le" ;;
  s390x-linux*)         cpu=s390x;   qemu="qemu-s390x" ;;
  mips64el-linux*)      cpu=mips64;  qemu="qemu-mips64el" ;;
  *) echo "cross-check: unknown host '$host'" >&2; exit 2 ;;
esac
case $host in
  i?86-*) multiarch=i386-${host#*-} ;;
  *)      multiarch=$host ;;
esac

passed=0
failed=0
known=0
finish() {
    if [ "$known" -gt 0 ]; then
        echo "cross-check: $known known qemu-user failure(s) not counted" \
             "(ST_CROSS_STRICT=yes counts them)"
    fi
    echo "cross-check $host: $passed passed, $failed failed"
    if [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then exit 0; fi
    exit 1
}
die() {
    echo "cross-check: $*" >&2
    failed=$((failed + 1))
    finish
}

command -v "$host-gcc" >/dev/null 2>&1 ||
    die "$host-gcc not found (apt-get install gcc-$host)"
command -v "$qemu" >/dev/null 2>&1 ||
    die "$qemu not found (apt-get install qemu-user)"
[ -d "/usr/$host" ] || die "/usr/$host missing (cross libc not installed)"

# Test programs are linked statically (-all-static for libtool): qemu-user
# 7.2 hangs in the child of fork() (which Check uses, CK_FORK=yes) when a
# dynamically linked guest runs with an -L/QEMU_LD_PREFIX sysroot.  The
# prefix is still set for anything the guest opens by path.
QEMU_LD_PREFIX=/usr/$host
ST_TEST_TIME_MULT=${ST_TEST_TIME_MULT:-5}
CK_FORK=yes
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4}
export QEMU_LD_PREFIX ST_TEST_TIME_MULT CK_FORK CK_TIMEOUT_MULTIPLIER
# qemu-mips64el's default CPU (5KEf) ignores writes to the FCSR rounding
# bits; Debian's mips64el baseline is MIPS64r2, so emulate that.
if [ "$cpu" = mips64 ] && [ -z "${QEMU_CPU:-}" ]; then
    QEMU_CPU=MIPS64R2-generic
    export QEMU_CPU
fi

if [ ! -x "$srcdir/configure" ]; then
    (cd "$srcdir" && autoreconf -fi) || die "autoreconf failed"
fi

# Check for the target: found through its multiarch pkg-config directory.
have_check=no
if [ -f "/usr/lib/$multiarch/pkgconfig/check.pc" ]; then
    have_check=yes
fi

rm -rf "$builddir"
mkdir -p "$builddir" || die "cannot create $builddir"
cd "$builddir" || die "cannot enter $builddir"

# The asm probe of m4/st_context.m4 (a section switch inside main()) fails
# to assemble with -O2 on every CPU, so the probe result is preset here
# (ST_CROSS_PRESET_ASM=no runs the probe).  configure still takes the CPU
# and .S file from md/configure.host, and the summary check below still
# fails if the host has no port.
preset_asm=
if [ "${ST_CROSS_PRESET_ASM:-yes}" = yes ]; then
    preset_asm=st_cv_ctx_asm=yes
fi

start=$(date +%s)
echo "cross-check: configuring for $host in $builddir"
# shellcheck disable=SC2086
PKG_CONFIG=pkg-config \
PKG_CONFIG_LIBDIR=/usr/lib/$multiarch/pkgconfig:/usr/share/pkgconfig \
PKG_CONFIG_PATH="" \
    "$srcdir/configure" --host="$host" --disable-shared \
        $preset_asm ${CONFIGURE_FLAGS:-} >configure.out 2>&1 || {
    cat configure.out; die "configure failed"
}
sed -n '/^libst .* configured for/,$p' configure.out
if ! grep -q "context switch: asm ($cpu)\$" configure.out; then
    die "configure did not choose 'context switch: asm ($cpu)'"
fi

echo "cross-check: building"
make -j"$jobs" >make.out 2>&1 || { tail -40 make.out; die "make failed"; }

# --- the Check suites -----------------------------------------------------
# Check failures that qemu-user 7.2 itself causes, as extended regular
# expressions over Check's failure lines; each was reproduced without
# libst's context switch in the picture:
#  - memory_per_sleeping_thread's RSS bound: the guest's VmRSS includes
#    qemu's own per-mapping bookkeeping (the x86-64 build of the same test
#    also reads 4.80 KiB per thread under qemu-x86_64, and passes natively);
#    a thread-creation failure in that test still counts;
#  - on MIPS, getsockopt(SO_ERROR) returns the host's errno number
#    unconverted (111 for ECONNREFUSED, which is 146 on MIPS).
known_qemu='memory_per_sleeping_thread:.*KiB per sleeping thread'
if [ "$cpu" = mips64 ]; then
    known_qemu="$known_qemu|connect_errors:.*== 111, 146 == 146"
fi
if [ "$have_check" = yes ]; then
    echo "cross-check: make check under $qemu (Check suites)"
    # Only the Check programs: other TESTS are host scripts.
    suites=
    for f in "$srcdir"/tests/check_*.c; do
        f=${f##*/}
        suites="$suites tests/${f%.c}"
    done
    make -j"$jobs" check TESTS="$suites" LOG_COMPILER="$qemu" \
        LDFLAGS=-all-static >check.out 2>&1
    rc=$?
    grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' check.out
    for log in tests/check_*.log; do
        [ -f "$log" ] || continue
        # Check's summary: "NN%: Checks: C, Failures: F, Errors: E"
        line=$(grep -E 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' \
               "$log" | tail -1)
        if [ -z "$line" ]; then
            echo "cross-check: no Check summary in $log"
            failed=$((failed + 1))
            continue
        fi
        c=$(echo "$line" | sed 's/.*Checks: \([0-9]*\).*/\1/')
        f=$(echo "$line" | sed 's/.*Failures: \([0-9]*\).*/\1/')
        e=$(echo "$line" | sed 's/.*Errors: \([0-9]*\).*/\1/')
        passed=$((passed + c - f - e))
        # Failures the emulator causes (see known_qemu above) are listed
        # but not counted, unless ST_CROSS_STRICT=yes.
        k=0
        if [ -n "$known_qemu" ] && [ "${ST_CROSS_STRICT:-no}" != yes ]; then
            k=$(grep -E ':[EF]:' "$log" | grep -cE "$known_qemu")
        fi
        failed=$((failed + f + e - k))
        known=$((known + k))
        if [ $((f + e)) -ne 0 ]; then
            grep -E ':[EF]:' "$log" | head -20
        fi
    done
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && [ "$known" -eq 0 ]; then
        tail -30 check.out
        echo "cross-check: make check failed"
        failed=$((failed + 1))
    fi
else
    echo "cross-check: Check for $multiarch not installed;" \
         "only the smoke test runs"
fi

# --- the smoke test ---------------------------------------------------------
echo "cross-check: building tests/cross-smoke.c"
"$host-gcc" -std=gnu11 -O2 -Wall -Wextra -static -I. -I"$srcdir/include" \
    -o cross-smoke "$srcdir/tests/cross-smoke.c" lib/.libs/libst.a -lm \
    >smoke-build.out 2>&1 || {
    cat smoke-build.out; die "building cross-smoke failed"
}
for b in $backends; do
    case $b in
      select|poll) arg=$b ;;
      epoll|kqueue|alt) arg=alt ;;
      *) echo "cross-check: unknown backend $b"; failed=$((failed + 1))
         continue ;;
    esac
    echo "cross-check: cross-smoke $b under $qemu"
    "$qemu" -L "$QEMU_LD_PREFIX" ./cross-smoke "$arg" >"smoke-$b.out" 2>&1
    rc=$?
    cat "smoke-$b.out"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "smoke-$b.out" | tail -1)
    if [ -z "$line" ]; then
        echo "cross-check: cross-smoke $b did not finish (exit $rc)"
        failed=$((failed + 1))
        continue
    fi
    p=${line%% passed*}
    f=${line#*, }
    f=${f%% failed*}
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        failed=$((failed + 1))
    fi
done

echo "cross-check: $host took $(( $(date +%s) - start )) s (suite:" \
     "$( [ "$have_check" = yes ] && echo "Check + smoke" || echo "smoke" ))"
finish
