#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/db_access.sh - DBs and traces that are not ordinary writable
# files: a DB the user may read but not write next to (read-only commands
# work, writing ones say why not), devices, FIFOs and pipes as a DB or a
# trace (refused before anything is touched, never a hang), an immutable
# DB, and a multi-file import that stops early (says what it skipped).
# Environment (set by CTest): VLS, VLS_TEST_DATA.
set -u
VLS=${VLS:?set VLS to the vmlockstat binary}
DATA=${VLS_TEST_DATA:?}
T=$(mktemp -d /tmp/vls_cli_access.XXXXXX)
chmod 755 "$T"
trap 'chattr -i "$T/imm.db" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
dat=$DATA/mprotect-fault-6.18-x86_64.dat
# run CMD with a 10 s bound: status in $st, stderr in $T/err
run() { timeout 10 "$@" >"$T/out" 2>"$T/err"; st=$?; }
has_err() { grep -q -- "$1" "$T/err" || fail "$2: stderr lacks '$1': $(head -c 300 "$T/err")"; }

run "$VLS" import --db "$T/a.db" "$dat"
[ $st = 0 ] || { echo "FAIL: first import: $(cat "$T/err")"; exit 1; }

# --- another user: may read the DB, may not write it or its directory ---
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	mkdir -m 755 "$T/ro" && cp "$T/a.db" "$T/ro/a.db" && chmod 644 "$T/ro/a.db"
	cp "$VLS" "$T/vls" && chmod 755 "$T/vls"
	as_nobody() { run setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	as_nobody "$T/vls" runs --db "$T/ro/a.db"
	[ $st = 0 ] && grep -q 'mprotect-fault' "$T/out" && ok "runs of a DB not writable" ||
		fail "runs as nobody: exit $st: $(head -c 300 "$T/err")"
	as_nobody "$T/vls" report --db "$T/ro/a.db"
	[ $st = 0 ] && grep -q 'fallback' "$T/out" && ok "report of a DB not writable" ||
		fail "report as nobody: exit $st: $(head -c 300 "$T/err")"
	as_nobody "$T/vls" import --db "$T/ro/a.db" "$dat"
	[ $st = 1 ] || fail "import into a DB not writable: exit $st"
	has_err "cannot write it: Permission denied" "import into a DB not writable"
	as_nobody "$T/vls" import --db "$T/ro/new.db" "$dat"
	[ $st = 1 ] || fail "import into a directory not writable: exit $st"
	has_err "cannot write in its directory" "import into a directory not writable"
	[ -e "$T/ro/new.db" ] && fail "a DB created in a directory not writable"
	grep -q 'SELECT\|INSERT\|PRAGMA' "$T/err" && fail "internal SQL in a message: $(cat "$T/err")"
else
	echo "note: not root, or no setpriv/nobody: the other-user checks are skipped"
fi

# --- not regular files: refused, nothing created, no hang ---
run "$VLS" import --db /dev/null "$dat"
[ $st != 0 ] || fail "/dev/null as a DB accepted"
has_err "not a regular file" "/dev/null as a DB"
[ -e /dev/null-journal ] || [ -e /dev/null-wal ] && fail "a journal next to /dev/null"
mkfifo "$T/fifo"
run "$VLS" runs --db "$T/fifo"
[ $st != 0 ] && [ $st != 124 ] || fail "runs --db FIFO: exit $st (124: hung)"
has_err "not a regular file" "a FIFO as a DB"
run "$VLS" import --db "$T/a.db" "$T/fifo"
[ $st != 0 ] && [ $st != 124 ] || fail "import of a FIFO: exit $st (124: hung)"
has_err "not a regular file" "a FIFO as a trace"
st=0; cat "$dat" | timeout 10 "$VLS" import --db "$T/a.db" /dev/stdin >"$T/out" 2>"$T/err" || st=$?
[ $st != 0 ] && [ $st != 124 ] || fail "import of a pipe: exit $st"
has_err "save the trace to a file first" "a pipe as a trace"
[ "$(sqlite3 "$T/a.db" 'SELECT count(*) FROM run')" = 1 ] || fail "runs added by refused imports"
ok "devices, FIFOs and pipes refused with a reason"

# --- an immutable DB (chattr +i), where the file system allows it ---
cp "$T/a.db" "$T/imm.db"
if chattr +i "$T/imm.db" 2>/dev/null; then
	run "$VLS" import --db "$T/imm.db" "$dat"
	[ $st = 1 ] || fail "import into an immutable DB: exit $st"
	has_err "cannot write it: Operation not permitted" "an immutable DB"
	grep -q 'SELECT\|INSERT\|PRAGMA\|COMMIT' "$T/err" && fail "internal SQL: $(cat "$T/err")"
	run "$VLS" runs --db "$T/imm.db"
	[ $st = 0 ] || fail "runs of an immutable DB: $(cat "$T/err")"
	chattr -i "$T/imm.db"
	ok "immutable DB: a true message, still readable"
else
	echo "note: chattr +i not possible here: the immutable-DB check is skipped"
fi

# --- a multi-file import stopping at a bad file says what it skipped ---
echo garbage >"$T/garbage.txt"
run "$VLS" import --db "$T/a.db" "$dat" "$T/garbage.txt" "$dat" "$dat"
[ $st = 1 ] || fail "multi-file import with a bad file: exit $st"
has_err "2 more files not imported" "files skipped after a failure"
[ "$(sqlite3 "$T/a.db" 'SELECT count(*) FROM run')" = 2 ] || fail "runs after the partial import"
ok "skipped files are named"

[ $fails = 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "all passed"
