/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_analysis.c - vls_analysis (the analysis without a DB) against the
 * report of an import of the same trace: the fixture is imported into a
 * temporary DB, vls_report_json() gives its figures, and the analysis'
 * callbacks must add up to them: acquisitions, waits and holds per mode,
 * fallbacks by reason and per thread, I/O wait, chains and their links.
 * Then the API's contract: bad options, order, a callback that stops, and
 * every allocation failing in turn.
 */
#include <unistd.h>

#include "json_mini.h"
#include "test.h"
#include "test_sql.h"

#define FIXTURE TEST_DATA("mprotect-fault-6.18-x86_64.dat")
/* Low enough that the fixture's waits (30 us at most) make chains. */
#define THRESHOLD_NS 2000

#define TIDS_MAX 64
#define CHAINS_MAX 256

struct mode_sums {
	uint64_t acquisitions, contended, wait_sum, wait_max, holds, hold_sum;
};

struct got {
	struct mode_sums mode[2];
	uint64_t fallback, nested, by_reason[4];
	uint64_t io_count, io_sum, io_max;
	int32_t tids[TIDS_MAX];
	uint64_t tid_fallback[TIDS_MAX];
	size_t ntids;
	uint64_t chains;
	struct { int32_t tid; uint64_t wait_ns; size_t nblockers;
		 int32_t first_tid; uint64_t first_held; } chain[CHAINS_MAX];
	int bad;                 /* a struct that breaks its own contract */
};

static const char *const reasons[] = { "io_retry", "no_io", "kernel_mode", "no_vma_lock" };

static int on_acq(const vls_mmap_acq *a, void *data)
{
	struct got *g = data;
	struct mode_sums *m = &g->mode[a->write ? 1 : 0];
	uint64_t wait = a->acquire_ns - a->start_ns;

	g->bad += a->acquire_ns < a->start_ns || a->release_ns < a->acquire_ns ||
		  !a->site || !a->sleep_reason;
	if (!a->downgraded) {
		m->acquisitions++;
		m->contended += a->contended ? 1 : 0;
		m->wait_sum += wait;
		m->wait_max = wait > m->wait_max ? wait : m->wait_max;
	}
	if (!a->open) {
		m->holds++;
		m->hold_sum += a->release_ns - a->acquire_ns;
	}
	return 0;
}

static size_t tid_slot(struct got *g, int32_t tid)
{
	for (size_t i = 0; i < g->ntids; i++)
		if (g->tids[i] == tid)
			return i;
	if (g->ntids == TIDS_MAX)
		return TIDS_MAX - 1;
	g->tids[g->ntids] = tid;
	return g->ntids++;
}

static int on_fault(const vls_fault_ep *ep, void *data)
{
	struct got *g = data;
	size_t r;

	g->bad += ep->end_ns < ep->start_ns || !ep->reason;
	if (ep->io_wait_ns) {
		g->io_count++;
		g->io_sum += ep->io_wait_ns;
		g->io_max = ep->io_wait_ns > g->io_max ? ep->io_wait_ns : g->io_max;
	}
	if (!ep->fallback) {
		g->nested += !strcmp(ep->reason, "nested");
		g->bad += strcmp(ep->reason, "nested") && strcmp(ep->reason, "none");
		g->bad += !strcmp(ep->reason, "none") && ep->mmap_attempts;
		return 0;
	}
	g->fallback++;
	g->tid_fallback[tid_slot(g, ep->tid)]++;
	for (r = 0; r < 4 && strcmp(ep->reason, reasons[r]); r++)
		;
	g->bad += r == 4 || ep->lock_ns < ep->start_ns;
	if (r < 4)
		g->by_reason[r]++;
	return 0;
}

static int on_chain(const vls_wait_chain *c, void *data)
{
	struct got *g = data;

	g->bad += c->seq != (int64_t)g->chains || c->wait_ns < THRESHOLD_NS;
	if (g->chains < CHAINS_MAX) {
		g->chain[g->chains].tid = c->tid;
		g->chain[g->chains].wait_ns = c->wait_ns;
		g->chain[g->chains].nblockers = c->nblockers;
		g->chain[g->chains].first_tid = c->nblockers ? c->blockers[0].tid : -1;
		g->chain[g->chains].first_held = c->nblockers ? c->blockers[0].held_ns : 0;
	}
	g->chains++;
	return 0;
}

static int analyse(vls_ctx *ctx, struct got *g)
{
	vls_analysis_opts o = VLS_ANALYSIS_OPTS_INIT;
	vls_analysis *an = NULL;
	vls_reader *r = NULL;
	int err;

	o.chain_threshold_ns = THRESHOLD_NS;
	o.on_acq = on_acq;
	o.on_fault = on_fault;
	o.on_chain = on_chain;
	o.data = g;
	err = vls_reader_open(&r, ctx, FIXTURE, NULL);
	if (!err)
		err = vls_analysis_new(&an, ctx, &o);
	if (!err)
		err = vls_analysis_run(an, r);
	vls_analysis_free(an);
	vls_reader_close(r);
	return err;
}

/* ------------------------------------------------------------------ */
/* Against the report                                                  */
/* ------------------------------------------------------------------ */

static void check_mode(const struct jv *st, const struct mode_sums *m)
{
	CHECK_INT(jint(jkey(st, "acquisitions")), m->acquisitions);
	CHECK_INT(jint(jkey(st, "contended")), m->contended);
	CHECK_INT(jint(jkey(jkey(st, "wait_ns"), "count")), m->acquisitions);
	CHECK_INT(jint(jkey(jkey(st, "wait_ns"), "sum")), m->wait_sum);
	CHECK_INT(jint(jkey(jkey(st, "wait_ns"), "max")), m->wait_max);
	CHECK_INT(jint(jkey(jkey(st, "hold_ns"), "count")), m->holds);
	CHECK_INT(jint(jkey(jkey(st, "hold_ns"), "sum")), m->hold_sum);
}

static void check_faults(const struct jv *f, const struct jv *tasks,
			 struct got *g)
{
	CHECK_INT(jint(jkey(f, "fallback")), g->fallback);
	CHECK_INT(jint(jkey(f, "nested")), g->nested);
	for (int r = 0; r < 4; r++)
		CHECK_INT(jint(jkey(jkey(f, "by_reason"), reasons[r])), g->by_reason[r]);
	CHECK_INT(jint(jkey(jkey(f, "io_wait_ns"), "count")), g->io_count);
	CHECK_INT(jint(jkey(jkey(f, "io_wait_ns"), "sum")), g->io_sum);
	CHECK_INT(jint(jkey(jkey(f, "io_wait_ns"), "max")), g->io_max);
	for (size_t i = 0; i < tasks->n; i++) {
		const struct jv *t = jidx(tasks, i);
		uint64_t want = (uint64_t)jint(jkey(t, "fallback_faults"));
		size_t s = tid_slot(g, (int32_t)jint(jkey(t, "tid")));

		CHECK_INT(g->tid_fallback[s], want);
	}
	CHECK(g->ntids <= tasks->n); /* no fallback of a thread the report lacks */
}

/*
 * Every chain the import stored must be one we got. The report shows only
 * those of contended waits (docs/locks.md); the callback hands out every
 * chain the analyzer built, as the import stores them in lock_chain.
 */
static void check_chains(const char *path, const struct got *g)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;

	CHECK_INT(sql_int(path, "SELECT count(*) FROM lock_chain"), g->chains);
	CHECK(g->chains > 0);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT c.tid, c.wait_ns, c.nlinks, l.tid, l.held_ns "
			       "FROM lock_chain c LEFT JOIN lock_chain_link l ON "
			       "l.run_id = c.run_id AND l.chain_id = c.id AND l.idx = 0 "
			       "ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
		CHECK(!"cannot read lock_chain");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		long long tid = sqlite3_column_int64(st, 0), wait = sqlite3_column_int64(st, 1);
		size_t k = 0;

		n++;
		while (k < g->chains && k < CHAINS_MAX &&
		       !(g->chain[k].tid == tid && (long long)g->chain[k].wait_ns == wait))
			k++;
		CHECK(k < g->chains && k < CHAINS_MAX);
		if (k >= g->chains || k >= CHAINS_MAX)
			continue;
		CHECK_INT(g->chain[k].nblockers, sqlite3_column_int64(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			CHECK_INT(g->chain[k].first_tid, sqlite3_column_int64(st, 3));
			CHECK_INT(g->chain[k].first_held, sqlite3_column_int64(st, 4));
		}
	}
	CHECK_INT(n, g->chains);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int report_of_import(vls_ctx *ctx, const char *path, struct jv *doc)
{
	vls_import_opts io = VLS_IMPORT_OPTS_INIT;
	vls_report_opts ro = VLS_REPORT_OPTS_INIT;
	vls_db *db = NULL;
	char *out = NULL;
	int64_t id = 0;
	int err;

	io.chain_threshold_ns = THRESHOLD_NS;
	err = vls_db_open(&db, ctx, path, VLS_DB_READWRITE);
	if (!err)
		err = vls_db_import_file(&id, db, FIXTURE, NULL, &io);
	if (!err)
		err = vls_report_json(&out, db, &ro);
	if (!err && !jparse(doc, out))
		err = VLS_EPARSE;
	vls_buf_free(db, out);
	vls_db_close(db);
	return err;
}

static void test_against_report(void)
{
	char path[] = "/tmp/vls_test_analysis.XXXXXX";
	static struct got g;
	struct jv doc = { 0 };
	const struct jv *run, *lk;
	vls_ctx *ctx = NULL;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	unlink(path);
	CHECK_INT(vls_ctx_new(&ctx), 0);
	CHECK_INT(report_of_import(ctx, path, &doc), 0);
	CHECK_INT(analyse(ctx, &g), 0);
	run = jidx(jkey(&doc, "runs"), 0);
	CHECK(run != NULL);
	if (run) {
		lk = jkey(run, "mmap_lock");
		check_mode(jkey(lk, "read"), &g.mode[0]);
		check_mode(jkey(lk, "write"), &g.mode[1]);
		check_faults(jkey(run, "faults"), jkey(run, "tasks"), &g);
		check_chains(path, &g);
		/* the report's chains: contended waits only, a list still */
		CHECK(jis(jkey(run, "chains"), J_ARR));
	}
	CHECK_INT(g.bad, 0);
	/* so that the sums above are not both empty */
	CHECK(g.mode[0].acquisitions > 0 && g.mode[1].acquisitions > 0);
	CHECK(g.fallback > 0 && g.nested > 0 && g.io_count > 0);
	jfree(&doc);
	vls_ctx_free(ctx);
	remove_db(path);
}

/* ------------------------------------------------------------------ */
/* The contract                                                        */
/* ------------------------------------------------------------------ */

static int stop_at_first(const vls_mmap_acq *a, void *data)
{
	(void)a;
	return ++*(int *)data;
}

static void test_contract(void)
{
	vls_analysis_opts o = VLS_ANALYSIS_OPTS_INIT;
	vls_analysis *an = NULL;
	vls_reader *r = NULL;
	vls_ctx *ctx = NULL;
	vls_event ev = { 0 };
	int calls = 0;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	o.version = 99;
	CHECK_INT(vls_analysis_new(&an, ctx, &o), VLS_EINVAL);
	CHECK(an == NULL && strstr(vls_ctx_errmsg(ctx), "version"));
	CHECK_INT(vls_analysis_new(&an, ctx, NULL), 0);
	CHECK_INT(vls_analysis_set_meta(an, "kernel", "6.18.0"), 0);
	ev.kind = VLS_EV_OTHER;
	ev.name = "foo:bar";
	ev.tid = 1;
	CHECK_INT(vls_analysis_feed(an, &ev), 0);
	CHECK_INT(vls_analysis_set_meta(an, "arch", "x86_64"), VLS_EINVAL);
	CHECK_INT(vls_analysis_finish(an), 0);
	CHECK_INT(vls_analysis_finish(an), VLS_EINVAL);
	CHECK_INT(vls_analysis_feed(an, &ev), VLS_EINVAL);
	vls_analysis_free(an);
	an = NULL;
	vls_analysis_free(NULL);

	/* a callback that stops: VLS_ESTOPPED, called once */
	o = (vls_analysis_opts)VLS_ANALYSIS_OPTS_INIT;
	o.on_acq = stop_at_first;
	o.data = &calls;
	CHECK_INT(vls_reader_open(&r, ctx, FIXTURE, NULL), 0);
	CHECK_INT(vls_analysis_new(&an, ctx, &o), 0);
	CHECK_INT(vls_analysis_run(an, r), VLS_ESTOPPED);
	CHECK_INT(calls, 1);
	vls_analysis_free(an);
	vls_reader_close(r);
	vls_ctx_free(ctx);
}

/* Every allocation failing in turn (the analysis' own: a few synthetic
 * events, no reader): VLS_ENOMEM and nothing left allocated, until one
 * run succeeds. */
static int feed_some(vls_analysis *an)
{
	static const vls_event_kind kinds[] = {
		VLS_EV_PAGE_FAULT_USER, VLS_EV_MMAP_LOCK_START,
		VLS_EV_MMAP_LOCK_ACQUIRED, VLS_EV_MMAP_LOCK_RELEASED,
	};
	int err = 0;

	for (int tid = 10; !err && tid < 13; tid++)
		for (size_t k = 0; !err && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			vls_event ev = { 0 };

			ev.ts_ns = 1000 * (uint64_t)(tid * 8 + (int)k);
			ev.tid = ev.pid = tid;
			ev.kind = kinds[k];
			ev.name = vls_event_kind_name(kinds[k]);
			ev.u.mmap_lock.mm = 0xff00;
			ev.u.mmap_lock.success = 1;
			err = vls_analysis_feed(an, &ev);
		}
	return err ? err : vls_analysis_finish(an);
}

static int one_attempt(long fail_at, long *live)
{
	struct test_alloc ta = { 0, fail_at, 0 };
	vls_allocator a = TEST_ALLOCATOR(&ta);
	vls_analysis *an = NULL;
	vls_ctx *ctx = NULL;
	int err;

	if (vls_ctx_new(&ctx) || vls_ctx_set_allocator(ctx, &a))
		return VLS_ERROR;
	err = vls_analysis_new(&an, ctx, NULL);
	if (!err)
		err = vls_analysis_set_meta(an, "kernel", "6.18.0");
	if (!err)
		err = feed_some(an);
	vls_analysis_free(an);
	vls_ctx_free(ctx);
	*live = ta.live;
	return err;
}

static void test_alloc_failures(void)
{
	long n, live = 0, leaks = 0;
	int err = VLS_ENOMEM, bad = 0;

	for (n = 1; n < 100000 && err == VLS_ENOMEM; n++) {
		err = one_attempt(n, &live);
		bad += err && err != VLS_ENOMEM;
		leaks += live != 0;
	}
	CHECK_INT(err, 0);
	CHECK_INT(bad, 0);
	CHECK_INT(leaks, 0);
	CHECK(n > 5);
}

int main(void)
{
	test_against_report();
	test_contract();
	test_alloc_failures();
	return TEST_DONE();
}
