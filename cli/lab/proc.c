/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc.c - helper programs for `vmlockstat lab`, progress lines, signals
 * (lab.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define CAPTURE_MAX (16u << 20)

volatile sig_atomic_t lab_stop;

static void on_signal(int sig)
{
	lab_stop = sig;
}

int lab_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SIGPIPE too: `vmlockstat lab ... 2>&1 | head` must not die at
	 * its next progress line with the guest's 3 GB of disks left in
	 * the work directory (a handler, unlike SIG_IGN, is not inherited
	 * by qemu and the helper programs) */
	return sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	       sigaction(SIGHUP, &sa, NULL) || sigaction(SIGPIPE, &sa, NULL) ? -1 : 0;
}

double lab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void lab_progress(const struct lab_env *env, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmlockstat lab: [%6.1f s] ", lab_now() - env->t0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool lab_path(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

bool lab_have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, name) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	/* depmod and mke2fs live in /sbin, often not in a user's PATH */
	snprintf(buf, sizeof(buf), "/sbin/%s", name);
	return access(buf, X_OK) == 0;
}

static void child(const char *const *argv, const char *dir, const char *out,
		  int pipefd)
{
	int fd = -1;

	if (dir && chdir(dir))
		_exit(127);
	if (out)
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	else if (pipefd >= 0)
		fd = pipefd;
	else
		fd = dup(2);
	if (fd < 0 || dup2(fd, 1) < 0)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	if (errno == ENOENT && !strchr(argv[0], '/')) {
		char sbin[PATH_MAX];

		snprintf(sbin, sizeof(sbin), "/sbin/%s", argv[0]);
		execv(sbin, (char *const *)argv);
	}
	_exit(127);
}

static int capture(int fd, char **text)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return -1;
	while ((n = read(fd, buf + len, cap - len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (cap - len < 2 && cap < CAPTURE_MAX) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		} else if (cap - len < 2) {
			break;
		}
	}
	buf[len] = 0;
	*text = buf;
	return 0;
}

int lab_run(const char *const *argv, const char *dir, const char *out,
	    char **text)
{
	int fds[2] = { -1, -1 }, status;
	pid_t pid;

	if (text && pipe2(fds, O_CLOEXEC))
		return 127;
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0)
		child(argv, dir, out, fds[1]);
	if (text) {
		close(fds[1]);
		capture(fds[0], text);
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
