/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * locks-machine.c - the mmap_lock state machine (see locks.h, docs/locks.md).
 *
 * The kernel traces every mmap_lock operation in include/linux/mmap_lock.h:
 * mmap_read_lock() and friends emit start_locking, then acquire_returned
 * (success=false for a failed trylock or a killed wait), mmap_read_unlock()
 * emits released, and mmap_write_downgrade() emits acquire_returned
 * write=false success=true with no start_locking before it. Each start
 * becomes a record; records stay in their mm's window as long as a wait
 * still open somewhere may need them for a chain. A thread's state goes at
 * its exit (task_retire()), once no record names it.
 */
#include <string.h>

#include "locks-machine.h"
#include "tasks.h"

#define STR_MAX 512               /* bytes of one interned frame */

/* A string's bytes, then a separator: frames hashed one after the
 * other never hash a stack like its frames cut elsewhere. */
static uint64_t hash_str(uint64_t h, const char *s)
{
	return (__vls_hash_str(h, s) ^ 0xff) * VLS_HASH_PRIME;
}

struct str_key {
	const char *s;
	size_t len;
};

static bool str_eq(uint32_t idx, const void *key, const void *data)
{
	const struct vls_locks *lk = data;
	const struct str_key *k = key;

	return !strncmp(lk->strs[idx], k->s, k->len) && !lk->strs[idx][k->len];
}

static int str_intern(struct vls_locks *lk, const char *s, const char **out)
{
	uint64_t h = hash_str(VLS_HASH_INIT, s);
	struct str_key key = { s, strnlen(s, STR_MAX) };
	size_t len = key.len;
	uint32_t idx;
	char *copy;
	int err;

	if (!__vls_u64map_find(&lk->str_map, &h, str_eq, &key, lk, &idx)) {
		*out = lk->strs[idx];
		return 0;
	}
	if (lk->str_bytes + len + 1 > VLS_LOCK_STRPOOL_MAX)
		return __vls_error(lk->ctx, VLS_ELIMIT,
				   "more than %u bytes of distinct stack frames",
				   VLS_LOCK_STRPOOL_MAX);
	if ((err = __vls_grow(lk->ctx, (void **)&lk->strs, &lk->capstrs,
			      lk->nstrs + 1, sizeof(*lk->strs), SIZE_MAX)) < 0)
		return err;
	if (!(copy = __vls_strndup(lk->ctx, s, len)))
		return __vls_error(lk->ctx, VLS_ENOMEM, "out of memory for a frame");
	lk->strs[lk->nstrs++] = copy;
	lk->str_bytes += len + 1;
	if ((err = __vls_u64map_put(lk->ctx, &lk->str_map, h, (uint32_t)lk->nstrs - 1)) < 0)
		return err;
	*out = copy;
	return 0;
}

struct stack_key {
	const char *const *frames;
	uint32_t n;
};

static bool stack_eq(uint32_t idx, const void *key, const void *data)
{
	const struct vls_lock_stack *st = &((const struct vls_locks *)data)->stacks[idx];
	const struct stack_key *k = key;

	if (st->n != k->n)
		return false;
	for (uint32_t i = 0; i < k->n; i++)
		if (strcmp(st->frames[i], k->frames[i]))
			return false;
	return true;
}

static int stack_add(struct vls_locks *lk, const char *const *all, uint32_t nall,
		     uint32_t skip, uint32_t n, uint64_t h)
{
	struct vls_lock_stack *st;
	const char *wchan;
	int err;

	if (lk->nstacks >= VLS_LOCK_STACKS_MAX)
		return __vls_error(lk->ctx, VLS_ELIMIT, "more than %u distinct stacks",
				   VLS_LOCK_STACKS_MAX);
	if ((err = __vls_grow(lk->ctx, (void **)&lk->stacks, &lk->capstacks,
			      lk->nstacks + 1, sizeof(*lk->stacks), SIZE_MAX)) < 0)
		return err;
	st = &lk->stacks[lk->nstacks];
	memset(st, 0, sizeof(*st));
	if (!(st->frames = __vls_calloc(lk->ctx, n, sizeof(*st->frames))))
		return __vls_error(lk->ctx, VLS_ENOMEM, "out of memory for a stack");
	lk->nstacks++;
	for (uint32_t i = 0; i < n; i++) {
		if ((err = str_intern(lk, all[skip + i], &st->frames[i])) < 0)
			return err;
		st->n = i + 1;
	}
	st->site = __vls_lock_site_classify(all, nall);
	st->reason = __vls_sleep_classify(all, nall, &wchan);
	if (wchan && (err = str_intern(lk, wchan, &st->wchan)) < 0)
		return err;
	return __vls_u64map_put(lk->ctx, &lk->stack_map, h, (uint32_t)lk->nstacks - 1);
}

/* *out: interned stack + 1, 0 when the event has none. */
static int stack_intern(struct vls_locks *lk, const vls_event *ev, uint32_t *out)
{
	struct stack_key key;
	uint32_t skip, n, idx;
	uint64_t h = VLS_HASH_INIT;
	int err;

	*out = 0;
	if (!ev->stack_depth || !ev->stack)
		return 0;
	if ((*out = __vls_idvec_get(&lk->by_stack_num, lk->stack_num)))
		return 0;
	skip = __vls_stack_tracing_frames(ev->stack, ev->stack_depth);
	n = ev->stack_depth - skip;
	if (n > VLS_LOCK_TOP_FRAMES)
		n = VLS_LOCK_TOP_FRAMES;
	for (uint32_t i = 0; i < n; i++)
		h = hash_str(h, ev->stack[skip + i]);
	key = (struct stack_key){ ev->stack + skip, n };
	if (!__vls_u64map_find(&lk->stack_map, &h, stack_eq, &key, lk, &idx)) {
		*out = idx + 1;
	} else {
		if ((err = stack_add(lk, ev->stack, ev->stack_depth, skip, n, h)) < 0)
			return err;
		*out = (uint32_t)lk->nstacks;
	}
	return __vls_idvec_set(lk->ctx, &lk->by_stack_num, lk->stack_num, *out);
}

static void agg_init(struct vls_lock_agg *a, enum vls_lock_scope scope)
{
	memset(a, 0, sizeof(*a));
	a->scope = scope;
	a->pid = -1;
	a->tid = -1;
}

static void agg_release(vls_ctx *ctx, struct vls_lock_agg *a)
{
	for (int m = 0; m < 2; m++) {
		__vls_dist_release(ctx, &a->mode[m].wait);
		__vls_dist_release(ctx, &a->mode[m].hold);
	}
}

static bool agg_used(const struct vls_lock_agg *a)
{
	for (int m = 0; m < 2; m++)
		if (a->mode[m].acquisitions || a->mode[m].trylock_fails ||
		    a->mode[m].downgrades || a->mode[m].open_holds)
			return true;
	return false;
}

/* A retired task no record names any more: its slot goes to the next new
 * task; its tid is remembered if it had rows out, for task_get(). */
static int task_free(struct vls_locks *lk, uint32_t ti)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	int err;

	if ((err = __vls_grow(lk->ctx, (void **)&lk->free_tasks, &lk->capfree_tasks,
			      lk->nfree_tasks + 1, sizeof(*lk->free_tasks), SIZE_MAX)) < 0 ||
	    (t->rows_out &&
	     (err = __vls_u64map_put(lk->ctx, &lk->retired, (uint64_t)(uint32_t)t->agg.tid, 0)) < 0))
		return err;
	__vls_u64map_del(&lk->task_map, (uint64_t)(uint32_t)t->agg.tid);
	memset(t, 0, sizeof(*t));
	lk->free_tasks[lk->nfree_tasks++] = ti;
	return 0;
}

/*
 * A thread that exited: its thread-scope figures are final, so they go to
 * the sink now rather than at the end, and its distributions are freed (a
 * busy trace has thousands of short-lived threads). The task itself stays:
 * records in the mm windows still name it. A task that dies waiting or
 * holding (its events were lost) is not retired: its figures are given
 * at the end, with every other scope's.
 */
static int task_retire(struct vls_locks *lk, uint32_t ti)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	int err;

	if (t->retired || t->pending || t->nheld || !lk->sink.thread)
		return 0;
	t->retired = true;
	t->rows_out = agg_used(&t->agg);
	if (t->rows_out && (err = lk->sink.thread(lk->sink.data, &t->agg)) < 0)
		return err;
	agg_release(lk->ctx, &t->agg);
	memset(t->agg.mode, 0, sizeof(t->agg.mode));
	return t->nrecs ? 0 : task_free(lk, ti);
}

/* A retired tid seen again: the kernel reused it (or the CPUs' clocks
 * disagree by more than the exit took). Its rows are taken back, to be
 * written again with what this incarnation adds. */
static int task_revive(struct vls_locks *lk, uint32_t ti)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	bool rows = t->rows_out;

	t->retired = t->rows_out = false;
	t->mm_own = false;        /* another process may have the tid now */
	return rows ? lk->sink.reused(lk->sink.data, &t->agg) : 0;
}

static int task_get(struct vls_locks *lk, int32_t tid, uint32_t *out)
{
	const uint64_t key = (uint64_t)(uint32_t)tid;
	struct vls_lock_task *t;
	uint32_t dummy;
	int err;

	if (!__vls_u64map_get(&lk->task_map, key, out))
		return __vls_lk_task(lk, *out)->retired ? task_revive(lk, *out) : 0;
	if (lk->nfree_tasks) {
		*out = lk->free_tasks[--lk->nfree_tasks];
		t = __vls_lk_task(lk, *out);
	} else {
		if (lk->tasks.n >= VLS_LOCK_TASKS_MAX)
			return __vls_error(lk->ctx, VLS_ELIMIT,
					   "lock analysis: more than %u tasks take "
					   "mmap_lock" VLS_LOCK_LIMIT_HINT,
					   VLS_LOCK_TASKS_MAX);
		if ((err = __vls_slab_push(lk->ctx, &lk->tasks, (void **)&t)) < 0)
			return err;
		*out = (uint32_t)(lk->tasks.n - 1);
	}
	agg_init(&t->agg, VLS_SCOPE_THREAD);
	t->agg.tid = tid;
	t->prio = -1;
	/* a failed put leaves the slot unused and unmapped */
	if ((err = __vls_u64map_put(lk->ctx, &lk->task_map, key, *out)) < 0)
		return err;
	if (__vls_u64map_get(&lk->retired, key, &dummy))
		return 0;
	/* a tid whose slot was freed after its exit is back */
	__vls_u64map_del(&lk->retired, key);
	return lk->sink.reused(lk->sink.data, &t->agg);
}

static void sleep_add(struct vls_lock_rec *r, const struct vls_lock_task *t,
		      uint64_t end)
{
	struct vls_lock_sleep *s;

	r->asleep_ns += end - t->sleep_start;
	if (r->nsleeps == VLS_LOCK_SLEEPS) {
		/* Out of slots: the last one grows to cover this sleep too. */
		s = &r->sleeps[VLS_LOCK_SLEEPS - 1];
		s->end = end;
		return;
	}
	s = &r->sleeps[r->nsleeps++];
	s->start = t->sleep_start;
	s->end = end;
	s->reason = t->sleep_reason;
	s->wchan = t->sleep_wchan;
}

/*
 * The end of t's sleep while holding, at ts: its switch back in, or in a
 * trace without that switch (perf record of a command records only its
 * tasks' own events, and the switch in is the previous task's) its next
 * own event or switch out, which ends the sleep at the latest.
 */
static void sleep_end(struct vls_locks *lk, struct vls_lock_task *t, uint64_t ts)
{
	for (uint32_t i = 0; i < t->nheld; i++)
		sleep_add(&lk->recs[t->held[i]], t, ts);
	t->asleep = false;
}

/* The task of the event, with what the event says about it. */
static int task_of(struct vls_locks *lk, const vls_event *ev, uint32_t *out)
{
	struct vls_lock_task *t;
	int err;

	if ((err = task_get(lk, ev->tid, out)) < 0)
		return err;
	t = __vls_lk_task(lk, *out);
	if (t->asleep)            /* its own event: it runs */
		sleep_end(lk, t, ev->ts_ns);
	if (ev->comm[0])
		memcpy(t->agg.comm, ev->comm, sizeof(t->agg.comm));
	if (ev->pid >= 0)
		t->agg.pid = ev->pid;
	else if (ev->kind == VLS_EV_MMAP_LOCK_START || t->agg.pid < 0) {
		/* as the import's groups know it now: it changes only at an
		 * exec, and a start is where an acquisition takes its process */
		int32_t pid = __vls_groups_pid(lk->groups, ev->tid);

		if (pid >= 0)
			t->agg.pid = pid;
	}
	return 0;
}

/* The main thread names its process; before it, the first taker. */
static void proc_name(struct vls_lock_proc *p, const struct vls_lock_task *t)
{
	bool leader = t->agg.pid >= 0 && t->agg.pid == t->agg.tid;

	if (p->pid_is_leader || (p->agg.comm[0] && !leader))
		return;
	memcpy(p->agg.comm, t->agg.comm, sizeof(p->agg.comm));
	p->pid_is_leader = leader;
}

/* The process an acquisition of mm (lk->mms[mmi]) by t counts under: t's
 * by its pid, else the mm's current incarnation's. */
static int proc_get(struct vls_locks *lk, const struct vls_lock_task *t,
		    uint32_t mmi, uint32_t *out)
{
	bool by_pid = t->agg.pid >= 0;
	uint64_t key = (uint64_t)(uint32_t)t->agg.pid;
	struct vls_lock_mm *m = __vls_lk_mm(lk, mmi);
	struct vls_lock_proc *p;
	int err;

	if (by_pid && !__vls_u64map_get(&lk->proc_pid, key, out))
		return 0;
	if (!by_pid && m->proc1) {
		*out = m->proc1 - 1;
		return 0;
	}
	if ((err = __vls_slab_push(lk->ctx, &lk->procs, (void **)&p)) < 0)
		return err;
	agg_init(&p->agg, VLS_SCOPE_PROCESS);
	p->agg.pid = t->agg.pid;
	p->agg.mm = m->mm;
	p->agg.mm_gen = m->gen;
	*out = (uint32_t)(lk->procs.n - 1);
	if (by_pid)
		return __vls_u64map_put(lk->ctx, &lk->proc_pid, key, *out);
	m->proc1 = *out + 1;
	return 0;
}

static int mm_get(struct vls_locks *lk, uint64_t mm, uint32_t *out)
{
	struct vls_lock_mm *m;
	int err;

	if (!__vls_u64map_get(&lk->mm_map, mm, out))
		return 0;
	if (lk->mms.n >= VLS_LOCK_MMS_MAX)
		return __vls_error(lk->ctx, VLS_ELIMIT, "lock analysis: mmap_lock of "
				   "more than %u mm_structs (distinct addresses)"
				   VLS_LOCK_LIMIT_HINT, VLS_LOCK_MMS_MAX);
	if ((err = __vls_slab_push(lk->ctx, &lk->mms, (void **)&m)) < 0)
		return err;
	m->mm = mm;
	m->prune_at = 64;
	*out = (uint32_t)(lk->mms.n - 1);
	return __vls_u64map_put(lk->ctx, &lk->mm_map, mm, *out);
}

static const struct vls_lock_rec rec_zero;

static int rec_new(struct vls_locks *lk, uint32_t *out)
{
	struct vls_lock_rec *r;
	uint32_t gen = 0;
	int err;

	if (lk->nfree) {
		*out = lk->free_recs[--lk->nfree];
		gen = lk->recs[*out].gen + 1;
	} else {
		if ((err = __vls_grow(lk->ctx, (void **)&lk->recs, &lk->caprecs,
				      lk->nrecs + 1, sizeof(*lk->recs), UINT32_MAX - 1)) < 0)
			return err;
		*out = (uint32_t)lk->nrecs++;
	}
	r = &lk->recs[*out];
	/* zeros copied, not memset(): faults-machine.c's ep_open() says why */
	memcpy(r, &rec_zero, sizeof(*r));
	r->gen = gen;
	r->in_use = true;
	r->waker = -1;
	r->chain = -1;
	return 0;
}

static int rec_free(struct vls_locks *lk, uint32_t id)
{
	struct vls_lock_task *t;
	int err;

	if ((err = __vls_grow(lk->ctx, (void **)&lk->free_recs, &lk->capfree,
			      lk->nfree + 1, sizeof(*lk->free_recs), SIZE_MAX)) < 0)
		return err;
	lk->recs[id].in_use = false;
	lk->free_recs[lk->nfree++] = id;
	t = __vls_lk_task(lk, lk->recs[id].task);
	if (t->nrecs && !--t->nrecs && t->retired)
		return task_free(lk, lk->recs[id].task);
	return 0;
}

/* Task ti waits in record id. The tasks with a pending wait are kept apart
 * so that horizon() need not walk every task of a busy trace. */
static int pend_set(struct vls_locks *lk, uint32_t ti, uint32_t id)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	int err;

	if (!t->pend_pos) {
		if ((err = __vls_grow(lk->ctx, (void **)&lk->pend, &lk->cappend,
				      lk->npend + 1, sizeof(*lk->pend), UINT32_MAX - 1)) < 0)
			return err;
		lk->pend[lk->npend++] = ti;
		t->pend_pos = (uint32_t)lk->npend;
	}
	t->pending = id + 1;
	return 0;
}

static void pend_clear(struct vls_locks *lk, uint32_t ti)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	uint32_t last;

	if (t->pend_pos) {
		last = lk->pend[--lk->npend];
		lk->pend[t->pend_pos - 1] = last;
		__vls_lk_task(lk, last)->pend_pos = t->pend_pos;
		t->pend_pos = 0;
	}
	t->pending = 0;
}

/* Oldest start of a wait still open anywhere: records that ended before it
 * can no longer block anything a chain will look at. */
static uint64_t horizon(const struct vls_locks *lk)
{
	uint64_t h = lk->now;

	for (size_t i = 0; i < lk->npend; i++) {
		const struct vls_lock_rec *r = &lk->recs[__vls_lk_task(lk, lk->pend[i])->pending - 1];

		if (r->t_start < h)
			h = r->t_start;
	}
	return h;
}

static bool rec_ended_before(const struct vls_lock_rec *r, uint64_t h)
{
	if (r->released)
		return r->t_rel < h;
	return r->failed && r->t_acq < h;
}

static int prune(struct vls_locks *lk, struct vls_lock_mm *m, bool force)
{
	uint64_t h = horizon(lk);
	size_t keep = 0;
	int err;

	for (size_t i = 0; i < m->nwin; i++) {
		struct vls_lock_rec *r = &lk->recs[m->win[i]];
		bool old = rec_ended_before(r, h) ||
			   (force && i < m->nwin / 2 && (r->released || r->failed));

		if (!old) {
			m->win[keep++] = m->win[i];
			continue;
		}
		if (!rec_ended_before(r, h))
			lk->counts.window_dropped++;
		if ((err = rec_free(lk, m->win[i])) < 0)
			return err;
	}
	m->nwin = keep;
	m->prune_at = keep * 2 > 64 ? keep * 2 : 64;
	return 0;
}

static int win_add(struct vls_locks *lk, uint32_t mmi, uint32_t rec)
{
	struct vls_lock_mm *m = __vls_lk_mm(lk, mmi);
	int err;

	if (m->nwin >= m->prune_at && (err = prune(lk, m, false)) < 0)
		return err;
	if (m->nwin >= VLS_LOCK_WINDOW_MAX && (err = prune(lk, m, true)) < 0)
		return err;
	if (m->nwin >= VLS_LOCK_WINDOW_MAX)
		return __vls_error(lk->ctx, VLS_ELIMIT,
				   "more than %u mmap_lock holders or waiters at once",
				   VLS_LOCK_WINDOW_MAX);
	if ((err = __vls_grow(lk->ctx, (void **)&m->win, &m->capwin, m->nwin + 1,
			      sizeof(*m->win), VLS_LOCK_WINDOW_MAX)) < 0)
		return err;
	m->win[m->nwin++] = rec;
	return 0;
}

static void scope_stats(struct vls_locks *lk, const struct vls_lock_rec *r,
			struct vls_lock_stats *out[VLS_SCOPE__COUNT])
{
	int m = r->write ? 1 : 0;

	out[VLS_SCOPE_RUN] = &lk->run.mode[m];
	out[VLS_SCOPE_PROCESS] = &__vls_lk_proc(lk, r->proci)->agg.mode[m];
	out[VLS_SCOPE_THREAD] = &__vls_lk_task(lk, r->task)->agg.mode[m];
	out[VLS_SCOPE_CALLSITE] = &lk->sites[r->site].mode[m];
}

/* t no longer claims its own mm: it died, or took another. */
static void own_mm_drop(struct vls_locks *lk, struct vls_lock_task *t)
{
	if (t->mm_counted)
		__vls_lk_mm(lk, t->own_mmi)->live--;
	t->mm_counted = false;
}

/*
 * An mm_struct's incarnations. The kernel frees an mm_struct when the last
 * task using it exits or execs, and may give its address to the next
 * process: a shell script's ls after ls, each of them a process of "one"
 * mm pointer in a trace without pids. An mm that was claimed as their own
 * by tasks that have all died since (their last switch) and is claimed
 * again is a new incarnation, a process of its own: gen goes up.
 */
static void own_mm_claim(struct vls_locks *lk, struct vls_lock_task *t, uint32_t mmi)
{
	struct vls_lock_mm *m = __vls_lk_mm(lk, mmi);

	if (!t->mm_counted || t->own_mmi != mmi) {
		own_mm_drop(lk, t);
		if (!m->live && m->claimed) {
			m->gen++;
			m->proc1 = 0;
		}
		m->live++;
		m->claimed = true;
		t->own_mmi = mmi;
		t->mm_counted = true;
	}
	t->agg.mm = m->mm;
	t->agg.mm_gen = m->gen;
}

/*
 * The thread's own mm, by which the report places a thread whose pid the
 * trace never gave in its process: the mm of its last acquisition at a
 * site that only ever takes the current task's mm (a fault, a memory
 * syscall, exec), else of its last acquisition. The last, not the most
 * frequent: a thread that exec'd belongs to its new mm, a reader of
 * /proc/PID/maps does not belong to PID's.
 */
static void record_own_mm(struct vls_locks *lk, struct vls_lock_task *t,
			  uint32_t mmi, enum vls_lock_site site)
{
	if (__vls_lock_site_own_mm(site)) {
		own_mm_claim(lk, t, mmi);
		t->mm_own = true;
	} else if (!t->mm_own) {
		own_mm_claim(lk, t, mmi);
	}
}

/* A new wait: a record in the mm's window and the task's pending wait. */
static int on_start(struct vls_locks *lk, const vls_event *ev)
{
	uint32_t ti, mmi = 0, proci = 0, id, stack;
	enum vls_lock_site site;
	struct vls_lock_task *t;
	struct vls_lock_mm *m;
	struct vls_lock_rec *r;
	int err;

	if ((err = task_of(lk, ev, &ti)) < 0 || (err = mm_get(lk, ev->u.mmap_lock.mm, &mmi)) < 0 ||
	    (err = stack_intern(lk, ev, &stack)) < 0)
		return err;
	/* its own mm first: a claim may begin the mm's next incarnation,
	 * which this acquisition then counts under */
	t = __vls_lk_task(lk, ti);
	site = stack ? lk->stacks[stack - 1].site : VLS_SITE_UNKNOWN;
	record_own_mm(lk, t, mmi, site);
	if ((err = proc_get(lk, t, mmi, &proci)) < 0 || (err = rec_new(lk, &id)) < 0)
		return err;
	m = __vls_lk_mm(lk, mmi);
	proc_name(__vls_lk_proc(lk, proci), t);
	if (t->pending) {         /* its acquire_returned was lost */
		struct vls_lock_rec *lost = &lk->recs[t->pending - 1];
		struct vls_lock_mm *lm = __vls_lk_mm(lk, lost->mmi);

		lk->counts.unmatched_acquire++;
		lost->failed = true;
		lost->t_acq = ev->ts_ns;
		if (lost->write && lm->nwwait)
			lm->nwwait--;
	}
	r = &lk->recs[id];
	r->mm = ev->u.mmap_lock.mm;
	r->mmi = mmi;
	r->proci = proci;
	r->task = ti;
	t->nrecs++;
	r->tid = ev->tid;
	r->prio = t->prio;
	r->write = ev->u.mmap_lock.write;
	r->t_start = ev->ts_ns;
	r->stack = stack;
	r->site = site;
	/* rwsem: a writer waits for any holder; a reader for a writer holding
	 * or queued (rwsem_down_read_slowpath() queues behind waiters). */
	r->blocked_at_start = r->write ? (m->nreaders || m->nwriters)
				       : (m->nwriters || m->nwwait);
	if (r->write)
		m->nwwait++;
	for (uint32_t i = 0; i < t->nheld; i++) {
		lk->recs[t->held[i]].nested = id + 1;
		lk->recs[t->held[i]].nested_gen = r->gen;
	}
	if ((err = pend_set(lk, ti, id)) < 0)
		return err;
	return win_add(lk, mmi, id);
}

static int emit_chain(struct vls_locks *lk, uint32_t id, uint64_t now)
{
	int64_t seq = (int64_t)lk->counts.chains;
	int err;

	__vls_chain_build(lk, id, now);
	lk->counts.chains++;
	lk->counts.chain_links_dropped += lk->chain.dropped_links;
	lk->recs[id].chain = seq;
	if (lk->sink.chain && (err = lk->sink.chain(lk->sink.data, &lk->chain, seq)) < 0)
		return err;
	return 0;
}

static int count_fail(struct vls_locks *lk, struct vls_lock_rec *r, uint64_t ts)
{
	struct vls_lock_stats *st[VLS_SCOPE__COUNT];

	r->failed = true;
	r->t_acq = ts;
	scope_stats(lk, r, st);
	for (int s = 0; s < VLS_SCOPE__COUNT; s++)
		st[s]->trylock_fails++;
	return 0;
}

/*
 * Did the wait contend? With lock:contention_begin in the trace, the
 * kernel says so: the task entered the rwsem slow path while waiting.
 * Without, it is inferred: a conflicting holder or queued writer at the
 * start, or an uninterruptible sleep while waiting.
 */
static bool rec_contended(const struct vls_locks *lk, const struct vls_lock_rec *r)
{
	if (lk->contention_events)
		return r->kernel_contended;
	return r->blocked_at_start || r->slept_waiting;
}

static int count_acquire(struct vls_locks *lk, struct vls_lock_rec *r)
{
	struct vls_lock_stats *st[VLS_SCOPE__COUNT];
	uint64_t wait = r->t_acq - r->t_start;
	bool contended = rec_contended(lk, r);
	int err;

	if (r->stack)
		lk->stacks[r->stack - 1].acquisitions++;
	scope_stats(lk, r, st);
	for (int s = 0; s < VLS_SCOPE__COUNT; s++) {
		st[s]->acquisitions++;
		st[s]->contended += contended;
		if ((err = __vls_dist_add(lk->ctx, &st[s]->wait, wait)) < 0)
			return err;
	}
	return 0;
}

/*
 * A task holds more than VLS_TASK_HELD_MAX mmap_locks: a release was lost
 * (ring buffer overrun, an edited trace). Its oldest hold ends unseen, as
 * one still open at the end does: counted in open_holds, no hold sample,
 * and no longer blocking anyone in a chain.
 */
static void hold_lost(struct vls_locks *lk, uint32_t ti)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	struct vls_lock_stats *st[VLS_SCOPE__COUNT];
	struct vls_lock_rec *r;
	struct vls_lock_mm *m;
	uint32_t oldest = 0;

	for (uint32_t i = 1; i < t->nheld; i++)
		if (lk->recs[t->held[i]].t_acq < lk->recs[t->held[oldest]].t_acq)
			oldest = i;
	r = &lk->recs[t->held[oldest]];
	m = __vls_lk_mm(lk, r->mmi);
	t->held[oldest] = t->held[--t->nheld];
	r->released = true;
	r->t_rel = r->t_acq;
	if (r->write && m->nwriters)
		m->nwriters--;
	else if (!r->write && m->nreaders)
		m->nreaders--;
	scope_stats(lk, r, st);
	for (int s = 0; s < VLS_SCOPE__COUNT; s++)
		st[s]->open_holds++;
	lk->counts.holds_lost++;
}

static int hold_add(struct vls_locks *lk, uint32_t ti, uint32_t id)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	struct vls_lock_mm *m = __vls_lk_mm(lk, lk->recs[id].mmi);

	if (t->nheld >= VLS_TASK_HELD_MAX)
		hold_lost(lk, ti);
	t->held[t->nheld++] = id;
	if (lk->recs[id].write)
		m->nwriters++;
	else
		m->nreaders++;
	return 0;
}

/* mmap_write_downgrade(): the write hold ends, a read hold begins. */
static int downgrade(struct vls_locks *lk, uint32_t ti, uint32_t hi, uint64_t ts);

static int find_held(const struct vls_locks *lk, uint32_t ti, uint64_t mm,
		     int write)
{
	const struct vls_lock_task *t = __vls_lk_task(lk, ti);
	int found = -1;

	for (uint32_t i = 0; i < t->nheld; i++) {
		const struct vls_lock_rec *r = &lk->recs[t->held[i]];

		if (r->mm != mm)
			continue;
		if (write < 0 || r->write == write)
			return (int)i;
		found = (int)i;
	}
	return found;
}

static int on_acquired(struct vls_locks *lk, const vls_event *ev)
{
	const struct vls_lock_task *t;
	struct vls_lock_mm *m;
	uint32_t ti, id;
	struct vls_lock_rec *r;
	int err, h;

	if ((err = task_of(lk, ev, &ti)) < 0)
		return err;
	t = __vls_lk_task(lk, ti);
	if (!t->pending || lk->recs[t->pending - 1].mm != ev->u.mmap_lock.mm) {
		h = find_held(lk, ti, ev->u.mmap_lock.mm, 1);
		if (!ev->u.mmap_lock.write && ev->u.mmap_lock.success && h >= 0 &&
		    lk->recs[t->held[h]].write)
			return downgrade(lk, ti, (uint32_t)h, ev->ts_ns);
		lk->counts.unmatched_acquire++;
		return 0;
	}
	id = t->pending - 1;
	pend_clear(lk, ti);
	r = &lk->recs[id];
	m = __vls_lk_mm(lk, r->mmi);
	if (r->write && m->nwwait)
		m->nwwait--;
	if (!ev->u.mmap_lock.success)
		return count_fail(lk, r, ev->ts_ns);
	r->acquired = true;
	r->t_acq = ev->ts_ns;
	if ((err = count_acquire(lk, r)) < 0 || (err = hold_add(lk, ti, id)) < 0)
		return err;
	if (r->t_acq - r->t_start >= lk->threshold)
		return emit_chain(lk, id, ev->ts_ns);
	return 0;
}

static bool rec_notable(const struct vls_locks *lk, const struct vls_lock_rec *r,
			uint64_t hold)
{
	return rec_contended(lk, r) ||
	       r->t_acq - r->t_start >= lk->threshold || hold >= lk->threshold;
}

static enum vls_sleep_reason rec_reason(const struct vls_lock_rec *r,
					const char **wchan)
{
	uint64_t best = 0;
	enum vls_sleep_reason reason = VLS_SLEEP_NONE;

	*wchan = NULL;
	for (uint32_t i = 0; i < r->nsleeps; i++)
		if (r->sleeps[i].end - r->sleeps[i].start >= best) {
			best = r->sleeps[i].end - r->sleeps[i].start;
			reason = r->sleeps[i].reason;
			*wchan = r->sleeps[i].wchan;
		}
	return reason;
}

static int emit_acq(struct vls_locks *lk, const struct vls_lock_rec *r,
		    uint64_t hold, bool open)
{
	const struct vls_lock_stack *st = r->stack ? &lk->stacks[r->stack - 1] : NULL;
	const struct vls_lock_task *t = __vls_lk_task(lk, r->task);
	struct vls_lock_acq a = {
		.mm = r->mm, .tid = r->tid, .pid = t->agg.pid, .write = r->write,
		.contended = rec_contended(lk, r), .open = open,
		.site = r->site, .frames = st ? st->frames : NULL,
		.nframes = st ? st->n : 0, .start_ns = r->t_start,
		.wait_ns = r->t_acq - r->t_start, .hold_ns = hold,
		.asleep_ns = r->asleep_ns, .chain = r->chain,
	};

	if (!lk->sink.acq || (!lk->sink.every && !rec_notable(lk, r, hold)))
		return 0;
	a.downgraded = r->downgrade_read;
	a.reason = rec_reason(r, &a.wchan);
	return lk->sink.acq(lk->sink.data, &a);
}

static int count_release(struct vls_locks *lk, uint32_t ti, uint32_t hi,
			 uint64_t ts)
{
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	uint32_t id = t->held[hi];
	struct vls_lock_rec *r = &lk->recs[id];
	struct vls_lock_mm *m = __vls_lk_mm(lk, r->mmi);
	struct vls_lock_stats *st[VLS_SCOPE__COUNT];
	int err;

	r->released = true;
	r->t_rel = ts;
	t->held[hi] = t->held[--t->nheld];
	if (r->write && m->nwriters)
		m->nwriters--;
	else if (!r->write && m->nreaders)
		m->nreaders--;
	scope_stats(lk, r, st);
	for (int s = 0; s < VLS_SCOPE__COUNT; s++) {
		st[s]->asleep_ns += r->asleep_ns;
		if ((err = __vls_dist_add(lk->ctx, &st[s]->hold, ts - r->t_acq)) < 0)
			return err;
	}
	return emit_acq(lk, r, ts - r->t_acq, false);
}

static int downgrade(struct vls_locks *lk, uint32_t ti, uint32_t hi, uint64_t ts)
{
	const struct vls_lock_rec *w = &lk->recs[__vls_lk_task(lk, ti)->held[hi]];
	struct vls_lock_stats *st[VLS_SCOPE__COUNT];
	uint32_t mmi = w->mmi, id;
	struct vls_lock_rec proto = *w;
	int err;

	if ((err = count_release(lk, ti, hi, ts)) < 0 || (err = rec_new(lk, &id)) < 0)
		return err;
	lk->recs[id].mm = proto.mm;
	lk->recs[id].mmi = mmi;
	lk->recs[id].proci = proto.proci;
	lk->recs[id].task = ti;
	__vls_lk_task(lk, ti)->nrecs++;
	lk->recs[id].tid = proto.tid;
	lk->recs[id].prio = __vls_lk_task(lk, ti)->prio;
	lk->recs[id].stack = proto.stack;
	lk->recs[id].site = proto.site;
	lk->recs[id].t_start = lk->recs[id].t_acq = ts;
	lk->recs[id].acquired = lk->recs[id].downgrade_read = true;
	scope_stats(lk, &lk->recs[id], st);
	for (int s = 0; s < VLS_SCOPE__COUNT; s++)
		st[s]->downgrades++;
	if ((err = hold_add(lk, ti, id)) < 0)
		return err;
	return win_add(lk, mmi, id);
}

static int on_released(struct vls_locks *lk, const vls_event *ev)
{
	uint32_t ti;
	int err, h;

	if ((err = task_of(lk, ev, &ti)) < 0)
		return err;
	h = find_held(lk, ti, ev->u.mmap_lock.mm, ev->u.mmap_lock.write);
	if (h < 0) {              /* taken before the trace began */
		lk->counts.unmatched_release++;
		return 0;
	}
	return count_release(lk, ti, (uint32_t)h, ev->ts_ns);
}

static int switch_out(struct vls_locks *lk, const vls_event *ev)
{
	uint32_t ti, stack;
	struct vls_lock_task *t;
	int err;

	if ((err = task_get(lk, ev->u.sched_switch.prev_pid, &ti)) < 0)
		return err;
	t = __vls_lk_task(lk, ti);
	t->prio = ev->u.sched_switch.prev_prio;
	if (!t->agg.comm[0])
		memcpy(t->agg.comm, ev->u.sched_switch.prev_comm, VLS_COMM_MAX);
	if (t->asleep)            /* out again: it ran */
		sleep_end(lk, t, ev->ts_ns);
	if (ev->u.sched_switch.prev_state & (VLS_TASK_EXIT_DEAD | VLS_TASK_EXIT_ZOMBIE)) {
		own_mm_drop(lk, t);
		return task_retire(lk, ti);   /* its last switch: do_task_dead() */
	}
	if (!(ev->u.sched_switch.prev_state & VLS_TASK_UNINTERRUPTIBLE))
		return 0;
	if (t->pending)
		lk->recs[t->pending - 1].slept_waiting = true;
	if (!t->nheld)
		return 0;
	if ((err = stack_intern(lk, ev, &stack)) < 0)
		return err;
	t = __vls_lk_task(lk, ti);
	t->asleep = true;
	t->sleep_start = ev->ts_ns;
	t->sleep_reason = stack ? lk->stacks[stack - 1].reason : VLS_SLEEP_UNKNOWN;
	t->sleep_wchan = stack ? lk->stacks[stack - 1].wchan : NULL;
	return 0;
}

static int switch_in(struct vls_locks *lk, const vls_event *ev)
{
	uint32_t ti;
	struct vls_lock_task *t;
	int err;

	if ((err = task_get(lk, ev->u.sched_switch.next_pid, &ti)) < 0)
		return err;
	t = __vls_lk_task(lk, ti);
	t->prio = ev->u.sched_switch.next_prio;
	if (!t->agg.comm[0])
		memcpy(t->agg.comm, ev->u.sched_switch.next_comm, VLS_COMM_MAX);
	if (t->asleep)
		sleep_end(lk, t, ev->ts_ns);
	return 0;
}

static int on_switch(struct vls_locks *lk, const vls_event *ev)
{
	int err;

	if (ev->u.sched_switch.prev_pid > 0 && (err = switch_out(lk, ev)) < 0)
		return err;
	if (ev->u.sched_switch.next_pid > 0)
		return switch_in(lk, ev);
	return 0;
}

/* sched_waking runs in the waker's context; sched_wakeup may run on the
 * wakee's CPU (ttwu_queue), so a waking already seen is preferred. */
static int on_wakeup(struct vls_locks *lk, const vls_event *ev)
{
	bool waking = ev->kind == VLS_EV_SCHED_WAKING;
	struct vls_lock_task *t;
	struct vls_lock_rec *r;
	uint32_t ti;
	int err;

	if (ev->u.wakeup.pid <= 0 ||
	    (err = task_get(lk, ev->u.wakeup.pid, &ti)) < 0)
		return ev->u.wakeup.pid <= 0 ? 0 : err;
	t = __vls_lk_task(lk, ti);
	t->prio = ev->u.wakeup.prio;
	if (!t->pending || ev->tid <= 0 || ev->tid == ev->u.wakeup.pid)
		return 0;
	r = &lk->recs[t->pending - 1];
	if (waking || !r->waker_waking) {
		r->waker = ev->tid;
		r->waker_waking = waking;
		r->t_woken = ev->ts_ns;
	}
	return 0;
}

void __vls_locks_set_contention_events(struct vls_locks *lk, bool present)
{
	lk->contention_events = present;
}

void __vls_locks_set_stack_num(struct vls_locks *lk, uint32_t id)
{
	lk->stack_num = id;
}

void __vls_locks_set_groups(struct vls_locks *lk, const struct vls_groups *g)
{
	lk->groups = g;
}

/* A task waiting for mmap_lock entered a sleeping rwsem's slow path: its
 * wait contended. */
static int on_contention(struct vls_locks *lk, const vls_event *ev)
{
	uint32_t f = ev->u.contention.flags, ti;
	const struct vls_lock_task *t;
	int err;

	lk->contention_events = true;
	if (!__vls_lcb_rwsem(f))
		return 0;
	if ((err = task_of(lk, ev, &ti)) < 0)
		return err;
	t = __vls_lk_task(lk, ti);
	if (t->pending)
		lk->recs[t->pending - 1].kernel_contended = true;
	return 0;
}

int __vls_locks_event(struct vls_locks *lk, const vls_event *ev)
{
	if (ev->ts_ns > lk->now)
		lk->now = ev->ts_ns;
	lk->counts.events++;
	if (ev->kind >= VLS_EV_MMAP_LOCK_START && ev->kind <= VLS_EV_MMAP_LOCK_RELEASED)
		lk->counts.lock_events++;
	switch (ev->kind) {
	case VLS_EV_MMAP_LOCK_START:
		return on_start(lk, ev);
	case VLS_EV_MMAP_LOCK_ACQUIRED:
		return on_acquired(lk, ev);
	case VLS_EV_MMAP_LOCK_RELEASED:
		return on_released(lk, ev);
	case VLS_EV_SCHED_SWITCH:
		return on_switch(lk, ev);
	case VLS_EV_LOCK_CONTENTION_BEGIN:
		return on_contention(lk, ev);
	case VLS_EV_SCHED_WAKEUP:
	case VLS_EV_SCHED_WAKING:
		return on_wakeup(lk, ev);
	default:
		lk->counts.events--;
		return 0;
	}
}

static int finish_task(struct vls_locks *lk, uint32_t ti)
{
	struct vls_lock_stats *st[VLS_SCOPE__COUNT];
	struct vls_lock_task *t = __vls_lk_task(lk, ti);
	int err;

	if (t->pending) {
		struct vls_lock_rec *r = &lk->recs[t->pending - 1];

		if (lk->now - r->t_start >= lk->threshold &&
		    (err = emit_chain(lk, t->pending - 1, lk->now)) < 0)
			return err;
	}
	for (uint32_t i = 0; i < t->nheld; i++) {
		struct vls_lock_rec *r = &lk->recs[t->held[i]];

		if (t->asleep)
			sleep_add(r, t, lk->now);
		scope_stats(lk, r, st);
		for (int s = 0; s < VLS_SCOPE__COUNT; s++) {
			st[s]->open_holds++;
			st[s]->asleep_ns += r->asleep_ns;
		}
		if ((err = emit_acq(lk, r, lk->now - r->t_acq, true)) < 0)
			return err;
	}
	t->asleep = false;      /* its sleep is now in the records */
	return 0;
}

/* Each call site's most frequent stack, for its raw top frames. */
static void best_stacks(struct vls_locks *lk)
{
	uint64_t best[VLS_SITE__COUNT] = { 0 };

	for (size_t i = 0; i < lk->nstacks; i++) {
		const struct vls_lock_stack *st = &lk->stacks[i];

		if (st->acquisitions <= best[st->site])
			continue;
		best[st->site] = st->acquisitions;
		lk->sites[st->site].frames = st->frames;
		lk->sites[st->site].nframes = st->n;
	}
}

int __vls_locks_finish(struct vls_locks *lk)
{
	int err;

	for (size_t i = 0; i < lk->tasks.n; i++)
		if ((err = finish_task(lk, (uint32_t)i)) < 0)
			return err;
	best_stacks(lk);
	return 0;
}

int __vls_locks_new(struct vls_locks **out, vls_ctx *ctx, uint64_t threshold_ns,
		    const struct vls_locks_sink *sink)
{
	struct vls_locks *lk;

	*out = NULL;
	if (!(lk = __vls_calloc(ctx, 1, sizeof(*lk))))
		return __vls_error(ctx, VLS_ENOMEM, "out of memory for the lock analyzer");
	lk->ctx = ctx;
	__vls_slab_init(&lk->tasks, sizeof(struct vls_lock_task), VLS_LOCK_TASKS_MAX);
	__vls_slab_init(&lk->mms, sizeof(struct vls_lock_mm), VLS_LOCK_MMS_MAX);
	__vls_slab_init(&lk->procs, sizeof(struct vls_lock_proc), VLS_LOCK_PROCS_MAX);
	lk->threshold = threshold_ns ? threshold_ns : VLS_LOCK_DEFAULT_THRESHOLD_NS;
	if (sink)
		lk->sink = *sink;
	agg_init(&lk->run, VLS_SCOPE_RUN);
	for (int i = 0; i < VLS_SITE__COUNT; i++) {
		agg_init(&lk->sites[i], VLS_SCOPE_CALLSITE);
		lk->sites[i].site = (enum vls_lock_site)i;
	}
	*out = lk;
	return 0;
}

void __vls_locks_free(struct vls_locks *lk)
{
	vls_ctx *ctx;

	if (!lk)
		return;
	ctx = lk->ctx;
	agg_release(ctx, &lk->run);
	for (int i = 0; i < VLS_SITE__COUNT; i++)
		agg_release(ctx, &lk->sites[i]);
	for (size_t i = 0; i < lk->tasks.n; i++)
		agg_release(ctx, &__vls_lk_task(lk, i)->agg);
	for (size_t i = 0; i < lk->mms.n; i++)
		__vls_free(ctx, __vls_lk_mm(lk, i)->win);
	for (size_t i = 0; i < lk->procs.n; i++)
		agg_release(ctx, &__vls_lk_proc(lk, i)->agg);
	for (size_t i = 0; i < lk->nstacks; i++)
		__vls_free(ctx, (void *)lk->stacks[i].frames);
	for (size_t i = 0; i < lk->nstrs; i++)
		__vls_free(ctx, lk->strs[i]);
	__vls_slab_release(ctx, &lk->tasks);
	__vls_slab_release(ctx, &lk->mms);
	__vls_slab_release(ctx, &lk->procs);
	__vls_u64map_release(ctx, &lk->proc_pid);
	__vls_free(ctx, lk->recs);
	__vls_free(ctx, lk->free_recs);
	__vls_free(ctx, lk->pend);
	__vls_free(ctx, lk->stacks);
	__vls_free(ctx, lk->strs);
	__vls_u64map_release(ctx, &lk->task_map);
	__vls_u64map_release(ctx, &lk->retired);
	__vls_free(ctx, lk->free_tasks);
	__vls_u64map_release(ctx, &lk->mm_map);
	__vls_u64map_release(ctx, &lk->stack_map);
	__vls_idvec_release(ctx, &lk->by_stack_num);
	__vls_u64map_release(ctx, &lk->str_map);
	__vls_free(ctx, lk);
}

int __vls_locks_foreach(struct vls_locks *lk, enum vls_lock_scope scope,
			vls_lock_agg_cb cb, void *data)
{
	int err = 0;

	switch (scope) {
	case VLS_SCOPE_RUN:          /* no mmap_lock event: no figures at all */
		return lk->counts.lock_events ? cb(&lk->run, data) : 0;
	case VLS_SCOPE_PROCESS:
		for (size_t i = 0; i < lk->procs.n && err >= 0; i++)
			if (agg_used(&__vls_lk_proc(lk, i)->agg))
				err = cb(&__vls_lk_proc(lk, i)->agg, data);
		return err;
	case VLS_SCOPE_THREAD:
		for (size_t i = 0; i < lk->tasks.n && err >= 0; i++)
			if (agg_used(&__vls_lk_task(lk, i)->agg))
				err = cb(&__vls_lk_task(lk, i)->agg, data);
		return err;
	case VLS_SCOPE_CALLSITE:
		for (int i = 0; i < VLS_SITE__COUNT && err >= 0; i++)
			if (agg_used(&lk->sites[i]))
				err = cb(&lk->sites[i], data);
		return err;
	default:
		return __vls_error(lk->ctx, VLS_EINVAL, "no lock scope %d", (int)scope);
	}
}

void __vls_locks_counts(const struct vls_locks *lk, struct vls_locks_counts *out)
{
	*out = lk->counts;
}
