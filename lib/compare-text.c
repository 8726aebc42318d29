/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare-text.c - a comparison for a terminal, in the form of the tables
 * of mm patch cover letters: one row per figure, one column per group
 * (mean, and "± spread" over repetitions), then the change against the
 * first group, absolute and in %; the same per shared process name; or
 * the kernel x arch matrix of fallback rates.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
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

static void fmt_change(char *buf, size_t size, const struct vls_cvalue *base,
		       const struct vls_cvalue *v, enum vls_cunit unit)
{
	char a[40], p[32];
	double abs, pct;

	if (!__vls_compare_change(base, v, &abs, &pct)) {
		snprintf(buf, size, "-");
		return;
	}
	if (unit == VLS_CU_RATE)
		snprintf(a, sizeof(a), "%+.1f pp", abs * 100.0);
	else {
		fmt_plain(p, sizeof(p), abs, unit);
		snprintf(a, sizeof(a), "%s%s", abs < 0 ? "-" : abs > 0 ? "+" : "", p);
	}
	if (isnan(pct))
		snprintf(p, sizeof(p), abs != 0 ? "(was 0)" : "(=)");
	else
		snprintf(p, sizeof(p), "(%+.1f%%)", pct);
	snprintf(buf, size, "%s %s", a, p);
}

/* Columns: figure, group 0, then per further group its value and change. */
static void put_table(struct vls_buf *b, const struct vls_compare *c, long proc)
{
	const char *heads[VLS_TABLE_COLS_MAX];
	char align[VLS_TABLE_COLS_MAX + 1];
	size_t ncols = 0;
	struct vls_table t;

	heads[ncols] = "";
	align[ncols++] = 'l';
	for (size_t g = 0; g < c->ngroups && ncols + 2 <= VLS_TABLE_COLS_MAX; g++) {
		heads[ncols] = c->groups[g].name;
		align[ncols++] = 'r';
		if (g) {
			heads[ncols] = "change";
			align[ncols++] = 'r';
		}
	}
	align[ncols] = '\0';
	__vls_table_init(&t, c->ctx, align, heads);
	for (int k = 0; k < VLS_CFIGURES; k++) {
		const struct vls_cfigure *fig = &__vls_cfigures[k];
		const struct vls_crow *base = proc < 0 ? &c->groups[0].all :
							 &c->groups[0].procs[proc];
		char cell[96];

		__vls_table_row(&t);
		__vls_table_cell(&t, "%s", fig->title);
		for (size_t g = 0; g < c->ngroups; g++) {
			const struct vls_crow *row = proc < 0 ? &c->groups[g].all :
							     &c->groups[g].procs[proc];

			fmt_value(cell, sizeof(cell), &row->v[k], fig->unit);
			__vls_table_cell(&t, "%s", cell);
			if (!g)
				continue;
			fmt_change(cell, sizeof(cell), &base->v[k], &row->v[k], fig->unit);
			__vls_table_cell(&t, "%s", cell);
		}
	}
	__vls_table_render(&t, b, 2);
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

static void put_groups(struct vls_buf *b, const struct vls_compare *c)
{
	put_caps_differ(b, c);
	put_group_list(b, c);
	__vls_buf_puts(b, "\nwhole runs:\n");
	put_table(b, c, -1);
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
		const char *v = kernel ? c->cells[i].kernel : c->cells[i].arch;
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

				if (strcmp(cell->kernel, kernels[k]) || strcmp(cell->arch, archs[a]))
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
