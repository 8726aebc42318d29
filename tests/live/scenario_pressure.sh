#!/usr/bin/env bash
# Issues 7 and 9, scenario pressure: 4 threads fault in a 64 MB file with
# default readahead inside a memory cgroup held to 16 MB (cgroup v2
# memory.high: reclaimed and throttled, never OOM-killed), while a writer
# loops mprotect() on the same VMA (Willy's case).
#
# No exact truth: pages are reclaimed between the readahead I/O and the
# retried fault, so the directions are asserted:
#   - the kernel saw refaults (vmstat workingset_refault_file > 0) and the
#     trace shows retries that read the same file page again (refaults > 0);
#   - faults that waited for readahead I/O are minor in rusage but still
#     retried under mmap_lock: fallbacks > ru_majflt (all faulting threads);
#   - the retry (FAULT_FLAG_TRIED) no longer drops mmap_lock for I/O
#     (maybe_unlock_mmap_for_io() only drops on the first attempt): a
#     fallback that finds its page gone sleeps on the folio holding
#     mmap_lock, and the mprotect writer's chains name that sleep as the
#     root cause (folio I/O, in filemap_fault's folio_wait_bit_common()).
#     Without the cgroup limit (scenario_iofault.sh, fault_analysis.sh) no
#     fallback slept holding mmap_lock on this 6.18 machine.
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight

ARGS=(--threads 4 --writers 1)
scenario_run pressure "${ARGS[@]}" <<'EOF'
faulters, writer = threads("faulter"), threads("writer")[0]
# The chains can only name a folio sleep if one happened under mmap_lock
# while the writer waited past the chain threshold (100 us): judged from
# the acquisitions (lock_acq), not from the chains under test.
waits = con.execute("SELECT start_ns, start_ns + wait_ns FROM lock_acq WHERE tid = ? "
                    "AND mode = 'write' AND wait_ns >= 100000", (writer["tid"],)).fetchall()
sleeps = con.execute("SELECT start_ns + wait_ns, start_ns + wait_ns + hold_ns FROM lock_acq "
                     f"WHERE tid IN ({','.join(str(t['tid']) for t in faulters)}) AND "
                     "site = 'fault' AND reason = 'folio_io' AND asleep_ns > 0").fetchall()
overlap = sum(1 for w in waits if any(h0 < w[1] and h1 > w[0] for h0, h1 in sleeps))
need(overlap > 0, f"{overlap} writer waits >= 100 us overlap a fault fallback's hold "
     f"asleep on folio I/O ({len(waits)} waits, {len(sleeps)} such holds)")
vm = truth["vmstat_delta"].get("workingset_refault_file", 0)
expect(vm > 0, f"kernel: workingset_refault_file {vm} > 0")
fs = [ft(t["tid"]) for t in faulters]
ref = sum(f["refaults"] for f in fs)
expect(ref > 0, f"trace: refaults {ref} > 0")
fb, maj = sum(f["fallback"] for f in fs), sum(t["ru_majflt"] for t in faulters)
expect(fb > maj, f"fallbacks {fb} > ru_majflt {maj} (readahead waits are minor faults)")
ftids = {t["tid"] for t in faulters}
rows = con.execute(
    "SELECT c.wait_ns, l.tid, l.site, l.state, l.reason, l.wchan, l.asleep_ns, c.summary "
    "FROM lock_chain c JOIN lock_chain_link l ON l.chain_id = c.id AND l.idx = c.root_idx "
    "WHERE c.tid = ? AND c.mode = 'write'", (writer["tid"],)).fetchall()
io = [r for r in rows if r[1] in ftids and r[2] == "fault" and r[3] == "asleep"
      and r[4] == "folio_io" and r[6] > 0 and "in folio I/O" in r[7]]
expect(len(io) > 0, f"{len(io)} of {len(rows)} chains of the mprotect writer have as root "
       f"cause a fault fallback asleep on folio I/O while holding mmap_lock")
if io:
    w = max(io)
    print(f"      worst: writer waited {w[0] / 1e6:.1f} ms, root tid {w[1]} asleep "
          f"{w[6] / 1e6:.1f} ms in {w[5]}")
EOF
scenario_check_report pressure "pressure ${ARGS[*]}"
ok "pressure: refaults, and fallbacks asleep on folio I/O as the chains' root cause"
