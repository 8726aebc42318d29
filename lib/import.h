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
	bool in_txn;               /* BEGIN done, neither COMMIT nor ROLLBACK */
	bool failed;               /* a feed failed: the run cannot be committed */
};

/* Read every event of r into imp (on a second thread when that is safe),
 * with opts->progress called on the importing thread. */
int __vls_import_read(vls_import *imp, vls_reader *r, const vls_import_opts *opts);

#endif /* VLS_IMPORT_H */
