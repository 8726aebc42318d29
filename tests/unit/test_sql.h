/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_sql.h - one value out of a DB file, for the tests that check what an
 * import stored. Included once per test program: the functions are static inline.
 */
#ifndef VLS_TEST_SQL_H
#define VLS_TEST_SQL_H

#include <stdio.h>
#include <unistd.h>

#include <sqlite3.h>

/* The first column of q's first row: an integer, or text into buf. */
static inline long long sql_value(const char *db, const char *q, char *buf, size_t size)
{
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -999;

	if (buf)
		buf[0] = '\0';
	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(s, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (buf && sqlite3_column_text(st, 0))
			snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

static inline long long sql_int(const char *db, const char *q)
{
	return sql_value(db, q, NULL, 0);
}

/* Remove a test DB and what SQLite may leave beside it (-wal, -shm). */
static inline void remove_db(const char *path)
{
	char side[4096];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

#endif
