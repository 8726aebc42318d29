/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * locks-chain.c - wait-for chains of long mmap_lock waits, and their
 * one-line rendering.
 *
 * A waiter W on mm M, blocked over [lo, hi], is blocked by (rwsem rules of
 * kernel/locking/rwsem.c):
 *  - every other task holding M in a conflicting mode during [lo, hi]
 *    (a writer conflicts with everyone, a reader with writers);
 *  - for a reader, every writer that queued before it and was still
 *    waiting: rwsem_down_read_slowpath() queues readers behind a waiting
 *    writer instead of letting them share the lock.
 * Each blocker is followed over the part of the window it blocked: a
 * queued writer to its own blockers, a holder to the wait it began on
 * another mm while holding; otherwise it is a root: asleep in D while
 * holding (the reason from its sched_switch stack) or running.
 */
#include <stddef.h>
#include <string.h>

#include "locks-machine.h"

struct target {
	bool set;
	uint32_t rec;
	uint64_t lo, hi;
};

struct builder {
	struct vls_locks *lk;
	struct vls_chain *c;
	uint64_t now;
	struct target next[VLS_CHAIN_LINKS_MAX][2];  /* [queued, nested] */
	uint64_t best_sleep[VLS_CHAIN_LINKS_MAX];
};

static int32_t rec_prio(const struct vls_locks *lk, const struct vls_lock_rec *r)
{
	return r->prio >= 0 ? r->prio : __vls_lk_task(lk, r->task)->prio;
}

static struct vls_chain_link *link_for(struct builder *b, const struct vls_lock_rec *r,
				       uint32_t first, int32_t parent,
				       uint32_t depth, uint32_t *idx)
{
	const struct vls_lock_task *t = __vls_lk_task(b->lk, r->task);
	struct vls_chain *c = b->c;
	struct vls_chain_link *l;

	for (uint32_t i = first; i < c->nlinks; i++)
		if (c->links[i].tid == r->tid) {
			*idx = i;
			return &c->links[i];
		}
	if (c->nlinks >= VLS_CHAIN_LINKS_MAX) {
		c->dropped_links++;
		return NULL;
	}
	*idx = c->nlinks++;
	l = &c->links[*idx];
	memset(l, 0, sizeof(*l));
	memset(b->next[*idx], 0, sizeof(b->next[*idx]));
	b->best_sleep[*idx] = 0;
	l->parent = parent;
	l->depth = depth;
	l->tid = r->tid;
	l->pid = t->agg.pid;
	l->prio = rec_prio(b->lk, r);
	memcpy(l->comm, t->agg.comm, sizeof(l->comm));
	l->site = r->site;
	l->lo = UINT64_MAX;
	return l;
}

static uint64_t overlap(uint64_t a, uint64_t b, uint64_t lo, uint64_t hi,
			uint64_t *olo, uint64_t *ohi)
{
	*olo = a > lo ? a : lo;
	*ohi = b < hi ? b : hi;
	return *ohi > *olo ? *ohi - *olo : 0;
}

static void hull(struct vls_chain_link *l, uint64_t lo, uint64_t hi)
{
	if (lo < l->lo)
		l->lo = lo;
	if (hi > l->hi)
		l->hi = hi;
}

/* D-state time of holder r within [lo, hi]; the longest sleep names it. */
static void sleeps_in(struct builder *b, const struct vls_lock_rec *r,
		      uint32_t idx, uint64_t lo, uint64_t hi)
{
	const struct vls_lock_task *t = __vls_lk_task(b->lk, r->task);
	struct vls_chain_link *l = &b->c->links[idx];
	struct vls_lock_sleep now_s;
	uint64_t olo, ohi, ov;

	for (uint32_t i = 0; i <= r->nsleeps; i++) {
		const struct vls_lock_sleep *s = &r->sleeps[i];

		if (i == r->nsleeps) {   /* still asleep now, holding r */
			if (r->released || !t->asleep)
				break;
			now_s = (struct vls_lock_sleep){ t->sleep_start, b->now,
							 t->sleep_reason, t->sleep_wchan };
			s = &now_s;
		}
		ov = overlap(s->start, s->end, lo, hi, &olo, &ohi);
		if (!ov)
			continue;
		l->asleep_ns += ov;
		if (ov > b->best_sleep[idx]) {
			b->best_sleep[idx] = ov;
			l->reason = s->reason;
			l->wchan = s->wchan;
		}
	}
}

static const struct vls_lock_rec *nested_wait(const struct vls_locks *lk,
					      const struct vls_lock_rec *r)
{
	const struct vls_lock_rec *n;

	if (!r->nested)
		return NULL;
	n = &lk->recs[r->nested - 1];
	if (!n->in_use || n->gen != r->nested_gen || n->mm == r->mm)
		return NULL;
	return n;
}

static void set_target(struct target *t, const struct vls_locks *lk,
		       const struct vls_lock_rec *r, uint64_t lo, uint64_t hi,
		       uint64_t now)
{
	uint64_t olo, ohi;

	if (t->set || !overlap(r->t_start, __vls_rec_acq_end(r, now), lo, hi, &olo, &ohi))
		return;
	t->set = true;
	t->rec = (uint32_t)(r - lk->recs);
	t->lo = olo;
	t->hi = ohi;
}

static void as_holder(struct builder *b, const struct vls_lock_rec *w,
		      const struct vls_lock_rec *r, uint64_t lo, uint64_t hi,
		      uint32_t first, int32_t parent, uint32_t depth)
{
	uint64_t olo, ohi, ov;
	const struct vls_lock_rec *n;
	struct vls_chain_link *l;
	uint32_t idx;

	if (!r->acquired || !(w->write || r->write))
		return;
	ov = overlap(__vls_rec_hold_start(r), __vls_rec_hold_end(r, b->now), lo, hi,
		     &olo, &ohi);
	if (!ov || !(l = link_for(b, r, first, parent, depth, &idx)))
		return;
	l->held_ns += ov;
	l->write |= r->write;
	l->hold_total_ns += __vls_rec_hold_end(r, b->now) - __vls_rec_hold_start(r);
	hull(l, olo, ohi);
	sleeps_in(b, r, idx, olo, ohi);
	if ((n = nested_wait(b->lk, r)))
		set_target(&b->next[idx][1], b->lk, n, olo, ohi, b->now);
}

static void as_queued(struct builder *b, const struct vls_lock_rec *w,
		      const struct vls_lock_rec *r, uint64_t lo, uint64_t hi,
		      uint32_t first, int32_t parent, uint32_t depth)
{
	uint64_t olo, ohi, ov;
	struct vls_chain_link *l;
	uint32_t idx;

	if (w->write || !r->write || r->downgrade_read || r->t_start >= w->t_start)
		return;
	ov = overlap(r->t_start, __vls_rec_acq_end(r, b->now), lo, hi, &olo, &ohi);
	if (!ov || !(l = link_for(b, r, first, parent, depth, &idx)))
		return;
	l->queued_ns += ov;
	l->queued = true;
	l->write = true;
	hull(l, olo, ohi);
	set_target(&b->next[idx][0], b->lk, r, olo, ohi, b->now);
}

static void add_blockers(struct builder *b, uint32_t wid, uint64_t lo,
			 uint64_t hi, int32_t parent, uint32_t depth)
{
	const struct vls_lock_rec *w = &b->lk->recs[wid];
	const struct vls_lock_mm *m = __vls_lk_mm(b->lk, w->mmi);
	uint32_t first = b->c->nlinks, end;

	if (depth > VLS_CHAIN_DEPTH_MAX)
		return;
	for (size_t i = 0; i < m->nwin; i++) {
		const struct vls_lock_rec *r = &b->lk->recs[m->win[i]];

		if (r == w || r->tid == w->tid || !r->in_use)
			continue;
		as_holder(b, w, r, lo, hi, first, parent, depth);
		as_queued(b, w, r, lo, hi, first, parent, depth);
	}
	end = b->c->nlinks;
	for (uint32_t i = first; i < end; i++) {
		b->c->links[i].woke = w->waker >= 0 && w->waker == b->c->links[i].tid;
		if (depth > b->c->depth)
			b->c->depth = depth;
	}
	for (uint32_t i = first; i < end; i++)
		for (int k = 0; k < 2; k++) {
			struct target t = b->next[i][k];

			if (t.set)
				add_blockers(b, t.rec, t.lo, t.hi, (int32_t)i, depth + 1);
		}
}

static void mark_tree(struct vls_chain *c)
{
	uint64_t best_sleep = 0, best_block = 0;

	for (uint32_t i = 0; i < c->nlinks; i++)
		if (c->links[i].parent >= 0)
			c->links[c->links[i].parent].waiting = true;
	c->root = -1;
	for (uint32_t i = 0; i < c->nlinks; i++) {
		const struct vls_chain_link *l = &c->links[i];
		uint64_t block = l->held_ns + l->queued_ns;

		if (l->waiting)
			continue;
		if (l->asleep_ns > best_sleep ||
		    (!best_sleep && block > best_block)) {
			best_sleep = l->asleep_ns;
			best_block = block;
			c->root = (int32_t)i;
		}
	}
}

/* Length of the union of the inverted links' blocking hulls. */
static void mark_inversion(struct vls_chain *c)
{
	uint64_t lo[VLS_CHAIN_LINKS_MAX], hi[VLS_CHAIN_LINKS_MAX], end = 0;
	uint32_t n = 0;

	c->inversion = false;
	c->inverted_ns = 0;
	if (c->prio < 0)
		return;
	for (uint32_t i = 0; i < c->nlinks; i++) {
		const struct vls_chain_link *l = &c->links[i];
		uint32_t j = n++;

		if (l->prio <= c->prio || l->hi <= l->lo) {
			n--;
			continue;
		}
		for (; j > 0 && lo[j - 1] > l->lo; j--) {
			lo[j] = lo[j - 1];
			hi[j] = hi[j - 1];
		}
		lo[j] = l->lo;
		hi[j] = l->hi;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t from = lo[i] > end ? lo[i] : end;

		if (hi[i] > from)
			c->inverted_ns += hi[i] - from;
		if (hi[i] > end)
			end = hi[i];
	}
	c->inversion = n > 0;
}

void __vls_chain_build(struct vls_locks *lk, uint32_t rec, uint64_t now)
{
	struct builder b;
	const struct vls_lock_rec *w = &lk->recs[rec];
	const struct vls_lock_task *t = __vls_lk_task(lk, w->task);
	struct vls_chain *c = &lk->chain;
	uint64_t end = __vls_rec_acq_end(w, now);

	memset(c, 0, offsetof(struct vls_chain, links));
	b.lk = lk;
	b.c = c;
	b.now = now;
	c->mm = w->mm;
	c->start_ns = w->t_start;
	c->wait_ns = end - w->t_start;
	c->open = !w->acquired && !w->failed;
	c->tid = w->tid;
	c->pid = t->agg.pid;
	c->prio = rec_prio(lk, w);
	memcpy(c->comm, t->agg.comm, sizeof(c->comm));
	c->write = w->write;
	c->site = w->site;
	add_blockers(&b, rec, w->t_start, end, -1, 1);
	for (uint32_t i = 0; i < c->nlinks; i++)
		if (c->links[i].depth == 1 && c->links[i].woke)
			c->woken = true;
	mark_tree(c);
	mark_inversion(c);
}
