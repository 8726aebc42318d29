#!/bin/sh
# Record the text-dialect samples of tests/data/text/ (see tests/data/README.md).
# Needs root and tracefs. Uses a private tracefs instance, removed at the end.
# Usage: record.sh OUTDIR
set -eu
out=${1:?usage: record.sh OUTDIR}
mkdir -p "$out"
. "$(dirname "$0")/instance.sh"
instance_open vlstext mmap_lock exceptions/page_fault_user filemap/mm_filemap_fault \
	filemap/mm_filemap_add_to_page_cache sched/sched_switch sched/sched_wakeup \
	sched/sched_waking sched/sched_process_fork sched/sched_process_exec \
	sched/sched_process_exit lock/contention_begin lock/contention_end \
	block/block_rq_issue block/block_rq_complete
echo 'stacktrace if write == 0' > $I/events/mmap_lock/mmap_lock_start_locking/trigger
# Only this shell and its children (event-fork), then the workload:
# start a few programs and fault in a file through mmap.
sh -c "echo \$\$ > $I/set_event_pid; echo 1 > $I/tracing_on; exec sh -c '
	ls /usr/bin > /dev/null; sort /etc/services > /dev/null
	/usr/bin/python3 -c \"import mmap; f = open(\\\"/usr/bin/trace-cmd\\\", \\\"rb\\\"); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ); print(sum(m[i] for i in range(0, len(m), 4096)))\" > /dev/null'"
echo 0 > $I/tracing_on
cat $I/trace > "$out/atrace.txt"          # TASK-PID (TGID) [CPU] columns
echo 0 > $I/options/record-tgid
cat $I/trace > "$out/ftrace.txt"          # the plain tracefs trace file
cat $I/per_cpu/cpu*/stats > "$out/ringbuf_stats.txt"
# trace-cmd record fails here (it writes /proc/sys/kernel/ftrace_enabled:
# EPERM), so take the same buffer with extract.
trace-cmd extract -B vlstext -o "$out/trace.dat" > /dev/null 2>&1
trace-cmd report -i "$out/trace.dat" > "$out/tracecmd.txt" 2>/dev/null
trace-cmd report -l -i "$out/trace.dat" > "$out/tracecmd-latency.txt" 2>/dev/null
