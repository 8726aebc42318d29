/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks-store.c - the task analyzer: table task (every thread seen in the
 * run) and, with keep_events, table event (every raw event).
 *
 * Tasks live in memory (a map on tid); their rows are written as they
 * exit or at finish (below): no SQL per event unless keep_events asks for
 * one row per event.
 *
 * What a task row says:
 *  - comm: the last non-empty comm seen for the tid, as the event's own
 *    task or as a sched_switch / sched_wakeup / fork / exit target;
 *    "<...>" (ftrace's "comm not saved") never replaces a known one;
 *  - pid: its thread group as the import's groups know it when the row is
 *    written (tasks-groups.c says from what), else NULL;
 *  - prio: the last kernel prio given by sched_switch, sched_wakeup(ing)
 *    or sched_process_exit, else NULL;
 *  - events: events whose tid is this task.
 *
 * A task's row is written when it exits (its last sched_switch, prev_state
 * X or Z), the others' at finish: a busy trace's thousands of short-lived
 * tasks then cost the commit nothing. Should its tid come back (reused by
 * the kernel), the row is taken back and written again later.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "store.h"
#include "tasks.h"
#include "util-map.h"

/* PID_MAX_LIMIT is 4M: a run cannot have more distinct live tids, but tids
 * are reused, so allow a margin before calling the input hostile. */
#define TASKS_MAX (8u << 20)
#define PRIO_UNKNOWN INT32_MIN

struct task {
	int32_t tid;
	int32_t prio;       /* PRIO_UNKNOWN */
	bool written;       /* its row is in the DB (it exited) */
	char comm[VLS_COMM_MAX];
	uint64_t events;
};

struct tasks {
	vls_ctx *ctx;
	bool keep_events;
	struct task *tasks;
	size_t n, cap;
	struct vls_u64map by_tid; /* tid -> task number */
	size_t last;        /* task number + 1 of the last lookup */
	int64_t seq;        /* events stored in table event */
	struct vls_store_txn *txn;  /* of the event in progress */
};

static int tasks_create(void **out, vls_ctx *ctx, const vls_import_opts *opts)
{
	struct tasks *t = __vls_calloc(ctx, 1, sizeof(*t));

	if (!t)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	t->ctx = ctx;
	t->keep_events = opts && opts->keep_events;
	*out = t;
	return 0;
}

static void tasks_destroy(void *state)
{
	struct tasks *t = state;

	if (!t)
		return;
	__vls_free(t->ctx, t->tasks);
	__vls_u64map_release(t->ctx, &t->by_tid);
	__vls_free(t->ctx, t);
}

static int task_add(struct tasks *t, int32_t tid)
{
	int ret = __vls_grow(t->ctx, (void **)&t->tasks, &t->cap, t->n + 1,
			     sizeof(*t->tasks), TASKS_MAX);

	if (!ret)
		ret = __vls_u64map_put(t->ctx, &t->by_tid, (uint64_t)(uint32_t)tid,
				       (uint32_t)t->n);
	if (ret)
		return ret;
	t->tasks[t->n++] = (struct task){ .tid = tid, .prio = PRIO_UNKNOWN };
	return 0;
}

static int task_write(struct vls_store_txn *txn, struct task *k)
{
	int32_t pid = __vls_groups_pid(txn->groups, k->tid);
	struct vls_row r;

	__vls_row_start(&r, txn,
		"INSERT INTO task (run_id, tid, pid, comm, prio, events)"
		" VALUES (:run_id, :tid, :pid, :comm, :prio, :events)");
	__vls_row_i64(&r, "run_id", txn->run_id);
	__vls_row_i64(&r, "tid", k->tid);
	__vls_row_opt(&r, "pid", pid >= 0, pid);
	__vls_row_text(&r, "comm", k->comm);
	__vls_row_opt(&r, "prio", k->prio != PRIO_UNKNOWN, k->prio);
	__vls_row_u64(&r, "events", k->events);
	k->written = true;
	return __vls_row_step(&r);
}

/* An exited task's tid is back: its row comes out again, to be rewritten
 * with what follows (the comm and prio then, the events added). */
static int task_unwrite(struct tasks *t, struct task *k)
{
	struct vls_row r;

	__vls_row_start(&r, t->txn,
			"DELETE FROM task WHERE run_id = :run_id AND tid = :tid");
	__vls_row_i64(&r, "run_id", t->txn->run_id);
	__vls_row_i64(&r, "tid", k->tid);
	k->written = false;
	return __vls_row_step(&r);
}

/* The task of tid, created on first sight. */
static int task_get(struct task **out, struct tasks *t, int32_t tid)
{
	uint32_t i;
	int ret;

	if (t->last && t->tasks[t->last - 1].tid == tid) {
		*out = &t->tasks[t->last - 1];
		return (*out)->written ? task_unwrite(t, *out) : 0;
	}
	if (__vls_u64map_get(&t->by_tid, (uint64_t)(uint32_t)tid, &i)) {
		ret = task_add(t, tid);
		if (ret)
			return ret;
		i = (uint32_t)t->n - 1;
	}
	t->last = i + 1;
	*out = &t->tasks[i];
	return (*out)->written ? task_unwrite(t, *out) : 0;
}

/* ------------------------------------------------------------------ */
/* Per event                                                           */
/* ------------------------------------------------------------------ */

static void set_comm(struct task *k, const char *comm)
{
	if (!comm[0] || (comm[0] == '<' && !strcmp(comm, "<...>")))
		return;
	__vls_copy_comm(k->comm, comm, strnlen(comm, VLS_COMM_MAX - 1));
}

/* Another task an event names (switch target, wakee, fork child). */
static int note_other(struct tasks *t, int32_t tid, const char *comm, int32_t prio)
{
	struct task *k;
	int ret;

	if (tid < 0)
		return 0;
	ret = task_get(&k, t, tid);
	if (ret)
		return ret;
	if (comm)
		set_comm(k, comm);
	if (prio != PRIO_UNKNOWN)
		k->prio = prio;
	return 0;
}

static int note_fields(struct tasks *t, const vls_event *ev, struct task *self)
{
	switch (ev->kind) {
	case VLS_EV_SCHED_SWITCH:
		if (ev->u.sched_switch.prev_pid == ev->tid)
			self->prio = ev->u.sched_switch.prev_prio;
		return note_other(t, ev->u.sched_switch.next_pid,
				  ev->u.sched_switch.next_comm,
				  ev->u.sched_switch.next_prio);
	case VLS_EV_SCHED_WAKEUP:
	case VLS_EV_SCHED_WAKING:
		return note_other(t, ev->u.wakeup.pid, ev->u.wakeup.comm,
				  ev->u.wakeup.prio);
	case VLS_EV_SCHED_FORK:
		return note_other(t, ev->u.fork.child_pid, ev->u.fork.child_comm,
				  PRIO_UNKNOWN);
	case VLS_EV_SCHED_EXIT:
		return note_other(t, ev->u.exit.pid, ev->u.exit.comm, ev->u.exit.prio);
	case VLS_EV_TASK_NEWTASK:
		return note_other(t, ev->u.newtask.pid, ev->u.newtask.comm,
				  PRIO_UNKNOWN);
	default:
		return 0;
	}
}

static int tasks_event(void *state, const vls_event *ev, struct vls_store_txn *txn)
{
	struct tasks *t = state;
	struct task *self;
	int ret;

	t->txn = txn;
	if ((ret = task_get(&self, t, ev->tid)))
		return ret;
	self->events++;
	set_comm(self, ev->comm);
	ret = note_fields(t, ev, self);
	if (!ret && t->keep_events)
		ret = __vls_tasks_store_event(txn, ++t->seq, ev);
	/* its last switch (do_task_dead()): nothing more can change its row;
	 * self may have moved (note_fields() can grow the table) */
	if (!ret && ev->kind == VLS_EV_SCHED_SWITCH && ev->u.sched_switch.prev_pid == ev->tid &&
	    (ev->u.sched_switch.prev_state & (VLS_TASK_EXIT_DEAD | VLS_TASK_EXIT_ZOMBIE)) &&
	    !(ret = task_get(&self, t, ev->tid)))
		ret = task_write(txn, self);
	return ret;
}

static int tasks_finish(void *state, struct vls_store_txn *txn)
{
	struct tasks *t = state;

	for (size_t i = 0; i < t->n; i++) {
		int ret = t->tasks[i].written ? 0 : task_write(txn, &t->tasks[i]);

		if (ret)
			return ret;
	}
	return 0;
}

const struct vls_analyzer_ops __vls_tasks_analyzer = {
	.name = "tasks",
	.create = tasks_create,
	.event = tasks_event,
	.finish = tasks_finish,
	.destroy = tasks_destroy,
};
