/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_tracedat_syms.c - reader-tracedat-syms.c: every lookup, first or
 * repeated, gives what libtraceevent's tep_find_function() gives (a
 * function's start, inside it, below the first function); a failed
 * allocation is VLS_ENOMEM and leaves a cache that still answers right.
 */
#include <stdlib.h>

#include <event-parse.h>

#include "test.h"
#include "reader-tracedat.h"

#define NFUNCS 100
#define BASE 0xffffffff81000000ULL
#define STEP 0x100ULL

static struct tep_handle *make_tep(void)
{
	struct tep_handle *tep = tep_alloc();
	char name[32];

	for (int i = 0; i < NFUNCS && tep; i++) {
		snprintf(name, sizeof(name), "fn_%d", i);
		CHECK_INT(tep_register_function(tep, name, BASE + i * STEP, NULL), 0);
	}
	return tep;
}

/* Addresses to look up: each function's start and a byte inside it, and
 * one below the first function; each looked up twice (cache miss, hit). */
static uint64_t addr_at(int i)
{
	if (i == 2 * NFUNCS)
		return BASE - 1;
	return BASE + (uint64_t)(i / 2) * STEP + (i % 2 ? 0x42 : 0);
}

static void check_all(vls_ctx *ctx, struct vls_tdsyms *s, struct tep_handle *tep)
{
	for (int round = 0; round < 2; round++)
		for (int i = 0; i <= 2 * NFUNCS; i++) {
			const char *got = NULL, *want = tep_find_function(tep, addr_at(i));

			CHECK_INT(__vls_tdsyms_find(&got, ctx, s, tep, addr_at(i)), 0);
			CHECK(got == want);
		}
	CHECK(s->n == 2 * NFUNCS + 1);
}

static void test_lookups(struct tep_handle *tep)
{
	struct vls_tdsyms s = { 0 };
	vls_ctx *ctx = NULL;
	const char *name = NULL;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	check_all(ctx, &s, tep);
	CHECK_INT(__vls_tdsyms_find(&name, ctx, &s, tep, BASE + 7 * STEP + 1), 0);
	CHECK_STR(name, "fn_7");
	CHECK_INT(__vls_tdsyms_find(&name, ctx, &s, tep, BASE - 1), 0);
	CHECK(name == NULL);
	__vls_tdsyms_release(ctx, &s);
	CHECK(s.n == 0 && s.names == NULL);
	vls_ctx_free(ctx);
}

/* Fail each allocation in turn while filling the cache. */
static void test_alloc_failures(struct tep_handle *tep)
{
	struct test_alloc ta = { 0, 0, 0 };
	vls_allocator al = TEST_ALLOCATOR(&ta);
	long failed = 0;

	for (long n = 1; n < 64; n++) {
		struct vls_tdsyms s = { 0 };
		vls_ctx *ctx = NULL;
		const char *got;
		int ret;

		CHECK_INT(vls_ctx_new(&ctx), 0);
		CHECK_INT(vls_ctx_set_allocator(ctx, &al), 0);
		ta.calls = 0;
		ta.fail_at = n;
		for (int i = 0; i <= 2 * NFUNCS; i++) {
			ret = __vls_tdsyms_find(&got, ctx, &s, tep, addr_at(i));
			CHECK(ret == 0 || ret == VLS_ENOMEM);
			failed += ret == VLS_ENOMEM;
		}
		ta.fail_at = 0;
		check_all(ctx, &s, tep);
		__vls_tdsyms_release(ctx, &s);
		CHECK_INT(ta.live, 0);
		vls_ctx_free(ctx);
	}
	CHECK(failed > 0);
}

int main(void)
{
	struct tep_handle *tep = make_tep();

	CHECK(tep != NULL);
	if (!tep)
		return TEST_DONE();
	test_lookups(tep);
	test_alloc_failures(tep);
	tep_free(tep);
	return TEST_DONE();
}
