/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach.c - attach stacktrace-trigger stacks to the events that fired them
 * and release events in input order (contract in attach.h).
 */
#include <string.h>

#include "attach.h"

/* One frame name longer than this is cut (kernel symbols are far shorter). */
#define FRAME_NAME_MAX 256
#define CPUS_MAX 65536

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
	for (size_t i = 0; i < VLS_ATTACH_WINDOW; i++) {
		__vls_free(a->ctx, a->ring[i].frame_buf);
		__vls_free(a->ctx, (void *)a->ring[i].frames);
	}
	__vls_free(a->ctx, a->ring);
	__vls_free(a->ctx, a->cpus);
	a->ring = NULL;
	a->cpus = NULL;
}

static struct vls_attach_cpu *cpu_of(struct vls_attach *a, int32_t cpu)
{
	size_t c = cpu < 0 ? 0 : (size_t)cpu;

	return c < a->ncpus ? &a->cpus[c] : NULL;
}

static size_t cpu_slot(const struct vls_attach_cpu *c, unsigned int i)
{
	return c->slot[(c->head + i) % VLS_ATTACH_RECENT];
}

/*
 * Forget slot idx in its CPU's recent list (it is leaving the ring). Events
 * leave the ring in the order they entered it and each CPU's list keeps
 * that order, so a slot still listed is its CPU's oldest: the head.
 */
static void forget(struct vls_attach *a, size_t idx)
{
	struct vls_attach_cpu *c = cpu_of(a, a->ring[idx].ev.cpu);

	if (c && c->n && c->slot[c->head] == idx) {
		c->head = (c->head + 1) % VLS_ATTACH_RECENT;
		c->n--;
	}
}

static int emit_head(struct vls_attach *a)
{
	struct vls_attach_slot *s = &a->ring[a->head];

	forget(a, a->head);
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

static int cpu_get(struct vls_attach *a, int32_t cpu, struct vls_attach_cpu **out)
{
	size_t c = cpu < 0 ? 0 : (size_t)cpu, cap = a->ncpus;
	int ret;

	if (c >= a->ncpus) {
		ret = __vls_grow(a->ctx, (void **)&a->cpus, &cap, c + 1,
				 sizeof(*a->cpus), CPUS_MAX);
		if (ret)
			return ret;
		memset(a->cpus + a->ncpus, 0, (cap - a->ncpus) * sizeof(*a->cpus));
		a->ncpus = cap;
	}
	*out = &a->cpus[c];
	return 0;
}

int __vls_attach_reserve(vls_event **out, struct vls_attach *a, int32_t cpu,
			 uint64_t ts_ns)
{
	struct vls_attach_slot *s;
	struct vls_attach_cpu *c;
	int ret;

	*out = NULL;
	if (a->stopped)
		return VLS_ESTOPPED;
	if (a->raw.event) {
		memset(&a->scratch, 0, sizeof(a->scratch));
		*out = &a->scratch;
		return 0;
	}
	ret = cpu_get(a, cpu, &c);
	if (ret)
		return ret;
	if (c->n == VLS_ATTACH_RECENT) {
		a->ring[c->slot[c->head]].closed = true;
		c->head = (c->head + 1) % VLS_ATTACH_RECENT;
		c->n--;
	}
	ret = drain(a, ts_ns);
	if (!ret && a->count == VLS_ATTACH_WINDOW)
		ret = emit_head(a);
	if (ret)
		return ret;
	a->resv = (a->head + a->count) % VLS_ATTACH_WINDOW;
	a->resv_cpu = c;
	s = &a->ring[a->resv];
	s->ev.stack = NULL;
	s->ev.stack_depth = 0;
	s->has_stack = false;
	s->closed = false;
	*out = &s->ev;
	return 0;
}

int __vls_attach_commit(struct vls_attach *a)
{
	struct vls_attach_cpu *c = a->resv_cpu;

	if (a->raw.event) {
		if (a->raw.event(&a->scratch, a->raw.data))
			a->stopped = 1;
		return a->stopped ? VLS_ESTOPPED : 0;
	}
	a->count++;
	c->slot[(c->head + c->n++) % VLS_ATTACH_RECENT] = a->resv;
	a->resv_cpu = NULL;
	return 0;
}

int __vls_attach_event(struct vls_attach *a, const vls_event *ev)
{
	vls_event *slot;
	int ret = __vls_attach_reserve(&slot, a, ev->cpu, ev->ts_ns);

	if (ret)
		return ret;
	*slot = *ev;
	slot->stack = NULL;
	slot->stack_depth = 0;
	return __vls_attach_commit(a);
}

static int copy_frames(struct vls_attach *a, struct vls_attach_slot *s,
		       const char *const *frames, size_t n)
{
	size_t need = 0, off = 0, len[VLS_STACK_MAX];
	int ret;

	if (!s->frames &&
	    !(s->frames = __vls_calloc(a->ctx, VLS_STACK_MAX, sizeof(*s->frames))))
		return __vls_error(a->ctx, VLS_ENOMEM, "out of memory");
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

/*
 * The event class a stack names: "trace_event_raw_event_mmap_lock+0x9f"
 * gives "mmap_lock" (len 9). Returns 0 when the first frame names none
 * (then any event of the task may take the stack).
 */
static size_t stack_class(const char *const *frames, size_t n, const char **out)
{
	static const char prefix[] = "trace_event_raw_event_";
	const char *f;

	if (!n || strncmp(frames[0], prefix, sizeof(prefix) - 1))
		return 0;
	f = frames[0] + sizeof(prefix) - 1;
	*out = f;
	return strcspn(f, "+ .\t(");
}

/* Does the event belong to the class (its name is the class, or the class
 * is its DECLARE_EVENT_CLASS prefix: mmap_lock -> mmap_lock_start_locking)? */
static bool in_class(const vls_event *ev, const char *cls, size_t len)
{
	const char *name = ev->name ? ev->name : vls_event_kind_name(ev->kind);
	const char *colon = strchr(name, ':');

	if (colon)
		name = colon + 1;
	return !strncmp(name, cls, len) && (name[len] == '\0' || name[len] == '_');
}

static int pass_stack(struct vls_attach *a, int32_t cpu, int32_t tid,
		      const char *const *frames, size_t n)
{
	if (a->raw.stack(cpu, tid, frames, n < VLS_STACK_MAX ? n : VLS_STACK_MAX,
			 a->raw.data))
		a->stopped = 1;
	return a->stopped ? VLS_ESTOPPED : 0;
}

int __vls_attach_stack(struct vls_attach *a, int32_t cpu, int32_t tid,
		       const char *const *frames, size_t n)
{
	struct vls_attach_cpu *c;
	struct vls_attach_slot *s = NULL;
	const char *cls = NULL;
	size_t cls_len;
	int ret;

	if (a->stopped)
		return VLS_ESTOPPED;
	if (a->raw.stack)
		return pass_stack(a, cpu, tid, frames, n);
	c = cpu_of(a, cpu);
	cls_len = stack_class(frames, n, &cls);
	for (unsigned int i = c ? c->n : 0; i-- > 0;) {
		struct vls_attach_slot *t = &a->ring[cpu_slot(c, i)];

		if (t->ev.tid == tid && (!cls_len || in_class(&t->ev, cls, cls_len))) {
			s = t;
			break;
		}
	}
	if (!s) {
		a->stats->orphan_stacks++;
		return 0;
	}
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
