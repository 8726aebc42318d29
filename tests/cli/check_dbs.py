#!/usr/bin/env python3
"""Check the DBs the bad-input cases imported into (tests/cli/bad_inputs.sh).

Usage: check_dbs.py BASE_DB RESULTS

BASE_DB holds one run (run 1); each case imported into a copy of it.
RESULTS has one line per case: DB<TAB>EXIT_STATUS<TAB>TRACE_NAME.
Every DB must pass PRAGMA integrity_check, hold run 1's rows exactly as
BASE_DB does (a checksum over run 1's row and its rows in every table with a
run_id), and hold one run more exactly when the import succeeded (exit 0).
Some successful imports must also have stored particular facts (run 2).
One Python process for all cases: starting Python per case costs more than
the imports.
"""
import hashlib
import sqlite3
import sys


def state(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    integ = con.execute("PRAGMA integrity_check").fetchone()[0]
    runs = con.execute("SELECT count(*) FROM run").fetchone()[0]
    h = hashlib.sha256()
    for r in con.execute("SELECT * FROM run WHERE id = 1"):
        h.update(repr(r).encode())
    for (t,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        cols = [c[1] for c in con.execute(f"PRAGMA table_info({t})")]
        if "run_id" in cols:
            for r in con.execute(
                    f"SELECT * FROM {t} WHERE run_id = 1 ORDER BY {', '.join(cols)}"):
                h.update(t.encode() + repr(r).encode())
    return con, integ, runs, h.hexdigest()


def meta(con, key):
    r = con.execute("SELECT value FROM run_meta WHERE run_id = 2 AND key = ?",
                    (key,)).fetchone()
    return int(r[0]) if r else None


def facts(con, name):
    """(what, ok) pairs a successful import of NAME must satisfy."""
    checks = []
    if name == "out-of-order.txt":
        checks.append(("text.out_of_order > 0", (meta(con, "text.out_of_order") or 0) > 0))
    if name in ("garbage-lines.txt", "bad-fields.txt", "cut-mid-line.txt",
                "big-cpu.txt", "big-pid.txt", "nul-byte.txt", "huge-ts.txt",
                "report-garbage.txt") or name.startswith("long-"):
        checks.append(("bad_records >= 1", (meta(con, "bad_records") or 0) >= 1))
    if name == "deep-stack.txt":
        depth = con.execute(
            "SELECT max(length(frames) - length(replace(frames, char(10), '')) + 1) "
            "FROM stack WHERE run_id = 2").fetchone()[0] or 0
        checks.append((f"deepest stack {depth} frames, limit 64", 0 < depth <= 64))
    if name in ("unknown-events.txt", "ftrace-good.txt", "crlf.txt"):
        n = con.execute("SELECT events FROM run WHERE id = 2").fetchone()[0]
        want = 4016 + (6 if name == "unknown-events.txt" else 0)
        checks.append((f"events {n}, expected {want}", n == want))
    return checks


def main():
    _, integ, runs, base = state(sys.argv[1])
    if (integ, runs) != ("ok", 1):
        sys.exit(f"FAIL: base DB: integrity {integ}, {runs} runs")
    bad = 0
    for line in open(sys.argv[2]):
        db, st, name = line.rstrip("\n").split("\t")
        try:
            con, integ, runs, h = state(db)
        except sqlite3.Error as e:
            print(f"FAIL: {name}: DB unreadable: {e}")
            bad += 1
            continue
        want = 2 if st == "0" else 1
        if (integ, runs, h) != ("ok", want, base):
            print(f"FAIL: {name}: DB after exit {st}: integrity {integ}, {runs} runs "
                  f"(expected {want}), run 1 {'unchanged' if h == base else 'CHANGED'}")
            bad += 1
        for what, ok in facts(con, name) if st == "0" else []:
            if not ok:
                print(f"FAIL: {name}: {what}")
                bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
