#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Validate `vmlockstat report --json` (stdin or a file) against the contract
of docs/report-json.md: every name present with its type, null only where
allowed, units consistent. Prints one line per violation; exit 1 if any.

Usage: check_report_json.py [FILE]
"""
import json
import sys

INT, NUM, STR, BOOL, LIST, OBJ = "int", "number", "string", "bool", "list", "object"
errors = []


def err(path, msg):
    errors.append(f"{path}: {msg}")


def typ(v, t):
    if t == INT:
        return isinstance(v, int) and not isinstance(v, bool)
    if t == NUM:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, {STR: str, BOOL: bool, LIST: list, OBJ: dict}[t])


def need(obj, path, name, t, nullable=False):
    if not isinstance(obj, dict) or name not in obj:
        err(path, f"missing '{name}'")
        return None
    v = obj[name]
    if v is None:
        if not nullable:
            err(f"{path}.{name}", "null where the contract does not allow it")
        return None
    if not typ(v, t):
        err(f"{path}.{name}", f"expected {t}, got {type(v).__name__}")
        return None
    return v


def dist(d, path):
    count = need(d, path, "count", INT)
    need(d, path, "sum", INT)
    for k in ("max", "p50", "p99"):
        v = need(d, path, k, INT, nullable=True)
        if v is None and count:
            err(f"{path}.{k}", "null with a non-zero count")
        if v is not None and v < 0:
            err(f"{path}.{k}", "negative time")


def stats(s, path):
    if s is None:
        return
    for k in ("acquisitions", "contended", "trylock_fails"):
        v = need(s, path, k, INT)
        if v is not None and v < 0:
            err(f"{path}.{k}", "negative count")
    for k in ("wait_ns", "hold_ns"):
        d = need(s, path, k, OBJ)
        if d is not None:
            dist(d, f"{path}.{k}")
    h = need(s, path, "histogram", OBJ)
    if h is not None:
        if need(h, f"{path}.histogram", "scale", STR) != "log2_ns":
            err(f"{path}.histogram.scale", "expected 'log2_ns'")
        b = need(h, f"{path}.histogram", "buckets", LIST) or []
        if not all(typ(x, INT) and x >= 0 for x in b):
            err(f"{path}.histogram.buckets", "not a list of counts")
        w = s.get("wait_ns") or {}
        if b and w.get("count") is not None and sum(b) != w["count"]:
            err(f"{path}.histogram", f"buckets sum {sum(b)} != wait count {w['count']}")


def locks(obj, path, has_lock):
    m = need(obj, path, "mmap_lock", OBJ)
    if m is None:
        return
    for mode in ("read", "write"):
        s = need(m, f"{path}.mmap_lock", mode, OBJ, nullable=True)
        if has_lock and s is None:
            err(f"{path}.mmap_lock.{mode}", "null although the run has mmap_lock")
        if not has_lock and s is not None:
            err(f"{path}.mmap_lock.{mode}", "a figure without mmap_lock events")
        stats(s, f"{path}.mmap_lock.{mode}")


# The fallback reasons: they add up to the fallbacks; nested is apart.
REASONS = ("io_retry", "no_io", "kernel_mode", "no_vma_lock")


def faults(f, path, total, fallback):
    t = need(f, path, total, INT, nullable=True)
    fb = need(f, path, fallback, INT, nullable=True)
    rate = need(f, path, "fallback_rate", NUM, nullable=True)
    if rate is not None and not 0 <= rate <= 1:
        err(f"{path}.fallback_rate", f"{rate} outside 0..1")
    if rate is not None and (t is None or fb is None or t == 0):
        err(f"{path}.fallback_rate", "a rate without its count")
    elif rate is not None and abs(rate - fb / t) > 1e-9:
        err(f"{path}.fallback_rate", f"{rate} != {fb}/{t}")
    br = need(f, path, "by_reason", OBJ)
    got = [need(br or {}, f"{path}.by_reason", r, INT, nullable=True) for r in REASONS]
    if br and set(br) != set(REASONS):
        err(f"{path}.by_reason", f"keys {sorted(br)}, expected {sorted(REASONS)}")
    if fb is not None and None not in got and sum(got) != fb:
        err(f"{path}.by_reason", f"reasons add up to {sum(got)}, not to {fallback} {fb}")
    need(f, path, "nested", INT, nullable=True)
    need(f, path, "behind_writer", INT, nullable=True)
    need(f, path, "refaults", INT, nullable=True)
    user_figures(f, path, t, fb, got[REASONS.index("kernel_mode")])


def user_figures(f, path, t, fb, kernel_fb):
    """The headline: user faults and their fallbacks, kernel-mode apart."""
    k = need(f, path, "kernel_faults", INT, nullable=True)
    rate = need(f, path, "user_fallback_rate", NUM, nullable=True)
    if k is not None and t is not None and k > t:
        err(f"{path}.kernel_faults", f"{k} kernel-mode faults of {t}")
    uf = t - k if t is not None and k is not None else None
    ufb = fb - kernel_fb if fb is not None and kernel_fb is not None else None
    if "user_faults" in f or path.endswith(".faults"):
        if need(f, path, "user_faults", INT, nullable=True) != uf:
            err(f"{path}.user_faults", f"{f.get('user_faults')}, expected {uf}")
        if need(f, path, "user_fallback", INT, nullable=True) != ufb:
            err(f"{path}.user_fallback", f"{f.get('user_fallback')}, expected {ufb}")
    if rate is None and uf and ufb is not None:
        err(f"{path}.user_fallback_rate", f"null, expected {ufb}/{uf}")
    elif rate is not None and (not uf or ufb is None):
        err(f"{path}.user_fallback_rate", "a rate without its counts")
    elif rate is not None and abs(rate - ufb / uf) > 1e-9:
        err(f"{path}.user_fallback_rate", f"{rate} != {ufb}/{uf}")


def task(t, path, has_lock, process):
    if not process:
        need(t, path, "tid", INT)
        need(t, path, "prio", INT, nullable=True)
    else:
        need(t, path, "threads", INT, nullable=True)
        need(t, path, "mm", STR, nullable=True)
    need(t, path, "pid", INT, nullable=True)
    need(t, path, "comm", STR, nullable=True)
    faults(t, path, "faults", "fallback_faults")
    locks(t, path, has_lock)


def chain(c, path):
    w = need(c, path, "waiter", OBJ) or {}
    need(w, f"{path}.waiter", "tid", INT)
    need(w, f"{path}.waiter", "comm", STR)
    need(w, f"{path}.waiter", "prio", INT, nullable=True)
    if need(w, f"{path}.waiter", "mode", STR) not in ("read", "write"):
        err(f"{path}.waiter.mode", "not read or write")
    need(w, f"{path}.waiter", "wait_ns", INT)
    links = need(c, path, "links", LIST) or []
    for i, l in enumerate(links):
        lp = f"{path}.links[{i}]"
        need(l, lp, "tid", INT)
        need(l, lp, "comm", STR)
        need(l, lp, "prio", INT, nullable=True)
        if need(l, lp, "mode", STR) not in ("read", "write"):
            err(f"{lp}.mode", "not read or write")
        need(l, lp, "held_ns", INT)
        need(l, lp, "asleep_ns", INT)
        need(l, lp, "reason", STR, nullable=True)
        p = need(l, lp, "parent", INT)
        if p is not None and not -1 <= p < i:
            err(f"{lp}.parent", f"{p} does not name an earlier link")
    d = need(c, path, "depth", INT)
    if d == 0 and links:
        err(f"{path}.depth", "0 with links")
    need(c, path, "inversion", BOOL)
    need(c, path, "inverted_ns", INT)
    need(c, path, "text", STR)


def run(r, path):
    for k, t, n in (("id", INT, False), ("label", STR, False), ("kernel", STR, True),
                    ("arch", STR, True), ("source", STR, False), ("events", INT, False),
                    ("lost_events", INT, True), ("duration_ns", INT, True)):
        need(r, path, k, t, n)
    caps = need(r, path, "capabilities", LIST) or []
    notes = need(r, path, "notes", LIST) or []
    if not all(isinstance(x, str) for x in caps + notes):
        err(path, "capabilities and notes must be strings")
    has_lock = "mmap_lock" in caps
    f = need(r, path, "faults", OBJ)
    if f is not None:
        faults(f, f"{path}.faults", "total", "fallback")
        if f.get("total") is None and "page_fault_user" not in caps and not any(
                "page_fault_user" in n for n in notes):
            err(f"{path}.notes", "fault count unknown but no note says why")
    locks(r, path, has_lock)
    for key, proc in (("tasks", False), ("processes", True)):
        for i, t in enumerate(need(r, path, key, LIST) or []):
            task(t, f"{path}.{key}[{i}]", has_lock, proc)
    for i, c in enumerate(need(r, path, "callsites", LIST) or []):
        need(c, f"{path}.callsites[{i}]", "callsite", STR)
        locks(c, f"{path}.callsites[{i}]", has_lock)
    chains = need(r, path, "chains", LIST) or []
    for i, c in enumerate(chains):
        chain(c, f"{path}.chains[{i}]")
    total = need(r, path, "chains_total", INT)
    if total is not None and total < len(chains):
        err(f"{path}.chains_total", "fewer than the chains listed")
    # chains are for contended waits of chain_min_ns or more
    cmin = need(r, path, "chain_min_ns", INT)
    need(r, path, "chains_uncontended", INT)
    need(r, path, "chain_threshold_ns", INT, nullable=True)
    for i, c in enumerate(chains):
        w = (c.get("waiter") or {}).get("wait_ns")
        if cmin is not None and isinstance(w, int) and w < cmin:
            err(f"{path}.chains[{i}]", f"a wait of {w} ns under chain_min_ns {cmin}")


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print(f"not JSON: {e}")
        return 1
    if need(doc, "$", "format", STR) != "vmlockstat-report":
        err("$.format", "expected 'vmlockstat-report'")
    if need(doc, "$", "version", INT) != 3:
        err("$.version", "expected 3")
    for i, r in enumerate(need(doc, "$", "runs", LIST) or []):
        run(r, f"$.runs[{i}]")
    for e in errors[:50]:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
