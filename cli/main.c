/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - vmlockstat: dispatch to one subcommand.
 *
 * `vmlockstat help --man [CMD]`, `help --man-pages DIR` and `help
 * --completion` are for the build (CMakeLists.txt): the man pages and the
 * bash completion, written from the same tables as --help.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	int (*fn)(int argc, char **argv);
	const struct cli_cmd *(*table)(void);
	bool big_model;     /* builds a model of a whole run: cli_heap_huge() */
} commands[] = {
	{ cmd_record, cmd_record_table, false },
	{ cmd_import, cmd_import_table, false },
	{ cmd_runs, cmd_runs_table, false },
	{ cmd_report, cmd_report_table, true },
	{ cmd_compare, cmd_compare_table, true },
	{ cmd_serve, cmd_serve_table, false },
	{ cmd_workload, cmd_workload_table, false },
	{ cmd_lab, cmd_lab_table, false },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_cmd *cli_command_at(size_t i)
{
	return i < NCOMMANDS ? commands[i].table() : NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vmlockstat COMMAND [OPTIONS] [ARGS]\n\n"
		   "what page faults really do to mmap_lock\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].table()->name,
			commands[i].table()->brief);
	fprintf(f, "\n'vmlockstat COMMAND --help' for a command's options, "
		   "'man vmlockstat-COMMAND' for more.\n");
}

static int find(const char *name)
{
	for (size_t i = 0; name && i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].table()->name))
			return (int)i;
	return -1;
}

static int unknown(const char *name)
{
	fprintf(stderr, "vmlockstat: unknown command '%s'\n", name);
	usage(stderr);
	return CLI_EXIT_USAGE;
}

/* help, help CMD; and for the build: help --man [CMD], help --man-pages
 * DIR, help --completion. */
static int help(int argc, char **argv)
{
	char *cmd_help[] = { argv[1], "--help", NULL };
	int i;

	if (argc < 2) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--man") && argc < 4) {
		if (argc == 2)
			return cli_man_page(stdout, NULL);
		i = find(argv[2]);
		return i < 0 ? unknown(argv[2])
			     : cli_man_page(stdout, commands[i].table());
	}
	if (!strcmp(argv[1], "--man-pages") && argc == 3)
		return cli_man_pages(argv[2]);
	if (!strcmp(argv[1], "--completion") && argc == 2)
		return cli_completion(stdout);
	i = find(argv[1]);
	if (i < 0)
		return unknown(argv[1]);
	if (argc > 2) {
		fprintf(stderr, "vmlockstat help: one command at a time, not '%s'\n",
			argv[2]);
		return CLI_EXIT_USAGE;
	}
	return commands[i].fn(2, cmd_help);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "help"))
		return help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version")) {
		printf("vmlockstat %s\n", VLS_VERSION_STRING);
		return CLI_EXIT_OK;
	}
	i = find(argv[1]);
	if (i < 0)
		return unknown(argv[1]);
	if (commands[i].big_model)
		cli_heap_huge();
	return commands[i].fn(argc - 1, argv + 1);
}
