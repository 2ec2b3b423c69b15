#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""report.py - turn tests/bench/run.sh results into one markdown table.

Input lines: BENCH <tab> VARIANT <tab> ROUND <tab> key=value key=value ...
Each row shows median/min/max over the rounds, and ratios computed per
round (A and B measured in the same round) with their median and range.
"""
import statistics
import sys
from collections import defaultdict

data = defaultdict(lambda: defaultdict(dict))  # bench -> variant -> round -> kv
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 4:
        continue
    bench, var, rnd, rest = parts[0], parts[1], int(parts[2]), parts[3]
    kv = {}
    for tok in rest.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            kv[k] = v
        elif ":" in tok:
            k, v = tok.rsplit(":", 1)
            kv["sys." + k] = v
    data[bench][var][rnd] = kv


def values(bench, var, key):
    """Per-round values; var may be a tuple of variants: their per-round
    minimum (the best of them), for rounds where all have a value."""
    if isinstance(var, tuple):
        each = [values(bench, v, key) for v in var]
        return {r: min(e[r] for e in each) for r in each[0]
                if all(r in e for e in each)}
    out = {}
    for r, kv in data.get(bench, {}).get(var, {}).items():
        # ns per operation: the process's CPU time where the program
        # reports it (the same as the elapsed time on a core of its own,
        # without the time spent waiting for the core on a busy host).
        k = "cpu_ns" if key == "ns" and "cpu_ns" in kv else key
        try:
            out[r] = float(kv[k])
        except (KeyError, ValueError):
            pass
    return out


def fmt(x):
    if x is None:
        return "—"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


rows = []
NA = "n/a"


def row(bench, var, key, label, unit, ratios=(), checks=(), target=""):
    """ratios: (name, ref_bench, ref_var, ref_key, limit, strict)
    checks: (kind, limit) applied to the metric itself: ('max<=', x),
    ('median<', x)."""
    vals = values(bench, var, key)
    if not vals:
        rows.append([label, var, unit, "—", "—", "—", "no data", target,
                     "MISS" if (ratios and any(r[4] for r in ratios)) or checks else ""])
        return
    v = list(vals.values())
    med, lo, hi = statistics.median(v), min(v), max(v)
    rtxt, verdict = [], None
    for name, rb, rv, rk, limit, strict in ratios:
        ref = values(rb, rv, rk)
        per = [vals[r] / ref[r] for r in vals if r in ref and ref[r] > 0]
        if not per:
            rtxt.append(f"{name}: no data")
            if limit is not None:
                verdict = False
            continue
        rm = statistics.median(per)
        span = f" [{min(per):.2f}–{max(per):.2f}]" if len(per) > 1 else ""
        rtxt.append(f"{rm:.2f}x {name}{span}")
        if limit is not None:
            if strict == "ge":
                ok = rm >= limit
            else:
                ok = rm < limit if strict else rm <= limit
            verdict = ok if verdict is None else (verdict and ok)
    for kind, limit in checks:
        if kind == "max<=":
            ok = hi <= limit
        elif kind == "median<":
            ok = med < limit
        else:
            ok = False
        verdict = ok if verdict is None else (verdict and ok)
    res = "" if verdict is None else ("PASS" if verdict else "MISS")
    rows.append([label, var, unit, fmt(med), fmt(lo), fmt(hi),
                 "; ".join(rtxt) or "—", target, res])


# ---- switch ---------------------------------------------------------------
def faster(bench, variants, key="ns"):
    """The variant with the lowest median (for naming ST 1.9's best ring)."""
    meds = {v: statistics.median(x.values()) for v in variants
            if (x := values(bench, v, key))}
    return min(meds, key=meds.get) if meds else None


RING_ST19 = ("ring-st19", "ringcond-st19")  # per round the faster of the two
if "switch" in data:
    row("switch", "boost", "ns", "switch: Boost.Context jump (floor)", "ns/switch")
    row("switch", "boost-ring", "ns",
        "switch: ring of 100, Boost jump straight to the next (the shape's floor)", "ns/switch",
        ratios=[("ST1.9 best ring", "switch", RING_ST19, "ns", None, False)], target="(info)")
    for ctx in ("asm", "ucontext", "setjmp"):
        main = ctx == "asm"

        def lim(x):
            return x if main else None

        row("switch", f"yield-{ctx}", "ns", "switch: st_thread_yield, one loop function",
            "ns/switch", ratios=[("boost", "switch", "boost", "ns", lim(1.6), False)],
            target="≤1.6x boost" if main else "(info)")
        row("switch", f"yieldasym-{ctx}", "ns",
            "switch: st_thread_yield, two functions (main / thread)", "ns/switch",
            ratios=[("boost", "switch", "boost", "ns", lim(2.5), False)],
            target="≤2.5x boost" if main else "(info)")
        row("switch", f"cond-{ctx}", "ns", "switch: cond var ping-pong, one loop function",
            "ns/switch",
            ratios=[("boost", "switch", "boost", "ns", lim(2.0), False),
                    ("ST1.9", "switch", "cond-st19", "ns", lim(0.6), False)],
            target="≤2x boost, ≤0.6x ST1.9" if main else "(info)")
        row("switch", f"condasym-{ctx}", "ns", "switch: cond var ping-pong, two functions",
            "ns/switch",
            ratios=[("boost", "switch", "boost", "ns", None, False),
                    ("ST1.9", "switch", "condasym-st19", "ns", lim(0.7), False)],
            target="≤0.7x ST1.9" if main else "(info)")
        best = faster("switch", RING_ST19)
        row("switch", f"ring-{ctx}", "ns",
            "switch: ring of 100, st_thread_yield, own functions, depth 1-8", "ns/switch",
            ratios=[("boost", "switch", "boost", "ns", None, False),
                    ("jump ring", "switch", "boost-ring", "ns", None, False),
                    ("ST1.9 best ring" + (f" (mostly {best})" if best else ""), "switch",
                     RING_ST19, "ns", lim(0.7), False)],
            target="≤0.7x ST1.9 (best)" if main else "(info)")
        row("switch", f"ringcond-{ctx}", "ns",
            "switch: ring of 100, cond hand-off, own functions, depth 1-8", "ns/switch",
            ratios=[("boost", "switch", "boost", "ns", None, False),
                    ("ST1.9", "switch", "ringcond-st19", "ns", None, False)],
            target="(info)")
    row("switch", "cond-st19", "ns", "switch: cond var ping-pong, one loop function",
        "ns/switch", ratios=[("boost", "switch", "boost", "ns", None, False)])
    row("switch", "condasym-st19", "ns", "switch: cond var ping-pong, two functions",
        "ns/switch", ratios=[("boost", "switch", "boost", "ns", None, False)])
    row("switch", "ring-st19", "ns",
        "switch: ring of 100, st_usleep(0) (ST1.9 has no yield)", "ns/switch",
        ratios=[("boost", "switch", "boost", "ns", None, False)])
    row("switch", "ringcond-st19", "ns", "switch: ring of 100, cond hand-off",
        "ns/switch", ratios=[("boost", "switch", "boost", "ns", None, False)])
    row("switch", "usleep0-st19", "ns", "switch: st_usleep(0), one loop function (ST1.9 has no yield)",
        "ns/switch", ratios=[("boost", "switch", "boost", "ns", None, False)])
    row("switch", "yieldasym-st19", "ns",
        "switch: st_usleep(0), two functions (ST1.9 has no yield)",
        "ns/switch", ratios=[("boost", "switch", "boost", "ns", None, False)])
    for v, lab in (("pth-yield", "switch: pth_yield(to)"), ("pth-cond", "switch: Pth cond ping-pong"),
                   ("swapcontext", "switch: glibc swapcontext")):
        row("switch", v, "ns", lab, "ns/switch",
            ratios=[("boost", "switch", "boost", "ns", None, False)])

# ---- create ---------------------------------------------------------------
if "create" in data:
    row("create", "boost-create", "ns", "create: make_fcontext+2 jumps (floor)", "ns/thread",
        ratios=[("jump", "create", "boost-switch", "ns", None, False)])
    for ctx in ("asm", "ucontext", "setjmp"):
        main = ctx == "asm"
        row("create", f"create-{ctx}", "ns", "create+run+join (joinable)", "ns/thread",
            ratios=[("jump", "create", "boost-switch", "ns", 6.0 if main else None, False),
                    ("ST1.9", "create", "create-st19", "ns", 0.5 if main else None, False)],
            target="≤6x jump, ≤0.5x ST1.9" if main else "(info)")
    row("create", "create-st19", "ns", "create+run+join (joinable)", "ns/thread",
        ratios=[("jump", "create", "boost-switch", "ns", None, False)])
    for ctx in ("asm", "ucontext", "setjmp"):
        row("create", f"detached-{ctx}", "ns", "create+run, detached", "ns/thread",
            ratios=[("ST1.9", "create", "detached-st19", "ns", None, False)], target="(info)")
    row("create", "detached-st19", "ns", "create+run, detached", "ns/thread")
    row("create", "pth-create", "ns", "create+run+join: Pth", "ns/thread",
        ratios=[("jump", "create", "boost-switch", "ns", None, False)])
    row("create", "swapcontext-create", "ns", "create+run: makecontext+swapcontext",
        "ns/thread", ratios=[("jump", "create", "boost-switch", "ns", None, False)])

# ---- memory ---------------------------------------------------------------
if "memory" in data:
    for n in (10000, 100000, 1000000):
        big = n == 1000000
        row("memory", f"asm-{n}", "kib", f"memory: RSS per sleeping thread, {n:,}", "KiB",
            ratios=[("ST1.9", "memory", f"st19-{n}", "kib", None, False)],
            checks=[("max<=", 4.1)] if big else [], target="≤4.1 KiB" if big else "")
        row("memory", f"st19-{n}", "kib", f"memory: RSS per sleeping thread, {n:,}", "KiB")
    for n in (10000, 100000, 1000000):
        row("memory", f"asm-{n}", "create_ns", f"memory: create+first run, {n:,}", "ns/thread",
            ratios=[("ST1.9", "memory", f"st19-{n}", "create_ns", None, False)])
        row("memory", f"st19-{n}", "create_ns", f"memory: create+first run, {n:,}", "ns/thread")
        row("memory", f"asm-noregion-{n}", "create_ns",
            f"memory: create+first run, no guard regions, {n:,}", "ns/thread",
            ratios=[("guarded", "memory", f"asm-{n}", "create_ns", None, False)])

# ---- file I/O ---------------------------------------------------------------
if "fileio" in data:
    for v, what in (("block", "blocking calls (pool size 0)"),
                    ("pool", "helper pool, epoll"), ("uring", "io_uring")):
        target = "" if v == "block" else "p99 < 2 ms"
        row("fileio", v, "p50_us", f"fileio: sleepers' lateness p50, {what}", "µs")
        row("fileio", v, "p99_us", f"fileio: sleepers' lateness p99, {what}", "µs",
            checks=[] if v == "block" else [("median<", 2000)], target=target)
        row("fileio", v, "max_us", f"fileio: sleepers' lateness max, {what}", "µs")
        row("fileio", v, "mbps", f"fileio: writer throughput, {what}", "MiB/s",
            ratios=[] if v == "block" else
            [("block", "fileio", "block", "mbps", 0.8, "ge")],
            target="" if v == "block" else "≥0.8x block")

# ---- timers ---------------------------------------------------------------
if "timers" in data:
    for n in (1000, 100000):
        for impl in ("asm", "st19"):
            ours = impl == "asm"
            v = f"{impl}-{n}"
            row("timers", v, "wakes_per_s", f"timers {n:,}: wake-ups", "1/s")
            row("timers", v, "cpu_ns_per_wake", f"timers {n:,}: CPU per wake-up", "ns",
                ratios=[("ST1.9", "timers", f"st19-{n}", "cpu_ns_per_wake", None, False)] if ours else [])
            row("timers", v, "p50_us", f"timers {n:,}: lateness p50", "µs",
                checks=[("median<", 100)] if ours and n == 1000 else [],
                target="<100 µs" if ours and n == 1000 else "")
            row("timers", v, "p99_us", f"timers {n:,}: lateness p99", "µs")
            row("timers", v, "p999_us", f"timers {n:,}: lateness p99.9", "µs")
            row("timers", v, "early_share", f"timers {n:,}: share woken early", "fraction",
                checks=[("max<=", 0)] if ours else [], target="0" if ours else "")
            row("timers", v, "early_max_us", f"timers {n:,}: earliest wake-up", "µs early")

# ---- http -----------------------------------------------------------------
SRV = ["st-select", "st-poll", "st-epoll", "st-epoll-rf", "st-io_uring", "st-io_uring-rf", "st19-poll",
       "st19-poll-rf", "libevent", "nginx"]
ST19_BEST = ("st19-poll", "st19-poll-rf")  # its faster server loop, per round
if "http" in data:
    for scen, lab in (("c100", "100 conns"), ("c1000", "1,000 conns"),
                      ("base", "100 conns, paired with next"),
                      ("idle5000", "100 conns + 5,000 idle")):
        for s in SRV:
            v = f"{s}-{scen}"
            if v not in data["http"]:
                continue
            row("http", v, "rps", f"http {lab}: throughput", "req/s",
                ratios=[("nginx", "http", f"nginx-{scen}", "rps", None, False)])
        for s in SRV:
            v = f"{s}-{scen}"
            if v not in data["http"]:
                continue
            ratios = [("nginx", "http", f"nginx-{scen}", "cpu_us", None, False)]
            target = ""
            if s == "st-epoll" and scen in ("c100", "c1000"):
                # Issue 15: poll-first at most 0.85x nginx.
                ratios = [("nginx", "http", f"nginx-{scen}", "cpu_us", 0.85, False),
                          ("ST1.9 poll (best loop)", "http",
                           tuple(f"{b}-{scen}" for b in ST19_BEST), "cpu_us", 1.0, True)]
                target = "≤0.85x nginx, <1x ST1.9"
            elif s == "st-io_uring" and scen == "c100":
                # Issue 19 (the 0.8x of issue 7 is retired).
                ratios = [("epoll", "http", f"st-epoll-{scen}", "cpu_us", 1.05, False),
                          ("nginx", "http", f"nginx-{scen}", "cpu_us", None, False)]
                target = "≤1.05x epoll"
            elif s == "st-epoll-rf" and scen in ("c100", "c1000"):
                # Issue 15: the plain read-first loop at most 0.9x nginx.
                ratios = [("nginx", "http", f"nginx-{scen}", "cpu_us", 0.9, False),
                          ("st-epoll", "http", f"st-epoll-{scen}", "cpu_us", None, False)]
                target = "≤0.9x nginx"
            elif s == "st-epoll-rf":
                ratios.append(("st-epoll", "http", f"st-epoll-{scen}", "cpu_us", None, False))
            elif scen == "base":
                pass
            elif s == "st-epoll":
                ratios.append(("no idle", "http", "st-epoll-base", "cpu_us", 1.05, False))
                target = "≤1.05x no idle"
            elif scen == "idle5000":
                ratios.append(("no idle", "http", f"{s}-base", "cpu_us", None, False))
            row("http", v, "cpu_us", f"http {lab}: server CPU per request", "µs/req",
                ratios=ratios, target=target)

# ---- print ----------------------------------------------------------------
rounds = max((len(r) for b in data.values() for r in b.values()), default=0)
print(f"| Benchmark | Variant | Unit | Median | Min | Max | Ratio (median of per-round [range]) | Target | Result |")
print("|---|---|---|---:|---:|---:|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")

if "syscalls" in data:
    print()
    print("| Server (wrk -c100) | Requests | Syscalls/request | Breakdown per request |")
    print("|---|---:|---:|---|")
    for s in SRV:
        kv = data["syscalls"].get(s, {}).get(1)
        if not kv:
            continue
        calls = {k[4:]: float(v) for k, v in kv.items() if k.startswith("sys.")}
        tot = sum(calls.values())
        top = sorted(calls.items(), key=lambda kv: -kv[1])
        brk = ", ".join(f"{k} {v:.2f}" for k, v in top if v >= 0.005)
        print(f"| {s} | {kv.get('req', '?')} | {tot:.2f} | {brk} |")

passes = sum(1 for r in rows if r[-1] == "PASS")
misses = sum(1 for r in rows if r[-1] == "MISS")
print()
print(f"Targets: {passes} PASS, {misses} MISS.")

# The Boost jump does the same work in every round: its spread shows how
# steady the machine was while the micro-benchmarks ran.
floor = list(values("switch", "boost", "ns").values()) + \
    list(values("create", "boost-switch", "ns").values())
if len(floor) > 1:
    spread = max(floor) / min(floor) - 1
    note = ("steady" if spread <= 0.10 else
            "disturbed: compare runs only from steady periods "
            "(doc/BENCHMARKS.md, notes on noise)")
    print(f"Boost floor over the run: {fmt(min(floor))}–{fmt(max(floor))} ns "
          f"({spread:.0%} spread, {note}).")
