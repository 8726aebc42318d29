#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/lab_patched.sh - what the retry-under-VMA-lock patch changes,
# from four `vmlockstat lab --keep` runs of a stock and a patched 6.12.118
# x86_64 kernel (tests/data/lab/, README.md there): iofault with readahead
# and with MADV_RANDOM. The figures come from report --json and compare
# --json over these traces; the truth (ru_majflt) from the guests.
#  - stock, readahead: every faulter fallback is io_retry;
#  - patched, readahead: no faulter fault falls back at all;
#  - patched, MADV_RANDOM: io_retry == ru_majflt, as on stock: the patch
#    does not cover a fault that reads its page itself (filemap_fault()'s
#    page_not_uptodate path returns VM_FAULT_RETRY without its flag);
#  - compare stock-ra patched-ra: io_retry fallbacks all gone.
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA.
set -u
VLS=${VLS:?set VLS to the vmlockstat binary}
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}/lab
T=$(mktemp -d /tmp/vls_cli_lab_patched.XXXXXX)
trap 'rm -rf "$T"' EXIT
DB=$T/lab.db

for r in stock-ra patched-ra stock-random patched-random; do
	args="--threads 2 --size 16"
	case $r in *random) args="--random $args" ;; esac
	xz -dc "$DATA/$r.txt.xz" >"$T/$r.txt" || { echo "FAIL: unpack $r"; exit 1; }
	"$VLS" import --db "$DB" --label "$r" --kernel 6.12.118 --arch x86_64 \
		--meta workload.scenario=iofault --meta "workload.args=$args" \
		--meta "workload.truth=$(cat "$DATA/$r.truth.json")" \
		--meta-file "vmstat.before=$DATA/$r.vmstat.before" \
		--meta-file "vmstat.after=$DATA/$r.vmstat.after" \
		"$T/$r.txt" >/dev/null 2>"$T/err" ||
		{ echo "FAIL: import $r: $(cat "$T/err")"; exit 1; }
done
"$VLS" report --db "$DB" --json -r 1 -r 2 -r 3 -r 4 >"$T/report.json" || { echo "FAIL: report"; exit 1; }
"$VLS" compare --db "$DB" --json stock-ra patched-ra >"$T/compare.json" ||
	{ echo "FAIL: compare"; exit 1; }

python3 - "$T/report.json" "$T/compare.json" <<'PY'
import json, sys
runs = {r["label"]: r for r in json.load(open(sys.argv[1]))["runs"]}
cmp = json.load(open(sys.argv[2]))
bad = 0
def expect(cond, msg):
    global bad
    print(("ok:   " if cond else "FAIL: ") + msg)
    bad += 0 if cond else 1
def faulters(label):
    return [t for t in runs[label]["tasks"] if t.get("workload_role") == "faulter"]

expect(sorted(runs) == ["patched-ra", "patched-random", "stock-ra", "stock-random"],
       f"four runs: {sorted(runs)}")
for label in runs:
    expect(len(faulters(label)) == 2, f"{label}: two faulters")
for t in faulters("stock-ra"):
    why = t["by_reason"]
    expect(why["io_retry"] > 0 and why["io_retry"] == t["fallback_faults"],
           f"stock-ra tid {t['tid']}: every fallback is io_retry "
           f"({why['io_retry']} of {t['fallback_faults']})")
for t in faulters("patched-ra"):
    expect(t["fallback_faults"] == 0 and t["by_reason"]["io_retry"] == 0,
           f"patched-ra tid {t['tid']}: no fallback ({t['fallback_faults']}), "
           f"no io_retry ({t['by_reason']['io_retry']})")
for label in ("stock-random", "patched-random"):
    for t in faulters(label):
        expect(t["ru_majflt"] > 0 and t["by_reason"]["io_retry"] == t["ru_majflt"],
               f"{label} tid {t['tid']}: io_retry {t['by_reason']['io_retry']} "
               f"== ru_majflt {t['ru_majflt']}")
fig = {f["name"]: f for f in cmp["figures"]}
io = fig.get("io_retry_fallbacks") or {}
vals = [v["mean"] for v in io.get("values", [])]
expect(len(vals) == 2 and vals[0] > 0 and vals[1] == 0,
       f"compare stock-ra patched-ra: io_retry fallbacks {vals}, to 0")
steps = [g.get("timestamp_step_ns") for g in cmp["groups"]]
expect(all(s is not None and 3900000 <= s <= 4100000 for s in steps),
       f"compare: both groups' timestamps in ~4 ms steps (jiffies): {steps}")
sys.exit(1 if bad else 0)
PY
