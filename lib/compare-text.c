/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare-text.c - a comparison for a terminal, in the form of the tables
 * of mm patch cover letters: one row per figure, one column per group
 * (mean, and "± spread" over repetitions), then the change against the
 * first group, absolute and in %, marked with its verdict where each side
 * has 2 runs or more (and with --ci its 95 % interval); the same per
 * shared process name; or the kernel x arch matrix of fallback rates.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "util-fmt.h"
#include "util-table.h"

static void fmt_plain(char *buf, size_t size, double v, enum vls_cunit unit)
{
	if (unit == VLS_CU_NS)
		__vls_rfmt_ns(buf, size, (int64_t)llround(fabs(v)));
	else if (unit == VLS_CU_RATE)
		snprintf(buf, size, "%.1f%%", fabs(v) * 100.0);
	else if (v == floor(v))
		snprintf(buf, size, "%.0f", fabs(v));
	else
		snprintf(buf, size, "%.1f", fabs(v));
}

static void fmt_value(char *buf, size_t size, const struct vls_cvalue *v,
		      enum vls_cunit unit)
{
	char m[32], sd[32];

	if (!v->n) {
		snprintf(buf, size, "-");
		return;
	}
	fmt_plain(m, sizeof(m), v->mean, unit);
	if (v->n < 2) {
		snprintf(buf, size, "%s%s", v->mean < 0 ? "-" : "", m);
		return;
	}
	fmt_plain(sd, sizeof(sd), v->sd, unit);
	snprintf(buf, size, "%s%s ± %s", v->mean < 0 ? "-" : "", m, sd);
}

/* A difference with its sign: "+1.20 ms", "-3", "+0.4 pp". */
static void fmt_signed(char *buf, size_t size, double d, enum vls_cunit unit)
{
	char p[32];

	if (unit == VLS_CU_RATE) {
		snprintf(buf, size, "%+.1f pp", d * 100.0);
		return;
	}
	fmt_plain(p, sizeof(p), d, unit);
	snprintf(buf, size, "%s%s", d < 0 ? "-" : d > 0 ? "+" : "", p);
}

/* The mark of a verdict, at a glance; "" when there is none. */
static const char *verdict_mark(enum vls_verdict v)
{
	switch (v) {
	case VLS_V_INCREASE: return " ▲";
	case VLS_V_DECREASE: return " ▼";
	case VLS_V_NO_CHANGE: return " =";
	case VLS_V_INCONCLUSIVE: return " ?";
	case VLS_V_NONE: break;
	}
	return "";
}

/* "-1026 (-96.7%) ▼"; ci: the 95 % interval, "-" without one. */
static void fmt_change(char *buf, size_t size, char *ci, size_t cisize,
		       const struct vls_compare *c, const struct vls_cvalue *base,
		       const struct vls_cvalue *v, enum vls_cunit unit)
{
	char a[40], p[32], l[40], h[40];
	double abs, pct, lo, hi;
	enum vls_verdict verdict;

	snprintf(ci, cisize, "-");
	if (!__vls_compare_change(base, v, &abs, &pct)) {
		snprintf(buf, size, "-");
		return;
	}
	fmt_signed(a, sizeof(a), abs, unit);
	if (isnan(pct))
		snprintf(p, sizeof(p), abs != 0 ? "(was 0)" : "(=)");
	else
		snprintf(p, sizeof(p), "(%+.1f%%)", pct);
	verdict = __vls_compare_verdict(c, base, v, &lo, &hi);
	snprintf(buf, size, "%s %s%s", a, p, verdict_mark(verdict));
	if (verdict == VLS_V_NONE)
		return;
	fmt_signed(l, sizeof(l), lo, unit);
	fmt_signed(h, sizeof(h), hi, unit);
	snprintf(ci, cisize, "[%s, %s]", l, h);
}

/* Columns: figure, group 0, then per further group its value, change
 * (and with --ci its interval). */
static void put_heads(struct vls_table *t, const struct vls_compare *c)
{
	const char *heads[VLS_TABLE_COLS_MAX];
	char align[VLS_TABLE_COLS_MAX + 1];
	size_t ncols = 0, per = c->show_ci ? 3 : 2;

	heads[ncols] = "";
	align[ncols++] = 'l';
	for (size_t g = 0; g < c->ngroups && ncols + per <= VLS_TABLE_COLS_MAX; g++) {
		heads[ncols] = c->groups[g].name;
		align[ncols++] = 'r';
		if (!g)
			continue;
		heads[ncols] = "change";
		align[ncols++] = 'r';
		if (c->show_ci) {
			heads[ncols] = "95% CI";
			align[ncols++] = 'r';
		}
	}
	align[ncols] = '\0';
	__vls_table_init(t, c->ctx, align, heads);
}

static const struct vls_crow *row_of(const struct vls_compare *c, size_t g,
				     long proc)
{
	return proc < 0 ? &c->groups[g].all : &c->groups[g].procs[proc];
}

static void put_table(struct vls_buf *b, const struct vls_compare *c, long proc)
{
	struct vls_table t;

	put_heads(&t, c);
	for (int k = 0; k < VLS_CFIGURES; k++) {
		const struct vls_cfigure *fig = &__vls_cfigures[k];
		const struct vls_cvalue *base = &row_of(c, 0, proc)->v[k];
		char cell[96], ci[96];

		__vls_table_row(&t);
		__vls_table_cell(&t, "%s", fig->title);
		for (size_t g = 0; g < c->ngroups; g++) {
			const struct vls_cvalue *v = &row_of(c, g, proc)->v[k];

			fmt_value(cell, sizeof(cell), v, fig->unit);
			__vls_table_cell(&t, "%s", cell);
			if (!g)
				continue;
			fmt_change(cell, sizeof(cell), ci, sizeof(ci), c, base, v, fig->unit);
			__vls_table_cell(&t, "%s", cell);
			if (c->show_ci)
				__vls_table_cell(&t, "%s", ci);
		}
	}
	__vls_table_render(&t, b, 2);
}

/* Runs group g lacks for the verdicts of the whole-run figures whose
 * change is known (0: none). */
static size_t group_missing(const struct vls_compare *c, size_t g, bool *any)
{
	size_t most = 0;

	for (int k = 0; k < VLS_CFIGURES; k++)
		for (size_t o = 1; o < c->ngroups; o++) {
			const struct vls_cvalue *base = &c->groups[0].all.v[k];
			const struct vls_cvalue *v = &c->groups[o].all.v[k];
			double abs, pct, lo, hi;
			size_t m;

			if (!__vls_compare_change(base, v, &abs, &pct))
				continue;
			if (__vls_compare_verdict(c, base, v, &lo, &hi) != VLS_V_NONE)
				*any = true;
			if (g && o != g)
				continue;
			m = __vls_compare_runs_missing(g ? v : base);
			most = m > most ? m : most;
		}
	return most;
}

/* Under the whole-run table: what the marks mean, and how many more runs
 * the changes without one need. */
static void put_verdict_notes(struct vls_buf *b, const struct vls_compare *c)
{
	bool any = false, first = true;

	for (size_t g = 0; g < c->ngroups; g++) {
		size_t m = group_missing(c, g, &any);

		if (!m)
			continue;
		__vls_buf_printf(b, "%s%zu more run%s of %s", first ?
				 "  no verdict where a side has fewer than 2 runs with the "
				 "figure: record " : ", ", m, m > 1 ? "s" : "",
				 c->groups[g].name);
		first = false;
	}
	if (!first)
		__vls_buf_puts(b, "\n");
	if (any)
		__vls_buf_printf(b, "  ▲ increase, ▼ decrease, = no change, "
				 "? inconclusive: the 95%% interval of the change "
				 "(Welch) against ±%g%% of the baseline "
				 "(docs/compare.md)%s\n", c->threshold_pct,
				 c->show_ci ? "" : "; --ci prints the intervals");
}

static void put_group_list(struct vls_buf *b, const struct vls_compare *c)
{
	for (size_t g = 0; g < c->ngroups; g++) {
		const struct vls_cgroup *grp = &c->groups[g];

		__vls_buf_printf(b, "%s %s", g ? "    " : "base", grp->name);
		if (strcmp(grp->name, grp->label))
			__vls_buf_printf(b, " (%s)", grp->label);
		__vls_buf_printf(b, ": kernel %s, %s, run%s", grp->kernel, grp->arch,
				 grp->nruns > 1 ? "s" : "");
		for (size_t i = 0; i < grp->nruns; i++)
			__vls_buf_printf(b, "%s%" PRId64, i ? "," : " ", grp->run_ids[i]);
		if (grp->nruns > 1)
			__vls_buf_printf(b, " (%zu repetitions: mean ± sd)", grp->nruns);
		__vls_buf_puts(b, "\n");
	}
}

/* First of all: what one group cannot measure, the others can. Its
 * figures that rest on it are "-" and get no change. */
static void put_caps_differ(struct vls_buf *b, const struct vls_compare *c)
{
	if (!__vls_compare_caps_differ(c))
		return;
	__vls_buf_puts(b, "capabilities differ: figures a group cannot measure are "
			  "\"-\" there, with no change:\n");
	for (size_t g = 0; g < c->ngroups; g++) {
		const struct vls_cgroup *grp = &c->groups[g];
		bool any = false;

		__vls_buf_printf(b, "  %s lacks", grp->name);
		for (size_t o = 0; o < c->ngroups; o++)
			for (size_t k = 0; k < c->groups[o].ncaps; k++) {
				const char *cap = c->groups[o].caps[k];
				bool seen = false;

				if (__vls_cgroup_has_cap(grp, cap))
					continue;
				for (size_t p = 0; p < o && !seen; p++)
					seen = __vls_cgroup_has_cap(&c->groups[p], cap);
				for (size_t p = 0; p < k && !seen; p++)
					seen = !strcmp(c->groups[o].caps[p], cap);
				if (seen)
					continue;
				__vls_buf_printf(b, "%s %s", any ? "," : "", cap);
				any = true;
			}
		__vls_buf_puts(b, any ? "\n" : " nothing\n");
	}
	__vls_buf_puts(b, "\n");
}

/* Groups whose timestamps come in steps (a jiffies clock, microsecond
 * text): their waits and holds are whole steps, shorter ones 0. */
static void put_steps(struct vls_buf *b, const struct vls_compare *c)
{
	bool any = false;

	for (size_t g = 0; g < c->ngroups; g++) {
		const struct vls_cgroup *grp = &c->groups[g];
		char step[32];

		if (grp->ts_step_ns == VLS_RNULL || grp->ts_step_ns <= 1)
			continue;
		__vls_fmt_ns(step, sizeof(step), (uint64_t)grp->ts_step_ns, 2);
		__vls_buf_printf(b, "%s%s %s", any ? ", " : "  timestamps in steps: ",
				 grp->name, step);
		any = true;
	}
	if (any)
		__vls_buf_puts(b, "\n  (waits and holds shorter than a step read as 0, "
				  "the others are whole steps: compare durations "
				  "well above it only)\n");
}

static void put_groups(struct vls_buf *b, const struct vls_compare *c)
{
	put_caps_differ(b, c);
	put_group_list(b, c);
	__vls_buf_puts(b, "\nwhole runs:\n");
	put_table(b, c, -1);
	put_verdict_notes(b, c);
	put_steps(b, c);
	for (size_t p = 0; p < c->nprocs; p++) {
		__vls_buf_printf(b, "\nprocess %s:\n", c->procs[p]);
		put_table(b, c, (long)p);
	}
	if (c->ngroups > 1 && !c->nprocs)
		__vls_buf_puts(b, "\nno process name is common to every group: "
				  "no per-process comparison\n");
}

/* Distinct values of one axis, in order of first appearance. */
static size_t axis(const struct vls_compare *c, bool kernel, const char **out,
		   size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->ncells; i++) {
		const char *v = kernel ? c->cells[i].row : c->cells[i].arch;
		size_t k = 0;

		while (k < n && strcmp(out[k], v))
			k++;
		if (k == n && n < max)
			out[n++] = v;
	}
	return n;
}

static const struct vls_cvalue *cell_rate(const struct vls_ccell *cell, bool user)
{
	return user ? &cell->user_rate : &cell->rate;
}

/* One rate (user: the user-fault fallback rate) as a kernel x arch table. */
static void put_matrix_rate(struct vls_buf *b, const struct vls_compare *c,
			    bool user)
{
	const char *archs[VLS_TABLE_COLS_MAX - 1], *heads[VLS_TABLE_COLS_MAX];
	const char *kernels[256];
	size_t na = axis(c, false, archs, VLS_TABLE_COLS_MAX - 1);
	size_t nk = axis(c, true, kernels, 256);
	char align[VLS_TABLE_COLS_MAX + 1] = "l";
	struct vls_table t;

	__vls_buf_puts(b, user ?
		       "user-fault fallback rate (user fallbacks / user faults: "
		       "kernel-mode faults never try the per-VMA lock) by kernel x "
		       "arch, mean over the (n) runs that can measure it (\"of N\": "
		       "runs there):\n" :
		       "\nfallback rate over all faults (kernel-mode included) by "
		       "kernel x arch:\n");
	heads[0] = "kernel \\ arch";
	for (size_t a = 0; a < na; a++) {
		heads[a + 1] = archs[a];
		align[a + 1] = 'r';
	}
	align[na + 1] = '\0';
	__vls_table_init(&t, c->ctx, align, heads);
	for (size_t k = 0; k < nk; k++) {
		__vls_table_row(&t);
		__vls_table_cell(&t, "%s", kernels[k]);
		for (size_t a = 0; a < na; a++) {
			char v[160] = "", r[80];

			for (size_t i = 0; i < c->ncells; i++) {
				const struct vls_ccell *cell = &c->cells[i];
				const struct vls_cvalue *rate = cell_rate(cell, user);

				if (strcmp(cell->row, kernels[k]) || strcmp(cell->arch, archs[a]))
					continue;
				fmt_value(r, sizeof(r), rate, VLS_CU_RATE);
				if (rate->n < cell->nruns)
					snprintf(v, sizeof(v), "%s (%zu of %zu)", r,
						 rate->n, cell->nruns);
				else
					snprintf(v, sizeof(v), "%s (%zu)", r, cell->nruns);
			}
			__vls_table_cell(&t, "%s", v);
		}
	}
	__vls_table_render(&t, b, 2);
	for (size_t i = 0; i < c->ncells; i++) {
		if (cell_rate(&c->cells[i], user)->n)
			continue;
		__vls_buf_puts(b, user ?
			       "  \"-\": no user-fault fallback rate for those runs "
			       "(no fault count, no stacks to tell fallbacks, or "
			       "kernel-mode faults not counted)\n" :
			       "  \"-\": no fallback rate for those runs (no fault "
			       "count: no page_fault_user tracepoint and no vmstat, "
			       "or no fault analysis)\n");
		break;
	}
}

static void put_matrix(struct vls_buf *b, const struct vls_compare *c)
{
	put_matrix_rate(b, c, true);
	put_matrix_rate(b, c, false);
}

int __vls_compare_render_text(char **out, const struct vls_compare *c)
{
	struct vls_buf b;

	__vls_buf_init(&b, c->ctx, 0);
	b.escape_ctl = true;
	if (c->matrix)
		put_matrix(&b, c);
	else
		put_groups(&b, c);
	return __vls_buf_finish(&b, out);
}
