/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - vmlockstat: dispatch to one subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "record", cmd_record, "record a trace.dat live (root): -- CMD, -p PID or -a" },
	{ "import", cmd_import, "import trace.dat or ftrace text into the DB" },
	{ "runs", cmd_runs, "list the runs in the DB" },
	{ "report", cmd_report, "faults, mmap_lock waits and chains of runs" },
	{ "compare", cmd_compare, "compare runs or labels (before/after, kernel x arch)" },
	{ "serve", cmd_serve, "the local dashboard and its JSON API" },
	{ "workload", cmd_workload, "run a seed scenario, print its ground truth" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vmlockstat COMMAND [OPTIONS] [ARGS]\n\n"
		   "what page faults really do to mmap_lock\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'vmlockstat COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmlockstat %s\n", VLS_VERSION_STRING);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vmlockstat: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
