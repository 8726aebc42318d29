/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_util.c - the shared pieces of lib/util-*: the hash map and its
 * string hash, percentiles, the duration formatter, the arena.
 */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "util-arena.h"
#include "util-dist.h"
#include "util-fmt.h"
#include "util-map.h"
#include "util-table.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_map(vls_ctx *ctx)
{
	struct vls_u64map m = { 0 };
	uint32_t v = 0;

	CHECK_INT(__vls_u64map_get(&m, 7, &v), VLS_ENOTFOUND);
	/* grown from empty through several doublings, keys 0 and huge too */
	for (uint64_t k = 0; k < 5000; k++)
		CHECK_INT(__vls_u64map_put(ctx, &m, k * 0x10001ULL, (uint32_t)k), 0);
	CHECK_INT(__vls_u64map_put(ctx, &m, UINT64_MAX, 77), 0);
	CHECK_INT(m.n, 5001);
	CHECK(m.cap >= 2 * m.n);
	for (uint64_t k = 0; k < 5000; k += 499) {
		CHECK_INT(__vls_u64map_get(&m, k * 0x10001ULL, &v), 0);
		CHECK_INT(v, k);
	}
	CHECK_INT(__vls_u64map_get(&m, UINT64_MAX, &v), 0);
	CHECK_INT(v, 77);
	/* put replaces; del keeps every other key reachable (backward shift) */
	CHECK_INT(__vls_u64map_put(ctx, &m, 0, 9), 0);
	CHECK_INT(m.n, 5001);
	for (uint64_t k = 0; k < 5000; k += 2)
		__vls_u64map_del(&m, k * 0x10001ULL);
	__vls_u64map_del(&m, 123456789);  /* absent: nothing */
	CHECK_INT(m.n, 2501);
	for (uint64_t k = 0; k < 5000; k++)
		CHECK_INT(__vls_u64map_get(&m, k * 0x10001ULL, &v),
			  k % 2 ? 0 : VLS_ENOTFOUND);
	__vls_u64map_release(ctx, &m);
	CHECK_INT(m.cap, 0);
}

/* find(): entries are strings of a table, all put under one hash. */
static const char *const words[] = { "alpha", "beta", "gamma", "delta" };

static bool word_eq(uint32_t val, const void *key, const void *data)
{
	(void)data;
	return !strcmp(words[val], key);
}

static void test_find_collisions(vls_ctx *ctx)
{
	struct vls_u64map m = { 0 };
	uint64_t keys[N(words)];
	uint32_t v;

	for (uint32_t i = 0; i < N(words); i++) {
		uint64_t h = 42;  /* every word "hashes" the same */

		CHECK_INT(__vls_u64map_find(&m, &h, word_eq, words[i], NULL, &v),
			  VLS_ENOTFOUND);
		for (uint32_t j = 0; j < i; j++)
			CHECK(h != keys[j]);   /* a fresh key past the others */
		keys[i] = h;
		CHECK_INT(__vls_u64map_put(ctx, &m, h, i), 0);
	}
	for (uint32_t i = 0; i < N(words); i++) {
		uint64_t h = 42;

		CHECK_INT(__vls_u64map_find(&m, &h, word_eq, words[i], NULL, &v), 0);
		CHECK_INT(v, i);
		CHECK(h == keys[i]);
	}
	__vls_u64map_release(ctx, &m);
}

static void test_hash(void)
{
	/* FNV-1a 64 test vectors (Fowler, Noll, Vo) */
	CHECK(__vls_hash_bytes(VLS_HASH_INIT, "", 0) == 0xcbf29ce484222325ULL);
	CHECK(__vls_hash_bytes(VLS_HASH_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
	CHECK(__vls_hash_bytes(VLS_HASH_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
	CHECK(__vls_hash_str(VLS_HASH_INIT, "foobar") == 0x85944171f73967e8ULL);
	/* chaining is hashing the concatenation */
	CHECK(__vls_hash_bytes(__vls_hash_bytes(VLS_HASH_INIT, "foo", 3), "bar", 3) ==
	      0x85944171f73967e8ULL);
}

/* __vls_hash_words(): every byte counts, the tail too, and where the
 * pieces of a chained key end (stacks: "ab" then "c" is not "a" then "bc"). */
static void test_hash_words(void)
{
	const char s[] = "handle_mm_fault do_user_addr_fault";
	uint64_t h[sizeof(s)];

	for (size_t n = 0; n < sizeof(s); n++) {
		h[n] = __vls_hash_words(VLS_HASH_INIT, s, n);
		CHECK(h[n] == __vls_hash_words(VLS_HASH_INIT, s, n));
		for (size_t m = 0; m < n; m++)
			CHECK(h[m] != h[n]);
	}
	for (size_t i = 0; i + 1 < sizeof(s); i++) {
		char t[sizeof(s)];

		memcpy(t, s, sizeof(s));
		t[i] ^= 1;
		CHECK(__vls_hash_words(VLS_HASH_INIT, t, sizeof(s) - 1) != h[sizeof(s) - 1]);
	}
	CHECK(__vls_hash_words(__vls_hash_words(VLS_HASH_INIT, "ab", 2), "c", 1) !=
	      __vls_hash_words(__vls_hash_words(VLS_HASH_INIT, "a", 1), "bc", 2));
}

static void test_percentiles(vls_ctx *ctx)
{
	static const struct {
		uint64_t v[8];
		size_t n;
		double pct;
		uint64_t want;
	} p[] = {
		{ { 5 }, 1, 50, 5 },
		{ { 5 }, 1, 99, 5 },
		{ { 4, 1, 3, 2 }, 4, 50, 2 },
		{ { 4, 1, 3, 2 }, 4, 99, 4 },
		{ { 4, 1, 3, 2 }, 4, 25, 1 },
		{ { 4, 1, 3, 2 }, 4, 1, 1 },
		{ { 10, 20, 30, 40, 50, 60, 70, 80 }, 8, 50, 40 },
		{ { 10, 20, 30, 40, 50, 60, 70, 80 }, 8, 99, 80 },
		{ { 10, 20, 30, 40, 50, 60, 70, 80 }, 8, 100, 80 },
		{ { 0 }, 0, 50, 0 },
	};
	struct vls_dist d = { 0 };

	for (size_t i = 0; i < N(p); i++) {
		uint64_t v[8];

		memcpy(v, p[i].v, sizeof(v));
		CHECK_INT(__vls_pct_sorted(v, p[i].n, p[i].pct), p[i].want);
	}
	/* nearest rank, the same for every n: ceil(n * pct / 100), >= 1 */
	for (uint64_t n = 1; n <= 100000; n++) {
		if (__vls_pct_rank(n, 50) != (n * 50 + 99) / 100 ||
		    __vls_pct_rank(n, 99) != (n * 99 + 99) / 100) {
			CHECK_INT(n, 0);
			break;
		}
	}
	CHECK_INT(__vls_pct_rank(3, 0.1), 1);
	/* the histogram's percentiles rank the same way: exact below 4 ns */
	for (uint64_t v = 0; v < 4; v++)
		CHECK_INT(__vls_dist_add(ctx, &d, v), 0);
	CHECK_INT(__vls_dist_pct(&d, 50), 1);
	CHECK_INT(__vls_dist_pct(&d, 99), 3);
	__vls_dist_release(ctx, &d);
}

static void test_fmt_ns(void)
{
	static const struct { uint64_t ns; int decimals; const char *s; } t[] = {
		{ 0, VLS_FMT_SHORT, "0 ns" }, { 999, VLS_FMT_SHORT, "999 ns" },
		{ 1000, VLS_FMT_SHORT, "1.0 us" }, { 1250, VLS_FMT_SHORT, "1.2 us" },
		{ 99949, VLS_FMT_SHORT, "99.9 us" }, { 99950, VLS_FMT_SHORT, "100 us" },
		{ 1300000, VLS_FMT_SHORT, "1.3 ms" },
		{ 2500000000ULL, VLS_FMT_SHORT, "2.5 s" },
		{ 999, 2, "999 ns" }, { 1000, 2, "1.00 us" }, { 1300000, 2, "1.30 ms" },
		{ 123456789, 2, "123.46 ms" }, { 999999, 2, "1000.00 us" },
		{ 3600000000000ULL, 2, "3600.00 s" }, { 1500, 0, "2 us" },
	};
	char buf[32];

	for (size_t i = 0; i < N(t); i++)
		CHECK_STR(__vls_fmt_ns(buf, sizeof(buf), t[i].ns, t[i].decimals), t[i].s);
	/* a short buffer is cut, never overrun */
	CHECK_STR(__vls_fmt_ns(buf, 4, 1300000, 2), "1.3");
}

/* Right-aligned columns line up by terminal columns, not bytes: "±" and
 * "▼" are one column each. */
static void test_table_utf8(vls_ctx *ctx)
{
	static const char *const heads[] = { "", "value" };
	struct vls_table t;
	struct vls_buf b;
	char *out = NULL;

	__vls_buf_init(&b, ctx, 0);
	__vls_table_init(&t, ctx, "lr", heads);
	__vls_table_row(&t);
	__vls_table_cell(&t, "a");
	__vls_table_cell(&t, "12 ± 3 ▼");
	__vls_table_row(&t);
	__vls_table_cell(&t, "b");
	__vls_table_cell(&t, "-");
	__vls_table_render(&t, &b, 0);
	CHECK_INT(__vls_buf_finish(&b, &out), 0);
	CHECK_STR(out, "      value\na  12 ± 3 ▼\nb         -\n");
	__vls_free(ctx, out);
}

/* Blocks are zeroed, 8-byte aligned, never overlap, and one bigger than
 * a chunk gets a chunk of its own. */
static void test_arena(vls_ctx *ctx)
{
	struct vls_arena a = { 0 };
	unsigned char *prev = NULL, *big;
	size_t prev_n = 0;

	for (size_t i = 0; i < 5000; i++) {
		size_t n = 1 + i % 70;
		unsigned char *p = __vls_arena_alloc(ctx, &a, n);

		CHECK(p != NULL);
		if (!p)
			break;
		CHECK(((uintptr_t)p & 7) == 0);
		for (size_t k = 0; k < n; k++)
			CHECK(p[k] == 0);
		memset(p, 0xa5, n);
		if (prev)
			CHECK(prev[prev_n - 1] == 0xa5);   /* not overwritten by p */
		prev = p;
		prev_n = n;
	}
	big = __vls_arena_alloc(ctx, &a, 1u << 20);
	CHECK(big != NULL);
	if (big) {
		CHECK(big[0] == 0 && big[(1u << 20) - 1] == 0);
		big[(1u << 20) - 1] = 1;
	}
	CHECK(a.nchunks > 1);
	__vls_arena_release(ctx, &a);
	CHECK(a.nchunks == 0 && a.chunks == NULL);
}

int main(void)
{
	vls_ctx *ctx = NULL;

	if (vls_ctx_new(&ctx))
		return 1;
	test_map(ctx);
	test_table_utf8(ctx);
	test_find_collisions(ctx);
	test_hash();
	test_hash_words();
	test_percentiles(ctx);
	test_fmt_ns();
	test_arena(ctx);
	vls_ctx_free(ctx);
	return TEST_DONE();
}
