/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_text.c - the ftrace text reader (lib/reader-text.c, reader-text-line.c,
 * reader-text-fields.c): one row per line format, stacks, dialect detection,
 * strict and lenient bad input, and whole-file counts on real traces.
 */
#define TEXT_TEST_TMPDIR "/tmp/vls-test-text-XXXXXX"
#include "text_collect.h"
#include "reader-text.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* The union's fields of a kind, as text a table can hold. */
static void render(char *b, size_t n, const vls_event *e)
{
	switch (e->kind) {
	case VLS_EV_MMAP_LOCK_START:
	case VLS_EV_MMAP_LOCK_ACQUIRED:
	case VLS_EV_MMAP_LOCK_RELEASED:
		snprintf(b, n, "mm=%llx memcg=%llu w=%u s=%u",
			 (unsigned long long)e->u.mmap_lock.mm,
			 (unsigned long long)e->u.mmap_lock.memcg_id,
			 e->u.mmap_lock.write, e->u.mmap_lock.success);
		break;
	case VLS_EV_PAGE_FAULT_USER:
	case VLS_EV_PAGE_FAULT_KERNEL:
		snprintf(b, n, "addr=%llx ip=%llx err=%llx",
			 (unsigned long long)e->u.fault.address,
			 (unsigned long long)e->u.fault.ip,
			 (unsigned long long)e->u.fault.error_code);
		break;
	case VLS_EV_FILEMAP_FAULT:
	case VLS_EV_FILEMAP_ADD:
	case VLS_EV_FILEMAP_DELETE:
		snprintf(b, n, "dev=%llx ino=%llx index=%llu pfn=%llx",
			 (unsigned long long)e->u.filemap.dev,
			 (unsigned long long)e->u.filemap.ino,
			 (unsigned long long)e->u.filemap.index,
			 (unsigned long long)e->u.filemap.pfn);
		break;
	case VLS_EV_SCHED_SWITCH:
		snprintf(b, n, "[%s] %d %d %llx ==> [%s] %d %d",
			 e->u.sched_switch.prev_comm, e->u.sched_switch.prev_pid,
			 e->u.sched_switch.prev_prio,
			 (unsigned long long)e->u.sched_switch.prev_state,
			 e->u.sched_switch.next_comm, e->u.sched_switch.next_pid,
			 e->u.sched_switch.next_prio);
		break;
	case VLS_EV_SCHED_WAKEUP:
	case VLS_EV_SCHED_WAKING:
		snprintf(b, n, "[%s] %d %d cpu=%d", e->u.wakeup.comm, e->u.wakeup.pid,
			 e->u.wakeup.prio, e->u.wakeup.target_cpu);
		break;
	case VLS_EV_SCHED_FORK:
		snprintf(b, n, "[%s] %d -> [%s] %d", e->u.fork.parent_comm,
			 e->u.fork.parent_pid, e->u.fork.child_comm, e->u.fork.child_pid);
		break;
	case VLS_EV_SCHED_EXIT:
		snprintf(b, n, "[%s] %d %d", e->u.exit.comm, e->u.exit.pid, e->u.exit.prio);
		break;
	case VLS_EV_SCHED_EXEC:
		snprintf(b, n, "pid=%d old=%d", e->u.exec.pid, e->u.exec.old_pid);
		break;
	case VLS_EV_LOCK_CONTENTION_BEGIN:
	case VLS_EV_LOCK_CONTENTION_END:
		snprintf(b, n, "lock=%llx flags=%x ret=%d",
			 (unsigned long long)e->u.contention.lock_addr,
			 e->u.contention.flags, e->u.contention.ret);
		break;
	case VLS_EV_BLOCK_RQ_ISSUE:
	case VLS_EV_BLOCK_RQ_COMPLETE:
		snprintf(b, n, "dev=%llx %s %llu+%u err=%d",
			 (unsigned long long)e->u.block.dev, e->u.block.rwbs,
			 (unsigned long long)e->u.block.sector, e->u.block.nr_sector,
			 e->u.block.error);
		break;
	default:
		snprintf(b, n, "%s", e->name);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* One row per line format                                             */
/* ------------------------------------------------------------------ */

static const struct line_case {
	const char *line;
	vls_format format;       /* what detection says of this line alone */
	vls_event_kind kind;
	uint64_t ts_ns;
	int32_t cpu, tid, pid;
	const char *comm;
	const char *fields;      /* render() of the union */
} line_cases[] = {
	/* tracefs trace, kernel 6.1 (memcg_path), hashed pointer */
	{ "            init-1       [003] .....    11.475504: mmap_lock_start_locking: mm=00000000f6a057c3 memcg_path=/ write=true",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_MMAP_LOCK_START, 11475504000ULL, 3, 1, -1,
	  "init", "mm=f6a057c3 memcg=0 w=1 s=0" },
	/* 6.18: memcg_id */
	{ "             git-8453    [001] .....  4492.364317: mmap_lock_acquire_returned: mm=0000000085b73ca6 memcg_id=2807 write=false success=true",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_MMAP_LOCK_ACQUIRED, 4492364317000ULL, 1, 8453, -1,
	  "git", "mm=85b73ca6 memcg=2807 w=0 s=1" },
	/* trace-cmd report of an instance: "buffer:" prefix, raw pointer */
	{ "vlstext:               sh-9941  [000]  4562.720783: mmap_lock_released:   mm=0xffff88810a64b200 memcg_id=3566 write=true",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_MMAP_LOCK_RELEASED, 4562720783000ULL, 0, 9941, -1,
	  "sh", "mm=ffff88810a64b200 memcg=3566 w=1 s=0" },
	/* trace-cmd report -l: cpu and flags without brackets */
	{ "vlstext:       sh-9941    0d....  4562.720707: page_fault_user:      address=0x5645d0d86478 ip=0x7f20235a5109 error_code=0x6",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_PAGE_FAULT_USER, 4562720707000ULL, 0, 9941, -1,
	  "sh", "addr=5645d0d86478 ip=7f20235a5109 err=6" },
	/* tracefs with record-tgid: a tgid column (atrace's too, but without
	 * its "TRACE:" line a file is tracefs text) */
	{ "         python3-9944    (   9944) [000] .....  4562.732495: mmap_lock_start_locking: mm=00000000f9878825 memcg_id=3566 write=true",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_MMAP_LOCK_START, 4562732495000ULL, 0, 9944, 9944,
	  "python3", "mm=f9878825 memcg=3566 w=1 s=0" },
	/* unknown tgid, a thread of another group */
	{ "  RenderThread-2310  (-----) [002] d..2.  1234.000001: sched_waking: comm=surfaceflinger pid=610 prio=97 target_cpu=003",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_WAKING, 1234000001000ULL, 2, 2310, -1,
	  "RenderThread", "[surfaceflinger] 610 97 cpu=3" },
	{ "  RenderThread-2310  ( 2290) [002] ...1  1234.000002: tracing_mark_write: B|2290|draw",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_OTHER, 1234000002000ULL, 2, 2310, 2290,
	  "RenderThread", "tracing_mark_write" },
	/* comms with dashes, spaces and colons: the pid is the last -DIGITS */
	{ "  my prog-x-1234 [001] .....  5.000000: mmap_lock_released: mm=0000000000000001 memcg_path=/a b write=false",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_MMAP_LOCK_RELEASED, 5000000000ULL, 1, 1234, -1,
	  "my prog-x", "mm=1 memcg=0 w=0 s=0" },
	{ "vlstd:   mprotect-fault-8650  [000]  4500.505196: mmap_lock_start_locking: mm=0xffff88810a649900 memcg_id=3467 write=true",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_MMAP_LOCK_START, 4500505196000ULL, 0, 8650, -1,
	  "mprotect-fault", "mm=ffff88810a649900 memcg=3467 w=1 s=0" },
	{ " memfd:sealed-91-2854    [000] d..2.  4562.769600: sched_switch: prev_comm=memfd:sealed-91 prev_pid=2854 prev_prio=120 prev_state=S ==> next_comm=sh next_pid=9941 next_prio=120",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_SWITCH, 4562769600000ULL, 0, 2854, -1,
	  "memfd:sealed-91", "[memfd:sealed-91] 2854 120 1 ==> [sh] 9941 120" },
	/* prev_state letters: R+ preempted, D|K, I idle */
	{ "            sort-9943    [000] d..2.  4562.728949: sched_switch: prev_comm=sh prev_pid=9943 prev_prio=120 prev_state=R+ ==> next_comm=migration/0 next_pid=18 next_prio=0",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_SWITCH, 4562728949000ULL, 0, 9943, -1,
	  "sort", "[sh] 9943 120 100 ==> [migration/0] 18 0" },
	{ "          <...>-77      [001] d..3   100.5: sched_switch: prev_comm=a b prev_pid=77 prev_prio=120 prev_state=D|K ==> next_comm=swapper/1 next_pid=0 next_prio=120",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_SWITCH, 100500000000ULL, 1, 77, -1,
	  "", "[a b] 77 120 82 ==> [swapper/1] 0 120" },
	{ "     rcu_preempt-15      [002] d..2.    11.477078: sched_switch: prev_comm=rcu_preempt prev_pid=15 prev_prio=120 prev_state=I ==> next_comm=swapper/2 next_pid=0 next_prio=120",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_SWITCH, 11477078000ULL, 2, 15, -1,
	  "rcu_preempt", "[rcu_preempt] 15 120 80 ==> [swapper/2] 0 120" },
	/* trace-cmd's sched plugin: its own letters (W is the kernel's I) */
	{ "vlstext:     kworker/1:1H-44    [001]  4562.742909: sched_switch:         kworker/1:1H:44 [100] W ==> python3:9944 [120]",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_SCHED_SWITCH, 4562742909000ULL, 1, 44, -1,
	  "kworker/1:1H", "[kworker/1:1H] 44 100 80 ==> [python3] 9944 120" },
	{ "vlstext:               sh-9941  [000]  4562.769584: sched_switch:         sh:9941 [120] X ==> memfd:sealed-91:2854 [120]",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_SCHED_SWITCH, 4562769584000ULL, 0, 9941, -1,
	  "sh", "[sh] 9941 120 20 ==> [memfd:sealed-91] 2854 120" },
	{ "vlstext:           <idle>-0     [001]  4562.722850: sched_wakeup:         sh:9941 [120] CPU:001",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_SCHED_WAKEUP, 4562722850000ULL, 1, 0, -1,
	  "<idle>", "[sh] 9941 120 cpu=1" },
	{ "          <idle>-0       [001] dNh2.  4562.722850: sched_wakeup: comm=sh pid=9941 prio=120 target_cpu=001",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_WAKEUP, 4562722850000ULL, 1, 0, -1,
	  "<idle>", "[sh] 9941 120 cpu=1" },
	{ "              sh-9941    [000] .....  4562.722684: sched_process_fork: comm=sh pid=9941 child_comm=sh child_pid=9942",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_FORK, 4562722684000ULL, 0, 9941, -1,
	  "sh", "[sh] 9941 -> [sh] 9942" },
	{ "              ls-9942    [001] .....  4562.728275: sched_process_exit: comm=ls pid=9942 prio=120 group_dead=true",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_EXIT, 4562728275000ULL, 1, 9942, -1,
	  "ls", "[ls] 9942 120" },
	{ "vlstext:               sh-9941  [000]  4562.721110: sched_process_exec:   filename=/usr/bin/my pid=1 old_pid=2 pid=9941 old_pid=9940",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_SCHED_EXEC, 4562721110000ULL, 0, 9941, -1,
	  "sh", "pid=9941 old=9940" },
	/* filemap: dev= (mm_filemap_fault), "dev " (add/delete, older fault) */
	{ "        faulter1-185     [000] .....    19.496966: mm_filemap_fault: dev=254:0 ino=c ofs=33554432",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_FILEMAP_FAULT, 19496966000ULL, 0, 185, -1,
	  "faulter1", "dev=fe00000 ino=c index=8192 pfn=0" },
	{ "              ls-9942    [000] .....  4562.725533: mm_filemap_add_to_page_cache: dev 0:3 ino fe00000 pfn=0x109952 ofs=6481747968 order=0",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_FILEMAP_ADD, 4562725533000ULL, 0, 9942, -1,
	  "ls", "dev=3 ino=fe00000 index=1582458 pfn=109952" },
	{ "           cat-5 [000] ....   7.000001: mm_filemap_fault: dev 8:1 ino 1a2b ofs=4096",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_FILEMAP_FAULT, 7000001000ULL, 0, 5, -1,
	  "cat", "dev=800001 ino=1a2b index=1 pfn=0" },
	{ "         kswapd0-80    [001] .....   9.5: mm_filemap_delete_from_page_cache: dev 254:1 ino 3c pfn=0x1f ofs=8192 order=0",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_FILEMAP_DELETE, 9500000000ULL, 1, 80, -1,
	  "kswapd0", "dev=fe00001 ino=3c index=2 pfn=1f" },
	/* %ps prints a kernel ip as a symbol: no number to keep */
	{ "            cat-7     [000] d....   1.000000001: page_fault_kernel: address=0x0 ip=copy_user_generic+0x10/0x20 error_code=0x2",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_PAGE_FAULT_KERNEL, 1000000001ULL, 0, 7, -1,
	  "cat", "addr=0 ip=0 err=2" },
	/* block layer: issue with ioprio (6.x) and complete without */
	{ "              ls-9942    [000] .....  4562.725557: block_rq_issue: 254,0 RM 4096 () 12659664 + 8 be,0,4 [ls]",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_BLOCK_RQ_ISSUE, 4562725557000ULL, 0, 9942, -1,
	  "ls", "dev=fe00000 RM 12659664+8 err=0" },
	{ "          <idle>-0       [001] d.h1.    12.5: block_rq_complete: 8,16 WS () 2048 + 16 [-5]",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_BLOCK_RQ_COMPLETE, 12500000000ULL, 1, 0, -1,
	  "<idle>", "dev=800010 WS 2048+16 err=-5" },
	/* a flush's sector is (sector_t)-1: UINT64_MAX itself parses (6.18) */
	{ "              sh-440     [001] .....  1647.518808: block_rq_complete: 254,0 FF () 18446744073709551615 + 0 0x0,0,0 [0]",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_BLOCK_RQ_COMPLETE, 1647518808000ULL, 1, 440, -1,
	  "sh", "dev=fe00000 FF 18446744073709551615+0 err=0" },
	/* lock contention */
	{ "         python3-90    [000] d..1.    3.25: contention_begin: 00000000deadbeef (flags=SPIN|WRITE)",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_LOCK_CONTENTION_BEGIN, 3250000000ULL, 0, 90, -1,
	  "python3", "lock=deadbeef flags=5 ret=0" },
	{ "vlstext:          python3-90    [000]     3.260000: contention_end:       0xffff888100001000 (ret=-4)",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_LOCK_CONTENTION_END, 3260000000ULL, 0, 90, -1,
	  "python3", "lock=ffff888100001000 flags=0 ret=-4" },
	/* trace-cmd report -t: nanoseconds; no flags column */
	{ "            bash-1170  [001]  4562.123456789: mmap_lock_start_locking: mm=0xffff888104d18000 memcg_id=1 write=false",
	  VLS_FORMAT_TRACECMD_TEXT, VLS_EV_MMAP_LOCK_START, 4562123456789ULL, 1, 1170, -1,
	  "bash", "mm=ffff888104d18000 memcg=1 w=0 s=0" },
	/* tracefs latency-format option: comm cut to 8, microseconds, delay mark */
	{ "migratio-21        1d..2. 5459248754us#: sched_switch: prev_comm=migration/1 prev_pid=21 prev_prio=0 prev_state=S ==> next_comm=grep next_pid=3111 next_prio=120",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_SCHED_SWITCH, 5459248754000ULL, 1, 21, -1,
	  "migratio", "[migration/1] 21 0 1 ==> [grep] 3111 120" },
	{ "    bash-3114      0d..2. 5459244784us : mmap_lock_released: mm=00000000f6a057c3 memcg_id=5 write=true",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_MMAP_LOCK_RELEASED, 5459244784000ULL, 0, 3114, -1,
	  "bash", "mm=f6a057c3 memcg=5 w=1 s=0" },
	/* unknown events and the function tracer: VLS_EV_OTHER with a name */
	{ "        workload-143     [001] .....    11.568148: tracing_mark_write: WL_START",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_OTHER, 11568148000ULL, 1, 143, -1,
	  "workload", "tracing_mark_write" },
	{ "            bash-1170  [001] ..... 10.000002: do_sys_open <-__x64_sys_openat",
	  VLS_FORMAT_FTRACE_TEXT, VLS_EV_OTHER, 10000002000ULL, 1, 1170, -1,
	  "bash", "function" },
};

static void test_lines(vls_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *c = &line_cases[i];
		vls_reader_stats st;
		vls_reader *r;
		char got[256];
		const char *path = write_tmp("line.txt", c->line, strlen(c->line));

		CHECK_INT(__vls_text_detect(c->line, strlen(c->line)), c->format);
		CHECK_INT(read_file(ctx, path, 1, &r, &st), 0);
		CHECK_INT(col->n, 1);
		if (col->n != 1) {
			fprintf(stderr, "  row %zu: %s\n", i, vls_ctx_errmsg(ctx));
			vls_reader_close(r);
			continue;
		}
		CHECK_INT(col->ev[0].kind, c->kind);
		CHECK_INT(col->ev[0].ts_ns, c->ts_ns);
		CHECK_INT(col->ev[0].cpu, c->cpu);
		CHECK_INT(col->ev[0].tid, c->tid);
		CHECK_INT(col->ev[0].pid, c->pid);
		CHECK_STR(col->ev[0].comm, c->comm);
		render(got, sizeof(got), &col->ev[0]);
		CHECK_STR(got, c->fields);
		CHECK_INT(st.bad_records, 0);
		vls_reader_close(r);
	}
}

/* ------------------------------------------------------------------ */
/* Stacks                                                              */
/* ------------------------------------------------------------------ */

static const struct stack_case {
	const char *what;
	const char *text;
	size_t events;
	int with_stack;          /* index of the event that gets the stack */
	uint32_t depth;
	const char *top, *bottom;
	uint64_t stacks, dup, orphan;
	uint64_t bad;            /* read lenient when non-zero */
} stack_cases[] = {
	{ "tracefs: stack after its event, other CPU in between",
	  "        workload-143     [001] .....    11.477523: mmap_lock_start_locking: mm=000000002c6cf6d4 memcg_path=/ write=false\n"
	  "            init-1       [003] .....    11.477600: mmap_lock_released: mm=00000000f6a057c3 memcg_path=/ write=true\n"
	  "        workload-143     [001] .....    11.477659: <stack trace>\n"
	  " => trace_event_raw_event_mmap_lock\n"
	  " => __mmap_lock_do_trace_start_locking\n"
	  " => lock_mm_and_find_vma\n"
	  " => do_user_addr_fault\n"
	  " => exc_page_fault\n"
	  " => asm_exc_page_fault\n",
	  2, 0, 6, "trace_event_raw_event_mmap_lock", "asm_exc_page_fault", 1, 0, 0, 0 },
	{ "trace-cmd: kernel_stack with addresses",
	  "cpus=2\n"
	  "vlstext:               sh-9941  [000]  4562.720781: mmap_lock_start_locking: mm=0xffff88810a64b200 memcg_id=3566 write=false\n"
	  "vlstext:               sh-9941  [000]  4562.720788: kernel_stack:         <stack trace >\n"
	  "=> trace_event_raw_event_mmap_lock (ffffffff815f449f)\n"
	  "=> lock_mm_and_find_vma (ffffffff8160bc76)\n"
	  "=> asm_exc_page_fault (ffffffff81000c82)\n"
	  "vlstext:               sh-9941  [000]  4562.720790: mmap_lock_acquire_returned: mm=0xffff88810a64b200 memcg_id=3566 write=false success=true\n",
	  2, 0, 3, "trace_event_raw_event_mmap_lock", "asm_exc_page_fault", 1, 0, 0, 0 },
	{ "arm64: one trigger recorded two stacks: the second is dropped",
	  "        faulter0-184     [001] .....    23.341000: mmap_lock_start_locking: mm=00000000fa72cd15 memcg_path=/ write=false\n"
	  "        faulter0-184     [001] .....    23.341087: <stack trace>\n"
	  " => trace_event_raw_event_mmap_lock\n"
	  " => do_page_fault\n"
	  " => el0t_64_sync\n"
	  "        faulter0-184     [001] .....    23.341090: <stack trace>\n"
	  " => trace_event_raw_event_mmap_lock\n"
	  " => do_page_fault\n"
	  " => el0t_64_sync\n"
	  "        faulter0-184     [001] .....    23.341200: mmap_lock_acquire_returned: mm=00000000fa72cd15 memcg_path=/ write=false success=true\n",
	  2, 0, 3, "trace_event_raw_event_mmap_lock", "el0t_64_sync", 1, 1, 0, 0 },
	{ "a stack of another task on that CPU attaches to nothing",
	  "            init-1       [003] .....    11.477502: mmap_lock_start_locking: mm=00000000f6a057c3 memcg_path=/ write=false\n"
	  "        workload-143     [003] .....    11.477659: <stack trace>\n"
	  " => trace_event_raw_event_mmap_lock\n",
	  1, -1, 0, "", "", 0, 0, 1, 0 },
	{ "sym-offset frames lose the offset; user stacks are ignored",
	  "            init-1       [000] .....     1.000000: mmap_lock_start_locking: mm=0000000000000001 memcg_path=/ write=false\n"
	  "            init-1       [000] .....     1.000001: <stack trace>\n"
	  " => lock_mm_and_find_vma+0x3c/0x2a0 <ffffffff8160bc76>\n"
	  " => exc_page_fault+0x70/0x170\n"
	  "            init-1       [000] .....     1.000002: <user stack trace>\n"
	  " =>  <00007f0000001000>\n",
	  1, 0, 2, "lock_mm_and_find_vma", "exc_page_fault", 1, 0, 0, 0 },
	{ "the stack of an event skipped as bad does not go to the one before",
	  "            init-1       [000] d....     1.000000: page_fault_user: address=0x1000 ip=0x2000 error_code=0x4\n"
	  "            init-1       [000] .....     1.000001: mmap_lock_start_locking: mm=zz memcg_path=/ write=false\n"
	  "            init-1       [000] .....     1.000002: <stack trace>\n"
	  " => lock_mm_and_find_vma\n",
	  1, -1, 0, "", "", 0, 0, 1, 1 },
};

static void test_stacks(vls_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(stack_cases) / sizeof(stack_cases[0]); i++) {
		const struct stack_case *c = &stack_cases[i];
		const char *path = write_tmp("stack.txt", c->text, strlen(c->text));
		vls_reader_stats st;
		vls_reader *r;

		CHECK_INT(read_file(ctx, path, !c->bad, &r, &st), 0);
		CHECK_INT(col->n, c->events);
		CHECK_INT(st.bad_records, c->bad);
		CHECK_INT(st.stacks, c->stacks);
		CHECK_INT(st.dup_stacks, c->dup);
		CHECK_INT(st.orphan_stacks, c->orphan);
		for (size_t e = 0; e < col->n; e++) {
			bool mine = (int)e == c->with_stack;

			CHECK_INT(col->depth[e], mine ? c->depth : 0);
			if (mine) {
				CHECK_STR(col->top[e], c->top);
				CHECK_STR(col->bottom[e], c->bottom);
			}
		}
		if (t_fail)
			fprintf(stderr, "  after stack case: %s\n", c->what);
		vls_reader_close(r);
	}
}

/* ------------------------------------------------------------------ */
/* Detection                                                           */
/* ------------------------------------------------------------------ */

static const struct {
	const char *head;
	vls_format format;
} detect_cases[] = {
	{ "# tracer: nop\n#\n# entries-in-buffer/entries-written: 0/0   #P:4\n#\n",
	  VLS_FORMAT_FTRACE_TEXT },
	/* `cat trace` with record-tgid: tracefs text, not atrace (issue 16) */
	{ "# tracer: nop\n#\n#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION\n",
	  VLS_FORMAT_FTRACE_TEXT },
	{ "         python3-9944    (   9944) [000] .....  4562.732495: x: y\n",
	  VLS_FORMAT_FTRACE_TEXT },
	{ "TRACE:\n         python3-9944    (   9944) [000] .....  4562.732495: x: y\n",
	  VLS_FORMAT_ATRACE_TEXT },
	{ "# tracer: nop\n            init-1       [003] .....    11.475504: mmap_lock_released: mm=1 memcg_path=/ write=true\n",
	  VLS_FORMAT_FTRACE_TEXT },
	{ "TRACE:\n# tracer: nop\n", VLS_FORMAT_ATRACE_TEXT },
	{ "version = 6\nCPU 0 is empty\ncpus=4\n", VLS_FORMAT_TRACECMD_TEXT },
	{ "cpus=2\nvlstext:    sh-1 [000]  1.000000: x: y\n", VLS_FORMAT_TRACECMD_TEXT },
	{ "            init-1  [003]    11.475504: mmap_lock_released: mm=0x1 memcg_id=0 write=true\n",
	  VLS_FORMAT_TRACECMD_TEXT },
	{ "hello world\nthis is not a trace\n", VLS_FORMAT_AUTO },
	{ "\x7f" "ELF\x02\x01\x01", VLS_FORMAT_AUTO },
	{ "", VLS_FORMAT_AUTO },
};

static void test_detect(void)
{
	for (size_t i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++)
		CHECK_INT(__vls_text_detect(detect_cases[i].head,
					    strlen(detect_cases[i].head)),
			  detect_cases[i].format);
}

/* ------------------------------------------------------------------ */
/* Bad input, strict and lenient                                       */
/* ------------------------------------------------------------------ */

#define L1 "            init-1       [003] .....    11.000001: mmap_lock_released: mm=1 memcg_path=/ write=true\n"
#define L2 "            init-1       [003] .....    11.000003: mmap_lock_released: mm=2 memcg_path=/ write=true\n"

static const struct bad_case {
	const char *what;
	const char *text;
	size_t len;              /* 0: strlen */
	size_t events;           /* lenient */
	uint64_t bad;
	int bad_line;            /* line number named by strict mode, 0: none */
} bad_cases[] = {
	{ "garbage line", "# tracer: nop\n" L1 "garbage here\n" L2, 0, 2, 1, 3 },
	{ "known event with broken fields",
	  L1 "            init-1       [003] .....    11.000002: sched_switch: prev_comm=x\n" L2,
	  0, 2, 1, 2 },
	{ "frame line without a stack", L1 " => orphan_frame\n" L2, 0, 2, 1, 2 },
	{ "NUL bytes and invalid UTF-8",
	  L1 "   a\xff\xfe-\0-12 [000] ..... 1.0: x\n" L2,
	  sizeof(L1 "   a\xff\xfe-\0-12 [000] ..... 1.0: x\n" L2) - 1,
	  2, 1, 2 },
	{ "CRLF line ends and blank lines", "cpus=1\r\n\r\n" L1, 0, 1, 0, 0 },
	{ "trace-cmd report header", "version = 6\nCPU 0 is empty\ncpus=4\n" L1, 0, 1, 0, 0 },
	{ "timestamp overflow", "   a-1 [000] ..... 99999999999999999999.0: x: y\n" L1, 0, 1, 1, 1 },
	{ "sector overflow", "   a-1 [000] .....  1.0: block_rq_complete: 254,0 FF () "
	  "18446744073709551616 + 0 0x0,0,0 [0]\n" L1, 0, 1, 1, 1 },
	{ "no newline at the end", L1 "            init-1       [003] .....    11.000003: mmap_lock_released: mm=2 memcg_path=/ write=true",
	  0, 2, 0, 0 },
};

static void test_bad(vls_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		const char *path = write_tmp("bad.txt", c->text, len);
		vls_reader_stats st;
		vls_reader *r;
		char where[64];

		CHECK_INT(read_file(ctx, path, 0, &r, &st), 0);
		CHECK_INT(col->n, c->events);
		CHECK_INT(st.bad_records, c->bad);
		CHECK_INT(st.bytes_read, len);
		vls_reader_close(r);
		if (t_fail)
			fprintf(stderr, "  after bad case: %s\n", c->what);
		if (!c->bad_line)
			continue;
		CHECK_INT(read_file(ctx, path, 1, &r, &st), VLS_EPARSE);
		snprintf(where, sizeof(where), "bad.txt:%d: ", c->bad_line);
		CHECK(strstr(vls_ctx_errmsg(ctx), where) != NULL);
		vls_reader_close(r);
	}
}

/* Over-long lines are skipped without being buffered, whether the line
 * fits in one read (100 KiB) or spans several (3 MiB); the next one parses. */
static void test_long_line(vls_ctx *ctx)
{
	static const size_t sizes[] = { 100 * 1024, 3 * 1024 * 1024 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], len = sizeof(L1) - 1 + n + 1 + sizeof(L2) - 1;
		char *text = malloc(len);
		vls_reader_stats st;
		vls_reader *r;
		const char *path;

		memcpy(text, L1, sizeof(L1) - 1);
		memset(text + sizeof(L1) - 1, 'x', n);
		text[sizeof(L1) - 1 + n] = '\n';
		memcpy(text + sizeof(L1) + n, L2, sizeof(L2) - 1);
		path = write_tmp("long.txt", text, len);
		CHECK_INT(read_file(ctx, path, 0, &r, &st), 0);
		CHECK_INT(col->n, 2);
		CHECK_INT(st.bad_records, 1);
		CHECK_INT(st.bytes_read, len);
		vls_reader_close(r);
		CHECK_INT(read_file(ctx, path, 1, &r, &st), VLS_EPARSE);
		CHECK(strstr(vls_ctx_errmsg(ctx), "long.txt:2: line longer") != NULL);
		vls_reader_close(r);
		free(text);
	}
}

/* Lost events, out-of-order timestamps, ncpus: the metadata the text says. */
static void test_meta(vls_ctx *ctx)
{
	static const char text[] =
		"# tracer: nop\n"
		"# entries-in-buffer/entries-written: 100/130   #P:8\n"
		L2
		"CPU:3 [LOST 42 EVENTS]\n"
		L1
		"CPU:3 [8 EVENTS DROPPED]\n"
		"CPU:1 [EVENTS DROPPED]\n";
	const char *path = write_tmp("meta.txt", text, strlen(text));
	vls_reader_stats st;
	vls_reader *r;

	CHECK_INT(read_file(ctx, path, 1, &r, &st), 0);
	CHECK_INT(col->n, 2);
	CHECK_STR(vls_reader_meta(r, "ncpus"), "8");
	CHECK_STR(vls_reader_meta(r, "lost_events"), "80");
	CHECK_STR(vls_reader_meta(r, "cpu3.lost"), "50");
	CHECK_STR(vls_reader_meta(r, "cpu1.lost"), "0");
	CHECK_STR(vls_reader_meta(r, "text.out_of_order"), "1");
	/* six decimals: microseconds */
	CHECK_STR(vls_reader_meta(r, "timestamp_resolution_ns"), "1000");
	CHECK_STR(vls_reader_meta(r, "events.present"), "mmap_lock:mmap_lock_released");
	CHECK_STR(vls_reader_meta(r, "format"), "ftrace");
	CHECK(vls_reader_meta(r, "kernel") == NULL);
	CHECK(vls_reader_meta(r, "arch") == NULL);
	vls_reader_close(r);
}

/* The callback's non-zero return stops the read at once. */
static int stop_at_two(const vls_event *ev, void *data)
{
	return ++*(int *)data == 2;
}

static void test_stop(vls_ctx *ctx)
{
	static const char text[] = L1 L1 L2 L2;
	const char *path = write_tmp("stop.txt", text, strlen(text));
	vls_reader *r = NULL;
	int seen = 0;

	CHECK_INT(vls_reader_open(&r, ctx, path, NULL), 0);
	CHECK_INT(vls_reader_read(r, stop_at_two, &seen), VLS_ESTOPPED);
	CHECK_INT(seen, 2);
	vls_reader_close(r);
}

/* Every allocation may fail: the read then fails with VLS_ENOMEM (or, for
 * metadata, with the error meta reports) and nothing leaks. */
static void test_alloc_failures(void)
{
	static const char text[] =
		"# tracer: nop\n# entries-in-buffer/entries-written: 3/3   #P:2\n"
		L1 "            init-1       [003] .....    11.000002: <stack trace>\n"
		" => lock_mm_and_find_vma\n" "CPU:3 [LOST 1 EVENTS]\n" L2;
	const char *path = write_tmp("alloc.txt", text, strlen(text));
	long total = 0, failed = 0;

	for (long n = 1; n < 200; n++) {
		struct test_alloc f = { 0, n, 0 };
		vls_allocator a = TEST_ALLOCATOR(&f);
		vls_ctx *ctx = NULL;
		vls_reader_stats st;
		vls_reader *r = NULL;
		int ret;

		if (vls_ctx_new(&ctx))
			return;
		CHECK_INT(vls_ctx_set_allocator(ctx, &a), 0);
		ret = read_file(ctx, path, 1, &r, &st);
		vls_reader_close(r);
		vls_ctx_free(ctx);
		CHECK(ret == 0 || ret == VLS_ENOMEM);
		CHECK_INT(f.live, 0);
		failed += ret != 0;
		if (f.calls < n) {
			total = n - 1;
			break;
		}
	}
	/* the loop ran past the last allocation, and every earlier one failed the read */
	CHECK(total > 5);
	CHECK_INT(failed, total);
}

/* ------------------------------------------------------------------ */
/* Whole files                                                         */
/* ------------------------------------------------------------------ */

/*
 * Expected counts, obtained independently of the reader on the
 * decompressed trace.txt:
 *   grep -c ': mmap_lock_start_locking: '   (likewise for the others)
 *   grep -c '<stack trace>'                 (every stack follows its event
 *     on the same CPU and task: checked with an awk script keeping the last
 *     record per CPU, which found no orphan and no duplicate)
 *   grep -m1 '#P:'                          (ncpus)
 * "other" is the two tracing_mark_write lines (WL_START, WL_END).
 */
static const struct file_case {
	const char *dir;
	uint64_t start, acquired, released, pf_user, filemap, sched_switch;
	uint64_t stacks, other;
	const char *ncpus;
} file_cases[] = {
	{ "debian-6.1-x86_64-readahead", 4670, 4671, 3938, 2196, 0, 2734, 3985, 2, "4" },
	{ "debian-6.12-arm64-readahead", 2105, 2106, 1549, 0, 1028, 2684, 1619, 2, "4" },
	{ "tiny-6.12-x86_64-retryvma-readahead", 1061, 1062, 1061, 3215, 1028, 1652, 35, 2, "1" },
	{ "tiny-6.12-x86_64-stock-readahead", 1518, 1519, 1499, 3216, 1028, 1087, 1080, 2, "1" },
};

static uint64_t count_kind(vls_event_kind k)
{
	uint64_t n = 0;

	for (size_t i = 0; i < col->n; i++)
		n += col->ev[i].kind == k;
	return n;
}

static void test_shared_traces(vls_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
		const struct file_case *c = &file_cases[i];
		char src[512];
		const char *path;
		vls_reader_stats st;
		vls_reader *r;
		uint64_t stacked = 0;

		snprintf(src, sizeof(src), "%s/shared/%s/trace.txt.xz", VLS_TEST_DATA, c->dir);
		path = unxz(src, "trace.txt");
		CHECK(path != NULL);
		if (!path)
			continue;
		CHECK_INT(read_file(ctx, path, 1, &r, &st), 0);
		CHECK_INT(vls_reader_format(r), VLS_FORMAT_FTRACE_TEXT);
		CHECK_INT(count_kind(VLS_EV_MMAP_LOCK_START), c->start);
		CHECK_INT(count_kind(VLS_EV_MMAP_LOCK_ACQUIRED), c->acquired);
		CHECK_INT(count_kind(VLS_EV_MMAP_LOCK_RELEASED), c->released);
		CHECK_INT(count_kind(VLS_EV_PAGE_FAULT_USER), c->pf_user);
		CHECK_INT(count_kind(VLS_EV_FILEMAP_FAULT), c->filemap);
		CHECK_INT(count_kind(VLS_EV_SCHED_SWITCH), c->sched_switch);
		CHECK_INT(count_kind(VLS_EV_OTHER), c->other);
		for (size_t e = 0; e < col->n; e++)
			stacked += col->depth[e] > 0;
		CHECK_INT(stacked, c->stacks);
		/* the trigger is "stacktrace if write == 0" on start_locking */
		for (size_t e = 0; e < col->n; e++)
			if (col->depth[e] && (col->ev[e].kind != VLS_EV_MMAP_LOCK_START ||
					      col->ev[e].u.mmap_lock.write))
				CHECK(!"stack on an event the trigger does not fire on");
		CHECK_INT(st.stacks, c->stacks);
		CHECK_INT(st.orphan_stacks + st.dup_stacks + st.bad_records, 0);
		CHECK_STR(vls_reader_meta(r, "ncpus"), c->ncpus);
		CHECK_STR(vls_reader_meta(r, "lost_events"), "0");
		CHECK_STR(vls_reader_meta(r, "text.out_of_order"), "0");
		/* some never tie two events of a CPU: the decimals say it */
		CHECK_STR(vls_reader_meta(r, "timestamp_resolution_ns"), "1000");
		vls_reader_close(r);
		if (t_fail)
			fprintf(stderr, "  after %s\n", c->dir);
	}
}

/*
 * tests/data/text: one recording printed four ways. Every dialect must give
 * the same events. What a dialect cannot say is left out of the comparison:
 * pointers (hashed in tracefs text), the preempted "+" (trace-cmd's sched
 * plugin drops it), comms in -l output (cut to 8 bytes) and pid (only
 * atrace.txt, tracefs text with record-tgid, has a TGID column).
 */
static const struct {
	const char *file;
	vls_format format;
} dialects[] = {
	{ "ftrace.txt.xz", VLS_FORMAT_FTRACE_TEXT },
	{ "atrace.txt.xz", VLS_FORMAT_FTRACE_TEXT },  /* tracefs, record-tgid */
	{ "tracecmd.txt.xz", VLS_FORMAT_TRACECMD_TEXT },
	{ "tracecmd-latency.txt.xz", VLS_FORMAT_TRACECMD_TEXT },
};

static void normalize(vls_event *e)
{
	switch (e->kind) {
	case VLS_EV_MMAP_LOCK_START:
	case VLS_EV_MMAP_LOCK_ACQUIRED:
	case VLS_EV_MMAP_LOCK_RELEASED:
		e->u.mmap_lock.mm = 0;
		break;
	case VLS_EV_SCHED_SWITCH:
		e->u.sched_switch.prev_state &= 0xff;
		break;
	default:
		break;
	}
	e->pid = -1;
	memset(e->comm + 8, 0, sizeof(e->comm) - 8);
	e->name = NULL;
}

static void test_dialects(vls_ctx *ctx)
{
	vls_event *first = calloc(MAX_EVENTS, sizeof(*first));
	size_t nfirst = 0;

	for (size_t d = 0; d < sizeof(dialects) / sizeof(dialects[0]); d++) {
		char src[512];
		const char *path;
		vls_reader_stats st;
		vls_reader *r;
		size_t diff = 0;

		snprintf(src, sizeof(src), "%s/text/%s", VLS_TEST_DATA, dialects[d].file);
		path = unxz(src, "dialect.txt");
		CHECK(path != NULL);
		if (!path)
			continue;
		CHECK_INT(read_file(ctx, path, 1, &r, &st), 0);
		CHECK_INT(vls_reader_format(r), dialects[d].format);
		/* grep -c on ftrace.txt: 4016 event lines, 106 "<stack trace>" */
		CHECK_INT(col->n, 4016);
		CHECK_INT(st.stacks, 106);
		CHECK_STR(vls_reader_meta(r, "ncpus"), "2");
		CHECK_STR(vls_reader_meta(r, "timestamp_resolution_ns"), "1000");
		if (!strcmp(dialects[d].file, "atrace.txt.xz")) {
			size_t unknown = 0;

			for (size_t e = 0; e < col->n; e++) {
				unknown += col->ev[e].pid == -1;
				diff += col->ev[e].pid != col->ev[e].tid &&
					col->ev[e].pid != -1;
			}
			/* awk on atrace.txt's event lines: 45 "(-----)", the
			 * other 3971 with TGID == PID */
			CHECK_INT(unknown, 45);
		}
		for (size_t e = 0; e < col->n; e++)
			normalize(&col->ev[e]);
		if (!d) {
			memcpy(first, col->ev, col->n * sizeof(*first));
			nfirst = col->n;
		} else if (nfirst == col->n) {
			for (size_t e = 0; e < col->n; e++)
				diff += memcmp(&first[e], &col->ev[e], sizeof(*first)) != 0;
		}
		CHECK_INT(diff, 0);
		vls_reader_close(r);
		if (t_fail)
			fprintf(stderr, "  after %s\n", dialects[d].file);
	}
	free(first);
}

/*
 * The trace.dat twin (tests/data/README.md): trace-cmd report -t of the same
 * file must give what the trace.dat reader gives, event for event, stacks
 * included (compared field by field: render() and the common fields). The
 * report's sched plugin drops the "+" of prev_state.
 */
static void test_tracedat_twin(vls_ctx *ctx)
{
	vls_event *dat = calloc(MAX_EVENTS, sizeof(*dat));
	uint32_t *depth = calloc(MAX_EVENTS, sizeof(*depth));
	char (*bottom)[64] = calloc(MAX_EVENTS, 64);
	vls_reader_stats st;
	vls_reader *r;
	size_t n, diff = 0;
	char a[256], b[256];

	CHECK_INT(read_file(ctx, TEST_DATA("mprotect-fault-6.18-x86_64.dat"), 1, &r, &st), 0);
	vls_reader_close(r);
	n = col->n;
	memcpy(dat, col->ev, n * sizeof(*dat));
	memcpy(depth, col->depth, n * sizeof(*depth));
	memcpy(bottom, col->bottom, n * 64);
	CHECK_INT(read_file(ctx, TEST_DATA("mprotect-fault-6.18-x86_64.report.txt"), 1,
			    &r, &st), 0);
	CHECK_INT(vls_reader_format(r), VLS_FORMAT_TRACECMD_TEXT);
	vls_reader_close(r);
	/* grep -c on the report: 1777 events of the six kinds, 79 stacks */
	CHECK_INT(col->n, 1777);
	CHECK_INT(st.stacks, 79);
	CHECK_INT(col->n, n);
	for (size_t e = 0; e < n && e < col->n; e++) {
		if (dat[e].kind == VLS_EV_SCHED_SWITCH)
			dat[e].u.sched_switch.prev_state &= 0xff;
		if (col->ev[e].kind == VLS_EV_SCHED_SWITCH)
			col->ev[e].u.sched_switch.prev_state &= 0xff;
		render(a, sizeof(a), &dat[e]);
		render(b, sizeof(b), &col->ev[e]);
		if (strcmp(a, b) || strcmp(dat[e].comm, col->ev[e].comm) ||
		    dat[e].kind != col->ev[e].kind || dat[e].ts_ns != col->ev[e].ts_ns ||
		    dat[e].cpu != col->ev[e].cpu || dat[e].tid != col->ev[e].tid ||
		    depth[e] != col->depth[e] || strcmp(bottom[e], col->bottom[e])) {
			if (!diff)
				fprintf(stderr, "  twin: first difference at event %zu\n", e);
			diff++;
		}
	}
	CHECK_INT(diff, 0);
	free(dat);
	free(depth);
	free(bottom);
}

int main(void)
{
	vls_ctx *ctx = NULL;

	if (text_test_setup() || vls_ctx_new(&ctx))
		return 1;
	test_lines(ctx);
	test_stacks(ctx);
	test_detect();
	test_bad(ctx);
	test_long_line(ctx);
	test_meta(ctx);
	test_stop(ctx);
	test_alloc_failures();
	test_shared_traces(ctx);
	test_dialects(ctx);
	test_tracedat_twin(ctx);
	vls_ctx_free(ctx);
	text_test_cleanup();
	return TEST_DONE();
}
