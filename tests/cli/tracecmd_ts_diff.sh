#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/tracecmd_ts_diff.sh - `trace-cmd report --ts-diff` text: the
# "(+N)" between each timestamp and the event's name is stepped over, so
# every event is read, no line is skipped (--strict), and the events are the
# same, field for field and to the timestamp, as those of the same trace's
# plain `trace-cmd report` text. With trace-cmd installed, the same in
# nanoseconds (`report -t --ts-diff`) over the iofault-writer trace.dat.
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA.
source "$(dirname "$0")/cli_common.bash"
cli_setup tracecmd_ts_diff
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}

# same_events DB WHAT: run 1 (--ts-diff) holds exactly run 2's events
same_events() {
	local sel="seq, ts, cpu, tid, kind, stack_id, f1, f2, f3, f4, f5, str FROM event"
	eq "$(q "$1" "SELECT count(*) FROM event WHERE run_id = 1")" \
		"$(q "$1" "SELECT count(*) FROM event WHERE run_id = 2")" "$2: events"
	eq "$(q "$1" "SELECT count(*) FROM (SELECT $sel WHERE run_id = 1
		EXCEPT SELECT $sel WHERE run_id = 2)")" 0 "$2: events unlike the plain text's"
	eq "$(q "$1" "SELECT count(*) FROM event WHERE run_id = 1 AND kind LIKE 'mmap_lock:%'")" \
		"$3" "$2: mmap_lock events"
}

xz -dc "$DATA/text/tracecmd-ts-diff.txt.xz" >"$T/diff.txt" || fail "unpack"
grep -q ': (+5) ' "$T/diff.txt" || fail "the fixture has no (+N)"
expect 0 "$VLS" import --strict --keep-events --db "$T/m.db" "$T/diff.txt"
if command -v trace-cmd >/dev/null; then
	trace-cmd report "$DATA/mprotect-fault-6.18-x86_64.dat" >"$T/plain.txt" 2>/dev/null ||
		fail "trace-cmd report"
	expect 0 "$VLS" import --strict --keep-events --db "$T/m.db" "$T/plain.txt"
	same_events "$T/m.db" mprotect 650

	trace-cmd report -t --ts-diff "$DATA/iofault-writer-6.18-x86_64.dat" \
		>"$T/io-diff.txt" 2>/dev/null || fail "trace-cmd report -t --ts-diff"
	trace-cmd report -t "$DATA/iofault-writer-6.18-x86_64.dat" >"$T/io.txt" 2>/dev/null ||
		fail "trace-cmd report -t"
	expect 0 "$VLS" import --strict --keep-events --db "$T/io.db" "$T/io-diff.txt"
	expect 0 "$VLS" import --strict --keep-events --db "$T/io.db" "$T/io.txt"
	same_events "$T/io.db" iofault \
		"$(q "$T/io.db" "SELECT count(*) FROM event WHERE run_id = 2 AND kind LIKE 'mmap_lock:%'")"
else
	# without trace-cmd: the trace.dat's own events, to the microsecond
	eq "$(q "$T/m.db" "SELECT events FROM run")" 1777 "events"
fi
expect 0 "$VLS" report --db "$T/m.db" --run 1 --json
python3 - "$T/out" <<'PY' || fail "the --ts-diff run's figures"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
if r["faults"]["user_fallback"] is None or "stacks" not in r["capabilities"]:
    print("faults or stacks missing:", r["faults"]["user_fallback"], r["capabilities"])
    sys.exit(1)
PY

cli_done tracecmd_ts_diff
