/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_import.c - vmlockstat import: each TRACE becomes one run in the DB.
 *
 * Each run is one transaction: a failure (or Ctrl-C) leaves no part of
 * that run; runs imported before it by the same command stay.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_DB = 1, OPT_LABEL, OPT_KERNEL, OPT_ARCH, OPT_FORMAT, OPT_STRICT,
       OPT_KEEP, OPT_VERBOSE };

static const struct cli_opt opts[] = {
	{ "db", 'd', "FILE", "the DB (default: $VMLOCKSTAT_DB or ./vmlockstat.db)",
	  OPT_DB },
	{ "label", 'l', "L", "label of the run(s) (default: the trace's file name)",
	  OPT_LABEL },
	{ "kernel", 0, "K", "kernel release, overriding what the trace says",
	  OPT_KERNEL },
	{ "arch", 0, "A", "architecture (x86_64, aarch64, ...), overriding the trace",
	  OPT_ARCH },
	{ "format", 'f', "F",
	  "auto, tracedat, ftrace, trace-cmd or atrace (default: auto)", OPT_FORMAT },
	{ "strict", 0, NULL, "fail on unparsable lines or records (default: count)",
	  OPT_STRICT },
	{ "keep-events", 0, NULL, "also store every raw event (table event; slow)",
	  OPT_KEEP },
	{ "verbose", 'v', NULL, "more messages", OPT_VERBOSE },
	{ 0 }
};

static const struct cli_cmd cmd = {
	"import", "[OPTIONS] TRACE...",
	"Import trace-cmd trace.dat or ftrace text traces into the DB, one run each.",
	opts,
};

/* Progress: redrawn every this many events, when stderr is a TTY. */
#define PROGRESS_EVERY 65536
#define BAR_WIDTH 30

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct import_job {
	vls_reader *reader;
	vls_import *imp;
	const char *path;
	uint64_t events;
	int feed_err;
	bool progress;
};

static void draw_progress(struct import_job *job)
{
	vls_reader_stats s;
	int pct, fill;

	vls_reader_get_stats(job->reader, &s);
	if (!s.bytes_total)
		return;
	pct = (int)(s.bytes_read * 100 / s.bytes_total);
	if (pct > 100)
		pct = 100;
	fill = pct * BAR_WIDTH / 100;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %" PRIu64 " events  %s", fill,
		"##############################", BAR_WIDTH - fill, "", pct,
		job->events, job->path);
	fflush(stderr);
}

static int on_event(const vls_event *ev, void *data)
{
	struct import_job *job = data;

	if (interrupted)
		return 1;
	job->feed_err = vls_import_feed(job->imp, ev);
	if (job->feed_err)
		return 1;
	if (++job->events % PROGRESS_EVERY == 0 && job->progress)
		draw_progress(job);
	return 0;
}

/* What the reader knows about the run, including its final counters. */
static int copy_reader_meta(struct import_job *job)
{
	vls_reader_stats s;
	const char *key, *value;
	char num[32];
	int ret = 0;

	for (size_t i = 0; !ret && !vls_reader_meta_at(job->reader, i, &key, &value);
	     i++)
		ret = vls_import_set_meta(job->imp, key, value);
	vls_reader_get_stats(job->reader, &s);
	snprintf(num, sizeof(num), "%" PRIu64, s.bad_records);
	if (!ret)
		ret = vls_import_set_meta(job->imp, "bad_records", num);
	snprintf(num, sizeof(num), "%" PRIu64, s.orphan_stacks);
	if (!ret)
		ret = vls_import_set_meta(job->imp, "orphan_stacks", num);
	snprintf(num, sizeof(num), "%" PRIu64, s.dup_stacks);
	if (!ret)
		ret = vls_import_set_meta(job->imp, "dup_stacks", num);
	return ret;
}

static void warn_bad_records(struct import_job *job)
{
	vls_reader_stats s;

	vls_reader_get_stats(job->reader, &s);
	if (s.bad_records)
		cli_err(&cmd, "%s: %" PRIu64 " unparsable lines or records skipped "
			"(--strict makes them fatal)", job->path, s.bad_records);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns the exit code: 0, 1, 2 or 130 (interrupted). */
static int import_one(vls_ctx *ctx, vls_db *db, const char *path,
		      const vls_reader_opts *ropts, const vls_import_opts *iopts)
{
	struct import_job job = { .path = path, .progress = isatty(2) };
	double t0 = now();
	const char *label = NULL;
	int64_t run_id = 0;
	int ret;

	ret = vls_reader_open(&job.reader, ctx, path, ropts);
	if (!ret)
		ret = vls_import_begin(&job.imp, db, iopts);
	if (!ret) {
		ret = vls_reader_read(job.reader, on_event, &job);
		if (job.progress && job.events >= PROGRESS_EVERY)
			fprintf(stderr, "\r\033[K");
		if (ret == VLS_ESTOPPED && job.feed_err)
			ret = job.feed_err;
	}
	if (!ret)
		ret = copy_reader_meta(&job);
	if (!ret)
		ret = vls_import_commit(&run_id, job.imp);
	if (ret == VLS_ESTOPPED && interrupted) {
		cli_err(&cmd, "%s: interrupted: nothing of this run was stored", path);
		ret = 130;
	} else if (ret) {
		ret = cli_fail(&cmd, ctx, ret, "import failed");
	} else {
		warn_bad_records(&job);
	}
	vls_import_free(job.imp);
	vls_reader_close(job.reader);
	if (ret)
		return ret;
	if (vls_db_run_meta(&label, db, run_id, "label"))
		label = path;
	printf("run %" PRId64 ": %s: %" PRIu64 " events in %.2f s\n", run_id,
	       label, job.events, now() - t0);
	fflush(stdout);
	return 0;
}

struct import_args {
	const char *db;
	bool verbose;
	vls_reader_opts ropts;
	vls_import_opts iopts;
};

/* 0: go on; -1: help was printed; otherwise the exit code. */
static int parse_args(struct cli_parser *p, struct import_args *a)
{
	int id;

	while ((id = cli_next(p)) > 0 && id != 'h') {
		switch (id) {
		case OPT_DB: a->db = p->optarg; break;
		case OPT_LABEL: a->iopts.label = p->optarg; break;
		case OPT_KERNEL: a->iopts.kernel = p->optarg; break;
		case OPT_ARCH: a->iopts.arch = p->optarg; break;
		case OPT_STRICT: a->ropts.strict = 1; break;
		case OPT_KEEP: a->iopts.keep_events = 1; break;
		case OPT_VERBOSE: a->verbose = true; break;
		case OPT_FORMAT:
			if (vls_format_parse(&a->ropts.format, p->optarg))
				return cli_usage(&cmd, "unknown format '%s'", p->optarg);
			break;
		}
	}
	if (id == 'h')
		return -1;
	if (id < 0)
		return CLI_EXIT_USAGE;
	if (!p->npos)
		return cli_usage(&cmd, "no TRACE given");
	if (!*a->db || (a->iopts.label && !*a->iopts.label))
		return cli_usage(&cmd, "empty --db or --label");
	return 0;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cmd_import(int argc, char **argv)
{
	struct import_args a = {
		.db = cli_default_db(),
		.ropts = VLS_READER_OPTS_INIT,
		.iopts = VLS_IMPORT_OPTS_INIT,
	};
	struct cli_parser p;
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	int ret;

	if (cli_parser_init(&p, &cmd, argc, argv))
		return CLI_EXIT_FAIL;
	ret = parse_args(&p, &a);
	if (ret) {
		cli_parser_free(&p);
		return ret < 0 ? CLI_EXIT_OK : ret;
	}
	if (cli_ctx_new(&ctx, a.verbose)) {
		cli_parser_free(&p);
		return CLI_EXIT_FAIL;
	}
	catch_signals();
	ret = vls_db_open(&db, ctx, a.db, VLS_DB_READWRITE);
	if (ret)
		ret = cli_fail(&cmd, ctx, ret, "cannot open the DB");
	for (int i = 0; !ret && i < p.npos; i++)
		ret = import_one(ctx, db, p.pos[i], &a.ropts, &a.iopts);
	vls_db_close(db);
	vls_ctx_free(ctx);
	cli_parser_free(&p);
	return ret;
}
