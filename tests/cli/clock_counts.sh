#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/clock_counts.sh - a trace clock that counts rather than keeps
# time (tracefs's counter, x86-tsc, uptime; lib/meta.h VLS_META_TIMESTAMPS):
# every event is read (x86-tsc counts are 1e14 and more, more than a
# seconds field holds in ns), the run says "timestamps counts", the import
# warns, and the report gives the counts but no duration: null in JSON (the
# contract checker holds every one to it), "-" in text, no wait-for chain,
# no capability "time", a note. The same for a trace.dat whose trace_clock
# option names counter, and for the text trace-cmd report prints of it
# ("[000]4500505195658:"). A trace clock that keeps time: capability time.
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA,
# VLS_SOURCE_DIR.
source "$(dirname "$0")/cli_common.bash"
cli_setup clock
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}
CHECK=${VLS_SOURCE_DIR:?set VLS_SOURCE_DIR}/tests/cli/check_report_json.py

meta() { q "$1" "SELECT value FROM run_meta WHERE key = '$2'"; }
json() { python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
print(eval(sys.argv[2]))' "$@"; }

# A run of counts: its import's warning, meta, report text and JSON.
# untimed DB NAME EVENTS
untimed() {
	local db=$1 name=$2 events=$3
	eq "$(meta "$db" timestamps)" counts "$name: run meta timestamps"
	eq "$(meta "$db" timestamp_resolution_ns)" "" "$name: no step of time"
	eq "$(meta "$db" timestamp_pairs)" "" "$name: no step measured"
	eq "$(q "$db" "SELECT events FROM run")" "$events" "$name: every event read"
	eq "$(meta "$db" bad_records)" 0 "$name: no bad record"
	expect 0 "$VLS" report --db "$db"
	grep -q "^  capabilities .* time" "$T/out" && fail "$name: capability time"
	grep -q "^  note: .* not time: every wait, hold, I/O wait and duration is unknown" \
		"$T/out" || fail "$name: no note"
	grep -q "^wait-for chains: unknown (the timestamps are counts" "$T/out" ||
		fail "$name: the chains are not said unknown"
	# the whole run's write row: acquisitions and contended, no time
	grep -Eq '^ +[1-9][0-9]* +[0-9]+( +-){7} +write +\(whole run\)' "$T/out" ||
		fail "$name: the write row is not counts and '-': $(grep 'whole run' "$T/out")"
	expect 0 "$VLS" report --db "$db" --json --top 0
	cp "$T/out" "$T/$name.json"
	python3 "$CHECK" "$T/$name.json" || fail "$name: JSON breaks the contract"
	eq "$(json "$T/$name.json" '"time" in r["capabilities"]')" False "$name: JSON capability"
	eq "$(json "$T/$name.json" 'r["duration_ns"]')" None "$name: duration_ns"
	eq "$(json "$T/$name.json" 'r["mmap_lock"]["write"]["wait_ns"]["sum"]')" None \
		"$name: write wait sum"
	eq "$(json "$T/$name.json" 'r["mmap_lock"]["write"]["histogram"]')" None \
		"$name: write histogram"
	eq "$(json "$T/$name.json" 'r["mmap_lock"]["write"]["acquisitions"] > 0')" True \
		"$name: write acquisitions counted"
	eq "$(json "$T/$name.json" 'r["faults"]["total"] > 0')" True "$name: faults counted"
	eq "$(json "$T/$name.json" 'len(r["chains"])')" 0 "$name: no chain"
	expect 0 "$VLS" runs --db "$db" --json
	eq "$(python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["duration_ns"])' \
		<"$T/out")" None "$name: runs --json duration_ns"
}

# --- tracefs text of the counter and the x86-tsc clock (text/record-clocks.sh) ----
for clock in counter x86-tsc; do
	xz -dc "$DATA/text/ftrace-$clock.txt.xz" >"$T/$clock.txt"
	expect 0 "$VLS" import --db "$T/$clock.db" "$T/$clock.txt"
	grep_err "$T/$clock.txt: the trace clock counts, it does not keep time"
	untimed "$T/$clock.db" "$clock" "$(grep -vc '^#' "$T/$clock.txt")"
done

# a time among counts: one bad line, fatal with --strict
{ sed -n '1,40p' "$T/counter.txt"
  sed -n '41p' "$T/counter.txt" | sed -E 's/\] ([^ ]+) +([0-9]+):/] \1 4500.505196:/'
  sed -n '42,80p' "$T/counter.txt"; } >"$T/mixed.txt"
grep -q ' 4500.505196: ' "$T/mixed.txt" || fail "the mixed text has no time in it"
expect 0 "$VLS" import --db "$T/mixed.db" "$T/mixed.txt"
eq "$(meta "$T/mixed.db" bad_records)" 1 "a time among counts: a bad record"
expect 1 "$VLS" import --strict --db "$T/mixed2.db" "$T/mixed.txt"
grep_err "a time among a counting clock's timestamps"

# --- a trace.dat whose clock is counter, and trace-cmd's text of it ---------------
xz -dc "$DATA/mprotect-fault-6.18-x86_64.v6.dat.xz" >"$T/local.dat"
python3 - "$T/local.dat" "$T/counter.dat" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
old, new = b"[local] global counter", b"local global [counter]"
assert d.count(old) == 1, "the TRACECLOCK option's text"
open(sys.argv[2], "wb").write(d.replace(old, new))
PY
expect 0 "$VLS" import --db "$T/dat.db" "$T/counter.dat"
grep_err "counter.dat: the trace clock counter counts"
eq "$(meta "$T/dat.db" trace_clock)" counter "trace.dat: trace_clock"
untimed "$T/dat.db" dat 1777
if command -v trace-cmd >/dev/null; then
	trace-cmd report -i "$T/counter.dat" >"$T/tc.txt" 2>/dev/null
	grep -q '\[000\][0-9]*: mmap_lock_start_locking' "$T/tc.txt" ||
		fail "trace-cmd report prints the counter clock otherwise: $(sed -n 2p "$T/tc.txt")"
	expect 0 "$VLS" import --db "$T/tc.db" "$T/tc.txt"
	untimed "$T/tc.db" trace-cmd-text 1777
else
	echo "skip: no trace-cmd for the text of a counter-clock trace.dat"
fi

# --- the same trace.dat with its own clock, local: time ---------------------------
expect 0 "$VLS" import --db "$T/local.db" "$T/local.dat"
[ -s "$T/err" ] && fail "local clock: the import said $(head -c 200 "$T/err")"
expect 0 "$VLS" report --db "$T/local.db" --json
cp "$T/out" "$T/local.json"
eq "$(json "$T/local.json" '"time" in r["capabilities"]')" True "local: capability time"
eq "$(json "$T/local.json" 'r["duration_ns"] > 0')" True "local: duration_ns"
eq "$(json "$T/local.json" 'r["mmap_lock"]["write"]["wait_ns"]["sum"] > 0')" True \
	"local: write wait sum"
eq "$(json "$T/local.json" 'len(r["mmap_lock"]["write"]["histogram"]["buckets"]) > 0')" True \
	"local: write histogram"

cli_done clock
