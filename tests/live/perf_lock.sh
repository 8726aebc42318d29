#!/usr/bin/env bash
# perf_lock.sh - vmlockstat's 'contended' against perf lock contention on the
# same run: perf lock record runs the iofault scenario (faulting threads and
# mprotect writers on one mm) under vmlockstat record. Both read the
# kernel's lock:contention_begin/end, so for the scenario's process the
# contended read and write mmap_lock acquisitions must agree within 5 %
# (issue 15). perf counts every rwsem; only the callers that take
# mmap_lock are summed on its side. Skips with its reason where perf cannot
# record lock events, or when the run had too little contention to compare.
set -u
. "$(dirname "$0")/record_common.bash"
record_preflight
command -v perf >/dev/null || skip "perf not installed (Debian: linux-perf)"
PY=$(command -v python3) || skip "python3 not installed"
[ -d "$T/events/lock/contention_begin" ] || skip "this kernel has no lock:contention_begin"

# The functions that take mmap_lock and show up as perf's caller.
MMAP_CALLERS='lock_mm_and_find_vma|do_mprotect_pkey|madvise_do_behavior|do_madvise|vm_mmap_pgoff|__vm_munmap|vm_munmap|mremap|do_user_addr_fault|mmap_read_lock|mmap_write_lock|do_exit|exit_mmap|dup_mmap|__do_sys_brk|do_brk|get_user_pages|access_remote_vm|userfaultfd'

attempt() {	# $1: extra scenario options; sets r_perf, w_perf, r_vls, w_vls
	rm -f "$WORK"/perf.data* "$WORK"/v.* "$WORK/truth.json"
	"$VLS" record --db "$WORK/v.db" -o "$WORK/v.dat" -- \
		perf lock record -o "$WORK/perf.data" -- \
		"$VLS" workload iofault --threads 4 --writers 2 --random $1 \
		--truth "$WORK/truth.json" >"$WORK/rec.out" 2>"$WORK/rec.err" ||
		{ grep -qi 'perf' "$WORK/rec.err" && skip "perf lock record failed: $(grep -i perf "$WORK/rec.err" | head -2)"
		  fail "record: $(tail -3 "$WORK/rec.err")"; }
	# perf prints its table on stderr
	perf lock contention -i "$WORK/perf.data" -E 1000 >"$WORK/perf.txt" 2>&1 ||
		skip "perf lock contention failed: $(head -2 "$WORK/perf.txt")"
	read -r r_perf w_perf < <(awk -v re="^($MMAP_CALLERS)[+]" '
		$1 ~ /^[0-9]+$/ && ($NF ~ re) { if ($(NF-1) == "rwsem:R") r += $1; if ($(NF-1) == "rwsem:W") w += $1 }
		END { print r + 0, w + 0 }' "$WORK/perf.txt")
	"$VLS" report --db "$WORK/v.db" --json --top 0 >"$WORK/r.json" || fail "report --json"
	read -r r_vls w_vls < <("$PY" - "$WORK/r.json" "$WORK/truth.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); run = doc["runs"][0] if "runs" in doc else doc
pid = json.load(open(sys.argv[2]))["pid"]
p = [p for p in run["processes"] if p["pid"] == pid]
ml = p[0]["mmap_lock"] if p else {}
c = lambda m: ((ml or {}).get(m) or {}).get("contended")
print(c("read"), c("write"))
PY
)
	echo "perf lock contention: read $r_perf, write $w_perf; vmlockstat contended: read $r_vls, write $w_vls"
	awk -v re="^($MMAP_CALLERS)[+]" '$1 ~ /^[0-9]+$/ && $(NF-1) ~ /^rwsem/ && $NF !~ re {
		print "  not an mmap_lock caller, left out: " $0 }' "$WORK/perf.txt"
}

# Within 5 %, and within 2 for small counts (one contention at the edge of
# either recording's window).
close() {
	[ "$2" != None ] || return 1
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d
		m = a > b ? a : b; exit !(d <= 2 || d <= 0.05 * m) }'
}

attempt "--size 32"
if [ $((r_perf + w_perf)) -lt 40 ]; then
	attempt "--size 64 --iterations 2"
	[ $((r_perf + w_perf)) -ge 40 ] ||
		skip "too little contention to compare ($r_perf read, $w_perf write by perf)"
fi
grep -q "note: 'contended': the waits whose task entered the rwsem slow path" \
	< <("$VLS" report --db "$WORK/v.db") || fail "the report does not say contended comes from lock:contention_begin"
close "$r_perf" "$r_vls" || fail "read: perf $r_perf, vmlockstat $r_vls: more than 5 % apart"
close "$w_perf" "$w_vls" || fail "write: perf $w_perf, vmlockstat $w_vls: more than 5 % apart"
ok "contended read and write agree with perf lock contention within 5 %"
