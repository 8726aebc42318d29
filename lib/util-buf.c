/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-buf.c - bounded growable text (see util-buf.h).
 */
#include <stdio.h>
#include <string.h>

#include "util-buf.h"

void __vls_buf_init(struct vls_buf *b, vls_ctx *ctx, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->ctx = ctx;
	b->max = max ? max : VLS_BUF_MAX;
}

static int reserve(struct vls_buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (b->err)
		return b->err;
	if (n > b->max || b->len > b->max - n)
		return b->err = __vls_error(b->ctx, VLS_ELIMIT,
					    "report larger than %zu bytes", b->max);
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < need)
		ncap *= 2;
	p = __vls_realloc(b->ctx, b->data, ncap);
	if (!p)
		return b->err = __vls_error(b->ctx, VLS_ENOMEM, "out of memory");
	b->data = p;
	b->cap = ncap;
	return 0;
}

void __vls_buf_add(struct vls_buf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void __vls_buf_puts(struct vls_buf *b, const char *s)
{
	__vls_buf_add(b, s, strlen(s));
}

void __vls_buf_vprintf(struct vls_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (b->err)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->err = __vls_error(b->ctx, VLS_EINVAL, "bad format");
		return;
	}
	if (reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void __vls_buf_printf(struct vls_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	__vls_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void __vls_buf_pad(struct vls_buf *b, char c, size_t n)
{
	if (reserve(b, n))
		return;
	memset(b->data + b->len, c, n);
	b->len += n;
	b->data[b->len] = '\0';
}

int __vls_buf_finish(struct vls_buf *b, char **out)
{
	int err = b->err;

	*out = NULL;
	if (!err && !b->data)
		err = reserve(b, 0);
	if (err) {
		__vls_buf_release(b);
		return err;
	}
	b->data[b->len] = '\0';
	*out = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return 0;
}

void __vls_buf_release(struct vls_buf *b)
{
	__vls_free(b->ctx, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
