/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE     /* O_TMPFILE, mkostemp, copy_file_range */
/*
 * record-stream.c - one reader thread per CPU moves whole ring-buffer
 * pages from the instance's trace_pipe_raw into an unlinked temporary
 * file (splice through tracefs_cpu_write()), so the buffer can be much
 * smaller than the trace. The pages are kept byte for byte: the trace.dat
 * writer copies them as they are.
 *
 * The threads run with every signal blocked (the embedder owns signals),
 * poll their CPU's file and a shared eventfd, and on stop drain what is
 * left, partial pages included (tracefs_cpu_flush_write()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "record.h"

/* Wake at least this often even if the buffer is not half full, so a
 * slow trace still reaches the disk. */
#define READER_POLL_MS 500

/* An unlinked file next to the output: gone when closed, even after a
 * SIGKILL. O_TMPFILE where the filesystem has it, else mkstemp + unlink. */
static int temp_file(vls_ctx *ctx, const char *dir)
{
	char path[PATH_MAX];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	if ((size_t)snprintf(path, sizeof(path), "%s/.vmlockstat-cpu-XXXXXX", dir) >=
	    sizeof(path))
		return __vls_error(ctx, VLS_ELIMIT, "%s: path too long", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return __vls_error(ctx, VLS_EIO, "cannot create a temporary file in "
				   "%s: %s", dir, strerror(errno));
	unlink(path);
	return fd;
}

static char *output_dir(vls_ctx *ctx, const char *output)
{
	const char *slash = strrchr(output, '/');

	if (!slash)
		return __vls_strdup(ctx, ".");
	if (slash == output)
		return __vls_strdup(ctx, "/");
	return __vls_strndup(ctx, output, (size_t)(slash - output));
}

static int open_cpu(vls_record *rec, struct vls_rec_cpu *c, const char *dir)
{
	char path[64];

	c->raw_fd = c->out_fd = -1;
	snprintf(path, sizeof(path), "per_cpu/cpu%d/trace_pipe_raw", c->cpu);
	c->raw_fd = tracefs_instance_file_open(rec->instance, path,
					       O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->raw_fd < 0) {
		/* An offline CPU: no data, an empty section in the file. */
		__vls_log(rec->ctx, VLS_LOG_INFO, "cpu%d: %s: %s", c->cpu, path,
			  strerror(errno));
		return 0;
	}
	c->tcpu = tracefs_cpu_alloc_fd(c->raw_fd, rec->page_size, true);
	if (!c->tcpu)
		return __vls_error(rec->ctx, VLS_ENOMEM, "cpu%d: tracefs_cpu_alloc_fd "
				   "failed", c->cpu);
	c->out_fd = temp_file(rec->ctx, dir);
	return c->out_fd < 0 ? c->out_fd : 0;
}

int __vls_rec_stream_open(vls_record *rec)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	char *dir = NULL;
	int ret = 0;

	if (n < 1 || n > VLS_RECORD_MAX_CPUS)
		return __vls_error(rec->ctx, VLS_ELIMIT, "%ld CPUs: unsupported", n);
	rec->page_size = getpagesize();
	rec->cpus = __vls_calloc(rec->ctx, (size_t)n, sizeof(*rec->cpus));
	dir = output_dir(rec->ctx, rec->output);
	if (!rec->cpus || !dir) {
		__vls_free(rec->ctx, dir);
		return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
	}
	rec->ncpus = (size_t)n;
	for (size_t i = 0; i < rec->ncpus; i++) {
		rec->cpus[i].cpu = (int)i;
		rec->cpus[i].raw_fd = rec->cpus[i].out_fd = -1;
	}
	for (size_t i = 0; i < rec->ncpus && !ret; i++)
		ret = open_cpu(rec, &rec->cpus[i], dir);
	__vls_free(rec->ctx, dir);
	return ret;
}

/* Move every full page there is; false on a real error (c->err set). */
static bool drain_full(struct vls_rec_cpu *c)
{
	int r;

	while ((r = tracefs_cpu_write(c->tcpu, c->out_fd, true)) > 0)
		c->bytes += (uint64_t)r;
	if (r < 0 && errno != EAGAIN && errno != EINTR) {
		c->err = errno;
		return false;
	}
	return true;
}

struct reader_arg {
	struct vls_rec_cpu *c;
	int stop_fd;
};

static void *reader(void *arg)
{
	struct vls_rec_cpu *c = ((struct reader_arg *)arg)->c;
	struct pollfd pfd[2] = {
		{ .fd = c->raw_fd, .events = POLLIN },
		{ .fd = ((struct reader_arg *)arg)->stop_fd, .events = POLLIN },
	};
	int r;

	free(arg);
	while (1) {
		r = poll(pfd, 2, READER_POLL_MS);
		if (r < 0 && errno != EINTR) {
			c->err = errno;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!drain_full(c))
			break;
	}
	/* Tracing is off now: take the rest, the last partial pages too. */
	if (!c->err && drain_full(c)) {
		while ((r = tracefs_cpu_flush_write(c->tcpu, c->out_fd)) > 0)
			c->bytes += (uint64_t)r;
		if (r < 0 && errno != EAGAIN)
			c->err = errno;
	}
	return NULL;
}

static int start_one(vls_record *rec, struct vls_rec_cpu *c)
{
	struct reader_arg *a;
	int err;

	if (c->raw_fd < 0)
		return 0;
	a = malloc(sizeof(*a));         /* freed by the thread */
	if (!a)
		return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
	a->c = c;
	a->stop_fd = rec->stop_fd;
	err = pthread_create(&c->thread, NULL, reader, a);
	if (err) {
		free(a);
		return __vls_error(rec->ctx, VLS_ERROR, "cpu%d: cannot start a reader "
				   "thread: %s", c->cpu, strerror(err));
	}
	c->running = true;
	return 0;
}

int __vls_rec_stream_start(vls_record *rec)
{
	sigset_t all, old;
	int ret = 0;

	rec->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (rec->stop_fd < 0)
		return __vls_error(rec->ctx, VLS_ERROR, "eventfd: %s", strerror(errno));
	/* Threads inherit the mask: signals stay with the embedder. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < rec->ncpus && !ret; i++)
		ret = start_one(rec, &rec->cpus[i]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int __vls_rec_stream_stop(vls_record *rec)
{
	uint64_t one = 1;
	int ret = 0;

	if (rec->stop_fd >= 0 && write(rec->stop_fd, &one, sizeof(one)) < 0)
		ret = __vls_error(rec->ctx, VLS_ERROR, "eventfd: %s", strerror(errno));
	for (size_t i = 0; i < rec->ncpus; i++) {
		struct vls_rec_cpu *c = &rec->cpus[i];

		if (c->running) {
			pthread_join(c->thread, NULL);
			c->running = false;
		}
		if (c->err && !ret)
			ret = __vls_error(rec->ctx, VLS_EIO, "cpu%d: streaming the trace "
					  "failed: %s", c->cpu, strerror(c->err));
		c->err = 0;     /* reported once */
		/* The instance cannot be removed while its files are open. */
		if (c->tcpu)
			tracefs_cpu_free_fd(c->tcpu);
		c->tcpu = NULL;
		if (c->raw_fd >= 0)
			close(c->raw_fd);
		c->raw_fd = -1;
	}
	return ret;
}

void __vls_rec_stream_close(vls_record *rec)
{
	if (rec->cpus) {
		__vls_rec_stream_stop(rec);
		for (size_t i = 0; i < rec->ncpus; i++)
			if (rec->cpus[i].out_fd >= 0)
				close(rec->cpus[i].out_fd);
		__vls_free(rec->ctx, rec->cpus);
		rec->cpus = NULL;
	}
	if (rec->stop_fd >= 0)
		close(rec->stop_fd);
	rec->stop_fd = -1;
}
