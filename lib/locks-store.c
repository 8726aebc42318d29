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

struct an_locks {
	vls_ctx *ctx;
	struct vls_locks *lk;
	struct vls_store_txn *txn;   /* of the call in progress */
	int64_t acq_id;
	char line[8192];
};

static const char sql_stats[] =
	"INSERT INTO lock_stats (run_id, scope, key, mode, mm, tid, pid, comm,"
	" acquisitions, contended, trylock_fails, downgrades, open_holds, asleep_ns,"
	" wait_count, wait_sum, wait_max, wait_p50, wait_p99,"
	" hold_count, hold_sum, hold_max, hold_p50, hold_p99,"
	" wait_hist, hold_hist, stack_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
	"?,?,?,?,?,?,?,?,?,?,?,?,?)";

static const char sql_chain[] =
	"INSERT INTO lock_chain (run_id, id, mm, start_ns, wait_ns, open, tid, pid,"
	" comm, prio, mode, site, depth, nlinks, dropped_links, woken, inversion,"
	" inverted_ns, root_idx, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
	"?,?,?,?)";

static const char sql_link[] =
	"INSERT INTO lock_chain_link (run_id, chain_id, idx, parent_idx, depth, tid,"
	" pid, comm, prio, mode, site, held_ns, queued_ns, asleep_ns, hold_total_ns,"
	" state, reason, wchan, woke, block_start_ns, block_end_ns) VALUES"
	" (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static const char sql_acq[] =
	"INSERT INTO lock_acq (run_id, id, mm, tid, pid, mode, site, stack_id,"
	" start_ns, wait_ns, hold_ns, open, downgraded, contended, asleep_ns, reason,"
	" wchan, chain_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* Bind helpers: columns are numbered from 1 in the order of the SQL. */
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

static void bind_dist(sqlite3_stmt *st, int *col, const struct vls_dist *d)
{
	__vls_bind_u64(st, col, d->count);
	__vls_bind_u64(st, col, d->sum);
	__vls_bind_opt(st, col, d->count > 0, (int64_t)d->max);
	__vls_bind_opt(st, col, d->count > 0, (int64_t)__vls_dist_pct(d, 50));
	__vls_bind_opt(st, col, d->count > 0, (int64_t)__vls_dist_pct(d, 99));
}

static const char *const scope_names[VLS_SCOPE__COUNT] = {
	"run", "process", "thread", "callsite",
};

static void agg_key(char *buf, size_t size, const struct vls_lock_agg *a)
{
	switch (a->scope) {
	case VLS_SCOPE_PROCESS:
		snprintf(buf, size, "%016" PRIx64, a->mm);
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

static int write_stats(struct an_locks *an, const struct vls_lock_agg *a,
		       int mode, int64_t stack_id)
{
	const struct vls_lock_stats *s = &a->mode[mode];
	sqlite3_stmt *st = __vls_store_stmt(an->txn, sql_stats);
	char key[64], wh[1024], hh[1024];
	int col = 1;

	if (!st)
		return VLS_EDB;
	agg_key(key, sizeof(key), a);
	hist_text(wh, sizeof(wh), &s->wait);
	hist_text(hh, sizeof(hh), &s->hold);
	__vls_bind_i64(st, &col, an->txn->run_id);
	__vls_bind_text(st, &col, scope_names[a->scope]);
	__vls_bind_text(st, &col, key);
	__vls_bind_text(st, &col, mode_name(mode));
	__vls_bind_opt(st, &col, a->scope == VLS_SCOPE_PROCESS, (int64_t)a->mm);
	__vls_bind_opt(st, &col, a->scope == VLS_SCOPE_THREAD, a->tid);
	__vls_bind_opt(st, &col, a->pid >= 0, a->pid);
	__vls_bind_text(st, &col, a->comm[0] ? a->comm : NULL);
	__vls_bind_u64(st, &col, s->acquisitions);
	__vls_bind_u64(st, &col, s->contended);
	__vls_bind_u64(st, &col, s->trylock_fails);
	__vls_bind_u64(st, &col, s->downgrades);
	__vls_bind_u64(st, &col, s->open_holds);
	__vls_bind_u64(st, &col, s->asleep_ns);
	bind_dist(st, &col, &s->wait);
	bind_dist(st, &col, &s->hold);
	__vls_bind_text(st, &col, wh);
	__vls_bind_text(st, &col, hh);
	__vls_bind_opt(st, &col, stack_id > 0, stack_id);
	return __vls_store_exec_stmt(an->txn, st);
}

static bool mode_used(const struct vls_lock_stats *s)
{
	return s->acquisitions || s->trylock_fails || s->downgrades || s->open_holds;
}

static int on_agg(const struct vls_lock_agg *a, void *data)
{
	struct an_locks *an = data;
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
	" WHERE run_id = ? AND scope = 'thread' AND key = ?";
static const char sql_thread_forget[] =
	"DELETE FROM lock_stats WHERE run_id = ? AND scope = 'thread' AND key = ?";

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

static int load_dist(struct an_locks *an, struct vls_dist *d, sqlite3_stmt *st,
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
 * one exits or at the commit. One row per tid, as before this streaming;
 * counts and sums stay exact, the earlier samples' percentiles come from
 * their log2 histogram.
 */
static int on_reused(void *data, struct vls_lock_agg *a)
{
	struct an_locks *an = data;
	sqlite3_stmt *st = __vls_store_stmt(an->txn, sql_thread_rows);
	char key[64];
	int rc, err = 0;

	if (!st)
		return VLS_EDB;
	agg_key(key, sizeof(key), a);
	sqlite3_bind_int64(st, 1, an->txn->run_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
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
	sqlite3_reset(st);
	if (err)
		return err;
	if (!(st = __vls_store_stmt(an->txn, sql_thread_forget)))
		return VLS_EDB;
	sqlite3_bind_int64(st, 1, an->txn->run_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	return __vls_store_exec_stmt(an->txn, st);
}

static const char *link_state(const struct vls_chain_link *l)
{
	return l->waiting ? "waiting" : l->asleep_ns ? "asleep" : "running";
}

static int write_link(struct an_locks *an, const struct vls_chain_link *l,
		      int64_t chain, uint32_t idx)
{
	sqlite3_stmt *st = __vls_store_stmt(an->txn, sql_link);
	int col = 1;

	if (!st)
		return VLS_EDB;
	__vls_bind_i64(st, &col, an->txn->run_id);
	__vls_bind_i64(st, &col, chain);
	__vls_bind_i64(st, &col, idx);
	__vls_bind_opt(st, &col, l->parent >= 0, l->parent);
	__vls_bind_i64(st, &col, l->depth);
	__vls_bind_i64(st, &col, l->tid);
	__vls_bind_opt(st, &col, l->pid >= 0, l->pid);
	__vls_bind_text(st, &col, l->comm);
	__vls_bind_opt(st, &col, l->prio >= 0, l->prio);
	__vls_bind_text(st, &col, mode_name(l->write));
	__vls_bind_text(st, &col, __vls_lock_site_key(l->site));
	__vls_bind_u64(st, &col, l->held_ns);
	__vls_bind_u64(st, &col, l->queued_ns);
	__vls_bind_u64(st, &col, l->asleep_ns);
	__vls_bind_u64(st, &col, l->hold_total_ns);
	__vls_bind_text(st, &col, link_state(l));
	__vls_bind_text(st, &col, __vls_sleep_reason_key(l->asleep_ns ? l->reason : VLS_SLEEP_NONE));
	__vls_bind_text(st, &col, l->wchan);
	__vls_bind_i64(st, &col, l->woke);
	__vls_bind_u64(st, &col, l->lo);
	__vls_bind_u64(st, &col, l->hi);
	return __vls_store_exec_stmt(an->txn, st);
}

static int on_chain(void *data, const struct vls_chain *c, int64_t seq)
{
	struct an_locks *an = data;
	sqlite3_stmt *st = __vls_store_stmt(an->txn, sql_chain);
	int col = 1, err;

	if (!st)
		return VLS_EDB;
	__vls_chain_format(an->line, sizeof(an->line), c);
	__vls_bind_i64(st, &col, an->txn->run_id);
	__vls_bind_i64(st, &col, seq);
	__vls_bind_u64(st, &col, c->mm);
	__vls_bind_u64(st, &col, c->start_ns);
	__vls_bind_u64(st, &col, c->wait_ns);
	__vls_bind_i64(st, &col, c->open);
	__vls_bind_i64(st, &col, c->tid);
	__vls_bind_opt(st, &col, c->pid >= 0, c->pid);
	__vls_bind_text(st, &col, c->comm);
	__vls_bind_opt(st, &col, c->prio >= 0, c->prio);
	__vls_bind_text(st, &col, mode_name(c->write));
	__vls_bind_text(st, &col, __vls_lock_site_key(c->site));
	__vls_bind_i64(st, &col, c->depth);
	__vls_bind_i64(st, &col, c->nlinks);
	__vls_bind_i64(st, &col, c->dropped_links);
	__vls_bind_i64(st, &col, c->woken);
	__vls_bind_i64(st, &col, c->inversion);
	__vls_bind_u64(st, &col, c->inverted_ns);
	__vls_bind_opt(st, &col, c->root >= 0, c->root);
	__vls_bind_text(st, &col, an->line);
	if ((err = __vls_store_exec_stmt(an->txn, st)) < 0)
		return err;
	for (uint32_t i = 0; i < c->nlinks; i++)
		if ((err = write_link(an, &c->links[i], seq, i)) < 0)
			return err;
	return 0;
}

static int on_acq(void *data, const struct vls_lock_acq *a)
{
	struct an_locks *an = data;
	sqlite3_stmt *st;
	int64_t stack_id = 0;
	int col = 1, err;

	if (a->nframes &&
	    (err = __vls_store_stack_id(&stack_id, an->txn, a->frames, a->nframes)) < 0)
		return err;
	if (!(st = __vls_store_stmt(an->txn, sql_acq)))
		return VLS_EDB;
	__vls_bind_i64(st, &col, an->txn->run_id);
	__vls_bind_i64(st, &col, an->acq_id++);
	__vls_bind_u64(st, &col, a->mm);
	__vls_bind_i64(st, &col, a->tid);
	__vls_bind_opt(st, &col, a->pid >= 0, a->pid);
	__vls_bind_text(st, &col, mode_name(a->write));
	__vls_bind_text(st, &col, __vls_lock_site_key(a->site));
	__vls_bind_opt(st, &col, stack_id > 0, stack_id);
	__vls_bind_u64(st, &col, a->start_ns);
	__vls_bind_u64(st, &col, a->wait_ns);
	__vls_bind_u64(st, &col, a->hold_ns);
	__vls_bind_i64(st, &col, a->open);
	__vls_bind_i64(st, &col, a->downgraded);
	__vls_bind_i64(st, &col, a->contended);
	__vls_bind_u64(st, &col, a->asleep_ns);
	__vls_bind_text(st, &col, __vls_sleep_reason_key(a->reason));
	__vls_bind_text(st, &col, a->wchan);
	__vls_bind_opt(st, &col, a->chain >= 0, a->chain);
	return __vls_store_exec_stmt(an->txn, st);
}

static int an_create(void **out, vls_ctx *ctx, const vls_import_opts *opts)
{
	struct an_locks *an = __vls_calloc(ctx, 1, sizeof(*an));
	struct vls_locks_sink sink = { on_chain, on_acq, on_thread, on_reused, NULL };
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

static int an_event(void *state, const vls_event *ev, struct vls_store_txn *txn)
{
	struct an_locks *an = state;

	an->txn = txn;
	return __vls_locks_event(an->lk, ev);
}

static int an_finish(void *state, struct vls_store_txn *txn)
{
	struct an_locks *an = state;
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
	struct an_locks *an = state;

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
