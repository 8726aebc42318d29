/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * analysis.h - the public analysis (vls_analysis_*, include/vmlockstat.h):
 * the lock and fault cores run without a store, their results converted
 * to the public structs and handed to the embedder's callbacks.
 *
 * Files: analysis.c (lifecycle, feeding, a whole reader), analysis-emit.c
 * (the cores' sinks: private results -> public structs).
 */
#ifndef VLS_ANALYSIS_H
#define VLS_ANALYSIS_H

#include "faults.h"
#include "locks.h"
#include "meta.h"
#include "tasks.h"

struct vls_analysis {
	vls_ctx *ctx;
	vls_analysis_opts opts;
	struct vls_meta meta;
	struct vls_groups *groups;
	struct vls_locks *locks;
	struct vls_faults *faults;
	bool started, finished;
	/* analysis-emit.c: the blockers of the chain being handed out */
	vls_chain_blocker blockers[VLS_CHAIN_LINKS_MAX];
};

/* analysis-emit.c: the sinks the cores call; data is the vls_analysis. A
 * callback's non-zero return becomes VLS_ESTOPPED. */
int __vls_analysis_on_acq(void *data, const struct vls_lock_acq *a);
int __vls_analysis_on_chain(void *data, const struct vls_chain *c, int64_t seq);
int __vls_analysis_on_episode(const struct vls_fault_episode *ep, void *data);

#endif /* VLS_ANALYSIS_H */
