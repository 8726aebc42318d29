# Shared by tests/lab/*.sh: `vmlockstat lab` boots a Debian kernel under
# qemu (TCG here: minutes, not seconds) and the checks read `report --json`.
# Skips (exit 77) with the reason when the host cannot: no qemu, no guest
# workload for the arch, no network for the kernel package (lab's exit 77).
# VLS is the command under test (ctest sets it).
set -euo pipefail
: "${VLS:?set VLS to the vmlockstat binary}"
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/vls-lab-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export DB=$WORK/lab.db

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# lab_run ARGS...: vmlockstat lab --db DB ARGS, its stderr in WORK/lab.err
lab_run() {
	local rc=0
	"$VLS" lab --db "$DB" --smp 2 --timeout 900 "$@" 2>"$WORK/lab.err" || rc=$?
	cat "$WORK/lab.err" >&2
	[ "$rc" -eq 77 ] && skip "$(grep -v '^vmlockstat lab: \[' "$WORK/lab.err" | tail -2)"
	[ "$rc" -eq 0 ] || fail "vmlockstat lab exited $rc"
}

# lab_check PYTHON [REPORT OPTIONS]: runs PYTHON with `runs` (report
# --json's runs, of the latest run or the options' runs) and
# `faulters(run)` (its tasks with workload role faulter); expect(cond, msg)
lab_check() {
	local check=$1
	shift
	"$VLS" report --db "$DB" --json "$@" >"$WORK/report.json" || fail "report --json failed"
	python3 - "$WORK/report.json" 3<<<"$check" <<'PY'
import json, os, sys
runs = json.load(open(sys.argv[1]))["runs"]
bad = 0
def expect(cond, msg):
    global bad
    print(("ok:   " if cond else "FAIL: ") + msg)
    bad += 0 if cond else 1
def faulters(run):
    return [t for t in run["tasks"] if t.get("workload_role") == "faulter"]
exec(os.fdopen(3).read())
sys.exit(1 if bad else 0)
PY
}
