/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * man.c - the man pages, in roff (man(7)), written from the commands'
 * tables: the options are those --help prints, so the two cannot drift.
 * The build runs `vmlockstat help --man-pages DIR` (CMakeLists.txt) and
 * `cmake --install` puts the pages under share/man/man1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Text for roff: backslashes escaped, hyphens as \- (what a reader
 * copies must be an ASCII minus), a line never starts with a control
 * character. Terminal line breaks in the text (help strings are wrapped
 * for --help) become spaces; "\n\n" starts a paragraph. */
static void roff(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (*s == '\n') {
			bool para = s[1] == '\n';

			while (s[1] == '\n' || s[1] == ' ')
				s++;
			fputs(para ? "\n.PP\n" : "\n", f);
			bol = true;
			continue;
		}
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = false;
	}
}

static void title(FILE *f, const struct cli_cmd *cmd)
{
	char page[80];

	snprintf(page, sizeof(page), "vmlockstat%s%s", cmd ? "-" : "",
		 cmd ? cmd->name : "");
	for (char *c = page; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	fprintf(f, ".\\\" Written by 'vmlockstat help --man' from the option "
		   "tables (cli/); do not edit.\n");
	fprintf(f, ".TH \"%s\" \"1\" \"\" \"vmlockstat %s\" \"vmlockstat manual\"\n",
		page, VLS_VERSION_STRING);
}

static void opt_line(FILE *f, const struct cli_opt *o)
{
	fputs(".TP\n", f);
	if (o->short_name)
		fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
	fputs("\\fB\\-\\-", f);
	roff(f, o->name);
	fputs("\\fR", f);
	if (o->arg) {
		fputs(" \\fI", f);
		roff(f, o->arg);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff(f, o->help);
	fputc('\n', f);
}

static void options(FILE *f, const struct cli_cmd *cmd)
{
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		opt_line(f, o);
	opt_line(f, &(struct cli_opt){ "help", 'h', NULL, CLI_HELP_TEXT, 0 });
}

static bool has_opt(const struct cli_cmd *cmd, const char *name)
{
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (!strcmp(o->name, name))
			return true;
	return false;
}

/* "N text" lines: N tagged, text below it. */
static void exit_lines(FILE *f, const char *s)
{
	while (s && *s) {
		const char *sp = strchr(s, ' '), *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[512];

		if (!sp || (nl && sp > nl))
			break;
		snprintf(line, sizeof(line), "%.*s", (int)(len - (size_t)(sp - s) - 1),
			 sp + 1);
		fprintf(f, ".TP\n.B %.*s\n", (int)(sp - s), s);
		roff(f, line);
		fputc('\n', f);
		s = nl ? nl + 1 : s + len;
	}
}

static void exit_status(FILE *f, const struct cli_cmd *cmd)
{
	fputs(".SH EXIT STATUS\n", f);
	exit_lines(f, "0 success\n"
		      "1 failure: a bad trace, a DB that cannot be read or written, "
		      "a failed recording; the message says which\n"
		      "2 usage: an unknown option, a missing or malformed argument");
	exit_lines(f, cmd ? cmd->exit_status : NULL);
}

static void examples(FILE *f, const struct cli_cmd *cmd)
{
	if (!cmd->examples || !cmd->examples[0].line)
		return;
	fputs(".SH EXAMPLES\n", f);
	for (const struct cli_example *e = cmd->examples; e->line; e++) {
		fputs(".PP\n", f);
		roff(f, e->what);
		fputs(":\n.RS\n.nf\n\\fB$ ", f);
		roff(f, e->line);
		fputs("\\fR\n.fi\n.RE\n", f);
	}
}

static void see_also(FILE *f, const struct cli_cmd *cmd)
{
	bool first = true;

	fputs(".SH SEE ALSO\n", f);
	if (cmd) {
		fputs(".BR vmlockstat (1)", f);
		first = false;
	}
	for (size_t i = 0; cli_command_at(i); i++) {
		const struct cli_cmd *c = cli_command_at(i);

		if (c == cmd)
			continue;
		fprintf(f, "%s.BR vmlockstat\\-%s (1)", first ? "" : ",\n", c->name);
		first = false;
	}
	fputs(",\n.BR trace\\-cmd (1)\n.PP\nThe figures and the JSON contract: "
	      "docs/ in the source tree (faults.md, locks.md, report-json.md, "
	      "schema.md).\n", f);
}

/* A sub-command (a workload scenario): its options, with defaults. */
static void sub_section(FILE *f, const struct cli_cmd *sub)
{
	fprintf(f, ".SS ");
	roff(f, sub->name);
	fputc('\n', f);
	roff(f, sub->summary);
	fputc('\n', f);
	for (const struct cli_opt *o = sub->opts; o && o->name; o++)
		opt_line(f, o);
}

static void command_page(FILE *f, const struct cli_cmd *cmd)
{
	title(f, cmd);
	fprintf(f, ".SH NAME\nvmlockstat\\-%s \\- ", cmd->name);
	roff(f, cmd->brief ? cmd->brief : cmd->summary);
	fprintf(f, "\n.SH SYNOPSIS\n.B vmlockstat %s\n", cmd->name);
	roff(f, cmd->usage);
	fputs("\n.SH DESCRIPTION\n", f);
	roff(f, cmd->summary);
	if (cmd->details) {
		fputs("\n.PP\n", f);
		roff(f, cmd->details);
	}
	fputs("\n.SH OPTIONS\n", f);
	options(f, cmd);
	if (cmd->sub) {
		fputs(".SH SCENARIOS\n", f);
		for (size_t i = 0; cmd->sub(i); i++)
			sub_section(f, cmd->sub(i));
	}
	exit_status(f, cmd);
	if (has_opt(cmd, "db"))
		fputs(".SH ENVIRONMENT\n.TP\n.B VMLOCKSTAT_DB\nthe DB when "
		      "\\-\\-db is not given (else ./vmlockstat.db)\n", f);
	examples(f, cmd);
	see_also(f, cmd);
}

static void main_page(FILE *f)
{
	title(f, NULL);
	fputs(".SH NAME\nvmlockstat \\- what page faults really do to mmap_lock\n"
	      ".SH SYNOPSIS\n.B vmlockstat\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR] "
	      "[\\fIARGS\\fR]\n.br\n.B vmlockstat\n\\-\\-help | \\-\\-version\n"
	      ".SH DESCRIPTION\n", f);
	roff(f, "Since Linux 6.4 most user page faults run under a per-VMA lock "
	     "instead of the process-wide mmap_lock. But a fault that must wait "
	     "for I/O drops the VMA lock, returns VM_FAULT_RETRY, and the retry "
	     "takes mmap_lock: the old contention and priority inversion come "
	     "back. vmlockstat measures this from real kernel traces: how often "
	     "faults fall back to mmap_lock and why, per process and thread; "
	     "mmap_lock waits and holds and the wait-for chains behind long "
	     "waits; all of it compared across kernels, architectures and "
	     "workloads.\n\nTraces are recorded with 'vmlockstat record' (or "
	     "trace-cmd, or read from tracefs), imported into a SQLite DB, one "
	     "run each, then reported, compared and served as a dashboard.");
	fputs("\n.SH COMMANDS\n", f);
	for (size_t i = 0; cli_command_at(i); i++) {
		const struct cli_cmd *c = cli_command_at(i);

		fprintf(f, ".TP\n.BR vmlockstat\\-%s (1)\n", c->name);
		roff(f, c->brief);
		fputc('\n', f);
	}
	fputs(".SH OPTIONS\n.TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nlist the "
	      "commands\n.TP\n\\fB\\-\\-version\\fR\nprint the version\n", f);
	exit_status(f, NULL);
	fputs(".SH ENVIRONMENT\n.TP\n.B VMLOCKSTAT_DB\nthe DB of every command "
	      "when \\-\\-db is not given (else ./vmlockstat.db)\n", f);
	examples(f, &(struct cli_cmd){ .examples = (const struct cli_example[]){
		{ "vmlockstat record --db vmlockstat.db -- ./my-workload",
		  "record a command and import the recording" },
		{ "vmlockstat import --label stock trace.dat",
		  "import a trace-cmd trace.dat" },
		{ "vmlockstat compare stock patched", "before and after a patch" },
		{ "vmlockstat serve", "the dashboard on http://127.0.0.1:8080/" },
		{ 0 } } });
	see_also(f, NULL);
}

int cli_man_page(FILE *f, const struct cli_cmd *cmd)
{
	if (cmd)
		command_page(f, cmd);
	else
		main_page(f);
	if (fflush(f) || ferror(f)) {
		fprintf(stderr, "vmlockstat help: writing the man page: %s\n",
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int write_page(const char *dir, const struct cli_cmd *cmd)
{
	char path[4096];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/vmlockstat%s%s.1", dir, cmd ? "-" : "",
		 cmd ? cmd->name : "");
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "vmlockstat help: %s: %s\n", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	ret = cli_man_page(f, cmd);
	if (fclose(f) && !ret) {
		fprintf(stderr, "vmlockstat help: %s: %s\n", path, strerror(errno));
		ret = CLI_EXIT_FAIL;
	}
	return ret;
}

int cli_man_pages(const char *dir)
{
	int ret = write_page(dir, NULL);

	for (size_t i = 0; !ret && cli_command_at(i); i++)
		ret = write_page(dir, cli_command_at(i));
	return ret;
}
