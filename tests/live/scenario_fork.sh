#!/usr/bin/env bash
# Issues 7 and 9, scenario fork (seeds/000): 2 threads write to private
# anonymous memory for 1 s while a third forks in a loop. dup_mmap() holds
# mmap_lock for write and write-locks every VMA (vma_start_write()), so a
# fault that meets a VMA being copied cannot take the per-VMA lock and
# falls back to mmap_lock, behind the forking writer.
# Asserted (directions, the count depends on timing):
#   - faulters: fallbacks without I/O (no_io > 0, io_retry == 0: anonymous
#     memory) and fallbacks behind a writer (> 0); the trace counts every
#     fault rusage counted (faults >= ru_minflt + ru_majflt);
#   - the forker took mmap_lock for write at least once per fork
#     (recorded with --write-stacks: the call site is "fork");
#   - wait-for chains whose waiter is a faulting thread and whose direct
#     blocker is the forker in fork.
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight

REC_OPTS+=(--write-stacks)
scenario_record fork --threads 2 --duration 1
scenario_check "$DB" <<'EOF'
faulters, forker = threads("faulter"), threads("forker")[0]
fs = {t["tid"]: ft(t["tid"]) for t in faulters}
for t in faulters:
    f = fs[t["tid"]]
    expect(f["faults"] >= t["ru_minflt"] + t["ru_majflt"] and f["io_retry"] == 0,
           f"tid {t['tid']}: trace faults {f['faults']} >= rusage {t['ru_minflt'] + t['ru_majflt']}, io_retry {f['io_retry']} == 0")
no_io, behind = sum(f["no_io"] for f in fs.values()), sum(f["behind_writer"] for f in fs.values())
expect(no_io > 0 and behind > 0, f"faulters: no_io fallbacks {no_io} > 0, behind a writer {behind} > 0")
w = con.execute("SELECT acquisitions FROM lock_stats WHERE scope = 'thread' AND tid = ? "
                "AND mode = 'write'", (forker["tid"],)).fetchone()
w = w[0] if w else 0
expect(w >= forker["iterations"] > 0, f"forker: write acquisitions {w} >= forks {forker['iterations']}")
n = con.execute("SELECT count(*) FROM lock_chain c JOIN lock_chain_link l ON l.chain_id = c.id "
                "AND l.depth = 1 WHERE l.tid = ? AND l.site = 'fork' AND c.tid IN (%s)"
                % ",".join(str(t) for t in fs), (forker["tid"],)).fetchone()[0]
expect(n > 0, f"{n} chains: a faulting thread waited behind the forker in fork")
EOF
scenario_check_report fork "fork --threads 2 --duration 1"
ok "fork: faults fall back behind fork's mmap_lock"
