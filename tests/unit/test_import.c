/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_import.c - allocation failures over a whole file import
 * (vls_db_open + vls_db_import_file: reader, attacher, every analyzer,
 * store, commit) of small real fixtures, in each format. test_store.c fails
 * allocations while feeding synthetic events; this goes through the
 * readers and the analyzers' finish as well.
 *
 * For N = 1, 2, ... the library's allocator fails its Nth allocation (and
 * only that one): the import must return VLS_ENOMEM, leave no object alive
 * (ctx->live_objects) and leave the DB as it was (one run, integrity ok);
 * under the Sanitize build LeakSanitizer checks that nothing leaked. The
 * loop ends at the first N past the import's last allocation: that import
 * succeeds and stores the run.
 */
#include <stdlib.h>
#include <unistd.h>

#include "store.h"
#include "test.h"
#include "test_sql.h"

static char dir[] = "/tmp/vls_test_import.XXXXXX";
static struct test_alloc ta;

/* One import of trace into db with the Nth allocation failing. Returns
 * the import's result (0 once n is past the last allocation). */
static int import_failing_at(const char *db_path, const char *trace, long n)
{
	vls_allocator al = TEST_ALLOCATOR(&ta);
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	int64_t run = 0;
	int ret;

	if (vls_ctx_new(&ctx))
		return VLS_ENOMEM;
	CHECK_INT(vls_ctx_set_allocator(ctx, &al), 0);
	ta.calls = 0;
	ta.fail_at = n;
	o.keep_events = 1;
	ret = vls_db_open(&db, ctx, db_path, VLS_DB_READWRITE);
	if (!ret)
		ret = vls_db_import_file(&run, db, trace, NULL, &o);
	if (ret && ret != VLS_ENOMEM)
		fprintf(stderr, "  N=%ld: %s: %s\n", n, vls_strerror(ret),
			vls_ctx_errmsg(ctx));
	CHECK(ret == 0 || ret == VLS_ENOMEM);
	vls_db_close(db);
	CHECK_INT(ctx->live_objects, 0);
	vls_ctx_free(ctx);
	ta.fail_at = 0;
	return ret;
}

/* The fixtures: a v7 trace.dat and a tracefs text trace (its first lines,
 * with stacks): each must survive every allocation failure. */
static const struct {
	const char *name;
	const char *make;      /* shell command writing the trace to %s */
	long min_allocs;       /* the import allocates at least this often */
	long every_until;      /* fail each N up to here, then every stride-th */
	long stride;
} fixtures[] = {
	/* libtracecmd parses 1 MB of formats and kallsyms per open (~0.1 s):
	 * past the opening allocations, one N in 7 */
	{ "v7.dat", "cp " VLS_TEST_DATA "/mprotect-fault-6.18-x86_64.dat %s", 300, 80, 7 },
	{ "ftrace.txt", "xz -dc " VLS_TEST_DATA "/text/ftrace.txt.xz | head -600 > %s",
	  200, 100000, 1 },
};

static void test_fixture(size_t i)
{
	char trace[256], db[256], cmd[1024];
	long n, tried = 0;
	int ret = VLS_ENOMEM;

	snprintf(trace, sizeof(trace), "%s/%s", dir, fixtures[i].name);
	snprintf(db, sizeof(db), "%s/%s.db", dir, fixtures[i].name);
	snprintf(cmd, sizeof(cmd), fixtures[i].make, trace);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(import_failing_at(db, trace, 0), 0);     /* run 1 */
	for (n = 1; n < 100000 && ret;
	     n += n < fixtures[i].every_until ? 1 : fixtures[i].stride) {
		ret = import_failing_at(db, trace, n);
		tried++;
		if (ret) {
			CHECK_INT(sql_int(db, "SELECT count(*) FROM run"), 1);
			CHECK_INT(sql_int(db, "SELECT count(*) FROM pragma_integrity_check "
					      "WHERE integrity_check <> 'ok'"), 0);
		}
	}
	printf("%s: %ld of the import's ~%ld allocations failed in turn\n",
	       fixtures[i].name, tried - 1, n - 1);
	CHECK(n - 1 >= fixtures[i].min_allocs);
	CHECK_INT(ret, 0);
	CHECK_INT(sql_int(db, "SELECT count(*) FROM run"), 2);
	CHECK_INT(sql_int(db, "SELECT count(*) FROM run WHERE id = 2 AND events = "
			      "(SELECT events FROM run WHERE id = 1)"), 1);
}

/* Rows of run a and run b in table t (run_id aside) that the other lacks:
 * -1 when the query cannot run. */
static long long rows_apart(sqlite3 *s, const char *t, int a, int b)
{
	char cols[2048] = "", q[256], *all;
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	long long v = -1;

	snprintf(q, sizeof(q), "SELECT name FROM pragma_table_info('%s') "
		 "WHERE name <> 'run_id'", t);
	if (sqlite3_prepare_v2(s, q, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW && len < sizeof(cols) - 80)
		len += (size_t)snprintf(cols + len, sizeof(cols) - len, "%s\"%s\"",
					len ? "," : "", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	all = sqlite3_mprintf("SELECT (SELECT count(*) FROM (SELECT %s FROM %s WHERE run_id = %d"
		" EXCEPT SELECT %s FROM %s WHERE run_id = %d)) + (SELECT count(*) FROM"
		" (SELECT %s FROM %s WHERE run_id = %d EXCEPT SELECT %s FROM %s WHERE run_id = %d))",
		cols, t, a, cols, t, b, cols, t, b, cols, t, a);
	if (all && sqlite3_prepare_v2(s, all, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(all);
	return v;
}

/*
 * One more import of the v7 fixture into its DB, on a context of the
 * default allocator with pipe_stacks_max set (0: the pipe's own limit),
 * which must give run want_run; then every table of that run must hold
 * the rows of run same_as.
 */
static void import_again_same(uint32_t pipe_stacks_max, int64_t want_run,
			      int64_t same_as)
{
	static const char *const tables[] = { "task", "stack", "event", "fault_episode",
		"fault_task", "fault_run", "lock_stats", "lock_chain", "lock_chain_link",
		"lock_acq" };
	char trace[256], db[256];
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_ctx *ctx = NULL;
	vls_db *d = NULL;
	sqlite3 *s = NULL;
	int64_t run = 0;

	snprintf(trace, sizeof(trace), "%s/v7.dat", dir);
	snprintf(db, sizeof(db), "%s/v7.dat.db", dir);
	o.keep_events = 1;
	CHECK_INT(vls_ctx_new(&ctx), 0);
	ctx->pipe_stacks_max = pipe_stacks_max;
	CHECK_INT(vls_db_open(&d, ctx, db, VLS_DB_READWRITE), 0);
	CHECK_INT(vls_db_import_file(&run, d, trace, NULL, &o), 0);
	CHECK_INT(run, want_run);
	vls_db_close(d);
	vls_ctx_free(ctx);
	CHECK_INT(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		long long apart = rows_apart(s, tables[i], same_as, want_run);

		if (apart)
			fprintf(stderr, "  %s: %lld rows differ between runs %lld and %lld\n",
				tables[i], apart, (long long)same_as, (long long)want_run);
		CHECK_INT(apart, 0);
	}
	sqlite3_close(s);
}

/*
 * With the default allocator on two or more CPUs the import reads,
 * decodes and attaches stacks on a thread of its own, which interns the
 * stacks, and the analyzers keep what they derive from a stack by its
 * number; with a custom allocator (run 1 above) all of it runs on one
 * thread and every stack is classified where it comes. Both must store
 * the same rows (run 3).
 *
 * Past its limit of distinct stacks the pipe copies each further stack
 * into the block with no number, and the analyzers classify it as it
 * comes: with a limit of one, the first stack is interned and every other
 * copied, and the rows are those of an import with no limit reached
 * (run 4).
 */
static void test_threaded_same(void)
{
	char db[256];
	vls_ctx *ctx = NULL;

	snprintf(db, sizeof(db), "%s/v7.dat.db", dir);
	import_again_same(0, 3, 1);
	CHECK_INT(sql_int(db, "SELECT count(*) FROM lock_stats WHERE run_id = 3") > 0, 1);
	CHECK_INT(vls_ctx_new(&ctx), 0);
	if (!__vls_ctx_may_thread(ctx)) {
		printf("  skipped the stack limit: one CPU, no import pipe\n");
		vls_ctx_free(ctx);
		return;
	}
	vls_ctx_free(ctx);
	import_again_same(1, 4, 3);
	/* enough distinct stacks that most were copied */
	CHECK(sql_int(db, "SELECT count(*) FROM stack WHERE run_id = 4") >= 10);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		test_fixture(i);
	test_threaded_same();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_DONE();
}
