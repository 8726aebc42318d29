#!/bin/bash
# record-perf.sh OUTDIR: the perf-script fixtures (tests/data/README.md).
# As root, on a kernel with the mmap_lock tracepoints; perf from Debian's
# linux-perf. perf-threads.c: four threads mmap, fault in and munmap
# anonymous memory while the main thread forks a child that execs
# /bin/true.
set -euo pipefail
out=${1:?usage: record-perf.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cc -O2 -pthread -o "$out/perf-threads" "$here/perf-threads.c"
cd "$out"
perf record -o p.data -e 'mmap_lock:*' -e exceptions:page_fault_user \
	-e sched:sched_switch -e sched:sched_process_fork \
	-e sched:sched_process_exec -e sched:sched_process_exit \
	-e lock:contention_begin -e lock:contention_end -g -- ./perf-threads
# -F +pid alone drops the callchains (perf 6.1): ip, sym, symoff and dso
# bring them back as the default output prints them
perf script --ns --header -F +pid,+ip,+sym,+symoff,+dso -i p.data > perf-script.txt
perf script -i p.data > perf-script-usec.txt
xz -9 perf-script.txt perf-script-usec.txt
