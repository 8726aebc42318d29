/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * faults.h - the fault analysis core: fault episodes, mmap_lock fallbacks,
 * their reasons and retry chains, built from the event stream alone.
 *
 * Pure analysis: no SQL, no I/O. faults-store.c runs it inside an import and
 * writes its results; tests feed it synthetic events. The definitions and
 * the kernel code they rest on are in docs/faults.md.
 */
#ifndef VLS_FAULTS_H
#define VLS_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "faults-reason.h"
#include "util-slab.h"
#include "vls-local.h"

/* Does the traced kernel have per-VMA locks (CONFIG_PER_VMA_LOCK)? */
enum vls_vma_lock_cap {
	VLS_VMA_LOCK_UNKNOWN = 0,
	VLS_VMA_LOCK_YES,
	VLS_VMA_LOCK_NO,
};

/* What the decision rests on. */
enum vls_vma_lock_basis {
	VLS_VMA_BASIS_NONE = 0,
	VLS_VMA_BASIS_CONFIG,   /* a recorded CONFIG_PER_VMA_LOCK */
	VLS_VMA_BASIS_RELEASE,  /* kernel release and arch */
};

/*
 * Decide per-VMA lock support. config: the recorded value of
 * CONFIG_PER_VMA_LOCK ("y", "n", "" or NULL if not recorded) wins;
 * otherwise release ("6.12.117+deb12-arm64") and arch (uname -m) decide
 * (docs/faults.md lists the versions assumed per arch). *basis may be NULL.
 */
enum vls_vma_lock_cap __vls_fault_vma_lock_cap(enum vls_vma_lock_basis *basis,
					       const char *config,
					       const char *release,
					       const char *arch);

/* How a read acquisition's stack places it. */
enum vls_fault_path {
	VLS_FP_OTHER = 0,     /* not a fault: a syscall, a kernel thread */
	VLS_FP_USER,          /* arch fault handler, fault from user mode */
	VLS_FP_KERNEL,        /* arch fault handler, fault from kernel mode */
	VLS_FP_NESTED,        /* inside handle_mm_fault() of a fault */
};

/* Classify a stack (innermost first) by its frame names. */
enum vls_fault_path __vls_fault_classify_stack(const char *const *frames,
					       uint32_t n);

/* Is frame one of an arch fault handler's that takes mmap_lock? */
bool __vls_fault_handler_frame(const char *frame);

/* Does a sleeping task's stack wait on a folio or a swap read? */
bool __vls_fault_io_stack(const char *const *frames, uint32_t n);

/* Retry chains of this many attempts or more are counted together. */
#define VLS_FAULT_CHAIN_MAX 4
/* Distinct file pages remembered per episode for refault detection. */
#define VLS_FAULT_KEYS_MAX 8
/* An episode with no activity for this long (task running) is over. Not
 * shorter: under TCG, arm64 showed 330 ms between a VMA-locked
 * filemap_fault() and its fallback with the task only preempted. */
#define VLS_FAULT_EPISODE_GAP_NS 1000000000ULL
/* Hard limits on state grown from the input. */
#define VLS_FAULT_TASKS_MAX (1u << 20)
#define VLS_FAULT_IOWAITS_MAX (1u << 22) /* I/O waits kept per task */

/* One finished fault episode. */
struct vls_fault_episode {
	int32_t tid;
	int32_t pid;              /* -1 when unknown */
	char comm[VLS_COMM_MAX];
	uint64_t start_ns, end_ns; /* first and last event of the episode */
	uint64_t lock_ns;         /* first fault-path mmap_lock attempt, 0: none */
	uint64_t mm;
	enum vls_fault_reason reason;
	bool stack_only;          /* not opened by exceptions:page_fault_* */
	bool kernel_mode;
	bool behind_writer;       /* a read trylock failed: a writer held or waited */
	bool io_before_lock;      /* I/O evidence before the first mmap_lock attempt */
	uint32_t attempts;        /* retry chain: VMA attempt + mmap_lock attempts */
	uint32_t mmap_attempts;   /* fault-path mmap_lock attempts */
	uint32_t trylock_fails;
	uint32_t nested;          /* nested mmap_lock acquisitions */
	bool nested_failed;       /* a nested trylock failed (VM_FAULT_RETRY) */
	uint32_t filemap_faults;
	uint32_t refaults;        /* a file page read again in the episode */
	uint64_t io_wait_ns;      /* asleep on I/O (D, not waiting for mmap_lock) */
	uint64_t lock_wait_ns;    /* start_locking -> acquired, fault-path attempts */
	uint32_t nkeys;           /* file pages seen, at most VLS_FAULT_KEYS_MAX */
	uint64_t keys[VLS_FAULT_KEYS_MAX][3]; /* dev, ino, index; [0] first;
					       * set below nkeys only */
};

/* Counters of one task (and, summed, of a run). */
struct vls_fault_counts {
	uint64_t faults;          /* page_fault_user/kernel events + stack-opened kernel episodes */
	uint64_t kernel_faults;   /* of faults: kernel-mode (page_fault_kernel, or a
				   * kernel-mode fault-path stack): these never try
				   * the per-VMA lock */
	uint64_t episodes;
	uint64_t fallback;        /* episodes with a fault-path mmap_lock attempt */
	uint64_t by_reason[VLS_FR__COUNT]; /* episodes that took mmap_lock */
	uint64_t behind_writer;
	uint64_t trylock_fails;
	uint64_t refaults;
	uint64_t filemap_faults;
	uint64_t chain[VLS_FAULT_CHAIN_MAX]; /* [k-1]: chains of k attempts, last: >= MAX */
	uint64_t io_wait_count;   /* episodes with I/O wait > 0 */
	uint64_t io_wait_sum, io_wait_max;
};

/* A task as the analysis counts it. */
struct vls_fault_task {
	int32_t tid, pid;         /* pid -1: unknown */
	char comm[VLS_COMM_MAX];
	struct vls_fault_counts c;
	uint64_t *io_waits;       /* one per episode with I/O wait, in order */
	size_t n_io;
	bool retired;             /* exited, given to the task callback */
};

typedef int (*vls_fault_episode_cb)(const struct vls_fault_episode *ep,
				    void *data);
/* A task exited (its last sched_switch, prev_state X or Z) with no episode
 * open, so its counts are final (back false); or its tid came back after
 * that (back true), before anything more is counted for it. */
typedef int (*vls_fault_task_cb)(const struct vls_fault_task *t, bool back,
				 void *data);

/* The analysis of one event stream (faults-machine.c). */
struct vls_faults;

/*
 * A new analysis. cb gets each finished episode, task_cb each task that
 * exits or comes back (either may be NULL), both with data. cap may be
 * changed with __vls_faults_set_cap() until the first event.
 */
int __vls_faults_new(struct vls_faults **out, vls_ctx *ctx,
		     enum vls_vma_lock_cap cap, vls_fault_episode_cb cb,
		     vls_fault_task_cb task_cb, void *data);
void __vls_faults_free(struct vls_faults *f);

void __vls_faults_set_cap(struct vls_faults *f, enum vls_vma_lock_cap cap);
/* The number of the next event's stack (vls_store_txn.stack_num), 0: none:
 * equal numbers are equal stacks, classified once. */
void __vls_faults_set_stack_num(struct vls_faults *f, uint32_t id);
enum vls_vma_lock_cap __vls_faults_cap(const struct vls_faults *f);

/* Consume one event (timestamp order). Errors: VLS_ENOMEM, VLS_ELIMIT, or
 * what a callback returned. */
int __vls_faults_event(struct vls_faults *f, const vls_event *ev);
/* End of input: close every open episode. */
int __vls_faults_finish(struct vls_faults *f);

/* exceptions:page_fault_* events seen: 0 means the fault counts come from
 * stacks alone. */
uint64_t __vls_faults_page_fault_events(const struct vls_faults *f);
/* Read acquisitions that had no stack to classify them by. */
uint64_t __vls_faults_unclassified(const struct vls_faults *f);

size_t __vls_faults_ntasks(const struct vls_faults *f);
/* Task i < __vls_faults_ntasks(f), in order of first appearance. */
const struct vls_fault_task *__vls_faults_task(const struct vls_faults *f,
					       size_t i);
/* The run's counters: the sum over tasks. */
void __vls_faults_total(const struct vls_faults *f, struct vls_fault_counts *out);

#endif /* VLS_FAULTS_H */
