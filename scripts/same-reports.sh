#!/usr/bin/env bash
# Report-equivalence check for work on the report loader and the DB layout:
# every report of every run, from two builds, on the same DBs.
#
# Usage: scripts/same-reports.sh OLD_BUILD_DIR NEW_BUILD_DIR [DB...]
#
# OLD imports every trace we have into one DB (tests/data: trace.dat v7 and
# v6, text/ in every dialect; tests/data/shared and ../shared/traces with
# their vmstat and kernel, as `compare` wants them); NEW imports the same
# into a DB of its own. Then, per run of each DB, `report --json`, `report`
# and `report --csv` for each --by, with the default --top and with --all;
# per DB, `runs` (text and --json), `compare` of runs 1 and 2 and the
# kernel/arch matrix (text and --json). Four sides are compared:
#   old: OLD on its own DB
#   ro:  NEW on a copy of that DB as it is (reports open read-only: an
#        older schema NEW still reads without migrating it)
#   mig: NEW on a copy of that DB migrated to NEW's schema (an import of
#        /dev/null opens it read-write, migrates it, and fails: no run added)
#   new: NEW on its own DB
# Each DB given after the build dirs (e.g. a big benchmark run) is reported
# by OLD, and by NEW on copies of it as it is and migrated (no new import).
# KEEP=1 leaves the outputs and the DBs.
#
# The import time (run.imported_at) is set to one constant in every DB
# first. Prints one line per DB and side pair, "same" or "DIFF" with the
# files that differ; exits 1 on any difference (2 on a usage error). Diffs
# stay in the temporary dir printed.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 2 ] || { grep -m1 '^# Usage:' "$0" | sed 's/^# //' >&2; exit 2; }
for d in "$1" "$2"; do
	[ -x "$d/vmlockstat" ] || { echo "same-reports.sh: no $d/vmlockstat" >&2; exit 2; }
done
OLD=$(cd "$1" && pwd)/vmlockstat
NEW=$(cd "$2" && pwd)/vmlockstat
shift 2
T=$(mktemp -d /tmp/vls-same-reports.XXXXXX)
export TZ=UTC LC_ALL=C
unset VMLOCKSTAT_DB
echo "== $OLD against $NEW; outputs in $T"

# import BIN DB: every trace into DB (a trace BIN refuses is left out by
# both builds alike: the imports' outputs are compared too)
import() {
	local bin=$1 db=$2 f d kernel arch name
	for f in tests/data/*.dat tests/data/*.dat.xz tests/data/text/*.txt.xz; do
		[ -e "$f" ] || continue
		case $f in
		*.xz) name=$(basename "$f" .xz); xz -dc "$f" >"$T/in.$name"; f=$T/in.$name ;;
		esac
		"$bin" import --db "$db" --label "${f##*/}" "$f" 2>&1 |
			sed 's/ in [0-9.]* s$//'
	done
	for d in tests/data/shared/*/ ../shared/traces/*/; do
		[ -e "$d/trace.txt.xz" ] || continue
		name=$(basename "$d")
		xz -dc "$d/trace.txt.xz" >"$T/in.trace.txt"
		read -r _ _ kernel _ <"$d/uname.txt"
		arch=$(awk '{print $(NF-1)}' "$d/uname.txt")
		"$bin" import --db "$db" --label "$name" --kernel "$kernel" --arch "$arch" \
			--meta-file vmstat.before="$d/vmstat.before" \
			--meta-file vmstat.after="$d/vmstat.after" "$T/in.trace.txt" 2>&1 |
			sed 's/ in [0-9.]* s$//'
	done
	rm -f "$T"/in.*
}

stamp() { sqlite3 "$1" "UPDATE run SET imported_at = 1000000000" >/dev/null; }

# reports BIN DB DIR: everything BIN says about DB, one file per command
reports() {
	local bin=$1 db=$2 dir=$3 id by top
	mkdir -p "$dir"
	for id in $(sqlite3 -readonly "$db" "SELECT id FROM run ORDER BY id"); do
		"$bin" report --db "$db" -r "$id" --json >"$dir/$id.json" 2>&1 || true
		for by in process thread callsite; do
			for top in "" --all; do
				"$bin" report --db "$db" -r "$id" --by $by $top \
					>"$dir/$id.$by$top.txt" 2>&1 || true
				"$bin" report --db "$db" -r "$id" --by $by $top --csv \
					>"$dir/$id.$by$top.csv" 2>&1 || true
			done
		done
	done
	"$bin" runs --db "$db" >"$dir/runs.txt" 2>&1 || true
	"$bin" runs --db "$db" --json >"$dir/runs.json" 2>&1 || true
	"$bin" compare --db "$db" 1 2 >"$dir/compare.txt" 2>&1 || true
	"$bin" compare --db "$db" --json 1 2 >"$dir/compare.json" 2>&1 || true
	"$bin" compare --db "$db" --by kernel,arch >"$dir/matrix.txt" 2>&1 || true
	"$bin" compare --db "$db" --by kernel,arch --json >"$dir/matrix.json" 2>&1 || true
	sed -i "s|$db|DB|g" "$dir"/*
}

# same NAME A B: compare two report dirs
fails=0
same() {
	if diff -rq "$2" "$3" >/dev/null; then
		echo "same  $1 ($(ls "$2" | wc -l) outputs)"
	else
		echo "DIFF  $1: $(diff -rq "$2" "$3" | sed -nE 's|^Files .*/([^/]*) and .*|\1|p' |
			tr '\n' ' ')"
		diff -ru "$2" "$3" >"$T/$1.diff" || true
		fails=$((fails + 1))
	fi
}

import "$OLD" "$T/old.db" >"$T/import-old.out"
import "$NEW" "$T/new.db" >"$T/import-new.out"
cmp -s "$T/import-old.out" "$T/import-new.out" || {
	echo "DIFF  import messages"; fails=$((fails + 1)); }
stamp "$T/old.db"
stamp "$T/new.db"
# migrate DB: NEW's schema, nothing else
migrate() { "$NEW" import --db "$1" /dev/null >/dev/null 2>&1 || true; }

cp "$T/old.db" "$T/ro.db"
cp "$T/old.db" "$T/mig.db"
migrate "$T/mig.db"
reports "$OLD" "$T/old.db" "$T/old"
reports "$NEW" "$T/ro.db" "$T/ro"
reports "$NEW" "$T/mig.db" "$T/mig"
reports "$NEW" "$T/new.db" "$T/new"
same "fixtures: old vs ro" "$T/old" "$T/ro"
same "fixtures: old vs mig" "$T/old" "$T/mig"
same "fixtures: old vs new" "$T/old" "$T/new"

n=0
for db in "$@"; do
	n=$((n + 1))
	for side in old ro mig; do cp "$db" "$T/x$n-$side.db"; done
	migrate "$T/x$n-mig.db"
	reports "$OLD" "$T/x$n-old.db" "$T/x$n-old"
	reports "$NEW" "$T/x$n-ro.db" "$T/x$n-ro"
	reports "$NEW" "$T/x$n-mig.db" "$T/x$n-mig"
	rm -f "$T/x$n"-*.db*
	same "$db: old vs ro" "$T/x$n-old" "$T/x$n-ro"
	same "$db: old vs mig" "$T/x$n-old" "$T/x$n-mig"
done
# KEEP=1: leave the outputs and DBs (to look at them)
if [ -z "${KEEP:-}" ]; then
	rm -f "$T"/*.db*
	[ "$fails" = 0 ] && rm -rf "$T"
fi
[ "$fails" = 0 ] && { echo "== all same"; exit 0; }
echo "== $fails differ: diffs in $T"
exit 1
