#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/import.sh - vmlockstat import and runs: exit codes (0 good, 1 bad
# file, 2 bad usage), --help, what a small hand-made tracefs text trace
# stores, options overriding the trace, a failed import leaving the DB as
# it was (run count, integrity_check), kill -9 and Ctrl-C mid-import.
# Environment (set by CTest): VLS = the vmlockstat binary.
source "$(dirname "$0")/cli_common.bash"
cli_setup import

# A tracefs "trace" file: 6 events of 3 tasks, one stack (format of
# /sys/kernel/tracing/trace with the mmap_lock, exceptions and sched events).
cat >"$T/small.txt" <<'EOF'
# tracer: nop
#
# entries-in-buffer/entries-written: 7/7   #P:4
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
        workload-143     [001] d....    11.477510: page_fault_user: address=0x7ffe146950e8 ip=0x460c48 error_code=0x6
        workload-143     [001] .....    11.477523: mmap_lock_start_locking: mm=000000002c6cf6d4 memcg_path=/ write=false
        workload-143     [001] .....    11.477530: <stack trace>
 => trace_event_raw_event_mmap_lock
 => __mmap_lock_do_trace_start_locking
 => lock_mm_and_find_vma
 => do_user_addr_fault
 => exc_page_fault
 => asm_exc_page_fault
        workload-143     [001] .....    11.477600: mmap_lock_acquire_returned: mm=000000002c6cf6d4 memcg_path=/ write=false success=true
        workload-143     [001] .....    11.477700: mmap_lock_released: mm=000000002c6cf6d4 memcg_path=/ write=false
          <idle>-0       [002] d..2.    11.477781: sched_switch: prev_comm=swapper/2 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=rcu_preempt next_pid=15 next_prio=120
     rcu_preempt-15      [002] d..2.    11.478078: sched_switch: prev_comm=rcu_preempt prev_pid=15 prev_prio=120 prev_state=I ==> next_comm=swapper/2 next_pid=0 next_prio=120
EOF
printf 'garbage\x01\x02 that is no trace at all\n' >"$T/garbage.txt"
: >"$T/empty.txt"
echo "not a database" >"$T/notdb.db"

# --- help and usage: 0 and 2 ---
for c in import runs; do
	expect 0 "$VLS" $c --help
	grep -q "usage: vmlockstat $c" "$T/out" || fail "$c --help: no usage line"
	expect 2 "$VLS" $c --no-such-option
	grep_err "unknown option"
done
expect 2 "$VLS" import --db "$T/a.db"                 # no TRACE
grep_err "no TRACE"
expect 2 "$VLS" import --db "$T/a.db" --format nope "$T/small.txt"
grep_err "unknown format"
expect 2 "$VLS" runs --db "$T/a.db" extra
[ ! -e "$T/a.db" ] || fail "usage errors created the DB"

# --- runs on a missing DB: an error, no new file ---
expect 1 "$VLS" runs --db "$T/missing.db"
grep_err "missing.db"
[ ! -e "$T/missing.db" ] || fail "runs created a DB"

# --- a good import ---
expect 0 "$VLS" import --db "$T/a.db" "$T/small.txt"
grep -q "^run 1: small.txt: 6 events in " "$T/out" || fail "import output: $(cat "$T/out")"
eq "$(q "$T/a.db" 'SELECT count(*), sum(events) FROM run')" "1|6" "runs after import"
eq "$(q "$T/a.db" 'SELECT label, format, source FROM run')" "small.txt|ftrace|$T/small.txt" "run row"
eq "$(q "$T/a.db" 'SELECT first_ts, last_ts FROM run')" "11477510000|11478078000" "run timestamps"
eq "$(q "$T/a.db" 'SELECT group_concat(tid || ":" || comm || ":" || events, " ") FROM (SELECT * FROM task ORDER BY tid)')" \
	"0:swapper/2:1 15:rcu_preempt:1 143:workload:4" "task rows"
eq "$(q "$T/a.db" "SELECT value FROM run_meta WHERE key = 'bad_records'")" "0" "bad_records"
eq "$(q "$T/a.db" 'PRAGMA integrity_check')" "ok" "integrity"

# --- the format a run is labelled with (issue 16) ---
# `cat /sys/kernel/tracing/trace` with record-tgid: a TGID column, still
# tracefs text ("ftrace"); atrace's output is that after its "TRACE:" line.
cat >"$T/tgid.txt" <<'EOF'
# tracer: nop
#
#           TASK-PID     TGID    CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |       |   |||||     |         |
        workload-143     (    143) [001] .....    11.477523: mmap_lock_start_locking: mm=000000002c6cf6d4 memcg_path=/ write=false
        workload-143     (    143) [001] .....    11.477600: mmap_lock_acquire_returned: mm=000000002c6cf6d4 memcg_path=/ write=false success=true
EOF
{ echo "TRACE:"; cat "$T/tgid.txt"; } >"$T/atrace.txt"
expect 0 "$VLS" import --db "$T/fmt.db" "$T/tgid.txt" "$T/atrace.txt"
eq "$(q "$T/fmt.db" 'SELECT group_concat(label || ":" || format, " ") FROM run')" \
	"tgid.txt:ftrace atrace.txt:atrace" "formats of a record-tgid tracefs file and of atrace"
expect 0 "$VLS" runs --db "$T/fmt.db"
grep -q " tgid.txt .* ftrace " "$T/out" || fail "runs: tgid.txt not ftrace: $(cat "$T/out")"

# --- options override, raw events kept ---
expect 0 "$VLS" import --db "$T/a.db" --label patched --kernel 6.12.0-retryvma \
	--arch x86_64 --format ftrace --keep-events "$T/small.txt"
grep -q "^run 2: patched: 6 events" "$T/out" || fail "import output: $(cat "$T/out")"
eq "$(q "$T/a.db" 'SELECT label, kernel, arch FROM run WHERE id = 2')" \
	"patched|6.12.0-retryvma|x86_64" "overrides"
eq "$(q "$T/a.db" 'SELECT count(*), count(stack_id) FROM event WHERE run_id = 2')" "6|1" "raw events"
eq "$(q "$T/a.db" "SELECT count(*) FROM stack WHERE run_id = 2 AND frames LIKE '%lock_mm_and_find_vma%'")" \
	"1" "stack stored"
eq "$(q "$T/a.db" 'SELECT count(*) FROM event WHERE run_id = 1')" "0" "no raw events by default"

# --- runs: table and JSON ---
expect 0 "$VLS" runs --db "$T/a.db"
eq "$(wc -l <"$T/out")" "3" "runs table lines"
head -1 "$T/out" | grep -q "^ID  LABEL" || fail "runs header: $(head -1 "$T/out")"
head -1 "$T/out" | grep -Eq "^ID  LABEL +IMPORTED \(UTC\) +DURATION  USER FB RATE  KERNEL" ||
	fail "runs header: $(head -1 "$T/out")"
# the date of the import (UTC), first to last event (0.6 ms), the
# user-fault fallback rate (its one fault fell back)
when=$(date -u -d "@$(q "$T/a.db" 'SELECT imported_at FROM run WHERE id = 2')" '+%Y-%m-%d %H:%M')
grep -q "^ 2  patched    $when    0.6 ms        100.0%  6.12.0-retryvma  x86_64  ftrace       6     0  $T/small.txt$" "$T/out" ||
	fail "runs row: $(sed -n 3p "$T/out")"
expect 0 "$VLS" runs --db "$T/a.db" --json
eq "$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(len(r), r[1]["label"], r[1]["events"], r[1]["arch"], r[0]["kernel"], r[1]["duration_ns"], r[1]["user_fallback_rate"])' "$T/out")" \
	"2 patched 6 x86_64 None $(q "$T/a.db" 'SELECT last_ts - first_ts FROM run WHERE id = 2') 1.0" "runs --json"
# the default DB ($VMLOCKSTAT_DB here): missing, then created by import
expect 1 "$VLS" runs
expect 0 "$VLS" import "$T/small.txt"
expect 0 "$VLS" runs
eq "$(wc -l <"$T/out")" "2" "runs on the default DB"

# --- bad inputs: 1, a message naming the file, the DB unchanged ---
for bad in garbage.txt empty.txt missing.txt; do
	expect 1 "$VLS" import --db "$T/a.db" "$T/$bad"
	grep_err "$bad"
	eq "$(q "$T/a.db" 'SELECT count(*) FROM run')" "2" "runs after $bad"
	eq "$(q "$T/a.db" 'PRAGMA integrity_check')" "ok" "integrity after $bad"
done
expect 1 "$VLS" import --db "$T/notdb.db" "$T/small.txt"
grep_err "not an SQLite database"
eq "$(cat "$T/notdb.db")" "not a database" "not-a-DB file untouched"

# several traces, the second bad: the first stays, the third is not tried
expect 1 "$VLS" import --db "$T/a.db" "$T/small.txt" "$T/garbage.txt" "$T/small.txt"
eq "$(q "$T/a.db" 'SELECT count(*) FROM run')" "3" "runs after a partly failed import"

# a DB of a newer schema: refused, untouched
cp "$T/a.db" "$T/newer.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 99"); c.commit()' "$T/newer.db"
expect 1 "$VLS" import --db "$T/newer.db" "$T/small.txt"
grep_err "newer"
expect 1 "$VLS" runs --db "$T/newer.db"
eq "$(q "$T/newer.db" 'SELECT count(*) FROM run')" "3" "newer DB untouched"

# a DB of an older schema (3: with fault_episode_tid, which 4 dropped):
# a failed import leaves it at 3, as the vmlockstat that wrote it reads
# it; the first import that stores a run migrates it in its transaction
cp "$T/a.db" "$T/older.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1])
c.execute("CREATE INDEX fault_episode_tid ON fault_episode(run_id, tid)")
c.execute("ALTER TABLE lock_stats DROP COLUMN mm_gen")
c.execute("PRAGMA user_version = 3"); c.commit()' "$T/older.db"
older_idx="SELECT count(*) FROM sqlite_schema WHERE name = 'fault_episode_tid'"
expect 1 "$VLS" import --db "$T/older.db" "$T/garbage.txt"
eq "$(q "$T/older.db" 'PRAGMA user_version')" "3" "older DB after a failed import"
eq "$(q "$T/older.db" "$older_idx")" "1" "older DB's index after a failed import"
eq "$(q "$T/older.db" 'SELECT count(*) FROM run')" "3" "older DB's runs after a failed import"
expect 0 "$VLS" import --db "$T/older.db" "$T/small.txt"
eq "$(q "$T/older.db" 'PRAGMA user_version')" "5" "older DB migrated by an import"
eq "$(q "$T/older.db" "$older_idx")" "0" "older DB's index dropped by the migration"
eq "$(q "$T/older.db" 'SELECT count(*) FROM run')" "4" "older DB's runs after the import"

# a new DB whose only import failed is not left behind
expect 1 "$VLS" import --db "$T/new.db" "$T/garbage.txt"
[ ! -e "$T/new.db" ] && [ ! -e "$T/new.db-wal" ] || fail "a failed import left new.db"
expect 1 "$VLS" import --db "$T/new2.db" "$T/small.txt" "$T/garbage.txt"
eq "$(q "$T/new2.db" 'SELECT count(*) FROM run')" "1" "a new DB with one good import stays"

# --- time going back, lost releases: imported, counted, never negative ---
mm='mm=000000002c6cf6d4 memcg_path=/'
line() { printf '           prog-100   [000] .....     %s: %s\n' "$1" "$2"; }
{
	echo '#'
	line 1.000003 "mmap_lock_start_locking: $mm write=false"
	line 1.000002 "mmap_lock_acquire_returned: $mm write=false success=true"
	line 1.000001 "mmap_lock_released: $mm write=false"
} >"$T/back.txt"
expect 0 "$VLS" import --db "$T/back.db" "$T/back.txt"
grep_err "2 events are stamped before their task's previous event (up to 2000 ns back)"
eq "$(q "$T/back.db" "SELECT count(*) FROM lock_stats WHERE wait_sum < 0 OR hold_sum < 0
	OR wait_max < 0 OR hold_max < 0 OR wait_p99 < 0 OR hold_p99 < 0")" "0" \
	"negative durations stored"
eq "$(q "$T/back.db" "SELECT wait_sum, hold_sum FROM lock_stats WHERE scope = 'run' AND mode = 'read'")" \
	"0|0" "durations across backward steps"
eq "$(q "$T/back.db" "SELECT value FROM run_meta WHERE key = 'time_backwards'")" "2" \
	"time_backwards in run_meta"
expect 0 "$VLS" report --db "$T/back.db"
grep -q "stamped before" "$T/out" || fail "report: no note on the backward steps"
if grep -q -- '-[0-9]* ns' "$T/out"; then fail "report prints a negative duration"; fi

# nine read acquisitions and no release (the releases were lost): the
# oldest hold is closed unseen, the import goes on
{
	echo '#'
	for i in 1 2 3 4 5 6 7 8 9; do
		line "1.0000$((i * 2 + 10))" "mmap_lock_start_locking: $mm write=false"
		line "1.0000$((i * 2 + 11))" "mmap_lock_acquire_returned: $mm write=false success=true"
	done
} >"$T/nine.txt"
expect 0 "$VLS" import --db "$T/nine.db" "$T/nine.txt"
eq "$(q "$T/nine.db" "SELECT acquisitions, open_holds, hold_count FROM lock_stats
	WHERE scope = 'run' AND mode = 'read'")" "9|9|0" "holds whose release was lost"

# --- contended: the kernel's lock:contention_begin when the trace has it ---
# 101 waits behind the writer and enters the rwsem slow path; 103 waits
# behind it too but gets the lock without (optimistic spinning): the
# kernel counts one contention, the holder-based inference two.
L() { printf '           %s   [000] .....     1.0000%02d: %s\n' "$1" "$2" "$3"; }
{
	echo '#'
	L writer-100 1 "mmap_lock_start_locking: $mm write=true"
	L writer-100 2 "mmap_lock_acquire_returned: $mm write=true success=true"
	L r-101 3 "mmap_lock_start_locking: $mm write=false"
	L r-101 4 "contention_begin: 0xffff888100000000 (flags=READ)"
	L r-103 5 "mmap_lock_start_locking: $mm write=false"
	L writer-100 6 "mmap_lock_released: $mm write=true"
	L r-101 7 "contention_end: 0xffff888100000000 (ret=0)"
	L r-101 8 "mmap_lock_acquire_returned: $mm write=false success=true"
	L r-103 9 "mmap_lock_acquire_returned: $mm write=false success=true"
	L r-101 10 "mmap_lock_released: $mm write=false"
	L r-103 11 "mmap_lock_released: $mm write=false"
} >"$T/cont.txt"
grep -v 'contention_' "$T/cont.txt" >"$T/nocont.txt"
expect 0 "$VLS" import --db "$T/cont.db" "$T/cont.txt"
expect 0 "$VLS" import --db "$T/cont.db" "$T/nocont.txt"
eq "$(q "$T/cont.db" "SELECT contended FROM lock_stats WHERE run_id = 1 AND scope = 'run' AND mode = 'read'")" \
	"1" "contended read waits with lock:contention_begin"
eq "$(q "$T/cont.db" "SELECT contended FROM lock_stats WHERE run_id = 2 AND scope = 'run' AND mode = 'read'")" \
	"2" "contended read waits inferred without it"
expect 0 "$VLS" report --db "$T/cont.db" --run 1
grep -q "rwsem slow path (lock:contention_begin)" "$T/out" || fail "report: no note on contended"

# --- interrupted imports: kill -9 and Ctrl-C leave no run ---
awk 'BEGIN {
	for (i = 0; i < 12; i++) print "#";
	for (i = 0; i < 400000; i++)
		printf "        workload-%d     [00%d] .....    %d.%06d: mmap_lock_start_locking: mm=000000002c6cf6d4 memcg_path=/ write=false\n", 100 + i % 50, i % 4, 20 + int(i / 1000000), i % 1000000
}' >"$T/big.txt"
for sig in KILL INT; do
	before=$(q "$T/a.db" 'SELECT count(*) FROM run')
	"$VLS" import --db "$T/a.db" --keep-events "$T/big.txt" >"$T/out" 2>"$T/err" &
	pid=$!
	sleep 0.5
	kill -s $sig $pid
	wait $pid
	st=$?
	n=$(q "$T/a.db" 'SELECT count(*) FROM run')
	if [ "$n" = "$before" ]; then
		[ $sig = KILL ] && eq "$st" "137" "exit status after kill -9"
		[ $sig = INT ] && { eq "$st" "130" "exit status after SIGINT"; grep_err "interrupted"; }
	else
		# finished before the signal: then the run is complete
		eq "$n" "$((before + 1))" "runs after a late SIG$sig"
		eq "$(q "$T/a.db" 'SELECT events FROM run ORDER BY id DESC LIMIT 1')" "400000" \
			"run complete (SIG$sig too late)"
		echo "note: import finished before SIG$sig" >&2
	fi
	eq "$(q "$T/a.db" 'PRAGMA integrity_check')" "ok" "integrity after SIG$sig"
done

cli_done import
