/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * analyzer.h - the analyzer interface and the one list of the analyzers
 * every import runs (analyzer.c). An analyzer is a family of files: a
 * state machine over the event stream (<family>-machine.c, no SQL) and
 * its store writer (<family>-store.c), which defines the ops below.
 */
#ifndef VLS_ANALYZER_H
#define VLS_ANALYZER_H

#include "vls-local.h"

struct vls_store_txn;   /* store.h: the open import transaction */

/*
 * An analyzer consumes the event stream and writes its results into the
 * run being imported. All run inside vls_import_feed(), in the order of
 * __vls_analyzers[].
 */
struct vls_analyzer_ops {
	const char *name;
	int (*create)(void **out, vls_ctx *ctx, const vls_import_opts *opts);
	int (*event)(void *state, const vls_event *ev, struct vls_store_txn *txn);
	/* End of input: write what remains. */
	int (*finish)(void *state, struct vls_store_txn *txn);
	void (*destroy)(void *state);
};

extern const struct vls_analyzer_ops __vls_tasks_analyzer;   /* tasks-store.c */
extern const struct vls_analyzer_ops __vls_locks_analyzer;   /* locks-store.c */
extern const struct vls_analyzer_ops __vls_faults_analyzer;  /* faults-store.c */

/* The analyzers in the order they see each event, NULL-terminated. */
#define VLS_ANALYZERS_MAX 16
extern const struct vls_analyzer_ops *const __vls_analyzers[];

#endif /* VLS_ANALYZER_H */
