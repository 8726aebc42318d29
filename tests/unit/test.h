/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test.h - a minimal table-friendly test harness. Each test program runs its
 * cases, prints "N passed, N failed" and exits non-zero on any failure.
 */
#ifndef VLS_TEST_H
#define VLS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

/* Path of a file under tests/data (VLS_TEST_DATA is set by CMake). */
#define TEST_DATA(name) VLS_TEST_DATA "/" name

#endif
