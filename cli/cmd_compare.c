/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_compare.c - vmlockstat compare: runs or labels side by side (the
 * first is the baseline), or --by kernel,arch: the kernel x arch matrix of
 * fallback rates over every run in the DB.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_DB = 1, OPT_JSON, OPT_BY, OPT_THRESHOLD, OPT_CI };

static const struct cli_opt opts[] = {
	{ "db", 'd', "FILE", "the DB (default: $VMLOCKSTAT_DB or ./vmlockstat.db)",
	  OPT_DB },
	{ "json", 0, NULL, "print JSON (docs/report-json.md, \"Compare\")", OPT_JSON },
	{ "by", 0, "kernel,arch", "matrix of fallback rates of all runs", OPT_BY },
	{ "threshold", 0, "PCT", "a change smaller than PCT % of the baseline is no "
	  "change (default 5)", OPT_THRESHOLD },
	{ "ci", 0, NULL, "print the 95 % interval of each change", OPT_CI },
	{ 0 }
};

static const struct cli_cmd cmd = {
	"compare", "[OPTIONS] A B [C...]",
	"Compare runs: each of A, B, ... is a run id or a label (several runs\n"
	"under one label are repetitions: mean and spread). A is the baseline:\n"
	"every figure shows the change against it, absolute and in %. With 2 runs\n"
	"or more on each side, a verdict: ▲ increase, ▼ decrease, = no change,\n"
	"? inconclusive (the 95 % Welch interval of the change against the\n"
	"threshold; docs/compare.md).", opts,
	.brief = "compare runs or labels (before/after, kernel x arch)",
	.details =
	"The usual question is a kernel patch: import the runs of a stock and "
	"of a patched kernel under two labels, then compare the labels. Each "
	"figure of the report (fault fallbacks and their reasons, mmap_lock "
	"waits, holds and chains) is given per group, with its change against "
	"the baseline.\n\n"
	"--by kernel,arch compares every run in the DB instead: the fallback "
	"rate of each kernel on each architecture, averaged over the runs of a "
	"cell.",
	.examples = (const struct cli_example[]){
		{ "vmlockstat compare stock patched",
		  "two labels: the patch's effect" },
		{ "vmlockstat compare 1 2 3", "three runs against run 1" },
		{ "vmlockstat compare --by kernel,arch --json",
		  "the kernel x arch matrix as JSON" },
		{ 0 } },
	.args = CLI_ARGS_RUNS,
};

const struct cli_cmd *cmd_compare_table(void)
{
	return &cmd;
}

struct args {
	const char *db;
	bool json, matrix, ci;
	double threshold;
	char **pos;
	int npos;
};

static int parse(struct args *a, struct cli_parser *p, int argc, char **argv)
{
	int id;

	if (cli_parser_init(p, &cmd, argc, argv))
		return CLI_EXIT_FAIL;
	while ((id = cli_next(p)) > 0) {
		if (id == OPT_DB)
			a->db = p->optarg;
		else if (id == OPT_JSON)
			a->json = true;
		else if (id == OPT_BY && strcmp(p->optarg, "kernel,arch"))
			return cli_usage(&cmd, "--by wants 'kernel,arch', not '%s'",
					 p->optarg);
		else if (id == OPT_BY)
			a->matrix = true;
		else if (id == OPT_CI)
			a->ci = true;
		else if (id == OPT_THRESHOLD &&
			 (!cli_parse_double(p->optarg, &a->threshold) ||
			  !isfinite(a->threshold) || a->threshold < 0 || a->threshold > 1e6))
			return cli_usage(&cmd, "--threshold wants a percentage from 0 to "
					 "1000000, not '%s'", p->optarg);
	}
	if (id == CLI_HELP)
		return CLI_HELP;
	if (id < 0)
		return CLI_EXIT_USAGE;
	a->pos = p->pos;
	a->npos = p->npos;
	if (a->matrix && a->npos)
		return cli_usage(&cmd, "--by kernel,arch compares every run in the DB: "
				 "no run or label arguments");
	if (a->matrix && (a->ci || a->threshold != VLS_COMPARE_THRESHOLD_DEFAULT))
		return cli_usage(&cmd, "--ci and --threshold are for groups of runs, "
				 "not --by kernel,arch");
	if (!a->matrix && a->npos < 2)
		return cli_usage(&cmd, "give at least two runs or labels to compare "
				 "(or --by kernel,arch)");
	return 0;
}

static void free_groups(vls_db *db, vls_compare_group *g, int n)
{
	for (int i = 0; g && i < n; i++) {
		vls_buf_free(db, (void *)g[i].run_ids);
		free((void *)g[i].name);
	}
	free(g);
}

/* One group per argument: a label's runs, or one run titled "run N". */
static int make_groups(vls_compare_group **out, vls_db *db, vls_ctx *ctx,
		       struct args *a)
{
	vls_compare_group *g = calloc((size_t)a->npos, sizeof(*g));
	int i;

	*out = g;
	if (!g)
		return cli_err(&cmd, "out of memory"), CLI_EXIT_FAIL;
	for (i = 0; i < a->npos; i++) {
		int64_t *ids = NULL;
		size_t n = 0;
		int err = vls_db_resolve_runs(&ids, &n, db, a->pos[i]);
		char name[64];
		const char *label = NULL;

		if (err)
			return cli_fail(&cmd, ctx, err, NULL);
		g[i].run_ids = ids;
		g[i].nruns = n;
		if (n == 1 && !vls_db_run_meta(&label, db, ids[0], "label") && label &&
		    strcmp(label, a->pos[i]))
			snprintf(name, sizeof(name), "run %s", a->pos[i]);
		else
			snprintf(name, sizeof(name), "%s", a->pos[i]);
		g[i].name = strdup(name);
		if (!g[i].name)
			return cli_err(&cmd, "out of memory"), CLI_EXIT_FAIL;
	}
	return 0;
}

static int run(struct args *a, vls_ctx *ctx)
{
	vls_compare_opts co = VLS_COMPARE_OPTS_INIT;
	vls_compare_group *groups = NULL;
	vls_db *db = NULL;
	char *out = NULL;
	int err, ret = 0;

	err = vls_db_open(&db, ctx, a->db, VLS_DB_READONLY);
	if (err == VLS_ENOTFOUND) {
		cli_err(&cmd, "%s: no such DB ('vmlockstat import' creates one)", a->db);
		return CLI_EXIT_FAIL;
	}
	if (err)
		return cli_fail(&cmd, ctx, err, "cannot open the DB");
	if (!a->matrix)
		ret = make_groups(&groups, db, ctx, a);
	if (!ret) {
		co.groups = groups;
		co.ngroups = a->matrix ? 0 : (size_t)a->npos;
		co.matrix = a->matrix;
		co.threshold_pct = a->threshold;
		co.ci = a->ci;
		err = a->json ? vls_compare_json(&out, db, &co) : vls_compare_text(&out, db, &co);
		ret = err ? cli_fail(&cmd, ctx, err, NULL) : CLI_EXIT_OK;
	}
	if (out)
		printf("%s%s", out, a->json ? "\n" : "");
	vls_buf_free(db, out);
	free_groups(db, groups, a->npos);
	vls_db_close(db);
	return ret;
}

int cmd_compare(int argc, char **argv)
{
	struct args a = { .db = cli_default_db(),
			  .threshold = VLS_COMPARE_THRESHOLD_DEFAULT };
	struct cli_parser p;
	vls_ctx *ctx = NULL;
	int ret;

	ret = parse(&a, &p, argc, argv);
	if (!ret && cli_ctx_new(&ctx, false))
		ret = CLI_EXIT_FAIL;
	if (!ret)
		ret = run(&a, ctx);
	else if (ret == CLI_HELP)
		ret = CLI_EXIT_OK;
	vls_ctx_free(ctx);
	cli_parser_free(&p);
	return ret;
}
