/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks.h - the task analyzer's files: tasks-store.c (the analyzer: table
 * task), tasks-groups.c (each task's process, for every analyzer),
 * tasks-tgids.c (the recorder's thread lists) and tasks-events.c
 * (table event, the raw events it keeps when vls_import_opts.keep_events
 * is set).
 */
#ifndef VLS_TASKS_H
#define VLS_TASKS_H

#include <stdbool.h>
#include <stdint.h>

#include "util-map.h"
#include "vls-local.h"

struct vls_meta;
struct vls_store_txn;

/* tasks-tgids.c: the recorder's thread lists ("tgids.start.N",
 * "tgids.saved.N" in the run's metadata) into m, tid -> tgid. */
int __vls_tasks_tgids_load(vls_ctx *ctx, const struct vls_meta *meta,
			   struct vls_u64map *m);
/* Is key one of them? The import uses them and does not store them. */
bool __vls_tasks_tgids_key(const char *key);

/* tasks-groups.c: the thread group of each task of an import. */
struct vls_groups;
int __vls_groups_new(struct vls_groups **out, vls_ctx *ctx);
void __vls_groups_free(struct vls_groups *g);
/* Every event, in order, before the analyzers see it; meta: the run's,
 * for the recorder's lists (read at the first event). */
int __vls_groups_event(struct vls_groups *g, const vls_event *ev,
		       const struct vls_meta *meta);
/* The pid of tid as far as the events so far say, -1 when unknown (or g
 * NULL). */
int32_t __vls_groups_pid(const struct vls_groups *g, int32_t tid);

/* One row of table event: the seq-th event of the run. */
int __vls_tasks_store_event(struct vls_store_txn *txn, int64_t seq,
			    const vls_event *ev);

#endif /* VLS_TASKS_H */
