/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_record_tracedat.c - the trace.dat v6 writer (lib/record-tracedat.c):
 * from a tracing directory and raw per-CPU pages recorded on the
 * development VM (tests/data/record/README.md), write a trace.dat and read
 * it back with libtracecmd's public read API: every event trace-cmd
 * report counted in the original recording must be there. The same pieces
 * laid out as a capture (lib/record-capture.c, docs/capture.md) give the
 * same events, and a broken capture an error that leaves the output alone.
 */
#define _GNU_SOURCE   /* memmem */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <trace-cmd.h>

#include "test.h"
#include "record.h"

static const struct { const char *name; int want; } expected[] = {
	{ "page_fault_user", 205 },
	{ "page_fault_kernel", 10 },
	{ "mmap_lock_start_locking", 172 },
	{ "mmap_lock_acquire_returned", 176 },
	{ "mmap_lock_released", 172 },
	{ "kernel_stack", 54 },
	{ "mm_filemap_fault", 19 },
	{ "sched_switch", 15 },
	{ "sched_wakeup", 9 },
	{ "sched_waking", 9 },
	{ "sched_process_fork", 2 },
	{ "sched_process_exit", 3 },
	{ "sched_process_exec", 3 },
};
#define NEXP (sizeof(expected) / sizeof(*expected))

static const char *const systems[][2] = {
	{ "mmap_lock", "mmap_lock_start_locking" },
	{ "mmap_lock", "mmap_lock_acquire_returned" },
	{ "mmap_lock", "mmap_lock_released" },
	{ "sched", "sched_switch" }, { "sched", "sched_wakeup" },
	{ "sched", "sched_waking" }, { "sched", "sched_process_fork" },
	{ "sched", "sched_process_exit" }, { "sched", "sched_process_exec" },
	{ "exceptions", "page_fault_user" }, { "exceptions", "page_fault_kernel" },
	{ "filemap", "mm_filemap_fault" },
	{ "filemap", "mm_filemap_add_to_page_cache" },
	{ "lock", "contention_begin" }, { "block", "block_rq_issue" },
};
#define NSYS (sizeof(systems) / sizeof(*systems))

struct counts {
	int n[NEXP];
	int other, total;
	unsigned long long last_ts;
	int out_of_order;
};

static int count_event(struct tracecmd_input *h, struct tep_record *r, int cpu,
		       void *data)
{
	struct counts *c = data;
	struct tep_event *ev = tep_find_event_by_record(tracecmd_get_tep(h), r);
	size_t i;

	(void)cpu;
	c->total++;
	if (r->ts < c->last_ts)
		c->out_of_order++;
	c->last_ts = r->ts;
	for (i = 0; ev && i < NEXP; i++)
		if (!strcmp(ev->name, expected[i].name)) {
			c->n[i]++;
			return 0;
		}
	c->other++;
	return 0;
}

static void setup(vls_record *rec, vls_ctx *ctx, struct vls_rec_event *ev,
		  struct vls_rec_cpu *cpus)
{
	memset(rec, 0, sizeof(*rec));
	rec->ctx = ctx;
	for (size_t i = 0; i < NSYS; i++) {
		ev[i].system = (char *)systems[i][0];
		ev[i].name = (char *)systems[i][1];
		ev[i].present = true;
	}
	rec->events = ev;
	rec->nevents = NSYS;
	rec->ncpus = 2;
	rec->cpus = cpus;
	rec->page_size = 4096;
	for (int c = 0; c < 2; c++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/record/cpu%d.raw", VLS_TEST_DATA, c);
		cpus[c].cpu = c;
		cpus[c].out_fd = open(path, O_RDONLY);
		CHECK(cpus[c].out_fd >= 0);
	}
	CHECK_INT(__vls_meta_set(ctx, &rec->meta, "trace_clock", "local"), 0);
	CHECK_INT(__vls_meta_set(ctx, &rec->meta, "cpustat.1",
				 "entries: 0\noverrun: 0\nread events: 620\n"), 0);
}

/* Every expected event, in time order, in the trace.dat at path. */
static void check_events(const char *path)
{
	struct tracecmd_input *h = tracecmd_open(path, 0);
	struct counts c = { 0 };

	CHECK(h != NULL);
	if (h) {
		CHECK_INT(tracecmd_iterate_events(h, NULL, 0, count_event, &c), 0);
		tracecmd_close(h);
	}
	for (size_t i = 0; i < NEXP; i++) {
		if (c.n[i] != expected[i].want)
			fprintf(stderr, "  %s: %d, expected %d\n", expected[i].name,
				c.n[i], expected[i].want);
		CHECK_INT(c.n[i], expected[i].want);
	}
	CHECK_INT(c.other, 0);
	CHECK_INT(c.total, 849);
	CHECK_INT(c.out_of_order, 0);
	CHECK(c.last_ts > 0);
}

/* The recorder's pieces written as a trace.dat to out from tdir. */
static int write_recording(vls_ctx *ctx, const char *tdir, char *out)
{
	struct vls_rec_event ev[NSYS];
	struct vls_rec_cpu cpus[2];
	vls_record rec;
	int fd, ret;

	setup(&rec, ctx, ev, cpus);
	fd = mkstemp(out);
	CHECK(fd >= 0);
	ret = __vls_rec_write_tracedat(&rec, fd, tdir, NULL);
	close(fd);
	close(cpus[0].out_fd);
	close(cpus[1].out_fd);
	__vls_meta_clear(ctx, &rec.meta);
	return ret;
}

static void test_roundtrip(vls_ctx *ctx)
{
	char out[] = "/tmp/vls-tracedat-XXXXXX";

	CHECK_INT(write_recording(ctx, VLS_TEST_DATA "/record/tracefs", out), 0);
	check_events(out);
	unlink(out);
}

/* A tracing directory without the header page: an error naming the file,
 * no crash, and the caller still owns and removes the output. */
static void test_missing_header(vls_ctx *ctx)
{
	char out[] = "/tmp/vls-tracedat-XXXXXX";

	CHECK_INT(write_recording(ctx, "/nonexistent/tracefs", out), VLS_EIO);
	CHECK(strstr(vls_ctx_errmsg(ctx), "/nonexistent/tracefs/events/header_page") != NULL);
	CHECK_INT(unlink(out), 0);
}

/* dir/name holding text (NULL: a symlink to target) */
static void put(const char *dir, const char *name, const char *text,
		const char *target)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (target) {
		CHECK_INT(symlink(target, path), 0);
		return;
	}
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The fixture as a capture in a new directory (removed by rm_capture). */
static void make_capture(char *dir, const char *info, const char *cpu1)
{
	char path[512];

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "capture.info", info, NULL);
	put(dir, "events", NULL, VLS_TEST_DATA "/record/tracefs/events");
	put(dir, "saved_cmdlines", NULL, VLS_TEST_DATA "/record/tracefs/saved_cmdlines");
	for (int c = 0; c < 2; c++) {
		snprintf(path, sizeof(path), "%s/per_cpu%s", dir, c ? "/cpu1" : "");
		CHECK_INT(mkdir(path, 0755), 0);
		if (!c) {
			snprintf(path, sizeof(path), "%s/per_cpu/cpu0", dir);
			CHECK_INT(mkdir(path, 0755), 0);
		}
	}
	put(dir, "per_cpu/cpu0/trace_pipe_raw", NULL, VLS_TEST_DATA "/record/cpu0.raw");
	put(dir, "per_cpu/cpu1/trace_pipe_raw", cpu1, cpu1 ? NULL : VLS_TEST_DATA
	    "/record/cpu1.raw");
	put(dir, "per_cpu/cpu1/stats", "entries: 0\noverrun: 0\nread events: 620\n",
	    NULL);
}

static void rm_capture(const char *dir)
{
	static const char *const files[] = {
		"per_cpu/cpu0/trace_pipe_raw", "per_cpu/cpu1/trace_pipe_raw",
		"per_cpu/cpu1/stats", "per_cpu/cpu0", "per_cpu/cpu1", "per_cpu",
		"events", "saved_cmdlines", "capture.info",
	};
	char path[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		CHECK_INT(remove(path), 0);
	}
	CHECK_INT(rmdir(dir), 0);
}

static void test_capture(vls_ctx *ctx)
{
	char dir[] = "/tmp/vls-capture-XXXXXX", out[600];
	static unsigned char buf[1 << 16];
	size_t n = 0;
	FILE *f;

	make_capture(dir, "byte_order=little\ntrace_clock=local\n"
		     "uname=Linux guest 6.12.0 x86_64\n", NULL);
	snprintf(out, sizeof(out), "%s.dat", dir);
	CHECK_INT(vls_capture_write_tracedat(ctx, dir, out), 0);
	check_events(out);
	/* the head: little-endian, long 8, page 4096; the uname option */
	f = fopen(out, "r");
	CHECK(f != NULL);
	if (f) {
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		CHECK(n > 18 && buf[12] == 0 && buf[13] == 8 &&
		      buf[14] == 0 && buf[15] == 0x10 && buf[16] == 0 && buf[17] == 0);
		CHECK(memmem(buf, n, "Linux guest 6.12.0 x86_64", 25) != NULL);
	}
	unlink(out);
	rm_capture(dir);
}

/* What a capture must have, each missing: an error that names it, and
 * the output as it was. */
static void test_capture_broken(vls_ctx *ctx)
{
	static const struct { const char *info, *cpu1, *msg; int ret; } cases[] = {
		{ "long_size=8\n", NULL, "byte_order=little or big is required", VLS_EINVAL },
		{ "byte_order=middle\n", NULL, "byte_order=little", VLS_EINVAL },
		{ "byte_order=little\npage_size=4000\n", NULL, "page size 4000",
		  VLS_EPARSE },
		{ "byte_order=little\nlong_size=eight\n", NULL, "not a number",
		  VLS_EPARSE },
		{ "byte_order=little\n", "half a page", "not whole 4096-byte pages",
		  VLS_EPARSE },
	};
	char out[] = "/tmp/vls-capture-out-XXXXXX", buf[16] = "";
	int fd = mkstemp(out);

	CHECK(fd >= 0 && write(fd, "kept", 4) == 4);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char dir[] = "/tmp/vls-capture-XXXXXX";

		make_capture(dir, cases[i].info, cases[i].cpu1);
		CHECK_INT(vls_capture_write_tracedat(ctx, dir, out), cases[i].ret);
		if (!strstr(vls_ctx_errmsg(ctx), cases[i].msg))
			fprintf(stderr, "  case %zu: %s\n", i, vls_ctx_errmsg(ctx));
		CHECK(strstr(vls_ctx_errmsg(ctx), cases[i].msg) != NULL);
		rm_capture(dir);
	}
	/* a FIFO where pages or a format belong: an error, never a wait for
	 * its writer */
	for (int i = 0; i < 2; i++) {
		char dir[] = "/tmp/vls-capture-XXXXXX", path[600];

		make_capture(dir, "byte_order=little\n", NULL);
		snprintf(path, sizeof(path), "%s/%s", dir, i ?
			 "printk_formats" : "per_cpu/cpu1/trace_pipe_raw");
		remove(path);
		CHECK_INT(mkfifo(path, 0600), 0);
		CHECK_INT(vls_capture_write_tracedat(ctx, dir, out), VLS_EIO);
		CHECK(strstr(vls_ctx_errmsg(ctx), "not a regular file") != NULL);
		if (i)
			CHECK_INT(remove(path), 0);
		rm_capture(dir);
	}
	CHECK_INT(vls_capture_write_tracedat(ctx, "/nonexistent", out), VLS_EINVAL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "not a capture") != NULL);
	fd = open(out, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 4);
	CHECK_STR(buf, "kept");
	close(fd);
	unlink(out);
}

int main(void)
{
	vls_ctx *ctx = NULL;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	tracecmd_set_loglevel(TEP_LOG_NONE);
	test_roundtrip(ctx);
	test_missing_header(ctx);
	test_capture(ctx);
	test_capture_broken(ctx);
	vls_ctx_free(ctx);
	return TEST_DONE();
}
