/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE     /* O_TMPFILE, mkostemp, copy_file_range */
/*
 * record.c - the recording API: options, lifecycle, teardown.
 *
 * new():   outputs checked, stale instances removed, instance set up,
 *          temporary files opened; nothing traced yet.
 * start(): vmstat "before", tracing on, reader threads.
 * stop():  tracing off, readers drained, stats and vmstat "after",
 *          instance destroyed, then the trace.dat and its sidecar.
 * free():  whatever of that is left, so an error path or an embedder
 *          that never calls stop() still leaves tracefs as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "record.h"

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int check_opts(vls_ctx *ctx, const vls_record_opts *o)
{
	if (o->version != VLS_RECORD_OPTS_VERSION)
		return __vls_error(ctx, VLS_EINVAL, "record options version %u, "
				   "expected %u", o->version, VLS_RECORD_OPTS_VERSION);
	if (o->buffer_kb > VLS_RECORD_MAX_KB)
		return __vls_error(ctx, VLS_EINVAL, "buffer of %u KB per CPU: the "
				   "limit is %u KB", o->buffer_kb, VLS_RECORD_MAX_KB);
	if (o->npids > VLS_RECORD_MAX_PIDS || (o->npids && !o->pids))
		return __vls_error(ctx, VLS_EINVAL, "bad pid list");
	for (size_t i = 0; i < o->npids; i++)
		if (o->pids[i] <= 0)
			return __vls_error(ctx, VLS_EINVAL, "bad pid %d", (int)o->pids[i]);
	if (o->output && !*o->output)
		return __vls_error(ctx, VLS_EINVAL, "empty output file name");
	return 0;
}

/* An output stop() will write: not a directory, a device, a pipe or a
 * socket; an existing file rewritten in place must be writable. */
static int check_target(vls_ctx *ctx, const char *path, bool rewritten)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;       /* its directory is checked next */
		return __vls_error(ctx, VLS_EIO, "%s: %s", path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return __vls_error(ctx, VLS_EINVAL, "%s: is a directory (the "
				   "recording is written to files)", path);
	if (!S_ISREG(st.st_mode))
		return __vls_error(ctx, VLS_EINVAL, "%s: not a regular file (a device, "
				   "a pipe or a socket): the recording is written to "
				   "files", path);
	if (!rewritten)
		return 0;
	/* no O_TRUNC: the check changes nothing */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return __vls_error(ctx, VLS_EIO, "%s: cannot write it: %s", path,
				   strerror(errno));
	close(fd);
	return 0;
}

/*
 * Before anything is traced or run, what stop() writes must be writable:
 * the trace.dat, renamed into place from a temporary file beside it (the
 * same name as write_output() uses, created and removed here), and the
 * sidecar FILE.meta, rewritten in place. A recording that cannot be kept
 * fails now, not after the command.
 */
static int check_outputs(vls_ctx *ctx, const char *output)
{
	char tmp[PATH_MAX], side[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(output, '/');
	int fd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", output) >= sizeof(tmp) ||
	    (size_t)snprintf(side, sizeof(side), "%s.meta", output) >= sizeof(side))
		return __vls_error(ctx, VLS_ELIMIT, "%s: path too long", output);
	if ((ret = check_target(ctx, output, false)) ||
	    (ret = check_target(ctx, side, true)))
		return ret;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - output + (slash == output)),
			 output);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return __vls_error(ctx, VLS_EIO, "%s: its directory %s does not exist",
				   output, dir);
	if (fd < 0)
		return __vls_error(ctx, VLS_EIO, "%s: cannot create files in its "
				   "directory %s: %s", output, dir, strerror(errno));
	close(fd);
	unlink(tmp);
	return 0;
}

static int check_tracefs(vls_ctx *ctx)
{
	const char *dir = tracefs_tracing_dir();

	/* Not found: mount it (needs root). Only then, since this call leaks
	 * its path string in libtracefs 1.6. */
	if (!dir && tracefs_tracing_dir_is_mounted(true, &dir) >= 0)
		dir = tracefs_tracing_dir();
	if (!dir)
		return __vls_error(ctx, VLS_EUNSUPPORTED, "tracefs is not mounted and "
				   "cannot be mounted%s", geteuid() ? " (recording "
				   "needs root)" : "");
	if (access(dir, W_OK))
		return __vls_error(ctx, VLS_EUNSUPPORTED, "%s: %s (recording needs "
				   "root)", dir, strerror(errno));
	return 0;
}

static int copy_opts(vls_record *rec, const vls_record_opts *o)
{
	rec->opts = *o;
	if (!rec->opts.buffer_kb)
		rec->opts.buffer_kb = VLS_RECORD_DEFAULT_KB;
	rec->output = __vls_strdup(rec->ctx, o->output ? o->output : "trace.dat");
	rec->pids = o->npids ? __vls_calloc(rec->ctx, o->npids, sizeof(int32_t)) : NULL;
	if (!rec->output || (o->npids && !rec->pids))
		return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
	if (o->npids)
		memcpy(rec->pids, o->pids, o->npids * sizeof(int32_t));
	rec->npids = o->npids;
	return 0;
}

int vls_record_new(vls_record **out, vls_ctx *ctx, const vls_record_opts *opts)
{
	vls_record_opts defaults = VLS_RECORD_OPTS_INIT;
	vls_record *rec = NULL;
	int ret;

	if (!out || !ctx)
		return VLS_EINVAL;
	*out = NULL;
	opts = opts ? opts : &defaults;
	if ((ret = check_opts(ctx, opts)) ||
	    (ret = check_outputs(ctx, opts->output ? opts->output : "trace.dat")) ||
	    (ret = check_tracefs(ctx)))
		return ret;
	rec = __vls_calloc(ctx, 1, sizeof(*rec));
	if (!rec)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	rec->ctx = ctx;
	rec->stop_fd = -1;
	ctx->live_objects++;
	ret = copy_opts(rec, opts);
	ret = ret ? ret : __vls_rec_cleanup_stale(ctx);
	ret = ret ? ret : __vls_rec_events_build(rec);
	ret = ret ? ret : __vls_rec_instance_setup(rec);
	ret = ret ? ret : __vls_rec_stream_open(rec);
	ret = ret ? ret : __vls_rec_meta_static(rec);
	/* The caller's strings are not kept. */
	rec->opts.events = NULL;
	rec->opts.pids = NULL;
	rec->opts.output = rec->opts.command = rec->opts.label = NULL;
	if (ret) {
		vls_record_free(rec);
		return ret;
	}
	rec->stats.ncpus = (uint32_t)rec->ncpus;
	rec->stats.buffer_kb = rec->opts.buffer_kb;
	*out = rec;
	return 0;
}

int vls_record_start(vls_record *rec)
{
	int ret;

	if (!rec)
		return VLS_EINVAL;
	if (rec->started)
		return __vls_error(rec->ctx, VLS_EINVAL, "recording already started");
	ret = __vls_rec_meta_vmstat(rec, "before");
	ret = ret ? ret : __vls_meta_setf(rec->ctx, &rec->meta, "record.start_unix_ns",
					  "%llu", (unsigned long long)now_ns(CLOCK_REALTIME));
	if (ret)
		return ret;
	rec->started = true;
	rec->start_ns = now_ns(CLOCK_MONOTONIC);
	ret = __vls_rec_stream_start(rec);
	if (!ret && tracefs_trace_on(rec->instance))
		ret = __vls_error(rec->ctx, VLS_EIO, "%s: cannot turn tracing on: %s",
				  rec->instance_name, strerror(errno));
	/* after tracing is on: a thread created meanwhile is in the list or
	 * its task_newtask in the trace */
	return ret ? ret : __vls_rec_tasks_start(rec);
}

/* Tracing off, readers drained, stats read, instance gone. */
static int stop_tracing(vls_record *rec)
{
	int ret, r2;

	if (tracefs_trace_off(rec->instance))
		__vls_log(rec->ctx, VLS_LOG_WARN, "%s: cannot turn tracing off: %s",
			  rec->instance_name, strerror(errno));
	ret = __vls_rec_stream_stop(rec);
	r2 = __vls_meta_setf(rec->ctx, &rec->meta, "record.duration_ns", "%llu",
			     (unsigned long long)(now_ns(CLOCK_MONOTONIC) - rec->start_ns));
	r2 = r2 ? r2 : __vls_rec_meta_cpustats(rec);
	r2 = r2 ? r2 : __vls_rec_tasks_stop(rec);
	r2 = r2 ? r2 : __vls_rec_meta_vmstat(rec, "after");
	__vls_rec_instance_teardown(rec);
	return ret ? ret : r2;
}

/* The trace.dat through a temporary file renamed into place, then the
 * sidecar next to it. */
struct rec_out {
	vls_record *rec;
	const char *tdir;
};

static int put_tracedat(int fd, void *data)
{
	const struct rec_out *o = data;

	return __vls_rec_write_tracedat(o->rec, fd, o->tdir, "/proc/kallsyms");
}

static int write_output(vls_record *rec)
{
	struct rec_out o = { rec, tracefs_tracing_dir() };
	char side[PATH_MAX];
	int ret;

	if ((size_t)snprintf(side, sizeof(side), "%s.meta", rec->output) >= sizeof(side))
		return __vls_error(rec->ctx, VLS_ELIMIT, "%s: path too long", rec->output);
	if (!o.tdir)
		return __vls_error(rec->ctx, VLS_EUNSUPPORTED, "tracefs disappeared");
	if ((ret = __vls_rec_replace_file(rec->ctx, rec->output, put_tracedat, &o)))
		return ret;
	/* cpustat.*: in the trace.dat's CPUSTAT options already */
	return __vls_meta_sidecar_write(rec->ctx, &rec->meta, side, "cpustat.");
}

int vls_record_stop(vls_record *rec)
{
	int ret;

	if (!rec)
		return VLS_EINVAL;
	if (!rec->started || rec->stopped)
		return __vls_error(rec->ctx, VLS_EINVAL, "recording not running");
	rec->stopped = true;
	ret = stop_tracing(rec);
	if (!ret)
		ret = write_output(rec);
	__vls_rec_stream_close(rec);
	return ret;
}

void vls_record_free(vls_record *rec)
{
	vls_ctx *ctx;

	if (!rec)
		return;
	ctx = rec->ctx;
	/* Readers first: the instance cannot go while its files are open. */
	__vls_rec_stream_close(rec);
	__vls_rec_instance_teardown(rec);
	for (size_t i = 0; i < rec->nevents; i++) {
		__vls_free(ctx, rec->events[i].system);
		__vls_free(ctx, rec->events[i].name);
	}
	__vls_free(ctx, rec->events);
	__vls_free(ctx, rec->pids);
	__vls_free(ctx, rec->output);
	__vls_free(ctx, rec->instance_name);
	__vls_meta_clear(ctx, &rec->meta);
	__vls_free(ctx, rec);
	ctx->live_objects--;
}

static bool meta_key_ok(const char *k)
{
	if (!k || !*k || strlen(k) > 128)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		      *k == '_' || *k == '.' || *k == '-'))
			return false;
	return true;
}

int vls_record_set_meta(vls_record *rec, const char *key, const char *value)
{
	if (!rec)
		return VLS_EINVAL;
	if (!meta_key_ok(key) || !value)
		return __vls_error(rec->ctx, VLS_EINVAL, "bad metadata key '%s'",
				   key ? key : "(null)");
	if (rec->stopped)
		return __vls_error(rec->ctx, VLS_EINVAL, "metadata after stop is not "
				   "saved");
	return __vls_meta_set(rec->ctx, &rec->meta, key, value);
}

const char *vls_record_meta(const vls_record *rec, const char *key)
{
	return rec && key ? __vls_meta_get(&rec->meta, key) : NULL;
}

int vls_record_meta_at(const vls_record *rec, size_t idx, const char **key,
		       const char **value)
{
	if (!rec || !key || !value)
		return VLS_EINVAL;
	if (idx >= rec->meta.n)
		return VLS_ENOTFOUND;
	*key = rec->meta.keys[idx];
	*value = rec->meta.vals[idx];
	return 0;
}

void vls_record_get_stats(const vls_record *rec, vls_record_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (rec)
		*out = rec->stats;
}

const char *vls_record_instance(const vls_record *rec)
{
	return rec ? rec->instance_name : NULL;
}
