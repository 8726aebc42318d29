/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-dist.h - distributions of durations in ns (count, sum, min, max, a
 * fixed-bucket histogram and percentiles from it), as the lock analyzer
 * keeps them for every scope of a run.
 */
#ifndef VLS_UTIL_DIST_H
#define VLS_UTIL_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "vls-local.h"

/*
 * Values in ns go into fixed buckets: 4 linear sub-buckets per power of
 * two (values below 4 ns exact), which gives the log2 histogram by summing
 * 4 neighbours and percentiles within 12.5% of the exact value (the
 * midpoint of the sub-bucket, clamped to [min, max]). Values at or above
 * 2^VLS_HIST_LOG2_MAX ns land in the last bucket.
 */
#define VLS_HIST_LOG2_MAX 48          /* log2 buckets: [2^i, 2^(i+1)) ns */
#define VLS_HIST_SUB 4
#define VLS_HIST_FINE ((VLS_HIST_LOG2_MAX - 1) * VLS_HIST_SUB)

struct vls_dist {
	uint64_t count, sum, min, max;
	/* The counters of the buckets in use only, for the thousands of
	 * per-thread scopes of a busy trace. Sparse while few buckets are in
	 * use (nsparse entries of VLS_DIST_IDX(e) and VLS_DIST_CNT(e), in
	 * bucket order), then dense: the counters of fine buckets fine_lo ..
	 * fine_lo + fine_n - 1, a window grown to the samples' spread. */
	uint32_t *fine;
	uint16_t fine_lo, fine_n;  /* fine_n 0: sparse */
	uint8_t nsparse;
};

#define VLS_DIST_SPARSE_MAX 8
#define VLS_DIST_IDX(e) ((e) >> 24)
#define VLS_DIST_CNT(e) ((e) & 0xffffffu)

int __vls_dist_add(vls_ctx *ctx, struct vls_dist *d, uint64_t v);
/* Samples known only by a log2 histogram (buckets[0..n-1], as
 * __vls_dist_log2() gives it), their sum and max: each bucket's count at
 * its middle, so percentiles over them are within a factor of 2. */
int __vls_dist_add_log2(vls_ctx *ctx, struct vls_dist *d,
			const uint64_t *buckets, unsigned int n, uint64_t sum,
			uint64_t max);
void __vls_dist_release(vls_ctx *ctx, struct vls_dist *d);
/*
 * Percentiles are nearest-rank everywhere: the value of rank
 * __vls_pct_rank(n, pct) (1-based) of n sorted values.
 */
uint64_t __vls_pct_rank(uint64_t n, double pct);
/* Exact, of n values (sorted here, in place); 0 when n == 0. */
uint64_t __vls_pct_sorted(uint64_t *v, size_t n, double pct);
/* From the histogram (see above); 0 when empty. */
uint64_t __vls_dist_pct(const struct vls_dist *d, double pct);
/* Counts per log2 bucket (bucket 0 holds 0 and 1 ns). Returns how many
 * buckets are used (the last non-zero + 1). */
unsigned int __vls_dist_log2(const struct vls_dist *d,
			     uint64_t out[VLS_HIST_LOG2_MAX]);
/* The fine bucket of v, and the [lo, lo + width) it covers. */
unsigned int __vls_hist_index(uint64_t v);
void __vls_hist_bounds(unsigned int idx, uint64_t *lo, uint64_t *width);

#endif /* VLS_UTIL_DIST_H */
