/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-text.c - the report for a terminal: a header per run, the fault
 * table and the mmap_lock table in the manner of `perf lock contention`
 * (one column per figure, aligned, units scaled), the worst chains.
 * Figures the run cannot support print as "-" and the header says why.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "util-fmt.h"
#include "util-table.h"

const char *__vls_rfmt_ns(char *buf, size_t size, int64_t ns)
{
	if (ns == VLS_RNULL)
		snprintf(buf, size, "-");
	else if (ns < 0)
		snprintf(buf, size, "%" PRId64 " ns", ns);
	else
		__vls_fmt_ns(buf, size, (uint64_t)ns, 2);
	return buf;
}

static const char *fmt_int(char *buf, size_t size, int64_t v)
{
	if (v == VLS_RNULL)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%" PRId64, v);
	return buf;
}

static const char *fmt_rate(char *buf, size_t size, double r)
{
	if (r < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f%%", r * 100.0);
	return buf;
}

static void put_header(struct vls_buf *b, const struct vls_rrun *run)
{
	char when[32] = "?";
	time_t t = (time_t)run->imported_at;
	struct tm tm;

	if (run->imported_at != VLS_RNULL && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	__vls_buf_printf(b, "run %" PRId64 ": %s\n", run->id, run->label);
	__vls_buf_printf(b, "  kernel        %s\n", run->kernel ? run->kernel : "unknown");
	__vls_buf_printf(b, "  arch          %s\n", run->arch ? run->arch : "unknown");
	__vls_buf_printf(b, "  source        %s (%s), imported %s\n", run->source,
			 run->format, when);
	__vls_buf_printf(b, "  events        %" PRId64 "\n", run->events);
	if (run->lost_events == VLS_RNULL)
		__vls_buf_puts(b, "  lost events   unknown (the input does not say)\n");
	else
		__vls_buf_printf(b, "  lost events   %" PRId64 "\n", run->lost_events);
	__vls_buf_puts(b, "  capabilities ");
	for (size_t i = 0; i < run->ncaps; i++)
		__vls_buf_printf(b, " %s", run->caps[i]);
	__vls_buf_puts(b, run->ncaps ? "\n" : " none\n");
	for (size_t i = 0; i < run->nnotes; i++)
		__vls_buf_printf(b, "  note: %s\n", run->notes[i]);
}

/* Retry chains, I/O wait inside episodes, the kernel's own counters. */
static void put_fault_extras(struct vls_buf *b, const struct vls_rrun *run)
{
	static const char *const chains[VLS_RCHAIN_MAX] = { "1", "2", "3", "4+" };
	const struct vls_rfaults *f = &run->f;
	char n[24], p50[24], p99[24], mx[24];
	bool any = false;

	if (f->chain[0] != VLS_RNULL) {
		__vls_buf_puts(b, "  retry chains (attempts per fault episode):");
		for (int i = 0; i < VLS_RCHAIN_MAX; i++)
			__vls_buf_printf(b, " %s: %s%s", chains[i],
					 fmt_int(n, sizeof(n), f->chain[i]),
					 i + 1 < VLS_RCHAIN_MAX ? "," : "\n");
	}
	if (f->io_wait.count != VLS_RNULL && f->io_wait.count > 0)
		__vls_buf_printf(b, "  episodes asleep on I/O: %" PRId64 ", total %s, "
				 "p50 %s, p99 %s, max %s\n", f->io_wait.count,
				 __vls_rfmt_ns(n, sizeof(n), f->io_wait.sum),
				 __vls_rfmt_ns(p50, sizeof(p50), f->io_wait.p50),
				 __vls_rfmt_ns(p99, sizeof(p99), f->io_wait.p99),
				 __vls_rfmt_ns(mx, sizeof(mx), f->io_wait.max));
	for (int i = 0; i < VLS_VM__COUNT; i++) {
		if (run->vmstat[i] == VLS_RNULL)
			continue;
		__vls_buf_printf(b, "%s %s %" PRId64, any ? "," :
				 "  kernel counters (vmstat after - before, whole system):",
				 __vls_vmstat_names[i], run->vmstat[i]);
		any = true;
	}
	if (any)
		__vls_buf_puts(b, "\n");
}

/* Why the user-fault fallback rate is unknown: the first figure missing. */
static const char *user_rate_why(const struct vls_rfaults *f)
{
	if (f->total == VLS_RNULL)
		return "the fault count is unknown";
	if (f->fallback == VLS_RNULL)
		return "fallbacks are unknown";
	if (f->kernel == VLS_RNULL)
		return "kernel-mode faults were not counted: no page_fault_kernel "
		       "and no stacks, or imported before schema 2";
	return "no user faults";
}

/* The headline: the per-VMA lock's own rate, over user faults. */
static void put_user_rate(struct vls_buf *b, const struct vls_rfaults *f)
{
	double rate = __vls_rfaults_user_rate(f);
	char r[24], n1[24], n2[24];

	if (rate < 0)
		__vls_buf_printf(b, "\nuser-fault fallback rate: unknown (%s)\n",
				 user_rate_why(f));
	else
		__vls_buf_printf(b, "\nuser-fault fallback rate: %s (%s of %s user "
				 "faults fell back to mmap_lock)\n",
				 fmt_rate(r, sizeof(r), rate),
				 fmt_int(n1, sizeof(n1), __vls_rfaults_user_fallback(f)),
				 fmt_int(n2, sizeof(n2), __vls_rfaults_user(f)));
	if (f->kernel == VLS_RNULL)
		__vls_buf_puts(b, "  kernel-mode faults: unknown\n");
	else
		__vls_buf_printf(b, "  kernel-mode faults: %" PRId64 ", %s took mmap_lock "
				 "(uaccess: they never try the per-VMA lock)\n",
				 f->kernel, fmt_int(n1, sizeof(n1),
						    f->by_reason[VLS_FR_KERNEL_MODE]));
}

static void put_fault_summary(struct vls_buf *b, const struct vls_rrun *run)
{
	const struct vls_rfaults *f = &run->f;
	char n1[24], n2[24], r[24];

	if (f->total == VLS_RNULL && f->fallback == VLS_RNULL) {
		__vls_buf_puts(b, "\npage faults: unknown (see the notes above)\n");
		return;
	}
	put_user_rate(b, f);
	if (f->total == VLS_RNULL)
		__vls_buf_puts(b, "  all faults: count unknown");
	else
		__vls_buf_printf(b, "  all faults: %" PRId64 " (counted from %s)", f->total,
				 run->fault_source ? run->fault_source : "?");
	__vls_buf_printf(b, ", %s fell back to mmap_lock (rate %s)\n",
			 fmt_int(n2, sizeof(n2), f->fallback),
			 f->total == VLS_RNULL ? "unknown" :
			 fmt_rate(r, sizeof(r), __vls_rfaults_rate(f)));
	__vls_buf_puts(b, "  by reason:");
	for (int i = 0; i < VLS_FR__FALLBACKS; i++)
		__vls_buf_printf(b, " %s %s%s", __vls_fault_reason_names[i],
				 fmt_int(n1, sizeof(n1), f->by_reason[i]),
				 i + 1 < VLS_FR__FALLBACKS ? "," : "\n");
	__vls_buf_printf(b, "  nested (mmap_lock inside a fault the VMA lock "
			 "handled, no fallback): %s\n",
			 fmt_int(n1, sizeof(n1), f->by_reason[VLS_FR_NESTED]));
	__vls_buf_printf(b, "  behind a writer: %s, refaults: %s\n",
			 fmt_int(n1, sizeof(n1), f->behind_writer),
			 fmt_int(n2, sizeof(n2), f->refaults));
	put_fault_extras(b, run);
}

#define REASON_HEAD(e, name) name,
static const char *const fault_heads[] = {
	"faults", "kernel", "fallback", "user rate", VLS_FAULT_REASONS(REASON_HEAD)
	"behind_writer", "refaults", "pid", "tid", "comm",
};
static const char *const fault_heads_proc[] = {
	"faults", "kernel", "fallback", "user rate", VLS_FAULT_REASONS(REASON_HEAD)
	"behind_writer", "refaults", "threads", "pid", "process",
};
#undef REASON_HEAD

/* A process without a known pid (tracefs text without tgids) is named by
 * its mm, the only thing that tells two of the same comm apart. */
static const char *proc_name(char *buf, size_t size, const struct vls_rtask *k)
{
	if (k->pid != VLS_RNULL || k->mm == VLS_RNULL)
		snprintf(buf, size, "%s", k->comm ? k->comm : "?");
	else if (k->mm_gen <= 0)
		snprintf(buf, size, "%s [mm %08" PRIx64 "]", k->comm ? k->comm : "?",
			 (uint64_t)k->mm & 0xffffffffu);
	else              /* a later process of a reused mm_struct */
		snprintf(buf, size, "%s [mm %08" PRIx64 ".%" PRId64 "]",
			 k->comm ? k->comm : "?", (uint64_t)k->mm & 0xffffffffu,
			 k->mm_gen);
	return buf;
}

static void fault_row(struct vls_table *t, const struct vls_rtask *k)
{
	char n[24], name[64];

	__vls_table_row(t);
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->f.total));
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->f.kernel));
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->f.fallback));
	__vls_table_cell(t, "%s", fmt_rate(n, sizeof(n), __vls_rfaults_user_rate(&k->f)));
	for (int i = 0; i < VLS_FR__COUNT; i++)
		__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->f.by_reason[i]));
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->f.behind_writer));
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->f.refaults));
	if (k->tid < 0) {
		__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->nthreads));
		__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->pid));
		__vls_table_cell(t, "%s", proc_name(name, sizeof(name), k));
		return;
	}
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->pid));
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), k->tid));
	__vls_table_cell(t, "%s", k->comm ? k->comm : "");
}

static void put_fault_table(struct vls_buf *b, vls_ctx *ctx, const char *what,
			    const struct vls_rtask *k, size_t n)
{
	struct vls_table t;

	if (!n)
		return;
	__vls_buf_printf(b, "\n  faults per %s:\n", what);
	__vls_table_init(&t, ctx, "rrrrrrrrrrrrrl",
			 n && k[0].tid < 0 ? fault_heads_proc : fault_heads);
	for (size_t i = 0; i < n; i++)
		if (k[i].f.total != VLS_RNULL || k[i].f.fallback != VLS_RNULL)
			fault_row(&t, &k[i]);
	__vls_table_render(&t, b, 2);
}

/* The kernel's own counts (getrusage of the scenario's threads) beside
 * the trace's, for the threads of a `record --scenario` run. */
static void put_workload(struct vls_buf *b, vls_ctx *ctx, const struct vls_rrun *run)
{
	const char *const heads[] = {
		"ru_minflt", "ru_majflt", "faults", "fallback",
		__vls_fault_reason_names[VLS_FR_IO_RETRY],
		__vls_fault_reason_names[VLS_FR_NO_IO],
		"behind_writer", "refaults", "tid", "role",
	};
	struct vls_table t;
	char n[24];
	size_t with = 0;

	for (size_t i = 0; run->workload && i < run->ntasks; i++)
		with += run->tasks[i].ru_majflt != VLS_RNULL ||
			run->tasks[i].ru_minflt != VLS_RNULL;
	if (!with)
		return;
	__vls_buf_printf(b, "\nworkload %s%s%s: getrusage(RUSAGE_THREAD) of its threads "
			 "(their measured loop) beside the trace (the whole thread):\n",
			 run->workload, run->workload_args && *run->workload_args ? " " : "",
			 run->workload_args ? run->workload_args : "");
	__vls_table_init(&t, ctx, "rrrrrrrrrl", heads);
	for (size_t i = 0; i < run->ntasks; i++) {
		const struct vls_rtask *k = &run->tasks[i];

		if (k->ru_minflt == VLS_RNULL && k->ru_majflt == VLS_RNULL)
			continue;
		__vls_table_row(&t);
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n), k->ru_minflt));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n), k->ru_majflt));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n), k->f.total));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n), k->f.fallback));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n),
						   k->f.by_reason[VLS_FR_IO_RETRY]));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n),
						   k->f.by_reason[VLS_FR_NO_IO]));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n), k->f.behind_writer));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n), k->f.refaults));
		__vls_table_cell(&t, "%s", fmt_int(n, sizeof(n), k->tid));
		__vls_table_cell(&t, "%s", k->role ? k->role : "");
	}
	__vls_table_render(&t, b, 2);
}

static const char *const lock_heads[] = {
	"acquired", "contended", "total wait", "max wait", "avg wait", "p99 wait",
	"total hold", "max hold", "p99 hold", "mode", "pid", "tid", "name",
};

/* Cells of one mode of a row; who: the pid/tid/name cells of the view. */
static void lock_row(struct vls_table *t, const struct vls_rstats *s, int mode,
		     const char *pid, const char *tid, const char *name)
{
	char n[24];

	if (!s->known || (!s->acquisitions && !s->trylock_fails))
		return;
	__vls_table_row(t);
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), s->acquisitions));
	__vls_table_cell(t, "%s", fmt_int(n, sizeof(n), s->contended));
	__vls_table_cell(t, "%s", __vls_rfmt_ns(n, sizeof(n), s->wait.sum));
	__vls_table_cell(t, "%s", __vls_rfmt_ns(n, sizeof(n), s->wait.max));
	__vls_table_cell(t, "%s", __vls_rfmt_ns(n, sizeof(n), __vls_rdist_mean(&s->wait)));
	__vls_table_cell(t, "%s", __vls_rfmt_ns(n, sizeof(n), s->wait.p99));
	__vls_table_cell(t, "%s", __vls_rfmt_ns(n, sizeof(n), s->hold.sum));
	__vls_table_cell(t, "%s", __vls_rfmt_ns(n, sizeof(n), s->hold.max));
	__vls_table_cell(t, "%s", __vls_rfmt_ns(n, sizeof(n), s->hold.p99));
	__vls_table_cell(t, "%s", mode ? "write" : "read");
	if (pid)
		__vls_table_cell(t, "%s", pid);
	if (tid)
		__vls_table_cell(t, "%s", tid);
	__vls_table_cell(t, "%s", name);
}

static void lock_rows_tasks(struct vls_table *t, const struct vls_rtask *k,
			    size_t n, bool thread)
{
	char pid[24], tid[24], name[64];

	for (size_t i = 0; i < n; i++) {
		fmt_int(pid, sizeof(pid), k[i].pid);
		fmt_int(tid, sizeof(tid), k[i].tid);
		if (thread)
			snprintf(name, sizeof(name), "%s", k[i].comm ? k[i].comm : "?");
		else
			proc_name(name, sizeof(name), &k[i]);
		for (int m = 0; m < 2; m++)
			lock_row(t, &k[i].lock[m], m, pid, thread ? tid : NULL, name);
	}
}

static void put_lock_tables(struct vls_buf *b, vls_ctx *ctx,
			    const struct vls_rrun *run, vls_report_by by)
{
	static const char *const site_heads[] = {
		"acquired", "contended", "total wait", "max wait", "avg wait",
		"p99 wait", "total hold", "max hold", "p99 hold", "mode", "call site",
	};
	static const char *const proc_heads[] = {
		"acquired", "contended", "total wait", "max wait", "avg wait",
		"p99 wait", "total hold", "max hold", "p99 hold", "mode", "pid",
		"process",
	};
	bool thread = by == VLS_BY_THREAD, site = by == VLS_BY_CALLSITE;
	const char *none = site ? NULL : "";
	struct vls_table t;

	__vls_buf_printf(b, "\nmmap_lock per %s (every acquisition the tracepoints "
			 "saw, contended or not):\n", thread ? "thread" : site ?
			 "call site" : "process");
	__vls_table_init(&t, ctx, site ? "rrrrrrrrrll" : thread ? "rrrrrrrrrlrrl" :
			 "rrrrrrrrrlrl", site ? site_heads : thread ? lock_heads :
			 proc_heads);
	for (int m = 0; m < 2; m++)
		lock_row(&t, &run->lock[m], m, none, thread ? "" : NULL, "(whole run)");
	if (site) {
		for (size_t i = 0; i < run->nsites; i++)
			for (int m = 0; m < 2; m++)
				lock_row(&t, &run->sites[i].lock[m], m, NULL, NULL,
					 run->sites[i].name);
	} else {
		lock_rows_tasks(&t, thread ? run->tasks : run->procs,
				thread ? run->ntasks : run->nprocs, thread);
	}
	__vls_table_render(&t, b, 2);
}

/* The run's wait distribution, one line per non-empty log2 bucket. */
static void put_histogram(struct vls_buf *b, const struct vls_rstats *s,
			  const char *mode)
{
	int64_t peak = 0;
	char lo[24], hi[24];

	if (!s->known || !s->nhist)
		return;
	for (unsigned int i = 0; i < s->nhist; i++)
		if (s->hist[i] > peak)
			peak = s->hist[i];
	__vls_buf_printf(b, "\n  %s wait histogram:\n", mode);
	for (unsigned int i = 0; i < s->nhist; i++) {
		int bar = peak ? (int)(s->hist[i] * 40 / peak) : 0;

		if (!s->hist[i])
			continue;
		__vls_rfmt_ns(lo, sizeof(lo), i ? (int64_t)1 << i : 0);
		__vls_rfmt_ns(hi, sizeof(hi), (int64_t)1 << (i + 1));
		__vls_buf_printf(b, "    %10s .. %-10s %8" PRId64 " |", lo, hi,
				 s->hist[i]);
		__vls_buf_pad(b, '#', (size_t)(bar ? bar : 1));
		__vls_buf_puts(b, "\n");
	}
}

/* Why there are no more chains than shown: the thresholds. */
static void put_chain_limits(struct vls_buf *b, const struct vls_rrun *run,
			     uint64_t min)
{
	char t[24];

	if (run->nchains_uncontended)
		__vls_buf_printf(b, "  %zu uncontended wait%s of that length not chained: "
				 "a stacktrace trigger's cost, not contention\n",
				 run->nchains_uncontended,
				 run->nchains_uncontended == 1 ? "" : "s");
	if (run->chain_threshold_ns != VLS_RNULL &&
	    (uint64_t)run->chain_threshold_ns > min)
		__vls_buf_printf(b, "  (the import kept chains only for waits of %s "
				 "or more)\n", __vls_rfmt_ns(t, sizeof(t),
							   run->chain_threshold_ns));
}

static void put_chains(struct vls_buf *b, const struct vls_rrun *run,
		       uint64_t min, bool filtered)
{
	size_t n = run->nchains;
	char m[24];

	if (!__vls_rrun_has_cap(run, VLS_CAP_MMAP_LOCK))
		return;
	if (!__vls_rrun_has_cap(run, VLS_CAP_TIME)) {
		__vls_buf_puts(b, "\nwait-for chains: unknown (the timestamps are "
			       "counts, not time: no wait has a length)\n");
		return;
	}
	__vls_rfmt_ns(m, sizeof(m), (int64_t)min);
	if (!run->nchains) {
		__vls_buf_printf(b, "\nno wait-for chains: no contended mmap_lock wait "
				 "of %s or more (--chain-min)%s\n", m, filtered ?
				 " by a thread of --pid, --comm" : "");
		put_chain_limits(b, run, min);
		return;
	}
	__vls_buf_printf(b, "\nworst wait-for chains of contended waits of %s or more "
			 "(%zu of %zu, longest wait first):\n", m, n,
			 run->nchains_total > run->nchains ? run->nchains_total :
			 run->nchains);
	for (size_t i = 0; i < n; i++)
		__vls_buf_printf(b, "  %s\n", run->chains[i].line ? run->chains[i].line : "?");
	put_chain_limits(b, run, min);
}

/* Rows --top left out of a table, and how to see them. */
static void put_left_out(struct vls_buf *b, const struct vls_rrun *run,
			 vls_report_by by, unsigned int top)
{
	bool thread = by == VLS_BY_THREAD;
	size_t shown = thread ? run->ntasks : run->nprocs;
	size_t total = thread ? run->ntasks_total : run->nprocs_total;

	if (by == VLS_BY_CALLSITE || total <= shown)
		return;
	__vls_buf_printf(b, "  (%zu more %s not shown: the worst %u are; --top 0 or "
			 "--all lists every one, --pid and --comm pick some)\n",
			 total - shown, thread ? "threads" : "processes", top);
}

/* The rows asked for with --pid, --comm: said before the tables. */
static void put_filters(struct vls_buf *b, const struct vls_report *r)
{
	char pid[32] = "";

	if (!r->pid && !r->comm)
		return;
	if (r->pid)
		snprintf(pid, sizeof(pid), "pid %" PRId64, r->pid);
	__vls_buf_printf(b, "\nrows of %s%s%s%s only (the figures above are of the "
			 "whole run)\n", pid, r->pid && r->comm ? ", " : "",
			 r->comm ? "comm " : "", r->comm ? r->comm : "");
}

static void put_run(struct vls_buf *b, vls_ctx *ctx, const struct vls_rrun *run,
		    unsigned int sections, vls_report_by by,
		    const struct vls_report *r)
{
	put_header(b, run);
	if (run->events == 0) {
		__vls_buf_puts(b, "\nthis run has no events: nothing to report\n");
		return;
	}
	if (sections & VLS_REPORT_FAULTS) {
		put_fault_summary(b, run);
		if (sections & VLS_REPORT_TASKS)
			put_filters(b, r);
		if ((sections & VLS_REPORT_TASKS) &&
		    (run->f.total != VLS_RNULL || run->f.fallback != VLS_RNULL)) {
			if (by == VLS_BY_THREAD)
				put_fault_table(b, ctx, "thread", run->tasks, run->ntasks);
			else
				put_fault_table(b, ctx, "process", run->procs, run->nprocs);
			put_left_out(b, run, by, r->top);
		}
		if (sections & VLS_REPORT_TASKS)
			put_workload(b, ctx, run);
	}
	if ((sections & VLS_REPORT_LOCKS) && __vls_rrun_has_cap(run, VLS_CAP_MMAP_LOCK)) {
		put_lock_tables(b, ctx, run, by);
		if (sections & VLS_REPORT_TASKS)
			put_left_out(b, run, by, r->top);
		put_histogram(b, &run->lock[0], "read");
		put_histogram(b, &run->lock[1], "write");
	}
	if (sections & VLS_REPORT_CHAINS)
		put_chains(b, run, r->chain_min_ns, r->pid || r->comm);
}

int __vls_report_render_text(const struct vls_out *out, const struct vls_report *r,
			     unsigned int sections, vls_report_by by)
{
	struct vls_buf b;

	__vls_buf_init(&b, r->ctx, 0);
	__vls_buf_to(&b, out);
	b.escape_ctl = true;
	for (size_t i = 0; i < r->nruns; i++) {
		if (i)
			__vls_buf_puts(&b, "\n");
		put_run(&b, r->ctx, &r->runs[i], sections, by, r);
	}
	if (!r->nruns)
		__vls_buf_puts(&b, "no runs\n");
	return __vls_buf_finish(&b, out->text);
}
