/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store.c - the SQLite store: open, create or migrate a DB, the prepared
 * statement cache of an import transaction, and per-run stack
 * de-duplication.
 *
 * The schema (the .sql files of schema/, embedded by CMake in name order)
 * is applied to a new DB in one transaction that also sets PRAGMA
 * user_version; a DB of an older version is migrated step by step
 * (migrations[]), a newer one is refused so that an old binary never writes
 * into a layout it does not know.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util-map.h"

extern const char __vls_schema_sql[];

/* Two importers into one DB: the second waits this long for the first's
 * transaction, then fails with VLS_EBUSY. */
#define VLS_DB_BUSY_TIMEOUT_MS 10000

/*
 * Write-ahead logging: readers (report, the dashboard) go on reading while
 * an import writes, a read-only connection can open a DB whose importer was
 * killed (the dead transaction's frames in the -wal file are ignored; a
 * rollback journal would need a writer to roll it back first), and kill -9
 * at any point leaves the last committed state. NORMAL sync is safe
 * against process crashes; an OS crash may lose the last commit, never
 * corrupt. Persistent in the file: set on every read-write open.
 */
#define VLS_DB_RW_PRAGMAS "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"

/*
 * Page size of a new DB (an existing one keeps its own: WAL mode fixes it).
 * An import's commit writes every page to the -wal file and the
 * checkpoint copies it into the DB, a pread() and a pwrite() a page: with
 * 4 KB pages the 47 MB DB of a 17 M-event trace was 11.5 k pages and the
 * commit 0.29 s, with 16 KB pages 0.19 s (docs/benchmark.md, ninth
 * session). Reports read whole runs: no slower. Larger pages would make
 * even an empty DB (its 16 tables and indexes, a page each) a megabyte.
 */
#define VLS_DB_PAGE_SIZE "PRAGMA page_size = 16384"

/* Per-run stack limits: distinct stacks, and bytes of their joined text. */
#define VLS_STACKS_MAX (4u << 20)
#define VLS_STACK_TEXT_MAX ((size_t)512 << 20)
/* One stack's joined text: VLS_STACK_MAX frames of at most this much. */
#define VLS_FRAME_MAX 1024

/*
 * Schema migrations: the SQL that takes a DB from version `from` to
 * from + 1. Version 1 is the first. Add one entry per schema
 * change and raise VLS_SCHEMA_VERSION (docs/schema.md, "Versioning").
 */
static const struct {
	int from;
	const char *sql;
} migrations[] = {
	/* 2: kernel-mode faults apart (user-fault fallback rate); NULL in
	 * runs imported before, which the report shows as unknown */
	{ 1, "ALTER TABLE fault_task ADD COLUMN kernel_faults INTEGER;"
	     "ALTER TABLE fault_run ADD COLUMN kernel_faults INTEGER;" },
	/* 3: the report's indexes (schema/30_locks.sql); lock_acq_tid is the
	 * prefix of lock_acq_tid_mm. Nothing else: a read-only open reads a
	 * DB of version 2 as it is (VLS_SCHEMA_READABLE) */
	{ 2, "DROP INDEX IF EXISTS lock_acq_tid;"
	     "CREATE INDEX IF NOT EXISTS lock_acq_tid_mm ON lock_acq(run_id, tid, mm);"
	     "CREATE INDEX IF NOT EXISTS lock_acq_chain ON lock_acq(run_id, chain_id,"
	     " contended) WHERE chain_id IS NOT NULL;"
	     "CREATE INDEX IF NOT EXISTS lock_chain_wait ON lock_chain(run_id,"
	     " wait_ns DESC, id, open);" },
	/* 4: no index on fault_episode(run_id, tid): nothing of vmlockstat
	 * reads by it, and it cost every import a second B-tree insert per
	 * episode (a 17 M-event run: 484 k, 12 % of its DB) */
	{ 3, "DROP INDEX IF EXISTS fault_episode_tid;" },
	/* 5: an mm_struct's incarnations (locks-machine.c own_mm_claim()):
	 * NULL, the first, in the rows of runs imported before */
	{ 4, "ALTER TABLE lock_stats ADD COLUMN mm_gen INTEGER;" },
};

/*
 * The oldest schema a read-only open reads as it is, without a migration
 * (which needs a write): the versions after it only added or dropped
 * indexes, which the report's queries do without, more slowly.
 */
#define VLS_SCHEMA_READABLE 2

/* ------------------------------------------------------------------ */
/* Errors and plain execution                                          */
/* ------------------------------------------------------------------ */

/* What a statement does, for a message: its text up to the first '('
 * ("INSERT INTO fault_episode"), not its every parameter. */
void __vls_sql_what(char *buf, size_t size, const char *sql)
{
	size_t n = strcspn(sql, "(");

	while (n && (sql[n - 1] == ' ' || sql[n - 1] == '\n'))
		n--;
	snprintf(buf, size, "%.*s", (int)(n ? n : strlen(sql)), sql);
}

int __vls_store_error(vls_ctx *ctx, sqlite3 *sql, int rc, const char *what)
{
	return __vls_store_error_msg(ctx, sql, rc, what,
				     sql ? sqlite3_errmsg(sql) : sqlite3_errstr(rc));
}

int __vls_store_error_msg(vls_ctx *ctx, sqlite3 *sql, int rc, const char *what,
			  const char *msg)
{
	const char *file = sql ? sqlite3_db_filename(sql, "main") : NULL;

	if (!file || !*file)
		file = "database";
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return __vls_error(ctx, VLS_EBUSY,
				   "%s: %s: locked by another process (another import "
				   "still running?) after waiting %d s", file, what,
				   VLS_DB_BUSY_TIMEOUT_MS / 1000);
	case SQLITE_NOTADB:
		return __vls_error(ctx, VLS_EPARSE,
				   "%s: not an SQLite database (%s)", file, msg);
	case SQLITE_CORRUPT:
		return __vls_error(ctx, VLS_EPARSE, "%s: %s: database is corrupt: %s",
				   file, what, msg);
	case SQLITE_NOMEM:
		return __vls_error(ctx, VLS_ENOMEM, "%s: %s: out of memory", file, what);
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return __vls_error(ctx, VLS_EIO, "%s: %s: %s", file, what, msg);
	default:
		return __vls_error(ctx, VLS_EDB, "%s: %s: %s", file, what, msg);
	}
}

int __vls_store_exec(vls_ctx *ctx, sqlite3 *sql, const char *text)
{
	int rc = sqlite3_exec(sql, text, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return __vls_store_error(ctx, sql, rc, text);
	return 0;
}

/* One integer from a query without parameters. */
static int query_int(int64_t *out, vls_ctx *ctx, sqlite3 *sql, const char *text)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(sql, text, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return __vls_store_error(ctx, sql, rc, text);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Open, create, migrate                                               */
/* ------------------------------------------------------------------ */

static int set_version(vls_db *db, int version)
{
	char text[64];

	snprintf(text, sizeof(text), "PRAGMA user_version = %d", version);
	return __vls_store_exec(db->ctx, db->sql, text);
}

static int migrate_one(vls_db *db, int from)
{
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		if (migrations[i].sql && migrations[i].from == from) {
			int ret = __vls_store_exec(db->ctx, db->sql, migrations[i].sql);

			return ret ? ret : set_version(db, from + 1);
		}
	}
	return __vls_error(db->ctx, VLS_EVERSION,
			   "%s: schema version %d: no migration to version %d",
			   db->path, from, from + 1);
}

/* Inside the write transaction: bring the DB to VLS_SCHEMA_VERSION. */
static int upgrade_locked(vls_db *db)
{
	int64_t version = 0, objects = 0;
	int ret = query_int(&version, db->ctx, db->sql, "PRAGMA user_version");

	if (ret)
		return ret;
	if (version == 0) {
		ret = query_int(&objects, db->ctx, db->sql,
				"SELECT count(*) FROM sqlite_schema");
		if (ret)
			return ret;
		if (objects)
			return __vls_error(db->ctx, VLS_EPARSE,
					   "%s: an SQLite database, but not a vmlockstat "
					   "one (user_version 0 and %lld objects)", db->path,
					   (long long)objects);
		ret = __vls_store_exec(db->ctx, db->sql, __vls_schema_sql);
		return ret ? ret : set_version(db, VLS_SCHEMA_VERSION);
	}
	while (!ret && version < VLS_SCHEMA_VERSION)
		ret = migrate_one(db, (int)version++);
	return ret;
}

/* version: as read before the transaction (upgrade_locked() reads it again
 * under the lock). */
static int upgrade(vls_db *db, int64_t version)
{
	int ret = 0;

	/* outside a transaction, before anything is written: SQLite fixes the
	 * page size once one begins; a no-op if another process made the DB
	 * in between */
	if (version == 0)
		ret = __vls_store_exec(db->ctx, db->sql, VLS_DB_PAGE_SIZE);
	if (!ret)
		ret = __vls_store_exec(db->ctx, db->sql, "BEGIN IMMEDIATE");
	if (ret)
		return ret;
	ret = upgrade_locked(db);
	if (!ret)
		ret = __vls_store_exec(db->ctx, db->sql, "COMMIT");
	if (ret)
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

int __vls_db_upgrade_in_txn(vls_db *db)
{
	return db->upgrade_pending ? upgrade_locked(db) : 0;
}

/* The version check every open does; writes only when the DB needs it. */
static int check_version(vls_db *db)
{
	int64_t version = 0, objects = 0;
	int ret = query_int(&version, db->ctx, db->sql, "PRAGMA user_version");

	if (ret)
		return ret;
	if (version > VLS_SCHEMA_VERSION)
		return __vls_error(db->ctx, VLS_EVERSION,
				   "%s: schema version %lld is newer than this "
				   "vmlockstat's (%d): use a newer vmlockstat", db->path,
				   (long long)version, VLS_SCHEMA_VERSION);
	if (version == VLS_SCHEMA_VERSION)
		return 0;
	/* A schema the read-only open reads as it is waits for the first
	 * import, which migrates it in its own transaction: an import that
	 * fails leaves the DB as it was (an older vmlockstat still reads it).
	 * Older ones are migrated now: only a migrated DB can be read. */
	if (db->mode == VLS_DB_READWRITE && version >= VLS_SCHEMA_READABLE) {
		db->upgrade_pending = true;
		return 0;
	}
	if (db->mode == VLS_DB_READWRITE)
		return upgrade(db, version);
	if (version >= VLS_SCHEMA_READABLE)
		return 0;
	if (version > 0 && db->check_only)
		return 0;   /* a read-write open would migrate it */
	if (version > 0)
		return __vls_error(db->ctx, VLS_EVERSION,
				   "%s: schema version %lld is older than %d: open it "
				   "once read-write (vmlockstat import) to migrate it",
				   db->path, (long long)version, VLS_SCHEMA_VERSION);
	ret = query_int(&objects, db->ctx, db->sql,
			"SELECT count(*) FROM sqlite_schema");
	if (ret)
		return ret;
	if (db->check_only && !objects)
		return 0;   /* an empty file: a read-write open creates the schema */
	if (db->check_only)
		return __vls_error(db->ctx, VLS_EPARSE, "%s: an SQLite database, but "
				   "not a vmlockstat one (user_version 0 and %lld "
				   "objects)", db->path, (long long)objects);
	return __vls_error(db->ctx, VLS_EPARSE, "%s: not a vmlockstat database%s",
			   db->path, objects ? "" : " (empty)");
}

/* The WAL file of path holds data the DB file lacks? */
static bool wal_has_data(const char *path)
{
	char wal[PATH_MAX];
	struct stat st;

	if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal))
		return true;
	return stat(wal, &st) == 0 && st.st_size > 0;
}

/* "file:" URI of path with ?immutable=1, its special characters escaped. */
static char *immutable_uri(vls_ctx *ctx, const char *path)
{
	size_t n = strlen(path);
	char *uri = __vls_malloc(ctx, 3 * n + 32), *o = uri;

	if (!uri)
		return NULL;
	o += sprintf(o, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		o += (*p == '%' || *p == '?' || *p == '#' || *p < 0x20)
			? sprintf(o, "%%%02X", *p) : sprintf(o, "%c", *p);
	strcpy(o, "?immutable=1");
	return uri;
}

/* The DB file alone, read-only: no -shm, no locks, nothing written. */
static int open_immutable(vls_db *db)
{
	char *uri = immutable_uri(db->ctx, db->path);
	int rc;

	if (!uri)
		return __vls_error(db->ctx, VLS_ENOMEM, "out of memory");
	rc = sqlite3_open_v2(uri, &db->sql, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			     SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	__vls_free(db->ctx, uri);
	if (rc != SQLITE_OK)
		return __vls_error(db->ctx, VLS_EIO, "%s: cannot open: %s", db->path,
				   db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(db->sql, 1);
	return 0;
}

/*
 * A WAL DB read by a user who may not write next to it (a root-owned DB in
 * a 755 directory, read-only media): SQLite cannot create the -shm file a
 * WAL reader needs, and its first read fails "attempt to write a readonly
 * database". With no WAL data outside the DB file, the file alone is the
 * whole DB: it is then opened immutable (no -shm, no locks). With WAL data
 * there, the message says so.
 */
static int readonly_fallback(vls_db *db)
{
	int rc = sqlite3_exec(db->sql, "SELECT count(*) FROM sqlite_schema",
			      NULL, NULL, NULL);

	if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN)
		return 0;           /* fine, or an error the next query reports */
	sqlite3_close_v2(db->sql);
	db->sql = NULL;
	if (wal_has_data(db->path))
		return __vls_error(db->ctx, VLS_EIO, "%s: cannot read it: its "
				   "last changes are in %s-wal, and reading them "
				   "needs write access to the directory (or run a "
				   "command that writes to the DB once, as its owner)",
				   db->path, db->path);
	return open_immutable(db);
}

/* Writing needs the file (when it exists) and its directory, where the
 * WAL and its index live: say which one is not writable. */
static int check_writable(vls_db *db, bool created)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(db->path, '/');

	if (!created && access(db->path, W_OK) < 0)
		return __vls_error(db->ctx, VLS_EIO, "%s: cannot write it: %s "
				   "(commands that only read it still work)",
				   db->path, strerror(errno));
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - db->path + (slash == db->path)),
			 db->path);
	if (access(dir, W_OK) < 0)
		return __vls_error(db->ctx, VLS_EIO, "%s: cannot write in its directory "
				   "%s (a DB keeps its write-ahead log there): %s%s",
				   db->path, dir, strerror(errno), created ? "" :
				   " (commands that only read it still work)");
	return 0;
}

static int open_sqlite(vls_db *db, bool *created)
{
	int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	struct stat st;
	int rc;

	*created = false;
	if (stat(db->path, &st) < 0) {
		if (errno != ENOENT || (db->mode == VLS_DB_READONLY && !db->check_only))
			return __vls_error(db->ctx, errno == ENOENT ? VLS_ENOTFOUND : VLS_EIO,
					   "%s: %s", db->path, strerror(errno));
		*created = true;
	} else if (S_ISDIR(st.st_mode)) {
		return __vls_error(db->ctx, VLS_EINVAL, "%s: is a directory", db->path);
	} else if (!S_ISREG(st.st_mode)) {
		return __vls_error(db->ctx, VLS_EINVAL, "%s: not a regular file (a "
				   "device, a pipe or a socket): a DB is a file",
				   db->path);
	}
	if ((db->mode == VLS_DB_READWRITE || db->check_only) &&
	    (rc = check_writable(db, *created)))
		return rc;
	if (*created && db->check_only)
		return 0;   /* the directory takes it: nothing to open */
	flags |= db->mode == VLS_DB_READONLY
			 ? SQLITE_OPEN_READONLY
			 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (db->check_only && !wal_has_data(db->path))
		return open_immutable(db);  /* not even a -shm left behind */
	rc = sqlite3_open_v2(db->path, &db->sql, flags, NULL);
	if (rc != SQLITE_OK)
		return __vls_error(db->ctx, rc == SQLITE_NOMEM ? VLS_ENOMEM : VLS_EIO,
				   "%s: cannot open: %s", db->path,
				   db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(db->sql, VLS_DB_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db->sql, 1);
	if (db->mode == VLS_DB_READONLY && (rc = readonly_fallback(db)))
		return rc;
	return __vls_store_exec(db->ctx, db->sql, "PRAGMA foreign_keys = ON");
}

int vls_db_open(vls_db **out, vls_ctx *ctx, const char *path, vls_db_mode mode)
{
	vls_db *db = NULL;
	bool created = false;
	int ret;

	if (!out || !ctx || !path)
		return ctx ? __vls_error(ctx, VLS_EINVAL, "vls_db_open: NULL argument")
			   : VLS_EINVAL;
	*out = NULL;
	if (mode != VLS_DB_READWRITE && mode != VLS_DB_READONLY)
		return __vls_error(ctx, VLS_EINVAL, "vls_db_open: bad mode %d", (int)mode);
	db = __vls_calloc(ctx, 1, sizeof(*db));
	if (!db)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	db->ctx = ctx;
	db->mode = mode;
	ctx->live_objects++;
	db->path = __vls_strdup(ctx, path);
	if (!db->path) {
		ret = __vls_error(ctx, VLS_ENOMEM, "out of memory");
		goto fail;
	}
	ret = open_sqlite(db, &created);
	if (!ret)
		ret = check_version(db);
	if (!ret && mode == VLS_DB_READWRITE)
		ret = __vls_store_exec(ctx, db->sql, VLS_DB_RW_PRAGMAS);
	if (ret)
		goto fail;
	*out = db;
	return 0;
fail:
	vls_db_close(db);
	/* "Nothing is written on failure": a DB file this call created goes. */
	if (created)
		unlink(path);
	return ret;
}

int vls_db_check(vls_ctx *ctx, const char *path)
{
	vls_db db = { .ctx = ctx, .mode = VLS_DB_READONLY, .check_only = true };
	bool created = false;
	int ret;

	if (!ctx || !path)
		return ctx ? __vls_error(ctx, VLS_EINVAL, "vls_db_check: NULL argument")
			   : VLS_EINVAL;
	db.path = (char *)path;
	ret = open_sqlite(&db, &created);
	if (!ret && !created)
		ret = check_version(&db);
	sqlite3_close_v2(db.sql);
	return ret;
}

void vls_db_close(vls_db *db)
{
	vls_ctx *ctx;

	if (!db)
		return;
	ctx = db->ctx;
	sqlite3_close_v2(db->sql);
	__vls_free(ctx, db->meta_value);
	__vls_free(ctx, db->path);
	__vls_free(ctx, db);
	ctx->live_objects--;
}

/* ------------------------------------------------------------------ */
/* Statement cache of a transaction                                    */
/* ------------------------------------------------------------------ */

static int stmt_prepare(struct vls_store_stmt **out, struct vls_store_txn *txn,
			const char *sql)
{
	struct vls_store_stmt *s;
	int rc, ret = 0;

	if (txn->nstmts == VLS_STORE_STMT_MAX)
		return __vls_error(txn->ctx, VLS_ELIMIT, "more than %d cached statements",
				   VLS_STORE_STMT_MAX);
	s = __vls_calloc(txn->ctx, 1, sizeof(*s));
	if (!s)
		return __vls_error(txn->ctx, VLS_ENOMEM, "out of memory");
	rc = sqlite3_prepare_v3(txn->sql, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&s->st, NULL);
	if (rc != SQLITE_OK) {
		ret = __vls_store_error(txn->ctx, txn->sql, rc, sql);
		goto fail;
	}
	s->sql = sql;
	s->nparams = sqlite3_bind_parameter_count(s->st);
	if (s->nparams > VLS_STORE_PARAMS_MAX) {
		ret = __vls_error(txn->ctx, VLS_ELIMIT, "more than %d parameters: %s",
				  VLS_STORE_PARAMS_MAX, sql);
		goto fail;
	}
	for (int i = 1; i <= s->nparams; i++) {
		s->names[i] = sqlite3_bind_parameter_name(s->st, i);
		if (!s->names[i] || s->names[i][0] != ':') {
			ret = __vls_error(txn->ctx, VLS_EDB, "parameter %d is not "
					  "named (\":name\"): %s", i, sql);
			goto fail;
		}
	}
	txn->stmts[txn->nstmts++] = s;
	*out = s;
	return 0;
fail:
	sqlite3_finalize(s->st);
	__vls_free(txn->ctx, s);
	return ret;
}

/* A row's state but its values (not cleared: a row is 1 KB of them, and
 * every one a row steps is set first). */
static void row_init(struct vls_row *r, vls_ctx *ctx, sqlite3 *sql, sqlite3_stmt *st,
		     struct vls_store_writer *w)
{
	r->ctx = ctx;
	r->sql = sql;
	r->st = st;
	r->s = NULL;
	r->nvals = 0;
	r->next = 1;
	r->bound = 0;
	r->err = 0;
	r->w = w;
}

int __vls_row_start(struct vls_row *r, struct vls_store_txn *txn, const char *sql)
{
	struct vls_store_stmt *s = NULL;

	row_init(r, txn->ctx, txn->sql, NULL, txn->writer);
	for (size_t i = 0; i < txn->nstmts; i++) {
		if (txn->stmts[i]->sql == sql) {
			s = txn->stmts[i];
			if (!r->w) {  /* else the writer's to reset and bind */
				sqlite3_reset(s->st);
				sqlite3_clear_bindings(s->st);
			}
			break;
		}
	}
	if (!s && (r->err = stmt_prepare(&s, txn, sql)))
		return r->err;
	r->s = s;
	r->st = s->st;
	r->nvals = s->nparams;
	return 0;
}

int __vls_row_start_query(struct vls_row *r, struct vls_store_txn *txn,
			  const char *sql)
{
	struct vls_store_writer *w = txn->writer;
	int ret;

	if (w && (ret = __vls_store_writer_drain(w))) {
		row_init(r, txn->ctx, txn->sql, NULL, NULL);
		return r->err = ret;
	}
	txn->writer = NULL;
	ret = __vls_row_start(r, txn, sql);
	txn->writer = w;
	return ret;
}

int __vls_row_start_stmt(struct vls_row *r, vls_ctx *ctx, sqlite3 *sql,
			 sqlite3_stmt *st)
{
	row_init(r, ctx, sql, st, NULL);
	sqlite3_clear_bindings(st);
	if (sqlite3_bind_parameter_count(st) > VLS_STORE_PARAMS_MAX)
		r->err = __vls_error(ctx, VLS_ELIMIT, "more than %d parameters: %s",
				     VLS_STORE_PARAMS_MAX, sqlite3_sql(st));
	return r->err;
}

static const char *param_name(const struct vls_row *r, int i)
{
	const char *n = r->s ? r->s->names[i] : sqlite3_bind_parameter_name(r->st, i);

	return n ? n + 1 : "";  /* past the ':' */
}

int __vls_row_param_slow(struct vls_row *r, const char *name)
{
	int n = r->s ? r->s->nparams : sqlite3_bind_parameter_count(r->st);
	int i = r->next;

	if (r->err)
		return 0;
	if (i > n || strcmp(param_name(r, i), name)) {
		for (i = 1; i <= n && strcmp(param_name(r, i), name); i++)
			;
		if (i > n) {
			r->err = __vls_error(r->ctx, VLS_EDB, "no parameter :%s in %s",
					     name, sqlite3_sql(r->st));
			return 0;
		}
	}
	if (r->bound & (1ULL << (i - 1))) {
		r->err = __vls_error(r->ctx, VLS_EDB, "parameter :%s bound twice in %s",
				     name, sqlite3_sql(r->st));
		return 0;
	}
	if (r->s)
		r->s->seen[i] = name;
	r->bound |= 1ULL << (i - 1);
	r->next = i + 1;
	return i;
}

void __vls_row_bind_failed(struct vls_row *r, int rc, const char *name)
{
	char what[128];

	if (r->err)
		return;
	snprintf(what, sizeof(what), "binding :%s", name);
	r->err = __vls_store_error(r->ctx, r->sql, rc, what);
}

void __vls_row_textn(struct vls_row *r, const char *name, const char *s,
		     size_t len)
{
	int i = __vls_row_param(r, name);
	int rc;

	if (i && len > INT_MAX)
		r->err = __vls_error(r->ctx, VLS_ELIMIT, "binding :%s: %zu bytes",
				     name, len);
	else if (i && r->w)
		r->vals[i] = (struct vls_row_val){ .s = s, .len = (uint32_t)len,
						   .type = VLS_ROW_TEXT };
	else if (i && (rc = sqlite3_bind_text(r->st, i, s, (int)len,
					      SQLITE_STATIC)) != SQLITE_OK)
		__vls_row_bind_failed(r, rc, name);
}

int __vls_row_done(struct vls_row *r)
{
	int n;

	if (r->err)
		return r->err;
	n = r->s ? r->s->nparams : sqlite3_bind_parameter_count(r->st);
	if (r->bound != (n == 64 ? ~0ULL : (1ULL << n) - 1)) {
		int i = 1;

		while (r->bound & (1ULL << (i - 1)))
			i++;
		r->err = __vls_error(r->ctx, VLS_EDB, "parameter :%s not bound in %s",
				     param_name(r, i), sqlite3_sql(r->st));
	}
	return r->err;
}

int __vls_row_step(struct vls_row *r)
{
	char what[VLS_STORE_WHAT_MAX];
	int rc;

	if (__vls_row_done(r))
		return r->err;
	if (r->w)
		return r->err = __vls_store_writer_row(r->w, r);
	rc = sqlite3_step(r->st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		sqlite3_reset(r->st);
		return 0;
	}
	__vls_sql_what(what, sizeof(what), sqlite3_sql(r->st));
	r->err = __vls_store_error(r->ctx, r->sql, rc, what);
	sqlite3_reset(r->st);
	return r->err;
}

/* ------------------------------------------------------------------ */
/* Stack de-duplication                                                */
/* ------------------------------------------------------------------ */

/*
 * Distinct stacks of the run: their joined text in an array (id: index +
 * 1), found by the hash of the text. The text is kept so that a hash
 * collision never merges two different stacks.
 */
struct stack_entry {
	char *text;
	size_t len;
};

struct vls_stack_cache {
	struct stack_entry *entries;
	size_t n, cap;
	struct vls_u64map index;  /* hash of the text -> entry */
	size_t text_bytes;
	char *buf;             /* the joined text of the stack being looked up */
	size_t buf_cap;
};

static void stacks_free(vls_ctx *ctx, struct vls_stack_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		__vls_free(ctx, c->entries[i].text);
	__vls_free(ctx, c->entries);
	__vls_u64map_release(ctx, &c->index);
	__vls_free(ctx, c->buf);
	__vls_free(ctx, c);
}

/* Join frames with '\n' into c->buf; *len gets the length. */
static int join_frames(vls_ctx *ctx, struct vls_stack_cache *c,
		       const char *const *frames, uint32_t n, size_t *len)
{
	size_t pos = 0;
	int ret;

	if (n > VLS_STACK_MAX)
		n = VLS_STACK_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const char *f = frames[i] ? frames[i] : "";
		size_t fl = strnlen(f, VLS_FRAME_MAX);

		ret = __vls_grow(ctx, (void **)&c->buf, &c->buf_cap, pos + fl + 2, 1,
				 (size_t)VLS_STACK_MAX * (VLS_FRAME_MAX + 1) + 1);
		if (ret)
			return ret;
		if (i)
			c->buf[pos++] = '\n';
		memcpy(c->buf + pos, f, fl);
		pos += fl;
	}
	c->buf[pos] = '\0';
	*len = pos;
	return 0;
}

/* Is entry val the stack being looked up (c->buf, *len bytes)? */
static bool stack_eq(uint32_t val, const void *len, const void *data)
{
	const struct vls_stack_cache *c = data;
	const struct stack_entry *e = &c->entries[val];

	return e->len == *(const size_t *)len && !memcmp(e->text, c->buf, e->len);
}

static int stack_add(struct vls_store_txn *txn, struct vls_stack_cache *c,
		     uint64_t h, size_t len)
{
	struct vls_row r;
	char *text = NULL;
	int ret;

	if (c->text_bytes + len > VLS_STACK_TEXT_MAX)
		return __vls_error(txn->ctx, VLS_ELIMIT,
				   "more than %zu MiB of distinct stacks in one run",
				   VLS_STACK_TEXT_MAX >> 20);
	ret = __vls_grow(txn->ctx, (void **)&c->entries, &c->cap, c->n + 1,
			 sizeof(*c->entries), VLS_STACKS_MAX);
	if (ret)
		return ret;
	text = __vls_strndup(txn->ctx, c->buf, len);
	if (!text)
		return __vls_error(txn->ctx, VLS_ENOMEM, "out of memory");
	__vls_row_start(&r, txn, "INSERT INTO stack (run_id, id, frames) "
			"VALUES (:run_id, :id, :frames)");
	__vls_row_i64(&r, "run_id", txn->run_id);
	__vls_row_i64(&r, "id", (int64_t)c->n + 1);
	__vls_row_textn(&r, "frames", text, len);
	ret = __vls_row_step(&r);
	if (ret) {
		__vls_free(txn->ctx, text);
		return ret;
	}
	ret = __vls_u64map_put(txn->ctx, &c->index, h, (uint32_t)c->n);
	if (ret) {
		__vls_free(txn->ctx, text);
		return ret;
	}
	c->entries[c->n] = (struct stack_entry){ text, len };
	c->n++;
	c->text_bytes += len;
	return 0;
}

/* Stack ids are 1, 2, ... in order of first appearance in the run. */
int __vls_store_stack_id(int64_t *out, struct vls_store_txn *txn,
			 const char *const *frames, uint32_t n)
{
	struct vls_stack_cache *c = txn->stacks;
	size_t len;
	uint32_t skip, idx;
	uint64_t h;
	int ret;

	*out = 0;
	if (!n || !frames)
		return 0;       /* no stack (frames may be NULL: no pointer math) */
	skip = __vls_stack_tracing_frames(frames, n);
	frames += skip;
	n -= skip;
	if (!n)
		return 0;
	if (!c) {
		c = txn->stacks = __vls_calloc(txn->ctx, 1, sizeof(*c));
		if (!c)
			return __vls_error(txn->ctx, VLS_ENOMEM, "out of memory");
	}
	ret = join_frames(txn->ctx, c, frames, n, &len);
	if (ret)
		return ret;
	h = __vls_hash_bytes(VLS_HASH_INIT, c->buf, len);
	if (__vls_u64map_find(&c->index, &h, stack_eq, &len, c, &idx)) {
		ret = stack_add(txn, c, h, len);
		if (ret)
			return ret;
		idx = (uint32_t)c->n - 1;
	}
	*out = (int64_t)idx + 1;
	return 0;
}

void __vls_store_txn_release(struct vls_store_txn *txn)
{
	__vls_store_writer_stop(txn);  /* its error, if any, was returned */
	for (size_t i = 0; i < txn->nstmts; i++) {
		sqlite3_finalize(txn->stmts[i]->st);
		__vls_free(txn->ctx, txn->stmts[i]);
	}
	txn->nstmts = 0;
	stacks_free(txn->ctx, txn->stacks);
	txn->stacks = NULL;
}
