/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kshark.c - the KernelShark command that opens a run's trace with the
 * vmlockstat plugin (docs/kshark.md), for `report` and the dashboard. Only
 * when both are there: the plugin installed (or named by
 * $VMLOCKSTAT_KSHARK_PLUGIN) and the trace.dat the import read, by the
 * absolute path it recorded (run_meta source_path).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Where the build installs the plugin and where KernelShark looks, ':'
 * separated (CMakeLists.txt; empty when the plugin is not built). */
#ifndef VLS_KSHARK_PLUGINS
#define VLS_KSHARK_PLUGINS ""
#endif

/* The first candidate that is a readable file, copied into buf. */
static const char *plugin_path(char *buf, size_t len)
{
	const char *env = getenv("VMLOCKSTAT_KSHARK_PLUGIN");
	const char *s = VLS_KSHARK_PLUGINS;

	if (env && *env)
		return !access(env, R_OK) && strlen(env) < len ? strcpy(buf, env) : NULL;
	while (*s) {
		size_t n = strcspn(s, ":");

		if (n < len) {
			memcpy(buf, s, n);
			buf[n] = '\0';
			if (n && !access(buf, R_OK))
				return buf;
		}
		s += n + (s[n] == ':');
	}
	return NULL;
}

/* s in single quotes for a POSIX shell ('\'' for each quote), at o;
 * o has room for 4 * strlen(s) + 3. The end of what was written. */
static char *quote(char *o, const char *s)
{
	*o++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *s;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return o;
}

char *cli_kshark_command(vls_db *db, int64_t run_id)
{
	static const char prog[] = "kernelshark -p ";
	char plugin[4096], *out, *o;
	const char *trace = NULL, *format = NULL;

	/* KernelShark reads trace.dat only, not the text formats */
	if (!plugin_path(plugin, sizeof(plugin)) ||
	    vls_db_run_meta(&format, db, run_id, "format") || !format ||
	    strcmp(format, "tracedat") ||
	    vls_db_run_meta(&trace, db, run_id, "source_path") || !trace ||
	    access(trace, R_OK))
		return NULL;
	out = malloc(sizeof(prog) + 4 * (strlen(plugin) + strlen(trace)) + 8);
	if (!out)
		return NULL;
	o = quote(stpcpy(out, prog), plugin);
	*o++ = ' ';
	quote(o, trace);
	return out;
}
