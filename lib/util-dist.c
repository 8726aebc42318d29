/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-dist.c - wait and hold distributions: count, sum, min, max and a
 * fixed-bucket histogram (4 linear sub-buckets per power of two). Exact
 * percentiles would need every sample; these are the midpoint of the
 * sub-bucket holding the nearest-rank sample, clamped to [min, max]: within
 * 12.5% of the exact value, exact below 4 ns.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util-dist.h"

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

	if (idx >= lo && idx < hi)
		return 0;
	nlo = idx < lo ? (idx > 4 ? idx - 4 : 0) : lo;
	nhi = idx >= hi ? idx + 5 : hi;
	if (nhi > VLS_HIST_FINE)
		nhi = VLS_HIST_FINE;
	nf = __vls_calloc(ctx, nhi - nlo, sizeof(*nf));
	if (!nf)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory for a histogram");
	memcpy(nf + (lo - nlo), d->fine, d->fine_n * sizeof(*nf));
	__vls_free(ctx, d->fine);
	d->fine = nf;
	d->fine_lo = (uint16_t)nlo;
	d->fine_n = (uint16_t)(nhi - nlo);
	return 0;
}

/* Sparse to dense: a window over the entries' buckets and idx. */
static int make_dense(vls_ctx *ctx, struct vls_dist *d, unsigned int idx)
{
	/* no entry yet: a first count past the entries' 24 bits (a loaded
	 * histogram) */
	unsigned int first = d->nsparse ? VLS_DIST_IDX(d->fine[0]) : idx;
	unsigned int last = d->nsparse ? VLS_DIST_IDX(d->fine[d->nsparse - 1]) : idx;
	unsigned int lo = idx < first ? idx : first, hi = idx > last ? idx : last;
	uint32_t *nf = __vls_calloc(ctx, hi - lo + 1, sizeof(*nf));

	if (!nf)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory for a histogram");
	for (unsigned int i = 0; i < d->nsparse; i++)
		nf[VLS_DIST_IDX(d->fine[i]) - lo] = VLS_DIST_CNT(d->fine[i]);
	__vls_free(ctx, d->fine);
	d->fine = nf;
	d->fine_lo = (uint16_t)lo;
	d->fine_n = (uint16_t)(hi - lo + 1);
	d->nsparse = 0;
	return 0;
}

/* Count n samples of bucket idx in a sparse distribution, or turn it dense
 * (*dense) when that takes a new entry past VLS_DIST_SPARSE_MAX or a count
 * past the entries' 24 bits. */
static int sparse_add(vls_ctx *ctx, struct vls_dist *d, unsigned int idx,
		      uint64_t n, bool *dense)
{
	unsigned int i = 0, used = d->nsparse;
	uint32_t *nf;

	*dense = false;
	while (i < used && VLS_DIST_IDX(d->fine[i]) < idx)
		i++;
	if (i < used && VLS_DIST_IDX(d->fine[i]) == idx) {
		if (VLS_DIST_CNT(d->fine[i]) + n <= VLS_DIST_CNT(~0u)) {
			d->fine[i] += (uint32_t)n;
			return 0;
		}
	} else if (used < VLS_DIST_SPARSE_MAX && n <= VLS_DIST_CNT(~0u)) {
		/* capacity: used rounded up to a power of two */
		if (!(used & (used - 1))) {
			nf = __vls_realloc(ctx, d->fine, (used ? 2 * used : 1) * sizeof(*nf));
			if (!nf)
				return __vls_error(ctx, VLS_ENOMEM,
						   "out of memory for a histogram");
			d->fine = nf;
		}
		memmove(d->fine + i + 1, d->fine + i, (used - i) * sizeof(*d->fine));
		d->fine[i] = (uint32_t)idx << 24 | (uint32_t)n;
		d->nsparse++;
		return 0;
	}
	*dense = true;
	return make_dense(ctx, d, idx);
}

/* n samples in bucket idx: the counters only, not count, sum, min, max. */
static int bucket_add(vls_ctx *ctx, struct vls_dist *d, unsigned int idx,
		      uint64_t n)
{
	bool dense = d->fine_n > 0;
	uint32_t *c;
	int ret = 0;

	if (!dense)
		ret = sparse_add(ctx, d, idx, n, &dense);
	if (!ret && dense) {
		ret = window_cover(ctx, d, idx);
		c = ret ? NULL : &d->fine[idx - d->fine_lo];
		if (c)
			*c = n < UINT32_MAX - *c ? *c + (uint32_t)n : UINT32_MAX;
	}
	return ret;
}

int __vls_dist_add(vls_ctx *ctx, struct vls_dist *d, uint64_t v)
{
	unsigned int idx = __vls_hist_index(v);
	int ret;

	/* the common case first: a dense window that holds the bucket (the
	 * run, process and call site distributions of a busy trace) */
	if (d->fine_n && idx >= d->fine_lo && idx - d->fine_lo < d->fine_n) {
		if (d->fine[idx - d->fine_lo] < UINT32_MAX)
			d->fine[idx - d->fine_lo]++;
	} else if ((ret = bucket_add(ctx, d, idx, 1))) {
		return ret;
	}
	if (!d->count || v < d->min)
		d->min = v;
	if (v > d->max)
		d->max = v;
	d->count++;
	d->sum += v;
	return 0;
}

int __vls_dist_add_log2(vls_ctx *ctx, struct vls_dist *d,
			const uint64_t *buckets, unsigned int n, uint64_t sum,
			uint64_t max)
{
	uint64_t count = 0, min = UINT64_MAX;
	int ret;

	for (unsigned int b = 0; b < n && b < VLS_HIST_LOG2_MAX; b++) {
		/* log2 bucket b >= 1 is fine buckets (b - 1) * 4 .. + 3: its
		 * samples go to the upper middle one; bucket 0 (0 and 1 ns) to 1 */
		unsigned int idx = b ? (b - 1) * VLS_HIST_SUB + 2 : 1;

		if (!buckets[b])
			continue;
		if ((ret = bucket_add(ctx, d, idx, buckets[b])) < 0)
			return ret;
		if (min == UINT64_MAX)
			min = b ? 1ULL << b : 0;
		count += buckets[b];
	}
	if (!count)
		return 0;
	if (!d->count || min < d->min)
		d->min = min;
	if (max > d->max)
		d->max = max;
	d->count += count;
	d->sum += sum;
	return 0;
}

/* The used buckets in order: *pos starts at 0; false at the end. */
static bool bucket_next(const struct vls_dist *d, unsigned int *pos,
			unsigned int *idx, uint64_t *count)
{
	if (!d->fine_n) {
		if (*pos >= d->nsparse)
			return false;
		*idx = VLS_DIST_IDX(d->fine[*pos]);
		*count = VLS_DIST_CNT(d->fine[*pos]);
		++*pos;
		return true;
	}
	while (*pos < d->fine_n && !d->fine[*pos])
		++*pos;
	if (*pos >= d->fine_n)
		return false;
	*idx = d->fine_lo + *pos;
	*count = d->fine[*pos];
	++*pos;
	return true;
}

void __vls_dist_release(vls_ctx *ctx, struct vls_dist *d)
{
	__vls_free(ctx, d->fine);
	memset(d, 0, sizeof(*d));
}

uint64_t __vls_pct_rank(uint64_t n, double pct)
{
	uint64_t rank = (uint64_t)ceil(pct / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	return rank < n ? rank : n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t __vls_pct_sorted(uint64_t *v, size_t n, double pct)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[__vls_pct_rank(n, pct) - 1];
}

uint64_t __vls_dist_pct(const struct vls_dist *d, double pct)
{
	uint64_t rank, seen = 0, lo, width, mid, n;
	unsigned int pos = 0, i;

	if (!d->count)
		return 0;
	rank = __vls_pct_rank(d->count, pct);
	while (bucket_next(d, &pos, &i, &n)) {
		seen += n;
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
	unsigned int used = 0, b, pos = 0, i;
	uint64_t n;

	memset(out, 0, sizeof(uint64_t) * VLS_HIST_LOG2_MAX);
	while (bucket_next(d, &pos, &i, &n)) {
		if (i < VLS_HIST_SUB)
			b = i < 2 ? 0 : 1;
		else
			b = i / VLS_HIST_SUB + 1;
		out[b] += n;
		if (b + 1 > used)
			used = b + 1;
	}
	return used;
}
