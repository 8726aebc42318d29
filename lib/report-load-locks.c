/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load-locks.c - mmap_lock STATS per run, thread, process and call site,
 * and the worst wait-for chains, from the lock analyzer's tables
 * (schema/30_locks.sql: lock_stats, lock_chain, lock_chain_link).
 *
 * STATS are known (zero when nothing was taken) when the run has mmap_lock
 * events, else null.
 */
#include <stdlib.h>
#include <string.h>

#include "locks.h"
#include "report-load.h"

static int mode_of(sqlite3_stmt *st, int col)
{
	const char *m = (const char *)sqlite3_column_text(st, col);

	return m && !strcmp(m, "write");
}

/* "3,0,12" -> hist[] (log2 ns buckets); more than VLS_RHIST_MAX are summed
 * into the last. */
static void parse_hist(struct vls_rstats *s, const char *text)
{
	const char *p = text;

	s->nhist = 0;
	while (p && *p) {
		char *end;
		long long v = strtoll(p, &end, 10);
		unsigned int i = s->nhist < VLS_RHIST_MAX ? s->nhist : VLS_RHIST_MAX - 1;

		if (end == p)
			break;
		s->hist[i] += v;
		if (s->nhist < VLS_RHIST_MAX)
			s->nhist++;
		p = *end == ',' ? end + 1 : NULL;
	}
}

#define STATS_COLS "mode, acquisitions, contended, trylock_fails, " \
	"wait_count, wait_sum, wait_max, wait_p50, wait_p99, " \
	"hold_count, hold_sum, hold_max, hold_p50, hold_p99, wait_hist"

/* Columns from c0 on, in the order of STATS_COLS, into lock[mode]. */
static void read_stats(struct vls_rstats lock[2], sqlite3_stmt *st, int c0)
{
	struct vls_rstats *s = &lock[mode_of(st, c0)];

	__vls_rstats_zero(s);
	s->acquisitions = __vls_rl_int(st, c0 + 1);
	s->contended = __vls_rl_int(st, c0 + 2);
	s->trylock_fails = __vls_rl_int(st, c0 + 3);
	s->wait.count = __vls_rl_int(st, c0 + 4);
	s->wait.sum = __vls_rl_int(st, c0 + 5);
	s->wait.max = __vls_rl_int(st, c0 + 6);
	s->wait.p50 = __vls_rl_int(st, c0 + 7);
	s->wait.p99 = __vls_rl_int(st, c0 + 8);
	s->hold.count = __vls_rl_int(st, c0 + 9);
	s->hold.sum = __vls_rl_int(st, c0 + 10);
	s->hold.max = __vls_rl_int(st, c0 + 11);
	s->hold.p50 = __vls_rl_int(st, c0 + 12);
	s->hold.p99 = __vls_rl_int(st, c0 + 13);
	parse_hist(s, (const char *)sqlite3_column_text(st, c0 + 14));
}

static int run_stats_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;

	read_stats(run->lock, st, 0);
	if (run->lock[0].acquisitions > 0 || run->lock[1].acquisitions > 0)
		__vls_rl_cap(run, VLS_CAP_MMAP_LOCK);
	return 0;
}

static int thread_stats_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;
	struct vls_rtask *t = __vls_rl_task(L, run, sqlite3_column_int64(st, 0));

	if (t)
		read_stats(t->lock, st, 1);
	return 0;
}

/* One row per mm and mode; pid and comm as the analyzer knew them. */
/* A process row (read and write are two): its pid, or the mm locked by
 * tasks whose pid was unknown (pid NULL). */
static int proc_stats_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	int64_t mm = __vls_rl_int(st, 0), pid = __vls_rl_int(st, 1);
	struct vls_u64map *by = pid != VLS_RNULL ? &L->plock_pid : &L->plock_mm;
	uint64_t key = (uint64_t)(pid != VLS_RNULL ? pid : mm);
	struct vls_rtask *p = NULL;
	uint32_t i;
	int err;

	if (!__vls_u64map_get(by, key, &i))
		p = &L->plocks[i];
	if (!p) {
		err = __vls_grow(L->ctx, (void **)&L->plocks, &L->plocks_cap,
				 L->nplocks + 1, sizeof(*L->plocks), VLS_RLIST_MAX);
		if (!err)
			err = __vls_u64map_put(L->ctx, by, key, (uint32_t)L->nplocks);
		if (err)
			return err;
		p = &L->plocks[L->nplocks++];
		memset(p, 0, sizeof(*p));
		p->mm = mm;
		p->pid = pid;
		__vls_rstats_zero(&p->lock[0]);
		__vls_rstats_zero(&p->lock[1]);
		err = __vls_rl_text(L, &p->comm, st, 2);
		if (err)
			return err;
	}
	read_stats(p->lock, st, 3);
	return 0;
}

/* A thread's mm: the one most of its recorded acquisitions were on (a
 * thread that exec'd has two), on a tie the greater (as SQLite's sorter
 * happened to order them before the tie-break was written down). Sorted
 * by tid, most frequent first. */
static int task_mm_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rtask *t = __vls_rl_task(L, data, sqlite3_column_int64(st, 0));

	if (t && t->mm == VLS_RNULL)
		t->mm = sqlite3_column_int64(st, 1);
	return 0;
}

static char *site_name(struct vls_rloader *L, const char *key)
{
	enum vls_lock_site site;

	/* the lock analyzer's "unknown": no stack was recorded (a stacktrace
	 * trigger filtered on write == 0 leaves every write without one) */
	if (key && !strcmp(key, "unknown"))
		return __vls_strdup(L->ctx, "no stack");
	if (key && !__vls_lock_site_from_key(&site, key))
		return __vls_strdup(L->ctx, __vls_lock_site_name(site));
	return __vls_strdup(L->ctx, key ? key : "?");
}

static struct vls_rsite *find_site(struct vls_rloader *L, struct vls_rrun *run,
				   const char *key, size_t *cap, int *err)
{
	char *name = site_name(L, key);
	struct vls_rsite *s;

	*err = name ? 0 : __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; !*err && i < run->nsites; i++) {
		if (!strcmp(run->sites[i].name, name)) {
			__vls_free(L->ctx, name);
			return &run->sites[i];
		}
	}
	if (!*err)
		*err = __vls_grow(L->ctx, (void **)&run->sites, cap, run->nsites + 1,
				  sizeof(*run->sites), VLS_RLIST_MAX);
	if (*err) {
		__vls_free(L->ctx, name);
		return NULL;
	}
	s = &run->sites[run->nsites++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	__vls_rstats_zero(&s->lock[0]);
	__vls_rstats_zero(&s->lock[1]);
	return s;
}

struct site_ctx {
	struct vls_rrun *run;
	size_t cap;
};

static int site_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct site_ctx *sc = data;
	int err;
	struct vls_rsite *s = find_site(L, sc->run, (const char *)sqlite3_column_text(st, 0),
					&sc->cap, &err);

	if (!s)
		return err;
	read_stats(s->lock, st, 2);
	if (!s->frames && sqlite3_column_type(st, 1) != SQLITE_NULL)
		return __vls_rl_text(L, &s->frames, st, 1);
	return 0;
}

static int load_stats(struct vls_rloader *L, struct vls_rrun *run)
{
	struct site_ctx sc = { run, 0 };
	int err;

	err = 0;
	if (L->sections & VLS_REPORT_TASKS)
		err = __vls_rl_query(L, "SELECT tid, " STATS_COLS " FROM lock_stats "
				     "WHERE run_id = :run_id AND scope = 'thread'", run->id,
				     thread_stats_row, run);
	/* process rows by pid ("pid:N") or by mm ("mm:HEX"); a DB from
	 * before them has one row per mm address, which a later process can
	 * reuse: the report sums the threads' rows instead */
	if (!err && (L->sections & VLS_REPORT_TASKS))
		err = __vls_rl_query(L, "SELECT mm, pid, comm, " STATS_COLS
				     " FROM lock_stats WHERE run_id = :run_id AND "
				     "scope = 'process' AND (key LIKE 'pid:%' OR "
				     "key LIKE 'mm:%')", run->id, proc_stats_row, NULL);
	if (!err && (L->sections & VLS_REPORT_TASKS) && __vls_rl_has_table(L, "lock_acq"))
		err = __vls_rl_query(L, "SELECT tid, mm, count(*) AS n FROM lock_acq "
				     "WHERE run_id = :run_id GROUP BY tid, mm "
				     "ORDER BY tid, n DESC, mm DESC", run->id, task_mm_row, run);
	if (!err && (L->sections & VLS_REPORT_CALLSITES))
		err = __vls_rl_query(L, "SELECT l.key, s.frames, " STATS_COLS
				     " FROM lock_stats l LEFT JOIN stack s ON "
				     "s.run_id = l.run_id AND s.id = l.stack_id "
				     "WHERE l.run_id = :run_id AND l.scope = 'callsite' "
				     "ORDER BY l.wait_sum DESC, l.acquisitions DESC",
				     run->id, site_row, &sc);
	return err;
}

/* ------------------------------------------------------------------ */
/* Chains                                                              */
/* ------------------------------------------------------------------ */

static char *reason_name(struct vls_rloader *L, const char *key, int *err)
{
	enum vls_sleep_reason r;
	char *s;

	*err = 0;
	if (!key || !strcmp(key, "none"))
		return NULL;
	s = __vls_strdup(L->ctx, __vls_sleep_reason_from_key(&r, key) ? key :
			 __vls_sleep_reason_name(r));
	if (!s)
		*err = __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	return s;
}

struct chain_ctx {
	struct vls_rrun *run;
	size_t cap;
	int64_t *ids;        /* lock_chain.id of run->chains[i] */
	size_t ids_cap;
};

static int chain_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct chain_ctx *cc = data;
	struct vls_rchain *c;
	int err;

	err = __vls_grow(L->ctx, (void **)&cc->run->chains, &cc->cap,
			 cc->run->nchains + 1, sizeof(*c), VLS_RLIST_MAX);
	if (!err)
		err = __vls_grow(L->ctx, (void **)&cc->ids, &cc->ids_cap,
				 cc->run->nchains + 1, sizeof(int64_t), VLS_RLIST_MAX);
	if (err)
		return err;
	cc->ids[cc->run->nchains] = sqlite3_column_int64(st, 0);
	c = &cc->run->chains[cc->run->nchains++];
	memset(c, 0, sizeof(*c));
	c->tid = sqlite3_column_int64(st, 1);
	c->prio = __vls_rl_int(st, 3);
	c->write = mode_of(st, 4);
	c->wait_ns = __vls_rl_int(st, 5);
	c->depth = __vls_rl_int(st, 7);
	c->inversion = sqlite3_column_int(st, 8) != 0;
	c->inverted_ns = __vls_rl_int(st, 9);
	c->site = site_name(L, (const char *)sqlite3_column_text(st, 6));
	if (!c->site)
		return __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	err = __vls_rl_text(L, &c->comm, st, 2);
	return err ? err : __vls_rl_text(L, &c->line, st, 10);
}

static int link_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rchain *c = data;
	struct vls_rlink *l;
	size_t cap = c->nlinks;
	int err;

	if (c->nlinks >= VLS_RLINKS_MAX)
		return 0;
	if (!c->links)
		cap = 0;
	err = __vls_grow(L->ctx, (void **)&c->links, &cap, c->nlinks + 1,
			 sizeof(*l), VLS_RLINKS_MAX);
	if (err)
		return err;
	l = &c->links[c->nlinks++];
	memset(l, 0, sizeof(*l));
	l->tid = sqlite3_column_int64(st, 0);
	l->prio = __vls_rl_int(st, 2);
	l->write = mode_of(st, 3);
	l->held_ns = __vls_rl_int(st, 4);
	l->asleep_ns = __vls_rl_int(st, 5);
	l->depth = __vls_rl_int(st, 8);
	l->parent = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 9);
	l->site = site_name(L, (const char *)sqlite3_column_text(st, 7));
	if (!l->site)
		return __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	l->reason = reason_name(L, (const char *)sqlite3_column_text(st, 6), &err);
	return err ? err : __vls_rl_text(L, &l->comm, st, 1);
}

/* The links of one chain, by st (prepared once for all the chains). */
static int load_links(struct vls_rloader *L, sqlite3_stmt *st, int64_t run_id,
		      struct vls_rchain *c, int64_t chain_id)
{
	struct vls_row r;
	int rc, err;

	sqlite3_reset(st);
	__vls_row_start_stmt(&r, L->ctx, L->db->sql, st);
	__vls_row_i64(&r, "run_id", run_id);
	__vls_row_i64(&r, "chain_id", chain_id);
	err = __vls_row_done(&r);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = link_row(L, st, c);
	if (!err && rc != SQLITE_DONE)
		err = __vls_store_error(L->ctx, L->db->sql, rc, "reading chains");
	return err;
}

static int load_all_links(struct vls_rloader *L, struct vls_rrun *run,
			  const int64_t *ids)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	if (!run->nchains)
		return 0;
	rc = sqlite3_prepare_v2(L->db->sql, "SELECT tid, comm, prio, mode, held_ns, "
				"asleep_ns, reason, site, depth, parent_idx "
				"FROM lock_chain_link WHERE run_id = :run_id AND "
				"chain_id = :chain_id ORDER BY idx", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return __vls_store_error(L->ctx, L->db->sql, rc, "reading chains");
	for (size_t i = 0; !err && i < run->nchains; i++)
		err = load_links(L, st, run->id, &run->chains[i], ids[i]);
	sqlite3_finalize(st);
	return err;
}

/* The chains that qualify, and those of them not contended. */
static int count_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;

	run->nchains_total = (size_t)sqlite3_column_int64(st, 0);
	run->nchains_uncontended = (size_t)sqlite3_column_int64(st, 1);
	return 0;
}

/*
 * A chain is for a contended wait (lock_acq.contended: the rwsem slow
 * path with lock:contention_begin, else inferred; docs/locks.md) at least
 * chain_min long. An uncontended long wait is a stacktrace trigger's cost,
 * not contention. A wait still open when the trace ended has no lock_acq
 * row: it outlived the trace, so it counts as contended.
 */
#define CHAIN_CONTENDED "(open OR id IN (SELECT chain_id FROM lock_acq WHERE " \
	"run_id = :run_id AND contended AND chain_id IS NOT NULL))"
#define CHAIN_WHERE "FROM lock_chain WHERE run_id = :run_id AND wait_ns >= %llu"

/* The import's chain threshold (run_meta), or VLS_RNULL. */
static int64_t import_threshold(struct vls_rloader *L)
{
	const char *v = __vls_rl_meta(L, "chain_threshold_ns");
	char *end = NULL;
	long long n = v && *v ? strtoll(v, &end, 10) : -1;

	return end && !*end && n > 0 ? n : VLS_RNULL;
}

/* The worst chains first (longest wait), at most top (0: all). */
static int load_chains(struct vls_rloader *L, struct vls_rrun *run)
{
	struct chain_ctx cc = { run, 0, NULL, 0 };
	unsigned long long min = (unsigned long long)L->chain_min_ns;
	char sql[768], count[512];
	int err;

	run->chain_threshold_ns = import_threshold(L);
	snprintf(sql, sizeof(sql), "SELECT id, tid, comm, prio, mode, wait_ns, site, "
		 "depth, inversion, inverted_ns, summary " CHAIN_WHERE " AND "
		 CHAIN_CONTENDED " ORDER BY wait_ns DESC, id LIMIT %u", min,
		 L->top ? L->top : VLS_RLIST_MAX);
	snprintf(count, sizeof(count), "SELECT ifnull(sum(c), 0), "
		 "count(*) - ifnull(sum(c), 0) FROM (SELECT " CHAIN_CONTENDED
		 " AS c " CHAIN_WHERE ")", min);
	err = __vls_rl_query(L, count, run->id, count_row, run);
	if (!err)
		err = __vls_rl_query(L, sql, run->id, chain_row, &cc);
	if (!err)
		err = load_all_links(L, run, cc.ids);
	__vls_free(L->ctx, cc.ids);
	return err;
}

static void zero_unknown(struct vls_rstats lock[2])
{
	for (int m = 0; m < 2; m++)
		if (!lock[m].known)
			__vls_rstats_zero(&lock[m]);
}

int __vls_rl_locks(struct vls_rloader *L, struct vls_rrun *run)
{
	int err;

	if (!__vls_rl_has_table(L, "lock_stats"))
		return __vls_rrun_has_cap(run, VLS_CAP_MMAP_LOCK) ?
			__vls_rl_note(L, run, "this DB has no lock analysis "
				      "(table lock_stats): re-import the trace") : 0;
	/* the run row first: it may reveal mmap_lock events the metadata
	 * did not list (an embedder's import) */
	err = __vls_rl_query(L, "SELECT " STATS_COLS " FROM lock_stats "
			     "WHERE run_id = :run_id AND scope = 'run'", run->id,
			     run_stats_row, run);
	if (err || !__vls_rrun_has_cap(run, VLS_CAP_MMAP_LOCK))
		return err;
	zero_unknown(run->lock);
	for (size_t i = 0; i < run->ntasks; i++)
		zero_unknown(run->tasks[i].lock);
	err = load_stats(L, run);
	if (!err && (L->sections & VLS_REPORT_CHAINS) &&
	    __vls_rl_has_table(L, "lock_chain"))
		err = load_chains(L, run);
	return err;
}
