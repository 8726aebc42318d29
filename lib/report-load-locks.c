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

/* strtoll() of p, without its cost for what the import writes: up to 18
 * plain digits (which cannot overflow). */
static long long parse_count(const char *p, char **end)
{
	unsigned long long v = 0;
	const char *q = p;

	while (*q >= '0' && *q <= '9' && q - p < 18)
		v = v * 10 + (unsigned long long)(*q++ - '0');
	if (q == p || (*q >= '0' && *q <= '9'))
		return strtoll(p, end, 10);
	*end = (char *)q;
	return (long long)v;
}

/* "3,0,12" -> hist[] (log2 ns buckets), in the report's arena; more than
 * VLS_RHIST_MAX are summed into the last. */
static int parse_hist(struct vls_rloader *L, struct vls_rstats *s, const char *text)
{
	int64_t hist[VLS_RHIST_MAX];   /* [0, nhist) set as they come */
	const char *p = text;

	s->nhist = 0;
	hist[VLS_RHIST_MAX - 1] = 0;
	while (p && *p) {
		char *end;
		long long v = parse_count(p, &end);
		unsigned int i = s->nhist < VLS_RHIST_MAX ? s->nhist : VLS_RHIST_MAX - 1;

		if (end == p)
			break;
		if (i == VLS_RHIST_MAX - 1)
			hist[i] += v;
		else
			hist[i] = v;
		if (s->nhist < VLS_RHIST_MAX)
			s->nhist++;
		p = *end == ',' ? end + 1 : NULL;
	}
	s->hist = NULL;
	if (!s->nhist)
		return 0;
	s->hist = __vls_arena_alloc(L->ctx, L->hists, s->nhist * sizeof(*s->hist));
	if (!s->hist)
		return VLS_ENOMEM;
	memcpy(s->hist, hist, s->nhist * sizeof(*s->hist));
	return 0;
}

#define STATS_COLS "mode, acquisitions, contended, trylock_fails, " \
	"wait_count, wait_sum, wait_max, wait_p50, wait_p99, " \
	"hold_count, hold_sum, hold_max, hold_p50, hold_p99, wait_hist"

/* Columns from c0 on, in the order of STATS_COLS, into lock[mode]; the
 * histogram only when hist (else nhist 0). */
static int read_stats(struct vls_rloader *L, struct vls_rstats lock[2],
		      sqlite3_stmt *st, int c0, bool hist)
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
	if (!hist) {
		s->hist = NULL;
		s->nhist = 0;
		return 0;
	}
	return parse_hist(L, s, (const char *)sqlite3_column_text(st, c0 + 14));
}

static int run_stats_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;
	int err = read_stats(L, run->lock, st, 0, true);

	if (run->lock[0].acquisitions > 0 || run->lock[1].acquisitions > 0)
		__vls_rl_cap(run, VLS_CAP_MMAP_LOCK);
	return err;
}

/* A thread's row, and its own mm and the mm's incarnation (NULL in a DB
 * from before they were stored: then lock_acq's mm, load_task_mm()). */
static int thread_stats_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;
	struct vls_rtask *t = __vls_rl_task(L, run, sqlite3_column_int64(st, 0));

	if (!t)
		return 0;
	if (t->mm == VLS_RNULL) {
		t->mm = __vls_rl_int(st, 1);
		t->mm_gen = __vls_rl_int(st, 2) == VLS_RNULL ? 0 : __vls_rl_int(st, 2);
	}
	return read_stats(L, t->lock, st, 3, L->row_hists);
}

/* One row per mm and mode; pid and comm as the analyzer knew them. */
/* A process row (read and write are two): its pid, or the mm locked by
 * tasks whose pid was unknown (pid NULL). */
static int proc_stats_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	int64_t mm = __vls_rl_int(st, 0), pid = __vls_rl_int(st, 1);
	int64_t gen = __vls_rl_int(st, 3) == VLS_RNULL ? 0 : __vls_rl_int(st, 3);
	struct vls_u64map *by = pid != VLS_RNULL ? &L->plock_pid : &L->plock_mm;
	struct vls_rplock *p = NULL;
	int64_t mm_key;
	uint64_t key;
	uint32_t i;
	int err = __vls_rl_mm_key(L, mm, gen, &mm_key);

	if (err)
		return err;
	key = (uint64_t)(pid != VLS_RNULL ? pid : mm_key);
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
		p->mm_gen = gen;
		p->mm_key = mm_key;
		p->pid = pid;
		__vls_rstats_zero(&p->lock[0]);
		__vls_rstats_zero(&p->lock[1]);
		err = __vls_rl_text(L, &p->comm, st, 2);
		if (err)
			return err;
	}
	return read_stats(L, p->lock, st, 4, L->row_hists);
}

/*
 * A thread's mm: the one most of its recorded acquisitions (lock_acq rows)
 * were on (a thread that exec'd has two), on a tie the greater (as
 * SQLite's sorter ordered them before the tie-break was written down).
 * The rows come ordered by tid and mm (lock_acq_tid_mm, schema 3): each
 * run of one mm is counted here, cheaper than a GROUP BY.
 */
struct mm_count {
	struct vls_rrun *run;
	bool any;
	int64_t tid, mm, n;          /* the run of rows being counted */
	int64_t best_mm, best_n;     /* the thread's best run so far */
};

static void mm_run_end(struct mm_count *c)
{
	if (c->n > c->best_n || (c->n == c->best_n && c->mm > c->best_mm)) {
		c->best_n = c->n;
		c->best_mm = c->mm;
	}
}

static void mm_thread_end(struct vls_rloader *L, struct mm_count *c)
{
	struct vls_rtask *t;

	mm_run_end(c);
	t = __vls_rl_task(L, c->run, c->tid);
	if (t && t->mm == VLS_RNULL)
		t->mm = c->best_mm;
	c->best_n = 0;
}

static int task_mm_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct mm_count *c = data;
	int64_t tid = sqlite3_column_int64(st, 0), mm = sqlite3_column_int64(st, 1);

	if (c->any && tid == c->tid && mm == c->mm) {
		c->n++;
		return 0;
	}
	if (c->any && tid == c->tid)
		mm_run_end(c);
	else if (c->any)
		mm_thread_end(L, c);
	c->any = true;
	c->tid = tid;
	c->mm = mm;
	c->n = 1;
	return 0;
}

static int load_task_mm(struct vls_rloader *L, struct vls_rrun *run)
{
	struct mm_count c = { .run = run };
	int err = __vls_rl_query(L, "SELECT tid, mm FROM lock_acq WHERE run_id = :run_id "
				 "ORDER BY tid, mm", run->id, task_mm_row, &c);

	if (!err && c.any)
		mm_thread_end(L, &c);
	return err;
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
	err = read_stats(L, s->lock, st, 2, true);
	if (!err && !s->frames && sqlite3_column_type(st, 1) != SQLITE_NULL)
		return __vls_rl_text(L, &s->frames, st, 1);
	return err;
}

/* The thread and process rows; GEN: lock_stats.mm_gen, or NULL in a DB
 * from before schema 5, which has no such column. */
#define THREAD_ROWS(GEN) "SELECT tid, mm, " GEN ", " STATS_COLS " FROM lock_stats " \
	"WHERE run_id = :run_id AND scope = 'thread'"
#define PROC_ROWS(GEN) "SELECT mm, pid, comm, " GEN ", " STATS_COLS " FROM lock_stats " \
	"WHERE run_id = :run_id AND scope = 'process' AND (key LIKE 'pid:%' OR " \
	"key LIKE 'mm:%')"

static int load_stats(struct vls_rloader *L, struct vls_rrun *run)
{
	struct site_ctx sc = { run, 0 };
	int err;

	err = 0;
	L->has_mm_gen = __vls_rl_has_column(L, "lock_stats", "mm_gen");
	if (L->sections & VLS_REPORT_TASKS)
		err = __vls_rl_query(L, L->has_mm_gen ? THREAD_ROWS("mm_gen") :
				     THREAD_ROWS("NULL"), run->id, thread_stats_row, run);
	/* process rows by pid ("pid:N") or by mm ("mm:HEX"); a DB from
	 * before them has one row per mm address, which a later process can
	 * reuse: the report sums the threads' rows instead */
	if (!err && (L->sections & VLS_REPORT_TASKS))
		err = __vls_rl_query(L, L->has_mm_gen ? PROC_ROWS("mm_gen") :
				     PROC_ROWS("NULL"), run->id, proc_stats_row, NULL);
	if (!err && (L->sections & VLS_REPORT_TASKS) && __vls_rl_has_table(L, "lock_acq"))
		err = load_task_mm(L, run);
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

static int fill_chain(struct vls_rloader *L, sqlite3_stmt *st, struct vls_rchain *c);

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
	return fill_chain(L, st, c);
}

/* A chain's row (the columns of load_shown()) into c, zeroed first. */
static int fill_chain(struct vls_rloader *L, sqlite3_stmt *st, struct vls_rchain *c)
{
	int err;

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

/*
 * A chain is for a contended wait (lock_acq.contended: the rwsem slow
 * path with lock:contention_begin, else inferred; docs/locks.md) at least
 * chain_min long. An uncontended long wait is a stacktrace trigger's cost,
 * not contention. A wait still open when the trace ended has no lock_acq
 * row: it outlived the trace, so it counts as contended.
 *
 * The chains are scanned longest first (lock_chain_wait), their ids only,
 * and told contended here against the sorted ids of the contended
 * acquisitions' chains (lock_acq_chain): both counts and the chains shown
 * from one pass, no subquery per chain. Then the rows of those shown.
 */
struct id_list {
	int64_t *v;
	size_t n, cap;
};

static int id_push(struct vls_rloader *L, struct id_list *l, int64_t id)
{
	int err = __vls_grow(L->ctx, (void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v),
			     VLS_RIDS_MAX);

	if (!err)
		l->v[l->n++] = id;
	return err;
}

static int contended_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	return id_push(L, data, sqlite3_column_int64(st, 0));
}

static bool id_in(const struct id_list *l, int64_t id)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid] == id)
			return true;
		if (l->v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct chain_scan {
	struct vls_rrun *run;
	struct id_list contended;    /* chain ids of contended waits, sorted */
	struct id_list shown;        /* the chains to load, longest first */
	size_t limit;
	size_t scanned;              /* chains at least chain_min long */
};

/* id, open of a chain at least chain_min long, longest first; with --pid,
 * --comm also its waiter's tid, pid and comm (the chain's, the thread's) */
static int scan_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct chain_scan *sc = data;
	int64_t id = sqlite3_column_int64(st, 0);

	sc->scanned++;
	if ((L->pid || L->comm) &&
	    !__vls_rl_wanted(L, sqlite3_column_int64(st, 2), __vls_rl_int(st, 3),
			     (const char *)sqlite3_column_text(st, 4),
			     (const char *)sqlite3_column_text(st, 5)))
		return 0;
	/* open as SQL's OR would take it: any non-zero number */
	if (sqlite3_column_double(st, 1) == 0.0 && !id_in(&sc->contended, id)) {
		sc->run->nchains_uncontended++;
		return 0;
	}
	sc->run->nchains_total++;
	return sc->shown.n < sc->limit ? id_push(L, &sc->shown, id) : 0;
}

/* The import's chain threshold (run_meta), or VLS_RNULL. */
static int64_t import_threshold(struct vls_rloader *L)
{
	const char *v = __vls_rl_meta(L, "chain_threshold_ns");
	char *end = NULL;
	long long n = v && *v ? strtoll(v, &end, 10) : -1;

	return end && !*end && n > 0 ? n : VLS_RNULL;
}

/* The rows of the chains shown, in their order, through one statement. */
static int load_shown(struct vls_rloader *L, struct vls_rrun *run,
		      const struct id_list *shown, struct chain_ctx *cc)
{
	sqlite3_stmt *st = NULL;
	struct vls_row r;
	int rc, err = 0;

	if (!shown->n)
		return 0;
	rc = sqlite3_prepare_v2(L->db->sql, "SELECT id, tid, comm, prio, mode, wait_ns, "
				"site, depth, inversion, inverted_ns, summary FROM "
				"lock_chain WHERE run_id = :run_id AND id = :id", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return __vls_store_error(L->ctx, L->db->sql, rc, "reading chains");
	for (size_t i = 0; !err && i < shown->n; i++) {
		sqlite3_reset(st);
		__vls_row_start_stmt(&r, L->ctx, L->db->sql, st);
		__vls_row_i64(&r, "run_id", run->id);
		__vls_row_i64(&r, "id", shown->v[i]);
		err = __vls_row_done(&r);
		while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
			err = chain_row(L, st, cc);
		if (!err && rc != SQLITE_DONE)
			err = __vls_store_error(L->ctx, L->db->sql, rc, "reading chains");
	}
	sqlite3_finalize(st);
	return err;
}

/*
 * Many chains shown (JSON and --all list every one): the run's chain rows
 * and links in one scan each, every row put in place by its chain's id,
 * rather than two lookups per chain.
 */
struct bulk {
	struct vls_rrun *run;
	struct vls_u64map at;        /* chain id -> index in run->chains */
};

static struct vls_rchain *bulk_chain(struct bulk *b, sqlite3_stmt *st, int col)
{
	uint32_t i;

	return __vls_u64map_get(&b->at, (uint64_t)sqlite3_column_int64(st, col), &i) ?
	       NULL : &b->run->chains[i];
}

static int bulk_chain_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rchain *c = bulk_chain(data, st, 0);

	return c ? fill_chain(L, st, c) : 0;
}

static int bulk_link_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rchain *c = bulk_chain(data, st, 10);

	return c ? link_row(L, st, c) : 0;
}

static int load_bulk(struct vls_rloader *L, struct vls_rrun *run,
		     const struct id_list *shown, struct chain_ctx *cc)
{
	struct bulk b = { .run = run };
	int err = __vls_grow(L->ctx, (void **)&run->chains, &cc->cap, shown->n,
			     sizeof(*run->chains), VLS_RLIST_MAX);

	for (size_t i = 0; !err && i < shown->n; i++)
		err = __vls_u64map_put(L->ctx, &b.at, (uint64_t)shown->v[i], (uint32_t)i);
	if (!err) {
		memset(run->chains, 0, shown->n * sizeof(*run->chains));
		run->nchains = shown->n;
		err = __vls_rl_query(L, "SELECT id, tid, comm, prio, mode, wait_ns, site, "
				     "depth, inversion, inverted_ns, summary FROM lock_chain "
				     "WHERE run_id = :run_id", run->id, bulk_chain_row, &b);
	}
	if (!err)
		err = __vls_rl_query(L, "SELECT tid, comm, prio, mode, held_ns, asleep_ns, "
				     "reason, site, depth, parent_idx, chain_id FROM "
				     "lock_chain_link WHERE run_id = :run_id ORDER BY "
				     "chain_id, idx", run->id, bulk_link_row, &b);
	__vls_u64map_release(L->ctx, &b.at);
	return err;
}

/* The worst chains first (longest wait), at most top (0: all). */
static int load_chains(struct vls_rloader *L, struct vls_rrun *run)
{
	struct chain_ctx cc = { run, 0, NULL, 0 };
	struct chain_scan sc = { .run = run, .limit = L->top ? L->top : VLS_RLIST_MAX };
	char sql[384];
	bool bulk;
	int err;

	run->chain_threshold_ns = import_threshold(L);
	err = __vls_rl_query(L, "SELECT chain_id FROM lock_acq WHERE run_id = :run_id "
			     "AND contended AND chain_id IS NOT NULL ORDER BY chain_id",
			     run->id, contended_row, &sc.contended);
	if (L->pid || L->comm)
		snprintf(sql, sizeof(sql), "SELECT c.id, c.open, c.tid, t.pid, c.comm, "
			 "t.comm FROM lock_chain c LEFT JOIN task t ON t.run_id = "
			 "c.run_id AND t.tid = c.tid WHERE c.run_id = :run_id AND "
			 "c.wait_ns >= %llu ORDER BY c.wait_ns DESC, c.id",
			 (unsigned long long)L->chain_min_ns);
	else
		snprintf(sql, sizeof(sql), "SELECT id, open FROM lock_chain WHERE run_id = "
			 ":run_id AND wait_ns >= %llu ORDER BY wait_ns DESC, id",
			 (unsigned long long)L->chain_min_ns);
	if (!err)
		err = __vls_rl_query(L, sql, run->id, scan_row, &sc);
	/* one lookup per chain up to an eighth of the run's chains long
	 * enough, past that the whole tables */
	bulk = sc.shown.n * 8 > sc.scanned;
	if (!err && bulk)
		err = load_bulk(L, run, &sc.shown, &cc);
	else if (!err)
		err = load_shown(L, run, &sc.shown, &cc);
	if (!err && !bulk)
		err = load_all_links(L, run, cc.ids);
	__vls_free(L->ctx, sc.contended.v);
	__vls_free(L->ctx, sc.shown.v);
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
	/* a chain is a wait of a length in time */
	if (!err && (L->sections & VLS_REPORT_CHAINS) &&
	    __vls_rrun_has_cap(run, VLS_CAP_TIME) &&
	    __vls_rl_has_table(L, "lock_chain"))
		err = load_chains(L, run);
	return err;
}
