/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vlsk-collect.c - the plugin's core: vls_analysis over a trace file, its
 * acquisitions, fallback episodes and chains kept as per-task intervals
 * (vlsk.h). Only libvmlockstat's public API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmlockstat.h>

#include "vlsk.h"

/* A trace is hostile input: past this many marks the plugin gives up
 * (VLS_ELIMIT) rather than exhaust the viewer's memory. */
#define VLSK_MARKS_MAX (64u << 20)
#define VLSK_CHAINS_MAX (1u << 20)

static const char *const reason_names[VLSK__REASONS] = {
	"io_retry", "no_io", "kernel_mode", "no_vma_lock",
};
static const char *const kind_names[VLSK__KINDS] = {
	"wait", "hold", "fallback", "block",
};

const char *vlsk_reason_name(unsigned int reason)
{
	return reason < VLSK__REASONS ? reason_names[reason] : "unknown";
}

const char *vlsk_kind_name(unsigned int kind)
{
	return kind < VLSK__KINDS ? kind_names[kind] : "unknown";
}

static int fail(struct vlsk_trace *t, int err, const char *msg)
{
	snprintf(t->err, sizeof(t->err), "%s", msg);
	return err;
}

static struct vlsk_mark *mark_new(struct vlsk_trace *t, enum vlsk_kind kind,
				  int32_t tid, uint64_t start, uint64_t end)
{
	struct vlsk_mark *m;

	if (t->nmarks == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;

		if (cap > VLSK_MARKS_MAX ||
		    !(m = realloc(t->marks, cap * sizeof(*m))))
			return NULL;
		t->marks = m;
		t->cap = cap;
	}
	m = &t->marks[t->nmarks++];
	memset(m, 0, sizeof(*m));
	m->kind = (uint8_t)kind;
	m->tid = tid;
	m->start_ns = start;
	m->end_ns = end < start ? start : end;
	m->chain = -1;
	t->count[kind]++;
	return m;
}

/* A wait and a hold; a read hold that mmap_write_downgrade() began has
 * no wait of its own (its write acquisition had it). */
static int on_acq(const vls_mmap_acq *a, void *data)
{
	struct vlsk_trace *t = data;
	struct vlsk_mark *w = NULL, *h;
	unsigned int write = a->write != 0;

	if (!a->downgraded) {
		if (!(w = mark_new(t, VLSK_WAIT, a->tid, a->start_ns, a->acquire_ns)))
			return fail(t, VLS_ELIMIT, "too many marks (or out of memory)");
		w->write = (uint8_t)write;
		w->contended = a->contended != 0;
		w->chain = a->chain;
		t->acq[write]++;
		t->contended[write] += w->contended;
	}
	if (!(h = mark_new(t, VLSK_HOLD, a->tid, a->acquire_ns, a->release_ns)))
		return fail(t, VLS_ELIMIT, "too many marks (or out of memory)");
	h->write = (uint8_t)write;
	h->contended = a->contended != 0;
	return 0;
}

static int reason_of(const char *name)
{
	for (int r = 0; r < VLSK__REASONS; r++)
		if (!strcmp(name, reason_names[r]))
			return r;
	return -1;
}

/* Only the episodes that fell back to mmap_lock: the others (no lock, a
 * nested acquisition) are drawn by their acquisitions, if any. */
static int on_fault(const vls_fault_ep *ep, void *data)
{
	struct vlsk_trace *t = data;
	int reason = reason_of(ep->reason);
	struct vlsk_mark *m;

	if (!ep->fallback)
		return 0;
	if (reason < 0)
		return fail(t, VLS_EUNSUPPORTED, "a fallback reason this plugin does not know");
	if (!(m = mark_new(t, VLSK_FALLBACK, ep->tid, ep->start_ns, ep->end_ns)))
		return fail(t, VLS_ELIMIT, "too many marks (or out of memory)");
	m->reason = (uint8_t)reason;
	m->attempts = ep->attempts;
	m->io_wait_ns = ep->io_wait_ns;
	t->by_reason[reason]++;
	return 0;
}

static int chain_new(struct vlsk_trace *t, const vls_wait_chain *c)
{
	struct vlsk_chain *ch;

	if (t->nchains == t->chain_cap) {
		size_t cap = t->chain_cap ? 2 * t->chain_cap : 64;

		if (cap > VLSK_CHAINS_MAX ||
		    !(ch = realloc(t->chains, cap * sizeof(*ch))))
			return fail(t, VLS_ELIMIT, "too many chains (or out of memory)");
		t->chains = ch;
		t->chain_cap = cap;
	}
	ch = &t->chains[t->nchains++];
	ch->seq = c->seq;
	ch->tid = c->tid;
	ch->start_ns = c->start_ns;
	ch->wait_ns = c->wait_ns;
	ch->write = c->write != 0;
	ch->inversion = c->inversion != 0;
	ch->nblockers = c->nblockers;
	return 0;
}

/* Each blocker, on its own graph, over the hull of its blocking; peer is
 * whom it blocked: the waiter for a direct blocker, else its parent. */
static int on_chain(const vls_wait_chain *c, void *data)
{
	struct vlsk_trace *t = data;
	int ret = chain_new(t, c);

	for (size_t i = 0; !ret && i < c->nblockers; i++) {
		const vls_chain_blocker *b = &c->blockers[i];
		struct vlsk_mark *m = mark_new(t, VLSK_BLOCK, b->tid, b->first_ns,
					       b->last_ns);

		if (!m)
			return fail(t, VLS_ELIMIT, "too many marks (or out of memory)");
		m->write = b->write != 0;
		m->queued = b->queued != 0;
		m->inversion = c->inversion != 0;
		m->chain = c->seq;
		m->depth = b->depth;
		m->peer = b->parent >= 0 && (size_t)b->parent < c->nblockers
			? c->blockers[b->parent].tid : c->tid;
	}
	return ret;
}

static int mark_cmp(const void *a, const void *b)
{
	const struct vlsk_mark *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static int analyse(struct vlsk_trace *t, vls_ctx *ctx, const char *path,
		   uint64_t threshold)
{
	vls_analysis_opts o = VLS_ANALYSIS_OPTS_INIT;
	vls_analysis *an = NULL;
	vls_reader *r = NULL;
	int ret;

	o.chain_threshold_ns = threshold;
	o.on_acq = on_acq;
	o.on_fault = on_fault;
	o.on_chain = on_chain;
	o.data = t;
	ret = vls_reader_open(&r, ctx, path, NULL);
	if (!ret)
		ret = vls_analysis_new(&an, ctx, &o);
	if (!ret)
		ret = vls_analysis_run(an, r);
	if (ret < 0 && !t->err[0])
		snprintf(t->err, sizeof(t->err), "%s", vls_ctx_errmsg(ctx));
	vls_analysis_free(an);
	vls_reader_close(r);
	return ret;
}

int vlsk_collect(struct vlsk_trace *t, const char *path, uint64_t chain_threshold_ns)
{
	vls_ctx *ctx = NULL;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!path)
		return fail(t, VLS_EINVAL, "no trace file");
	if ((ret = vls_ctx_new(&ctx)) < 0)
		return fail(t, ret, "cannot create a vmlockstat context");
	ret = analyse(t, ctx, path, chain_threshold_ns);
	vls_ctx_free(ctx);
	if (ret < 0)
		return ret;
	if (t->nmarks)
		qsort(t->marks, t->nmarks, sizeof(*t->marks), mark_cmp);
	return 0;
}

void vlsk_release(struct vlsk_trace *t)
{
	if (!t)
		return;
	free(t->marks);
	free(t->chains);
	memset(t, 0, sizeof(*t));
}

const struct vlsk_mark *vlsk_task_marks(const struct vlsk_trace *t, int32_t tid,
					size_t *n)
{
	size_t lo = 0, hi = t->nmarks, first;

	*n = 0;
	while (lo < hi) {            /* the first mark of tid or above */
		size_t mid = lo + (hi - lo) / 2;

		if (t->marks[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < t->nmarks && t->marks[lo].tid == tid)
		lo++;
	*n = lo - first;
	return *n ? &t->marks[first] : NULL;
}

const struct vlsk_chain *vlsk_chain_get(const struct vlsk_trace *t, int64_t seq)
{
	/* chains arrive in seq order (0, 1, ...): vls_wait_chain.seq */
	if (seq < 0 || (size_t)seq >= t->nchains || t->chains[seq].seq != seq)
		return NULL;
	return &t->chains[seq];
}
