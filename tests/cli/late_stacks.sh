#!/usr/bin/env bash
# Stacks that arrive late (issue 15, item 3): each fixture's kernel stacks
# moved behind other tasks' events, an interrupt-context event of their own
# task and onto another CPU (late_stacks.py says how) must classify every
# fault and lock acquisition as the fixture does, every stack joined by task
# (run_meta late_stacks), none lost.
set -euo pipefail
: "${VLS:?} ${VLS_TEST_DATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
here=$(dirname "$0")
status=0

# the stack counters of run 1: "late_stacks=N orphan_stacks=N ..." ('-': absent)
counters() { python3 -c "import sqlite3,sys
m=dict(sqlite3.connect(sys.argv[1]).execute('SELECT key, value FROM run_meta'))
print(' '.join(k + '=' + m.get(k, '-') for k in sys.argv[2:]))" "$1" \
	late_stacks orphan_stacks dup_stacks stack_waits_expired; }
# the classification: fault and lock tables, and the stacks they point at
facts() { python3 "$here/dbfacts.py" "$1" 1 | grep -E '^(table )?(fault_|lock_|stack)'; }

check() {   # NAME FILE
	local name=$1 in=$2 moved
	python3 "$here/late_stacks.py" "$in" "$tmp/$name.late" 2>"$tmp/$name.log"
	moved=$(sed -n 's/^late_stacks.py: \([0-9]*\) of .*/\1/p' "$tmp/$name.log")
	"$VLS" import --db "$tmp/$name.db" "$in" >/dev/null
	"$VLS" import --db "$tmp/$name-late.db" "$tmp/$name.late" >/dev/null
	facts "$tmp/$name.db" >"$tmp/$name.facts"
	facts "$tmp/$name-late.db" >"$tmp/$name-late.facts"
	if [ "${moved:-0}" -lt 50 ] || ! grep -q "^table stack ([1-9]" "$tmp/$name.facts"; then
		echo "$name: too few stacks moved (${moved:-0}) to test anything"; status=1; return
	fi
	if ! diff -u "$tmp/$name.facts" "$tmp/$name-late.facts" >"$tmp/$name.diff"; then
		echo "$name: late stacks classify differently:"; head -30 "$tmp/$name.diff"; status=1
	fi
	# every moved stack was joined by task, where the CPU rule had lost it;
	# no more orphans or duplicates than before, no wait ran out
	want="late_stacks=$moved $(counters "$tmp/$name.db" | cut -d' ' -f2-3) stack_waits_expired=-"
	got=$(counters "$tmp/$name-late.db")
	[ "$got" = "$want" ] || { echo "$name: counters $got, expected $want"; status=1; }
	[ $status -eq 0 ] && echo "$name: $moved late stacks, $(wc -l <"$tmp/$name.facts") facts agree"
	return 0
}

check report "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.report.txt"
for f in ftrace atrace; do   # tracecmd: the dialect of the report fixture
	xz -dc "$VLS_TEST_DATA/text/$f.txt.xz" >"$tmp/$f.txt"
	check "$f" "$tmp/$f.txt"
done

# The report says it: late stacks joined are a note, not a silent repair.
"$VLS" report --db "$tmp/report-late.db" >"$tmp/report.txt"
grep -q "stacks arrived late" "$tmp/report.txt" ||
	{ echo "report has no late-stack note"; grep -i stack "$tmp/report.txt"; status=1; }
exit $status
