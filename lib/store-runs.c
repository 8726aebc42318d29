/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-runs.c - reading back what imports stored: the list of runs and their
 * metadata. Works on read-only DBs.
 */
#include <string.h>

#include "report.h"
#include "store.h"

static const char *col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

static void fill_run(vls_run *run, sqlite3_stmt *st)
{
	memset(run, 0, sizeof(*run));
	run->id = sqlite3_column_int64(st, 0);
	run->label = col_text(st, 1);
	run->kernel = col_text(st, 2);
	run->arch = col_text(st, 3);
	run->source = col_text(st, 4);
	run->format = col_text(st, 5);
	run->imported_at = sqlite3_column_int64(st, 6);
	run->events = (uint64_t)sqlite3_column_int64(st, 7);
	run->lost_events = sqlite3_column_type(st, 8) == SQLITE_NULL
				   ? -1 : sqlite3_column_int64(st, 8);
	run->duration_ns = -1;
	run->user_fallback_rate = -1.0;
}

/* The run's duration and user-fault fallback rate as the report gives
 * them (the same capabilities decide when they are unknown: a duration
 * needs timestamps that keep time). */
static int report_figures(vls_run *run, vls_db *db)
{
	const struct vls_rload_opts o = { .sections = VLS_REPORT_FAULTS };
	struct vls_report *rep = NULL;
	int err = __vls_report_load(&rep, db, &run->id, 1, &o);

	if (!err && rep->runs[0].duration_ns != VLS_RNULL)
		run->duration_ns = rep->runs[0].duration_ns;
	if (!err)
		run->user_fallback_rate = __vls_rfaults_user_rate(&rep->runs[0].f);
	__vls_report_free(rep);
	return err;
}

int vls_db_runs(vls_db *db, vls_run_cb cb, void *data)
{
	static const char sql[] =
		"SELECT id, label, kernel, arch, source, format, imported_at, "
		"events, lost_events FROM run ORDER BY id";
	sqlite3_stmt *st = NULL;
	vls_run run;
	int rc, ret = 0;

	if (!db || !cb)
		return db ? __vls_error(db->ctx, VLS_EINVAL, "vls_db_runs: NULL argument")
			  : VLS_EINVAL;
	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		fill_run(&run, st);
		if ((ret = report_figures(&run, db)))
			break;
		if (cb(&run, data)) {
			ret = VLS_ESTOPPED;
			break;
		}
		rc = SQLITE_OK;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = __vls_store_error(db->ctx, db->sql, rc, "listing runs");
	sqlite3_finalize(st);
	return ret;
}

int vls_db_run_meta(const char **out, vls_db *db, int64_t run_id, const char *key)
{
	static const char sql[] =
		"SELECT value FROM run_meta WHERE run_id = :run_id AND key = :key";
	sqlite3_stmt *st = NULL;
	struct vls_row r;
	int rc, ret = 0;

	if (!out || !db || !key)
		return db ? __vls_error(db->ctx, VLS_EINVAL,
					"vls_db_run_meta: NULL argument")
			  : VLS_EINVAL;
	*out = NULL;
	__vls_free(db->ctx, db->meta_value);
	db->meta_value = NULL;
	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		__vls_row_start_stmt(&r, db->ctx, db->sql, st);
		__vls_row_i64(&r, "run_id", run_id);
		__vls_row_text(&r, "key", key);
		if ((ret = __vls_row_done(&r))) {
			sqlite3_finalize(st);
			return ret;
		}
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		db->meta_value = __vls_strdup(db->ctx, col_text(st, 0));
		ret = db->meta_value ? 0 : __vls_error(db->ctx, VLS_ENOMEM, "out of memory");
		*out = db->meta_value;
	} else if (rc == SQLITE_DONE) {
		ret = __vls_error(db->ctx, VLS_ENOTFOUND, "run %lld has no metadata '%s'",
				  (long long)run_id, key);
	} else {
		ret = __vls_store_error(db->ctx, db->sql, rc, "reading run metadata");
	}
	sqlite3_finalize(st);
	return ret;
}
