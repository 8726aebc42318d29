/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import.h - one import (import.c: the run row, the analyzers, the run's
 * metadata, one write transaction) and the pipeline that reads a file
 * into it (import-pipe.c).
 */
#ifndef VLS_IMPORT_H
#define VLS_IMPORT_H

#include "analyzer.h"
#include "reader.h"
#include "store.h"
#include "util-map.h"

/*
 * The trace clock's step (import-step.c): per CPU, the last timestamp
 * (UINT64_MAX: no event yet), how many events had the timestamp of their
 * CPU's previous event, and the smallest positive difference between
 * them. Per event, vls_import_feed() does a bounds check, two compares
 * and a subtraction (17 instructions; no division); the rule that tells a
 * clock's step from the spacing of events runs once, at the commit.
 */
#define VLS_TSTEP_CPUS_MAX 8192   /* the kernel's largest NR_CPUS */

struct vls_tstep {
	uint64_t *last;            /* [ncpus] */
	size_t ncpus;
	uint64_t events;           /* events measured (their cpu in range) */
	uint64_t ties;             /* ... stamped as their CPU's previous one */
	uint64_t min;              /* smallest positive difference, or UINT64_MAX */
};

/* One import (import.c). */
struct vls_import {
	vls_ctx *ctx;
	vls_db *db;
	vls_import_opts opts;      /* strings owned: the copies below */
	char *label, *kernel, *arch;
	size_t *overrides;         /* meta indices the options fixed */
	size_t noverrides;
	struct vls_store_txn txn;
	struct vls_meta meta;
	struct vls_groups *groups; /* each task's process (tasks-groups.c) */
	void *states[VLS_ANALYZERS_MAX];
	size_t nanalyzers;
	uint64_t events, first_ts, last_ts;
	/* Time per task (see vls_import_feed()): tid -> index in task_ts,
	 * the task's last timestamp; events stamped before their task's
	 * previous one, and the largest such step back. */
	struct vls_u64map task_ts_map;
	uint64_t *task_ts;
	size_t ntask_ts, cap_task_ts;
	uint64_t backwards, backwards_max_ns;
	struct vls_tstep tstep;
	bool in_txn;               /* BEGIN done, neither COMMIT nor ROLLBACK */
	bool failed;               /* a feed failed: the run cannot be committed */
};

int __vls_tstep_grow(vls_ctx *ctx, struct vls_tstep *t, int32_t cpu);
int __vls_tstep_meta(vls_ctx *ctx, const struct vls_tstep *t,
		     struct vls_meta *meta, bool keep_resolution);
void __vls_tstep_release(vls_ctx *ctx, struct vls_tstep *t);

/* One event into the step's measure: events on a CPU out of range
 * (negative, VLS_TSTEP_CPUS_MAX or more) are left out of it. */
static inline int __vls_tstep_event(vls_ctx *ctx, struct vls_tstep *t,
				    const vls_event *ev)
{
	uint64_t *last;
	int ret;

	if ((uint32_t)ev->cpu >= t->ncpus) {
		ret = __vls_tstep_grow(ctx, t, ev->cpu);
		if (ret <= 0)
			return ret;
	}
	last = &t->last[ev->cpu];
	t->events++;
	if (ev->ts_ns == *last)
		t->ties++;
	else if (ev->ts_ns > *last && ev->ts_ns - *last < t->min)
		t->min = ev->ts_ns - *last;
	*last = ev->ts_ns;
	return 0;
}

/* Read every event of r into imp (on a second thread when that is safe),
 * with opts->progress called on the importing thread. */
int __vls_import_read(vls_import *imp, vls_reader *r, const vls_import_opts *opts);

#endif /* VLS_IMPORT_H */
