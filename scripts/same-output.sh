#!/usr/bin/env bash
# Behaviour-equivalence check for refactors: two builds of vmlockstat on every
# input we have, everything they print and store compared.
#
# Usage: scripts/same-output.sh OLD_BUILD_DIR NEW_BUILD_DIR [OUT_DIR]
#
# Each build dir has the binary vmlockstat at its top. Inputs: the fixtures of
# tests/data (trace.dat v7, v6, the report text twin, text/ in every dialect,
# shared/ traces; record/ only if it holds a trace), ../shared/traces/ next to
# the work tree (skipped when absent), the hostile corpus of
# tests/data/bad/make-corpus.py (imported as its MANIFEST says: options, the
# DB to import into, by default one that already holds a run) and the files of
# fuzz/regressions/. Per input, each build:
#  - `import` into a DB of its own, and `import --keep-events` into another:
#    stdout, stderr, exit status, and whether a DB given was changed;
#  - every table of both DBs dumped (schema, then all rows in the order of all
#    columns);
#  - `report` (text and --csv for each --by table, --json) and `runs` (text,
#    --json) on the first DB.
# One more case imports the four tests/data/shared traces, labelled, into one
# DB and runs `compare` on it (two runs, three labels, --by kernel,arch; text
# and --json), `report` on two runs and `runs`.
#
# What differs from one run of the same build to the next is made equal, and
# nothing else: the import time stored in the DB (see stamp), the elapsed time
# the import prints, the build and work dirs in messages (see side).
#
# Prints one line per input, "same" or "DIFF" with the outputs that differ, and
# a summary; exits 1 on any difference (2 on a usage error). The diffs stay in
# OUT_DIR (default: a new temporary dir, printed): OUT_DIR/<input>.diff.
# JOBS (default 2) inputs run at once: 168 inputs take about a minute on two
# idle CPUs (95 s of CPU time, mostly process starts), 2 to 3 when they are busy.
# shellcheck disable=SC2317 # the per-input functions run under xargs (export -f)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { grep -m1 '^# Usage:' "$0" | sed 's/^# //' >&2; exit 2; }
{ [ $# -ge 2 ] && [ $# -le 3 ]; } || usage
for d in "$1" "$2"; do
	[ -x "$d/vmlockstat" ] || { echo "same-output.sh: no $d/vmlockstat" >&2; exit 2; }
done
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
OUT=${3:-$(mktemp -d /tmp/vls-same-out.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
REPO=$PWD
T=$(mktemp -d /tmp/vls-same.XXXXXX)
trap 'rm -rf "$T"' EXIT
# The start of this run: an import's imported_at can be no earlier (see stamp)
T0=$(date +%s)
# Output that depends on the environment rather than the build
export TZ=UTC LC_ALL=C
unset VMLOCKSTAT_DB
# --keep-events if the old build has it (a new build without it differs)
KEEP=
case $("$OLD/vmlockstat" import --help 2>&1) in *--keep-events*) KEEP=1 ;; esac
export OLD NEW OUT REPO T T0 KEEP

# --- the inputs: $T/cases, one per line: ID KIND FILE OPTIONS SEED_DB -------
# KIND import: FILE imported with OPTIONS ("-": none) into a copy of SEED_DB
# ("-": a new DB; "base": the DB every side makes first, one run of the v7
# fixture); KIND compare: the shared traces in one DB (FILE unused).
: >"$T/cases"
case_add() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$T/cases"; }
# add_xz FILE.xz TO: decompress FILE.xz to $T/in/TO, an input
add_xz() {
	mkdir -p "$(dirname "$T/in/$2")"
	xz -dc "$1" >"$T/in/$2"
	case_add "$1" import "$T/in/$2" - -
}

for f in tests/data/*.dat tests/data/*.txt; do
	[ -e "$f" ] || continue
	case_add "$f" import "$REPO/$f" - -
done
for f in tests/data/*.dat.xz tests/data/text/*.txt.xz tests/data/shared/*/trace.txt.xz; do
	[ -e "$f" ] || continue
	add_xz "$f" "${f%.xz}"
done
record=$(find tests/data/record -maxdepth 1 -type f \( -name '*.dat' -o -name '*.txt' \) | sort)
if [ -n "$record" ]; then
	for f in $record; do case_add "$f" import "$REPO/$f" - -; done
else
	echo "note: tests/data/record: no trace (raw ring-buffer pages for the writer test), skipped"
fi
if [ -d ../shared/traces ]; then
	for f in ../shared/traces/*/trace.txt.xz; do
		[ -e "$f" ] || continue
		t=${f#../shared/traces/}
		add_xz "$f" "shared-traces/${t%.xz}"
	done
else
	echo "note: no ../shared/traces next to the work tree, skipped"
fi
python3 tests/data/bad/make-corpus.py tests/data "$T/corpus" >/dev/null
while IFS=$'\t' read -r file _ opts db _ _; do
	id="corpus/$file"
	[ "$opts" = - ] || id="$id $opts"
	if [ "$db" = - ]; then
		db=base
	else
		id="$id into $db"
		db=$T/corpus/$db
	fi
	case_add "$id" import "$T/corpus/$file" "$opts" "$db"
done <"$T/corpus/MANIFEST"
while read -r f; do
	case_add "$f" import "$REPO/$f" - -
done < <(find fuzz/regressions -type f | sort)
case_add "compare: tests/data/shared/* in one DB" compare - - -

# --- one build on one input ------------------------------------------------

# run NAME CMD...: NAME.out, NAME.err and NAME.rc of CMD
run() {
	local name=$1
	shift
	"$@" >"$name.out" 2>"$name.err" </dev/null
	echo $? >"$name.rc"
}
# vls NAME ARGS...: run the side's vmlockstat (a hang is exit status 124)
vls() {
	local name=$1
	shift
	run "$name" timeout 120 "$BIN/vmlockstat" "$@"
}

# stamp DB: imported_at (run table, unix seconds) differs from one import to
# the next: a value between the start of this run and now becomes 1000000000
# (2001-09-09 01:46:40 UTC) in the DB itself, before the dump and the reports,
# so that all that show it (the dump, runs --json, report's "imported ...",
# report --json) show the constant. A value outside that window stays, and
# differs. A DB that is not SQLite or has no such column is left alone.
stamp() {
	[ -s "$1" ] || return 0
	sqlite3 "$1" "UPDATE run SET imported_at = 1000000000
		WHERE imported_at BETWEEN $T0 AND $(date +%s)" >/dev/null 2>&1 || true
}

# dump DB: the schema, then every table's rows ordered by all its columns
dump() {
	[ -e "$1" ] || { echo "(no DB)"; return 0; }
	local tables
	tables=$(sqlite3 -readonly "$1" "SELECT '.print == ' || name || char(10) ||
		'SELECT * FROM \"' || name || '\" ORDER BY ' ||
		(SELECT group_concat(cid + 1, ', ') FROM pragma_table_info(m.name)) || ';'
		FROM sqlite_master AS m WHERE type = 'table' ORDER BY name") || return
	printf '%s\n' .headers\ on ".mode quote" "PRAGMA user_version;" \
		"SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 1, 2;" "$tables" |
		sqlite3 -readonly "$1"
}

# import_dump NAME SEED ARGS...: import into NAME.db (a copy of SEED unless
# "-"), NAME.dbstate: what became of the DB; then NAME-dump of it
import_dump() {
	local name=$1 seed=$2
	shift 2
	[ "$seed" = base ] && seed=$T/base-$SIDE.db
	[ "$seed" = - ] || cp "$seed" "$name.db"
	vls "$name" import --db "$name.db" "$@"
	if [ "$seed" != - ]; then
		cmp -s "$seed" "$name.db" && echo unchanged || echo changed
	else
		[ -e "$name.db" ] && echo created || echo absent
	fi >"$name.dbstate"
	stamp "$name.db"
	run "$name-dump" dump "$name.db"
}

# reports DB: every form of report and runs (--json does not depend on --by)
reports() {
	local by
	for by in process thread callsite; do
		vls "report-$by" report --db "$1" --by "$by"
		vls "report-csv-$by" report --db "$1" --by "$by" --csv
	done
	vls report-json report --db "$1" --json
	vls runs runs --db "$1"
	vls runs-json runs --db "$1" --json
}

side_import() { # FILE OPTIONS SEED
	local opts=()
	[ "$2" = - ] || read -ra opts <<<"$2"
	import_dump import "$3" "${opts[@]}" "$1"
	reports import.db
	[ -z "$KEEP" ] || import_dump import-keep "$3" --keep-events "${opts[@]}" "$1"
}

# The stock and retryvma traces first: runs 1 and 2
side_compare() {
	local n=0 d name kernel arch labels=()
	for name in tiny-6.12-x86_64-stock-readahead tiny-6.12-x86_64-retryvma-readahead \
		debian-6.1-x86_64-readahead debian-6.12-arm64-readahead; do
		d=$REPO/tests/data/shared/$name
		[ -e "$d/trace.txt.xz" ] || continue
		n=$((n + 1))
		labels+=("$name")
		read -r _ _ kernel _ <"$d/uname.txt"
		arch=$(awk '{print $(NF-1)}' "$d/uname.txt")
		vls "import-$n" import --db compare.db --label "$name" --kernel "$kernel" \
			--arch "$arch" --meta-file vmstat.before="$d/vmstat.before" \
			--meta-file vmstat.after="$d/vmstat.after" \
			"$T/in/tests/data/shared/$name/trace.txt"
	done
	stamp compare.db
	run dump dump compare.db
	vls runs runs --db compare.db
	vls runs-json runs --db compare.db --json
	vls report report --db compare.db --run 1 --run 2
	vls report-json report --db compare.db --run 1 --run 2 --json
	vls compare-runs compare --db compare.db 1 2
	vls compare-runs-json compare --db compare.db --json 1 2
	vls compare-labels compare --db compare.db "${labels[@]:2:1}" "${labels[@]:0:2}"
	vls compare-labels-json compare --db compare.db --json "${labels[@]:2:1}" "${labels[@]:0:2}"
	vls compare-matrix compare --db compare.db --by kernel,arch
	vls compare-matrix-json compare --db compare.db --by kernel,arch --json
}

# quote_re STRING: STRING as a sed regex (for a '|'-delimited s command)
quote_re() { sed 's/[][\.*^$|]/\\&/g' <<<"$1"; }

# side old|new ID KIND FILE OPTIONS SEED: one build's outputs in $T/run/KEY/SIDE
side() {
	local SIDE=$1 BIN
	[ "$1" = old ] && BIN=$OLD || BIN=$NEW
	mkdir -p "$1" && cd "$1" || return
	case $3 in
	import) side_import "$4" "$5" "$6" ;;
	compare) side_compare ;;
	esac
	# Made equal in what the two builds print:
	#  - the build dir, in messages that name the binary;
	#  - this side's work dir ($T/run/KEY/old or new), in messages that name
	#    the DB (the CLI prints its absolute path);
	#  - the import's elapsed time ("run 1: x.dat: 1777 events in 0.16 s").
	sed -i -e "s|$(quote_re "$BIN")|BUILD_DIR|g" -e "s|$(quote_re "$PWD")|WORK_DIR|g" \
		-e 's/ events in [0-9.]* s$/ events in (elapsed) s/' ./*.out ./*.err
	# The DBs themselves are compared through their dumps: their bytes may
	# differ for the same rows (page layout, insertion order).
	rm -f ./*.db ./*.db-wal ./*.db-shm
}

# check N: the Nth case, both builds, compared
check() {
	local id kind file opts seed key what
	IFS=$'\t' read -r id kind file opts seed < <(sed -n "$1p" "$T/cases")
	key=$(tr -c 'A-Za-z0-9._\n-' _ <<<"$id")
	mkdir -p "$T/run/$key"
	cd "$T/run/$key" || return
	(side old "$id" "$kind" "$file" "$opts" "$seed")
	(side new "$id" "$kind" "$file" "$opts" "$seed")
	if diff -rq old new >/dev/null; then
		echo same >"$T/status.$1"
		echo "same  $id"
	else
		echo diff >"$T/status.$1"
		diff -ru old new >"$OUT/$key.diff"
		# what differs, per command: "import(err,rc) report-json(out)"
		what=$(diff -rq old new | sed -nE 's|^Files old/(.*)\.([a-z]+) and .*|\1 \2|p' |
			awk '!($1 in s) { o[++n] = $1 } { s[$1] = s[$1] (s[$1] ? "," : "") $2 }
			     END { for (i = 1; i <= n; i++) printf "%s%s(%s)", (i > 1 ? " " : ""), o[i], s[o[i]] }')
		echo "DIFF  $id: $what"
	fi
	cd "$T" && rm -rf "$T/run/$key"
}
export -f run vls stamp dump import_dump reports side_import side_compare quote_re side check

# The DB the corpus imports into by default (one run of the v7 fixture), made
# by each build for itself; a failure shows in every case that uses it
for side in old new; do
	[ $side = old ] && bin=$OLD || bin=$NEW
	"$bin/vmlockstat" import --db "$T/base-$side.db" \
		tests/data/mprotect-fault-6.18-x86_64.dat >/dev/null 2>&1 || true
	stamp "$T/base-$side.db"
done

n=$(wc -l <"$T/cases")
echo "== $n inputs, $OLD against $NEW; diffs in $OUT"
# An input whose check could not run has no status: it counts as differing.
seq "$n" | xargs -P "${JOBS:-2}" -n 1 bash -c 'check "$1"' _ || true
same=$(cat "$T"/status.* 2>/dev/null | grep -c '^same$' || true)
if [ "$same" = "$n" ]; then
	echo "== $n inputs: all same"
	exit 0
fi
echo "== $n inputs: $same same, $((n - same)) differ: diffs in $OUT/"
exit 1
