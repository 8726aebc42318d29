/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach.h - stack attachment: a stacktrace trigger's stack record joins
 * the event that fired it, and events leave in input order (attach.c).
 * Readers feed it; the import pipeline runs one of its own on the
 * importing thread.
 */
#ifndef VLS_ATTACH_H
#define VLS_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vls-local.h"


/*
 * A stacktrace trigger's stack is a separate record on the same CPU, written
 * after the event that fired it (event_triggers_post_call() ->
 * stacktrace_trigger() -> __trace_stack()). It is not always the next
 * record: interrupt-context events (block_rq_complete, sched_waking, ...)
 * that carry the interrupted task's pid can come in between. So the last
 * VLS_ATTACH_RECENT events of each CPU stay open (interrupt bursts of 9
 * events were seen on 6.18), and a stack attaches to
 * the newest of them of the same task whose event class the stack's first
 * frame names (trace_event_raw_event_<class>). Events leave in their
 * original order once nothing more can attach to them; at most
 * VLS_ATTACH_WINDOW events wait.
 */
#define VLS_ATTACH_WINDOW 1024
#define VLS_ATTACH_RECENT 32
/* A stack record follows its event within microseconds; an event older than
 * this behind the newest one cannot receive a stack any more. */
#define VLS_ATTACH_HORIZON_NS 10000000ULL

struct vls_attach_slot {
	vls_event ev;
	bool has_stack;
	bool closed;            /* out of its CPU's recent events */
	/* allocated for the first stack a slot gets: most traces have few
	 * stacks, and the ring is touched in full */
	const char **frames;    /* VLS_STACK_MAX pointers into frame_buf */
	char *frame_buf;        /* owned copies of the frame strings */
	size_t frame_buf_cap;
};

/* A CPU's open events: a circular list of ring indices, oldest at head. */
struct vls_attach_cpu {
	size_t slot[VLS_ATTACH_RECENT];
	unsigned int head, n;
};

/*
 * Pass-through: a reader's events and stack records as they are read, in
 * input order, for a consumer that attaches them itself with an attach of
 * its own (the import pipeline does it on the importing thread). A non-zero
 * return stops the reader.
 */
struct vls_raw_record;

struct vls_attach_raw {
	int (*event)(const vls_event *ev, void *data);
	int (*stack)(int32_t cpu, int32_t tid, const char *const *frames, size_t n,
		     void *data);
	/* Optional: a reader with ops->decode hands its records over undecoded,
	 * for the consumer to decode on its own thread. */
	int (*record)(const struct vls_raw_record *rec, void *data);
	void *data;
};

/* A record as read (trace.dat: one ring-buffer entry), valid during the
 * call that hands it over: size bytes at data, no more than decoding the
 * record reads (which may be less than the record). */
struct vls_raw_record {
	uint64_t ts;
	int32_t cpu;
	int32_t size;
	const void *data;
};

struct vls_attach {
	vls_ctx *ctx;
	vls_event_cb cb;
	void *cb_data;
	struct vls_attach_raw raw;  /* set: pass everything through */
	struct vls_attach_slot *ring;
	size_t head, count;     /* ring of VLS_ATTACH_WINDOW slots */
	struct vls_attach_cpu *cpus;
	size_t ncpus;
	vls_reader_stats *stats;
	int stopped;            /* cb returned non-zero */
	/* the slot __vls_attach_reserve() handed out (scratch when passing
	 * through) */
	size_t resv;
	struct vls_attach_cpu *resv_cpu;
	vls_event scratch;
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
/* A stack record: frames innermost first, n capped at VLS_STACK_MAX. */
int __vls_attach_stack(struct vls_attach *a, int32_t cpu, int32_t tid,
		       const char *const *frames, size_t n);
/* Release everything still queued (end of input). */
int __vls_attach_flush(struct vls_attach *a);
void __vls_attach_release(struct vls_attach *a);

#endif /* VLS_ATTACH_H */
