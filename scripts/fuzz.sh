#!/usr/bin/env bash
# Run each libFuzzer target for a bounded time: FUZZ_SECONDS each (default
# 60), seeded from the fixtures, with the regression inputs of
# fuzz/regressions/ first. Builds build-fuzz/ with clang -DVLS_FUZZ=ON.
# A crash leaves its input in build-fuzz/fuzz-<target>/crash-*, printed,
# and the script fails: copy the input to fuzz/regressions/<target>/ once
# fixed (ctest replays those). Usage: scripts/fuzz.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(text tracedat http_params)

CC=clang CXX=clang++ cmake -S . -B "$build" -DVLS_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
	-DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

export LSAN_OPTIONS=suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# seeds DIR TARGET: a fresh seed corpus from the fixtures
seeds() {
	local dir=$1
	rm -rf "$dir" && mkdir -p "$dir"
	case $2 in
	text)
		for f in tests/data/text/ftrace.txt.xz tests/data/text/atrace.txt.xz \
			 tests/data/text/tracecmd.txt.xz tests/data/text/tracecmd-latency.txt.xz; do
			# the first 300 lines: small inputs mutate faster
			xz -dc "$f" | head -300 >"$dir/$(basename "$f" .txt.xz).txt" || true
		done
		head -400 tests/data/mprotect-fault-6.18-x86_64.report.txt >"$dir/report.txt"
		# perf script: with its header (the pid, ns), and perf's default
		for f in tests/data/text/perf-script.txt.xz tests/data/text/perf-script-usec.txt.xz; do
			xz -dc "$f" | head -300 >"$dir/$(basename "$f" .txt.xz).txt" || true
		done
		cp fuzz/seeds/text/* "$dir/"
		xz -dc tests/data/shared/debian-6.12-arm64-readahead/trace.txt.xz | head -300 >"$dir/arm64.txt" || true
		;;
	tracedat)
		cp tests/data/mprotect-fault-6.18-x86_64.dat "$dir/v7.dat"
		;;
	http_params)
		cp fuzz/regressions/http_params/* "$dir/"
		;;
	esac
}

status=0
for t in "${targets[@]}"; do
	work=$build/fuzz-$t
	seeds "$work/corpus" "$t"
	mkdir -p "$work/new"
	max_len=$([ "$t" = tracedat ] && echo 1100000 || echo 65536)
	echo "== fuzz_$t: ${secs}s" >&2
	# The suppressions of libtracecmd's own leaks need whole allocation
	# stacks, through its frames without frame pointers; the slow unwind
	# costs every malloc, so only the target that runs libtracecmd has it.
	unwind=$([ "$t" = tracedat ] && echo 0 || echo 1)
	if ! ASAN_OPTIONS=fast_unwind_on_malloc=$unwind "$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len="$max_len" -timeout=20 \
		-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/" \
		"$work/new" "$work/corpus" fuzz/regressions/"$t" >"$work/log" 2>&1; then
		status=1
		echo "fuzz_$t FAILED: $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null)" >&2
		grep -E "ERROR|SUMMARY|runtime error|#[0-9]+ " "$work/log" | head -30 >&2
	fi
	grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|cov: " "$work/log" |
		tail -4 >&2
done
exit $status
