#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Validate `vmlockstat report --json` or `vmlockstat compare --json` (stdin
or a file) against the contract of docs/report-json.md: every name present
with its type, null only where allowed, units consistent; for compare, each
verdict against its interval and the threshold (docs/compare.md). Prints
one line per violation; exit 1 if any.

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


def dist(d, path, timed, summed=False):
    """timed: the run has the capability time; without it only the count.
    summed: a process's, which may be its threads' summed (no percentiles)."""
    count = need(d, path, "count", INT)
    if not timed:
        for k in ("sum", "max", "p50", "p99"):
            if need(d, path, k, INT, nullable=True) is not None:
                err(f"{path}.{k}", "a duration without the capability time")
        return
    need(d, path, "sum", INT)
    for k in ("max", "p50", "p99"):
        v = need(d, path, k, INT, nullable=True)
        if v is None and count and not (summed and k != "max"):
            err(f"{path}.{k}", "null with a non-zero count")
        if v is not None and v < 0:
            err(f"{path}.{k}", "negative time")


def stats(s, path, timed, summed=False):
    if s is None:
        return
    for k in ("acquisitions", "contended", "trylock_fails"):
        v = need(s, path, k, INT)
        if v is not None and v < 0:
            err(f"{path}.{k}", "negative count")
    for k in ("wait_ns", "hold_ns"):
        d = need(s, path, k, OBJ)
        if d is not None:
            dist(d, f"{path}.{k}", timed, summed)
    h = need(s, path, "histogram", OBJ, nullable=not timed)
    if h is not None and not timed:
        err(f"{path}.histogram", "a histogram without the capability time")
    if h is not None:
        if need(h, f"{path}.histogram", "scale", STR) != "log2_ns":
            err(f"{path}.histogram.scale", "expected 'log2_ns'")
        b = need(h, f"{path}.histogram", "buckets", LIST) or []
        if not all(typ(x, INT) and x >= 0 for x in b):
            err(f"{path}.histogram.buckets", "not a list of counts")
        w = s.get("wait_ns") or {}
        if b and w.get("count") is not None and sum(b) != w["count"]:
            err(f"{path}.histogram", f"buckets sum {sum(b)} != wait count {w['count']}")


def locks(obj, path, has_lock, timed, summed=False):
    m = need(obj, path, "mmap_lock", OBJ)
    if m is None:
        return
    for mode in ("read", "write"):
        s = need(m, f"{path}.mmap_lock", mode, OBJ, nullable=True)
        if has_lock and s is None:
            err(f"{path}.mmap_lock.{mode}", "null although the run has mmap_lock")
        if not has_lock and s is not None:
            err(f"{path}.mmap_lock.{mode}", "a figure without mmap_lock events")
        stats(s, f"{path}.mmap_lock.{mode}", timed, summed)


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


def task(t, path, has_lock, timed, process):
    if not process:
        need(t, path, "tid", INT)
        need(t, path, "prio", INT, nullable=True)
    else:
        need(t, path, "threads", INT, nullable=True)
        need(t, path, "mm", STR, nullable=True)
    need(t, path, "pid", INT, nullable=True)
    need(t, path, "comm", STR, nullable=True)
    faults(t, path, "faults", "fallback_faults")
    locks(t, path, has_lock, timed, process)


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
    timed = "time" in caps
    if not timed and r.get("duration_ns") is not None:
        err(f"{path}.duration_ns", "a duration without the capability time")
    f = need(r, path, "faults", OBJ)
    if f is not None:
        faults(f, f"{path}.faults", "total", "fallback")
        iw = f.get("io_wait_ns") or {}
        if not timed and any(iw.get(k) is not None for k in ("sum", "max", "p50", "p99")):
            err(f"{path}.faults.io_wait_ns", "a duration without the capability time")
        if f.get("total") is None and "page_fault_user" not in caps and not any(
                "page_fault_user" in n for n in notes):
            err(f"{path}.notes", "fault count unknown but no note says why")
    locks(r, path, has_lock, timed)
    for key, proc in (("tasks", False), ("processes", True)):
        for i, t in enumerate(need(r, path, key, LIST) or []):
            task(t, f"{path}.{key}[{i}]", has_lock, timed, proc)
    for i, c in enumerate(need(r, path, "callsites", LIST) or []):
        need(c, f"{path}.callsites[{i}]", "callsite", STR)
        locks(c, f"{path}.callsites[{i}]", has_lock, timed)
    chains = need(r, path, "chains", LIST) or []
    if chains and not timed:
        err(f"{path}.chains", "chains without the capability time")
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


FIGURES = ("user_fallback_rate", "read_acquisitions", "read_wait_total_ns", "write_wait_avg_ns",
           "fallback_rate", "io_retry_fallbacks", "refaults", "read_wait_p99_ns",
           "write_wait_p99_ns", "faults", "fallback_faults", "write_acquisitions",
           "kernel_faults", "kernel_mode_fallbacks")
VERDICTS = ("increase", "decrease", "no change", "inconclusive")


def value(v, path, unit):
    if v is None:
        return None
    t = INT if unit == "ns" else NUM
    for k in ("mean", "min", "max"):
        need(v, path, k, t)
    need(v, path, "sd", NUM)
    n = need(v, path, "n", INT)
    if n is not None and n < 1:
        err(f"{path}.n", "a value over no run")
    if None not in (v.get("min"), v.get("mean"), v.get("max")) and \
            not v["min"] - 1 <= v["mean"] <= v["max"] + 1:
        err(path, "mean outside min..max")
    return v


def expected_verdict(d, lo, hi, thr):
    """docs/compare.md: the rule, restated independently of the C code."""
    if (lo > 0 or hi < 0) and abs(d) > thr:
        return "increase" if d > 0 else "decrease"
    if -thr <= lo and hi <= thr:
        return "no change"
    return "inconclusive"


def change(c, path, unit, base, v, thr_pct):
    need(c, path, "abs", INT if unit == "ns" else NUM)
    need(c, path, "pct", NUM, nullable=True)
    ci = need(c, path, "ci95", LIST, nullable=True)
    verdict = need(c, path, "verdict", STR, nullable=True)
    enough = base["n"] >= 2 and v["n"] >= 2
    if (ci is None) != (verdict is None):
        err(path, "ci95 and verdict: one null, the other not")
    if enough != (verdict is not None):
        err(path, f"verdict {verdict!r} with n {base['n']} and {v['n']} (2 a side needed)")
    if ci is None or verdict is None:
        return
    if len(ci) != 2 or not all(typ(x, INT if unit == "ns" else NUM) for x in ci):
        err(f"{path}.ci95", "not [low, high] in the figure's unit")
        return
    lo, hi = ci
    slack = 1 if unit == "ns" else 1e-9 * max(1, abs(c["abs"]))
    if not lo - slack <= c["abs"] <= hi + slack:
        err(f"{path}.ci95", f"[{lo}, {hi}] does not hold the change {c['abs']}")
    if verdict not in VERDICTS:
        err(f"{path}.verdict", f"{verdict!r} is none of {VERDICTS}")
    thr = thr_pct / 100 * abs(base["mean"])
    # ns figures are rounded to integers: a rule decided within 1 ns of
    # a bound is not held against the renderer
    if unit != "ns" and verdict != expected_verdict(c["abs"], lo, hi, thr):
        err(f"{path}.verdict", f"{verdict!r}, the rule gives "
            f"{expected_verdict(c['abs'], lo, hi, thr)!r} (ci {ci}, threshold {thr})")


def figures(figs, path, ngroups, thr_pct):
    names = []
    for i, f in enumerate(figs):
        fp = f"{path}[{i}]"
        names.append(need(f, fp, "name", STR))
        need(f, fp, "title", STR)
        unit = need(f, fp, "unit", STR)
        if unit not in ("count", "ns", "rate"):
            err(f"{fp}.unit", f"{unit!r}")
        vals = need(f, fp, "values", LIST) or []
        chg = need(f, fp, "change", LIST) or []
        if len(vals) != ngroups or len(chg) != ngroups:
            err(fp, f"{len(vals)} values and {len(chg)} changes for {ngroups} groups")
            continue
        vals = [value(v, f"{fp}.values[{g}]", unit) for g, v in enumerate(vals)]
        for g, c in enumerate(chg):
            cp = f"{fp}.change[{g}]"
            if g == 0 or vals[0] is None or vals[g] is None:
                if c is not None:
                    err(cp, "a change where the contract says null")
                continue
            if c is None:
                err(cp, "null although both sides have a value")
                continue
            change(c, cp, unit, vals[0], vals[g], thr_pct)
    if tuple(names) != FIGURES:
        err(path, f"figures {names}, expected {list(FIGURES)}")


def compare(doc):
    mode = need(doc, "$", "mode", STR)
    if mode == "matrix":
        for i, c in enumerate(need(doc, "$", "cells", LIST) or []):
            cp = f"$.cells[{i}]"
            need(c, cp, "kernel", STR)
            need(c, cp, "arch", STR)
            need(c, cp, "runs", INT)
            value(need(c, cp, "faults", OBJ, nullable=True), f"{cp}.faults", "count")
            value(need(c, cp, "user_fallback_rate", OBJ, nullable=True),
                  f"{cp}.user_fallback_rate", "rate")
            value(need(c, cp, "fallback_rate", OBJ, nullable=True), f"{cp}.fallback_rate", "rate")
            br = need(c, cp, "by_reason", OBJ) or {}
            if set(br) != set(REASONS):
                err(f"{cp}.by_reason", f"keys {sorted(br)}")
        return
    if mode != "groups":
        err("$.mode", f"{mode!r}, expected 'groups' or 'matrix'")
        return
    groups = need(doc, "$", "groups", LIST) or []
    for i, g in enumerate(groups):
        gp = f"$.groups[{i}]"
        for k in ("name", "label", "kernel", "arch"):
            need(g, gp, k, STR)
        runs = need(g, gp, "runs", LIST) or []
        if not runs or not all(typ(x, INT) for x in runs):
            err(f"{gp}.runs", "not a list of run ids")
        need(g, gp, "capabilities", LIST)
        step = need(g, gp, "timestamp_step_ns", INT, nullable=True)
        if step is not None and step < 1:
            err(f"{gp}.timestamp_step_ns", f"{step} < 1")
    need(doc, "$", "capabilities_differ", BOOL)
    thr = need(doc, "$", "threshold_pct", NUM)
    if thr is None or thr < 0:
        err("$.threshold_pct", "not a percentage >= 0")
        thr = 0
    figures(need(doc, "$", "figures", LIST) or [], "$.figures", len(groups), thr)
    for i, p in enumerate(need(doc, "$", "processes", LIST) or []):
        need(p, f"$.processes[{i}]", "comm", STR)
        figures(need(p, f"$.processes[{i}]", "figures", LIST) or [],
                f"$.processes[{i}].figures", len(groups), thr)


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print(f"not JSON: {e}")
        return 1
    fmt = need(doc, "$", "format", STR)
    if fmt not in ("vmlockstat-report", "vmlockstat-compare"):
        err("$.format", "expected 'vmlockstat-report' or 'vmlockstat-compare'")
    if need(doc, "$", "version", INT) != 4:
        err("$.version", "expected 4")
    if fmt == "vmlockstat-compare":
        compare(doc)
    else:
        for i, r in enumerate(need(doc, "$", "runs", LIST) or []):
            run(r, f"$.runs[{i}]")
    for e in errors[:50]:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
