/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lock-hist.c - wait and hold distributions: count, sum, min, max and a
 * fixed-bucket histogram (4 linear sub-buckets per power of two). Exact
 * percentiles would need every sample; these are the midpoint of the
 * sub-bucket holding the nearest-rank sample, clamped to [min, max]: within
 * 12.5% of the exact value, exact below 4 ns.
 */
#include <math.h>
#include <string.h>

#include "locks.h"

unsigned int __vls_hist_index(uint64_t v)
{
	unsigned int k, idx;

	if (v < VLS_HIST_SUB)
		return (unsigned int)v;
	k = 63 - (unsigned int)__builtin_clzll(v);     /* k >= 2 */
	idx = (k - 1) * VLS_HIST_SUB + (unsigned int)((v >> (k - 2)) & 3);
	return idx < VLS_HIST_FINE ? idx : VLS_HIST_FINE - 1;
}

void __vls_hist_bounds(unsigned int idx, uint64_t *lo, uint64_t *width)
{
	unsigned int k, sub;

	if (idx < VLS_HIST_SUB) {
		*lo = idx;
		*width = 1;
		return;
	}
	k = idx / VLS_HIST_SUB + 1;
	sub = idx % VLS_HIST_SUB;
	*lo = (uint64_t)(VLS_HIST_SUB + sub) << (k - 2);
	*width = 1ULL << (k - 2);
}

/* Widen the window to hold bucket idx, with a little slack on the side it
 * grows so that a spreading distribution does not realloc per sample. */
static int window_cover(vls_ctx *ctx, struct vls_dist *d, unsigned int idx)
{
	unsigned int lo = d->fine_lo, hi = d->fine_lo + d->fine_n, nlo, nhi;
	uint32_t *nf;

	if (d->fine && idx >= lo && idx < hi)
		return 0;
	if (!d->fine) {
		nlo = idx;
		nhi = idx + 1;
	} else {
		nlo = idx < lo ? (idx > 4 ? idx - 4 : 0) : lo;
		nhi = idx >= hi ? idx + 5 : hi;
	}
	if (nhi > VLS_HIST_FINE)
		nhi = VLS_HIST_FINE;
	nf = __vls_calloc(ctx, nhi - nlo, sizeof(*nf));
	if (!nf)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory for a histogram");
	if (d->fine)
		memcpy(nf + (lo - nlo), d->fine, d->fine_n * sizeof(*nf));
	__vls_free(ctx, d->fine);
	d->fine = nf;
	d->fine_lo = (uint16_t)nlo;
	d->fine_n = (uint16_t)(nhi - nlo);
	return 0;
}

/* Count of fine bucket i (0 outside the window). */
static uint32_t fine_at(const struct vls_dist *d, unsigned int i)
{
	if (!d->fine || i < d->fine_lo || i >= (unsigned int)d->fine_lo + d->fine_n)
		return 0;
	return d->fine[i - d->fine_lo];
}

int __vls_dist_add(vls_ctx *ctx, struct vls_dist *d, uint64_t v)
{
	unsigned int idx = __vls_hist_index(v);
	int ret = window_cover(ctx, d, idx);

	if (ret)
		return ret;
	if (d->fine[idx - d->fine_lo] < UINT32_MAX)
		d->fine[idx - d->fine_lo]++;
	if (!d->count || v < d->min)
		d->min = v;
	if (v > d->max)
		d->max = v;
	d->count++;
	d->sum += v;
	return 0;
}

void __vls_dist_release(vls_ctx *ctx, struct vls_dist *d)
{
	__vls_free(ctx, d->fine);
	memset(d, 0, sizeof(*d));
}

uint64_t __vls_dist_pct(const struct vls_dist *d, double pct)
{
	uint64_t rank, seen = 0, lo, width, mid;

	if (!d->count || !d->fine)
		return 0;
	rank = (uint64_t)ceil(pct / 100.0 * (double)d->count);
	if (rank < 1)
		rank = 1;
	for (unsigned int i = d->fine_lo; i < (unsigned int)d->fine_lo + d->fine_n; i++) {
		seen += fine_at(d, i);
		if (seen < rank)
			continue;
		__vls_hist_bounds(i, &lo, &width);
		mid = lo + width / 2;
		if (mid < d->min)
			mid = d->min;
		if (mid > d->max)
			mid = d->max;
		return mid;
	}
	return d->max;
}

unsigned int __vls_dist_log2(const struct vls_dist *d,
			     uint64_t out[VLS_HIST_LOG2_MAX])
{
	unsigned int used = 0, b;

	memset(out, 0, sizeof(uint64_t) * VLS_HIST_LOG2_MAX);
	if (!d->fine)
		return 0;
	for (unsigned int i = d->fine_lo; i < (unsigned int)d->fine_lo + d->fine_n; i++) {
		if (!fine_at(d, i))
			continue;
		if (i < VLS_HIST_SUB)
			b = i < 2 ? 0 : 1;
		else
			b = i / VLS_HIST_SUB + 1;
		out[b] += fine_at(d, i);
		if (b + 1 > used)
			used = b + 1;
	}
	return used;
}
