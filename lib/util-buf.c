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

void __vls_buf_to(struct vls_buf *b, const struct vls_out *out)
{
	b->write = out->write;
	b->write_data = out->data;
}

void __vls_buf_flush(struct vls_buf *b)
{
	if (b->err || !b->write || !b->len)
		return;
	if (b->write(b->write_data, b->data, b->len)) {
		b->err = __vls_error(b->ctx, VLS_ESTOPPED, "the report's writer stopped it");
		return;
	}
	b->sent += b->len;
	b->len = 0;
	b->data[0] = '\0';
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

/* Bytes of a control character at s (n bytes left): 1, 2 (C1), or 0.
 * A line end ("\n", or CSV's "\r\n") counts only when !keep_nl. */
static size_t ctl_len(const unsigned char *s, size_t n, bool keep_nl)
{
	if (keep_nl && (s[0] == '\n' || (s[0] == '\r' && n > 1 && s[1] == '\n')))
		return 0;
	if (s[0] < 0x20 || s[0] == 0x7f)
		return 1;
	if (s[0] == 0xc2 && n > 1 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

char *__vls_ctl_escape(char *dst, size_t size, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, k;

	if (!size)
		return dst;
	for (size_t i = 0; i < n && o + 1 < size; i += k ? k : 1) {
		k = ctl_len(s + i, n - i, false);
		if (!k) {
			dst[o++] = (char)s[i];
			continue;
		}
		for (size_t j = 0; j < k && o + 5 <= size; j++)
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x", s[i + j]);
		if (o + 5 > size)
			break;
	}
	dst[o] = '\0';
	return dst;
}

char *vls_text_escape(char *dst, size_t size, const char *src)
{
	return dst ? __vls_ctl_escape(dst, size, src ? src : "", src ? strlen(src) : 0)
		   : NULL;
}

static void add_raw(struct vls_buf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void add_escaped(struct vls_buf *b, const char *s, size_t n)
{
	size_t from = 0, i = 0;
	char esc[16];

	while (i < n) {
		size_t k = ctl_len((const unsigned char *)s + i, n - i, true);

		if (!k) {
			i++;
			continue;
		}
		add_raw(b, s + from, i - from);
		__vls_ctl_escape(esc, sizeof(esc), s + i, k);
		add_raw(b, esc, strlen(esc));
		i += k;
		from = i;
	}
	add_raw(b, s + from, n - from);
}

void __vls_buf_add(struct vls_buf *b, const char *s, size_t n)
{
	char *o = __vls_buf_room(b, n);

	/* most appends: room left, within max, nothing to escape */
	if (o) {
		memcpy(o, s, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	if (b->escape_ctl)
		add_escaped(b, s, n);
	else
		add_raw(b, s, n);
}

void __vls_buf_puts(struct vls_buf *b, const char *s)
{
	__vls_buf_add(b, s, strlen(s));
}

/* n bytes just formatted at data + at (len not yet moved): appended
 * escaped when they hold a control character. */
static void reescape(struct vls_buf *b, size_t at, size_t n)
{
	const unsigned char *s = (const unsigned char *)b->data + at;
	char *copy;

	for (size_t i = 0; i < n; i++) {
		if (!ctl_len(s + i, n - i, true))
			continue;
		copy = __vls_strndup(b->ctx, b->data + at, n);
		if (!copy) {
			b->err = __vls_error(b->ctx, VLS_ENOMEM, "out of memory");
			return;
		}
		b->data[at] = '\0';
		add_escaped(b, copy, n);
		__vls_free(b->ctx, copy);
		return;
	}
	b->len = at + n;
}

void __vls_buf_vprintf(struct vls_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (b->err)
		return;
	/* formatted once where it fits already (most appends), else measured
	 * there, the buffer grown, and formatted again */
	va_copy(ap2, ap);
	n = vsnprintf(b->cap ? b->data + b->len : NULL, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->err = __vls_error(b->ctx, VLS_EINVAL, "bad format");
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (reserve(b, (size_t)n))
			return;
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	} else if (reserve(b, (size_t)n)) {
		b->data[b->len] = '\0';
		return;
	}
	if (b->escape_ctl)
		reescape(b, b->len, (size_t)n);
	else
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
	int err;

	if (out)
		*out = NULL;
	if (b->write) {
		__vls_buf_flush(b);
		err = b->err;
		__vls_buf_release(b);
		return err;
	}
	err = b->err;
	if (!out)
		err = err ? err : __vls_error(b->ctx, VLS_EINVAL, "no output");
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
