/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * truth.c - the ground-truth JSON a scenario prints at the end: one object
 * with the scenario, its parameters, per-thread getrusage(RUSAGE_THREAD)
 * fault counts and timings, and the /proc/vmstat delta over the run.
 * record/report and the live tests compare trace-derived numbers with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static void sep(struct wl_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		fputc('"', j->f);
		for (const char *p = key; *p; p++)
			fputc(*p, j->f);
		fputs("\":", j->f);
	}
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void wl_json_begin(struct wl_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void open_container(struct wl_json *j, const char *key, char c)
{
	sep(j, key);
	fputc(c, j->f);
	if (j->depth < (int)(sizeof(j->first) / sizeof(j->first[0])) - 1)
		j->depth++;
	j->first[j->depth] = true;
}

void wl_json_obj(struct wl_json *j, const char *key)
{
	open_container(j, key, '{');
}

void wl_json_arr(struct wl_json *j, const char *key)
{
	open_container(j, key, '[');
}

void wl_json_end_obj(struct wl_json *j)
{
	fputc('}', j->f);
	if (j->depth > 0)
		j->depth--;
}

void wl_json_end_arr(struct wl_json *j)
{
	fputc(']', j->f);
	if (j->depth > 0)
		j->depth--;
}

void wl_json_str(struct wl_json *j, const char *key, const char *val)
{
	sep(j, key);
	put_string(j->f, val ? val : "");
}

void wl_json_u64(struct wl_json *j, const char *key, unsigned long long val)
{
	sep(j, key);
	fprintf(j->f, "%llu", val);
}

void wl_json_i64(struct wl_json *j, const char *key, long long val)
{
	sep(j, key);
	fprintf(j->f, "%lld", val);
}

void wl_json_bool(struct wl_json *j, const char *key, bool val)
{
	sep(j, key);
	fputs(val ? "true" : "false", j->f);
}

void wl_json_dbl(struct wl_json *j, const char *key, double val)
{
	sep(j, key);
	fprintf(j->f, "%.6g", val);
}

void wl_json_null(struct wl_json *j, const char *key)
{
	sep(j, key);
	fputs("null", j->f);
}

static const char *role_name(enum wl_role r)
{
	static const char *const names[] = { "faulter", "writer", "forker", "reader" };

	return names[r];
}

static void write_thread(struct wl_json *j, const struct wl_thread *t)
{
	wl_json_obj(j, NULL);
	wl_json_i64(j, "tid", t->tid);
	wl_json_str(j, "role", role_name(t->role));
	wl_json_i64(j, "nice", t->nice);
	wl_json_str(j, "policy", t->policy ? t->policy : "SCHED_OTHER");
	if (t->rt_priority)
		wl_json_i64(j, "rt_priority", t->rt_priority);
	wl_json_i64(j, "ru_minflt", t->ru_minflt);
	wl_json_i64(j, "ru_majflt", t->ru_majflt);
	wl_json_u64(j, "iterations", t->iterations);
	wl_json_u64(j, "elapsed_ns", t->elapsed_ns);
	/* CLOCK_MONOTONIC window of the counts: matches tracefs trace_clock
	 * "mono", so a trace can be cut to exactly what rusage measured */
	wl_json_u64(j, "start_mono_ns", t->t0);
	wl_json_u64(j, "end_mono_ns", t->t0 + t->elapsed_ns);
	wl_json_u64(j, "pages", t->pages);
	if (t->err) {
		wl_json_str(j, "error", t->err_what);
		wl_json_str(j, "errno", strerror(t->err));
	}
	wl_json_end_obj(j);
}

static void write_vmstat(struct wl_json *j, const struct wl_result *r)
{
	struct wl_vmstat d;

	wl_vmstat_delta(&d, &r->before, &r->after);
	wl_json_obj(j, "vmstat_delta");
	for (int i = 0; i < d.n; i++)
		wl_json_u64(j, d.name[i], d.val[i]);
	wl_json_end_obj(j);
}

static void write_result(struct wl_json *j, const struct wl_result *r)
{
	wl_json_obj(j, NULL);
	wl_json_str(j, "scenario", r->scenario);
	wl_json_obj(j, "params");
	r->params_fn(j, r->args, r->priv);
	wl_json_end_obj(j);
	wl_json_i64(j, "pid", getpid());
	if (wl_signal)
		wl_json_i64(j, "interrupted_by_signal", wl_signal);
	wl_json_arr(j, "threads");
	for (unsigned i = 0; i < r->nthreads; i++)
		write_thread(j, &r->threads[i]);
	wl_json_end_arr(j);
	wl_json_u64(j, "elapsed_ns", r->elapsed_ns);
	write_vmstat(j, r);
	wl_json_end_obj(j);
	fputc('\n', j->f);
}

int wl_truth_write(const struct cli_cmd *cmd, const struct wl_result *r)
{
	FILE *f = stdout;
	struct wl_json j;
	int ret = 0;

	if (r->args->truth) {
		f = fopen(r->args->truth, "we");
		if (!f) {
			cli_err(cmd, "%s: %s", r->args->truth, strerror(errno));
			return -1;
		}
	}
	wl_json_begin(&j, f);
	write_result(&j, r);
	if (fflush(f) || ferror(f)) {
		cli_err(cmd, "%s: write error", r->args->truth ? r->args->truth : "stdout");
		ret = -1;
	}
	if (f != stdout && fclose(f))
		ret = -1;
	return ret;
}
