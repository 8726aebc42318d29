/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-stat.c - Student's t and Welch's interval for compare's verdicts.
 *
 * The t quantile is the exact inverse of the t distribution function,
 * found by bisection on the regularized incomplete beta function
 * (P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2)): slower than a closed-form
 * approximation, but right for the small and non-integer degrees of
 * freedom (Welch's, with 2 or 3 runs a side) where approximations are
 * worst. ln Gamma is our own: libm's lgamma() writes the global signgam,
 * and the library may run in several threads.
 */
#include <math.h>

#include "util-stat.h"

#define PI 3.14159265358979323846
#define BETA_MAXIT 20000
#define BETA_EPS 1e-15
#define BETA_TINY 1e-300

static const double lanczos[9] = {
	0.99999999999980993, 676.5203681218851, -1259.1392167224028,
	771.32342877765313, -176.61502916214059, 12.507343278686905,
	-0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
};

double __vls_stat_lngamma(double x)
{
	double a = lanczos[0], t;

	if (!(x > 0))
		return NAN;
	if (x < 0.5) /* reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x) */
		return log(PI / sin(PI * x)) - __vls_stat_lngamma(1.0 - x);
	x -= 1.0;
	for (int i = 1; i < 9; i++)
		a += lanczos[i] / (x + i);
	t = x + 7.5;
	return 0.5 * log(2.0 * PI) + (x + 0.5) * log(t) - t + log(a);
}

static double tiny_guard(double v)
{
	return fabs(v) < BETA_TINY ? BETA_TINY : v;
}

/* The continued fraction of I_x(a, b) (Numerical Recipes' betacf), which
 * converges fast for x < (a + 1) / (a + b + 2). */
static double beta_cf(double x, double a, double b)
{
	double c = 1.0, d = 1.0 / tiny_guard(1.0 - (a + b) * x / (a + 1.0));
	double h = d;

	for (int m = 1; m <= BETA_MAXIT; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
		d = 1.0 / tiny_guard(1.0 + aa * d);
		c = tiny_guard(1.0 + aa / c);
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
		d = 1.0 / tiny_guard(1.0 + aa * d);
		c = tiny_guard(1.0 + aa / c);
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < BETA_EPS)
			break;
	}
	return h;
}

double __vls_stat_ibeta(double x, double a, double b)
{
	double front;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	front = exp(__vls_stat_lngamma(a + b) - __vls_stat_lngamma(a) -
		    __vls_stat_lngamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(x, a, b) / a;
	return 1.0 - front * beta_cf(1.0 - x, b, a) / b;
}

double __vls_stat_t_cdf(double t, double df)
{
	double tail;

	if (!(df > 0) || isnan(t))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1.0 : 0.0;
	tail = 0.5 * __vls_stat_ibeta(df / (df + t * t), df / 2.0, 0.5);
	return t > 0 ? 1.0 - tail : tail;
}

/* The x in (0, 1) with I_x(df/2, 1/2) = q, by bisection to the last bit:
 * I_x is increasing in x. */
static double ibeta_inverse(double q, double df)
{
	double lo = 0.0, hi = 1.0;

	for (int i = 0; i < 2000; i++) {
		double mid = lo + (hi - lo) / 2.0;

		if (mid <= lo || mid >= hi)
			break;
		if (__vls_stat_ibeta(mid, df / 2.0, 0.5) < q)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2.0;
}

double __vls_stat_t_quantile(double p, double df)
{
	double x, t;

	if (!(df > 0) || !(p > 0) || !(p < 1))
		return NAN;
	if (p == 0.5)
		return 0.0;
	/* the two-sided tail beyond |t| is 2 min(p, 1 - p) */
	x = ibeta_inverse(2.0 * (p < 0.5 ? p : 1.0 - p), df);
	t = sqrt(df * (1.0 - x) / x);
	return p < 0.5 ? -t : t;
}

bool __vls_stat_welch(double *lo, double *hi, double *df,
		      const struct vls_sample *a, const struct vls_sample *b,
		      double level)
{
	double va, vb, se, nu, t, diff;

	if (a->n < 2 || b->n < 2 || !(level > 0) || !(level < 1))
		return false;
	diff = b->mean - a->mean;
	va = a->sd * a->sd / (double)a->n;
	vb = b->sd * b->sd / (double)b->n;
	se = sqrt(va + vb);
	if (se == 0) {
		/* every run of each side alike: the difference is exact */
		*lo = *hi = diff;
		if (df)
			*df = INFINITY;
		return true;
	}
	nu = (va + vb) * (va + vb) /
	     (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
	t = __vls_stat_t_quantile(1.0 - (1.0 - level) / 2.0, nu);
	*lo = diff - t * se;
	*hi = diff + t * se;
	if (df)
		*df = nu;
	return true;
}

enum vls_verdict __vls_stat_verdict(double diff, double lo, double hi, double thr)
{
	if (isnan(diff) || isnan(lo) || isnan(hi) || !(thr >= 0))
		return VLS_V_NONE;
	if ((lo > 0 || hi < 0) && fabs(diff) > thr)
		return diff > 0 ? VLS_V_INCREASE : VLS_V_DECREASE;
	if (lo >= -thr && hi <= thr)
		return VLS_V_NO_CHANGE;
	return VLS_V_INCONCLUSIVE;
}

const char *__vls_verdict_name(enum vls_verdict v)
{
	switch (v) {
	case VLS_V_INCREASE: return "increase";
	case VLS_V_DECREASE: return "decrease";
	case VLS_V_NO_CHANGE: return "no change";
	case VLS_V_INCONCLUSIVE: return "inconclusive";
	case VLS_V_NONE: break;
	}
	return NULL;
}
