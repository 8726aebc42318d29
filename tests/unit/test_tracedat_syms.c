/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_tracedat_syms.c - reader-tracedat-syms.c: every lookup, first or
 * repeated, gives what libtraceevent's tep_find_function() gives (a
 * function's start, inside it, below the first function); a failed
 * allocation is VLS_ENOMEM and leaves a cache that still answers right.
 * Our own kallsyms table (__vls_tdsyms_load()) against libtraceevent's
 * tep_parse_kallsyms() on the same text, sorted and not: between two
 * symbols, before the first, after the last, equal addresses, a module's
 * symbol, ARM '$' and absolute symbols; known names for each; a line not
 * of the kernel's shape is VLS_EPARSE naming the file and the line.
 */
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------------ */
/* Whole stacks by their addresses                                     */
/* ------------------------------------------------------------------ */

/* Each distinct address list has its own kept frames, the same array
 * every time; names as __vls_tdsyms_find() gives them, "0x..." for none;
 * a full table gives NULL for a new stack and still finds the old ones. */
static void test_stacks(struct tep_handle *tep)
{
	const uint64_t a[] = { BASE + 7 * STEP + 1, BASE + 3 * STEP, BASE - 1 };
	const uint64_t b[] = { BASE + 7 * STEP + 2, BASE + 3 * STEP, BASE - 1 };
	const uint64_t c[] = { BASE + 9 * STEP };
	const char *const *fa = NULL, *const *fb = NULL, *const *got = NULL;
	struct vls_tdstacks t = { 0 };
	struct vls_tdsyms s = { 0 };
	vls_ctx *ctx = NULL;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	CHECK_INT(__vls_tdstacks_get(&fa, ctx, &t, &s, tep, a, 3), 0);
	CHECK(fa != NULL);
	if (!fa)
		return;
	CHECK_STR(fa[0], "fn_7");
	CHECK_STR(fa[1], "fn_3");
	CHECK_STR(fa[2], "0xffffffff80ffffff");
	CHECK_INT(__vls_tdstacks_get(&got, ctx, &t, &s, tep, a, 3), 0);
	CHECK(got == fa);
	/* the same names from other addresses: a stack of its own */
	CHECK_INT(__vls_tdstacks_get(&fb, ctx, &t, &s, tep, b, 3), 0);
	CHECK(fb != NULL && fb != fa);
	CHECK(fb && !strcmp(fb[0], "fn_7") && !strcmp(fb[2], fa[2]));
	CHECK_INT(__vls_tdstacks_get(&got, ctx, &t, &s, tep, a, 2), 0);
	CHECK(got != NULL && got != fa && got != fb);
	CHECK_INT((int)t.n, 3);
	t.max = 3;
	CHECK_INT(__vls_tdstacks_get(&got, ctx, &t, &s, tep, c, 1), 0);
	CHECK(got == NULL);
	CHECK_INT(__vls_tdstacks_get(&got, ctx, &t, &s, tep, b, 3), 0);
	CHECK(got == fb);
	CHECK_STR(fa[1], "fn_3");       /* unchanged by the lookups since */
	__vls_tdstacks_release(ctx, &t);
	__vls_tdsyms_release(ctx, &s);
	vls_ctx_free(ctx);
}

/* Each allocation failing in turn: VLS_ENOMEM, nothing leaked, and the
 * same stack asked again afterwards is kept and named right. */
static void test_stacks_alloc_failures(struct tep_handle *tep)
{
	const uint64_t a[] = { BASE + 5 * STEP, BASE - 1 };
	struct test_alloc ta = { 0, 0, 0 };
	vls_allocator al = TEST_ALLOCATOR(&ta);
	long failed = 0;

	for (long n = 1; n < 16; n++) {
		struct vls_tdstacks t = { 0 };
		struct vls_tdsyms s = { 0 };
		const char *const *got = NULL;
		vls_ctx *ctx = NULL;
		int ret;

		CHECK_INT(vls_ctx_new(&ctx), 0);
		CHECK_INT(vls_ctx_set_allocator(ctx, &al), 0);
		ta.calls = 0;
		ta.fail_at = n;
		ret = __vls_tdstacks_get(&got, ctx, &t, &s, tep, a, 2);
		CHECK(ret == 0 || ret == VLS_ENOMEM);
		failed += ret == VLS_ENOMEM;
		ta.fail_at = 0;
		CHECK_INT(__vls_tdstacks_get(&got, ctx, &t, &s, tep, a, 2), 0);
		CHECK(got && !strcmp(got[0], "fn_5") && !strcmp(got[1], "0xffffffff80ffffff"));
		__vls_tdstacks_release(ctx, &t);
		__vls_tdsyms_release(ctx, &s);
		CHECK_INT(ta.live, 0);
		vls_ctx_free(ctx);
	}
	CHECK(failed > 0);
}

/* ------------------------------------------------------------------ */
/* Our own table                                                       */
/* ------------------------------------------------------------------ */

/* Sorted as /proc/kallsyms mostly is: equal addresses (the first line
 * wins between them and the next), '$' and absolute symbols skipped, a
 * module's symbols last. */
static const char ksyms_sorted[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff81000100 t $x\n"
	"ffffffff81000200 T do_fault\n"
	"\n"
	"ffffffff81000300 a an_absolute\n"
	"ffffffff81000400 t dup_a\n"
	"ffffffff81000400 t dup_b\n"
	"ffffffff81000400 t dup_c\n"
	"ffffffff81000500 T last_of_vmlinux\n"
	"ffffffffc0000000 t mod_fn\t[ext4]\n"
	"ffffffffc0000080 r .L1\00217\t[ext4]\n"   /* s390x: a 0x02 in the name */
	"ffffffffc0000100 T mod_last\t[ext4]";

/* The same lines out of order (a module loaded between two others). */
static const char ksyms_unsorted[] =
	"ffffffffc0000000 t mod_fn\t[ext4]\n"
	"ffffffffc0000080 r .L1\00217\t[ext4]\n"
	"ffffffff81000400 t dup_a\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000200 T do_fault\n"
	"ffffffff81000400 t dup_b\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffffc0000100 T mod_last\t[ext4]\n"
	"ffffffff81000100 t $x\n"
	"ffffffff81000500 T last_of_vmlinux\n"
	"ffffffff81000300 a an_absolute\n"
	"ffffffff81000400 t dup_c\n";

static const struct {
	uint64_t addr;
	const char *name;       /* NULL: no function */
} known[] = {
	{ 0xffffffff80ffffffULL, NULL },                /* before the first */
	{ 0, NULL },
	{ 0xffffffff81000001ULL, "_stext" },            /* first of equal ones */
	{ 0xffffffff81000100ULL, "_stext" },            /* $x is no symbol */
	{ 0xffffffff81000200ULL, "do_fault" },
	{ 0xffffffff81000350ULL, "do_fault" },          /* absolute: none */
	{ 0xffffffff81000401ULL, "dup_a" },
	{ 0xffffffff810004ffULL, "dup_a" },
	{ 0xffffffff81000500ULL, "last_of_vmlinux" },
	{ 0xffffffffbfffffffULL, "last_of_vmlinux" },   /* up to the module */
	{ 0xffffffffc0000042ULL, "mod_fn" },            /* a module's, no [ext4] */
	{ 0xffffffffc0000100ULL, "mod_last" },          /* the last, exactly */
	{ 0xffffffffc0000101ULL, NULL },                /* past the last */
	{ ~0ULL, NULL },
};

/* Every address worth asking of text: the known ones, each symbol's
 * address and its neighbours. */
static void check_against_tep(const char *text)
{
	struct tep_handle *tep = tep_alloc();
	struct vls_tdsyms s = { 0 };
	vls_ctx *ctx = NULL;
	const char *p = text;
	char *copy = strdup(text);
	size_t n = 0;

	CHECK(tep && copy);
	if (!tep || !copy)
		return;
	CHECK_INT(tep_parse_kallsyms(tep, text), 0);
	CHECK_INT(vls_ctx_new(&ctx), 0);
	CHECK_INT(__vls_tdsyms_load(ctx, &s, copy, strlen(copy), "t.dat"), 0);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const char *got = NULL;

		CHECK_INT(__vls_tdsyms_find(&got, ctx, &s, NULL, known[i].addr), 0);
		if (known[i].name)
			CHECK_STR(got, known[i].name);
		else
			CHECK(got == NULL);
	}
	while (*p) {
		uint64_t a = strtoull(p, NULL, 16);

		for (int d = -1; d <= 1; d++) {
			const char *got = NULL, *want = tep_find_function(tep, a + (uint64_t)d);

			CHECK_INT(__vls_tdsyms_find(&got, ctx, &s, NULL, a + (uint64_t)d), 0);
			CHECK(want ? got && !strcmp(got, want) : got == NULL);
			n++;
		}
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	CHECK(n >= 30);
	__vls_tdsyms_release(ctx, &s);
	vls_ctx_free(ctx);
	tep_free(tep);
}

/* No kallsyms (an empty section): no function anywhere. */
static void test_empty(void)
{
	struct vls_tdsyms s = { 0 };
	vls_ctx *ctx = NULL;
	const char *got = "x";
	char *text = calloc(1, 1);

	CHECK_INT(vls_ctx_new(&ctx), 0);
	CHECK_INT(__vls_tdsyms_load(ctx, &s, text, 0, "t.dat"), 0);
	CHECK_INT(__vls_tdsyms_find(&got, ctx, &s, NULL, 0xffffffff81000000ULL), 0);
	CHECK(got == NULL);
	__vls_tdsyms_release(ctx, &s);
	vls_ctx_free(ctx);
}

static void test_bad_line(void)
{
	static const char *const bad[] = {
		"ffffffff81000000 T ok\nffffffff81000100 T\n",      /* no name */
		"ffffffff81000000 T ok\n0xffffffff81000100 T x\n",  /* 0x */
		"ffffffff81000000 T ok\nffffffff81000100 T x [m]\n",
		"ffffffff81000000 T ok\nfffffffff81000100 T x\n",   /* 17 digits */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vls_tdsyms s = { 0 };
		vls_ctx *ctx = NULL;

		CHECK_INT(vls_ctx_new(&ctx), 0);
		CHECK_INT(__vls_tdsyms_load(ctx, &s, strdup(bad[i]), strlen(bad[i]), "t.dat"),
			  VLS_EPARSE);
		CHECK(strstr(vls_ctx_errmsg(ctx), "t.dat") != NULL);
		CHECK(strstr(vls_ctx_errmsg(ctx), "kallsyms line 2") != NULL);
		__vls_tdsyms_release(ctx, &s);
		vls_ctx_free(ctx);
	}
}

int main(void)
{
	struct tep_handle *tep = make_tep();

	check_against_tep(ksyms_sorted);
	check_against_tep(ksyms_unsorted);
	test_empty();
	test_bad_line();

	CHECK(tep != NULL);
	if (!tep)
		return TEST_DONE();
	test_lookups(tep);
	test_alloc_failures(tep);
	test_stacks(tep);
	test_stacks_alloc_failures(tep);
	tep_free(tep);
	return TEST_DONE();
}
