/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load.c - the report model from the DB: the run rows and their metadata
 * (store), the tasks, and the tables of the fault and lock analyzers
 * (report-load-faults.c, report-load-locks.c). Works on read-only DBs.
 *
 * A DB written before an analyzer existed lacks its tables: its figures
 * are then null, and the run says so in a note, rather than failing.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report-load.h"

int __vls_rl_query(struct vls_rloader *L, const char *sql, int64_t run_id,
		   vls_rl_row_fn fn, void *data)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	struct vls_row r;

	rc = sqlite3_prepare_v2(L->db->sql, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return __vls_store_error(L->ctx, L->db->sql, rc, "reading the report");
	__vls_row_start_stmt(&r, L->ctx, L->db->sql, st);
	if (run_id != VLS_RL_NO_RUN)
		__vls_row_i64(&r, "run_id", run_id);
	err = __vls_row_done(&r);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = fn(L, st, data);
	if (!err && rc != SQLITE_DONE)
		err = __vls_store_error(L->ctx, L->db->sql, rc, "reading the report");
	sqlite3_finalize(st);
	return err;
}

bool __vls_rl_has_table(struct vls_rloader *L, const char *name)
{
	sqlite3_stmt *st = NULL;
	struct vls_row r;
	bool found = false;

	if (sqlite3_prepare_v2(L->db->sql, "SELECT 1 FROM sqlite_master WHERE "
			       "type IN ('table', 'view') AND name = :name", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	__vls_row_start_stmt(&r, L->ctx, L->db->sql, st);
	__vls_row_text(&r, "name", name);
	found = !__vls_row_done(&r) && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

bool __vls_rl_has_column(struct vls_rloader *L, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	struct vls_row r;
	bool found = false;

	if (sqlite3_prepare_v2(L->db->sql, "SELECT 1 FROM pragma_table_info(:t) "
			       "WHERE name = :c", -1, &st, NULL) != SQLITE_OK)
		return false;
	__vls_row_start_stmt(&r, L->ctx, L->db->sql, st);
	__vls_row_text(&r, "t", table);
	__vls_row_text(&r, "c", column);
	found = !__vls_row_done(&r) && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static bool mm_gen_eq(uint32_t val, const void *key, const void *data)
{
	const struct vls_rmm_gen *k = key;
	const struct vls_rloader *L = data;

	return L->mm_gens[val].mm == k->mm && L->mm_gens[val].gen == k->gen;
}

int __vls_rl_mm_key(struct vls_rloader *L, int64_t mm, int64_t gen, int64_t *out)
{
	const struct vls_rmm_gen k = { mm, gen };
	uint64_t h;
	uint32_t i;
	int err;

	*out = mm;
	if (mm == VLS_RNULL || gen == VLS_RNULL || gen <= 0)
		return 0;
	h = __vls_hash_bytes(VLS_HASH_INIT, &k, sizeof(k));
	if (__vls_u64map_find(&L->mm_gen_map, &h, mm_gen_eq, &k, L, &i)) {
		i = (uint32_t)L->nmm_gens;
		err = __vls_grow(L->ctx, (void **)&L->mm_gens, &L->mm_gens_cap, i + 1,
				 sizeof(*L->mm_gens), VLS_RLIST_MAX);
		if (!err)
			err = __vls_u64map_put(L->ctx, &L->mm_gen_map, h, i);
		if (err)
			return err;
		L->mm_gens[L->nmm_gens++] = k;
	}
	*out = INT64_MIN + 1 + (int64_t)i;
	return 0;
}

int64_t __vls_rl_int(sqlite3_stmt *st, int col)
{
	int64_t v = sqlite3_column_int64(st, col);

	/* NULL reads as 0: only then is the type worth asking (reading an
	 * integer converts nothing in place, so the type is still the
	 * stored one) */
	return v || sqlite3_column_type(st, col) != SQLITE_NULL ? v : VLS_RNULL;
}

int __vls_rl_text(struct vls_rloader *L, char **out, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	*out = NULL;
	if (!s)
		return 0;
	*out = __vls_strdup(L->ctx, s);
	return *out ? 0 : __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
}

int __vls_rl_note(struct vls_rloader *L, struct vls_rrun *run,
		  const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	if (run->nnotes >= VLS_RNOTES_MAX)
		return 0;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	run->notes[run->nnotes] = __vls_strdup(L->ctx, tmp);
	if (!run->notes[run->nnotes])
		return __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	run->nnotes++;
	return 0;
}

void __vls_rl_cap(struct vls_rrun *run, const char *cap)
{
	if (__vls_rrun_has_cap(run, cap) || run->ncaps >= VLS_RCAPS_MAX)
		return;
	run->caps[run->ncaps++] = cap;
}

const char *__vls_rl_meta(const struct vls_rloader *L, const char *key)
{
	return __vls_meta_get(&L->meta, key);
}

/* ------------------------------------------------------------------ */
/* Null and empty figures                                              */
/* ------------------------------------------------------------------ */

void __vls_rfaults_null(struct vls_rfaults *f)
{
	f->total = f->fallback = f->behind_writer = f->refaults = VLS_RNULL;
	f->kernel = VLS_RNULL;
	for (int i = 0; i < VLS_FR__COUNT; i++)
		f->by_reason[i] = VLS_RNULL;
	for (int i = 0; i < VLS_RCHAIN_MAX; i++)
		f->chain[i] = VLS_RNULL;
	f->io_wait.count = f->io_wait.sum = f->io_wait.max = VLS_RNULL;
	f->io_wait.p50 = f->io_wait.p99 = VLS_RNULL;
}

void __vls_rstats_zero(struct vls_rstats *s)
{
	memset(s, 0, sizeof(*s));
	s->known = true;
}

/* Durations a run whose timestamps count (no VLS_CAP_TIME) cannot give:
 * how many there were stands, how long they took is unknown. */
static void dist_untimed(struct vls_rdist *d)
{
	d->sum = d->max = d->p50 = d->p99 = VLS_RNULL;
}

static void stats_untimed(struct vls_rstats *s)
{
	for (int m = 0; m < 2; m++) {
		dist_untimed(&s[m].wait);
		dist_untimed(&s[m].hold);
		s[m].hist = NULL;    /* in the report's arena */
		s[m].nhist = 0;
		s[m].untimed = true;
	}
}

static void run_untimed(struct vls_rrun *run)
{
	run->duration_ns = run->ts_step_ns = run->chain_threshold_ns = VLS_RNULL;
	dist_untimed(&run->f.io_wait);
	stats_untimed(run->lock);
	for (size_t i = 0; i < run->ntasks; i++) {
		dist_untimed(&run->tasks[i].f.io_wait);
		stats_untimed(run->tasks[i].lock);
	}
	for (size_t i = 0; i < run->nprocs; i++) {
		dist_untimed(&run->procs[i].f.io_wait);
		stats_untimed(run->procs[i].lock);
	}
	for (size_t i = 0; i < run->nsites; i++)
		stats_untimed(run->sites[i].lock);
}

static void task_init(struct vls_rtask *t)
{
	memset(t, 0, sizeof(*t));
	t->tid = t->pid = t->prio = t->nthreads = t->mm = t->mm_key = VLS_RNULL;
	t->ru_minflt = t->ru_majflt = VLS_RNULL;
	__vls_rfaults_null(&t->f);
}

/* ------------------------------------------------------------------ */
/* Run, metadata, tasks                                                */
/* ------------------------------------------------------------------ */

static int run_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;
	int err;

	run->id = sqlite3_column_int64(st, 0);
	err = __vls_rl_text(L, &run->label, st, 1);
	if (!err)
		err = __vls_rl_text(L, &run->kernel, st, 2);
	if (!err)
		err = __vls_rl_text(L, &run->arch, st, 3);
	if (!err)
		err = __vls_rl_text(L, &run->source, st, 4);
	if (!err)
		err = __vls_rl_text(L, &run->format, st, 5);
	run->imported_at = __vls_rl_int(st, 6);
	run->events = __vls_rl_int(st, 7);
	run->lost_events = __vls_rl_int(st, 8);
	run->duration_ns = __vls_rl_int(st, 9) == VLS_RNULL || __vls_rl_int(st, 10) ==
			   VLS_RNULL ? VLS_RNULL : __vls_rl_int(st, 10) - __vls_rl_int(st, 9);
	L->found = true;
	return err;
}

static int meta_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	return __vls_meta_set(L->ctx, &L->meta, (const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 1));
}

static int task_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;
	struct vls_rtask *t;
	int err;

	err = __vls_grow(L->ctx, (void **)&run->tasks, &L->task_cap, run->ntasks + 1,
			 sizeof(*run->tasks), VLS_RLIST_MAX);
	if (err)
		return err;
	t = &run->tasks[run->ntasks++];
	task_init(t);
	t->tid = sqlite3_column_int64(st, 0);
	t->pid = __vls_rl_int(st, 1);
	t->prio = __vls_rl_int(st, 3);
	return __vls_rl_text(L, &t->comm, st, 2);
}

static int cmp_tid(const void *a, const void *b)
{
	const struct vls_rtask *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

struct vls_rtask *__vls_rl_task(struct vls_rloader *L, struct vls_rrun *run,
				int64_t tid)
{
	struct vls_rtask key = { .tid = tid };

	(void)L;
	if (!run->ntasks)
		return NULL;
	return bsearch(&key, run->tasks, run->ntasks, sizeof(key), cmp_tid);
}

/* run meta timestamp_resolution_ns: 1 when absent on a run whose import
 * measured the clock (timestamp_pairs), VLS_RNULL when nothing says. */
static int64_t ts_step(const struct vls_rloader *L)
{
	const char *res = __vls_rl_meta(L, "timestamp_resolution_ns");
	char *end;
	long long v;

	if (!res)
		return __vls_rl_meta(L, "timestamp_pairs") ? 1 : VLS_RNULL;
	v = strtoll(res, &end, 10);
	return end != res && !*end && v >= 1 ? v : VLS_RNULL;
}

static int load_core(struct vls_rloader *L, struct vls_rrun *run, int64_t id)
{
	int err;

	err = __vls_rl_query(L, "SELECT id, label, kernel, arch, source, format, "
			     "imported_at, events, lost_events, first_ts, last_ts FROM run "
			     "WHERE id = :run_id",
			     id, run_row, run);
	if (!err && !L->found)
		return __vls_error(L->ctx, VLS_ENOTFOUND, "no run %lld in %s",
				   (long long)id, L->db->path ? L->db->path : "the DB");
	if (!err)
		err = __vls_rl_query(L, "SELECT key, value FROM run_meta WHERE run_id = :run_id",
				     id, meta_row, NULL);
	if (!err)
		run->ts_step_ns = ts_step(L);
	/* the threads only for the lists: the run's figures (runs, the
	 * compare matrix) are stored per run */
	if (!err && (L->sections & VLS_REPORT_TASKS))
		err = __vls_rl_query(L, "SELECT tid, pid, comm, prio FROM task "
				     "WHERE run_id = :run_id ORDER BY tid", id, task_row, run);
	return err;
}

/* ------------------------------------------------------------------ */
/* Lists: keep the tasks that matter, derive processes, order, cut     */
/* ------------------------------------------------------------------ */

static bool task_matters(const struct vls_rtask *t)
{
	return (t->f.total != VLS_RNULL && t->f.total > 0) ||
	       (t->f.fallback != VLS_RNULL && t->f.fallback > 0) ||
	       t->lock[0].acquisitions > 0 || t->lock[1].acquisitions > 0 ||
	       t->lock[0].trylock_fails > 0 || t->lock[1].trylock_fails > 0 ||
	       t->ru_majflt != VLS_RNULL;
}

static void task_free(vls_ctx *ctx, struct vls_rtask *t)
{
	__vls_free(ctx, t->comm);
	__vls_free(ctx, t->role);
	t->comm = t->role = NULL;
}

static void filter_tasks(struct vls_rloader *L, struct vls_rrun *run)
{
	size_t n = 0;

	for (size_t i = 0; i < run->ntasks; i++) {
		if (task_matters(&run->tasks[i]))
			run->tasks[n++] = run->tasks[i];
		else
			task_free(L->ctx, &run->tasks[i]);
	}
	run->ntasks = n;
}

static int64_t nz(int64_t v)
{
	return v == VLS_RNULL ? -1 : v;
}

/* Worst first: fallback faults, then total mmap_lock wait, then faults,
 * then the lower tid; rows equal in all of these keep their order. The
 * keys are taken once per row and sorted with its index: sorting the rows
 * themselves (hundreds of bytes each, the keys recomputed per compare)
 * was a third of a report's instructions on 11 k threads. */
struct worst_key {
	int64_t k[4];
	size_t idx;
};

static int cmp_worst(const void *a, const void *b)
{
	const struct worst_key *x = a, *y = b;

	for (int i = 0; i < 4; i++)
		if (x->k[i] != y->k[i])
			return x->k[i] > y->k[i] ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void worst_key(struct worst_key *key, const struct vls_rtask *t, size_t idx)
{
	key->k[0] = nz(t->f.fallback);
	key->k[1] = nz(t->lock[0].wait.sum) + nz(t->lock[1].wait.sum);
	key->k[2] = nz(t->f.total);
	key->k[3] = -t->tid;
	key->idx = idx;
}

bool __vls_rl_wanted(const struct vls_rloader *L, int64_t tid, int64_t pid,
		     const char *comm, const char *comm2)
{
	if (L->pid && pid != L->pid && !(tid >= 0 && tid == L->pid))
		return false;
	return !L->comm || (comm && !strcmp(comm, L->comm)) ||
	       (comm2 && !strcmp(comm2, L->comm));
}

static bool row_wanted(const struct vls_rloader *L, const struct vls_rtask *t)
{
	return __vls_rl_wanted(L, t->tid, t->pid, t->comm, NULL);
}

static void filter_rows(struct vls_rloader *L, struct vls_rtask *t, size_t *n)
{
	size_t kept = 0;

	if (!L->pid && !L->comm)
		return;
	for (size_t i = 0; i < *n; i++) {
		if (row_wanted(L, &t[i]))
			t[kept++] = t[i];
		else
			task_free(L->ctx, &t[i]);
	}
	*n = kept;
}

/* Rows worst first, the first L->top of them kept (all when 0). */
/* Put rows t[0..n) in the order of keys (sorted), in place: each cycle of
 * the permutation is followed once, with one row aside. */
static void permute(struct vls_rtask *t, struct worst_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vls_rtask aside;
		size_t at = i;

		if (keys[i].idx == i || keys[i].idx == SIZE_MAX)
			continue;
		aside = t[i];
		while (keys[at].idx != i) {
			size_t from = keys[at].idx;

			t[at] = t[from];
			keys[at].idx = SIZE_MAX;
			at = from;
		}
		t[at] = aside;
		keys[at].idx = SIZE_MAX;
	}
}

static int cut_tasks(struct vls_rloader *L, struct vls_rtask **rows, size_t *n,
		     size_t *total)
{
	struct vls_rtask *t = *rows, *out;
	struct worst_key *keys;
	size_t keep;

	filter_rows(L, t, n);
	*total = *n;
	if (*n < 2)
		return 0;
	keep = L->top && *n > L->top ? L->top : *n;
	keys = __vls_malloc(L->ctx, *n * sizeof(*keys));
	if (!keys)
		return __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; i < *n; i++)
		worst_key(&keys[i], &t[i], i);
	qsort(keys, *n, sizeof(*keys), cmp_worst);
	if (keep == *n) {
		/* every row stays (JSON, --all): a copy of them all was
		 * 8 MB of fresh memory on 11 k threads */
		permute(t, keys, *n);
		__vls_free(L->ctx, keys);
		return 0;
	}
	out = __vls_malloc(L->ctx, keep * sizeof(*out));
	if (!out) {
		__vls_free(L->ctx, keys);
		return __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < *n; i++) {
		if (i < keep)
			out[i] = t[keys[i].idx];
		else
			task_free(L->ctx, &t[keys[i].idx]);
	}
	__vls_free(L->ctx, keys);
	__vls_free(L->ctx, t);
	*rows = out;
	*n = keep;
	return 0;
}

/* --pid, --comm that left no row at all (a typo, another run's pid): said
 * through the log, as the report itself is no place for it (JSON). */
static void say_unmatched(struct vls_rloader *L, const struct vls_rrun *run)
{
	char pid[40] = "";

	if ((!L->pid && !L->comm) || !(L->sections & VLS_REPORT_TASKS) ||
	    run->ntasks_total || run->nprocs_total || run->nchains_total)
		return;
	if (L->pid)
		snprintf(pid, sizeof(pid), "pid %" PRId64, L->pid);
	__vls_log(L->ctx, VLS_LOG_WARN, "run %" PRId64 ": no task matched %s%s%s%s: "
		  "no rows to show", run->id, pid, L->pid && L->comm ? ", " : "",
		  L->comm ? "comm " : "", L->comm ? L->comm : "");
}

static int load_run(struct vls_rloader *L, struct vls_rrun *run, int64_t id)
{
	int err;

	__vls_rfaults_null(&run->f);
	run->chain_threshold_ns = VLS_RNULL;
	for (int i = 0; i < VLS_VM__COUNT; i++)
		run->vmstat[i] = VLS_RNULL;
	err = load_core(L, run, id);
	if (!err)
		err = __vls_rl_caps(L, run);
	/* locks first: their rows may reveal mmap_lock events, which the
	 * fault figures need */
	if (!err)
		err = __vls_rl_locks(L, run);
	if (!err)
		err = __vls_rl_faults(L, run);
	if (!err)
		err = __vls_rl_workload(L, run);
	if (err)
		return err;
	filter_tasks(L, run);
	err = __vls_rl_processes(L, run);
	if (!__vls_rrun_has_cap(run, VLS_CAP_TIME))
		run_untimed(run);
	if (!err)
		err = __vls_rl_notes(L, run);
	if (err)
		return err;
	err = cut_tasks(L, &run->tasks, &run->ntasks, &run->ntasks_total);
	if (!err)
		err = cut_tasks(L, &run->procs, &run->nprocs, &run->nprocs_total);
	if (!err)
		say_unmatched(L, run);
	return err;
}

static void plocks_clear(struct vls_rloader *L)
{
	for (size_t i = 0; i < L->nplocks; i++)
		__vls_free(L->ctx, L->plocks[i].comm);
	L->nplocks = 0;
	__vls_u64map_release(L->ctx, &L->plock_pid);
	__vls_u64map_release(L->ctx, &L->plock_mm);
	__vls_u64map_release(L->ctx, &L->mm_gen_map);
	__vls_free(L->ctx, L->mm_gens);
	L->mm_gens = NULL;
	L->nmm_gens = L->mm_gens_cap = 0;
}

static int latest_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	*(int64_t *)data = sqlite3_column_int64(st, 0);
	L->found = true;
	return 0;
}

/*
 * All the runs from one read transaction: one snapshot of the DB (an import
 * committing meanwhile is not half seen) and one WAL read lock, not one per
 * query. Only when the caller has no transaction open.
 */
static int read_begin(struct vls_rloader *L, bool *txn)
{
	int err;

	*txn = false;
	if (!sqlite3_get_autocommit(L->db->sql))
		return 0;
	err = __vls_store_exec(L->ctx, L->db->sql, "BEGIN");
	*txn = !err;
	return err;
}

static void read_end(struct vls_rloader *L, bool txn, int *err)
{
	int e;

	if (!txn)
		return;
	e = __vls_store_exec(L->ctx, L->db->sql, "COMMIT");
	if (e && !*err)
		*err = e;
	if (e)
		__vls_store_exec(L->ctx, L->db->sql, "ROLLBACK");
}

int __vls_report_load(struct vls_report **out, vls_db *db,
		      const int64_t *run_ids, size_t nruns,
		      const struct vls_rload_opts *o)
{
	struct vls_rloader L = { .ctx = db->ctx, .db = db, .sections = o->sections,
				 .top = o->top, .chain_min_ns = o->chain_min_ns ?
				 o->chain_min_ns : VLS_CHAIN_MIN_DEFAULT_NS,
				 .pid = o->pid, .comm = o->comm, .row_hists = o->row_hists };
	struct vls_report *r;
	int64_t latest = 0;
	bool txn = false;
	int err = 0;

	*out = NULL;
	if (!nruns) {
		err = __vls_rl_query(&L, "SELECT max(id) FROM run HAVING count(*) > 0",
				     VLS_RL_NO_RUN, latest_row, &latest);
		if (!err && !L.found)
			return __vls_error(db->ctx, VLS_ENOTFOUND, "%s has no runs: "
					   "import a trace first (vmlockstat import)",
					   db->path ? db->path : "the DB");
		run_ids = &latest;
		nruns = 1;
	}
	if (err)
		return err;
	if (nruns > VLS_RLIST_MAX)
		return __vls_error(db->ctx, VLS_ELIMIT, "more than %u runs", VLS_RLIST_MAX);
	r = __vls_calloc(db->ctx, 1, sizeof(*r));
	if (r)
		r->runs = __vls_calloc(db->ctx, nruns, sizeof(*r->runs));
	if (!r || !r->runs) {
		__vls_free(db->ctx, r);
		return __vls_error(db->ctx, VLS_ENOMEM, "out of memory");
	}
	r->ctx = db->ctx;
	L.hists = &r->hists;
	r->top = o->top;
	r->chain_min_ns = L.chain_min_ns;
	r->pid = o->pid;
	r->comm = o->comm ? __vls_strdup(db->ctx, o->comm) : NULL;
	if (o->comm && !r->comm)
		err = __vls_error(db->ctx, VLS_ENOMEM, "out of memory");
	if (!err)
		err = read_begin(&L, &txn);
	for (size_t i = 0; !err && i < nruns; i++) {
		L.found = false;
		L.task_cap = 0;
		plocks_clear(&L);
		__vls_meta_clear(db->ctx, &L.meta);
		r->nruns = i + 1;
		err = load_run(&L, &r->runs[i], run_ids[i]);
	}
	read_end(&L, txn, &err);
	__vls_meta_clear(db->ctx, &L.meta);
	plocks_clear(&L);
	__vls_free(db->ctx, L.plocks);
	if (err) {
		__vls_report_free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Freeing                                                             */
/* ------------------------------------------------------------------ */

static void chain_free(vls_ctx *ctx, struct vls_rchain *c)
{
	for (size_t i = 0; i < c->nlinks; i++) {
		__vls_free(ctx, c->links[i].comm);
		__vls_free(ctx, c->links[i].site);
		__vls_free(ctx, c->links[i].reason);
	}
	__vls_free(ctx, c->links);
	__vls_free(ctx, c->comm);
	__vls_free(ctx, c->site);
	__vls_free(ctx, c->line);
}

static void run_free(vls_ctx *ctx, struct vls_rrun *run)
{
	char *strs[] = { run->label, run->kernel, run->arch, run->source, run->format,
			 run->fault_source, run->episode_method, run->workload,
			 run->workload_args };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		__vls_free(ctx, strs[i]);
	for (size_t i = 0; i < run->nnotes; i++)
		__vls_free(ctx, run->notes[i]);
	for (size_t i = 0; i < run->ntasks; i++)
		task_free(ctx, &run->tasks[i]);
	for (size_t i = 0; i < run->nprocs; i++)
		task_free(ctx, &run->procs[i]);
	for (size_t i = 0; i < run->nsites; i++) {
		__vls_free(ctx, run->sites[i].name);
		__vls_free(ctx, run->sites[i].frames);
	}
	for (size_t i = 0; i < run->nchains; i++)
		chain_free(ctx, &run->chains[i]);
	__vls_free(ctx, run->tasks);
	__vls_free(ctx, run->procs);
	__vls_free(ctx, run->sites);
	__vls_free(ctx, run->chains);
}

void __vls_report_free(struct vls_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nruns; i++)
		run_free(r->ctx, &r->runs[i]);
	__vls_free(r->ctx, r->comm);
	__vls_free(r->ctx, r->runs);
	__vls_arena_release(r->ctx, &r->hists);
	__vls_free(r->ctx, r);
}
