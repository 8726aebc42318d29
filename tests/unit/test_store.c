/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_store.c - the SQLite store and the import pipeline (store.c, import.c,
 * store-runs.c, tasks-store.c, tasks-events.c) through the embedder API: create
 * / version refusal / not-a-DB / read-only, stack de-duplication, task rows
 * from a table of synthetic events, raw events, abort and kill -9 leaving
 * nothing, metadata round trip, runs listing, busy DB.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "import.h"
#include "store.h"
#include "test.h"

static char dir[] = "/tmp/vls_test_store.XXXXXX";

/* A path in the test directory; valid until the 8th next call. */
static const char *tpath(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* One integer from SQL on a separate connection (what sqlite3(1) sees). */
static long long sql_int(const char *db, const char *q)
{
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -999;

	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(s, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1
							      : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

static bool integrity_ok(const char *db)
{
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &st, NULL) ==
		    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		ok = !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(s);
	return ok;
}

static void sql_run(const char *db, const char *q)
{
	sqlite3 *s = NULL;

	sqlite3_open(db, &s);
	CHECK_INT(sqlite3_exec(s, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	fputs(text, f);
	fclose(f);
}

static vls_db *open_db(vls_ctx *ctx, const char *p, vls_db_mode mode)
{
	vls_db *db = NULL;
	int ret = vls_db_open(&db, ctx, p, mode);

	CHECK_INT(ret, 0);
	if (ret)
		fprintf(stderr, "  %s\n", vls_ctx_errmsg(ctx));
	return db;
}

/* ------------------------------------------------------------------ */

static void test_create(vls_ctx *ctx)
{
	const char *p = tpath("create.db");
	static const char *const tables[] = { "run", "run_meta", "task", "stack",
					      "event" };
	char q[128];
	vls_db *db = open_db(ctx, p, VLS_DB_READWRITE);

	vls_db_close(db);
	CHECK_INT(sql_int(p, "PRAGMA user_version"), VLS_SCHEMA_VERSION);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(q, sizeof(q), "SELECT count(*) FROM sqlite_schema WHERE "
			 "type = 'table' AND name = '%s'", tables[i]);
		CHECK_INT(sql_int(p, q), 1);
	}
	/* a new DB's pages are 16 KB (store.c: VLS_DB_PAGE_SIZE) */
	CHECK_INT(sql_int(p, "PRAGMA page_size"), 16384);
	/* reopen: both modes */
	vls_db_close(open_db(ctx, p, VLS_DB_READWRITE));
	vls_db_close(open_db(ctx, p, VLS_DB_READONLY));
	/* a DB made with 4 KB pages (as before) keeps them */
	sql_run(p, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM");
	CHECK_INT(sql_int(p, "PRAGMA page_size"), 4096);
	vls_db_close(open_db(ctx, p, VLS_DB_READWRITE));
	CHECK_INT(sql_int(p, "PRAGMA page_size"), 4096);
	CHECK_INT(sql_int(p, "PRAGMA user_version"), VLS_SCHEMA_VERSION);
}

static void test_refusals(vls_ctx *ctx)
{
	const char *p;
	vls_db *db = NULL;
	struct stat st;
	char q[64];

	/* newer schema: refused in both modes, left untouched */
	p = tpath("newer.db");
	vls_db_close(open_db(ctx, p, VLS_DB_READWRITE));
	snprintf(q, sizeof(q), "PRAGMA user_version = %d", VLS_SCHEMA_VERSION + 1);
	sql_run(p, q);
	CHECK_INT(vls_db_open(&db, ctx, p, VLS_DB_READWRITE), VLS_EVERSION);
	CHECK(db == NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "newer") != NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), p) != NULL);
	CHECK_INT(vls_db_open(&db, ctx, p, VLS_DB_READONLY), VLS_EVERSION);
	CHECK_INT(sql_int(p, "PRAGMA user_version"), VLS_SCHEMA_VERSION + 1);

	/* not a DB: EPARSE naming the file, content unchanged */
	p = tpath("text.db");
	write_file(p, "this is not a database, just some text\n");
	CHECK_INT(vls_db_open(&db, ctx, p, VLS_DB_READWRITE), VLS_EPARSE);
	CHECK(strstr(vls_ctx_errmsg(ctx), "text.db") != NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "not an SQLite database") != NULL);
	CHECK_INT(vls_db_open(&db, ctx, p, VLS_DB_READONLY), VLS_EPARSE);
	CHECK(stat(p, &st) == 0 && st.st_size == 39);

	/* another program's SQLite DB: refused, not extended with our tables */
	p = tpath("foreign.db");
	sql_run(p, "CREATE TABLE photos (id INTEGER)");
	CHECK_INT(vls_db_open(&db, ctx, p, VLS_DB_READWRITE), VLS_EPARSE);
	CHECK(strstr(vls_ctx_errmsg(ctx), "not a vmlockstat") != NULL);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM sqlite_schema"), 1);

	/* read-only on a missing file: ENOTFOUND, nothing created */
	p = tpath("missing.db");
	CHECK_INT(vls_db_open(&db, ctx, p, VLS_DB_READONLY), VLS_ENOTFOUND);
	CHECK(access(p, F_OK) != 0);
	/* a DB in a missing directory: EIO, nothing left behind */
	CHECK_INT(vls_db_open(&db, ctx, tpath("nodir/x.db"), VLS_DB_READWRITE),
		  VLS_EIO);
}

static void test_readonly(vls_ctx *ctx)
{
	const char *p = tpath("ro.db");
	vls_import *imp = NULL;
	vls_db *db;
	struct stat before, after;

	vls_db_close(open_db(ctx, p, VLS_DB_READWRITE));
	stat(p, &before);
	db = open_db(ctx, p, VLS_DB_READONLY);
	CHECK_INT(vls_import_begin(&imp, db, NULL), VLS_EINVAL);
	CHECK(imp == NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "read-only") != NULL);
	/* the connection itself refuses writes */
	CHECK_INT(sqlite3_exec(db->sql, "INSERT INTO run (label, source, format, "
			       "imported_at, events) VALUES ('x','x','x',0,0)",
			       NULL, NULL, NULL) & 0xff, SQLITE_READONLY);
	vls_db_close(db);
	stat(p, &after);
	CHECK_INT(after.st_size, before.st_size);
	CHECK_INT(after.st_mtime, before.st_mtime);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM run"), 0);
}

/* vls_db_check(): what a read-write open would say, with nothing written. */
static void test_check(vls_ctx *ctx)
{
	const char *p;
	struct stat before, after;
	char q[64];

	/* missing, in a writable directory: fine, and still missing */
	p = tpath("check-missing.db");
	CHECK_INT(vls_db_check(ctx, p), 0);
	CHECK(access(p, F_OK) != 0);
	CHECK_INT(vls_db_check(ctx, tpath("nodir/x.db")), VLS_EIO);
	CHECK(strstr(vls_ctx_errmsg(ctx), "cannot write in its directory") != NULL);

	/* an older schema: fine, not migrated, no -wal or -shm left */
	p = tpath("check-old.db");
	vls_db_close(open_db(ctx, p, VLS_DB_READWRITE));
	sql_run(p, "PRAGMA user_version = 1");
	stat(p, &before);
	CHECK_INT(vls_db_check(ctx, p), 0);
	stat(p, &after);
	CHECK_INT(after.st_size, before.st_size);
	CHECK_INT(after.st_mtime, before.st_mtime);
	CHECK(access(tpath("check-old.db-shm"), F_OK) != 0);
	CHECK(access(tpath("check-old.db-wal"), F_OK) != 0);
	CHECK_INT(sql_int(p, "PRAGMA user_version"), 1);

	/* newer, not a DB, another program's: what vls_db_open says */
	snprintf(q, sizeof(q), "PRAGMA user_version = %d", VLS_SCHEMA_VERSION + 1);
	sql_run(p, q);
	CHECK_INT(vls_db_check(ctx, p), VLS_EVERSION);
	p = tpath("check-text.db");
	write_file(p, "this is not a database, just some text\n");
	CHECK_INT(vls_db_check(ctx, p), VLS_EPARSE);
	CHECK(strstr(vls_ctx_errmsg(ctx), "not an SQLite database") != NULL);
	p = tpath("check-foreign.db");
	sql_run(p, "CREATE TABLE photos (id INTEGER)");
	CHECK_INT(vls_db_check(ctx, p), VLS_EPARSE);
	CHECK(strstr(vls_ctx_errmsg(ctx), "not a vmlockstat") != NULL);
	CHECK_INT(vls_db_check(ctx, tpath("")), VLS_EINVAL);   /* the directory */
}

/* ------------------------------------------------------------------ */

static const char *const fa[] = { "handle_mm_fault", "do_user_addr_fault" };
static const char *const fb[] = { "filemap_fault" };
static const char *const fc[] = { "handle_mm_fault", "do_user_addr_fault",
				  "exc_page_fault" };

static void test_stacks(vls_ctx *ctx)
{
	static const struct {
		const char *const *frames;
		uint32_t n;
		int64_t id;
	} cases[] = {
		{ fa, 2, 1 }, { fb, 1, 2 }, { fa, 2, 1 }, { fc, 3, 3 },
		{ fa, 0, 0 }, { fb, 1, 2 }, { fc, 2, 1 }, { fc, 3, 3 },
	};
	const char *p = tpath("stacks.db");
	vls_db *db = open_db(ctx, p, VLS_DB_READWRITE);
	vls_import *imp = NULL;
	int64_t id = -1, run = 0;

	CHECK_INT(vls_import_begin(&imp, db, NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(__vls_store_stack_id(&id, &imp->txn, cases[i].frames,
					       cases[i].n), 0);
		CHECK_INT(id, cases[i].id);
	}
	/* many distinct stacks: ids stay stable across index resizes */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5000; i++) {
			char name[32];
			const char *fr[2] = { name, "common" };

			snprintf(name, sizeof(name), "fn_%d", i);
			CHECK(!__vls_store_stack_id(&id, &imp->txn, fr, 2) && id == i + 4);
		}
	}
	CHECK_INT(vls_import_commit(&run, imp), 0);
	vls_import_free(imp);
	vls_db_close(db);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM stack"), 5003);
	CHECK_INT(sql_int(p, "SELECT id FROM stack WHERE frames = "
			  "'handle_mm_fault' || char(10) || 'do_user_addr_fault' || "
			  "char(10) || 'exc_page_fault'"), 3);
	CHECK_INT(sql_int(p, "SELECT id FROM stack WHERE frames = 'fn_4999' || "
			  "char(10) || 'common'"), 5003);
}

/* ------------------------------------------------------------------ */
/* Synthetic events -> task rows                                       */
/* ------------------------------------------------------------------ */

static vls_event ev_base(uint64_t ts, int cpu, int tid, int pid, const char *comm,
			 vls_event_kind kind)
{
	vls_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.cpu = cpu;
	ev.tid = tid;
	ev.pid = pid;
	ev.kind = kind;
	ev.name = vls_event_kind_name(kind);
	__vls_copy_comm(ev.comm, comm, strlen(comm));
	return ev;
}

/* The 8 events of the task table test; see expected_tasks[]. */
static int make_events(vls_event *evs)
{
	int n = 0;

	evs[n] = ev_base(100, 0, 10, 10, "main", VLS_EV_OTHER);
	evs[n++].name = "irq:irq_handler_entry";
	evs[n] = ev_base(200, 0, 10, -1, "main", VLS_EV_SCHED_SWITCH);
	evs[n].u.sched_switch.prev_pid = 10;
	evs[n].u.sched_switch.prev_prio = 120;
	evs[n].u.sched_switch.prev_state = VLS_TASK_UNINTERRUPTIBLE;
	evs[n].u.sched_switch.next_pid = 11;
	evs[n].u.sched_switch.next_prio = 110;
	strcpy(evs[n++].u.sched_switch.next_comm, "worker");
	evs[n] = ev_base(300, 0, 11, -1, "<...>", VLS_EV_PAGE_FAULT_USER);
	evs[n].u.fault.address = 0x7ffe146950e8ULL;
	evs[n].u.fault.ip = 0xffffffff81000000ULL;
	evs[n].stack = fa;
	evs[n++].stack_depth = 2;
	evs[n] = ev_base(400, 1, 11, -1, "worker", VLS_EV_SCHED_FORK);
	evs[n].u.fork.parent_pid = 11;
	evs[n].u.fork.child_pid = 12;
	strcpy(evs[n++].u.fork.child_comm, "worker");
	evs[n] = ev_base(500, 1, 12, -1, "worker", VLS_EV_SCHED_EXEC);
	evs[n].u.exec.pid = 12;
	evs[n].u.exec.old_pid = 12;
	evs[n].stack = fa;
	evs[n++].stack_depth = 2;
	evs[n++] = ev_base(600, 1, 12, -1, "ls", VLS_EV_MMAP_LOCK_START);
	evs[n] = ev_base(700, 0, 0, 0, "swapper/0", VLS_EV_SCHED_WAKEUP);
	evs[n].u.wakeup.pid = 13;
	evs[n].u.wakeup.prio = 100;
	evs[n].u.wakeup.target_cpu = 1;
	strcpy(evs[n++].u.wakeup.comm, "kworker/0:1");
	evs[n] = ev_base(800, 1, 13, -1, "", VLS_EV_SCHED_EXIT);
	evs[n].u.exit.pid = 13;
	evs[n].u.exit.prio = 101;
	strcpy(evs[n++].u.exit.comm, "kworker/0:1");
	return n;
}

static const struct {
	int tid;
	int pid;          /* -1: NULL */
	const char *comm;
	int prio;         /* -1: NULL */
	int events;
} expected_tasks[] = {
	{ 0, 0, "swapper/0", -1, 1 },
	{ 10, 10, "main", 120, 2 },
	{ 11, -1, "worker", 110, 2 },
	{ 12, 12, "ls", -1, 2 },
	{ 13, -1, "kworker/0:1", 101, 1 },
};

static void check_tasks(const char *p, int64_t run)
{
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;
	size_t i = 0;

	sqlite3_open_v2(p, &s, SQLITE_OPEN_READONLY, NULL);
	sqlite3_prepare_v2(s, "SELECT tid, pid, comm, prio, events FROM task "
			   "WHERE run_id = ?1 ORDER BY tid", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW && i < 5) {
		CHECK_INT(sqlite3_column_int(st, 0), expected_tasks[i].tid);
		CHECK_INT(sqlite3_column_type(st, 1) == SQLITE_NULL ? -1
			  : sqlite3_column_int(st, 1), expected_tasks[i].pid);
		CHECK_STR((const char *)sqlite3_column_text(st, 2),
			  expected_tasks[i].comm);
		CHECK_INT(sqlite3_column_type(st, 3) == SQLITE_NULL ? -1
			  : sqlite3_column_int(st, 3), expected_tasks[i].prio);
		CHECK_INT(sqlite3_column_int(st, 4), expected_tasks[i].events);
		i++;
	}
	CHECK_INT(i, 5);
	sqlite3_finalize(st);
	sqlite3_close(s);
}

static int64_t import_events(vls_ctx *ctx, const char *p, int keep)
{
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_event evs[16];
	int n = make_events(evs);
	vls_db *db = open_db(ctx, p, VLS_DB_READWRITE);
	vls_import *imp = NULL;
	int64_t run = 0;

	o.keep_events = keep;
	CHECK_INT(vls_import_begin(&imp, db, &o), 0);
	for (int i = 0; i < n; i++)
		CHECK_INT(vls_import_feed(imp, &evs[i]), 0);
	CHECK_INT(vls_import_commit(&run, imp), 0);
	/* after the commit the import is closed */
	CHECK_INT(vls_import_feed(imp, &evs[0]), VLS_EINVAL);
	CHECK_INT(vls_import_commit(&run, imp), VLS_EINVAL);
	vls_import_free(imp);
	vls_db_close(db);
	return run;
}

static void test_tasks(vls_ctx *ctx)
{
	const char *p = tpath("tasks.db");
	int64_t run = import_events(ctx, p, 0);

	CHECK_INT(run, 1);
	check_tasks(p, run);
	CHECK_INT(sql_int(p, "SELECT events FROM run WHERE id = 1"), 8);
	CHECK_INT(sql_int(p, "SELECT first_ts FROM run WHERE id = 1"), 100);
	CHECK_INT(sql_int(p, "SELECT last_ts FROM run WHERE id = 1"), 800);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM event"), 0);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM stack"), 0);
}

static void test_keep_events(vls_ctx *ctx)
{
	const char *p = tpath("events.db");
	int64_t run = import_events(ctx, p, 1);

	check_tasks(p, run);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM event"), 8);
	CHECK_INT(sql_int(p, "SELECT max(seq) FROM event"), 8);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM stack"), 1);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM event WHERE stack_id = 1"), 2);
	CHECK_INT(sql_int(p, "SELECT seq FROM event WHERE kind = "
			  "'irq:irq_handler_entry'"), 1);
	CHECK_INT(sql_int(p, "SELECT next_pid * 1000 + next_prio FROM "
			  "event_sched_switch WHERE next_comm = 'worker'"), 11110);
	CHECK_INT(sql_int(p, "SELECT prev_state FROM event_sched_switch"),
		  VLS_TASK_UNINTERRUPTIBLE);
	CHECK_INT(sql_int(p, "SELECT address FROM event_fault"), 0x7ffe146950e8LL);
	/* kernel addresses keep their bits as signed 64-bit */
	CHECK_INT(sql_int(p, "SELECT ip FROM event_fault"),
		  (int64_t)0xffffffff81000000ULL);
	CHECK_INT(sql_int(p, "SELECT f3 FROM event WHERE kind = "
			  "'sched:sched_wakeup'"), 1);
	CHECK_INT(sql_int(p, "SELECT pid FROM event WHERE seq = 2"), -1);
	CHECK_INT(sql_int(p, "SELECT pid FROM event WHERE seq = 1"), 10);
}

/* ------------------------------------------------------------------ */
/* Abort, metadata, runs                                               */
/* ------------------------------------------------------------------ */

static void test_abort(vls_ctx *ctx)
{
	const char *p = tpath("tasks.db");    /* one run from test_tasks */
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_event evs[16];
	int n = make_events(evs);
	vls_db *db = open_db(ctx, p, VLS_DB_READWRITE);
	vls_import *imp = NULL;

	o.keep_events = 1;
	CHECK_INT(vls_import_begin(&imp, db, &o), 0);
	CHECK_INT(vls_import_set_meta(imp, "kernel", "6.12.0"), 0);
	for (int i = 0; i < n; i++)
		CHECK_INT(vls_import_feed(imp, &evs[i]), 0);
	vls_import_free(imp);              /* no commit */
	vls_import_free(NULL);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM run"), 1);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM task"), 5);
	/* label, chain_threshold_ns, timestamp_pairs, timestamp_ties,
	 * timestamp_min_step_ns */
	CHECK_INT(sql_int(p, "SELECT count(*) FROM run_meta"), 5);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM event"), 0);
	CHECK_INT(sql_int(p, "SELECT count(*) FROM stack"), 0);
	/* the DB is still usable for the next import, and ids go on */
	imp = NULL;
	CHECK_INT(vls_import_begin(&imp, db, NULL), 0);
	vls_import_free(imp);
	vls_db_close(db);
	CHECK(integrity_ok(p));
}

static const struct {
	const char *key, *value;
} meta_in[] = {
	{ "source", "/data/traces/trace-6.12.dat" },
	{ "format", "tracedat" },
	{ "kernel", "6.12.0-1-amd64" },
	{ "arch", "x86_64" },
	{ "ncpus", "4" },
	{ "lost_events", "17" },
	{ "cpu3.lost", "17" },
	{ "trace_clock", "local" },
	{ "events.present", "sched:sched_switch,mmap_lock:mmap_lock_released" },
};

static void test_meta(vls_ctx *ctx)
{
	const char *p = tpath("meta.db");
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_db *db = open_db(ctx, p, VLS_DB_READWRITE);
	vls_import *imp = NULL;
	const char *v = NULL;
	int64_t run = 0;

	o.kernel = "6.12.0-retryvma";
	CHECK_INT(vls_import_begin(&imp, db, &o), 0);
	for (size_t i = 0; i < sizeof(meta_in) / sizeof(meta_in[0]); i++)
		CHECK_INT(vls_import_set_meta(imp, meta_in[i].key, meta_in[i].value), 0);
	CHECK_INT(vls_import_set_meta(imp, "", "x"), VLS_EINVAL);
	CHECK_INT(vls_import_commit(&run, imp), 0);
	vls_import_free(imp);
	for (size_t i = 0; i < sizeof(meta_in) / sizeof(meta_in[0]); i++) {
		if (!strcmp(meta_in[i].key, "kernel"))
			continue;
		CHECK_INT(vls_db_run_meta(&v, db, run, meta_in[i].key), 0);
		CHECK_STR(v, meta_in[i].value);
	}
	/* the option overrides the input, in run and run_meta alike */
	CHECK_INT(vls_db_run_meta(&v, db, run, "kernel"), 0);
	CHECK_STR(v, "6.12.0-retryvma");
	CHECK_INT(vls_db_run_meta(&v, db, run, "label"), 0);
	CHECK_STR(v, "trace-6.12.dat");
	CHECK_INT(vls_db_run_meta(&v, db, run, "nope"), VLS_ENOTFOUND);
	CHECK(v == NULL);
	CHECK_INT(vls_db_run_meta(&v, db, run + 1, "kernel"), VLS_ENOTFOUND);
	vls_db_close(db);
	CHECK_INT(sql_int(p, "SELECT ncpus FROM run"), 4);
	CHECK_INT(sql_int(p, "SELECT lost_events FROM run"), 17);
	CHECK_INT(sql_int(p, "SELECT first_ts FROM run"), -1); /* no events: NULL */
	CHECK_INT(sql_int(p, "SELECT count(*) FROM run WHERE kernel = "
			  "'6.12.0-retryvma' AND arch = 'x86_64' AND format = "
			  "'tracedat' AND source = '/data/traces/trace-6.12.dat'"), 1);
}

/* ------------------------------------------------------------------ */
/* The trace clock's step (import-step.c)                              */
/* ------------------------------------------------------------------ */

/* One run of n events on two CPUs (and some on CPUs out of range): on
 * CPU 0 every event but each tie_every-th is step_ns after the one before
 * it, the rest ties; CPU 1 steps by 3 * step_ns. resolution: what the
 * reader said (NULL: nothing). Returns the run id. */
static int64_t tstep_run(vls_ctx *ctx, vls_db *db, int n, int tie_every,
			 uint64_t step_ns, const char *resolution,
			 const vls_import_opts *o)
{
	vls_import *imp = NULL;
	uint64_t ts[2] = { 1000000000, 1000000000 };
	int64_t run = 0;

	CHECK_INT(vls_import_begin(&imp, db, o), 0);
	if (resolution)
		CHECK_INT(vls_import_set_meta(imp, "timestamp_resolution_ns",
					      resolution), 0);
	for (int i = 0; i < n; i++) {
		int cpu = i % 2;
		vls_event ev;

		if (cpu == 0 && i / 2 % tie_every)
			ts[0] += step_ns;
		else if (cpu == 1)
			ts[1] += 3 * step_ns;
		ev = ev_base(ts[cpu], cpu, 100 + cpu, 100 + cpu, "t",
			     VLS_EV_OTHER);
		ev.name = "x:y";
		CHECK_INT(vls_import_feed(imp, &ev), 0);
		/* left out of the measure */
		ev.cpu = i % 3 ? -1 : VLS_TSTEP_CPUS_MAX;
		ev.ts_ns = 5;
		CHECK_INT(vls_import_feed(imp, &ev), 0);
	}
	CHECK_INT(vls_import_commit(&run, imp), 0);
	vls_import_free(imp);
	return run;
}

static const char *run_meta(vls_db *db, int64_t run, const char *key)
{
	const char *v = NULL;

	return vls_db_run_meta(&v, db, run, key) ? NULL : v;
}

static void test_tstep(vls_ctx *ctx)
{
	const char *p = tpath("tstep.db");
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	const char *over[] = { "timestamp_resolution_ns", "7" };
	vls_db *db = open_db(ctx, p, VLS_DB_READWRITE);
	int64_t run;

	/* a tie in every 2nd CPU 0 event: 499 of 1998 pairs, a step */
	run = tstep_run(ctx, db, 2000, 2, 4000000, NULL, NULL);
	CHECK_STR(run_meta(db, run, "timestamp_pairs"), "1998");
	CHECK_STR(run_meta(db, run, "timestamp_ties"), "499");
	CHECK_STR(run_meta(db, run, "timestamp_min_step_ns"), "4000000");
	CHECK_STR(run_meta(db, run, "timestamp_clock_step_ns"), "4000000");
	CHECK_STR(run_meta(db, run, "timestamp_resolution_ns"), "4000000");
	/* the reader's finer value gives way, a coarser one stays */
	run = tstep_run(ctx, db, 2000, 2, 4000000, "1000", NULL);
	CHECK_STR(run_meta(db, run, "timestamp_resolution_ns"), "4000000");
	run = tstep_run(ctx, db, 2000, 2, 1000, "1000", NULL);
	CHECK_STR(run_meta(db, run, "timestamp_resolution_ns"), "1000");
	CHECK(run_meta(db, run, "timestamp_clock_step_ns") == NULL);
	/* an option fixes it */
	o.meta = over;
	o.nmeta = 1;
	run = tstep_run(ctx, db, 2000, 2, 4000000, NULL, &o);
	CHECK_STR(run_meta(db, run, "timestamp_resolution_ns"), "7");
	CHECK(run_meta(db, run, "timestamp_clock_step_ns") == NULL);
	/* 32 ties in 3200 pairs: 1 %, a step; 31: the events' spacing */
	run = tstep_run(ctx, db, 3202, 50, 1433, NULL, NULL);
	CHECK_STR(run_meta(db, run, "timestamp_pairs"), "3200");
	CHECK_STR(run_meta(db, run, "timestamp_ties"), "32");
	CHECK_STR(run_meta(db, run, "timestamp_clock_step_ns"), "1433");
	run = tstep_run(ctx, db, 3202, 51, 1433, NULL, NULL);
	CHECK_STR(run_meta(db, run, "timestamp_ties"), "31");
	CHECK_STR(run_meta(db, run, "timestamp_min_step_ns"), "1433");
	CHECK(run_meta(db, run, "timestamp_clock_step_ns") == NULL);
	CHECK(run_meta(db, run, "timestamp_resolution_ns") == NULL);
	/* 16 ties in 1000 pairs, a step; 15: too few to say */
	run = tstep_run(ctx, db, 1002, 31, 1433, NULL, NULL);
	CHECK_STR(run_meta(db, run, "timestamp_ties"), "16");
	CHECK_STR(run_meta(db, run, "timestamp_clock_step_ns"), "1433");
	run = tstep_run(ctx, db, 1002, 32, 1433, NULL, NULL);
	CHECK_STR(run_meta(db, run, "timestamp_ties"), "15");
	CHECK(run_meta(db, run, "timestamp_clock_step_ns") == NULL);
	/* one event a CPU: nothing measured */
	run = tstep_run(ctx, db, 2, 2, 1000, NULL, NULL);
	CHECK(run_meta(db, run, "timestamp_pairs") == NULL);
	vls_db_close(db);
	CHECK(integrity_ok(p));
}

struct runs_seen {
	int n;
	int64_t ids[8];
	char labels[8][32];
	char kernels[8][32];
	int64_t lost[8];
	uint64_t events[8];
};

static int collect_run(const vls_run *r, void *data)
{
	struct runs_seen *s = data;

	if (s->n == 8)
		return 1;
	s->ids[s->n] = r->id;
	snprintf(s->labels[s->n], 32, "%s", r->label);
	snprintf(s->kernels[s->n], 32, "%s", r->kernel ? r->kernel : "(null)");
	s->lost[s->n] = r->lost_events;
	s->events[s->n] = r->events;
	s->n++;
	return 0;
}

static int stop_at_first(const vls_run *r, void *data)
{
	(*(int *)data)++;
	return 1;
}

static void test_runs(vls_ctx *ctx)
{
	static const struct {
		const char *label, *kernel;
		int64_t lost;
		uint64_t events;
	} want[] = {
		{ "run-1", "(null)", -1, 8 },
		{ "stock", "6.12.0", 0, 8 },
		{ "patched", "6.12.0-retryvma", -1, 8 },
	};
	const char *p = tpath("runs.db");
	vls_db *db = open_db(ctx, p, VLS_DB_READWRITE);
	struct runs_seen seen = { 0 };
	vls_event evs[16];
	int n = make_events(evs), stops = 0;

	for (size_t r = 0; r < 3; r++) {
		vls_import_opts o = VLS_IMPORT_OPTS_INIT;
		vls_import *imp = NULL;
		int64_t id;

		o.label = r ? want[r].label : NULL;
		o.kernel = r ? want[r].kernel : NULL;
		CHECK_INT(vls_import_begin(&imp, db, &o), 0);
		if (r == 1)
			vls_import_set_meta(imp, "lost_events", "0");
		for (int i = 0; i < n; i++)
			vls_import_feed(imp, &evs[i]);
		CHECK_INT(vls_import_commit(&id, imp), 0);
		CHECK_INT(id, (int64_t)r + 1);
		vls_import_free(imp);
	}
	vls_db_close(db);
	db = open_db(ctx, p, VLS_DB_READONLY);
	CHECK_INT(vls_db_runs(db, collect_run, &seen), 0);
	CHECK_INT(seen.n, 3);
	for (int r = 0; r < seen.n && r < 3; r++) {
		CHECK_INT(seen.ids[r], r + 1);
		CHECK_STR(seen.labels[r], want[r].label);
		CHECK_STR(seen.kernels[r], want[r].kernel);
		CHECK_INT(seen.lost[r], want[r].lost);
		CHECK_INT(seen.events[r], want[r].events);
	}
	CHECK_INT(vls_db_runs(db, stop_at_first, &stops), VLS_ESTOPPED);
	CHECK_INT(stops, 1);
	vls_db_close(db);
}

/* ------------------------------------------------------------------ */
/* Concurrency, kill -9, allocation failures                           */
/* ------------------------------------------------------------------ */

static void test_busy(vls_ctx *ctx)
{
	const char *p = tpath("busy.db");
	vls_db *a = open_db(ctx, p, VLS_DB_READWRITE);
	vls_db *b = open_db(ctx, p, VLS_DB_READWRITE);
	vls_import *ia = NULL, *ib = NULL;
	int64_t run = 0;

	CHECK_INT(vls_import_begin(&ia, a, NULL), 0);
	sqlite3_busy_timeout(b->sql, 200);   /* the default waits 10 s */
	CHECK_INT(vls_import_begin(&ib, b, NULL), VLS_EBUSY);
	CHECK(ib == NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "locked") != NULL);
	CHECK_INT(vls_import_commit(&run, ia), 0);
	vls_import_free(ia);
	/* once the first is done, the second goes through */
	CHECK_INT(vls_import_begin(&ib, b, NULL), 0);
	CHECK_INT(vls_import_commit(&run, ib), 0);
	CHECK_INT(run, 2);
	vls_import_free(ib);
	vls_db_close(a);
	vls_db_close(b);
}

/* The child: a big raw-event import that never finishes on its own. It
 * tells the parent through fd once `signal_after` events are in. */
static void kill_child(const char *p, int fd, int signal_after)
{
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	vls_import *imp = NULL;
	vls_event evs[16];
	int n = make_events(evs);

	o.keep_events = 1;
	if (vls_ctx_new(&ctx) || vls_db_open(&db, ctx, p, VLS_DB_READWRITE) ||
	    vls_import_begin(&imp, db, &o))
		_exit(3);
	/* a small page cache: the transaction spills into the DB file */
	sqlite3_exec(db->sql, "PRAGMA cache_size = 64", NULL, NULL, NULL);
	for (int i = 0; i < 50000000; i++) {
		vls_event ev = evs[i % n];

		ev.ts_ns = 1000 + (uint64_t)i;
		ev.tid += (i / n) % 3000;
		if (vls_import_feed(imp, &ev))
			_exit(4);
		if (i == signal_after && write(fd, "x", 1) != 1)
			_exit(5);
	}
	_exit(6);
}

static int count_run(const vls_run *r, void *data)
{
	(void)r;
	(*(int *)data)++;
	return 0;
}

static void check_runs_ro(vls_ctx *ctx, const char *p, int want)
{
	vls_db *db = open_db(ctx, p, VLS_DB_READONLY);
	int n = 0;

	if (db)
		CHECK_INT(vls_db_runs(db, count_run, &n), 0);
	CHECK_INT(n, want);
	vls_db_close(db);
}

static void test_kill9(vls_ctx *ctx)
{
	static const struct {
		int signal_after;
		int extra_us;
	} points[] = { { 20000, 0 }, { 60000, 20000 }, { 200000, 70000 } };
	const char *p = tpath("kill.db");
	struct stat st;

	import_events(ctx, p, 1);            /* run 1, committed */
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		int fds[2], status = 0;
		char c;
		pid_t pid;

		CHECK_INT(pipe(fds), 0);
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			kill_child(p, fds[1], points[i].signal_after);
		}
		close(fds[1]);
		CHECK_INT(read(fds[0], &c, 1), 1);
		usleep(points[i].extra_us);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(fds[0]);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		/* the killed import left its uncommitted pages in the WAL ... */
		CHECK(stat(tpath("kill.db-wal"), &st) == 0 && st.st_size > 100000);
		/* ... which a reader ignores, even a read-only one */
		check_runs_ro(ctx, p, 1);
		CHECK(integrity_ok(p));
		vls_db_close(open_db(ctx, p, VLS_DB_READWRITE));
		CHECK_INT(sql_int(p, "SELECT count(*) FROM run"), 1);
		CHECK_INT(sql_int(p, "SELECT count(*) FROM event"), 8);
		CHECK_INT(sql_int(p, "SELECT count(*) FROM task"), 5);
		CHECK_INT(sql_int(p, "SELECT count(*) FROM stack"), 1);
	}
}

static struct test_alloc ta;

/* One whole import with the Nth allocation failing: an error and no run,
 * or (N past the last allocation) success. Returns whether it failed. */
static bool import_failing_at(const char *p, long n)
{
	vls_allocator al = TEST_ALLOCATOR(&ta);
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	vls_import *imp = NULL;
	vls_event evs[16];
	int cnt = make_events(evs), ret;
	int64_t run = 0;

	vls_ctx_new(&ctx);
	vls_ctx_set_allocator(ctx, &al);
	ta.calls = 0;
	ta.fail_at = n;
	o.keep_events = 1;
	o.label = "alloc";
	ret = vls_db_open(&db, ctx, p, VLS_DB_READWRITE);
	if (!ret)
		ret = vls_import_begin(&imp, db, &o);
	for (int i = 0; !ret && i < cnt; i++)
		ret = vls_import_feed(imp, &evs[i]);
	if (!ret)
		ret = vls_import_set_meta(imp, "kernel", "6.1.0");
	if (!ret)
		ret = vls_import_commit(&run, imp);
	CHECK(ret == 0 || ret == VLS_ENOMEM);
	vls_import_free(imp);
	vls_db_close(db);
	CHECK_INT(ctx->live_objects, 0);
	vls_ctx_free(ctx);
	ta.fail_at = 0;
	return ret != 0;
}

/* Rows bind every parameter by name, once: anything else is an error. */
static void test_rows(vls_ctx *ctx)
{
	static const char ins[] = "INSERT INTO t (a, b, c) VALUES (:a, :b, :c)";
	static const char pos[] = "INSERT INTO t (a) VALUES (?)";
	struct vls_store_txn txn = { .ctx = ctx };
	struct vls_row r;
	sqlite3_stmt *st;

	CHECK_INT(sqlite3_open(":memory:", &txn.sql), SQLITE_OK);
	CHECK_INT(__vls_store_exec(ctx, txn.sql, "CREATE TABLE t (a, b, c)"), 0);
	/* in order, out of order, NULL and text; the same literal again */
	for (int i = 0; i < 3; i++) {
		CHECK_INT(__vls_row_start(&r, &txn, ins), 0);
		__vls_row_i64(&r, "a", i);
		__vls_row_text(&r, "c", i == 1 ? NULL : "x");
		__vls_row_opt(&r, "b", i != 2, 10 + i);
		CHECK_INT(__vls_row_step(&r), 0);
	}
	CHECK_INT(txn.nstmts, 1);
	CHECK_INT(__vls_row_start(&r, &txn, ins), 0);
	__vls_row_i64(&r, "a", 1);
	__vls_row_i64(&r, "b", 2);
	CHECK_INT(__vls_row_step(&r), VLS_EDB);           /* :c not bound */
	CHECK(strstr(vls_ctx_errmsg(ctx), ":c not bound") != NULL);
	CHECK_INT(__vls_row_start(&r, &txn, ins), 0);
	__vls_row_i64(&r, "a", 1);
	__vls_row_i64(&r, "a", 2);
	CHECK_INT(__vls_row_step(&r), VLS_EDB);           /* twice */
	CHECK(strstr(vls_ctx_errmsg(ctx), ":a bound twice") != NULL);
	CHECK_INT(__vls_row_start(&r, &txn, ins), 0);
	__vls_row_i64(&r, "a", 1);
	__vls_row_i64(&r, "bee", 2);
	__vls_row_i64(&r, "b", 2);                        /* no-op after an error */
	CHECK_INT(__vls_row_step(&r), VLS_EDB);
	CHECK(strstr(vls_ctx_errmsg(ctx), "no parameter :bee") != NULL);
	/* positional parameters are refused when prepared */
	CHECK_INT(__vls_row_start(&r, &txn, pos), VLS_EDB);
	CHECK_INT(__vls_row_step(&r), VLS_EDB);
	/* what went in: 3 rows, none from the failed ones */
	CHECK_INT(sqlite3_prepare_v2(txn.sql, "SELECT count(*), sum(a), sum(b),"
				     " count(c) FROM t", -1, &st, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 3);
	CHECK_INT(sqlite3_column_int(st, 1), 3);
	CHECK_INT(sqlite3_column_int(st, 2), 21);
	CHECK_INT(sqlite3_column_int(st, 3), 2);
	sqlite3_finalize(st);
	/* a statement of the caller's own */
	CHECK_INT(sqlite3_prepare_v2(txn.sql, "SELECT count(*) FROM t WHERE a = :a"
				     " AND b = :b", -1, &st, NULL), SQLITE_OK);
	__vls_row_start_stmt(&r, ctx, txn.sql, st);
	__vls_row_i64(&r, "b", 11);
	__vls_row_i64(&r, "a", 1);
	CHECK_INT(__vls_row_done(&r), 0);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 1);
	sqlite3_reset(st);
	__vls_row_start_stmt(&r, ctx, txn.sql, st);
	__vls_row_i64(&r, "a", 1);
	CHECK_INT(__vls_row_done(&r), VLS_EDB);
	sqlite3_finalize(st);
	__vls_store_txn_release(&txn);
	sqlite3_close(txn.sql);
}

/*
 * Rows through the writer thread: stepped in order, texts copied when the
 * row is finished, a query sees every row before it, a row larger than a
 * buffer and more rows than the buffers hold go through, and a failed
 * step is the error of a later row and of the stop, with SQLite's words.
 */
static void test_rows_writer(vls_ctx *ctx)
{
	static const char ins[] = "INSERT INTO w (a, b, c) VALUES (:a, :b, :c)";
	static const char count[] = "SELECT count(*), sum(a), sum(length(c)) FROM w"
				    " WHERE b IS NULL OR b >= :b";
	static const char strict[] = "INSERT INTO s (a) VALUES (:a)";
	struct vls_store_txn txn = { .ctx = ctx };
	size_t big_len = 600 * 1024;
	char text[16], *big = malloc(big_len + 1);
	struct vls_row r;
	int ret = 0;

	CHECK(big != NULL);
	memset(big, 'y', big_len);
	big[big_len] = '\0';
	CHECK_INT(sqlite3_open(":memory:", &txn.sql), SQLITE_OK);
	CHECK_INT(__vls_store_exec(ctx, txn.sql, "CREATE TABLE w (a, b, c);"
				   " CREATE TABLE s (a NOT NULL)"), 0);
	CHECK_INT(__vls_store_writer_start(&txn), 0);
	CHECK(txn.writer != NULL);
	/* 100,000 rows (more than the writer's buffers hold), one text each
	 * from a buffer reused at once, one NULL */
	for (int i = 0; i < 100000 && !ret; i++) {
		snprintf(text, sizeof(text), "%d", i % 10);
		__vls_row_start(&r, &txn, ins);
		__vls_row_i64(&r, "a", 1);
		__vls_row_opt(&r, "b", i != 7, i);
		__vls_row_text(&r, "c", text);
		ret = __vls_row_step(&r);
		memset(text, 'z', sizeof(text) - 1);
	}
	CHECK_INT(ret, 0);
	__vls_row_start(&r, &txn, ins);         /* larger than a buffer */
	__vls_row_i64(&r, "a", 5);
	__vls_row_i64(&r, "b", 1000000);
	__vls_row_textn(&r, "c", big, big_len);
	CHECK_INT(__vls_row_step(&r), 0);
	memset(big, 'n', big_len);
	/* the query waits for the rows before it */
	CHECK_INT(__vls_row_start_query(&r, &txn, count), 0);
	__vls_row_i64(&r, "b", 0);
	CHECK_INT(__vls_row_done(&r), 0);
	CHECK_INT(sqlite3_step(r.st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(r.st, 0), 100001);
	CHECK_INT(sqlite3_column_int(r.st, 1), 100005);
	CHECK(sqlite3_column_int64(r.st, 2) == 100000 + (int64_t)big_len);
	sqlite3_reset(r.st);
	CHECK(txn.writer != NULL);
	/* a failed step: a later row and the stop return it */
	__vls_row_start(&r, &txn, strict);
	__vls_row_null(&r, "a");
	CHECK_INT(__vls_row_step(&r), 0);       /* not stepped yet */
	CHECK_INT(__vls_store_writer_drain(txn.writer), VLS_EDB);
	CHECK(strstr(vls_ctx_errmsg(ctx), "INSERT INTO s: NOT NULL constraint"
		     " failed: s.a") != NULL);
	__vls_row_start(&r, &txn, strict);
	__vls_row_i64(&r, "a", 1);
	CHECK_INT(__vls_row_step(&r), VLS_EDB);
	CHECK_INT(__vls_store_writer_stop(&txn), VLS_EDB);
	CHECK(txn.writer == NULL);
	/* without the writer, rows are stepped at once again */
	__vls_row_start(&r, &txn, strict);
	__vls_row_i64(&r, "a", 2);
	CHECK_INT(__vls_row_step(&r), 0);
	__vls_row_start(&r, &txn, strict);
	__vls_row_null(&r, "a");
	CHECK_INT(__vls_row_step(&r), VLS_EDB);
	/* the statement named by its first words, not all its parameters */
	CHECK(strstr(vls_ctx_errmsg(ctx), "INSERT INTO s: NOT NULL constraint") != NULL);
	__vls_store_txn_release(&txn);
	sqlite3_close(txn.sql);
	free(big);
}

static void test_alloc_failures(void)
{
	const char *p = tpath("alloc.db");
	long n;

	for (n = 1; n < 200 && import_failing_at(p, n); n++) {
		long long runs = sql_int(p, "SELECT count(*) FROM run");

		CHECK(runs == 0 || runs == -999);   /* no run, or no DB yet */
	}
	CHECK(n > 5 && n < 200);        /* it eventually succeeds */
	CHECK_INT(sql_int(p, "SELECT count(*) FROM run"), 1);
}

static void rm_dir(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	vls_ctx *ctx = NULL;

	if (!mkdtemp(dir) || vls_ctx_new(&ctx))
		return 1;
	test_create(ctx);
	test_refusals(ctx);
	test_readonly(ctx);
	test_check(ctx);
	test_stacks(ctx);
	test_tasks(ctx);
	test_keep_events(ctx);
	test_abort(ctx);
	test_meta(ctx);
	test_tstep(ctx);
	test_runs(ctx);
	test_busy(ctx);
	test_kill9(ctx);
	test_rows(ctx);
	test_rows_writer(ctx);
	test_alloc_failures();
	CHECK_INT(ctx->live_objects, 0);
	vls_ctx_free(ctx);
	rm_dir();
	return TEST_DONE();
}
