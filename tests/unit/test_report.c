/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_report.c - the report and compare of DBs built through the embedder
 * API (vls_import_begin/feed/commit) from synthetic events with known
 * answers: every name of the JSON contract present with its type, null
 * where the run lacks the capability, the numbers as constructed; text,
 * CSV, run resolution and compare.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "vmlockstat.h"

#include "json_mini.h"
#include "test.h"
#include "test_sql.h"

static const char *const st_fault[] = {
	"__mmap_lock_do_trace_start_locking", "lock_mm_and_find_vma",
	"do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault", NULL };
static const char *const st_mprotect[] = {
	"__mmap_lock_do_trace_start_locking", "do_mprotect_pkey",
	"__x64_sys_mprotect", "do_syscall_64", NULL };

#define MM 0xffff888012345000ULL

enum op { FAULT, START, ACQ, REL, FILEMAP };

/* One event: times in ns; tid 100 "faulter" and 101 "mprot", one process. */
struct step {
	uint64_t ts;
	int tid;
	enum op op;
	int write;
	const char *const *stack;
	int fail;        /* ACQ: a failed trylock */
};

/*
 * Known answers (docs/report-json.md):
 *  read:  faulter waits 3000 (uncontended), then its mmap_read_trylock()
 *         fails behind mprot's write hold and it blocks 8100: acquisitions
 *         2, trylock_fails 1, wait sum 11100, max 8100; holds 4000 + 900.
 *  faults: 2 episodes, both fall back: the first with no I/O (no_io), the
 *         second after mm_filemap_fault (io_retry), behind the writer.
 *  write: mprot waits 500, holds 9500: acquisitions 1.
 *  chain: faulter's 8100 ns wait (threshold 1000 ns) <- writer mprot.
 */
static const struct step steps[] = {
	{ 1000, 100, FAULT, 0, NULL, 0 },
	{ 2000, 100, START, 0, st_fault, 0 },
	{ 5000, 100, ACQ, 0, NULL, 0 },
	{ 9000, 100, REL, 0, NULL, 0 },
	{ 10000, 101, START, 1, st_mprotect, 0 },
	{ 10500, 101, ACQ, 1, NULL, 0 },
	{ 11000, 100, FAULT, 0, NULL, 0 },
	{ 11500, 100, FILEMAP, 0, NULL, 0 },
	{ 11800, 100, START, 0, st_fault, 0 },
	{ 11900, 100, ACQ, 0, NULL, 1 },
	{ 12000, 100, START, 0, st_fault, 0 },
	{ 20000, 101, REL, 1, NULL, 0 },
	{ 20100, 100, ACQ, 0, NULL, 0 },
	{ 21000, 100, REL, 0, NULL, 0 },
};

static const struct {
	vls_event_kind kind;
	const char *name;
} kinds[] = {
	[FAULT] = { VLS_EV_PAGE_FAULT_USER, "exceptions:page_fault_user" },
	[START] = { VLS_EV_MMAP_LOCK_START, "mmap_lock:mmap_lock_start_locking" },
	[ACQ] = { VLS_EV_MMAP_LOCK_ACQUIRED, "mmap_lock:mmap_lock_acquire_returned" },
	[REL] = { VLS_EV_MMAP_LOCK_RELEASED, "mmap_lock:mmap_lock_released" },
	[FILEMAP] = { VLS_EV_FILEMAP_FAULT, "filemap:mm_filemap_fault" },
};

static void make_event(vls_event *ev, const struct step *s)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = s->ts;
	ev->cpu = s->tid - 100;
	ev->tid = s->tid;
	ev->pid = 100;
	snprintf(ev->comm, sizeof(ev->comm), "%s", s->tid == 100 ? "faulter" : "mprot");
	ev->kind = kinds[s->op].kind;
	ev->name = kinds[s->op].name;
	if (s->op == START || s->op == ACQ || s->op == REL) {
		ev->u.mmap_lock.mm = MM;
		ev->u.mmap_lock.write = (uint8_t)s->write;
		ev->u.mmap_lock.success = !s->fail;
	} else if (s->op == FAULT) {
		ev->u.fault.address = 0x7f0000001000ULL;
	} else {
		ev->u.filemap.dev = 8 << 20;
		ev->u.filemap.ino = 12;
		ev->u.filemap.index = 1;
	}
	if (s->stack) {
		ev->stack = s->stack;
		while (s->stack[ev->stack_depth])
			ev->stack_depth++;
	}
}

/* Run 1: x86_64 with every event; run 2: arm64 with nothing but a sched
 * event (no mmap_lock, no page_fault_user); run 3: run 1 again, label
 * "patched"... no: same label as run 1 ("stock"), a repetition. */
static int import_run(vls_db *db, const char *label, const char *arch, bool full,
		      int64_t *id)
{
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_import *imp = NULL;
	vls_event ev;
	int err;

	o.label = label;
	o.kernel = "6.12.0-test";
	o.arch = arch;
	o.chain_threshold_ns = 1000;
	err = vls_import_begin(&imp, db, &o);
	if (!err)
		err = vls_import_set_meta(imp, "events.present", full ?
			"mmap_lock:mmap_lock_start_locking,mmap_lock:mmap_lock_acquire_returned,"
			"mmap_lock:mmap_lock_released,exceptions:page_fault_user,"
			"filemap:mm_filemap_fault" : "sched:sched_switch");
	for (size_t i = 0; full && !err && i < sizeof(steps) / sizeof(steps[0]); i++) {
		make_event(&ev, &steps[i]);
		err = vls_import_feed(imp, &ev);
	}
	if (!full && !err && strcmp(label, "empty")) {
		struct step s = { 500, 200, FAULT, 0, NULL, 0 };

		make_event(&ev, &s);
		ev.kind = VLS_EV_SCHED_SWITCH;
		ev.name = "sched:sched_switch";
		err = vls_import_feed(imp, &ev);
	}
	if (!err)
		err = vls_import_commit(id, imp);
	vls_import_free(imp);
	return err;
}

/* ---- the contract's names and types -------------------------------- */

static void check_dist(const struct jv *d, long long count, long long sum,
		       long long max)
{
	CHECK(jis(d, J_OBJ));
	CHECK_INT(jint(jkey(d, "count")), count);
	CHECK_INT(jint(jkey(d, "sum")), sum);
	CHECK_INT(jint(jkey(d, "max")), max);
	CHECK(jis_int(jkey(d, "p50")));
	CHECK(jis_int(jkey(d, "p99")));
	/* p99 of the fixed buckets: within 12.5% of the largest value */
	CHECK(fabs((double)jint(jkey(d, "p99")) - (double)max) <= 0.125 * (double)max);
}

static void check_stats_shape(const struct jv *s)
{
	static const char *const ints[] = { "acquisitions", "contended", "trylock_fails" };
	const struct jv *h = jkey(s, "histogram");

	CHECK(jis(s, J_OBJ));
	for (size_t i = 0; i < 3; i++)
		CHECK(jis_int(jkey(s, ints[i])));
	CHECK(jis(jkey(s, "wait_ns"), J_OBJ));
	CHECK(jis(jkey(s, "hold_ns"), J_OBJ));
	CHECK(jis(h, J_OBJ));
	CHECK_STR(jis(jkey(h, "scale"), J_STR) ? jkey(h, "scale")->str : NULL, "log2_ns");
	CHECK(jis(jkey(h, "buckets"), J_ARR));
}

static bool int_or_null(const struct jv *v)
{
	return jis_int(v) || jis(v, J_NULL);
}

static void check_faults_shape(const struct jv *f, bool run_level)
{
	static const char *const reasons[] = { "io_retry", "no_io", "kernel_mode",
					       "no_vma_lock" };
	const struct jv *br = jkey(f, "by_reason");

	CHECK(jis(f, J_OBJ));
	CHECK(int_or_null(jkey(f, run_level ? "total" : "faults")));
	CHECK(int_or_null(jkey(f, run_level ? "fallback" : "fallback_faults")));
	CHECK(jis(jkey(f, "fallback_rate"), J_NUM) || jis(jkey(f, "fallback_rate"), J_NULL));
	CHECK(int_or_null(jkey(f, "behind_writer")));
	CHECK(int_or_null(jkey(f, "refaults")));
	CHECK(int_or_null(jkey(f, "nested")));
	CHECK(int_or_null(jkey(f, "kernel_faults")));
	CHECK(jis(jkey(f, "user_fallback_rate"), J_NUM) ||
	      jis(jkey(f, "user_fallback_rate"), J_NULL));
	if (run_level) {
		CHECK(int_or_null(jkey(f, "user_faults")));
		CHECK(int_or_null(jkey(f, "user_fallback")));
	}
	CHECK(jis(br, J_OBJ));
	CHECK(!jkey(br, "nested"));               /* not a fallback reason */
	for (size_t i = 0; i < 4; i++)
		CHECK(int_or_null(jkey(br, reasons[i])));
}

/* The known fault answers, for the run and for the faulting thread. */
static void check_faults(const struct jv *f, const char *total, const char *fallback)
{
	const struct jv *br = jkey(f, "by_reason");

	CHECK_INT(jint(jkey(f, total)), 2);
	CHECK_INT(jint(jkey(f, fallback)), 2);
	CHECK(jis(jkey(f, "fallback_rate"), J_NUM) && jkey(f, "fallback_rate")->num == 1.0);
	CHECK_INT(jint(jkey(br, "io_retry")), 1);
	CHECK_INT(jint(jkey(br, "no_io")), 1);
	CHECK_INT(jint(jkey(br, "kernel_mode")), 0);
	CHECK_INT(jint(jkey(f, "nested")), 0);
	/* stacks: no kernel-mode fault happened (0, known); both user faults
	 * fell back */
	CHECK_INT(jint(jkey(f, "kernel_faults")), 0);
	CHECK(jis(jkey(f, "user_fallback_rate"), J_NUM) &&
	      jkey(f, "user_fallback_rate")->num == 1.0);
	CHECK_INT(jint(jkey(br, "no_vma_lock")), 0);
	CHECK_INT(jint(jkey(f, "behind_writer")), 1);
	CHECK_INT(jint(jkey(f, "refaults")), 0);
}

static void check_run_head(const struct jv *run, long long id, const char *label,
			   const char *arch)
{
	CHECK_INT(jint(jkey(run, "id")), id);
	CHECK_STR(jkey(run, "label") ? jkey(run, "label")->str : NULL, label);
	CHECK_STR(jkey(run, "kernel") ? jkey(run, "kernel")->str : NULL, "6.12.0-test");
	CHECK_STR(jkey(run, "arch") ? jkey(run, "arch")->str : NULL, arch);
	CHECK(jis(jkey(run, "source"), J_STR));
	CHECK(jis_int(jkey(run, "events")));
	CHECK(jis(jkey(run, "lost_events"), J_NULL)); /* the embedder did not say */
	CHECK(jis(jkey(run, "capabilities"), J_ARR));
	CHECK(jis(jkey(run, "notes"), J_ARR));
	CHECK(jis(jkey(run, "tasks"), J_ARR));
	CHECK(jis(jkey(run, "processes"), J_ARR));
	CHECK(jis(jkey(run, "callsites"), J_ARR));
	CHECK(jis(jkey(run, "chains"), J_ARR));
}

static bool has_str(const struct jv *arr, const char *s)
{
	for (size_t i = 0; arr && i < arr->n; i++)
		if (arr->kids[i].t == J_STR && strstr(arr->kids[i].str, s))
			return true;
	return false;
}

static const struct jv *task_of(const struct jv *run, long long tid)
{
	const struct jv *tasks = jkey(run, "tasks");

	for (size_t i = 0; tasks && i < tasks->n; i++)
		if (jint(jkey(&tasks->kids[i], "tid")) == tid)
			return &tasks->kids[i];
	return NULL;
}

static void check_full_run(const struct jv *run)
{
	const struct jv *lk = jkey(run, "mmap_lock");
	const struct jv *rd = jkey(lk, "read"), *wr = jkey(lk, "write");
	const struct jv *f = task_of(run, 100), *m = task_of(run, 101);
	const struct jv *ch = jidx(jkey(run, "chains"), 0);
	const struct jv *procs = jkey(run, "processes");

	check_run_head(run, 1, "stock", "x86_64");
	CHECK(has_str(jkey(run, "capabilities"), "mmap_lock"));
	CHECK(has_str(jkey(run, "capabilities"), "page_fault_user"));
	CHECK(has_str(jkey(run, "capabilities"), "stacks"));
	check_faults_shape(jkey(run, "faults"), true);
	check_stats_shape(rd);
	check_stats_shape(wr);
	CHECK_INT(jint(jkey(rd, "acquisitions")), 2);
	CHECK_INT(jint(jkey(wr, "acquisitions")), 1);
	CHECK_INT(jint(jkey(rd, "contended")), 1);
	CHECK_INT(jint(jkey(rd, "trylock_fails")), 1);
	check_faults(jkey(run, "faults"), "total", "fallback");
	check_dist(jkey(rd, "wait_ns"), 2, 11100, 8100);
	check_dist(jkey(rd, "hold_ns"), 2, 4900, 4000);
	check_dist(jkey(wr, "wait_ns"), 1, 500, 500);
	check_dist(jkey(wr, "hold_ns"), 1, 9500, 9500);
	/* 8100 ns is in log2 bucket 12 ([4096, 8192)), 3000 in 11 */
	CHECK_INT(jint(jidx(jkey(jkey(rd, "histogram"), "buckets"), 12)), 1);
	CHECK_INT(jint(jidx(jkey(jkey(rd, "histogram"), "buckets"), 11)), 1);
	/* per thread */
	CHECK(f != NULL && m != NULL);
	CHECK_STR(f ? jkey(f, "comm")->str : NULL, "faulter");
	CHECK_INT(jint(jkey(f, "pid")), 100);
	check_faults_shape(f, false);
	check_faults(f, "faults", "fallback_faults");
	CHECK_INT(jint(jkey(m, "faults")), 0);
	CHECK_INT(jint(jkey(m, "fallback_faults")), 0);
	CHECK_INT(jint(jkey(jkey(jkey(f, "mmap_lock"), "read"), "acquisitions")), 2);
	CHECK_INT(jint(jkey(jkey(jkey(m, "mmap_lock"), "write"), "acquisitions")), 1);
	CHECK_INT(jint(jkey(jkey(jkey(m, "mmap_lock"), "read"), "acquisitions")), 0);
	/* one process of two threads, named by its leader */
	CHECK_INT(procs ? (long long)procs->n : -1, 1);
	CHECK_INT(jint(jkey(jidx(procs, 0), "threads")), 2);
	CHECK_STR(jkey(jidx(procs, 0), "comm") ? jkey(jidx(procs, 0), "comm")->str : NULL,
		  "faulter");
	CHECK_INT(jint(jkey(jkey(jkey(jidx(procs, 0), "mmap_lock"), "read"),
			    "acquisitions")), 2);
	/* the chain: faulter waited 8100 ns for read behind the writer */
	CHECK(ch != NULL);
	CHECK_INT(jint(jkey(jkey(ch, "waiter"), "tid")), 100);
	CHECK_INT(jint(jkey(jkey(ch, "waiter"), "wait_ns")), 8100);
	CHECK_STR(jkey(jkey(ch, "waiter"), "mode") ? jkey(jkey(ch, "waiter"), "mode")->str
		  : NULL, "read");
	CHECK_INT(jint(jkey(jidx(jkey(ch, "links"), 0), "tid")), 101);
	CHECK_STR(jkey(jidx(jkey(ch, "links"), 0), "mode") ?
		  jkey(jidx(jkey(ch, "links"), 0), "mode")->str : NULL, "write");
	CHECK(jis(jkey(ch, "inversion"), J_BOOL));
	CHECK(jis_int(jkey(ch, "depth")));
	CHECK(jis(jkey(ch, "text"), J_STR));
	/* faulter's 3000 ns wait was uncontended: no chain, only counted */
	CHECK_INT(jint(jkey(run, "chains_total")), 1);
	CHECK_INT(jint(jkey(run, "chains_uncontended")), 1);
	CHECK_INT(jint(jkey(run, "chain_min_ns")), 1000);
	CHECK_INT(jint(jkey(run, "chain_threshold_ns")), 1000);
}

/* No mmap_lock events, no page_fault_user, no vmstat: nulls, said plainly. */
static void check_bare_run(const struct jv *run)
{
	const struct jv *f = jkey(run, "faults");

	check_run_head(run, 2, "arm", "aarch64");
	CHECK(jis(jkey(jkey(run, "mmap_lock"), "read"), J_NULL));
	CHECK(jis(jkey(jkey(run, "mmap_lock"), "write"), J_NULL));
	check_faults_shape(f, true);
	CHECK(jis(jkey(f, "total"), J_NULL));
	CHECK(jis(jkey(f, "fallback_rate"), J_NULL));
	CHECK(jis(jkey(f, "user_fallback_rate"), J_NULL));
	CHECK(jis(jkey(f, "user_faults"), J_NULL));
	CHECK(jis(jkey(f, "kernel_faults"), J_NULL));
	CHECK(has_str(jkey(run, "notes"), "no page_fault_user tracepoint on this arch"));
	CHECK(has_str(jkey(run, "notes"), "no mmap_lock events"));
	CHECK_INT(jkey(run, "chains") ? (long long)jkey(run, "chains")->n : -1, 0);
}

static void test_json(vls_db *db)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;
	int64_t ids[] = { 1, 2 };
	char *out = NULL;
	struct jv doc;

	o.run_ids = ids;
	o.nruns = 2;
	o.chain_min_ns = 1000;  /* the import's threshold: both long waits */
	CHECK_INT(vls_report_json(&out, db, &o), 0);
	CHECK(out && jparse(&doc, out));
	if (!out)
		return;
	CHECK_STR(jkey(&doc, "format") ? jkey(&doc, "format")->str : NULL,
		  "vmlockstat-report");
	CHECK_INT(jint(jkey(&doc, "version")), VLS_REPORT_JSON_VERSION);
	CHECK_INT(jkey(&doc, "runs") ? (long long)jkey(&doc, "runs")->n : -1, 2);
	check_full_run(jidx(jkey(&doc, "runs"), 0));
	check_bare_run(jidx(jkey(&doc, "runs"), 1));
	jfree(&doc);
	vls_buf_free(db, out);
}

/* ---- text, CSV, resolution, compare -------------------------------- */

static void test_text_csv(vls_db *db)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;
	int64_t one = 1, two = 2;
	char *out = NULL;

	o.run_ids = &one;
	o.nruns = 1;
	CHECK_INT(vls_report_text(&out, db, &o), 0);
	CHECK(out && strstr(out, "run 1: stock"));
	CHECK(out && strstr(out, "kernel        6.12.0-test"));
	/* the read row of the whole run: 2 acquired, 1 contended, 11.10 us */
	CHECK(out && strstr(out, "11.10 us"));
	/* the headline: user faults only; kernel-mode faults on their line */
	CHECK(out && strstr(out, "\nuser-fault fallback rate: 100.0% (2 of 2 user faults "
			    "fell back to mmap_lock)\n"));
	CHECK(out && strstr(out, "\n  kernel-mode faults: 0, 0 took mmap_lock"));
	CHECK(out && strstr(out, "\n  all faults: 2 (counted from page_fault_user), "
			    "2 fell back to mmap_lock (rate 100.0%)\n"));
	CHECK(out && strstr(out, "\nno wait-for chains: no contended mmap_lock wait of "
			    "100.00 us or more (--chain-min)\n"));
	vls_buf_free(db, out);
	/* options of version 1 (no chain_min_ns, pid, comm) are still taken */
	o.version = 1;
	o.chain_min_ns = 1000;   /* not read: past the version 1 layout */
	CHECK_INT(vls_report_text(&out, db, &o), 0);
	CHECK(out && strstr(out, "no contended mmap_lock wait of 100.00 us or more"));
	vls_buf_free(db, out);
	o.version = VLS_REPORT_OPTS_VERSION;
	CHECK_INT(vls_report_text(&out, db, &o), 0);
	CHECK(out && strstr(out, "worst wait-for chains of contended waits of 1.00 us "
			    "or more (1 of 1"));
	CHECK(out && strstr(out, "\n  1 uncontended wait of that length not chained: "
			    "a stacktrace trigger's cost, not contention\n"));
	CHECK(out && strstr(out, "  faulter 100 waited 8.1 us for read <- writer: mprot 101 mprotect held 8.0 us"));
	vls_buf_free(db, out);
	/* --pid, --comm: the rows of one thread or process name */
	o.by = VLS_BY_THREAD;
	o.comm = "mprot";
	CHECK_INT(vls_report_text(&out, db, &o), 0);
	CHECK(out && strstr(out, "\nrows of comm mprot only (the figures above are of "
			    "the whole run)\n"));
	CHECK(out && !strstr(out, " faulter\n") && strstr(out, " mprot\n"));
	vls_buf_free(db, out);
	o.comm = NULL;
	o.sections = VLS_REPORT_TASKS;   /* chains are not filtered */
	o.pid = 100;     /* the process: both threads */
	CHECK_INT(vls_report_json(&out, db, &o), 0);
	CHECK(out && strstr(out, "\"comm\":\"faulter\"") && strstr(out, "\"comm\":\"mprot\""));
	vls_buf_free(db, out);
	o.pid = 101;     /* a thread by its tid */
	CHECK_INT(vls_report_json(&out, db, &o), 0);
	CHECK(out && strstr(out, "\"tid\":101") && !strstr(out, "\"tid\":100"));
	vls_buf_free(db, out);
	o.pid = 0;
	o.sections = 0;
	o.by = VLS_BY_PROCESS;
	o.chain_min_ns = 0;
	o.run_ids = &two;
	CHECK_INT(vls_report_text(&out, db, &o), 0);
	CHECK(out && strstr(out, "note: no page_fault_user tracepoint on this arch"));
	vls_buf_free(db, out);
	o.run_ids = &one;
	o.by = VLS_BY_THREAD;
	CHECK_INT(vls_report_csv(&out, db, &o), 0);
	CHECK(out && !strncmp(out, "run_id,label,pid,tid,comm,faults,", 33));
	CHECK(out && strstr(out, "\r\n1,stock,100,100,faulter,"));
	vls_buf_free(db, out);
	o.by = VLS_BY_CALLSITE;
	CHECK_INT(vls_report_csv(&out, db, &o), 0);
	CHECK(out && strstr(out, "\r\n1,stock,fault fallback,2,"));
	CHECK(out && strstr(out, "\r\n1,stock,mprotect,0,"));
	vls_buf_free(db, out);
}

/* vls_report_write(): what a writer gets, joined. */
struct sink {
	char *text;
	size_t len;
	int calls, refuse;     /* refuse: fail this call (1: the first) */
};

static int collect(void *data, const char *text, size_t len)
{
	struct sink *s = data;
	char *p;

	if (++s->calls == s->refuse || !len)
		return 1;
	p = realloc(s->text, s->len + len + 1);
	if (!p)
		return 1;
	memcpy(p + s->len, text, len);
	s->len += len;
	p[s->len] = '\0';
	s->text = p;
	return 0;
}

/* Each format through a writer: the bytes of the whole text; the
 * writer's refusal is the report's VLS_ESTOPPED; bad arguments EINVAL. */
static void test_write(vls_db *db)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;
	int64_t ids[] = { 1, 2 };
	struct sink s;
	char *out = NULL;

	o.run_ids = ids;
	o.nruns = 2;
	for (int f = VLS_FORMAT_TEXT; f <= VLS_FORMAT_CSV; f++) {
		s = (struct sink){ 0 };
		CHECK_INT(f == VLS_FORMAT_TEXT ? vls_report_text(&out, db, &o) :
			  f == VLS_FORMAT_JSON ? vls_report_json(&out, db, &o) :
			  vls_report_csv(&out, db, &o), 0);
		CHECK_INT(vls_report_write(db, &o, (vls_report_format)f, collect, &s), 0);
		CHECK(out && s.text && !strcmp(out, s.text));
		vls_buf_free(db, out);
		free(s.text);
		s = (struct sink){ .refuse = 1 };
		CHECK_INT(vls_report_write(db, &o, (vls_report_format)f, collect, &s),
			  VLS_ESTOPPED);
		CHECK_INT(s.calls, 1);
	}
	CHECK_INT(vls_report_write(db, &o, VLS_FORMAT_JSON, NULL, &s), VLS_EINVAL);
	CHECK_INT(vls_report_write(db, &o, (vls_report_format)3, collect, &s), VLS_EINVAL);
	CHECK_INT(vls_report_write(NULL, &o, VLS_FORMAT_JSON, collect, &s), VLS_EINVAL);
	/* a run that does not exist: the error, nothing written */
	ids[0] = 99;
	s = (struct sink){ 0 };
	CHECK_INT(vls_report_write(db, &o, VLS_FORMAT_JSON, collect, &s), VLS_ENOTFOUND);
	CHECK_INT(s.calls, 0);
}

/* A run without events: said plainly, every figure null, valid JSON. */
static void test_empty(vls_db *db)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;
	int64_t four = 4;
	const struct jv *run;
	char *out = NULL;
	struct jv doc;

	o.run_ids = &four;
	o.nruns = 1;
	CHECK_INT(vls_report_text(&out, db, &o), 0);
	CHECK(out && strstr(out, "this run has no events: nothing to report"));
	vls_buf_free(db, out);
	CHECK_INT(vls_report_json(&out, db, &o), 0);
	CHECK(out && jparse(&doc, out));
	if (!out)
		return;
	run = jidx(jkey(&doc, "runs"), 0);
	CHECK_INT(jint(jkey(run, "events")), 0);
	CHECK(jis(jkey(jkey(run, "faults"), "total"), J_NULL));
	CHECK(jis(jkey(jkey(run, "mmap_lock"), "read"), J_NULL));
	CHECK_INT(jkey(run, "tasks") ? (long long)jkey(run, "tasks")->n : -1, 0);
	CHECK(has_str(jkey(run, "notes"), "no events"));
	jfree(&doc);
	vls_buf_free(db, out);
	/* no runs given: the latest run (4) */
	o.nruns = 0;
	o.run_ids = NULL;
	CHECK_INT(vls_report_json(&out, db, &o), 0);
	CHECK(out && strstr(out, "\"runs\":[{\"id\":4,"));
	vls_buf_free(db, out);
}

static void test_resolve(vls_db *db, vls_ctx *ctx)
{
	int64_t *ids = NULL;
	size_t n = 0;
	vls_report_by by;

	CHECK_INT(vls_db_resolve_runs(&ids, &n, db, "stock"), 0);
	CHECK_INT(n, 2);
	CHECK_INT(n == 2 ? ids[0] : 0, 1);
	CHECK_INT(n == 2 ? ids[1] : 0, 3);
	vls_buf_free(db, ids);
	CHECK_INT(vls_db_resolve_runs(&ids, &n, db, "2"), 0);
	CHECK_INT(n == 1 ? ids[0] : 0, 2);
	vls_buf_free(db, ids);
	CHECK_INT(vls_db_resolve_runs(&ids, &n, db, "nope"), VLS_ENOTFOUND);
	CHECK(strstr(vls_ctx_errmsg(ctx), "'nope'") != NULL);
	CHECK(ids == NULL && n == 0);
	CHECK_INT(vls_db_resolve_runs(&ids, &n, db, "42"), VLS_ENOTFOUND);
	CHECK_INT(vls_report_by_parse(&by, "thread"), 0);
	CHECK_INT(by, VLS_BY_THREAD);
	CHECK_INT(vls_report_by_parse(&by, "threads"), VLS_EINVAL);
}

/* Verdicts: a group against itself is "no change" on every figure with an
 * interval [0, 0]; against a single run there is none (ci95 and verdict
 * null, the text says how many runs are missing); the version 1 options
 * (before threshold_pct) still work; a bad threshold is refused. */
static void test_compare_verdicts(vls_db *db, vls_compare_opts *o)
{
	int64_t stock[] = { 1, 3 };
	vls_compare_group same[] = { { "a", stock, 2 }, { "b", stock, 2 } };
	vls_compare_group one[] = { { "a", stock, 2 }, { "b", stock, 1 } };
	const struct jv *c;
	char *out = NULL;
	struct jv doc;

	o->groups = same;
	CHECK_INT(vls_compare_json(&out, db, o), 0);
	CHECK(out && jparse(&doc, out));
	if (!out)
		return;
	c = jidx(jkey(jidx(jkey(&doc, "figures"), 0), "change"), 1);
	CHECK_STR(jkey(c, "verdict") ? jkey(c, "verdict")->str : NULL, "no change");
	CHECK_INT(jint(jidx(jkey(c, "ci95"), 0)), 0);
	CHECK_INT(jint(jidx(jkey(c, "ci95"), 1)), 0);
	jfree(&doc);
	vls_buf_free(db, out);
	o->groups = one;
	CHECK_INT(vls_compare_json(&out, db, o), 0);
	CHECK(out && jparse(&doc, out));
	if (!out)
		return;
	c = jidx(jkey(jidx(jkey(&doc, "figures"), 0), "change"), 1);
	CHECK(jis(jkey(c, "ci95"), J_NULL) && jis(jkey(c, "verdict"), J_NULL));
	jfree(&doc);
	vls_buf_free(db, out);
	CHECK_INT(vls_compare_text(&out, db, o), 0);
	CHECK(out && strstr(out, "record 1 more run of b"));
	vls_buf_free(db, out);
	o->version = 1;
	o->threshold_pct = NAN;  /* a version 1 struct has none: not read */
	o->groups = same;
	CHECK_INT(vls_compare_text(&out, db, o), 0);
	CHECK(out && strstr(out, "against ±5% of the baseline"));
	vls_buf_free(db, out);
	o->version = VLS_COMPARE_OPTS_VERSION;
	CHECK_INT(vls_compare_text(&out, db, o), VLS_EINVAL);
	o->threshold_pct = -1;
	CHECK_INT(vls_compare_text(&out, db, o), VLS_EINVAL);
	o->threshold_pct = 20;
	o->ci = 1;
	CHECK_INT(vls_compare_text(&out, db, o), 0);
	CHECK(out && strstr(out, "95% CI") && strstr(out, "against ±20% of the baseline"));
	vls_buf_free(db, out);
	o->version = VLS_COMPARE_OPTS_VERSION + 1;
	CHECK_INT(vls_compare_text(&out, db, o), VLS_EINVAL);
	o->version = VLS_COMPARE_OPTS_VERSION;
	o->threshold_pct = VLS_COMPARE_THRESHOLD_DEFAULT;
	o->ci = 0;
}

static void test_compare(vls_db *db)
{
	int64_t stock[] = { 1, 3 }, arm[] = { 2 };
	vls_compare_group g[] = { { "stock", stock, 2 }, { "arm", arm, 1 } };
	vls_compare_opts o = VLS_COMPARE_OPTS_INIT;
	const struct jv *fig;
	char *out = NULL;
	struct jv doc;
	int found;

	o.groups = g;
	o.ngroups = 2;
	CHECK_INT(vls_compare_json(&out, db, &o), 0);
	CHECK(out && jparse(&doc, out));
	if (!out)
		return;
	CHECK_STR(jkey(&doc, "format") ? jkey(&doc, "format")->str : NULL,
		  "vmlockstat-compare");
	/* the per-VMA lock's own rate leads: 2 user faults, both fell back */
	fig = jidx(jkey(&doc, "figures"), 0);
	CHECK_STR(jkey(fig, "name") ? jkey(fig, "name")->str : NULL, "user_fallback_rate");
	CHECK(jis(jkey(jidx(jkey(fig, "values"), 0), "mean"), J_NUM) &&
	      jkey(jidx(jkey(fig, "values"), 0), "mean")->num == 1.0);
	CHECK(jis(jidx(jkey(fig, "values"), 1), J_NULL));
	fig = jidx(jkey(&doc, "figures"), 1);
	CHECK_STR(jkey(fig, "name") ? jkey(fig, "name")->str : NULL, "read_acquisitions");
	/* two repetitions of 2 read acquisitions: mean 2, sd 0, n 2 */
	CHECK_INT(jint(jkey(jidx(jkey(fig, "values"), 0), "mean")), 2);
	CHECK_INT(jint(jkey(jidx(jkey(fig, "values"), 0), "n")), 2);
	/* the arm run has no mmap_lock events: null, and no change */
	CHECK(jis(jidx(jkey(fig, "values"), 1), J_NULL));
	CHECK(jis(jidx(jkey(fig, "change"), 1), J_NULL));
	jfree(&doc);
	vls_buf_free(db, out);
	CHECK_INT(vls_compare_text(&out, db, &o), 0);
	CHECK(out && strstr(out, "read acquisitions"));
	CHECK(out && strstr(out, "(2 repetitions: mean ± sd)"));
	vls_buf_free(db, out);
	test_compare_verdicts(db, &o);
	o.matrix = 1;
	CHECK_INT(vls_compare_json(&out, db, &o), 0);
	CHECK(out && strstr(out, "\"mode\":\"matrix\""));
	CHECK(out && jparse(&doc, out));
	found = 0;
	for (size_t i = 0; jidx(jkey(&doc, "cells"), i); i++) {
		const struct jv *cell = jidx(jkey(&doc, "cells"), i);
		const struct jv *arch = jkey(cell, "arch"), *row = jkey(cell, "row");
		const struct jv *kernel = jkey(cell, "kernel");

		/* every cell has a row, here its kernel (no Debian flavour) */
		CHECK(jis(row, J_STR) && jis(kernel, J_STR) && !strcmp(row->str, kernel->str));
		if (!jis(arch, J_STR) || !jis(kernel, J_STR) ||
		    strcmp(kernel->str, "6.12.0-test"))
			continue;
		if (!strcmp(arch->str, "aarch64") && ++found)
			CHECK_INT(jint(jkey(cell, "runs")), 1);
		else if (!strcmp(arch->str, "x86_64") && ++found)
			CHECK_INT(jint(jkey(cell, "runs")), 2);
	}
	CHECK_INT(found, 2);
	jfree(&doc);
	vls_buf_free(db, out);
}

/* ---- allocation failures: every one handled, nothing leaked --------- */

static long alloc_countdown = -1;   /* fail when it reaches 0; -1: never */

static void *fail_malloc(size_t size, void *data)
{
	(void)data;
	return alloc_countdown >= 0 && alloc_countdown-- == 0 ? NULL : malloc(size);
}

static void *fail_realloc(void *ptr, size_t size, void *data)
{
	(void)data;
	return alloc_countdown >= 0 && alloc_countdown-- == 0 ? NULL : realloc(ptr, size);
}

static void fail_free(void *ptr, void *data)
{
	(void)data;
	free(ptr);
}

static int discard(void *data, const char *text, size_t len)
{
	(void)data;
	(void)text;
	return len ? 0 : 1;
}

/* Each report and compare with the Nth allocation failing, N = 0, 1, ...
 * until one succeeds: each attempt returns VLS_ENOMEM or succeeds. */
static int one_attempt(const char *path, long n, int what)
{
	vls_allocator a = { VLS_ALLOCATOR_VERSION, fail_malloc, fail_realloc,
			    fail_free, NULL };
	int64_t ids[] = { 1, 2 }, stock[] = { 1, 3 };
	vls_compare_group g[] = { { "stock", stock, 2 }, { "arm", ids + 1, 1 } };
	vls_compare_opts co = VLS_COMPARE_OPTS_INIT;
	vls_report_opts ro = VLS_REPORT_OPTS_INIT;
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	char *out = NULL;
	int err;

	if (vls_ctx_new(&ctx) || vls_ctx_set_allocator(ctx, &a))
		return VLS_ERROR;
	err = vls_db_open(&db, ctx, path, VLS_DB_READONLY);
	alloc_countdown = n;
	ro.run_ids = ids;
	ro.nruns = 2;
	co.groups = g;
	co.ngroups = 2;
	if (!err)
		err = what == 0 ? vls_report_json(&out, db, &ro) :
		      what == 1 ? vls_report_text(&out, db, &ro) :
		      what == 2 ? vls_report_csv(&out, db, &ro) :
		      what == 3 ? vls_compare_text(&out, db, &co) :
		      vls_report_write(db, &ro, VLS_FORMAT_JSON, discard, NULL);
	alloc_countdown = -1;
	vls_buf_free(db, out);
	vls_db_close(db);
	vls_ctx_free(ctx);
	return err;
}

static void test_alloc_failures(const char *path)
{
	for (int what = 0; what < 5; what++) {
		long n;
		int err = VLS_ENOMEM, bad = 0;

		for (n = 0; n < 20000 && err == VLS_ENOMEM; n++) {
			err = one_attempt(path, n, what);
			if (err && err != VLS_ENOMEM)
				bad++;
		}
		CHECK_INT(err, 0);
		CHECK_INT(bad, 0);
		CHECK(n > 5); /* the report did allocate through the context */
	}
}

int main(void)
{
	char path[] = "/tmp/vls_test_report.XXXXXX";
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	int64_t id = 0;
	int fd = mkstemp(path);

	/* a file, not :memory:, so that the allocation-failure runs reopen it */
	if (fd < 0)
		return 1;
	close(fd);
	unlink(path);
	CHECK_INT(vls_ctx_new(&ctx), 0);
	CHECK_INT(vls_db_open(&db, ctx, path, VLS_DB_READWRITE), 0);
	CHECK_INT(import_run(db, "stock", "x86_64", true, &id), 0);
	CHECK_INT(id, 1);
	CHECK_INT(import_run(db, "arm", "aarch64", false, &id), 0);
	CHECK_INT(import_run(db, "stock", "x86_64", true, &id), 0);
	CHECK_INT(id, 3);
	CHECK_INT(import_run(db, "empty", "riscv64", false, &id), 0);
	CHECK_INT(id, 4);
	if (t_fail) {
		fprintf(stderr, "import failed: %s\n", vls_ctx_errmsg(ctx));
		remove_db(path);
		return TEST_DONE();
	}
	test_json(db);
	test_text_csv(db);
	test_write(db);
	test_empty(db);
	test_resolve(db, ctx);
	test_compare(db);
	vls_db_close(db);
	vls_ctx_free(ctx);
	test_alloc_failures(path);
	remove_db(path);
	return TEST_DONE();
}
