/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare-json.c - a comparison as JSON {"format": "vmlockstat-compare",
 * "version": 2, ...} (docs/report-json.md, "Compare"). Times are integer
 * ns (means rounded), rates 0..1, a figure no run of a group supports is
 * null. A change gets its 95 % interval (ci95) and verdict, both null
 * when a side has fewer than 2 runs with the figure.
 */
#include <math.h>

#include "compare.h"
#include "util-json.h"

static void put_num(struct vls_json *j, const char *key, double v,
		    enum vls_cunit unit)
{
	if (isnan(v))
		__vls_json_null(j, key);
	else if (unit == VLS_CU_NS || (unit == VLS_CU_COUNT && v == floor(v) &&
				       fabs(v) < 9e15))
		__vls_json_int(j, key, (int64_t)llround(v));
	else
		__vls_json_double(j, key, v);
}

static void put_value(struct vls_json *j, const char *key,
		      const struct vls_cvalue *v, enum vls_cunit unit)
{
	if (!v->n) {
		__vls_json_null(j, key);
		return;
	}
	__vls_json_obj(j, key);
	put_num(j, "mean", v->mean, unit);
	put_num(j, "sd", v->sd, unit == VLS_CU_COUNT ? VLS_CU_RATE : unit);
	put_num(j, "min", v->min, unit);
	put_num(j, "max", v->max, unit);
	__vls_json_int(j, "n", (int64_t)v->n);
	__vls_json_obj_end(j);
}

static const char *unit_name(enum vls_cunit u)
{
	return u == VLS_CU_NS ? "ns" : u == VLS_CU_RATE ? "rate" : "count";
}

/* One entry of change: group v against the baseline base. */
static void put_change(struct vls_json *j, const struct vls_compare *c,
		       const struct vls_cfigure *fig, const struct vls_cvalue *base,
		       const struct vls_cvalue *v)
{
	enum vls_cunit du = fig->unit == VLS_CU_COUNT ? VLS_CU_RATE : fig->unit;
	double abs, pct, lo = NAN, hi = NAN;
	enum vls_verdict verdict;

	if (!__vls_compare_change(base, v, &abs, &pct)) {
		__vls_json_null(j, NULL);
		return;
	}
	verdict = __vls_compare_verdict(c, base, v, &lo, &hi);
	__vls_json_obj(j, NULL);
	put_num(j, "abs", abs, du);
	__vls_json_double(j, "pct", pct);
	if (verdict == VLS_V_NONE) {
		__vls_json_null(j, "ci95");
		__vls_json_null(j, "verdict");
	} else {
		__vls_json_arr(j, "ci95");
		put_num(j, NULL, lo, du);
		put_num(j, NULL, hi, du);
		__vls_json_arr_end(j);
		__vls_json_str(j, "verdict", __vls_verdict_name(verdict));
	}
	__vls_json_obj_end(j);
}

/* figures[k] over every group: values and change against group 0. */
static void put_figures(struct vls_json *j, const struct vls_compare *c, long proc)
{
	__vls_json_arr(j, "figures");
	for (int k = 0; k < VLS_CFIGURES; k++) {
		const struct vls_cfigure *fig = &__vls_cfigures[k];

		__vls_json_obj(j, NULL);
		__vls_json_str(j, "name", fig->key);
		__vls_json_str(j, "title", fig->title);
		__vls_json_str(j, "unit", unit_name(fig->unit));
		__vls_json_arr(j, "values");
		for (size_t g = 0; g < c->ngroups; g++) {
			const struct vls_crow *row = proc < 0 ? &c->groups[g].all :
							     &c->groups[g].procs[proc];
			put_value(j, NULL, &row->v[k], fig->unit);
		}
		__vls_json_arr_end(j);
		__vls_json_arr(j, "change");
		for (size_t g = 0; g < c->ngroups; g++) {
			const struct vls_crow *b = proc < 0 ? &c->groups[0].all :
							   &c->groups[0].procs[proc];
			const struct vls_crow *row = proc < 0 ? &c->groups[g].all :
							     &c->groups[g].procs[proc];

			if (!g)
				__vls_json_null(j, NULL);
			else
				put_change(j, c, fig, &b->v[k], &row->v[k]);
		}
		__vls_json_arr_end(j);
		__vls_json_obj_end(j);
	}
	__vls_json_arr_end(j);
}

static void put_groups(struct vls_json *j, const struct vls_compare *c)
{
	__vls_json_arr(j, "groups");
	for (size_t g = 0; g < c->ngroups; g++) {
		const struct vls_cgroup *grp = &c->groups[g];

		__vls_json_obj(j, NULL);
		__vls_json_str(j, "name", grp->name);
		__vls_json_arr(j, "runs");
		for (size_t i = 0; i < grp->nruns; i++)
			__vls_json_int(j, NULL, grp->run_ids[i]);
		__vls_json_arr_end(j);
		__vls_json_str(j, "label", grp->label);
		__vls_json_str(j, "kernel", grp->kernel);
		__vls_json_str(j, "arch", grp->arch);
		__vls_json_arr(j, "capabilities");
		for (size_t k = 0; k < grp->ncaps; k++)
			__vls_json_str(j, NULL, grp->caps[k]);
		__vls_json_arr_end(j);
		if (grp->ts_step_ns == VLS_RNULL)
			__vls_json_null(j, "timestamp_step_ns");
		else
			__vls_json_int(j, "timestamp_step_ns", grp->ts_step_ns);
		__vls_json_obj_end(j);
	}
	__vls_json_arr_end(j);
	__vls_json_bool(j, "capabilities_differ", __vls_compare_caps_differ(c));
	__vls_json_double(j, "threshold_pct", c->threshold_pct);
	put_figures(j, c, -1);
	__vls_json_arr(j, "processes");
	for (size_t p = 0; p < c->nprocs; p++) {
		__vls_json_obj(j, NULL);
		__vls_json_str(j, "comm", c->procs[p]);
		put_figures(j, c, (long)p);
		__vls_json_obj_end(j);
	}
	__vls_json_arr_end(j);
}

static void put_matrix(struct vls_json *j, const struct vls_compare *c)
{
	__vls_json_arr(j, "cells");
	for (size_t i = 0; i < c->ncells; i++) {
		const struct vls_ccell *cell = &c->cells[i];

		__vls_json_obj(j, NULL);
		__vls_json_str(j, "kernel", cell->kernel);
		__vls_json_str(j, "arch", cell->arch);
		__vls_json_str(j, "row", cell->row);
		__vls_json_int(j, "runs", (int64_t)cell->nruns);
		put_value(j, "faults", &cell->faults, VLS_CU_COUNT);
		put_value(j, "user_fallback_rate", &cell->user_rate, VLS_CU_RATE);
		put_value(j, "fallback_rate", &cell->rate, VLS_CU_RATE);
		__vls_json_obj(j, "by_reason");
		for (int r = 0; r < VLS_FR__FALLBACKS; r++)
			put_value(j, __vls_fault_reason_names[r], &cell->reason[r], VLS_CU_RATE);
		__vls_json_obj_end(j);
		__vls_json_obj_end(j);
	}
	__vls_json_arr_end(j);
}

int __vls_compare_render_json(char **out, const struct vls_compare *c)
{
	struct vls_json j;

	__vls_json_init(&j, c->ctx, 0);
	__vls_json_obj(&j, NULL);
	__vls_json_str(&j, "format", "vmlockstat-compare");
	/* 2: by_reason without nested; 3: user_fallback_rate first, the
	 * kernel-mode faults apart (report-json.c) */
	__vls_json_int(&j, "version", VLS_REPORT_JSON_VERSION);
	__vls_json_str(&j, "mode", c->matrix ? "matrix" : "groups");
	if (c->matrix)
		put_matrix(&j, c);
	else
		put_groups(&j, c);
	__vls_json_obj_end(&j);
	return __vls_json_finish(&j, out);
}
