#!/usr/bin/env bash
# record_signals.sh - kill the recorder at random points with SIGINT,
# SIGTERM and SIGHUP (it must stop, write a trace.dat trace-cmd opens, and
# remove its instance) and with SIGKILL (its instance stays; the next
# vmlockstat record must remove it). The top instance must be untouched.
set -u
set -m          # background jobs must not ignore SIGINT
. "$(dirname "$0")/record_common.bash"
record_preflight

before=$(top_state)
RANDOM=$$
load='while :; do cat /proc/self/maps >/dev/null; done'

# Wait up to 10 s for pid to exit; its exit status in $rc.
wait_exit() {
	local pid=$1 i
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; fail "recorder $pid did not exit"; }
	wait "$pid"
	rc=$?
}

rand_delay() { printf '0.%03d' $((RANDOM % ${1:-600})); }

n=0
for sig in INT TERM HUP; do
	for i in 1 2 3; do
		dat=$WORK/$sig-$i.dat
		"$VLS" record -o "$dat" -- sh -c "$load" 2>"$WORK/err" &
		rpid=$!
		d=$(rand_delay)
		sleep "$d"
		kill -"$sig" "$rpid"
		wait_exit "$rpid"
		[ -z "$(our_instances "$rpid")" ] ||
			fail "SIG$sig after ${d}s: instance of $rpid left"
		if [ -e "$dat" ]; then
			trace-cmd report "$dat" >/dev/null 2>&1 ||
				fail "SIG$sig after ${d}s: trace-cmd report cannot open $dat"
			grep -q "^record.end=sig" "$dat.meta" || [ "$sig" = HUP ] ||
				fail "SIG$sig: record.end is $(grep '^record.end' "$dat.meta")"
			n=$((n + 1))
		fi
		echo "ok: SIG$sig after ${d}s: exit $rc, $( [ -e "$dat" ] && echo "trace written" || echo "killed before start")"
	done
done
[ "$n" -ge 6 ] || fail "only $n of 9 interrupted recordings wrote a trace"

# A command that outlives the forwarded SIGINT (here: it ignores SIGINT; a
# shell waiting on a child that does not die of SIGINT may too) gets SIGTERM
# once the recording is over: the recorder does not wait for it forever.
"$VLS" record -o "$WORK/outlive.dat" -- sh -c 'trap "" INT; while :; do sleep 0.2; done' \
	2>"$WORK/err" &
rpid=$!
sleep 0.5
kid=$(ps -o pid= --ppid "$rpid" | head -1)
kill -INT "$rpid"
wait_exit "$rpid"
[ -n "$kid" ] && kill -0 "$kid" 2>/dev/null && { kill -9 "$kid"; fail "the command $kid outlived the recorder"; }
[ -e "$WORK/outlive.dat" ] || fail "no trace after SIGINT: $(cat "$WORK/err")"
grep -q "still running 2000 ms after SIGINT: sending SIGTERM" "$WORK/err" ||
	fail "the recorder did not say it sent SIGTERM: $(cat "$WORK/err")"
[ "$rc" -eq 143 ] || fail "exit $rc, want 143 (the command's: SIGTERM)"
echo "ok: a command that ignores SIGINT got SIGTERM when the recording was over"

# Its output closed (`record ... 2>&1 | true`): SIGPIPE does not kill the
# recorder; the recording goes on to its end, is written, and the
# instance is removed (before: exit 141 at its first message).
rc=0
"$VLS" record -v -a --duration 1 -o "$WORK/pipe.dat" 2>&1 | true
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || fail "record with its output closed exited $rc, want 0"
[ -s "$WORK/pipe.dat" ] || fail "record with its output closed wrote no trace"
[ -z "$(stale_instances)" ] || fail "instance left by a recorder whose output closed"
echo "ok: output closed: the recording went on and was written"

# SIGKILL: the instance survives; the next recorder removes it.
stale_seen=0
for i in 1 2 3; do
	"$VLS" record -o "$WORK/kill-$i.dat" -- sh -c "$load" 2>/dev/null &
	rpid=$!
	d=0.$((300 + RANDOM % 500))
	sleep "$d"
	kids=$(ps -o pid= --ppid "$rpid")
	kill -KILL "$rpid"
	wait "$rpid" 2>/dev/null
	for k in $kids; do kill -KILL "$k" 2>/dev/null; done
	if [ -n "$(our_instances "$rpid")" ]; then
		stale_seen=$((stale_seen + 1))
	fi
	"$VLS" record -o "$WORK/next.dat" -- true 2>"$WORK/err" || fail "next record: $(cat "$WORK/err")"
	[ -z "$(our_instances "$rpid")" ] ||
		fail "stale instance of killed recorder $rpid not removed by the next run"
	[ ! -e "$WORK/kill-$i.dat" ] || fail "a SIGKILLed recorder wrote a trace.dat"
	echo "ok: SIGKILL after ${d}s: stale instance removed by the next run"
done
[ "$stale_seen" -ge 1 ] || fail "no SIGKILL left a stale instance: cleanup untested"
[ -z "$(stale_instances)" ] || fail "stale instances: $(stale_instances)"
ls "$WORK"/.vmlockstat-cpu-* >/dev/null 2>&1 && fail "temporary CPU files left"

[ "$(top_state)" = "$before" ] || {
	diff <(echo "$before") <(top_state) >&2
	fail "top-level tracefs state changed"
}
echo "ok: top-level events, triggers and options untouched"
