# record_common.bash - sourced by tests/live/record_*.sh (not a test itself).
# Needs: VLS (the vmlockstat binary), VLS_SOURCE_DIR.

T=/sys/kernel/tracing

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

record_preflight() {
	[ "$(id -u)" -eq 0 ] || skip "not root: live recording needs root"
	[ -n "${VLS:-}" ] && [ -x "$VLS" ] || skip "VLS (vmlockstat binary) not set"
	if [ ! -d "$T/instances" ]; then
		mount -t tracefs nodev "$T" 2>/dev/null || true
	fi
	[ -d "$T/instances" ] || skip "no tracefs at $T"
	command -v trace-cmd >/dev/null || skip "trace-cmd not installed"
	WORK=$(mktemp -d /var/tmp/vls-live.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
}

# A sanitizer build of vmlockstat runs `vmlockstat workload` instrumented
# too: the runtime maps, touches and faults its own memory (shadow pages,
# allocator regions) from the workload's threads, so the workload's ground
# truth no longer describes the trace (extra nested acquisitions and no_io
# fallbacks, more major faults). truth_checks_or_skip: after a recording
# and its import ran clean under the sanitizer, a test whose checks compare
# the trace with the ground truth skips them with this reason.
sanitized() {
	ldd "$VLS" 2>/dev/null | grep -q 'lib[at]san\.\|libubsan\.'
}
truth_checks_or_skip() {
	sanitized || return 0
	skip "sanitizer build: recorded and imported clean under it; the ground-truth" \
		"checks need an uninstrumented workload (its runtime faults its own memory)"
}

# What the recorder must never change: the top instance's switches, event
# enables, pid filters, tracer, and every trigger of every event.
top_state() {
	{
		echo "tracing_on=$(cat $T/tracing_on)"
		echo "current_tracer=$(cat $T/current_tracer)"
		echo "set_event_pid=$(cat $T/set_event_pid | tr '\n' ' ')"
		echo "enable=$(cat $T/events/enable)"
		grep -c . $T/set_event || true
		cat $T/trace_options
		(cd $T && grep -Hv '^#' events/*/*/trigger)
		(cd $T && cat events/*/*/enable | sort | uniq -c)
	} 2>/dev/null
}

# A vmlockstat-<pid> instance whose recorder is not running anymore.
stale_instances() {
	local d pid
	for d in "$T"/instances/vmlockstat-*; do
		[ -d "$d" ] || continue
		pid=${d##*/vmlockstat-}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null || echo "${d##*/}"
	done
}

# Instances of recorders this test started (pids in $@).
our_instances() {
	local pid
	for pid in "$@"; do
		ls -d "$T"/instances/vmlockstat-"$pid" "$T"/instances/vmlockstat-"$pid"-* \
			2>/dev/null
	done
}

# trace-cmd report must open the file; the events must include mmap_lock
# events and stacks.
check_report() {
	local dat=$1 txt=$WORK/report.txt
	trace-cmd report "$dat" >"$txt" 2>"$WORK/report.err" ||
		fail "trace-cmd report $dat failed: $(head -3 "$WORK/report.err")"
	grep -q 'mmap_lock_start_locking:' "$txt" || fail "$dat: no mmap_lock_start_locking"
	grep -q 'kernel_stack:' "$txt" || fail "$dat: no kernel_stack events"
	grep -q '^=> ' "$txt" || fail "$dat: no stack frames"
}
