#!/usr/bin/env bash
# bench/report.sh - the report benchmark (issue 18): on one big stored run,
# the median of RUNS runs, the CPU seconds and the peak RSS of
#   vmlockstat report (text, default --top 10)
#   vmlockstat report --json (every row)
#   GET /api/report?run=ID of vmlockstat serve (top 25), time to the last byte
#   vmlockstat runs
#   vmlockstat compare RUN RUN2 (per process, every thread of both read)
# and, with VLS_BENCH_OLD, the same of another build in the same rounds.
#
# usage: bench/report.sh [BUILD_DIR]   (default: build)
# env:   VLS_BENCH_DB   the DB (default /var/tmp/vmlockstat-bench/report.db,
#                       made when missing by importing VLS_BENCH_TRACE)
#        VLS_BENCH_TRACE  the trace for that (default
#                       /var/tmp/vmlockstat-bench/busy.dat, see import.sh)
#        VLS_BENCH_RUN  the run (default: the one of the most events)
#        VLS_BENCH_RUN2 the other run of compare (default: the next biggest,
#                       or the run itself)
#        RUNS           rounds (default 5)
#        VLS_BENCH_OLD  a build dir to compare with (its vmlockstat)
#
# Each build reads its own copy of the DB: the new one migrated to its
# schema (an import of /dev/null migrates and adds nothing), the old one
# as it is, so with VLS_BENCH_OLD the DB must be one the old build reads
# (made by it, or by a build of the same schema).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
db=${VLS_BENCH_DB:-/var/tmp/vmlockstat-bench/report.db}
trace=${VLS_BENCH_TRACE:-/var/tmp/vmlockstat-bench/busy.dat}
runs=${RUNS:-5}
old=${VLS_BENCH_OLD:-}
tmp=$(mktemp -d /tmp/vls-bench-report.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

die() { echo "report.sh: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
command -v curl >/dev/null || die "curl missing"
[ -x "$build/vmlockstat" ] || die "$build/vmlockstat missing: build first"
[ -z "$old" ] || [ -x "$old/vmlockstat" ] || die "$old/vmlockstat missing"

if [ ! -f "$db" ]; then
	[ -f "$trace" ] || die "no $db, and no $trace to make it from (bench/import.sh records one)"
	mkdir -p "$(dirname "$db")"
	"${old:-$build}/vmlockstat" import --db "$db" "$trace" >&2
fi
q() { sqlite3 -readonly "$db" "$1"; }
run=${VLS_BENCH_RUN:-$(q "SELECT id FROM run ORDER BY events DESC, id LIMIT 1")}
run2=${VLS_BENCH_RUN2:-$(q "SELECT id FROM run WHERE id != $run ORDER BY events DESC,
	id LIMIT 1")}
run2=${run2:-$run}
printf 'DB: %s, run %s (%s events, %s threads), compare with run %s; %s rounds\n' \
	"$db" "$run" "$(q "SELECT events FROM run WHERE id = $run")" \
	"$(q "SELECT count(*) FROM task WHERE run_id = $run")" "$run2" "$runs"

# serve BIN DB: start a server (a port picked at random; serve takes
# another if that one is taken); its URL in $url
serve() {
	local f=$tmp/serve.${#pids[@]} i
	"$1" serve --db "$2" --listen "127.0.0.1:$((20000 + RANDOM % 20000))" >"$f" 2>&1 &
	pids+=("$!")
	for i in $(seq 100); do
		grep -q '^serving ' "$f" 2>/dev/null && break
		sleep 0.1
	done
	url=$(sed -n 's/^serving \(http[^ ]*\).*/\1/p' "$f" | head -1)
	[ -n "$url" ] || die "$1 serve did not start: $(cat "$f")"
}

names=() cmds=()
tool() { names+=("$1"); cmds+=("$2"); }
side() { # LABEL BIN DB
	serve "$2" "$3"
	tool "$1 report" "'$2' report --db '$3' -r $run"
	tool "$1 report --json" "'$2' report --db '$3' -r $run --json"
	tool "$1 /api/report" "curl -sf -o /dev/null '${url%/}/api/report?run=$run'"
	tool "$1 runs" "'$2' runs --db '$3'"
	tool "$1 compare" "'$2' compare --db '$3' $run2 $run"
}
cp "$db" "$tmp/new.db"
"$build/vmlockstat" import --db "$tmp/new.db" /dev/null >/dev/null 2>&1 || true
side new "$build/vmlockstat" "$tmp/new.db"
if [ -n "$old" ]; then
	cp "$db" "$tmp/old.db"
	side old "$old/vmlockstat" "$tmp/old.db"
fi
# what each prints, once (a warm cache for the rounds, and a failure seen)
for i in "${!cmds[@]}"; do
	bash -c "${cmds[$i]}" >/dev/null 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; die "${names[$i]} failed"; }
done

# Rounds: every tool once per round, so that a burst of load from elsewhere
# slows all alike. Wall time in ns around the command (for curl: the
# request and curl's own start, a few ms); CPU (user + system) and peak
# RSS by /usr/bin/time, of that process (for /api/report curl's only, so
# not shown).
for round in $(seq "$runs"); do
	for i in "${!cmds[@]}"; do
		t0=$(date +%s%N)
		/usr/bin/time -f '%M %U %S' -o "$tmp/t" bash -c "${cmds[$i]}" \
			>/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; die "${names[$i]} failed"; }
		t1=$(date +%s%N)
		echo "$i $(((t1 - t0) / 1000)) $(cat "$tmp/t")" >>"$tmp/all"
	done
done

printf '%-24s %10s %10s %10s %8s\n' tool "median s" "min s" "CPU s" "RSS MB"
for i in "${!cmds[@]}"; do
	awk -v i="$i" '$1 == i { print $2 / 1e6, $3, $4 + $5 }' "$tmp/all" | sort -n |
	awk -v n="${names[$i]}" '
		{ s[NR] = $1; c[NR] = $3; if ($2 > m) m = $2 }
		END { k = int((NR + 1) / 2)
		      api = n ~ /api/
		      printf "%-24s %10.3f %10.3f %10s %8s\n", n, s[k], s[1],
			     api ? "-" : sprintf("%.3f", c[k]),
			     api ? "-" : sprintf("%.1f", m / 1024) }'
done
