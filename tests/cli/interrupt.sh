#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/interrupt.sh - imports killed with SIGKILL at 20 random points,
# and concurrent imports into one DB. (import.sh kills one import once with
# KILL and INT; test_store.c kills library imports at 3 fixed points.)
#  - after every kill -9: exit status 137, PRAGMA integrity_check ok, still
#    one run, run 1's rows unchanged (sha3 over its rows in every table);
#  - afterwards a normal import succeeds and only adds its own run;
#  - two imports started together: each exits 0 (one waited for the other's
#    transaction) or 1 with a message saying the DB is locked; the DB gains
#    exactly the runs that succeeded;
#  - an import while another connection holds the write lock longer than
#    the busy timeout fails with exit 1 and a one-line "locked" message.
# Environment (set by CTest): VLS, VLS_TEST_DATA.
set -u
VLS=${VLS:?set VLS to the vmlockstat binary}
DATA=${VLS_TEST_DATA:?}
KILLS=${KILLS:-20}
T=$(mktemp -d /tmp/vls_cli_intr.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# A large text trace: the tracefs fixture's events 40 times over, each copy
# shifted by 100 s (160k events with stacks; all analyzers have work).
xz -dc "$DATA/text/ftrace.txt.xz" | awk '
	/^#/ { if (!body) print; next }
	{ body = 1; lines[n++] = $0 }
	END {
		for (k = 0; k < 40; k++)
			for (i = 0; i < n; i++) {
				l = lines[i]
				if (match(l, / [0-9]+\.[0-9]+: /)) {
					ts = substr(l, RSTART + 1, RLENGTH - 3)
					split(ts, p, ".")
					l = substr(l, 1, RSTART) (p[1] + 100 * k) "." p[2] substr(l, RSTART + RLENGTH - 2)
				}
				print l
			}
	}' >"$T/big.txt"

db=$T/a.db
"$VLS" import --db "$db" "$DATA/mprotect-fault-6.18-x86_64.dat" >/dev/null 2>"$T/err" ||
	{ echo "FAIL: first import: $(cat "$T/err")" >&2; exit 1; }

# state DB: integrity|runs|sha3 of run 1's rows in every table with a run_id
tables=$(sqlite3 -batch "$db" "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
	WHERE m.type = 'table' AND c.name = 'run_id' ORDER BY m.name")
sum_sql="SELECT * FROM run WHERE id = 1;"
for t in $tables; do sum_sql="$sum_sql SELECT * FROM $t WHERE run_id = 1;"; done
state() {
	sqlite3 -batch "$1" "PRAGMA integrity_check; SELECT count(*) FROM run;
		SELECT hex(sha3_query('$sum_sql'))" 2>&1 | tr '\n' '|'
}
base=$(state "$db")
case $base in "ok|1|"*) ;; *) echo "FAIL: first import: $base" >&2; exit 1;; esac

# How long a whole import takes, to spread the kills over it.
t0=$(date +%s%N)
"$VLS" import --db "$T/timing.db" --keep-events "$T/big.txt" >/dev/null 2>&1 ||
	fail "timing import failed"
dur_ms=$((($(date +%s%N) - t0) / 1000000))
echo "a whole import takes $dur_ms ms; killing $KILLS times at random points"
dur_ms=$((dur_ms * 9 / 10))
[ "$dur_ms" -gt 3000 ] && dur_ms=3000
[ "$dur_ms" -lt 100 ] && dur_ms=100

# One round of kills spread over dur_ms; sets late to the imports that
# finished (or committed) before their kill.
kill_round() {
	late=0
	for i in $(seq "$KILLS"); do
		at_ms=$((20 + RANDOM % (dur_ms - 20)))
		"$VLS" import --db "$db" --keep-events "$T/big.txt" >"$T/out" 2>"$T/err" &
		pid=$!
		sleep "$(printf '%d.%03d' $((at_ms / 1000)) $((at_ms % 1000)))"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		st=$?
		n=$(sqlite3 "$db" "SELECT count(*) FROM run")
		if [ "$n" = 2 ]; then
			# killed after its COMMIT (or finished first): the run is whole
			late=$((late + 1))
			[ "$(sqlite3 "$db" "SELECT events FROM run WHERE id <> 1")" = 160640 ] ||
				fail "kill $i at $at_ms ms (exit $st): a partial run was committed"
			sqlite3 "$db" "PRAGMA foreign_keys = ON; DELETE FROM run WHERE id <> 1" ||
				fail "kill $i: cleanup"
		else
			[ $st = 137 ] || fail "kill $i at $at_ms ms: exit $st: $(head -c 300 "$T/err")"
		fi
		now=$(state "$db")
		[ "$now" = "$base" ] || fail "kill $i at $at_ms ms: DB state '$now', expected '$base'"
	done
	echo "$late of $KILLS imports were complete before the kill landed"
}

# Most kills must land mid-import for the test to mean anything. When the
# machine ran the timing import slower than the others (a busy neighbour),
# most finish first: spread the next round over half the time, three
# rounds at most. Timing cannot make the test fail, only a kill can.
for round in 1 2 3; do
	kill_round
	[ $late -lt $((KILLS / 2)) ] && break
	dur_ms=$((dur_ms / 2))
	[ "$dur_ms" -lt 100 ] && dur_ms=100
done
[ $late -lt $((KILLS / 2)) ] ||
	echo "note: $late of $KILLS imports still finished before their kill after 3 rounds (a busy machine's timing); the DB held at every kill"

"$VLS" import --db "$db" --label after "$T/big.txt" >"$T/out" 2>"$T/err" ||
	fail "import after the kills: $(cat "$T/err")"
eq_runs=$(sqlite3 "$db" "SELECT count(*), max(events) FROM run WHERE label = 'after'")
[ "$eq_runs" = "1|160640" ] || fail "import after the kills: '$eq_runs', expected '1|160640'"

# --- two imports at once ---
before=$(sqlite3 "$db" "SELECT count(*) FROM run")
"$VLS" import --db "$db" --label c1 "$T/big.txt" >"$T/o1" 2>"$T/e1" &
p1=$!
"$VLS" import --db "$db" --label c2 "$T/big.txt" >"$T/o2" 2>"$T/e2" &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
ok=0
for k in 1 2; do
	s=$([ $k = 1 ] && echo $s1 || echo $s2)
	if [ "$s" = 0 ]; then
		ok=$((ok + 1))
	elif [ "$s" = 1 ]; then
		grep -q "locked" "$T/e$k" && [ "$(wc -l <"$T/e$k")" = 1 ] ||
			fail "concurrent import $k: $(cat "$T/e$k")"
	else
		fail "concurrent import $k: exit $s"
	fi
done
[ $ok -ge 1 ] || fail "neither concurrent import succeeded"
after=$(sqlite3 "$db" "SELECT count(*) FROM run")
[ "$after" = $((before + ok)) ] || fail "after concurrent imports: $after runs, expected $((before + ok))"
[ "$(sqlite3 "$db" "SELECT count(DISTINCT label) FROM run WHERE label IN ('c1', 'c2') AND events = 160640")" = $ok ] ||
	fail "concurrent runs incomplete"
echo "two concurrent imports: $ok succeeded (exit $s1, $s2)"

# --- a writer holding the lock past the busy timeout ---
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE"); print("locked", flush=True); time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")' "$db" 120 >"$T/holder" &
holder=$!
for _ in $(seq 100); do grep -q locked "$T/holder" && break; sleep 0.1; done
before=$(sqlite3 "$db" "SELECT count(*) FROM run")
"$VLS" import --db "$db" "$DATA/mprotect-fault-6.18-x86_64.dat" >"$T/out" 2>"$T/err"
st=$?
[ $st = 1 ] || fail "import under a held lock: exit $st"
grep -q "locked" "$T/err" && [ "$(wc -l <"$T/err")" = 1 ] ||
	fail "import under a held lock: $(cat "$T/err")"
# the holder outlasts any busy timeout on a slow machine; its transaction
# dies with it (SQLite rolls it back)
kill $holder
wait $holder 2>/dev/null
[ "$(sqlite3 "$db" "SELECT count(*) FROM run")" = "$before" ] || fail "run added under a held lock"
[ "$(state "$db" | cut -d'|' -f1)" = ok ] || fail "integrity after all"

if [ $fails -ne 0 ]; then
	echo "$fails failures" >&2
	exit 1
fi
echo "all passed"
