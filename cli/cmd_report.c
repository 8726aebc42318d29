/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_report.c - vmlockstat report: one or more runs as text, JSON (the
 * contract of docs/report-json.md) or CSV (one table, chosen by --by).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_DB = 1, OPT_RUN, OPT_LABEL, OPT_BY, OPT_TOP, OPT_ALL, OPT_PID,
       OPT_COMM, OPT_JSON, OPT_CSV, OPT_CHAIN_MIN };

/* The text report lists the worst this many processes, threads, chains. */
#define TEXT_TOP 10

static const struct cli_opt opts[] = {
	{ "db", 'd', "FILE", "the DB (default: $VMLOCKSTAT_DB or ./vmlockstat.db)",
	  OPT_DB },
	{ "run", 'r', "ID", "report this run (repeatable; default: the latest)",
	  OPT_RUN },
	{ "label", 'l', "LABEL", "report every run of this label (repeatable)",
	  OPT_LABEL },
	{ "by", 0, "TABLE", "process (default), thread or callsite", OPT_BY },
	{ "top", 'n', "N", "at most N rows per list, worst first (default: 10 in "
	  "text, all in JSON and CSV; 0: all)", OPT_TOP },
	{ "all", 'a', NULL, "every row of every list (--top 0)", OPT_ALL },
	{ "pid", 'p', "PID", "only the processes, threads and chains (by their "
	  "waiter) of this pid (a thread also by its tid)", OPT_PID },
	{ "comm", 'c', "COMM", "only the processes, threads and chains (by their "
	  "waiter) of this name", OPT_COMM },
	{ "json", 0, NULL, "print the JSON report (docs/report-json.md)", OPT_JSON },
	{ "csv", 0, NULL, "print one table (--by) as CSV", OPT_CSV },
	{ "chain-min", 0, "TIME", "wait-for chains of contended waits at least this "
	  "long (default 100us; 0: every contended wait the import kept)",
	  OPT_CHAIN_MIN },
	{ 0 }
};

static const struct cli_cmd cmd = {
	"report", "[OPTIONS]",
	"Show what page faults did to mmap_lock in stored runs: faults and their\n"
	"fallbacks to mmap_lock by reason, mmap_lock waits and holds per process,\n"
	"thread or call site, and the worst wait-for chains.", opts,
	.brief = "faults, mmap_lock waits and chains of runs",
	.details =
	"A fault falls back to mmap_lock when the per-VMA lock cannot serve it: "
	"a retry after I/O (VM_FAULT_RETRY), the VMA lock unavailable, anon_vma "
	"preparation, or a kernel-mode fault; the reasons come from the stacks "
	"the recording took, so a trace without stacks has them unknown, never "
	"0. Waits and holds are read or write acquisitions of mmap_lock, with "
	"their distributions; a wait-for chain follows a long wait to the task "
	"holding the lock, and that task's own wait, and so on, with priority "
	"inversions marked. docs/faults.md and docs/locks.md define every "
	"figure.\n\n"
	"Several runs are reported one after the other (text and CSV) or as one "
	"JSON document, whose shape docs/report-json.md specifies and versions.",
	.examples = (const struct cli_example[]){
		{ "vmlockstat report", "the latest run as text" },
		{ "vmlockstat report --run 3 --json", "run 3 as JSON" },
		{ "vmlockstat report --label stock --by thread --csv",
		  "per-thread figures of every run labelled stock, as CSV" },
		{ 0 } },
};

const struct cli_cmd *cmd_report_table(void)
{
	return &cmd;
}

struct args {
	const char *db;
	const char **specs;   /* --run and --label values, in order */
	bool *is_label;
	int nspecs;
	vls_report_opts ro;
	bool json, csv, top_given;
};

static int parse(struct args *a, int argc, char **argv)
{
	struct cli_parser p;
	unsigned long long top;
	int id, ret = 0;

	if (cli_parser_init(&p, &cmd, argc, argv))
		return CLI_EXIT_FAIL;
	while (!ret && (id = cli_next(&p)) > 0) {
		if (id == OPT_DB) {
			a->db = p.optarg;
		} else if (id == OPT_RUN || id == OPT_LABEL) {
			long long v;

			if (id == OPT_RUN && (!cli_parse_i64(p.optarg, &v) || v < 1))
				ret = cli_usage(&cmd, "--run wants a run id (a number), "
						"not '%s': use --label for labels", p.optarg);
			a->is_label[a->nspecs] = id == OPT_LABEL;
			a->specs[a->nspecs++] = p.optarg;
		} else if (id == OPT_BY) {
			if (vls_report_by_parse(&a->ro.by, p.optarg))
				ret = cli_usage(&cmd, "--by wants process, thread or "
						"callsite, not '%s'", p.optarg);
		} else if (id == OPT_TOP) {
			if (!cli_parse_u64(p.optarg, &top) || top > 1000000)
				ret = cli_usage(&cmd, "--top wants a number from 0 "
						"(all) to 1000000, not '%s'", p.optarg);
			a->ro.top = (unsigned int)top;
			a->top_given = true;
		} else if (id == OPT_ALL) {
			a->ro.top = 0;
			a->top_given = true;
		} else if (id == OPT_PID) {
			long long v;

			if (!cli_parse_i64(p.optarg, &v) || v < 1 || v > INT32_MAX)
				ret = cli_usage(&cmd, "--pid wants a process or thread id "
						"(1 to %d), not '%s'", INT32_MAX, p.optarg);
			a->ro.pid = v;
		} else if (id == OPT_COMM) {
			if (!*p.optarg)
				ret = cli_usage(&cmd, "--comm wants a process or thread "
						"name, not ''");
			a->ro.comm = p.optarg;
		} else if (id == OPT_CHAIN_MIN) {
			unsigned long long ns;

			if (!cli_parse_duration_ns(p.optarg, &ns))
				ret = cli_usage(&cmd, "--chain-min wants a duration up "
						"to 1 hour (100us, 1.5ms, 2s; 0: all), "
						"not '%s'", p.optarg);
			a->ro.chain_min_ns = ns ? ns : 1; /* 0 in the API: the default */
		} else if (id == OPT_JSON) {
			a->json = true;
		} else if (id == OPT_CSV) {
			a->csv = true;
		}
	}
	if (!ret && id == CLI_HELP)
		ret = CLI_HELP;
	else if (!ret && id < 0)
		ret = CLI_EXIT_USAGE;
	else if (!ret && p.npos)
		ret = cli_usage(&cmd, "unexpected argument '%s' (runs are given with "
				"--run ID or --label LABEL)", p.pos[0]);
	else if (!ret && a->json && a->csv)
		ret = cli_usage(&cmd, "--json and --csv exclude each other");
	if (!ret && !a->top_given && !a->json && !a->csv)
		a->ro.top = TEXT_TOP;
	cli_parser_free(&p);
	return ret;
}

/* Resolve every spec into one id list, in the order given. */
static int resolve(vls_db *db, vls_ctx *ctx, struct args *a, int64_t **ids,
		   size_t *nids)
{
	for (int i = 0; i < a->nspecs; i++) {
		int64_t *one = NULL, *grown;
		size_t n = 0;
		int err = vls_db_resolve_runs(&one, &n, db, a->specs[i]);

		if (err)
			return cli_fail(&cmd, ctx, err, a->is_label[i] ? "--label" : "--run");
		grown = realloc(*ids, (*nids + n) * sizeof(int64_t));
		if (!grown) {
			vls_buf_free(db, one);
			cli_err(&cmd, "out of memory");
			return CLI_EXIT_FAIL;
		}
		*ids = grown;
		memcpy(*ids + *nids, one, n * sizeof(int64_t));
		*nids += n;
		vls_buf_free(db, one);
	}
	return 0;
}

static int latest_id(const vls_run *run, void *data)
{
	int64_t *id = data;

	*id = run->id > *id ? run->id : *id;
	return 0;
}

/* The text report's last line: the command that opens each run's trace
 * in KernelShark with the plugin, when there is one (cli/kshark.c). No
 * run named: the report's, the latest. */
static void kshark_lines(vls_db *db, const int64_t *ids, size_t n)
{
	int64_t latest = 0;

	if (!n && !vls_db_runs(db, latest_id, &latest) && latest > 0) {
		ids = &latest;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		char *c = cli_kshark_command(db, ids[i]);

		if (!c)
			continue;
		if (n > 1)
			printf("KernelShark, run %lld: %s\n", (long long)ids[i], c);
		else
			printf("KernelShark: %s\n", c);
		free(c);
	}
}

/* The report to stdout as it is made: a run of many threads is a JSON
 * document of tens of MB, never whole in memory. errno of a failed
 * write kept for the message. */
static int put_out(void *data, const char *text, size_t len)
{
	int *werr = data;

	errno = 0;              /* a short write need not set it */
	if (fwrite(text, 1, len, stdout) == len)
		return 0;
	*werr = errno ? errno : EIO;
	return -1;
}

static int run(struct args *a, vls_ctx *ctx)
{
	vls_db *db = NULL;
	int64_t *ids = NULL;
	size_t nids = 0;
	int err, ret, werr = 0;

	err = vls_db_open(&db, ctx, a->db, VLS_DB_READONLY);
	if (err) {
		ret = err == VLS_ENOTFOUND ?
			(cli_err(&cmd, "%s: no such DB ('vmlockstat import' creates one)",
				 a->db), CLI_EXIT_FAIL) :
			cli_fail(&cmd, ctx, err, "cannot open the DB");
		return ret;
	}
	ret = resolve(db, ctx, a, &ids, &nids);
	if (!ret) {
		a->ro.run_ids = ids;
		a->ro.nruns = nids;
		err = vls_report_write(db, &a->ro, a->json ? VLS_FORMAT_JSON :
				       a->csv ? VLS_FORMAT_CSV : VLS_FORMAT_TEXT,
				       put_out, &werr);
		if (err == VLS_ESTOPPED && werr) {
			cli_err(&cmd, "cannot write the report: %s", strerror(werr));
			ret = CLI_EXIT_FAIL;
		} else {
			ret = err ? cli_fail(&cmd, ctx, err, NULL) : CLI_EXIT_OK;
		}
	}
	if (ret == CLI_EXIT_OK) {
		if (a->json)
			putchar('\n');
		else if (!a->csv)
			kshark_lines(db, ids, nids);
		if (fflush(stdout) || ferror(stdout)) {
			cli_err(&cmd, "cannot write the report: %s", strerror(errno));
			ret = CLI_EXIT_FAIL;
		}
	}
	free(ids);
	vls_db_close(db);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	struct args a = { .db = cli_default_db(), .ro = VLS_REPORT_OPTS_INIT };
	vls_ctx *ctx = NULL;
	int ret;

	a.specs = calloc((size_t)argc + 1, sizeof(*a.specs));
	a.is_label = calloc((size_t)argc + 1, sizeof(*a.is_label));
	if (!a.specs || !a.is_label) {
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	ret = parse(&a, argc, argv);
	if (ret) {
		ret = ret == CLI_HELP ? CLI_EXIT_OK : ret;
		goto out;
	}
	if (cli_ctx_new(&ctx, false)) {
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	ret = run(&a, ctx);
out:
	vls_ctx_free(ctx);
	free(a.specs);
	free(a.is_label);
	return ret;
}
