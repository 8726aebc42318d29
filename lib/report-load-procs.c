/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load-procs.c - processes (thread groups) of a run from its tasks.
 *
 * Fault figures are sums over the threads. Lock STATS come from the lock
 * analyzer's per-process rows when the DB has them (exact percentiles: by
 * pid, or by mm for tasks whose pid was unknown); otherwise (a DB from
 * before those rows) they are summed from the threads, and the
 * percentiles of a process of several threads are then null: percentiles
 * do not add up.
 */
#include <stdlib.h>
#include <string.h>

#include "report-load.h"

static void add(int64_t *acc, int64_t v)
{
	if (*acc == VLS_RNULL || v == VLS_RNULL)
		*acc = VLS_RNULL;
	else
		*acc += v;
}

static void add_dist(struct vls_rdist *acc, const struct vls_rdist *d, bool first)
{
	if (first) {
		*acc = *d;
		return;
	}
	add(&acc->count, d->count);
	add(&acc->sum, d->sum);
	if (acc->max == VLS_RNULL || d->max == VLS_RNULL)
		acc->max = VLS_RNULL;
	else if (d->max > acc->max)
		acc->max = d->max;
	acc->p50 = acc->p99 = VLS_RNULL;
}

static void add_stats(struct vls_rstats *acc, const struct vls_rstats *s, bool first)
{
	if (first) {
		*acc = *s;
		return;
	}
	acc->known = acc->known && s->known;
	add(&acc->acquisitions, s->acquisitions);
	add(&acc->contended, s->contended);
	add(&acc->trylock_fails, s->trylock_fails);
	add_dist(&acc->wait, &s->wait, false);
	add_dist(&acc->hold, &s->hold, false);
	for (unsigned int i = 0; i < s->nhist; i++)
		acc->hist[i] += s->hist[i];
	if (s->nhist > acc->nhist)
		acc->nhist = s->nhist;
}

static void add_faults(struct vls_rfaults *acc, const struct vls_rfaults *f,
		       bool first)
{
	if (first) {
		*acc = *f;
		return;
	}
	add(&acc->total, f->total);
	add(&acc->kernel, f->kernel);
	add(&acc->fallback, f->fallback);
	for (int i = 0; i < VLS_FR__COUNT; i++)
		add(&acc->by_reason[i], f->by_reason[i]);
	add(&acc->behind_writer, f->behind_writer);
	add(&acc->refaults, f->refaults);
	for (int i = 0; i < VLS_RCHAIN_MAX; i++)
		add(&acc->chain[i], f->chain[i]);
	add_dist(&acc->io_wait, &f->io_wait, false);
}

/* Counts only some threads have (the workload's rusage): null only when
 * no thread has one. */
static void add_known(int64_t *acc, int64_t v, bool first)
{
	if (first || *acc == VLS_RNULL)
		*acc = v;
	else if (v != VLS_RNULL)
		*acc += v;
}

/* A thread's process: by pid when the trace gave tgids, else by mm (the
 * lock analyzer's), else the thread alone. */
static bool same_proc(const struct vls_rtask *p, const struct vls_rtask *t)
{
	if (t->pid != VLS_RNULL)
		return p->pid == t->pid;
	if (t->mm != VLS_RNULL)
		return p->pid == VLS_RNULL && p->mm == t->mm;
	return p->pid == VLS_RNULL && p->mm == VLS_RNULL && p->tid == t->tid;
}

static struct vls_rtask *new_proc(struct vls_rloader *L, struct vls_rrun *run,
				  size_t *cap, int *err)
{
	struct vls_rtask *p;

	*err = __vls_grow(L->ctx, (void **)&run->procs, cap, run->nprocs + 1,
			  sizeof(*run->procs), VLS_RLIST_MAX);
	if (*err)
		return NULL;
	p = &run->procs[run->nprocs++];
	memset(p, 0, sizeof(*p));
	p->tid = p->pid = p->mm = p->prio = p->nthreads = VLS_RNULL;
	p->ru_minflt = p->ru_majflt = VLS_RNULL;
	__vls_rfaults_null(&p->f);
	return p;
}

static int set_comm(struct vls_rloader *L, struct vls_rtask *p, const char *comm)
{
	__vls_free(L->ctx, p->comm);
	p->comm = comm ? __vls_strdup(L->ctx, comm) : NULL;
	return comm && !p->comm ? __vls_error(L->ctx, VLS_ENOMEM, "out of memory") : 0;
}

static int add_thread(struct vls_rloader *L, struct vls_rrun *run, size_t *cap,
		      const struct vls_rtask *t)
{
	struct vls_rtask *p = NULL;
	bool first;
	int err = 0;

	for (size_t i = 0; i < run->nprocs && !p; i++)
		if (same_proc(&run->procs[i], t))
			p = &run->procs[i];
	first = !p;
	if (first && !(p = new_proc(L, run, cap, &err)))
		return err;
	if (first) {
		p->pid = t->pid;
		p->tid = t->pid == VLS_RNULL && t->mm == VLS_RNULL ? t->tid : VLS_RNULL;
	}
	/* a process known by pid also gets its threads' mm, so that the lock
	 * analyzer's per-mm row finds it (apply_plocks) */
	if (p->mm == VLS_RNULL)
		p->mm = t->mm;
	/* the group leader names the process */
	if (first || (t->tid == t->pid && t->comm))
		err = set_comm(L, p, t->comm);
	p->nthreads = first ? 1 : p->nthreads + 1;
	add_faults(&p->f, &t->f, first);
	add_known(&p->ru_minflt, t->ru_minflt, first);
	add_known(&p->ru_majflt, t->ru_majflt, first);
	add_stats(&p->lock[0], &t->lock[0], first);
	add_stats(&p->lock[1], &t->lock[1], first);
	return err;
}

/*
 * The process a lock row goes to: a row by pid to that pid's; a row by mm
 * (tasks whose pid was unknown then) to the process of that mm without a
 * pid, else to the one process with a pid whose threads locked that mm
 * (inherit_pids() below placed those threads there too).
 */
static struct vls_rtask *plock_proc(struct vls_rrun *run, const struct vls_rtask *pl)
{
	struct vls_rtask *by_mm = NULL;
	bool several = false;

	for (size_t k = 0; k < run->nprocs; k++) {
		struct vls_rtask *p = &run->procs[k];

		if (pl->pid != VLS_RNULL ? p->pid == pl->pid
		    : p->pid == VLS_RNULL && p->mm == pl->mm)
			return p;
		if (pl->pid == VLS_RNULL && p->mm == pl->mm) {
			several = several || by_mm;
			by_mm = p;
		}
	}
	return several ? NULL : by_mm;
}

/* The lock analyzer's rows: exact percentiles, unless two rows go to one
 * process (then their sums, percentiles null). */
static int apply_plocks(struct vls_rloader *L, struct vls_rrun *run, size_t *cap)
{
	size_t n0 = run->nprocs;
	bool *applied = __vls_calloc(L->ctx, n0 + L->nplocks + 1, sizeof(*applied));
	int err = applied ? 0 : __vls_error(L->ctx, VLS_ENOMEM, "out of memory");

	for (size_t i = 0; !err && i < L->nplocks; i++) {
		const struct vls_rtask *pl = &L->plocks[i];
		struct vls_rtask *p = plock_proc(run, pl);
		size_t k;

		if (!p && (p = new_proc(L, run, cap, &err)) != NULL) {
			p->pid = pl->pid;
			p->mm = pl->mm;
		}
		if (!p)
			break;
		k = (size_t)(p - run->procs);
		add_stats(&p->lock[0], &pl->lock[0], !applied[k]);
		add_stats(&p->lock[1], &pl->lock[1], !applied[k]);
		applied[k] = true;
		if (pl->comm && (!p->comm || p->pid == VLS_RNULL))
			err = set_comm(L, p, pl->comm);
	}
	__vls_free(L->ctx, applied);
	return err;
}

/*
 * A trace that gives the tgid of some tasks only (a trace.dat without
 * saved tgids: sched_process_exec makes the exec'ing task its own group
 * leader, but sched_process_fork cannot tell a thread from a process) would
 * split one process in two: the leader by pid, its other threads by mm. A
 * task without a pid whose mm is the mm of exactly one known pid belongs
 * to that pid: threads share their mm, processes never do (CLONE_VM
 * without CLONE_THREAD, as vfork() children before exec, is the exception:
 * such a task briefly shares its parent's mm).
 */
struct mm_pid {
	int64_t mm, pid;
};

static int cmp_mm_pid(const void *a, const void *b)
{
	const struct mm_pid *x = a, *y = b;

	if (x->mm != y->mm)
		return x->mm < y->mm ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The pid of the tasks of mm, or VLS_RNULL if none or several. */
static int64_t pid_of_mm(const struct mm_pid *v, size_t n, int64_t mm)
{
	size_t lo = 0, hi = n, first;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].mm < mm)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || v[lo].mm != mm)
		return VLS_RNULL;
	first = lo;
	while (lo + 1 < n && v[lo + 1].mm == mm)
		lo++;
	return v[first].pid == v[lo].pid ? v[first].pid : VLS_RNULL;
}

static int inherit_pids(struct vls_rloader *L, struct vls_rrun *run)
{
	struct mm_pid *v;
	size_t n = 0;

	if (!run->ntasks)
		return 0;
	v = __vls_malloc(L->ctx, run->ntasks * sizeof(*v));
	if (!v)
		return __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; i < run->ntasks; i++)
		if (run->tasks[i].pid != VLS_RNULL && run->tasks[i].mm != VLS_RNULL)
			v[n++] = (struct mm_pid){ run->tasks[i].mm, run->tasks[i].pid };
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_mm_pid);
	for (size_t i = 0; n && i < run->ntasks; i++) {
		struct vls_rtask *t = &run->tasks[i];

		if (t->pid == VLS_RNULL && t->mm != VLS_RNULL)
			t->pid = pid_of_mm(v, n, t->mm);
	}
	__vls_free(L->ctx, v);
	return 0;
}

int __vls_rl_processes(struct vls_rloader *L, struct vls_rrun *run)
{
	size_t cap = 0;
	int err = inherit_pids(L, run);

	for (size_t i = 0; !err && i < run->ntasks; i++)
		err = add_thread(L, run, &cap, &run->tasks[i]);
	if (!err)
		err = apply_plocks(L, run, &cap);
	for (size_t i = 0; i < run->nprocs; i++)
		run->procs[i].tid = -1;
	return err;
}
