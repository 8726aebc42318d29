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
}

static struct vls_rtask *find_proc(struct vls_rrun *run, int64_t pid)
{
	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i].pid == pid)
			return &run->procs[i];
	return NULL;
}

static int add_thread(struct vls_rloader *L, struct vls_rrun *run, size_t *cap,
		      const struct vls_rtask *t)
{
	int64_t pid = t->pid == VLS_RNULL ? t->tid : t->pid;
	struct vls_rtask *p = find_proc(run, pid);
	bool first = !p;
	int err;

	if (first) {
		err = __vls_grow(L->ctx, (void **)&run->procs, cap, run->nprocs + 1,
				 sizeof(*run->procs), VLS_RLIST_MAX);
		if (err)
			return err;
		p = &run->procs[run->nprocs++];
		memset(p, 0, sizeof(*p));
		p->tid = -1;
		p->pid = pid;
		p->prio = VLS_RNULL;
	}
	/* the group leader names the process */
	if (first || (t->tid == pid && t->comm)) {
		__vls_free(L->ctx, p->comm);
		p->comm = t->comm ? __vls_strdup(L->ctx, t->comm) : NULL;
		if (t->comm && !p->comm)
			return __vls_error(L->ctx, VLS_ENOMEM, "out of memory");
	}
	p->nthreads = first ? 1 : p->nthreads + 1;
	add_faults(&p->f, &t->f, first);
	add_stats(&p->lock[0], &t->lock[0], first);
	add_stats(&p->lock[1], &t->lock[1], first);
	return 0;
}

int __vls_rl_processes(struct vls_rloader *L, struct vls_rrun *run)
{
	size_t cap = 0;
	int err = 0;

	for (size_t i = 0; !err && i < run->ntasks; i++)
		err = add_thread(L, run, &cap, &run->tasks[i]);
	for (size_t i = 0; !err && i < L->nplocks; i++) {
		struct vls_rtask *p = find_proc(run, L->plocks[i].pid);

		if (p) {
			p->lock[0] = L->plocks[i].lock[0];
			p->lock[1] = L->plocks[i].lock[1];
		}
	}
	return err;
}
