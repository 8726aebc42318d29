/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach.c - attach stacktrace-trigger stacks to the events that fired them
 * and release events in input order (contract in vls-local.h).
 */
#include <string.h>

#include "vls-local.h"

/* One frame name longer than this is cut (kernel symbols are far shorter). */
#define FRAME_NAME_MAX 256

int __vls_attach_init(struct vls_attach *a, vls_ctx *ctx,
		      vls_reader_stats *stats, vls_event_cb cb, void *data)
{
	memset(a, 0, sizeof(*a));
	a->ctx = ctx;
	a->cb = cb;
	a->cb_data = data;
	a->stats = stats;
	a->ring = __vls_calloc(ctx, VLS_ATTACH_WINDOW, sizeof(*a->ring));
	if (!a->ring)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	return 0;
}

void __vls_attach_release(struct vls_attach *a)
{
	if (!a->ring)
		return;
	for (size_t i = 0; i < VLS_ATTACH_WINDOW; i++)
		__vls_free(a->ctx, a->ring[i].frame_buf);
	__vls_free(a->ctx, a->ring);
	__vls_free(a->ctx, a->last_on_cpu);
	a->ring = NULL;
	a->last_on_cpu = NULL;
}

static int emit_head(struct vls_attach *a)
{
	struct vls_attach_slot *s = &a->ring[a->head];
	size_t idx = a->head;

	size_t c = s->ev.cpu < 0 ? 0 : (size_t)s->ev.cpu;

	if (c < a->ncpus && a->last_on_cpu[c] == (long)idx + 1)
		a->last_on_cpu[c] = 0;
	a->head = (a->head + 1) % VLS_ATTACH_WINDOW;
	a->count--;
	if (a->stopped)
		return VLS_ESTOPPED;
	s->ev.stack = s->has_stack ? s->frames : NULL;
	if (!s->has_stack)
		s->ev.stack_depth = 0;
	a->stats->events++;
	if (s->ev.kind == VLS_EV_OTHER)
		a->stats->other_events++;
	if (a->cb(&s->ev, a->cb_data)) {
		a->stopped = 1;
		return VLS_ESTOPPED;
	}
	return 0;
}

/* Release closed events from the head, and those too old for a stack. */
static int drain(struct vls_attach *a, uint64_t now_ns)
{
	int ret;

	while (a->count) {
		struct vls_attach_slot *s = &a->ring[a->head];

		if (!s->closed && s->ev.ts_ns + VLS_ATTACH_HORIZON_NS >= now_ns)
			break;
		ret = emit_head(a);
		if (ret)
			return ret;
	}
	return 0;
}

static int cpu_slot(struct vls_attach *a, int32_t cpu, long **out)
{
	size_t c = cpu < 0 ? 0 : (size_t)cpu;
	size_t cap = a->ncpus;
	int ret;

	if (c >= a->ncpus) {
		ret = __vls_grow(a->ctx, (void **)&a->last_on_cpu, &cap, c + 1,
				 sizeof(long), 65536);
		if (ret)
			return ret;
		memset(a->last_on_cpu + a->ncpus, 0, (cap - a->ncpus) * sizeof(long));
		a->ncpus = cap;
	}
	*out = &a->last_on_cpu[c];
	return 0;
}

int __vls_attach_event(struct vls_attach *a, const vls_event *ev)
{
	struct vls_attach_slot *s;
	long *open;
	size_t idx;
	int ret;

	if (a->stopped)
		return VLS_ESTOPPED;
	ret = cpu_slot(a, ev->cpu, &open);
	if (ret)
		return ret;
	if (*open)
		a->ring[*open - 1].closed = true;
	*open = 0;
	ret = drain(a, ev->ts_ns);
	if (ret)
		return ret;
	if (a->count == VLS_ATTACH_WINDOW) {
		ret = emit_head(a);
		if (ret)
			return ret;
	}
	idx = (a->head + a->count) % VLS_ATTACH_WINDOW;
	s = &a->ring[idx];
	s->ev = *ev;
	s->ev.stack = NULL;
	s->ev.stack_depth = 0;
	s->has_stack = false;
	s->closed = false;
	a->count++;
	*open = (long)idx + 1;
	return 0;
}

static int copy_frames(struct vls_attach *a, struct vls_attach_slot *s,
		       const char *const *frames, size_t n)
{
	size_t need = 0, off = 0, len[VLS_STACK_MAX];
	int ret;

	for (size_t i = 0; i < n; i++) {
		len[i] = strnlen(frames[i], FRAME_NAME_MAX);
		need += len[i] + 1;
	}
	ret = __vls_grow(a->ctx, (void **)&s->frame_buf, &s->frame_buf_cap, need, 1,
			 VLS_STACK_MAX * (FRAME_NAME_MAX + 1));
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		memcpy(s->frame_buf + off, frames[i], len[i]);
		s->frame_buf[off + len[i]] = '\0';
		s->frames[i] = s->frame_buf + off;
		off += len[i] + 1;
	}
	s->ev.stack_depth = (uint32_t)n;
	return 0;
}

int __vls_attach_stack(struct vls_attach *a, int32_t cpu, int32_t tid,
		       const char *const *frames, size_t n)
{
	struct vls_attach_slot *s;
	long *open;
	int ret;

	if (a->stopped)
		return VLS_ESTOPPED;
	ret = cpu_slot(a, cpu, &open);
	if (ret)
		return ret;
	if (!*open || a->ring[*open - 1].ev.tid != tid) {
		a->stats->orphan_stacks++;
		return 0;
	}
	s = &a->ring[*open - 1];
	if (s->has_stack) {
		/* arm64 sometimes records one trigger's stack twice */
		a->stats->dup_stacks++;
		return 0;
	}
	if (n > VLS_STACK_MAX)
		n = VLS_STACK_MAX;
	ret = copy_frames(a, s, frames, n);
	if (ret)
		return ret;
	s->has_stack = true;
	a->stats->stacks++;
	return 0;
}

int __vls_attach_flush(struct vls_attach *a)
{
	int ret;

	while (a->count) {
		ret = emit_head(a);
		if (ret)
			return ret == VLS_ESTOPPED ? 0 : ret;
	}
	return 0;
}
