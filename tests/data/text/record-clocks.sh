#!/bin/sh
# Record the counting-clock samples of tests/data/text/ (see tests/data/README.md):
# one small workload under trace_clock counter, then under x86-tsc, printed by
# tracefs (timestamps without a decimal point: the clocks the kernel marks
# not in_ns). Needs root and tracefs. Uses a private tracefs instance,
# removed at the end. Usage: record-clocks.sh OUTDIR
set -eu
out=${1:?usage: record-clocks.sh OUTDIR}
mkdir -p "$out"
. "$(dirname "$0")/instance.sh"
instance_open vlsclock mmap_lock exceptions/page_fault_user filemap/mm_filemap_fault \
	sched/sched_switch sched/sched_process_fork sched/sched_process_exec \
	sched/sched_process_exit
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
