/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_json.c - the minimal JSON writer: escaping, numbers, null, nesting
 * errors and the size limit, with the expected documents in tables.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util-json.h"
#include "test.h"

static const struct {
	const char *in;
	const char *out;
} strings[] = {
	{ "plain", "[\"plain\"]" },
	{ "q\"b\\s/", "[\"q\\\"b\\\\s/\"]" },
	{ "nl\ntab\tcr\r", "[\"nl\\ntab\\tcr\\r\"]" },
	{ "\x01\x1f", "[\"\\u0001\\u001f\"]" },
	{ "caf\xc3\xa9", "[\"caf\xc3\xa9\"]" },          /* valid UTF-8 kept */
	{ "bad\xff\xc3", "[\"bad\xef\xbf\xbd\xef\xbf\xbd\"]" }, /* U+FFFD */
	{ NULL, "[null]" },
};

static const struct {
	double v;
	const char *out;
} doubles[] = {
	{ 0.1, "[0.1]" },                 /* not 0.10000000000000001 */
	{ 0.25, "[0.25]" },
	{ 1.0 / 3.0, "[0.3333333333333333]" }, /* 16 digits read back exactly */
	{ 0, "[0]" },
	/* whole numbers take a path of their own: as %.15g prints them */
	{ -0.0, "[-0]" },
	{ 1, "[1]" },
	{ -42, "[-42]" },
	{ 999999999999999.0, "[999999999999999]" },
	{ 1e15, "[1e+15]" },
	{ -1e15, "[-1e+15]" },
	{ 123456789012.5, "[123456789012.5]" },
	{ NAN, "[null]" },
	{ INFINITY, "[null]" },
};

static char *one(vls_ctx *ctx, int kind, const void *arg)
{
	struct vls_json j;
	char *out = NULL;

	__vls_json_init(&j, ctx, 0);
	__vls_json_arr(&j, NULL);
	if (kind == 0)
		__vls_json_str(&j, NULL, arg);
	else
		__vls_json_double(&j, NULL, *(const double *)arg);
	__vls_json_arr_end(&j);
	return __vls_json_finish(&j, &out) ? NULL : out;
}

static void test_values(vls_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		char *out = one(ctx, 0, strings[i].in);

		CHECK_STR(out, strings[i].out);
		__vls_free(ctx, out);
	}
	for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
		char *out = one(ctx, 1, &doubles[i].v);

		CHECK_STR(out, doubles[i].out);
		__vls_free(ctx, out);
	}
}

static void test_document(vls_ctx *ctx)
{
	struct vls_json j;
	char *out = NULL;

	__vls_json_init(&j, ctx, 0);
	__vls_json_obj(&j, NULL);
	__vls_json_int(&j, "min", INT64_MIN + 1);
	__vls_json_int(&j, "max", INT64_MAX);
	__vls_json_bool(&j, "t", true);
	__vls_json_null(&j, "n");
	__vls_json_arr(&j, "a");
	__vls_json_obj(&j, NULL);
	__vls_json_obj_end(&j);
	__vls_json_arr(&j, NULL);
	__vls_json_arr_end(&j);
	__vls_json_arr_end(&j);
	__vls_json_obj_end(&j);
	CHECK_INT(__vls_json_finish(&j, &out), 0);
	CHECK_STR(out, "{\"min\":-9223372036854775807,\"max\":9223372036854775807,"
		  "\"t\":true,\"n\":null,\"a\":[{},[]]}");
	__vls_free(ctx, out);
}

/* Member names: plain ones as they are, at any length; others escaped. */
static void test_keys(vls_ctx *ctx)
{
	char longkey[200], want[512];
	struct vls_json j;
	char *out = NULL;

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	__vls_json_init(&j, ctx, 0);
	__vls_json_obj(&j, NULL);
	__vls_json_int(&j, "a", 1);
	__vls_json_int(&j, longkey, 2);
	__vls_json_int(&j, "q\"\\\n", 3);
	__vls_json_int(&j, "", 4);
	__vls_json_obj_end(&j);
	CHECK_INT(__vls_json_finish(&j, &out), 0);
	snprintf(want, sizeof(want), "{\"a\":1,\"%s\":2,\"q\\\"\\\\\\n\":3,\"\":4}",
		 longkey);
	CHECK_STR(out, want);
	__vls_free(ctx, out);

	/* a long name at every distance from the end of the buffer (under
	 * ASan, a name written past its room is an error) */
	__vls_json_init(&j, ctx, 0);
	__vls_json_arr(&j, NULL);
	for (int i = 0; i < 2000; i++) {
		__vls_json_obj(&j, NULL);
		__vls_json_int(&j, longkey + i % 150, i);
		__vls_json_obj_end(&j);
	}
	__vls_json_arr_end(&j);
	CHECK_INT(__vls_json_finish(&j, &out), 0);
	CHECK(out && strlen(out) > 2000 * 50);
	__vls_free(ctx, out);
}

/* The texts of doubles are kept by value (util-json.c): values that meet
 * in the table, and values seen again, each print as on their own. */
static void test_double_table(vls_ctx *ctx)
{
	enum { N = 3 * VLS_JSON_DTAB };
	struct vls_json j;
	char *out = NULL, *p, *end;
	double v;
	int bad = 0;

	__vls_json_init(&j, ctx, 0);
	__vls_json_arr(&j, NULL);
	for (int round = 0; round < 2; round++)
		for (int i = 1; i <= N; i++)
			__vls_json_double(&j, NULL, i / 7.0 + (i % 3) * 1e-9);
	__vls_json_arr_end(&j);
	CHECK_INT(__vls_json_finish(&j, &out), 0);
	p = out ? out + 1 : NULL;
	for (int k = 0; p && k < 2 * N; k++) {
		int i = k % N + 1;
		char want[40];
		size_t n;

		/* the contract's text, found here without the writer: the
		 * shortest of %.15g..%.17g that reads back (whole numbers
		 * below 1e15 come out as %.15g prints them too) */
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(want, sizeof(want), "%.*g", prec, i / 7.0 + (i % 3) * 1e-9);
			if (strtod(want, NULL) == i / 7.0 + (i % 3) * 1e-9)
				break;
		}
		n = strlen(want);
		v = strtod(p, &end);
		if ((size_t)(end - p) != n || memcmp(p, want, n) ||
		    v != i / 7.0 + (i % 3) * 1e-9)
			bad++;
		p = *end ? end + 1 : NULL;
	}
	CHECK_INT(bad, 0);
	CHECK(p && *p == '\0');
	__vls_free(ctx, out);
}

/* Misuse is an error, never broken JSON. */
static void test_errors(vls_ctx *ctx)
{
	struct vls_json j;
	char *out = (char *)1;

	__vls_json_init(&j, ctx, 0);
	__vls_json_obj(&j, NULL);
	__vls_json_int(&j, NULL, 1);            /* no member name in an object */
	CHECK_INT(__vls_json_finish(&j, &out), VLS_EINVAL);
	CHECK(out == NULL);

	__vls_json_init(&j, ctx, 0);
	__vls_json_arr(&j, NULL);               /* never closed */
	CHECK_INT(__vls_json_finish(&j, &out), VLS_EINVAL);

	__vls_json_init(&j, ctx, 0);
	for (int i = 0; i < VLS_JSON_DEPTH_MAX + 1; i++)
		__vls_json_arr(&j, NULL);
	CHECK_INT(__vls_json_finish(&j, &out), VLS_EINVAL);

	__vls_json_init(&j, ctx, 64);           /* the hard size limit */
	__vls_json_arr(&j, NULL);
	for (int i = 0; i < 100; i++)
		__vls_json_str(&j, NULL, "0123456789");
	__vls_json_arr_end(&j);
	CHECK_INT(__vls_json_finish(&j, &out), VLS_ELIMIT);
	CHECK(strstr(vls_ctx_errmsg(ctx), "64 bytes") != NULL);
}

/* Integers as printf's %lld writes them: every length, sign, the ends
 * of the range, written where the buffer has room and where it has not. */
static void test_ints(vls_ctx *ctx)
{
	int64_t v[64 * 4 + 8];
	size_t n = 0;
	char want[16384], *w = want, *out = NULL;
	struct vls_json j;

	for (int64_t p = 1, k = 0; k < 19; k++) {
		p = k ? p * 10 : 1;     /* up to 10^18 */
		v[n++] = p - 1;
		v[n++] = p;
		v[n++] = -p;
		v[n++] = p + p / 2 + 7;
	}
	v[n++] = INT64_MAX;
	v[n++] = INT64_MIN;
	v[n++] = INT64_MIN + 1;
	v[n++] = 0;
	__vls_json_init(&j, ctx, 0);
	__vls_json_arr(&j, NULL);
	*w++ = '[';
	for (int round = 0; round < 40; round++)      /* past the first 4 KB */
		for (size_t i = 0; i < n; i++) {
			__vls_json_int(&j, NULL, v[i]);
			w += sprintf(w, "%s%lld", w == want + 1 ? "" : ",", (long long)v[i]);
			if (w - want > (long)sizeof(want) - 64)
				goto done;
		}
done:
	__vls_json_arr_end(&j);
	*w++ = ']';
	*w = '\0';
	CHECK_INT(__vls_json_finish(&j, &out), 0);
	CHECK(out && !strcmp(out, want));
	__vls_free(ctx, out);
}

/* What a writer got: the pieces joined; refuse: fail the nth piece. */
struct sink {
	char *text;
	size_t len, pieces;
	int refuse;
};

static int collect(void *data, const char *text, size_t len)
{
	struct sink *s = data;
	char *p;

	if (s->refuse && (int)++s->pieces >= s->refuse)
		return -1;
	if (!s->refuse)
		s->pieces++;
	p = realloc(s->text, s->len + len + 1);
	if (!p || !len)
		return -1;
	memcpy(p + s->len, text, len);
	s->len += len;
	p[s->len] = '\0';
	s->text = p;
	return 0;
}

/* A document of N rows, cut after each (a writer's), or whole. */
static int rows_doc(vls_ctx *ctx, int n, struct sink *to, char **out)
{
	struct vls_out o = { out, to ? collect : NULL, to };
	struct vls_json j;

	__vls_json_init(&j, ctx, 4 * VLS_BUF_CUT);  /* bounds the buffered text */
	__vls_buf_to(&j.buf, &o);
	__vls_json_obj(&j, NULL);
	__vls_json_arr(&j, "rows");
	for (int i = 0; i < n; i++) {
		__vls_json_obj(&j, NULL);
		__vls_json_int(&j, "i", i);
		__vls_json_str(&j, "name", "a row of some length, 48 bytes");
		__vls_json_double(&j, "rate", i / 3.0);
		__vls_json_obj_end(&j);
		__vls_json_cut(&j);
	}
	__vls_json_arr_end(&j);
	__vls_json_obj_end(&j);
	return __vls_json_finish(&j, out);
}

/* With a writer: the same bytes as the whole document, in pieces, never
 * more than the limit buffered; a writer's refusal stops it. */
static void test_writer(vls_ctx *ctx)
{
	enum { N = 40000 };  /* 2.7 MB: some 40 cuts, 10 times the limit */
	struct sink s = { 0 };
	char *whole = NULL, *out = (char *)1;

	CHECK_INT(rows_doc(ctx, N, NULL, &whole), VLS_ELIMIT);
	CHECK_INT(rows_doc(ctx, 100, NULL, &whole), 0);
	CHECK_INT(rows_doc(ctx, 100, &s, &out), 0);
	CHECK(out == NULL);
	CHECK(whole && s.text && !strcmp(whole, s.text));
	CHECK_INT(s.pieces, 1);
	__vls_free(ctx, whole);
	free(s.text);

	s = (struct sink){ 0 };
	CHECK_INT(rows_doc(ctx, N, &s, NULL), 0);
	CHECK(s.pieces > 35);
	CHECK(s.text && s.len > 2500000 && !strncmp(s.text, "{\"rows\":[{\"i\":0,", 16));
	CHECK(s.text && !strcmp(strrchr(s.text, '{'), "{\"i\":39999,\"name\":\"a row of some length, 48 bytes\","
				"\"rate\":13333}]}"));
	free(s.text);

	s = (struct sink){ .refuse = 3 };
	CHECK_INT(rows_doc(ctx, N, &s, NULL), VLS_ESTOPPED);
	CHECK_INT(s.pieces, 3);   /* nothing asked of it after the refusal */
	free(s.text);

	/* a second value after the first went out is still refused */
	{
		struct vls_out o = { NULL, collect, &s };
		struct vls_json j;

		s = (struct sink){ 0 };
		__vls_json_init(&j, ctx, 0);
		__vls_buf_to(&j.buf, &o);
		__vls_json_int(&j, NULL, 1);
		__vls_buf_flush(&j.buf);
		__vls_json_int(&j, NULL, 2);
		CHECK_INT(__vls_json_finish(&j, NULL), VLS_EINVAL);
		free(s.text);
	}
}

int main(void)
{
	vls_ctx *ctx = NULL;

	if (vls_ctx_new(&ctx))
		return 1;
	test_values(ctx);
	test_document(ctx);
	test_keys(ctx);
	test_double_table(ctx);
	test_errors(ctx);
	test_ints(ctx);
	test_writer(ctx);
	vls_ctx_free(ctx);
	return TEST_DONE();
}
