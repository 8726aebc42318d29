/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach.h - stack attachment: a stacktrace trigger's stack record joins
 * the event that fired it, and events leave in input order (attach.c).
 * Each reader has one (vls_reader_read()), on the thread that reads.
 */
#ifndef VLS_ATTACH_H
#define VLS_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util-map.h"
#include "vls-local.h"


/*
 * A stacktrace trigger's stack is a separate record written after the event
 * that fired it, by the same task (trace_event_buffer_commit() ->
 * event_triggers_post_call() -> stacktrace_trigger() -> __trace_stack()).
 * Between the two the task runs no code of its own, but it can be
 * interrupted (interrupt-context events carrying its pid: block_rq_complete,
 * sched_waking, ...; bursts of 9 were seen on 6.18) and, where the
 * tracepoint runs preemptible, preempted: then its sched_switch, other
 * tasks' events on that CPU for as long as it waits (16 ms seen in a qemu
 * guest), and a migration can come before the stack, which is written on
 * the CPU the task resumes on.
 *
 * So the join is by task. A stack goes, in this order:
 *  1. when its first frame names an event class (trace_event_raw_event_<class>),
 *     to its task's waiting event if that one is of the class: a task has at
 *     most one, its newest event of a kind that only its own process context
 *     emits (mmap_lock_*, page_fault_user, mm_filemap_fault,
 *     sched_process_{fork,exec,exit}: __vls_attach_waits_kind()) and that
 *     takes stacks (a read mmap_lock_start_locking always, as every recipe
 *     puts the trigger there; a write one, or another such kind, once a
 *     stack has attached to one).
 *     It waits until its stack comes, or its task's next event of those
 *     kinds (which the task can only emit after the trigger ran), or until
 *     VLS_ATTACH_WAIT_NS of trace time or VLS_ATTACH_HELD_MAX held events
 *     have passed (counted: waits_expired).
 *  2. otherwise, by CPU: to the newest of the last VLS_ATTACH_RECENT events
 *     of the stack's CPU of the same task whose event class the first frame
 *     names (when it names none, as where the unwinder starts below the
 *     class's frame: any event of the task but those interrupts record
 *     under its pid, block_rq_complete, sched_waking and sched_wakeup),
 *     provided that event is not older than VLS_ATTACH_HORIZON_NS behind
 *     the newest. Stacks of
 *     other events (sched_switch, whose trigger runs with interrupts off in
 *     __schedule(), events the library does not know) are never late.
 * A stack that finds no event is counted in orphan_stacks, a second one for
 * an event in dup_stacks (arm64 writes some twice).
 *
 * Events leave in input order: one that waits holds back the events behind
 * it. The ring starts at VLS_ATTACH_WINDOW slots and doubles, only while
 * its oldest event waits, up to VLS_ATTACH_HELD_MAX.
 */
#define VLS_ATTACH_WINDOW 1024
#define VLS_ATTACH_HELD_MAX 65536
#define VLS_ATTACH_RECENT 32
/* A stack record follows its event within microseconds unless the task is
 * preempted; an event that does not wait and is older than this behind the
 * newest one cannot receive a stack any more. */
#define VLS_ATTACH_HORIZON_NS 10000000ULL
/* How long (trace time) an event waits for its stack at most. */
#define VLS_ATTACH_WAIT_NS 1000000000ULL

struct vls_attach_slot {
	vls_event ev;
	bool has_stack;
	bool closed;            /* out of its CPU's recent events */
	bool waiting;           /* its task's waiting event (rule 1) */
	/* allocated for the first stack a slot gets: most traces have few
	 * stacks, and the ring is touched in full */
	const char **frames;    /* VLS_STACK_MAX pointers into frame_buf */
	char *frame_buf;        /* owned copies of the frame strings */
	size_t frame_buf_cap;
	/* instead of a copy: the reader's own frames, kept until it closes */
	const char *const *kept;
};

/* A CPU's open events: a circular list of event sequence numbers (their
 * slot is seq & (ring size - 1)), oldest at head. */
struct vls_attach_cpu {
	uint32_t seq[VLS_ATTACH_RECENT];
	unsigned int head, n;
};

struct vls_attach {
	vls_ctx *ctx;
	vls_event_cb cb;
	void *cb_data;
	struct vls_attach_slot *ring;
	size_t cap;             /* slots: a power of two */
	uint64_t head;          /* sequence number of the oldest event */
	size_t count;           /* events in the ring */
	struct vls_attach_cpu *cpus;
	size_t ncpus;
	/* tid -> sequence number (low 31 bits) of its waiting event */
	struct vls_u64map waiting;
	size_t nwaiting;
	/* 1 << kind: kinds that wait for a stack; 1 << VLS_EV__COUNT: write
	 * mmap_lock_start_locking (its reads are 1 << VLS_EV_MMAP_LOCK_START) */
	uint32_t stack_kinds;
	uint64_t last_ts;       /* of the last event queued */
	vls_reader_stats *stats;
	/* stacks joined by task that the CPU rule alone would have lost, and
	 * events that stopped waiting at the limit (for the run's metadata) */
	uint64_t late_stacks, waits_expired;
	int stopped;            /* cb returned non-zero */
	bool emit_kept;         /* the event in cb has a kept stack */
	/* the slot __vls_attach_reserve() handed out */
	uint64_t resv;
	struct vls_attach_cpu *resv_cpu;
};

int __vls_attach_init(struct vls_attach *a, vls_ctx *ctx,
		      vls_reader_stats *stats, vls_event_cb cb, void *data);
/* Queue a copy of ev (its stack fields are ignored). */
int __vls_attach_event(struct vls_attach *a, const vls_event *ev);
/* The same without the copy: *out is the queue's next event, stack fields
 * cleared, for the caller to fill (its cpu and ts_ns as given here) before
 * __vls_attach_commit() queues it. Nothing else may use a in between; an
 * event reserved and not committed is dropped. */
int __vls_attach_reserve(vls_event **out, struct vls_attach *a, int32_t cpu,
			 uint64_t ts_ns);
int __vls_attach_commit(struct vls_attach *a);
/* A stack record: frames innermost first, n capped at VLS_STACK_MAX.
 * kept: the frames (the array and its names) stay unchanged until the
 * reader closes, and are handed on as they are instead of copied. */
int __vls_attach_stack(struct vls_attach *a, int32_t cpu, int32_t tid,
		       const char *const *frames, size_t n, bool kept);
/* Whether the stack of the event the callback has now is a kept one: the
 * same pointer for the same frames, to the reader's close. */
static inline bool __vls_attach_emit_kept(const struct vls_attach *a)
{
	return a->emit_kept;
}
/* Release everything still queued (end of input). */
int __vls_attach_flush(struct vls_attach *a);
void __vls_attach_release(struct vls_attach *a);
/* Kinds whose events can wait for a stack by task (rule 1 above): those
 * only the task's own process context emits. */
bool __vls_attach_waits_kind(vls_event_kind kind);

#endif /* VLS_ATTACH_H */
