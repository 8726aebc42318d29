/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * locks-store.c - the mmap_lock analyzer: runs the core (locks-machine.c) over
 * the import's events and writes schema/30_locks.sql: lock_stats of a thread
 * when it exits and of every other scope at the end, lock_chain +
 * lock_chain_link as chains complete, lock_acq for the acquisitions worth a row
 * (contended or long): far fewer rows than events, so the store does not bound
 * the import's speed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locks.h"
#include "analyzer.h"
#include "store.h"

struct locks_store {
	vls_ctx *ctx;
	struct vls_locks *lk;
	struct vls_store_txn *txn;   /* of the call in progress */
	bool started;                /* the first event was seen */
	int64_t acq_id;
	char line[8192];
};

static const char sql_stats[] =
	"INSERT INTO lock_stats (run_id, scope, key, mode, mm, tid, pid,"
	" comm, acquisitions, contended, trylock_fails, downgrades,"
	" open_holds, asleep_ns, wait_count, wait_sum, wait_max, wait_p50,"
	" wait_p99, hold_count, hold_sum, hold_max, hold_p50, hold_p99,"
	" wait_hist, hold_hist, stack_id, mm_gen) VALUES (:run_id, :scope, :key,"
	" :mode, :mm, :tid, :pid, :comm, :acquisitions, :contended,"
	" :trylock_fails, :downgrades, :open_holds, :asleep_ns, :wait_count,"
	" :wait_sum, :wait_max, :wait_p50, :wait_p99, :hold_count, :hold_sum,"
	" :hold_max, :hold_p50, :hold_p99, :wait_hist, :hold_hist, :stack_id,"
	" :mm_gen)";

static const char sql_chain[] =
	"INSERT INTO lock_chain (run_id, id, mm, start_ns, wait_ns, open,"
	" tid, pid, comm, prio, mode, site, depth, nlinks, dropped_links,"
	" woken, inversion, inverted_ns, root_idx, summary) VALUES (:run_id,"
	" :id, :mm, :start_ns, :wait_ns, :open, :tid, :pid, :comm, :prio,"
	" :mode, :site, :depth, :nlinks, :dropped_links, :woken, :inversion,"
	" :inverted_ns, :root_idx, :summary)";

static const char sql_link[] =
	"INSERT INTO lock_chain_link (run_id, chain_id, idx, parent_idx,"
	" depth, tid, pid, comm, prio, mode, site, held_ns, queued_ns,"
	" asleep_ns, hold_total_ns, state, reason, wchan, woke,"
	" block_start_ns, block_end_ns) VALUES (:run_id, :chain_id, :idx,"
	" :parent_idx, :depth, :tid, :pid, :comm, :prio, :mode, :site,"
	" :held_ns, :queued_ns, :asleep_ns, :hold_total_ns, :state, :reason,"
	" :wchan, :woke, :block_start_ns, :block_end_ns)";

static const char sql_acq[] =
	"INSERT INTO lock_acq (run_id, id, mm, tid, pid, mode, site,"
	" stack_id, start_ns, wait_ns, hold_ns, open, downgraded, contended,"
	" asleep_ns, reason, wchan, chain_id) VALUES (:run_id, :id, :mm,"
	" :tid, :pid, :mode, :site, :stack_id, :start_ns, :wait_ns, :hold_ns,"
	" :open, :downgraded, :contended, :asleep_ns, :reason, :wchan,"
	" :chain_id)";

static const char *mode_name(bool write)
{
	return write ? "write" : "read";
}

/* Decimal digits of v at the end of tmp[21]; returns where they start. */
static char *u64_digits(char tmp[21], uint64_t v)
{
	char *p = tmp + 20;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

/* "3,0,12": counts per log2 bucket, trailing zeros cut. By hand rather than
 * with snprintf(): a busy trace has tens of thousands of these at commit. */
static void hist_text(char *buf, size_t size, const struct vls_dist *d)
{
	uint64_t b[VLS_HIST_LOG2_MAX];
	unsigned int n = __vls_dist_log2(d, b);
	size_t len = 0, k;
	char tmp[21];

	for (unsigned int i = 0; i < n; i++) {
		const char *digits = u64_digits(tmp, b[i]);

		k = (size_t)(tmp + 20 - digits);
		if (len + (i > 0) + k >= size)
			break;        /* cut at a whole number */
		if (i)
			buf[len++] = ',';
		memcpy(buf + len, digits, k);
		len += k;
	}
	buf[len] = '\0';
}

/* The columns of a distribution in lock_stats: count, sum, max, p50, p99. */
static const char *const wait_cols[] = {
	"wait_count", "wait_sum", "wait_max", "wait_p50", "wait_p99" };
static const char *const hold_cols[] = {
	"hold_count", "hold_sum", "hold_max", "hold_p50", "hold_p99" };

static void row_dist(struct vls_row *r, const char *const cols[5],
		     const struct vls_dist *d)
{
	__vls_row_u64(r, cols[0], d->count);
	__vls_row_u64(r, cols[1], d->sum);
	__vls_row_opt(r, cols[2], d->count > 0, (int64_t)d->max);
	__vls_row_opt(r, cols[3], d->count > 0, (int64_t)__vls_dist_pct(d, 50));
	__vls_row_opt(r, cols[4], d->count > 0, (int64_t)__vls_dist_pct(d, 99));
}

static const char *const scope_names[VLS_SCOPE__COUNT] = {
	"run", "process", "thread", "callsite",
};

static void agg_key(char *buf, size_t size, const struct vls_lock_agg *a)
{
	switch (a->scope) {
	case VLS_SCOPE_PROCESS:   /* locks-machine.h: struct vls_lock_proc */
		if (a->pid >= 0)
			snprintf(buf, size, "pid:%d", a->pid);
		else if (!a->mm_gen)
			snprintf(buf, size, "mm:%016" PRIx64, a->mm);
		else              /* a later incarnation of the mm_struct */
			snprintf(buf, size, "mm:%016" PRIx64 ".%" PRIu32, a->mm,
				 a->mm_gen);
		break;
	case VLS_SCOPE_THREAD:
		snprintf(buf, size, "%d", a->tid);
		break;
	case VLS_SCOPE_CALLSITE:
		snprintf(buf, size, "%s", __vls_lock_site_key(a->site));
		break;
	default:
		buf[0] = '\0';
	}
}

static int write_stats(struct locks_store *an, const struct vls_lock_agg *a,
		       int mode, int64_t stack_id)
{
	const struct vls_lock_stats *s = &a->mode[mode];
	char key[64], wh[1024], hh[1024];
	struct vls_row r;

	agg_key(key, sizeof(key), a);
	hist_text(wh, sizeof(wh), &s->wait);
	hist_text(hh, sizeof(hh), &s->hold);
	__vls_row_start(&r, an->txn, sql_stats);
	__vls_row_i64(&r, "run_id", an->txn->run_id);
	__vls_row_text(&r, "scope", scope_names[a->scope]);
	__vls_row_text(&r, "key", key);
	__vls_row_text(&r, "mode", mode_name(mode));
	/* a process known by its mm; a thread's own mm (a process of
	 * threads whose pid the trace never gave is found by it) */
	__vls_row_opt(&r, "mm", (a->scope == VLS_SCOPE_PROCESS && a->pid < 0) ||
		      (a->scope == VLS_SCOPE_THREAD && a->mm), (int64_t)a->mm);
	/* its incarnation: NULL for the first */
	__vls_row_opt(&r, "mm_gen", a->mm_gen > 0 &&
		      ((a->scope == VLS_SCOPE_PROCESS && a->pid < 0) ||
		       (a->scope == VLS_SCOPE_THREAD && a->mm)), a->mm_gen);
	__vls_row_opt(&r, "tid", a->scope == VLS_SCOPE_THREAD, a->tid);
	__vls_row_opt(&r, "pid", a->pid >= 0, a->pid);
	__vls_row_text(&r, "comm", a->comm[0] ? a->comm : NULL);
	__vls_row_u64(&r, "acquisitions", s->acquisitions);
	__vls_row_u64(&r, "contended", s->contended);
	__vls_row_u64(&r, "trylock_fails", s->trylock_fails);
	__vls_row_u64(&r, "downgrades", s->downgrades);
	__vls_row_u64(&r, "open_holds", s->open_holds);
	__vls_row_u64(&r, "asleep_ns", s->asleep_ns);
	row_dist(&r, wait_cols, &s->wait);
	row_dist(&r, hold_cols, &s->hold);
	__vls_row_text(&r, "wait_hist", wh);
	__vls_row_text(&r, "hold_hist", hh);
	__vls_row_opt(&r, "stack_id", stack_id > 0, stack_id);
	return __vls_row_step(&r);
}

static bool mode_used(const struct vls_lock_stats *s)
{
	return s->acquisitions || s->trylock_fails || s->downgrades || s->open_holds;
}

static int on_agg(const struct vls_lock_agg *a, void *data)
{
	struct locks_store *an = data;
	int64_t stack_id = 0;
	int err;

	if (a->scope == VLS_SCOPE_CALLSITE && a->nframes &&
	    (err = __vls_store_stack_id(&stack_id, an->txn, a->frames, a->nframes)) < 0)
		return err;
	for (int m = 0; m < 2; m++) {
		if (a->scope != VLS_SCOPE_RUN && !mode_used(&a->mode[m]))
			continue;
		if ((err = write_stats(an, a, m, stack_id)) < 0)
			return err;
	}
	return 0;
}

/* A thread exited: its rows now, not at the commit (locks-machine.h). */
static int on_thread(void *data, const struct vls_lock_agg *a)
{
	return on_agg(a, data);
}

static const char sql_thread_rows[] =
	"SELECT mode, acquisitions, contended, trylock_fails, downgrades,"
	" open_holds, asleep_ns, wait_sum, wait_max, wait_hist, hold_sum,"
	" hold_max, hold_hist FROM lock_stats"
	" WHERE run_id = :run_id AND scope = 'thread' AND key = :key";
static const char sql_thread_forget[] =
	"DELETE FROM lock_stats"
	" WHERE run_id = :run_id AND scope = 'thread' AND key = :key";

/* "3,0,12" back into counts per log2 bucket; the number of buckets. */
static unsigned int hist_parse(const char *text, uint64_t b[VLS_HIST_LOG2_MAX])
{
	unsigned int n = 0;

	while (text && *text && n < VLS_HIST_LOG2_MAX) {
		char *end;

		b[n++] = strtoull(text, &end, 10);
		text = *end == ',' ? end + 1 : NULL;
	}
	return n;
}

static int load_dist(struct locks_store *an, struct vls_dist *d, sqlite3_stmt *st,
		     int col)
{
	uint64_t b[VLS_HIST_LOG2_MAX];
	unsigned int n = hist_parse((const char *)sqlite3_column_text(st, col + 2), b);

	return __vls_dist_add_log2(an->ctx, d, b, n, (uint64_t)sqlite3_column_int64(st, col),
				   (uint64_t)sqlite3_column_int64(st, col + 1));
}

/*
 * A tid that exited came back (the kernel reused it): what its earlier
 * incarnation wrote joins the aggregate, which is written again when this
 * one exits or at the commit: one row per tid. Counts and sums stay
 * exact; the earlier samples' percentiles come from their log2 histogram.
 */
static int on_reused(void *data, struct vls_lock_agg *a)
{
	struct locks_store *an = data;
	struct vls_row r;
	sqlite3_stmt *st;
	char key[64];
	int rc = SQLITE_DONE, err;

	agg_key(key, sizeof(key), a);
	__vls_row_start_query(&r, an->txn, sql_thread_rows);
	__vls_row_i64(&r, "run_id", an->txn->run_id);
	__vls_row_text(&r, "key", key);
	err = __vls_row_done(&r);
	st = r.st;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		struct vls_lock_stats *s = &a->mode[mode && !strcmp(mode, "write")];

		s->acquisitions += (uint64_t)sqlite3_column_int64(st, 1);
		s->contended += (uint64_t)sqlite3_column_int64(st, 2);
		s->trylock_fails += (uint64_t)sqlite3_column_int64(st, 3);
		s->downgrades += (uint64_t)sqlite3_column_int64(st, 4);
		s->open_holds += (uint64_t)sqlite3_column_int64(st, 5);
		s->asleep_ns += (uint64_t)sqlite3_column_int64(st, 6);
		err = load_dist(an, &s->wait, st, 7);
		if (!err)
			err = load_dist(an, &s->hold, st, 10);
	}
	if (!err && rc != SQLITE_DONE)
		err = __vls_store_error(an->ctx, an->txn->sql, rc, sql_thread_rows);
	if (st)
		sqlite3_reset(st);
	if (err)
		return err;
	__vls_row_start(&r, an->txn, sql_thread_forget);
	__vls_row_i64(&r, "run_id", an->txn->run_id);
	__vls_row_text(&r, "key", key);
	return __vls_row_step(&r);
}

static const char *link_state(const struct vls_chain_link *l)
{
	return l->waiting ? "waiting" : l->asleep_ns ? "asleep" : "running";
}

static int write_link(struct locks_store *an, const struct vls_chain_link *l,
		      int64_t chain, uint32_t idx)
{
	struct vls_row r;

	__vls_row_start(&r, an->txn, sql_link);
	__vls_row_i64(&r, "run_id", an->txn->run_id);
	__vls_row_i64(&r, "chain_id", chain);
	__vls_row_i64(&r, "idx", idx);
	__vls_row_opt(&r, "parent_idx", l->parent >= 0, l->parent);
	__vls_row_i64(&r, "depth", l->depth);
	__vls_row_i64(&r, "tid", l->tid);
	__vls_row_opt(&r, "pid", l->pid >= 0, l->pid);
	__vls_row_text(&r, "comm", l->comm);
	__vls_row_opt(&r, "prio", l->prio >= 0, l->prio);
	__vls_row_text(&r, "mode", mode_name(l->write));
	__vls_row_text(&r, "site", __vls_lock_site_key(l->site));
	__vls_row_u64(&r, "held_ns", l->held_ns);
	__vls_row_u64(&r, "queued_ns", l->queued_ns);
	__vls_row_u64(&r, "asleep_ns", l->asleep_ns);
	__vls_row_u64(&r, "hold_total_ns", l->hold_total_ns);
	__vls_row_text(&r, "state", link_state(l));
	__vls_row_text(&r, "reason", __vls_sleep_reason_key(l->asleep_ns ? l->reason : VLS_SLEEP_NONE));
	__vls_row_text(&r, "wchan", l->wchan);
	__vls_row_i64(&r, "woke", l->woke);
	__vls_row_u64(&r, "block_start_ns", l->lo);
	__vls_row_u64(&r, "block_end_ns", l->hi);
	return __vls_row_step(&r);
}

static int on_chain(void *data, const struct vls_chain *c, int64_t seq)
{
	struct locks_store *an = data;
	struct vls_row r;
	int err;

	__vls_chain_format(an->line, sizeof(an->line), c);
	__vls_row_start(&r, an->txn, sql_chain);
	__vls_row_i64(&r, "run_id", an->txn->run_id);
	__vls_row_i64(&r, "id", seq);
	__vls_row_u64(&r, "mm", c->mm);
	__vls_row_u64(&r, "start_ns", c->start_ns);
	__vls_row_u64(&r, "wait_ns", c->wait_ns);
	__vls_row_i64(&r, "open", c->open);
	__vls_row_i64(&r, "tid", c->tid);
	__vls_row_opt(&r, "pid", c->pid >= 0, c->pid);
	__vls_row_text(&r, "comm", c->comm);
	__vls_row_opt(&r, "prio", c->prio >= 0, c->prio);
	__vls_row_text(&r, "mode", mode_name(c->write));
	__vls_row_text(&r, "site", __vls_lock_site_key(c->site));
	__vls_row_i64(&r, "depth", c->depth);
	__vls_row_i64(&r, "nlinks", c->nlinks);
	__vls_row_i64(&r, "dropped_links", c->dropped_links);
	__vls_row_i64(&r, "woken", c->woken);
	__vls_row_i64(&r, "inversion", c->inversion);
	__vls_row_u64(&r, "inverted_ns", c->inverted_ns);
	__vls_row_opt(&r, "root_idx", c->root >= 0, c->root);
	__vls_row_text(&r, "summary", an->line);
	if ((err = __vls_row_step(&r)))
		return err;
	for (uint32_t i = 0; i < c->nlinks; i++)
		if ((err = write_link(an, &c->links[i], seq, i)) < 0)
			return err;
	return 0;
}

static int on_acq(void *data, const struct vls_lock_acq *a)
{
	struct locks_store *an = data;
	struct vls_row r;
	int64_t stack_id = 0;
	int err;

	if (a->nframes &&
	    (err = __vls_store_stack_id(&stack_id, an->txn, a->frames, a->nframes)) < 0)
		return err;
	__vls_row_start(&r, an->txn, sql_acq);
	__vls_row_i64(&r, "run_id", an->txn->run_id);
	__vls_row_i64(&r, "id", an->acq_id++);
	__vls_row_u64(&r, "mm", a->mm);
	__vls_row_i64(&r, "tid", a->tid);
	__vls_row_opt(&r, "pid", a->pid >= 0, a->pid);
	__vls_row_text(&r, "mode", mode_name(a->write));
	__vls_row_text(&r, "site", __vls_lock_site_key(a->site));
	__vls_row_opt(&r, "stack_id", stack_id > 0, stack_id);
	__vls_row_u64(&r, "start_ns", a->start_ns);
	__vls_row_u64(&r, "wait_ns", a->wait_ns);
	__vls_row_u64(&r, "hold_ns", a->hold_ns);
	__vls_row_i64(&r, "open", a->open);
	__vls_row_i64(&r, "downgraded", a->downgraded);
	__vls_row_i64(&r, "contended", a->contended);
	__vls_row_u64(&r, "asleep_ns", a->asleep_ns);
	__vls_row_text(&r, "reason", __vls_sleep_reason_key(a->reason));
	__vls_row_text(&r, "wchan", a->wchan);
	__vls_row_opt(&r, "chain_id", a->chain >= 0, a->chain);
	return __vls_row_step(&r);
}

static int an_create(void **out, vls_ctx *ctx, const vls_import_opts *opts)
{
	struct locks_store *an = __vls_calloc(ctx, 1, sizeof(*an));
	struct vls_locks_sink sink = { on_chain, on_acq, false, on_thread, on_reused, NULL };
	int err;

	*out = NULL;
	if (!an)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory for the lock analyzer");
	an->ctx = ctx;
	sink.data = an;
	err = __vls_locks_new(&an->lk, ctx, opts ? opts->chain_threshold_ns : 0, &sink);
	if (err) {
		__vls_free(ctx, an);
		return err;
	}
	*out = an;
	return 0;
}

bool __vls_locks_contention_listed(const struct vls_meta *meta)
{
	const char *list = meta ? __vls_meta_get(meta, "events.present") : NULL;
	const char *p = list;
	const size_t n = strlen("lock:contention_begin");

	while (p && (p = strstr(p, "lock:contention_begin"))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static int an_event(void *state, const vls_event *ev, struct vls_store_txn *txn)
{
	struct locks_store *an = state;

	an->txn = txn;
	if (!an->started) {
		an->started = true;
		__vls_locks_set_contention_events(an->lk, __vls_locks_contention_listed(txn->meta));
		__vls_locks_set_groups(an->lk, txn->groups);
	}
	__vls_locks_set_stack_num(an->lk, txn->stack_num);
	return __vls_locks_event(an->lk, ev);
}

static int an_finish(void *state, struct vls_store_txn *txn)
{
	struct locks_store *an = state;
	int err;

	an->txn = txn;
	if ((err = __vls_locks_finish(an->lk)) < 0)
		return err;
	for (int s = 0; s < VLS_SCOPE__COUNT; s++)
		if ((err = __vls_locks_foreach(an->lk, (enum vls_lock_scope)s, on_agg, an)) < 0)
			return err;
	return 0;
}

static void an_destroy(void *state)
{
	struct locks_store *an = state;

	if (!an)
		return;
	__vls_locks_free(an->lk);
	__vls_free(an->ctx, an);
}

const struct vls_analyzer_ops __vls_locks_analyzer = {
	.name = "locks",
	.create = an_create,
	.event = an_event,
	.finish = an_finish,
	.destroy = an_destroy,
};
