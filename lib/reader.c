/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader.c - open a trace, detect its format and hand it to the reader
 * for that format (reader-tracedat.c, reader-text.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"

/* trace-cmd's file magic: "\027\010\104tracing" (trace-cmd.dat(5)). */
static const unsigned char tracedat_magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a',
						'c', 'i', 'n', 'g' };

static const struct {
	vls_format format;
	const char *name;
} format_names[] = {
	{ VLS_FORMAT_AUTO, "auto" },
	{ VLS_FORMAT_TRACEDAT, "tracedat" },
	{ VLS_FORMAT_FTRACE_TEXT, "ftrace" },
	{ VLS_FORMAT_TRACECMD_TEXT, "trace-cmd" },
	{ VLS_FORMAT_ATRACE_TEXT, "atrace" },
	{ VLS_FORMAT_PERF_SCRIPT_TEXT, "perf-script" },
};

int vls_format_parse(vls_format *out, const char *name)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (!strcmp(name, format_names[i].name)) {
			*out = format_names[i].format;
			return 0;
		}
	}
	return VLS_EINVAL;
}

const char *vls_format_name(vls_format format)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (format_names[i].format == format)
			return format_names[i].name;
	return "unknown";
}

static int detect(vls_reader *r, int fd)
{
	char head[8192];
	ssize_t n = read(fd, head, sizeof(head));

	if (n < 0)
		return __vls_error(r->ctx, VLS_EIO, "%s: %s", r->path, strerror(errno));
	if (n == 0)
		return __vls_error(r->ctx, VLS_EPARSE, "%s: empty file", r->path);
	if ((size_t)n >= sizeof(tracedat_magic) &&
	    !memcmp(head, tracedat_magic, sizeof(tracedat_magic))) {
		r->format = VLS_FORMAT_TRACEDAT;
		return 0;
	}
	if ((unsigned char)head[0] == 0xfd && n > 5 && !memcmp(head + 1, "7zXZ", 4))
		return __vls_error(r->ctx, VLS_EPARSE,
				   "%s: xz-compressed: decompress it first (xz -d)", r->path);
	/* perf.data's magic (tools/perf/util/header.c): events only perf
	 * itself decodes, with the kernel's symbols it saved */
	if (n >= 8 && !memcmp(head, "PERFILE2", 8))
		return __vls_error(r->ctx, VLS_EPARSE,
				   "%s: a perf.data file: convert it first with "
				   "'perf script --ns --header -F +pid,+ip,+sym,+symoff,+dso "
				   "-i %s > trace.txt' and import trace.txt", r->path, r->path);
	if (n >= 4 && !memcmp(head, "\x28\xb5\x2f\xfd", 4))
		return __vls_error(r->ctx, VLS_EPARSE,
				   "%s: zstd-compressed: decompress it first (zstd -d)",
				   r->path);
	r->format = __vls_text_detect(head, (size_t)n);
	if (r->format == VLS_FORMAT_AUTO)
		return __vls_error(r->ctx, VLS_EPARSE,
				   "%s: not a trace.dat nor an ftrace, trace-cmd report, "
				   "atrace or perf script text trace", r->path);
	return 0;
}

/* The file's absolute path, when it has one: "source" is the path as
 * given, relative to a directory the run does not remember, and a viewer
 * opening the run's trace later (`vmlockstat report`'s KernelShark
 * command, docs/kshark.md) needs the file itself. */
static int source_path(struct vls_reader *r, const char *path)
{
	char *abs = realpath(path, NULL);
	int ret;

	if (!abs)
		return 0;
	ret = __vls_meta_set(r->ctx, &r->meta, "source_path", abs);
	free(abs);
	return ret;
}

static bool capture_dir(const char *path)
{
	char info[PATH_MAX];

	return (size_t)snprintf(info, sizeof(info), "%s/capture.info", path) <
	       sizeof(info) && !access(info, F_OK);
}

int vls_reader_open(vls_reader **out, vls_ctx *ctx, const char *path,
		    const vls_reader_opts *opts)
{
	vls_reader *r = NULL;
	struct stat st;
	int fd = -1, ret;

	if (!out || !ctx || !path)
		return ctx ? __vls_error(ctx, VLS_EINVAL, "no output or path") : VLS_EINVAL;
	*out = NULL;
	if (opts && opts->version != VLS_READER_OPTS_VERSION)
		return __vls_error(ctx, VLS_EINVAL, "reader options version %u",
				   opts->version);
	r = __vls_calloc(ctx, 1, sizeof(*r));
	if (!r)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	r->ctx = ctx;
	ctx->live_objects++;
	if (opts)
		r->opts = *opts;
	else
		r->opts = (vls_reader_opts)VLS_READER_OPTS_INIT;
	r->path = __vls_strdup(ctx, path);
	if (!r->path) {
		ret = __vls_error(ctx, VLS_ENOMEM, "out of memory");
		goto fail;
	}
	/* stat first: open() of a FIFO would wait for a writer */
	if (stat(path, &st) < 0) {
		ret = __vls_error(ctx, errno == ENOENT ? VLS_ENOTFOUND : VLS_EIO,
				  "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = capture_dir(path) ?
		      __vls_error(ctx, VLS_EINVAL, "%s: a capture (docs/capture.md): "
				  "read the trace.dat vls_capture_write_tracedat() "
				  "writes of it", path) :
		      __vls_error(ctx, VLS_EINVAL, "%s: is a directory", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = __vls_error(ctx, VLS_EINVAL, "%s: not a regular file (a pipe, "
				  "a device or a socket): the readers need a file "
				  "they can seek in; save the trace to a file first",
				  path);
		goto fail;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = __vls_error(ctx, errno == ENOENT ? VLS_ENOTFOUND : VLS_EIO,
				  "%s: %s", path, strerror(errno));
		goto fail;
	}
	r->stats.bytes_total = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	r->format = r->opts.format;
	if (r->format == VLS_FORMAT_AUTO) {
		ret = detect(r, fd);
		if (ret)
			goto fail;
	}
	close(fd);
	fd = -1;
	r->ops = r->format == VLS_FORMAT_TRACEDAT ? &__vls_tracedat_ops
						  : &__vls_text_ops;
	ret = __vls_meta_set(ctx, &r->meta, "source", path);
	if (!ret)
		ret = source_path(r, path);
	if (!ret)
		ret = __vls_meta_set(ctx, &r->meta, "format", vls_format_name(r->format));
	if (!ret)
		ret = r->ops->open(r);
	if (ret)
		goto fail;
	*out = r;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	vls_reader_close(r);
	return ret;
}

void vls_reader_close(vls_reader *r)
{
	vls_ctx *ctx;

	if (!r)
		return;
	ctx = r->ctx;
	if (r->ops && r->priv)
		r->ops->close(r);
	__vls_attach_release(&r->attach);
	__vls_meta_clear(ctx, &r->meta);
	__vls_free(ctx, r->path);
	__vls_free(ctx, r);
	ctx->live_objects--;
}

int __vls_reader_attach_meta(vls_reader *r, const struct vls_attach *a)
{
	int ret = 0;

	if (a->late_stacks)
		ret = __vls_meta_setf(r->ctx, &r->meta, "late_stacks", "%llu",
				      (unsigned long long)a->late_stacks);
	if (!ret && a->waits_expired)
		ret = __vls_meta_setf(r->ctx, &r->meta, "stack_waits_expired",
				      "%llu", (unsigned long long)a->waits_expired);
	return ret;
}

int vls_reader_read(vls_reader *r, vls_event_cb cb, void *data)
{
	int ret;

	if (!r || !cb)
		return VLS_EINVAL;
	ret = __vls_attach_init(&r->attach, r->ctx, &r->stats, cb, data);
	if (ret)
		return ret;
	ret = r->ops->read(r);
	if (!ret)
		ret = __vls_attach_flush(&r->attach);
	if (!ret && r->attach.stopped)
		ret = VLS_ESTOPPED;
	if (!ret)
		ret = __vls_reader_attach_meta(r, &r->attach);
	__vls_attach_release(&r->attach);
	/* a limit or allocation failure deep in a reader still names the file */
	return __vls_error_in(r->ctx, ret, r->path);
}

vls_format vls_reader_format(const vls_reader *r)
{
	return r ? r->format : VLS_FORMAT_AUTO;
}

const char *vls_reader_meta(const vls_reader *r, const char *key)
{
	return r && key ? __vls_meta_get(&r->meta, key) : NULL;
}

int vls_reader_meta_at(const vls_reader *r, size_t idx, const char **key,
		       const char **value)
{
	if (!r || idx >= r->meta.n)
		return VLS_ENOTFOUND;
	if (key)
		*key = r->meta.keys[idx];
	if (value)
		*value = r->meta.vals[idx];
	return 0;
}

void __vls_reader_progress(vls_reader *r, uint64_t done, uint64_t span)
{
	uint64_t at;

	if (!span || !r->stats.bytes_total)
		return;
	if (done > span)
		done = span;
	/* in long double: bytes_total * done overflows 64 bits past 4 GB */
	at = (uint64_t)((long double)r->stats.bytes_total * done / span);
	if (at > r->stats.bytes_read)
		r->stats.bytes_read = at;
}

void vls_reader_get_stats(const vls_reader *r, vls_reader_stats *out)
{
	if (!out)
		return;
	if (!r) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = r->stats;
}
