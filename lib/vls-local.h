/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vls-local.h - structures and helpers shared inside libvmlockstat.
 * Nothing here is exported: internal functions shared between files carry
 * a double-underscore name.
 */
#ifndef VLS_LOCAL_H
#define VLS_LOCAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmlockstat.h"

#define VLS_ERRMSG_MAX 512

struct vls_ctx {
	char errmsg[VLS_ERRMSG_MAX];
	vls_log_fn log_fn;
	void *log_data;
	vls_log_level log_max;
	vls_allocator alloc;
	unsigned int live_objects; /* refuses set_allocator while non-zero */
};

/* ctx.c: the allocator a context starts with (malloc, realloc, free). */
extern const vls_allocator __vls_default_allocator;

/* ctx.c: allocation through the context's allocator. NULL on failure
 * (the caller reports VLS_ENOMEM). Every free accepts NULL. */
void *__vls_malloc(vls_ctx *ctx, size_t size);
void *__vls_calloc(vls_ctx *ctx, size_t n, size_t size);
void *__vls_realloc(vls_ctx *ctx, void *ptr, size_t size);
void __vls_free(vls_ctx *ctx, void *ptr);
char *__vls_strdup(vls_ctx *ctx, const char *s);
char *__vls_strndup(vls_ctx *ctx, const char *s, size_t n);

/* Grow *arr (of elem_size elements, *cap allocated) to hold at least need.
 * Refuses (VLS_ELIMIT) past max elements. */
int __vls_grow(vls_ctx *ctx, void **arr, size_t *cap, size_t need,
	       size_t elem_size, size_t max);

/* ctx.c: set ctx->errmsg and return code (so: return __vls_error(...)). */
int __vls_error(vls_ctx *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A failure while reading path: prefix the message with "path: " unless it
 * names the file already. Returns code. */
int __vls_error_in(vls_ctx *ctx, int code, const char *path);
void __vls_log(vls_ctx *ctx, vls_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copy a comm, always NUL-terminated, cut at VLS_COMM_MAX - 1 bytes. */
void __vls_copy_comm(char dst[VLS_COMM_MAX], const char *src, size_t len);

/* meta.c: an ordered key/value list; setting a key again replaces it. */
struct vls_meta {
	size_t n, cap;
	char **keys;
	char **vals;
};
int __vls_meta_set(vls_ctx *ctx, struct vls_meta *m, const char *key,
		   const char *val);
int __vls_meta_setf(vls_ctx *ctx, struct vls_meta *m, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *__vls_meta_get(const struct vls_meta *m, const char *key);
void __vls_meta_clear(vls_ctx *ctx, struct vls_meta *m);

/* stack.c: how many leading frames of a stack belong to the tracing
 * machinery (dropped before a stack is classified or stored). */
uint32_t __vls_stack_tracing_frames(const char *const *frames, uint32_t n);

/* event.c: kind <-> "system:name". */
vls_event_kind __vls_event_kind_from_name(const char *system, const char *name);

/* ------------------------------------------------------------------ */
/* Stack attachment (attach.c)                                         */
/* ------------------------------------------------------------------ */

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

/* reader.c: read the whole input through raw instead of attaching stacks;
 * the stack counters of r's stats are then the consumer's to add. */
int __vls_reader_read_raw(vls_reader *r, const struct vls_attach_raw *raw);

/* ------------------------------------------------------------------ */
/* Readers                                                             */
/* ------------------------------------------------------------------ */

struct vls_reader_ops {
	const char *name;
	/* Open the file (already known to exist) and fill meta. */
	int (*open)(vls_reader *r);
	/* Deliver every event through r->attach. */
	int (*read)(vls_reader *r);
	/* Optional: decode a record read() handed to r->attach.raw.record,
	 * into attach, on another thread than read()'s; the records it must
	 * drop count in stats->bad_records. read() then touches none of the
	 * state this uses, so both may run at once. */
	int (*decode)(vls_reader *r, const struct vls_raw_record *rec,
		      struct vls_attach *attach, vls_reader_stats *stats);
	void (*close)(vls_reader *r);
};

struct vls_reader {
	vls_ctx *ctx;
	const struct vls_reader_ops *ops;
	void *priv;
	char *path;
	vls_format format;
	vls_reader_opts opts;
	struct vls_meta meta;
	vls_reader_stats stats;
	struct vls_attach attach;
};

extern const struct vls_reader_ops __vls_tracedat_ops;
extern const struct vls_reader_ops __vls_text_ops;

/* text reader: which text dialect the first lines show (VLS_FORMAT_AUTO if
 * none). */
vls_format __vls_text_detect(const char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Analyzers (analyze.c and one file per analyzer)                     */
/* ------------------------------------------------------------------ */

struct vls_store_txn;   /* store.c: the open import transaction */

/*
 * An analyzer consumes the event stream and writes its results into the
 * run being imported. All run inside vls_import_feed(), in order.
 */
struct vls_analyzer_ops {
	const char *name;
	int (*create)(void **out, vls_ctx *ctx, const vls_import_opts *opts);
	int (*event)(void *state, const vls_event *ev, struct vls_store_txn *txn);
	/* End of input: write what remains. */
	int (*finish)(void *state, struct vls_store_txn *txn);
	void (*destroy)(void *state);
};

#endif /* VLS_LOCAL_H */
