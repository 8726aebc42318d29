/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_record_tracedat.c - the trace.dat v6 writer (lib/record-tracedat.c):
 * from a tracing directory and raw per-CPU pages recorded on the
 * development VM (tests/data/record/README.md), write a trace.dat and read
 * it back with libtracecmd's public read API: every event trace-cmd
 * report counted in the original recording must be there.
 */
#include <fcntl.h>
#include <stdlib.h>
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

static void test_roundtrip(vls_ctx *ctx)
{
	struct vls_rec_event ev[NSYS];
	struct vls_rec_cpu cpus[2];
	char out[] = "/tmp/vls-tracedat-XXXXXX";
	struct tracecmd_input *h;
	struct counts c = { 0 };
	vls_record rec;
	int fd;

	setup(&rec, ctx, ev, cpus);
	fd = mkstemp(out);
	CHECK(fd >= 0);
	CHECK_INT(__vls_rec_write_tracedat(&rec, fd, VLS_TEST_DATA "/record/tracefs",
					   NULL), 0);
	close(fd);
	h = tracecmd_open(out, 0);
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
	unlink(out);
	close(cpus[0].out_fd);
	close(cpus[1].out_fd);
	__vls_meta_clear(ctx, &rec.meta);
}

/* A tracing directory without the header page: an error naming the file,
 * no crash, and the caller still owns and removes the output. */
static void test_missing_header(vls_ctx *ctx)
{
	struct vls_rec_event ev[NSYS];
	struct vls_rec_cpu cpus[2];
	char out[] = "/tmp/vls-tracedat-XXXXXX";
	vls_record rec;
	int fd;

	setup(&rec, ctx, ev, cpus);
	fd = mkstemp(out);
	CHECK_INT(__vls_rec_write_tracedat(&rec, fd, "/nonexistent/tracefs", NULL),
		  VLS_EIO);
	CHECK(strstr(vls_ctx_errmsg(ctx), "/nonexistent/tracefs/events/header_page") != NULL);
	close(fd);
	unlink(out);
	close(cpus[0].out_fd);
	close(cpus[1].out_fd);
	__vls_meta_clear(ctx, &rec.meta);
}

int main(void)
{
	vls_ctx *ctx = NULL;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	tracecmd_set_loglevel(TEP_LOG_NONE);
	test_roundtrip(ctx);
	test_missing_header(ctx);
	vls_ctx_free(ctx);
	return TEST_DONE();
}
