/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts.c - option tables, help text, messages and strict number parsing:
 * nothing of the library but vls_text_escape(), so the static guest
 * workload (cli/workload/main.c) is built from it too. Library errors
 * become exit codes in opts_lib.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_print_help(const struct cli_cmd *cmd)
{
	printf("usage: vmlockstat %s %s\n\n%s\n", cmd->name, cmd->usage,
	       cmd->summary);
	if (!cmd->opts || !cmd->opts[0].name)
		return;
	printf("\noptions:\n");
	for (const struct cli_opt *o = cmd->opts; o->name; o++) {
		char left[64];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name,
				 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-28s %s\n", left, o->help);
	}
	printf("  %-28s %s\n", "-h, --help", CLI_HELP_TEXT);
}

/* Messages quote paths, labels and trace lines: their control
 * characters are escaped, never sent to the terminal. */
void cli_err(const struct cli_cmd *cmd, const char *fmt, ...)
{
	char msg[2048], esc[sizeof(msg) * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vmlockstat %s: %s\n", cmd->name,
		vls_text_escape(esc, sizeof(esc), msg));
}

int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmlockstat %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vmlockstat %s --help'.\n", cmd->name);
	return CLI_EXIT_USAGE;
}

int cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd, int argc,
		    char **argv)
{
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
	p->pos = calloc((size_t)argc + 1, sizeof(char *));
	return p->pos ? 0 : -1;
}

void cli_parser_free(struct cli_parser *p)
{
	free(p->pos);
	p->pos = NULL;
}

static const struct cli_opt *find_long(const struct cli_cmd *cmd,
				       const char *name, size_t len)
{
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_cmd *cmd, char c)
{
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static void rest_positional(struct cli_parser *p)
{
	while (p->i < p->argc)
		p->pos[p->npos++] = p->argv[p->i++];
}

/* --name=value, --name value, -x value, -xvalue */
static int take_arg(struct cli_parser *p, const struct cli_opt *o,
		    const char *inline_val, const char *shown)
{
	if (!o->arg) {
		if (inline_val) {
			cli_usage(p->cmd, "option '%s' takes no argument", shown);
			return -1;
		}
		p->optarg = NULL;
		return o->id;
	}
	if (inline_val) {
		p->optarg = inline_val;
		return o->id;
	}
	if (p->i >= p->argc) {
		cli_usage(p->cmd, "option '%s' needs an argument %s", shown, o->arg);
		return -1;
	}
	p->optarg = p->argv[p->i++];
	return o->id;
}

int cli_next(struct cli_parser *p)
{
	while (p->i < p->argc) {
		char *a = p->argv[p->i];

		if (!strcmp(a, "--")) {
			p->i++;
			rest_positional(p);
			return 0;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cli_print_help(p->cmd);
			return CLI_HELP;
		}
		if (a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			const struct cli_opt *o = find_long(p->cmd, a + 2, len);

			p->i++;
			if (!o) {
				cli_usage(p->cmd, "unknown option '%.*s'", (int)len + 2, a);
				return -1;
			}
			return take_arg(p, o, eq ? eq + 1 : NULL, a);
		}
		if (a[0] == '-' && a[1]) {
			const struct cli_opt *o = find_short(p->cmd, a[1]);
			char shown[3] = { '-', a[1], 0 };

			p->i++;
			if (!o) {
				cli_usage(p->cmd, "unknown option '%s'", shown);
				return -1;
			}
			if (!o->arg && a[2]) {
				cli_usage(p->cmd, "unknown option '%s'", a);
				return -1;
			}
			return take_arg(p, o, a[2] ? a + 2 : NULL, shown);
		}
		if (p->stop_at_positional) {
			rest_positional(p);
			return 0;
		}
		p->pos[p->npos++] = a;
		p->i++;
	}
	return 0;
}

bool cli_parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

bool cli_parse_i64(const char *s, long long *out)
{
	char *end;

	if (!s || !*s || *s == ' ')
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !errno && !*end;
}

bool cli_parse_double(const char *s, double *out)
{
	char *end;

	if (!s || !*s || *s == ' ')
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !errno && !*end && isfinite(*out);
}

bool cli_parse_duration_ns(const char *s, unsigned long long *out)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double v;

	if (!s || !*s || *s == ' ' || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return false;
	if (!*end && v == 0) {
		*out = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v *= units[i].ns;
		if (v > 3600e9)
			return false;
		*out = (unsigned long long)(v + 0.5);
		return true;
	}
	return false;
}
