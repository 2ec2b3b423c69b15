# SPDX-License-Identifier: MIT
# st-gdb.py - gdb commands to see libst threads in a live process or core.
#
# Load with:  (gdb) source /usr/share/libst/st-gdb.py
# Commands:
#   st-threads        list the current OS thread's ST threads: handle,
#                     state, name, stack size and timer deadline
#   st-bt HANDLE      backtrace of a suspended ST thread (hand-assembly
#                     x86-64 builds; the registers are pointed at the
#                     thread for the walk and restored after it)
# The library must have debug information (the default -g build).
import gdb

STATES = ["running", "runnable", "io-wait", "lock-wait", "cond-wait",
          "sleeping", "suspended", "zombie", "dead"]


def _vp():
    return gdb.parse_and_eval("_st_this_vp")


def _threads():
    vp = _vp()
    if int(vp["initialized"]) == 0:
        return
    thread_t = gdb.lookup_type("struct _st_thread")
    off = None
    for f in thread_t.fields():
        if f.name == "all_links":
            off = f.bitpos // 8
    head = vp["all_q"].address
    node = vp["all_q"]["next"]
    seen = 0
    while int(node) != int(head) and seen < 10000000:
        addr = int(node) - off
        yield gdb.Value(addr).cast(thread_t.pointer())
        node = node["next"]
        seen += 1


class StThreads(gdb.Command):
    """List libst threads of the current OS thread."""

    def __init__(self):
        super().__init__("st-threads", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        vp = _vp()
        if int(vp["initialized"]) == 0:
            print("libst: st_init has not run on this OS thread")
            return
        cur = int(vp["current"])
        print("%-18s %-10s %-16s %10s %s" %
              ("thread", "state", "name", "stack", "wakeup(us)"))
        n = 0
        for t in _threads():
            state = int(t["state"])
            name = t["name"].string()
            stack = t["stack"]
            size = 0
            if int(stack) != 0:
                size = int(stack["top"]) - int(stack["bottom"])
            due = "-"
            if int(t["flags"]) & 0x04:
                # Deadlines are in ns on the built-in clock (timer.c).
                ticks = int(t["due"])
                if int(vp["fine_clock"]):
                    ticks = (ticks + 999) // 1000
                due = str(ticks)
            mark = "*" if int(t) == cur else " "
            print("%s0x%-16x %-10s %-16s %10d %s" %
                  (mark, int(t), STATES[state] if state < len(STATES)
                   else "?", name, size, due))
            n += 1
        print("%d thread(s); * marks the running one" % n)


class StBacktrace(gdb.Command):
    """Backtrace of a suspended libst thread: st-bt HANDLE."""

    def __init__(self):
        super().__init__("st-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        t = gdb.parse_and_eval(arg).cast(
            gdb.lookup_type("struct _st_thread").pointer())
        if int(t) == int(_vp()["current"]):
            gdb.execute("bt")
            return
        ctx = t["ctx"]
        names = [f.name for f in ctx.type.fields()]
        if "sp" not in names:
            print("st-bt: needs the hand-assembly context switch")
            return
        sp = int(ctx["sp"])
        arch = gdb.selected_frame().architecture().name()
        inferior = gdb.selected_inferior()

        def word(a):
            return int.from_bytes(inferior.read_memory(a, 8), "little")
        if "x86-64" in arch:
            # [sp] FP control, r15 r14 r13 r12 rbx rbp, return address.
            pc = word(sp + 56)
            cfa = sp + 64
        elif "aarch64" in arch:
            print("st-bt: aarch64 frame layout: see md/aarch64.S")
            return
        else:
            print("st-bt: unsupported architecture %s" % arch)
            return
        # Point the registers at the suspended thread, let gdb's unwinder
        # walk its stack, then put them back.
        saved = {r: int(gdb.parse_and_eval("$" + r))
                 for r in ("rsp", "rip", "rbp", "rbx")}
        try:
            gdb.execute("set $rsp = 0x%x" % cfa)
            gdb.execute("set $rbp = 0x%x" % word(sp + 48))
            gdb.execute("set $rbx = 0x%x" % word(sp + 40))
            gdb.execute("set $rip = 0x%x" % pc)
            gdb.execute("bt")
        finally:
            for r, v in saved.items():
                gdb.execute("set $%s = 0x%x" % (r, v))


StThreads()
StBacktrace()
