/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * faults-store.c - the fault analyzer: runs the core (faults-machine.c) over
 * the import's events and writes schema/20_faults.sql: a fault_episode row per
 * episode that took mmap_lock as it ends (not one per fault: most faults never
 * touch mmap_lock), fault_task as each task exits (the rest at the end),
 * fault_run at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "analyzer.h"
#include "store.h"
#include "util-dist.h"

struct faults_store {
	vls_ctx *ctx;
	struct vls_faults *core;
	struct vls_store_txn *txn;   /* of the call in progress */
	char *kernel, *arch;         /* vls_import_opts overrides */
	enum vls_vma_lock_basis basis;
	bool started;
	bool early_tasks;            /* fault_task rows written before the end */
	int64_t ep_id;
};

static const char sql_episode[] =
	"INSERT INTO fault_episode (run_id, id, tid, pid, comm, start_ts, end_ts,"
	" lock_ts, reason, behind_writer, attempts, mmap_attempts, trylock_fails,"
	" nested, io_wait_ns, lock_wait_ns, filemap_faults, refaults, dev, ino,"
	" pgoff, stack_only) VALUES (:run_id, :id, :tid, :pid, :comm, :start_ts,"
	" :end_ts, :lock_ts, :reason, :behind_writer, :attempts, :mmap_attempts,"
	" :trylock_fails, :nested, :io_wait_ns, :lock_wait_ns, :filemap_faults,"
	" :refaults, :dev, :ino, :pgoff, :stack_only)";

/* The counter columns of fault_task and fault_run, and their parameters. */
#define REASON_PARAM(e, name) ":" name ", "
#define COUNT_COLS " episodes, fallback, " VLS_FAULT_REASON_COLS \
	"behind_writer, trylock_fails, refaults, filemap_faults, chain_1," \
	" chain_2, chain_3, chain_4plus, io_wait_count, io_wait_sum," \
	" io_wait_p50, io_wait_p99, io_wait_max"
#define COUNT_PARAMS " :episodes, :fallback, " VLS_FAULT_REASONS(REASON_PARAM) \
	":behind_writer, :trylock_fails, :refaults, :filemap_faults, :chain_1," \
	" :chain_2, :chain_3, :chain_4plus, :io_wait_count, :io_wait_sum," \
	" :io_wait_p50, :io_wait_p99, :io_wait_max"

static const char sql_task[] =
	"INSERT INTO fault_task (run_id, tid, pid, comm, faults, kernel_faults,"
	COUNT_COLS ") VALUES (:run_id, :tid, :pid, :comm, :faults, :kernel_faults,"
	COUNT_PARAMS ")";

static const char sql_run[] =
	"INSERT INTO fault_run (run_id, method, vma_locks, vma_locks_basis, faults,"
	" kernel_faults, faults_source," COUNT_COLS ", unclassified, vmstat_pgfault,"
	" vmstat_pgmajfault, vmstat_vma_lock_success, vmstat_vma_lock_abort,"
	" vmstat_vma_lock_retry, vmstat_vma_lock_miss) VALUES (:run_id, :method,"
	" :vma_locks, :vma_locks_basis, :faults, :kernel_faults, :faults_source,"
	COUNT_PARAMS ","
	" :unclassified, :vmstat_pgfault, :vmstat_pgmajfault,"
	" :vmstat_vma_lock_success, :vmstat_vma_lock_abort, :vmstat_vma_lock_retry,"
	" :vmstat_vma_lock_miss)";

static const char *meta_get(const struct vls_store_txn *txn, const char *key)
{
	return txn->meta ? __vls_meta_get(txn->meta, key) : NULL;
}

/*
 * Decide per-VMA lock support once, before the first event: reasons are
 * given as episodes end. The recorded config wins, then the kernel release
 * and arch (import options first, then what the input said).
 */
static void decide_cap(struct faults_store *a, const struct vls_store_txn *txn)
{
	const char *kernel = a->kernel ? a->kernel : meta_get(txn, "kernel");
	const char *arch = a->arch ? a->arch : meta_get(txn, "arch");
	const char *config = meta_get(txn, "config.CONFIG_PER_VMA_LOCK");

	__vls_faults_set_cap(a->core,
			     __vls_fault_vma_lock_cap(&a->basis, config, kernel, arch));
	a->started = true;
}

static int on_episode(const struct vls_fault_episode *ep, void *data)
{
	struct faults_store *a = data;
	struct vls_row r;

	if (ep->reason == VLS_FR_NONE)
		return 0;
	__vls_row_start(&r, a->txn, sql_episode);
	__vls_row_i64(&r, "run_id", a->txn->run_id);
	__vls_row_i64(&r, "id", ++a->ep_id);
	__vls_row_i64(&r, "tid", ep->tid);
	__vls_row_opt(&r, "pid", ep->pid >= 0, ep->pid);
	__vls_row_text(&r, "comm", ep->comm);
	__vls_row_u64(&r, "start_ts", ep->start_ns);
	__vls_row_u64(&r, "end_ts", ep->end_ns);
	__vls_row_opt(&r, "lock_ts", ep->mmap_attempts > 0, (int64_t)ep->lock_ns);
	__vls_row_text(&r, "reason", __vls_fault_reason_name(ep->reason));
	__vls_row_i64(&r, "behind_writer", ep->behind_writer);
	__vls_row_i64(&r, "attempts", ep->attempts);
	__vls_row_i64(&r, "mmap_attempts", ep->mmap_attempts);
	__vls_row_i64(&r, "trylock_fails", ep->trylock_fails);
	__vls_row_i64(&r, "nested", ep->nested);
	__vls_row_u64(&r, "io_wait_ns", ep->io_wait_ns);
	__vls_row_u64(&r, "lock_wait_ns", ep->lock_wait_ns);
	__vls_row_i64(&r, "filemap_faults", ep->filemap_faults);
	__vls_row_i64(&r, "refaults", ep->refaults);
	__vls_row_opt(&r, "dev", ep->nkeys > 0, (int64_t)ep->keys[0][0]);
	__vls_row_opt(&r, "ino", ep->nkeys > 0, (int64_t)ep->keys[0][1]);
	__vls_row_opt(&r, "pgoff", ep->nkeys > 0, (int64_t)ep->keys[0][2]);
	__vls_row_i64(&r, "stack_only", ep->stack_only);
	return __vls_row_step(&r);
}

/* The counter columns shared by fault_task and fault_run. v holds the I/O
 * waits to take percentiles of (sorted here). */
static void row_counts(struct vls_row *r, const struct vls_fault_counts *c,
		       uint64_t *v, size_t n)
{
	static const char *const chain[VLS_FAULT_CHAIN_MAX] = {
		"chain_1", "chain_2", "chain_3", "chain_4plus" };

	__vls_row_u64(r, "episodes", c->episodes);
	__vls_row_u64(r, "fallback", c->fallback);
	for (int i = 0; i < VLS_FR__COUNT; i++)
		__vls_row_u64(r, __vls_fault_reason_names[i], c->by_reason[i]);
	__vls_row_u64(r, "behind_writer", c->behind_writer);
	__vls_row_u64(r, "trylock_fails", c->trylock_fails);
	__vls_row_u64(r, "refaults", c->refaults);
	__vls_row_u64(r, "filemap_faults", c->filemap_faults);
	for (int k = 0; k < VLS_FAULT_CHAIN_MAX; k++)
		__vls_row_u64(r, chain[k], c->chain[k]);
	__vls_row_u64(r, "io_wait_count", c->io_wait_count);
	__vls_row_u64(r, "io_wait_sum", c->io_wait_sum);
	__vls_row_opt(r, "io_wait_p50", n > 0, (int64_t)__vls_pct_sorted(v, n, 50));
	__vls_row_opt(r, "io_wait_p99", n > 0, (int64_t)__vls_pct_sorted(v, n, 99));
	__vls_row_opt(r, "io_wait_max", n > 0, (int64_t)c->io_wait_max);
}

/* faults: NULL when the run turns out to have no fault tracepoint. */
static int write_task(struct faults_store *a, const struct vls_fault_task *t,
		      bool tracepoint)
{
	struct vls_row r;

	if (!t->c.episodes)
		return 0;
	__vls_row_start(&r, a->txn, sql_task);
	__vls_row_i64(&r, "run_id", a->txn->run_id);
	__vls_row_i64(&r, "tid", t->tid);
	__vls_row_opt(&r, "pid", t->pid >= 0, t->pid);
	__vls_row_text(&r, "comm", t->comm);
	__vls_row_opt(&r, "faults", tracepoint, (int64_t)t->c.faults);
	__vls_row_u64(&r, "kernel_faults", t->c.kernel_faults);
	/* sorts the task's I/O waits in place: their order matters to no one */
	row_counts(&r, &t->c, t->io_waits, t->n_io);
	return __vls_row_step(&r);
}

/* The core's task_cb: a task's row as it exits, taken back if its tid is
 * reused (it is then written again, with both lives' counts). */
static int on_task(const struct vls_fault_task *t, bool back, void *data)
{
	struct faults_store *a = data;
	struct vls_row r;

	if (!back) {
		a->early_tasks = true;
		return write_task(a, t, true);
	}
	__vls_row_start(&r, a->txn, "DELETE FROM fault_task"
			" WHERE run_id = :run_id AND tid = :tid");
	__vls_row_i64(&r, "run_id", a->txn->run_id);
	__vls_row_i64(&r, "tid", t->tid);
	return __vls_row_step(&r);
}

static int write_tasks(struct faults_store *a)
{
	const bool tracepoint = __vls_faults_page_fault_events(a->core) > 0;
	struct vls_row r;

	for (size_t i = 0; i < __vls_faults_ntasks(a->core); i++) {
		const struct vls_fault_task *t = __vls_faults_task(a->core, i);
		int ret = t->retired ? 0 : write_task(a, t, tracepoint);

		if (ret)
			return ret;
	}
	if (tracepoint || !a->early_tasks)
		return 0;
	__vls_row_start(&r, a->txn, "UPDATE fault_task SET faults = NULL"
			" WHERE run_id = :run_id");
	__vls_row_i64(&r, "run_id", a->txn->run_id);
	return __vls_row_step(&r);
}

/* after - before of a vmstat counter the recorder stored as run metadata. */
static bool vmstat_delta(const struct vls_store_txn *txn, const char *name,
			 int64_t *out)
{
	char key[96];
	const char *b, *e;
	char *end;
	long long vb, ve;

	snprintf(key, sizeof(key), "vmstat.before.%s", name);
	b = meta_get(txn, key);
	snprintf(key, sizeof(key), "vmstat.after.%s", name);
	e = meta_get(txn, key);
	if (!b || !e)
		return false;
	errno = 0;
	vb = strtoll(b, &end, 10);
	if (errno || *end || end == b)
		return false;
	ve = strtoll(e, &end, 10);
	if (errno || *end || end == e)
		return false;
	*out = ve - vb;
	return true;
}

static void row_vmstat(struct vls_row *r, const struct vls_store_txn *txn)
{
	static const char *const names[][2] = {
		{ "pgfault", "vmstat_pgfault" },
		{ "pgmajfault", "vmstat_pgmajfault" },
		{ "vma_lock_success", "vmstat_vma_lock_success" },
		{ "vma_lock_abort", "vmstat_vma_lock_abort" },
		{ "vma_lock_retry", "vmstat_vma_lock_retry" },
		{ "vma_lock_miss", "vmstat_vma_lock_miss" },
	};
	int64_t d = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool known = vmstat_delta(txn, names[i][0], &d);

		__vls_row_opt(r, names[i][1], known, d);
	}
}

/* Every task's I/O waits in one array, for the run's percentiles. */
static int all_io_waits(struct faults_store *a, uint64_t **out, size_t *n)
{
	size_t total = 0, at = 0;
	uint64_t *v;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < __vls_faults_ntasks(a->core); i++)
		total += __vls_faults_task(a->core, i)->n_io;
	if (!total)
		return 0;
	v = __vls_malloc(a->ctx, total * sizeof(*v));
	if (!v)
		return __vls_error(a->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; i < __vls_faults_ntasks(a->core); i++) {
		const struct vls_fault_task *t = __vls_faults_task(a->core, i);

		if (!t->n_io)
			continue;  /* io_waits may be NULL: memcpy(x, NULL, 0) is UB */
		memcpy(v + at, t->io_waits, t->n_io * sizeof(*v));
		at += t->n_io;
	}
	*out = v;
	*n = total;
	return 0;
}

static const char *const basis_names[] = {
	[VLS_VMA_BASIS_NONE] = NULL,
	[VLS_VMA_BASIS_CONFIG] = "config",
	[VLS_VMA_BASIS_RELEASE] = "release",
};

static int write_run(struct faults_store *a)
{
	const bool tracepoint = __vls_faults_page_fault_events(a->core) > 0;
	const enum vls_vma_lock_cap cap = __vls_faults_cap(a->core);
	struct vls_fault_counts c;
	uint64_t *v = NULL;
	size_t n = 0;
	int64_t pgfault = 0;
	bool vm_faults = !tracepoint && vmstat_delta(a->txn, "pgfault", &pgfault);
	struct vls_row r;
	int ret;

	__vls_faults_total(a->core, &c);
	ret = all_io_waits(a, &v, &n);
	if (ret)
		return ret;
	__vls_row_start(&r, a->txn, sql_run);
	__vls_row_i64(&r, "run_id", a->txn->run_id);
	__vls_row_text(&r, "method", tracepoint ? "page_fault_user" : "stack_only");
	__vls_row_opt(&r, "vma_locks", cap != VLS_VMA_LOCK_UNKNOWN,
		      cap == VLS_VMA_LOCK_YES);
	__vls_row_text(&r, "vma_locks_basis", basis_names[a->basis]);
	__vls_row_opt(&r, "faults", tracepoint || vm_faults,
		      tracepoint ? (int64_t)c.faults : pgfault);
	__vls_row_u64(&r, "kernel_faults", c.kernel_faults);
	__vls_row_text(&r, "faults_source",
		       tracepoint ? "tracepoint" : vm_faults ? "vmstat" : NULL);
	row_counts(&r, &c, v, n);
	__vls_row_u64(&r, "unclassified", __vls_faults_unclassified(a->core));
	row_vmstat(&r, a->txn);
	ret = __vls_row_step(&r);
	__vls_free(a->ctx, v);
	return ret;
}

static int an_create(void **out, vls_ctx *ctx, const vls_import_opts *opts)
{
	struct faults_store *a = __vls_calloc(ctx, 1, sizeof(*a));
	int ret;

	*out = NULL;
	if (!a)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	a->ctx = ctx;
	ret = __vls_faults_new(&a->core, ctx, VLS_VMA_LOCK_UNKNOWN, on_episode,
			       on_task, a);
	if (ret) {
		__vls_free(ctx, a);
		return ret;
	}
	if (opts && opts->kernel)
		a->kernel = __vls_strdup(ctx, opts->kernel);
	if (opts && opts->arch)
		a->arch = __vls_strdup(ctx, opts->arch);
	if ((opts && opts->kernel && !a->kernel) ||
	    (opts && opts->arch && !a->arch)) {
		__vls_faults_free(a->core);
		__vls_free(ctx, a->kernel);
		__vls_free(ctx, a);
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	}
	*out = a;
	return 0;
}

static int an_event(void *state, const vls_event *ev, struct vls_store_txn *txn)
{
	struct faults_store *a = state;

	a->txn = txn;
	if (!a->started)
		decide_cap(a, txn);
	__vls_faults_set_stack_num(a->core, txn->stack_num);
	return __vls_faults_event(a->core, ev);
}

static int an_finish(void *state, struct vls_store_txn *txn)
{
	struct faults_store *a = state;
	int ret;

	a->txn = txn;
	if (!a->started)
		decide_cap(a, txn);
	ret = __vls_faults_finish(a->core);
	if (!ret)
		ret = write_tasks(a);
	if (!ret)
		ret = write_run(a);
	return ret;
}

static void an_destroy(void *state)
{
	struct faults_store *a = state;

	if (!a)
		return;
	__vls_faults_free(a->core);
	__vls_free(a->ctx, a->kernel);
	__vls_free(a->ctx, a->arch);
	__vls_free(a->ctx, a);
}

const struct vls_analyzer_ops __vls_faults_analyzer = {
	.name = "faults",
	.create = an_create,
	.event = an_event,
	.finish = an_finish,
	.destroy = an_destroy,
};
