#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/bad_inputs.sh - vmlockstat import on the hostile corpus that
# tests/data/bad/make-corpus.py derives from the real fixtures (truncated and
# bit-flipped trace.dat v6/v7, wrong versions, garbage/enormous/invalid UTF-8
# text lines, out-of-order timestamps, unknown events, non-DBs, a DB of a
# newer schema, bad sidecars). Each case imports into a copy of a DB that
# already holds one run; the MANIFEST says what must happen:
#   fail  exit 1, exactly one line on stderr, naming the file
#   usage exit 2
#   warn  exit 0, a warning naming the file (unparsable lines counted)
#   ok    exit 0, nothing on stderr but the note that tracefs text has
#         microsecond timestamps (cmd_import.c warn_resolution())
#   any   exit 0 or 1 (as above), whichever
#   noisy like any, without the one-line rule (libtracecmd prints on
#         stderr itself for some corrupt files: a known issue)
# and in every case: no sanitizer report, no signal, PRAGMA integrity_check
# ok, the existing run's rows unchanged (checksum of every row of run 1 in
# every table), the run count unchanged after a failure and +1 after a
# success. In the Sanitize build the binary is the ASan+UBSan one.
# Environment (set by CTest): VLS, VLS_TEST_DATA, VLS_SOURCE_DIR.
set -u
VLS=${VLS:?set VLS to the vmlockstat binary}
DATA=${VLS_TEST_DATA:?}
SRC=${VLS_SOURCE_DIR:?}
T=$(mktemp -d /tmp/vls_cli_bad.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

C=$T/corpus
python3 "$SRC/tests/data/bad/make-corpus.py" "$DATA" "$C" >/dev/null || {
	echo "FAIL: make-corpus.py" >&2; exit 1; }

# The DB every case starts from: one run with stacks, locks and faults.
"$VLS" import --db "$T/base.db" "$DATA/mprotect-fault-6.18-x86_64.dat" >/dev/null 2>"$T/err" ||
	{ echo "FAIL: base import: $(cat "$T/err")" >&2; exit 1; }

sanitizer_clean() {
	! grep -qE "AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer" "$T/err"
}

# one_line NAME WHO: stderr is exactly one line naming WHO
one_line() {
	local n
	n=$(wc -l <"$T/err")
	[ "$n" = 1 ] || fail "$1: $n lines on stderr: $(head -c 400 "$T/err")"
	grep -qF -- "$2" "$T/err" || fail "$1: stderr does not name $2: $(head -c 300 "$T/err")"
}

# Each case imports into its own copy of base.db ($T/db/N.db, all checked
# at the end by check_dbs.py) or into a bad DB of the corpus (which must
# stay byte for byte as it was).
mkdir "$T/db"
: >"$T/results"
declare -A seen
n_cases=0 n_ok=0 n_failed=0
while IFS=$'\t' read -r file expect opts dbname pattern what; do
	n_cases=$((n_cases + 1))
	name="$file${opts:+ $opts}"
	[ "$opts" = - ] && opts= && name=$file
	if [ "$dbname" = - ]; then
		db=$T/db/$n_cases.db
		cp "$T/base.db" "$db"
		who=$file
		[ -e "$C/$file.meta" ] && who=$file.meta
	else
		db=$T/case-$dbname
		cp "$C/$dbname" "$db"
		before_sha=$(sha256sum <"$db")
		who=$dbname
	fi
	# Fuzzer findings reach libtracecmd's leaking error paths: the slow
	# unwinder lets LSan see the libtracecmd function named in
	# tests/sanitize/lsan.supp (no frame pointers there); everywhere else
	# it would triple the time under ASan.
	unwind=
	case $file in fuzz-*) unwind=:fast_unwind_on_malloc=0;; esac
	# shellcheck disable=SC2086
	ASAN_OPTIONS="${ASAN_OPTIONS:-}$unwind" \
		timeout 120 "$VLS" import --db "$db" $opts "$C/$file" >"$T/out" 2>"$T/err"
	st=$?
	if [ $st -ge 124 ]; then
		fail "$name ($what): exit status $st (crash or hang): $(head -c 600 "$T/err")"
		continue
	fi
	sanitizer_clean || { fail "$name ($what): sanitizer report:"; head -30 "$T/err" >&2; }
	[ "$pattern" = - ] || grep -qE -- "$pattern" "$T/err" ||
		fail "$name ($what): stderr does not match /$pattern/: $(head -c 300 "$T/err")"
	case $expect in
	fail) [ $st = 1 ] || fail "$name ($what): exit $st, expected 1: $(head -c 300 "$T/err")";;
	usage) [ $st = 2 ] || fail "$name ($what): exit $st, expected 2";;
	ok)   [ $st = 0 ] || fail "$name ($what): exit $st, expected 0: $(head -c 300 "$T/err")"
	      grep -v ': timestamps in microseconds: waits shorter than 1 us read as 0$' \
		"$T/err" >"$T/err.rest"
	      [ -s "$T/err.rest" ] && fail "$name ($what): stderr not empty: $(head -c 300 "$T/err")";;
	warn) [ $st = 0 ] || fail "$name ($what): exit $st, expected 0: $(head -c 300 "$T/err")"
	      grep -qF -- "$file" "$T/err" || fail "$name ($what): warning does not name the file";;
	any|noisy) [ $st = 0 ] || [ $st = 1 ] || fail "$name ($what): exit $st";;
	esac
	if [ $st = 1 ] && [ "$expect" = noisy ]; then
		n_failed=$((n_failed + 1))
		grep -qF -- "$who" "$T/err" || fail "$name ($what): stderr does not name $who"
	elif [ $st = 1 ]; then
		n_failed=$((n_failed + 1))
		one_line "$name ($what)" "$who"
	elif [ $st = 0 ]; then
		n_ok=$((n_ok + 1))
	fi
	if [ "$dbname" = - ]; then
		printf '%s\t%s\t%s\n' "$db" "$st" "$file" >>"$T/results"
	else
		[ "$(sha256sum <"$db")" = "$before_sha" ] || fail "$name ($what): $dbname was modified"
	fi
	if [ "$file" = bad-utf8.txt ] && [ $st = 0 ]; then
		"$VLS" report --db "$db" --run 2 --json >"$T/json" 2>"$T/err" ||
			fail "$name: report --json failed: $(head -c 300 "$T/err")"
		python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' \
			"$T/json" || fail "$name: report --json is not valid UTF-8 JSON"
	fi
	seen[$file]=$st
done <"$C/MANIFEST"

python3 "$SRC/tests/cli/check_dbs.py" "$T/base.db" "$T/results" >&2 || fail "DB checks (above)"

[ "$n_cases" -gt 100 ] || fail "only $n_cases cases"
[ "${seen[garbage-lines.txt]:-}" = 1 ] || fail "garbage-lines.txt --strict did not run last"
echo "$n_cases cases: $n_ok imported, $n_failed refused"
if [ $fails -ne 0 ]; then
	echo "$fails failures" >&2
	exit 1
fi
echo "all passed"
