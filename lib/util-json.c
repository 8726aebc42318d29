/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-json.c - the minimal JSON writer (see util-json.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util-json.h"

void __vls_json_init(struct vls_json *j, vls_ctx *ctx, size_t max)
{
	memset(j, 0, sizeof(*j));
	__vls_buf_init(&j->buf, ctx, max);
}

static int fail(struct vls_json *j, const char *why)
{
	if (!j->buf.err)
		j->buf.err = __vls_error(j->buf.ctx, VLS_EINVAL, "JSON writer: %s", why);
	return j->buf.err;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void put_escaped_char(struct vls_buf *b, unsigned char c)
{
	switch (c) {
	case '"': __vls_buf_add(b, "\\\"", 2); break;
	case '\\': __vls_buf_add(b, "\\\\", 2); break;
	case '\n': __vls_buf_add(b, "\\n", 2); break;
	case '\r': __vls_buf_add(b, "\\r", 2); break;
	case '\t': __vls_buf_add(b, "\\t", 2); break;
	default: __vls_buf_printf(b, "\\u%04x", c); break;
	}
}

static void put_string(struct vls_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	__vls_buf_add(b, "\"", 1);
	while (*s && !b->err) {
		const unsigned char *plain = s;

		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		if (s > plain) {
			__vls_buf_add(b, (const char *)plain, (size_t)(s - plain));
			continue;
		}
		if (*s < 0x20 || *s == '"' || *s == '\\') {
			put_escaped_char(b, *s++);
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			__vls_buf_add(b, "\xef\xbf\xbd", 3); /* U+FFFD */
			s++;
			continue;
		}
		__vls_buf_add(b, (const char *)s, n);
		s += n;
	}
	__vls_buf_add(b, "\"", 1);
}

/* The writer's own appends, a few bytes each, are written in place
 * (__vls_buf_room()) rather than copied from a temporary. */
static void put_char(struct vls_buf *b, char c)
{
	char *o = __vls_buf_room(b, 1);

	if (!o) {
		__vls_buf_add(b, &c, 1);
		return;
	}
	o[0] = c;
	o[1] = '\0';
	b->len++;
}

/* Bytes a member name takes as they are: printable ASCII but '"', '\\'. */
static const bool plain_key[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

#define PLAIN_KEY_MAX 60

/* ",\"key\":" (comma when asked) written in place when the key is short
 * and plain ASCII, as the report's names are; false, with nothing written,
 * to leave it to put_string. */
static bool put_plain_key(struct vls_buf *b, const char *key, bool comma)
{
	char *o = __vls_buf_room(b, PLAIN_KEY_MAX + 4), *start = o;
	const unsigned char *k = (const unsigned char *)key;

	if (!o)
		return false;
	if (comma)
		*o++ = ',';
	*o++ = '"';
	for (; *k; k++) {
		if (!plain_key[*k] || o - start > PLAIN_KEY_MAX)
			return false;
		*o++ = (char)*k;
	}
	*o++ = '"';
	*o++ = ':';
	*o = '\0';
	b->len += (size_t)(o - start);
	return true;
}

/* Comma and member name before a value. */
static int begin_value(struct vls_json *j, const char *key)
{
	bool in_obj = j->depth > 0 && j->is_obj[j->depth - 1];
	bool comma = false;

	if (j->buf.err)
		return j->buf.err;
	if (in_obj != (key != NULL))
		return fail(j, key ? "member name inside an array" :
				     "value without a name inside an object");
	if (j->depth == 0 && (j->buf.len || j->buf.sent))
		return fail(j, "second top-level value");
	if (j->depth > 0) {
		comma = j->has_item[j->depth - 1];
		j->has_item[j->depth - 1] = true;
	}
	if (key && put_plain_key(&j->buf, key, comma))
		return j->buf.err;
	if (comma)
		put_char(&j->buf, ',');
	if (key) {
		put_string(&j->buf, key);
		__vls_buf_add(&j->buf, ":", 1);
	}
	return j->buf.err;
}

static void open_nest(struct vls_json *j, const char *key, bool obj)
{
	if (begin_value(j, key))
		return;
	if (j->depth >= VLS_JSON_DEPTH_MAX) {
		fail(j, "nested too deep");
		return;
	}
	j->is_obj[j->depth] = obj;
	j->has_item[j->depth] = false;
	j->depth++;
	put_char(&j->buf, obj ? '{' : '[');
}

static void close_nest(struct vls_json *j, bool obj)
{
	if (j->buf.err)
		return;
	if (j->depth == 0 || j->is_obj[j->depth - 1] != obj) {
		fail(j, "unbalanced close");
		return;
	}
	j->depth--;
	put_char(&j->buf, obj ? '}' : ']');
}

void __vls_json_obj(struct vls_json *j, const char *key) { open_nest(j, key, true); }
void __vls_json_obj_end(struct vls_json *j) { close_nest(j, true); }
void __vls_json_arr(struct vls_json *j, const char *key) { open_nest(j, key, false); }
void __vls_json_arr_end(struct vls_json *j) { close_nest(j, false); }

void __vls_json_str(struct vls_json *j, const char *key, const char *s)
{
	if (!s) {
		__vls_json_null(j, key);
		return;
	}
	if (!begin_value(j, key))
		put_string(&j->buf, s);
}

/* "00".."99": an integer's digits are written two at a time. */
static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* v in decimal, ending at end: its first character. */
static char *int_text(char *end, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char *p = end;

	while (u >= 100) {
		unsigned int d = (unsigned int)(u % 100) * 2;

		u /= 100;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	}
	if (u >= 10) {
		*--p = digits2[u * 2 + 1];
		*--p = digits2[u * 2];
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0)
		*--p = '-';
	return p;
}

void __vls_json_int(struct vls_json *j, const char *key, int64_t v)
{
	char tmp[24], *p, *o;
	size_t n;

	if (begin_value(j, key))
		return;
	/* most of a report's integers are one digit (a histogram's buckets,
	 * the counts of rare things) */
	if (v >= 0 && v < 10 && (o = __vls_buf_room(&j->buf, 1))) {
		o[0] = (char)('0' + v);
		o[1] = '\0';
		j->buf.len++;
		return;
	}
	p = int_text(tmp + sizeof(tmp), v);
	n = (size_t)(tmp + sizeof(tmp) - p);
	o = __vls_buf_room(&j->buf, n);
	if (o) {
		memcpy(o, p, n);
		o[n] = '\0';
		j->buf.len += n;
		return;
	}
	__vls_buf_add(&j->buf, p, n);
}

/* The shortest of %.15g..%.17g that reads back as v (0.1, not
 * 0.10000000000000001). */
static const char *shortest(char *tmp, size_t size, double v)
{
	/* a whole number below 1e15 (a rate of 0 or 1, most of a report's)
	 * prints as %.15g prints it, without printf and strtod */
	if (v > -1e15 && v < 1e15 && v == (double)(int64_t)v && !(v == 0 && signbit(v))) {
		char *end = tmp + size - 1;

		*end = '\0';
		return int_text(end, (int64_t)v);
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, size, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return tmp;
}

/*
 * shortest() is a few printf and strtod round trips, 9 k instructions;
 * a report's rates are ratios of counts, most of them seen before (the
 * 40.9 k rates of a 17 M-event run are 2.6 k values), so each value's
 * text is kept in a table by its bits: open addressing, linear probing,
 * filled to three quarters at most (then a new value is only formatted).
 * A direct-mapped table of 4096 lost a third of its hits to collisions.
 */
struct vls_json_dtab {
	size_t used;
	struct {
		uint64_t bits;
		char text[24];    /* "" while empty; at most 24 digits, sign, e+NNN */
	} e[VLS_JSON_DTAB];
};

static const char *double_text(struct vls_json *j, char *tmp, size_t size, double v)
{
	struct vls_json_dtab *t;
	uint64_t bits;
	const char *s;
	size_t i, n;

	memcpy(&bits, &v, sizeof(bits));
	if (!j->dtab)
		j->dtab = __vls_calloc(j->buf.ctx, 1, sizeof(*j->dtab));
	if (!(t = j->dtab))
		return shortest(tmp, size, v);
	i = (size_t)((bits * 0x9e3779b97f4a7c15ull) >> 32) % VLS_JSON_DTAB;
	for (; t->e[i].text[0]; i = (i + 1) % VLS_JSON_DTAB)
		if (t->e[i].bits == bits)
			return t->e[i].text;
	s = shortest(tmp, size, v);
	n = strlen(s);
	if (t->used < VLS_JSON_DTAB / 4 * 3 && n < sizeof(t->e[i].text)) {
		t->e[i].bits = bits;
		memcpy(t->e[i].text, s, n + 1);
		t->used++;
	}
	return s;
}

void __vls_json_double(struct vls_json *j, const char *key, double v)
{
	char tmp[40];

	if (!isfinite(v)) {
		__vls_json_null(j, key);
		return;
	}
	if (!begin_value(j, key))
		__vls_buf_puts(&j->buf, double_text(j, tmp, sizeof(tmp), v));
}

void __vls_json_bool(struct vls_json *j, const char *key, bool v)
{
	if (!begin_value(j, key))
		__vls_buf_puts(&j->buf, v ? "true" : "false");
}

void __vls_json_null(struct vls_json *j, const char *key)
{
	if (!begin_value(j, key))
		__vls_buf_puts(&j->buf, "null");
}

int __vls_json_finish(struct vls_json *j, char **out)
{
	__vls_free(j->buf.ctx, j->dtab);
	j->dtab = NULL;
	if (!j->buf.err && (j->depth != 0 || !(j->buf.len || j->buf.sent)))
		fail(j, "document not complete");
	return __vls_buf_finish(&j->buf, out);
}
