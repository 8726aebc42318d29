/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * analysis-emit.c - the lock and fault cores' results as the public
 * structs of vls_analysis (include/vmlockstat.h), handed to the callbacks.
 */
#include <string.h>

#include "analysis.h"

static int stopped(struct vls_analysis *an, int ret, const char *what)
{
	if (!ret)
		return 0;
	return __vls_error(an->ctx, VLS_ESTOPPED, "the %s callback asked to stop",
			   what);
}

int __vls_analysis_on_acq(void *data, const struct vls_lock_acq *a)
{
	struct vls_analysis *an = data;
	const vls_mmap_acq out = {
		.mm = a->mm, .tid = a->tid, .pid = a->pid, .write = a->write,
		.contended = a->contended, .open = a->open,
		.downgraded = a->downgraded, .start_ns = a->start_ns,
		.acquire_ns = a->start_ns + a->wait_ns,
		.release_ns = a->start_ns + a->wait_ns + a->hold_ns,
		.asleep_ns = a->asleep_ns, .site = __vls_lock_site_key(a->site),
		.sleep_reason = __vls_sleep_reason_key(a->reason),
		.wchan = a->wchan, .chain = a->chain,
	};

	if (!an->opts.on_acq)
		return 0;
	return stopped(an, an->opts.on_acq(&out, an->opts.data), "acquisition");
}

static void blocker(vls_chain_blocker *b, const struct vls_chain_link *l)
{
	memset(b, 0, sizeof(*b));
	b->parent = l->parent;
	b->depth = l->depth;
	b->tid = l->tid;
	b->pid = l->pid;
	b->prio = l->prio;
	memcpy(b->comm, l->comm, sizeof(b->comm));
	b->write = l->write;
	b->queued = l->queued;
	b->woke = l->woke;
	b->site = __vls_lock_site_key(l->site);
	b->sleep_reason = __vls_sleep_reason_key(l->reason);
	b->wchan = l->wchan;
	b->held_ns = l->held_ns;
	b->queued_ns = l->queued_ns;
	b->asleep_ns = l->asleep_ns;
	b->hold_total_ns = l->hold_total_ns;
	b->first_ns = l->lo;
	b->last_ns = l->hi;
}

int __vls_analysis_on_chain(void *data, const struct vls_chain *c, int64_t seq)
{
	struct vls_analysis *an = data;
	uint32_t n = c->nlinks < VLS_CHAIN_LINKS_MAX ? c->nlinks : VLS_CHAIN_LINKS_MAX;
	vls_wait_chain out = {
		.seq = seq, .mm = c->mm, .tid = c->tid, .pid = c->pid,
		.prio = c->prio, .write = c->write,
		.site = __vls_lock_site_key(c->site), .start_ns = c->start_ns,
		.wait_ns = c->wait_ns, .open = c->open, .woken = c->woken,
		.inversion = c->inversion, .inverted_ns = c->inverted_ns,
		.depth = c->depth, .root = c->root, .nblockers = n,
		.blockers = an->blockers, .dropped = c->dropped_links,
	};

	if (!an->opts.on_chain)
		return 0;
	memcpy(out.comm, c->comm, sizeof(out.comm));
	for (uint32_t i = 0; i < n; i++)
		blocker(&an->blockers[i], &c->links[i]);
	return stopped(an, an->opts.on_chain(&out, an->opts.data), "chain");
}

/* Every episode, those that never took mmap_lock too (reason "none"): the
 * store keeps only the others, but an I/O sleep is worth drawing. */
int __vls_analysis_on_episode(const struct vls_fault_episode *ep, void *data)
{
	struct vls_analysis *an = data;
	vls_fault_ep out = {
		.tid = ep->tid, .pid = ep->pid, .mm = ep->mm,
		.start_ns = ep->start_ns, .end_ns = ep->end_ns,
		.lock_ns = ep->mmap_attempts > 0 ? ep->lock_ns : 0,
		.reason = __vls_fault_reason_name(ep->reason),
		.fallback = ep->reason < VLS_FR__FALLBACKS,
		.kernel_mode = ep->kernel_mode, .behind_writer = ep->behind_writer,
		.attempts = ep->attempts, .mmap_attempts = ep->mmap_attempts,
		.trylock_fails = ep->trylock_fails,
		.filemap_faults = ep->filemap_faults, .refaults = ep->refaults,
		.io_wait_ns = ep->io_wait_ns, .lock_wait_ns = ep->lock_wait_ns,
	};

	if (!an->opts.on_fault)
		return 0;
	memcpy(out.comm, ep->comm, sizeof(out.comm));
	return stopped(an, an->opts.on_fault(&out, an->opts.data), "fault");
}
