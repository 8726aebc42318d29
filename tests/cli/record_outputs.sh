#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/record_outputs.sh - `record` checks every output before it
# traces or runs anything (issue 17, item 8): -o a directory, -o in a
# directory that does not exist or cannot be written, -o a FIFO, a
# FILE.meta that is a directory or cannot be written, --db in a missing
# directory, a directory or a file that is not a DB. Each time:
#  - the command (sh -c 'touch MARKER') never runs: no MARKER;
#  - exit 2 for a wrong kind of file, 1 otherwise; one line on stderr that
#    names the path and why (not "needs root": the outputs come first);
#  - nothing is left behind: the directory lists as before, a --db this
#    run would have created does not exist, an existing file is unchanged.
# Needs no root and no tracefs: every case fails before those are checked.
# Environment (set by CTest): VLS, VLS_TEST_DATA.
set -u
VLS=${VLS:?set VLS to the vmlockstat binary}
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}
T=$(mktemp -d /tmp/vls_cli_recout.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
W=$T/w          # where the outputs go
mkdir -m 777 "$W" "$T/m"    # m: the command's marker, for any user
mkdir "$W/dir" "$W/side.dat.meta"
mkfifo "$W/fifo"
echo "not a DB" >"$W/text.db"
listing() { (cd "$W" && find . -printf '%p %y %s\n' | sort); }
before=$(listing)
sum_text=$(sha256sum <"$W/text.db")

# expect WHAT STATUS MESSAGE [VLS_PREFIX...] -- RECORD_ARGS...: the record
# fails with STATUS and MESSAGE, runs nothing, leaves nothing.
expect() {
	local what=$1 want=$2 msg=$3 pre=() st n f0=$fails
	shift 3
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	rm -f "$T/m/marker"
	timeout 20 "${pre[@]}" record "$@" -- sh -c "touch '$T/m/marker'; echo ran" \
		>"$T/out" 2>"$T/err"
	st=$?
	n=$(wc -l <"$T/err")
	[ -e "$T/m/marker" ] && fail "$what: the command ran"
	grep -q ran "$T/out" && fail "$what: the command's output"
	[ "$st" = "$want" ] || fail "$what: exit $st, expected $want: $(head -c 300 "$T/err")"
	[ "$n" = 1 ] || fail "$what: $n lines on stderr, expected 1: $(head -c 500 "$T/err")"
	grep -qF -- "$msg" "$T/err" ||
		fail "$what: stderr lacks '$msg': $(head -c 300 "$T/err")"
	grep -q 'needs root\|tracefs' "$T/err" && fail "$what: tracefs checked first"
	[ "$(listing)" = "$before" ] ||
		fail "$what: left behind: $(diff <(echo "$before") <(listing) | tail -n +2)"
	[ -e "$W/new.db" ] && fail "$what: new.db created"
	[ "$fails" = "$f0" ] && ok "$what: $(cat "$T/err")"
}

expect "-o a directory" 2 "$W/dir: is a directory" "$VLS" -- -o "$W/dir"
expect "-o a directory, --db new" 2 "$W/dir: is a directory" "$VLS" -- \
	-o "$W/dir" --db "$W/new.db"
expect "-o in no directory" 1 "$W/none/t.dat: its directory $W/none does not exist" \
	"$VLS" -- -o "$W/none/t.dat"
expect "-o a FIFO" 2 "$W/fifo: not a regular file" "$VLS" -- -o "$W/fifo"
[ -p "$W/fifo" ] || fail "the FIFO was replaced"
expect "FILE.meta a directory" 2 "$W/side.dat.meta: is a directory" "$VLS" -- \
	-o "$W/side.dat"
expect "--db in no directory" 1 "$W/none/x.db: cannot write in its directory" \
	"$VLS" -- -o "$W/t.dat" --db "$W/none/x.db"
expect "--db a directory" 2 "$W/dir: is a directory" "$VLS" -- \
	-o "$W/t.dat" --db "$W/dir"
expect "--db not a DB" 1 "$W/text.db: not an SQLite database" "$VLS" -- \
	-o "$W/t.dat" --db "$W/text.db"
[ "$(sha256sum <"$W/text.db")" = "$sum_text" ] || fail "text.db was changed"

# A DB of an older schema is checked, not migrated, before the recording:
# a recording that fails leaves it as it was (item 8).
xz -dc "$DATA/text/ftrace.txt.xz" >"$T/small.txt"
"$VLS" import --db "$W/old.db" "$T/small.txt" >/dev/null 2>&1 || fail "import"
python3 - "$W/old.db" <<'PY' || fail "making a schema-1 DB"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for t in ("fault_task", "fault_run"):
    c.execute(f"ALTER TABLE {t} DROP COLUMN kernel_faults")
c.execute("ALTER TABLE lock_stats DROP COLUMN mm_gen")
c.execute("PRAGMA user_version = 1")
c.commit()
PY
before=$(listing)
sum_old=$(sha256sum <"$W/old.db")
expect "-o a directory, --db of schema 1" 2 "$W/dir: is a directory" "$VLS" -- \
	-o "$W/dir" --db "$W/old.db"
[ "$(sha256sum <"$W/old.db")" = "$sum_old" ] &&
	ok "--db of schema 1: not migrated by a recording that failed" ||
	fail "--db of schema 1 was changed by a recording that failed"

# --- another user: directories and files it may not write ---
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	cp "$VLS" "$T/vls" && chmod 755 "$T/vls"
	mkdir -m 755 "$W/ro"
	echo "# vmlockstat record metadata 1" >"$W/mine.dat.meta"
	chmod 644 "$W/mine.dat.meta"
	before=$(listing)
	nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/vls")
	expect "-o in a directory not writable" 1 \
		"$W/ro/t.dat: cannot create files in its directory $W/ro: Permission denied" \
		"${nobody[@]}" -- -o "$W/ro/t.dat"
	expect "FILE.meta not writable" 1 "$W/mine.dat.meta: cannot write it" \
		"${nobody[@]}" -- -o "$W/mine.dat"
	expect "-o a directory, not root" 2 "$W/dir: is a directory" \
		"${nobody[@]}" -- -o "$W/dir"
else
	echo "note: not root, or no setpriv/nobody: the other-user checks are skipped"
fi

# --scenario: an earlier run's ground truth beside a refused output stays
# (it is removed only once the recording's outputs are known good).
mkdir -p "$T/s/out.dat"
echo '{"earlier": true}' >"$T/s/out.dat.truth.json"
timeout 20 "$VLS" record -o "$T/s/out.dat" --scenario anon >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 2 ] || fail "--scenario, -o a directory: exit $st: $(head -c 300 "$T/err")"
[ "$(cat "$T/s/out.dat.truth.json")" = '{"earlier": true}' ] &&
	ok "--scenario, -o a directory: the earlier truth file is untouched" ||
	fail "--scenario, -o a directory: the earlier truth file is gone or changed"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "PASS"
