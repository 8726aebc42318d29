#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/perf_script.sh - importing perf's recordings: the perf script
# fixture of tests/data/text/ (tests/data/README.md) against counts taken
# from its text with grep and awk (acquisitions per mode, trylock fails,
# contended waits as lock:contention_begin says, user faults, events with
# kernel frames in their callchain); the microseconds variant's warning
# and note; a perf.data file refused with the command that converts it.
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA.
source "$(dirname "$0")/cli_common.bash"
cli_setup perf
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}

xz -dc "$DATA/text/perf-script.txt.xz" >"$T/p.txt"
xz -dc "$DATA/text/perf-script-usec.txt.xz" >"$T/p-usec.txt"
P=$T/p.txt

# --- counts from the text --------------------------------------------------
n() { grep -c -- "$1" "$P"; }
acq_w=$(n 'mmap_lock_acquire_returned: .* write=true success=true')
acq_r=$(n 'mmap_lock_acquire_returned: .* write=false success=true')
fails_n=$(n 'mmap_lock_acquire_returned: .* success=false')
cont_r=$(n 'lock:contention_begin: .*(flags=READ)')
cont_w=$(n 'lock:contention_begin: .*(flags=WRITE)')
pf=$(n ' exceptions:page_fault_user: ')
# event lines, and those whose callchain has a kernel frame
read -r events stacked < <(awk '
	/^#/ || /^[ \t]*$/ { next }
	/^\t/ { if (ev && !k && / \(\[kernel\.kallsyms\]\)$/) { st++; k = 1 } next }
	{ n++; ev = 1; k = 0 }
	END { print n, st }' "$P")
[ "$acq_w" -gt 0 ] && [ "$acq_r" -gt 0 ] && [ "$cont_w" -gt 0 ] && [ "$cont_r" -gt 0 ] &&
	[ "$stacked" -gt 0 ] || fail "the fixture lacks what this test counts"

# --- the import --------------------------------------------------------------
expect 0 "$VLS" import --db "$T/a.db" --keep-events "$P"
[ -s "$T/err" ] && fail "import of the ns fixture said: $(head -c 300 "$T/err")"
eq "$(q "$T/a.db" "SELECT format, kernel, arch, ncpus, events, lost_events IS NULL FROM run")" \
	"perf-script|6.18.44-fc-v1272|x86_64|2|$events|1" "run row"
eq "$(q "$T/a.db" "SELECT value FROM run_meta WHERE key = 'timestamp_resolution_ns'")" \
	1 "resolution"
# every successful read acquire_returned is an acquisition or a downgrade
# (mmap_write_downgrade(): no start_locking; its write hold ends with no
# write release), every write one an acquisition
rel_w=$(n 'mmap_lock_released: .* write=true')
eq "$(q "$T/a.db" "SELECT mode, acquisitions + downgrades, downgrades, trylock_fails,
	contended FROM lock_stats WHERE scope = 'run' ORDER BY mode")" \
	"$(printf 'read|%s|%s|%s|%s\nwrite|%s|0|0|%s' "$acq_r" $((acq_w - rel_w)) "$fails_n" \
	"$cont_r" "$acq_w" "$cont_w")" "lock_stats (run) against the text"
eq "$(q "$T/a.db" "SELECT count(*), sum(stack_id IS NOT NULL) FROM event")" "$events|$stacked" \
	"events and events with a stack"
eq "$(q "$T/a.db" "SELECT count(*) FROM event WHERE pid IS NULL OR pid < 0")" 0 "events without pid"
"$VLS" report --db "$T/a.db" --json >"$T/r.json" || fail "report --json"
eq "$(python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["runs"][0]["faults"]
print(f["user_faults"], f["total_source"])' "$T/r.json")" "$pf page_fault_user" "user faults"
"$VLS" report --db "$T/a.db" >"$T/r.txt" || fail "report"
grep -q "(perf-script)" "$T/r.txt" || fail "report does not name the format"
grep -q "steps of" "$T/r.txt" && fail "ns run has the resolution note"
grep -q "stacks" "$T/r.txt" || fail "no stacks capability"

# --- microseconds: a warning, the meta, the report's note ----------------------
expect 0 "$VLS" import --db "$T/u.db" "$T/p-usec.txt"
grep_err "timestamps in microseconds: waits shorter than 1 us read as 0"
grep_err "perf script --ns"
eq "$(wc -l <"$T/err")" 1 "one warning line"
eq "$(q "$T/u.db" "SELECT r.format, r.events, r.kernel IS NULL, r.lost_events IS NULL, m.value
	FROM run r JOIN run_meta m ON m.run_id = r.id AND m.key = 'timestamp_resolution_ns'")" \
	"perf-script|$events|1|1|1000" "usec run"
eq "$(q "$T/u.db" "SELECT count(*) FROM lock_acq WHERE wait_ns % 1000 OR hold_ns % 1000")" 0 \
	"usec durations are whole microseconds"
"$VLS" report --db "$T/u.db" >"$T/u.txt" || fail "report usec"
grep -q "note: timestamps in steps of 1000 ns (perf script without --ns)" "$T/u.txt" ||
	fail "usec report lacks the resolution note"

# --- perf.data: refused, nothing stored ------------------------------------------
{ printf 'PERFILE2'; head -c 200 /dev/zero; } >"$T/p.data"
expect 1 "$VLS" import --db "$T/a.db" "$T/p.data"
grep_err "a perf.data file: convert it first with 'perf script --ns --header -F +pid"
eq "$(wc -l <"$T/err")" 1 "one error line"
eq "$(q "$T/a.db" "SELECT count(*) FROM run")" 1 "runs after the refused perf.data"
expect 0 "$VLS" import --db "$T/f.db" --format perf-script "$P"

cli_done perf_script
