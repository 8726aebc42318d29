/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * locks.h - the mmap_lock analysis core, private to the library.
 *
 * Pure state machine over the event stream: no SQL here (locks-store.c
 * writes the tables). Per task and mm it pairs mmap_lock_start_locking ->
 * mmap_lock_acquire_returned -> mmap_lock_released, classifies the call
 * site from the kernel stack, measures waits, holds and the D-state sleep
 * while holding, aggregates per run / mm / thread / call site, and builds
 * wait-for chains for every wait at or above a threshold (docs/locks.md).
 *
 * Files: locks-machine.c (state machine, aggregates; its state in
 * locks-machine.h), locks-site.c (stack classification), locks-chain.c
 * (chains), locks-chain-line.c (a chain in one line), locks-store.c (the
 * analyzer: the tables). Distributions are util-dist.h's.
 */
#ifndef VLS_LOCKS_H
#define VLS_LOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "util-dist.h"
#include "vls-local.h"

/* ------------------------------------------------------------------ */
/* Call sites and sleep reasons (locks-site.c)                         */
/* ------------------------------------------------------------------ */

enum vls_lock_site {
	VLS_SITE_OTHER = 0,
	VLS_SITE_FAULT,        /* lock_mm_and_find_vma: the per-VMA fallback */
	VLS_SITE_NESTED_FAULT, /* __vmf_anon_prepare & co under a VMA lock */
	VLS_SITE_MMAP,
	VLS_SITE_MUNMAP,
	VLS_SITE_MPROTECT,
	VLS_SITE_MADVISE,
	VLS_SITE_MREMAP,
	VLS_SITE_BRK,
	VLS_SITE_FORK,
	VLS_SITE_EXEC,
	VLS_SITE_EXIT,
	VLS_SITE_PROCFS,
	VLS_SITE_GUP,
	VLS_SITE_KHUGEPAGED,
	VLS_SITE_MGLRU,
	VLS_SITE_UNKNOWN,      /* no stack recorded */
	VLS_SITE__COUNT
};

enum vls_sleep_reason {
	VLS_SLEEP_NONE = 0,    /* never slept in D */
	VLS_SLEEP_FOLIO_IO,    /* folio_wait_bit_common(), folio lock / I/O */
	VLS_SLEEP_RECLAIM,     /* direct reclaim, throttling */
	VLS_SLEEP_RWSEM,       /* rwsem_down_{read,write}_slowpath() */
	VLS_SLEEP_VMA_DRAIN,   /* vma_start_write() waiting for VMA readers */
	VLS_SLEEP_MUTEX,
	VLS_SLEEP_BLOCK_IO,    /* waiting for a request or bio */
	VLS_SLEEP_OTHER,       /* a stack that matches none of the above */
	VLS_SLEEP_UNKNOWN,     /* D state, but no stack on the sched_switch */
	VLS_SLEEP__COUNT
};

/* Stable names: "fault fallback", "mprotect", ... / "folio I/O", ... */
const char *__vls_lock_site_name(enum vls_lock_site site);
/* Short names used in the DB: "fault", "mprotect", ... / "folio_io", ... */
const char *__vls_lock_site_key(enum vls_lock_site site);
const char *__vls_sleep_reason_name(enum vls_sleep_reason r);
const char *__vls_sleep_reason_key(enum vls_sleep_reason r);
int __vls_lock_site_from_key(enum vls_lock_site *out, const char *key);
/* A site that takes the current task's own mmap_lock, never another
 * process's: a fault (always in current->mm), the memory syscalls, exec
 * (the new mm, which is its own from then on). Not procfs and GUP (other
 * processes' mm), fork (the child's too), exit (the last mmput() can run
 * in any task), khugepaged, MGLRU, other, unknown. */
bool __vls_lock_site_own_mm(enum vls_lock_site site);
int __vls_sleep_reason_from_key(enum vls_sleep_reason *out, const char *key);

/* Frames innermost first; "+0x.." offsets and " [mod]" suffixes ignored.
 * The tracing frames (trace_event_raw_event_*, __mmap_lock_do_trace_*)
 * are skipped. */
enum vls_lock_site __vls_lock_site_classify(const char *const *frames,
					    uint32_t n);
/* Reason of a D sleep from the sched_switch stack; *wchan gets the first
 * frame below the scheduler (borrowed from frames), NULL if none. */
enum vls_sleep_reason __vls_sleep_classify(const char *const *frames,
					   uint32_t n, const char **wchan);

/* ------------------------------------------------------------------ */
/* Aggregates                                                          */
/* ------------------------------------------------------------------ */

struct vls_lock_stats {
	uint64_t acquisitions;   /* successful acquisitions */
	uint64_t contended;      /* blocked at start or slept while waiting */
	uint64_t trylock_fails;  /* acquire_returned success=false */
	uint64_t downgrades;     /* write -> read (read stats only) */
	uint64_t asleep_ns;      /* D-state time while holding */
	uint64_t open_holds;     /* still held at the end of the trace */
	struct vls_dist wait;    /* start -> successful acquire */
	struct vls_dist hold;    /* acquire (or downgrade) -> release */
};

enum vls_lock_scope {
	VLS_SCOPE_RUN = 0,
	VLS_SCOPE_PROCESS,       /* one process (by pid), else one mm */
	VLS_SCOPE_THREAD,
	VLS_SCOPE_CALLSITE,
	VLS_SCOPE__COUNT
};

/* Most frequent kernel stack of a call site: top frames, tracing skipped. */
#define VLS_LOCK_TOP_FRAMES 12

struct vls_lock_agg {
	enum vls_lock_scope scope;
	uint64_t mm;             /* process scope; thread: its own mm */
	/* process scope by mm, and a thread's own mm: the mm_struct's
	 * incarnation, 0, 1, ...: the kernel reuses the address of a freed
	 * one for the next process (locks-machine.c: own_mm_claim()) */
	uint32_t mm_gen;
	int32_t tid, pid;        /* thread scope; pid -1 when unknown */
	char comm[VLS_COMM_MAX];
	enum vls_lock_site site; /* callsite scope */
	const char *const *frames;    /* callsite: its most frequent stack */
	uint32_t nframes;
	struct vls_lock_stats mode[2];  /* [0] read, [1] write */
};

/* ------------------------------------------------------------------ */
/* Chains (locks-chain.c, locks-chain-line.c)                         */
/* ------------------------------------------------------------------ */

#define VLS_CHAIN_DEPTH_MAX 8
#define VLS_CHAIN_LINKS_MAX 64

/*
 * One task blocking its parent (the waiter when parent < 0). Times are
 * within the parent's blocked window: held_ns while it held the lock in a
 * conflicting mode, queued_ns while it was a writer queued ahead of a
 * reader, asleep_ns of those in D state (reason: the longest sleep's).
 */
struct vls_chain_link {
	int32_t parent;          /* index in links; -1: blocks the waiter */
	uint32_t depth;          /* 1: a direct blocker */
	int32_t tid, pid, prio;  /* prio -1 when unknown */
	char comm[VLS_COMM_MAX];
	bool write;
	bool queued;             /* a writer queued ahead, not (yet) holding */
	bool woke;               /* a wakeup from it to its parent was seen */
	bool waiting;            /* itself blocked: it has children */
	enum vls_lock_site site;
	enum vls_sleep_reason reason;
	const char *wchan;       /* blocked-in function or NULL (borrowed) */
	uint64_t held_ns, queued_ns, asleep_ns;
	uint64_t hold_total_ns;  /* its whole hold (to now if still held) */
	uint64_t lo, hi;         /* hull of its blocking interval */
};

struct vls_chain {
	uint64_t mm;
	uint64_t start_ns, wait_ns;
	bool open;               /* the wait had not ended when the trace did */
	int32_t tid, pid, prio;
	char comm[VLS_COMM_MAX];
	bool write;
	enum vls_lock_site site;
	bool woken;              /* the waiter's last wakeup came from a link */
	uint32_t depth, nlinks, dropped_links;
	bool inversion;
	uint64_t inverted_ns;    /* union of inverted links' blocking time */
	int32_t root;            /* index of the root-cause link, -1 none */
	struct vls_chain_link links[VLS_CHAIN_LINKS_MAX];
};

/*
 * Render a chain in one line ("mprotect 6551 (prio 120) waited 1.3 ms for
 * write <- 3 readers: workload 6552 fault fallback held 1.2 ms, 1.1 ms in
 * folio I/O; ..."). Like snprintf: returns the length the full line needs,
 * writes at most size bytes (NUL included).
 */
size_t __vls_chain_format(char *buf, size_t size, const struct vls_chain *c);

/* ------------------------------------------------------------------ */
/* The analyzer core (locks-machine.c)                                 */
/* ------------------------------------------------------------------ */

#define VLS_LOCK_DEFAULT_THRESHOLD_NS 100000ULL
#define VLS_LOCK_TASKS_MAX (1u << 18)
#define VLS_LOCK_MMS_MAX (1u << 16)
#define VLS_LOCK_PROCS_MAX (1u << 20)
#define VLS_LOCK_STACKS_MAX (1u << 18)
#define VLS_LOCK_STRPOOL_MAX (64u << 20)  /* bytes of interned frames */
#define VLS_LOCK_WINDOW_MAX (1u << 16)    /* records kept per mm */
/* What a user can do about the limits on tasks and mm_structs. */
#define VLS_LOCK_LIMIT_HINT ": record fewer processes (-p PID) or a shorter time"
#define VLS_LOCK_SLEEPS 4                 /* sleep intervals per record */

/* An acquisition worth a row: contended, or wait or hold >= threshold. */
struct vls_lock_acq {
	uint64_t mm;
	int32_t tid, pid;
	bool write;
	bool contended;
	bool open;               /* still held at the end of the trace */
	bool downgraded;         /* a read hold begun by mmap_write_downgrade() */
	enum vls_lock_site site;
	const char *const *frames;  /* interned, valid until the core is freed */
	uint32_t nframes;
	uint64_t start_ns, wait_ns, hold_ns, asleep_ns;
	enum vls_sleep_reason reason;
	const char *wchan;
	int64_t chain;           /* sequence of its chain (0-based), -1 none */
};

struct vls_locks_sink {
	/* A chain is complete (its wait ended or the trace did). */
	int (*chain)(void *data, const struct vls_chain *c, int64_t seq);
	/* An acquisition worth a row, once its hold ended or at the end;
	 * every acquisition when every is set (the public analysis). */
	int (*acq)(void *data, const struct vls_lock_acq *a);
	bool every;
	/* Optional, both or neither. thread: a thread exited (its last
	 * sched_switch, prev_state X or Z); its thread-scope aggregate is
	 * final unless the tid comes back, and __vls_locks_foreach() will not
	 * list it. reused: such a tid came back; the sink merges into a (with
	 * __vls_dist_add_log2() for the distributions) what it took from
	 * thread and forgets that. */
	int (*thread)(void *data, const struct vls_lock_agg *a);
	int (*reused)(void *data, struct vls_lock_agg *a);
	void *data;
};

struct vls_locks;

/* threshold_ns 0: VLS_LOCK_DEFAULT_THRESHOLD_NS; sink may be NULL. */
int __vls_locks_new(struct vls_locks **out, vls_ctx *ctx,
		    uint64_t threshold_ns, const struct vls_locks_sink *sink);
void __vls_locks_free(struct vls_locks *lk);
/* Events in timestamp order. Errors: VLS_ENOMEM, VLS_ELIMIT, or what the
 * sink returned. */
int __vls_locks_event(struct vls_locks *lk, const vls_event *ev);
/* The trace has lock:contention_begin (its format, even with no event):
 * a wait is contended when its task entered the rwsem slow path. Also
 * switched on by the first such event. Before the first lock event. */
void __vls_locks_set_contention_events(struct vls_locks *lk, bool present);
/* locks-store.c: does a run's list of the events its input holds
 * ("events.present": a trace.dat's formats, the recorder's sidecar) name
 * lock:contention_begin? meta may be NULL. */
struct vls_meta;
bool __vls_locks_contention_listed(const struct vls_meta *meta);
/* Where the pid of each task comes from (the import's, tasks.h); NULL:
 * only the events' own. */
struct vls_groups;
void __vls_locks_set_groups(struct vls_locks *lk, const struct vls_groups *g);
/* The number of the next event's stack (vls_store_txn.stack_num), 0: none:
 * equal numbers are equal stacks, interned once. */
void __vls_locks_set_stack_num(struct vls_locks *lk, uint32_t id);
/* End of input: open waits get their chains, open holds their rows. */
int __vls_locks_finish(struct vls_locks *lk);

/* Aggregates after finish: the run, then per mm, thread (those not given
 * to sink.thread), call site. */
typedef int (*vls_lock_agg_cb)(const struct vls_lock_agg *agg, void *data);
int __vls_locks_foreach(struct vls_locks *lk, enum vls_lock_scope scope,
			vls_lock_agg_cb cb, void *data);

/* Counters about the input the core had to tolerate. */
struct vls_locks_counts {
	uint64_t events, lock_events, unmatched_acquire, unmatched_release, window_dropped;
	uint64_t holds_lost;      /* oldest holds closed unseen: a release was lost */
	uint64_t chains, chain_links_dropped;
};
void __vls_locks_counts(const struct vls_locks *lk, struct vls_locks_counts *out);

#endif /* VLS_LOCKS_H */
