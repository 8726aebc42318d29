#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/many-tasks.py - a tracefs text trace of many short-lived processes,
for measuring import and report against the number of threads (a long
`record -a` of a build: tens of thousands of compiler processes).

Each process (one thread, pid 1000 on) takes three user faults, one
fault-path read acquisition and one mmap write acquisition of its mm, each
with its stack, and exits (sched_switch prev_state=X). The mm addresses
cycle through --mms of them, as the kernel reuses freed mm_structs: each
reuse is the address's next incarnation. 20 lines, 10 events a process.

usage: bench/many-tasks.py N [--mms M] > trace.txt
       vmlockstat import --db DB trace.txt
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="processes")
    ap.add_argument("--mms", type=int, default=2000,
                    help="distinct mm addresses (default 2000)")
    a = ap.parse_args()
    if a.n < 1 or a.mms < 1:
        ap.error("N and --mms must be at least 1")
    w = sys.stdout.write
    t = 10.0
    w("# tracer: nop\n#\n")
    for i in range(a.n):
        pid = 1000 + i
        comm = "cc1-%d" % (i % 50)
        mm = "%016x" % (0xffff000000000000 + (i % a.mms) * 0x1000)
        pre = "%16s-%-7d [%03d] ....." % (comm, pid, i % 2)
        lines = []
        for k in range(3):
            lines.append("page_fault_user: address=0x%x ip=0x401000 error_code=0x6"
                         % (0x500000 + k * 4096))
        for write, frames in (("false", ("lock_mm_and_find_vma", "do_user_addr_fault",
                                         "exc_page_fault", "asm_exc_page_fault")),
                              ("true", ("do_mmap", "vm_mmap_pgoff", "ksys_mmap_pgoff",
                                        "do_syscall_64"))):
            lines.append("mmap_lock_start_locking: mm=%s memcg_path= write=%s" % (mm, write))
            lines.append(("<stack trace>", frames))
            lines.append("mmap_lock_acquire_returned: mm=%s memcg_path= write=%s "
                         "success=true" % (mm, write))
            lines.append("mmap_lock_released: mm=%s memcg_path= write=%s" % (mm, write))
        lines.append("sched_switch: prev_comm=%s prev_pid=%d prev_prio=120 prev_state=X "
                     "==> next_comm=swapper/0 next_pid=0 next_prio=120" % (comm, pid))
        for line in lines:
            t += 0.000003
            if isinstance(line, tuple):
                w("%s %12.6f: %s\n" % (pre, t, line[0]))
                for f in line[1]:
                    w(" => %s\n" % f)
            else:
                w("%s %12.6f: %s\n" % (pre, t, line))


if __name__ == "__main__":
    main()
