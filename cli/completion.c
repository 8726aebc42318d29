/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * completion.c - the bash completion script, written from the commands'
 * tables by `vmlockstat help --completion` at build time (CMakeLists.txt
 * installs it as share/bash-completion/completions/vmlockstat).
 *
 * Commands, options, scenario names and option values known here are in
 * the script; run ids and labels come from the DB the command line names
 * (`vmlockstat runs --ids` / `--labels`, one read-only query).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The script's fixed part: helpers and the dispatcher. A command's own
 * part is two shell functions, _vmlockstat_value_KEY (the word after
 * one of its options) and _vmlockstat_args_KEY (its arguments), and the
 * variable _vmlockstat_opts_KEY; KEY is the command's name, or
 * workload_SCENARIO, with '-' as '_'. */
static const char helpers[] =
"# The DB the command line names (--db FILE, -d FILE, --db=FILE, -dFILE).\n"
"_vmlockstat_db() {\n"
"\tlocal i w\n"
"\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
"\t\tw=${COMP_WORDS[i]}\n"
"\t\tcase $w in\n"
"\t\t--db | -d)\n"
"\t\t\tif [[ ${COMP_WORDS[i + 1]} == = ]]; then\n"
"\t\t\t\tw=${COMP_WORDS[i + 2]}\n"
"\t\t\telse\n"
"\t\t\t\tw=${COMP_WORDS[i + 1]}\n"
"\t\t\tfi\n"
"\t\t\tprintf '%s\\n' \"${w/#\\~/$HOME}\"\n"
"\t\t\treturn ;;\n"
"\t\t-d?*) printf '%s\\n' \"${w#-d}\"; return ;;\n"
"\t\tesac\n"
"\tdone\n"
"}\n\n"
"# Words of the arguments that start with $cur.\n"
"_vmlockstat_add() {\n"
"\tlocal w\n"
"\tfor w; do\n"
"\t\t[[ $w == \"$cur\"* ]] && COMPREPLY+=(\"$w\")\n"
"\tdone\n"
"\treturn 0\n"
"}\n\n"
"# ids or labels: the runs of the DB (nothing when there is none).\n"
"_vmlockstat_runs() {\n"
"\tlocal db w\n"
"\tdb=$(_vmlockstat_db)\n"
"\twhile IFS= read -r w; do\n"
"\t\t[[ $w == \"$cur\"* ]] && COMPREPLY+=(\"$(printf '%q' \"$w\")\")\n"
"\tdone < <(\"${COMP_WORDS[0]}\" runs ${db:+--db \"$db\"} \"--$1\" 2>/dev/null)\n"
"\treturn 0\n"
"}\n\n"
"_vmlockstat_files() {\n"
"\tcompopt -o filenames 2>/dev/null\n"
"\tmapfile -t COMPREPLY < <(compgen \"${1:--f}\" -- \"$cur\")\n"
"\treturn 0\n"
"}\n\n";

static const char dispatcher[] =
"_vmlockstat() {\n"
"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
"\tlocal cmd=${COMP_WORDS[1]} key i w\n"
"\tCOMPREPLY=()\n"
"\tif ((COMP_CWORD == 1)); then\n"
"\t\t_vmlockstat_add $_vmlockstat_commands help --help --version\n"
"\t\treturn 0\n"
"\tfi\n"
"\t# --opt=value: bash makes '=' a word of its own\n"
"\tif [[ $cur == = ]]; then\n"
"\t\tcur= prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
"\telif [[ $prev == = ]]; then\n"
"\t\tprev=${COMP_WORDS[COMP_CWORD - 2]}\n"
"\tfi\n"
"\tkey=$cmd\n"
"\tcase $cmd in\n"
"\thelp)\n"
"\t\t((COMP_CWORD == 2)) && _vmlockstat_add $_vmlockstat_commands\n"
"\t\treturn 0 ;;\n"
"\tworkload)\n"
"\t\tif ((COMP_CWORD == 2)); then\n"
"\t\t\t_vmlockstat_add $_vmlockstat_scenarios\n"
"\t\t\treturn 0\n"
"\t\tfi\n"
"\t\tkey=workload_${COMP_WORDS[2]} ;;\n"
"\tesac\n"
"\t# record: after --scenario NAME, the scenario's options; after --, a\n"
"\t# command line\n"
"\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
"\t\tw=${COMP_WORDS[i]}\n"
"\t\tif [[ $w == -- ]]; then\n"
"\t\t\tif ((i + 1 == COMP_CWORD)); then\n"
"\t\t\t\tmapfile -t COMPREPLY < <(compgen -c -- \"$cur\")\n"
"\t\t\telse\n"
"\t\t\t\t_vmlockstat_files\n"
"\t\t\tfi\n"
"\t\t\treturn 0\n"
"\t\tfi\n"
"\t\tif [[ $w == --scenario ]]; then\n"
"\t\t\t((i + 1 == COMP_CWORD)) && break\n"
"\t\t\tkey=workload_${COMP_WORDS[i + 1]}\n"
"\t\t\tbreak\n"
"\t\tfi\n"
"\tdone\n"
"\tkey=${key//-/_}\n"
"\tdeclare -F \"_vmlockstat_value_$key\" >/dev/null || return 0\n"
"\t\"_vmlockstat_value_$key\" \"$prev\" && return 0\n"
"\tif [[ $cur == -* ]]; then\n"
"\t\tw=_vmlockstat_opts_$key\n"
"\t\t_vmlockstat_add ${!w}\n"
"\t\treturn 0\n"
"\tfi\n"
"\t\"_vmlockstat_args_$key\"\n"
"}\n"
"complete -F _vmlockstat vmlockstat\n";

/* KEY of a command: its name with ' ' and '-' as '_'. */
static void key(FILE *f, const char *name)
{
	for (const char *c = name; *c; c++)
		fputc(*c == ' ' || *c == '-' ? '_' : *c, f);
}

/* An argument placeholder that lists its values: "a|b|c" or "kernel,arch". */
static bool choices(const char *arg)
{
	bool sep = false;

	for (const char *c = arg; *c; c++) {
		if (*c == '|' || *c == ',')
			sep = true;
		else if (!(*c >= 'a' && *c <= 'z') && *c != '-')
			return false;
	}
	return sep;
}

/* What the shell offers after o: a case branch of _vmlockstat_value_KEY. */
static void value_case(FILE *f, const struct cli_opt *o)
{
	fputs("\t--", f);
	fputs(o->name, f);
	if (o->short_name)
		fprintf(f, " | -%c", o->short_name);
	fputs(") ", f);
	if (!strcmp(o->name, "run"))
		fputs("_vmlockstat_runs ids", f);
	else if (!strcmp(o->name, "label"))
		fputs("_vmlockstat_runs labels", f);
	else if (!strcmp(o->name, "scenario"))
		fputs("_vmlockstat_add $_vmlockstat_scenarios", f);
	else if (strstr(o->arg, "DIR"))
		fputs("_vmlockstat_files -d", f);
	else if (strstr(o->arg, "FILE") || strstr(o->arg, "PATH"))
		fputs("_vmlockstat_files", f);
	else if (choices(o->arg)) {
		fputs("_vmlockstat_add ", f);
		for (const char *c = o->arg; *c; c++)
			fputc(*c == '|' ? ' ' : *c, f);
	} else
		fputs(":", f);   /* a number or a name: nothing to offer */
	fputs(" ;;\n", f);
}

static void command(FILE *f, const struct cli_cmd *cmd)
{
	fputs("_vmlockstat_opts_", f);
	key(f, cmd->name);
	fputs("='", f);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		fprintf(f, "--%s ", o->name);
		if (o->short_name)
			fprintf(f, "-%c ", o->short_name);
	}
	fputs("--help -h'\n_vmlockstat_value_", f);
	key(f, cmd->name);
	fputs("() {\n\tcase $1 in\n", f);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (o->arg)
			value_case(f, o);
	fputs("\t*) return 1 ;;\n\tesac\n}\n_vmlockstat_args_", f);
	key(f, cmd->name);
	fputs("() {\n\t", f);
	switch (cmd->args) {
	case CLI_ARGS_FILES: fputs("_vmlockstat_files", f); break;
	case CLI_ARGS_RUNS:
		fputs("_vmlockstat_runs ids\n\t_vmlockstat_runs labels", f);
		break;
	default: fputs(":", f); break;
	}
	fputs("\n}\n\n", f);
}

static void names(FILE *f, const char *var, const struct cli_cmd *(*at)(size_t))
{
	fprintf(f, "%s='", var);
	for (size_t i = 0; at(i); i++) {
		const char *n = at(i)->name, *sp = strrchr(n, ' ');

		fprintf(f, "%s%s", i ? " " : "", sp ? sp + 1 : n);
	}
	fputs("'\n", f);
}

int cli_completion(FILE *f)
{
	const struct cli_cmd *(*scenarios)(size_t) = NULL;

	fputs("# bash completion for vmlockstat(1): written by 'vmlockstat help "
	      "--completion'\n# from the option tables (cli/); do not edit.\n\n", f);
	names(f, "_vmlockstat_commands", cli_command_at);
	for (size_t i = 0; cli_command_at(i); i++)
		if (cli_command_at(i)->sub)
			scenarios = cli_command_at(i)->sub;
	if (scenarios)
		names(f, "_vmlockstat_scenarios", scenarios);
	fputs("\n", f);
	fputs(helpers, f);
	for (size_t i = 0; cli_command_at(i); i++) {
		const struct cli_cmd *c = cli_command_at(i);

		command(f, c);
		for (size_t k = 0; c->sub && c->sub(k); k++)
			command(f, c->sub(k));
	}
	fputs(dispatcher, f);
	if (fflush(f) || ferror(f)) {
		fprintf(stderr, "vmlockstat help: writing the completion: %s\n",
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}
