/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-csv.c - one table of the report as CSV (RFC 4180, a header
 * line): per process, per thread or per call site, one row per run and
 * item. Times in ns, rates 0..1, an unknown figure is an empty field.
 */
#include <inttypes.h>
#include <string.h>

#include "util-buf.h"
#include "report.h"

static void put_str(struct vls_buf *b, const char *s)
{
	if (!s)
		s = "";
	__vls_buf_add(b, ",", 1);
	if (!strpbrk(s, ",\"\r\n")) {
		__vls_buf_puts(b, s);
		return;
	}
	__vls_buf_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			__vls_buf_add(b, "\"", 1);
		__vls_buf_add(b, s, 1);
	}
	__vls_buf_add(b, "\"", 1);
}

static void put_int(struct vls_buf *b, int64_t v)
{
	if (v == VLS_RNULL)
		__vls_buf_add(b, ",", 1);
	else
		__vls_buf_printf(b, ",%" PRId64, v);
}

static void head_faults(struct vls_buf *b)
{
	__vls_buf_puts(b, ",faults,kernel_faults,fallback_faults,"
		       "user_fallback_rate,fallback_rate");
	for (int i = 0; i < VLS_FR__COUNT; i++)
		__vls_buf_printf(b, ",%s", __vls_fault_reason_names[i]);
	__vls_buf_puts(b, ",behind_writer,refaults");
}

static void head_locks(struct vls_buf *b)
{
	static const char *const modes[] = { "read", "write" };

	for (int m = 0; m < 2; m++)
		__vls_buf_printf(b, ",%1$s_acquisitions,%1$s_contended,"
				 "%1$s_trylock_fails,%1$s_wait_count,%1$s_wait_sum_ns,"
				 "%1$s_wait_max_ns,%1$s_wait_p50_ns,%1$s_wait_p99_ns,"
				 "%1$s_hold_sum_ns,%1$s_hold_max_ns,%1$s_hold_p50_ns,"
				 "%1$s_hold_p99_ns", modes[m]);
}

static void put_rate(struct vls_buf *b, double rate)
{
	if (rate < 0)
		__vls_buf_add(b, ",", 1);
	else
		__vls_buf_printf(b, ",%.6f", rate);
}

static void row_faults(struct vls_buf *b, const struct vls_rfaults *f)
{
	put_int(b, f->total);
	put_int(b, f->kernel);
	put_int(b, f->fallback);
	put_rate(b, __vls_rfaults_user_rate(f));
	put_rate(b, __vls_rfaults_rate(f));
	for (int i = 0; i < VLS_FR__COUNT; i++)
		put_int(b, f->by_reason[i]);
	put_int(b, f->behind_writer);
	put_int(b, f->refaults);
}

static void row_locks(struct vls_buf *b, const struct vls_rstats lock[2])
{
	for (int m = 0; m < 2; m++) {
		const struct vls_rstats *s = &lock[m];
		int64_t v[12] = { s->acquisitions, s->contended, s->trylock_fails,
				  s->wait.count, s->wait.sum, s->wait.max, s->wait.p50,
				  s->wait.p99, s->hold.sum, s->hold.max, s->hold.p50,
				  s->hold.p99 };

		for (int i = 0; i < 12; i++)
			put_int(b, s->known ? v[i] : VLS_RNULL);
	}
}

static void rows_tasks(struct vls_buf *b, const struct vls_rrun *run,
		       const struct vls_rtask *t, size_t n, bool thread)
{
	for (size_t i = 0; i < n; i++) {
		__vls_buf_printf(b, "%" PRId64, run->id);
		put_str(b, run->label);
		put_int(b, t[i].pid);
		if (thread)
			put_int(b, t[i].tid);
		put_str(b, t[i].comm);
		row_faults(b, &t[i].f);
		row_locks(b, t[i].lock);
		__vls_buf_puts(b, "\r\n");
		__vls_buf_cut(b);
	}
}

static void rows_sites(struct vls_buf *b, const struct vls_rrun *run)
{
	for (size_t i = 0; i < run->nsites; i++) {
		__vls_buf_printf(b, "%" PRId64, run->id);
		put_str(b, run->label);
		put_str(b, run->sites[i].name);
		row_locks(b, run->sites[i].lock);
		__vls_buf_puts(b, "\r\n");
		__vls_buf_cut(b);
	}
}

int __vls_report_render_csv(const struct vls_out *out, const struct vls_report *r,
			    vls_report_by by)
{
	struct vls_buf b;

	__vls_buf_init(&b, r->ctx, 0);
	__vls_buf_to(&b, out);
	b.escape_ctl = true;
	__vls_buf_puts(&b, "run_id,label");
	if (by == VLS_BY_CALLSITE) {
		__vls_buf_puts(&b, ",callsite");
	} else {
		__vls_buf_puts(&b, by == VLS_BY_THREAD ? ",pid,tid,comm" : ",pid,comm");
		head_faults(&b);
	}
	head_locks(&b);
	__vls_buf_puts(&b, "\r\n");
	for (size_t i = 0; i < r->nruns; i++) {
		const struct vls_rrun *run = &r->runs[i];

		if (by == VLS_BY_CALLSITE)
			rows_sites(&b, run);
		else if (by == VLS_BY_THREAD)
			rows_tasks(&b, run, run->tasks, run->ntasks, true);
		else
			rows_tasks(&b, run, run->procs, run->nprocs, false);
	}
	return __vls_buf_finish(&b, out->text);
}
