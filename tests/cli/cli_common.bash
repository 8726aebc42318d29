# cli_common.bash - sourced by tests/cli/*.sh that check exit statuses,
# stderr and DB rows (not a test: ctest runs *.sh only).
#   cli_setup NAME      VLS checked, $T a fresh directory (removed on exit),
#                       VMLOCKSTAT_DB=$T/default.db, fails=0
#   fail MSG            count a failure, say it on stderr
#   expect STATUS CMD.. run CMD, check its exit status; output in $T/out,
#                       $T/err
#   q DB SQL            rows as a|b|c, NULL as empty (sqlite3(1) if there,
#                       else python3), read-only
#   eq GOT WANT WHAT    fail unless GOT is WANT
#   grep_err TEXT       fail unless $T/err has TEXT
#   cli_done NAME       "NAME: all passed" and exit 0, or exit 1
# Environment (set by CTest): VLS = the vmlockstat binary.
set -u

cli_setup() {
	VLS=${VLS:?set VLS to the vmlockstat binary}
	T=$(mktemp -d "/tmp/vls_cli_$1.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	export VMLOCKSTAT_DB=$T/default.db
	fails=0
}

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

expect() {
	local want=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want: $(head -c 300 "$T/err")"
}

if command -v sqlite3 >/dev/null; then
	q() { sqlite3 -batch -readonly "$1" "$2"; }
else
	q() { python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for r in c.execute(sys.argv[2]): print("|".join("" if v is None else str(v) for v in r))' "$@"; }
fi

eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
grep_err() { grep -q -- "$1" "$T/err" || fail "stderr lacks '$1': $(head -c 300 "$T/err")"; }

cli_done() {
	if [ "$fails" -ne 0 ]; then
		echo "$1: $fails failures" >&2
		exit 1
	fi
	echo "$1: all passed"
	exit 0
}
