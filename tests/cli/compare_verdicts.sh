#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vmlockstat compare with repetitions: verdicts (docs/compare.md).
#
# Repetitions are made from the real traces of tests/data/shared (README
# there): each run is the first 100, 95 or 90 % of the stock or retryvma
# trace's lines (another 98, 93, 88 % of stock), so the runs of a label
# differ as repetitions do, and deterministically. Checked: the fallback
# rate of the patched kernel is a decrease, the same kernel twice is no
# change, noisy counts are inconclusive; the threshold moves verdicts as
# the rule says; a side with one run has none and the text says how many
# runs are missing; a run where the figure is unknown is left out of its
# side's n; every compare document holds to the contract
# (check_report_json.py re-derives each verdict from its interval).
set -u
VLS=${VLS:?path of the vmlockstat binary}
DATA=${VLS_TEST_DATA:?tests/data}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
DB=$T/v.db

# reps LABEL TRACE PCT...: import the first PCT % of TRACE's lines per PCT
reps() {
	local label=$1 trace=$2 lines; shift 2
	lines=$(wc -l <"$trace")
	for pct in "$@"; do
		head -n $((lines * pct / 100)) "$trace" >"$T/part.txt"
		"$VLS" import --db "$DB" --label "$label" "$T/part.txt" >/dev/null ||
			fail "import $label $pct%"
	done
}
for n in stock retryvma; do
	xz -dc "$DATA/shared/tiny-6.12-x86_64-$n-readahead/trace.txt.xz" >"$T/$n.txt" ||
		{ fail "xz $n"; exit 1; }
done
reps stock "$T/stock.txt" 100 95 90
reps retryvma "$T/retryvma.txt" 100 95 90
reps stock2 "$T/stock.txt" 98 93 88
reps single "$T/retryvma.txt" 100

# verdict FILE FIGURE GROUP: the verdict of FIGURE's change of group GROUP
verdict() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["figures"] if x["name"] == sys.argv[2]][0]
c = f["change"][int(sys.argv[3])]
print(c["verdict"] if c else "no-change-entry")' "$@"
}
expect() { # FILE FIGURE GROUP WANT
	local got
	got=$(verdict "$1" "$2" "$3")
	[ "$got" = "$4" ] && ok "$(basename "$1") $2 group $3: $4" ||
		fail "$(basename "$1") $2 group $3: '$got', expected '$4'"
}
contract() { # FILE
	python3 "$HERE/check_report_json.py" "$1" && ok "$(basename "$1") holds to the contract" ||
		fail "$(basename "$1"): contract"
}

# --- default threshold (5 %) ---
"$VLS" compare --db "$DB" --json stock stock2 retryvma single >"$T/d.json" || fail "compare --json"
contract "$T/d.json"
expect "$T/d.json" fallback_rate 1 "no change"        # the same kernel
expect "$T/d.json" fallback_rate 2 "decrease"         # 32.2% -> 0.3%
expect "$T/d.json" io_retry_fallbacks 2 "decrease"
expect "$T/d.json" write_acquisitions 2 "increase"
expect "$T/d.json" faults 1 "inconclusive"            # +-150 faults run to run
expect "$T/d.json" refaults 2 "no change"             # 0 in every run: [0, 0]
expect "$T/d.json" fallback_rate 3 "None"             # one run: no verdict
python3 - "$T/d.json" <<'PY' && ok "intervals: decrease below 0, no change within 5 %, one run null" ||
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in d["figures"]}
fr = f["fallback_rate"]
base = fr["values"][0]["mean"]
lo, hi = fr["change"][2]["ci95"]
assert hi < 0 and lo <= fr["change"][2]["abs"] <= hi, fr["change"][2]
lo, hi = fr["change"][1]["ci95"]
assert -0.05 * base <= lo <= hi <= 0.05 * base, (lo, hi, base)
assert fr["change"][3]["ci95"] is None and fr["change"][3]["abs"] is not None
assert d["threshold_pct"] == 5
PY
	fail "intervals"

# --- the text: marks, legend, what is missing, --ci ---
"$VLS" compare --db "$DB" stock stock2 retryvma single >"$T/d.txt" || fail "compare"
grep -qE '^  fallback rate .* \(\+0\.1%\) = .* \(-99\.1%\) ▼ +[0-9.]+% +-31\.[0-9] pp \(-99\.0%\)$' "$T/d.txt" &&
	ok "text: = for stock2, ▼ for retryvma, no mark for the single run" ||
	fail "text marks: $(grep 'fallback rate' "$T/d.txt" | head -1)"
grep -qF "no verdict where a side has fewer than 2 runs with the figure: record 1 more run of single" "$T/d.txt" &&
	ok "text: the runs missing for a verdict" || fail "text: missing runs line"
grep -qF "▲ increase, ▼ decrease, = no change, ? inconclusive" "$T/d.txt" &&
	ok "text: legend" || fail "text: legend"
"$VLS" compare --db "$DB" --ci stock retryvma >"$T/ci.txt" || fail "compare --ci"
grep -qE '^  fallback rate .* \(-99\.1%\) ▼ +\[-32\.1 pp, -31\.7 pp\]$' "$T/ci.txt" &&
	ok "--ci: the interval in points" || fail "--ci: $(grep 'fallback rate' "$T/ci.txt" | head -1)"
head -6 "$T/ci.txt" | grep -q "95% CI" && ok "--ci: a column" || fail "--ci: no column"

# --- the threshold moves verdicts as the rule says ---
"$VLS" compare --db "$DB" --json --threshold 1000 stock stock2 retryvma >"$T/t1000.json" ||
	fail "--threshold 1000"
contract "$T/t1000.json"
# -31.9 pp is within +-322 pp (1000 % of 32.2 %): too small to matter
expect "$T/t1000.json" fallback_rate 2 "no change"
expect "$T/t1000.json" faults 1 "no change"
"$VLS" compare --db "$DB" --json --threshold 0 stock stock2 retryvma >"$T/t0.json" ||
	fail "--threshold 0"
contract "$T/t0.json"
# with no threshold an interval off 0 is a change however small: stock2's
# fallback rate interval straddles 0, so it stays unresolved
expect "$T/t0.json" fallback_rate 2 "decrease"
expect "$T/t0.json" fallback_rate 1 "inconclusive"
expect "$T/t0.json" refaults 2 "no change"
"$VLS" compare --db "$DB" --threshold 20 stock retryvma | grep -qF "against ±20% of the baseline" &&
	ok "text names the threshold" || fail "text: threshold"
for bad in -1 abc nan inf 1e7 ""; do
	"$VLS" compare --db "$DB" --threshold "$bad" stock retryvma >/dev/null 2>"$T/err"
	[ $? = 2 ] && grep -q "threshold wants a percentage" "$T/err" &&
		ok "--threshold '$bad' refused" || fail "--threshold '$bad': $(cat "$T/err")"
done
"$VLS" compare --db "$DB" --by kernel,arch --ci >/dev/null 2>&1
[ $? = 2 ] && ok "--ci with --by refused" || fail "--ci with --by"

# --- unknown is left out of n, never 0 ---
# A trace without stacks cannot support the fallback figures: a group of
# two such runs and one with stacks has n = 1 for the fallback rate (no
# verdict), n = 3 for the lock figures (verdicts).
xz -dc "$DATA/text/ftrace.txt.xz" >"$T/stacks.txt"
grep -v -e '^ *=> ' -e '<stack trace>' "$T/stacks.txt" >"$T/nostacks.txt"
for f in nostacks nostacks stacks; do
	"$VLS" import --db "$T/caps.db" --label mixed "$T/$f.txt" >/dev/null 2>&1 || fail "import $f"
done
for i in 1 2; do
	"$VLS" import --db "$T/caps.db" --label stacks "$T/stacks.txt" >/dev/null 2>&1 || fail "import stacks"
done
"$VLS" compare --db "$T/caps.db" --json mixed stacks >"$T/caps.json" || fail "compare mixed"
contract "$T/caps.json"
python3 - "$T/caps.json" <<'PY' && ok "unknown left out of n: fallback rate n 1, no verdict; lock figures n 3" ||
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in d["figures"]}
fr, ra = f["fallback_rate"], f["read_acquisitions"]
assert fr["values"][0]["n"] == 1 and fr["values"][1]["n"] == 2, fr["values"]
assert fr["change"][1]["verdict"] is None and fr["change"][1]["ci95"] is None, fr["change"]
assert ra["values"][0]["n"] == 3 and ra["change"][1]["verdict"] == "no change", ra
PY
	fail "unknown in n"

[ "$fails" = 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails != 0))
