/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_tracedat.c - the trace.dat reader against the fixtures recorded on
 * this machine (tests/data/README.md): counts per kind, stacks, metadata,
 * decoded field values, and errors for damaged files.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "vls-local.h"

#define V7 TEST_DATA("mprotect-fault-6.18-x86_64.dat")
#define V6XZ TEST_DATA("mprotect-fault-6.18-x86_64.v6.dat.xz")

/*
 * Expected counts: `trace-cmd report mprotect-fault-6.18-x86_64.dat |
 * grep -c " NAME: "` for each event name (kernel_stack for the stacks),
 * and `grep -c lock_mm_and_find_vma` on the same report for the stacks
 * that went through the fault path's mmap_lock fallback.
 */
static const struct {
	vls_event_kind kind;
	uint64_t count;
} expected_counts[] = {
	{ VLS_EV_MMAP_LOCK_START, 216 },
	{ VLS_EV_MMAP_LOCK_ACQUIRED, 218 },
	{ VLS_EV_MMAP_LOCK_RELEASED, 216 },
	{ VLS_EV_PAGE_FAULT_USER, 765 },
	{ VLS_EV_FILEMAP_FAULT, 175 },
	{ VLS_EV_SCHED_SWITCH, 187 },
	{ VLS_EV_OTHER, 0 },
	{ VLS_EV_PAGE_FAULT_KERNEL, 0 },
};
#define EXPECTED_STACKS 79
#define EXPECTED_FALLBACK_STACKS 57
#define EXPECTED_EVENTS 1777

/* From `uname -r; uname -m; nproc` on the recording machine. */
static const struct {
	const char *key, *v7, *v6;
} expected_meta[] = {
	{ "kernel", "6.18.44-fc-v769", "6.18.44-fc-v769" },
	{ "arch", "x86_64", "x86_64" },
	{ "ncpus", "2", "2" },
	{ "trace_clock", "local", "local" },
	{ "format", "tracedat", "tracedat" },
	{ "tracedat.version", "7", "6" },
	{ "tracedat.compression", "zstd", "none" },
	{ "lost_events", "0", "0" },
	{ "cpu0.lost", "0", "0" },
	{ "cpu1.lost", "0", "0" },
	{ "events.present",
	  "mmap_lock:mmap_lock_start_locking,mmap_lock:mmap_lock_acquire_returned,"
	  "mmap_lock:mmap_lock_released,exceptions:page_fault_user,"
	  "filemap:mm_filemap_fault,sched:sched_switch",
	  "mmap_lock:mmap_lock_start_locking,mmap_lock:mmap_lock_acquire_returned,"
	  "mmap_lock:mmap_lock_released,exceptions:page_fault_user,"
	  "filemap:mm_filemap_fault,sched:sched_switch" },
};

struct seen {
	uint64_t kinds[VLS_EV__COUNT];
	uint64_t with_stack, fallback_stacks;
	vls_event first[VLS_EV__COUNT];
	char first_name[VLS_EV__COUNT][64];
	vls_event first_d_switch;     /* first sched_switch with prev_state 2 */
	vls_event first_stacked;
	char first_frames[4][64];
	uint64_t last_ts;
	int out_of_order;
};

static int collect(const vls_event *ev, void *data)
{
	struct seen *s = data;

	if (ev->ts_ns < s->last_ts)
		s->out_of_order++;
	s->last_ts = ev->ts_ns;
	if (!s->kinds[ev->kind]++) {
		s->first[ev->kind] = *ev;
		snprintf(s->first_name[ev->kind], 64, "%s", ev->name);
		s->first[ev->kind].name = NULL; /* borrowed: gone after the read */
	}
	if (ev->kind == VLS_EV_SCHED_SWITCH && ev->u.sched_switch.prev_state == 2 &&
	    !s->first_d_switch.ts_ns)
		s->first_d_switch = *ev;
	if (ev->stack_depth && !s->with_stack++) {
		s->first_stacked = *ev;
		for (int i = 0; i < 4 && i < (int)ev->stack_depth; i++)
			snprintf(s->first_frames[i], 64, "%s", ev->stack[i]);
	}
	for (uint32_t i = 0; i < ev->stack_depth; i++)
		if (!strcmp(ev->stack[i], "lock_mm_and_find_vma"))
			s->fallback_stacks++;
	return 0;
}

static int read_file(const char *path, struct seen *s, vls_reader_stats *st,
		     int v7)
{
	vls_ctx *ctx = NULL;
	vls_reader *r = NULL;
	int ret;

	memset(s, 0, sizeof(*s));
	CHECK_INT(vls_ctx_new(&ctx), 0);
	ret = vls_reader_open(&r, ctx, path, NULL);
	CHECK_INT(ret, 0);
	if (ret) {
		fprintf(stderr, "%s\n", vls_ctx_errmsg(ctx));
		vls_ctx_free(ctx);
		return ret;
	}
	CHECK_INT(vls_reader_format(r), VLS_FORMAT_TRACEDAT);
	for (size_t i = 0; i < sizeof(expected_meta) / sizeof(expected_meta[0]); i++) {
		if (!strcmp(expected_meta[i].key, "lost_events") ||
		    strstr(expected_meta[i].key, ".lost"))
			continue; /* checked after the read below too */
		CHECK_STR(vls_reader_meta(r, expected_meta[i].key),
			  v7 ? expected_meta[i].v7 : expected_meta[i].v6);
	}
	ret = vls_reader_read(r, collect, s);
	CHECK_INT(ret, 0);
	for (size_t i = 0; i < sizeof(expected_meta) / sizeof(expected_meta[0]); i++)
		CHECK_STR(vls_reader_meta(r, expected_meta[i].key),
			  v7 ? expected_meta[i].v7 : expected_meta[i].v6);
	vls_reader_get_stats(r, st);
	vls_reader_close(r);
	vls_ctx_free(ctx);
	return ret;
}

static void check_counts(const struct seen *s, const vls_reader_stats *st)
{
	for (size_t i = 0; i < sizeof(expected_counts) / sizeof(expected_counts[0]); i++)
		CHECK_INT(s->kinds[expected_counts[i].kind], expected_counts[i].count);
	CHECK_INT(st->events, EXPECTED_EVENTS);
	CHECK_INT(st->stacks, EXPECTED_STACKS);
	CHECK_INT(s->with_stack, EXPECTED_STACKS);
	CHECK_INT(st->orphan_stacks, 0);
	CHECK_INT(st->dup_stacks, 0);
	CHECK_INT(st->bad_records, 0);
	CHECK_INT(s->fallback_stacks, EXPECTED_FALLBACK_STACKS);
	CHECK_INT(s->out_of_order, 0);
}

/* Values from `trace-cmd report -R -t` (raw fields, ns timestamps). */
static void check_fields(const struct seen *s)
{
	const vls_event *e = &s->first[VLS_EV_MMAP_LOCK_ACQUIRED];

	CHECK_INT(e->ts_ns, 4500505196500ULL);
	CHECK_INT(e->cpu, 0);
	CHECK_INT(e->tid, 8650);
	CHECK_INT(e->pid, -1);
	CHECK_STR(e->comm, "mprotect-fault");
	CHECK_STR(s->first_name[VLS_EV_MMAP_LOCK_ACQUIRED],
		  "mmap_lock:mmap_lock_acquire_returned");
	CHECK_INT(e->u.mmap_lock.mm, 0xffff88810a649900ULL);
	CHECK_INT(e->u.mmap_lock.memcg_id, 3467);
	CHECK_INT(e->u.mmap_lock.write, 1);
	CHECK_INT(e->u.mmap_lock.success, 1);
	e = &s->first[VLS_EV_PAGE_FAULT_USER];
	CHECK_INT(e->ts_ns, 4500505917252ULL);
	CHECK_INT(e->u.fault.address, 0x7f346eab9b70ULL);
	CHECK_INT(e->u.fault.ip, 0x7f346eab9b70ULL);
	CHECK_INT(e->u.fault.error_code, 0x14);
	e = &s->first[VLS_EV_FILEMAP_FAULT];
	CHECK_INT(e->ts_ns, 4500505789408ULL);
	CHECK_INT(e->u.filemap.ino, 0x1020fd);
	CHECK_INT(e->u.filemap.dev, 266338304);   /* 254:0 */
	CHECK_INT(e->u.filemap.index, 3);
	CHECK_INT(e->u.filemap.pfn, 0);
	e = &s->first_d_switch;
	CHECK_INT(e->ts_ns, 4500533076362ULL);
	CHECK_STR(e->u.sched_switch.prev_comm, "mprotect-fault");
	CHECK_INT(e->u.sched_switch.prev_pid, 8650);
	CHECK_INT(e->u.sched_switch.prev_prio, 120);
	CHECK_STR(e->u.sched_switch.next_comm, "swapper/1");
	CHECK_INT(e->u.sched_switch.next_pid, 0);
	e = &s->first[VLS_EV_SCHED_SWITCH];   /* preempted: TASK_REPORT_MAX */
	CHECK_INT(e->u.sched_switch.prev_state, 256);
	CHECK_STR(e->u.sched_switch.next_comm, "migration/0");
	e = &s->first_stacked;
	CHECK_INT(e->kind, VLS_EV_MMAP_LOCK_START);
	CHECK_INT(e->ts_ns, 4500505202932ULL);
	CHECK_INT(e->u.mmap_lock.write, 0);
	CHECK_INT(e->stack_depth, 9);
	CHECK_STR(s->first_frames[0], "trace_event_raw_event_mmap_lock");
	CHECK_STR(s->first_frames[2], "mmap_read_lock_maybe_expand");
	CHECK_STR(s->first_frames[3], "get_arg_page");
}

static int stop_cb(const vls_event *ev, void *data)
{
	return ++*(int *)data >= 10;
}

static void test_stop(void)
{
	vls_ctx *ctx = NULL;
	vls_reader *r = NULL;
	vls_reader_stats st;
	int n = 0;

	vls_ctx_new(&ctx);
	CHECK_INT(vls_reader_open(&r, ctx, V7, NULL), 0);
	CHECK_INT(vls_reader_read(r, stop_cb, &n), VLS_ESTOPPED);
	vls_reader_get_stats(r, &st);
	CHECK_INT(st.events, 10);
	CHECK_INT(n, 10);
	vls_reader_close(r);
	vls_ctx_free(ctx);
}

/* Progress as an import's bar shows it (bytes_read of bytes_total),
 * sampled at every event: it must grow with the reading, never go back,
 * and end at the whole file. It stayed at 0 until the end once: the
 * trace.dat reader said nothing before libtracecmd was done. */
struct progress_seen {
	vls_reader *r;
	uint64_t n, back, first_total, at_half_target, at_half, last;
	uint64_t distinct;
};

static int progress_cb(const vls_event *ev, void *data)
{
	struct progress_seen *p = data;
	vls_reader_stats st;

	(void)ev;
	vls_reader_get_stats(p->r, &st);
	if (st.bytes_read < p->last)
		p->back++;
	if (st.bytes_read != p->last)
		p->distinct++;
	p->last = st.bytes_read;
	if (++p->n == p->at_half_target)
		p->at_half = st.bytes_read;
	return 0;
}

static void test_progress(const char *path)
{
	struct progress_seen p = { .at_half_target = EXPECTED_EVENTS / 2 };
	vls_ctx *ctx = NULL;
	vls_reader_stats st;

	vls_ctx_new(&ctx);
	CHECK_INT(vls_reader_open(&p.r, ctx, path, NULL), 0);
	if (!p.r) {
		vls_ctx_free(ctx);
		return;
	}
	CHECK_INT(vls_reader_read(p.r, progress_cb, &p), 0);
	vls_reader_get_stats(p.r, &st);
	CHECK_INT(p.n, EXPECTED_EVENTS);
	CHECK_INT(p.back, 0);
	CHECK(st.bytes_total > 0);
	CHECK_INT(st.bytes_read, st.bytes_total);
	/* halfway through the events, somewhere between a quarter and three
	 * quarters of the file; and many steps on the way, not one jump */
	CHECK(p.at_half > st.bytes_total / 4);
	CHECK(p.at_half < st.bytes_total / 4 * 3);
	CHECK(p.distinct >= 10);
	vls_reader_close(p.r);
	vls_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* Damaged files                                                       */
/* ------------------------------------------------------------------ */

static char tmpdir[64];

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spill(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(buf, 1, len, f);
		fclose(f);
	}
}

/* Open and read path: the result must be one of the allowed errors, with a
 * message naming the file. */
/* al: NULL, or an allocator of the test's (the library then makes no
 * thread of its own). */
static int open_and_read_with(const char *path, char *msg, size_t msg_len,
			      const vls_allocator *al)
{
	vls_ctx *ctx = NULL;
	vls_reader *r = NULL;
	struct seen s;
	int ret;

	vls_ctx_new(&ctx);
	if (al)
		CHECK_INT(vls_ctx_set_allocator(ctx, al), 0);
	ret = vls_reader_open(&r, ctx, path, NULL);
	if (!ret) {
		memset(&s, 0, sizeof(s));
		ret = vls_reader_read(r, collect, &s);
	}
	snprintf(msg, msg_len, "%s", vls_ctx_errmsg(ctx));
	vls_reader_close(r);
	vls_ctx_free(ctx);
	return ret;
}

static int open_and_read(const char *path, char *msg, size_t msg_len)
{
	return open_and_read_with(path, msg, msg_len, NULL);
}

static void expect_error(const char *path, int want)
{
	char msg[VLS_ERRMSG_MAX];
	int ret = open_and_read(path, msg, sizeof(msg));

	CHECK_INT(ret, want);
	if (ret != want)
		fprintf(stderr, "  %s: %s\n", path, msg);
	CHECK(strstr(msg, path) != NULL);
}

/* Cut the v7 fixture at offsets inside the header, the formats, the
 * kallsyms, the CPU data and the trailing options: all EPARSE. */
static void test_truncated(const unsigned char *buf, size_t len)
{
	const size_t cuts[] = { 5, 11, 13, 20, 40, 100, 3000, 500000, 1017800,
				1019000, 1025000, 1031200, 1031250 };
	char path[128], msg[VLS_ERRMSG_MAX];

	snprintf(path, sizeof(path), "%s/cut.dat", tmpdir);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		spill(path, buf, cuts[i]);
		/* shorter than the magic: not a trace.dat nor a text trace */
		expect_error(path, VLS_EPARSE);
	}
	spill(path, buf, 0);
	expect_error(path, VLS_EPARSE);
	/* The file ends with a compressed "strings" section (section names,
	 * from 1031274 on) that nothing reads: cut there, all events remain. */
	spill(path, buf, len - 50);
	CHECK_INT(open_and_read(path, msg, sizeof(msg)), 0);
}

static void test_patched(const unsigned char *buf, size_t len)
{
	unsigned char *copy = malloc(len);
	char path[128];

	snprintf(path, sizeof(path), "%s/patched.dat", tmpdir);
	memcpy(copy, buf, len);
	copy[10] = '9';                       /* version "9" */
	spill(path, copy, len);
	expect_error(path, VLS_EVERSION);
	memcpy(copy, buf, len);
	memcpy(copy + 18, "zlib", 4);         /* compression "zlib" */
	spill(path, copy, len);
	expect_error(path, VLS_EUNSUPPORTED);
	memcpy(copy, buf, len);
	memset(copy + 18, 0xff, 64);          /* garbage compression header */
	spill(path, copy, len);
	expect_error(path, VLS_EPARSE);
	memcpy(copy, buf, len);
	memset(copy + 1017726, 0x41, 200);    /* the first options section */
	spill(path, copy, len);
	expect_error(path, VLS_EPARSE);
	free(copy);
}

/*
 * The v7 fixture's kallsyms section is checked on a thread of its own
 * while the rest of the file is: with its compressed bytes spoiled, its
 * error is the one given, even with the CPU data after it bad as well,
 * and the message is the one of the check in turn (a test allocator:
 * no thread). The CPU data alone bad gives the CPU data's error.
 */
#define KSYMS_DATA 3049           /* the fixture's compressed kallsyms */
#define CPU0_CHUNKS 1019904       /* CPU 0's chunk count */

static void test_ksyms_thread(const unsigned char *buf, size_t len)
{
	struct test_alloc ta = { 0, 0, 0 };
	vls_allocator al = TEST_ALLOCATOR(&ta);
	unsigned char *copy = malloc(len);
	char path[128], m1[VLS_ERRMSG_MAX], m2[VLS_ERRMSG_MAX];

	snprintf(path, sizeof(path), "%s/ksyms.dat", tmpdir);
	for (int bad = 1; bad <= 3; bad++) {
		memcpy(copy, buf, len);
		if (bad & 1)
			memset(copy + KSYMS_DATA + 500000, 0x41, 200);
		if (bad & 2)
			memset(copy + CPU0_CHUNKS, 0xff, 4);
		spill(path, copy, len);
		CHECK_INT(open_and_read_with(path, m1, sizeof(m1), NULL), VLS_EPARSE);
		CHECK_INT(open_and_read_with(path, m2, sizeof(m2), &al), VLS_EPARSE);
		CHECK_STR(m1, m2);
		CHECK(strstr(m1, bad & 1 ? "does not decompress at offset 3025" :
			      "chunk count larger than the CPU data") != NULL);
	}
	CHECK_INT(ta.live, 0);
	free(copy);
}

/* The v6 twin is stored xz-compressed (5 MB of kallsyms uncompressed). */
static int unpack_v6(char *out, size_t out_len)
{
	char cmd[512];

	snprintf(out, out_len, "%s/v6.dat", tmpdir);
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", V6XZ, out);
	return system(cmd);
}

int main(void)
{
	struct seen s;
	vls_reader_stats st;
	unsigned char *buf;
	char v6[128], cmd[128];
	size_t len = 0;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vls-test-tracedat-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	if (!read_file(V7, &s, &st, 1)) {
		check_counts(&s, &st);
		check_fields(&s);
	}
	CHECK_INT(unpack_v6(v6, sizeof(v6)), 0);
	if (!read_file(v6, &s, &st, 0)) {
		check_counts(&s, &st);
		check_fields(&s);
	}
	test_stop();
	test_progress(V7);
	test_progress(v6);
	buf = slurp(V7, &len);
	CHECK(buf != NULL);
	if (buf) {
		test_truncated(buf, len);
		test_patched(buf, len);
		test_ksyms_thread(buf, len);
	}
	free(buf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return TEST_DONE();
}
