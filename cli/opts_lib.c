/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts_lib.c - where the command meets the library: the one place where
 * library errors become exit codes, the context whose log goes to stderr,
 * the default DB path, a DB a command created for nothing (cli.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(const struct cli_cmd *cmd, vls_ctx *ctx, int err, const char *what)
{
	const char *msg = ctx ? vls_ctx_errmsg(ctx) : "";

	if (!msg || !*msg)
		msg = vls_strerror(err);
	if (what)
		cli_err(cmd, "%s: %s", what, msg);
	else
		cli_err(cmd, "%s", msg);
	return err == VLS_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

static void log_stderr(vls_log_level level, const char *msg, void *data)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	(void)data;
	fprintf(stderr, "vmlockstat: %s: %s\n", names[level], msg);
}

int cli_ctx_new(vls_ctx **out, bool verbose)
{
	int ret = vls_ctx_new(out);

	if (ret) {
		fprintf(stderr, "vmlockstat: %s\n", vls_strerror(ret));
		return ret;
	}
	vls_ctx_set_log(*out, log_stderr, verbose ? VLS_LOG_INFO : VLS_LOG_WARN, NULL);
	return 0;
}

const char *cli_default_db(void)
{
	const char *env = getenv("VMLOCKSTAT_DB");

	return env && *env ? env : "vmlockstat.db";
}

bool cli_db_absent(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 && errno == ENOENT;
}

void cli_db_discard(const struct cli_cmd *cmd, const char *path, bool created,
		    long long stored)
{
	if (created && !stored && unlink(path) < 0 && errno != ENOENT)
		cli_err(cmd, "warning: cannot remove %s: %s", path, strerror(errno));
}
