#!/usr/bin/env bash
# Issues 3 and 4 on this machine's kernel: record real workloads with
# `vmlockstat record` and check the fault analysis against the workload's
# own getrusage(RUSAGE_THREAD) figures (its ground-truth JSON).
#
# 1. MADV_RANDOM file faults (one page per major fault) with an mprotect
#    thread on another VMA: on a kernel with per-VMA locks every major fault
#    drops the VMA lock for I/O and retries under mmap_lock, so per faulting
#    thread: fallback == io_retry == ru_majflt, and some fallbacks waited
#    behind the writer.
# 2. Default readahead: faults that waited for readahead I/O count as minor
#    in rusage but still retried under mmap_lock: fallbacks >= ru_majflt per
#    thread and, over all faulters, fallbacks > ru_majflt.
# 3. First touch of a fresh anonymous VMA per thread: the first fault needs
#    an anon_vma. On 6.18 __vmf_anon_prepare() takes mmap_read_trylock()
#    inside the VMA-locked fault instead of returning VM_FAULT_RETRY: one
#    nested acquisition per thread, or, when that trylock meets another
#    thread's mmap write lock, one no_io fallback instead (seen here too).
set -euo pipefail
source "$(dirname "$0")/record_common.bash"
record_preflight

check() {  # check NAME DB TRUTH PYTHON-EXPRESSION-PER-FAULTER
	truth_checks_or_skip
	python3 - "$@" <<'PY'
import json, sqlite3, sys
name, db, truth, rule = sys.argv[1:5]
t = json.load(open(truth))
con = sqlite3.connect(db)
cols = ["faults", "fallback", "io_retry", "no_io", "nested", "behind_writer",
        "refaults"]
bad = 0
behind = 0
tot_fallback = tot_majflt = 0
for th in t["threads"]:
    if th["role"] != "faulter":
        continue
    row = con.execute(f"SELECT {','.join(cols)} FROM fault_task WHERE tid = ?",
                      (th["tid"],)).fetchone()
    if row is None:
        print(f"{name}: tid {th['tid']}: not in fault_task"); bad += 1; continue
    f = dict(zip(cols, row))
    behind += f["behind_writer"]
    tot_fallback += f["fallback"]
    tot_majflt += th["ru_majflt"]
    majflt, minflt = th["ru_majflt"], th["ru_minflt"]
    okay = eval(rule, {}, dict(f=f, majflt=majflt, minflt=minflt, pages=th["pages"]))
    print(f"{name}: tid {th['tid']}: ru_majflt {majflt} ru_minflt {minflt} "
          f"trace {f} -> {'ok' if okay else 'FAIL'}")
    bad += not okay
if name == "readahead" and not tot_fallback > tot_majflt:
    print(f"readahead: fallbacks {tot_fallback} not above ru_majflt {tot_majflt}"); bad += 1
if name == "random" and behind == 0:
    print("random: no fallback waited behind the mprotect writer"); bad += 1
sys.exit(1 if bad else 0)
PY
}

run() {  # run NAME WORKLOAD-ARGS...
	local name=$1; shift
	"$VLS" record -o "$WORK/$name.dat" --db "$WORK/$name.db" --label "$name" -- \
		"$VLS" workload "$@" --truth "$WORK/$name.json" 2>"$WORK/$name.err" >/dev/null ||
		fail "$name: record failed: $(tail -3 "$WORK/$name.err")"
	grep -q "LOST" "$WORK/$name.err" && fail "$name: events lost: $(grep LOST "$WORK/$name.err")"
	true
}

run random iofault --random --threads 2 --size 16 --writers 1 --writer-target other
check random "$WORK/random.db" "$WORK/random.json" \
	'f["fallback"] == majflt and f["io_retry"] == majflt and majflt == pages'

run readahead iofault --threads 2 --size 16
check readahead "$WORK/readahead.db" "$WORK/readahead.json" \
	'f["fallback"] >= majflt and f["io_retry"] > 0'

run anon anon --threads 2 --iterations 1
check anon "$WORK/anon.db" "$WORK/anon.json" \
	'f["nested"] + f["no_io"] == 1 and f["fallback"] == f["no_io"] and f["faults"] >= pages'
ok "fault analysis agrees with the workloads' rusage"
