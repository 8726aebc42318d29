#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/timestamp_step.sh - the trace clock's step, measured by the
# import (lib/import-step.c): a guest whose clock counts jiffies
# (text/ftrace-jiffies.txt.xz, tests/data/README.md) gets a step of about
# 4 ms in run meta, a warning from the import and a note in the report
# (text and JSON); tracefs text (microseconds) a step of 1000 ns; a
# trace.dat with nanosecond timestamps none of them.
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA.
source "$(dirname "$0")/cli_common.bash"
cli_setup tsstep
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}

meta() { q "$1" "SELECT value FROM run_meta WHERE key = '$2'"; }
notes() { python3 -c 'import json, sys
for n in json.load(open(sys.argv[1]))["runs"][0]["notes"]: print(n)' "$1"; }

# --- the jiffies guest: about 4 ms ----------------------------------------------
xz -dc "$DATA/text/ftrace-jiffies.txt.xz" >"$T/jiffies.txt"
expect 0 "$VLS" import --db "$T/j.db" --kernel 6.12.118 --arch x86_64 "$T/jiffies.txt"
grep -q "timestamps advance in steps of 4.00 ms (the trace clock's): waits and holds shorter than that read as 0" \
	"$T/err" || fail "import does not warn of the 4 ms step: $(head -c 300 "$T/err")"
grep -q "perf script" "$T/err" && fail "the warning gives perf's hint to an ftrace run"
eq "$(wc -l <"$T/err")" 1 "one warning line"
step=$(meta "$T/j.db" timestamp_resolution_ns)
[ -n "$step" ] && [ "$step" -ge 3900000 ] && [ "$step" -le 4100000 ] ||
	fail "jiffies run: timestamp_resolution_ns '$step', expected about 4000000"
eq "$(meta "$T/j.db" timestamp_clock_step_ns)" "$step" "the clock's step is the resolution"
# 4000 or 4001 us a step: a hold is whole steps, give or take 1 us each
s=${step:-1}
eq "$(q "$T/j.db" "SELECT count(*) FROM lock_acq WHERE hold_ns % $s > hold_ns / $s * 1000")" \
	0 "holds are whole steps"
expect 0 "$VLS" report --db "$T/j.db"
grep -q "note: timestamps in steps of 4.00 ms (the trace clock's, measured: .* events carry the timestamp of the event before them on their CPU): a wait or hold shorter than that reads as 0" \
	"$T/out" || fail "report lacks the step's note"
expect 0 "$VLS" report --db "$T/j.db" --json
cp "$T/out" "$T/j.json"
notes "$T/j.json" | grep -q "^timestamps in steps of 4.00 ms" || fail "JSON notes lack the step"

# --- tracefs text: microseconds ---------------------------------------------------
xz -dc "$DATA/text/ftrace.txt.xz" >"$T/ftrace.txt"
expect 0 "$VLS" import --db "$T/f.db" "$T/ftrace.txt"
eq "$(meta "$T/f.db" timestamp_resolution_ns)" 1000 "tracefs text"
eq "$(meta "$T/f.db" timestamp_clock_step_ns)" "" "tracefs text: a step of the text, not the clock"
eq "$(cat "$T/err")" "vmlockstat import: $T/ftrace.txt: timestamps in microseconds: waits shorter than 1 us read as 0" \
	"tracefs text: the warning"
expect 0 "$VLS" report --db "$T/f.db"
grep -q "note: timestamps in steps of 1000 ns (the decimals the trace printed)" "$T/out" ||
	fail "tracefs text: no note"

# --- a trace.dat with ns timestamps: no step, no warning, no note --------------------
expect 0 "$VLS" import --db "$T/d.db" "$DATA/mprotect-fault-6.18-x86_64.dat"
[ -s "$T/err" ] && fail "import of the trace.dat said: $(head -c 300 "$T/err")"
eq "$(meta "$T/d.db" timestamp_resolution_ns)" "" "trace.dat resolution"
eq "$(meta "$T/d.db" timestamp_clock_step_ns)" "" "trace.dat clock step"
[ "$(meta "$T/d.db" timestamp_pairs)" -gt 1000 ] || fail "trace.dat: the step was not measured"
expect 0 "$VLS" report --db "$T/d.db"
grep -q "steps of" "$T/out" && fail "trace.dat report has the step's note"
expect 0 "$VLS" report --db "$T/d.db" --json
cp "$T/out" "$T/d.json"
notes "$T/d.json" | grep -q "steps of" && fail "trace.dat JSON has the step's note"

cli_done timestamp_step
