#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/bench/run.sh - libst side by side with its peers; prints one table.
#
#   tests/bench/run.sh [--quick] [--rounds N] [--no-install] [BENCH...]
#
# BENCH is any of: switch create memory timers http syscalls fileio
# (default: all).
# Everything is built into $ST_BENCH_DIR (default /tmp/st-bench); the
# source tree is never written to.  Peers come from Debian packages; the
# original State Threads 1.9 is unpacked privately (never installed).
# Needs root for apt-get (skip with --no-install when all is present).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BSRC=$SRC/tests/bench
OUT=${ST_BENCH_DIR:-/tmp/st-bench}
QUICK=0
ROUNDS=
INSTALL=1
BENCHES=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --rounds) ROUNDS=$2; shift ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '3,12p' "$0"; exit 0 ;;
    switch|create|memory|timers|http|syscalls|fileio) BENCHES+=("$1") ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ ${#BENCHES[@]} -eq 0 ] && BENCHES=(switch create memory timers http syscalls fileio)
want() { local b; for b in "${BENCHES[@]}"; do [ "$b" = "$1" ] && return 0; done; return 1; }

# http rounds: 7 by default (ratios of adjacent runs, noisier than the
# micro-benchmarks), or as many as --rounds asks.
HTTP_ROUNDS=${ROUNDS:-7}
if [ $QUICK = 1 ]; then
  HTTP_ROUNDS=${ROUNDS:-1}
  : "${ROUNDS:=1}"; SW_N=2000000; CR_N=300000; DET_N=20000
  MEM_ROUNDS=1; TIMER_SECS=2; HTTP_SECS=1; SYS_SECS=1
else
  : "${ROUNDS:=5}"; SW_N=5000000; CR_N=1000000; DET_N=50000
  MEM_ROUNDS=2; TIMER_SECS=3; HTTP_SECS=2; SYS_SECS=2
fi
TIMER_ROUNDS=$(( ROUNDS > 3 ? 3 : ROUNDS ))
SRV_CPU=0      # servers and micro-benchmarks
LOAD_CPU=1     # wrk and the idle-connection helper
PORT0=18080
CTXS="asm ucontext setjmp"

T0=$(date +%s)
log() { echo "[bench +$(( $(date +%s) - T0 ))s] $*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

mkdir -p "$OUT/bin" || die "cannot create $OUT"
RES=$OUT/results.txt
: > "$RES"

# ---- peers ----------------------------------------------------------------
PKGS="build-essential g++ libboost-context-dev libpth-dev libevent-dev nginx-light wrk
      linux-perf strace python3 curl autoconf automake libtool pkg-config check"
if [ $INSTALL = 1 ]; then
  missing=
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    log "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q $missing >"$OUT/apt.log" 2>&1 ||
      { apt-get update -q >>"$OUT/apt.log" 2>&1 &&
        apt-get install -y -q $missing >>"$OUT/apt.log" 2>&1; } ||
      die "apt-get install failed, see $OUT/apt.log"
  fi
fi
# State Threads 1.9, unpacked privately: its st.h and libst.so would
# shadow ours if installed.
ST19=$OUT/st19/root/usr
if [ ! -f "$ST19/lib/libst.a" ]; then
  log "fetching State Threads 1.9 (libst-dev) into $OUT/st19"
  mkdir -p "$OUT/st19" && (cd "$OUT/st19" && rm -f ./*.deb &&
    { apt-get download libst-dev libst1 >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get download libst-dev libst1 >/dev/null 2>&1; }; } &&
    for d in ./*.deb; do dpkg -x "$d" root; done) || die "cannot fetch libst-dev"
  [ -f "$ST19/lib/libst.a" ] || die "no libst.a in libst-dev"
fi

# ---- build ----------------------------------------------------------------
[ -x "$SRC/configure" ] ||
  die "no configure in $SRC: in a git checkout run 'autoreconf -fi' there first"
CFLAGS_B="-O2 -g"
for c in $CTXS; do
  b=$OUT/build-$c
  # A build directory configured from another source tree would build
  # that tree: start it again.
  if [ -f "$b/config.status" ] && ! grep -qxF "srcdir='$SRC'" "$b/config.status"; then
    log "build-$c was configured from another tree: configuring again"
    rm -rf "$b"
  fi
  if [ ! -f "$b/Makefile" ]; then
    log "configuring libst ($c) in $b"
    mkdir -p "$b"
    (cd "$b" && "$SRC/configure" --with-context=$c --disable-shared --enable-static \
        CFLAGS="$CFLAGS_B" >cfg.log 2>&1) || die "configure ($c) failed: $b/cfg.log"
  fi
  (cd "$b" && make -j2 lib/libst.la >make.log 2>&1) || die "make ($c) failed: $b/make.log"
done
BIN=$OUT/bin
cc_st() {  # name source ctx
  # The system libraries libst needs (e.g. -luring), as st.pc lists them.
  gcc $CFLAGS_B -I"$SRC/include" -o "$BIN/$1" "$2" "$OUT/build-$3/lib/.libs/libst.a" \
      $(sed -n 's/^Libs.private: *//p' "$OUT/build-$3/st.pc")
}
cc19() {  # ST 1.9's md.o has no .note.GNU-stack: quiet the linker about it
  gcc $CFLAGS_B -DBENCH_ST19 -I"$ST19/include" -o "$BIN/$1" "$2" "$ST19/lib/libst.a" \
    -Wl,-z,noexecstack 2>&1 | grep -v -e GNU-stack -e 'NOTE: This behaviour'
}
log "building benchmarks into $BIN"
for c in $CTXS; do cc_st bench_st-$c "$BSRC/bench_st.c" $c || die "build bench_st-$c"; done
cc_st http_st-asm "$BSRC/http_st.c" asm || die "build http_st"
cc_st fileio_bench "$BSRC/fileio_bench.c" asm || die "build fileio_bench"
cc19 bench_st-st19 "$BSRC/bench_st.c"
cc19 http_st-st19 "$BSRC/http_st.c"
g++ $CFLAGS_B -o "$BIN/bench_boost" "$BSRC/bench_boost.cc" \
  -Wl,-Bstatic -lboost_context -Wl,-Bdynamic || die "build bench_boost"
gcc $CFLAGS_B -o "$BIN/bench_peers" "$BSRC/bench_peers.c" -lpth || die "build bench_peers"
gcc $CFLAGS_B -o "$BIN/http_libevent" "$BSRC/http_libevent.c" -levent_core || die "build http_libevent"
gcc $CFLAGS_B -o "$BIN/idle_conns" "$BSRC/idle_conns.c" || die "build idle_conns"
for f in bench_st-asm bench_st-st19 http_st-st19 bench_boost; do
  [ -x "$BIN/$f" ] || die "missing $BIN/$f"
done

# ---- helpers --------------------------------------------------------------
# record BENCH VARIANT ROUND CMD...: run CMD pinned, append its key=values.
record() {
  local bench=$1 var=$2 round=$3; shift 3
  local line
  line=$(taskset -c $SRV_CPU "$@" 2>>"$OUT/stderr.log" | tail -1)
  if [ -z "$line" ]; then
    log "  $bench/$var round $round: FAILED ($*)"
    line="failed=1"
  fi
  printf '%s\t%s\t%s\t%s\n' "$bench" "$var" "$round" "$line" >>"$RES"
}
# rotate: print the words of $@ starting at position (round mod count), so
# each variant takes every place in the order across rounds.
rotate() {
  local r=$1; shift
  local a=("$@") n=$# i
  for ((i = 0; i < n; i++)); do echo "${a[$(( (i + r) % n ))]}"; done
}

# ---- 1. switch ------------------------------------------------------------
if want switch; then
  log "switch: $ROUNDS rounds, $SW_N switches"
  V=(boost boost-ring)
  for c in $CTXS; do
    V+=("yield-$c" "yieldasym-$c" "cond-$c" "condasym-$c" "ring-$c" "ringcond-$c")
  done
  V+=(cond-st19 condasym-st19 ring-st19 ringcond-st19 usleep0-st19 yieldasym-st19
      pth-yield pth-cond swapcontext)
  for ((r = 1; r <= ROUNDS; r++)); do
    for v in $(rotate $r "${V[@]}"); do
      case $v in
        boost) record switch $v $r "$BIN/bench_boost" switch $((SW_N * 4)) ;;
        boost-ring) record switch $v $r "$BIN/bench_boost" ring $SW_N ;;
        # iteration counts scaled so that each run takes about 0.3 s
        # (ST 1.9's yield rows are st_usleep(0): a poll per pass)
        *-ucontext|usleep0-*|yieldasym-st19) record switch $v $r "$BIN/bench_st-${v#*-}" "${v%%-*}" $((SW_N / 8)) ;;
        ring-*|ringcond-*) record switch $v $r "$BIN/bench_st-${v#*-}" "${v%%-*}" $((SW_N / 4)) ;;
        yield-*|yieldasym-*|cond-*|condasym-*) record switch $v $r "$BIN/bench_st-${v#*-}" "${v%%-*}" $SW_N ;;
        pth-*) record switch $v $r "$BIN/bench_peers" $v $((SW_N / 100)) ;;
        swapcontext) record switch $v $r "$BIN/bench_peers" ucontext $((SW_N / 8)) ;;
      esac
    done
  done
fi

# ---- 2. create ------------------------------------------------------------
if want create; then
  log "create: $ROUNDS rounds"
  V=(boost-switch boost-create); for c in $CTXS; do V+=("create-$c" "detached-$c"); done
  V+=(create-st19 detached-st19 pth-create swapcontext-create)
  for ((r = 1; r <= ROUNDS; r++)); do
    for v in $(rotate $r "${V[@]}"); do
      case $v in
        boost-*) record create $v $r "$BIN/bench_boost" ${v#boost-} $((CR_N * 10)) ;;
        create-setjmp) record create $v $r "$BIN/bench_st-${v#*-}" create $((CR_N / 20)) ;;
        create-ucontext) record create $v $r "$BIN/bench_st-${v#*-}" create $((CR_N / 5)) ;;
        create-*) record create $v $r "$BIN/bench_st-${v#*-}" create $CR_N ;;
        detached-*) record create $v $r "$BIN/bench_st-${v#*-}" detached $DET_N ;;
        pth-create) record create $v $r "$BIN/bench_peers" pth-create $((CR_N / 20)) ;;
        swapcontext-create) record create $v $r "$BIN/bench_peers" ucontext-create $((CR_N / 2)) ;;
      esac
    done
  done
fi

# ---- 3. memory ------------------------------------------------------------
if want memory; then
  log "memory: $MEM_ROUNDS rounds at 10k, 100k, 1M threads"
  for ((r = 1; r <= MEM_ROUNDS; r++)); do
    for n in 10000 100000 1000000; do
      for v in $(rotate $r asm st19); do
        # quick mode: the million-thread run (~15 s each) for ours only
        [ $QUICK = 1 ] && [ $n = 1000000 ] && [ $v = st19 ] && continue
        record memory "$v-$n" $r "$BIN/bench_st-$v" memory $n
      done
      # ours again with guard regions off (fallback guards): what the
      # madvise(MADV_GUARD_INSTALL) of each new stack costs a create
      [ $QUICK = 1 ] && [ $n = 1000000 ] && continue
      record memory "asm-noregion-$n" $r \
          env LIBST_NO_GUARD_REGIONS=1 "$BIN/bench_st-asm" memory $n
    done
  done
fi

# ---- 4. timers ------------------------------------------------------------
if want timers; then
  log "timers: $TIMER_ROUNDS rounds of ${TIMER_SECS}s (+1s warm-up)"
  for ((r = 1; r <= TIMER_ROUNDS; r++)); do
    for n in 1000 100000; do
      for v in $(rotate $r asm st19); do
        record timers "$v-$n" $r "$BIN/bench_st-$v" timers $n $TIMER_SECS
      done
    done
  done
fi

# ---- 4b. file I/O: 256 MiB written with an fsync every 4 MiB ------------
# (in $TMPDIR) while 1,000 threads sleep 1 ms in a loop; not pinned, since
# the helper pool and the ring's workers need the second CPU.  A run takes
# half a second, and a virtual disk can make any one run several times
# slower than the next (doc/BENCHMARKS.md, "File I/O"), so every round
# runs; at most 9.
if want fileio; then
  FIO_ROUNDS=$(( ROUNDS > 9 ? 9 : ROUNDS ))
  FIO_MIB=256; [ $QUICK = 1 ] && FIO_MIB=64
  log "fileio: $FIO_ROUNDS rounds of $FIO_MIB MiB"
  for ((r = 1; r <= FIO_ROUNDS; r++)); do
    for v in $(rotate $r block pool uring); do
      line=$("$BIN/fileio_bench" $v $FIO_MIB 1000 2>>"$OUT/stderr.log" | tail -1)
      printf 'fileio\t%s\t%s\t%s\n' "$v" "$r" "${line:-failed=1}" >>"$RES"
    done
  done
fi

# abba: the words of $@ in order in odd rounds, reversed in even ones.
abba() {
  local r=$1; shift
  local a=("$@") n=$# i
  for ((i = 0; i < n; i++)); do
    if ((r % 2)); then echo "${a[$i]}"; else echo "${a[$((n - 1 - i))]}"; fi
  done
}

# ---- 5./6. http and syscalls ---------------------------------------------
# The State Threads servers wait with st_netfd_poll() before each read, as
# nginx and libevent wait for readiness; the -rf ones read first (the
# simplest ST loop), which costs a read that fails with EAGAIN per request
# (st_read must try first: API.md 3.9).  The target comparisons (nginx,
# st-epoll, st19-poll) sit next to each other in the order, which runs
# forward in odd rounds and backward in even ones (A B C C B A), so that
# each ratio compares runs a few seconds apart.
SERVERS=(nginx st-epoll st19-poll st19-poll-rf st-epoll-rf libevent st-poll st-select st-io_uring st-io_uring-rf)
declare -A SPID SPORT
NGX=$OUT/nginx
start_servers() {
  local i=0 s port mode be
  ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  for s in "${SERVERS[@]}"; do
    port=$((PORT0 + i)); i=$((i + 1)); SPORT[$s]=$port
    case $s in
      *-rf) mode=read-first ;;
      *) mode=poll-first ;;
    esac
    be=${s%-rf}; be=${be#*-}
    case $s in
      st-*) taskset -c $SRV_CPU "$BIN/http_st-asm" $port $be $mode 2>>"$OUT/stderr.log" & SPID[$s]=$! ;;
      st19-*) taskset -c $SRV_CPU "$BIN/http_st-st19" $port $be $mode 2>>"$OUT/stderr.log" & SPID[$s]=$! ;;
      libevent) taskset -c $SRV_CPU "$BIN/http_libevent" $port 2>>"$OUT/stderr.log" & SPID[$s]=$! ;;
      nginx)
        mkdir -p "$NGX/logs" "$NGX/tmp"
        sed -e "s|@DIR@|$NGX|g" -e "s|@PORT@|$port|g" "$BSRC/nginx.conf.in" >"$NGX/nginx.conf"
        taskset -c $SRV_CPU nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" \
          2>>"$OUT/stderr.log" &
        NGX_MASTER=$! ;;
    esac
  done
  sleep 1
  if [ -n "${NGX_MASTER:-}" ]; then
    SPID[nginx]=$(pgrep -P "$NGX_MASTER" | head -1)
    [ -n "${SPID[nginx]}" ] || log "nginx did not start: $NGX/logs/error.log"
  fi
  for s in "${SERVERS[@]}"; do
    curl -s -m 2 "http://127.0.0.1:${SPORT[$s]}/" | grep -q 'hello, world!' ||
      log "server $s on port ${SPORT[$s]} does not answer"
  done
}
stop_servers() {
  local s
  for s in "${SERVERS[@]}"; do
    [ "$s" = nginx ] && continue
    [ -n "${SPID[$s]:-}" ] && kill "${SPID[$s]}" 2>/dev/null
  done
  [ -n "${NGX_MASTER:-}" ] && kill "$NGX_MASTER" 2>/dev/null
  wait 2>/dev/null
}
cpu_ns() {  # CPU time of one process (all its threads) in ns
  local pid=$1 t ns=0
  for t in /proc/$pid/task/*/schedstat; do
    ns=$(( ns + $(cut -d' ' -f1 "$t") ))
  done
  echo $ns
}
# wrk_run SERVER CONNS SECS SCENARIO ROUND
wrk_run() {
  local s=$1 c=$2 d=$3 scen=$4 r=$5 pid=${SPID[$1]} a b out req rps
  a=$(cpu_ns "$pid")
  out=$(taskset -c $LOAD_CPU wrk -t1 -c$c -d${d}s "http://127.0.0.1:${SPORT[$s]}/" 2>&1)
  b=$(cpu_ns "$pid")
  req=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  if [ -z "$req" ] || [ "$req" = 0 ]; then
    log "  http $s $scen: wrk failed"; echo "$out" >>"$OUT/stderr.log"
    printf 'http\t%s-%s\t%s\tfailed=1\n' "$s" "$scen" "$r" >>"$RES"; return
  fi
  printf 'http\t%s-%s\t%s\trps=%s cpu_us=%s errors=%s\n' "$s" "$scen" "$r" "$rps" \
    "$(awk -v a=$a -v b=$b -v n=$req 'BEGIN{printf "%.3f", (b-a)/1000/n}')" \
    "$(echo "$out" | awk '/Socket errors|Non-2xx/ {printf "%s;", $0}' | tr -d ' ')" >>"$RES"
}
if want http || want syscalls; then
  start_servers
  trap 'stop_servers' EXIT
fi
if want http; then
  log "http: $HTTP_ROUNDS rounds of ${HTTP_SECS}s per server and scenario"
  for scen in c100 c1000; do
    for ((r = 1; r <= HTTP_ROUNDS; r++)); do
      for s in $(abba $r "${SERVERS[@]}"); do
        wrk_run $s ${scen#c} $HTTP_SECS $scen $r
      done
    done
  done
  # Idle connections: paired, so that drift between phases cancels out.
  # Each round and server: wrk -c100 alone ("base"), then again while
  # idle_conns holds 5,000 idle connections open to it ("idle5000").
  for ((r = 1; r <= HTTP_ROUNDS; r++)); do
    for s in $(abba $r "${SERVERS[@]}"); do
      case $s in st-select|*-rf) continue ;; esac   # FD_SETSIZE is 1024; rf: c100 rows show it
      wrk_run $s 100 $HTTP_SECS base $r
      taskset -c $LOAD_CPU "$BIN/idle_conns" "${SPORT[$s]}" 5000 >"$OUT/idle-$s.txt" 2>&1 &
      ipid=$!
      for ((i = 0; i < 300; i++)); do
        grep -q '^ready' "$OUT/idle-$s.txt" && break; sleep 0.1
      done
      grep -q '^ready 5000' "$OUT/idle-$s.txt" || log "idle helper for $s: $(cat "$OUT/idle-$s.txt")"
      for ((i = 0; i < 50; i++)); do  # until the server has accepted them all
        [ "$(ls /proc/${SPID[$s]}/fd 2>/dev/null | wc -l)" -ge 5000 ] && break; sleep 0.1
      done
      wrk_run $s 100 $HTTP_SECS idle5000 $r
      kill $ipid 2>/dev/null; wait $ipid 2>/dev/null
      sleep 0.5   # let the server close them
    done
  done
fi
if want syscalls; then
  log "syscalls: perf stat on each server for ${SYS_SECS}s of wrk -c100"
  # The syscalls a server of this kind may make, plus the total (anything
  # not listed shows up as "other").  The glob syscalls:sys_enter_* works
  # too but takes ~10 s per attach.
  PERF_EVENTS=raw_syscalls:sys_enter
  for sc in read write readv writev recvfrom sendto recvmsg sendmsg accept accept4 \
            epoll_wait epoll_pwait epoll_pwait2 epoll_ctl poll ppoll select pselect6 \
            close shutdown mmap munmap mprotect madvise brk clock_gettime gettimeofday \
            futex setsockopt getsockopt fcntl ioctl getrusage rt_sigprocmask io_uring_enter; do
    PERF_EVENTS="$PERF_EVENTS,syscalls:sys_enter_$sc"
  done
  for s in "${SERVERS[@]}"; do
    pid=${SPID[$s]}
    perf stat -x, -e "$PERF_EVENTS" -p "$pid" -o "$OUT/perf-$s.txt" &
    perfpid=$!
    sleep 0.5
    out=$(taskset -c $LOAD_CPU wrk -t1 -c100 -d${SYS_SECS}s "http://127.0.0.1:${SPORT[$s]}/" 2>&1)
    kill -INT $perfpid; wait $perfpid 2>/dev/null
    req=$(echo "$out" | awk '/requests in/ {print $1}')
    calls=$(awk -F, -v n="${req:-0}" '$1 ~ /^[0-9]+$/ && n > 0 {
        if ($3 == "raw_syscalls:sys_enter") { total = $1; next }
        if ($1 == 0) next
        sub(/^syscalls:sys_enter_/, "", $3); named += $1; printf "%s:%.3f ", $3, $1 / n }
        END { if (n > 0 && total > named) printf "other:%.3f ", (total - named) / n }' \
        "$OUT/perf-$s.txt")
    if [ -z "$calls" ]; then  # no tracepoints: fall back to strace
      log "  perf gave nothing for $s, using strace -c"
      strace -c -f -p "$pid" -o "$OUT/strace-$s.txt" & spid=$!
      sleep 0.5
      out=$(taskset -c $LOAD_CPU wrk -t1 -c100 -d${SYS_SECS}s "http://127.0.0.1:${SPORT[$s]}/" 2>&1)
      kill -INT $spid; wait $spid 2>/dev/null
      req=$(echo "$out" | awk '/requests in/ {print $1}')
      calls=$(awk -v n="${req:-0}" '$4 ~ /^[0-9]+$/ && n > 0 && $NF != "total" {
          printf "%s:%.3f ", $NF, $4 / n }' "$OUT/strace-$s.txt")
    fi
    printf 'syscalls\t%s\t1\treq=%s %s\n' "$s" "${req:-0}" "$calls" >>"$RES"
  done
fi
if want http || want syscalls; then
  stop_servers; trap - EXIT
fi

# ---- report ---------------------------------------------------------------
python3 "$BSRC/report.py" "$RES" | tee "$OUT/table.md"
log "raw results: $RES; table: $OUT/table.md"
