/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record_scenario.c - `vmlockstat record --scenario NAME [OPTS]`: the
 * built-in workloads under the recorder (see record_scenario.h).
 *
 * The ground truth travels in the recording's own metadata (the sidecar
 * "<trace>.meta"), so every later import of the trace.dat, with --db or
 * `vmlockstat import`, stores it with the run; report reads it from there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record_scenario.h"
#include "workload/common.h"

/* run_meta values are limited to 64 KB (lib/meta.c); a truth above this
 * stays in its file only. */
#define TRUTH_MAX (60u * 1024u)

/* Record's options that take an argument: "--scenario" after one of them
 * is that option's argument, not ours. */
static bool takes_arg(const struct cli_cmd *cmd, const char *a)
{
	for (const struct cli_opt *o = cmd->opts; o->name; o++) {
		if (!o->arg)
			continue;
		if (a[0] == '-' && a[1] == '-' && !strcmp(a + 2, o->name))
			return true;
		if (o->short_name && a[0] == '-' && a[1] == o->short_name && !a[2])
			return true;
	}
	return false;
}

static int take_scenario(struct rec_scenario *s, const struct cli_cmd *cmd,
			 int i, int argc, char **argv)
{
	int first = i + 1;

	if (!strncmp(argv[i], "--scenario=", 11)) {
		s->name = argv[i] + 11;
	} else {
		if (i + 1 >= argc)
			return cli_usage(cmd, "--scenario needs a NAME (%s)",
					 wl_scenario_names());
		s->name = argv[i + 1];
		first = i + 2;
	}
	if (!wl_scenario_find(s->name))
		return cli_usage(cmd, "unknown scenario '%s' (%s)", s->name,
				 wl_scenario_names());
	s->args = argv + first;
	s->nargs = argc - first;
	if (s->nargs > REC_SCENARIO_ARGS_MAX)
		return cli_usage(cmd, "more than %d scenario options",
				 REC_SCENARIO_ARGS_MAX);
	for (int k = 0; k < s->nargs; k++)
		if (!strcmp(s->args[k], "--help") || !strcmp(s->args[k], "-h"))
			s->help = true;
	return 0;
}

int rec_scenario_split(struct rec_scenario *s, const struct cli_cmd *cmd,
		       int *argc, char **argv)
{
	memset(s, 0, sizeof(*s));
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--scenario") ||
		    !strncmp(argv[i], "--scenario=", 11)) {
			int ret = take_scenario(s, cmd, i, *argc, argv);

			*argc = i;
			return ret;
		}
		if (takes_arg(cmd, argv[i]))
			i++;
	}
	return 0;
}

/* Append to buf, space-separated; false when it does not fit. */
static bool append(char *buf, size_t size, const char *word)
{
	size_t len = strlen(buf);
	int n = snprintf(buf + len, size - len, "%s%s", len ? " " : "", word);

	return n >= 0 && (size_t)n < size - len;
}

/* The options as given, without --truth FILE (a path says nothing about
 * the experiment); the workload's truth path, given or ours. */
static int scan_args(struct rec_scenario *s, const struct cli_cmd *cmd)
{
	for (int k = 0; k < s->nargs; k++) {
		const char *a = s->args[k];

		if (!strcmp(a, "--truth") && k + 1 < s->nargs) {
			snprintf(s->truth, sizeof(s->truth), "%s", s->args[++k]);
			continue;
		}
		if (!strncmp(a, "--truth=", 8)) {
			snprintf(s->truth, sizeof(s->truth), "%s", a + 8);
			continue;
		}
		if (!append(s->args_text, sizeof(s->args_text), a))
			return cli_usage(cmd, "scenario options longer than %d bytes",
					 REC_SCENARIO_TEXT_MAX);
	}
	return 0;
}

int rec_scenario_prepare(struct rec_scenario *s, const struct cli_cmd *cmd,
			 const char *output)
{
	ssize_t n = readlink("/proc/self/exe", s->exe, sizeof(s->exe) - 1);
	int ret = scan_args(s, cmd);

	if (ret)
		return ret;
	if (n <= 0) {
		cli_err(cmd, "cannot find this program (/proc/self/exe): %s",
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	s->exe[n] = 0;
	if (!s->truth[0] && snprintf(s->truth, sizeof(s->truth), "%s.truth.json",
				     output) >= (int)sizeof(s->truth))
		return cli_usage(cmd, "output path too long");
	snprintf(s->label, sizeof(s->label), "%s%s%s", s->name,
		 s->args_text[0] ? " " : "", s->args_text);
	s->argv[s->argc++] = s->exe;
	s->argv[s->argc++] = "workload";
	s->argv[s->argc++] = (char *)s->name;
	for (int k = 0; k < s->nargs; k++)
		s->argv[s->argc++] = s->args[k];
	s->argv[s->argc++] = "--truth";
	s->argv[s->argc++] = s->truth;   /* given twice: the last one wins */
	s->argv[s->argc] = NULL;
	return 0;
}

/* Never store the truth of an earlier run: called once the recording's
 * outputs have been checked, so a refused recording leaves it alone. */
int rec_scenario_clear_truth(const struct rec_scenario *s, const struct cli_cmd *cmd)
{
	if (unlink(s->truth) && errno != ENOENT) {
		cli_err(cmd, "cannot remove %s: %s", s->truth, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* The truth file as one string without its final newline, or NULL. */
static char *read_truth(const struct rec_scenario *s, const struct cli_cmd *cmd)
{
	FILE *f = fopen(s->truth, "re");
	char *buf = NULL;
	size_t n;

	if (!f) {
		cli_err(cmd, "warning: scenario %s wrote no ground truth (%s: %s)",
			s->name, s->truth, strerror(errno));
		return NULL;
	}
	buf = malloc(TRUTH_MAX + 1);
	n = buf ? fread(buf, 1, TRUTH_MAX + 1, f) : 0;
	if (buf && (n == 0 || n > TRUTH_MAX || ferror(f))) {
		cli_err(cmd, "warning: ground truth %s is %s: not stored with the run",
			s->truth, n ? "larger than 60 KB" : "empty or unreadable");
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (!buf)
		return NULL;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	return buf;
}

void rec_scenario_meta(const struct rec_scenario *s, const struct cli_cmd *cmd,
		       vls_record *rec)
{
	char *truth;

	if (!s->name)
		return;
	vls_record_set_meta(rec, "workload.scenario", s->name);
	vls_record_set_meta(rec, "workload.args", s->args_text);
	vls_record_set_meta(rec, "workload.truth_file", s->truth);
	truth = read_truth(s, cmd);
	if (truth && vls_record_set_meta(rec, "workload.truth", truth) == 0)
		fprintf(stderr, "vmlockstat record: ground truth of scenario %s in "
			"%s (stored with the run)\n", s->name, s->truth);
	free(truth);
}
