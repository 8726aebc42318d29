/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest_capture.c - `vmlockstat-workload --capture TRACEFS DIR`, run by
 * the lab guest's /init after the scenario (guest.c): the recording as a
 * capture (docs/capture.md) that the host writes as a trace.dat in the
 * guest's byte order (vls_capture_write_tracedat()). Part of the static
 * guest program only (CMakeLists.txt: VLS_GUEST_SOURCES): libc, nothing
 * else.
 *
 * It copies the formats of the enabled events and of ftrace, the page and
 * event headers, printk_formats, saved_cmdlines, /proc/kallsyms, each
 * CPU's stats, and reads each CPU's trace_pipe_raw until it is empty (its
 * pages: a read returns at most one, whole when the buffer holds one),
 * then writes capture.info with what only the guest knows: its byte
 * order, long size and uname.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lab.h"

#define RAW_BUF (1u << 20)      /* >= the largest ring-buffer page */

static int failed(const char *what, const char *path)
{
	fprintf(stderr, "capture: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy from into to; nonblock for trace_pipe_raw (empty: EAGAIN). A
 * missing source is no error when optional. */
static int copy(const char *from, const char *to, bool optional, bool nonblock)
{
	static char buf[RAW_BUF];
	int in = open(from, O_RDONLY | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)), out;
	int ret = 0;
	ssize_t n;

	if (in < 0)
		return optional ? 0 : failed("cannot open", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return failed("cannot create", to);
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			ret = failed("cannot read", from);
			break;
		}
		if (write_all(out, buf, (size_t)n)) {
			ret = failed("cannot write", to);
			break;
		}
	}
	close(in);
	if (close(out) && !ret)
		ret = failed("cannot write", to);
	return ret;
}

static int mkdirs(const char *a, const char *b, const char *c)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s%s%s%s", a, b ? "/" : "", b ? b : "",
		 c ? "/" : "", c ? c : "");
	if (mkdir(path, 0755) && errno != EEXIST)
		return failed("cannot create", path);
	return 0;
}

/* Is tdir/events/sys/ev enabled ("1", "1*")? ftrace's formats are all
 * taken: kernel_stack carries the triggers' stacks. */
static bool wanted(const char *tdir, const char *sys, const char *ev)
{
	char path[PATH_MAX], v[4] = "";
	FILE *f;

	if (!strcmp(sys, "ftrace"))
		return true;
	snprintf(path, sizeof(path), "%s/events/%s/%s/enable", tdir, sys, ev);
	if (!(f = fopen(path, "re")))
		return false;
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	return v[0] == '1';
}

static int formats(const char *tdir, const char *out)
{
	char from[PATH_MAX], to[PATH_MAX], dir[PATH_MAX], events[PATH_MAX];
	struct dirent *s, *e;
	DIR *sd, *ed;
	int ret = 0;

	snprintf(events, sizeof(events), "%s/events", tdir);
	if (!(sd = opendir(events)))
		return failed("cannot read", events);
	while (!ret && (s = readdir(sd))) {
		if (s->d_name[0] == '.' ||
		    (size_t)snprintf(from, sizeof(from), "%s/%s", events,
				     s->d_name) >= sizeof(from) || !(ed = opendir(from)))
			continue;
		while (!ret && (e = readdir(ed))) {
			if (e->d_name[0] == '.' || !wanted(tdir, s->d_name, e->d_name))
				continue;
			if ((size_t)snprintf(from, sizeof(from), "%s/%s/%s/format", events,
					     s->d_name, e->d_name) >= sizeof(from) ||
			    (size_t)snprintf(to, sizeof(to), "%s/events/%s/%s/format", out,
					     s->d_name, e->d_name) >= sizeof(to) ||
			    access(from, R_OK))
				continue;
			snprintf(dir, sizeof(dir), "%s/events/%s/%s", out, s->d_name,
				 e->d_name);
			ret = mkdirs(out, "events", s->d_name);
			ret = ret ? ret : mkdirs(dir, NULL, NULL);
			ret = ret ? ret : copy(from, to, false, false);
		}
		closedir(ed);
	}
	closedir(sd);
	return ret;
}

int lab_guest_capture(const char *tdir, const char *out)
{
	char from[PATH_MAX], to[PATH_MAX], clock[256] = "", *b, *e;
	struct utsname u;
	struct dirent *d;
	FILE *f;
	DIR *cpus = NULL;
	int ret = mkdirs(out, NULL, NULL) || mkdirs(out, "events", NULL) ||
		  mkdirs(out, "per_cpu", NULL);

	for (int i = 0; !ret && i < 2; i++) {
		const char *h = i ? "header_event" : "header_page";

		snprintf(from, sizeof(from), "%s/events/%s", tdir, h);
		snprintf(to, sizeof(to), "%s/events/%s", out, h);
		ret = copy(from, to, false, false);
	}
	ret = ret ? ret : formats(tdir, out);
	for (int i = 0; !ret && i < 3; i++) {
		static const char *const opt[][2] = {
			{ "printk_formats", "printk_formats" },
			{ "saved_cmdlines", "saved_cmdlines" },
			{ "/proc/kallsyms", "kallsyms" },
		};

		if (opt[i][0][0] == '/')
			snprintf(from, sizeof(from), "%s", opt[i][0]);
		else
			snprintf(from, sizeof(from), "%s/%s", tdir, opt[i][0]);
		snprintf(to, sizeof(to), "%s/%s", out, opt[i][1]);
		ret = copy(from, to, true, false);
	}
	snprintf(from, sizeof(from), "%s/per_cpu", tdir);
	if (!ret && !(cpus = opendir(from)))
		ret = failed("cannot read", from);
	while (!ret && (d = readdir(cpus))) {
		if (strncmp(d->d_name, "cpu", 3))
			continue;
		ret = mkdirs(out, "per_cpu", d->d_name);
		snprintf(from, sizeof(from), "%s/per_cpu/%s/stats", tdir, d->d_name);
		snprintf(to, sizeof(to), "%s/per_cpu/%s/stats", out, d->d_name);
		ret = ret ? ret : copy(from, to, true, false);
		snprintf(from, sizeof(from), "%s/per_cpu/%s/trace_pipe_raw", tdir, d->d_name);
		snprintf(to, sizeof(to), "%s/per_cpu/%s/trace_pipe_raw", out, d->d_name);
		ret = ret ? ret : copy(from, to, false, true);
	}
	if (cpus)
		closedir(cpus);
	if (ret)
		return ret;
	/* trace_clock: "[local] global counter ...": the bracketed one */
	snprintf(from, sizeof(from), "%s/trace_clock", tdir);
	if ((f = fopen(from, "re"))) {
		if (fgets(clock, sizeof(clock), f) && (b = strchr(clock, '[')) &&
		    (e = strchr(b, ']'))) {
			*e = 0;
			memmove(clock, b + 1, strlen(b + 1) + 1);
		} else {
			clock[0] = 0;
		}
		fclose(f);
	}
	snprintf(to, sizeof(to), "%s/capture.info", out);
	if (!(f = fopen(to, "we")))
		return failed("cannot create", to);
	fprintf(f, "byte_order=%s\nlong_size=%zu\n",
		__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "big" : "little", sizeof(long));
	if (clock[0])
		fprintf(f, "trace_clock=%s\n", clock);
	if (!uname(&u))
		fprintf(f, "uname=%s %s %s %s\n", u.sysname, u.nodename, u.release,
			u.machine);
	if (fclose(f))
		return failed("cannot write", to);
	return 0;
}
