/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * locks-machine.h - the lock analyzer's state, shared by locks-machine.c
 * (the state machine) and locks-chain.c (wait-for chains) only.
 */
#ifndef VLS_LOCKS_MACHINE_H
#define VLS_LOCKS_MACHINE_H

#include "locks.h"
#include "util-map.h"
#include "util-slab.h"

#define VLS_TASK_HELD_MAX 8       /* mmap_locks one task holds at once */

struct vls_lock_sleep {
	uint64_t start, end;
	enum vls_sleep_reason reason;
	const char *wchan;
};

/* One acquisition: its wait [t_start, t_acq] and hold [t_acq, t_rel]. */
struct vls_lock_rec {
	uint64_t mm;
	uint64_t t_start, t_acq, t_rel;
	uint64_t t_woken;         /* last wakeup while waiting, 0 none */
	uint32_t task;            /* index in lk->tasks */
	uint32_t mmi;             /* index in lk->mms */
	uint32_t proci;           /* index in lk->procs */
	uint32_t gen;             /* bumped when the slot is reused */
	uint32_t stack;           /* interned stack + 1, 0 none */
	uint32_t nested;          /* a wait this holder began: rec + 1 */
	uint32_t nested_gen;
	int32_t tid, prio;
	int32_t waker;            /* last task that woke it while waiting */
	bool waker_waking;        /* waker came from sched_waking */
	bool in_use, write, acquired, failed, released, downgrade_read;
	bool blocked_at_start, slept_waiting;
	bool kernel_contended;    /* lock:contention_begin (rwsem) while waiting */
	enum vls_lock_site site;
	uint32_t nsleeps;
	struct vls_lock_sleep sleeps[VLS_LOCK_SLEEPS];
	uint64_t asleep_ns;
	int64_t chain;
};

struct vls_lock_task {
	struct vls_lock_agg agg;  /* thread scope: tid, pid, comm, and its own
				   * mm (record_own_mm()) */
	bool mm_own;              /* agg.mm is from an own-mm site */
	bool mm_counted;          /* counted in own_mmi's live claimers */
	uint32_t own_mmi;         /* its own mm, index in lk->mms */
	int32_t prio;
	uint32_t pending;         /* rec + 1 of its wait, 0 none */
	uint32_t pend_pos;        /* its index + 1 in vls_locks.pend, 0 none */
	uint32_t held[VLS_TASK_HELD_MAX];  /* rec ids */
	uint32_t nheld;
	bool asleep;
	bool retired;             /* exited: agg went to the sink, dists freed */
	bool rows_out;            /* ... and it had figures to give */
	uint32_t nrecs;           /* in-use records naming it: the slot is
				   * freed once it is retired and this is 0 */
	uint64_t sleep_start;
	enum vls_sleep_reason sleep_reason;
	const char *sleep_wchan;
};

/* One mm_struct's lock: who holds it and waits for it. */
struct vls_lock_mm {
	uint64_t mm;
	uint32_t *win;            /* rec ids in start order */
	size_t nwin, capwin, prune_at;
	uint32_t nreaders, nwriters, nwwait;
	/* incarnations (own_mm_claim()): tasks alive that claim it as their
	 * own, whether any ever did, the current incarnation, and its
	 * process (index + 1 in lk->procs, 0 none) for tasks without a pid */
	uint32_t live, gen, proc1;
	bool claimed;
};

/* Process scope: the acquisitions of one process's threads (of whichever
 * mm), the process known by its pid; a task whose pid is unknown counts
 * under the mm it locked instead (that mm's incarnation of the time).
 * Each acquisition is in exactly one. */
struct vls_lock_proc {
	struct vls_lock_agg agg;
	bool pid_is_leader;       /* agg.comm comes from the main thread */
};

struct vls_lock_stack {
	const char **frames;      /* interned strings */
	uint32_t n;
	enum vls_lock_site site;
	enum vls_sleep_reason reason;
	const char *wchan;
	uint64_t acquisitions;
};

struct vls_locks {
	vls_ctx *ctx;
	uint64_t threshold;
	/* the trace has lock:contention_begin: "contended" is the kernel's
	 * own signal, not inferred from the holders (docs/locks.md) */
	bool contention_events;
	struct vls_locks_sink sink;
	uint64_t now;

	struct vls_lock_agg run;
	struct vls_lock_agg sites[VLS_SITE__COUNT];

	struct vls_slab tasks;    /* struct vls_lock_task */
	struct vls_u64map task_map;
	uint32_t *free_tasks;     /* slots of retired tasks, for new ones */
	size_t nfree_tasks, capfree_tasks;
	struct vls_u64map retired; /* tids whose freed slot had rows out */

	struct vls_slab mms;      /* struct vls_lock_mm */
	struct vls_u64map mm_map;
	struct vls_slab procs;    /* struct vls_lock_proc */
	struct vls_u64map proc_pid;  /* pid -> index in procs; by mm: proc1 */
	const struct vls_groups *groups;      /* each task's pid (tasks.h) */

	struct vls_lock_rec *recs;
	size_t nrecs, caprecs;
	uint32_t *free_recs;
	size_t nfree, capfree;
	uint32_t *pend;           /* tasks with a pending wait, any order */
	size_t npend, cappend;

	struct vls_lock_stack *stacks;
	size_t nstacks, capstacks;
	struct vls_u64map stack_map;
	uint32_t stack_num;       /* of the event at hand (vls_store_txn), 0: none */
	struct vls_idvec by_stack_num; /* stack_num -> interned stack + 1 */

	char **strs;
	size_t nstrs, capstrs, str_bytes;
	struct vls_u64map str_map;

	struct vls_chain chain;   /* scratch for the chain being built */
	struct vls_locks_counts counts;
};

static inline struct vls_lock_task *__vls_lk_task(const struct vls_locks *lk,
						  size_t i)
{
	return __vls_slab_at(&lk->tasks, i);
}

static inline struct vls_lock_mm *__vls_lk_mm(const struct vls_locks *lk,
					      size_t i)
{
	return __vls_slab_at(&lk->mms, i);
}

static inline struct vls_lock_proc *__vls_lk_proc(const struct vls_locks *lk,
						  size_t i)
{
	return __vls_slab_at(&lk->procs, i);
}

/* locks-chain.c: build the chain of rec's wait up to now into lk->chain. */
void __vls_chain_build(struct vls_locks *lk, uint32_t rec, uint64_t now);

/* End of a record's wait and hold intervals (now when still open). */
static inline uint64_t __vls_rec_acq_end(const struct vls_lock_rec *r,
					 uint64_t now)
{
	return r->acquired || r->failed ? r->t_acq : now;
}

/*
 * Start of the hold as other tasks feel it. rwsem_mark_wake() grants the
 * lock to the waiting readers it wakes (it adds their reader bias to the
 * count before waking them): a woken reader owns mmap_lock from its
 * wakeup, although acquire_returned comes only when it runs, which for a
 * nice 19 task on a busy CPU can be milliseconds later. A writer woken
 * must still take the lock itself: its hold starts at acquire_returned.
 */
static inline uint64_t __vls_rec_hold_start(const struct vls_lock_rec *r)
{
	if (!r->write && !r->downgrade_read && r->t_woken &&
	    r->t_woken >= r->t_start && r->t_woken < r->t_acq)
		return r->t_woken;
	return r->t_acq;
}

static inline uint64_t __vls_rec_hold_end(const struct vls_lock_rec *r,
					  uint64_t now)
{
	return r->released ? r->t_rel : now;
}

#endif /* VLS_LOCKS_MACHINE_H */
