/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * analyzer.c - the analyzers every import runs, in this order. Each gets
 * every event (vls_import_feed()) and writes its tables as it goes and at
 * finish.
 */
#include "analyzer.h"

const struct vls_analyzer_ops *const __vls_analyzers[] = {
	&__vls_tasks_analyzer,
	&__vls_locks_analyzer,
	&__vls_faults_analyzer,
	NULL,
};
