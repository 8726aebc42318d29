# scenario_common.bash - sourced by tests/live/scenario_*.sh (not a test).
# Each test records one built-in scenario with
#   vmlockstat record --db DB --scenario NAME OPTS
# and checks the analysis in DB against the scenario's ground truth, which
# the recording stored with the run (run_meta "workload.truth").
source "$(dirname "$0")/record_common.bash"

REC_OPTS=(-b 8192)   # record's own options (before --scenario)

# scenario_record NAME OPTS...: records into $WORK/NAME.{dat,db}; a
# scenario that exits 77 (the machine lacks something) skips the test.
scenario_record() {
	local name=$1 rc=0
	shift
	rm -f "$WORK/$name.db"   # one run per DB: the checks read the only run
	timeout -s INT 150 "$VLS" record -o "$WORK/$name.dat" --db "$WORK/$name.db" \
		"${REC_OPTS[@]}" --scenario "$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" -eq 77 ] && skip "scenario $name: $(grep -v '^vmlockstat record' "$WORK/$name.err" | tail -2)"
	[ "$rc" -eq 0 ] || fail "record --scenario $name exit $rc: $(tail -5 "$WORK/$name.err")"
	grep -q "LOST" "$WORK/$name.err" && fail "$name: events lost: $(grep LOST "$WORK/$name.err")"
	DB=$WORK/$name.db
	true
}

# scenario_check DB: python3 reads the program on stdin with
#   con (sqlite3 on DB), truth (the stored ground truth), threads(role),
#   ft(tid) (fault_task row as a dict), expect(cond, msg), and
#   need(cond, msg): what the workload must have produced for the checks
#   to mean anything (a writer wait behind a fault fallback, say), judged
#   from the trace independently of the analysis under test. A need not met
#   exits 3 (the caller may record again); on the last try
#   (SCENARIO_LAST_TRY=1) it exits 4: this machine's timing did not produce
#   the situation in 3 recordings (fast I/O, a quiet machine), which says
#   nothing about the analysis, so the caller skips with that message.
scenario_check() {
	truth_checks_or_skip
	python3 - "$1" 3<&0 <<'PY'
import json, os, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
row = con.execute("SELECT value FROM run_meta WHERE key = 'workload.truth'").fetchone()
if row is None:
    print("FAIL: no workload.truth stored with the run"); sys.exit(1)
truth = json.loads(row[0])
bad = []
def threads(role):
    return [t for t in truth["threads"] if t["role"] == role]
FT = ["faults", "fallback", "io_retry", "no_io", "kernel_mode", "nested",
      "behind_writer", "refaults"]
def ft(tid):
    r = con.execute(f"SELECT {','.join(FT)} FROM fault_task WHERE tid = ?", (tid,)).fetchone()
    return dict(zip(FT, r)) if r else dict.fromkeys(FT, 0)
def expect(cond, msg):
    print(("ok:   " if cond else "FAIL: ") + msg)
    if not cond:
        bad.append(msg)
class Unmet(Exception):
    pass
def need(cond, msg):
    if cond:
        expect(cond, "workload: " + msg)
    else:
        raise Unmet(msg)
try:
    exec(os.fdopen(3).read())
except Unmet as e:
    print(f"note: the workload did not produce what the checks need: {e}")
    sys.exit(4 if os.environ.get("SCENARIO_LAST_TRY") == "1" else 3)
sys.exit(1 if bad else 0)
PY
}

# scenario_run NAME OPTS... < CHECK: scenario_record, then scenario_check
# with CHECK; recorded again (3 tries in all) while a need() is not met,
# which a loaded machine's scheduling can cause.
scenario_run() {
	local check try rc
	check=$(cat)
	for try in 1 2 3; do
		scenario_record "$@"
		rc=0
		SCENARIO_LAST_TRY=$([ "$try" -eq 3 ] && echo 1 || echo 0) \
			scenario_check "$DB" <<<"$check" || rc=$?
		[ "$rc" -eq 4 ] && skip "scenario $1: in 3 recordings the workload never" \
			"produced what the checks need (see the notes above)"
		[ "$rc" -eq 3 ] || return "$rc"
		echo "      recording $1 again (try $((try + 1)) of 3)"
	done
}

# The label, the JSON report's rusage and the DB's truth must agree: the
# integration of record --scenario with import and report.
scenario_check_report() {
	local name=$1 want=$2
	"$VLS" report --db "$DB" --json >"$WORK/$name.json" || fail "report --json failed"
	python3 - "$WORK/$name.json" "$DB" "$want" <<'PY' || fail "$name: report does not carry the ground truth"
import json, sqlite3, sys
rep = json.load(open(sys.argv[1]))["runs"][0]
truth = json.loads(sqlite3.connect(sys.argv[2]).execute(
    "SELECT value FROM run_meta WHERE key = 'workload.truth'").fetchone()[0])
ok = rep["label"] == sys.argv[3] and rep["workload"]["scenario"] == truth["scenario"]
tasks = {t["tid"]: t for t in rep["tasks"]}
for th in truth["threads"]:
    t = tasks.get(th["tid"])
    ok = ok and t is not None and t["ru_majflt"] == th["ru_majflt"] and \
        t["ru_minflt"] == th["ru_minflt"] and t["workload_role"] == th["role"]
print(f"report: label {rep['label']!r}, rusage of {len(truth['threads'])} threads "
      f"beside the trace: {'ok' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
PY
}
