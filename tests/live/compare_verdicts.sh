#!/usr/bin/env bash
# Issue 20, live: verdicts on real repetitions of scenario iofault (4
# threads, a 32 MB file evicted from the page cache). Three groups of 3
# runs, recorded interleaved (random, random2, readahead, random, ...) so
# a drift of the machine hits every group alike:
#   random, random2: MADV_RANDOM, one page per major fault: each major
#     fault drops the per-VMA lock for its I/O and retries under mmap_lock
#     (fallback rate ~90 %, set by the page count: stable to ~0.1 pp);
#   readahead: the default advice: most pages come in by readahead and
#     only the faults that catch a readahead in flight fall back (~2 %).
# Expected: random2 against random is "no change" for the fallback rate,
# readahead against random a "decrease". Neither depends on timing: the
# margins are tens of points against a threshold of ~4.6 pp. (readahead
# against readahead is not checked: its rate rests on ~10-20 I/O waits
# per run, too few for 3 runs to resolve 5 % of 2 %; docs/compare.md.)
set -euo pipefail
source "$(dirname "$0")/record_common.bash"
record_preflight
HERE=$(cd "$(dirname "$0")" && pwd)

DB=$WORK/v.db
for i in 1 2 3; do
	for g in random random2 readahead; do
		extra=()
		[ "$g" = readahead ] || extra=(--random)
		rc=0
		timeout -s INT 150 "$VLS" record -b 8192 -o "$WORK/$g-$i.dat" --db "$DB" --label "$g" \
			--scenario iofault --threads 4 --size 32 "${extra[@]}" \
			>"$WORK/$g.out" 2>"$WORK/$g.err" || rc=$?
		[ "$rc" -eq 77 ] && skip "scenario iofault: $(tail -2 "$WORK/$g.err")"
		[ "$rc" -eq 0 ] || fail "record $g $i: exit $rc: $(tail -5 "$WORK/$g.err")"
		grep -q "LOST" "$WORK/$g.err" && fail "$g $i: events lost"
	done
done
"$VLS" compare --db "$DB" --ci random random2 readahead
"$VLS" compare --db "$DB" --json random random2 readahead >"$WORK/c.json"
python3 "$HERE/../cli/check_report_json.py" "$WORK/c.json" || fail "compare JSON contract"
python3 - "$WORK/c.json" <<'PY' || fail "verdicts"
import json, sys
d = json.load(open(sys.argv[1]))
fr = [f for f in d["figures"] if f["name"] == "fallback_rate"][0]
base, same, ra = fr["values"]
print(f"fallback rate: random {base['mean']:.4f} sd {base['sd']:.4f}, "
      f"random2 {same['mean']:.4f} sd {same['sd']:.4f}, "
      f"readahead {ra['mean']:.4f} sd {ra['sd']:.4f}")
bad = 0
for g, want in ((1, "no change"), (2, "decrease")):
    c = fr["change"][g]
    ok = c is not None and c["verdict"] == want
    print(("ok: " if ok else "FAIL: ") + f"group {g}: {c and c['verdict']} "
          f"ci95 {c and c['ci95']}, expected {want}")
    bad |= not ok
sys.exit(bad)
PY
ok "same configuration: no change; readahead against MADV_RANDOM: decrease"
