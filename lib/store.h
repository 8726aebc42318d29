/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store.h - the SQLite store, private to the library.
 *
 * The schema lives in the .sql files of schema/ (one per concern, applied
 * in name order, documented in docs/schema.md). An import is one
 * transaction: the run row is inserted first so analyzers know their
 * run_id, and nothing is visible to readers until the commit.
 */
#ifndef VLS_STORE_H
#define VLS_STORE_H

#include <sqlite3.h>
#include <string.h>

#include "meta.h"
#include "vls-local.h"

struct vls_db {
	vls_ctx *ctx;
	sqlite3 *sql;
	vls_db_mode mode;
	bool check_only;  /* vls_db_check(): read-only, as read-write would */
	/* read-write, of a readable older schema: the first import migrates
	 * it in its own transaction (__vls_db_upgrade_in_txn()) */
	bool upgrade_pending;
	char *path;
	/* vls_db_run_meta() result, borrowed until the next call */
	char *meta_value;
};

/*
 * Inside a write transaction: migrate a DB opened read-write of an older
 * schema, so that an import that fails rolls the migration back with its
 * rows. 0 when there is nothing to do; upgrade_pending stays set until
 * the caller's COMMIT clears it.
 */
int __vls_db_upgrade_in_txn(vls_db *db);

/* Cached prepared statements, one slot per distinct SQL text. */
#define VLS_STORE_STMT_MAX 64
/* Parameters of one statement: a row's "bound once" set is a u64. */
#define VLS_STORE_PARAMS_MAX 64

/* A cached statement and its parameter names (":name", from SQLite). */
struct vls_store_stmt {
	const char *sql;          /* the key: the literal's address */
	sqlite3_stmt *st;
	int nparams;
	const char *names[VLS_STORE_PARAMS_MAX + 1]; /* [1..nparams] */
	/* The literal a setter last matched to parameter i by its text: the
	 * same address is the same name (see struct vls_row). */
	const char *seen[VLS_STORE_PARAMS_MAX + 1];
};

struct vls_groups;
struct vls_store_writer;

struct vls_store_txn {
	vls_ctx *ctx;
	vls_db *db;
	sqlite3 *sql;
	int64_t run_id;
	struct vls_store_stmt *stmts[VLS_STORE_STMT_MAX];
	size_t nstmts;
	/* stack de-duplication: hash -> id, see __vls_store_stack_id() */
	struct vls_stack_cache *stacks;
	/*
	 * The run's metadata so far (import.c points it at the import's list:
	 * "kernel" and "arch" incl. the vls_import_opts overrides, "config.*",
	 * "vmstat.before.*", "vmstat.after.*"). Analyzers read it in event and
	 * finish; NULL means none. Borrowed, valid for the transaction.
	 */
	const struct vls_meta *meta;
	/* The thread group of each task so far (tasks.h: __vls_groups_pid()),
	 * fed by the import before the analyzers see an event; NULL: none. */
	const struct vls_groups *groups;
	/* Set from a threaded import pipeline's start to the import's
	 * COMMIT: see __vls_store_writer_start(). */
	struct vls_store_writer *writer;
	/* The number of the event's stack among the distinct stacks the
	 * import pipeline interned (import-pipe.c), 1..; 0: not interned.
	 * Equal numbers are equal stacks: what is derived from a stack alone
	 * can be kept by number. */
	uint32_t stack_num;
};

/*
 * Binding a statement: every parameter is named (":tid") and bound by
 * name, exactly once, so a column added in the middle of an INSERT cannot
 * shift the values after it. A row records its first error; the setters
 * then do nothing, and __vls_row_done()/__vls_row_step() return it. A
 * parameter left unbound, bound twice, or not in the SQL is an error, as
 * is any error SQLite returns from a bind.
 *
 *	struct vls_row r;
 *
 *	__vls_row_start(&r, txn, "INSERT INTO t (run_id, n) VALUES (:run_id, :n)");
 *	__vls_row_i64(&r, "run_id", txn->run_id);
 *	__vls_row_opt(&r, "n", known, n);
 *	return __vls_row_step(&r);
 *
 * Names, like the SQL, are string literals (or static tables of them):
 * a name is matched to its parameter by its text once per transaction,
 * then by its address, so a row of the analyzers' hot INSERTs costs no
 * string compares. Text values are not copied (SQLITE_STATIC): the string
 * must live until the row is stepped, which every caller does before it
 * returns (a copy of each would cost a busy trace's thousands of thread
 * rows 0.05 G instructions). With a writer thread (below), setters keep
 * the values in the row and __vls_row_step() copies them, texts included,
 * into the writer's buffer.
 */
enum vls_row_type { VLS_ROW_NULL, VLS_ROW_INT, VLS_ROW_TEXT };

struct vls_row {
	vls_ctx *ctx;
	sqlite3 *sql;
	sqlite3_stmt *st;
	struct vls_store_stmt *s; /* NULL: a statement not of the cache */
	int next;                 /* the parameter expected next */
	uint64_t bound;           /* bit i - 1: parameter i is bound */
	int err;
	/* Set: the row goes to the transaction's writer thread, its values
	 * kept here (texts by pointer until __vls_row_step() copies them). */
	struct vls_store_writer *w;
	int nvals;
	struct vls_row_val {
		union {
			int64_t i;
			const char *s;
		};
		uint32_t len;
		uint32_t type;    /* enum vls_row_type */
	} vals[VLS_STORE_PARAMS_MAX + 1]; /* [1..nvals] */
};

/*
 * Start a row of a transaction's statement sql (a string literal, cached
 * by its address: prepared once per transaction, reset and cleared here,
 * or by the writer thread when one runs).
 */
int __vls_row_start(struct vls_row *r, struct vls_store_txn *txn, const char *sql);
/* The same for a statement whose rows the caller steps and reads (with
 * __vls_row_done()): the writer thread's rows are written first. */
int __vls_row_start_query(struct vls_row *r, struct vls_store_txn *txn,
			  const char *sql);
/* Start a row of a statement the caller prepared and owns. */
int __vls_row_start_stmt(struct vls_row *r, vls_ctx *ctx, sqlite3 *sql,
			 sqlite3_stmt *st);

/* The index of parameter name, now bound; 0 with r->err set if none. */
int __vls_row_param_slow(struct vls_row *r, const char *name);
/* Record a failed bind's SQLite code as the row's error. */
void __vls_row_bind_failed(struct vls_row *r, int rc, const char *name);

static inline int __vls_row_param(struct vls_row *r, const char *name)
{
	int i = r->next;

	if (r->s && i <= r->s->nparams && r->s->seen[i] == name &&
	    !(r->bound & (1ULL << (i - 1))) && !r->err) {
		r->bound |= 1ULL << (i - 1);
		r->next = i + 1;
		return i;
	}
	return __vls_row_param_slow(r, name);
}

static inline void __vls_row_i64(struct vls_row *r, const char *name, int64_t v)
{
	int i = __vls_row_param(r, name), rc;

	if (i && r->w)
		r->vals[i] = (struct vls_row_val){ .i = v, .type = VLS_ROW_INT };
	else if (i && (rc = sqlite3_bind_int64(r->st, i, v)) != SQLITE_OK)
		__vls_row_bind_failed(r, rc, name);
}

static inline void __vls_row_u64(struct vls_row *r, const char *name, uint64_t v)
{
	__vls_row_i64(r, name, (int64_t)v);
}

/* A row starts with every parameter NULL (cleared or never bound), so
 * this only marks the parameter bound. */
static inline void __vls_row_null(struct vls_row *r, const char *name)
{
	int i = __vls_row_param(r, name);

	if (i && r->w)
		r->vals[i].type = VLS_ROW_NULL;
}

/* v when known, else NULL. */
static inline void __vls_row_opt(struct vls_row *r, const char *name, bool known,
				 int64_t v)
{
	if (known)
		__vls_row_i64(r, name, v);
	else
		__vls_row_null(r, name);
}

/* NULL s binds NULL; not copied. */
static inline void __vls_row_text(struct vls_row *r, const char *name, const char *s)
{
	int i = __vls_row_param(r, name), rc;

	if (i && r->w)
		r->vals[i] = s ? (struct vls_row_val){ .s = s, .len = (uint32_t)strlen(s),
						       .type = VLS_ROW_TEXT }
			       : (struct vls_row_val){ .type = VLS_ROW_NULL };
	else if (i && s && (rc = sqlite3_bind_text(r->st, i, s, -1, SQLITE_STATIC)) != SQLITE_OK)
		__vls_row_bind_failed(r, rc, name);
}

/* The first len bytes of s; not copied. */
void __vls_row_textn(struct vls_row *r, const char *name, const char *s,
		     size_t len);

/* Every parameter bound, no error so far: 0, or the row's error. The
 * statement (r->st) is then ready to step. */
int __vls_row_done(struct vls_row *r);
/* __vls_row_done(), then step a statement that returns no row (the row a
 * RETURNING clause or a query gives is dropped) and reset it. */
int __vls_row_step(struct vls_row *r);

/* Run SQL text with no parameters (DDL, pragmas). */
int __vls_store_exec(vls_ctx *ctx, sqlite3 *sql, const char *text);

/* Map an SQLite result code to a VLS_E* code with a message on ctx. */
int __vls_store_error(vls_ctx *ctx, sqlite3 *sql, int rc, const char *what);
/* A statement's text cut for a message: "INSERT INTO fault_episode". */
#define VLS_STORE_WHAT_MAX 128
void __vls_sql_what(char *buf, size_t size, const char *sql);
/* The same with SQLite's message msg, as it was when rc was returned. */
int __vls_store_error_msg(vls_ctx *ctx, sqlite3 *sql, int rc, const char *what,
			  const char *msg);

/*
 * The writer thread of a transaction (store-writer.c): from start to stop,
 * rows finished with __vls_row_step() are stepped there, in order, and a
 * row's step returns only an earlier row's error. A statement whose
 * results the caller reads starts with __vls_row_start_query(), which
 * waits for the writer first. Start does nothing when SQLite has no
 * threads or the writer runs; stop writes what is left and returns the
 * first error (0 when no writer runs). An import starts it with its
 * threads and stops it before COMMIT: the analyzers' last rows, written
 * when they finish, are stepped while they compute the next ones.
 */
int __vls_store_writer_start(struct vls_store_txn *txn);
int __vls_store_writer_stop(struct vls_store_txn *txn);
int __vls_store_writer_drain(struct vls_store_writer *w);
int __vls_store_writer_row(struct vls_store_writer *w, struct vls_row *r);

/*
 * The id of a kernel stack in table stack, inserting it the first time
 * this run sees it. n == 0 gives *out = 0 (no stack).
 */
int __vls_store_stack_id(int64_t *out, struct vls_store_txn *txn,
			 const char *const *frames, uint32_t n);

/* Stop the writer thread, finalize the cached statements and free the
 * stack cache (the SQL transaction itself is the caller's). Leaves txn
 * reusable. */
void __vls_store_txn_release(struct vls_store_txn *txn);

#endif /* VLS_STORE_H */
