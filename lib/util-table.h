/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-table.h - aligned text tables for the text report and compare, in the
 * manner of `perf lock contention`: a header line, one row per item,
 * numbers right-aligned, the last (name) column left-aligned.
 */
#ifndef VLS_UTIL_TABLE_H
#define VLS_UTIL_TABLE_H

#include "util-buf.h"

#define VLS_TABLE_COLS_MAX 24
#define VLS_TABLE_CELL_MAX 200     /* bytes of one cell, longer is cut */

struct vls_table {
	vls_ctx *ctx;
	size_t ncols;
	const char *heads[VLS_TABLE_COLS_MAX];
	char align[VLS_TABLE_COLS_MAX];  /* 'l' or 'r' */
	char **cells;                    /* nrows x ncols, row-major */
	size_t nrows, cap, col;          /* col: next cell of the last row */
	int err;
};

/* align: one 'l' or 'r' per column; heads: ncols static strings. */
void __vls_table_init(struct vls_table *t, vls_ctx *ctx, const char *align,
		      const char *const *heads);
void __vls_table_row(struct vls_table *t);
void __vls_table_cell(struct vls_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append the table, each line prefixed by indent spaces; the table is
 * released. Errors are passed on to the buffer. */
void __vls_table_render(struct vls_table *t, struct vls_buf *b, size_t indent);
void __vls_table_release(struct vls_table *t);

#endif /* VLS_UTIL_TABLE_H */
