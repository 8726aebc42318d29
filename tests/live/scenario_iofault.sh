#!/usr/bin/env bash
# Issues 7 and 9, scenario iofault on this machine's kernel: 4 threads fault
# in an evicted file through a MADV_RANDOM mapping (one page per major
# fault) while a writer loops mprotect() on the last pages of the same VMA.
#
# Fault analysis against getrusage(RUSAGE_THREAD) of each faulting thread:
#   fallback == ru_majflt == pages: every major fault dropped the per-VMA
#   lock for its read and retried under mmap_lock; io_retry + no_io ==
#   fallback (no_io: faults that found the VMA being changed by mprotect()
#   went to mmap_lock first, then did their I/O), and some fallbacks waited
#   behind the writer.
# Lock chains (issue 9): the writer's long waits (>= 100 us) have fault
# fallbacks of the faulting threads as their direct blockers; on 6.18 those
# finish their I/O before taking mmap_lock, so they hold it without
# sleeping (no folio I/O under mmap_lock here: see scenario_pressure.sh).
# The one other hold a faulting thread takes: as it exits, glibc's
# start_thread() gives its stack back with madvise(MADV_DONTNEED)
# (advise_stack_range()), under mmap_lock for read; a writer wait can end
# behind that too (seen once in a CI-like run).
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight

ARGS=(--random --threads 4 --size 32 --writers 1)
scenario_run iofault "${ARGS[@]}" <<'EOF'
faulters, writer = threads("faulter"), threads("writer")[0]
# The chain checks need a writer wait >= 100 us; with fast I/O the fault
# fallbacks hold mmap_lock so briefly that a recording can have none.
long_waits = con.execute("SELECT count(*) FROM lock_acq WHERE tid = ? AND mode = 'write' "
                         "AND wait_ns >= 100000", (writer["tid"],)).fetchone()[0]
need(long_waits > 0, f"the writer waited >= 100 us for mmap_lock {long_waits} times, > 0")
behind = 0
for t in faulters:
    f = ft(t["tid"])
    behind += f["behind_writer"]
    expect(f["fallback"] == t["ru_majflt"] == t["pages"],
           f"tid {t['tid']}: fallback {f['fallback']} == ru_majflt {t['ru_majflt']} == pages {t['pages']}")
    expect(f["io_retry"] + f["no_io"] == f["fallback"] and f["io_retry"] >= 0.9 * f["fallback"],
           f"tid {t['tid']}: io_retry {f['io_retry']} + no_io {f['no_io']} == fallback")
    expect(f["faults"] >= t["ru_majflt"] + t["ru_minflt"],
           f"tid {t['tid']}: trace faults {f['faults']} >= ru_minflt + ru_majflt {t['ru_minflt'] + t['ru_majflt']}")
expect(behind > 0, f"fallbacks behind the mprotect writer: {behind} > 0")
ftids = {t["tid"] for t in faulters}
chains = con.execute("SELECT id, wait_ns FROM lock_chain WHERE tid = ? AND mode = 'write'",
                     (writer["tid"],)).fetchall()
# A long wait with no holder at all (scheduling or wakeup latency of the
# writer itself, seen under load) has no blocker to check: it is counted,
# not held against the rule, which is about the blockers that exist.
good, exiting, nblk, unblocked = 0, 0, [], 0
for cid, wait in chains:
    links = con.execute("SELECT tid, site FROM lock_chain_link WHERE chain_id = ? "
                        "AND depth = 1", (cid,)).fetchall()
    if not links:
        unblocked += 1
        continue
    nblk.append(len(links))
    if all(l[0] in ftids and l[1] == "fault" for l in links):
        good += 1
    elif all(l[0] in ftids and l[1] in ("fault", "madvise") for l in links):
        exiting += 1
        print(f"      writer waited {wait / 1000:.0f} us behind exiting threads: blockers {links}")
    else:
        print(f"      writer waited {wait / 1000:.0f} us: blockers {links}")
blocked = len(chains) - unblocked
# A long writer wait with a blocker depends on timing too (on a quiet
# machine the only long wait can be the writer's own wakeup latency: CI
# saw 1 chain, without blockers): record again rather than fail.
need(blocked > 0, f"a writer wait >= 100 us with a blocker: {blocked} "
     f"(and {unblocked} without)")
expect(good + exiting == blocked,
       f"{blocked} chains of the mprotect writer (>= 100 us) with blockers (and "
       f"{unblocked} without), in {good} every direct blocker is a faulting thread "
       f"in its fault fallback ({min(nblk, default=0)}-{max(nblk, default=0)} of them), "
       f"in {exiting} also one giving its stack back as it exits (madvise)")
# Which of the two holds a long wait ends behind is timing again (CI saw the
# only blocked chain end behind an exiting thread's madvise): with the rule
# above met, a recording without a chain behind a fault fallback is recorded
# again; a broken rule is a failure whatever the next recording shows.
if not bad:
    need(good > 0, f"a writer wait >= 100 us behind a fault fallback: {good}")
EOF
scenario_check_report iofault "iofault ${ARGS[*]}"
ok "iofault: analysis agrees with the ground truth"
