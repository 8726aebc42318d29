/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu.c - one guest (lab.h): the qemu command for its arch (TCG, or KVM
 * when /dev/kvm opens and the arch is the host's), run with the console
 * in a file, its "VLS-LAB:" lines as progress, under a timeout. A timeout
 * or SIGINT/SIGTERM kills qemu (and qemu dies with us: PR_SET_PDEATHSIG),
 * so no guest is ever left behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define QEMU_ARGV_MAX 48

int lab_qemu_check(const struct lab_env *env, const struct lab_arch *a)
{
	if (lab_have_program(a->qemu))
		return 0;
	cli_err(env->cmd, "%s not found: apt-get install %s (scripts/deps.sh --lab)",
		a->qemu, a->qemu_pkg);
	return LAB_EXIT_MISSING;
}

static bool kvm_usable(const struct lab_arch *a)
{
	struct utsname u;
	int fd;

	if (uname(&u) || strcmp(u.machine, a->name))
		return false;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

struct qargv {
	const char *argv[QEMU_ARGV_MAX];
	int argc;
	char smp[16], mem[16], d0[PATH_MAX + 64], d1[PATH_MAX + 64], dev0[64],
	     dev1[64], append[256];
};

static void add(struct qargv *q, const char *w)
{
	if (q->argc < QEMU_ARGV_MAX - 1)
		q->argv[q->argc++] = w;
	q->argv[q->argc] = NULL;
}

static void build(struct qargv *q, struct lab_guest *g)
{
	const struct lab_arch *a = g->k->arch;

	q->argc = 0;
	add(q, a->qemu);
	for (int i = 0; a->machine[i]; i++)
		add(q, a->machine[i]);
	g->tcg = !kvm_usable(a);
	add(q, "-accel");
	add(q, g->tcg ? "tcg,thread=multi" : "kvm");
	snprintf(q->smp, sizeof(q->smp), "%u", g->smp);
	snprintf(q->mem, sizeof(q->mem), "%u", g->mem_mb);
	snprintf(q->d0, sizeof(q->d0), "file=%s,format=raw,if=none,id=d0", g->scratch);
	snprintf(q->d1, sizeof(q->d1), "file=%s,format=raw,if=none,id=d1", g->outdisk);
	snprintf(q->dev0, sizeof(q->dev0), "%s,drive=d0,serial=vlsscratch", a->blk);
	snprintf(q->dev1, sizeof(q->dev1), "%s,drive=d1,serial=vlsout", a->blk);
	snprintf(q->append, sizeof(q->append),
		 "console=%s rdinit=/init panic=-1 loglevel=4", a->console);
	const char *rest[] = {
		"-nographic", "-no-reboot", "-smp", q->smp, "-m", q->mem,
		"-kernel", g->k->image, "-initrd", g->initrd,
		"-drive", q->d0, "-device", q->dev0, "-drive", q->d1, "-device", q->dev1,
		"-append", q->append, NULL
	};
	for (int i = 0; rest[i]; i++)
		add(q, rest[i]);
}

static void cmdline(struct lab_guest *g, const struct qargv *q)
{
	size_t len = 0;

	g->cmdline[0] = 0;
	for (int i = 0; i < q->argc && len < sizeof(g->cmdline); i++) {
		bool quote = strpbrk(q->argv[i], " ,=") && strchr(q->argv[i], ' ');

		len += (size_t)snprintf(g->cmdline + len, sizeof(g->cmdline) - len,
					quote ? "%s\"%s\"" : "%s%s", i ? " " : "",
					q->argv[i]);
	}
}

static pid_t start(const struct qargv *q, const char *console)
{
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);   /* a terminal's Ctrl-C reaches us; we end qemu */
	fd = open(console, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execvp(q->argv[0], (char *const *)q->argv);
	_exit(127);
}

/* A kernel crash on the console: its first Oops, BUG or panic line (from
 * the match: timestamps and escape sequences before it are cut). */
static void crash_line(struct lab_guest *g, const char *line)
{
	static const char *const marks[] = { "Oops:", "BUG:", "Kernel panic" };

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		const char *m = strstr(line, marks[i]);

		if (!m)
			continue;
		if (i == 2)
			g->panicked = true;
		if (!g->crash[0])
			snprintf(g->crash, sizeof(g->crash), "%.*s",
				 (int)strcspn(m, "\r\n"), m);
	}
}

/* New lines of the console since *off: "VLS-LAB: " ones as progress (and
 * g's stages), kernel crashes into g. */
static void follow(struct lab_env *env, struct lab_guest *g, long *off,
		   const char *what)
{
	FILE *f = fopen(g->console, "re");
	char line[512];

	if (!f)
		return;
	if (fseek(f, *off, SEEK_SET) == 0)
		while (fgets(line, sizeof(line), f)) {
			size_t n = strlen(line);
			char *m = strstr(line, "VLS-LAB: ");

			if (!n || (line[n - 1] != '\n' && n + 1 < sizeof(line)))
				break;   /* a partial line: read it again later */
			*off += (long)n;
			line[n - 1] = 0;
			crash_line(g, line);
			if (!m)
				continue;
			m[9 + strcspn(m + 9, "\r")] = 0;
			snprintf(g->stage, sizeof(g->stage), "%s", m + 9);
			g->stages++;
			g->running |= !strcmp(g->stage, "running");
			lab_progress(env, "%s: %s", what, m + 9);
		}
	fclose(f);
}

static void stop(pid_t pid)
{
	int status;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* One boot of g, to its end: 0 when qemu exited by itself (the guest
 * powered off, or its kernel panicked: see g->crash). */
static int boot(struct lab_env *env, struct lab_guest *g, const struct qargv *q,
		const char *what)
{
	double t0 = lab_now(), said = t0;
	unsigned stages = 0;
	long off = 0;
	int status;
	pid_t pid;

	g->stages = 0;
	g->stage[0] = g->crash[0] = 0;
	g->panicked = g->running = g->stuck = false;
	lab_progress(env, "%s: booting (%s)", what, q->argv[0]);
	if ((pid = start(q, g->console)) < 0) {
		cli_err(env->cmd, "cannot start %s: %s", q->argv[0], strerror(errno));
		return CLI_EXIT_FAIL;
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		follow(env, g, &off, what);
		if (r == pid)
			break;
		if (g->stages != stages) {
			stages = g->stages;
			said = lab_now();
		}
		if (!lab_stop && stages && !g->running && g->setup_timeout > 0 &&
		    lab_now() - said > g->setup_timeout &&
		    lab_now() - t0 <= g->timeout) {
			stop(pid);
			g->elapsed = lab_now() - t0;
			g->stuck = true;
			return 0;
		}
		if (lab_stop || lab_now() - t0 > g->timeout) {
			stop(pid);
			g->elapsed = lab_now() - t0;
			if (lab_stop) {
				cli_err(env->cmd, "%s: stopped by signal %d, guest killed",
					what, (int)lab_stop);
				return LAB_EXIT_STOPPED;
			}
			cli_err(env->cmd, "%s: no result within --timeout %g s, guest "
				"killed (console: %s)", what, g->timeout, g->console);
			return CLI_EXIT_FAIL;
		}
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	g->elapsed = lab_now() - t0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		cli_err(env->cmd, "cannot run %s (console: %s)", q->argv[0], g->console);
		return LAB_EXIT_MISSING;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		cli_err(env->cmd, "%s: qemu failed (console: %s)", what, g->console);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* A crash that says nothing about the scenario: before /init, or under
 * TCG an int3 Oops (the emulator's race with the kernel's code patching,
 * at boot and at module load) wherever it comes. */
static bool crash_not_the_runs(const struct lab_guest *g)
{
	return !g->stages || (g->tcg && !strncmp(g->crash, "Oops: int3", 10));
}

/* The console of a boot that is booted again, kept as CONSOLE.bootN. */
static void keep_console(const struct lab_guest *g, char *kept, size_t len)
{
	snprintf(kept, len, "%s.boot%u", g->console, g->boots);
	if (rename(g->console, kept))
		snprintf(kept, len, "%s", g->console);
}

/* A guest whose /init stopped before the scenario: booted again while
 * boots are left (it says nothing about the scenario), else a failure. */
static int stuck(struct lab_env *env, struct lab_guest *g, const char *what)
{
	char kept[PATH_MAX + 48];

	if (g->boots < LAB_BOOT_TRIES) {
		keep_console(g, kept, sizeof(kept));
		lab_progress(env, "%s: the guest said nothing for %g s after /init's "
			     "\"%s\" (console: %s): killed, booting again, %u of %d",
			     what, g->setup_timeout, g->stage, kept, g->boots + 1,
			     LAB_BOOT_TRIES);
		return LAB_BOOT_AGAIN;
	}
	cli_err(env->cmd, "%s: the guest said nothing for %g s after /init's \"%s\" "
		"in %u boots, killed (console: %s)", what, g->setup_timeout, g->stage,
		g->boots, g->console);
	return CLI_EXIT_FAIL;
}

int lab_qemu_run(struct lab_env *env, struct lab_guest *g, const char *what)
{
	char kept[PATH_MAX + 48];
	struct qargv q;
	int ret;

	build(&q, g);
	cmdline(g, &q);
	if ((ret = boot(env, g, &q, what)))
		return ret;
	if (g->stuck)
		return stuck(env, g, what);
	if (!g->panicked) {
		lab_progress(env, "%s: guest done in %.1f s", what, g->elapsed);
		return 0;
	}
	if (crash_not_the_runs(g) && g->boots < LAB_BOOT_TRIES) {
		keep_console(g, kept, sizeof(kept));
		lab_progress(env, "%s: the guest kernel panicked %s%s%s (%s; console: %s): "
			     "booting again, %u of %d", what, g->stages ? "after /init's \"" :
			     "before /init", g->stages ? g->stage : "", g->stages ? "\"" : "",
			     g->crash, kept, g->boots + 1, LAB_BOOT_TRIES);
		return LAB_BOOT_AGAIN;
	}
	if (g->stages)
		cli_err(env->cmd, "%s: the guest kernel panicked after /init's \"%s\"%s: "
			"%s (console: %s)", what, g->stage, g->boots > 1 ? ", the last of "
			"its boots" : "", g->crash, g->console);
	else
		cli_err(env->cmd, "%s: the guest kernel panicked before /init in %u boots: "
			"%s (console: %s)", what, g->boots, g->crash, g->console);
	return CLI_EXIT_FAIL;
}
