#!/usr/bin/env bash
# Issue 17, item 8: a scenario that cannot run here is skipped and stores
# nothing. `record --db DB --scenario swap` (no --setup-swap) on a machine
# without swap: the workload exits 77 with its reason, and record
#  - exits 77, says the scenario was skipped, and the workload's reason
#    is on stderr;
#  - writes no trace.dat, no sidecar, no ground truth;
#  - stores no run: a DB it would have created does not exist, an existing
#    DB keeps exactly its runs;
#  - leaves no tracefs instance of its own behind.
# If a swap is active (or appears meanwhile: another job's zram), the
# scenario runs instead of skipping: this test then skips.
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight

swap_on() { [ "$(wc -l </proc/swaps)" -gt 1 ]; }
swap_on && skip "a swap is active here: scenario swap would run, not skip"

# skipped_record TAG DB: record the swap scenario into DB, expect a skip.
skipped_record() {
	local tag=$1 db=$2 rc=0 pid
	timeout -s INT 150 "$VLS" record -o "$WORK/$tag.dat" --db "$db" \
		--scenario swap --threads 1 --size 4 >"$WORK/$tag.out" 2>"$WORK/$tag.err" &
	pid=$!
	wait "$pid" || rc=$?
	if [ "$rc" -ne 77 ] && swap_on; then
		skip "a swap appeared while recording (another job?): scenario ran, exit $rc"
	fi
	[ "$rc" -eq 77 ] || fail "$tag: exit $rc, expected 77: $(tail -5 "$WORK/$tag.err")"
	for f in "$WORK/$tag.dat" "$WORK/$tag.dat.meta" "$WORK/$tag.dat.truth.json"; do
		[ -e "$f" ] && fail "$tag: $f written"
	done
	[ -z "$(our_instances "$pid")" ] || fail "$tag: instance left: $(our_instances "$pid")"
	true
}

# skipped_said TAG: the workload's reason, then record's own line.
skipped_said() {
	local err=$WORK/$1.err
	grep -q 'workload swap: skipped: no swap active' "$err" ||
		fail "$1: the workload's reason is not on stderr: $(cat "$err")"
	grep -q 'record: scenario swap skipped' "$err" ||
		fail "$1: record does not say it skipped: $(cat "$err")"
	grep -q 'imported into\|wrote ' "$err" &&
		fail "$1: record claims to have stored something: $(cat "$err")"
	true
}

# A DB that does not exist yet: it must not be created.
skipped_record new "$WORK/new.db"
[ -e "$WORK/new.db" ] && fail "new.db created by a skipped scenario"
skipped_said new
ok "skipped into a new DB: exit 77, no DB, no trace.dat"

# A DB with a run: it keeps exactly that run.
"$VLS" import --db "$WORK/old.db" "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat" \
	>/dev/null 2>"$WORK/import.err" || fail "import: $(cat "$WORK/import.err")"
runs() { sqlite3 -batch "$WORK/old.db" "SELECT group_concat(id || ':' || label) FROM run"; }
want=$(runs)
skipped_record old "$WORK/old.db"
[ "$(runs)" = "$want" ] || fail "old.db runs '$(runs)', expected '$want'"
skipped_said old
ok "skipped into an existing DB: its runs unchanged ($want)"
