/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-table.c - aligned text tables (see util-table.h).
 */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "util-table.h"

void __vls_table_init(struct vls_table *t, vls_ctx *ctx, const char *align,
		      const char *const *heads)
{
	memset(t, 0, sizeof(*t));
	t->ctx = ctx;
	t->ncols = strlen(align);
	if (t->ncols > VLS_TABLE_COLS_MAX)
		t->ncols = VLS_TABLE_COLS_MAX;
	for (size_t i = 0; i < t->ncols; i++) {
		t->heads[i] = heads[i];
		t->align[i] = align[i];
	}
}

void __vls_table_row(struct vls_table *t)
{
	size_t need;

	if (t->err)
		return;
	need = (t->nrows + 1) * t->ncols;
	if (t->nrows >= VLS_RLIST_MAX) {
		t->err = __vls_error(t->ctx, VLS_ELIMIT, "table of more than %u rows",
				     VLS_RLIST_MAX);
		return;
	}
	t->err = __vls_grow(t->ctx, (void **)&t->cells, &t->cap, need,
			    sizeof(char *), (size_t)VLS_RLIST_MAX * t->ncols);
	if (t->err)
		return;
	memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof(char *));
	t->nrows++;
	t->col = 0;
}

void __vls_table_cell(struct vls_table *t, const char *fmt, ...)
{
	char tmp[VLS_TABLE_CELL_MAX], esc[VLS_TABLE_CELL_MAX];
	va_list ap;
	char **slot;

	if (t->err || !t->nrows || t->col >= t->ncols)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* escaped here, not when rendered, so the column widths count it */
	__vls_ctl_escape(esc, sizeof(esc), tmp, strlen(tmp));
	slot = &t->cells[(t->nrows - 1) * t->ncols + t->col++];
	*slot = __vls_strdup(t->ctx, esc);
	if (!*slot)
		t->err = __vls_error(t->ctx, VLS_ENOMEM, "out of memory");
}

static const char *cell(const struct vls_table *t, size_t r, size_t c)
{
	const char *s = t->cells[r * t->ncols + c];

	return s ? s : "";
}

/* Columns a cell takes on a terminal: its UTF-8 code points ("±" is one
 * column, two bytes), so the columns line up whatever the cells hold. */
static size_t text_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void put_line(struct vls_table *t, struct vls_buf *b, size_t indent,
		     const size_t *w, const char *const *vals)
{
	size_t last = t->ncols - 1;

	__vls_buf_pad(b, ' ', indent);
	for (size_t c = 0; c < t->ncols; c++) {
		size_t n = strlen(vals[c]), cols = text_cols(vals[c]);
		size_t pad = w[c] > cols ? w[c] - cols : 0;

		if (c)
			__vls_buf_add(b, "  ", 2);
		if (t->align[c] == 'r')
			__vls_buf_pad(b, ' ', pad);
		__vls_buf_add(b, vals[c], n);
		if (t->align[c] != 'r' && c != last)
			__vls_buf_pad(b, ' ', pad);
	}
	/* an empty last cell leaves padding: no trailing blanks */
	while (!b->err && b->len && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
	__vls_buf_add(b, "\n", 1);
	__vls_buf_cut(b);
}

void __vls_table_render(struct vls_table *t, struct vls_buf *b, size_t indent)
{
	size_t w[VLS_TABLE_COLS_MAX] = { 0 };
	const char *vals[VLS_TABLE_COLS_MAX];

	if (t->err && !b->err)
		b->err = t->err;
	for (size_t c = 0; c < t->ncols && !b->err; c++) {
		w[c] = text_cols(t->heads[c]);
		for (size_t r = 0; r < t->nrows; r++)
			if (text_cols(cell(t, r, c)) > w[c])
				w[c] = text_cols(cell(t, r, c));
	}
	if (!b->err && t->ncols)
		put_line(t, b, indent, w, t->heads);
	for (size_t r = 0; r < t->nrows && !b->err; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			vals[c] = cell(t, r, c);
		put_line(t, b, indent, w, vals);
	}
	__vls_table_release(t);
}

void __vls_table_release(struct vls_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		__vls_free(t->ctx, t->cells[i]);
	__vls_free(t->ctx, t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}
