/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE     /* O_TMPFILE, mkostemp, copy_file_range */
/*
 * record-tracedat.c - write a trace-cmd trace.dat, version 6, as
 * documented in trace-cmd.dat.v6(5): the recording's (record.c), or a
 * capture's, taken on another machine (record-capture.c), in the traced
 * kernel's byte order and long size.
 *
 * Why write it here: Debian's libtracecmd (1.3.x) ships only its read API
 * in a public header; its writer (tracecmd_output_*) is declared only in
 * trace-cmd's private header, with structs that change between releases,
 * and `trace-cmd restore` drops uname, CPU stats and the clock. Version 6
 * is simple and stable: headers and formats copied from tracefs, then the
 * ring-buffer pages exactly as the kernel produced them. Every reader of
 * trace.dat (trace-cmd report, KernelShark, libtracecmd) opens it.
 *
 * Layout: magic, "6", endianness, long size, page size; header_page and
 * header_event; ftrace event formats; event formats by system; kallsyms;
 * printk formats; saved cmdlines; CPU count; options (trace clock, uname,
 * version, per-CPU stats); "flyrecord" with an offset/size per CPU; the
 * page-aligned per-CPU data.
 */
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

#include "record.h"

/* Hard limits on what a tracefs or /proc file may contribute. */
#define FORMAT_MAX (1u << 20)
#define KALLSYMS_MAX (512u << 20)
#define CMDLINES_MAX (64u << 20)
#define SYSTEM_EVENTS_MAX 4096

enum {  /* trace-cmd option ids (trace-cmd-private.h) */
	OPT_DONE = 0,
	OPT_CPUSTAT = 2,
	OPT_TRACECLOCK = 4,
	OPT_UNAME = 5,
	OPT_VERSION = 9,
};

struct writer {
	vls_ctx *ctx;
	int fd;
	uint64_t off;
	int err;                /* first error, sticky */
	bool swap;              /* the file's byte order is not this machine's */
};

static void put(struct writer *w, const void *buf, size_t len)
{
	const char *p = buf;

	while (!w->err && len) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = __vls_error(w->ctx, VLS_EIO, "writing the trace.dat: %s",
					     n < 0 ? strerror(errno) : "short write");
			return;
		}
		p += n;
		len -= (size_t)n;
		w->off += (uint64_t)n;
	}
}

static void put_u16(struct writer *w, uint16_t v)
{
	v = w->swap ? __builtin_bswap16(v) : v;
	put(w, &v, 2);
}

static void put_u32(struct writer *w, uint32_t v)
{
	v = w->swap ? __builtin_bswap32(v) : v;
	put(w, &v, 4);
}

static void put_u64(struct writer *w, uint64_t v)
{
	v = w->swap ? __builtin_bswap64(v) : v;
	put(w, &v, 8);
}
static void put_str(struct writer *w, const char *s) { put(w, s, strlen(s) + 1); }

/* Overwrite a size or count written earlier as a placeholder. */
static void patch(struct writer *w, uint64_t at, uint64_t v, size_t width)
{
	uint32_t v32 = (uint32_t)v;

	if (w->err)
		return;
	if (w->swap) {
		v32 = __builtin_bswap32(v32);
		v = __builtin_bswap64(v);
	}
	if (pwrite(w->fd, width == 4 ? (void *)&v32 : (void *)&v, width,
		   (off_t)at) != (ssize_t)width)
		w->err = __vls_error(w->ctx, VLS_EIO, "writing the trace.dat: %s",
				     strerror(errno));
}

/*
 * A size (width 4 or 8 bytes) then the content of path. tracefs and /proc
 * files report no size, so copy first and patch the size after. A missing
 * file gives an empty block when optional, else an error.
 */
const char *__vls_rec_open_why(int err)
{
	return err == EINVAL ? "not a regular file" : strerror(err);
}

int __vls_rec_open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static void put_file(struct writer *w, const char *path, size_t width,
		     uint64_t max, bool optional)
{
	char buf[65536];
	uint64_t at = w->off, total = 0;
	int fd = __vls_rec_open_file(path);
	ssize_t n;

	if (width == 4)
		put_u32(w, 0);
	else
		put_u64(w, 0);
	if (fd < 0) {
		/* a FIFO or device in a capture is no tracefs file, even optional */
		if ((!optional || errno == EINVAL) && !w->err)
			w->err = __vls_error(w->ctx, VLS_EIO, "%s: %s", path,
					     __vls_rec_open_why(errno));
		return;
	}
	while (!w->err && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || total + (uint64_t)n > max) {
			w->err = __vls_error(w->ctx, n < 0 ? VLS_EIO : VLS_ELIMIT, "%s: %s",
					     path, n < 0 ? strerror(errno) : "too large");
			break;
		}
		put(w, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	patch(w, at, total, width);
}

static void put_format(struct writer *w, const char *tdir, const char *sys,
		       const char *ev)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tdir, sys, ev);
	put_file(w, path, 8, FORMAT_MAX, false);
}

/* Every event of a system directory that has a format: the count, then
 * the formats. */
static void put_system_dir(struct writer *w, const char *tdir, const char *sys)
{
	char path[PATH_MAX], fmt[PATH_MAX];
	uint64_t at = w->off;
	uint32_t count = 0;
	struct dirent *d;
	DIR *dir;

	put_u32(w, 0);
	snprintf(path, sizeof(path), "%s/events/%s", tdir, sys);
	dir = opendir(path);
	if (!dir) {
		if (!w->err)
			w->err = __vls_error(w->ctx, VLS_EIO, "%s: %s", path, strerror(errno));
		return;
	}
	while (!w->err && (d = readdir(dir)) && count < SYSTEM_EVENTS_MAX) {
		if (d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(fmt, sizeof(fmt), "%s/%s/format", path,
				     d->d_name) >= sizeof(fmt) || access(fmt, R_OK))
			continue;
		put_format(w, tdir, sys, d->d_name);
		count++;
	}
	closedir(dir);
	patch(w, at, count, 4);
}

static bool system_is_whole(const struct vls_tdw *t, const char *sys)
{
	for (size_t i = 0; i < t->nevents; i++)
		if (!t->events[i].name && !strcmp(t->events[i].system, sys))
			return true;
	return false;
}

static bool first_of_system(const struct vls_tdw *t, size_t idx)
{
	for (size_t i = 0; i < idx; i++)
		if (!strcmp(t->events[i].system, t->events[idx].system))
			return false;
	return true;
}

/* The formats of the events, grouped by system. */
static void put_event_systems(struct writer *w, const struct vls_tdw *t)
{
	uint64_t at = w->off;
	uint32_t nsys = 0;

	put_u32(w, 0);
	for (size_t i = 0; i < t->nevents && !w->err; i++) {
		const char *sys = t->events[i].system;
		uint64_t cat;
		uint32_t n = 0;

		if (!first_of_system(t, i))
			continue;
		nsys++;
		put_str(w, sys);
		if (system_is_whole(t, sys)) {
			put_system_dir(w, t->tdir, sys);
			continue;
		}
		cat = w->off;
		put_u32(w, 0);
		for (size_t j = i; j < t->nevents; j++)
			if (!strcmp(t->events[j].system, sys)) {
				put_format(w, t->tdir, sys, t->events[j].name);
				n++;
			}
		patch(w, cat, n, 4);
	}
	patch(w, at, nsys, 4);
}

static void put_option(struct writer *w, uint16_t id, const char *s)
{
	put_u16(w, id);
	put_u32(w, (uint32_t)strlen(s) + 1);
	put_str(w, s);
}

/* "CPU: N\n" and the instance's per_cpu/cpuN/stats, as trace-cmd keeps
 * them: trace-cmd report --stat and our reader show the lost events. */
static void put_cpustat(struct writer *w, const struct vls_tdw *t, size_t cpu)
{
	const char *st = t->cpustat ? t->cpustat[cpu] : NULL;
	char *buf;
	size_t len;

	if (!st)
		return;
	len = strlen(st) + 32;
	buf = __vls_malloc(w->ctx, len);
	if (!buf) {
		w->err = w->err ? w->err : __vls_error(w->ctx, VLS_ENOMEM, "out of memory");
		return;
	}
	snprintf(buf, len, "CPU: %zu\n%s", cpu, st);
	put_option(w, OPT_CPUSTAT, buf);
	__vls_free(w->ctx, buf);
}

static void put_options(struct writer *w, const struct vls_tdw *t)
{
	char buf[1024];

	put(w, "options  ", 10);
	snprintf(buf, sizeof(buf), "[%s]\n", t->clock ? t->clock : "local");
	put_option(w, OPT_TRACECLOCK, buf);
	if (t->uname)
		put_option(w, OPT_UNAME, t->uname);
	put_option(w, OPT_VERSION, t->version ? t->version
					      : "vmlockstat " VLS_VERSION_STRING);
	for (size_t i = 0; i < t->ncpus; i++)
		put_cpustat(w, t, i);
	put_u16(w, OPT_DONE);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static void pad_to(struct writer *w, uint64_t to)
{
	static const char zero[4096];

	while (!w->err && w->off < to) {
		uint64_t n = to - w->off;

		put(w, zero, n > sizeof(zero) ? sizeof(zero) : (size_t)n);
	}
}

/* Copy a whole temporary CPU file, in-kernel when the filesystem can. */
static void copy_cpu(struct writer *w, int in, uint64_t size)
{
	char buf[65536];
	loff_t ioff = 0;

	while (!w->err && (uint64_t)ioff < size) {
		ssize_t n = copy_file_range(in, &ioff, w->fd, NULL,
					    (size_t)(size - (uint64_t)ioff), 0);

		if (n > 0) {
			w->off += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* EXDEV, EINVAL, ENOSYS...: plain copy. */
		n = pread(in, buf, sizeof(buf), ioff);
		if (n <= 0) {
			w->err = __vls_error(w->ctx, VLS_EIO, "reading a CPU buffer file: %s",
					     n < 0 ? strerror(errno) : "truncated");
			return;
		}
		put(w, buf, (size_t)n);
		ioff += n;
	}
}

static void put_flyrecord(struct writer *w, const struct vls_tdw *t)
{
	uint64_t *size = __vls_calloc(w->ctx, t->ncpus ? t->ncpus : 1, sizeof(uint64_t));
	uint64_t pos, ps = t->page_size;
	struct stat st;

	if (!size) {
		w->err = w->err ? w->err : __vls_error(w->ctx, VLS_ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < t->ncpus; i++)
		if (t->cpu_fd[i] >= 0 && !fstat(t->cpu_fd[i], &st))
			size[i] = (uint64_t)st.st_size / ps * ps; /* whole pages */
	put(w, "flyrecord", 10);
	pos = align_up(w->off + 16 * t->ncpus, ps);
	for (size_t i = 0; i < t->ncpus; i++) {
		put_u64(w, pos);
		put_u64(w, size[i]);
		pos = align_up(pos + size[i], ps);
	}
	for (size_t i = 0; i < t->ncpus && !w->err; i++) {
		pad_to(w, align_up(w->off, ps));
		if (size[i])
			copy_cpu(w, t->cpu_fd[i], size[i]);
	}
	__vls_free(w->ctx, size);
}

static void put_initial(struct writer *w, const struct vls_tdw *t)
{
	static const char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i',
				      'n', 'g', '6', 0 };
	uint8_t flags[2] = { t->big_endian, t->long_size };

	put(w, magic, sizeof(magic));
	put(w, flags, 2);
	put_u32(w, t->page_size);
}

int __vls_tracedat_write(vls_ctx *ctx, const struct vls_tdw *t, int fd)
{
	struct writer w = { .ctx = ctx, .fd = fd,
		.swap = t->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) };
	const char *tdir = t->tdir;
	char path[PATH_MAX];

	if (!t->page_size || (t->long_size != 4 && t->long_size != 8))
		return __vls_error(ctx, VLS_EINVAL, "trace.dat: page size %u, long size %u",
				   t->page_size, t->long_size);
	put_initial(&w, t);
	put(&w, "header_page", 12);
	snprintf(path, sizeof(path), "%s/events/header_page", tdir);
	put_file(&w, path, 8, FORMAT_MAX, false);
	put(&w, "header_event", 13);
	snprintf(path, sizeof(path), "%s/events/header_event", tdir);
	put_file(&w, path, 8, FORMAT_MAX, false);
	/* ftrace: kernel_stack carries the trigger stacks. */
	put_system_dir(&w, tdir, "ftrace");
	put_event_systems(&w, t);
	if (t->kallsyms)
		put_file(&w, t->kallsyms, 4, KALLSYMS_MAX, true);
	else
		put_u32(&w, 0);
	snprintf(path, sizeof(path), "%s/printk_formats", tdir);
	put_file(&w, path, 4, FORMAT_MAX * 16, true);
	snprintf(path, sizeof(path), "%s/saved_cmdlines", tdir);
	put_file(&w, path, 8, CMDLINES_MAX, true);
	put_u32(&w, (uint32_t)t->ncpus);
	put_options(&w, t);
	put_flyrecord(&w, t);
	return w.err;
}

int __vls_rec_replace_file(vls_ctx *ctx, const char *out,
			   int (*fn)(int fd, void *data), void *data)
{
	char tmp[PATH_MAX];
	int fd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >= sizeof(tmp))
		return __vls_error(ctx, VLS_ELIMIT, "%s: path too long", out);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return __vls_error(ctx, VLS_EIO, "%s: %s", tmp, strerror(errno));
	ret = fn(fd, data);
	if (!ret && fchmod(fd, 0644) < 0)
		ret = __vls_error(ctx, VLS_EIO, "%s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && !ret)
		ret = __vls_error(ctx, VLS_EIO, "%s: %s", tmp, strerror(errno));
	if (!ret && rename(tmp, out) < 0)
		ret = __vls_error(ctx, VLS_EIO, "%s: %s", out, strerror(errno));
	if (ret)
		unlink(tmp);
	return ret;
}

/* The recording's parts: this machine's byte order, long and page size,
 * uname; the instance's events and CPU stats. */
int __vls_rec_write_tracedat(vls_record *rec, int fd, const char *tdir,
			     const char *kallsyms_path)
{
	struct vls_tdw t = { .tdir = tdir, .kallsyms = kallsyms_path,
		.big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__,
		.long_size = (uint8_t)sizeof(long), .page_size = (uint32_t)rec->page_size,
		.clock = __vls_meta_get(&rec->meta, "trace_clock"), .ncpus = rec->ncpus };
	size_t n = rec->ncpus ? rec->ncpus : 1;
	struct vls_tdw_event *ev = __vls_calloc(rec->ctx, rec->nevents + 1, sizeof(*ev));
	const char **stat = __vls_calloc(rec->ctx, n, sizeof(*stat));
	int *fds = __vls_calloc(rec->ctx, n, sizeof(*fds));
	char uname_buf[4 * sizeof(((struct utsname *)0)->release) + 4];
	struct utsname u;
	int ret;

	if (!ev || !stat || !fds) {
		ret = __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < rec->nevents; i++)
		if (rec->events[i].present)
			ev[t.nevents++] = (struct vls_tdw_event){ rec->events[i].system,
								 rec->events[i].name };
	for (size_t i = 0; i < rec->ncpus; i++) {
		char key[32];

		snprintf(key, sizeof(key), "cpustat.%zu", i);
		stat[i] = __vls_meta_get(&rec->meta, key);
		fds[i] = rec->cpus[i].out_fd;
	}
	if (!uname(&u)) {
		/* What trace-cmd record writes: "sysname nodename release machine" */
		snprintf(uname_buf, sizeof(uname_buf), "%s %s %s %s", u.sysname,
			 u.nodename, u.release, u.machine);
		t.uname = uname_buf;
	}
	t.events = ev;
	t.cpustat = stat;
	t.cpu_fd = fds;
	ret = __vls_tracedat_write(rec->ctx, &t, fd);
out:
	__vls_free(rec->ctx, ev);
	__vls_free(rec->ctx, stat);
	__vls_free(rec->ctx, fds);
	return ret;
}
