/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-procs.c - processes (thread groups) of a run from its tasks.
 *
 * Fault figures are sums over the threads. Lock STATS come from the lock
 * analyzer's per-process (per-mm) rows when the DB has them (exact
 * percentiles); otherwise they are summed from the threads, and the
 * percentiles of a process of several threads are then null: percentiles
 * do not add up.
 */
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
	add(&acc->fallback, f->fallback);
	for (int i = 0; i < VLS_REASON__COUNT; i++)
		add(&acc->by_reason[i], f->by_reason[i]);
	add(&acc->behind_writer, f->behind_writer);
	add(&acc->refaults, f->refaults);
	for (int i = 0; i < VLS_RCHAIN_MAX; i++)
		add(&acc->chain[i], f->chain[i]);
	add_dist(&acc->io_wait, &f->io_wait, false);
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
		p->mm = t->pid == VLS_RNULL ? t->mm : VLS_RNULL;
		p->tid = t->pid == VLS_RNULL && t->mm == VLS_RNULL ? t->tid : VLS_RNULL;
	}
	/* the group leader names the process */
	if (first || (t->tid == t->pid && t->comm))
		err = set_comm(L, p, t->comm);
	p->nthreads = first ? 1 : p->nthreads + 1;
	add_faults(&p->f, &t->f, first);
	add_stats(&p->lock[0], &t->lock[0], first);
	add_stats(&p->lock[1], &t->lock[1], first);
	return err;
}

/* The lock analyzer's row of a process: exact percentiles, its comm. */
static int apply_plocks(struct vls_rloader *L, struct vls_rrun *run, size_t *cap)
{
	int err = 0;

	for (size_t i = 0; !err && i < L->nplocks; i++) {
		const struct vls_rtask *pl = &L->plocks[i];
		struct vls_rtask *p = NULL;

		for (size_t k = 0; k < run->nprocs && !p; k++)
			if ((run->procs[k].mm != VLS_RNULL && run->procs[k].mm == pl->mm) ||
			    (pl->pid != VLS_RNULL && run->procs[k].pid == pl->pid))
				p = &run->procs[k];
		if (!p && (p = new_proc(L, run, cap, &err)) != NULL) {
			p->pid = pl->pid;
			p->mm = pl->mm;
		}
		if (p) {
			p->lock[0] = pl->lock[0];
			p->lock[1] = pl->lock[1];
			if (pl->comm && p->pid == VLS_RNULL)
				err = set_comm(L, p, pl->comm);
		}
	}
	return err;
}

int __vls_rl_processes(struct vls_rloader *L, struct vls_rrun *run)
{
	size_t cap = 0;
	int err = 0;

	for (size_t i = 0; !err && i < run->ntasks; i++)
		err = add_thread(L, run, &cap, &run->tasks[i]);
	if (!err)
		err = apply_plocks(L, run, &cap);
	for (size_t i = 0; i < run->nprocs; i++)
		run->procs[i].tid = -1;
	return err;
}
