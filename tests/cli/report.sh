#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vmlockstat report / compare on two real traces (tests/data/shared/tiny-6.12-*,
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
	d=$DATA/shared/tiny-6.12-x86_64-$n-readahead
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

# --- a data limit below the heap's huge-page pad (cli/heap.c): the heap
# grows as it did without the pad, and the report is the same ---
(ulimit -d 200000 && "$VLS" report --db "$DB" --run 1 --run 2 --json) >"$T/limited.json" \
	2>"$T/limited.err"
if grep -q "AddressSanitizer.*failed to allocate" "$T/limited.err"; then
	echo "skip: report under ulimit -d: the sanitizer's shadow memory needs more"
else
	cmp -s "$T/r.json" "$T/limited.json" && ok "report under ulimit -d 200000: the same" ||
		{ fail "report under ulimit -d 200000"; cat "$T/limited.err"; }
fi

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
# README: on the stock kernel each of the ~1028 faults that waited for
# readahead I/O falls back to mmap_lock (one mm_filemap_fault each: grep
# 1028); with the patch none does.
texts = [open(p).read() for p in sys.argv[2:]]
filemap = len(re.findall(r"mm_filemap_fault:", texts[0]))
pfu = [len(re.findall(r"page_fault_user:", t)) for t in texts]
fs, fp = stock["faults"], patched["faults"]
print(f"io_retry {fs['by_reason']['io_retry']} -> {fp['by_reason']['io_retry']} "
      f"(filemap faults {filemap}); fallback {fs['fallback']} -> {fp['fallback']}; "
      f"faults {fs['total']} / {fp['total']} (page_fault_user {pfu})")
if fs["by_reason"]["io_retry"] != filemap or fp["by_reason"]["io_retry"] != 0:
    print("  io_retry fallbacks not as the traces show"); bad = 1
# every user fault is an episode; kernel-mode faults add theirs
for f, n in ((fs, pfu[0]), (fp, pfu[1])):
    if not n <= f["total"] <= n + f["by_reason"]["kernel_mode"]:
        print("  fault count does not match page_fault_user"); bad = 1
if not (fs["fallback"] > 1000 and fp["fallback"] < 20 and
        abs(fs["fallback_rate"] - fs["fallback"] / fs["total"]) < 1e-9):
    print("  fallbacks / rate not as the traces show"); bad = 1
if fs["total_source"] != "page_fault_user" or "per_vma_lock" not in stock["capabilities"]:
    print("  fault source / per-VMA lock capability"); bad = 1
# the patch keeps I/O retries on the per-VMA lock: read acquisitions of
# mmap_lock collapse (grep: 1062 -> 36)
if not stock["mmap_lock"]["read"]["acquisitions"] > 1000 > 100 > patched["mmap_lock"]["read"]["acquisitions"]:
    print("  stock vs patched read acquisitions not as the traces show"); bad = 1
sys.exit(bad)
PY

# --- text report: header and plain statements ---
"$VLS" report --db "$DB" --run 1 >"$T/r.txt" || fail "report (text)"
for s in "run 1: stock" "kernel        6.12.117" "lost events   0" \
	"user-fault fallback rate: 32.0% (1030 of 3216 user faults fell back to mmap_lock)" \
	"kernel-mode faults: 6, 6 took mmap_lock (uaccess: they never try the per-VMA lock)" \
	"all faults: 3222 (counted from page_fault_user), 1036 fell back to mmap_lock (rate 32.2%)" \
	"by reason: io_retry 1028, no_io 2, kernel_mode 6, no_vma_lock 0" \
	"nested (mmap_lock inside a fault the VMA lock handled, no fallback): 7" \
	"capabilities  mmap_lock page_fault_user filemap sched_switch time stacks per_vma_lock" \
	"mmap_lock per process" "worst wait-for chains of contended waits of 100.00 us or more (10 of 22," \
	"989 uncontended waits of that length not chained: a stacktrace trigger's cost, not contention"; do
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
grep -qE '^  io_retry fallbacks +1028 +0 +-1028 \(-100\.0%\)$' "$T/c.txt" &&
	ok "compare: io_retry fallbacks 1028 -> 0" || fail "compare: io_retry row"
grep -qE '^  fallback rate \(all faults\) +32\.2% +0\.3% +-31\.8 pp \(-99\.0%\)$' "$T/c.txt" &&
	ok "compare: fallback rate 32.2% -> 0.3%" || fail "compare: fallback rate row"
# the per-VMA lock's own rate leads: kernel-mode faults (6 and 8) apart
sed -n '/^whole runs:/{n;n;p;q}' "$T/c.txt" |
	grep -qE '^  user-fault fallback rate +32\.0% +0\.1% +-32\.0 pp \(-99\.8%\)$' &&
	ok "compare: the user-fault fallback rate leads, 32.0% -> 0.1%" ||
	fail "compare: user-fault row: $(sed -n '/^whole runs:/{n;n;p;q}' "$T/c.txt")"
grep -qE '^  kernel-mode faults +6 +8 +\+2 \(\+33\.3%\)$' "$T/c.txt" &&
	ok "compare: kernel-mode faults on their own row" || fail "compare: kernel-mode faults row"
for s in "total read wait" "average write wait" "fallback rate" "io_retry fallbacks" \
	"refaults" "p99 read wait" "p99 write wait" "process workload:"; do
	grep -qF "$s" "$T/c.txt" && ok "compare has '$s'" || fail "compare lacks '$s'"
done
"$VLS" compare --db "$DB" --json stock retryvma >"$T/c.json" || fail "compare --json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in d["figures"]}
assert d["format"] == "vmlockstat-compare" and d["version"] == 4, d["format"]
assert d["figures"][0]["name"] == "user_fallback_rate", d["figures"][0]
u = f["user_fallback_rate"]["values"]
assert abs(u[0]["mean"] - 1030 / 3216) < 1e-9 and abs(u[1]["mean"] - 2 / 3215) < 1e-9, u
assert f["kernel_faults"]["values"][0]["mean"] == 6, f["kernel_faults"]
assert [g["name"] for g in d["groups"]] == ["stock", "retryvma"]
r = f["read_acquisitions"]
assert r["values"][0]["mean"] == 1061 and r["values"][1]["mean"] == 35, r
assert r["change"][0] is None and r["change"][1]["abs"] == -1026, r
io = f["io_retry_fallbacks"]
assert io["values"][0]["mean"] == 1028 and io["values"][1]["mean"] == 0, io
assert io["change"][1]["abs"] == -1028 and io["change"][1]["pct"] == -100, io
fr = f["fallback_rate"]["values"]
assert 0 < fr[1]["mean"] < fr[0]["mean"] < 1, fr
' "$T/c.json" && ok "compare JSON" || fail "compare JSON"
"$VLS" compare --db "$DB" --by kernel,arch >"$T/m.txt" || fail "matrix"
grep -qE '^  6\.12\.117-retryvma +0\.3% \(1\)$' "$T/m.txt" && ok "matrix: patched 0.3%" ||
	fail "matrix: $(cat "$T/m.txt")"
grep -qE '^  6\.12\.117 +32\.2% \(1\)$' "$T/m.txt" && ok "matrix: stock 32.2%" || fail "matrix stock"
head -1 "$T/m.txt" | grep -q '^user-fault fallback rate' &&
	sed -n 3p "$T/m.txt" | grep -qE '^  6\.12\.117 +32\.0% \(1\)$' &&
	sed -n 4p "$T/m.txt" | grep -qE '^  6\.12\.117-retryvma +0\.1% \(1\)$' &&
	ok "matrix leads with the user-fault fallback rate" || fail "matrix user rate: $(head -4 "$T/m.txt")"
"$VLS" compare --db "$DB" --by kernel,arch --json | python3 -c '
import json, sys
c = {x["kernel"]: x for x in json.load(sys.stdin)["cells"]}
assert abs(c["6.12.117"]["user_fallback_rate"]["mean"] - 1030 / 3216) < 1e-9, c
' && ok "matrix JSON: user_fallback_rate" || fail "matrix JSON user_fallback_rate"
# CSV: kernel-mode faults and the user-fault rate beside the old figures
head -1 "$T/r.csv" | grep -q '^run_id,label,pid,tid,comm,faults,kernel_faults,fallback_faults,user_fallback_rate,fallback_rate,' &&
	ok "csv: kernel_faults, user_fallback_rate" || fail "csv header: $(head -1 "$T/r.csv")"

# --- runs: the user-fault fallback rate beside each run ---
"$VLS" runs --db "$DB" >"$T/runs.txt" || fail "runs"
grep -Eq '^ 1  stock     [0-9-]{10} [0-9:]{5}    1\.68 s         32\.0%  6\.12\.117 ' "$T/runs.txt" &&
	grep -Eq '^ 2  retryvma  [0-9-]{10} [0-9:]{5}    2\.31 s          0\.1%  6\.12\.117-retryvma ' "$T/runs.txt" &&
	ok "runs: date, duration, user-fault fallback rate" || fail "runs: $(cat "$T/runs.txt")"

# --- errors ---
expect_rc 2 "$VLS" report --db "$DB" --json --csv
# a report that cannot be written is a failure, said (it is written as
# it is made: vls_report_write())
for f in --json --csv ""; do
	"$VLS" report --db "$DB" $f >/dev/full 2>"$T/err"; rc=$?
	[ "$rc" = 1 ] && grep -q "cannot write the report: No space left on device" "$T/err" &&
		ok "report $f to a full disk: exit 1" ||
		fail "report $f to /dev/full: exit $rc, $(cat "$T/err")"
done
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

# Control characters of a trace (a comm that sets the terminal title and
# clears the screen, a label with an escape) never reach the terminal raw.
printf '#\n' >"$T/ctl.txt"
for i in 1 2; do
	printf '      ev\033]0;pwn\007il-100   [000] .....     1.00000%d: mmap_lock_%s: mm=000000002c6cf6d4 memcg_path=/ write=false%s\n' \
		"$i" "$([ $i = 1 ] && echo start_locking || echo acquire_returned)" \
		"$([ $i = 2 ] && echo ' success=true')" >>"$T/ctl.txt"
done
printf '      ev\302\233il-101   [001] .....     1.000003: mmap_lock_start_locking: mm=000000002c6cf6d4 memcg_path=/ write=true\n' >>"$T/ctl.txt"
raw_ctl() { LC_ALL=C grep -c $'[\001-\011\013\014\016-\037\177]\|\302[\200-\237]' "$1"; }
"$VLS" import --db "$T/ctl.db" --label "$(printf 'lab\033[2Jel')" "$T/ctl.txt" >"$T/out" 2>"$T/err" ||
	fail "import of a hostile comm: $(cat "$T/err")"
for c in "report" "report --by thread" "report --by process" "report --csv --by thread" "runs" "compare"; do
	# shellcheck disable=SC2086
	"$VLS" $c --db "$T/ctl.db" >>"$T/out" 2>>"$T/err"
done
n=$(cat "$T/out" "$T/err" | raw_ctl /dev/stdin)
[ "$n" = 0 ] && ok "control characters escaped in text, CSV, runs and import" ||
	fail "$n lines with raw control characters"
grep -qF 'ev\x1b]0;pwn\x07il' "$T/out" && ok "the comm is shown escaped" || fail "escaped comm not shown"
"$VLS" report --json --db "$T/ctl.db" | grep -qF 'ev\u001b]0;pwn\u0007il' &&
	ok "JSON keeps its own escapes" || fail "JSON comm"

# A trace without stacks (trace-cmd record without -T): fallback figures
# are unknown, never 0, in report, compare and the matrix.
xz -dc "$DATA/text/ftrace.txt.xz" >"$T/stacks.txt"
grep -v -e '^ *=> ' -e '<stack trace>' "$T/stacks.txt" >"$T/nostacks.txt"
"$VLS" import --db "$T/caps.db" --label nostacks "$T/nostacks.txt" >/dev/null 2>&1 &&
	"$VLS" import --db "$T/caps.db" --label stacks "$T/stacks.txt" >/dev/null 2>&1 ||
	fail "imports with and without stacks"
"$VLS" report --json --db "$T/caps.db" --label nostacks | python3 -c '
import json, sys
r = json.load(sys.stdin)["runs"][0]; f = r["faults"]
assert "stacks" not in r["capabilities"], r["capabilities"]
assert f["fallback"] is None and f["fallback_rate"] is None, f
assert all(v is None for v in f["by_reason"].values()), f["by_reason"]
assert all(v is None for v in f["retry_chains"].values()), f["retry_chains"]
assert all(t["fallback_faults"] is None for t in r["tasks"])
assert f["user_fallback_rate"] is None and f["user_fallback"] is None, f
assert all(t["user_fallback_rate"] is None for t in r["tasks"])
' && ok "no stacks: fallback figures null in JSON" || fail "no stacks: JSON"
"$VLS" report --db "$T/caps.db" --label nostacks >"$T/ns.txt"
grep -q "^user-fault fallback rate: unknown (fallbacks are unknown)$" "$T/ns.txt" &&
	ok "no stacks: the user-fault rate is unknown, and why" ||
	fail "no stacks text: $(grep -i 'fallback rate' "$T/ns.txt")"

# A DB of schema 1 (before kernel-mode faults were counted apart): the
# import migrates it; its runs show the user-fault figures as unknown.
cp "$T/caps.db" "$T/old.db"
python3 - "$T/old.db" <<'PY' || fail "making a schema-1 DB"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for t in ("fault_task", "fault_run"):
    c.execute(f"ALTER TABLE {t} DROP COLUMN kernel_faults")
c.execute("ALTER TABLE lock_stats DROP COLUMN mm_gen")
c.execute("PRAGMA user_version = 1")
c.commit()
PY
expect_rc 1 "$VLS" report --db "$T/old.db" --label stacks
grep -q "once read-write" "$T/err" && ok "schema 1, read-only: asks for a migration" ||
	fail "schema 1 read-only: $(cat "$T/err")"
"$VLS" import --db "$T/old.db" --label new "$T/stacks.txt" >/dev/null 2>&1 ||
	fail "import into a schema-1 DB"
# (not held to check_report_json.py: on main its per-process percentile
# rule fails on this trace of tracefs text without tgids, old or new DB)
"$VLS" report --json --db "$T/old.db" --label stacks --label new >"$T/old.json" &&
	python3 -c '
import json, sys
old, new = json.load(open(sys.argv[1]))["runs"]
assert old["faults"]["kernel_faults"] is None and old["faults"]["user_fallback_rate"] is None, old["faults"]
assert old["faults"]["fallback"] is not None
assert new["faults"]["kernel_faults"] is not None and new["faults"]["user_fallback_rate"] is not None
' "$T/old.json" && ok "schema 1 migrated: user figures of its runs null, of new runs known" ||
	fail "schema 1 migrated: $(head -c 300 "$T/old.json")"
"$VLS" report --db "$T/old.db" --label stacks >"$T/old.txt"
grep -qx "user-fault fallback rate: unknown (kernel-mode faults were not counted: no page_fault_kernel and no stacks, or imported before schema 2)" "$T/old.txt" &&
	grep -qx "  kernel-mode faults: unknown" "$T/old.txt" &&
	ok "schema 1 run: the user-fault rate unknown, and why" || fail "schema 1 text: $(grep -i 'user-fault\|kernel-mode' "$T/old.txt")"
# A DB of schema 2 (before the report's indexes): read-only, reported as
# it is, the same as at schema 5; an import migrates it (the indexes,
# fault_episode_tid dropped at 4, lock_stats.mm_gen at 5).
cp "$T/caps.db" "$T/v2.db"
python3 - "$T/v2.db" <<'PY' || fail "making a schema-2 DB"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for i in ("lock_acq_tid_mm", "lock_acq_chain", "lock_chain_wait"):
    c.execute(f"DROP INDEX {i}")
c.execute("CREATE INDEX lock_acq_tid ON lock_acq(run_id, tid)")
c.execute("CREATE INDEX fault_episode_tid ON fault_episode (run_id, tid)")
c.execute("ALTER TABLE lock_stats DROP COLUMN mm_gen")
c.execute("PRAGMA user_version = 2")
c.commit()
PY
# the same rows as schema 5 has them but for the mm_struct incarnations
# (lock_stats.mm_gen), which a DB of schema 2 cannot hold: NULL, the first
cp "$T/caps.db" "$T/v5.db"
sqlite3 "$T/v5.db" "UPDATE lock_stats SET mm_gen = NULL" || fail "v5.db without mm_gen"
"$VLS" report --json --db "$T/v5.db" --label stacks >"$T/v3.json"
"$VLS" report --json --db "$T/v2.db" --label stacks >"$T/v2.json" &&
	cmp -s "$T/v2.json" "$T/v3.json" &&
	[ "$(sqlite3 "$T/v2.db" 'PRAGMA user_version')" = 2 ] &&
	ok "schema 2, read-only: the same report, not migrated" ||
	fail "schema 2 read-only: $(head -c 300 "$T/v2.json")"
"$VLS" import --db "$T/v2.db" --label new "$T/stacks.txt" >/dev/null 2>&1 ||
	fail "import into a schema-2 DB"
# the migration's indexes are the schema's: the same names and SQL (but
# for white space) as in a DB made at schema 5
indexes() {
	sqlite3 "$1" "PRAGMA user_version; SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL ORDER BY name" | tr -s ' \n\t' ' '
}
[ "$(indexes "$T/v2.db")" = "$(indexes "$T/caps.db")" ] &&
	[ "$(sqlite3 "$T/v2.db" 'PRAGMA user_version')" = 5 ] &&
	indexes "$T/v2.db" | grep -q lock_chain_wait &&
	ok "schema 2 migrated: the report's indexes, as a new DB has them" ||
	fail "schema 2 migrated: $(indexes "$T/v2.db") against $(indexes "$T/caps.db")"
# arm64 (no page_fault_user, no vmstat recorded): fallbacks and kernel-mode
# faults known from stacks, the fault count and so the rate unknown
d=$DATA/shared/debian-6.12-arm64-readahead
xz -dc "$d/trace.txt.xz" >"$T/arm.txt" &&
	"$VLS" import --db "$T/arm.db" --kernel "$(awk '{print $3}' "$d/uname.txt")" \
		--arch "$(awk '{print $(NF-1)}' "$d/uname.txt")" "$T/arm.txt" >/dev/null || fail "import arm64"
"$VLS" report --db "$T/arm.db" >"$T/arm.out"
grep -qx "user-fault fallback rate: unknown (the fault count is unknown)" "$T/arm.out" &&
	grep -qx "  kernel-mode faults: 6, 6 took mmap_lock (uaccess: they never try the per-VMA lock)" "$T/arm.out" &&
	ok "arm64 stack-only: kernel-mode faults counted, the rate unknown" ||
	fail "arm64: $(grep -i 'user-fault\|kernel-mode' "$T/arm.out")"
"$VLS" runs --db "$T/caps.db" --json | python3 -c '
import json, sys
r = {x["label"]: x for x in json.load(sys.stdin)}
assert r["nostacks"]["user_fallback_rate"] is None, r["nostacks"]
assert r["stacks"]["user_fallback_rate"] is not None and r["stacks"]["duration_ns"] > 0, r["stacks"]
' && "$VLS" runs --db "$T/caps.db" | grep -Eq '^ 1  nostacks  .* +- +[^ ]' &&
	ok "no stacks: runs shows the user-fault rate as unknown" || fail "runs of no-stack run"
"$VLS" compare --db "$T/caps.db" nostacks stacks >"$T/cmp.txt" 2>&1
head -1 "$T/cmp.txt" | grep -q "capabilities differ" && grep -q "nostacks lacks stacks" "$T/cmp.txt" &&
	ok "compare says first what a group lacks" || fail "compare: capabilities: $(head -3 "$T/cmp.txt")"
grep -Eq '^  fallback rate \(all faults\) +- +[0-9.]+% +- *$' "$T/cmp.txt" &&
	grep -Eq '^  user-fault fallback rate +- +[0-9.]+% +- *$' "$T/cmp.txt" &&
	ok "compare: no change for the fallback rates" || fail "compare: $(grep 'fallback rate' "$T/cmp.txt")"
"$VLS" compare --json --db "$T/caps.db" nostacks stacks | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["capabilities_differ"] is True
f = [x for x in d["figures"] if x["name"] == "fallback_rate"][0]
assert f["values"][0] is None and f["change"][1] is None, f
' && ok "compare JSON: null value, no change" || fail "compare JSON"
"$VLS" compare --db "$T/caps.db" --by kernel,arch | grep -q "(1 of 2)" &&
	ok "matrix: the mean is over the run that supports it" || fail "matrix: (1 of 2)"

# Messages say it once, and say what is wanted.
"$VLS" compare --db "$T/caps.db" nosuchlabel stacks >/dev/null 2>"$T/err"
grep -q '^vmlockstat compare: no run with id or label' "$T/err" &&
	ok "compare: the message has one prefix" || fail "compare message: $(cat "$T/err")"
"$VLS" report --db "$T/caps.db" --top 2147483648 >/dev/null 2>"$T/err"
grep -q 'from 0 (all) to 1000000' "$T/err" && ok "--top says its range" || fail "--top: $(cat "$T/err")"

# --- chains: contended waits of --chain-min or more ---
"$VLS" report --db "$DB" --run 1 --chain-min 20ms >"$T/ch.txt"
grep -qx "no wait-for chains: no contended mmap_lock wait of 20.00 ms or more (--chain-min)" "$T/ch.txt" &&
	ok "no chain: says so, with the threshold" || fail "chains at 20ms: $(tail -3 "$T/ch.txt")"
"$VLS" report --db "$DB" --run 1 --chain-min 50us >"$T/ch.txt"
grep -qx "  (the import kept chains only for waits of 100.00 us or more)" "$T/ch.txt" &&
	ok "--chain-min below the import's threshold: said" || fail "chains at 50us: $(tail -3 "$T/ch.txt")"
"$VLS" report --db "$DB" --run 1 --json --chain-min 1ms >"$T/ch.json" &&
	python3 "$HERE/check_report_json.py" "$T/ch.json" && python3 - "$T/ch.json" "$DB" <<'PY' &&
import json, sqlite3, sys
r = json.load(open(sys.argv[1]))["runs"][0]
db = sqlite3.connect(sys.argv[2])
# counted apart from the report: chains of waits >= 1 ms whose acquisition
# the lock analyzer marked contended (or still waiting at the end)
want = db.execute("SELECT count(*) FROM lock_chain c WHERE run_id = 1 AND wait_ns >= 1000000 AND"
                  " (open OR EXISTS (SELECT 1 FROM lock_acq a WHERE a.run_id = 1 AND"
                  " a.chain_id = c.id AND a.contended))").fetchone()[0]
long_ = db.execute("SELECT count(*) FROM lock_chain WHERE run_id = 1 AND wait_ns >= 1000000").fetchone()[0]
assert r["chain_min_ns"] == 1000000 and r["chain_threshold_ns"] == 100000, r
assert r["chains_total"] == want == len(r["chains"]) and 0 < want < long_, (want, long_, r["chains_total"])
assert r["chains_uncontended"] == long_ - want, r["chains_uncontended"]
assert all(c["waiter"]["wait_ns"] >= 1000000 for c in r["chains"])
PY
	ok "--chain-min 1ms: the contended chains, counted apart" || fail "--chain-min 1ms JSON"
for bad in abc 5 -5us 2h 1e9s ''; do
	expect_rc 2 "$VLS" report --db "$DB" --chain-min "$bad"
	grep -q "^vmlockstat report: --chain-min wants a duration up to 1 hour (100us, 1.5ms, 2s; 0: all), not '$bad'" "$T/err" ||
		fail "--chain-min '$bad': $(cat "$T/err")"
done
# a waiter blocked behind a writer (contended) and a wait as long with no
# one holding the lock (a stacktrace trigger's cost): one chain
{
	echo '#'
	l() { printf '      %s-%d   [%03d] .....  %s: mmap_lock_%s: mm=%s memcg_path=/ write=%s\n' "$@"; }
	for i in $(seq 1 12); do
		c=$(printf 'p%02d' "$i") mm=$(printf '00000000aaaa%04x' "$i")
		l "$c" $((200 + i)) 0 "1.$(printf '%06d' $((i * 100)))" start_locking "$mm" false
		l "$c" $((200 + i)) 0 "1.$(printf '%06d' $((i * 100 + i)))" acquire_returned "$mm" 'false success=true'
		l "$c" $((200 + i)) 0 "1.$(printf '%06d' $((i * 100 + i + 1)))" released "$mm" false
	done
	l w 300 0 2.000000 start_locking 00000000bbbb0000 true
	l w 300 0 2.000001 acquire_returned 00000000bbbb0000 'true success=true'
	l r 301 1 2.000100 start_locking 00000000bbbb0000 false
	l w 300 0 2.000500 released 00000000bbbb0000 true
	l r 301 1 2.000501 acquire_returned 00000000bbbb0000 'false success=true'
	l r 301 1 2.000510 released 00000000bbbb0000 false
	l u 302 2 3.000000 start_locking 00000000cccc0000 false
	l u 302 2 3.000200 acquire_returned 00000000cccc0000 'false success=true'
	l u 302 2 3.000210 released 00000000cccc0000 false
} >"$T/syn.txt"
"$VLS" import --db "$T/syn.db" "$T/syn.txt" >/dev/null || fail "import of the synthetic trace"
"$VLS" report --db "$T/syn.db" >"$T/syn.out"
grep -q "^  r 301 waited 401 us for read <- writer: w 300 held 400 us$" "$T/syn.out" &&
	! grep -q "^  u 302 waited" "$T/syn.out" &&
	grep -qx "  1 uncontended wait of that length not chained: a stacktrace trigger's cost, not contention" "$T/syn.out" &&
	ok "chains: the contended wait only; the uncontended one counted" ||
	fail "chains of the synthetic trace: $(sed -n '/wait-for/,$p' "$T/syn.out")"

# --- readable by default: the worst 10 rows, what was left out, filters ---
n=$("$VLS" report --db "$T/syn.db" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"][0]["processes"]))')
# 14: p01-p12, w with r, u; each thread once (a thread without a pid and
# without a lock_acq row was a process of its own as well as its mm's)
[ "$n" -eq 14 ] && ok "JSON lists every process ($n) without --top" || fail "JSON processes: $n, want 14"
grep -qx "  ($((n - 10)) more processes not shown: the worst 10 are; --top 0 or --all lists every one, --pid and --comm pick some)" "$T/syn.out" &&
	ok "text: the worst 10 processes, and how to see the $((n - 10)) others" ||
	fail "left-out line: $(grep 'not shown' "$T/syn.out")"
# no pid in the trace: each p* thread (1 us holds, 1-12 us waits: no
# lock_acq row) is the process of its own mm, from its thread row
grep -q ' p12 \[mm aaaa000c\]$' "$T/syn.out" && ! grep -q ' p01 \[mm aaaa0001\]$' "$T/syn.out" &&
	ok "the worst processes are the ones kept" || fail "worst processes not kept"
# w 300 and r 301 both took bbbb0000: one process
grep -Eq '^ +1 +1 .* read +- +w \[mm bbbb0000\]$' "$T/syn.out" &&
	grep -Eq '^ +1 +0 .* write +- +w \[mm bbbb0000\]$' "$T/syn.out" && ! grep -q ' r$' "$T/syn.out" &&
	ok "threads without a pid: one process per own mm" ||
	fail "r 301 not in w's process: $(sed -n '/mmap_lock per process/,/^$/p' "$T/syn.out")"
for a in --all "--top 0"; do
	# shellcheck disable=SC2086
	"$VLS" report --db "$T/syn.db" $a >"$T/all.out"
	grep -q ' p01 \[mm aaaa0001\]$' "$T/all.out" && ! grep -q 'not shown' "$T/all.out" &&
		ok "$a: every row" || fail "$a: $(grep 'not shown' "$T/all.out")"
done
"$VLS" report --db "$T/syn.db" --top 3 --by thread | grep -Eqx "  \([0-9]+ more threads not shown: the worst 3 are; --top 0 or --all lists every one, --pid and --comm pick some\)" &&
	ok "--top 3 --by thread: threads left out, said" || fail "--top 3 --by thread"
"$VLS" report --db "$T/syn.db" --comm p01 --by thread >"$T/c.out"
grep -qx "rows of comm p01 only (the figures above are of the whole run)" "$T/c.out" &&
	grep -q ' p01$' "$T/c.out" && ! grep -q ' p12$' "$T/c.out" &&
	ok "--comm: that name's rows only, said" || fail "--comm: $(sed -n '/rows of/,/^$/p' "$T/c.out")"
"$VLS" report --db "$T/syn.db" -p 301 -a --by thread >"$T/c.out"
grep -qx "rows of pid 301 only (the figures above are of the whole run)" "$T/c.out" &&
	grep -Eq '^ +1 +1 .* read +- +301 +r$' "$T/c.out" && ! grep -q ' w$' "$T/c.out" &&
	ok "--pid TID: that thread's rows only" || fail "--pid: $(sed -n '/mmap_lock per/,/^$/p' "$T/c.out")"
expect_rc 2 "$VLS" report --db "$T/syn.db" --pid x
grep -q "^vmlockstat report: --pid wants a process or thread id (1 to 2147483647), not 'x'" "$T/err" ||
	fail "--pid x: $(cat "$T/err")"
expect_rc 2 "$VLS" report --db "$T/syn.db" --comm ''
grep -q "^vmlockstat report: --comm wants a process or thread name, not ''" "$T/err" ||
	fail "--comm '': $(cat "$T/err")"

# --- chains under --pid, --comm: by their waiter (r 301, waiting for w 300) ---
"$VLS" report --db "$T/syn.db" --comm p01 >"$T/c.out"
! grep -q "waited" "$T/c.out" &&
	grep -qx "no wait-for chains: no contended mmap_lock wait of 100.00 us or more (--chain-min) by a thread of --pid, --comm" "$T/c.out" &&
	ok "--comm: no chain of another waiter, said" || fail "--comm p01 chains: $(sed -n '/wait-for/,$p' "$T/c.out")"
for f in "--comm r" "-p 301"; do
	# shellcheck disable=SC2086
	"$VLS" report --db "$T/syn.db" $f >"$T/c.out"
	grep -q "^  r 301 waited 401 us for read <- writer: w 300 held 400 us$" "$T/c.out" &&
		grep -q "(1 of 1, longest wait first)" "$T/c.out" &&
		ok "$f: the waiter's chain" || fail "$f chains: $(sed -n '/wait-for/,$p' "$T/c.out")"
done
"$VLS" report --db "$T/syn.db" -p 300 --json >"$T/c.json" &&
	python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["runs"][0]
assert r["chains"] == [] and r["chains_total"] == 0, (r["chains"], r["chains_total"])' "$T/c.json" &&
	ok "--pid of the holder only: no chain in JSON" || fail "-p 300 --json chains"
# --- a filter that matches nothing: said on stderr, the report still whole ---
expect_rc 0 "$VLS" report --db "$T/syn.db" --comm nosuch
grep -qx "vmlockstat: warning: run 1: no task matched comm nosuch: no rows to show" "$T/err" &&
	grep -qx "rows of comm nosuch only (the figures above are of the whole run)" "$T/out" &&
	ok "--comm nosuch: said on stderr" || fail "--comm nosuch: stderr '$(cat "$T/err")'"
expect_rc 0 "$VLS" report --db "$T/syn.db" -p 999 --comm nosuch --json
grep -qx "vmlockstat: warning: run 1: no task matched pid 999, comm nosuch: no rows to show" "$T/err" &&
	python3 "$HERE/check_report_json.py" "$T/out" >/dev/null &&
	python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["runs"][0]
assert r["tasks"] == r["processes"] == r["chains"] == [], r' "$T/out" &&
	ok "--pid 999 --comm nosuch --json: valid JSON, empty lists, said on stderr" ||
	fail "--comm nosuch --json: stderr '$(cat "$T/err")'"
"$VLS" report --db "$T/syn.db" --comm p01 >/dev/null 2>"$T/err"
[ ! -s "$T/err" ] && ok "--comm p01: nothing on stderr" || fail "--comm p01 stderr: $(cat "$T/err")"

[ "$fails" = 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails != 0))
