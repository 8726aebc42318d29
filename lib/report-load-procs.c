/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load-procs.c - processes (thread groups) of a run from its tasks.
 *
 * Fault figures are sums over the threads. Lock STATS come from the lock
 * analyzer's per-process rows when the DB has them (exact percentiles: by
 * pid, or by mm for tasks whose pid was unknown); otherwise (a DB from
 * before those rows, or a process no row went to) they are summed from the
 * threads, and the percentiles of a process of several threads are then
 * null: percentiles do not add up. The rows are applied first, so that
 * only the processes without one sum their threads' (summing every
 * process, histograms too, only to replace the sum by the row was most
 * of the work on a run of 11 k processes).
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

/* acc = s, or acc += s; acc's histogram is its own (a copy in the
 * report's arena, a longer one when s has more buckets). */
static int add_stats(struct vls_rloader *L, struct vls_rstats *acc,
		     const struct vls_rstats *s, bool first)
{
	int64_t *hist;

	if (first) {
		*acc = *s;
		acc->nhist = 0;
		acc->hist = NULL;
	} else {
		acc->known = acc->known && s->known;
		add(&acc->acquisitions, s->acquisitions);
		add(&acc->contended, s->contended);
		add(&acc->trylock_fails, s->trylock_fails);
		add_dist(&acc->wait, &s->wait, false);
		add_dist(&acc->hold, &s->hold, false);
	}
	if (s->nhist > acc->nhist) {
		hist = __vls_arena_alloc(L->ctx, L->hists, s->nhist * sizeof(*hist));
		if (!hist)
			return VLS_ENOMEM;
		if (acc->nhist)
			memcpy(hist, acc->hist, acc->nhist * sizeof(*hist));
		acc->hist = hist;
		acc->nhist = s->nhist;
	}
	for (unsigned int i = 0; i < s->nhist; i++)
		acc->hist[i] += s->hist[i];
	return 0;
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

/*
 * Where the processes are while they are built (run->procs grows: indexes,
 * not pointers). Each key has one process, the first made for it, which is
 * the one a search in order would find:
 *  - by_pid: a pid's process;
 *  - by_mm: the process without a pid of an mm (of tasks whose pid is
 *    unknown), and under VLS_RNULL the first of those known by a tid alone;
 *  - pid_mm, pid_mm_n: per mm, the first process with a pid whose threads
 *    locked it, and how many such processes there are (apply_plocks).
 */
struct proc_index {
	struct vls_u64map by_pid, by_mm, pid_mm, pid_mm_n;
};

static void index_release(vls_ctx *ctx, struct proc_index *x)
{
	__vls_u64map_release(ctx, &x->by_pid);
	__vls_u64map_release(ctx, &x->by_mm);
	__vls_u64map_release(ctx, &x->pid_mm);
	__vls_u64map_release(ctx, &x->pid_mm_n);
}

static struct vls_rtask *index_get(struct vls_rrun *run, const struct vls_u64map *m,
				   int64_t key)
{
	uint32_t i;

	return __vls_u64map_get(m, (uint64_t)key, &i) ? NULL : &run->procs[i];
}

/* Put key -> i unless key has a process already. */
static int index_first(vls_ctx *ctx, struct vls_u64map *m, int64_t key, size_t i)
{
	uint32_t old;

	if (!__vls_u64map_get(m, (uint64_t)key, &old))
		return 0;
	return __vls_u64map_put(ctx, m, (uint64_t)key, (uint32_t)i);
}

/* One more process with a pid whose threads locked mm. */
static int index_pid_mm(vls_ctx *ctx, struct proc_index *x, int64_t mm, size_t i)
{
	uint32_t n = 0;
	int err;

	__vls_u64map_get(&x->pid_mm_n, (uint64_t)mm, &n);
	err = __vls_u64map_put(ctx, &x->pid_mm_n, (uint64_t)mm, n + 1);
	return err ? err : index_first(ctx, &x->pid_mm, mm, i);
}

/* A new process of pid or of mm (k: the task or row with its mm, mm_gen
 * and mm_key; NULL: none), in the index by what it is known by. */
static struct vls_rtask *new_proc(struct vls_rloader *L, struct vls_rrun *run,
				  size_t *cap, struct proc_index *x, int64_t pid,
				  int64_t mm, int64_t mm_gen, int64_t mm_key, int *err)
{
	struct vls_rtask *p;
	size_t i = run->nprocs;

	*err = __vls_grow(L->ctx, (void **)&run->procs, cap, run->nprocs + 1,
			  sizeof(*run->procs), VLS_RLIST_MAX);
	if (*err)
		return NULL;
	p = &run->procs[run->nprocs++];
	memset(p, 0, sizeof(*p));
	p->tid = p->prio = p->nthreads = VLS_RNULL;
	p->pid = pid;
	p->mm = mm;
	p->mm_gen = mm_gen;
	p->mm_key = mm_key;
	p->ru_minflt = p->ru_majflt = VLS_RNULL;
	__vls_rfaults_null(&p->f);
	*err = pid != VLS_RNULL ? index_first(L->ctx, &x->by_pid, pid, i) :
	       index_first(L->ctx, &x->by_mm, mm_key, i);
	return *err ? NULL : p;
}

static int set_comm(struct vls_rloader *L, struct vls_rtask *p, const char *comm)
{
	__vls_free(L->ctx, p->comm);
	p->comm = comm ? __vls_strdup(L->ctx, comm) : NULL;
	return comm && !p->comm ? __vls_error(L->ctx, VLS_ENOMEM, "out of memory") : 0;
}

/* A thread's process: by pid when the trace gave tgids, else by mm (the
 * lock analyzer's: the mm_struct's incarnation, mm_key), else the thread
 * alone (tids are unique in a run: a process of its own). */
static struct vls_rtask *thread_proc(struct vls_rrun *run, const struct proc_index *x,
				     const struct vls_rtask *t)
{
	if (t->pid != VLS_RNULL)
		return index_get(run, &x->by_pid, t->pid);
	if (t->mm_key != VLS_RNULL)
		return index_get(run, &x->by_mm, t->mm_key);
	return NULL;
}

/* A thread's figures but its lock STATS into its process (made when it
 * is the first), whose index goes to *owner. */
static int add_thread(struct vls_rloader *L, struct vls_rrun *run, size_t *cap,
		      struct proc_index *x, const struct vls_rtask *t, uint32_t *owner)
{
	struct vls_rtask *p = thread_proc(run, x, t);
	bool first = !p;
	int err = 0;

	if (first) {
		bool by_mm = t->pid == VLS_RNULL;

		p = new_proc(L, run, cap, x, t->pid, by_mm ? t->mm : VLS_RNULL,
			     by_mm ? t->mm_gen : 0, by_mm ? t->mm_key : VLS_RNULL, &err);
		if (!p)
			return err;
		p->tid = t->pid == VLS_RNULL && t->mm == VLS_RNULL ? t->tid : VLS_RNULL;
	}
	*owner = (uint32_t)(p - run->procs);
	/* a process known by pid also gets its threads' mm, so that the lock
	 * analyzer's per-mm row finds it (apply_plocks) */
	if (p->mm == VLS_RNULL) {
		p->mm = t->mm;
		p->mm_gen = t->mm_gen;
		p->mm_key = t->mm_key;
	}
	/* the group leader names the process */
	if (first || (t->tid == t->pid && t->comm))
		err = set_comm(L, p, t->comm);
	p->nthreads = first ? 1 : p->nthreads + 1;
	add_faults(&p->f, &t->f, first);
	add_known(&p->ru_minflt, t->ru_minflt, first);
	add_known(&p->ru_majflt, t->ru_majflt, first);
	return err;
}

/*
 * The process a lock row goes to: a row by pid to that pid's; a row by mm
 * (tasks whose pid was unknown then) to the process of that mm without a
 * pid, else to the one process with a pid whose threads locked that mm
 * (inherit_pids() below placed those threads there too).
 */
static struct vls_rtask *plock_proc(struct vls_rrun *run, const struct proc_index *x,
				    const struct vls_rplock *pl)
{
	struct vls_rtask *p;
	uint32_t n = 0;

	if (pl->pid != VLS_RNULL)
		return index_get(run, &x->by_pid, pl->pid);
	if ((p = index_get(run, &x->by_mm, pl->mm_key)))
		return p;
	__vls_u64map_get(&x->pid_mm_n, (uint64_t)pl->mm_key, &n);
	return n == 1 ? index_get(run, &x->pid_mm, pl->mm_key) : NULL;
}

/* The lock analyzer's rows: exact percentiles, unless two rows go to one
 * process (then their sums, percentiles null). applied[k]: process k got
 * one (n0 + L->nplocks of them at most). A row's STATS are taken as they
 * are, histogram too: the row is read once. */
static int apply_plocks(struct vls_rloader *L, struct vls_rrun *run, size_t *cap,
			struct proc_index *x, bool *applied)
{
	size_t n0 = run->nprocs;
	int err = 0;

	for (size_t k = 0; !err && k < n0; k++)
		if (run->procs[k].pid != VLS_RNULL)
			err = index_pid_mm(L->ctx, x, run->procs[k].mm_key, k);
	for (size_t i = 0; !err && i < L->nplocks; i++) {
		struct vls_rplock *pl = &L->plocks[i];
		struct vls_rtask *p = plock_proc(run, x, pl);
		size_t k;

		if (!p && (p = new_proc(L, run, cap, x, pl->pid, pl->mm, pl->mm_gen,
					pl->mm_key, &err)) && pl->pid != VLS_RNULL)
			err = index_pid_mm(L->ctx, x, pl->mm_key, run->nprocs - 1);
		if (!p || err)
			break;
		k = (size_t)(p - run->procs);
		if (!applied[k]) {
			p->lock[0] = pl->lock[0];
			p->lock[1] = pl->lock[1];
		} else {
			err = add_stats(L, &p->lock[0], &pl->lock[0], false);
			if (!err)
				err = add_stats(L, &p->lock[1], &pl->lock[1], false);
		}
		pl->lock[0].hist = pl->lock[1].hist = NULL;   /* the process's now */
		pl->lock[0].nhist = pl->lock[1].nhist = 0;
		applied[k] = true;
		if (!err && pl->comm && (!p->comm || p->pid == VLS_RNULL))
			err = set_comm(L, p, pl->comm);
	}
	return err;
}

/* The processes no row went to: their threads' lock STATS summed, in the
 * threads' order (owner[i]: task i's process). */
static int sum_thread_locks(struct vls_rloader *L, struct vls_rrun *run,
			    const uint32_t *owner, const bool *applied)
{
	bool *seen = __vls_calloc(L->ctx, run->nprocs + 1, sizeof(*seen));
	int err = seen ? 0 : __vls_error(L->ctx, VLS_ENOMEM, "out of memory");

	for (size_t i = 0; !err && i < run->ntasks; i++) {
		struct vls_rtask *p = &run->procs[owner[i]];
		const struct vls_rtask *t = &run->tasks[i];

		if (applied[owner[i]])
			continue;
		err = add_stats(L, &p->lock[0], &t->lock[0], !seen[owner[i]]);
		if (!err)
			err = add_stats(L, &p->lock[1], &t->lock[1], !seen[owner[i]]);
		seen[owner[i]] = true;
	}
	__vls_free(L->ctx, seen);
	return err;
}

/*
 * A trace that gives the tgid of some tasks only (a trace.dat without
 * saved tgids: sched_process_exec makes the exec'ing task its own group
 * leader, but sched_process_fork cannot tell a thread from a process) would
 * split one process in two: the leader by pid, its other threads by mm. A
 * task without a pid whose mm is the mm of exactly one known pid belongs
 * to that pid: threads share their mm, processes never do at the same time
 * (an mm_struct freed and reused is another incarnation, mm_key; CLONE_VM
 * without CLONE_THREAD, as vfork() children before exec, is the exception:
 * such a task briefly shares its parent's mm).
 */
struct mm_pid {
	int64_t mm, pid;          /* mm: the mm_key, one incarnation's */
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
		if (run->tasks[i].pid != VLS_RNULL && run->tasks[i].mm_key != VLS_RNULL)
			v[n++] = (struct mm_pid){ run->tasks[i].mm_key, run->tasks[i].pid };
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_mm_pid);
	for (size_t i = 0; n && i < run->ntasks; i++) {
		struct vls_rtask *t = &run->tasks[i];

		if (t->pid == VLS_RNULL && t->mm_key != VLS_RNULL)
			t->pid = pid_of_mm(v, n, t->mm_key);
	}
	__vls_free(L->ctx, v);
	return 0;
}

int __vls_rl_processes(struct vls_rloader *L, struct vls_rrun *run)
{
	struct proc_index x = { 0 };
	uint32_t *owner = __vls_malloc(L->ctx, (run->ntasks + 1) * sizeof(*owner));
	/* processes: one per task at most, and one per row without a task */
	bool *applied = __vls_calloc(L->ctx, run->ntasks + L->nplocks + 1,
				     sizeof(*applied));
	size_t cap = 0;
	int err = owner && applied ? 0 : __vls_error(L->ctx, VLS_ENOMEM, "out of memory");

	/* what a thread without a pid is placed by: its mm's incarnation */
	for (size_t i = 0; !err && i < run->ntasks; i++)
		err = __vls_rl_mm_key(L, run->tasks[i].mm, run->tasks[i].mm_gen,
				      &run->tasks[i].mm_key);
	if (!err)
		err = inherit_pids(L, run);

	for (size_t i = 0; !err && i < run->ntasks; i++)
		err = add_thread(L, run, &cap, &x, &run->tasks[i], &owner[i]);
	if (!err)
		err = apply_plocks(L, run, &cap, &x, applied);
	if (!err)
		err = sum_thread_locks(L, run, owner, applied);
	for (size_t i = 0; i < run->nprocs; i++)
		run->procs[i].tid = -1;
	index_release(L->ctx, &x);
	__vls_free(L->ctx, owner);
	__vls_free(L->ctx, applied);
	return err;
}
