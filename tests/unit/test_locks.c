/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_locks.c - the mmap_lock analyzer core (lib/locks-machine.c,
 * locks-chain.c, util-dist.c, locks-site.c, locks-chain-line.c) on synthetic
 * event sequences with known answers.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "import.h"
#include "locks-machine.h"
#include "test.h"
#include "test_sql.h"

/* ---- stacks, as the tracefs text shows them ------------------------- */

static const char *const st_fault[] = {
	"trace_event_raw_event_mmap_lock", "__mmap_lock_do_trace_start_locking",
	"lock_mm_and_find_vma", "do_user_addr_fault", "exc_page_fault",
	"asm_exc_page_fault", NULL };
static const char *const st_mprotect[] = {
	"__mmap_lock_do_trace_start_locking", "do_mprotect_pkey",
	"__x64_sys_mprotect", "do_syscall_64", NULL };
static const char *const st_folio[] = {
	"__schedule", "schedule", "io_schedule", "folio_wait_bit_common",
	"filemap_fault", "__do_fault", "handle_mm_fault", NULL };
static const char *const st_reclaim[] = {
	"__schedule", "schedule", "io_schedule", "folio_wait_bit_common",
	"shrink_folio_list", "shrink_node", "do_try_to_free_pages",
	"try_to_free_pages", "__alloc_pages_slowpath", NULL };

static uint32_t nframes(const char *const *s)
{
	uint32_t n = 0;

	while (s && s[n])
		n++;
	return n;
}

/* ---- a scenario: steps in microseconds ------------------------------ */

enum op {
	START_R, START_W, ACQ_R, ACQ_W, FAIL_R, REL_R, REL_W,
	SLEEP_D,      /* tid switches out in D state, stack = where */
	RUN,          /* tid switches back in */
	WAKE,         /* tid wakes arg (sched_waking) */
	PRIO,         /* tid has prio arg (from a sched_wakeup by idle) */
	END
};

struct step {
	uint64_t us;
	enum op op;
	int tid;
	int arg;      /* mm number for lock ops */
	const char *const *stack;
};

struct captured {
	struct vls_chain chains[8];
	int nchains;
	struct vls_lock_acq acqs[32];
	int nacqs;
};

static int on_chain(void *data, const struct vls_chain *c, int64_t seq)
{
	struct captured *cap = data;

	CHECK_INT(seq, cap->nchains);
	if (cap->nchains < 8)
		cap->chains[cap->nchains++] = *c;
	return 0;
}

static int on_acq(void *data, const struct vls_lock_acq *a)
{
	struct captured *cap = data;

	if (cap->nacqs < 32)
		cap->acqs[cap->nacqs++] = *a;
	return 0;
}

static const char *comm_of(int tid)
{
	return tid >= 20 && tid < 30 ? "mprotect" : tid >= 30 ? "reader" : "workload";
}

static void fill(vls_event *ev, const struct step *s)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = s->us * 1000;
	ev->tid = s->tid;
	/* tids 40-49: process 40; 50-59: pid unknown; the others: process 10 */
	ev->pid = s->tid >= 50 && s->tid < 60 ? -1 : s->tid >= 40 && s->tid < 50 ? 40 : 10;
	snprintf(ev->comm, sizeof(ev->comm), "%s", comm_of(s->tid));
	ev->u.mmap_lock.mm = 0xabc000 + (uint64_t)s->arg;
	ev->stack = s->stack;
	ev->stack_depth = nframes(s->stack);
	switch (s->op) {
	case START_R: case START_W:
		ev->kind = VLS_EV_MMAP_LOCK_START;
		ev->u.mmap_lock.write = s->op == START_W;
		break;
	case ACQ_R: case ACQ_W: case FAIL_R:
		ev->kind = VLS_EV_MMAP_LOCK_ACQUIRED;
		ev->u.mmap_lock.write = s->op == ACQ_W;
		ev->u.mmap_lock.success = s->op != FAIL_R;
		break;
	case REL_R: case REL_W:
		ev->kind = VLS_EV_MMAP_LOCK_RELEASED;
		ev->u.mmap_lock.write = s->op == REL_W;
		break;
	case SLEEP_D: case RUN:
		ev->kind = VLS_EV_SCHED_SWITCH;
		ev->u.sched_switch.prev_pid = s->op == SLEEP_D ? s->tid : 0;
		ev->u.sched_switch.prev_state = s->op == SLEEP_D ? VLS_TASK_UNINTERRUPTIBLE : 0;
		ev->u.sched_switch.prev_prio = 120;
		ev->u.sched_switch.next_pid = s->op == RUN ? s->tid : 0;
		ev->u.sched_switch.next_prio = 120;
		if (s->op == RUN)
			ev->u.sched_switch.next_prio = -1; /* set below */
		break;
	case WAKE: case PRIO:
		ev->kind = s->op == WAKE ? VLS_EV_SCHED_WAKING : VLS_EV_SCHED_WAKEUP;
		ev->tid = s->op == WAKE ? s->tid : 0;
		ev->u.wakeup.pid = s->op == WAKE ? s->arg : s->tid;
		ev->u.wakeup.prio = s->op == WAKE ? -1 : s->arg;
		break;
	case END:
		break;
	}
}

/* Feed steps; prio of each task stays what PRIO steps set (sched_switch
 * steps carry the task's current prio). */
static struct vls_locks *run(vls_ctx *ctx, const struct step *steps,
			     struct captured *cap)
{
	struct vls_locks_sink sink = { .chain = on_chain, .acq = on_acq, .data = cap };
	struct vls_locks *lk = NULL;
	int prio[64];
	vls_event ev;

	for (int i = 0; i < 64; i++)
		prio[i] = 120;
	memset(cap, 0, sizeof(*cap));
	CHECK_INT(__vls_locks_new(&lk, ctx, 0, &sink), 0);
	for (const struct step *s = steps; s->op != END; s++) {
		fill(&ev, s);
		if (s->op == PRIO)
			prio[s->tid] = s->arg;
		if (s->op == WAKE)
			ev.u.wakeup.prio = prio[s->arg];
		if (s->op == SLEEP_D)
			ev.u.sched_switch.prev_prio = prio[s->tid];
		if (s->op == RUN)
			ev.u.sched_switch.next_prio = prio[s->tid];
		CHECK_INT(__vls_locks_event(lk, &ev), 0);
	}
	CHECK_INT(__vls_locks_finish(lk), 0);
	return lk;
}

static const struct vls_chain_link *link_of(const struct vls_chain *c, int tid)
{
	for (uint32_t i = 0; i < c->nlinks; i++)
		if (c->links[i].tid == tid)
			return &c->links[i];
	return NULL;
}

static void check_line(const struct vls_chain *c, const char *want)
{
	char buf[1024];
	size_t n = __vls_chain_format(buf, sizeof(buf), c);

	CHECK_STR(buf, want);
	CHECK_INT(n, strlen(want));
}

/* ---- writer behind 3 readers ---------------------------------------- */

static const struct step writer_behind_readers[] = {
	{ 0, START_R, 11, 1, st_fault }, { 0, ACQ_R, 11, 1, NULL },
	{ 1, START_R, 12, 1, st_fault }, { 1, ACQ_R, 12, 1, NULL },
	{ 2, START_R, 13, 1, st_fault }, { 2, ACQ_R, 13, 1, NULL },
	{ 5, START_W, 20, 1, st_mprotect },
	{ 5, SLEEP_D, 20, 0, NULL },             /* the writer sleeps on the rwsem */
	{ 100, SLEEP_D, 12, 0, st_folio }, { 500, RUN, 12, 0, NULL },
	{ 300, REL_R, 11, 1, NULL }, { 600, REL_R, 12, 1, NULL },
	{ 1200, WAKE, 13, 20, NULL }, { 1200, REL_R, 13, 1, NULL },
	{ 1200, RUN, 20, 0, NULL },
	{ 1200, ACQ_W, 20, 1, NULL }, { 1250, REL_W, 20, 1, NULL },
	{ 0, END, 0, 0, NULL },
};

static void test_writer_behind_readers(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, writer_behind_readers, &cap);
	const struct vls_chain *c = &cap.chains[0];
	const struct vls_chain_link *l12;

	CHECK_INT(cap.nchains, 1);
	CHECK_INT(c->tid, 20);
	CHECK(c->write);
	CHECK_INT(c->wait_ns, 1195000);
	CHECK_INT(c->nlinks, 3);
	CHECK_INT(c->depth, 1);
	CHECK_INT(link_of(c, 11)->held_ns, 295000);
	CHECK_INT(link_of(c, 12)->held_ns, 595000);
	CHECK_INT(link_of(c, 13)->held_ns, 1195000);
	l12 = link_of(c, 12);
	CHECK_INT(l12->asleep_ns, 400000);
	CHECK_INT(l12->reason, VLS_SLEEP_FOLIO_IO);
	CHECK_STR(l12->wchan, "folio_wait_bit_common");
	CHECK_INT(l12->site, VLS_SITE_FAULT);
	CHECK_INT(c->links[c->root].tid, 12);
	CHECK(link_of(c, 13)->woke);
	CHECK(!link_of(c, 11)->woke);
	CHECK(c->woken);
	CHECK(!c->inversion);
	check_line(c, "mprotect 20 (prio 120) waited 1.2 ms for write <- 3 readers: "
		   "workload 11 fault fallback held 295 us; "
		   "workload 12 fault fallback held 595 us, 400 us in folio I/O; "
		   "workload 13 fault fallback held 1.2 ms");
	/* aggregates */
	CHECK_INT(lk->run.mode[1].acquisitions, 1);
	CHECK_INT(lk->run.mode[1].contended, 1);
	CHECK_INT(lk->run.mode[1].wait.max, 1195000);
	CHECK_INT(lk->run.mode[1].hold.sum, 50000);
	CHECK_INT(lk->run.mode[0].acquisitions, 3);
	CHECK_INT(lk->run.mode[0].contended, 0);
	CHECK_INT(lk->run.mode[0].hold.sum, 300000 + 599000 + 1198000);
	CHECK_INT(lk->run.mode[0].asleep_ns, 400000);
	CHECK_INT(lk->sites[VLS_SITE_FAULT].mode[0].acquisitions, 3);
	CHECK_INT(lk->sites[VLS_SITE_MPROTECT].mode[1].acquisitions, 1);
	CHECK_INT(lk->sites[VLS_SITE_FAULT].nframes, 4);
	CHECK_STR(lk->sites[VLS_SITE_FAULT].frames[0], "lock_mm_and_find_vma");
	CHECK_INT(lk->mms.n, 1);
	/* one process, pid 10 */
	CHECK_INT(lk->procs.n, 1);
	CHECK_INT(__vls_lk_proc(lk, 0)->agg.mode[0].acquisitions, 3);
	CHECK_INT(__vls_lk_proc(lk, 0)->agg.mode[1].acquisitions, 1);
	/* rows: the writer (contended) and the 3 readers (hold >= 100 us) */
	CHECK_INT(cap.nacqs, 4);
	CHECK_INT(cap.acqs[3].tid, 20);
	CHECK_INT(cap.acqs[3].chain, 0);
	CHECK(cap.acqs[3].contended);
	CHECK_INT(cap.acqs[1].tid, 12);
	CHECK_INT(cap.acqs[1].asleep_ns, 400000);
	CHECK_INT(cap.acqs[1].reason, VLS_SLEEP_FOLIO_IO);
	__vls_locks_free(lk);
}

/* ---- sleeps without the switch back in (perf record -- CMD) --------- */

/* Only the task's own events: its D switch outs, never the switch in (the
 * previous task's event). Its next own event ends the sleep. */
static const struct step no_switch_in[] = {
	{ 0, START_W, 30, 1, st_mprotect }, { 1, ACQ_W, 30, 1, NULL },
	{ 10, SLEEP_D, 30, 0, st_folio },
	{ 410, REL_W, 30, 1, NULL },             /* running: asleep 400 us */
	{ 500, START_R, 30, 1, st_fault }, { 501, ACQ_R, 30, 1, NULL },
	{ 600, SLEEP_D, 30, 0, st_folio },
	{ 700, SLEEP_D, 30, 0, st_folio },       /* out again: 100 us, then */
	{ 900, REL_R, 30, 1, NULL },             /* 200 us more */
	{ 0, END, 0, 0, NULL },
};

static void test_no_switch_in(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, no_switch_in, &cap);

	CHECK_INT(lk->run.mode[1].asleep_ns, 400000);
	CHECK_INT(lk->run.mode[0].asleep_ns, 300000);
	CHECK_INT(lk->run.mode[0].open_holds, 0);
	/* both acquisitions held >= 100 us: rows, with their sleeps */
	CHECK_INT(cap.nacqs, 2);
	CHECK_INT(cap.acqs[0].asleep_ns, 400000);
	CHECK_INT(cap.acqs[0].reason, VLS_SLEEP_FOLIO_IO);
	CHECK_INT(cap.acqs[1].asleep_ns, 300000);
	__vls_locks_free(lk);
}

/* ---- process scope: by pid, else by mm; each acquisition once ------- */

static const struct step procs_steps[] = {
	/* process 10 and process 40 (say, ps reading /proc/10/maps) lock
	 * mm 1; tasks 50 and 51, pid unknown, lock mm 2, then 50 locks mm 1 */
	{ 0, START_R, 11, 1, st_fault }, { 0, ACQ_R, 11, 1, NULL }, { 1, REL_R, 11, 1, NULL },
	{ 2, START_R, 41, 1, NULL }, { 2, ACQ_R, 41, 1, NULL }, { 3, REL_R, 41, 1, NULL },
	{ 4, START_R, 42, 1, NULL }, { 4, ACQ_R, 42, 1, NULL }, { 5, REL_R, 42, 1, NULL },
	{ 6, START_W, 50, 2, NULL }, { 6, ACQ_W, 50, 2, NULL }, { 7, REL_W, 50, 2, NULL },
	{ 8, START_R, 51, 2, NULL }, { 8, ACQ_R, 51, 2, NULL }, { 9, REL_R, 51, 2, NULL },
	{ 10, START_R, 50, 1, NULL }, { 10, ACQ_R, 50, 1, NULL }, { 11, REL_R, 50, 1, NULL },
	{ 0, END, 0, 0, NULL },
};

static const struct vls_lock_agg *proc_agg(const struct vls_locks *lk, int pid,
					   uint64_t mm)
{
	for (size_t i = 0; i < lk->procs.n; i++) {
		const struct vls_lock_agg *a = &__vls_lk_proc(lk, i)->agg;

		if (a->pid == pid && (pid >= 0 || a->mm == mm))
			return a;
	}
	return NULL;
}

static void test_process_scope(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, procs_steps, &cap);
	const struct vls_lock_agg *p10 = proc_agg(lk, 10, 0), *p40 = proc_agg(lk, 40, 0);
	const struct vls_lock_agg *mm1 = proc_agg(lk, -1, 0xabc001);
	const struct vls_lock_agg *mm2 = proc_agg(lk, -1, 0xabc002);
	uint64_t sum[2] = { 0, 0 };

	CHECK_INT(lk->mms.n, 2);
	CHECK_INT(lk->procs.n, 4);
	CHECK(p10 && p40 && mm1 && mm2);
	if (p10 && p40 && mm1 && mm2) {
		CHECK_INT(p10->mode[0].acquisitions, 1);
		CHECK_INT(p40->mode[0].acquisitions, 2);
		CHECK_INT(mm2->mode[0].acquisitions, 1);
		CHECK_INT(mm2->mode[1].acquisitions, 1);
		CHECK_INT(mm1->mode[0].acquisitions, 1);
		CHECK_STR(p40->comm, "reader");
	}
	for (size_t i = 0; i < lk->procs.n; i++)
		for (int m = 0; m < 2; m++)
			sum[m] += __vls_lk_proc(lk, i)->agg.mode[m].acquisitions;
	CHECK_INT(sum[0], lk->run.mode[0].acquisitions);
	CHECK_INT(sum[1], lk->run.mode[1].acquisitions);
	__vls_locks_free(lk);
}

/* ---- reader behind a queued writer, and the 3-task chain ------------ */

static const struct step reader_behind_writer[] = {
	{ 0, PRIO, 1, 139, NULL }, { 0, PRIO, 21, 120, NULL }, { 0, PRIO, 30, 100, NULL },
	{ 0, START_R, 1, 1, st_fault }, { 0, ACQ_R, 1, 1, NULL },
	{ 100, START_W, 21, 1, st_mprotect },
	{ 150, SLEEP_D, 1, 0, st_folio },
	{ 200, START_R, 30, 1, NULL },
	{ 950, RUN, 1, 0, NULL },
	{ 1000, REL_R, 1, 1, NULL },
	{ 1000, ACQ_W, 21, 1, NULL }, { 1100, REL_W, 21, 1, NULL },
	{ 1100, ACQ_R, 30, 1, NULL }, { 1110, REL_R, 30, 1, NULL },
	{ 0, END, 0, 0, NULL },
};

static void test_reader_behind_writer(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, reader_behind_writer, &cap);
	const struct vls_chain *w = &cap.chains[0], *c = &cap.chains[1];
	const struct vls_chain_link *b, *a;

	CHECK_INT(cap.nchains, 2);
	/* the writer's own chain: one reader asleep in folio I/O */
	CHECK_INT(w->tid, 21);
	CHECK_INT(w->wait_ns, 900000);
	CHECK_INT(w->nlinks, 1);
	CHECK_INT(w->links[0].asleep_ns, 800000);
	CHECK(w->inversion);                 /* 139 blocks 120 */
	CHECK_INT(w->inverted_ns, 900000);
	/* the reader: queued writer -> sleeping reader, depth 2 */
	CHECK_INT(c->tid, 30);
	CHECK(!c->write);
	CHECK_INT(c->wait_ns, 900000);
	CHECK_INT(c->nlinks, 2);
	CHECK_INT(c->depth, 2);
	b = link_of(c, 21);
	a = link_of(c, 1);
	CHECK(b && a);
	if (!b || !a)
		goto out;
	CHECK(b->queued && b->write && b->waiting);
	CHECK_INT(b->parent, -1);
	CHECK_INT(b->queued_ns, 800000);
	CHECK_INT(b->held_ns, 100000);
	CHECK_INT(a->depth, 2);
	CHECK_INT(a->parent, (int)(b - c->links));
	CHECK_INT(a->held_ns, 800000);
	CHECK_INT(a->asleep_ns, 750000);
	CHECK_INT(a->reason, VLS_SLEEP_FOLIO_IO);
	CHECK_INT(c->root, (int)(a - c->links));
	/* prio 100 waits behind 120 (queued writer) and 139 (reader):
	 * union of [200, 1100] and [200, 1000] */
	CHECK(c->inversion);
	CHECK_INT(c->inverted_ns, 900000);
	CHECK_INT(lk->run.mode[0].contended, 1);  /* queued behind a writer */
	check_line(c, "reader 30 (prio 100) waited 900 us for read <- writer: "
		   "mprotect 21 (prio 120) mprotect queued 800 us, held 100 us <- "
		   "1 reader: workload 1 (prio 139) fault fallback held 800 us, "
		   "750 us in folio I/O [priority inversion 900 us]");
out:
	__vls_locks_free(lk);
}

/* ---- three hops across two mms --------------------------------------
 * reader 30 on mm1 <- queued writer 21 on mm1 <- reader 1 holding mm1,
 * itself waiting for mm2 <- writer 2 holding mm2 asleep in reclaim. */
static const struct step three_hops[] = {
	{ 0, START_W, 2, 2, NULL }, { 0, ACQ_W, 2, 2, NULL },
	{ 10, START_R, 1, 1, st_fault }, { 10, ACQ_R, 1, 1, NULL },
	{ 20, START_R, 1, 2, NULL },
	{ 50, SLEEP_D, 2, 0, st_reclaim },
	{ 100, START_W, 21, 1, st_mprotect },
	{ 200, START_R, 30, 1, NULL },
	{ 700, RUN, 2, 0, NULL }, { 800, REL_W, 2, 2, NULL },
	{ 800, ACQ_R, 1, 2, NULL }, { 810, REL_R, 1, 2, NULL },
	{ 900, REL_R, 1, 1, NULL },
	{ 900, ACQ_W, 21, 1, NULL }, { 950, REL_W, 21, 1, NULL },
	{ 950, ACQ_R, 30, 1, NULL }, { 960, REL_R, 30, 1, NULL },
	{ 0, END, 0, 0, NULL },
};

static void test_three_hops(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, three_hops, &cap);
	const struct vls_chain *c = NULL;
	const struct vls_chain_link *x;

	for (int i = 0; i < cap.nchains; i++)
		if (cap.chains[i].tid == 30)
			c = &cap.chains[i];
	CHECK(c != NULL);
	if (!c)
		goto out;
	CHECK_INT(c->depth, 3);
	CHECK_INT(c->nlinks, 3);
	x = link_of(c, 2);
	CHECK(x != NULL);
	if (!x)
		goto out;
	CHECK_INT(x->depth, 3);
	CHECK(x->write);
	CHECK_INT(x->held_ns, 600000);           /* [200, 800] */
	CHECK_INT(x->asleep_ns, 500000);         /* [200, 700] */
	CHECK_INT(x->reason, VLS_SLEEP_RECLAIM);
	CHECK_INT(link_of(c, 1)->parent, (int)(link_of(c, 21) - c->links));
	CHECK_INT(x->parent, (int)(link_of(c, 1) - c->links));
	CHECK(link_of(c, 1)->waiting);
	CHECK_INT(c->links[c->root].tid, 2);
out:
	__vls_locks_free(lk);
}

/* ---- inversion: nice -20 writer behind a nice 19 reader ------------- */

static const struct step inversion[] = {
	{ 0, PRIO, 5, 139, NULL }, { 0, PRIO, 26, 100, NULL },
	{ 0, START_R, 5, 1, st_fault }, { 0, ACQ_R, 5, 1, NULL },
	{ 10, START_W, 26, 1, st_mprotect },
	{ 1000, REL_R, 5, 1, NULL },
	{ 1000, ACQ_W, 26, 1, NULL }, { 1001, REL_W, 26, 1, NULL },
	{ 0, END, 0, 0, NULL },
};

static void test_inversion(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, inversion, &cap);
	const struct vls_chain *c = &cap.chains[0];

	CHECK_INT(cap.nchains, 1);
	CHECK_INT(c->prio, 100);
	CHECK_INT(c->links[0].prio, 139);
	CHECK(c->inversion);
	CHECK_INT(c->inverted_ns, 990000);
	CHECK_INT(c->links[0].reason, VLS_SLEEP_NONE);
	check_line(c, "mprotect 26 (prio 100) waited 990 us for write <- 1 reader: "
		   "workload 5 (prio 139) fault fallback held 990 us "
		   "[priority inversion 990 us]");
	__vls_locks_free(lk);
}

/* ---- a woken reader owns the lock before it runs ------------------- */

/*
 * Seen on 6.18 (tests/live/scenario_inversion.sh): writer 30 releases and
 * rwsem_mark_wake() grants the read lock to the queued nice 19 reader 5,
 * which runs 10 ms later (CPU busy). The SCHED_FIFO writer 26, which asked
 * just after the release, waits those 10 ms behind reader 5: its blocker
 * held from its wakeup, not from its acquire_returned (10 us).
 */
static const struct step woken_reader[] = {
	{ 0, PRIO, 5, 139, NULL }, { 0, PRIO, 26, 98, NULL },
	{ 0, START_W, 30, 1, st_mprotect }, { 0, ACQ_W, 30, 1, NULL },
	{ 10, START_R, 5, 1, st_fault }, { 10, SLEEP_D, 5, 0, NULL },
	{ 100, REL_W, 30, 1, NULL }, { 100, WAKE, 30, 5, NULL },
	{ 110, START_W, 26, 1, st_mprotect }, { 110, SLEEP_D, 26, 0, NULL },
	{ 10110, RUN, 5, 0, NULL }, { 10110, ACQ_R, 5, 1, NULL },
	{ 10120, REL_R, 5, 1, NULL }, { 10120, WAKE, 5, 26, NULL },
	{ 10121, RUN, 26, 0, NULL }, { 10121, ACQ_W, 26, 1, NULL },
	{ 10122, REL_W, 26, 1, NULL },
	{ 0, END, 0, 0, NULL },
};

static void test_woken_reader(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, woken_reader, &cap);
	const struct vls_chain *c = &cap.chains[1];
	const struct vls_chain_link *l;

	CHECK_INT(cap.nchains, 2);
	CHECK_INT(cap.chains[0].tid, 5);         /* the reader behind writer 30 */
	CHECK_INT(c->tid, 26);
	CHECK_INT(c->wait_ns, 10011000);
	CHECK_INT(c->nlinks, 1);
	l = link_of(c, 5);
	CHECK(l != NULL);
	if (l) {
		CHECK_INT(l->held_ns, 10010000);     /* wakeup at 100 us .. 10120 us */
		CHECK_INT(l->hold_total_ns, 10020000);
		CHECK(l->woke);
	}
	CHECK(c->inversion);
	CHECK_INT(c->inverted_ns, 10010000);
	__vls_locks_free(lk);
}

/* ---- downgrade, failed trylock -------------------------------------- */

static const struct step downgrade[] = {
	{ 0, START_W, 7, 1, NULL }, { 0, ACQ_W, 7, 1, NULL },
	{ 100, ACQ_R, 7, 1, NULL },              /* mmap_write_downgrade() */
	{ 150, START_W, 22, 1, st_mprotect },
	{ 300, REL_R, 7, 1, NULL },
	{ 300, ACQ_W, 22, 1, NULL }, { 310, REL_W, 22, 1, NULL },
	{ 400, START_R, 8, 1, st_fault }, { 400, FAIL_R, 8, 1, NULL },
	{ 410, START_W, 23, 1, NULL }, { 411, ACQ_W, 23, 1, NULL },
	{ 412, REL_W, 23, 1, NULL },
	{ 0, END, 0, 0, NULL },
};

static void test_downgrade_trylock(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, downgrade, &cap);
	const struct vls_lock_stats *r = &lk->run.mode[0], *w = &lk->run.mode[1];

	CHECK_INT(w->acquisitions, 3);
	CHECK_INT(w->hold.count, 3);
	CHECK_INT(w->hold.sum, 100000 + 10000 + 1000);
	CHECK_INT(r->downgrades, 1);
	CHECK_INT(r->acquisitions, 0);
	CHECK_INT(r->hold.count, 1);
	CHECK_INT(r->hold.sum, 200000);
	CHECK_INT(r->trylock_fails, 1);
	CHECK_INT(r->wait.count, 0);
	CHECK_INT(w->contended, 1);     /* 22 behind the downgraded reader */
	CHECK_INT(__vls_lk_task(lk, 0)->agg.mode[0].downgrades, 1);
	CHECK_INT(cap.nchains, 1);
	CHECK_INT(cap.chains[0].links[0].tid, 7);
	CHECK(!cap.chains[0].links[0].write);
	CHECK_INT(cap.chains[0].links[0].held_ns, 150000);
	CHECK_INT(lk->counts.unmatched_acquire, 0);
	CHECK_INT(lk->counts.lock_events, 12);
	CHECK_INT(lk->counts.unmatched_release, 0);
	__vls_locks_free(lk);
}

/* ---- unmatched and open events -------------------------------------- */

static const struct step ragged[] = {
	{ 0, REL_R, 3, 1, NULL },              /* taken before the trace */
	{ 1, ACQ_R, 3, 1, NULL },              /* start lost */
	{ 10, START_R, 4, 1, st_fault }, { 10, ACQ_R, 4, 1, NULL },
	{ 20, START_W, 24, 1, NULL },          /* still waiting at the end */
	{ 520, SLEEP_D, 4, 0, NULL },          /* asleep, no stack, to the end */
	{ 620, PRIO, 0, 0, NULL },
	{ 0, END, 0, 0, NULL },
};

static void test_ragged(vls_ctx *ctx)
{
	struct captured cap;
	struct vls_locks *lk = run(ctx, ragged, &cap);
	const struct vls_chain *c = &cap.chains[0];

	CHECK_INT(lk->counts.unmatched_release, 1);
	CHECK_INT(lk->counts.unmatched_acquire, 1);
	CHECK_INT(cap.nchains, 1);
	CHECK(c->open);
	CHECK_INT(c->wait_ns, 600000);
	CHECK_INT(c->links[0].tid, 4);
	CHECK_INT(c->links[0].asleep_ns, 100000);
	CHECK_INT(c->links[0].reason, VLS_SLEEP_UNKNOWN);
	CHECK_INT(lk->run.mode[0].open_holds, 1);
	CHECK_INT(lk->run.mode[0].hold.count, 0);
	check_line(c, "mprotect 24 still waiting after 600 us for write "
		   "<- 1 reader: workload 4 fault fallback held 600 us, 100 us in D state");
	__vls_locks_free(lk);
}

/* ---- the window stays bounded --------------------------------------- */

static void test_window_bounded(vls_ctx *ctx)
{
	struct vls_locks *lk = NULL;
	struct step s = { 0, START_R, 9, 1, st_fault };
	vls_event ev;

	CHECK_INT(__vls_locks_new(&lk, ctx, 0, NULL), 0);
	for (int i = 0; i < 100000; i++) {
		enum op ops[3] = { START_R, ACQ_R, REL_R };

		for (int k = 0; k < 3; k++) {
			s.us = (uint64_t)i * 3 + (uint64_t)k;
			s.op = ops[k];
			fill(&ev, &s);
			if (__vls_locks_event(lk, &ev) < 0)
				CHECK(0);
		}
	}
	CHECK(__vls_lk_mm(lk, 0)->nwin <= 128);
	CHECK(lk->nrecs <= 256);
	CHECK_INT(lk->run.mode[0].acquisitions, 100000);
	CHECK_INT(lk->run.mode[0].hold.sum, 100000 * 1000);
	CHECK_INT(lk->nstacks, 1);
	__vls_locks_free(lk);
}

/* ---- the limit on mm_structs ----------------------------------------- */

/* One read acquisition of each of VLS_LOCK_MMS_MAX mm addresses is taken;
 * one more mm is refused with a message that says what to do. */
static void test_mm_limit(vls_ctx *ctx)
{
	struct vls_locks *lk = NULL;
	struct step s = { 0, START_R, 9, 0, st_fault };
	vls_event ev;
	int err = 0;

	CHECK_INT(__vls_locks_new(&lk, ctx, 0, NULL), 0);
	for (uint32_t i = 0; !err && i <= VLS_LOCK_MMS_MAX; i++) {
		enum op ops[3] = { START_R, ACQ_R, REL_R };

		for (int k = 0; !err && k < 3; k++) {
			s.us = (uint64_t)i * 3 + (uint64_t)k;
			s.op = ops[k];
			s.arg = (int)i * 0x1000;
			fill(&ev, &s);
			err = __vls_locks_event(lk, &ev);
			if (err && (i != VLS_LOCK_MMS_MAX || k != 0))
				CHECK_INT(err, 0);
		}
	}
	CHECK_INT(err, VLS_ELIMIT);
	CHECK_INT(lk->run.mode[0].acquisitions, VLS_LOCK_MMS_MAX);
	CHECK(strstr(vls_ctx_errmsg(ctx), "more than 65536 mm_structs") != NULL);
	CHECK(strstr(vls_ctx_errmsg(ctx), "-p PID") != NULL);
	__vls_locks_free(lk);
}

/* ---- histograms and percentiles ------------------------------------- */

static void test_hist(vls_ctx *ctx)
{
	static const struct { uint64_t v; unsigned idx, log2; uint64_t lo, width; } t[] = {
		{ 0, 0, 0, 0, 1 }, { 1, 1, 0, 1, 1 }, { 2, 2, 1, 2, 1 },
		{ 3, 3, 1, 3, 1 }, { 4, 4, 2, 4, 1 }, { 7, 7, 2, 7, 1 },
		{ 8, 8, 3, 8, 2 }, { 1000, 35, 9, 896, 128 },
		{ 1023, 35, 9, 896, 128 }, { 1024, 36, 10, 1024, 256 },
		{ 1ULL << 47, 184, 47, 1ULL << 47, 1ULL << 45 },
		{ UINT64_MAX, VLS_HIST_FINE - 1, 47, 7ULL << 45, 1ULL << 45 },
	};
	struct vls_dist d = { 0 };
	uint64_t lo, width, b[VLS_HIST_LOG2_MAX];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(__vls_hist_index(t[i].v), t[i].idx);
		__vls_hist_bounds(t[i].idx, &lo, &width);
		CHECK_INT(lo, t[i].lo);
		CHECK_INT(width, t[i].width);
		CHECK_INT(__vls_dist_add(ctx, &d, t[i].v), 0);
	}
	CHECK_INT(__vls_dist_log2(&d, b), 48);
	CHECK_INT(b[0], 2);
	CHECK_INT(b[1], 2);
	CHECK_INT(b[2], 2);
	CHECK_INT(b[9], 2);
	CHECK_INT(b[10], 1);
	CHECK_INT(b[47], 2);
	__vls_dist_release(ctx, &d);

	/* 1..100 us: p50 exact 50 us, p99 exact 99 us */
	for (uint64_t v = 1; v <= 100; v++)
		CHECK_INT(__vls_dist_add(ctx, &d, v * 1000), 0);
	CHECK_INT(__vls_dist_pct(&d, 50), 53248);     /* [49152, 57344) */
	CHECK_INT(__vls_dist_pct(&d, 99), 100000);    /* mid 106496, clamped */
	CHECK_INT(__vls_dist_pct(&d, 1), 1000);       /* exact at min */
	CHECK_INT(d.count, 100);
	CHECK_INT(d.sum, 5050000);
	CHECK_INT(__vls_dist_log2(&d, b), 17);
	CHECK_INT(b[9], 1);                           /* 1000 ns */
	CHECK_INT(b[16], 35);                         /* 66..100 us */
	__vls_dist_release(ctx, &d);
	CHECK_INT(__vls_dist_pct(&d, 50), 0);
}

/* Reference: nearest-rank over all fine buckets, as util-dist.c documents. */
static uint64_t ref_pct(const uint64_t *cnt, uint64_t n, uint64_t min,
			uint64_t max, double pct)
{
	uint64_t rank = (uint64_t)ceil(pct / 100.0 * (double)n), seen = 0, lo, w;

	for (unsigned int i = 0; i < VLS_HIST_FINE; i++) {
		seen += cnt[i];
		if (seen < (rank ? rank : 1))
			continue;
		__vls_hist_bounds(i, &lo, &w);
		lo += w / 2;
		return lo < min ? min : lo > max ? max : lo;
	}
	return max;
}

/* The same answers whether the buckets are few (sparse entries) or many
 * (a window), across the switch, with the values fed out of order. */
static void test_hist_sparse(vls_ctx *ctx)
{
	static const struct { uint64_t first, step; unsigned int n, repeat; } t[] = {
		{ 5000, 0, 1, 1 },          /* one sample */
		{ 100, 1000, 3, 5 },        /* 3 buckets, repeated */
		{ 1 << 20, 0, 1, 300 },     /* one bucket, many samples */
		{ 64, 64, 8, 2 },           /* exactly the sparse limit */
		{ 64, 64, 9, 1 },           /* one past it: dense */
		{ 3000000, 7777777, 40, 3 },/* spread: dense early */
		{ 1, 3, 20, 1 },            /* below and around 4 ns */
	};
	static const double pcts[] = { 1, 25, 50, 90, 99, 100 };

	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		uint64_t cnt[VLS_HIST_FINE] = { 0 }, b[VLS_HIST_LOG2_MAX], min = UINT64_MAX, max = 0;
		struct vls_dist d = { 0 };
		uint64_t n = 0;

		for (unsigned int r = 0; r < t[k].repeat; r++)
			for (unsigned int i = 0; i < t[k].n; i++) {
				/* a permutation: no n above is a multiple of 7 */
				unsigned int j = (i * 7 + r * 3) % t[k].n;
				uint64_t v = t[k].first + j * t[k].step;

				CHECK_INT(__vls_dist_add(ctx, &d, v), 0);
				cnt[__vls_hist_index(v)]++;
				n++;
				min = v < min ? v : min;
				max = v > max ? v : max;
			}
		CHECK_INT(d.count, n);
		for (size_t p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++)
			CHECK_INT(__vls_dist_pct(&d, pcts[p]), ref_pct(cnt, n, min, max, pcts[p]));
		__vls_dist_log2(&d, b);
		for (unsigned int i = 0; i < VLS_HIST_FINE; i++) {
			unsigned int lb = i < VLS_HIST_SUB ? (i < 2 ? 0 : 1) : i / VLS_HIST_SUB + 1;

			b[lb] -= cnt[i];
		}
		for (unsigned int i = 0; i < VLS_HIST_LOG2_MAX; i++)
			CHECK_INT(b[i], 0);
		__vls_dist_release(ctx, &d);
	}
}

/* A sparse entry's count has 24 bits: past them the dist turns dense. */
static void test_hist_saturate(vls_ctx *ctx)
{
	struct vls_dist d = { 0 };
	uint64_t b[VLS_HIST_LOG2_MAX];
	const uint64_t n = VLS_DIST_CNT(~0u) + 10ULL;

	for (uint64_t i = 0; i < n; i++)
		if (__vls_dist_add(ctx, &d, 1000) < 0)
			break;
	CHECK_INT(d.count, n);
	CHECK(d.fine_n > 0);
	__vls_dist_log2(&d, b);
	CHECK_INT(b[9], n);
	CHECK_INT(__vls_dist_pct(&d, 50), 1000);
	__vls_dist_release(ctx, &d);
}

/* ---- call sites and sleep reasons from real stacks ------------------ */

static void test_classify(void)
{
	static const char *const exec_gup[] = { "__mmap_lock_do_trace_start_locking",
		"get_arg_page", "copy_strings", "do_execveat_common", NULL };
	static const char *const exec_mmap[] = { "vm_mmap_pgoff", "elf_load",
		"load_elf_binary", "bprm_execve", NULL };
	static const char *const arm_fault[] = { "trace_event_raw_event_mmap_lock",
		"__mmap_lock_do_trace_start_locking", "lock_mm_and_find_vma",
		"do_page_fault", "do_translation_fault", "do_mem_abort", "el0_da", NULL };
	static const char *const nested[] = { "__vmf_anon_prepare",
		"do_anonymous_page", "__handle_mm_fault", "handle_mm_fault",
		"do_user_addr_fault", NULL };
	static const char *const kfault[] = { "lock_mm_and_find_vma",
		"do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault",
		"_copy_to_user", "getrusage", NULL };
	static const char *const exit_[] = { "exit_mmap", "__mmput", "mmput",
		"do_exit", NULL };
	static const char *const madv[] = { "do_madvise.part.0+0x2a/0x80",
		"__x64_sys_madvise", NULL };
	static const char *const procfs[] = { "m_start", "seq_read_iter", NULL };
	static const char *const remote[] = { "__access_remote_vm",
		"proc_pid_cmdline_read", NULL };
	static const char *const mglru[] = { "walk_mm", "try_to_inc_max_seq", NULL };
	static const char *const khp[] = { "hpage_collapse_scan_pmd",
		"khugepaged_scan_mm_slot", "khugepaged", NULL };
	static const char *const fork_[] = { "dup_mmap", "copy_process",
		"kernel_clone", NULL };
	static const char *const munmap_[] = { "__vm_munmap", NULL };
	static const char *const mystery[] = { "do_mincore", "__arm64_sys_mincore", NULL };
	/* s390x 6.12 (tests/data/lab/s390x-iofault.dat.xz): mmap_read_lock()
	 * inlined in do_exception() */
	static const char *const s390_fault[] = { "do_exception", "__do_pgm_check",
		"pgm_check_handler", NULL };
	static const char *const ppc_fault[] = { "___do_page_fault",
		"do_page_fault", "data_access_common_virt", NULL };
	static const struct { const char *const *st; enum vls_lock_site site; } s[] = {
		{ st_fault, VLS_SITE_FAULT }, { arm_fault, VLS_SITE_FAULT },
		{ nested, VLS_SITE_NESTED_FAULT }, { kfault, VLS_SITE_FAULT },
		{ st_mprotect, VLS_SITE_MPROTECT }, { exec_gup, VLS_SITE_EXEC },
		{ exec_mmap, VLS_SITE_EXEC }, { exit_, VLS_SITE_EXIT },
		{ madv, VLS_SITE_MADVISE }, { procfs, VLS_SITE_PROCFS },
		{ remote, VLS_SITE_GUP }, { mglru, VLS_SITE_MGLRU },
		{ khp, VLS_SITE_KHUGEPAGED }, { fork_, VLS_SITE_FORK },
		{ munmap_, VLS_SITE_MUNMAP }, { mystery, VLS_SITE_OTHER },
		{ s390_fault, VLS_SITE_FAULT }, { ppc_fault, VLS_SITE_FAULT },
		{ NULL, VLS_SITE_UNKNOWN },
	};
	static const char *const rwsem[] = { "__schedule", "schedule",
		"rwsem_down_write_slowpath", "down_write_killable", NULL };
	static const char *const drain[] = { "__schedule", "schedule",
		"rwsem_down_write_slowpath", "down_write", "vma_start_write",
		"mprotect_fixup", NULL };
	static const char *const odd[] = { "__schedule", "schedule",
		"msleep", NULL };
	static const struct { const char *const *st; enum vls_sleep_reason r;
			      const char *wchan; } z[] = {
		{ st_folio, VLS_SLEEP_FOLIO_IO, "folio_wait_bit_common" },
		{ st_reclaim, VLS_SLEEP_RECLAIM, "folio_wait_bit_common" },
		{ rwsem, VLS_SLEEP_RWSEM, "rwsem_down_write_slowpath" },
		{ drain, VLS_SLEEP_VMA_DRAIN, "rwsem_down_write_slowpath" },
		{ odd, VLS_SLEEP_OTHER, "msleep" },
		{ NULL, VLS_SLEEP_UNKNOWN, NULL },
	};
	enum vls_lock_site site;
	const char *wchan;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		CHECK_INT(__vls_lock_site_classify(s[i].st, nframes(s[i].st)), s[i].site);
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		CHECK_INT(__vls_sleep_classify(z[i].st, nframes(z[i].st), &wchan), z[i].r);
		if (z[i].wchan)
			CHECK_STR(wchan, z[i].wchan);
		else
			CHECK(wchan == NULL);
	}
	for (int i = 0; i < VLS_SITE__COUNT; i++) {
		CHECK_INT(__vls_lock_site_from_key(&site, __vls_lock_site_key(i)), 0);
		CHECK_INT(site, i);
	}
	CHECK_INT(__vls_lock_site_from_key(&site, "nonsense"), VLS_ENOTFOUND);
}

static void test_format_truncates(void)
{
	struct vls_chain c;
	char small[16];
	size_t n;

	memset(&c, 0, sizeof(c));
	snprintf(c.comm, sizeof(c.comm), "mprotect");
	c.tid = 1;
	c.prio = -1;
	c.wait_ns = 1300000;
	c.write = true;
	n = __vls_chain_format(small, sizeof(small), &c);
	CHECK_INT(n, strlen("mprotect 1 waited 1.3 ms for write <- no blocker in the trace"));
	CHECK_STR(small, "mprotect 1 wait");
}

/* Allocation failures: every failing allocation gives VLS_ENOMEM, no leak
 * (run under ASan), no crash. */
static struct test_alloc ta;

static void test_alloc_failures(void)
{
	vls_allocator a = TEST_ALLOCATOR(&ta);
	int failures = 0;

	for (ta.fail_at = 1; ta.fail_at < 200; ta.fail_at++) {
		struct vls_locks *lk = NULL;
		vls_ctx *ctx = NULL;
		vls_event ev;
		int err = 0;

		ta.calls = 0;
		vls_ctx_new(&ctx);
		vls_ctx_set_allocator(ctx, &a);
		err = __vls_locks_new(&lk, ctx, 0, NULL);
		for (const struct step *s = writer_behind_readers; !err && s->op != END; s++) {
			fill(&ev, s);
			err = __vls_locks_event(lk, &ev);
		}
		if (!err)
			err = __vls_locks_finish(lk);
		failures += err == VLS_ENOMEM;
		if (err && err != VLS_ENOMEM)
			CHECK_INT(err, VLS_ENOMEM);
		__vls_locks_free(lk);
		vls_ctx_free(ctx);
	}
	CHECK(failures > 10);
}


/* ---- threads retired at exit (imported: locks-store.c) ------------------ */

/* tid, read wait and hold (ns) of its lock pairs; exit: a last switch
 * with prev_state X; again: the tid's second life (the kernel reused it). */
struct life {
	int tid;
	uint64_t wait[3], hold[3];
	bool exits, holds_at_exit;
	int repeat;      /* the pairs this many times (0: once) */
	int wakes;       /* the exit switch runs this task next */
	bool io_sleep;   /* instead of locks: a page fault, then asleep (D) */
};

static void lock_ev(vls_event *ev, uint64_t ts, int tid, vls_event_kind k)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = ts;
	ev->tid = tid;
	ev->pid = -1;
	snprintf(ev->comm, sizeof(ev->comm), "t%d", tid);
	ev->kind = k;
	ev->name = vls_event_kind_name(k);
	ev->u.mmap_lock.mm = 0xffff888000001000ULL;
	ev->u.mmap_lock.success = 1;
}

static int feed_life(vls_import *imp, const struct life *l, uint64_t *ts,
		     uint64_t exit_state)
{
	vls_event ev;
	int err = 0;

	if (l->io_sleep) {       /* the fault's I/O ends when another task exits */
		lock_ev(&ev, *ts += 1000, l->tid, VLS_EV_PAGE_FAULT_USER);
		err = vls_import_feed(imp, &ev);
		lock_ev(&ev, *ts += 1000, l->tid, VLS_EV_SCHED_SWITCH);
		ev.u.sched_switch.prev_pid = l->tid;
		ev.u.sched_switch.prev_state = VLS_TASK_UNINTERRUPTIBLE;
		return err ? err : vls_import_feed(imp, &ev);
	}
	for (int i = 0, r = 0; !err && i < 3 && l->wait[i]; i = ++r < l->repeat ? i : i + 1) {
		lock_ev(&ev, *ts, l->tid, VLS_EV_MMAP_LOCK_START);
		err = vls_import_feed(imp, &ev);
		lock_ev(&ev, *ts += l->wait[i], l->tid, VLS_EV_MMAP_LOCK_ACQUIRED);
		err = err ? err : vls_import_feed(imp, &ev);
		if (l->holds_at_exit && !l->wait[i + 1])
			break;   /* the release was lost */
		lock_ev(&ev, *ts += l->hold[i], l->tid, VLS_EV_MMAP_LOCK_RELEASED);
		err = err ? err : vls_import_feed(imp, &ev);
		*ts += 1000;
	}
	if (!err && l->exits) {
		lock_ev(&ev, *ts += 1000, l->tid, VLS_EV_SCHED_SWITCH);
		ev.name = "sched:sched_switch";
		ev.u.sched_switch.prev_pid = l->tid;
		ev.u.sched_switch.prev_prio = 120;
		ev.u.sched_switch.prev_state = exit_state;
		snprintf(ev.u.sched_switch.prev_comm, VLS_COMM_MAX, "t%d", l->tid);
		ev.u.sched_switch.next_pid = l->wakes;
		err = vls_import_feed(imp, &ev);
	}
	return err;
}

/* 101 first: it keeps the mm alive while 100 and 102 die, so that the
 * same mm_struct is one process throughout (a claim after every claimer
 * died would be its next incarnation: test_mm_incarnations) */
static const struct life lives[] = {
	{ 104, { 0 }, { 0 }, false, false, 0, 0, true },
	{ 101, { 400000 }, { 900 }, false, false, 0, 0, false },  /* never exits */
	{ 100, { 1000, 3000 }, { 5000, 7000 }, true, false, 0, 104, false },
	{ 102, { 2000, 2500 }, { 60000, 1 }, true, true, 0, 0, false }, /* dies holding */
	/* enough records on the mm to prune the window: 100's slot is freed */
	{ 103, { 1000 }, { 1000 }, false, false, 80, 0, false },
	{ 100, { 200000 }, { 9000 }, true, false, 0, 0, false },  /* 100 again */
};

/* Import lives[0..n-1] with exits as exit_state; the run's lock_stats,
 * task, fault_task and fault_run as text, one line per row in key order. */
static char *import_lives_with(vls_ctx *ctx, const char *path, size_t n,
			       uint64_t exit_state, bool writer)
{
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_import *imp = NULL;
	vls_db *db = NULL;
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t ts = 1000000;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	unlink(path);
	err = vls_db_open(&db, ctx, path, VLS_DB_READWRITE);
	if (!err)
		err = vls_import_begin(&imp, db, &o);
	/* the rows on a writer thread, as a threaded import's are: a reused
	 * tid's query must wait for the rows before it */
	if (!err && writer) {
		err = __vls_store_writer_start(&imp->txn);
		CHECK(imp->txn.writer != NULL);
	}
	for (size_t i = 0; !err && i < n; i++)
		err = feed_life(imp, &lives[i], &ts, exit_state);
	if (!err)
		err = vls_import_commit(NULL, imp);
	vls_import_free(imp);
	vls_db_close(db);
	CHECK_INT(err, 0);
	if (err || sqlite3_open(path, &s) != SQLITE_OK)
		return NULL;
	f = open_memstream(&out, &len);
	for (int q = 0; q < 4; q++) {
		static const char *const dump[] = {
			"SELECT * FROM lock_stats ORDER BY scope, key, mode",
			"SELECT * FROM task ORDER BY tid",
			"SELECT * FROM fault_task ORDER BY tid",
			"SELECT * FROM fault_run" };

		sqlite3_prepare_v2(s, dump[q], -1, &st, NULL);
		while (st && f && sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++)
				fprintf(f, "%s|", sqlite3_column_type(st, c) == SQLITE_NULL ?
					"NULL" : (const char *)sqlite3_column_text(st, c));
			fputc('\n', f);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	sqlite3_close(s);
	if (f)
		fclose(f);
	return out;
}

static char *import_lives(vls_ctx *ctx, const char *path, size_t n,
			  uint64_t exit_state)
{
	return import_lives_with(ctx, path, n, exit_state, false);
}

/* Rows written when a thread exits are the rows the commit would write:
 * the same import with the exits as plain sleeps (prev_state S) stores the
 * same rows, the thread that died holding included, and the I/O wait that
 * an exit's switch ends still counts. */
static void test_exit_rows(vls_ctx *ctx, const char *path)
{
	char *at_exit = import_lives(ctx, path, 4, VLS_TASK_EXIT_DEAD);
	char *at_end = import_lives(ctx, path, 4, VLS_TASK_INTERRUPTIBLE);
	char *zombie = import_lives(ctx, path, 4, VLS_TASK_EXIT_ZOMBIE);

	CHECK(at_exit && at_end && zombie);
	if (at_exit && at_end && zombie) {
		CHECK_STR(at_exit, at_end);
		CHECK_STR(zombie, at_end);
		CHECK(strstr(at_end, "|thread|102|read|"));
		CHECK(strstr(at_end, "\n1|104|NULL|t104|1|1|"));   /* fault_task */
	}
	free(at_exit);
	free(at_end);
	free(zombie);
	/* 102 died holding: its hold stays open to the end, as before */
	CHECK_INT(sql_int(path, "SELECT open_holds FROM lock_stats WHERE scope = 'thread'"
			  " AND key = '102' AND mode = 'read'"), 1);
}

/* A tid reused within the run: one row, its counts and sums exact, the
 * log2 histograms added up, p50/p99 within a factor of 2. */
static void test_tid_reuse(vls_ctx *ctx, const char *path)
{
	char *merged = import_lives(ctx, path, 6, VLS_TASK_EXIT_DEAD);
	char *written = import_lives_with(ctx, path, 6, VLS_TASK_EXIT_DEAD, true);
	static const char q[] = "SELECT %s FROM lock_stats WHERE scope = 'thread'"
				" AND key = '100' AND mode = 'read'";
	static const char *const exact[] = {
		"count(*)", "acquisitions", "wait_count", "wait_sum", "wait_max",
		"hold_count", "hold_sum", "hold_max", "length(wait_hist)",
		"length(hold_hist)", "open_holds" };
	long long want[sizeof(exact) / sizeof(exact[0])], p50[2], p99[2];
	char sql[256], hist[2][2][64];

	CHECK(merged && written && !strcmp(merged, written));
	free(merged);
	free(written);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM task WHERE tid = 100"), 1);
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: reused; pass 1: one life of 100 that never exits */
		if (pass)
			free(import_lives(ctx, path, 6, VLS_TASK_INTERRUPTIBLE));
		for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
			snprintf(sql, sizeof(sql), q, exact[i]);
			if (!pass)
				want[i] = sql_int(path, sql);
			else
				CHECK_INT(sql_int(path, sql), want[i]);
		}
		snprintf(sql, sizeof(sql), q, "wait_p50");
		p50[pass] = sql_int(path, sql);
		snprintf(sql, sizeof(sql), q, "wait_p99");
		p99[pass] = sql_int(path, sql);
		for (int h = 0; h < 2; h++) {
			snprintf(sql, sizeof(sql), q, h ? "hold_hist" : "wait_hist");
			sql_value(path, sql, hist[pass][h], sizeof(hist[pass][h]));
		}
	}
	CHECK_INT(want[0], 1);
	CHECK_INT(want[1], 3);
	CHECK_INT(want[3], 1000 + 3000 + 200000);
	CHECK_INT(want[4], 200000);
	CHECK_INT(want[6], 5000 + 7000 + 9000);
	CHECK_STR(hist[0][0], hist[1][0]);
	CHECK_STR(hist[0][1], hist[1][1]);
	CHECK(p50[0] >= p50[1] / 2 && p50[0] <= p50[1] * 2);
	CHECK(p99[0] >= p99[1] / 2 && p99[0] <= p99[1] * 2);
}

/*
 * One mm pointer, tasks without a pid (tracefs text without tgids): A takes
 * it and dies (its last switch, state X), then B takes it. A's claim ended
 * with A: the mm_struct may have been freed and given to B's process, so B
 * is the mm's next incarnation (thread row mm_gen 1, process row
 * "mm:HEX.1"). When a task that claimed the mm first (C) is still alive, or
 * when A only slept (S), B is of the same process. inc: A dies; keep: C
 * lives through it.
 */
static int feed_incarnations(vls_ctx *ctx, const char *path, bool dies, bool keep)
{
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	const int order[] = { keep ? 30 : 0, 10, 20 };
	vls_import *imp = NULL;
	vls_db *db = NULL;
	uint64_t ts = 1000000;
	vls_event ev;
	int err;

	unlink(path);
	err = vls_db_open(&db, ctx, path, VLS_DB_READWRITE);
	if (!err)
		err = vls_import_begin(&imp, db, &o);
	for (size_t i = 0; !err && i < 3; i++) {
		int tid = order[i];

		if (!tid)
			continue;
		lock_ev(&ev, ts += 1000, tid, VLS_EV_MMAP_LOCK_START);
		err = vls_import_feed(imp, &ev);
		lock_ev(&ev, ts += 1000, tid, VLS_EV_MMAP_LOCK_ACQUIRED);
		err = err ? err : vls_import_feed(imp, &ev);
		lock_ev(&ev, ts += 1000, tid, VLS_EV_MMAP_LOCK_RELEASED);
		err = err ? err : vls_import_feed(imp, &ev);
		if (err || tid != 10)
			continue;
		lock_ev(&ev, ts += 1000, tid, VLS_EV_SCHED_SWITCH);
		ev.u.sched_switch.prev_pid = tid;
		ev.u.sched_switch.prev_state = dies ? VLS_TASK_EXIT_DEAD : VLS_TASK_INTERRUPTIBLE;
		err = vls_import_feed(imp, &ev);
	}
	if (!err)
		err = vls_import_commit(NULL, imp);
	vls_import_free(imp);
	vls_db_close(db);
	return err;
}

static void test_mm_incarnations(vls_ctx *ctx, const char *path)
{
	static const char gen_b[] = "SELECT ifnull(mm_gen, 0) FROM lock_stats WHERE "
				    "scope = 'thread' AND key = '20' AND mode = 'read'";
	static const char procs[] = "SELECT count(*) FROM lock_stats WHERE "
				    "scope = 'process' AND mode = 'read'";
	char key[64];

	CHECK_INT(feed_incarnations(ctx, path, true, false), 0);
	CHECK_INT(sql_int(path, gen_b), 1);
	CHECK_INT(sql_int(path, procs), 2);
	sql_value(path, "SELECT key FROM lock_stats WHERE scope = 'process' AND "
		  "mode = 'read' AND mm_gen = 1", key, sizeof(key));
	CHECK_STR(key, "mm:ffff888000001000.1");
	CHECK_INT(sql_int(path, "SELECT ifnull(mm_gen, 0) FROM lock_stats WHERE "
			  "scope = 'thread' AND key = '10' AND mode = 'read'"), 0);
	/* A only slept: one process */
	CHECK_INT(feed_incarnations(ctx, path, false, false), 0);
	CHECK_INT(sql_int(path, gen_b), 0);
	CHECK_INT(sql_int(path, procs), 1);
	/* C claimed the mm before A and lives on: one process */
	CHECK_INT(feed_incarnations(ctx, path, true, true), 0);
	CHECK_INT(sql_int(path, gen_b), 0);
	CHECK_INT(sql_int(path, procs), 1);
}

/* u64map deletion keeps every other key findable (backward shift over
 * colliding runs and the wrap at the table's end). */
static void test_map_del(vls_ctx *ctx)
{
	struct vls_u64map m = { 0 };
	uint32_t v;
	int bad = 0;

	for (uint64_t k = 1; k <= 3000; k++)
		CHECK_INT(__vls_u64map_put(ctx, &m, k * 7919, (uint32_t)k), 0);
	for (uint64_t k = 1; k <= 3000; k += 3)
		__vls_u64map_del(&m, k * 7919);
	__vls_u64map_del(&m, 12345);          /* absent: nothing */
	for (uint64_t k = 1; k <= 3000; k++) {
		int r = __vls_u64map_get(&m, k * 7919, &v);

		if ((k - 1) % 3 == 0 ? r == 0 : (r != 0 || v != k))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(m.n, 2000);
	__vls_u64map_release(ctx, &m);
}

/* A stored log2 histogram loaded back: the same histogram, count, sum, max. */
static void test_hist_log2_load(vls_ctx *ctx)
{
	static const uint64_t vals[] = { 0, 1, 3, 17, 900, 1000, 1 << 20, 5000000000ULL };
	struct vls_dist a = { 0 }, b = { 0 };
	uint64_t ha[VLS_HIST_LOG2_MAX], hb[VLS_HIST_LOG2_MAX];
	unsigned int na, nb;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		for (uint64_t k = 0; k <= i * 9000; k += 1 + i)
			CHECK_INT(__vls_dist_add(ctx, &a, vals[i]), 0);
	na = __vls_dist_log2(&a, ha);
	CHECK_INT(__vls_dist_add_log2(ctx, &b, ha, na, a.sum, a.max), 0);
	nb = __vls_dist_log2(&b, hb);
	CHECK_INT(nb, na);
	CHECK(!memcmp(ha, hb, na * sizeof(*ha)));
	CHECK_INT(b.count, a.count);
	CHECK_INT(b.sum, a.sum);
	CHECK_INT(b.max, a.max);
	CHECK_INT(b.min, 0);
	/* percentiles within a factor of 2 of the fine ones */
	for (double p = 10; p <= 100; p += 10)
		CHECK(__vls_dist_pct(&b, p) >= __vls_dist_pct(&a, p) / 2 &&
		      __vls_dist_pct(&b, p) <= __vls_dist_pct(&a, p) * 2 + 1);
	__vls_dist_release(ctx, &a);
	__vls_dist_release(ctx, &b);

	/* a loaded bucket past the sparse entries' 24 bits, into an empty
	 * distribution and into a sparse one */
	for (int pre = 0; pre < 2; pre++) {
		uint64_t big[12] = { 0 };

		big[11] = 1ULL << 25;
		memset(&b, 0, sizeof(b));
		if (pre)
			CHECK_INT(__vls_dist_add(ctx, &b, 3), 0);
		CHECK_INT(__vls_dist_add_log2(ctx, &b, big, 12, 3000ULL << 25, 4000), 0);
		nb = __vls_dist_log2(&b, hb);
		CHECK_INT(nb, 12);
		CHECK_INT(hb[11], 1ULL << 25);
		CHECK_INT(b.count, (1ULL << 25) + (uint64_t)pre);
		CHECK_INT(__vls_dist_pct(&b, 50), 3328);  /* sub-bucket [3072, 3584) */
		__vls_dist_release(ctx, &b);
	}
}

int main(void)
{
	char path[] = "/tmp/vls_test_locks.XXXXXX";
	vls_ctx *ctx = NULL;
	int fd = mkstemp(path);

	vls_ctx_new(&ctx);
	test_writer_behind_readers(ctx);
	test_no_switch_in(ctx);
	test_process_scope(ctx);
	test_reader_behind_writer(ctx);
	test_three_hops(ctx);
	test_inversion(ctx);
	test_woken_reader(ctx);
	test_downgrade_trylock(ctx);
	test_ragged(ctx);
	test_window_bounded(ctx);
	test_mm_limit(ctx);
	test_hist(ctx);
	test_hist_sparse(ctx);
	test_hist_saturate(ctx);
	test_hist_log2_load(ctx);
	test_map_del(ctx);
	if (fd >= 0) {
		close(fd);
		test_exit_rows(ctx, path);
		test_tid_reuse(ctx, path);
		test_mm_incarnations(ctx, path);
		remove_db(path);
	}
	test_classify();
	test_format_truncates();
	test_alloc_failures();
	vls_ctx_free(ctx);
	return TEST_DONE();
}
