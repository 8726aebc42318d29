#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/messages.sh - the messages issue 16 lists, one check each:
# numbers out of range say the range, no message repeats its prefix, one
# meaning per short option across every command and scenario (-d is --db,
# and the old spellings of the scenarios still work), defaults in
# `workload NAME --help`.
# Environment (set by CTest): VLS, VLS_TEST_DATA.
source "$(dirname "$0")/cli_common.bash"
cli_setup messages
# err_is TEXT: stderr's first line is exactly TEXT
err_is() {
	local got
	got=$(head -1 "$T/err")
	[ "$got" = "$1" ] || fail "message: got '$got', expected '$1'"
}
# once WORD: WORD appears once in stderr (no repeated prefix)
once() {
	local n
	n=$(grep -o -- "$1" "$T/err" | wc -l)
	[ "$n" = 1 ] || fail "'$1' $n times in: $(cat "$T/err")"
}

"$VLS" import -d "$T/a.db" "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat" > /dev/null ||
	fail "import of the fixture"

# --top 2147483648: the range, not "wants a number"
expect 2 "$VLS" report -d "$T/a.db" --top 2147483648
err_is "vmlockstat report: --top wants a number from 0 (all) to 1000000, not '2147483648'"
# --duration 0: what a duration must be, not "bad duration '0'"
expect 2 "$VLS" record --duration 0 -a
err_is "vmlockstat record: --duration wants seconds, more than 0 and at most 10000000, not '0'"
expect 2 "$VLS" record -D 0 -a
err_is "vmlockstat record: --duration wants seconds, more than 0 and at most 10000000, not '0'"
# compare: a missing run, said once
expect 1 "$VLS" compare -d "$T/a.db" 1 nosuch
err_is "vmlockstat compare: no run with id or label 'nosuch' in $T/a.db"
once "compare:"
# a directory given as a trace or as the output: its name once
mkdir "$T/shots"
expect 2 "$VLS" import -d "$T/a.db" "$T/shots"
once "shots:"
expect 2 "$VLS" record -o "$T/shots" -a --duration 1
once "shots:"
grep -q "shots: is a directory" "$T/err" || fail "record -o DIR: $(cat "$T/err")"

# one meaning per short option, in every command and every scenario
{
	for c in $("$VLS" --help | awk '/^commands:/ {on = 1; next} on && !NF {exit} on {print $1}'); do
		"$VLS" "$c" --help
	done
	for s in $("$VLS" workload --help | sed -n '/^scenarios:/,$p' | awk 'NR > 1 {print $1}'); do
		"$VLS" workload "$s" --help
	done
} | sed -n 's/^  -\([a-zA-Z]\), --\([a-z-]*\).*/\1 \2/p' | sort -u > "$T/shorts"
[ "$(wc -l < "$T/shorts")" -gt 10 ] || fail "too few short options found: $(cat "$T/shorts")"
awk '{print $1}' "$T/shorts" | uniq -d > "$T/dups"
[ ! -s "$T/dups" ] || fail "short options with several meanings: $(grep -f "$T/dups" "$T/shorts" | tr '\n' ';')"
grep -qx "d db" "$T/shorts" || fail "-d is not --db: $(cat "$T/shorts")"
# record takes -d for --db as import does: a directory is refused as a DB
mkdir "$T/dbdir"
expect 2 "$VLS" record -d "$T/dbdir" -o "$T/x.dat" -a --duration 1
grep -q "dbdir: is a directory" "$T/err" || fail "record -d DIR: $(cat "$T/err")"
# the scenarios' old short options still work, with a note
expect 0 "$VLS" workload anon -t 1 -p 8 -i 1
grep -q '"pages":8' "$T/out" || fail "workload anon -p 8: $(head -c 200 "$T/out")"
err_is "vmlockstat workload anon: note: -p is now --pages (-p is --pid in the other commands)"
expect 0 "$VLS" workload anon -t 1 -p8 -i 1
grep -q '"pages":8' "$T/out" || fail "workload anon -p8: $(head -c 200 "$T/out")"
expect 2 "$VLS" workload anon -x
err_is "vmlockstat workload anon: unknown option '-x'"

# workload NAME --help shows the defaults
expect 0 "$VLS" workload fork --help
grep -q -- "--duration S .*(default: 1)" "$T/out" || fail "fork --help: no --duration default"
grep -q -- "--threads N .*(default: 2)" "$T/out" || fail "fork --help: no --threads default"
# unknown scenario: the names it could be
expect 2 "$VLS" workload nosuch
grep -q "unknown scenario 'nosuch' (iofault, " "$T/err" || fail "unknown scenario: $(cat "$T/err")"

cli_done messages
