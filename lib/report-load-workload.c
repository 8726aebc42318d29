/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load-workload.c - the kernel's own fault counts beside the trace's.
 *
 * `vmlockstat record --scenario NAME` stores the scenario's ground truth
 * (the JSON that `vmlockstat workload` prints: per thread tid, role,
 * getrusage(RUSAGE_THREAD) ru_minflt and ru_majflt over its measured loop)
 * in run_meta "workload.truth". SQLite's JSON functions read it: no JSON
 * parser of our own. A truth that is not valid JSON, or a thread entry
 * without an integer tid, is ignored: the report then shows no rusage.
 */
#include "report-load.h"

static int thread_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	struct vls_rrun *run = data;
	struct vls_rtask *t;

	if (sqlite3_column_type(st, 0) != SQLITE_INTEGER)
		return 0;
	t = __vls_rl_task(L, run, sqlite3_column_int64(st, 0));
	if (!t)     /* a thread the trace never saw */
		return 0;
	if (sqlite3_column_type(st, 1) == SQLITE_INTEGER)
		t->ru_minflt = sqlite3_column_int64(st, 1);
	if (sqlite3_column_type(st, 2) == SQLITE_INTEGER)
		t->ru_majflt = sqlite3_column_int64(st, 2);
	__vls_free(L->ctx, t->role);
	return sqlite3_column_type(st, 3) == SQLITE_TEXT ?
	       __vls_rl_text(L, &t->role, st, 3) : 0;
}

static int set_str(struct vls_rloader *L, char **out, const char *s)
{
	*out = s ? __vls_strdup(L->ctx, s) : NULL;
	return s && !*out ? __vls_error(L->ctx, VLS_ENOMEM, "out of memory") : 0;
}

int __vls_rl_workload(struct vls_rloader *L, struct vls_rrun *run)
{
	int err;

	if (!__vls_rl_meta(L, "workload.scenario"))
		return 0;
	err = set_str(L, &run->workload, __vls_rl_meta(L, "workload.scenario"));
	if (!err)
		err = set_str(L, &run->workload_args, __vls_rl_meta(L, "workload.args"));
	if (err || !__vls_rl_meta(L, "workload.truth"))
		return err;
	return __vls_rl_query(L,
		"SELECT json_extract(j.value, '$.tid'), "
		"json_extract(j.value, '$.ru_minflt'), "
		"json_extract(j.value, '$.ru_majflt'), json_extract(j.value, '$.role') "
		"FROM run_meta m, json_each(m.value, '$.threads') j "
		"WHERE m.run_id = :run_id AND m.key = 'workload.truth' AND json_valid(m.value) "
		"AND j.type = 'object'", run->id, thread_row, run);
}
