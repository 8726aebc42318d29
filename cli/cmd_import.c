/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_import.c - vmlockstat import: each TRACE becomes one run in the DB.
 *
 * Each run is one transaction: a failure (or Ctrl-C) leaves no part of
 * that run; runs imported before it by the same command stay.
 */
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_DB = 1, OPT_LABEL, OPT_KERNEL, OPT_ARCH, OPT_FORMAT, OPT_STRICT,
       OPT_KEEP, OPT_VERBOSE, OPT_META, OPT_META_FILE };

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
	  "auto, tracedat, ftrace, trace-cmd, atrace or perf-script (default: auto)",
	  OPT_FORMAT },
	{ "strict", 0, NULL, "fail on unparsable lines or records (default: count)",
	  OPT_STRICT },
	{ "keep-events", 0, NULL, "also store every raw event (table event; slow)",
	  OPT_KEEP },
	{ "meta", 0, "KEY=VALUE", "add run metadata (repeatable)", OPT_META },
	{ "meta-file", 0, "PREFIX=FILE",
	  "add FILE's 'name value' lines as PREFIX.name, e.g. "
	  "vmstat.before=vmstat.before (repeatable)", OPT_META_FILE },
	{ "verbose", 'v', NULL, "more messages", OPT_VERBOSE },
	{ 0 }
};

static const struct cli_cmd cmd = {
	"import", "[OPTIONS] TRACE...",
	"Import trace-cmd trace.dat or ftrace text traces into the DB, one run each.",
	opts,
	.brief = "import trace.dat or ftrace text into the DB",
	.details =
	"The format is found from the file's first bytes: a trace-cmd trace.dat "
	"(version 6 or 7, uncompressed or zstd), the text of a tracefs trace file "
	"(with or without the record-tgid column), 'trace-cmd report' output "
	"(also with -t or --ts-diff; with -R its raw fields are read, but its "
	"stacks are bytes without symbols: left out, so import the trace.dat "
	"for them), "
	"Android atrace output or 'perf script' output of a perf recording of "
	"the tracepoints (a perf.data file itself is refused, with the command "
	"that converts it). A directory with a capture.info is a capture of "
	"tracefs files taken on a machine without trace-cmd (docs/capture.md): "
	"its trace.dat is written into it, then imported, labelled by the "
	"directory's name. The kernel, the architecture and the CPU count "
	"come from the trace when it says them; --kernel and --arch override "
	"them, --meta adds what it cannot say.\n\n"
	"The import measures the step of the trace's timestamps: the decimals a "
	"text printed (microseconds from a tracefs trace file, 'trace-cmd "
	"report', 'perf script' without --ns) and the trace clock's own, from "
	"how often events of one CPU share a timestamp (a kernel without a "
	"high-resolution clocksource counts jiffies: 4 ms at HZ=250). A step "
	"coarser than a nanosecond gets a warning: waits and holds shorter "
	"than it read as 0, durations are whole steps; the report says so in "
	"a note (run meta timestamp_resolution_ns). A trace clock that counts "
	"rather than keeps time (counter, uptime, x86-tsc: a text's timestamps "
	"without a decimal point) gets a warning too: the report then gives "
	"every count, but no wait, hold or duration.\n\n"
	"Each run is one transaction: a failure or Ctrl-C leaves no part of that "
	"run, and the runs imported before it by the same command stay. An "
	"import stops at its first failing file. On a terminal a progress bar "
	"shows how far the reading went.",
	.exit_status = "130 interrupted (SIGINT or SIGTERM): nothing of that run was stored",
	.examples = (const struct cli_example[]){
		{ "vmlockstat import --db vmlockstat.db --label stock trace.dat",
		  "a trace-cmd trace.dat, labelled for compare" },
		{ "vmlockstat import --kernel 6.12.117 --arch aarch64 trace.txt",
		  "ftrace text that does not say its kernel" },
		{ "perf script --ns --header -F +pid,+ip,+sym,+symoff,+dso -i perf.data > perf.txt && vmlockstat import perf.txt",
		  "a perf recording (perf record -e 'mmap_lock:*' -e exceptions:page_fault_user -e sched:sched_switch -g)" },
		{ "vmlockstat import --meta workload=sort --meta-file vmstat.before=vmstat.before trace.dat",
		  "with run metadata" },
		{ 0 } },
	.args = CLI_ARGS_FILES,
};

const struct cli_cmd *cmd_import_table(void)
{
	return &cmd;
}

#define BAR_WIDTH 30

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct progress {
	const char *path;
	bool draw;      /* stderr is a TTY */
	bool drawn;
};

/* Called by the library every VLS_IMPORT_PROGRESS_EVERY events; a Ctrl-C
 * stops the import here (nothing of the run is stored). */
static int on_progress(const vls_reader_stats *s, uint64_t events, void *data)
{
	struct progress *p = data;
	int pct, fill;

	if (interrupted)
		return 1;
	if (!p->draw || !s->bytes_total)
		return 0;
	pct = (int)(s->bytes_read * 100 / s->bytes_total);
	if (pct > 100)
		pct = 100;
	fill = pct * BAR_WIDTH / 100;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %" PRIu64 " events  %s", fill,
		"##############################", BAR_WIDTH - fill, "", pct,
		events, p->path);
	fflush(stderr);
	p->drawn = true;
	return 0;
}

/* A run meta value as an integer, 0 when absent. */
static uint64_t meta_u64(vls_db *db, int64_t run_id, const char *key)
{
	const char *v = NULL;

	if (vls_db_run_meta(&v, db, run_id, key) || !v)
		return 0;
	return strtoull(v, NULL, 10);
}

/*
 * Timestamps in steps (run meta timestamp_resolution_ns, docs/schema.md):
 * the trace clock's own (the import measured it: timestamp_clock_step_ns),
 * or the decimals a text printed (microseconds: tracefs, trace-cmd report,
 * perf script without --ns); the report says the same in a note.
 */
static void warn_resolution(vls_db *db, int64_t run_id, const char *path)
{
	uint64_t res = meta_u64(db, run_id, "timestamp_resolution_ns");
	uint64_t clock = meta_u64(db, run_id, "timestamp_clock_step_ns");
	const char *format = NULL, *ts = NULL, *name = NULL;
	char step[32];
	bool perf;

	/* run meta "timestamps" (lib/meta.h): a clock that counts */
	if (!vls_db_run_meta(&ts, db, run_id, "timestamps") && ts &&
	    !strcmp(ts, "counts")) {
		vls_db_run_meta(&name, db, run_id, "trace_clock");
		cli_err(&cmd, "%s: the trace clock%s%s counts, it does not keep "
			"time: waits, holds and durations are unknown, counts "
			"stand; record with trace_clock local", path,
			name ? " " : "", name ? name : "");
		return;
	}
	if (res <= 1)
		return;
	perf = !vls_db_run_meta(&format, db, run_id, "format") && format &&
	       !strcmp(format, "perf-script");
	if (res >= 1000000)
		snprintf(step, sizeof(step), "%.2f ms", (double)res / 1e6);
	else if (res >= 1000)
		snprintf(step, sizeof(step), "%.2f us", (double)res / 1e3);
	else
		snprintf(step, sizeof(step), "%" PRIu64 " ns", res);
	if (clock == res)
		cli_err(&cmd, "%s: timestamps advance in steps of %s (the trace "
			"clock's): waits and holds shorter than that read as 0, "
			"durations are whole steps%s", path, step, res >= 1000000 ?
			"; a clock counting jiffies: had the kernel no "
			"high-resolution clocksource?" : "");
	else if (res == 1000)
		cli_err(&cmd, "%s: timestamps in microseconds: waits shorter than "
			"1 us read as 0%s", path, perf ?
			"; 'perf script --ns' prints nanoseconds" : "");
	else
		cli_err(&cmd, "%s: timestamps in steps of %s: shorter waits "
			"read as 0%s", path, step, perf ?
			"; 'perf script --ns' prints nanoseconds" : "");
}

static void warn_bad_records(vls_db *db, int64_t run_id, const char *path)
{
	const char *bad = NULL;

	const char *back = NULL, *max = NULL;

	if (!vls_db_run_meta(&bad, db, run_id, "bad_records") && bad && strcmp(bad, "0"))
		cli_err(&cmd, "%s: %s unparsable lines or records skipped "
			"(--strict makes them fatal)", path, bad);
	if (!vls_db_run_meta(&bad, db, run_id, "text.raw_stacks") && bad)
		cli_err(&cmd, "%s: %s kernel stacks printed as bytes without symbols "
			"(trace-cmd report -R) were left out: call sites and the fault "
			"paths stacks tell are unknown; import the trace.dat itself for "
			"them", path, bad);
	if (!vls_db_run_meta(&back, db, run_id, "time_backwards") && back) {
		char n[32];

		snprintf(n, sizeof(n), "%s", back); /* the next call reuses back */
		if (!vls_db_run_meta(&max, db, run_id, "time_backwards_max_ns") && max)
			cli_err(&cmd, "%s: %s events are stamped before their task's "
				"previous event (up to %s ns back): each was taken at "
				"the time of that one; is the input concatenated, "
				"reordered or corrupt?", path, n, max);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct found_run {
	int64_t id;
	char label[256];
	uint64_t events;
};

static int find_run(const vls_run *run, void *data)
{
	struct found_run *f = data;

	if (run->id != f->id)
		return 0;
	snprintf(f->label, sizeof(f->label), "%s", run->label);
	f->events = run->events;
	return 1;
}

/*
 * A capture directory (docs/capture.md): its trace.dat written into dat,
 * *path then names that; the run's label defaults to the directory's name
 * (kept in name). 0, or the exit code of a failure.
 */
static int from_capture(vls_ctx *ctx, const char **path, char *dat, size_t size,
			char name[256], const char **label)
{
	const char *base = *path + strlen(*path);
	struct stat st;
	int ret, n;

	while (base > *path + 1 && base[-1] == '/')  /* "dir/" as "dir" */
		base--;
	n = (int)(base - *path);
	if (stat(*path, &st) || !S_ISDIR(st.st_mode) ||
	    (size_t)snprintf(dat, size, "%.*s/capture.info", n, *path) >= size ||
	    access(dat, F_OK))
		return 0;
	snprintf(dat, size, "%.*s/trace.dat", n, *path);
	if ((ret = vls_capture_write_tracedat(ctx, *path, dat)))
		return cli_fail(&cmd, ctx, ret, "cannot write the capture's trace.dat");
	cli_err(&cmd, "%s: a capture: its trace.dat written as %s", *path, dat);
	if (!*label && base > *path) {
		const char *end = base;

		while (base > *path && base[-1] != '/')
			base--;
		snprintf(name, 256, "%.*s", (int)(end - base), base);
		*label = name;
	}
	*path = dat;
	return 0;
}

/* Returns the exit code: 0, 1, 2 or 130 (interrupted). */
static int import_one(vls_ctx *ctx, vls_db *db, const char *path,
		      const vls_reader_opts *ropts, const vls_import_opts *iopts)
{
	struct progress prog = { .path = path, .draw = isatty(2) };
	vls_import_opts o = *iopts;
	struct found_run found = { 0, "", 0 };
	char label[sizeof(found.label) * 4], dat[PATH_MAX + 16], name[256];
	double t0 = now();
	int64_t run_id = 0;
	int ret;

	if ((ret = from_capture(ctx, &path, dat, sizeof(dat), name, &o.label)))
		return ret;
	prog.path = path;

	o.progress = on_progress;
	o.progress_data = &prog;
	ret = vls_db_import_file(&run_id, db, path, ropts, &o);
	if (prog.drawn)
		fprintf(stderr, "\r\033[K");
	if (ret == VLS_ESTOPPED && interrupted) {
		cli_err(&cmd, "%s: interrupted: nothing of this run was stored", path);
		return 130;
	}
	if (ret)
		return cli_fail(&cmd, ctx, ret, "import failed");
	warn_bad_records(db, run_id, path);
	warn_resolution(db, run_id, path);
	found.id = run_id;
	vls_db_runs(db, find_run, &found);
	printf("run %" PRId64 ": %s: %" PRIu64 " events in %.2f s\n", run_id,
	       vls_text_escape(label, sizeof(label), found.label[0] ? found.label : path),
	       found.events, now() - t0);
	fflush(stdout);
	return 0;
}

struct import_args {
	const char *db;
	bool verbose;
	vls_reader_opts ropts;
	vls_import_opts iopts;
	struct cli_meta meta;
};

/* 0: go on; CLI_HELP: help was printed; otherwise the exit code. */
static int parse_args(struct cli_parser *p, struct import_args *a)
{
	int id, ret;

	while ((id = cli_next(p)) > 0) {
		switch (id) {
		case OPT_DB: a->db = p->optarg; break;
		case OPT_LABEL: a->iopts.label = p->optarg; break;
		case OPT_KERNEL: a->iopts.kernel = p->optarg; break;
		case OPT_ARCH: a->iopts.arch = p->optarg; break;
		case OPT_STRICT: a->ropts.strict = 1; break;
		case OPT_KEEP: a->iopts.keep_events = 1; break;
		case OPT_VERBOSE: a->verbose = true; break;
		case OPT_META:
			if ((ret = cli_meta_add(&a->meta, p->optarg)))
				return ret;
			break;
		case OPT_META_FILE:
			if ((ret = cli_meta_add_file(&a->meta, p->optarg)))
				return ret;
			break;
		case OPT_FORMAT:
			if (vls_format_parse(&a->ropts.format, p->optarg))
				return cli_usage(&cmd, "unknown format '%s'", p->optarg);
			break;
		}
	}
	if (id == CLI_HELP)
		return CLI_HELP;
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
	bool created;
	int ret, stored = 0;

	if (cli_parser_init(&p, &cmd, argc, argv))
		return CLI_EXIT_FAIL;
	ret = parse_args(&p, &a);
	if (ret) {
		cli_meta_free(&a.meta);
		cli_parser_free(&p);
		return ret == CLI_HELP ? CLI_EXIT_OK : ret;
	}
	a.iopts.meta = (const char *const *)a.meta.kv;
	a.iopts.nmeta = a.meta.n / 2;
	if (cli_ctx_new(&ctx, a.verbose)) {
		cli_parser_free(&p);
		return CLI_EXIT_FAIL;
	}
	catch_signals();
	created = cli_db_absent(a.db);
	ret = vls_db_open(&db, ctx, a.db, VLS_DB_READWRITE);
	if (ret)
		ret = cli_fail(&cmd, ctx, ret, "cannot open the DB");
	for (int i = 0; !ret && i < p.npos; i++) {
		ret = import_one(ctx, db, p.pos[i], &a.ropts, &a.iopts);
		stored += !ret;
		if (ret && i + 1 < p.npos)
			cli_err(&cmd, "%d more file%s not imported (an import stops "
				"at its first failure): %s%s", p.npos - i - 1,
				p.npos - i - 1 > 1 ? "s" : "", p.pos[i + 1],
				p.npos - i - 1 > 1 ? ", ..." : "");
	}
	vls_db_close(db);
	cli_db_discard(&cmd, a.db, created, stored);
	vls_ctx_free(ctx);
	cli_meta_free(&a.meta);
	cli_parser_free(&p);
	return ret;
}
