#!/usr/bin/env python3
"""Print every stored fact of one run in a canonical, source-independent form.

Usage: dbfacts.py DB RUN_ID

Every table that has a run_id column is dumped without that column, rows
sorted; the run row itself without what names the source (id, label, source,
format, imported_at) or only some formats can say (lost_events). run_meta is left out: it says where the facts came from
(file format, version, compression), not what they are. Two imports of the
same recording in different formats must print the same lines.
"""
import sqlite3
import sys

# lost_events: a trace.dat carries the kernel's ring-buffer stats, text
# does not (NULL: unknown); twins.sh checks the trace.dat's value itself.
SOURCE_COLUMNS = {"id", "label", "source", "format", "imported_at", "lost_events"}


def main():
    db, run_id = sys.argv[1], int(sys.argv[2])
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    cols = [r[1] for r in con.execute("PRAGMA table_info(run)")]
    keep = [c for c in cols if c not in SOURCE_COLUMNS]
    row = con.execute(f"SELECT {','.join(keep)} FROM run WHERE id=?", (run_id,)).fetchone()
    if row is None:
        sys.exit(f"dbfacts: no run {run_id} in {db}")
    print("run", dict(zip(keep, row)))
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for t in tables:
        if t in ("run", "run_meta"):
            continue
        tcols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
        if "run_id" not in tcols:
            continue
        sel = [c for c in tcols if c != "run_id"]
        rows = con.execute(
            f"SELECT {','.join(sel)} FROM {t} WHERE run_id=? ORDER BY {','.join(sel)}",
            (run_id,)).fetchall()
        print(f"table {t} ({len(rows)} rows)")
        for r in rows:
            print(t, r)


if __name__ == "__main__":
    main()
