/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record-capture.c - the trace.dat of a capture: the tracefs files of a
 * recording copied on the traced machine, which may have no trace-cmd and
 * no vmlockstat (a qemu guest of `vmlockstat lab` with busybox, a board),
 * written here in that machine's byte order, long and page size by the
 * recorder's writer (record-tracedat.c). The layout (docs/capture.md):
 *
 *   capture.info                 byte_order=little|big, and optionally
 *                                long_size=, page_size=, trace_clock=, uname=
 *   events/header_page, events/header_event
 *   events/ftrace/EVENT/format   (kernel_stack: the triggers' stacks)
 *   events/SYSTEM/EVENT/format   the events recorded
 *   printk_formats, saved_cmdlines, kallsyms      (optional)
 *   per_cpu/cpuN/trace_pipe_raw  the pages read from it
 *   per_cpu/cpuN/stats           (optional)
 *
 * long_size and page_size default to what events/header_page says (the
 * size of commit; data's offset + size).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"

#define INFO_MAX 4096
#define STATS_MAX 4096
#define PAGE_MAX (1u << 20)     /* the kernel's largest sub-buffer */

struct capture {
	vls_ctx *ctx;
	const char *dir;
	struct vls_tdw t;
	char *info;                 /* capture.info, values cut out in place */
	char *names;                /* "system\0event\0" of every event */
	struct vls_tdw_event *events;
	size_t nevents, cap_events;
	int *fds;
	char **stats;
};

/* The value of key in capture.info, NULL when absent. */
static const char *info_get(const struct capture *c, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = c->info; l && *l; l += strlen(l) + 1)
		if (!strncmp(l, key, klen) && l[klen] == '=')
			return l + klen + 1;
	return NULL;
}

static int load_info(struct capture *c)
{
	char path[PATH_MAX];
	size_t len;

	snprintf(path, sizeof(path), "%s/capture.info", c->dir);
	c->info = __vls_rec_read_small(c->ctx, path, INFO_MAX);
	if (!c->info)
		return __vls_error(c->ctx, VLS_EINVAL, "%s: not a capture: no capture.info "
				   "(docs/capture.md)", c->dir);
	/* lines into strings, one after another, "" at the end */
	len = strlen(c->info);
	for (size_t i = 0; i < len; i++)
		if (c->info[i] == '\n')
			c->info[i] = 0;
	return 0;
}

/* "offset:N;" and "size:N;" of the header_page field named name. */
static bool header_field(const char *text, const char *name, unsigned long *off,
			 unsigned long *size)
{
	char pat[64];
	const char *p, *o, *s;

	snprintf(pat, sizeof(pat), " %s;", name);
	if (!(p = strstr(text, pat)) || !(o = strstr(p, "offset:")) ||
	    !(s = strstr(p, "size:")))
		return false;
	*off = strtoul(o + 7, NULL, 10);
	*size = strtoul(s + 5, NULL, 10);
	return true;
}

static int number(struct capture *c, const char *key, unsigned long dflt,
		  unsigned long *out)
{
	const char *v = info_get(c, key);
	char *end;

	*out = dflt;
	if (!v)
		return 0;
	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || end == v || *end)
		return __vls_error(c->ctx, VLS_EPARSE, "%s/capture.info: %s=%s: not a number",
				   c->dir, key, v);
	return 0;
}

/* Byte order, long size, page size, clock, uname. */
static int layout(struct capture *c)
{
	const char *order = info_get(c, "byte_order");
	unsigned long off = 0, size = 0, coff, csize = 0, lsize, psize;
	char path[PATH_MAX], *hp;
	int ret;

	if (!order || (strcmp(order, "little") && strcmp(order, "big")))
		return __vls_error(c->ctx, VLS_EINVAL, "%s/capture.info: byte_order=little "
				   "or big is required", c->dir);
	c->t.big_endian = !strcmp(order, "big");
	snprintf(path, sizeof(path), "%s/events/header_page", c->dir);
	hp = __vls_rec_read_small(c->ctx, path, INFO_MAX);
	if (!hp || !header_field(hp, "data", &off, &size) ||
	    !header_field(hp, "commit", &coff, &csize)) {
		__vls_free(c->ctx, hp);
		return __vls_error(c->ctx, VLS_EPARSE, "%s: %s", path,
				   hp ? "no data or commit field" : __vls_rec_open_why(errno));
	}
	__vls_free(c->ctx, hp);
	if ((ret = number(c, "long_size", csize, &lsize)) ||
	    (ret = number(c, "page_size", off + size, &psize)))
		return ret;
	if ((lsize != 4 && lsize != 8) || psize < 64 || psize > PAGE_MAX ||
	    (psize & (psize - 1)))
		return __vls_error(c->ctx, VLS_EPARSE, "%s: long size %lu, page size %lu: "
				   "not a ring buffer's", c->dir, lsize, psize);
	c->t.long_size = (uint8_t)lsize;
	c->t.page_size = (uint32_t)psize;
	c->t.clock = info_get(c, "trace_clock");
	c->t.uname = info_get(c, "uname");
	return 0;
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int add_event(struct capture *c, const char *sys, const char *ev)
{
	int ret = __vls_grow(c->ctx, (void **)&c->events, &c->cap_events,
			     c->nevents + 1, sizeof(*c->events), VLS_RECORD_MAX_EVENTS * 64);
	char *s, *e;

	if (ret)
		return ret;
	s = __vls_strdup(c->ctx, sys);
	e = s ? __vls_strdup(c->ctx, ev) : NULL;
	if (!e) {
		__vls_free(c->ctx, s);
		return __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
	}
	c->events[c->nevents++] = (struct vls_tdw_event){ s, e };
	return 0;
}

/* Every events/SYSTEM/EVENT/format but ftrace's (the writer takes all of
 * those), in name order. */
static int find_events(struct capture *c)
{
	char path[PATH_MAX], fmt[PATH_MAX];
	struct dirent **sys = NULL, **ev = NULL;
	int nsys, nev, ret = 0;

	snprintf(path, sizeof(path), "%s/events", c->dir);
	if ((nsys = scandir(path, &sys, visible, alphasort)) < 0)
		return __vls_error(c->ctx, VLS_EIO, "%s: %s", path, strerror(errno));
	for (int i = 0; i < nsys; i++) {
		snprintf(path, sizeof(path), "%s/events/%s", c->dir, sys[i]->d_name);
		nev = strcmp(sys[i]->d_name, "ftrace") ?
		      scandir(path, &ev, visible, alphasort) : -1;
		for (int j = 0; j < nev; j++) {
			if (!ret && (size_t)snprintf(fmt, sizeof(fmt), "%s/%s/format", path,
						     ev[j]->d_name) < sizeof(fmt) &&
			    !access(fmt, R_OK))
				ret = add_event(c, sys[i]->d_name, ev[j]->d_name);
			free(ev[j]);
		}
		if (nev >= 0)
			free(ev);
		free(sys[i]);
	}
	free(sys);
	if (!ret && !c->nevents)
		ret = __vls_error(c->ctx, VLS_EINVAL, "%s/events: no event formats",
				  c->dir);
	return ret;
}

/* per_cpu/cpuN: N + 1 CPUs, each its pages (or none) and stats. */
static int find_cpus(struct capture *c)
{
	char path[PATH_MAX];
	struct dirent **d = NULL;
	unsigned long max = 0;
	bool any = false;
	int n, ret = 0;

	snprintf(path, sizeof(path), "%s/per_cpu", c->dir);
	if ((n = scandir(path, &d, visible, alphasort)) < 0)
		return __vls_error(c->ctx, VLS_EINVAL, "%s: %s", path, strerror(errno));
	for (int i = 0; i < n; i++) {
		char *end;
		unsigned long cpu = strtoul(d[i]->d_name + 3, &end, 10);

		if (!strncmp(d[i]->d_name, "cpu", 3) && end != d[i]->d_name + 3 && !*end &&
		    cpu < VLS_RECORD_MAX_CPUS && cpu + 1 > max)
			max = cpu + 1;
		free(d[i]);
	}
	free(d);
	c->t.ncpus = max;
	c->fds = __vls_calloc(c->ctx, max ? max : 1, sizeof(*c->fds));
	c->stats = __vls_calloc(c->ctx, max ? max : 1, sizeof(*c->stats));
	if (!c->fds || !c->stats)
		return __vls_error(c->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; i < max; i++)
		c->fds[i] = -1;
	for (size_t i = 0; !ret && i < max; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%zu/trace_pipe_raw", c->dir, i);
		c->fds[i] = __vls_rec_open_file(path);
		if (c->fds[i] < 0 && errno != ENOENT)
			ret = __vls_error(c->ctx, VLS_EIO, "%s: %s", path,
					  __vls_rec_open_why(errno));
		if (c->fds[i] >= 0 && !fstat(c->fds[i], &st)) {
			if (st.st_size % c->t.page_size)
				ret = __vls_error(c->ctx, VLS_EPARSE, "%s: %lld bytes, not "
						  "whole %u-byte pages", path,
						  (long long)st.st_size, c->t.page_size);
			any = any || st.st_size;
		}
		snprintf(path, sizeof(path), "%s/per_cpu/cpu%zu/stats", c->dir, i);
		c->stats[i] = __vls_rec_read_small(c->ctx, path, STATS_MAX);
	}
	if (!ret && !any)
		ret = __vls_error(c->ctx, VLS_EINVAL, "%s/per_cpu: no cpuN/trace_pipe_raw "
				  "with pages", c->dir);
	return ret;
}

static void capture_free(struct capture *c)
{
	for (size_t i = 0; i < c->nevents; i++) {
		__vls_free(c->ctx, (char *)c->events[i].system);
		__vls_free(c->ctx, (char *)c->events[i].name);
	}
	__vls_free(c->ctx, c->events);
	for (size_t i = 0; c->fds && i < c->t.ncpus; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	for (size_t i = 0; c->stats && i < c->t.ncpus; i++)
		__vls_free(c->ctx, c->stats[i]);
	__vls_free(c->ctx, c->fds);
	__vls_free(c->ctx, c->stats);
	__vls_free(c->ctx, c->info);
}

static int put_tracedat(int fd, void *data)
{
	struct capture *c = data;

	return __vls_tracedat_write(c->ctx, &c->t, fd);
}

int vls_capture_write_tracedat(vls_ctx *ctx, const char *dir, const char *out)
{
	struct capture c = { .ctx = ctx, .dir = dir };
	char kallsyms[PATH_MAX];
	int ret;

	if (!ctx || !dir || !out)
		return ctx ? __vls_error(ctx, VLS_EINVAL,
					 "vls_capture_write_tracedat: NULL argument")
			   : VLS_EINVAL;
	ret = load_info(&c);
	ret = ret ? ret : layout(&c);
	ret = ret ? ret : find_events(&c);
	ret = ret ? ret : find_cpus(&c);
	if (!ret) {
		snprintf(kallsyms, sizeof(kallsyms), "%s/kallsyms", dir);
		c.t.tdir = dir;
		c.t.kallsyms = access(kallsyms, R_OK) ? NULL : kallsyms;
		c.t.events = c.events;
		c.t.nevents = c.nevents;
		c.t.cpu_fd = c.fds;
		c.t.cpustat = (const char *const *)c.stats;
		ret = __vls_rec_replace_file(ctx, out, put_tracedat, &c);
	}
	capture_free(&c);
	return ret;
}
