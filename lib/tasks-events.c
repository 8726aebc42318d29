/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks-events.c - raw events into table event (schema/05_events.sql), for
 * the task analyzer when vls_import_opts.keep_events is set.
 *
 * Each kind's fields go into the generic columns f1..f5 and str; the
 * mapping below is the one docs/schema.md documents and the event_* views
 * name. Unsigned 64-bit values are bound as their signed bit pattern.
 */
#include <string.h>

#include "store.h"
#include "tasks.h"

struct fields {
	int64_t f[5];
	int n;              /* f[0..n-1] are set, the rest NULL */
	const char *str;
	size_t str_max;     /* the size of the array str points into */
};

#define F(...) do { \
	const int64_t _v[] = { __VA_ARGS__ }; \
	memcpy(out->f, _v, sizeof(_v)); \
	out->n = (int)(sizeof(_v) / sizeof(_v[0])); \
} while (0)

static void map_sched(const vls_event *ev, struct fields *out)
{
	switch (ev->kind) {
	case VLS_EV_SCHED_SWITCH:
		F(ev->u.sched_switch.prev_pid, ev->u.sched_switch.prev_prio,
		  (int64_t)ev->u.sched_switch.prev_state, ev->u.sched_switch.next_pid,
		  ev->u.sched_switch.next_prio);
		out->str = ev->u.sched_switch.next_comm;
		break;
	case VLS_EV_SCHED_WAKEUP:
	case VLS_EV_SCHED_WAKING:
		F(ev->u.wakeup.pid, ev->u.wakeup.prio, ev->u.wakeup.target_cpu);
		out->str = ev->u.wakeup.comm;
		break;
	case VLS_EV_SCHED_FORK:
		F(ev->u.fork.parent_pid, ev->u.fork.child_pid);
		out->str = ev->u.fork.child_comm;
		break;
	case VLS_EV_SCHED_EXIT:
		F(ev->u.exit.pid, ev->u.exit.prio);
		out->str = ev->u.exit.comm;
		break;
	case VLS_EV_SCHED_EXEC:
		F(ev->u.exec.pid, ev->u.exec.old_pid);
		break;
	default:
		break;
	}
}

static void map_fields(const vls_event *ev, struct fields *out)
{
	memset(out, 0, sizeof(*out));
	switch (ev->kind) {
	case VLS_EV_MMAP_LOCK_START:
	case VLS_EV_MMAP_LOCK_RELEASED:
		F((int64_t)ev->u.mmap_lock.mm, (int64_t)ev->u.mmap_lock.memcg_id,
		  ev->u.mmap_lock.write);
		break;
	case VLS_EV_MMAP_LOCK_ACQUIRED:
		F((int64_t)ev->u.mmap_lock.mm, (int64_t)ev->u.mmap_lock.memcg_id,
		  ev->u.mmap_lock.write, ev->u.mmap_lock.success);
		break;
	case VLS_EV_PAGE_FAULT_USER:
	case VLS_EV_PAGE_FAULT_KERNEL:
		F((int64_t)ev->u.fault.address, (int64_t)ev->u.fault.ip,
		  (int64_t)ev->u.fault.error_code);
		break;
	case VLS_EV_FILEMAP_FAULT:
	case VLS_EV_FILEMAP_ADD:
	case VLS_EV_FILEMAP_DELETE:
		F((int64_t)ev->u.filemap.dev, (int64_t)ev->u.filemap.ino,
		  (int64_t)ev->u.filemap.index, (int64_t)ev->u.filemap.pfn);
		break;
	case VLS_EV_LOCK_CONTENTION_BEGIN:
		F((int64_t)ev->u.contention.lock_addr, ev->u.contention.flags);
		break;
	case VLS_EV_LOCK_CONTENTION_END:
		F((int64_t)ev->u.contention.lock_addr, ev->u.contention.ret);
		break;
	case VLS_EV_BLOCK_RQ_ISSUE:
	case VLS_EV_BLOCK_RQ_COMPLETE:
		F((int64_t)ev->u.block.dev, (int64_t)ev->u.block.sector,
		  ev->u.block.nr_sector, ev->u.block.error);
		out->str = ev->u.block.rwbs;
		out->str_max = sizeof(ev->u.block.rwbs);
		break;
	default:
		map_sched(ev, out);
		break;
	}
}

/* Known kinds by their canonical name (text traces may omit the system);
 * others by the name the input gave. */
static const char *kind_name(const vls_event *ev)
{
	if (ev->kind != VLS_EV_OTHER || !ev->name || !*ev->name)
		return vls_event_kind_name(ev->kind);
	return ev->name;
}

int __vls_tasks_store_event(struct vls_store_txn *txn, int64_t seq,
			    const vls_event *ev)
{
	static const char *const f[5] = { "f1", "f2", "f3", "f4", "f5" };
	struct vls_row r;
	struct fields fl;
	int64_t stack_id = 0;
	int ret;

	ret = __vls_store_stack_id(&stack_id, txn, ev->stack, ev->stack_depth);
	if (ret)
		return ret;
	map_fields(ev, &fl);
	__vls_row_start(&r, txn,
		"INSERT INTO event (run_id, seq, ts, cpu, tid, pid, kind, stack_id,"
		" f1, f2, f3, f4, f5, str) VALUES (:run_id, :seq, :ts, :cpu, :tid,"
		" :pid, :kind, :stack_id, :f1, :f2, :f3, :f4, :f5, :str)");
	__vls_row_i64(&r, "run_id", txn->run_id);
	__vls_row_i64(&r, "seq", seq);
	__vls_row_u64(&r, "ts", ev->ts_ns);
	__vls_row_i64(&r, "cpu", ev->cpu);
	__vls_row_i64(&r, "tid", ev->tid);
	__vls_row_opt(&r, "pid", ev->pid >= 0, ev->pid);
	__vls_row_text(&r, "kind", kind_name(ev));
	__vls_row_opt(&r, "stack_id", stack_id != 0, stack_id);
	for (int i = 0; i < 5; i++)
		__vls_row_opt(&r, f[i], i < fl.n, i < fl.n ? fl.f[i] : 0);
	if (fl.str)
		__vls_row_textn(&r, "str", fl.str,
				strnlen(fl.str, fl.str_max ? fl.str_max : VLS_COMM_MAX));
	else
		__vls_row_null(&r, "str");
	return __vls_row_step(&r);
}
