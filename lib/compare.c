/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare.c - before/after comparison of groups of runs (one row per
 * figure, one column per group, the change against the first group), per
 * shared process name, and the kernel x arch matrix of
 * fallback rates over every run in the DB.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "store.h"

#define NUL_D NAN

static double i2d(int64_t v)
{
	return v == VLS_RNULL ? NUL_D : (double)v;
}

static double lk_i(const struct vls_rstats *s, int64_t v)
{
	return s->known ? i2d(v) : NUL_D;
}

static double g_read_acq(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return lk_i(&l[0], l[0].acquisitions);
}

static double g_read_wait(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return lk_i(&l[0], l[0].wait.sum);
}

static double g_write_wait_avg(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return lk_i(&l[1], __vls_rdist_mean(&l[1].wait));
}

static double g_rate(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	double r = __vls_rfaults_rate(f);

	return r < 0 ? NUL_D : r;
}

static double g_user_rate(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	double r = __vls_rfaults_user_rate(f);

	return r < 0 ? NUL_D : r;
}

static double g_kernel(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return i2d(f->kernel);
}

static double g_kernel_fb(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return i2d(f->by_reason[VLS_FR_KERNEL_MODE]);
}

static double g_io_retry(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return i2d(f->by_reason[VLS_FR_IO_RETRY]);
}

static double g_refaults(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return i2d(f->refaults);
}

static double g_read_p99(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return lk_i(&l[0], l[0].wait.p99);
}

static double g_write_p99(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return lk_i(&l[1], l[1].wait.p99);
}

static double g_faults(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return i2d(f->total);
}

static double g_fallback(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return i2d(f->fallback);
}

static double g_write_acq(const struct vls_rfaults *f, const struct vls_rstats l[2])
{
	return lk_i(&l[1], l[1].acquisitions);
}

/* The per-VMA lock's own rate first: kernel-mode faults never try it. */
const struct vls_cfigure __vls_cfigures[VLS_CFIGURES] = {
	{ "user_fallback_rate", "user-fault fallback rate", VLS_CU_RATE, g_user_rate },
	{ "read_acquisitions", "read acquisitions", VLS_CU_COUNT, g_read_acq },
	{ "read_wait_total_ns", "total read wait", VLS_CU_NS, g_read_wait },
	{ "write_wait_avg_ns", "average write wait", VLS_CU_NS, g_write_wait_avg },
	{ "fallback_rate", "fallback rate (all faults)", VLS_CU_RATE, g_rate },
	{ "io_retry_fallbacks", "io_retry fallbacks", VLS_CU_COUNT, g_io_retry },
	{ "refaults", "refaults", VLS_CU_COUNT, g_refaults },
	{ "read_wait_p99_ns", "p99 read wait", VLS_CU_NS, g_read_p99 },
	{ "write_wait_p99_ns", "p99 write wait", VLS_CU_NS, g_write_p99 },
	{ "faults", "faults", VLS_CU_COUNT, g_faults },
	{ "fallback_faults", "fallback faults", VLS_CU_COUNT, g_fallback },
	{ "write_acquisitions", "write acquisitions", VLS_CU_COUNT, g_write_acq },
	{ "kernel_faults", "kernel-mode faults", VLS_CU_COUNT, g_kernel },
	{ "kernel_mode_fallbacks", "kernel-mode faults' mmap_lock", VLS_CU_COUNT,
	  g_kernel_fb },
};

/* Mean, sample standard deviation, min and max of the known values. */
static void summarize(struct vls_cvalue *out, const double *v, size_t n)
{
	double sum = 0, sq = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		if (!out->n || v[i] < out->min)
			out->min = v[i];
		if (!out->n || v[i] > out->max)
			out->max = v[i];
		out->n++;
		sum += v[i];
	}
	if (!out->n)
		return;
	out->mean = sum / (double)out->n;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			sq += (v[i] - out->mean) * (v[i] - out->mean);
	out->sd = out->n > 1 ? sqrt(sq / (double)(out->n - 1)) : 0;
}

bool __vls_compare_change(const struct vls_cvalue *base,
			  const struct vls_cvalue *v, double *abs, double *pct)
{
	if (!base->n || !v->n)
		return false;
	*abs = v->mean - base->mean;
	*pct = base->mean != 0 ? *abs / fabs(base->mean) * 100.0 : NAN;
	return true;
}

#define VERDICT_LEVEL 0.95
#define VERDICT_MIN_RUNS 2

size_t __vls_compare_runs_missing(const struct vls_cvalue *v)
{
	return v->n < VERDICT_MIN_RUNS ? VERDICT_MIN_RUNS - v->n : 0;
}

enum vls_verdict __vls_compare_verdict(const struct vls_compare *c,
				       const struct vls_cvalue *base,
				       const struct vls_cvalue *v,
				       double *lo, double *hi)
{
	struct vls_sample a = { base->mean, base->sd, base->n };
	struct vls_sample b = { v->mean, v->sd, v->n };
	double l, h;

	if (!__vls_stat_welch(&l, &h, NULL, &a, &b, VERDICT_LEVEL))
		return VLS_V_NONE;
	*lo = l;
	*hi = h;
	return __vls_stat_verdict(v->mean - base->mean, l, h,
				  c->threshold_pct / 100.0 * fabs(base->mean));
}

/* ------------------------------------------------------------------ */
/* Per process name                                                    */
/* ------------------------------------------------------------------ */

static void add_i(int64_t *acc, int64_t v)
{
	if (v == VLS_RNULL || *acc == VLS_RNULL)
		*acc = VLS_RNULL;
	else
		*acc += v;
}

static void add_dist(struct vls_rdist *acc, const struct vls_rdist *d, bool first)
{
	add_i(&acc->count, d->count);
	add_i(&acc->sum, d->sum);
	if (d->max == VLS_RNULL || acc->max == VLS_RNULL)
		acc->max = VLS_RNULL;
	else if (d->max > acc->max)
		acc->max = d->max;
	/* percentiles of several processes cannot be merged from theirs */
	acc->p50 = first ? d->p50 : VLS_RNULL;
	acc->p99 = first ? d->p99 : VLS_RNULL;
}

/* The processes of run named comm, summed into one task. false: none. */
static bool merge_comm(struct vls_rtask *acc, const struct vls_rrun *run,
		       const char *comm)
{
	bool found = false;

	memset(acc, 0, sizeof(*acc));
	for (size_t i = 0; i < run->nprocs; i++) {
		const struct vls_rtask *p = &run->procs[i];

		if (!p->comm || strcmp(p->comm, comm))
			continue;
		add_i(&acc->f.total, p->f.total);
		add_i(&acc->f.kernel, p->f.kernel);
		add_i(&acc->f.fallback, p->f.fallback);
		for (int r = 0; r < VLS_FR__COUNT; r++)
			add_i(&acc->f.by_reason[r], p->f.by_reason[r]);
		add_i(&acc->f.behind_writer, p->f.behind_writer);
		add_i(&acc->f.refaults, p->f.refaults);
		for (int m = 0; m < 2; m++) {
			acc->lock[m].known = p->lock[m].known;
			add_i(&acc->lock[m].acquisitions, p->lock[m].acquisitions);
			add_dist(&acc->lock[m].wait, &p->lock[m].wait, !found);
			add_dist(&acc->lock[m].hold, &p->lock[m].hold, !found);
		}
		found = true;
	}
	return found;
}

static bool run_has_comm(const struct vls_rrun *run, const char *comm)
{
	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i].comm && !strcmp(run->procs[i].comm, comm))
			return true;
	return false;
}

static bool group_has_comm(struct vls_report *const *reps, size_t g,
			   const char *comm)
{
	for (size_t i = 0; i < reps[g]->nruns; i++)
		if (run_has_comm(&reps[g]->runs[i], comm))
			return true;
	return false;
}

/* Process names present in every group, in the baseline's order. */
static int shared_comms(struct vls_compare *c, struct vls_report *const *reps)
{
	const struct vls_report *base = reps[0];
	size_t cap = 0;

	for (size_t r = 0; r < base->nruns; r++) {
		const struct vls_rrun *run = &base->runs[r];

		for (size_t i = 0; i < run->nprocs; i++) {
			const char *comm = run->procs[i].comm;
			bool ok = comm && *comm;
			int err;

			for (size_t k = 0; ok && k < c->nprocs; k++)
				ok = strcmp(c->procs[k], comm) != 0;
			for (size_t g = 1; ok && g < c->ngroups; g++)
				ok = group_has_comm(reps, g, comm);
			if (!ok)
				continue;
			err = __vls_grow(c->ctx, (void **)&c->procs, &cap, c->nprocs + 1,
					 sizeof(char *), VLS_RLIST_MAX);
			if (err)
				return err;
			c->procs[c->nprocs] = __vls_strdup(c->ctx, comm);
			if (!c->procs[c->nprocs])
				return __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
			c->nprocs++;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Groups                                                              */
/* ------------------------------------------------------------------ */

static void fill_row(struct vls_crow *row, const struct vls_report *rep,
		     const char *comm, double *tmp)
{
	for (int k = 0; k < VLS_CFIGURES; k++) {
		size_t n = 0;

		for (size_t i = 0; i < rep->nruns; i++) {
			const struct vls_rrun *run = &rep->runs[i];
			struct vls_rtask acc;

			if (!comm)
				tmp[n++] = __vls_cfigures[k].get(&run->f, run->lock);
			else if (merge_comm(&acc, run, comm))
				tmp[n++] = __vls_cfigures[k].get(&acc.f, acc.lock);
		}
		summarize(&row->v[k], tmp, n);
	}
}

enum field { F_KERNEL, F_ARCH, F_LABEL };

static char *same_or_mixed(vls_ctx *ctx, const struct vls_report *rep, enum field f)
{
	const char *first = NULL;

	for (size_t i = 0; i < rep->nruns; i++) {
		const struct vls_rrun *run = &rep->runs[i];
		const char *v = f == F_KERNEL ? run->kernel : f == F_ARCH ? run->arch :
				run->label;

		if (!v)
			v = "unknown";
		if (!first)
			first = v;
		else if (strcmp(first, v))
			return __vls_strdup(ctx, "mixed");
	}
	return __vls_strdup(ctx, first ? first : "unknown");
}

bool __vls_cgroup_has_cap(const struct vls_cgroup *g, const char *cap)
{
	for (size_t i = 0; i < g->ncaps; i++)
		if (!strcmp(g->caps[i], cap))
			return true;
	return false;
}

bool __vls_compare_caps_differ(const struct vls_compare *c)
{
	for (size_t g = 1; g < c->ngroups; g++) {
		const struct vls_cgroup *a = &c->groups[0], *b = &c->groups[g];

		if (a->ncaps != b->ncaps)
			return true;
		for (size_t i = 0; i < a->ncaps; i++)
			if (!__vls_cgroup_has_cap(b, a->caps[i]))
				return true;
	}
	return false;
}

/* The capabilities every run of rep has, in the first run's order. */
static void group_caps(struct vls_cgroup *g, const struct vls_report *rep)
{
	g->ncaps = 0;
	for (size_t k = 0; rep->nruns && k < rep->runs[0].ncaps; k++) {
		const char *cap = rep->runs[0].caps[k];
		bool all = true;

		for (size_t i = 1; all && i < rep->nruns; i++)
			all = __vls_rrun_has_cap(&rep->runs[i], cap);
		if (all)
			g->caps[g->ncaps++] = cap;
	}
}

static int fill_group(struct vls_compare *c, struct vls_cgroup *g,
		      const vls_compare_group *in, const struct vls_report *rep)
{
	double *tmp = NULL;

	g->name = __vls_strdup(c->ctx, in->name ? in->name : "?");
	g->run_ids = __vls_calloc(c->ctx, in->nruns, sizeof(int64_t));
	g->kernel = same_or_mixed(c->ctx, rep, F_KERNEL);
	g->arch = same_or_mixed(c->ctx, rep, F_ARCH);
	g->label = same_or_mixed(c->ctx, rep, F_LABEL);
	g->procs = __vls_calloc(c->ctx, c->nprocs + 1, sizeof(*g->procs));
	tmp = __vls_calloc(c->ctx, rep->nruns + 1, sizeof(double));
	if (!g->name || !g->run_ids || !g->kernel || !g->arch || !g->label ||
	    !g->procs || !tmp) {
		__vls_free(c->ctx, tmp);
		return __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
	}
	memcpy(g->run_ids, in->run_ids, in->nruns * sizeof(int64_t));
	g->nruns = in->nruns;
	group_caps(g, rep);
	g->ts_step_ns = 1;
	for (size_t i = 0; i < rep->nruns && g->ts_step_ns != VLS_RNULL; i++)
		if (rep->runs[i].ts_step_ns == VLS_RNULL ||
		    rep->runs[i].ts_step_ns > g->ts_step_ns)
			g->ts_step_ns = rep->runs[i].ts_step_ns;
	fill_row(&g->all, rep, NULL, tmp);
	for (size_t p = 0; p < c->nprocs; p++)
		fill_row(&g->procs[p], rep, c->procs[p], tmp);
	__vls_free(c->ctx, tmp);
	return 0;
}

static const unsigned int compare_sections =
	VLS_REPORT_FAULTS | VLS_REPORT_LOCKS | VLS_REPORT_TASKS;

static int build_groups(struct vls_compare *c, vls_db *db,
			const vls_compare_opts *opts)
{
	struct vls_report **reps;
	int err = 0;

	reps = __vls_calloc(c->ctx, opts->ngroups, sizeof(*reps));
	c->groups = __vls_calloc(c->ctx, opts->ngroups, sizeof(*c->groups));
	if (!reps || !c->groups) {
		__vls_free(c->ctx, reps);
		return __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
	}
	c->ngroups = opts->ngroups;
	for (size_t g = 0; !err && g < opts->ngroups; g++) {
		const vls_compare_group *in = &opts->groups[g];

		if (!in->nruns || !in->run_ids)
			err = __vls_error(c->ctx, VLS_EINVAL, "group %zu has no runs", g + 1);
		else
			err = __vls_report_load(&reps[g], db, in->run_ids, in->nruns,
						&(struct vls_rload_opts){
							.sections = compare_sections });
	}
	if (!err)
		err = shared_comms(c, reps);
	for (size_t g = 0; !err && g < opts->ngroups; g++)
		err = fill_group(c, &c->groups[g], &opts->groups[g], reps[g]);
	for (size_t g = 0; g < opts->ngroups; g++)
		__vls_report_free(reps[g]);
	__vls_free(c->ctx, reps);
	return err;
}

/* ------------------------------------------------------------------ */
/* Matrix                                                              */
/* ------------------------------------------------------------------ */

static const char *or_unknown(const char *s)
{
	return s ? s : "unknown";
}

static struct vls_ccell *find_cell(struct vls_compare *c, size_t *cap,
				   const struct vls_rrun *run)
{
	struct vls_ccell *cell;

	for (size_t i = 0; i < c->ncells; i++)
		if (!strcmp(c->cells[i].kernel, or_unknown(run->kernel)) &&
		    !strcmp(c->cells[i].arch, or_unknown(run->arch)))
			return &c->cells[i];
	if (__vls_grow(c->ctx, (void **)&c->cells, cap, c->ncells + 1,
		       sizeof(*c->cells), VLS_RLIST_MAX))
		return NULL;
	cell = &c->cells[c->ncells++];
	memset(cell, 0, sizeof(*cell));
	cell->kernel = __vls_strdup(c->ctx, or_unknown(run->kernel));
	cell->arch = __vls_strdup(c->ctx, or_unknown(run->arch));
	if (!cell->kernel || !cell->arch) {
		__vls_error(c->ctx, VLS_ENOMEM, "out of memory");
		return NULL;
	}
	return cell;
}

static double reason_rate(const struct vls_rfaults *f, int r)
{
	if (f->total == VLS_RNULL || f->total <= 0 || f->by_reason[r] == VLS_RNULL)
		return NAN;
	return (double)f->by_reason[r] / (double)f->total;
}

/* idx and v: scratch of one slot per run. */
static void fill_cell(struct vls_ccell *cell, const struct vls_report *rep,
		      size_t *idx, double *v)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->nruns; i++)
		if (!strcmp(cell->kernel, or_unknown(rep->runs[i].kernel)) &&
		    !strcmp(cell->arch, or_unknown(rep->runs[i].arch)))
			idx[n++] = i;
	cell->nruns = n;
	for (size_t j = 0; j < n; j++)
		v[j] = g_faults(&rep->runs[idx[j]].f, NULL);
	summarize(&cell->faults, v, n);
	for (size_t j = 0; j < n; j++)
		v[j] = g_user_rate(&rep->runs[idx[j]].f, NULL);
	summarize(&cell->user_rate, v, n);
	for (size_t j = 0; j < n; j++)
		v[j] = g_rate(&rep->runs[idx[j]].f, NULL);
	summarize(&cell->rate, v, n);
	for (int r = 0; r < VLS_FR__COUNT; r++) {
		for (size_t j = 0; j < n; j++)
			v[j] = reason_rate(&rep->runs[idx[j]].f, r);
		summarize(&cell->reason[r], v, n);
	}
}

/* The Debian flavour that only names arch ("amd64" for x86_64), or NULL. */
static const char *arch_flavour(const char *arch)
{
	static const char *const map[][2] = {
		{ "x86_64", "amd64" }, { "amd64", "amd64" }, { "aarch64", "arm64" },
		{ "arm64", "arm64" }, { "s390x", "s390x" }, { "ppc64le", "powerpc64le" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(arch, map[i][0]))
			return map[i][1];
	return NULL;
}

/* kernel without "-FLAVOUR" when that flavour only names arch, as a new
 * string; NULL for no such suffix (or no memory: *err says). */
static char *cut_flavour(struct vls_compare *c, const char *kernel,
			 const char *arch, int *err)
{
	const char *fl = arch_flavour(arch);
	size_t kn = strlen(kernel), fn = fl ? strlen(fl) : 0;
	char *row;

	if (!fl || kn <= fn + 1 || kernel[kn - fn - 1] != '-' ||
	    strcmp(kernel + kn - fn, fl))
		return NULL;
	if (!(row = __vls_malloc(c->ctx, kn - fn)))
		*err = __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
	else
		snprintf(row, kn - fn, "%s", kernel);
	return row;
}

/*
 * The matrix's rows: one kernel version built for several archs is one
 * row ("6.12.118+deb12-amd64" on x86_64 and "6.12.118+deb12-arm64" on
 * aarch64 are the row "6.12.118+deb12"), so that its archs compare side
 * by side. A Debian flavour is cut only when it names the cell's arch
 * alone ("-rt-amd64" keeps "-rt", "-arm64-16k" stays), and a cell keeps
 * its whole release when the cut would give another cell of its arch the
 * same row (a self-built "6.12.118+deb12" beside Debian's).
 */
static int set_rows(struct vls_compare *c)
{
	int err = 0;

	for (size_t i = 0; i < c->ncells && !err; i++)
		c->cells[i].row = cut_flavour(c, c->cells[i].kernel, c->cells[i].arch, &err);
	for (size_t i = 0; i < c->ncells && !err; i++) {
		struct vls_ccell *a = &c->cells[i];

		for (size_t j = 0; a->row && j < c->ncells; j++) {
			const struct vls_ccell *b = &c->cells[j];

			if (j != i && !strcmp(a->arch, b->arch) &&
			    !strcmp(a->row, b->row ? b->row : b->kernel)) {
				__vls_free(c->ctx, a->row);
				a->row = NULL;
			}
		}
	}
	for (size_t i = 0; i < c->ncells && !err; i++)
		if (!c->cells[i].row &&
		    !(c->cells[i].row = __vls_strdup(c->ctx, c->cells[i].kernel)))
			err = __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
	return err;
}

static int build_matrix(struct vls_compare *c, vls_db *db)
{
	struct vls_report *rep = NULL;
	int64_t *ids = NULL;
	size_t nids = 0, cap = 0;
	double *tmp = NULL;
	size_t *idx = NULL;
	sqlite3_stmt *st = NULL;
	int err, rc;

	rc = sqlite3_prepare_v2(db->sql, "SELECT id FROM run ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return __vls_store_error(c->ctx, db->sql, rc, "listing runs");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		err = __vls_grow(c->ctx, (void **)&ids, &cap, nids + 1, sizeof(int64_t),
				 VLS_RLIST_MAX);
		if (err)
			goto out;
		ids[nids++] = sqlite3_column_int64(st, 0);
	}
	err = rc == SQLITE_DONE ? 0 : __vls_store_error(c->ctx, db->sql, rc, "listing runs");
	if (!err && !nids)
		err = __vls_error(c->ctx, VLS_ENOTFOUND, "no runs in the DB");
	if (!err)
		err = __vls_report_load(&rep, db, ids, nids,
					&(struct vls_rload_opts){ .sections = VLS_REPORT_FAULTS });
	cap = 0;
	for (size_t i = 0; !err && i < rep->nruns; i++)
		if (!find_cell(c, &cap, &rep->runs[i]))
			err = VLS_ENOMEM;
	if (!err) {
		tmp = __vls_calloc(c->ctx, nids, sizeof(double));
		idx = __vls_calloc(c->ctx, nids, sizeof(size_t));
		if (!tmp || !idx)
			err = __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
	}
	for (size_t i = 0; !err && i < c->ncells; i++)
		fill_cell(&c->cells[i], rep, idx, tmp);
	if (!err)
		err = set_rows(c);
out:
	sqlite3_finalize(st);
	__vls_report_free(rep);
	__vls_free(c->ctx, ids);
	__vls_free(c->ctx, tmp);
	__vls_free(c->ctx, idx);
	return err;
}

int __vls_compare_build(struct vls_compare **out, vls_db *db,
			const vls_compare_opts *opts)
{
	struct vls_compare *c;
	int err;

	*out = NULL;
	if (!opts || opts->version < 1 || opts->version > VLS_COMPARE_OPTS_VERSION)
		return __vls_error(db->ctx, VLS_EINVAL, "compare options version %u, "
				   "expected 1 to %u", opts ? opts->version : 0,
				   VLS_COMPARE_OPTS_VERSION);
	if (opts->version >= 2 &&
	    (!isfinite(opts->threshold_pct) || opts->threshold_pct < 0))
		return __vls_error(db->ctx, VLS_EINVAL, "threshold %g%%: wants a "
				   "finite percentage >= 0", opts->threshold_pct);
	if (!opts->matrix && (!opts->groups || opts->ngroups < 1))
		return __vls_error(db->ctx, VLS_EINVAL, "nothing to compare: "
				   "give at least one run or label");
	c = __vls_calloc(db->ctx, 1, sizeof(*c));
	if (!c)
		return __vls_error(db->ctx, VLS_ENOMEM, "out of memory");
	c->ctx = db->ctx;
	c->matrix = opts->matrix != 0;
	/* version 1 ends before threshold_pct: do not read past it */
	c->threshold_pct = opts->version >= 2 ? opts->threshold_pct :
			   VLS_COMPARE_THRESHOLD_DEFAULT;
	c->show_ci = opts->version >= 2 && opts->ci;
	err = c->matrix ? build_matrix(c, db) : build_groups(c, db, opts);
	if (err) {
		__vls_compare_free(c);
		return err;
	}
	*out = c;
	return 0;
}

void __vls_compare_free(struct vls_compare *c)
{
	if (!c)
		return;
	for (size_t g = 0; g < c->ngroups; g++) {
		__vls_free(c->ctx, c->groups[g].name);
		__vls_free(c->ctx, c->groups[g].run_ids);
		__vls_free(c->ctx, c->groups[g].kernel);
		__vls_free(c->ctx, c->groups[g].arch);
		__vls_free(c->ctx, c->groups[g].label);
		__vls_free(c->ctx, c->groups[g].procs);
	}
	for (size_t p = 0; p < c->nprocs; p++)
		__vls_free(c->ctx, c->procs[p]);
	for (size_t i = 0; i < c->ncells; i++) {
		__vls_free(c->ctx, c->cells[i].kernel);
		__vls_free(c->ctx, c->cells[i].row);
		__vls_free(c->ctx, c->cells[i].arch);
	}
	__vls_free(c->ctx, c->groups);
	__vls_free(c->ctx, c->procs);
	__vls_free(c->ctx, c->cells);
	__vls_free(c->ctx, c);
}

static int compare(char **out, vls_db *db, const vls_compare_opts *opts,
		   bool json)
{
	struct vls_compare *c = NULL;
	int err;

	if (!db)
		return VLS_EINVAL;
	if (!out)
		return __vls_error(db->ctx, VLS_EINVAL, "no output");
	*out = NULL;
	err = __vls_compare_build(&c, db, opts);
	if (!err)
		err = json ? __vls_compare_render_json(out, c) :
			     __vls_compare_render_text(out, c);
	__vls_compare_free(c);
	return err;
}

int vls_compare_json(char **out, vls_db *db, const vls_compare_opts *opts)
{
	return compare(out, db, opts, true);
}

int vls_compare_text(char **out, vls_db *db, const vls_compare_opts *opts)
{
	return compare(out, db, opts, false);
}
