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

/* Map values hold the low 31 bits of a sequence number (the map keeps
 * value + 1 in 32 bits); the ring's size divides 2^31. */
#define SEQ_BITS 0x7fffffffU

bool __vls_attach_waits_kind(vls_event_kind kind)
{
	switch (kind) {
	case VLS_EV_MMAP_LOCK_START:
	case VLS_EV_MMAP_LOCK_ACQUIRED:
	case VLS_EV_MMAP_LOCK_RELEASED:
	case VLS_EV_PAGE_FAULT_USER:
	case VLS_EV_FILEMAP_FAULT:
	case VLS_EV_SCHED_FORK:
	case VLS_EV_SCHED_EXEC:
	case VLS_EV_SCHED_EXIT:
		return true;
	default:
		return false;
	}
}

/*
 * The bit of stack_kinds an event's wait depends on: its kind, and for
 * mmap_lock_start_locking its mode too. Every recipe triggers on reads
 * ("stacktrace if write == 0"; writes only with --write-stacks), and a
 * write that waits for the lock would hold the stream back for as long
 * as it waits.
 */
#define WRITE_START_BIT VLS_EV__COUNT
_Static_assert(WRITE_START_BIT < 32, "stack_kinds has a bit per kind");

static uint32_t wait_bit(const vls_event *ev)
{
	if (ev->kind == VLS_EV_MMAP_LOCK_START && ev->u.mmap_lock.write)
		return 1u << WRITE_START_BIT;
	return 1u << ev->kind;
}

int __vls_attach_init(struct vls_attach *a, vls_ctx *ctx,
		      vls_reader_stats *stats, vls_event_cb cb, void *data)
{
	memset(a, 0, sizeof(*a));
	a->ctx = ctx;
	a->cb = cb;
	a->cb_data = data;
	a->stats = stats;
	a->stack_kinds = 1u << VLS_EV_MMAP_LOCK_START;
	a->ring = __vls_calloc(ctx, VLS_ATTACH_WINDOW, sizeof(*a->ring));
	if (!a->ring)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	a->cap = VLS_ATTACH_WINDOW;
	return 0;
}

static void free_frames(vls_ctx *ctx, struct vls_attach_slot *s)
{
	__vls_free(ctx, s->frame_buf);
	__vls_free(ctx, (void *)s->frames);
}

void __vls_attach_release(struct vls_attach *a)
{
	if (!a->ring)
		return;
	for (size_t i = 0; i < a->cap; i++)
		free_frames(a->ctx, &a->ring[i]);
	__vls_free(a->ctx, a->ring);
	__vls_free(a->ctx, a->cpus);
	__vls_u64map_release(a->ctx, &a->waiting);
	a->ring = NULL;
	a->cpus = NULL;
}

static struct vls_attach_slot *slot_of(const struct vls_attach *a, uint64_t seq)
{
	return &a->ring[seq & (a->cap - 1)];
}

static struct vls_attach_cpu *cpu_of(struct vls_attach *a, int32_t cpu)
{
	size_t c = cpu < 0 ? 0 : (size_t)cpu;

	return c < a->ncpus ? &a->cpus[c] : NULL;
}

static uint32_t cpu_seq(const struct vls_attach_cpu *c, unsigned int i)
{
	return c->seq[(c->head + i) % VLS_ATTACH_RECENT];
}

/*
 * Forget the head event in its CPU's recent list (it is leaving the ring).
 * Events leave the ring in the order they entered it and each CPU's list
 * keeps that order, so an event still listed is its CPU's oldest: the head.
 */
static void forget(struct vls_attach *a, const struct vls_attach_slot *s)
{
	struct vls_attach_cpu *c = cpu_of(a, s->ev.cpu);

	if (c && c->n && c->seq[c->head] == (uint32_t)a->head) {
		c->head = (c->head + 1) % VLS_ATTACH_RECENT;
		c->n--;
	}
}

/* s stops waiting for its stack (it got one, its task moved on, or it
 * leaves the ring). */
static void unwait(struct vls_attach *a, struct vls_attach_slot *s)
{
	s->waiting = false;
	a->nwaiting--;
	__vls_u64map_del(&a->waiting, (uint32_t)s->ev.tid);
}

/* The waiting event of tid, or NULL. */
static struct vls_attach_slot *waiting_of(struct vls_attach *a, int32_t tid)
{
	struct vls_attach_slot *s;
	uint32_t v;

	if (!a->nwaiting || __vls_u64map_get(&a->waiting, (uint32_t)tid, &v))
		return NULL;
	s = slot_of(a, v);
	return s->waiting && s->ev.tid == tid ? s : NULL;
}

/* The oldest event out to the callback; expire: a wait it is still in
 * ends at the limit (counted), not at the end of input. */
static int emit_head(struct vls_attach *a, bool expire)
{
	struct vls_attach_slot *s = slot_of(a, a->head);

	forget(a, s);
	if (s->waiting) {
		unwait(a, s);
		a->waits_expired += expire;
	}
	a->head++;
	a->count--;
	if (a->stopped)
		return VLS_ESTOPPED;
	s->ev.stack = !s->has_stack ? NULL : s->kept ? s->kept : s->frames;
	if (!s->has_stack)
		s->ev.stack_depth = 0;
	a->emit_kept = s->has_stack && s->kept;
	a->stats->events++;
	if (s->ev.kind == VLS_EV_OTHER)
		a->stats->other_events++;
	if (a->cb(&s->ev, a->cb_data)) {
		a->stopped = 1;
		return VLS_ESTOPPED;
	}
	return 0;
}

/* Release events from the head that can receive no stack any more: closed
 * or past the horizon, or waiting for longer than VLS_ATTACH_WAIT_NS. */
static int drain(struct vls_attach *a, uint64_t now_ns)
{
	int ret;

	while (a->count) {
		const struct vls_attach_slot *s = slot_of(a, a->head);

		if (s->waiting ? s->ev.ts_ns + VLS_ATTACH_WAIT_NS >= now_ns
			       : !s->closed && s->ev.ts_ns + VLS_ATTACH_HORIZON_NS >= now_ns)
			break;
		ret = emit_head(a, true);
		if (ret)
			return ret;
	}
	return 0;
}

/* Double the ring, each event moving to the slot its sequence number gives
 * in the larger one (so the CPU lists and the waiting map stay valid). */
static int grow(struct vls_attach *a)
{
	size_t cap = a->cap * 2;
	struct vls_attach_slot *ring = __vls_calloc(a->ctx, cap, sizeof(*ring));

	if (!ring)
		return __vls_error(a->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; i < a->count; i++) {
		struct vls_attach_slot *s = slot_of(a, a->head + i);

		ring[(a->head + i) & (cap - 1)] = *s;
		s->frames = NULL;
		s->frame_buf = NULL;
	}
	for (size_t i = 0; i < a->cap; i++)
		free_frames(a->ctx, &a->ring[i]);
	__vls_free(a->ctx, a->ring);
	a->ring = ring;
	a->cap = cap;
	return 0;
}

/* Room for one more event: a full ring grows while its oldest event waits
 * (up to VLS_ATTACH_HELD_MAX), or releases that one. */
static int make_room(struct vls_attach *a)
{
	if (a->count < a->cap)
		return 0;
	if (slot_of(a, a->head)->waiting && a->cap < VLS_ATTACH_HELD_MAX)
		return grow(a);
	return emit_head(a, true);
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
	ret = cpu_get(a, cpu, &c);
	if (ret)
		return ret;
	if (c->n == VLS_ATTACH_RECENT) {
		slot_of(a, c->seq[c->head])->closed = true;
		c->head = (c->head + 1) % VLS_ATTACH_RECENT;
		c->n--;
	}
	ret = drain(a, ts_ns);
	if (!ret)
		ret = make_room(a);
	if (ret)
		return ret;
	a->resv = a->head + a->count;
	a->resv_cpu = c;
	s = slot_of(a, a->resv);
	s->ev.stack = NULL;
	s->ev.stack_depth = 0;
	s->has_stack = false;
	s->kept = NULL;
	s->closed = false;
	s->waiting = false;
	*out = &s->ev;
	return 0;
}

/* The task's rule (attach.h, 1.): an event of a process-context kind ends
 * its task's wait, and waits itself when its kind takes stacks. */
static int task_event(struct vls_attach *a, struct vls_attach_slot *s)
{
	struct vls_attach_slot *w;
	int ret;

	if (!__vls_attach_waits_kind(s->ev.kind))
		return 0;
	if ((w = waiting_of(a, s->ev.tid)))
		unwait(a, w);
	if (!(a->stack_kinds & wait_bit(&s->ev)))
		return 0;
	ret = __vls_u64map_put(a->ctx, &a->waiting, (uint32_t)s->ev.tid,
			       (uint32_t)(a->resv & SEQ_BITS));
	if (ret)
		return ret;
	s->waiting = true;
	a->nwaiting++;
	return 0;
}

int __vls_attach_commit(struct vls_attach *a)
{
	struct vls_attach_cpu *c = a->resv_cpu;
	struct vls_attach_slot *s;

	s = slot_of(a, a->resv);
	a->count++;
	c->seq[(c->head + c->n++) % VLS_ATTACH_RECENT] = (uint32_t)a->resv;
	a->resv_cpu = NULL;
	a->last_ts = s->ev.ts_ns;
	return task_event(a, s);
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
	return __vls_frame_name_len(f);
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

/* Rule 1: the task's waiting event, when the stack's class is its. Counts
 * it late when rule 2 would have missed it: out of its CPU's recent
 * events, on another CPU, or past the horizon behind the last event (as
 * drain() measures it: reordered input does not make a stack late). */
static struct vls_attach_slot *by_task(struct vls_attach *a, int32_t cpu,
				       int32_t tid, const char *cls,
				       size_t cls_len)
{
	struct vls_attach_slot *w = cls_len ? waiting_of(a, tid) : NULL;

	if (!w || !in_class(&w->ev, cls, cls_len))
		return NULL;
	if (w->closed || w->ev.cpu != cpu ||
	    w->ev.ts_ns + VLS_ATTACH_HORIZON_NS < a->last_ts)
		a->late_stacks++;
	return w;
}

/* Events an interrupt records under the pid of the task it interrupted,
 * and on which no recipe puts a stacktrace trigger. */
static bool irq_kind(vls_event_kind kind)
{
	return kind == VLS_EV_BLOCK_RQ_COMPLETE || kind == VLS_EV_SCHED_WAKING ||
	       kind == VLS_EV_SCHED_WAKEUP;
}

/* Rule 2: the newest recent event of the task on the stack's CPU of its
 * class; for a stack that names none, the newest that is not of an
 * interrupt's kind (a kernel whose unwinder starts the stack below the
 * event class's frame: the tiny 6.12 of docs/lab.md, UNWINDER_GUESS). */
static struct vls_attach_slot *by_cpu(struct vls_attach *a, int32_t cpu,
				      int32_t tid, const char *cls,
				      size_t cls_len)
{
	struct vls_attach_cpu *c = cpu_of(a, cpu);

	for (unsigned int i = c ? c->n : 0; i-- > 0;) {
		struct vls_attach_slot *t = slot_of(a, cpu_seq(c, i));

		if (t->ev.tid != tid)
			continue;
		if (cls_len ? in_class(&t->ev, cls, cls_len) : !irq_kind(t->ev.kind))
			return t;
	}
	return NULL;
}

int __vls_attach_stack(struct vls_attach *a, int32_t cpu, int32_t tid,
		       const char *const *frames, size_t n, bool kept)
{
	struct vls_attach_slot *s;
	const char *cls = NULL;
	size_t cls_len;
	int ret;

	if (a->stopped)
		return VLS_ESTOPPED;
	cls_len = stack_class(frames, n, &cls);
	s = by_task(a, cpu, tid, cls, cls_len);
	if (!s)
		s = by_cpu(a, cpu, tid, cls, cls_len);
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
	if (kept) {
		s->kept = frames;
		s->ev.stack_depth = (uint32_t)n;
	} else if ((ret = copy_frames(a, s, frames, n))) {
		return ret;
	}
	s->has_stack = true;
	if (s->waiting)
		unwait(a, s);
	if (__vls_attach_waits_kind(s->ev.kind))
		a->stack_kinds |= wait_bit(&s->ev);
	a->stats->stacks++;
	return 0;
}

int __vls_attach_flush(struct vls_attach *a)
{
	int ret;

	while (a->count) {
		ret = emit_head(a, false);
		if (ret)
			return ret == VLS_ESTOPPED ? 0 : ret;
	}
	return 0;
}
