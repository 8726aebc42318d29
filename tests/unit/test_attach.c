/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_attach.c - stacks attach to the event that fired them, events leave
 * in input order, duplicates and orphans are counted (lib/attach.c).
 */
#include "test.h"
#include "attach.h"

/* Table rows leave the trailing fields they do not need out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* One input record: an event (kind != 0) or a stack (kind == 0). */
struct rec {
	uint64_t ts;
	int cpu, tid;
	vls_event_kind kind;
	const char *frame; /* stack: its single distinguishing frame */
	const char *cls;   /* stack: event class of its first frame, NULL: mmap_lock */
};

/* What the callback should see, in order. */
struct out {
	uint64_t ts;
	int tid;
	const char *frame; /* NULL: no stack */
};

struct seen {
	struct out got[64];
	int n;
	int stop_after; /* 0: never */
};

static int collect(const vls_event *ev, void *data)
{
	struct seen *s = data;
	static char copies[64][64];

	if (s->n < 64) {
		s->got[s->n].ts = ev->ts_ns;
		s->got[s->n].tid = ev->tid;
		s->got[s->n].frame = NULL;
		if (ev->stack_depth) {
			snprintf(copies[s->n], sizeof(copies[s->n]), "%s", ev->stack[1]);
			s->got[s->n].frame = copies[s->n];
		}
		s->n++;
	}
	return s->stop_after && s->n >= s->stop_after;
}

static void feed(struct vls_attach *a, const struct rec *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (r[i].kind) {
			vls_event ev = { .ts_ns = r[i].ts, .cpu = r[i].cpu,
					 .tid = r[i].tid, .kind = r[i].kind };
			__vls_attach_event(a, &ev);
		} else {
			char first[64];
			const char *frames[2] = { first, r[i].frame };

			snprintf(first, sizeof(first), "trace_event_raw_event_%s+0x9f",
				 r[i].cls ? r[i].cls : "mmap_lock");
			__vls_attach_stack(a, r[i].cpu, r[i].tid, frames, 2);
		}
	}
	__vls_attach_flush(a);
}

#define S VLS_EV_MMAP_LOCK_START
#define W VLS_EV_SCHED_SWITCH
#define K VLS_EV_SCHED_WAKING
#define B VLS_EV_BLOCK_RQ_COMPLETE

static const struct {
	const char *name;
	struct rec in[12];
	int nin;
	struct out want[12];
	int nwant;
	uint64_t stacks, orphans, dups;
} cases[] = {
	{ "stack attaches to the event before it on the same cpu",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, 0, "lock_mm_and_find_vma" } }, 2,
	  { { 100, 10, "lock_mm_and_find_vma" } }, 1, 1, 0, 0 },
	{ "another cpu's event between an event and its stack keeps input order",
	  { { 100, 0, 10, S, 0 }, { 100, 1, 20, W, 0 },
	    { 101, 0, 10, 0, "do_mprotect_pkey" }, { 102, 1, 20, W, 0 } }, 4,
	  { { 100, 10, "do_mprotect_pkey" }, { 100, 20, NULL }, { 102, 20, NULL } },
	  3, 1, 0, 0 },
	{ "arm64: a second stack for one event is dropped and counted",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, 0, "first" },
	    { 102, 0, 10, 0, "second" } }, 3,
	  { { 100, 10, "first" } }, 1, 1, 0, 1 },
	{ "a stack of another task on that cpu is an orphan",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 11, 0, "x" } }, 2,
	  { { 100, 10, NULL } }, 1, 0, 1, 0 },
	{ "a stack on a cpu with no pending event is an orphan",
	  { { 100, 0, 10, S, 0 }, { 105, 0, 10, W, 0 }, { 106, 1, 10, 0, "x", 0 } }, 3,
	  { { 100, 10, NULL }, { 105, 10, NULL } }, 2, 0, 1, 0 },
	{ "interrupt-context events of the same task between an event and its "
	  "stack (seen on 6.18: block_rq_complete, sched_waking)",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, B, 0 }, { 102, 0, 10, K, 0 },
	    { 103, 0, 10, 0, "lock_mm_and_find_vma" } }, 4,
	  { { 100, 10, "lock_mm_and_find_vma" }, { 101, 10, NULL }, { 102, 10, NULL } },
	  3, 1, 0, 0 },
	{ "a sched_switch stack goes to the sched_switch, not the newer "
	  "mmap_lock event",
	  { { 100, 0, 10, W, 0 }, { 101, 0, 11, S, 0 },
	    { 102, 0, 10, 0, "folio_wait_bit_common", "sched_switch" },
	    { 103, 0, 11, 0, "do_mprotect_pkey" } }, 4,
	  { { 100, 10, "folio_wait_bit_common" }, { 101, 11, "do_mprotect_pkey" } },
	  2, 2, 0, 0 },
	{ "a second stack after an interleaved event is still a duplicate",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, 0, "first" }, { 102, 0, 10, K, 0 },
	    { 103, 0, 10, 0, "second" } }, 4,
	  { { 100, 10, "first" }, { 102, 10, NULL } }, 2, 1, 0, 1 },
	{ "a stack of a class no recent event has is an orphan",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, 0, "x", "block_rq_issue" } }, 2,
	  { { 100, 10, NULL } }, 1, 0, 1, 0 },
	{ "an event past the horizon is released without waiting for its cpu",
	  { { 100, 0, 10, S, 0 }, { 100 + VLS_ATTACH_HORIZON_NS + 1, 1, 20, W, 0 },
	    { 100 + VLS_ATTACH_HORIZON_NS + 2, 0, 10, 0, "late" } }, 3,
	  { { 100, 10, NULL }, { 100 + VLS_ATTACH_HORIZON_NS + 1, 20, NULL } }, 2,
	  0, 1, 0 },
};

static void run_case(int c)
{
	vls_ctx *ctx = NULL;
	struct vls_attach a;
	vls_reader_stats st = { 0 };
	struct seen s = { .n = 0 };

	vls_ctx_new(&ctx);
	CHECK_INT(__vls_attach_init(&a, ctx, &st, collect, &s), 0);
	feed(&a, cases[c].in, cases[c].nin);
	if (s.n != cases[c].nwant)
		fprintf(stderr, "case '%s'\n", cases[c].name);
	CHECK_INT(s.n, cases[c].nwant);
	for (int i = 0; i < s.n && i < cases[c].nwant; i++) {
		CHECK_INT(s.got[i].ts, cases[c].want[i].ts);
		CHECK_INT(s.got[i].tid, cases[c].want[i].tid);
		if (cases[c].want[i].frame)
			CHECK_STR(s.got[i].frame, cases[c].want[i].frame);
		else
			CHECK(s.got[i].frame == NULL);
	}
	CHECK_INT(st.stacks, cases[c].stacks);
	CHECK_INT(st.orphan_stacks, cases[c].orphans);
	CHECK_INT(st.dup_stacks, cases[c].dups);
	CHECK_INT(st.events, cases[c].nwant);
	__vls_attach_release(&a);
	vls_ctx_free(ctx);
}

/* More events than the window: all come out, in order, none lost. */
static void test_window_overflow(void)
{
	vls_ctx *ctx = NULL;
	struct vls_attach a;
	vls_reader_stats st = { 0 };
	struct seen s = { .n = 0 };
	int in_order = 1;
	uint64_t last = 0;
	int n = VLS_ATTACH_WINDOW * 3;

	vls_ctx_new(&ctx);
	__vls_attach_init(&a, ctx, &st, collect, &s);
	for (int i = 0; i < n; i++) {
		/* cpu 1 goes quiet after its first event */
		vls_event ev = { .ts_ns = (uint64_t)i, .cpu = i == 0 ? 1 : 0,
				 .tid = 1, .kind = S };
		__vls_attach_event(&a, &ev);
		if (s.n) {
			in_order &= s.got[(s.n - 1) % 64].ts >= last;
			last = s.got[(s.n - 1) % 64].ts;
		}
		if (s.n >= 64)
			s.n = 0; /* keep the small buffer cycling */
	}
	__vls_attach_flush(&a);
	CHECK_INT(st.events, n);
	CHECK(in_order);
	__vls_attach_release(&a);
	vls_ctx_free(ctx);
}

/* A callback that asks to stop: nothing more is delivered. */
static void test_stop(void)
{
	vls_ctx *ctx = NULL;
	struct vls_attach a;
	vls_reader_stats st = { 0 };
	struct seen s = { .n = 0, .stop_after = 2 };
	int ret = 0;

	vls_ctx_new(&ctx);
	__vls_attach_init(&a, ctx, &st, collect, &s);
	/* more events than stay open per CPU, so that some are released */
	for (int i = 0; i < 4 * VLS_ATTACH_RECENT && !ret; i++) {
		vls_event ev = { .ts_ns = (uint64_t)i, .cpu = 0, .tid = 1, .kind = S };
		ret = __vls_attach_event(&a, &ev);
	}
	if (!ret)
		__vls_attach_flush(&a);
	CHECK_INT(ret, VLS_ESTOPPED);
	CHECK_INT(s.n, 2);
	__vls_attach_release(&a);
	vls_ctx_free(ctx);
}

int main(void)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		run_case((int)c);
	test_window_overflow();
	test_stop();
	return TEST_DONE();
}
