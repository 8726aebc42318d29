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
	const char *cls;   /* stack: event class of its first frame, NULL: mmap_lock,
			    * "": no class frame (an unwinder that starts below it) */
	int write;         /* mmap_lock event: a write */
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

			ev.u.mmap_lock.write = (uint8_t)r[i].write;
			__vls_attach_event(a, &ev);
		} else {
			char first[64];
			const char *frames[2] = { first, r[i].frame };

			snprintf(first, sizeof(first), "trace_event_raw_event_%s+0x9f",
				 r[i].cls ? r[i].cls : "mmap_lock");
			if (r[i].cls && !*r[i].cls)   /* no class: the frame alone */
				snprintf(first, sizeof(first), "%s", r[i].frame);
			__vls_attach_stack(a, r[i].cpu, r[i].tid, frames, 2, false);
		}
	}
	__vls_attach_flush(a);
}

#define S VLS_EV_MMAP_LOCK_START
#define W VLS_EV_SCHED_SWITCH
#define K VLS_EV_SCHED_WAKING
#define B VLS_EV_BLOCK_RQ_COMPLETE
#define A VLS_EV_MMAP_LOCK_ACQUIRED
#define F VLS_EV_PAGE_FAULT_USER
/* later than the horizon after 100 */
#define LATE (100 + VLS_ATTACH_HORIZON_NS + 1)

static const struct {
	const char *name;
	struct rec in[12];
	int nin;
	struct out want[12];
	int nwant;
	uint64_t stacks, orphans, dups, late, expired;
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
	{ "a stack on a cpu with no event of its task, which has none waiting, "
	  "is an orphan",
	  { { 100, 0, 10, W, 0 }, { 105, 0, 10, W, 0 },
	    { 106, 1, 10, 0, "x", "sched_switch" } }, 3,
	  { { 100, 10, NULL }, { 105, 10, NULL } }, 2, 0, 1, 0 },
	{ "preempted (its sched_switch), then migrated: the stack on the other "
	  "cpu joins its task's waiting event",
	  { { 100, 0, 10, S, 0 }, { 105, 0, 10, W, 0 }, { 106, 0, 20, K, 0 },
	    { 107, 1, 10, 0, "x", 0 } }, 4,
	  { { 100, 10, "x" }, { 105, 10, NULL }, { 106, 20, NULL } }, 3, 1, 0, 0, 1 },
	{ "a stack after the horizon joins its task's waiting event",
	  { { 100, 0, 10, S, 0 }, { LATE, 1, 20, W, 0 },
	    { LATE + 1, 0, 10, 0, "late" } }, 3,
	  { { 100, 10, "late" }, { LATE, 20, NULL } }, 2, 1, 0, 0, 1 },
	{ "a stack of another class goes by cpu, the waiting event keeps waiting",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, W, 0 },
	    { 102, 0, 10, 0, "sw", "sched_switch" }, { 103, 1, 10, 0, "late" } }, 4,
	  { { 100, 10, "late" }, { 101, 10, "sw" } }, 2, 2, 0, 0, 1 },
	{ "its task's next process-context event ends the wait: a stack after "
	  "it does not go back to the event",
	  { { 100, 0, 10, S, 0 }, { 101, 1, 10, A, 0 }, { LATE, 1, 20, W, 0 },
	    { LATE + 1, 0, 10, 0, "x" } }, 4,
	  { { 100, 10, NULL }, { 101, 10, NULL }, { LATE, 20, NULL } }, 3, 0, 1, 0 },
	{ "a kind waits once a stack has attached to one of its kind",
	  { { 100, 0, 10, F, 0 }, { 101, 0, 10, 0, "first", "page_fault_user" },
	    { 200, 0, 10, F, 0 }, { 201, 0, 10, W, 0 }, { LATE + 200, 1, 20, W, 0 },
	    { LATE + 201, 1, 10, 0, "late", "page_fault_user" } }, 6,
	  { { 100, 10, "first" }, { 200, 10, "late" }, { 201, 10, NULL },
	    { LATE + 200, 20, NULL } }, 4, 2, 0, 0, 1 },
	{ "a write start does not wait before a write start has had a stack "
	  "(recipes trigger on reads: a writer waiting for the lock would hold "
	  "the stream)",
	  { { 100, 0, 10, S, 0, 0, 1 }, { LATE, 1, 20, W, 0 },
	    { LATE + 1, 0, 10, 0, "x" } }, 3,
	  { { 100, 10, NULL }, { LATE, 20, NULL } }, 2, 0, 1, 0 },
	{ "once a write start has had a stack, write starts wait",
	  { { 100, 0, 10, S, 0, 0, 1 }, { 101, 0, 10, 0, "first" },
	    { 102, 0, 10, A, 0 }, { 200, 0, 10, S, 0, 0, 1 },
	    { LATE + 200, 1, 20, W, 0 }, { LATE + 201, 1, 10, 0, "late" } }, 6,
	  { { 100, 10, "first" }, { 102, 10, NULL }, { 200, 10, "late" },
	    { LATE + 200, 20, NULL } }, 4, 2, 0, 0, 1 },
	{ "before a stack has named a kind, its events do not wait",
	  { { 100, 0, 10, F, 0 }, { LATE, 1, 20, W, 0 },
	    { LATE + 1, 0, 10, 0, "x", "page_fault_user" } }, 3,
	  { { 100, 10, NULL }, { LATE, 20, NULL } }, 2, 0, 1, 0 },
	{ "a task that never writes its stack: its event waits "
	  "VLS_ATTACH_WAIT_NS, then leaves without one, counted",
	  { { 100, 0, 10, S, 0 }, { 200, 1, 20, K, 0 },
	    { 100 + VLS_ATTACH_WAIT_NS, 1, 20, K, 0 },
	    { 101 + VLS_ATTACH_WAIT_NS, 1, 20, K, 0 },
	    { 102 + VLS_ATTACH_WAIT_NS, 1, 10, 0, "too late" } }, 5,
	  { { 100, 10, NULL }, { 200, 20, NULL }, { 100 + VLS_ATTACH_WAIT_NS, 20, NULL },
	    { 101 + VLS_ATTACH_WAIT_NS, 20, NULL } }, 4, 0, 1, 0, 0, 1 },
	{ "a stack with no owner at all is an orphan",
	  { { 100, 0, 99, 0, "x" }, { 101, 0, 10, S, 0 } }, 2,
	  { { 101, 10, NULL } }, 1, 0, 1, 0 },
	{ "interrupt-context events of the same task between an event and its "
	  "stack (seen on 6.18: block_rq_complete, sched_waking)",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, B, 0 }, { 102, 0, 10, K, 0 },
	    { 103, 0, 10, 0, "lock_mm_and_find_vma" } }, 4,
	  { { 100, 10, "lock_mm_and_find_vma" }, { 101, 10, NULL }, { 102, 10, NULL } },
	  3, 1, 0, 0 },
	{ "a stack that names no event class goes past the interrupts between "
	  "its event and it (a tiny 6.12 guest, UNWINDER_GUESS: block_rq_complete, "
	  "sched_waking, sched_wakeup under the interrupted task's pid)",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, B, 0 }, { 102, 0, 10, K, 0 },
	    { 102, 0, 10, VLS_EV_SCHED_WAKEUP, 0 },
	    { 103, 0, 10, 0, "lock_mm_and_find_vma", "" } }, 5,
	  { { 100, 10, "lock_mm_and_find_vma" }, { 101, 10, NULL }, { 102, 10, NULL },
	    { 102, 10, NULL } }, 4, 1, 0, 0 },
	{ "a stack that names no class still goes to the newest event of its "
	  "task otherwise (a sched_switch's)",
	  { { 100, 0, 10, S, 0 }, { 101, 0, 10, 0, "lock_mm_and_find_vma", "" },
	    { 102, 0, 10, W, 0 }, { 103, 0, 10, 0, "io_schedule", "" } }, 4,
	  { { 100, 10, "lock_mm_and_find_vma" }, { 102, 10, "io_schedule" } },
	  2, 2, 0, 0 },
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
	{ "an event that does not wait is released past the horizon without "
	  "waiting for its cpu",
	  { { 100, 0, 10, W, 0 }, { LATE, 1, 20, W, 0 },
	    { LATE + 1, 0, 10, 0, "late", "sched_switch" } }, 3,
	  { { 100, 10, NULL }, { LATE, 20, NULL } }, 2, 0, 1, 0 },
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
	CHECK_INT(a.late_stacks, cases[c].late);
	CHECK_INT(a.waits_expired, cases[c].expired);
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

/* Counts what comes out and checks input order; remembers the first event. */
struct tally {
	uint64_t n, last_ts, first_depth;
	int first_tid;
	bool in_order;
};

static int tally(const vls_event *ev, void *data)
{
	struct tally *t = data;

	if (!t->n) {
		t->first_tid = ev->tid;
		t->first_depth = ev->stack_depth;
	}
	t->in_order &= !t->n || ev->ts_ns >= t->last_ts;
	t->last_ts = ev->ts_ns;
	t->n++;
	return 0;
}

static void feed_others(struct vls_attach *a, uint64_t from, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		vls_event ev = { .ts_ns = from + i, .cpu = 0, .tid = 1000 + (int)(i % 7),
				 .kind = K };

		__vls_attach_event(a, &ev);
	}
}

static void feed_stack(struct vls_attach *a, int cpu, int tid)
{
	const char *frames[2] = { "trace_event_raw_event_mmap_lock+0x9f",
				  "lock_mm_and_find_vma" };

	__vls_attach_stack(a, cpu, tid, frames, 2, false);
}

/* A stack behind more events than the ring's first size, on another cpu:
 * the ring grows while the event waits, and it gets its stack. */
static void test_late_behind_window(void)
{
	vls_ctx *ctx = NULL;
	struct vls_attach a;
	vls_reader_stats st = { 0 };
	struct tally t = { .in_order = true };
	uint64_t n = 3 * VLS_ATTACH_WINDOW;
	vls_event ev = { .ts_ns = 1, .cpu = 0, .tid = 10, .kind = S };

	vls_ctx_new(&ctx);
	CHECK_INT(__vls_attach_init(&a, ctx, &st, tally, &t), 0);
	__vls_attach_event(&a, &ev);
	feed_others(&a, 2, n);
	CHECK_INT(t.n, 0);        /* everything waits behind the event */
	CHECK(a.cap >= n + 1);
	feed_stack(&a, 1, 10);
	__vls_attach_flush(&a);
	CHECK_INT(t.n, n + 1);
	CHECK(t.in_order);
	CHECK_INT(t.first_tid, 10);
	CHECK_INT(t.first_depth, 2);
	CHECK_INT(st.stacks, 1);
	CHECK_INT(a.late_stacks, 1);
	CHECK_INT(a.waits_expired, 0);
	__vls_attach_release(&a);
	vls_ctx_free(ctx);
}

/* Memory stays bound: past VLS_ATTACH_HELD_MAX held events the waiting one
 * leaves without its stack (counted), and its stack is then an orphan. */
static void test_held_max(void)
{
	vls_ctx *ctx = NULL;
	struct vls_attach a;
	vls_reader_stats st = { 0 };
	struct tally t = { .in_order = true };
	vls_event ev = { .ts_ns = 1, .cpu = 0, .tid = 10, .kind = S };

	vls_ctx_new(&ctx);
	CHECK_INT(__vls_attach_init(&a, ctx, &st, tally, &t), 0);
	__vls_attach_event(&a, &ev);
	feed_others(&a, 2, VLS_ATTACH_HELD_MAX - 1);
	CHECK_INT(t.n, 0);
	feed_others(&a, 2 + VLS_ATTACH_HELD_MAX, 100);
	CHECK(t.n >= 1);
	CHECK_INT(a.cap, VLS_ATTACH_HELD_MAX);
	CHECK_INT(a.waits_expired, 1);
	feed_stack(&a, 0, 10);
	__vls_attach_flush(&a);
	CHECK_INT(t.n, VLS_ATTACH_HELD_MAX + 100);
	CHECK(t.in_order);
	CHECK_INT(t.first_tid, 10);
	CHECK_INT(t.first_depth, 0);
	CHECK_INT(st.stacks, 0);
	CHECK_INT(st.orphan_stacks, 1);
	__vls_attach_release(&a);
	vls_ctx_free(ctx);
}

/* Many tasks waiting at once, each stack arriving late and out of order
 * on another cpu: each joins its own task's event. */
static void test_many_waiting(void)
{
	enum { TASKS = 500 };
	vls_ctx *ctx = NULL;
	struct vls_attach a;
	vls_reader_stats st = { 0 };
	struct tally t = { .in_order = true };

	vls_ctx_new(&ctx);
	CHECK_INT(__vls_attach_init(&a, ctx, &st, tally, &t), 0);
	for (int i = 0; i < TASKS; i++) {
		vls_event ev = { .ts_ns = 10 + (uint64_t)i, .cpu = i % 2,
				 .tid = 100 + i, .kind = S };

		__vls_attach_event(&a, &ev);
	}
	feed_others(&a, 1000, 100);
	for (int i = TASKS; i-- > 0;)
		feed_stack(&a, (i + 1) % 2, 100 + i);
	__vls_attach_flush(&a);
	CHECK_INT(st.stacks, TASKS);
	CHECK_INT(st.orphan_stacks + st.dup_stacks, 0);
	CHECK_INT(t.n, TASKS + 100);
	CHECK(t.in_order);
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

/* What the callback sees of kept and copied stacks. */
struct kept_seen {
	const char *const *stack[2];
	uint32_t depth[2];
	bool kept[2];
	int n;
	const struct vls_attach *a;
};

static int note_kept(const vls_event *ev, void *data)
{
	struct kept_seen *k = data;

	if (k->n < 2) {
		k->stack[k->n] = ev->stack;
		k->depth[k->n] = ev->stack_depth;
		k->kept[k->n] = __vls_attach_emit_kept(k->a);
		k->n++;
	}
	return 0;
}

/* A kept stack is handed on as the same array, and said to be kept; a
 * copied one is a copy, and is not. */
static void test_kept(void)
{
	static const char *const frames[2] = { "trace_event_raw_event_mmap_lock+0x9f",
					       "lock_mm_and_find_vma" };
	vls_ctx *ctx = NULL;
	struct vls_attach a;
	vls_reader_stats st = { 0 };
	struct kept_seen k = { .n = 0, .a = &a };
	vls_event e1 = { .ts_ns = 1, .cpu = 0, .tid = 10, .kind = S };
	vls_event e2 = { .ts_ns = 2, .cpu = 0, .tid = 11, .kind = S };

	vls_ctx_new(&ctx);
	CHECK_INT(__vls_attach_init(&a, ctx, &st, note_kept, &k), 0);
	CHECK_INT(__vls_attach_event(&a, &e1), 0);
	CHECK_INT(__vls_attach_stack(&a, 0, 10, frames, 2, true), 0);
	CHECK_INT(__vls_attach_event(&a, &e2), 0);
	CHECK_INT(__vls_attach_stack(&a, 0, 11, frames, 2, false), 0);
	CHECK_INT(__vls_attach_flush(&a), 0);
	CHECK_INT(k.n, 2);
	CHECK(k.stack[0] == frames && k.depth[0] == 2 && k.kept[0]);
	CHECK(k.stack[1] && k.stack[1] != frames && k.depth[1] == 2 && !k.kept[1]);
	CHECK_INT(st.stacks, 2);
	__vls_attach_release(&a);
	vls_ctx_free(ctx);
}

int main(void)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		run_case((int)c);
	test_window_overflow();
	test_late_behind_window();
	test_held_max();
	test_many_waiting();
	test_stop();
	test_kept();
	return TEST_DONE();
}
