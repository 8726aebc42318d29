/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-buf.h - a bounded, growable text buffer for the report renderers.
 *
 * Errors are sticky: after the first failure (no memory, or the text would
 * pass max bytes) every append is a no-op and __vls_buf_finish() returns
 * the error, so renderers append without checking each call.
 */
#ifndef VLS_UTIL_BUF_H
#define VLS_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "vls-local.h"

/* A report of every run in a large DB stays far below this. */
#define VLS_BUF_MAX ((size_t)256 << 20)

/* Where a renderer's text goes: whole into *text (freed with __vls_free),
 * or, with write, to it in pieces (vls_report_write()). */
struct vls_out {
	char **text;
	vls_write_fn write;
	void *data;
};

/* A buffer with a writer hands its text on at the cuts its renderer marks
 * (__vls_buf_cut()) once this much is waiting. */
#define VLS_BUF_CUT ((size_t)64 << 10)

struct vls_buf {
	vls_ctx *ctx;
	char *data;
	size_t len, cap, max;
	int err;
	/* with a writer: the text goes there; sent bytes went already */
	vls_write_fn write;
	void *write_data;
	size_t sent;
	/* Text for a terminal (text report, CSV): control characters from the
	 * trace (a comm, a label) are appended escaped (__vls_ctl_escape()). */
	bool escape_ctl;
};

/*
 * n bytes of src into dst (size bytes, NUL-terminated, cut if short) with
 * every control character written as "\xHH": C0 (a newline too), DEL and
 * the C1 range as UTF-8 (U+0080..U+009F), which a terminal would obey.
 * (An escape_ctl buffer keeps newlines: they are the text's own.)
 * Returns dst.
 */
char *__vls_ctl_escape(char *dst, size_t size, const char *src, size_t n);

void __vls_buf_init(struct vls_buf *b, vls_ctx *ctx, size_t max);
/* The text goes where out says (a writer, or whole to *out->text at
 * __vls_buf_finish()). */
void __vls_buf_to(struct vls_buf *b, const struct vls_out *out);
/* With a writer, what is buffered is written now; a sticky error
 * (VLS_ESTOPPED) when the writer refuses it. */
void __vls_buf_flush(struct vls_buf *b);
/* A place the renderer's text may be cut (the end of a row or an object:
 * nothing before it is looked at again): with a writer, the buffered text
 * goes out once it is VLS_BUF_CUT bytes or more. max bounds what is
 * buffered, not what went out. */
static inline void __vls_buf_cut(struct vls_buf *b)
{
	if (b->write && b->len >= VLS_BUF_CUT)
		__vls_buf_flush(b);
}
/*
 * Where n more bytes (and the NUL after them) go when they fit as they
 * are: room left, within max, no error, nothing to escape. NULL
 * otherwise: then __vls_buf_add() grows the buffer or sets the error.
 * A caller writing there moves len itself.
 */
static inline char *__vls_buf_room(struct vls_buf *b, size_t n)
{
	if (b->err || b->escape_ctl || n >= b->cap - b->len || b->len + n > b->max)
		return NULL;
	return b->data + b->len;
}
void __vls_buf_add(struct vls_buf *b, const char *s, size_t n);
void __vls_buf_puts(struct vls_buf *b, const char *s);
void __vls_buf_printf(struct vls_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void __vls_buf_vprintf(struct vls_buf *b, const char *fmt, va_list ap);
/* Append n copies of c. */
void __vls_buf_pad(struct vls_buf *b, char c, size_t n);
/* Hand the NUL-terminated text to *out (the caller frees it with
 * __vls_free) or return the sticky error; the buffer is empty after.
 * With a writer, the rest goes to it and out (may be NULL) gets NULL. */
int __vls_buf_finish(struct vls_buf *b, char **out);
void __vls_buf_release(struct vls_buf *b);

#endif /* VLS_UTIL_BUF_H */
