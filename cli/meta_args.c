/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * meta_args.c - run metadata given on the command line: --meta KEY=VALUE and
 * --meta-file PREFIX=FILE, where FILE holds "name value" or "name=value"
 * lines (a /proc/vmstat snapshot, a kernel .config) stored as PREFIX.name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define META_MAX_PAIRS 8192
#define META_LINE_MAX 4096

static int push(struct cli_meta *m, const char *key, size_t klen,
		const char *val, size_t vlen)
{
	char **kv;

	if (m->n >= 2 * META_MAX_PAIRS) {
		fprintf(stderr, "vmlockstat: more than %d metadata items\n", META_MAX_PAIRS);
		return -1;
	}
	if (m->n + 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;

		kv = realloc(m->kv, cap * sizeof(*kv));
		if (!kv)
			return -1;
		m->kv = kv;
		m->cap = cap;
	}
	m->kv[m->n] = strndup(key, klen);
	m->kv[m->n + 1] = strndup(val, vlen);
	if (!m->kv[m->n] || !m->kv[m->n + 1]) {
		free(m->kv[m->n]);
		free(m->kv[m->n + 1]);
		return -1;
	}
	m->n += 2;
	return 0;
}

int cli_meta_add(struct cli_meta *m, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg) {
		fprintf(stderr, "vmlockstat: --meta wants KEY=VALUE, not '%s'\n", arg);
		return CLI_EXIT_USAGE;
	}
	return push(m, arg, (size_t)(eq - arg), eq + 1, strlen(eq + 1)) ? CLI_EXIT_FAIL : 0;
}

/* "pgfault 123", "CONFIG_PER_VMA_LOCK=y"; comments and blank lines skipped.
 * 0: added or skipped, 1: not such a line, < 0: out of memory. */
static int add_line(struct cli_meta *m, const char *prefix, char *line)
{
	char key[512];
	size_t klen, vlen;
	char *val;

	line[strcspn(line, "\r\n")] = '\0';
	if (!*line || *line == '#')
		return 0;
	klen = strcspn(line, " \t=");
	if (!klen || !line[klen])
		return 1;
	val = line + klen + strspn(line + klen, " \t=");
	vlen = strlen(val);
	if (snprintf(key, sizeof(key), "%s.%.*s", prefix, (int)klen, line) >= (int)sizeof(key))
		return 1;
	return push(m, key, strlen(key), val, vlen) ? -1 : 0;
}

int cli_meta_add_file(struct cli_meta *m, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char prefix[128], line[META_LINE_MAX];
	unsigned long lineno = 0;
	int ret = 0;
	FILE *f;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(prefix) || !eq[1]) {
		fprintf(stderr, "vmlockstat: --meta-file wants PREFIX=FILE, not '%s'\n", arg);
		return CLI_EXIT_USAGE;
	}
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(eq - arg), arg);
	f = fopen(eq + 1, "r");
	if (!f) {
		fprintf(stderr, "vmlockstat: %s: %s\n", eq + 1, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "vmlockstat: %s:%lu: line too long\n", eq + 1, lineno);
			ret = CLI_EXIT_FAIL;
			break;
		}
		ret = add_line(m, prefix, line);
		if (ret > 0) {
			fprintf(stderr, "vmlockstat: %s:%lu: not 'name value' or 'name=value'\n",
				eq + 1, lineno);
			ret = CLI_EXIT_FAIL;
		} else if (ret < 0) {
			ret = CLI_EXIT_FAIL;
		}
	}
	fclose(f);
	return ret;
}

void cli_meta_free(struct cli_meta *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->kv[i]);
	free(m->kv);
	memset(m, 0, sizeof(*m));
}
