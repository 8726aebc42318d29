/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test.h - a minimal table-friendly test harness. Each test program runs its
 * cases, prints "N passed, N failed" and exits non-zero on any failure.
 */
#ifndef VLS_TEST_H
#define VLS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlockstat.h"

static int t_pass, t_fail;

#define CHECK(cond) do { \
	if (cond) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a == _b) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
			__FILE__, __LINE__, #a, _a, #b, _b); } \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (_a && _b && !strcmp(_a, _b)) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
			__FILE__, __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)"); } \
} while (0)

#define TEST_DONE() ( \
	printf("%d passed, %d failed\n", t_pass, t_fail), t_fail ? 1 : 0)

/*
 * An allocator for allocation-failure tests: fails exactly the fail_at-th
 * call (0: never) and counts the blocks alive, so a test can check that
 * every failure leaves nothing allocated:
 *	struct test_alloc ta = { 0, n, 0 };
 *	vls_allocator a = TEST_ALLOCATOR(&ta);
 */
struct test_alloc {
	long calls, fail_at, live;
};

static inline void *test_alloc_malloc(size_t size, void *data)
{
	struct test_alloc *t = data;
	void *p;

	if (++t->calls == t->fail_at)
		return NULL;
	p = malloc(size);
	t->live += p != NULL;
	return p;
}

static inline void *test_alloc_realloc(void *ptr, size_t size, void *data)
{
	struct test_alloc *t = data;
	void *p;

	if (++t->calls == t->fail_at)
		return NULL;
	p = realloc(ptr, size);
	t->live += p && !ptr;
	return p;
}

static inline void test_alloc_free(void *ptr, void *data)
{
	struct test_alloc *t = data;

	t->live -= ptr != NULL;
	free(ptr);
}

#define TEST_ALLOCATOR(state) \
	{ VLS_ALLOCATOR_VERSION, test_alloc_malloc, test_alloc_realloc, \
	  test_alloc_free, (state) }

/* Path of a file under tests/data (VLS_TEST_DATA is set by CMake). */
#define TEST_DATA(name) VLS_TEST_DATA "/" name

#endif
