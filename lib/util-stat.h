/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-stat.h - the interval arithmetic of compare's verdicts: Student's t
 * distribution (through the regularized incomplete beta function), Welch's
 * interval of a difference of means, and the verdict against a practical
 * threshold. Pure functions of their arguments: no ctx, no allocation.
 */
#ifndef VLS_UTIL_STAT_H
#define VLS_UTIL_STAT_H

#include <stdbool.h>
#include <stddef.h>

/* ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
double __vls_stat_lngamma(double x);

/* The regularized incomplete beta function I_x(a, b), a, b > 0, x in
 * [0, 1] (continued fraction, modified Lentz). NaN outside the domain. */
double __vls_stat_ibeta(double x, double a, double b);

/* P(T <= t) for Student's t with df > 0 degrees of freedom (df need not
 * be an integer: Welch's df is not). NaN when df <= 0 or NaN. */
double __vls_stat_t_cdf(double t, double df);

/* The p-quantile of Student's t with df > 0 degrees of freedom, p in
 * (0, 1): the inverse of __vls_stat_t_cdf(), to ~1e-12 relative. NaN
 * outside the domain. */
double __vls_stat_t_quantile(double p, double df);

/* One side of a comparison: mean, sample standard deviation, runs. */
struct vls_sample {
	double mean, sd;
	size_t n;
};

/* The interval of mean(b) - mean(a) at confidence level (0.95: 95 %),
 * Welch's t interval with the Welch-Satterthwaite degrees of freedom: it
 * does not assume equal spreads. *df is set when it is not NULL (infinite
 * when both spreads are 0: then the interval is the difference itself).
 * false when a side has fewer than 2 runs or level is outside (0, 1). */
bool __vls_stat_welch(double *lo, double *hi, double *df,
		      const struct vls_sample *a, const struct vls_sample *b,
		      double level);

enum vls_verdict {
	VLS_V_NONE,          /* fewer than 2 runs a side: no interval */
	VLS_V_INCREASE,
	VLS_V_DECREASE,
	VLS_V_NO_CHANGE,
	VLS_V_INCONCLUSIVE,
};

/*
 * The verdict of a change diff with interval [lo, hi] and practical
 * threshold thr >= 0 (in the figure's unit):
 *   increase / decrease: the interval excludes 0 and |diff| > thr;
 *   no change: the interval lies within [-thr, thr];
 *   inconclusive: anything else (too noisy to say, or a change too small
 *   to matter whose interval still reaches past the threshold).
 */
enum vls_verdict __vls_stat_verdict(double diff, double lo, double hi, double thr);

/* "increase", "decrease", "no change", "inconclusive"; NULL for NONE. */
const char *__vls_verdict_name(enum vls_verdict v);

#endif /* VLS_UTIL_STAT_H */
