#!/usr/bin/env bash
# record_threads.sh - a threaded program nobody wrote for us (Python with
# threads), recorded with -- CMD and with -p PID (threads started before
# the attach) while another tool's options/stacktrace=1 sits at the top
# level: every thread is under its process, one process row, the
# per-process figures add up to the run's, and stacks come only from
# vmlockstat's own triggers.
set -u
. "$(dirname "$0")/record_common.bash"
record_preflight
PY=$(command -v python3) || skip "python3 not installed"

cat >"$WORK/threads.py" <<'PY'
import mmap, sys, threading, time
stop = time.time() + float(sys.argv[1])
def work():
    while time.time() < stop:
        m = mmap.mmap(-1, 1 << 20)
        for j in range(0, 1 << 20, 4096):
            m[j] = 1
        m.close()
ts = [threading.Thread(target=work) for _ in range(3)]
for t in ts:
    t.start()
print("ready", flush=True)
for t in ts:
    t.join()
PY

# The JSON report of DB: checks what the kernel guarantees.
#  $1 db, $2 pid of the program (or "cmd": the python3 tasks tell it),
#  $3 threads at least
check_db() {
	"$VLS" report --db "$1" --json >"$WORK/r.json" || fail "report --json of $1"
	"$PY" - "$WORK/r.json" "$2" "$3" <<'PY' || fail "$1: see above"
import json, sys
doc = json.load(open(sys.argv[1]))
run = doc["runs"][0] if "runs" in doc else doc
want_pid, min_threads = sys.argv[2], int(sys.argv[3])
tasks = [t for t in run["tasks"] if t.get("comm") == "python3"]
bad = False
def fail(msg):
    global bad
    print("FAIL:", msg); bad = True
if want_pid == "cmd":
    pids = {t["pid"] for t in tasks}
    if len(pids) != 1 or None in pids:
        fail("python3 tasks are in processes %s, expected one pid" % sorted(map(str, pids)))
    want = next(iter(pids)) if pids else None
else:
    want = int(want_pid)
procs = [p for p in run["processes"] if p["pid"] == want]
if len(procs) != 1:
    fail("%d process rows for pid %s" % (len(procs), want))
elif procs[0]["threads"] < min_threads:
    fail("process %s has %d threads, expected >= %d" % (want, procs[0]["threads"], min_threads))
for t in run["tasks"]:
    if t.get("comm") == "python3" and t["pid"] != want:
        fail("thread %s of python3 has pid %s" % (t["tid"], t["pid"]))
for mode in ("read", "write"):
    total = (run["mmap_lock"].get(mode) or {}).get("acquisitions") or 0
    s = sum(((p.get("mmap_lock") or {}).get(mode) or {}).get("acquisitions") or 0
            for p in run["processes"])
    if s != total:
        fail("%s acquisitions: processes add up to %d, the run has %d" % (mode, s, total))
f = sum(p["faults"] or 0 for p in run["processes"])
if run["faults"]["total"] is not None and f != run["faults"]["total"]:
    fail("faults: processes add up to %d, the run has %d" % (f, run["faults"]["total"]))
sys.exit(1 if bad else 0)
PY
}

# Stacks only where the recorder's triggers put them: each stack's first
# frames name the event class that wrote it (trace_event_raw_event_<class>),
# and only mmap_lock (start_locking) and sched_switch have triggers.
# Another tool's options/stacktrace=1 would put a stack on every event:
# page faults, filemap, wakeups. Counting against the events is not what
# the kernel guarantees: stacktrace is a post trigger, and
# trace_event_buffer_commit() runs it even for an event it discards there
# (the pid filter is checked again at commit), so a stack can come without
# its event (seen once in 16 runs, as a CPU's first record). Every
# start_locking fires the trigger, so there are stacks unless the buffer
# dropped events; and with none naming its class there is nothing to
# judge, which fails too rather than pass unchecked.
check_stacks() {
	trace-cmd report "$1" >"$WORK/t.txt" 2>/dev/null || fail "trace-cmd report $1"
	awk 'function done() {
		if (!instack) return
		instack = 0
		if (cls != "" && cls != "mmap_lock" && cls != "sched_switch" && ++bad <= 3)
			print "a stack of event class " cls
	     }
	     /kernel_stack:/ { done(); stacks++; instack = 1; cls = ""; nf = 0; next }
	     instack && /^=> / {
		if (++nf <= 4 && cls == "" && $2 ~ /^trace_event_raw_event_/) {
			cls = substr($2, 23)
			named++
		}
		next
	     }
	     { done() }
	     /mmap_lock_start_locking:/ { starts++ }
	     /DROPPED|LOST EVENTS/ { dropped = 1 }
	     /: *[a-z_]+:/ { events++ }
	     END { done()
		   printf "%d stacks (%d naming their event class, %d of other events), " \
			  "%d start_locking, %d events\n", stacks, named, bad, starts, events
		   exit !(bad == 0 && (stacks ? named > 0 : starts == 0 || dropped)) }' \
		"$WORK/t.txt" ||
		fail "$1: stacks the recorder's triggers did not ask for, none," \
			"or none naming its event class"
}

old_st=$(cat "$T/options/stacktrace")
trap 'echo "$old_st" >"$T/options/stacktrace"; rm -rf "$WORK"' EXIT
echo 1 >"$T/options/stacktrace"

# -- CMD: the threads are created while recording.
"$VLS" record --db "$WORK/cmd.db" -o "$WORK/cmd.dat" -- "$PY" "$WORK/threads.py" 1 \
	>"$WORK/cmd.out" 2>"$WORK/cmd.err" || fail "record -- python3: $(tail -3 "$WORK/cmd.err")"
check_db "$WORK/cmd.db" cmd 4
check_stacks "$WORK/cmd.dat"
ok "-- CMD: python3 and its 3 threads in one process; figures add up"

# -p PID: the threads were started before the attach.
"$PY" "$WORK/threads.py" 6 >"$WORK/p.out" &
prog=$!
for _ in $(seq 100); do grep -q ready "$WORK/p.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/p.out" || { kill $prog; fail "the threaded program did not start"; }
"$VLS" record --db "$WORK/p.db" -o "$WORK/p.dat" -p "$prog" --duration 1 \
	2>"$WORK/p.err" || { kill $prog; fail "record -p: $(tail -3 "$WORK/p.err")"; }
kill $prog 2>/dev/null; wait $prog 2>/dev/null
check_db "$WORK/p.db" "$prog" 3
check_stacks "$WORK/p.dat"
grep -q '^record.options=.*stacktrace=0' "$WORK/p.dat.meta" ||
	fail "record.options does not say stacktrace=0"
[ "$(cat "$T/options/stacktrace")" = 1 ] || fail "the top level's stacktrace option was changed"
ok "-p PID: the running program's threads in one process; no inherited stacks"
