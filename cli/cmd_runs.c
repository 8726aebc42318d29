/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_runs.c - vmlockstat runs: list the runs in a DB, as an aligned table
 * or a JSON array. The DB is opened read-only: a missing DB is an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_DB = 1, OPT_JSON, OPT_IDS, OPT_LABELS };

static const struct cli_opt opts[] = {
	{ "db", 'd', "FILE", "the DB (default: $VMLOCKSTAT_DB or ./vmlockstat.db)",
	  OPT_DB },
	{ "json", 0, NULL, "print a JSON array instead of a table", OPT_JSON },
	{ "ids", 0, NULL, "print only the run ids, one a line (for scripts)",
	  OPT_IDS },
	{ "labels", 0, NULL, "print only the labels, each once, one a line "
	  "(for scripts)", OPT_LABELS },
	{ 0 }
};

static const struct cli_cmd cmd = {
	"runs", "[OPTIONS]", "List the runs stored in the DB.", opts,
	.brief = "list the runs in the DB",
	.details =
	"One row per run: its id (what --run and compare take), its label "
	"(several runs under one label are repetitions of one experiment), when "
	"it was imported (UTC), how long its trace lasts (first to last event), "
	"its user-fault fallback rate (user faults that fell back to mmap_lock / "
	"user faults, the report's headline; '-' when the run cannot say), the "
	"kernel and architecture it was traced on, the trace format, the events "
	"imported, the events the ring buffer lost ('-' when the trace does not "
	"say) and the file it came from. The DB is opened read-only: a missing "
	"DB is an error, never created.",
	.examples = (const struct cli_example[]){
		{ "vmlockstat runs --db vmlockstat.db", "the table" },
		{ "vmlockstat runs --json", "the same as a JSON array" },
		{ "vmlockstat runs --labels", "the labels compare can take" },
		{ 0 } },
};

const struct cli_cmd *cmd_runs_table(void)
{
	return &cmd;
}

enum { C_ID, C_LABEL, C_DATE, C_DURATION, C_RATE, C_KERNEL, C_ARCH, C_FORMAT,
       C_EVENTS, C_LOST, C_SOURCE, NCOLS };

static const char *const headers[NCOLS] = {
	"ID", "LABEL", "IMPORTED (UTC)", "DURATION", "USER FB RATE", "KERNEL", "ARCH",
	"FORMAT", "EVENTS", "LOST", "SOURCE",
};

/* Right-aligned columns (numbers). */
static const bool right[NCOLS] = { [C_ID] = true, [C_DURATION] = true,
				   [C_RATE] = true, [C_EVENTS] = true,
				   [C_LOST] = true };

struct table {
	char **cells;       /* rows * NCOLS strings */
	size_t rows, cap;
	int width[NCOLS];
	bool oom;
};

/* A trace's string for the terminal: control characters escaped. */
static char *dup_or_dash(const char *s)
{
	char buf[1024];

	return strdup(s && *s ? vls_text_escape(buf, sizeof(buf), s) : "-");
}

static char *fmt_num(int64_t v, bool unknown)
{
	char buf[32];

	if (unknown)
		return strdup("-");
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return strdup(buf);
}

static char *fmt_date(int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm))
		return strdup("-");
	return strdup(buf);
}

/* "1.23 s", "850.0 ms", "-" without events. */
static char *fmt_duration(int64_t ns)
{
	char buf[32];

	if (ns < 0)
		return strdup("-");
	if (ns >= 1000000000)
		snprintf(buf, sizeof(buf), "%.2f s", (double)ns / 1e9);
	else
		snprintf(buf, sizeof(buf), "%.1f ms", (double)ns / 1e6);
	return strdup(buf);
}

/* The user-fault fallback rate in percent; "-" when the run cannot say. */
static char *fmt_rate(double r)
{
	char buf[32];

	if (r < 0)
		return strdup("-");
	snprintf(buf, sizeof(buf), "%.1f%%", r * 100.0);
	return strdup(buf);
}

static int add_row(const vls_run *run, void *data)
{
	struct table *t = data;
	char **row;

	if (t->rows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **n = realloc(t->cells, ncap * NCOLS * sizeof(char *));

		if (!n)
			goto oom;
		t->cells = n;
		t->cap = ncap;
	}
	row = t->cells + t->rows * NCOLS;
	row[C_ID] = fmt_num(run->id, false);
	row[C_LABEL] = dup_or_dash(run->label);
	row[C_DATE] = fmt_date(run->imported_at);
	row[C_DURATION] = fmt_duration(run->duration_ns);
	row[C_RATE] = fmt_rate(run->user_fallback_rate);
	row[C_KERNEL] = dup_or_dash(run->kernel);
	row[C_ARCH] = dup_or_dash(run->arch);
	row[C_FORMAT] = dup_or_dash(run->format);
	row[C_EVENTS] = fmt_num((int64_t)run->events, false);
	row[C_LOST] = fmt_num(run->lost_events, run->lost_events < 0);
	row[C_SOURCE] = dup_or_dash(run->source);
	t->rows++;
	for (int c = 0; c < NCOLS; c++)
		if (!row[c])
			goto oom;
	return 0;
oom:
	t->oom = true;
	return 1;
}

static void print_table(struct table *t)
{
	for (int c = 0; c < NCOLS; c++)
		t->width[c] = (int)strlen(headers[c]);
	for (size_t r = 0; r < t->rows; r++)
		for (int c = 0; c < NCOLS; c++) {
			int w = (int)strlen(t->cells[r * NCOLS + c]);

			if (w > t->width[c])
				t->width[c] = w;
		}
	for (size_t r = 0; r <= t->rows; r++) {
		for (int c = 0; c < NCOLS; c++) {
			const char *s = r ? t->cells[(r - 1) * NCOLS + c] : headers[c];
			int w = c == NCOLS - 1 ? 0 : t->width[c];

			printf("%s%*s", c ? "  " : "", right[c] ? w : -w, s);
		}
		putchar('\n');
	}
}

/* A count or time, null when the run cannot say (negative). */
static void json_i64(int64_t v)
{
	if (v < 0)
		fputs("null", stdout);
	else
		printf("%" PRId64, v);
}

static void json_str(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static int print_json(const vls_run *run, void *data)
{
	int *n = data;

	printf("%s\n  {\"id\": %" PRId64 ", \"label\": ", (*n)++ ? "," : "", run->id);
	json_str(run->label);
	fputs(", \"kernel\": ", stdout);
	json_str(run->kernel);
	fputs(", \"arch\": ", stdout);
	json_str(run->arch);
	fputs(", \"format\": ", stdout);
	json_str(run->format);
	printf(", \"events\": %" PRIu64 ", \"lost_events\": ", run->events);
	json_i64(run->lost_events);
	fputs(", \"source\": ", stdout);
	json_str(run->source);
	printf(", \"imported_at\": %" PRId64 ", \"duration_ns\": ", run->imported_at);
	json_i64(run->duration_ns);
	fputs(", \"user_fallback_rate\": ", stdout);
	if (run->user_fallback_rate < 0)
		fputs("null", stdout);
	else
		printf("%.6f", run->user_fallback_rate);
	putchar('}');
	return 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->rows * NCOLS; i++)
		free(t->cells[i]);
	free(t->cells);
}

static int print_id(const vls_run *run, void *data)
{
	(void)data;
	printf("%" PRId64 "\n", run->id);
	return 0;
}

/* Each label once, in the order of their first run. */
struct labels {
	char **seen;
	size_t n, cap;
	bool oom;
};

static int print_label(const vls_run *run, void *data)
{
	struct labels *l = data;
	char buf[1024];

	if (!run->label || !*run->label)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->seen[i], run->label))
			return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **g = realloc(l->seen, ncap * sizeof(*g));

		if (!g)
			return l->oom = true, 1;
		l->seen = g;
		l->cap = ncap;
	}
	if (!(l->seen[l->n] = strdup(run->label)))
		return l->oom = true, 1;
	l->n++;
	puts(vls_text_escape(buf, sizeof(buf), run->label));
	return 0;
}

static int list_labels(vls_db *db)
{
	struct labels l = { 0 };
	int ret = vls_db_runs(db, print_label, &l);

	for (size_t i = 0; i < l.n; i++)
		free(l.seen[i]);
	free(l.seen);
	return l.oom ? VLS_ENOMEM : ret;
}

static int list(vls_db *db, vls_ctx *ctx, int mode)
{
	struct table t = { 0 };
	int n = 0, ret;

	if (mode == OPT_IDS || mode == OPT_LABELS) {
		ret = mode == OPT_IDS ? vls_db_runs(db, print_id, NULL) : list_labels(db);
		return ret ? cli_fail(&cmd, ctx, ret, "listing runs") : CLI_EXIT_OK;
	}
	if (mode == OPT_JSON) {
		putchar('[');
		ret = vls_db_runs(db, print_json, &n);
		printf("%s]\n", n ? "\n" : "");
		return ret ? cli_fail(&cmd, ctx, ret, "listing runs") : CLI_EXIT_OK;
	}
	ret = vls_db_runs(db, add_row, &t);
	if (t.oom)
		cli_err(&cmd, "out of memory");
	else if (ret)
		cli_fail(&cmd, ctx, ret, "listing runs");
	else
		print_table(&t);
	table_free(&t);
	return ret ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cmd_runs(int argc, char **argv)
{
	const char *path = cli_default_db();
	struct cli_parser p;
	int mode = 0;   /* 0 (the table), OPT_JSON, OPT_IDS or OPT_LABELS */
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	int id, ret = 0;

	if (cli_parser_init(&p, &cmd, argc, argv))
		return CLI_EXIT_FAIL;
	while (!ret && (id = cli_next(&p)) > 0) {
		if (id == OPT_DB)
			path = p.optarg;
		else if (mode && mode != id)
			ret = cli_usage(&cmd, "--json, --ids and --labels exclude "
					"each other");
		else
			mode = id;
	}
	if (ret || id < 0 || p.npos) {
		ret = ret ? ret : id == CLI_HELP ? CLI_EXIT_OK : id < 0 ? CLI_EXIT_USAGE
			: cli_usage(&cmd, "unexpected argument '%s'", p.pos[0]);
		cli_parser_free(&p);
		return ret;
	}
	cli_parser_free(&p);
	if (cli_ctx_new(&ctx, false))
		return CLI_EXIT_FAIL;
	ret = vls_db_open(&db, ctx, path, VLS_DB_READONLY);
	if (ret == VLS_ENOTFOUND) {
		cli_err(&cmd, "%s: no such DB ('vmlockstat import' creates one)", path);
		ret = CLI_EXIT_FAIL;
	} else {
		ret = ret ? cli_fail(&cmd, ctx, ret, "cannot open the DB")
			  : list(db, ctx, mode);
	}
	vls_db_close(db);
	vls_ctx_free(ctx);
	return ret;
}
