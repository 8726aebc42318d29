/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-fmt.h - durations for people: the one formatter of the text
 * report, compare and the chain lines.
 */
#ifndef VLS_UTIL_FMT_H
#define VLS_UTIL_FMT_H

#include <stddef.h>
#include <stdint.h>

/* decimals of __vls_fmt_ns() for the chain lines: one below 100 of the
 * unit, none above ("1.3 ms", "250 us"). */
#define VLS_FMT_SHORT (-1)

/*
 * ns in the largest unit it reaches (ns, us, ms, s), with decimals digits
 * after the point ("1.30 ms" for 2) or VLS_FMT_SHORT; whole ns below
 * 1 us ("850 ns"). buf: at least 24 bytes. Returns buf.
 */
const char *__vls_fmt_ns(char *buf, size_t size, uint64_t ns, int decimals);

#endif /* VLS_UTIL_FMT_H */
