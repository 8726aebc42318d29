#!/usr/bin/env bash
# Issues 7 and 9, scenario procmaps (seeds/004): 2 threads mmap, touch and
# munmap fresh mappings for 1 s while 2 readers loop over /proc/self/maps
# and /proc/self/smaps.
# Asserted (directions):
#   - the readers take mmap_lock for read from procfs (call site "procfs";
#     on 6.18 /proc/pid/maps itself walks VMAs under RCU and per-VMA
#     locks, smaps still takes mmap_lock);
#   - the faulting threads' mmap()/munmap() (write) waited behind them:
#     chains whose waiter is a faulting thread and whose direct blockers
#     include a reader in procfs;
#   - the trace counts every fault rusage counted.
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight

scenario_record procmaps --threads 2 --readers 2 --duration 1
scenario_check "$DB" <<'EOF'
faulters, readers = threads("faulter"), threads("reader")
for t in faulters:
    f = ft(t["tid"])
    expect(f["faults"] >= t["ru_minflt"] + t["ru_majflt"] >= t["pages"],
           f"tid {t['tid']}: trace faults {f['faults']} >= rusage {t['ru_minflt'] + t['ru_majflt']} >= pages {t['pages']}")
for t in readers:
    n = con.execute("SELECT acquisitions FROM lock_stats WHERE scope = 'callsite' "
                    "AND key = 'procfs' AND mode = 'read'").fetchone()
    r = con.execute("SELECT acquisitions FROM lock_stats WHERE scope = 'thread' AND tid = ? "
                    "AND mode = 'read'", (t["tid"],)).fetchone()
    expect(r is not None and r[0] > 0 and n is not None and n[0] > 0,
           f"reader {t['tid']}: {r[0] if r else 0} read acquisitions ({t['iterations']} file reads); "
           f"procfs call site: {n[0] if n else 0}")
ftids = ",".join(str(t["tid"]) for t in faulters)
rtids = ",".join(str(t["tid"]) for t in readers)
n, mx = con.execute(f"SELECT count(DISTINCT c.id), max(c.wait_ns) FROM lock_chain c JOIN lock_chain_link l "
                    f"ON l.chain_id = c.id AND l.depth = 1 WHERE c.tid IN ({ftids}) AND c.mode = 'write' "
                    f"AND l.tid IN ({rtids}) AND l.site = 'procfs'").fetchone()
expect(n > 0, f"{n} chains: a faulting thread's mmap/munmap waited behind a procfs reader "
       f"(longest {(mx or 0) / 1e6:.1f} ms)")
EOF
scenario_check_report procmaps "procmaps --threads 2 --readers 2 --duration 1"
ok "procmaps: /proc readers block mmap/munmap writers"
