#!/usr/bin/env bash
# record_basic.sh - vmlockstat record -- CMD, -p, -a on this machine: the
# trace.dat opens in trace-cmd report with mmap_lock events and stacks, the
# command's output and exit status pass through, the sidecar holds the
# metadata, and tracefs is left as it was.
set -u
. "$(dirname "$0")/record_common.bash"
record_preflight

before=$(top_state)
pids=()

# -- CMD: stdout, stderr and the exit status are the command's.
"$VLS" record -o "$WORK/cmd.dat" -- sh -c 'echo to-stdout; echo to-stderr >&2; sleep 0.2; exit 3' \
	>"$WORK/out" 2>"$WORK/err" &
pids+=($!)
wait $!
rc=$?
[ "$rc" -eq 3 ] || fail "exit status $rc, expected the command's 3"
[ "$(cat "$WORK/out")" = "to-stdout" ] || fail "stdout is '$(cat "$WORK/out")', expected only the command's"
grep -qx 'to-stderr' "$WORK/err" || fail "command stderr lost"
grep -q 'wrote .*cmd.dat' "$WORK/err" || fail "no summary on stderr"
ok "command output and exit status pass through"

check_report "$WORK/cmd.dat"
txt=$WORK/report.txt
grep -Eq 'sched_process_exec:.*filename=/(usr/)?bin/sleep' "$txt" ||
	fail "exec of sleep (a child of the command) not recorded: event-fork filter?"
# Read acquisitions carry stacks (trigger "stacktrace if write == 0").
awk '/mmap_lock_start_locking:.*write=false/ { p = 1; next }
     p && /kernel_stack:/ { n++ } { p = 0 } END { exit !(n > 0) }' "$txt" ||
	fail "no stack follows a read mmap_lock_start_locking"
# Only the command's tasks (and wakeups/switches involving them) are there.
# What the kernel guarantees is the pid: the filter holds the command's pid
# and, with event-fork, its children's. A comm may be "<...>" (not saved)
# for a short-lived child, so tasks are told by pid: the command's are the
# ones named sh/sleep/vmlockstat and the children its tasks forked.
others=$(awk '
	function pid_of(l) { match(l, /-[0-9]+ +\[[0-9]+\]/); l = substr(l, RSTART + 1, RLENGTH - 1); sub(/ .*/, "", l); return l }
	NR == FNR {
		if (!/-[0-9]+ +\[[0-9]+\]/) next
		p = pid_of($0)
		if (/(sh|sleep|vmlockstat)-[0-9]+ +\[/) ours[p] = 1
		if (/sched_process_fork:/ && match($0, /child_pid=[0-9]+/))
			child[substr($0, RSTART + 10, RLENGTH - 10)] = p
		next
	}
	/-[0-9]+ +\[[0-9]+\]/ && !/sched_(switch|waking|wakeup)/ {
		p = pid_of($0)
		if (!(p in ours) && !((p in child) && (child[p] in ours))) {
			n++
			if (n <= 3) print $0 > "/dev/stderr"
		}
	}
	END { print n + 0 }' "$txt" "$txt")
[ "$others" -eq 0 ] || fail "$others events of other tasks despite the pid filter"
ok "trace-cmd report opens cmd.dat: mmap_lock events with stacks, pid filter holds"

meta=$WORK/cmd.dat.meta
head -1 "$meta" | grep -qx '# vmlockstat record metadata 1' || fail "sidecar header"
for k in kernel=$(uname -r) arch=$(uname -m) ncpus=$(getconf _NPROCESSORS_CONF) \
	record.exit_status=3 record.end=command-exit record.target=command trace_clock=local; do
	grep -qx "$k" "$meta" || fail "sidecar lacks $k"
done
for k in events.present events.missing vmstat.before.pgfault vmstat.after.pgfault \
	vmstat.delta.pgmajfault cpu0.lost cpu0.overrun lost_events record.command \
	config.source stacks.triggers; do
	grep -q "^$k=" "$meta" || fail "sidecar lacks $k"
done
grep -q '^events.present=.*mmap_lock:mmap_lock_start_locking' "$meta" || fail "capabilities"
# writer stacks are on by default: a plain stacktrace trigger on start_locking
grep -Eq "^stacks.triggers=(.*,)?mmap_lock:mmap_lock_start_locking:stacktrace(,|$)" "$meta" ||
	fail "trigger not recorded: $(grep '^stacks.triggers=' "$meta")"
trace-cmd report --uname "$WORK/cmd.dat" 2>/dev/null | grep -q "$(uname -r)" ||
	fail "uname option missing from the trace.dat"
trace-cmd report --stat "$WORK/cmd.dat" 2>/dev/null | grep -q '^overrun: ' ||
	fail "CPU stats option missing from the trace.dat"
ok "metadata: sidecar and trace.dat options"

# A command that cannot run: 127, a message, nothing left behind.
"$VLS" record -o "$WORK/bad.dat" -- /nonexistent/cmd 2>"$WORK/err" &
pids+=($!)
wait $!
rc=$?
[ "$rc" -eq 127 ] || fail "exec failure gives $rc, expected 127"
grep -q 'cannot run /nonexistent/cmd' "$WORK/err" || fail "no exec error message"
ok "exec failure: 127"

# -p: a running process, until it exits.
sh -c 'sleep 0.3; cat /proc/self/maps >/dev/null; sleep 0.3' &
target=$!
"$VLS" record -o "$WORK/pid.dat" -p "$target" 2>"$WORK/err" &
pids+=($!)
wait $!
rc=$?
[ "$rc" -eq 0 ] || fail "-p: exit $rc: $(cat "$WORK/err")"
grep -q '^record.end=targets-exited' "$WORK/pid.dat.meta" || fail "-p did not end with its target"
trace-cmd report "$WORK/pid.dat" 2>/dev/null | grep -q "sched_process_exit:.*pid=$target " ||
	fail "-p: exit of $target not recorded"
ok "-p PID records until the target exits"

# -a with --duration.
start=$(date +%s.%N)
"$VLS" record -o "$WORK/all.dat" -a --duration 0.5 2>"$WORK/err" &
pids+=($!)
wait $!
rc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
[ "$rc" -eq 0 ] || fail "-a: exit $rc: $(cat "$WORK/err")"
echo "$took < 5" | bc | grep -q 1 || fail "-a --duration 0.5 took ${took}s"
grep -q '^record.end=duration' "$WORK/all.dat.meta" || fail "-a did not end by duration"
n=$(trace-cmd report "$WORK/all.dat" 2>/dev/null | grep -c 'sched_switch:')
[ "$n" -gt 0 ] || fail "-a: no sched_switch in 0.5 s of the whole system"
ok "-a --duration 0.5: $n context switches"

# Usage errors.
"$VLS" record -o "$WORK/x.dat" 2>/dev/null; rc=$?
[ "$rc" -eq 2 ] || fail "no target: exit $rc, expected 2"
"$VLS" record -a -p 1 2>/dev/null; rc=$?
[ "$rc" -eq 2 ] || fail "-a and -p: exit $rc, expected 2"
"$VLS" record -o "$WORK/x.dat" -e nosuchsys:nosuchevent -- true 2>"$WORK/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q 'no event nosuchsys:nosuchevent' "$WORK/err" ||
	fail "unknown -e event: exit $rc: $(cat "$WORK/err")"
ok "usage errors"

# Nothing left behind.
left=$(our_instances "${pids[@]}")
[ -z "$left" ] || fail "instances left: $left"
[ "$(top_state)" = "$before" ] || {
	diff <(echo "$before") <(top_state) >&2
	fail "top-level tracefs state changed"
}
ok "no instance left, top-level events, triggers and options untouched"
