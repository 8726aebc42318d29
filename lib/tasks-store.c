/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks-store.c - the task analyzer: table task (every thread seen in the
 * run) and, with keep_events, table event (every raw event).
 *
 * Tasks live in memory (a hash on tid) and are written once, at finish:
 * no SQL per event unless keep_events asks for one row per event.
 *
 * What a task row says:
 *  - comm: the last non-empty comm seen for the tid, as the event's own
 *    task or as a sched_switch / sched_wakeup / fork / exit target;
 *    "<...>" (ftrace's "comm not saved") never replaces a known one;
 *  - pid: the event's thread group id when the input gives it; else a task
 *    that ran sched_process_exec is its own group leader (de_thread()
 *    makes the exec'ing thread the leader); else NULL. sched_process_fork
 *    creates the child's row but cannot tell a thread from a process (the
 *    tracepoint in kernel_clone() carries no clone flags), so it does not
 *    guess the child's pid;
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

/* PID_MAX_LIMIT is 4M: a run cannot have more distinct live tids, but tids
 * are reused, so allow a margin before calling the input hostile. */
#define TASKS_MAX (8u << 20)
#define PRIO_UNKNOWN INT32_MIN

struct task {
	int32_t tid;
	int32_t pid;        /* -1: unknown */
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
	uint32_t *index;    /* open addressing: task number + 1, 0 empty */
	size_t index_cap;   /* a power of two, at least twice n */
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
	__vls_free(t->ctx, t->index);
	__vls_free(t->ctx, t);
}

/* ------------------------------------------------------------------ */
/* The tid hash                                                        */
/* ------------------------------------------------------------------ */

static size_t tid_slot(int32_t tid, size_t cap)
{
	uint64_t h = (uint64_t)(uint32_t)tid * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (cap - 1);
}

static int index_resize(struct tasks *t, size_t cap)
{
	uint32_t *idx = __vls_calloc(t->ctx, cap, sizeof(*idx));

	if (!idx)
		return __vls_error(t->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		size_t s = tid_slot(t->tasks[i].tid, cap);

		while (idx[s])
			s = (s + 1) & (cap - 1);
		idx[s] = (uint32_t)i + 1;
	}
	__vls_free(t->ctx, t->index);
	t->index = idx;
	t->index_cap = cap;
	return 0;
}

static int task_add(struct tasks *t, int32_t tid, size_t slot)
{
	int ret = __vls_grow(t->ctx, (void **)&t->tasks, &t->cap, t->n + 1,
			     sizeof(*t->tasks), TASKS_MAX);

	if (ret)
		return ret;
	t->tasks[t->n] = (struct task){ .tid = tid, .pid = -1, .prio = PRIO_UNKNOWN };
	t->index[slot] = (uint32_t)++t->n;
	return 0;
}

static int task_write(struct vls_store_txn *txn, struct task *k)
{
	sqlite3_stmt *st = __vls_store_stmt(txn,
		"INSERT INTO task (run_id, tid, pid, comm, prio, events) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

	if (!st)
		return VLS_EDB;
	sqlite3_bind_int64(st, 1, txn->run_id);
	sqlite3_bind_int(st, 2, k->tid);
	if (k->pid >= 0)
		sqlite3_bind_int(st, 3, k->pid);
	sqlite3_bind_text(st, 4, k->comm, -1, SQLITE_STATIC);
	if (k->prio != PRIO_UNKNOWN)
		sqlite3_bind_int(st, 5, k->prio);
	sqlite3_bind_int64(st, 6, (int64_t)k->events);
	k->written = true;
	return __vls_store_exec_stmt(txn, st);
}

/* An exited task's tid is back: its row comes out again, to be rewritten
 * with what follows (the comm and prio then, the events added). */
static int task_unwrite(struct tasks *t, struct task *k)
{
	sqlite3_stmt *st = __vls_store_stmt(t->txn,
		"DELETE FROM task WHERE run_id = ?1 AND tid = ?2");

	if (!st)
		return VLS_EDB;
	sqlite3_bind_int64(st, 1, t->txn->run_id);
	sqlite3_bind_int(st, 2, k->tid);
	k->written = false;
	return __vls_store_exec_stmt(t->txn, st);
}

/* The task of tid, created on first sight. */
static int task_get(struct task **out, struct tasks *t, int32_t tid)
{
	size_t s;
	int ret;

	if (t->last && t->tasks[t->last - 1].tid == tid) {
		*out = &t->tasks[t->last - 1];
		return (*out)->written ? task_unwrite(t, *out) : 0;
	}
	if ((t->n + 1) * 2 > t->index_cap) {
		ret = index_resize(t, t->index_cap ? t->index_cap * 2 : 1024);
		if (ret)
			return ret;
	}
	s = tid_slot(tid, t->index_cap);
	while (t->index[s] && t->tasks[t->index[s] - 1].tid != tid)
		s = (s + 1) & (t->index_cap - 1);
	if (!t->index[s]) {
		ret = task_add(t, tid, s);
		if (ret)
			return ret;
	}
	t->last = t->index[s];
	*out = &t->tasks[t->last - 1];
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
	case VLS_EV_SCHED_EXEC:
		if (self->pid < 0)
			self->pid = ev->tid;
		return 0;
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
	if (ev->pid >= 0)
		self->pid = ev->pid;
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
