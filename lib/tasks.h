/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks.h - the task analyzer's files: tasks-store.c (the analyzer: table
 * task) and tasks-events.c (table event, the raw events it keeps when
 * vls_import_opts.keep_events is set).
 */
#ifndef VLS_TASKS_H
#define VLS_TASKS_H

#include <stdint.h>

#include "vls-local.h"

struct vls_store_txn;

/* One row of table event: the seq-th event of the run. */
int __vls_tasks_store_event(struct vls_store_txn *txn, int64_t seq,
			    const vls_event *ev);

#endif /* VLS_TASKS_H */
