/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks-groups.c - the thread group (process) of every task of an import,
 * owned by the import (import.c feeds it each event before the analyzers)
 * and asked by the analyzers through the transaction (store.h:
 * vls_store_txn.groups): the task analyzer for the pid of each task row,
 * the lock analyzer to add each acquisition to its process.
 *
 * A task's pid comes from the first of these that knows it:
 *  1. the input's own tgid (the text tgid column of record-tgid, atrace);
 *  2. sched_process_exec: the exec'ing task is its group's leader
 *     (de_thread() gives it the leader's pid);
 *  3. task:task_newtask, in the creator's context with the clone flags:
 *     CLONE_THREAD makes the new task a thread of its creator's group (the
 *     creator's pid, resolved up the chain of creators), anything else a
 *     process of its own (pid = its tid);
 *  4. sched_process_fork without task_newtask (a trace that lacks it): the
 *     tracepoint carries no clone flags, but the mm does: at the child's
 *     first mmap_lock_start_locking, the parent's mm (of its own last
 *     start_locking) makes it a thread (or a vfork child, until its exec),
 *     another mm a process of its own;
 *  5. the recorder's thread lists (tasks-tgids.c: /proc at start, the
 *     kernel's saved_tgids at stop), the creator's entry first;
 * else it is unknown (-1). A task's pid changes only at its exec.
 */
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

#define GROUPS_MAX (8u << 20)           /* as the task analyzer's table */
#define CLONE_THREAD 0x00010000ULL      /* include/uapi/linux/sched.h */
#define CREATOR_DEPTH 64                /* creator chains followed at most */

struct group_task {
	int32_t tid;
	int32_t pid;        /* -1: unknown */
	int32_t thread_of;  /* CLONE_THREAD creator's tid, -1: none */
	int32_t forked_by;  /* sched_process_fork parent, undecided: -1 none */
	uint64_t mm;        /* of its last mmap_lock_start_locking, 0: none */
	bool newtask;       /* task_newtask placed it; its fork event follows */
};

struct vls_groups {
	vls_ctx *ctx;
	struct group_task *t;
	size_t n, cap;
	struct vls_u64map by_tid;   /* tid -> index in t */
	struct vls_u64map lists;    /* the recorder's lists: tid -> tgid */
	bool lists_loaded;
};

int __vls_groups_new(struct vls_groups **out, vls_ctx *ctx)
{
	*out = __vls_calloc(ctx, 1, sizeof(**out));
	if (!*out)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	(*out)->ctx = ctx;
	return 0;
}

void __vls_groups_free(struct vls_groups *g)
{
	if (!g)
		return;
	__vls_free(g->ctx, g->t);
	__vls_u64map_release(g->ctx, &g->by_tid);
	__vls_u64map_release(g->ctx, &g->lists);
	__vls_free(g->ctx, g);
}

static struct group_task *find(const struct vls_groups *g, int32_t tid)
{
	uint32_t i;

	return __vls_u64map_get(&g->by_tid, (uint64_t)(uint32_t)tid, &i) ? NULL
									 : &g->t[i];
}

static int get(struct vls_groups *g, int32_t tid, struct group_task **out)
{
	int ret;

	if ((*out = find(g, tid)))
		return 0;
	ret = __vls_grow(g->ctx, (void **)&g->t, &g->cap, g->n + 1, sizeof(*g->t),
			 GROUPS_MAX);
	if (!ret)
		ret = __vls_u64map_put(g->ctx, &g->by_tid, (uint64_t)(uint32_t)tid,
				       (uint32_t)g->n);
	if (ret)
		return ret;
	*out = &g->t[g->n++];
	**out = (struct group_task){ .tid = tid, .pid = -1, .thread_of = -1,
				     .forked_by = -1 };
	return 0;
}

/* The creator is the event's task; a reused tid starts afresh. */
static int on_newtask(struct vls_groups *g, const vls_event *ev)
{
	int32_t child = ev->u.newtask.pid;
	struct group_task *k;
	int ret;

	if (child <= 0 || child == ev->tid)
		return 0;
	if ((ret = get(g, child, &k)))
		return ret;
	k->forked_by = -1;
	k->mm = 0;
	k->newtask = true;
	if (ev->u.newtask.clone_flags & CLONE_THREAD) {
		k->pid = -1;
		k->thread_of = ev->tid;
	} else {
		k->pid = child;
		k->thread_of = -1;
	}
	return 0;
}

/* Without task_newtask before it (which fires first, in copy_process()),
 * the child is undecided until its first start_locking; whatever its tid
 * was before (a task that exited) no longer holds. */
static int on_fork(struct vls_groups *g, const vls_event *ev)
{
	int32_t child = ev->u.fork.child_pid, parent = ev->u.fork.parent_pid;
	struct group_task *k;
	int ret;

	if (child <= 0 || parent < 0 || child == parent)
		return 0;
	if ((ret = get(g, child, &k)))
		return ret;
	if (k->newtask) {       /* placed already, by its clone flags */
		k->newtask = false;
		return 0;
	}
	/* a new task: a tid the kernel reused starts afresh */
	k->pid = k->thread_of = -1;
	k->mm = 0;
	k->forked_by = parent;
	return 0;
}

/* The task's own mm, and the decision a fork left open. */
static int on_start_locking(struct vls_groups *g, const vls_event *ev)
{
	uint64_t mm = ev->u.mmap_lock.mm;
	const struct group_task *parent;
	struct group_task *k;
	int ret;

	if (ev->tid <= 0 || (ret = get(g, ev->tid, &k)))
		return ev->tid <= 0 ? 0 : ret;
	if (k->forked_by >= 0) {
		parent = find(g, k->forked_by);
		if (parent && parent->mm && parent->mm == mm)
			k->thread_of = k->forked_by;
		else if (parent && parent->mm)
			k->pid = k->tid;
		if (parent && parent->mm)
			k->forked_by = -1;
	}
	k->mm = mm;
	return 0;
}

int __vls_groups_event(struct vls_groups *g, const vls_event *ev,
		       const struct vls_meta *meta)
{
	struct group_task *k;
	int ret;

	if (!g->lists_loaded) {
		g->lists_loaded = true;
		if ((ret = __vls_tasks_tgids_load(g->ctx, meta, &g->lists)))
			return ret;
	}
	if (ev->pid >= 0 && ev->tid >= 0) {
		if ((ret = get(g, ev->tid, &k)))
			return ret;
		k->pid = ev->pid;
	}
	switch (ev->kind) {
	case VLS_EV_SCHED_EXEC:
		/* after de_thread() the exec'ing task has its group's pid as
		 * its tid: it leads its group, whatever it was before (a vfork
		 * child placed with its parent) */
		if (ev->tid <= 0 || (ret = get(g, ev->tid, &k)))
			return ev->tid <= 0 ? 0 : ret;
		if (ev->pid < 0)
			k->pid = ev->tid;
		k->thread_of = k->forked_by = -1;
		return 0;
	case VLS_EV_TASK_NEWTASK:
		return on_newtask(g, ev);
	case VLS_EV_SCHED_FORK:
		return on_fork(g, ev);
	case VLS_EV_MMAP_LOCK_START:
		return on_start_locking(g, ev);
	default:
		return 0;
	}
}

static int32_t listed(const struct vls_groups *g, int32_t tid)
{
	uint32_t tgid;

	return __vls_u64map_get(&g->lists, (uint64_t)(uint32_t)tid, &tgid) ? -1
									   : (int32_t)tgid;
}

int32_t __vls_groups_pid(const struct vls_groups *g, int32_t tid)
{
	const struct group_task *k;
	int32_t at = tid;

	if (!g)
		return -1;
	k = find(g, tid);
	for (int depth = 0; k && depth < CREATOR_DEPTH; depth++) {
		if (k->pid >= 0)
			return k->pid;
		if (k->thread_of < 0 || k->thread_of == k->tid)
			break;
		at = k->thread_of;
		k = find(g, at);
	}
	return listed(g, at) >= 0 ? listed(g, at) : listed(g, tid);
}
