#!/usr/bin/env bash
# bench/import.sh - the import benchmark (issue 2): on one trace.dat of
# >= 2 M events, side by side, the median of RUNS runs and the peak RSS of
#   trace-cmd report > /dev/null
#   a bare libtracecmd iteration loop (bench/iterate.c, "bare")
#   the vmlockstat reader alone, empty callback (iterate "reader")
#   vmlockstat import (when the build has it)
# and, with VLS_BENCH_OLD, the reader and the import of another build in the
# same rounds (before/after a change, under the same load).
#
# usage: bench/import.sh [BUILD_DIR]   (default: build)
# env:   VLS_BENCH_TRACE  the trace (default /var/tmp/vmlockstat-bench/busy.dat;
#                         recorded when missing: needs root and tracefs)
#        VLS_BENCH_SECONDS  length of that recording (default 8)
#        RUNS             runs per tool (default 5)
#        VLS_BENCH_OLD    a build dir to compare with (its bench/iterate and
#                         vmlockstat)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
trace=${VLS_BENCH_TRACE:-/var/tmp/vmlockstat-bench/busy.dat}
runs=${RUNS:-5}
secs=${VLS_BENCH_SECONDS:-8}   # recording length: 0.06-0.4 M events/s seen here
iterate=$build/bench/iterate
vls=$build/vmlockstat
tmp=$(mktemp -d /tmp/vls-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

die() { echo "import.sh: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
[ -x "$iterate" ] || die "$iterate missing: build first (cmake --build $build)"

# A busy system-wide recording: short processes in a loop on every CPU
# (exec, exit, faults: mmap_lock traffic) with sched and mmap_lock events.
record() {
	[ "$(id -u)" -eq 0 ] || die "$trace missing and recording needs root"
	mkdir -p "$(dirname "$trace")"
	echo "recording $trace (about ${secs} s)..." >&2
	load() { local end=$((SECONDS + secs)); while [ $SECONDS -lt $end ]; do
		/bin/true; done; }
	# -d -k: trace-cmd record without -d fails on kernels where it cannot
	# write ftrace_enabled; -B keeps everything in a private instance.
	trace-cmd record -q -d -k -B vlsbench -b 40000 \
		-e mmap_lock -e sched:sched_switch -e sched:sched_waking \
		-e sched:sched_wakeup -e exceptions:page_fault_user \
		-o "$trace" -- bash -c "secs=$secs; $(declare -f load); load & load & load & load & wait" \
		>/dev/null
	rmdir /sys/kernel/tracing/instances/vlsbench 2>/dev/null || true
}
[ -f "$trace" ] || record

# The tools run in rounds, one run of each per round, so that a burst of
# load from elsewhere on the machine slows every tool alike rather than
# the one whose turn it is. Per tool: the median seconds and the largest
# peak RSS (KB) over the rounds.
names=() cmds=()
tool() { names+=("$1"); cmds+=("$2"); }
tool "bare libtracecmd loop" "'$iterate' bare '$trace'"
tool "vmlockstat reader (no-op)" "'$iterate' reader '$trace'"
if [ -x "$vls" ] && "$vls" import --help >/dev/null 2>&1; then
	tool "vmlockstat import" "rm -f '$tmp/b.db'; '$vls' import --db '$tmp/b.db' '$trace'"
else
	echo "note: $vls has no import command: not measured" >&2
fi
old=${VLS_BENCH_OLD:-}
if [ -n "$old" ]; then
	[ -x "$old/bench/iterate" ] && [ -x "$old/vmlockstat" ] ||
		die "$old: no bench/iterate or vmlockstat"
	tool "old reader (no-op)" "'$old/bench/iterate' reader '$trace'"
	tool "old import" "rm -f '$tmp/o.db'; '$old/vmlockstat' import --db '$tmp/o.db' '$trace'"
fi
[ -n "${VLS_BENCH_NO_REPORT:-}" ] || tool "trace-cmd report" "trace-cmd report '$trace'"

events=$("$iterate" bare "$trace" | awk '{ print $2 }')
[ "$events" -ge 2000000 ] || echo "note: only $events records (< 2 M)" >&2
printf 'trace: %s (%s records, %s MB), %s rounds\n' "$trace" "$events" \
	$(( $(stat -c %s "$trace") / 1048576 )) "$runs"

for round in $(seq "$runs"); do
	for i in "${!cmds[@]}"; do
		/usr/bin/time -f '%e %M %U %S' -o "$tmp/t" bash -c "${cmds[$i]}" \
			>/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; die "${names[$i]} failed"; }
		echo "$i $(cat "$tmp/t")" >> "$tmp/all"
	done
done

# CPU s: user + system of the median-wall run
printf '%-28s %10s %14s %8s %12s %8s\n' tool "median s" "events/s" "CPU s" \
	"peak RSS MB" "x bare"
for i in "${!cmds[@]}"; do
	awk -v i="$i" '$1 == i { print $2, $3, $4 + $5 }' "$tmp/all" | sort -n |
	awk -v n="${names[$i]}" -v e="$events" -v b="${bare_s:-0}" '
		{ s[NR] = $1; c[NR] = $3; if ($2 > m) m = $2 }
		END { k = int((NR + 1) / 2); med = s[k]; if (b == 0) b = med
		      printf "%-28s %10.2f %14.0f %8.2f %12.1f %8.2f\n", n, med,
			     (med > 0 ? e / med : 0), c[k], m / 1024,
			     (b > 0 ? med / b : 0) }'
	[ -n "${bare_s:-}" ] || bare_s=$(awk '$1 == 0 { print $2 }' "$tmp/all" | sort -n |
		awk '{ s[NR] = $1 } END { print s[int((NR + 1) / 2)] }')
done

# The host's load moves from one minute to the next; within a round the
# tools run back to back. Each round's import / bare ratio, for the spread.
imp=-1
for i in "${!names[@]}"; do [ "${names[$i]}" = "vmlockstat import" ] && imp=$i; done
if [ "$imp" -ge 0 ]; then
	awk -v imp="$imp" '$1 == 0 { b[++nb] = $2 } $1 == imp { m[++nm] = $2 }
		END { for (i = 1; i <= nm; i++) r[i] = b[i] > 0 ? m[i] / b[i] : 0
		      for (i = 1; i <= nm; i++) for (j = i + 1; j <= nm; j++)
			      if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
		      printf "import / bare per round: median %.2f, min %.2f, max %.2f\n",
			     r[int((nm + 1) / 2)], r[1], r[nm] }' "$tmp/all"
fi

# Whether the VM's CPUs slow each other down right now (the host may run
# them on one core's hyperthreads, or beside a busy neighbour): two bare
# loops at once. The import needs two CPUs; when these two times part
# (0.62 and 0.93 s were seen), its ratio to the one-CPU loop grows with it.
"$iterate" bare "$trace" >"$tmp/c1" & "$iterate" bare "$trace" >"$tmp/c2" & wait
printf 'two bare loops at once: %s s and %s s\n' "$(awk '{ print $4 }' "$tmp/c1")" \
	"$(awk '{ print $4 }' "$tmp/c2")"
