/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stack-frames.c - what every consumer of a kernel stack agrees on.
 *
 * A stacktrace trigger's stack starts inside the tracing machinery
 * (trace_event_raw_event_mmap_lock(), __mmap_lock_do_trace_start_locking(),
 * __trace_stack(), ...). Those frames say nothing about the caller and differ
 * between kernels, so they are dropped before a stack is classified or
 * stored: the same call path then has the same stored stack whichever
 * analyzer stores it.
 */
#include <string.h>

#include "vls-local.h"

size_t __vls_frame_name_len(const char *frame)
{
	return strcspn(frame, "+ .\t(");
}

bool __vls_frame_is(const char *frame, const char *fn)
{
	size_t n = __vls_frame_name_len(frame);

	return strlen(fn) == n && !memcmp(frame, fn, n);
}

static bool is_tracing_frame(const char *f)
{
	return !strncmp(f, "trace_event_raw_event_", 22) ||
	       !strncmp(f, "__mmap_lock_do_trace_", 21) ||
	       !strncmp(f, "__traceiter_", 12) || !strncmp(f, "perf_trace_", 11) ||
	       __vls_frame_is(f, "__trace_stack") || __vls_frame_is(f, "stacktrace_trigger") ||
	       __vls_frame_is(f, "event_triggers_call") ||
	       __vls_frame_is(f, "trace_event_buffer_commit");
}

uint32_t __vls_stack_tracing_frames(const char *const *frames, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && frames[i] && is_tracing_frame(frames[i]))
		i++;
	return i;
}
