/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_report_workload.c - lib/report-load-workload.c and the process grouping
 * of lib/report-load-procs.c on runs shaped like `vmlockstat record --scenario`
 * recordings on 6.18: the workload's main thread has a pid (it exec'd),
 * its other threads do not (a trace.dat carries no tgids), and run_meta
 * "workload.truth" holds the scenario's ground truth.
 *
 * Known answers: TASK ru_minflt/ru_majflt/workload_role from the truth,
 * the threads joined to pid 100 (one process of 3 threads, rusage sums),
 * RUN workload {scenario, args}; a truth that is not JSON gives nulls, not
 * an error; a truth thread the trace never saw is ignored.
 *
 * Threads without a pid are placed by their own mm (test_own_mm): one
 * whose acquisitions were all short and uncontended (no lock_acq row) is
 * in its process too, and a reader of another process's /proc/PID/maps
 * stays in its own.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmlockstat.h"

#include "json_mini.h"
#include "test.h"

#define MM 0xffff888100aa0000ULL
#define MM2 0xffff888100bb0000ULL

static const char *const st_fault[] = {
	"lock_mm_and_find_vma", "do_user_addr_fault", "exc_page_fault",
	"asm_exc_page_fault", NULL,
};

static const char *const st_mmap[] = {
	"do_mmap", "vm_mmap_pgoff", "ksys_mmap_pgoff", "do_syscall_64", NULL,
};
static const char *const st_maps[] = {
	"m_start", "seq_read_iter", "vfs_read", "ksys_read", NULL,
};

static const char truth_ok[] =
	"{\"scenario\":\"iofault\",\"params\":{\"threads\":2},\"pid\":100,"
	"\"threads\":[{\"tid\":101,\"role\":\"faulter\",\"ru_minflt\":3,\"ru_majflt\":7},"
	"{\"tid\":102,\"role\":\"writer\",\"ru_minflt\":1,\"ru_majflt\":0},"
	"{\"tid\":999,\"role\":\"faulter\",\"ru_minflt\":5,\"ru_majflt\":5},"
	"{\"tid\":\"x\",\"role\":\"faulter\"}]}";

/* tid 100 (pid known) and 101, 102 (pid unknown) each take the lock on MM */
static int import_run(vls_db *db, const char *truth, int64_t *id)
{
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_import *imp = NULL;
	int err;

	o.label = "iofault --threads 2";
	o.kernel = "6.18.0-test";
	o.arch = "x86_64";
	o.chain_threshold_ns = 1000;   /* 1 us holds get lock_acq rows: the mm of each thread */
	err = vls_import_begin(&imp, db, &o);
	if (!err)
		err = vls_import_set_meta(imp, "workload.scenario", "iofault");
	if (!err)
		err = vls_import_set_meta(imp, "workload.args", "--threads 2");
	if (!err)
		err = vls_import_set_meta(imp, "workload.truth", truth);
	for (int i = 0; !err && i < 9; i++) {
		static const vls_event_kind k[3] = { VLS_EV_MMAP_LOCK_START,
			VLS_EV_MMAP_LOCK_ACQUIRED, VLS_EV_MMAP_LOCK_RELEASED };
		vls_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.ts_ns = 1000u * (uint64_t)(i + 1);
		ev.tid = 100 + i / 3;
		ev.pid = ev.tid == 100 ? 100 : -1;
		snprintf(ev.comm, sizeof(ev.comm), "vmlockstat");
		ev.kind = k[i % 3];
		ev.u.mmap_lock.mm = MM;
		ev.u.mmap_lock.success = 1;
		if (i % 3 == 0) {
			ev.stack = st_fault;
			ev.stack_depth = 4;
		}
		err = vls_import_feed(imp, &ev);
	}
	if (!err)
		err = vls_import_commit(id, imp);
	vls_import_free(imp);
	return err;
}

static const struct jv *task_of(const struct jv *run, long long tid)
{
	const struct jv *tasks = jkey(run, "tasks");

	for (size_t i = 0; tasks && i < tasks->n; i++)
		if (jint(jkey(&tasks->kids[i], "tid")) == tid)
			return &tasks->kids[i];
	return NULL;
}

static const struct {
	long long tid, pid, minflt, majflt;
	const char *role;
} want_tasks[] = {
	{ 100, 100, -1, -1, NULL },     /* -1: null */
	{ 101, 100, 3, 7, "faulter" },
	{ 102, 100, 1, 0, "writer" },
};

static long long int_or_null(const struct jv *v)
{
	return jis(v, J_NULL) ? -1 : jint(v);
}

static void check_run(const struct jv *run, bool good)
{
	const struct jv *procs = jkey(run, "processes"), *p = jidx(procs, 0);

	CHECK_STR(jkey(jkey(run, "workload"), "scenario") ?
		  jkey(jkey(run, "workload"), "scenario")->str : NULL, "iofault");
	CHECK_STR(jkey(jkey(run, "workload"), "args") ?
		  jkey(jkey(run, "workload"), "args")->str : NULL, "--threads 2");
	CHECK(task_of(run, 999) == NULL);
	for (size_t i = 0; i < sizeof(want_tasks) / sizeof(want_tasks[0]); i++) {
		const struct jv *t = task_of(run, want_tasks[i].tid);
		const struct jv *role = jkey(t, "workload_role");

		CHECK(t != NULL);
		CHECK_INT(jint(jkey(t, "pid")), want_tasks[i].pid);
		CHECK_INT(int_or_null(jkey(t, "ru_minflt")), good ? want_tasks[i].minflt : -1);
		CHECK_INT(int_or_null(jkey(t, "ru_majflt")), good ? want_tasks[i].majflt : -1);
		if (good && want_tasks[i].role)
			CHECK_STR(jis(role, J_STR) ? role->str : NULL, want_tasks[i].role);
		else
			CHECK(jis(role, J_NULL));
	}
	/* one process, not the leader by pid and its threads by mm */
	CHECK_INT(procs ? (long long)procs->n : -1, 1);
	CHECK_INT(jint(jkey(p, "pid")), 100);
	CHECK_INT(jint(jkey(p, "threads")), 3);
	CHECK_INT(int_or_null(jkey(p, "ru_majflt")), good ? 7 : -1);
	CHECK_INT(int_or_null(jkey(p, "ru_minflt")), good ? 4 : -1);
	CHECK_INT(jint(jkey(jkey(jkey(p, "mmap_lock"), "read"), "acquisitions")), 3);
}

/* The JSON report of run id, parsed: false (after a failed check) if not. */
static bool report_json(vls_db *db, int64_t *id, struct jv *doc)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;
	char *out = NULL;
	bool ok;

	o.run_ids = id;
	o.nruns = 1;
	CHECK_INT(vls_report_json(&out, db, &o), 0);
	ok = out && jparse(doc, out);
	CHECK(ok);
	vls_buf_free(db, out);
	return ok;
}

static void check(vls_db *db, int64_t id, bool good)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;
	char *out = NULL;
	struct jv doc;

	if (!report_json(db, &id, &doc))
		return;
	check_run(jidx(jkey(&doc, "runs"), 0), good);
	jfree(&doc);
	o.run_ids = &id;
	o.nruns = 1;
	CHECK_INT(vls_report_text(&out, db, &o), 0);
	CHECK(out && (strstr(out, "workload iofault --threads 2: getrusage") != NULL) == good);
	vls_buf_free(db, out);
}

/* One acquisition (start, acquired, released: 1 us each) of mm by tid. */
static int acquire(vls_import *imp, uint64_t *ts, int32_t tid, uint64_t mm,
		   const char *const *stack)
{
	static const vls_event_kind k[3] = { VLS_EV_MMAP_LOCK_START,
		VLS_EV_MMAP_LOCK_ACQUIRED, VLS_EV_MMAP_LOCK_RELEASED };
	int err = 0;

	for (int i = 0; !err && i < 3; i++) {
		vls_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.ts_ns = (*ts += 1000);
		ev.tid = tid;
		ev.pid = -1;
		snprintf(ev.comm, sizeof(ev.comm), "t%d", (int)tid);
		ev.kind = k[i];
		ev.u.mmap_lock.mm = mm;
		ev.u.mmap_lock.success = 1;
		if (i == 0) {
			ev.stack = stack;
			while (stack[ev.stack_depth])
				ev.stack_depth++;
		}
		err = vls_import_feed(imp, &ev);
	}
	return err;
}

/*
 * No pid anywhere, the default chain threshold (no lock_acq rows for
 * 1 us waits and holds): 201 and 202 fault on MM, 203 mmaps in MM and
 * then reads the maps of 301's MM2 three times. Two processes: MM's with
 * three threads (203 by the site of its own acquisition, not by the mm it
 * took most), MM2's with one.
 */
static void test_own_mm(vls_db *db)
{
	vls_import *imp = NULL;
	uint64_t ts = 0;
	int64_t id = 0;
	struct jv doc;
	int err;

	CHECK_INT(vls_import_begin(&imp, db, NULL), 0);
	err = acquire(imp, &ts, 201, MM, st_fault);
	if (!err)
		err = acquire(imp, &ts, 202, MM, st_fault);
	if (!err)
		err = acquire(imp, &ts, 301, MM2, st_mmap);
	if (!err)
		err = acquire(imp, &ts, 203, MM, st_mmap);
	for (int i = 0; !err && i < 3; i++)
		err = acquire(imp, &ts, 203, MM2, st_maps);
	CHECK_INT(err, 0);
	CHECK_INT(vls_import_commit(&id, imp), 0);
	vls_import_free(imp);
	if (!report_json(db, &id, &doc))
		return;
	{
		const struct jv *procs = jkey(jidx(jkey(&doc, "runs"), 0), "processes");
		long long threads[2] = { -1, -1 };

		CHECK_INT(procs ? (long long)procs->n : -1, 2);
		for (size_t i = 0; procs && i < procs->n && i < 2; i++) {
			const struct jv *p = &procs->kids[i];
			const struct jv *comm = jkey(p, "comm");
			int which = comm && jis(comm, J_STR) && !strcmp(comm->str, "t301");

			threads[which] = jint(jkey(p, "threads"));
			CHECK(jis(jkey(p, "pid"), J_NULL));
		}
		CHECK_INT(threads[0], 3);
		CHECK_INT(threads[1], 1);
	}
	jfree(&doc);
}

int main(void)
{
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	int64_t id = 0;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	CHECK_INT(vls_db_open(&db, ctx, ":memory:", VLS_DB_READWRITE), 0);
	CHECK_INT(import_run(db, truth_ok, &id), 0);
	check(db, id, true);
	CHECK_INT(import_run(db, "{\"threads\":[{\"tid\":101,", &id), 0);
	check(db, id, false);
	test_own_mm(db);
	vls_db_close(db);
	vls_ctx_free(ctx);
	return TEST_DONE();
}
