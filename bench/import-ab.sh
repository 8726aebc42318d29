#!/usr/bin/env bash
# bench/import-ab.sh - `vmlockstat import` of one trace by several builds in
# interleaved rounds (one run of each build per round, so that a slow minute
# of the machine slows every build alike), without import.sh's bare
# libtracecmd loop (which takes 40 s and more on a long v7 trace).
#
# usage: bench/import-ab.sh TRACE ROUNDS BUILD_DIR...
# Prints per build the median wall time with every run's, the median user
# and system CPU seconds and the peak RSS over the rounds. Each import goes
# into a new DB under $TMPDIR (default /var/tmp), removed at the end.
set -eu
[ $# -ge 3 ] || { sed -n '7p' "$0" >&2; exit 2; }
trace=$1 rounds=$2
shift 2
[ -r "$trace" ] || { echo "import-ab: cannot read $trace" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vls-import-ab.XXXXXX")
trap 'rm -rf "$work"' EXIT
for b in "$@"; do
	[ -x "$b/vmlockstat" ] || { echo "import-ab: no $b/vmlockstat" >&2; exit 1; }
done

for r in $(seq "$rounds"); do
	i=0
	for b in "$@"; do
		rm -f "$work"/db*
		/usr/bin/time -o "$work/t" -f "%e %U %S %M" "$b/vmlockstat" import \
			--db "$work/db" "$trace" >/dev/null 2>"$work/err" ||
			{ echo "import-ab: $b failed:" >&2; cat "$work/err" >&2; exit 1; }
		cat "$work/t" >>"$work/times.$i"
		i=$((i + 1))
	done
done

i=0
for b in "$@"; do
	python3 - "$b" "$work/times.$i" <<'PY'
import statistics, sys
runs = [list(map(float, l.split())) for l in open(sys.argv[2])]
med = lambda k: statistics.median(r[k] for r in runs)
print("%s: wall %.2f s (runs %s), user %.2f s, sys %.2f s, peak RSS %.0f MB" % (
    sys.argv[1], med(0), " ".join("%.2f" % w for w in sorted(r[0] for r in runs)),
    med(1), med(2), max(r[3] for r in runs) / 1024))
PY
	i=$((i + 1))
done
