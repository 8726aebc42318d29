#!/usr/bin/env python3
"""Make a trace with late stacks out of an ftrace text trace.

Usage: late_stacks.py IN OUT [FILLERS]

Each kernel stack record (a "<stack trace>" or "kernel_stack:" line and its
"=>" frame lines) moves later, as when its task is preempted between the
event and the trigger's stack (attach.h): behind the records of other tasks
that follow it, up to its task's next record (the task writes the stack
before anything else of its own), then behind FILLERS (default 40, more
than the attacher's 32 recent events per CPU) records of a task of its own
("late-filler", an event no analyzer knows: late_filler) on the event's CPU
and one interrupt-context record of the task itself (irq_handler_entry),
and onto another CPU (the one of its task's next record when that differs,
else the next CPU number). The records moved or added are stamped with the
time of the record before them, so the times of IN stay as they are.

An import of OUT must classify every fault and lock acquisition as one of
IN does. Prints to stderr how many stacks moved.
"""
import re
import sys

# "comm-tid [cpu] (flags) ts:" with an optional "(tgid)" column and prefix
EVENT = re.compile(
    r"^(?P<head>.*?)-(?P<tid>\d+)\s+(?:\(\s*[-\d]+\)\s+)?"
    r"\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?(?P<ts>\d+\.\d+):\s")


def is_frame(line):
    return line.lstrip(" ").startswith("=>")


def is_kernel_stack(line):
    return ("<stack trace" in line or "kernel_stack:" in line) and "user" not in line


def items_of(lines):
    """Records: [kind, lines, tid, cpu, ts] with kind event, stack or other."""
    items = []
    for line in lines:
        if is_frame(line) and items and items[-1][0] == "stack":
            items[-1][1].append(line)
            continue
        m = EVENT.match(line)
        if not m:
            items.append(["other", [line], None, None, None])
            continue
        kind = "stack" if is_kernel_stack(line) else "event"
        items.append([kind, [line], int(m["tid"]), int(m["cpu"]), m["ts"]])
    return items


def restamp(item, cpu, ts):
    """The stack's header line on cpu, stamped ts (same widths)."""
    line = item[1][0]
    m = EVENT.match(line)
    width = m.end("cpu") - m.start("cpu")
    line = line[:m.start("cpu")] + str(cpu).zfill(width) + line[m.end("cpu"):]
    m = EVENT.match(line)
    if float(ts) > float(m["ts"]):
        line = line[:m.start("ts")] + ts + line[m.end("ts"):]
    item[1][0] = line


def cloned(item, comm, tid, cpu, ts, text):
    """A record line like item's header: another task, cpu, time and event."""
    line = item[1][0]
    m = EVENT.match(line)
    head = m["head"]
    comm_at = len(head) - len(head.split()[-1]) if head.split() else len(head)
    who = f"{comm}-{tid}".rjust(m.end("tid") - comm_at)
    out = [line[:comm_at] + who + line[m.end("tid"):m.end() - 1] + " " + text + "\n"]
    it = ["event", out, tid, m and int(m["cpu"]), m["ts"]]
    restamp(it, cpu, ts)
    return it


def main():
    src, dst = sys.argv[1], sys.argv[2]
    fillers = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    with open(src, encoding="utf-8", errors="surrogateescape") as f:
        items = items_of(f.read().splitlines(keepends=True))
    ncpus = max(max([it[3] for it in items if it[3] is not None] + [0]) + 1, 2)
    out, pending = [], []
    moved = 0

    def place(st, next_cpu):
        nonlocal moved
        ts = next((it[4] for it in reversed(out) if it[4]), st[4])
        for k in range(fillers):
            out.append(cloned(st, "late-filler", 999990, st[3], ts,
                              f"late_filler: n={k}"))
        out.append(cloned(st, st[1][0] and EVENT.match(st[1][0])["head"].split()[-1],
                          st[2], st[3], ts, "irq_handler_entry: irq=11 name=virtio0"))
        cpu = next_cpu if next_cpu is not None and next_cpu != st[3] \
            else (st[3] + 1) % ncpus
        restamp(st, cpu, ts)
        out.append(st)
        moved += 1

    for it in items:
        for st in [st for st in pending if st[2] == it[2]]:
            pending.remove(st)
            place(st, it[3])
        if it[0] == "stack":
            pending.append(it)
        else:
            out.append(it)
    for st in pending:
        place(st, None)
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
        for it in out:
            f.writelines(it[1])
    print(f"late_stacks.py: {moved} of {sum(1 for i in items if i[0] == 'stack')} "
          "stacks moved", file=sys.stderr)


if __name__ == "__main__":
    main()
