/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-fmt.c - the duration formatter of util-fmt.h.
 */
#include <inttypes.h>
#include <stdio.h>

#include "util-fmt.h"

const char *__vls_fmt_ns(char *buf, size_t size, uint64_t ns, int decimals)
{
	static const struct { uint64_t div; const char *unit; } units[] = {
		{ 1000000000ULL, "s" }, { 1000000ULL, "ms" }, { 1000ULL, "us" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double v;

		if (ns < units[i].div)
			continue;
		v = (double)ns / (double)units[i].div;
		if (decimals == VLS_FMT_SHORT)
			decimals = v < 99.95 ? 1 : 0;
		snprintf(buf, size, "%.*f %s", decimals, v, units[i].unit);
		return buf;
	}
	snprintf(buf, size, "%" PRIu64 " ns", ns);
	return buf;
}
