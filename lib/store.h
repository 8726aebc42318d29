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

#include "meta.h"
#include "vls-local.h"

struct vls_db {
	vls_ctx *ctx;
	sqlite3 *sql;
	vls_db_mode mode;
	char *path;
	/* vls_db_run_meta() result, borrowed until the next call */
	char *meta_value;
};

/* Cached prepared statements, one slot per distinct SQL text. */
#define VLS_STORE_STMT_MAX 64

struct vls_store_txn {
	vls_ctx *ctx;
	vls_db *db;
	sqlite3 *sql;
	int64_t run_id;
	sqlite3_stmt *stmts[VLS_STORE_STMT_MAX];
	const char *stmt_sql[VLS_STORE_STMT_MAX];
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
};

/*
 * A prepared statement for sql (a string literal: cached by its address),
 * reset and with bindings cleared. NULL on failure (message on ctx).
 */
sqlite3_stmt *__vls_store_stmt(struct vls_store_txn *txn, const char *sql);

/* Step a statement that returns no row; reports SQLite errors on ctx. */
int __vls_store_exec_stmt(struct vls_store_txn *txn, sqlite3_stmt *st);

/*
 * Bind helpers for the analyzers' INSERTs: each binds parameter *col and
 * moves *col on, so a row is written as one run of calls in column order.
 * __vls_bind_opt() leaves the parameter unbound (NULL) when !known;
 * __vls_bind_text() does so for a NULL string. Text is not copied: the
 * string must live until the row is stepped, which every caller does
 * before it returns (a copy per text column cost a busy trace's thousands
 * of thread rows 0.05 G instructions).
 */
static inline void __vls_bind_i64(sqlite3_stmt *st, int *col, int64_t v)
{
	sqlite3_bind_int64(st, (*col)++, v);
}

static inline void __vls_bind_u64(sqlite3_stmt *st, int *col, uint64_t v)
{
	sqlite3_bind_int64(st, (*col)++, (int64_t)v);
}

static inline void __vls_bind_opt(sqlite3_stmt *st, int *col, bool known, int64_t v)
{
	if (known)
		sqlite3_bind_int64(st, *col, v);
	(*col)++;
}

static inline void __vls_bind_text(sqlite3_stmt *st, int *col, const char *s)
{
	if (s)
		sqlite3_bind_text(st, *col, s, -1, SQLITE_STATIC);
	(*col)++;
}

/* Run SQL text with no parameters (DDL, pragmas). */
int __vls_store_exec(vls_ctx *ctx, sqlite3 *sql, const char *text);

/* Map an SQLite result code to a VLS_E* code with a message on ctx. */
int __vls_store_error(vls_ctx *ctx, sqlite3 *sql, int rc, const char *what);

/*
 * The id of a kernel stack in table stack, inserting it the first time
 * this run sees it. n == 0 gives *out = 0 (no stack).
 */
int __vls_store_stack_id(int64_t *out, struct vls_store_txn *txn,
			 const char *const *frames, uint32_t n);

/* Finalize the cached statements and free the stack cache (the SQL
 * transaction itself is the caller's). Leaves txn reusable. */
void __vls_store_txn_release(struct vls_store_txn *txn);

#endif /* VLS_STORE_H */
