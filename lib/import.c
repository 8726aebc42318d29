/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import.c - one import: a run row, the analyzers fed by events, the run's
 * metadata, all in one write transaction. Nothing is visible to other
 * connections before the COMMIT; an import that fails, is freed without a
 * commit or whose process dies leaves the DB as it was (the DB runs in WAL
 * mode: frames of a transaction without its commit record are never read).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import.h"
#include "locks.h"
#include "tasks.h"

/*
 * Page cache of the importing connection. Rows go in at the right edge of
 * each table (tables clustered by run), so a page once left is seldom
 * touched again: 4 MB holds the pages in use, and the rest spill to the
 * -wal file while the import reads, instead of all at the commit (64 MB
 * here before: 47 MB of pages, each a fresh page fault, written at the end
 * of a 17 M-event import; docs/benchmark.md, ninth session).
 */
#define VLS_IMPORT_CACHE_PRAGMA "PRAGMA cache_size = -4096"

/*
 * Foreign keys are enforced on the connection (ON DELETE CASCADE of a
 * run), but not while an import inserts: every child row carries the
 * run_id inserted first by the import itself, and checking the parent of
 * each row costs a quarter of a raw-event import. Switched off before
 * BEGIN and on again after the transaction (the pragma is a no-op inside
 * one).
 */
#define VLS_IMPORT_FK_OFF "PRAGMA foreign_keys = OFF"
#define VLS_IMPORT_FK_ON "PRAGMA foreign_keys = ON"

static int copy_opt(vls_import *imp, char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = __vls_strdup(imp->ctx, src);
	return *dst ? 0 : __vls_error(imp->ctx, VLS_ENOMEM, "out of memory");
}

/* Is key one the options fixed (it then keeps the options' value)? */
static bool overridden(const vls_import *imp, const char *key)
{
	if ((imp->kernel && !strcmp(key, "kernel")) ||
	    (imp->arch && !strcmp(key, "arch")))
		return true;
	for (size_t i = 0; i < imp->noverrides; i++)
		if (!strcmp(imp->meta.keys[imp->overrides[i]], key))
			return true;
	return false;
}

/* The options' metadata goes into imp->meta before any event, so that
 * analyzers deciding at their first event (per-VMA lock support) see it. */
static int set_overrides(vls_import *imp, const vls_import_opts *opts)
{
	size_t cap = 0;
	int ret = 0;

	if (imp->kernel)
		ret = __vls_meta_set(imp->ctx, &imp->meta, "kernel", imp->kernel);
	if (!ret && imp->arch)
		ret = __vls_meta_set(imp->ctx, &imp->meta, "arch", imp->arch);
	for (size_t i = 0; !ret && opts && i < opts->nmeta; i++) {
		const char *k = opts->meta[2 * i], *v = opts->meta[2 * i + 1];

		if (!k || !*k || !v)
			return __vls_error(imp->ctx, VLS_EINVAL,
					   "import metadata %zu: empty key or value", i);
		ret = __vls_meta_set(imp->ctx, &imp->meta, k, v);
		if (!ret)
			ret = __vls_grow(imp->ctx, (void **)&imp->overrides, &cap,
					 imp->noverrides + 1, sizeof(size_t), 4096);
		for (size_t j = 0; !ret && j < imp->meta.n; j++)
			if (!strcmp(imp->meta.keys[j], k))
				imp->overrides[imp->noverrides++] = j;
	}
	return ret;
}

static int copy_opts(vls_import *imp, const vls_import_opts *opts)
{
	int ret;

	if (opts && opts->version != VLS_IMPORT_OPTS_VERSION)
		return __vls_error(imp->ctx, VLS_EINVAL,
				   "vls_import_opts version %u, expected %u",
				   opts->version, VLS_IMPORT_OPTS_VERSION);
	imp->opts = opts ? *opts : (vls_import_opts)VLS_IMPORT_OPTS_INIT;
	ret = copy_opt(imp, &imp->label, imp->opts.label);
	if (!ret)
		ret = copy_opt(imp, &imp->kernel, imp->opts.kernel);
	if (!ret)
		ret = copy_opt(imp, &imp->arch, imp->opts.arch);
	imp->opts.label = imp->label;
	imp->opts.kernel = imp->kernel;
	imp->opts.arch = imp->arch;
	imp->opts.meta = NULL;  /* copied into imp->meta by set_overrides() */
	imp->opts.nmeta = 0;
	return ret ? ret : set_overrides(imp, opts);
}

/* The run row goes in first so that analyzers know run_id; its columns
 * are completed by vls_import_commit(). */
static int insert_run(vls_import *imp)
{
	struct vls_row r;
	int ret;

	__vls_row_start(&r, &imp->txn,
		"INSERT INTO run (label, source, format, imported_at, events)"
		" VALUES ('', 'embedded', 'embedded', :imported_at, 0)");
	__vls_row_i64(&r, "imported_at", (int64_t)time(NULL));
	ret = __vls_row_step(&r);
	if (!ret)
		imp->txn.run_id = sqlite3_last_insert_rowid(imp->txn.sql);
	return ret;
}

static int create_analyzers(vls_import *imp)
{
	for (size_t i = 0; __vls_analyzers[i]; i++) {
		const struct vls_analyzer_ops *an = __vls_analyzers[i];
		int ret;

		if (i == VLS_ANALYZERS_MAX)
			return __vls_error(imp->ctx, VLS_ELIMIT, "too many analyzers");
		ret = an->create(&imp->states[i], imp->ctx, &imp->opts);
		if (ret)
			return ret;
		imp->nanalyzers = i + 1;
	}
	return 0;
}

int vls_import_begin(vls_import **out, vls_db *db, const vls_import_opts *opts)
{
	vls_import *imp = NULL;
	int ret;

	if (!out || !db)
		return db ? __vls_error(db->ctx, VLS_EINVAL, "vls_import_begin: NULL out")
			  : VLS_EINVAL;
	*out = NULL;
	if (db->mode != VLS_DB_READWRITE)
		return __vls_error(db->ctx, VLS_EINVAL, "%s: opened read-only: cannot import",
				   db->path);
	imp = __vls_calloc(db->ctx, 1, sizeof(*imp));
	if (!imp)
		return __vls_error(db->ctx, VLS_ENOMEM, "out of memory");
	imp->ctx = db->ctx;
	imp->db = db;
	imp->txn.ctx = db->ctx;
	imp->txn.db = db;
	imp->txn.sql = db->sql;
	imp->txn.meta = &imp->meta;
	imp->tstep.min = UINT64_MAX;
	db->ctx->live_objects++;
	ret = copy_opts(imp, opts);
	if (!ret)
		ret = __vls_groups_new(&imp->groups, imp->ctx);
	imp->txn.groups = imp->groups;
	if (!ret)
		ret = __vls_store_exec(imp->ctx, db->sql, VLS_IMPORT_CACHE_PRAGMA);
	if (!ret)
		ret = __vls_store_exec(imp->ctx, db->sql, VLS_IMPORT_FK_OFF);
	if (!ret)
		ret = __vls_store_exec(imp->ctx, db->sql, "BEGIN IMMEDIATE");
	if (ret) {
		sqlite3_exec(db->sql, VLS_IMPORT_FK_ON, NULL, NULL, NULL);
		goto fail;
	}
	imp->in_txn = true;    /* from here a failure rolls back, migration too */
	ret = __vls_db_upgrade_in_txn(db);
	if (!ret)
		ret = insert_run(imp);
	if (!ret)
		ret = create_analyzers(imp);
	if (ret)
		goto fail;
	*out = imp;
	return 0;
fail:
	vls_import_free(imp);
	return ret;
}

int vls_import_set_meta(vls_import *imp, const char *key, const char *value)
{
	if (!imp || !key || !value)
		return imp ? __vls_error(imp->ctx, VLS_EINVAL,
					 "vls_import_set_meta: NULL argument")
			   : VLS_EINVAL;
	if (!*key)
		return __vls_error(imp->ctx, VLS_EINVAL, "metadata key is empty");
	if (overridden(imp, key))
		return 0;
	return __vls_meta_set(imp->ctx, &imp->meta, key, value);
}

static int feed_analyzers(vls_import *imp, const vls_event *ev)
{
	int ret = __vls_groups_event(imp->groups, ev, &imp->meta);

	if (ret) {
		imp->failed = true;
		return ret;
	}
	for (size_t i = 0; i < imp->nanalyzers; i++) {
		ret = __vls_analyzers[i]->event(imp->states[i], ev, &imp->txn);
		if (ret) {
			imp->failed = true;
			return ret;
		}
	}
	return 0;
}

/* The last timestamp of ev's task, NULL for tid 0 (one idle task per
 * CPU) and a task not seen before (then remembered). */
static int task_last_ts(uint64_t **out, vls_import *imp, const vls_event *ev)
{
	uint64_t key = (uint64_t)(uint32_t)ev->tid;
	uint32_t i;
	int ret;

	*out = NULL;
	if (ev->tid <= 0)
		return 0;
	if (!__vls_u64map_get(&imp->task_ts_map, key, &i)) {
		*out = &imp->task_ts[i];
		return 0;
	}
	ret = __vls_grow(imp->ctx, (void **)&imp->task_ts, &imp->cap_task_ts,
			 imp->ntask_ts + 1, sizeof(*imp->task_ts), UINT32_MAX);
	if (!ret)
		ret = __vls_u64map_put(imp->ctx, &imp->task_ts_map, key,
				       (uint32_t)imp->ntask_ts);
	if (ret)
		return ret;
	imp->task_ts[imp->ntask_ts++] = ev->ts_ns;
	return 0;
}

int vls_import_feed(vls_import *imp, const vls_event *ev)
{
	uint64_t *last;
	int ret;

	if (!imp || !ev)
		return imp ? __vls_error(imp->ctx, VLS_EINVAL,
					 "vls_import_feed: NULL argument")
			   : VLS_EINVAL;
	if (!imp->in_txn || imp->failed)
		return __vls_error(imp->ctx, VLS_EINVAL,
				   "vls_import_feed: the import %s", imp->failed
				   ? "failed earlier" : "is already committed");
	if (!imp->events++)
		imp->first_ts = ev->ts_ns;
	imp->last_ts = ev->ts_ns;
	ret = __vls_tstep_event(imp->ctx, &imp->tstep, ev);
	if (!ret)
		ret = task_last_ts(&last, imp, ev);
	if (ret) {
		imp->failed = true;
		return ret;
	}
	if (last && ev->ts_ns < *last) {
		/*
		 * The task's time went back (text traces concatenated or
		 * edited, a corrupt page): the analyzers measure durations
		 * as differences of a task's timestamps and must never see a
		 * negative one. The event keeps its place and takes the time
		 * of the task's event before it; the run's metadata counts it.
		 */
		vls_event e = *ev;

		imp->backwards++;
		if (*last - ev->ts_ns > imp->backwards_max_ns)
			imp->backwards_max_ns = *last - ev->ts_ns;
		e.ts_ns = *last;
		return feed_analyzers(imp, &e);
	}
	if (last)
		*last = ev->ts_ns;
	return feed_analyzers(imp, ev);
}

/* ------------------------------------------------------------------ */
/* Commit                                                              */
/* ------------------------------------------------------------------ */

/* Options override what the input said; the label defaults to the base
 * name of the source. The effective values go to run_meta as well, so
 * that run and run_meta agree. */
static int apply_overrides(vls_import *imp)
{
	const char *source = __vls_meta_get(&imp->meta, "source");
	const char *base;
	int ret = 0;

	if (imp->kernel)
		ret = __vls_meta_set(imp->ctx, &imp->meta, "kernel", imp->kernel);
	if (!ret && imp->arch)
		ret = __vls_meta_set(imp->ctx, &imp->meta, "arch", imp->arch);
	/* chains are stored for waits this long: a report asking for shorter
	 * ones says so */
	if (!ret)
		ret = __vls_meta_setf(imp->ctx, &imp->meta, "chain_threshold_ns", "%llu",
				      (unsigned long long)(imp->opts.chain_threshold_ns ?
				      imp->opts.chain_threshold_ns :
				      VLS_LOCK_DEFAULT_THRESHOLD_NS));
	if (ret)
		return ret;
	if (imp->label)
		return __vls_meta_set(imp->ctx, &imp->meta, "label", imp->label);
	if (source && *source) {
		base = strrchr(source, '/');
		base = base && base[1] ? base + 1 : source;
		return __vls_meta_set(imp->ctx, &imp->meta, "label", base);
	}
	return __vls_meta_setf(imp->ctx, &imp->meta, "label", "run-%lld",
			       (long long)imp->txn.run_id);
}

/* Every item but the recorder's thread lists: the task rows hold what
 * they said (tasks-tgids.c), and they can be large. */
static int write_meta(vls_import *imp)
{
	for (size_t i = 0; i < imp->meta.n; i++) {
		struct vls_row r;
		int ret;

		if (__vls_tasks_tgids_key(imp->meta.keys[i]))
			continue;

		__vls_row_start(&r, &imp->txn, "INSERT INTO run_meta (run_id, key,"
				" value) VALUES (:run_id, :key, :value)");
		__vls_row_i64(&r, "run_id", imp->txn.run_id);
		__vls_row_text(&r, "key", imp->meta.keys[i]);
		__vls_row_text(&r, "value", imp->meta.vals[i]);
		ret = __vls_row_step(&r);
		if (ret)
			return ret;
	}
	return 0;
}

/* A metadata value as an integer when it is one, else NULL. */
static void row_meta_int(struct vls_row *r, const char *name,
			 const struct vls_meta *m, const char *key)
{
	const char *v = __vls_meta_get(m, key);
	char *end = NULL;
	long long n = v && *v ? strtoll(v, &end, 10) : 0;

	__vls_row_opt(r, name, end && !*end, n);
}

static void row_meta_text(struct vls_row *r, const char *name,
			  const struct vls_meta *m, const char *key,
			  const char *dflt)
{
	const char *v = __vls_meta_get(m, key);

	__vls_row_text(r, name, v ? v : dflt);
}

static int update_run(vls_import *imp)
{
	struct vls_row r;

	__vls_row_start(&r, &imp->txn,
		"UPDATE run SET label = :label, kernel = :kernel, arch = :arch,"
		" source = :source, format = :format, events = :events,"
		" lost_events = :lost_events, ncpus = :ncpus, first_ts = :first_ts,"
		" last_ts = :last_ts WHERE id = :id");
	row_meta_text(&r, "label", &imp->meta, "label", NULL);
	row_meta_text(&r, "kernel", &imp->meta, "kernel", NULL);
	row_meta_text(&r, "arch", &imp->meta, "arch", NULL);
	row_meta_text(&r, "source", &imp->meta, "source", "embedded");
	row_meta_text(&r, "format", &imp->meta, "format", "embedded");
	__vls_row_u64(&r, "events", imp->events);
	row_meta_int(&r, "lost_events", &imp->meta, "lost_events");
	row_meta_int(&r, "ncpus", &imp->meta, "ncpus");
	__vls_row_opt(&r, "first_ts", imp->events > 0, (int64_t)imp->first_ts);
	__vls_row_opt(&r, "last_ts", imp->events > 0, (int64_t)imp->last_ts);
	__vls_row_i64(&r, "id", imp->txn.run_id);
	return __vls_row_step(&r);
}

int vls_import_commit(int64_t *out, vls_import *imp)
{
	int ret = 0;

	if (!imp)
		return VLS_EINVAL;
	if (!imp->in_txn || imp->failed)
		return __vls_error(imp->ctx, VLS_EINVAL, "vls_import_commit: the import %s",
				   imp->failed ? "failed earlier" : "is already committed");
	for (size_t i = 0; !ret && i < imp->nanalyzers; i++)
		ret = __vls_analyzers[i]->finish(imp->states[i], &imp->txn);
	if (!ret)
		ret = apply_overrides(imp);
	if (!ret && imp->backwards)
		ret = __vls_meta_setf(imp->ctx, &imp->meta, "time_backwards",
				      "%" PRIu64, imp->backwards);
	if (!ret && imp->backwards)
		ret = __vls_meta_setf(imp->ctx, &imp->meta, "time_backwards_max_ns",
				      "%" PRIu64, imp->backwards_max_ns);
	if (!ret)
		ret = __vls_tstep_meta(imp->ctx, &imp->tstep, &imp->meta,
				       overridden(imp, "timestamp_resolution_ns"));
	if (!ret)
		ret = write_meta(imp);
	if (!ret)
		ret = update_run(imp);
	if (!ret)
		ret = __vls_store_writer_stop(&imp->txn);
	__vls_store_txn_release(&imp->txn);
	if (!ret)
		ret = __vls_store_exec(imp->ctx, imp->txn.sql, "COMMIT");
	if (ret) {
		imp->failed = true;
		return ret;
	}
	imp->in_txn = false;
	imp->db->upgrade_pending = false;
	sqlite3_exec(imp->txn.sql, VLS_IMPORT_FK_ON, NULL, NULL, NULL);
	if (out)
		*out = imp->txn.run_id;
	return 0;
}

void vls_import_free(vls_import *imp)
{
	vls_ctx *ctx;

	if (!imp)
		return;
	ctx = imp->ctx;
	__vls_store_txn_release(&imp->txn);
	if (imp->in_txn) {
		sqlite3_exec(imp->txn.sql, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_exec(imp->txn.sql, VLS_IMPORT_FK_ON, NULL, NULL, NULL);
	}
	for (size_t i = 0; i < imp->nanalyzers; i++)
		__vls_analyzers[i]->destroy(imp->states[i]);
	__vls_meta_clear(ctx, &imp->meta);
	__vls_u64map_release(ctx, &imp->task_ts_map);
	__vls_tstep_release(ctx, &imp->tstep);
	__vls_groups_free(imp->groups);
	__vls_free(ctx, imp->task_ts);
	__vls_free(ctx, imp->overrides);
	__vls_free(ctx, imp->label);
	__vls_free(ctx, imp->kernel);
	__vls_free(ctx, imp->arch);
	__vls_free(ctx, imp);
	ctx->live_objects--;
}

/* ------------------------------------------------------------------ */
/* A whole file                                                        */
/* ------------------------------------------------------------------ */

/* `vmlockstat record` saves what a trace.dat cannot carry (vmstat before
 * and after, kernel config, command line) in "<trace>.meta". */
static int sidecar_meta(vls_import *imp, const char *path)
{
	struct vls_meta side = { 0 };
	int ret = __vls_meta_sidecar_load(imp->ctx, path, &side);

	if (ret > 0)
		ret = 0;
	for (size_t i = 0; !ret && i < side.n; i++)
		ret = vls_import_set_meta(imp, side.keys[i], side.vals[i]);
	__vls_meta_clear(imp->ctx, &side);
	return ret;
}

/* Every metadata item of the reader, then (after the read) its counters. */
static int reader_meta(vls_import *imp, const vls_reader *r)
{
	vls_reader_stats s;
	const char *key, *value;
	int ret = 0;

	for (size_t i = 0; !ret && !vls_reader_meta_at(r, i, &key, &value); i++)
		ret = vls_import_set_meta(imp, key, value);
	vls_reader_get_stats(r, &s);
	if (!ret)
		ret = __vls_meta_setf(imp->ctx, &imp->meta, "bad_records", "%llu",
				      (unsigned long long)s.bad_records);
	if (!ret)
		ret = __vls_meta_setf(imp->ctx, &imp->meta, "orphan_stacks", "%llu",
				      (unsigned long long)s.orphan_stacks);
	if (!ret)
		ret = __vls_meta_setf(imp->ctx, &imp->meta, "dup_stacks", "%llu",
				      (unsigned long long)s.dup_stacks);
	return ret;
}

int vls_db_import_file(int64_t *out, vls_db *db, const char *path,
		       const vls_reader_opts *ropts, const vls_import_opts *iopts)
{
	vls_import *imp = NULL;
	vls_reader *r = NULL;
	int ret;

	if (!db || !path)
		return db ? __vls_error(db->ctx, VLS_EINVAL,
					"vls_db_import_file: NULL argument")
			  : VLS_EINVAL;
	ret = vls_reader_open(&r, db->ctx, path, ropts);
	if (!ret)
		ret = vls_import_begin(&imp, db, iopts);
	if (ret)
		goto out;
	/* what the input says up front (kernel, arch, ...) and what the
	 * recorder saved beside it before the events, the rest (counters,
	 * events.present) once they are read */
	ret = reader_meta(imp, r);
	if (!ret)
		ret = sidecar_meta(imp, path);
	if (!ret)
		ret = __vls_error_in(db->ctx, __vls_import_read(imp, r, iopts), path);
	if (!ret)
		ret = reader_meta(imp, r);
	/* The reader's memory (libtracecmd's decompressed pages, kallsyms)
	 * goes before the commit's (SQLite's page cache, the rows): the
	 * import's peak is then the larger of the two, not their sum. */
	vls_reader_close(r);
	r = NULL;
	if (!ret)
		ret = vls_import_commit(out, imp);
out:
	vls_import_free(imp);
	vls_reader_close(r);
	return ret;
}
