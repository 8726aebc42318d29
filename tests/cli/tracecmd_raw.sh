#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/tracecmd_raw.sh - `trace-cmd report -R` text (each event's raw
# fields, tests/data/README.md): every event read, no line skipped, each
# the same as the trace.dat's own (--keep-events: kind, cpu, tid, fields,
# string; timestamps in the text's microseconds), but for page_fault_kernel
# ip, which both texts print as a symbol. Its kernel stacks are bytes with
# no symbol: left out, the import says how many, and the figures that need
# stacks are unknown (null), not 0. With trace-cmd installed, the same over
# `report -R` of the iofault-writer trace.dat (fork comms, contention,
# block, page-cache events); that also holds the trace.dat reader to the
# fork's __data_loc comms (6.10+).
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA.
source "$(dirname "$0")/cli_common.bash"
cli_setup tracecmd_raw
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}

# same_events DB: run 1 (text) and run 2 (trace.dat) hold the same events
same_events() {
	local sel="seq, cpu, tid, kind, f1, f2, f3, f4, f5, str FROM event"
	local ip="NOT (kind = 'exceptions:page_fault_kernel')"
	eq "$(q "$1" "SELECT count(*) FROM (SELECT ts / 1000, $sel WHERE run_id = 1 AND $ip
		EXCEPT SELECT (ts + 500) / 1000, $sel WHERE run_id = 2 AND $ip)")" 0 \
		"$2: text events unlike the trace.dat's"
	eq "$(q "$1" "SELECT count(*) FROM (SELECT (ts + 500) / 1000, $sel WHERE run_id = 2
		EXCEPT SELECT ts / 1000, $sel WHERE run_id = 1)")" \
		"$(q "$1" "SELECT count(*) FROM event WHERE run_id = 2 AND NOT ($ip)")" \
		"$2: trace.dat events unlike the text's"
	eq "$(q "$1" "SELECT value FROM run_meta WHERE run_id = 1 AND key = 'bad_records'")" \
		0 "$2: lines skipped"
}

xz -dc "$DATA/text/tracecmd-raw.txt.xz" >"$T/raw.txt" || fail "unpack"
expect 0 "$VLS" import --strict --keep-events --db "$T/m.db" "$T/raw.txt"
grep_err "79 kernel stacks printed as bytes without symbols (trace-cmd report -R)"
expect 0 "$VLS" import --keep-events --db "$T/m.db" \
	"$DATA/mprotect-fault-6.18-x86_64.dat"
eq "$(q "$T/m.db" "SELECT events FROM run ORDER BY id" | tr '\n' ' ')" "1777 1777 " \
	"events"
# prev_state=256 (preempted) read as the number, not as no letter
eq "$(q "$T/m.db" "SELECT count(*) FROM event_sched_switch WHERE run_id = 1
	AND prev_state = 256")" 8 "preempted switches"
same_events "$T/m.db" mprotect

expect 0 "$VLS" report --db "$T/m.db" --run 1 --json
python3 - "$T/out" <<'PY' || fail "figures that need stacks"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
f = r["faults"]
bad = [k for k in ("fallback", "user_fallback", "kernel_faults", "nested")
       if f[k] is not None]
bad += [k for k, v in f["by_reason"].items() if v is not None]
if "stacks" in r["capabilities"]:
    bad.append("capability stacks")
if r["mmap_lock"]["read"]["acquisitions"] + r["mmap_lock"]["write"]["acquisitions"] != 216:
    bad.append("acquisitions")
if bad:
    print("not unknown:", bad)
    sys.exit(1)
PY

if command -v trace-cmd >/dev/null; then
	trace-cmd report -R "$DATA/iofault-writer-6.18-x86_64.dat" >"$T/io.txt" 2>/dev/null ||
		fail "trace-cmd report -R"
	expect 0 "$VLS" import --strict --keep-events --db "$T/io.db" "$T/io.txt"
	expect 0 "$VLS" import --keep-events --db "$T/io.db" \
		"$DATA/iofault-writer-6.18-x86_64.dat"
	same_events "$T/io.db" iofault
	eq "$(q "$T/io.db" "SELECT DISTINCT str FROM event WHERE run_id = 2
		AND kind = 'sched:sched_process_fork'")" vmlockstat "the fork's child comm"
fi

cli_done tracecmd_raw
