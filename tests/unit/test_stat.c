/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_stat.c - lib/util-stat: ln Gamma, the incomplete beta function,
 * Student's t (distribution and quantiles against printed tables), Welch's
 * interval (a textbook example) and every case of the verdict.
 */
#include <math.h>

#include "test.h"
#include "util-stat.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK_NEAR(a, b, tol) do { \
	double _a = (a), _b = (b); \
	if (fabs(_a - _b) <= (tol)) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: %s == %.12g, expected %.12g (+-%g)\n", \
			__FILE__, __LINE__, #a, _a, _b, (double)(tol)); } \
} while (0)

static void test_lngamma(void)
{
	/* Gamma(n) = (n-1)!, Gamma(1/2) = sqrt(pi), Gamma(3/2) = sqrt(pi)/2 */
	static const struct { double x, want; } t[] = {
		{ 1, 0 }, { 2, 0 }, { 3, 0.69314718055994531 },
		{ 10, 12.801827480081469 },            /* ln 362880 */
		{ 0.5, 0.57236494292470009 },          /* ln sqrt(pi) */
		{ 1.5, -0.12078223763524522 },
		{ 0.1, 2.2527126517342059 },           /* ln Gamma(0.1) = ln 9.5135 */
		{ 100, 359.13420536957540 },           /* ln 99! */
	};

	for (size_t i = 0; i < N(t); i++)
		CHECK_NEAR(__vls_stat_lngamma(t[i].x), t[i].want,
			   1e-12 * fmax(1.0, fabs(t[i].want)));
	CHECK(isnan(__vls_stat_lngamma(0)));
	CHECK(isnan(__vls_stat_lngamma(-1)));
}

static void test_ibeta(void)
{
	/* closed forms: I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(1, b) = 1 - (1-x)^b,
	 * I_x(1/2, 1/2) = 2/pi asin(sqrt(x)); symmetry I_x(a,b) = 1 - I_1-x(b,a) */
	for (double x = 0.05; x < 1; x += 0.1) {
		CHECK_NEAR(__vls_stat_ibeta(x, 1, 1), x, 1e-13);
		CHECK_NEAR(__vls_stat_ibeta(x, 3, 1), x * x * x, 1e-13);
		CHECK_NEAR(__vls_stat_ibeta(x, 1, 4), 1 - pow(1 - x, 4), 1e-13);
		CHECK_NEAR(__vls_stat_ibeta(x, 0.5, 0.5),
			   2 / 3.14159265358979323846 * asin(sqrt(x)), 1e-12);
		CHECK_NEAR(__vls_stat_ibeta(x, 2.5, 7), 1 - __vls_stat_ibeta(1 - x, 7, 2.5),
			   1e-13);
	}
	CHECK(__vls_stat_ibeta(0, 2, 3) == 0);
	CHECK(__vls_stat_ibeta(1, 2, 3) == 1);
	CHECK(isnan(__vls_stat_ibeta(-0.1, 2, 3)));
	CHECK(isnan(__vls_stat_ibeta(0.5, 0, 3)));
}

/* Two-sided critical values of Student's t as printed in every table
 * (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2), three decimals. */
static void test_t_table(void)
{
	static const struct { double p, df, t; } t[] = {
		{ 0.975, 1, 12.706 }, { 0.975, 2, 4.303 }, { 0.975, 3, 3.182 },
		{ 0.975, 4, 2.776 }, { 0.975, 5, 2.571 }, { 0.975, 10, 2.228 },
		{ 0.975, 20, 2.086 }, { 0.975, 30, 2.042 }, { 0.975, 100, 1.984 },
		{ 0.95, 1, 6.314 }, { 0.95, 5, 2.015 }, { 0.95, 30, 1.697 },
		{ 0.995, 1, 63.657 }, { 0.995, 10, 3.169 }, { 0.9995, 3, 12.924 },
		{ 0.90, 8, 1.397 },
	};

	for (size_t i = 0; i < N(t); i++) {
		CHECK_NEAR(__vls_stat_t_quantile(t[i].p, t[i].df), t[i].t, 0.0005);
		CHECK_NEAR(__vls_stat_t_quantile(1 - t[i].p, t[i].df), -t[i].t, 0.0005);
	}
	/* more digits: t(0.975, 1) = tan(0.475 pi) exactly (Cauchy) */
	CHECK_NEAR(__vls_stat_t_quantile(0.975, 1), tan(0.475 * 3.14159265358979323846),
		   1e-9);
	/* df = 2 has a closed form: t = (2p - 1) sqrt(2 / (4p(1 - p))) */
	CHECK_NEAR(__vls_stat_t_quantile(0.975, 2),
		   0.95 * sqrt(2 / (4 * 0.975 * 0.025)), 1e-9);
	/* towards the normal: z(0.975) = 1.959964 */
	CHECK_NEAR(__vls_stat_t_quantile(0.975, 1e6), 1.959964, 1e-5);
	CHECK(__vls_stat_t_quantile(0.5, 3) == 0);
	CHECK(isnan(__vls_stat_t_quantile(0, 3)));
	CHECK(isnan(__vls_stat_t_quantile(1, 3)));
	CHECK(isnan(__vls_stat_t_quantile(0.975, 0)));
	/* the quantile inverts the distribution function, non-integer df too */
	for (double df = 0.7; df < 60; df *= 1.9)
		for (double p = 0.01; p < 1; p += 0.14)
			CHECK_NEAR(__vls_stat_t_cdf(__vls_stat_t_quantile(p, df), df), p, 1e-10);
	CHECK_NEAR(__vls_stat_t_cdf(0, 7.5), 0.5, 1e-15);
	CHECK_NEAR(__vls_stat_t_cdf(1, 1), 0.75, 1e-12);  /* 1/2 + atan(1)/pi */
}

static void sample_of(struct vls_sample *s, const double *v, size_t n)
{
	double sum = 0, sq = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - s->mean) * (v[i] - s->mean);
	s->sd = sqrt(sq / (double)(n - 1));
	s->n = n;
}

/* Wikipedia, "Welch's t-test", example 1 (unequal variances): t = 2.46,
 * p = 0.021. Its df (24.9885) and 95 % interval (0.3492 .. 3.9841) were
 * computed apart from this code, with mpmath's betainc and findroot. */
static void test_welch_textbook(void)
{
	static const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
				     21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4 };
	static const double a2[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
				     24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4 };
	struct vls_sample a, b;
	double lo, hi, df, se, t;

	sample_of(&a, a1, N(a1));
	sample_of(&b, a2, N(a2));
	CHECK(__vls_stat_welch(&lo, &hi, &df, &a, &b, 0.95));
	se = sqrt(a.sd * a.sd / 15 + b.sd * b.sd / 15);
	t = (b.mean - a.mean) / se;
	CHECK_NEAR(t, 2.46, 0.005);
	CHECK_NEAR(2 * (1 - __vls_stat_t_cdf(t, df)), 0.021, 0.0005);
	CHECK_NEAR(df, 24.989, 0.0005);
	CHECK_NEAR(lo, 0.3492, 0.00005);
	CHECK_NEAR(hi, 3.9841, 0.00005);
	/* the interval is symmetric about the difference, and turns with it */
	CHECK_NEAR((lo + hi) / 2, b.mean - a.mean, 1e-12);
	CHECK(__vls_stat_welch(&lo, &hi, NULL, &b, &a, 0.95));
	CHECK_NEAR(lo, -3.9841, 0.00005);
}

static void test_welch_cases(void)
{
	/* equal n and sd: df = 2 (n - 1) exactly, half-width t(0.975, 4) se */
	struct vls_sample a = { 10, 1, 3 }, b = { 12, 1, 3 }, one = { 12, 0, 1 };
	struct vls_sample flat = { 5, 0, 4 }, flat2 = { 7, 0, 3 };
	double lo, hi, df;

	CHECK(__vls_stat_welch(&lo, &hi, &df, &a, &b, 0.95));
	CHECK_NEAR(df, 4, 1e-12);
	CHECK_NEAR(hi - 2, 2.776445105 * sqrt(2.0 / 3), 1e-8);
	/* one side without spread: df is the other side's n - 1 */
	CHECK(__vls_stat_welch(&lo, &hi, &df, &a, &flat2, 0.95));
	CHECK_NEAR(df, 2, 1e-12);
	CHECK_NEAR(hi - (7 - 10), 4.30265273 * sqrt(1.0 / 3), 1e-7);
	/* no spread at all: the difference, exactly */
	CHECK(__vls_stat_welch(&lo, &hi, &df, &flat, &flat2, 0.95));
	CHECK(lo == 2 && hi == 2 && isinf(df));
	/* fewer than 2 runs a side, or no level: no interval */
	CHECK(!__vls_stat_welch(&lo, &hi, &df, &a, &one, 0.95));
	CHECK(!__vls_stat_welch(&lo, &hi, &df, &one, &a, 0.95));
	CHECK(!__vls_stat_welch(&lo, &hi, &df, &a, &b, 1.0));
}

/* Each case of the rule, threshold 5 (5 % of a baseline of 100). */
static void test_verdict(void)
{
	static const struct { double diff, lo, hi, thr; enum vls_verdict want; } t[] = {
		{ 10, 8, 12, 5, VLS_V_INCREASE },       /* excludes 0, past thr */
		{ -10, -12, -8, 5, VLS_V_DECREASE },
		{ 10, 1, 19, 5, VLS_V_INCREASE },       /* the mean is past, not all of it */
		{ 1, -2, 4, 5, VLS_V_NO_CHANGE },       /* within +-5 */
		{ 3, 1, 5, 5, VLS_V_NO_CHANGE },        /* real but too small to matter */
		{ 0, -5, 5, 5, VLS_V_NO_CHANGE },       /* the bounds are within */
		{ 4, 2, 6, 5, VLS_V_INCONCLUSIVE },     /* real, small, may reach past */
		{ 10, -1, 21, 5, VLS_V_INCONCLUSIVE },  /* large but may be 0 */
		{ 0, -9, 9, 5, VLS_V_INCONCLUSIVE },    /* too noisy to say */
		{ 5, 4, 6, 5, VLS_V_INCONCLUSIVE },     /* exactly at thr: not past */
		{ 2, 2, 2, 0, VLS_V_INCREASE },         /* no spread, thr 0 */
		{ 0, 0, 0, 0, VLS_V_NO_CHANGE },        /* alike runs alike */
		{ -0.5, -0.5, -0.5, 1, VLS_V_NO_CHANGE },
	};

	for (size_t i = 0; i < N(t); i++)
		CHECK_INT(__vls_stat_verdict(t[i].diff, t[i].lo, t[i].hi, t[i].thr),
			  t[i].want);
	CHECK_INT(__vls_stat_verdict(NAN, 0, 1, 5), VLS_V_NONE);
	CHECK_INT(__vls_stat_verdict(1, 0, 2, -1), VLS_V_NONE);
	CHECK_STR(__vls_verdict_name(VLS_V_INCREASE), "increase");
	CHECK_STR(__vls_verdict_name(VLS_V_DECREASE), "decrease");
	CHECK_STR(__vls_verdict_name(VLS_V_NO_CHANGE), "no change");
	CHECK_STR(__vls_verdict_name(VLS_V_INCONCLUSIVE), "inconclusive");
	CHECK(__vls_verdict_name(VLS_V_NONE) == NULL);
}

int main(void)
{
	test_lngamma();
	test_ibeta();
	test_t_table();
	test_welch_textbook();
	test_welch_cases();
	test_verdict();
	return TEST_DONE();
}
