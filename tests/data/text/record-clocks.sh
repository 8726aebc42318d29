#!/bin/sh
# Record the counting-clock samples of tests/data/text/ (see tests/data/README.md):
# one small workload under trace_clock counter, then under x86-tsc, printed by
# tracefs (timestamps without a decimal point: the clocks the kernel marks
# not in_ns). Needs root and tracefs. Uses a private tracefs instance,
# removed at the end. Usage: record-clocks.sh OUTDIR
set -eu
out=${1:?usage: record-clocks.sh OUTDIR}
T=/sys/kernel/tracing
I=$T/instances/vlsclock
mkdir -p "$out"
[ -d $T/events ] || mount -t tracefs nodev $T
mkdir $I
trap '[ -d $I ] && { echo 0 > $I/tracing_on; rmdir $I; }' EXIT
echo 0 > $I/tracing_on
echo 1024 > $I/buffer_size_kb
echo 1 > $I/options/record-tgid
echo 1 > $I/options/event-fork
for e in mmap_lock exceptions/page_fault_user filemap/mm_filemap_fault \
	 sched/sched_switch sched/sched_process_fork sched/sched_process_exec \
	 sched/sched_process_exit; do
	echo 1 > $I/events/$e/enable
done
for clock in counter x86-tsc; do
	echo "$clock" > $I/trace_clock
	echo > $I/trace
	# this shell's children only: four threads map, touch and unmap 1 MB
	# eight times each (mmap_lock writers and page faults), and an ls
	sh -c "echo \$\$ > $I/set_event_pid; echo 1 > $I/tracing_on; exec /usr/bin/python3 -c '
import mmap, subprocess, threading
def work():
    for _ in range(8):
        m = mmap.mmap(-1, 1 << 20)
        for i in range(0, 1 << 20, 4096):
            m[i] = 1
        m.close()
ts = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in ts]
subprocess.run([\"ls\", \"/usr/share/doc\"], stdout=subprocess.DEVNULL)
[t.join() for t in ts]'"
	echo 0 > $I/tracing_on
	cat $I/trace > "$out/ftrace-$clock.txt"
done
