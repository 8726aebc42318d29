/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_serve.c - vmlockstat serve: the local dashboard over a DB opened
 * read-only (http_*.c). Loopback by default; SIGINT/SIGTERM stop it
 * cleanly (exit 0).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "http.h"

enum { OPT_DB = 1, OPT_LISTEN, OPT_LOG, OPT_THREADS };

static const struct cli_opt opts[] = {
	{ "db", 'd', "FILE", "the DB (default: $VMLOCKSTAT_DB or ./vmlockstat.db)",
	  OPT_DB },
	{ "listen", 'L', "ADDR:PORT", "where to listen (default: 127.0.0.1:8080, "
	  "another free port if taken; [::1]:PORT for IPv6)", OPT_LISTEN },
	{ "log-requests", 0, NULL, "print each request received on stderr", OPT_LOG },
	{ "threads", 0, "N", "worker threads (default: one per CPU, 2 to 16)",
	  OPT_THREADS },
	{ 0 }
};

static const struct cli_cmd cmd = {
	"serve", "[OPTIONS]",
	"Serve the dashboard (runs, kernel x arch matrix, compare, run detail)\n"
	"and its JSON API under /api/, from the DB opened read-only.", opts,
	.brief = "the local dashboard and its JSON API",
	.details =
	"The dashboard is a single page served from the binary: the runs, the "
	"kernel x arch matrix, a comparison of runs or labels and each run's "
	"report with its charts. The API serves the same JSON as 'report --json' "
	"and 'compare --json'. It listens on the loopback by default: anyone who "
	"can reach another address can read the DB. SIGINT and SIGTERM stop it "
	"cleanly (exit 0).",
	.examples = (const struct cli_example[]){
		{ "vmlockstat serve", "on http://127.0.0.1:8080/ (or the next free port)" },
		{ "vmlockstat serve --db runs.db --listen [::1]:9000", "another DB, IPv6" },
		{ 0 } },
};

const struct cli_cmd *cmd_serve_table(void)
{
	return &cmd;
}

static int listen_ok(struct http_conf *c, const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	if (http_parse_listen(&ss, &len, spec, err, sizeof(err)))
		return cli_usage(&cmd, "%s", err);
	c->listen = spec;
	return 0;
}

static int parse(struct http_conf *c, int argc, char **argv)
{
	struct cli_parser p;
	unsigned long long n;
	int id, ret = 0;

	if (cli_parser_init(&p, &cmd, argc, argv))
		return CLI_EXIT_FAIL;
	while (!ret && (id = cli_next(&p)) > 0) {
		if (id == OPT_DB)
			c->db_path = p.optarg;
		else if (id == OPT_LISTEN)
			ret = listen_ok(c, p.optarg);
		else if (id == OPT_LOG)
			c->log_requests = true;
		else if (!cli_parse_u64(p.optarg, &n) || n < 1 || n > 16)
			ret = cli_usage(&cmd, "--threads wants 1 to 16, not '%s'", p.optarg);
		else
			c->threads = (unsigned int)n;
	}
	if (!ret && id == CLI_HELP)
		ret = CLI_HELP;
	else if (!ret && id < 0)
		ret = CLI_EXIT_USAGE;
	else if (!ret && p.npos)
		ret = cli_usage(&cmd, "unexpected argument '%s'", p.pos[0]);
	cli_parser_free(&p);
	return ret;
}

/* Fail early, in the terminal, if the DB cannot be read. */
static int check_db(const char *path)
{
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	int ret;

	if (cli_ctx_new(&ctx, false))
		return CLI_EXIT_FAIL;
	ret = vls_db_open(&db, ctx, path, VLS_DB_READONLY);
	if (ret == VLS_ENOTFOUND) {
		cli_err(&cmd, "%s: no such DB ('vmlockstat import' creates one)", path);
		ret = CLI_EXIT_FAIL;
	} else if (ret) {
		ret = cli_fail(&cmd, ctx, ret, "cannot open the DB");
	}
	vls_db_close(db);
	vls_ctx_free(ctx);
	return ret;
}

/* Block the stop signals in every thread (the pool inherits the mask) and
 * wait for one here: no handler runs inside libmicrohttpd's threads. */
static int serve(const struct http_conf *conf)
{
	struct http_server *s = NULL;
	char err[256];
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (http_server_start(&s, conf, err, sizeof(err))) {
		cli_err(&cmd, "%s", err);
		return CLI_EXIT_FAIL;
	}
	if (!http_server_loopback(s))
		cli_err(&cmd, "warning: listening on %s, not loopback: anyone who can "
			"reach it can read the DB", conf->listen);
	printf("serving %s\n", http_server_url(s));
	fflush(stdout);
	sigwait(&set, &sig);
	fprintf(stderr, "vmlockstat serve: %s, stopping\n",
		sig == SIGINT ? "interrupted" : "terminated");
	http_server_stop(s);
	return CLI_EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
	struct http_conf conf = { cli_default_db(), NULL, false, 0 };
	int ret = parse(&conf, argc, argv);

	if (ret)
		return ret == CLI_HELP ? CLI_EXIT_OK : ret;
	ret = check_db(conf.db_path);
	return ret ? ret : serve(&conf);
}
