#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/smoke.sh - smoke tests of the example programs, loopback only.
#
# Run by `make check` (top_builddir/top_srcdir come from the environment;
# by hand: `sh examples/smoke.sh` from the build directory).  Every server
# is started on an ephemeral 127.0.0.1 port and learnt from its
# "listening on ADDR:PORT" line; every wait is bounded (smoke_client
# polls with a deadline, and a watchdog kills whatever overstays); all
# processes started here are stopped on exit.
set -u

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
ex=$top_builddir/examples
client=$ex/smoke_client

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libst-smoke.XXXXXX") || exit 99
pids=
passed=0
failed=0

cleanup() {
    for p in $pids; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $pids; do
        if kill -0 "$p" 2>/dev/null; then
            "$client" watchdog "$p" 5 >/dev/null 2>&1
        fi
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# forget PID: a reaped process must not be signalled by cleanup.
forget() {
    rest=
    for p in $pids; do
        [ "$p" = "$1" ] || rest="$rest $p"
    done
    pids=$rest
}

pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
check() {
    name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# start NAME CMD...: runs CMD in the background, sets $pid and $port.
start() {
    name=$1
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids="$pids $pid"
    port=$("$client" waitport "$tmp/$name.out") || port=
    if [ -z "$port" ]; then
        fail "$name: did not start"
        sed 's/^/  | /' "$tmp/$name.err"
        return 1
    fi
    echo "  $name listening on port $port (pid $pid)"
}

# run_bounded SECS OUT CMD...: runs CMD, killed after SECS; its status.
run_bounded() {
    secs=$1 out=$2
    shift 2
    "$@" >"$out" 2>&1 &
    rpid=$!
    "$client" watchdog "$rpid" "$secs" >/dev/null 2>&1 &
    rwd=$!
    wait "$rpid"
    rrc=$?
    kill "$rwd" 2>/dev/null
    wait "$rwd" 2>/dev/null
    return $rrc
}

# wait_bounded SECS PID: waits for our child PID (killed after SECS).
wait_bounded() {
    "$client" watchdog "$2" "$1" >/dev/null 2>&1 &
    wwd=$!
    wait "$2"
    wrc=$?
    forget "$2"
    kill "$wwd" 2>/dev/null
    wait "$wwd" 2>/dev/null
    return $wrc
}

for prog in echo httpd proxy lookupdns huge_threads smoke_client; do
    if [ ! -x "$ex/$prog" ]; then
        echo "smoke.sh: $ex/$prog is not built" >&2
        exit 99
    fi
done

# ---- echo ----------------------------------------------------------------
echo "echo:"
if start echo "$ex/echo" 0; then
    echo_port=$port
    check "echo round trip" "$client" echo "$echo_port"
else
    echo_port=
fi

# ---- proxy (in front of the echo server) ---------------------------------
echo "proxy:"
if [ -n "$echo_port" ] &&
   start proxy "$ex/proxy" -l 127.0.0.1:0 -r "127.0.0.1:$echo_port" \
       -c 2000 -i 10; then
    check "proxy relays 1 MiB both ways" \
        "$client" relay "$port" 1048576
    check "proxy relays a short payload" "$client" relay "$port" 100
fi

# ---- httpd ---------------------------------------------------------------
echo "httpd:"
www=$tmp/www
mkdir -p "$www/sub"
printf '<html><body>hello from libst</body></html>\n' >"$www/index.html"
printf 'plain text\n' >"$www/sub/page.txt"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "line %d of a bigger file\n", i }' \
    >"$www/big.txt"
printf 'secret\n' >"$tmp/secret.txt"
log=$tmp/access.log
if start httpd "$ex/httpd" -p 0 -d "$www" -w 2 -l "$log" -t 30; then
    hport=$port
    hpid=$pid
    check "httpd GET / gives index.html" \
        "$client" http "$hport" "GET / 200 $www/index.html"
    check "httpd GET of a file in a subdirectory" \
        "$client" http "$hport" "GET /sub/page.txt 200 $www/sub/page.txt"
    check "httpd 404 for a missing file" \
        "$client" http "$hport" "GET /missing.html 404 -"
    check "httpd HEAD has the length and no body" \
        "$client" http "$hport" "HEAD /big.txt 200 $www/big.txt" \
        "GET /sub/page.txt 200 $www/sub/page.txt"
    check "httpd keep-alive: several requests on one connection" \
        "$client" http "$hport" "GET / 200 $www/index.html" \
        "GET /big.txt 200 $www/big.txt" "GET /nope 404 -" \
        "GET /sub/page.txt 200 $www/sub/page.txt close eof"
    check "httpd HTTP/1.0 closes by default" \
        "$client" http "$hport" "GET / 200 $www/index.html http10 eof"
    check "httpd rejects ../ path traversal" \
        "$client" http "$hport" "GET /../secret.txt 400 - eof"
    check "httpd rejects %2e%2e path traversal" \
        "$client" http "$hport" "GET /sub/%2e%2e/%2E%2E/secret.txt 400 - eof"
    check "httpd 405 for POST" "$client" http "$hport" "POST / 405 -"
    check "httpd 501 for an unknown method" \
        "$client" http "$hport" "BREW / 501 -"
    check "httpd writes the access log" \
        grep -q '"GET /sub/page.txt HTTP/1.1" 200 11$' "$log"

    # Log rotation: rename, SIGHUP, and the next request lands in a new
    # file (poll: the signal travels parent -> workers asynchronously).
    mv "$log" "$log.1"
    kill -HUP "$hpid"
    i=0
    while [ $i -lt 100 ]; do
        "$client" http "$hport" "GET /after-hup 404 -" >/dev/null 2>&1
        if [ -f "$log" ] && grep -q 'GET /after-hup' "$log"; then
            break
        fi
        "$client" sleepms 50
        i=$((i + 1))
    done
    check "httpd reopens its log on SIGHUP" grep -q 'GET /after-hup' "$log"

    # Graceful stop: an idle keep-alive connection must not hold it up
    # (the timeout is 30 s; the watchdog allows 10).
    "$client" hold "$hport" >"$tmp/hold.out" 2>&1 &
    holdpid=$!
    pids="$pids $holdpid"
    if "$client" waitfor "$tmp/hold.out" ready; then
        kill -TERM "$hpid"
        check "httpd exits 0 on SIGTERM, closing idle connections" \
            wait_bounded 10 "$hpid"
        check "httpd closed the idle keep-alive connection" \
            wait_bounded 10 "$holdpid"
        check "httpd stopped accepting" "$client" refused "$hport"
    else
        fail "httpd keep-alive connection for the SIGTERM test"
    fi
fi

# ---- lookupdns (against a stub DNS server) -------------------------------
echo "lookupdns:"
if start dnsstub "$client" dnsstub; then
    out=$tmp/lookupdns.out
    check "lookupdns exits 0" run_bounded 20 "$out" \
        "$ex/lookupdns" -s "127.0.0.1:$port" -t 300 -r 3 \
        a.test alias.test retry.test nx.test
    sed 's/^/  | /' "$out"
    check "lookupdns resolves an A record" grep -qx 'a.test -> 10.0.0.1' "$out"
    check "lookupdns follows a CNAME (compressed names)" \
        grep -qx 'alias.test -> 10.0.0.2' "$out"
    check "lookupdns retries after a lost query" \
        grep -qx 'retry.test -> 10.0.0.3' "$out"
    check "lookupdns reports NXDOMAIN" \
        grep -qx 'nx.test -> error: no such name (NXDOMAIN)' "$out"
fi

# ---- huge_threads (small run; the 100000-thread run is done in CI) -------
echo "huge_threads:"
out=$tmp/huge.out
check "huge_threads 2000 runs" run_bounded 30 "$out" "$ex/huge_threads" 2000
sed 's/^/  | /' "$out"
check "huge_threads prints its summary" grep -q \
    '^huge_threads: 2000 threads, [0-9.]* s, [0-9.]* KiB/thread$' "$out"

if [ $failed -gt 0 ]; then
    for f in "$tmp"/*.err; do
        [ -s "$f" ] || continue
        echo "--- $f"
        sed 's/^/  | /' "$f"
    done
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
