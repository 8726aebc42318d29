/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - the vmlockstat command: a thin client of libvmlockstat.
 *
 * One cli/cmd_<name>.c per subcommand. Each declares a table of options
 * that both parses argv and prints --help, and returns an exit code made in
 * one place (cli_exit_code()): 0 success, 1 failure, 2 usage.
 */
#ifndef VLS_CLI_H
#define VLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "vmlockstat.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* One option. arg == NULL: a flag. Terminate tables with { 0 }. */
struct cli_opt {
	const char *name;   /* long name without "--" */
	char short_name;    /* 0 if none */
	const char *arg;    /* argument placeholder for help, NULL for a flag */
	const char *help;
	int id;             /* returned by cli_next() */
};

/* A man page example: the command line (after "$ "), what it does. */
struct cli_example {
	const char *line;
	const char *what;
};

/* What a command's positional arguments are, for completion. */
enum cli_args {
	CLI_ARGS_NONE = 0,
	CLI_ARGS_FILES,     /* trace files */
	CLI_ARGS_RUNS,      /* run ids and labels of the DB */
	CLI_ARGS_SUB,       /* a sub-command (cli_cmd.sub), then its options */
	CLI_ARGS_COMMAND,   /* after "--": a command line */
};

/* A command: its option table prints --help, the man page (man.c) and
 * the bash completion (completion.c); nothing about an option is said a
 * second time. Fields after opts may be left out. */
struct cli_cmd {
	const char *name;
	const char *usage;  /* after "vmlockstat NAME " */
	const char *summary; /* --help, and the man page's DESCRIPTION */
	const struct cli_opt *opts;
	const char *brief;   /* one line: `vmlockstat` and the man page's NAME */
	const char *details; /* DESCRIPTION after summary; "\n\n" between paragraphs */
	const char *exit_status;  /* statuses beyond 0, 1 and 2: "N text\n..." */
	const struct cli_example *examples;   /* { 0 } terminated */
	enum cli_args args;
	/* the i-th sub-command (workload's scenarios), NULL past the last */
	const struct cli_cmd *(*sub)(size_t i);
};

/* The i-th command's table, in the order `vmlockstat --help` lists them
 * (main.c); NULL past the last. */
const struct cli_cmd *cli_command_at(size_t i);

/* Pages and completion, from the tables (man.c, completion.c): the page
 * of cmd (NULL: vmlockstat(1) itself), every page into dir as
 * vmlockstat[-NAME].1, the bash completion script. Return an exit code. */
int cli_man_page(FILE *f, const struct cli_cmd *cmd);
int cli_man_pages(const char *dir);
/* heap.c: the heap of a command that builds a big model (report,
 * compare) on transparent huge pages where the kernel has them. */
void cli_heap_huge(void);
int cli_completion(FILE *f);

/* Option parser state over argv[1..]. Positional arguments are collected
 * in order; "--" ends the options (rest is positional). */
struct cli_parser {
	const struct cli_cmd *cmd;
	int argc;
	char **argv;
	int i;
	char **pos;
	int npos;
	const char *optarg;
	bool stop_at_positional; /* stop at the first positional (record -- CMD) */
};

/* Help was printed: the command exits CLI_EXIT_OK. cli_next() and every
 * command's argument parser return it; option ids are positive. */
#define CLI_HELP (-2)

/* Returns the id of the next option (> 0), 0 at the end, -1 on a usage
 * error (message printed), CLI_HELP after printing help. */
int cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd,
		    int argc, char **argv);
int cli_next(struct cli_parser *p);
void cli_parser_free(struct cli_parser *p);
void cli_print_help(const struct cli_cmd *cmd);
/* -h, --help: what every command's help and man page say of it */
#define CLI_HELP_TEXT "show this help"


/* Print "vmlockstat NAME: message" to stderr. */
void cli_err(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Usage error: message, hint to --help, returns CLI_EXIT_USAGE. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Library failure: prints "vmlockstat NAME: what: <ctx message>" (no
 * "what: " when NULL: the message names its object) and maps the code to
 * an exit status (VLS_EINVAL -> 2, others -> 1). */
int cli_fail(const struct cli_cmd *cmd, vls_ctx *ctx, int err,
	     const char *what);

/* Parse helpers: strict numbers; false on garbage or overflow. */
bool cli_parse_u64(const char *s, unsigned long long *out);
bool cli_parse_i64(const char *s, long long *out);
bool cli_parse_double(const char *s, double *out);
/* "100us", "1.5ms", "2s", "500ns", or "0": at most an hour, in ns. */
bool cli_parse_duration_ns(const char *s, unsigned long long *out);

/* A context whose log goes to stderr (errors and warnings; info with -v). */
int cli_ctx_new(vls_ctx **out, bool verbose);

/* Default DB path: $VMLOCKSTAT_DB or ./vmlockstat.db */
const char *cli_default_db(void);

/* A command that stores runs and created its DB removes it again when
 * nothing went into it: cli_db_absent(path) before the first read-write
 * open, cli_db_discard() at the end with the run count and that answer
 * (a warning when the file cannot be removed). An older DB is left as it
 * was: a failed import rolls its migration back. */
bool cli_db_absent(const char *path);
void cli_db_discard(const struct cli_cmd *cmd, const char *path, bool created,
		    long long stored);

/* Run metadata from the command line (meta_args.c): --meta KEY=VALUE and
 * --meta-file PREFIX=FILE ("name value" lines stored as PREFIX.name).
 * kv holds n strings: key, value, key, value, ... Return an exit code. */
struct cli_meta {
	char **kv;
	size_t n, cap;
};
int cli_meta_add(struct cli_meta *m, const char *arg);
int cli_meta_add_file(struct cli_meta *m, const char *arg);
void cli_meta_free(struct cli_meta *m);

/* Subcommands: each file's entry point and its table. */
/* kshark.c: the KernelShark command opening the run's trace with the
 * plugin (malloc'd), or NULL: no plugin, trace path unknown or gone. */
char *cli_kshark_command(vls_db *db, int64_t run_id);

int cmd_import(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_workload(int argc, char **argv);
int cmd_lab(int argc, char **argv);
const struct cli_cmd *cmd_import_table(void);
const struct cli_cmd *cmd_runs_table(void);
const struct cli_cmd *cmd_report_table(void);
const struct cli_cmd *cmd_compare_table(void);
const struct cli_cmd *cmd_record_table(void);
const struct cli_cmd *cmd_serve_table(void);
const struct cli_cmd *cmd_workload_table(void);
const struct cli_cmd *cmd_lab_table(void);

#endif /* VLS_CLI_H */
