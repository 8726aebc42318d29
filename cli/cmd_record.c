/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_record.c - vmlockstat record: run a command, follow processes or the
 * whole system, and write a trace.dat (plus FILE.meta) the rest of
 * vmlockstat and trace-cmd read.
 *
 * Signals are this file's business, not the library's: SIGINT, SIGTERM,
 * SIGHUP and SIGCHLD are blocked from the start and taken synchronously
 * with sigtimedwait(), so every way out goes through vls_record_stop() or
 * vls_record_free(), which leave tracefs as it was. SIGPIPE (our stderr
 * or stdout closed, `record ... 2>&1 | head`) has a handler that does
 * nothing: the message is lost, the recording goes on and is written. The
 * command runs with the original signal mask and dispositions (exec resets
 * a handler) and our stdin/stdout/stderr; its exit status becomes ours.
 */
#define _GNU_SOURCE     /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "record_scenario.h"
#include "workload/common.h"       /* WL_SKIP */

#define MAX_EVENTS 64
#define MAX_PIDS 1024
#define CMDLINE_MAX 4096
#define CHILD_GRACE_MS 2000     /* after forwarding a signal */

enum {
	OPT_OUTPUT = 1, OPT_DB, OPT_LABEL, OPT_EVENT, OPT_BUFFER, OPT_DURATION,
	OPT_PID, OPT_ALL, OPT_WRITE_STACKS, OPT_NO_WRITE_STACKS, OPT_VERBOSE,
	OPT_SCENARIO,
};

static const struct cli_opt record_opts[] = {
	{ "output", 'o', "FILE", "trace.dat to write (default trace.dat); "
	  "metadata goes to FILE.meta", OPT_OUTPUT },
	{ "db", 'd', "FILE", "also import the recording into this DB", OPT_DB },
	{ "label", 'l', "L", "label of the run (default: the trace's file name; "
	  "with --scenario, the scenario and its options)", OPT_LABEL },
	{ "event", 'e', "EVENT", "also record EVENT (system:event, system:* or "
	  "system); repeatable", OPT_EVENT },
	{ "buffer-kb", 'b', "KB", "ring buffer per CPU (default 4096)", OPT_BUFFER },
	{ "duration", 'D', "S", "stop after S seconds (default: when the "
	  "command exits, or Ctrl-C)", OPT_DURATION },
	{ "pid", 'p', "PID[,PID...]", "record these processes, all their "
	  "threads and children", OPT_PID },
	{ "all", 'a', NULL, "record the whole system (until --duration or "
	  "Ctrl-C)", OPT_ALL },
	{ "write-stacks", 0, NULL, "stacks on write acquisitions too (the "
	  "default)", OPT_WRITE_STACKS },
	{ "no-write-stacks", 0, NULL, "stacks on read acquisitions only (who "
	  "held it for write gets no call site)", OPT_NO_WRITE_STACKS },
	{ "verbose", 'v', NULL, "more messages", OPT_VERBOSE },
	{ "scenario", 0, "NAME", "record a built-in workload; the rest of the "
	  "line is its options (vmlockstat workload NAME --help); its ground "
	  "truth is stored with the run", OPT_SCENARIO },
	{ 0 },
};

static const struct cli_cmd record_cmd = {
	"record",
	"[OPTIONS] (-- CMD [ARGS...] | -p PID[,PID...] | -a | --scenario NAME [OPTS])",
	"Record mmap_lock, fault, scheduler, lock and block events with stacks "
	"into a trace.dat\n(needs root). With a command, its output and exit "
	"status pass through; if it\nsucceeds but the recording fails, the exit "
	"status is 1.",
	record_opts,
	.brief = "record a trace.dat live (root): -- CMD, -p PID or -a",
	.details =
	"Works in a private tracefs instance vmlockstat-PID, never the top "
	"instance: on exit, SIGINT, SIGTERM, SIGHUP and errors the triggers, "
	"events and pid filter are removed and the instance destroyed; after a "
	"SIGKILL the next run removes every vmlockstat-PID whose process is gone. "
	"A stacktrace trigger on mmap_lock_start_locking gives the stacks that "
	"tell why a fault fell back to mmap_lock.\n\n"
	"A SIGINT, SIGTERM or SIGHUP is forwarded to the command, which gets 2 s "
	"to exit while still traced; one still running when the recording is "
	"over gets SIGTERM (as with perf record). Before anything is traced or run, every "
	"output is checked (a directory, a device, a directory that takes no new "
	"files are refused) and the command is never started when one fails.\n\n"
	"--scenario NAME runs this binary's 'vmlockstat workload NAME' (see "
	"vmlockstat-workload(1)) and stores its ground truth with the run. "
	"docs/record.md has the events, the trace.dat written (version 6, which "
	"trace-cmd and KernelShark read) and its FILE.meta sidecar.",
	.exit_status =
	"N the command's own exit status (128+N if signal N killed it); 1 if it "
	"succeeded but the recording failed\n"
	"77 the scenario was skipped: this machine lacks what it needs",
	.examples = (const struct cli_example[]){
		{ "vmlockstat record --db vmlockstat.db -- ./my-workload",
		  "record a command and import the recording" },
		{ "vmlockstat record -a --duration 10 -o all.dat",
		  "the whole system for 10 seconds" },
		{ "vmlockstat record -o demo.dat -d demo.db --scenario iofault --random --threads 4",
		  "a built-in workload: faults after I/O under a writer" },
		{ 0 } },
	.args = CLI_ARGS_COMMAND,
};

const struct cli_cmd *cmd_record_table(void)
{
	return &record_cmd;
}

struct record_args {
	const char *output, *db, *label;
	const char *events[MAX_EVENTS + 1];
	size_t nevents;
	int32_t pids[MAX_PIDS];
	size_t npids;
	unsigned long long buffer_kb;
	double duration;
	bool all, write_stacks, verbose;
	char **cmd;
	int ncmd;
	struct rec_scenario sc;     /* --scenario */
};

/* State of the run, for the wait loop and the exit status. */
struct run {
	pid_t child;            /* 0: no command */
	bool child_done;
	int child_status;       /* waitpid status */
	int signal;             /* the signal that ended the recording, or 0 */
	const char *end;        /* why recording ended (metadata) */
	bool skipped;           /* the scenario exited WL_SKIP */
};

static int parse_pids(struct record_args *a, const char *s)
{
	char *copy = strdup(s), *save = NULL;
	int ret = 0;

	if (!copy)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long long v;

		if (!cli_parse_i64(t, &v) || v <= 0 || v > 0x7fffffff) {
			ret = cli_usage(&record_cmd, "bad pid '%s'", t);
			break;
		}
		if (a->npids >= MAX_PIDS) {
			ret = cli_usage(&record_cmd, "more than %d pids", MAX_PIDS);
			break;
		}
		a->pids[a->npids++] = (int32_t)v;
	}
	free(copy);
	return ret;
}

static int take_opt(struct record_args *a, int id, const char *arg)
{
	switch (id) {
	case OPT_OUTPUT: a->output = arg; return 0;
	case OPT_DB: a->db = arg; return 0;
	case OPT_LABEL: a->label = arg; return 0;
	case OPT_ALL: a->all = true; return 0;
	case OPT_WRITE_STACKS: a->write_stacks = true; return 0;
	case OPT_NO_WRITE_STACKS: a->write_stacks = false; return 0;
	case OPT_VERBOSE: a->verbose = true; return 0;
	case OPT_PID: return parse_pids(a, arg);
	case OPT_EVENT:
		if (a->nevents >= MAX_EVENTS)
			return cli_usage(&record_cmd, "more than %d -e", MAX_EVENTS);
		a->events[a->nevents++] = arg;
		return 0;
	case OPT_BUFFER:
		if (!cli_parse_u64(arg, &a->buffer_kb) || !a->buffer_kb ||
		    a->buffer_kb > 1024 * 1024)
			return cli_usage(&record_cmd, "bad buffer size '%s' (1..1048576 KB)",
					 arg);
		return 0;
	case OPT_DURATION:
		if (!cli_parse_double(arg, &a->duration) || a->duration <= 0 ||
		    a->duration > 1e7)
			return cli_usage(&record_cmd, "--duration wants seconds, more "
					 "than 0 and at most 10000000, not '%s'", arg);
		return 0;
	}
	return CLI_EXIT_USAGE;
}

/* --scenario: the command is this binary's `workload NAME ...`; the run
 * is labelled with the scenario and its options unless --label says. */
static int scenario_args(struct record_args *a)
{
	int ret = rec_scenario_prepare(&a->sc, &record_cmd, a->output);

	if (ret)
		return ret;
	a->cmd = a->sc.argv;
	a->ncmd = a->sc.argc;
	if (!a->label)
		a->label = a->sc.label;
	return 0;
}

/* `record --scenario NAME --help`: the scenario's help, nothing recorded. */
static int scenario_help(const struct rec_scenario *sc)
{
	char *argv[REC_SCENARIO_ARGS_MAX + 3] = { "workload", (char *)sc->name };

	for (int i = 0; i < sc->nargs; i++)
		argv[i + 2] = sc->args[i];
	return cmd_workload(sc->nargs + 2, argv);
}

/* Returns 0, CLI_HELP after --help, or an exit status. */
static int parse_args(struct record_args *a, int argc, char **argv)
{
	struct cli_parser p;
	int id, ret = rec_scenario_split(&a->sc, &record_cmd, &argc, argv);

	if (ret || a->sc.help)
		return ret;
	if (cli_parser_init(&p, &record_cmd, argc, argv))
		return CLI_EXIT_FAIL;
	p.stop_at_positional = true;
	while (!ret && (id = cli_next(&p)) != 0) {
		if (id < 0)
			ret = id == CLI_HELP ? CLI_HELP : CLI_EXIT_USAGE;
		else
			ret = take_opt(a, id, p.optarg);
	}
	/* pos[] points into argv: it outlives the parser. */
	a->cmd = p.npos ? argv + (argc - p.npos) : NULL;
	a->ncmd = p.npos;
	cli_parser_free(&p);
	if (ret)
		return ret;
	if ((a->ncmd > 0) + (a->npids > 0) + a->all + (a->sc.name != NULL) != 1)
		return cli_usage(&record_cmd, "give exactly one of: -- CMD, -p PID, -a, "
				 "--scenario NAME");
	return a->sc.name ? scenario_args(a) : 0;
}

/* The command line as one string, arguments with odd characters quoted. */
static void join_cmdline(char *buf, size_t size, char **argv, int argc)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < argc && off + 8 < size; i++) {
		bool q = strpbrk(argv[i], " \t\n'\"\\$`*?;&|<>()") || !*argv[i];

		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? " " : "",
					q ? "'" : "");
		for (const char *c = argv[i]; *c && off + 8 < size; c++)
			off += (size_t)(*c == '\'' ?
				snprintf(buf + off, size - off, "'\\''") :
				snprintf(buf + off, size - off, "%c", *c));
		if (q && off + 2 < size)
			off += (size_t)snprintf(buf + off, size - off, "'");
	}
}

/*
 * Fork the command; it waits on go_fd until the recording runs, so its
 * exec and first faults are traced. If we die first it reads EOF and
 * exits 127 without running. An exec failure comes back on err_fd.
 */
static pid_t spawn(char **argv, const sigset_t *mask, int *go_fd, int *err_fd)
{
	int go[2], er[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(er, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		char c = 0;
		int e;

		close(go[1]);
		close(er[0]);
		sigprocmask(SIG_SETMASK, mask, NULL);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		if (c != 'g')
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(er[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(er[1]);
	if (pid < 0) {
		close(go[1]);
		close(er[0]);
		return -1;
	}
	*go_fd = go[1];
	*err_fd = er[0];
	return pid;
}

/* Let the command run; 0 or the errno of a failed exec. */
static int release_child(int go_fd, int err_fd)
{
	int e = 0;
	ssize_t n;

	if (write(go_fd, "g", 1) != 1)
		e = errno;
	close(go_fd);
	do
		n = read(err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(err_fd);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static bool reap(struct run *r, bool block)
{
	int st;

	if (!r->child || r->child_done)
		return r->child_done;
	if (waitpid(r->child, &st, block ? 0 : WNOHANG) == r->child) {
		r->child_done = true;
		r->child_status = st;
	}
	return r->child_done;
}

static bool targets_gone(const struct record_args *a)
{
	for (size_t i = 0; i < a->npids; i++)
		if (kill(a->pids[i], 0) == 0 || errno == EPERM)
			return false;
	return true;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait (signals blocked) for one of the wanted signals or a timeout in
 * seconds. Returns the signal, or 0 on timeout. */
static int wait_signal(const sigset_t *set, double timeout)
{
	struct timespec ts;
	int sig;

	if (timeout < 0)
		timeout = 0;
	ts.tv_sec = (time_t)timeout;
	ts.tv_nsec = (long)((timeout - (double)ts.tv_sec) * 1e9);
	sig = sigtimedwait(set, NULL, &ts);
	return sig < 0 ? 0 : sig;
}

/* Until the command exits, the targets are gone, the duration passes or
 * a signal arrives. */
static void wait_end(const struct record_args *a, struct run *r,
		     const sigset_t *set)
{
	double deadline = a->duration > 0 ? mono_s() + a->duration : 0;

	while (1) {
		double left = deadline ? deadline - mono_s() : 1.0;
		int sig;

		if (reap(r, false)) {
			r->end = "command-exit";
			return;
		}
		if (a->npids && targets_gone(a)) {
			r->end = "targets-exited";
			return;
		}
		if (deadline && left <= 0) {
			r->end = "duration";
			return;
		}
		sig = wait_signal(set, a->npids && left > 0.2 ? 0.2 : left > 1 ? 1 : left);
		if (sig && sig != SIGCHLD) {
			r->signal = sig;
			r->end = sig == SIGINT ? "sigint" : sig == SIGTERM ? "sigterm" : "signal";
			return;
		}
	}
}

/* A signal meant for the recording also ends the command (as with perf):
 * forward it and give the command a moment, still traced, to exit. */
static void forward_signal(struct run *r, const sigset_t *set)
{
	double until = mono_s() + CHILD_GRACE_MS / 1000.0;

	if (!r->child || !r->signal || reap(r, false))
		return;
	kill(r->child, r->signal);
	while (!reap(r, false) && mono_s() < until)
		wait_signal(set, 0.05);
}

/* The recording is over and a signal ended it, yet the command outlived the
 * forwarded signal (a shell waiting on its own child does: it exits only if
 * the child died of SIGINT too). As perf record does: SIGTERM, and say so,
 * rather than wait for a command that may never end. */
static void end_child(struct run *r)
{
	if (!r->child || !r->signal || reap(r, false))
		return;
	cli_err(&record_cmd, "the command (pid %d) is still running %d ms after SIG%s: "
		"sending SIGTERM%s", (int)r->child, CHILD_GRACE_MS, sigabbrev_np(r->signal),
		r->signal == SIGTERM ? " again" : "");
	kill(r->child, SIGTERM);
}

static int child_exit_code(const struct run *r)
{
	if (WIFEXITED(r->child_status))
		return WEXITSTATUS(r->child_status);
	if (WIFSIGNALED(r->child_status))
		return 128 + WTERMSIG(r->child_status);
	return CLI_EXIT_FAIL;
}

static void report_lost(vls_record *rec)
{
	vls_record_stats st;
	char key[32];

	vls_record_get_stats(rec, &st);
	if (!st.lost_events)
		return;
	fprintf(stderr, "\nvmlockstat record: *** LOST %llu EVENTS ***",
		(unsigned long long)st.lost_events);
	for (uint32_t c = 0; c < st.ncpus; c++) {
		const char *v;

		snprintf(key, sizeof(key), "cpu%u.lost", c);
		v = vls_record_meta(rec, key);
		if (v && strcmp(v, "0"))
			fprintf(stderr, " cpu%u: %s", c, v);
	}
	fprintf(stderr, "\nvmlockstat record: the %u KB per-CPU buffer overflowed: "
		"analysis of this run is incomplete.\nvmlockstat record: try again "
		"with -b %u\n\n", st.buffer_kb, st.suggested_kb);
}

static void report_done(const struct record_args *a, vls_record *rec)
{
	vls_record_stats st;
	const char *missing = vls_record_meta(rec, "events.missing");

	vls_record_get_stats(rec, &st);
	fprintf(stderr, "vmlockstat record: wrote %s (%llu KB of trace from %u CPUs) "
		"and %s.meta\n", a->output, (unsigned long long)(st.bytes / 1024),
		st.ncpus, a->output);
	if (missing && *missing)
		fprintf(stderr, "vmlockstat record: not on this kernel: %s\n", missing);
	report_lost(rec);
}

/* A scenario that exited WL_SKIP did not run its workload: it says why
 * on stderr (ours), and its recording says nothing. */
static void report_skipped(const struct record_args *a, const struct run *r)
{
	fprintf(stderr, "vmlockstat record: scenario %s skipped (exit %d, the "
		"reason is above): %s not written%s%s\n", a->sc.name,
		child_exit_code(r), a->output, a->db ? ", no run stored in " : "",
		a->db ? a->db : "");
}

/*
 * --db is checked before the command exists: a DB that cannot take the run
 * fails now, not after the command. It is opened (created or migrated, as
 * import does) only once there is a recording to import: a recording that
 * fails leaves the DB as it was.
 */
static int check_db(const struct record_args *a, vls_ctx *ctx)
{
	int ret;

	if (!a->db)
		return 0;
	ret = vls_db_check(ctx, a->db);
	return ret ? cli_fail(&record_cmd, ctx, ret, "--db") : 0;
}

/* A DB this import created goes again when no run went into it. */
static int import_db(const struct record_args *a, vls_ctx *ctx)
{
	vls_import_opts iopts = VLS_IMPORT_OPTS_INIT;
	vls_db *db = NULL;
	int64_t run = 0;
	bool created = cli_db_absent(a->db);
	int ret;

	iopts.label = a->label;
	ret = vls_db_open(&db, ctx, a->db, VLS_DB_READWRITE);
	if (ret)    /* a DB it created is gone already */
		return cli_fail(&record_cmd, ctx, ret, a->db);
	ret = vls_db_import_file(&run, db, a->output, NULL, &iopts);
	vls_db_close(db);
	if (ret) {
		cli_db_discard(&record_cmd, a->db, created, 0);
		return cli_fail(&record_cmd, ctx, ret, a->db);
	}
	fprintf(stderr, "vmlockstat record: imported into %s as run %lld\n", a->db,
		(long long)run);
	return 0;
}

static void set_end_meta(vls_record *rec, const struct run *r)
{
	char buf[32];

	vls_record_set_meta(rec, "record.end", r->end ? r->end : "unknown");
	if (r->child && r->child_done) {
		snprintf(buf, sizeof(buf), "%d", child_exit_code(r));
		vls_record_set_meta(rec, "record.exit_status", buf);
	}
}

/* Start, wait, stop. Returns 0 or a library error (message on ctx). */
static int record_run(const struct record_args *a, vls_record *rec,
		      struct run *r, int go_fd, int err_fd, const sigset_t *set)
{
	int ret = vls_record_start(rec);

	if (r->child) {
		int e;

		if (ret) {
			close(go_fd);   /* the command never runs */
			close(err_fd);
			return ret;
		}
		e = release_child(go_fd, err_fd);
		if (e) {
			reap(r, true);
			cli_err(&record_cmd, "cannot run %s: %s", a->cmd[0], strerror(e));
			r->end = "exec-failed";
		}
	}
	if (ret)
		return ret;
	if (!r->end)
		wait_end(a, r, set);
	forward_signal(r, set);
	if (a->sc.name && r->child_done && WIFEXITED(r->child_status) &&
	    WEXITSTATUS(r->child_status) == WL_SKIP) {
		/* Not stopped: vls_record_free() undoes the instance and
		 * writes nothing. */
		r->skipped = true;
		return 0;
	}
	if (a->sc.name && r->child_done)
		rec_scenario_meta(&a->sc, &record_cmd, rec);
	set_end_meta(rec, r);
	return vls_record_stop(rec);
}

static int record_main(struct record_args *a, vls_ctx *ctx, const sigset_t *set,
		       const sigset_t *oldmask)
{
	vls_record_opts opts = VLS_RECORD_OPTS_INIT;
	struct run r = { 0 };
	vls_record *rec = NULL;
	char cmdline[CMDLINE_MAX];
	int go_fd = -1, err_fd = -1, ret, status;

	ret = check_db(a, ctx);
	if (ret)
		return ret;     /* the command never exists */
	opts.output = a->output;
	opts.events = a->nevents ? a->events : NULL;
	opts.buffer_kb = (unsigned int)a->buffer_kb;
	opts.write_stacks = a->write_stacks;
	opts.label = a->label;
	if (a->ncmd) {
		join_cmdline(cmdline, sizeof(cmdline), a->cmd, a->ncmd);
		opts.command = cmdline;
		r.child = spawn(a->cmd, oldmask, &go_fd, &err_fd);
		if (r.child < 0) {
			cli_err(&record_cmd, "fork: %s", strerror(errno));
			return CLI_EXIT_FAIL;
		}
		a->pids[a->npids++] = r.child;
	}
	opts.pids = a->pids;
	opts.npids = a->npids;
	/* Checks the outputs first: on failure the command, waiting for
	 * go_fd, exits 127 without running. */
	ret = vls_record_new(&rec, ctx, &opts);
	if (ret) {
		if (r.child) {
			close(go_fd);
			close(err_fd);
			reap(&r, true);
		}
		status = cli_fail(&record_cmd, ctx, ret, "cannot record");
		return status;
	}
	if (r.child)
		a->npids = 0;   /* the command's end decides, not its pid */
	if (a->sc.name && rec_scenario_clear_truth(&a->sc, &record_cmd)) {
		close(go_fd);   /* the scenario never runs */
		close(err_fd);
		reap(&r, true);
		vls_record_free(rec);
		return CLI_EXIT_FAIL;
	}
	ret = record_run(a, rec, &r, go_fd, err_fd, set);
	if (ret)
		status = cli_fail(&record_cmd, ctx, ret, "recording failed");
	else if (r.skipped)
		report_skipped(a, &r);
	else
		report_done(a, rec);
	vls_record_free(rec);   /* the instance is gone in every case */
	end_child(&r);
	if (!ret && !r.skipped && a->db)
		ret = import_db(a, ctx) ? VLS_ERROR : 0;
	/* Recording is over: a second Ctrl-C may now end us while the command
	 * finishes. */
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (!r.child)
		return ret ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	reap(&r, true);
	status = child_exit_code(&r);
	return ret && !status ? CLI_EXIT_FAIL : status;
}

static void on_sigpipe(int sig)
{
	(void)sig;
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = { .output = "trace.dat", .write_stacks = true };
	struct sigaction pipe_sa = { .sa_handler = on_sigpipe, .sa_flags = SA_RESTART };
	sigset_t set, old;
	vls_ctx *ctx = NULL;
	int ret;

	sigemptyset(&pipe_sa.sa_mask);
	sigaction(SIGPIPE, &pipe_sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	ret = parse_args(&a, argc, argv);
	if (a.sc.help) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return scenario_help(&a.sc);
	}
	if (ret) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return ret == CLI_HELP ? CLI_EXIT_OK : ret;
	}
	if (cli_ctx_new(&ctx, a.verbose)) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return CLI_EXIT_FAIL;
	}
	ret = record_main(&a, ctx, &set, &old);
	vls_ctx_free(ctx);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}
