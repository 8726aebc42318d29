/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare.h - the comparison model, private to the library: compare.c
 * computes it from reports, compare-json.c and compare-text.c render it.
 *
 * A figure of a group is the mean over the group's runs (repetitions),
 * with the sample standard deviation as spread; a run that cannot support
 * a figure (null in its report) is left out of that figure's mean, and a
 * figure no run supports is unknown (n == 0).
 *
 * The change of a group against the baseline gets a 95 % interval (Welch)
 * and a verdict against the practical threshold (util-stat.h) when each
 * side has 2 runs or more that support the figure.
 */
#ifndef VLS_COMPARE_H
#define VLS_COMPARE_H

#include <stdbool.h>

#include "report.h"
#include "util-stat.h"

enum vls_cunit { VLS_CU_COUNT, VLS_CU_NS, VLS_CU_RATE };

struct vls_cfigure {
	const char *key;      /* JSON name */
	const char *title;    /* text row title */
	enum vls_cunit unit;
	/* The value of one run or process, NaN when unknown. */
	double (*get)(const struct vls_rfaults *f, const struct vls_rstats lock[2]);
};

#define VLS_CFIGURES 14
extern const struct vls_cfigure __vls_cfigures[VLS_CFIGURES];

struct vls_cvalue {
	size_t n;             /* runs that support the figure */
	double mean, sd, min, max;
};

/* The figures of one group, whole runs or one process name. */
struct vls_crow {
	struct vls_cvalue v[VLS_CFIGURES];
};

struct vls_cgroup {
	char *name;
	int64_t *run_ids;
	size_t nruns;
	char *kernel, *arch, *label; /* of its runs; "mixed" if they differ */
	/* what every one of its runs can measure (report.h VLS_CAP_*) */
	const char *caps[VLS_RCAPS_MAX];
	size_t ncaps;
	/* the coarsest timestamp step of its runs (vls_rrun.ts_step_ns), 1:
	 * nanoseconds, VLS_RNULL: a run did not say */
	int64_t ts_step_ns;
	struct vls_crow all;
	struct vls_crow *procs;  /* one per shared process name */
};

/* One cell of the kernel x arch matrix. */
struct vls_ccell {
	char *kernel, *arch;
	char *row;               /* the matrix row: kernel, its arch's flavour cut */
	size_t nruns;
	struct vls_cvalue user_rate;               /* user-fault fallback rate */
	struct vls_cvalue rate;                    /* fallback rate, all faults */
	struct vls_cvalue reason[VLS_FR__COUNT]; /* reason count / faults */
	struct vls_cvalue faults;
};

struct vls_compare {
	vls_ctx *ctx;
	struct vls_cgroup *groups;
	size_t ngroups;
	char **procs;            /* process names every group's runs share */
	size_t nprocs;
	struct vls_ccell *cells; /* matrix mode */
	size_t ncells;
	bool matrix;
	double threshold_pct;    /* of the verdicts, in % of the baseline mean */
	bool show_ci;            /* text: the intervals too */
};

/* Does some group lack a capability another has? */
bool __vls_compare_caps_differ(const struct vls_compare *c);
/* Does group g have capability cap (every one of its runs)? */
bool __vls_cgroup_has_cap(const struct vls_cgroup *g, const char *cap);

int __vls_compare_build(struct vls_compare **out, vls_db *db,
			const vls_compare_opts *opts);
void __vls_compare_free(struct vls_compare *c);

/* The change of group g against group 0; false when either is unknown.
 * *pct is NaN when the baseline is 0. */
bool __vls_compare_change(const struct vls_cvalue *base,
			  const struct vls_cvalue *v, double *abs, double *pct);

/* The verdict on a change of v against base, with its 95 % interval in
 * the figure's unit. VLS_V_NONE (and *lo, *hi untouched) when a side has
 * fewer than 2 runs that support the figure. */
enum vls_verdict __vls_compare_verdict(const struct vls_compare *c,
				       const struct vls_cvalue *base,
				       const struct vls_cvalue *v,
				       double *lo, double *hi);

/* Runs with the figure that side lacks for a verdict (0: enough). */
size_t __vls_compare_runs_missing(const struct vls_cvalue *v);

int __vls_compare_render_json(char **out, const struct vls_compare *c);
int __vls_compare_render_text(char **out, const struct vls_compare *c);

#endif /* VLS_COMPARE_H */
