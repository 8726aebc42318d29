/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_workload.c - `vmlockstat workload NAME [options]`: the seed scenarios
 * as reproducible workloads (cli/workload/). Each prints its ground truth
 * as one JSON object at the end. Exit codes: 0 done, 1 failure, 2 usage,
 * 77 skipped (the machine lacks what the scenario needs), 128+signal when
 * stopped by SIGINT/SIGTERM/SIGHUP after cleaning up.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "workload/common.h"

static const struct wl_scenario *const scenarios[] = {
	&wl_iofault, &wl_anon, &wl_pressure, &wl_swap, &wl_fork, &wl_procmaps,
	&wl_inversion, NULL
};

const struct wl_scenario *wl_scenario_find(const char *name)
{
	for (int i = 0; name && scenarios[i]; i++)
		if (!strcmp(name, scenarios[i]->name))
			return scenarios[i];
	return NULL;
}

const char *wl_scenario_names(void)
{
	static char names[256];
	size_t off = 0;

	for (int i = 0; scenarios[i] && off < sizeof(names); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
					i ? ", " : "", scenarios[i]->name);
	return names;
}

static const struct cli_cmd *scenario_cmd(size_t i);

static const struct cli_cmd workload_cmd = {
	"workload", "NAME [OPTIONS]",
	"Run a seed scenario and print its ground truth as JSON.\n"
	"'vmlockstat workload NAME --help' for a scenario's options.",
	NULL,
	.brief = "run a seed scenario, print its ground truth",
	.details =
	"Each scenario is a reproducible workload that makes page faults take "
	"mmap_lock in one known way (I/O under a writer, anonymous memory, "
	"memory pressure, swap, fork, /proc/PID/maps readers, priority "
	"inversion) and prints, at the end, one JSON object of what it did: per "
	"thread its tid, role, getrusage() minor and major faults, iterations "
	"and timings, and the /proc/vmstat delta. 'vmlockstat record --scenario "
	"NAME' records one and stores that ground truth with the run, beside "
	"what the trace says.\n\n"
	"Short options mean the same in every command: -d is --db, -f --format, "
	"-l --label, -p --pid, -r --run. The scenarios' -d (--dir), -f (--file), "
	"-l (--limit), -p (--pages) and -r (--random) of earlier versions still "
	"work, with a note on stderr.",
	.exit_status =
	"77 skipped: the machine lacks what the scenario needs (the reason is on "
	"stderr)\n"
	"128+N stopped by signal N (SIGINT, SIGTERM or SIGHUP) after cleaning up",
	.examples = (const struct cli_example[]){
		{ "vmlockstat workload iofault --random --threads 4 --writers 1",
		  "four threads fault a file in page by page under an mprotect writer" },
		{ "vmlockstat workload anon --help", "the options of one scenario" },
		{ 0 } },
	.args = CLI_ARGS_SUB,
	.sub = scenario_cmd,
};

const struct cli_cmd *cmd_workload_table(void)
{
	return &workload_cmd;
}

#define NSCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]) - 1)
#define SC_OPTS_MAX 32
#define SC_HELP_MAX 256

/* A scenario's table as `workload NAME --help`, its man page section and
 * the completion show it: its options with their defaults. */
struct sc_table {
	struct cli_cmd cmd;
	struct cli_opt opts[SC_OPTS_MAX + 1];
	char name[64];
	char help[SC_OPTS_MAX][SC_HELP_MAX];
};

/* The default of option id, from the scenario's defaults(); false for
 * flags (off) and for options whose help says it. */
static bool default_str(const struct wl_args *a, int id, char *buf, size_t n)
{
	static const char *const ops[] = { "mprotect", "munmap", "madvise" };
	unsigned long long v;

	switch (id) {
	case WL_O_THREADS: v = a->threads; break;
	case WL_O_WRITERS: v = a->writers; break;
	case WL_O_READERS: v = a->readers; break;
	case WL_O_SIZE: v = a->size_mb; break;
	case WL_O_PAGES: v = a->pages; break;
	case WL_O_WRITER_SLEEP: v = a->writer_sleep_us; break;
	case WL_O_WRITER_PAGES: v = a->writer_pages; break;
	case WL_O_ITERATIONS: v = a->iterations; break;
	case WL_O_LIMIT: v = a->limit_mb; break;
	case WL_O_WRITER_OP:
		return snprintf(buf, n, "%s", ops[a->writer_op]), true;
	case WL_O_WRITER_TARGET:
		return snprintf(buf, n, "%s", a->writer_other ? "other" : "same"), true;
	case WL_O_WRITER_PRIO:
		return a->writer_prio && snprintf(buf, n, "%s", a->writer_prio);
	case WL_O_NICE:
		return snprintf(buf, n, a->set_nice ? "%d" : "unchanged", a->nice), true;
	case WL_O_DURATION:
		return snprintf(buf, n, a->duration ? "%g" : "0, until the work is done",
				a->duration), true;
	default:
		return false;
	}
	snprintf(buf, n, "%llu", v);
	return true;
}

static const struct cli_cmd *scenario_cmd(size_t i)
{
	static struct sc_table tables[NSCENARIOS];
	const struct wl_scenario *sc = i < NSCENARIOS ? scenarios[i] : NULL;
	struct sc_table *t = sc ? &tables[i] : NULL;
	struct wl_args a;
	size_t k = 0;

	if (!t || t->cmd.name)
		return t ? &t->cmd : NULL;
	memset(&a, 0, sizeof(a));
	sc->defaults(&a);
	for (const struct cli_opt *o = sc->opts; o->name && k < SC_OPTS_MAX; o++, k++) {
		char def[64];

		t->opts[k] = *o;
		if (!o->arg || strstr(o->help, "(default") ||
		    !default_str(&a, o->id, def, sizeof(def)))
			continue;
		snprintf(t->help[k], SC_HELP_MAX, "%s (default: %s)", o->help, def);
		t->opts[k].help = t->help[k];
	}
	snprintf(t->name, sizeof(t->name), "workload %s", sc->name);
	t->cmd = (struct cli_cmd){ .name = t->name, .usage = "[OPTIONS]",
				   .summary = sc->summary, .opts = t->opts,
				   .brief = sc->summary };
	return &t->cmd;
}

static void list_scenarios(void)
{
	cli_print_help(&workload_cmd);
	printf("\nscenarios:\n");
	for (int i = 0; scenarios[i]; i++)
		printf("  %-10s %s\n", scenarios[i]->name, scenarios[i]->summary);
}

/* Short options of earlier versions that now mean something else in the
 * other commands (-d is --db, ...): still taken here, with a note. */
static const struct {
	char c;
	const char *name, *now;   /* the scenario's option, the letter's meaning */
} old_shorts[] = {
	{ 'd', "dir", "db" }, { 'f', "file", "format" }, { 'l', "limit", "label" },
	{ 'p', "pages", "pid" }, { 'r', "random", "run" },
};

static const struct cli_opt *find_opt(const struct cli_cmd *cmd, const char *name)
{
	for (const struct cli_opt *o = cmd->opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* An argument "-X" or "-Xvalue" of an old short option becomes "--name"
 * or "--name=value", in a buffer that lives as long as the process (the
 * parsed values point into it); past OLD_SHORTS_MAX of them, the rest are
 * left as they are (unknown options). */
#define OLD_SHORTS_MAX 8
static void old_short(const struct cli_cmd *cmd, char **arg)
{
	static char bufs[OLD_SHORTS_MAX][SC_HELP_MAX];
	static int nbufs;
	const char *a = *arg;
	char *buf = bufs[nbufs];
	size_t n = sizeof(bufs[0]);

	if (a[0] != '-' || !a[1] || a[1] == '-' || nbufs == OLD_SHORTS_MAX)
		return;
	for (size_t k = 0; k < sizeof(old_shorts) / sizeof(old_shorts[0]); k++) {
		const struct cli_opt *o = find_opt(cmd, old_shorts[k].name);

		if (a[1] != old_shorts[k].c || !o || (!o->arg && a[2]))
			continue;
		snprintf(buf, n, "--%s%s%s", o->name, a[2] ? "=" : "", a + 2);
		fprintf(stderr, "vmlockstat %s: note: -%c is now --%s (-%c is --%s "
			"in the other commands)\n", cmd->name, a[1], o->name, a[1],
			old_shorts[k].now);
		*arg = buf;
		nbufs++;
		return;
	}
}

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	return cli_parse_u64(s, out) && *out <= max;
}

static int parse_enum(const struct cli_cmd *cmd, struct wl_args *a, int id,
		      const char *v)
{
	static const char *const ops[] = { "mprotect", "munmap", "madvise", NULL };

	if (id == WL_O_WRITER_OP) {
		for (int i = 0; ops[i]; i++)
			if (!strcmp(v, ops[i])) {
				a->writer_op = (enum wl_writer_op)i;
				return 0;
			}
		return cli_usage(cmd, "--writer-op: '%s' is not mprotect, munmap or madvise", v);
	}
	if (id == WL_O_WRITER_TARGET) {
		if (strcmp(v, "same") && strcmp(v, "other"))
			return cli_usage(cmd, "--writer-target: '%s' is not same or other", v);
		a->writer_other = !strcmp(v, "other");
		return 0;
	}
	if (strcmp(v, "fifo") && strcmp(v, "nice"))
		return cli_usage(cmd, "--writer-prio: '%s' is not fifo or nice", v);
	a->writer_prio = v;
	return 0;
}

static int parse_number(const struct cli_cmd *cmd, struct wl_args *a, int id,
			const char *name, const char *v)
{
	unsigned long long n = 0;
	long long s;

	if (id == WL_O_NICE) {
		if (!cli_parse_i64(v, &s) || s < -20 || s > 19)
			return cli_usage(cmd, "--nice: '%s' is not -20..19", v);
		a->set_nice = true;
		a->nice = (int)s;
		return 0;
	}
	if (id == WL_O_DURATION) {
		if (!cli_parse_double(v, &a->duration) || a->duration < 0 ||
		    a->duration > 86400)
			return cli_usage(cmd, "--duration: '%s' is not 0..86400 seconds", v);
		return 0;
	}
	if (!parse_uint(v, 1ULL << 40, &n))
		return cli_usage(cmd, "--%s: '%s' is not a number", name, v);
	switch (id) {
	case WL_O_THREADS: a->threads = n > WL_MAX_THREADS ? WL_MAX_THREADS + 1 : (unsigned)n; break;
	case WL_O_WRITERS: a->writers = n > WL_MAX_THREADS ? WL_MAX_THREADS + 1 : (unsigned)n; break;
	case WL_O_READERS: a->readers = n > WL_MAX_THREADS ? WL_MAX_THREADS + 1 : (unsigned)n; break;
	case WL_O_SIZE: a->size_mb = n; break;
	case WL_O_PAGES: a->pages = n; break;
	case WL_O_WRITER_SLEEP: a->writer_sleep_us = n; break;
	case WL_O_WRITER_PAGES: a->writer_pages = n; break;
	case WL_O_ITERATIONS: a->iterations = n; break;
	case WL_O_LIMIT: a->limit_mb = n; break;
	}
	return 0;
}

static const char *opt_name(const struct cli_cmd *cmd, int id)
{
	for (const struct cli_opt *o = cmd->opts; o->name; o++)
		if (o->id == id)
			return o->name;
	return "?";
}

static int parse_opt(const struct cli_cmd *cmd, struct wl_args *a, int id,
		     const char *v)
{
	switch (id) {
	case WL_O_RANDOM: a->random = true; return 0;
	case WL_O_SHARED_VMA: a->shared_vma = true; return 0;
	case WL_O_THP: a->thp = true; return 0;
	case WL_O_SETUP_SWAP: a->setup_swap = true; return 0;
	case WL_O_FILE: a->file = v; return 0;
	case WL_O_DIR: a->dir = v; return 0;
	case WL_O_TRUTH: a->truth = v; return 0;
	case WL_O_WRITER_OP:
	case WL_O_WRITER_TARGET:
	case WL_O_WRITER_PRIO:
		return parse_enum(cmd, a, id, v);
	default:
		return parse_number(cmd, a, id, opt_name(cmd, id), v);
	}
}

static int parse(const struct cli_cmd *cmd, struct wl_args *a, int argc,
		 char **argv)
{
	struct cli_parser p;
	int id, ret = 0;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		old_short(cmd, &argv[i]);
	if (cli_parser_init(&p, cmd, argc, argv))
		return CLI_EXIT_FAIL;
	while ((id = cli_next(&p)) > 0) {
		ret = parse_opt(cmd, a, id, p.optarg);
		if (ret)
			break;
	}
	if (!ret && id == CLI_HELP)
		ret = CLI_HELP;
	else if (!ret && id < 0)
		ret = CLI_EXIT_USAGE;
	else if (!ret && p.npos)
		ret = cli_usage(cmd, "unexpected argument '%s'", p.pos[0]);
	cli_parser_free(&p);
	return ret;
}

static int finish(int ret)
{
	int sig = wl_signal;

	wl_cleanup_run();
	fflush(stdout);
	if (sig) {
		/* die by the signal, as a shell expects, now that nothing is
		 * left behind */
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return ret;
}

int cmd_workload(int argc, char **argv)
{
	const struct wl_scenario *sc = NULL;
	const struct cli_cmd *cmd;
	struct wl_args a;
	int ret;

	if (argc < 2)
		return cli_usage(&workload_cmd, "which scenario?");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		list_scenarios();
		return CLI_EXIT_OK;
	}
	sc = wl_scenario_find(argv[1]);
	if (!sc)
		return cli_usage(&workload_cmd, "unknown scenario '%s' (%s)", argv[1],
				 wl_scenario_names());
	cmd = NULL;
	for (size_t i = 0; i < NSCENARIOS; i++)
		if (scenarios[i] == sc)
			cmd = scenario_cmd(i);
	memset(&a, 0, sizeof(a));
	sc->defaults(&a);
	ret = parse(cmd, &a, argc - 1, argv + 1);
	if (ret)
		return ret == CLI_HELP ? CLI_EXIT_OK : ret;
	if (wl_signals_install()) {
		cli_err(cmd, "cannot install signal handlers");
		return CLI_EXIT_FAIL;
	}
	return finish(sc->run(cmd, &a));
}
