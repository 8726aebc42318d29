/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report.c - the public report entry points: run specs, report options,
 * and the buffers the report functions hand out.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "store.h"

double __vls_rfaults_rate(const struct vls_rfaults *f)
{
	if (f->total == VLS_RNULL || f->fallback == VLS_RNULL || f->total <= 0)
		return -1.0;
	return (double)f->fallback / (double)f->total;
}

int64_t __vls_rfaults_user(const struct vls_rfaults *f)
{
	if (f->total == VLS_RNULL || f->kernel == VLS_RNULL || f->kernel > f->total)
		return VLS_RNULL;
	return f->total - f->kernel;
}

int64_t __vls_rfaults_user_fallback(const struct vls_rfaults *f)
{
	int64_t k = f->by_reason[VLS_FR_KERNEL_MODE];

	if (f->fallback == VLS_RNULL || k == VLS_RNULL || k > f->fallback)
		return VLS_RNULL;
	return f->fallback - k;
}

double __vls_rfaults_user_rate(const struct vls_rfaults *f)
{
	int64_t n = __vls_rfaults_user(f), fb = __vls_rfaults_user_fallback(f);

	if (n == VLS_RNULL || fb == VLS_RNULL || n <= 0)
		return -1.0;
	return (double)fb / (double)n;
}

int64_t __vls_rdist_mean(const struct vls_rdist *d)
{
	if (d->count == VLS_RNULL || d->sum == VLS_RNULL || d->count <= 0)
		return VLS_RNULL;
	return d->sum / d->count;
}

bool __vls_rrun_has_cap(const struct vls_rrun *run, const char *cap)
{
	for (size_t i = 0; i < run->ncaps; i++)
		if (!strcmp(run->caps[i], cap))
			return true;
	return false;
}

int vls_report_by_parse(vls_report_by *out, const char *name)
{
	static const char *const names[] = { "process", "thread", "callsite" };

	if (!out || !name)
		return VLS_EINVAL;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(name, names[i])) {
			*out = (vls_report_by)i;
			return 0;
		}
	}
	return VLS_EINVAL;
}

static bool parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static int collect_ids(int64_t **out, size_t *nout, vls_db *db,
		       sqlite3_stmt *st)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int err = __vls_grow(db->ctx, (void **)out, &cap, *nout + 1,
				     sizeof(int64_t), VLS_RLIST_MAX);
		if (err)
			return err;
		(*out)[(*nout)++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		return __vls_store_error(db->ctx, db->sql, rc, "listing runs");
	return 0;
}

/* A numeric spec names the run of that id if there is one, else a label. */
int vls_db_resolve_runs(int64_t **out, size_t *nout, vls_db *db,
			const char *spec)
{
	sqlite3_stmt *st = NULL;
	struct vls_row r;
	int64_t id = 0;
	int err;

	if (!out || !nout || !db || !spec)
		return db ? __vls_error(db->ctx, VLS_EINVAL, "no run given") : VLS_EINVAL;
	*out = NULL;
	*nout = 0;
	err = sqlite3_prepare_v2(db->sql,
		"SELECT id FROM run WHERE (:is_id AND id = :id) OR (label = :label"
		" AND NOT (:is_id AND EXISTS (SELECT 1 FROM run WHERE id = :id)))"
		" ORDER BY id", -1, &st, NULL);
	if (err != SQLITE_OK)
		return __vls_store_error(db->ctx, db->sql, err, "listing runs");
	__vls_row_start_stmt(&r, db->ctx, db->sql, st);
	__vls_row_i64(&r, "is_id", parse_id(spec, &id));
	__vls_row_i64(&r, "id", id);
	__vls_row_text(&r, "label", spec);
	err = __vls_row_done(&r);
	if (!err)
		err = collect_ids(out, nout, db, st);
	sqlite3_finalize(st);
	if (!err && !*nout)
		err = __vls_error(db->ctx, VLS_ENOTFOUND,
				  "no run with id or label '%s' in %s", spec,
				  db->path ? db->path : "the DB");
	if (err) {
		__vls_free(db->ctx, *out);
		*out = NULL;
		*nout = 0;
	}
	return err;
}

void vls_buf_free(vls_db *db, void *buf)
{
	if (db)
		__vls_free(db->ctx, buf);
	else
		free(buf);
}

/* The options in the current layout: version 1 ended after sections. */
static void upgrade_opts(vls_report_opts *o, const vls_report_opts *in)
{
	static const vls_report_opts defaults = VLS_REPORT_OPTS_INIT;

	*o = defaults;
	if (in && in->version == 1)
		memcpy(o, in, offsetof(vls_report_opts, chain_min_ns));
	else if (in)
		*o = *in;
	o->version = VLS_REPORT_OPTS_VERSION;
}

static int check_opts(vls_db *db, const vls_report_opts *opts)
{
	if (!db)
		return VLS_EINVAL;
	if (opts && (opts->version < 1 || opts->version > VLS_REPORT_OPTS_VERSION))
		return __vls_error(db->ctx, VLS_EINVAL, "report options version %u, "
				   "expected 1 to %u", opts->version,
				   VLS_REPORT_OPTS_VERSION);
	if (opts && opts->nruns && !opts->run_ids)
		return __vls_error(db->ctx, VLS_EINVAL, "nruns without run_ids");
	if (opts && (unsigned int)opts->by > VLS_BY_CALLSITE)
		return __vls_error(db->ctx, VLS_EINVAL, "unknown table %d", (int)opts->by);
	return 0;
}

static int report(const struct vls_out *out, vls_db *db, const vls_report_opts *opts,
		  vls_report_format how)
{
	struct vls_report *r = NULL;
	struct vls_rload_opts lo;
	vls_report_opts o;
	unsigned int sections;
	int err;

	err = check_opts(db, opts);
	if (err)
		return err;
	if ((unsigned int)how > VLS_FORMAT_CSV)
		return __vls_error(db->ctx, VLS_EINVAL, "unknown report format %d", (int)how);
	upgrade_opts(&o, opts);
	opts = &o;
	sections = opts->sections ? opts->sections : VLS_REPORT_ALL;
	lo = (struct vls_rload_opts){ sections, opts->top, opts->chain_min_ns,
				      opts->pid, opts->comm, how == VLS_FORMAT_JSON };
	err = __vls_report_load(&r, db, opts->run_ids, opts->nruns, &lo);
	if (!err && how == VLS_FORMAT_JSON)
		err = __vls_report_render_json(out, r, sections);
	else if (!err && how == VLS_FORMAT_TEXT)
		err = __vls_report_render_text(out, r, sections, opts->by);
	else if (!err)
		err = __vls_report_render_csv(out, r, opts->by);
	__vls_report_free(r);
	return err;
}

/* The whole text to *text. */
static int report_text(char **text, vls_db *db, const vls_report_opts *opts,
		       vls_report_format how)
{
	struct vls_out out = { text, NULL, NULL };

	if (!text)
		return db ? __vls_error(db->ctx, VLS_EINVAL, "no output") : VLS_EINVAL;
	*text = NULL;
	return report(&out, db, opts, how);
}

int vls_report_json(char **out, vls_db *db, const vls_report_opts *opts)
{
	return report_text(out, db, opts, VLS_FORMAT_JSON);
}

int vls_report_text(char **out, vls_db *db, const vls_report_opts *opts)
{
	return report_text(out, db, opts, VLS_FORMAT_TEXT);
}

int vls_report_csv(char **out, vls_db *db, const vls_report_opts *opts)
{
	return report_text(out, db, opts, VLS_FORMAT_CSV);
}

int vls_report_write(vls_db *db, const vls_report_opts *opts, vls_report_format format,
		     vls_write_fn write, void *data)
{
	struct vls_out out = { NULL, write, data };

	if (!write)
		return db ? __vls_error(db->ctx, VLS_EINVAL, "no writer") : VLS_EINVAL;
	return report(&out, db, opts, format);
}
