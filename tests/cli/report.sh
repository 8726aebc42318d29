#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vmlockstat report / compare on two real traces (tests/data/tiny-6.12-*,
# README there): the same workload on a stock 6.12 and on 6.12 with the RFC
# "continue using per-VMA lock when retrying page faults after I/O".
# Asserts the JSON contract (check_report_json.py), the numbers the traces
# show, the compare table, and the exit codes of usage errors (2) and an
# unknown run (1).
set -u
VLS=${VLS:?path of the vmlockstat binary}
DATA=${VLS_TEST_DATA:?tests/data}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
expect_rc() { # rc cmd...
	local want=$1; shift
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	[ "$rc" = "$want" ] && ok "exit $rc: ${*:2}" ||
		{ fail "exit $rc, expected $want: $*"; cat "$T/err"; }
}

DB=$T/r.db
for n in stock retryvma; do
	d=$DATA/tiny-6.12-x86_64-$n-readahead
	xz -dc "$d/trace.txt.xz" >"$T/$n.txt" || { fail "xz $n"; exit 1; }
	read -r _ _ kernel _ <<<"$(cat "$d/uname.txt")"
	arch=$(awk '{print $(NF-1)}' "$d/uname.txt")
	"$VLS" import --db "$DB" --kernel "$kernel" --arch "$arch" --label "$n" \
		"$T/$n.txt" >/dev/null || fail "import $n"
done

# --- the JSON contract, on both runs ---
"$VLS" report --db "$DB" --run 1 --run 2 --json >"$T/r.json" || fail "report --json"
python3 "$HERE/check_report_json.py" "$T/r.json" && ok "JSON matches the contract" ||
	fail "JSON contract"

# --- what the traces show (counted independently with grep) ---
# successful read acquisitions: mmap_lock_acquire_returned write=false
# success=true; the analyzer pairs each with its start_locking, an
# acquisition whose start precedes the trace is not counted.
python3 - "$T/r.json" "$T/stock.txt" "$T/retryvma.txt" <<'PY' || fail "figures"
import json, re, sys
doc = json.load(open(sys.argv[1]))
bad = 0
for run, path, kernel in zip(doc["runs"], sys.argv[2:], ("6.12.117", "6.12.117-retryvma")):
    text = open(path).read()
    grep = len(re.findall(r"mmap_lock_acquire_returned: .*write=false success=true", text))
    rd = run["mmap_lock"]["read"]["acquisitions"]
    print(f"{run['label']}: read acquisitions {rd} (grep {grep})")
    if run["kernel"] != kernel or run["arch"] != "x86_64":
        print("  wrong kernel/arch", run["kernel"], run["arch"]); bad = 1
    if not 0 <= grep - rd <= 1:
        print("  read acquisitions do not match the trace"); bad = 1
    for cap in ("mmap_lock", "page_fault_user", "filemap", "stacks"):
        if cap not in run["capabilities"]:
            print("  missing capability", cap); bad = 1
    if run["lost_events"] != 0:
        print("  lost_events", run["lost_events"]); bad = 1
    w = {t["comm"] for t in run["tasks"]}
    if not {"faulter0", "faulter1", "faulter2", "faulter3", "mprot"} <= w:
        print("  tasks lack the workload's threads:", sorted(w)); bad = 1
    if not any(c["waiter"]["comm"] == "mprot" and c["waiter"]["mode"] == "write"
               for c in run["chains"]):
        print("  no chain of the mprotect thread's write waits"); bad = 1
stock, patched = doc["runs"]
# the patch keeps I/O retries on the per-VMA lock: read acquisitions of
# mmap_lock collapse (grep: 1062 -> 36)
if not stock["mmap_lock"]["read"]["acquisitions"] > 1000 > 100 > patched["mmap_lock"]["read"]["acquisitions"]:
    print("  stock vs patched read acquisitions not as the traces show"); bad = 1
sys.exit(bad)
PY

# --- text report: header and plain statements ---
"$VLS" report --db "$DB" --run 1 >"$T/r.txt" || fail "report (text)"
for s in "run 1: stock" "kernel        6.12.117" "lost events   0" \
	"capabilities  mmap_lock page_fault_user filemap sched_switch stacks" \
	"mmap_lock per process" "worst wait-for chains (10 of "; do
	grep -qF "$s" "$T/r.txt" && ok "text has '$s'" || fail "text lacks '$s'"
done
"$VLS" report --db "$DB" --label stock --by thread --csv >"$T/r.csv" || fail "csv"
head -1 "$T/r.csv" | grep -q '^run_id,label,pid,tid,comm,faults,' && ok "csv header" ||
	fail "csv header"
grep -q '^1,stock,,[0-9]*,faulter0,' "$T/r.csv" && ok "csv row of faulter0" ||
	fail "csv row of faulter0"

# --- compare: Barry's table ---
"$VLS" compare --db "$DB" stock retryvma >"$T/c.txt" || fail "compare"
cat "$T/c.txt"
grep -qE '^  read acquisitions +1061 +35 +-1026 \(-96\.7%\)$' "$T/c.txt" &&
	ok "compare: read acquisitions 1061 -> 35" || fail "compare: read acquisitions row"
for s in "total read wait" "average write wait" "fallback rate" "io_retry fallbacks" \
	"refaults" "p99 read wait" "p99 write wait" "process workload:"; do
	grep -qF "$s" "$T/c.txt" && ok "compare has '$s'" || fail "compare lacks '$s'"
done
"$VLS" compare --db "$DB" --json stock retryvma >"$T/c.json" || fail "compare --json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in d["figures"]}
assert d["format"] == "vmlockstat-compare" and d["version"] == 1, d["format"]
assert [g["name"] for g in d["groups"]] == ["stock", "retryvma"]
r = f["read_acquisitions"]
assert r["values"][0]["mean"] == 1061 and r["values"][1]["mean"] == 35, r
assert r["change"][0] is None and r["change"][1]["abs"] == -1026, r
' "$T/c.json" && ok "compare JSON" || fail "compare JSON"
"$VLS" compare --db "$DB" --by kernel,arch >"$T/m.txt" || fail "matrix"
grep -q "6.12.117-retryvma" "$T/m.txt" && ok "matrix lists the kernels" || fail "matrix"

# --- errors ---
expect_rc 2 "$VLS" report --db "$DB" --json --csv
expect_rc 2 "$VLS" report --db "$DB" --by nothing
expect_rc 2 "$VLS" report --db "$DB" --run one
expect_rc 2 "$VLS" report --db "$DB" extra
expect_rc 2 "$VLS" compare --db "$DB" stock
expect_rc 2 "$VLS" compare --db "$DB" --by arch
expect_rc 2 "$VLS" compare --db "$DB" --by kernel,arch stock
expect_rc 1 "$VLS" report --db "$DB" --run 99
grep -q "no run with id or label '99'" "$T/err" && ok "unknown run is named" ||
	fail "unknown run message: $(cat "$T/err")"
expect_rc 1 "$VLS" compare --db "$DB" stock nosuchlabel
grep -q "nosuchlabel" "$T/err" && ok "unknown label is named" || fail "unknown label message"
expect_rc 1 "$VLS" report --db "$T/none.db"
expect_rc 0 "$VLS" report --help

[ "$fails" = 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails != 0))
