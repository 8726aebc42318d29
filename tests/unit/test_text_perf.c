/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_text_perf.c - the text reader's perf script dialect
 * (lib/reader-text-perf.c, its use in reader-text.c): event and callchain
 * lines, detection, stacks, and the recorded fixtures of
 * tests/data/text/ (perf-script.txt.xz, perf-script-usec.txt.xz), whose
 * counts come from grep on the text (tests/data/README.md).
 */
#define TEXT_TEST_TMPDIR "/tmp/vls-test-perf-XXXXXX"
#include "text_collect.h"
#include "reader-text.h"

/* A fixture of tests/data/text/ unpacked to tmpdir (its name less .xz). */
static const char *unxz_fixture(const char *file)
{
	char src[512], name[128];

	snprintf(src, sizeof(src), "%s/text/%s", VLS_TEST_DATA, file);
	snprintf(name, sizeof(name), "%.*s", (int)(strlen(file) - 3), file);
	return unxz(src, name);
}

/* ------------------------------------------------------------------ */
/* Event lines                                                         */
/* ------------------------------------------------------------------ */

static const struct line_case {
	const char *line;
	int ok;
	const char *comm;
	int32_t pid, tid, cpu;
	uint64_t ts_ns;
	uint8_t digits;
	const char *name, *fields;
} line_cases[] = {
	/* perf script's default: "%-16s %5d" (tid), microseconds */
	{ "perf-threads 13235 [000] 29536.910420:    mmap_lock:mmap_lock_start_locking: mm=0x1 memcg_id=2 write=true",
	  1, "perf-threads", -1, 13235, 0, 29536910420000ULL, 6,
	  "mmap_lock:mmap_lock_start_locking", "mm=0x1 memcg_id=2 write=true" },
	/* -F +pid --ns: "%16s %7d/%-7d", nanoseconds */
	{ "    perf-threads 13235/13236 [001] 29536.910420753: exceptions:page_fault_user: address=0x7f ip=0x40 error_code=0x6",
	  1, "perf-threads", 13235, 13236, 1, 29536910420753ULL, 9,
	  "exceptions:page_fault_user", "address=0x7f ip=0x40 error_code=0x6" },
	/* a comm with spaces, dashes and digits */
	{ "Web Content-2 44 4056/4060 [003]   12.000001: sched:sched_switch: prev_comm=a",
	  1, "Web Content-2 44", 4056, 4060, 3, 12000001000ULL, 6, "sched:sched_switch",
	  "prev_comm=a" },
	/* a comm that holds "[1] " itself */
	{ "a [1] b 7 [002] 1.5: x:y: z", 1, "a [1] b", -1, 7, 2, 1500000000ULL, 1, "x:y", "z" },
	/* a sampled event: its period before the name, no fields */
	{ "sh 7 [000] 2.000000:     250000 cpu-clock:ppp:", 1, "sh", -1, 7, 0,
	  2000000000ULL, 6, "cpu-clock:ppp", "" },
	/* the ftrace dialects are not perf lines */
	{ .line = "            init-1       [003] .....    11.475504: mmap_lock_released: mm=1 write=true" },
	{ .line = "            init-1  [003]    11.475504: mmap_lock_released: mm=1" },
	{ .line = "       python3-9944    (   9944) [000] .....  4562.732495: x: y" },
	/* no comm, no tid, no time, no name, a CPU too large */
	{ .line = "7 [000] 1.0: a:b: c" },
	{ .line = "sh [000] 1.0: a:b: c" },
	{ .line = "sh 7 [000] a:b: c" },
	{ .line = "sh 7 [000] 1.0:" },
	{ .line = "sh 7 [99999999] 1.0: a:b: c" },
	{ .line = "sh 99999999999 [000] 1.0: a:b: c" },
	{ .line = "\tffffffff815f9cfb __mmap_lock_do_trace_start_locking+0x4b ([kernel.kallsyms])" },
	{ .line = "" },
};

static void test_lines(void)
{
	for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *c = &line_cases[i];
		struct text_line l;
		int ret = __vls_text_parse_perf_line(&l, c->line);

		CHECK_INT(ret == 0, c->ok);
		if (!ret && c->ok) {
			CHECK_INT(l.comm_len, strlen(c->comm));
			CHECK(!strncmp(l.comm, c->comm, l.comm_len));
			CHECK_INT(l.has_tgid ? l.tgid : -1, c->pid);
			CHECK_INT(l.tid, c->tid);
			CHECK_INT(l.cpu, c->cpu);
			CHECK_INT(l.ts_ns, c->ts_ns);
			CHECK_INT(l.ts_digits, c->digits);
			CHECK_INT(l.name_len, strlen(c->name));
			CHECK(!strncmp(l.name, c->name, l.name_len));
			CHECK_STR(l.fields, c->fields);
		}
		if (t_fail)
			fprintf(stderr, "  after line %zu: %s\n", i, c->line);
	}
}

/* ------------------------------------------------------------------ */
/* Callchain lines                                                     */
/* ------------------------------------------------------------------ */

static const struct frame_case {
	const char *line;
	int ok;
	uint64_t addr;
	const char *sym;         /* NULL: none */
	int kernel;
} frame_cases[] = {
	{ "\tffffffff815f9cfb __mmap_lock_do_trace_start_locking+0x4b ([kernel.kallsyms])",
	  1, 0xffffffff815f9cfbULL, "__mmap_lock_do_trace_start_locking", 1 },
	{ "\tffffffff816e86b6 do_execveat_common.isra.0 ([kernel.kallsyms])",
	  1, 0xffffffff816e86b6ULL, "do_execveat_common.isra.0", 1 },
	{ "\tffffffffc0a1b2c3 xfs_filemap_fault+0x1 ([xfs])", 1, 0xffffffffc0a1b2c3ULL,
	  "xfs_filemap_fault", 1 },
	{ "\t    7f5b86af2ad7 [unknown] ([unknown])", 1, 0x7f5b86af2ad7ULL, NULL, 0 },
	{ "\tffffffffc0001000 [unknown] ([unknown])", 1, 0xffffffffc0001000ULL, NULL, 1 },
	{ "\t    7ffd1234 __vdso_clock_gettime+0x10 ([vdso])", 1, 0x7ffd1234, "__vdso_clock_gettime", 0 },
	{ "\t    55d0 main+0x20 (/opt/my app/bin)", 1, 0x55d0, "main", 0 },
	/* -F ip alone, -F ip,sym */
	{ "\tffffffff815f9cfb", 1, 0xffffffff815f9cfbULL, NULL, 1 },
	{ "\t55d0 main", 1, 0x55d0, "main", 0 },
	{ .line = "perf-threads 1 [000] 1.0: a:b: c" },
	{ .line = "\tnothex sym" },
	{ .line = "\t" },
	{ .line = "\t1ffffffffffffffff x" },
};

static void test_frames(void)
{
	for (size_t i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++) {
		const struct frame_case *c = &frame_cases[i];
		struct text_perf_frame f;
		int ret = __vls_text_parse_perf_frame(&f, c->line);

		CHECK_INT(ret == 0, c->ok);
		if (!ret && c->ok) {
			CHECK_INT(f.addr, c->addr);
			CHECK_INT(f.kernel, c->kernel);
			CHECK_INT(f.sym != NULL, c->sym != NULL);
			if (f.sym && c->sym) {
				CHECK_INT(f.sym_len, strlen(c->sym));
				CHECK(!strncmp(f.sym, c->sym, f.sym_len));
			}
		}
		if (t_fail)
			fprintf(stderr, "  after frame %zu: %s\n", i, c->line);
	}
}

static void test_detect(void)
{
	static const char *const perf[] = {
		"# ========\n# captured on    : Fri Dec  4 15:59:46 2026\n",
		"perf-threads 13235 [000] 29536.910420:    mmap_lock:mmap_lock_released: mm=0x1\n",
		"    perf-threads 13235/13235 [000] 29536.910420753: a:b: c\n",
	};

	for (size_t i = 0; i < sizeof(perf) / sizeof(perf[0]); i++)
		CHECK_INT(__vls_text_detect(perf[i], strlen(perf[i])),
			  VLS_FORMAT_PERF_SCRIPT_TEXT);
	CHECK_STR(vls_format_name(VLS_FORMAT_PERF_SCRIPT_TEXT), "perf-script");
}

/* ------------------------------------------------------------------ */
/* Stacks: the callchain of each event, its kernel frames               */
/* ------------------------------------------------------------------ */

#define EV(tid, t, rest) "sh 1/" #tid " [000] " t ": " rest "\n"
#define K(sym) "\tffffffff81000000 " sym "+0x10 ([kernel.kallsyms])\n"
#define U(sym) "\t    7f0000001000 " sym " (/usr/lib/libc.so.6)\n"

static const char stack_text[] =
	"# ========\n"
	"# os release : 6.1.0-18-amd64\n"
	"# arch : x86_64\n"
	"# nrcpus online : 2\n"
	"# nrcpus avail : 4\n"
	"# event : name = mmap_lock:mmap_lock_start_locking, , id = { 1 }, type = 2\n"
	"# event : name = lock:contention_begin, , id = { 2 }, type = 2\n"
	"# event : name = cycles, , id = { 3 }, type = 0\n"
	"# ========\n"
	"#\n"
	EV(2, "1.000000001", "mmap_lock:mmap_lock_start_locking: mm=0x1 memcg_id=0 write=false")
	K("__mmap_lock_do_trace_start_locking") K("lock_mm_and_find_vma")
	K("do_user_addr_fault") U("memset") U("main")
	"\n"
	/* user frames only: no stack */
	EV(2, "1.000000002", "mmap_lock:mmap_lock_acquire_returned: mm=0x1 memcg_id=0 write=false success=true")
	U("main")
	"\n"
	/* broken fields: skipped, its callchain an orphan */
	EV(3, "1.000000003", "mmap_lock:mmap_lock_released: mm=zz")
	K("up_read")
	"\n"
	/* no callchain, no blank line before the next event */
	EV(2, "1.000000004", "mmap_lock:mmap_lock_released: mm=0x1 memcg_id=0 write=false")
	"     add 1/5 [001] 1.000000005: sched:sched_wakeup_new: comm=x pid=6\n"
	K("wake_up_new_task")
	"\n";

static void test_stacks(vls_ctx *ctx)
{
	const char *path = write_tmp("stacks.txt", stack_text, strlen(stack_text));
	vls_reader_stats st;
	vls_reader *r;

	CHECK_INT(read_file(ctx, path, 0, &r, &st), 0);
	CHECK_INT(vls_reader_format(r), VLS_FORMAT_PERF_SCRIPT_TEXT);
	CHECK_INT(col->n, 4);
	CHECK_INT(st.bad_records, 1);
	CHECK_INT(st.stacks, 2);
	CHECK_INT(st.orphan_stacks, 1);
	CHECK_INT(col->depth[0], 3);
	CHECK_STR(col->top[0], "__mmap_lock_do_trace_start_locking");
	CHECK_STR(col->bottom[0], "do_user_addr_fault");
	CHECK_INT(col->ev[0].kind, VLS_EV_MMAP_LOCK_START);
	CHECK_INT(col->ev[0].pid, 1);
	CHECK_INT(col->ev[0].tid, 2);
	CHECK_STR(col->ev[0].comm, "sh");
	CHECK_INT(col->depth[1], 0);
	CHECK_INT(col->ev[1].u.mmap_lock.success, 1);
	CHECK_INT(col->depth[2], 0);
	CHECK_INT(col->ev[3].kind, VLS_EV_OTHER);
	CHECK_STR(col->ev[3].comm, "add");
	CHECK_INT(col->ev[3].tid, 5);
	CHECK_INT(col->depth[3], 1);
	CHECK_STR(col->top[3], "wake_up_new_task");
	CHECK_STR(vls_reader_meta(r, "kernel"), "6.1.0-18-amd64");
	CHECK_STR(vls_reader_meta(r, "arch"), "x86_64");
	CHECK_STR(vls_reader_meta(r, "ncpus"), "4");
	CHECK_STR(vls_reader_meta(r, "timestamp_resolution_ns"), "1");
	CHECK(vls_reader_meta(r, "lost_events") == NULL);
	/* declared by the header, seen or not */
	CHECK_STR(vls_reader_meta(r, "events.present"),
		  "mmap_lock:mmap_lock_start_locking,mmap_lock:mmap_lock_acquire_returned,"
		  "mmap_lock:mmap_lock_released,lock:contention_begin");
	vls_reader_close(r);
	/* strict: the broken line is fatal, named by its number */
	CHECK_INT(read_file(ctx, path, 1, &r, &st), VLS_EPARSE);
	CHECK(strstr(vls_ctx_errmsg(ctx), "stacks.txt:21: ") != NULL);
	vls_reader_close(r);
}

/* ------------------------------------------------------------------ */
/* The recorded fixtures                                               */
/* ------------------------------------------------------------------ */

static uint64_t count_kind(vls_event_kind k)
{
	uint64_t n = 0;

	for (size_t i = 0; i < col->n; i++)
		n += col->ev[i].kind == k;
	return n;
}

static vls_event *ns_ev;
static uint32_t *ns_depth;
static char (*ns_top)[64], (*ns_bottom)[64];

/* tests/data/text/perf-script.txt.xz (perf script --ns --header -F +pid,...)
 * grep -c per event name: start_locking 356, acquire_returned 438,
 * released 328, page_fault_user 1430, sched_switch 34, fork 5, exec 2,
 * exit 6, contention_begin 11, contention_end 11: 2621 events, every one
 * with kernel frames in its callchain. */
static void test_fixture(vls_ctx *ctx)
{
	const char *path = unxz_fixture("perf-script.txt.xz");
	vls_reader_stats st;
	vls_reader_opts o = VLS_READER_OPTS_INIT;
	vls_reader *r = NULL;
	size_t nopid = 0, nostack = 0;

	CHECK(path != NULL);
	if (!path)
		return;
	/* the declared events are known before the read */
	CHECK_INT(vls_reader_open(&r, ctx, path, &o), 0);
	CHECK(r && strstr(vls_reader_meta(r, "events.present"), "lock:contention_begin"));
	vls_reader_close(r);
	CHECK_INT(read_file(ctx, path, 1, &r, &st), 0);
	CHECK_INT(vls_reader_format(r), VLS_FORMAT_PERF_SCRIPT_TEXT);
	CHECK_INT(col->n, 2621);
	CHECK_INT(count_kind(VLS_EV_MMAP_LOCK_START), 356);
	CHECK_INT(count_kind(VLS_EV_MMAP_LOCK_ACQUIRED), 438);
	CHECK_INT(count_kind(VLS_EV_MMAP_LOCK_RELEASED), 328);
	CHECK_INT(count_kind(VLS_EV_PAGE_FAULT_USER), 1430);
	CHECK_INT(count_kind(VLS_EV_SCHED_SWITCH), 34);
	CHECK_INT(count_kind(VLS_EV_SCHED_FORK), 5);
	CHECK_INT(count_kind(VLS_EV_SCHED_EXEC), 2);
	CHECK_INT(count_kind(VLS_EV_SCHED_EXIT), 6);
	CHECK_INT(count_kind(VLS_EV_LOCK_CONTENTION_BEGIN), 11);
	CHECK_INT(count_kind(VLS_EV_LOCK_CONTENTION_END), 11);
	CHECK_INT(count_kind(VLS_EV_OTHER), 0);
	CHECK_INT(st.stacks, 2621);
	CHECK_INT(st.orphan_stacks + st.dup_stacks + st.bad_records, 0);
	for (size_t e = 0; e < col->n; e++) {
		nopid += col->ev[e].pid == -1;
		nostack += col->depth[e] == 0;
	}
	CHECK_INT(nopid, 0);
	CHECK_INT(nostack, 0);
	CHECK_STR(vls_reader_meta(r, "kernel"), "6.18.44-fc-v1272");
	CHECK_STR(vls_reader_meta(r, "arch"), "x86_64");
	CHECK_STR(vls_reader_meta(r, "ncpus"), "2");
	CHECK_STR(vls_reader_meta(r, "timestamp_resolution_ns"), "1");
	CHECK(vls_reader_meta(r, "lost_events") == NULL);
	CHECK_STR(vls_reader_meta(r, "text.out_of_order"), "0");
	memcpy(ns_ev, col->ev, col->n * sizeof(*ns_ev));
	memcpy(ns_depth, col->depth, col->n * sizeof(*ns_depth));
	memcpy(ns_top, col->top, col->n * 64);
	memcpy(ns_bottom, col->bottom, col->n * 64);
	vls_reader_close(r);
}

/* perf-script-usec.txt.xz: the same recording, `perf script` with no
 * options: no header, no pid, microseconds. The same events, their times
 * cut to the microsecond, the same stacks. */
static void test_fixture_usec(vls_ctx *ctx)
{
	const char *path = unxz_fixture("perf-script-usec.txt.xz");
	vls_reader_stats st;
	vls_reader *r;
	size_t diff = 0;

	CHECK(path != NULL);
	if (!path)
		return;
	CHECK_INT(read_file(ctx, path, 1, &r, &st), 0);
	CHECK_INT(vls_reader_format(r), VLS_FORMAT_PERF_SCRIPT_TEXT);
	CHECK_INT(col->n, 2621);
	CHECK_INT(st.stacks, 2621);
	CHECK_STR(vls_reader_meta(r, "timestamp_resolution_ns"), "1000");
	CHECK(vls_reader_meta(r, "kernel") == NULL);
	CHECK(vls_reader_meta(r, "ncpus") == NULL);
	CHECK(vls_reader_meta(r, "lost_events") == NULL);
	for (size_t e = 0; e < col->n && e < 2621; e++) {
		vls_event a = ns_ev[e], *b = &col->ev[e];

		if (b->pid != -1 || b->ts_ns != a.ts_ns / 1000 * 1000)
			diff++;
		a.ts_ns = b->ts_ns;
		a.pid = b->pid;
		if (memcmp(&a, b, sizeof(a)) || ns_depth[e] != col->depth[e] ||
		    strcmp(ns_top[e], col->top[e]) || strcmp(ns_bottom[e], col->bottom[e]))
			diff++;
	}
	CHECK_INT(diff, 0);
	vls_reader_close(r);
}

/* perf.data is refused at open, with the command that converts it. */
static void test_perf_data(vls_ctx *ctx)
{
	static const char head[] = "PERFILE2\x68\0\0\0\0\0\0\0";
	const char *path = write_tmp("p.data", head, strlen(head));
	vls_reader *r = NULL;

	CHECK_INT(vls_reader_open(&r, ctx, path, NULL), VLS_EPARSE);
	CHECK(r == NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "a perf.data file") != NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "perf script --ns --header -F +pid") != NULL);
}

int main(void)
{
	vls_ctx *ctx = NULL;
	if (text_test_setup() || vls_ctx_new(&ctx))
		return 1;
	ns_ev = calloc(MAX_EVENTS, sizeof(*ns_ev));
	ns_depth = calloc(MAX_EVENTS, sizeof(*ns_depth));
	ns_top = calloc(MAX_EVENTS, 64);
	ns_bottom = calloc(MAX_EVENTS, 64);
	test_lines();
	test_frames();
	test_detect();
	test_stacks(ctx);
	test_fixture(ctx);
	test_fixture_usec(ctx);
	test_perf_data(ctx);
	free(ns_ev);
	free(ns_depth);
	free(ns_top);
	free(ns_bottom);
	vls_ctx_free(ctx);
	text_test_cleanup();
	return TEST_DONE();
}
