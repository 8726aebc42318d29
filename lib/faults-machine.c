/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * faults-machine.c - the fault analysis state machine: one state per task, fed
 * the event stream, closing fault episodes and counting them.
 *
 * An episode starts at exceptions:page_fault_user/kernel where the arch
 * has them (x86). Elsewhere (arm64, ...) it is opened by what a fault
 * leaves in the trace: a mm_filemap_fault outside mmap_lock (filemap_fault()
 * under the VMA lock), a nested acquisition, or a fault-path mmap_lock
 * acquisition. It ends at the task's next fault, a syscall-visible event
 * (a write lock, a read lock from a syscall stack, an interruptible sleep,
 * exit) or after VLS_FAULT_EPISODE_GAP_NS without activity.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "util-map.h"

/* A task: what the callers see, then the state of its open episode. */
struct fault_task {
	struct vls_fault_task pub;
	size_t cap_io;
	struct vls_fault_episode *ep;  /* the open episode, NULL when none */
	bool ep_tracepoint;
	uint64_t last_ns;
	int acq;                  /* attempt in flight: 0, 1 fault path, 2 nested */
	bool acq_trylock_failed;
	uint64_t acq_ns;
	bool holding;             /* holds a fault-path read lock */
	bool filemap_held;        /* the current/last attempt saw filemap_fault under it */
	bool filemap_after_release;
	bool asleep_io;
	uint64_t sleep_ns;
};

struct vls_faults {
	vls_ctx *ctx;
	enum vls_vma_lock_cap cap;
	vls_fault_episode_cb cb;
	vls_fault_task_cb task_cb;
	void *cb_data;
	struct vls_slab tasks;    /* struct fault_task */
	struct vls_u64map by_tid; /* tid -> index in tasks */
	/* Open episodes: a task holds one only while in a fault. */
	struct vls_slab eps;      /* struct vls_fault_episode */
	struct vls_fault_episode **free_eps;
	size_t nfree_eps, cap_free_eps;
	uint64_t page_fault_events;
	uint64_t unclassified;
	uint32_t stack_num;       /* of the event at hand (vls_store_txn), 0: none */
	struct vls_idvec path_by_stack_num; /* stack_num -> enum vls_fault_path + 1 */
	struct vls_idvec io_by_stack_num;   /* stack_num -> 1 + is an I/O sleep */
};

int __vls_faults_new(struct vls_faults **out, vls_ctx *ctx,
		     enum vls_vma_lock_cap cap, vls_fault_episode_cb cb,
		     vls_fault_task_cb task_cb, void *data)
{
	struct vls_faults *f = __vls_calloc(ctx, 1, sizeof(*f));

	*out = NULL;
	if (!f)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	__vls_slab_init(&f->tasks, sizeof(struct fault_task), VLS_FAULT_TASKS_MAX);
	__vls_slab_init(&f->eps, sizeof(struct vls_fault_episode),
			VLS_FAULT_TASKS_MAX);
	f->ctx = ctx;
	f->cap = cap;
	f->cb = cb;
	f->task_cb = task_cb;
	f->cb_data = data;
	*out = f;
	return 0;
}

static struct fault_task *task_at(const struct vls_faults *f, size_t i)
{
	return __vls_slab_at(&f->tasks, i);
}

void __vls_faults_free(struct vls_faults *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->tasks.n; i++)
		__vls_free(f->ctx, task_at(f, i)->pub.io_waits);
	__vls_slab_release(f->ctx, &f->tasks);
	__vls_slab_release(f->ctx, &f->eps);
	__vls_free(f->ctx, f->free_eps);
	__vls_u64map_release(f->ctx, &f->by_tid);
	__vls_idvec_release(f->ctx, &f->path_by_stack_num);
	__vls_idvec_release(f->ctx, &f->io_by_stack_num);
	__vls_free(f->ctx, f);
}

void __vls_faults_set_stack_num(struct vls_faults *f, uint32_t id)
{
	f->stack_num = id;
}

void __vls_faults_set_cap(struct vls_faults *f, enum vls_vma_lock_cap cap)
{
	f->cap = cap;
}

enum vls_vma_lock_cap __vls_faults_cap(const struct vls_faults *f)
{
	return f->cap;
}

uint64_t __vls_faults_page_fault_events(const struct vls_faults *f)
{
	return f->page_fault_events;
}

uint64_t __vls_faults_unclassified(const struct vls_faults *f)
{
	return f->unclassified;
}

size_t __vls_faults_ntasks(const struct vls_faults *f)
{
	return f->tasks.n;
}

const struct vls_fault_task *__vls_faults_task(const struct vls_faults *f,
					       size_t i)
{
	return &task_at(f, i)->pub;
}

/* ------------------------------------------------------------------ */
/* Tasks: a slab, indexed by tid                                       */
/* ------------------------------------------------------------------ */

static struct fault_task *task_find(struct vls_faults *f, int32_t tid)
{
	uint32_t i;

	if (__vls_u64map_get(&f->by_tid, (uint64_t)(uint32_t)tid, &i))
		return NULL;
	return task_at(f, i);
}

/*
 * The end of t's sleep on I/O, at ts. Normally its switch back in; a trace
 * that does not show that (perf record of a command records its tasks'
 * own events only, and the switch in is the previous task's) has the task
 * running again by its next own event, which ends the sleep at the latest.
 */
static void io_sleep_end(struct fault_task *t, uint64_t ts)
{
	t->asleep_io = false;
	if (t->ep && ts > t->sleep_ns) {
		t->ep->io_wait_ns += ts - t->sleep_ns;
		t->ep->end_ns = ts;
	}
}

/* The task of the event (created if new), running: a sleep ends. */
static int task_get(struct fault_task **out, struct vls_faults *f,
		    const vls_event *ev)
{
	struct fault_task *t = task_find(f, ev->tid);
	int ret;

	if (!t) {
		if (f->tasks.n == VLS_FAULT_TASKS_MAX)
			return __vls_error(f->ctx, VLS_ELIMIT,
					   "fault analysis: more than %u tasks",
					   VLS_FAULT_TASKS_MAX);
		ret = __vls_u64map_put(f->ctx, &f->by_tid, (uint64_t)(uint32_t)ev->tid,
				       (uint32_t)f->tasks.n);
		if (ret)
			return ret;
		ret = __vls_slab_push(f->ctx, &f->tasks, (void **)&t);
		if (ret) {
			__vls_u64map_del(&f->by_tid, (uint64_t)(uint32_t)ev->tid);
			return ret;
		}
		t->pub.tid = ev->tid;
		t->pub.pid = -1;
	}
	if (t->pub.retired) {         /* the kernel reused its tid */
		t->pub.retired = false;
		if (f->task_cb && (ret = f->task_cb(&t->pub, true, f->cb_data)))
			return ret;
	}
	if (ev->pid >= 0)
		t->pub.pid = ev->pid;
	if (ev->comm[0])
		memcpy(t->pub.comm, ev->comm, sizeof(t->pub.comm));
	if (t->asleep_io)
		io_sleep_end(t, ev->ts_ns);
	*out = t;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Episodes                                                            */
/* ------------------------------------------------------------------ */

static const struct vls_fault_episode ep_zero;

/* Open an episode on t, which has none open. */
static int ep_open(struct vls_faults *f, struct fault_task *t,
		   uint64_t ts, bool tracepoint, bool kernel)
{
	struct vls_fault_episode *ep;
	int ret;

	if (f->nfree_eps) {
		ep = f->free_eps[--f->nfree_eps];
		/* keys[] (192 of its 328 bytes) is read below nkeys only. A
		 * copy of zeros, not memset(): gcc makes that one `rep stos`,
		 * whose start-up was half of this function's time (a fault
		 * each; docs/benchmark.md, tenth session) */
		memcpy(ep, &ep_zero, offsetof(struct vls_fault_episode, keys));
	} else {
		ret = __vls_slab_push(f->ctx, &f->eps, (void **)&ep);
		if (ret)
			return ret;
	}
	ep->tid = t->pub.tid;
	ep->pid = t->pub.pid;
	memcpy(ep->comm, t->pub.comm, sizeof(ep->comm));
	ep->start_ns = ep->end_ns = ts;
	ep->stack_only = !tracepoint;
	ep->kernel_mode = kernel;
	t->ep = ep;
	t->ep_tracepoint = tracepoint;
	t->filemap_held = false;
	t->asleep_io = false;
	t->acq = 0;
	t->acq_trylock_failed = false;
	/* A kernel-mode fault always reaches the fault handler's mmap_lock,
	 * so a stack-opened one is a fault the tracepoint would have shown. */
	if (tracepoint || kernel)
		t->pub.c.faults++;
	if (kernel)
		t->pub.c.kernel_faults++;
	return 0;
}

static enum vls_fault_reason ep_reason(const struct vls_faults *f,
				       const struct vls_fault_episode *ep)
{
	if (ep->mmap_attempts) {
		if (ep->kernel_mode)
			return VLS_FR_KERNEL_MODE;
		if (f->cap == VLS_VMA_LOCK_NO)
			return VLS_FR_NO_VMA_LOCK;
		return ep->io_before_lock ? VLS_FR_IO_RETRY : VLS_FR_NO_IO;
	}
	return ep->nested ? VLS_FR_NESTED : VLS_FR_NONE;
}

static int io_wait_push(struct vls_faults *f, struct fault_task *t,
			uint64_t ns)
{
	int ret;

	if (t->pub.n_io == VLS_FAULT_IOWAITS_MAX)
		return __vls_error(f->ctx, VLS_ELIMIT,
				   "fault analysis: task %d has more than %u "
				   "faults that waited for I/O", t->pub.tid,
				   VLS_FAULT_IOWAITS_MAX);
	ret = __vls_grow(f->ctx, (void **)&t->pub.io_waits, &t->cap_io, t->pub.n_io + 1,
			 sizeof(*t->pub.io_waits), VLS_FAULT_IOWAITS_MAX);
	if (ret)
		return ret;
	t->pub.io_waits[t->pub.n_io++] = ns;
	return 0;
}

static void count_episode(struct vls_fault_counts *c,
			  const struct vls_fault_episode *ep)
{
	uint32_t k = ep->attempts < VLS_FAULT_CHAIN_MAX ? ep->attempts
							: VLS_FAULT_CHAIN_MAX;

	c->episodes++;
	if (ep->reason != VLS_FR_NONE)
		c->by_reason[ep->reason]++;
	if (ep->reason != VLS_FR_NONE && ep->reason != VLS_FR_NESTED) {
		c->fallback++;
		if (ep->behind_writer)
			c->behind_writer++;
	}
	c->trylock_fails += ep->trylock_fails;
	c->refaults += ep->refaults;
	c->filemap_faults += ep->filemap_faults;
	c->chain[k - 1]++;
	if (ep->io_wait_ns) {
		c->io_wait_count++;
		c->io_wait_sum += ep->io_wait_ns;
		if (ep->io_wait_ns > c->io_wait_max)
			c->io_wait_max = ep->io_wait_ns;
	}
}

/* Close the open episode (if any): decide its reason, count it, hand it
 * to the callback. */
static int ep_close(struct vls_faults *f, struct fault_task *t)
{
	struct vls_fault_episode *ep = t->ep;
	int ret;

	if (!ep)
		return 0;
	/* Room to give ep back is made first: then nothing below leaks it.
	 * There are never more free episodes than episodes. */
	ret = __vls_grow(f->ctx, (void **)&f->free_eps, &f->cap_free_eps,
			 f->eps.n, sizeof(*f->free_eps), SIZE_MAX);
	if (ret)
		return ret;
	f->free_eps[f->nfree_eps++] = ep;
	t->ep = NULL;
	t->asleep_io = false;
	t->acq_trylock_failed = false;
	ep->reason = ep_reason(f, ep);
	/* The VMA-locked attempt comes first wherever the kernel has one;
	 * kernel-mode faults go straight to lock_mm_and_find_vma(). */
	ep->attempts = ep->mmap_attempts;
	if (!ep->kernel_mode && f->cap != VLS_VMA_LOCK_NO)
		ep->attempts++;
	if (!ep->attempts)
		ep->attempts = 1;
	count_episode(&t->pub.c, ep);
	if (ep->io_wait_ns) {
		ret = io_wait_push(f, t, ep->io_wait_ns);
		if (ret)
			return ret;
	}
	return f->cb ? f->cb(ep, f->cb_data) : 0;
}

/* An episode idle for too long (the task neither waiting for mmap_lock,
 * holding it, nor asleep on I/O) is over. */
static int expire(struct vls_faults *f, struct fault_task *t, uint64_t ts)
{
	if (!t->ep || t->acq || t->holding || t->asleep_io)
		return 0;
	if (ts > t->ep->end_ns && ts - t->ep->end_ns > VLS_FAULT_EPISODE_GAP_NS)
		return ep_close(f, t);
	return 0;
}

/* Remember a file page; the same page read twice is a refault. */
static void ep_add_page(struct vls_fault_episode *ep, const vls_event *ev)
{
	const uint64_t key[3] = { ev->u.filemap.dev, ev->u.filemap.ino,
				  ev->u.filemap.index };

	ep->filemap_faults++;
	for (uint32_t i = 0; i < ep->nkeys; i++) {
		if (!memcmp(ep->keys[i], key, sizeof(key))) {
			ep->refaults++;
			return;
		}
	}
	if (ep->nkeys < VLS_FAULT_KEYS_MAX)
		memcpy(ep->keys[ep->nkeys++], key, sizeof(key));
}

static bool ep_has_page(const struct vls_fault_episode *ep,
			const vls_event *ev)
{
	for (uint32_t i = 0; i < ep->nkeys; i++)
		if (ep->keys[i][0] == ev->u.filemap.dev &&
		    ep->keys[i][1] == ev->u.filemap.ino &&
		    ep->keys[i][2] == ev->u.filemap.index)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Event handlers                                                      */
/* ------------------------------------------------------------------ */

static int on_fault(struct vls_faults *f, const vls_event *ev)
{
	struct fault_task *t;
	int ret = task_get(&t, f, ev);

	if (ret)
		return ret;
	f->page_fault_events++;
	/* a new fault: the task came back from user space holding nothing */
	t->holding = false;
	ret = ep_close(f, t);
	if (ret)
		return ret;
	return ep_open(f, t, ev->ts_ns, true,
		       ev->kind == VLS_EV_PAGE_FAULT_KERNEL);
}

/*
 * Without the fault tracepoint, does a filemap_fault() outside mmap_lock
 * continue the open episode? Only before any mmap_lock attempt, and only
 * as the same fault: its first file page, or the same page again (a retry
 * that kept the VMA lock). A different page is the next fault.
 */
static bool filemap_continues(const struct fault_task *t,
			      const vls_event *ev)
{
	const struct vls_fault_episode *ep = t->ep;

	if (!t->ep || ep->kernel_mode || ep->mmap_attempts || ep->nested)
		return false;
	return !ep->nkeys || ep_has_page(ep, ev);
}

static int on_filemap(struct vls_faults *f, const vls_event *ev)
{
	struct fault_task *t;
	int ret = task_get(&t, f, ev);

	if (!ret)
		ret = expire(f, t, ev->ts_ns);
	if (ret)
		return ret;
	if (t->holding) {
		/* filemap_fault() under mmap_lock: the fallback attempt */
		if (!t->ep)
			return 0;
		t->filemap_held = true;
	} else if (!(t->ep && t->ep_tracepoint) &&
		   !filemap_continues(t, ev)) {
		ret = ep_close(f, t);
		if (!ret)
			ret = ep_open(f, t, ev->ts_ns, false, false);
		if (ret)
			return ret;
	}
	if (!t->ep->mmap_attempts)
		t->ep->io_before_lock = true;
	ep_add_page(t->ep, ev);
	t->ep->end_ns = ev->ts_ns;
	return 0;
}

/*
 * Does a fault-path mmap_lock attempt belong to the open episode? With the
 * tracepoint, every attempt of the same mode until the next fault does.
 * Without it: the first attempt after what the VMA-locked attempt left
 * (a filemap_fault, a failed nested trylock), or a retry after the last
 * attempt ran filemap_fault() and released the lock (fpin) for I/O.
 */
static bool attempt_continues(const struct fault_task *t, bool kernel)
{
	const struct vls_fault_episode *ep = t->ep;

	if (!t->ep || ep->kernel_mode != kernel)
		return false;
	if (t->ep_tracepoint)
		return true;
	if (!ep->mmap_attempts)
		return ep->filemap_faults || ep->nested_failed;
	return t->filemap_held && !t->holding;
}

static int on_fault_path(struct vls_faults *f, struct fault_task *t,
			 const vls_event *ev, bool kernel)
{
	struct vls_fault_episode *ep;
	int ret;

	if (t->acq == 1 && t->acq_trylock_failed) {
		/* get_mmap_lock_carefully(): the blocking attempt after a
		 * failed mmap_read_trylock() - the same attempt */
		t->acq_trylock_failed = false;
		t->ep->end_ns = ev->ts_ns;
		return 0;
	}
	if (!attempt_continues(t, kernel)) {
		ret = ep_close(f, t);
		if (!ret)
			ret = ep_open(f, t, ev->ts_ns, false, kernel);
		if (ret)
			return ret;
	}
	ep = t->ep;
	if (!ep->mmap_attempts) {
		ep->lock_ns = ev->ts_ns;
		if (ep->io_wait_ns)
			ep->io_before_lock = true;
	}
	ep->mmap_attempts++;
	ep->mm = ev->u.mmap_lock.mm;
	ep->end_ns = ev->ts_ns;
	t->acq = 1;
	t->acq_ns = ev->ts_ns;
	t->filemap_held = false;
	return 0;
}

static int on_nested(struct vls_faults *f, struct fault_task *t,
		     const vls_event *ev)
{
	int ret;

	/* Without the tracepoint a nested acquisition is its own fault: an
	 * anon fault (__vmf_anon_prepare()) never reached filemap_fault(). */
	if (!(t->ep && t->ep_tracepoint)) {
		ret = ep_close(f, t);
		if (!ret)
			ret = ep_open(f, t, ev->ts_ns, false, false);
		if (ret)
			return ret;
	}
	t->ep->nested++;
	t->ep->end_ns = ev->ts_ns;
	t->acq = 2;
	t->acq_ns = ev->ts_ns;
	return 0;
}

/* Which path ev's stack took, once per distinct stack when the import
 * numbered it. */
static int classify(struct vls_faults *f, const vls_event *ev, enum vls_fault_path *out)
{
	uint32_t known = __vls_idvec_get(&f->path_by_stack_num, f->stack_num);

	if (known) {
		*out = (enum vls_fault_path)(known - 1);
		return 0;
	}
	*out = __vls_fault_classify_stack(ev->stack, ev->stack_depth);
	return __vls_idvec_set(f->ctx, &f->path_by_stack_num, f->stack_num, (uint32_t)*out + 1);
}

/* Whether a D-state switch is an I/O sleep: no stack to say otherwise, or
 * a stack __vls_fault_io_stack() accepts (once per distinct stack when the
 * import numbered it). */
static int io_sleep(struct vls_faults *f, const vls_event *ev, bool *out)
{
	uint32_t known;

	if (!ev->stack_depth) {
		*out = true;
		return 0;
	}
	if ((known = __vls_idvec_get(&f->io_by_stack_num, f->stack_num))) {
		*out = known == 2;
		return 0;
	}
	*out = __vls_fault_io_stack(ev->stack, ev->stack_depth);
	return __vls_idvec_set(f->ctx, &f->io_by_stack_num, f->stack_num, *out ? 2 : 1);
}

static int on_start(struct vls_faults *f, const vls_event *ev)
{
	struct fault_task *t;
	enum vls_fault_path path;
	int ret = task_get(&t, f, ev);

	if (!ret)
		ret = expire(f, t, ev->ts_ns);
	if (ret)
		return ret;
	if (ev->u.mmap_lock.write) {
		/* no fault path takes mmap_lock for write: a syscall */
		t->acq = 0;
		return ep_close(f, t);
	}
	if (!ev->stack_depth) {
		if (t->acq == 1 && t->acq_trylock_failed)
			return on_fault_path(f, t, ev, t->ep->kernel_mode);
		f->unclassified++;
		return 0;
	}
	if ((ret = classify(f, ev, &path)))
		return ret;
	switch (path) {
	case VLS_FP_USER:
	case VLS_FP_KERNEL:
		return on_fault_path(f, t, ev, path == VLS_FP_KERNEL);
	case VLS_FP_NESTED:
		return on_nested(f, t, ev);
	default:
		t->acq = 0;
		return ep_close(f, t);
	}
}

static int on_acquired(struct vls_faults *f, const vls_event *ev)
{
	struct fault_task *t;
	bool ok = ev->u.mmap_lock.success;
	int ret = task_get(&t, f, ev);

	if (ret || ev->u.mmap_lock.write || !t->acq)
		return ret;
	if (!t->ep) {
		t->acq = 0;
		return 0;
	}
	if (t->acq == 2) {
		/* __vmf_anon_prepare(): a failed trylock returns VM_FAULT_RETRY,
		 * and it fails only while a writer holds or waits for the lock:
		 * the fallback that follows is behind that writer even when
		 * the writer is gone by the time lock_mm_and_find_vma() runs. */
		if (!ok) {
			t->ep->nested_failed = true;
			t->ep->trylock_fails++;
			t->ep->behind_writer = true;
		}
		t->acq = 0;
		return 0;
	}
	t->ep->end_ns = ev->ts_ns;
	if (!ok) {
		/* down_read_trylock() fails while a writer holds or waits */
		t->ep->trylock_fails++;
		t->ep->behind_writer = true;
		t->acq_trylock_failed = true;
		return 0;
	}
	t->ep->lock_wait_ns += ev->ts_ns - t->acq_ns;
	t->acq = 0;
	t->acq_trylock_failed = false;
	t->holding = true;
	return 0;
}

static int on_released(struct vls_faults *f, const vls_event *ev)
{
	struct fault_task *t = task_find(f, ev->tid);

	if (t && t->asleep_io)
		io_sleep_end(t, ev->ts_ns);
	if (t && !ev->u.mmap_lock.write && t->holding) {
		t->holding = false;
		if (t->ep)
			t->ep->end_ns = ev->ts_ns;
	}
	return 0;
}

/*
 * sched_switch: an uninterruptible sleep of a task in an episode, while not
 * waiting for mmap_lock, is I/O (filemap_fault() waiting on the folio lock,
 * a swap read) until the task runs again. An interruptible sleep means the
 * fault is over: the task is back in a syscall.
 */
static int on_switch(struct vls_faults *f, const vls_event *ev)
{
	const uint64_t state = ev->u.sched_switch.prev_state;
	struct fault_task *p = task_find(f, ev->u.sched_switch.prev_pid);
	struct fault_task *n;
	int ret;

	/* its last switch: with no episode open (closing one here rather than
	 * at the end would renumber fault_episode rows), nothing more can
	 * change its counts */
	if (p && (state & (VLS_TASK_EXIT_DEAD | VLS_TASK_EXIT_ZOMBIE)) && !p->ep &&
	    !p->pub.retired && f->task_cb) {
		p->pub.retired = true;
		if ((ret = f->task_cb(&p->pub, false, f->cb_data)))
			return ret;
	}

	if (p && p->asleep_io)    /* switched out again: it ran */
		io_sleep_end(p, ev->ts_ns);
	/* a fault-path read attempt asleep in the rwsem: see on_contention() */
	if (p && p->ep && p->acq == 1 && (state & VLS_TASK_UNINTERRUPTIBLE))
		p->ep->behind_writer = true;
	if (p && p->ep) {
		bool d_state = (state & VLS_TASK_UNINTERRUPTIBLE) && !p->acq, io = false;

		if (d_state && (ret = io_sleep(f, ev, &io)))
			return ret;
		if (d_state && io) {
			p->asleep_io = true;
			p->sleep_ns = ev->ts_ns;
		} else if ((state & VLS_TASK_INTERRUPTIBLE) &&
			   !(state & VLS_TASK_UNINTERRUPTIBLE) && !p->acq &&
			   !p->holding) {
			ret = ep_close(f, p);
			if (ret)
				return ret;
		}
	}
	n = task_find(f, ev->u.sched_switch.next_pid);
	if (n && n->asleep_io)
		io_sleep_end(n, ev->ts_ns);
	return 0;
}

/*
 * A fault-path read attempt that queues in the rwsem's slow path waits
 * behind a writer: rwsem_down_read_slowpath() takes the lock at once (no
 * contention_begin, no sleep) unless a writer holds it or waits (queued
 * readers are there only behind one). That is the trylock's verdict where
 * the fault path has none: s390x's do_exception() takes mmap_read_lock()
 * directly (6.12); on_switch() reads the same from an uninterruptible
 * sleep when the trace has no lock:contention_begin.
 */
static int on_contention(struct vls_faults *f, const vls_event *ev)
{
	uint32_t fl = ev->u.contention.flags;
	struct fault_task *t = task_find(f, ev->tid);

	if (t && t->ep && t->acq == 1 && __vls_lcb_rwsem(fl) && (fl & VLS_LCB_READ))
		t->ep->behind_writer = true;
	return 0;
}

static int on_task_exit(struct vls_faults *f, const vls_event *ev)
{
	struct fault_task *t = task_find(f, ev->u.exit.pid);

	return t ? ep_close(f, t) : 0;
}

int __vls_faults_event(struct vls_faults *f, const vls_event *ev)
{
	switch (ev->kind) {
	case VLS_EV_PAGE_FAULT_USER:
	case VLS_EV_PAGE_FAULT_KERNEL:
		return on_fault(f, ev);
	case VLS_EV_FILEMAP_FAULT:
		return on_filemap(f, ev);
	case VLS_EV_MMAP_LOCK_START:
		return on_start(f, ev);
	case VLS_EV_MMAP_LOCK_ACQUIRED:
		return on_acquired(f, ev);
	case VLS_EV_MMAP_LOCK_RELEASED:
		return on_released(f, ev);
	case VLS_EV_SCHED_SWITCH:
		return on_switch(f, ev);
	case VLS_EV_SCHED_EXIT:
		return on_task_exit(f, ev);
	case VLS_EV_LOCK_CONTENTION_BEGIN:
		return on_contention(f, ev);
	default:
		return 0;
	}
}

int __vls_faults_finish(struct vls_faults *f)
{
	for (size_t i = 0; i < f->tasks.n; i++) {
		int ret = ep_close(f, task_at(f, i));

		if (ret)
			return ret;
	}
	return 0;
}

void __vls_faults_total(const struct vls_faults *f, struct vls_fault_counts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < f->tasks.n; i++) {
		const struct vls_fault_counts *c = &task_at(f, i)->pub.c;

		out->faults += c->faults;
		out->kernel_faults += c->kernel_faults;
		out->episodes += c->episodes;
		out->fallback += c->fallback;
		for (int r = 0; r < VLS_FR__COUNT; r++)
			out->by_reason[r] += c->by_reason[r];
		out->behind_writer += c->behind_writer;
		out->trylock_fails += c->trylock_fails;
		out->refaults += c->refaults;
		out->filemap_faults += c->filemap_faults;
		for (int k = 0; k < VLS_FAULT_CHAIN_MAX; k++)
			out->chain[k] += c->chain[k];
		out->io_wait_count += c->io_wait_count;
		out->io_wait_sum += c->io_wait_sum;
		if (c->io_wait_max > out->io_wait_max)
			out->io_wait_max = c->io_wait_max;
	}
}
