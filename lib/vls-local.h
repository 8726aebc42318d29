/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vls-local.h - what every file of libvmlockstat shares: the context
 * (errors, log, allocator), comm copies, the tracing frames of a kernel
 * stack and event kind names. Nothing here is exported: internal functions
 * shared between files carry a double-underscore name. Each part of the
 * pipeline has its own private header (reader.h, attach.h, analyzer.h,
 * store.h, import.h, report.h, ...): HACKING.md is the map.
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
	/* tests: distinct stacks the import pipe interns before it copies
	 * the rest (import-pipe.c); 0 is its own limit */
	uint32_t pipe_stacks_max;
};

/* ctx.c: the allocator a context starts with (malloc, realloc, free). */
extern const vls_allocator __vls_default_allocator;

/* ctx.c: whether work for ctx may run on threads of its own: with the
 * default allocator (a custom one need not be thread-safe) on a machine
 * with more than one CPU. */
bool __vls_ctx_may_thread(const vls_ctx *ctx);

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

/* stack-frames.c: how many leading frames of a stack belong to the tracing
 * machinery (dropped before a stack is classified or stored). */
uint32_t __vls_stack_tracing_frames(const char *const *frames, uint32_t n);
/* The length of the function name a frame begins with: "fn",
 * "fn+0x12/0x40", "fn.isra.0", "fn [mod]", "fn\t[mod]" and "fn (addr)"
 * all name fn; and whether that name is fn. */
size_t __vls_frame_name_len(const char *frame);
bool __vls_frame_is(const char *frame, const char *fn);

/* lock:contention_begin's flags (include/trace/events/lock.h LCB_F_*) */
#define VLS_LCB_SPIN   (1U << 0)
#define VLS_LCB_READ   (1U << 1)
#define VLS_LCB_WRITE  (1U << 2)
#define VLS_LCB_PERCPU (1U << 4)
#define VLS_LCB_MUTEX  (1U << 5)

/* Does a contention_begin with these flags enter a sleeping rwsem's slow
 * path (a reader's or a writer's)? Spinlocks (the rwsem's own wait_lock),
 * percpu rwsems and mutexes are other locks. */
static inline bool __vls_lcb_rwsem(uint32_t flags)
{
	return (flags & (VLS_LCB_READ | VLS_LCB_WRITE)) &&
	       !(flags & (VLS_LCB_SPIN | VLS_LCB_PERCPU | VLS_LCB_MUTEX));
}

/* event-kind.c: kind <-> "system:name". */
vls_event_kind __vls_event_kind_from_name(const char *system, const char *name);

#endif /* VLS_LOCAL_H */
