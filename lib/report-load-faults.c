/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load-faults.c - fault figures of a run and its threads from the fault
 * analyzer's tables (schema/20_faults.sql: fault_run, fault_task), with
 * the capabilities they reveal (per-VMA locks, vmstat) and what they need:
 * fallbacks need mmap_lock events, refaults need filemap events, a fault
 * count needs page_fault_user or vmstat. Without, the figure is null.
 */
#include <string.h>

#include "report-load.h"

const char *const __vls_vmstat_names[VLS_VM__COUNT] = {
	"pgfault", "pgmajfault", "vma_lock_success", "vma_lock_abort",
	"vma_lock_retry", "vma_lock_miss",
};

/* The columns fault_run and fault_task share, from column c0 on. */
#define FAULT_COLS "faults, fallback, " VLS_FAULT_REASON_COLS \
	"behind_writer, refaults, chain_1, chain_2, chain_3, chain_4plus, " \
	"io_wait_count, io_wait_sum, io_wait_max, io_wait_p50, io_wait_p99, " \
	"kernel_faults"
#define FAULT_NCOLS (14 + VLS_FR__COUNT)

/* Kernel-mode faults are all seen with page_fault_kernel, or with the
 * fault-path stacks (every one takes mmap_lock in lock_mm_and_find_vma()).
 * A DB migrated from schema 1 has NULL: unknown. */
static bool kernel_known(const struct vls_rrun *run)
{
	return __vls_rrun_has_cap(run, VLS_CAP_FAULT_KERNEL) || run->fallback_known;
}

static void read_faults(struct vls_rfaults *f, sqlite3_stmt *st, int c0,
			const struct vls_rrun *run)
{
	bool lock = run->fallback_known;
	bool filemap = __vls_rrun_has_cap(run, VLS_CAP_FILEMAP);
	int c = c0;

	f->total = __vls_rl_int(st, c++);
	f->fallback = lock ? __vls_rl_int(st, c) : VLS_RNULL;
	c++;
	for (int i = 0; i < VLS_FR__COUNT; i++, c++)
		f->by_reason[i] = lock ? __vls_rl_int(st, c) : VLS_RNULL;
	f->behind_writer = lock ? __vls_rl_int(st, c) : VLS_RNULL;
	c++;
	f->refaults = filemap ? __vls_rl_int(st, c) : VLS_RNULL;
	c++;
	for (int i = 0; i < VLS_RCHAIN_MAX; i++, c++)
		f->chain[i] = lock ? __vls_rl_int(st, c) : VLS_RNULL;
	f->io_wait.count = __vls_rl_int(st, c++);
	f->io_wait.sum = __vls_rl_int(st, c++);
	f->io_wait.max = __vls_rl_int(st, c++);
	f->io_wait.p50 = __vls_rl_int(st, c++);
	f->io_wait.p99 = __vls_rl_int(st, c++);
	f->kernel = kernel_known(run) ? __vls_rl_int(st, c) : VLS_RNULL;
}

struct run_extra {
	char *method, *source, *basis;
	int64_t vma_locks, unclassified;
};

static int run_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = ((void **)data)[0];
	struct run_extra *x = ((void **)data)[1];
	int c = FAULT_NCOLS, err;

	x->vma_locks = __vls_rl_int(st, c + 3);
	x->unclassified = __vls_rl_int(st, c + 4);
	run->fallback_known = __vls_rrun_has_cap(run, VLS_CAP_MMAP_LOCK) &&
			      (__vls_rrun_has_cap(run, VLS_CAP_STACKS) ||
			       x->unclassified == 0);
	read_faults(&run->f, st, 0, run);
	for (int i = 0; i < VLS_VM__COUNT; i++)
		run->vmstat[i] = __vls_rl_int(st, c + 5 + i);
	err = __vls_rl_text(L, &x->method, st, c);
	if (!err)
		err = __vls_rl_text(L, &x->source, st, c + 1);
	return err ? err : __vls_rl_text(L, &x->basis, st, c + 2);
}

static int task_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;
	struct vls_rtask *t = __vls_rl_task(L, run, sqlite3_column_int64(st, 0));

	if (t)
		read_faults(&t->f, st, 1, run);
	return 0;
}

/* "tracepoint" in the table is the page_fault_user tracepoint. */
static int set_source(struct vls_rloader *L, struct vls_rrun *run, const char *src)
{
	if (!src || run->f.total == VLS_RNULL)
		return 0;
	run->fault_source = __vls_strdup(L->ctx, strcmp(src, "tracepoint") ?
					 src : "page_fault_user");
	return run->fault_source ? 0 : __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
}

static int caps_and_notes(struct vls_rloader *L, struct vls_rrun *run,
			  const struct run_extra *x)
{
	int err = 0;

	if (x->vma_locks == 1)
		__vls_rl_cap(run, VLS_CAP_PER_VMA_LOCK);
	if (run->vmstat[VLS_VM_PGFAULT] != VLS_RNULL)
		__vls_rl_cap(run, VLS_CAP_VMSTAT);
	if (run->vmstat[VLS_VM_VMA_SUCCESS] != VLS_RNULL)
		__vls_rl_cap(run, VLS_CAP_VMA_LOCK_STATS);
	if (x->vma_locks == 0)
		err = __vls_rl_note(L, run, "kernel %s has no per-VMA locks (from its %s): "
				    "every user fault takes mmap_lock, counted as "
				    "no_vma_lock", run->kernel ? run->kernel : "?",
				    x->basis && !strcmp(x->basis, "config") ?
				    "config" : "release and arch");
	else if (x->vma_locks == VLS_RNULL)
		err = __vls_rl_note(L, run, "per-VMA lock support of this kernel is "
				    "unknown (no config recorded, no release given)");
	if (!err && x->method && strcmp(x->method, "page_fault_user"))
		err = __vls_rl_note(L, run, "fault episodes built from stacks and "
				    "filemap events (%s): faults that never touched "
				    "mmap_lock or the page cache are not seen", x->method);
	if (!err && x->unclassified > 0 && x->unclassified != VLS_RNULL)
		err = __vls_rl_note(L, run, "%lld read acquisitions had no stack: "
				    "not counted as fault-path or not",
				    (long long)x->unclassified);
	return err;
}

/* Threads the analyzer has no row for had no fault and no fallback. */
static void task_defaults(struct vls_rrun *run)
{
	bool lock = run->fallback_known;

	for (size_t i = 0; i < run->ntasks; i++) {
		struct vls_rfaults *f = &run->tasks[i].f;

		f->total = run->f.total == VLS_RNULL ||
			   !__vls_rrun_has_cap(run, VLS_CAP_FAULT_USER) ? VLS_RNULL : 0;
		f->fallback = f->behind_writer = lock ? 0 : VLS_RNULL;
		for (int r = 0; r < VLS_FR__COUNT; r++)
			f->by_reason[r] = lock ? 0 : VLS_RNULL;
		f->refaults = __vls_rrun_has_cap(run, VLS_CAP_FILEMAP) ? 0 : VLS_RNULL;
		f->kernel = run->f.kernel == VLS_RNULL ? VLS_RNULL : 0;
	}
}

int __vls_rl_faults(struct vls_rloader *L, struct vls_rrun *run)
{
	struct run_extra x = { NULL, NULL, NULL, VLS_RNULL, 0 };
	void *ctx[2] = { run, &x };
	bool found;
	int err;

	if (!__vls_rl_has_table(L, "fault_run"))
		return run->events ? __vls_rl_note(L, run, "this DB has no fault "
				     "analysis: fault figures unknown") : 0;
	err = __vls_rl_query(L, "SELECT " FAULT_COLS ", method, faults_source, "
			     "vma_locks_basis, vma_locks, unclassified, vmstat_pgfault, "
			     "vmstat_pgmajfault, vmstat_vma_lock_success, "
			     "vmstat_vma_lock_abort, vmstat_vma_lock_retry, "
			     "vmstat_vma_lock_miss FROM fault_run WHERE run_id = :run_id",
			     run->id, run_row, ctx);
	found = x.method != NULL;
	if (!err && found)
		err = set_source(L, run, x.source);
	if (!err && found) {
		run->episode_method = x.method;
		x.method = NULL;
		err = caps_and_notes(L, run, &x);
	}
	__vls_free(L->ctx, x.method);
	__vls_free(L->ctx, x.source);
	__vls_free(L->ctx, x.basis);
	if (err || !found || !(L->sections & VLS_REPORT_TASKS))
		return err;
	task_defaults(run);
	return __vls_rl_query(L, "SELECT tid, " FAULT_COLS " FROM fault_task "
			      "WHERE run_id = :run_id", run->id, task_row, run);
}
