/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-json.c - the report as the versioned JSON contract
 * (docs/report-json.md). Every name of the contract is always written;
 * a figure the run cannot support is null.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util-json.h"
#include "report.h"

/* VLS_REPORT_JSON_VERSION (vmlockstat.h) 2: nested left by_reason (it is
 * no fallback) for faults.nested; 3: kernel-mode faults apart, the
 * user-fault fallback rate first; 4: a histogram is null without the
 * capability time */

#define J_INT(j, k, v) \
	((v) == VLS_RNULL ? __vls_json_null(j, k) : __vls_json_int(j, k, v))

static void put_dist(struct vls_json *j, const char *key, const struct vls_rdist *d)
{
	__vls_json_obj(j, key);
	J_INT(j, "count", d->count);
	J_INT(j, "sum", d->sum);
	J_INT(j, "max", d->max);
	J_INT(j, "p50", d->p50);
	J_INT(j, "p99", d->p99);
	__vls_json_obj_end(j);
}

static void put_stats(struct vls_json *j, const char *key, const struct vls_rstats *s)
{
	if (!s->known) {
		__vls_json_null(j, key);
		return;
	}
	__vls_json_obj(j, key);
	J_INT(j, "acquisitions", s->acquisitions);
	J_INT(j, "contended", s->contended);
	J_INT(j, "trylock_fails", s->trylock_fails);
	put_dist(j, "wait_ns", &s->wait);
	put_dist(j, "hold_ns", &s->hold);
	if (s->untimed) {
		__vls_json_null(j, "histogram");
		__vls_json_obj_end(j);
		return;
	}
	__vls_json_obj(j, "histogram");
	__vls_json_str(j, "scale", "log2_ns");
	__vls_json_str(j, "of", "wait_ns");
	__vls_json_arr(j, "buckets");
	for (unsigned int i = 0; i < s->nhist; i++)
		__vls_json_int(j, NULL, s->hist[i]);
	__vls_json_arr_end(j);
	__vls_json_obj_end(j);
	__vls_json_obj_end(j);
}

static void put_locks(struct vls_json *j, const struct vls_rstats lock[2])
{
	__vls_json_obj(j, "mmap_lock");
	put_stats(j, "read", &lock[0]);
	put_stats(j, "write", &lock[1]);
	__vls_json_obj_end(j);
}

static void put_rate(struct vls_json *j, const char *key, double rate)
{
	if (rate < 0)
		__vls_json_null(j, key);
	else
		__vls_json_double(j, key, rate);
}


/* The fallback reasons (they add up to fallback), then nested apart. */
static void put_reasons(struct vls_json *j, const struct vls_rfaults *f)
{
	__vls_json_obj(j, "by_reason");
	for (int i = 0; i < VLS_FR__FALLBACKS; i++)
		J_INT(j, __vls_fault_reason_names[i], f->by_reason[i]);
	__vls_json_obj_end(j);
	J_INT(j, "nested", f->by_reason[VLS_FR_NESTED]);
}

static const char *const chain_names[VLS_RCHAIN_MAX] = { "1", "2", "3", "4+" };

static void put_run_faults(struct vls_json *j, const struct vls_rrun *run)
{
	const struct vls_rfaults *f = &run->f;

	__vls_json_obj(j, "faults");
	J_INT(j, "total", f->total);
	__vls_json_str(j, "total_source", run->fault_source);
	J_INT(j, "user_faults", __vls_rfaults_user(f));
	J_INT(j, "user_fallback", __vls_rfaults_user_fallback(f));
	put_rate(j, "user_fallback_rate", __vls_rfaults_user_rate(f));
	J_INT(j, "kernel_faults", f->kernel);
	J_INT(j, "fallback", f->fallback);
	put_rate(j, "fallback_rate", __vls_rfaults_rate(f));
	put_reasons(j, f);
	J_INT(j, "behind_writer", f->behind_writer);
	J_INT(j, "refaults", f->refaults);
	__vls_json_str(j, "episode_method", run->episode_method);
	__vls_json_obj(j, "retry_chains");
	for (int i = 0; i < VLS_RCHAIN_MAX; i++)
		J_INT(j, chain_names[i], f->chain[i]);
	__vls_json_obj_end(j);
	put_dist(j, "io_wait_ns", &f->io_wait);
	__vls_json_obj(j, "vmstat");
	for (int i = 0; i < VLS_VM__COUNT; i++)
		J_INT(j, __vls_vmstat_names[i], run->vmstat[i]);
	__vls_json_obj_end(j);
	__vls_json_obj_end(j);
}

/* The mm as the trace showed it (hashed in tracefs text), hex. */
static void put_mm(struct vls_json *j, int64_t mm)
{
	char hex[24];

	if (mm == VLS_RNULL) {
		__vls_json_null(j, "mm");
		return;
	}
	snprintf(hex, sizeof(hex), "%016" PRIx64, (uint64_t)mm);
	__vls_json_str(j, "mm", hex);
}

/* A task or a process: the same figures, flattened as the contract says. */
static void put_task(struct vls_json *j, const struct vls_rtask *t,
		     unsigned int sections)
{
	__vls_json_obj(j, NULL);
	if (t->tid >= 0)
		__vls_json_int(j, "tid", t->tid);
	J_INT(j, "pid", t->pid);
	__vls_json_str(j, "comm", t->comm);
	if (t->tid >= 0) {
		J_INT(j, "prio", t->prio);
	} else {
		J_INT(j, "threads", t->nthreads);
		put_mm(j, t->mm);
		/* which process of that mm_struct, when it was reused */
		J_INT(j, "mm_gen", t->mm == VLS_RNULL ? VLS_RNULL : t->mm_gen);
	}
	if (sections & VLS_REPORT_FAULTS) {
		J_INT(j, "faults", t->f.total);
		J_INT(j, "kernel_faults", t->f.kernel);
		put_rate(j, "user_fallback_rate", __vls_rfaults_user_rate(&t->f));
		J_INT(j, "fallback_faults", t->f.fallback);
		put_rate(j, "fallback_rate", __vls_rfaults_rate(&t->f));
		put_reasons(j, &t->f);
		J_INT(j, "behind_writer", t->f.behind_writer);
		J_INT(j, "refaults", t->f.refaults);
		J_INT(j, "ru_minflt", t->ru_minflt);
		J_INT(j, "ru_majflt", t->ru_majflt);
		if (t->tid >= 0)
			__vls_json_str(j, "workload_role", t->role);
	}
	if (sections & VLS_REPORT_LOCKS)
		put_locks(j, t->lock);
	__vls_json_obj_end(j);
}

static void put_tasks(struct vls_json *j, const char *key,
		      const struct vls_rtask *t, size_t n, unsigned int sections)
{
	__vls_json_arr(j, key);
	for (size_t i = 0; i < n; i++) {
		put_task(j, &t[i], sections);
		__vls_json_cut(j);
	}
	__vls_json_arr_end(j);
}

static void put_frames(struct vls_json *j, const char *frames)
{
	const char *p = frames, *nl;
	char tmp[256];

	__vls_json_arr(j, "frames");
	while (p && *p) {
		size_t n;

		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(tmp))
			n = sizeof(tmp) - 1;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		__vls_json_str(j, NULL, tmp);
		p = nl ? nl + 1 : NULL;
	}
	__vls_json_arr_end(j);
}

static void put_sites(struct vls_json *j, const struct vls_rrun *run)
{
	__vls_json_arr(j, "callsites");
	for (size_t i = 0; i < run->nsites; i++) {
		__vls_json_obj(j, NULL);
		__vls_json_str(j, "callsite", run->sites[i].name);
		put_frames(j, run->sites[i].frames);
		put_locks(j, run->sites[i].lock);
		__vls_json_obj_end(j);
		__vls_json_cut(j);
	}
	__vls_json_arr_end(j);
}

static void put_link(struct vls_json *j, const struct vls_rlink *l)
{
	__vls_json_obj(j, NULL);
	J_INT(j, "tid", l->tid);
	__vls_json_str(j, "comm", l->comm);
	J_INT(j, "prio", l->prio);
	__vls_json_str(j, "mode", l->write ? "write" : "read");
	J_INT(j, "held_ns", l->held_ns);
	J_INT(j, "asleep_ns", l->asleep_ns);
	__vls_json_str(j, "reason", l->reason);
	__vls_json_str(j, "callsite", l->site);
	J_INT(j, "depth", l->depth);
	J_INT(j, "parent", l->parent);
	__vls_json_obj_end(j);
}

static void put_chain(struct vls_json *j, const struct vls_rchain *c)
{
	__vls_json_obj(j, NULL);
	__vls_json_obj(j, "waiter");
	J_INT(j, "tid", c->tid);
	__vls_json_str(j, "comm", c->comm);
	J_INT(j, "prio", c->prio);
	__vls_json_str(j, "mode", c->write ? "write" : "read");
	J_INT(j, "wait_ns", c->wait_ns);
	__vls_json_str(j, "callsite", c->site);
	__vls_json_obj_end(j);
	__vls_json_arr(j, "links");
	for (size_t i = 0; i < c->nlinks; i++)
		put_link(j, &c->links[i]);
	__vls_json_arr_end(j);
	J_INT(j, "depth", c->depth);
	__vls_json_bool(j, "inversion", c->inversion);
	J_INT(j, "inverted_ns", c->inverted_ns);
	__vls_json_str(j, "text", c->line);
	__vls_json_obj_end(j);
}

static void put_run_head(struct vls_json *j, const struct vls_rrun *run)
{
	__vls_json_int(j, "id", run->id);
	__vls_json_str(j, "label", run->label);
	__vls_json_str(j, "kernel", run->kernel);
	__vls_json_str(j, "arch", run->arch);
	__vls_json_str(j, "source", run->source);
	__vls_json_str(j, "format", run->format);
	J_INT(j, "imported_at", run->imported_at);
	J_INT(j, "duration_ns", run->duration_ns);
	J_INT(j, "events", run->events);
	J_INT(j, "lost_events", run->lost_events);
	__vls_json_arr(j, "capabilities");
	for (size_t i = 0; i < run->ncaps; i++)
		__vls_json_str(j, NULL, run->caps[i]);
	__vls_json_arr_end(j);
	__vls_json_arr(j, "notes");
	for (size_t i = 0; i < run->nnotes; i++)
		__vls_json_str(j, NULL, run->notes[i]);
	__vls_json_arr_end(j);
	if (!run->workload) {
		__vls_json_null(j, "workload");
		return;
	}
	__vls_json_obj(j, "workload");
	__vls_json_str(j, "scenario", run->workload);
	__vls_json_str(j, "args", run->workload_args ? run->workload_args : "");
	__vls_json_obj_end(j);
}

static void put_run(struct vls_json *j, const struct vls_rrun *run,
		    unsigned int sections, uint64_t chain_min_ns)
{
	__vls_json_obj(j, NULL);
	put_run_head(j, run);
	if (sections & VLS_REPORT_FAULTS)
		put_run_faults(j, run);
	if (sections & VLS_REPORT_LOCKS)
		put_locks(j, run->lock);
	if (sections & VLS_REPORT_TASKS) {
		put_tasks(j, "tasks", run->tasks, run->ntasks, sections);
		put_tasks(j, "processes", run->procs, run->nprocs, sections);
	}
	if (sections & VLS_REPORT_CALLSITES)
		put_sites(j, run);
	if (sections & VLS_REPORT_CHAINS) {
		__vls_json_arr(j, "chains");
		for (size_t i = 0; i < run->nchains; i++) {
			put_chain(j, &run->chains[i]);
			__vls_json_cut(j);
		}
		__vls_json_arr_end(j);
		__vls_json_int(j, "chains_total", (int64_t)(run->nchains_total >
			       run->nchains ? run->nchains_total : run->nchains));
		__vls_json_int(j, "chain_min_ns", (int64_t)chain_min_ns);
		__vls_json_int(j, "chains_uncontended", (int64_t)run->nchains_uncontended);
		J_INT(j, "chain_threshold_ns", run->chain_threshold_ns);
	}
	__vls_json_obj_end(j);
}

int __vls_report_render_json(const struct vls_out *out, const struct vls_report *r,
			     unsigned int sections)
{
	struct vls_json j;

	__vls_json_init(&j, r->ctx, 0);
	__vls_buf_to(&j.buf, out);
	__vls_json_obj(&j, NULL);
	__vls_json_str(&j, "format", "vmlockstat-report");
	__vls_json_int(&j, "version", VLS_REPORT_JSON_VERSION);
	__vls_json_arr(&j, "runs");
	for (size_t i = 0; i < r->nruns; i++)
		put_run(&j, &r->runs[i], sections, r->chain_min_ns);
	__vls_json_arr_end(&j);
	__vls_json_obj_end(&j);
	return __vls_json_finish(&j, out->text);
}
