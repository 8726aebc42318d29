/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat.c - the trace-cmd trace.dat reader: reader-tracedat-data.c
 * reads the records of every buffer of the file in timestamp order,
 * libtraceevent describes their fields (its handle built by
 * reader-tracedat-tep.c from the file's metadata, kallsyms in our own
 * table), and this file turns them into vls_events. A file that only
 * libtracecmd reads the way it should be read (reader-tracedat-layout.c
 * and -data.c say why) is opened and iterated by libtracecmd, which then
 * builds the handle.
 *
 * Speed: the fields of each event id are looked up once (struct
 * td_event, indexed by id) and read by offset; nothing is allocated per
 * record. Every field is bounds-checked against the record's size: a
 * corrupt page must not make us read past the record.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <event-parse.h>
#include <trace-cmd.h>

#include "reader-tracedat.h"

#define EVENT_IDS_MAX 65536     /* common_type is an unsigned short */
#define HANDLES_MAX 257         /* the top buffer and up to 256 instances */
#define NFIELDS 8
/* Bytes of a record decoding may read: past them no field is read (a ring
 * buffer page, 64 KB at most, holds every record). */
#define RECORD_READ_MAX 65536
#define TD_PROGRESS_STEP 4096   /* bytes of CPU data between reports */
#define PROGRESS_CPUS_MAX 8192  /* past this many CPUs, no progress */

/* Field names per kind, in the slot order decode_*() reads them. */
static const char *const kind_fields[VLS_EV__COUNT][NFIELDS] = {
	[VLS_EV_MMAP_LOCK_START] = { "mm", "memcg_id", "write" },
	[VLS_EV_MMAP_LOCK_ACQUIRED] = { "mm", "memcg_id", "write", "success" },
	[VLS_EV_MMAP_LOCK_RELEASED] = { "mm", "memcg_id", "write" },
	[VLS_EV_PAGE_FAULT_USER] = { "address", "ip", "error_code" },
	[VLS_EV_PAGE_FAULT_KERNEL] = { "address", "ip", "error_code" },
	[VLS_EV_FILEMAP_FAULT] = { "s_dev", "i_ino", "index", "pfn" },
	[VLS_EV_FILEMAP_ADD] = { "s_dev", "i_ino", "index", "pfn" },
	[VLS_EV_FILEMAP_DELETE] = { "s_dev", "i_ino", "index", "pfn" },
	[VLS_EV_SCHED_SWITCH] = { "prev_comm", "prev_pid", "prev_prio", "prev_state",
				  "next_comm", "next_pid", "next_prio" },
	[VLS_EV_SCHED_WAKEUP] = { "comm", "pid", "prio", "target_cpu" },
	[VLS_EV_SCHED_WAKING] = { "comm", "pid", "prio", "target_cpu" },
	[VLS_EV_SCHED_FORK] = { "parent_comm", "parent_pid", "child_comm", "child_pid" },
	[VLS_EV_SCHED_EXIT] = { "comm", "pid", "prio" },
	[VLS_EV_SCHED_EXEC] = { "pid", "old_pid" },
	[VLS_EV_LOCK_CONTENTION_BEGIN] = { "lock_addr", "flags" },
	[VLS_EV_LOCK_CONTENTION_END] = { "lock_addr", "ret" },
	[VLS_EV_BLOCK_RQ_ISSUE] = { "dev", "sector", "nr_sector", "error", "rwbs" },
	[VLS_EV_BLOCK_RQ_COMPLETE] = { "dev", "sector", "nr_sector", "error", "rwbs" },
	[VLS_EV_TASK_NEWTASK] = { "comm", "pid", "clone_flags" },
};

#define COMM_CACHE 1024         /* pids whose comm is kept at hand */

struct td_comm {
	bool valid;
	int32_t pid;
	char comm[VLS_COMM_MAX];
};

/* What we know of one event id, filled on its first record. */
struct td_event {
	bool init;
	bool is_stack;           /* ftrace:kernel_stack */
	vls_event_kind kind;
	char *name;              /* "system:event" */
	struct tep_format_field *f[NFIELDS]; /* NULL: the kernel lacks it */
};

struct td_priv {
	struct tracecmd_input *handles[HANDLES_MAX];
	int nhandles;
	struct tep_handle *tep;
	bool own_tep;            /* tep is ours (reader-tracedat-tep.c) */
	struct vls_tdhead head;
	struct vls_tddata *data; /* NULL: libtracecmd iterates */
	struct td_event *ev;     /* indexed by event id, grown on demand */
	size_t nev;
	int long_size;
	bool swap;               /* the file's byte order is not ours */
	int err;                 /* first error of the iteration */
	uint64_t missed;         /* events the ring buffer pages say were lost */
	char addr_names[VLS_STACK_MAX][VLS_TDSYMS_HEX]; /* unresolved frames */
	struct vls_tdsyms syms;  /* stack frames' names, by address */
	struct vls_tdstacks stacks; /* whole stacks' names, by addresses */
	/* where the event id is, fixed at open */
	const struct tep_format_field *type_field;
	/* common_pid, read by hand like type_field: tep_data_type() and
	 * tep_data_pid() cost a sixth of decoding */
	const struct tep_format_field *pid_field;
	struct td_comm comms[COMM_CACHE];
	/* Progress, on the reading thread: the last record offset of each
	 * (handle, CPU) stream, pos_cpus per handle, 0 before its first;
	 * done sums how far every stream went (struct vls_tdhead.data_bytes
	 * is the whole way), shown is what was last reported. */
	uint64_t *pos;
	int pos_cpus, pos_handle;
	uint64_t done, shown;
};

/* ------------------------------------------------------------------ */
/* Field access                                                        */
/* ------------------------------------------------------------------ */

/* Is the field inside this record? Fields we cannot read by offset were
 * dropped when the event id was first seen (usable_field()). */
static bool field_ok(const struct tep_format_field *f, const struct tep_record *rec)
{
	return f && f->offset + f->size <= rec->size;
}

/* A field read by offset: fixed place, its end within RECORD_READ_MAX (the
 * format comes from the file: offset + size must not overflow); NULL
 * otherwise. A __data_loc string's place is its 4-byte location word. */
static struct tep_format_field *usable_field(struct tep_format_field *f)
{
	if (!f || f->offset < 0 || f->size <= 0 ||
	    f->size > RECORD_READ_MAX - f->offset ||
	    ((f->flags & TEP_FIELD_IS_DYNAMIC) && f->size != 4))
		return NULL;
	return f;
}

/*
 * A number field, 0 when the kernel has no such field or it is cut. Read
 * by hand rather than with tep_read_number_field(): this runs for every
 * field of every record, and the file's byte order is known at open.
 */
static inline uint64_t num(const struct td_priv *p, const struct tep_format_field *f,
		    const struct tep_record *rec)
{
	const unsigned char *a;
	uint64_t v;

	if (!field_ok(f, rec) || (f->flags & TEP_FIELD_IS_DYNAMIC))
		return 0;
	a = (const unsigned char *)rec->data + f->offset;
	switch (f->size) {
	case 1: v = a[0]; break;
	case 2: { uint16_t x; memcpy(&x, a, 2); v = p->swap ? __builtin_bswap16(x) : x; break; }
	case 4: { uint32_t x; memcpy(&x, a, 4); v = p->swap ? __builtin_bswap32(x) : x; break; }
	case 8: { uint64_t x; memcpy(&x, a, 8); v = p->swap ? __builtin_bswap64(x) : x; break; }
	default: return 0;
	}
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8 &&
	    (v >> (f->size * 8 - 1)) & 1)
		v |= ~0ULL << (f->size * 8);   /* sign-extend: -1 stays -1 */
	return v;
}

/*
 * A char[] field (comm, rwbs), cut to dst_size - 1 bytes; or a __data_loc
 * char[] one (sched_process_fork's comms since 6.10): its location word
 * says where in the record (offset | length << 16, the offset from the
 * word's end when relative), "" when that is outside the record.
 */
static void str(const struct td_priv *p, char *dst, size_t dst_size,
		const struct tep_format_field *f, const struct tep_record *rec)
{
	const char *src;
	size_t n, max;

	dst[0] = '\0';
	if (!field_ok(f, rec))
		return;
	src = (const char *)rec->data + f->offset;
	max = (size_t)f->size;
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		uint32_t loc;
		size_t off;

		memcpy(&loc, src, 4);
		loc = p->swap ? __builtin_bswap32(loc) : loc;
		off = (loc & 0xffff) + ((f->flags & TEP_FIELD_IS_RELATIVE) ?
					(size_t)f->offset + 4 : 0);
		max = loc >> 16;
		if (off > (size_t)rec->size || max > (size_t)rec->size - off)
			return;
		src = (const char *)rec->data + off;
	}
	n = strnlen(src, max);
	if (n >= dst_size)
		n = dst_size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* Per-id cache                                                        */
/* ------------------------------------------------------------------ */

static int event_info_init(vls_reader *r, struct td_event *te, int id)
{
	struct td_priv *p = r->priv;
	struct tep_event *e = tep_find_event(p->tep, id);
	char buf[512];

	te->init = true;
	te->kind = VLS_EV_OTHER;
	snprintf(buf, sizeof(buf), "%s:%s", e && e->system ? e->system : "unknown",
		 e && e->name ? e->name : "unknown");
	te->name = __vls_strdup(r->ctx, buf);
	if (!te->name)
		return __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
	if (!e)
		return 0;
	if (!strcmp(e->system, "ftrace") && !strcmp(e->name, "kernel_stack")) {
		te->is_stack = true;
		te->f[0] = usable_field(tep_find_field(e, "size"));
		te->f[1] = tep_find_field(e, "caller");   /* an array: see deliver_stack() */
		return 0;
	}
	te->kind = __vls_event_kind_from_name(e->system, e->name);
	for (int i = 0; i < NFIELDS && kind_fields[te->kind][i]; i++)
		te->f[i] = usable_field(tep_find_field(e, kind_fields[te->kind][i]));
	return 0;
}

static int event_info(vls_reader *r, int id, struct td_event **out)
{
	struct td_priv *p = r->priv;
	size_t cap = p->nev;
	int ret;

	if (id < 0 || id >= EVENT_IDS_MAX)
		return VLS_EPARSE;
	if ((size_t)id >= p->nev) {
		ret = __vls_grow(r->ctx, (void **)&p->ev, &cap, (size_t)id + 1,
				 sizeof(*p->ev), EVENT_IDS_MAX);
		if (ret)
			return ret;
		memset(p->ev + p->nev, 0, (cap - p->nev) * sizeof(*p->ev));
		p->nev = cap;
	}
	*out = &p->ev[id];
	if (!(*out)->init)
		return event_info_init(r, *out, id);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */
/* ------------------------------------------------------------------ */

static void decode_fields(const struct td_priv *p, vls_event *ev,
			  const struct td_event *te, const struct tep_record *rec)
{
	struct tep_format_field *const *f = te->f;

	switch (te->kind) {
	case VLS_EV_MMAP_LOCK_START:
	case VLS_EV_MMAP_LOCK_ACQUIRED:
	case VLS_EV_MMAP_LOCK_RELEASED:
		/* kernels before 6.14 have a memcg_path string: memcg_id 0 */
		ev->u.mmap_lock.mm = num(p, f[0], rec);
		ev->u.mmap_lock.memcg_id = num(p, f[1], rec);
		ev->u.mmap_lock.write = num(p, f[2], rec) != 0;
		ev->u.mmap_lock.success = num(p, f[3], rec) != 0;
		break;
	case VLS_EV_PAGE_FAULT_USER:
	case VLS_EV_PAGE_FAULT_KERNEL:
		ev->u.fault.address = num(p, f[0], rec);
		ev->u.fault.ip = num(p, f[1], rec);
		ev->u.fault.error_code = num(p, f[2], rec);
		break;
	case VLS_EV_FILEMAP_FAULT:
	case VLS_EV_FILEMAP_ADD:
	case VLS_EV_FILEMAP_DELETE:
		ev->u.filemap.dev = num(p, f[0], rec);
		ev->u.filemap.ino = num(p, f[1], rec);
		ev->u.filemap.index = num(p, f[2], rec);
		ev->u.filemap.pfn = num(p, f[3], rec);
		break;
	case VLS_EV_SCHED_SWITCH:
		str(p, ev->u.sched_switch.prev_comm, VLS_COMM_MAX, f[0], rec);
		ev->u.sched_switch.prev_pid = (int32_t)num(p, f[1], rec);
		ev->u.sched_switch.prev_prio = (int32_t)num(p, f[2], rec);
		ev->u.sched_switch.prev_state = num(p, f[3], rec);
		str(p, ev->u.sched_switch.next_comm, VLS_COMM_MAX, f[4], rec);
		ev->u.sched_switch.next_pid = (int32_t)num(p, f[5], rec);
		ev->u.sched_switch.next_prio = (int32_t)num(p, f[6], rec);
		break;
	case VLS_EV_SCHED_WAKEUP:
	case VLS_EV_SCHED_WAKING:
		str(p, ev->u.wakeup.comm, VLS_COMM_MAX, f[0], rec);
		ev->u.wakeup.pid = (int32_t)num(p, f[1], rec);
		ev->u.wakeup.prio = (int32_t)num(p, f[2], rec);
		ev->u.wakeup.target_cpu = (int32_t)num(p, f[3], rec);
		break;
	case VLS_EV_SCHED_FORK:
		str(p, ev->u.fork.parent_comm, VLS_COMM_MAX, f[0], rec);
		ev->u.fork.parent_pid = (int32_t)num(p, f[1], rec);
		str(p, ev->u.fork.child_comm, VLS_COMM_MAX, f[2], rec);
		ev->u.fork.child_pid = (int32_t)num(p, f[3], rec);
		break;
	case VLS_EV_SCHED_EXIT:
		str(p, ev->u.exit.comm, VLS_COMM_MAX, f[0], rec);
		ev->u.exit.pid = (int32_t)num(p, f[1], rec);
		ev->u.exit.prio = (int32_t)num(p, f[2], rec);
		break;
	case VLS_EV_SCHED_EXEC:
		ev->u.exec.pid = (int32_t)num(p, f[0], rec);
		ev->u.exec.old_pid = (int32_t)num(p, f[1], rec);
		break;
	case VLS_EV_LOCK_CONTENTION_BEGIN:
	case VLS_EV_LOCK_CONTENTION_END:
		ev->u.contention.lock_addr = num(p, f[0], rec);
		ev->u.contention.flags = (uint32_t)num(p, f[1], rec);
		ev->u.contention.ret = (int32_t)num(p, f[1], rec);
		if (te->kind == VLS_EV_LOCK_CONTENTION_BEGIN)
			ev->u.contention.ret = 0;
		else
			ev->u.contention.flags = 0;
		break;
	case VLS_EV_BLOCK_RQ_ISSUE:
	case VLS_EV_BLOCK_RQ_COMPLETE:
		ev->u.block.dev = num(p, f[0], rec);
		ev->u.block.sector = num(p, f[1], rec);
		ev->u.block.nr_sector = (uint32_t)num(p, f[2], rec);
		ev->u.block.error = (int32_t)num(p, f[3], rec);
		str(p, ev->u.block.rwbs, sizeof(ev->u.block.rwbs), f[4], rec);
		break;
	case VLS_EV_TASK_NEWTASK:
		str(p, ev->u.newtask.comm, VLS_COMM_MAX, f[0], rec);
		ev->u.newtask.pid = (int32_t)num(p, f[1], rec);
		ev->u.newtask.clone_flags = num(p, f[2], rec);
		break;
	default:
		break;
	}
}

/* ftrace:kernel_stack: "size" entries of "caller", innermost first. Older
 * kernels end a short stack with ULONG_MAX instead. */
static int deliver_stack(vls_reader *r, const struct td_event *te,
			 const struct tep_record *rec, int32_t tid,
			 struct vls_attach *attach, vls_reader_stats *stats)
{
	struct td_priv *p = r->priv;
	const char *frames[VLS_STACK_MAX];
	const char *const *kept = NULL;
	const struct tep_format_field *caller = te->f[1];
	uint64_t want, room, addr[VLS_STACK_MAX], end = p->long_size == 4 ? 0xffffffffULL : ~0ULL;
	size_t n = 0;
	int ret;

	if (!caller || caller->offset < 0 || caller->offset > rec->size) {
		stats->bad_records++;
		return 0;
	}
	want = te->f[0] ? num(p, te->f[0], rec) : VLS_STACK_MAX;
	room = (uint64_t)(rec->size - caller->offset) / (uint64_t)p->long_size;
	if (want > room)
		want = room;
	for (uint64_t i = 0; i < want && n < VLS_STACK_MAX; i++) {
		const unsigned char *a = (const unsigned char *)rec->data +
			caller->offset + i * (uint64_t)p->long_size;

		addr[n] = p->long_size == 4 ? tep_read_number(p->tep, a, 4)
					    : tep_read_number(p->tep, a, 8);
		if (addr[n] == end)
			break;
		n++;
	}
	if (n && (ret = __vls_tdstacks_get(&kept, r->ctx, &p->stacks, &p->syms,
					   p->tep, addr, n)))
		return ret;
	if (kept)
		return __vls_attach_stack(attach, rec->cpu, tid, kept, n, true);
	/* no frames, or more distinct stacks than the table keeps */
	for (size_t i = 0; i < n; i++)
		if ((ret = __vls_tdsyms_frame(&frames[i], p->addr_names[i], r->ctx,
					      &p->syms, p->tep, addr[i])))
			return ret;
	return __vls_attach_stack(attach, rec->cpu, tid, frames, n, false);
}

/*
 * The comm of ev->tid from the file's saved cmdlines. Those are read at
 * open and do not change while iterating, so a small cache by pid spares
 * libtraceevent's bsearch for every record.
 */
static void set_comm(struct td_priv *p, vls_event *ev)
{
	struct td_comm *c = &p->comms[(uint32_t)ev->tid % COMM_CACHE];
	const char *comm;

	if (!c->valid || c->pid != ev->tid) {
		comm = tep_data_comm_from_pid(p->tep, ev->tid);
		/* libtraceevent's "<...>" means the pid is not in saved_cmdlines */
		if (!comm || !strcmp(comm, "<...>"))
			comm = "";
		__vls_copy_comm(c->comm, comm, strlen(comm));
		c->pid = ev->tid;
		c->valid = true;
	}
	memcpy(ev->comm, c->comm, VLS_COMM_MAX);
}

/* The common fields, where libtraceevent found them (it also reads them
 * past a short record; num() gives 0 there). */
static int record_type(const struct td_priv *p, const struct tep_record *rec)
{
	return p->type_field ? (int)num(p, p->type_field, rec)
			     : tep_data_type(p->tep, (struct tep_record *)rec);
}

static int32_t record_pid(const struct td_priv *p, const struct tep_record *rec)
{
	return p->pid_field ? (int32_t)num(p, p->pid_field, rec)
			    : tep_data_pid(p->tep, (struct tep_record *)rec);
}

static const vls_event ev_zero;

/* One record into an event or a stack, into attach. Uses libtraceevent
 * and the per-id and comm caches: one thread at a time. */
static int decode_record(vls_reader *r, const struct tep_record *rec,
			 struct vls_attach *attach, vls_reader_stats *stats)
{
	struct td_priv *p = r->priv;
	struct td_event *te;
	vls_event *ev;
	int ret;

	if (rec->size < 8) {          /* not even the common fields */
		stats->bad_records++;
		return 0;
	}
	ret = event_info(r, record_type(p, rec), &te);
	if (ret == VLS_EPARSE) {
		stats->bad_records++;
		return 0;
	}
	if (ret)
		return ret;
	if (te->is_stack)
		return deliver_stack(r, te, rec, record_pid(p, rec), attach, stats);
	/* decoded in place, in the queue that attaches stacks */
	if ((ret = __vls_attach_reserve(&ev, attach, rec->cpu, rec->ts)))
		return ret;
	/* zeros copied, not memset(): faults-machine.c's ep_open() says why */
	memcpy(&ev->u, &ev_zero.u, sizeof(ev->u));
	ev->ts_ns = rec->ts;
	ev->cpu = rec->cpu;
	ev->tid = record_pid(p, rec);
	ev->pid = -1;   /* trace-cmd does not save tgids in trace.dat */
	ev->kind = te->kind;
	ev->name = te->name;
	set_comm(p, ev);
	decode_fields(p, ev, te, rec);
	return __vls_attach_commit(attach);
}

/* libtracecmd reads each CPU's data in order, the CPUs interleaved by
 * timestamp: a record's offset says how far its own CPU went, not the
 * file. Reported every page's worth of progress (a division per record
 * would show in the import's speed). */
static void note_progress(vls_reader *r, struct tracecmd_input *h,
			  const struct tep_record *rec)
{
	struct td_priv *p = r->priv;
	int hi = p->pos_handle;
	uint64_t *last;

	if (p->handles[hi] != h)
		for (hi = 0; hi < p->nhandles && p->handles[hi] != h; hi++)
			;
	if (hi >= p->nhandles || rec->cpu < 0 || rec->cpu >= p->pos_cpus)
		return;
	p->pos_handle = hi;
	last = &p->pos[(size_t)hi * (size_t)p->pos_cpus + (size_t)rec->cpu];
	if (*last && rec->offset > *last)
		p->done += rec->offset - *last;
	if (rec->offset > *last)
		*last = rec->offset;
	if (p->done - p->shown >= TD_PROGRESS_STEP) {
		p->shown = p->done;
		__vls_reader_progress(r, p->done, p->head.data_bytes);
	}
}

/* A record into the attach, counting what the pages say was lost. 1 to
 * stop (p->err says if on an error). */
static int deliver(vls_reader *r, struct tep_record *rec)
{
	struct td_priv *p = r->priv;
	int ret;

	if (rec->missed_events > 0)
		p->missed += (uint64_t)rec->missed_events;
	ret = decode_record(r, rec, &r->attach, &r->stats);
	if (!ret)
		return 0;
	if (ret != VLS_ESTOPPED)
		p->err = ret;
	return 1;
}

/* deliver(), on libtracecmd's iteration. */
static int on_record(struct tracecmd_input *h, struct tep_record *rec, int cpu,
		     void *data)
{
	vls_reader *r = data;
	struct td_priv *p = r->priv;

	(void)cpu;
	/* libtracecmd 1.3's multi-handle iteration goes on after a callback
	 * asked it to stop: every later record is refused here */
	if (r->attach.stopped || p->err)
		return 1;
	note_progress(r, h, rec);
	return deliver(r, rec);
}

/* ------------------------------------------------------------------ */
/* Open, read, close                                                   */
/* ------------------------------------------------------------------ */

static int set_present(vls_reader *r)
{
	struct td_priv *p = r->priv;
	char list[2048] = "";
	size_t len = 0;

	for (int k = 1; k < VLS_EV__COUNT; k++) {
		const char *full = vls_event_kind_name((vls_event_kind)k);
		const char *colon = strchr(full, ':');
		char sys[64];

		snprintf(sys, sizeof(sys), "%.*s", (int)(colon - full), full);
		if (!tep_find_event_by_name(p->tep, sys, colon + 1))
			continue;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					len ? "," : "", full);
	}
	return __vls_meta_set(r->ctx, &r->meta, "events.present", list);
}

static int open_handles(vls_reader *r)
{
	struct td_priv *p = r->priv;
	int n;

	p->handles[0] = tracecmd_open(r->path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!p->handles[0]) {
		if (strcmp(p->head.compression, "none") && strcmp(p->head.compression, "zstd"))
			return __vls_error(r->ctx, VLS_EUNSUPPORTED, "%s: compressed with "
					   "%s, which this libtracecmd cannot decompress",
					   r->path, p->head.compression);
		return __vls_error(r->ctx, VLS_EPARSE, "%s: corrupt trace.dat: "
				   "libtracecmd cannot open it", r->path);
	}
	p->nhandles = 1;
	p->tep = tracecmd_get_tep(p->handles[0]);
	n = tracecmd_buffer_instances(p->handles[0]);
	if (!p->tep || n < 0 || n >= HANDLES_MAX)
		return __vls_error(r->ctx, VLS_EPARSE, "%s: corrupt trace.dat: "
				   "%d buffers", r->path, n);
	for (int i = 0; i < n; i++) {
		p->handles[p->nhandles] = tracecmd_buffer_instance_handle(p->handles[0], i);
		if (!p->handles[p->nhandles])
			return __vls_error(r->ctx, VLS_EPARSE, "%s: corrupt trace.dat: "
					   "buffer %d unreadable", r->path, i);
		p->nhandles++;
	}
	return 0;
}

/* Where every event has its id and pid (the common fields): read by
 * offset, not with libtraceevent's tep_data_type() and tep_data_pid(). */
static void common_fields_init(vls_reader *r)
{
	struct td_priv *p = r->priv;
	struct tep_event **evs = tep_list_events(p->tep, TEP_EVENT_SORT_ID);

	for (size_t i = 0; evs && evs[i] && !(p->type_field && p->pid_field); i++) {
		if (!p->type_field)
			p->type_field = usable_field(tep_find_common_field(evs[i], "common_type"));
		if (!p->pid_field)
			p->pid_field = usable_field(tep_find_common_field(evs[i], "common_pid"));
	}
}

/*
 * Without libtracecmd when reader-tracedat-data.c reads the records: 0
 * with p->tep (ours) and p->data set, or with neither when the file needs
 * libtracecmd (the debug log says why); an error code otherwise.
 */
static int open_own(vls_reader *r)
{
	struct td_priv *p = r->priv;
	int ret;

	if (p->head.own_data_no)
		return 0;       /* __vls_tddata_open() logs why */
	if (p->head.own_head_no) {
		__vls_log(r->ctx, VLS_LOG_DEBUG, "%s: libtracecmd reads the "
			  "metadata: the file has %s", r->path, p->head.own_head_no);
		return 0;
	}
	ret = __vls_tdtep_build(&p->tep, &p->syms, r, &p->head);
	if (!ret)
		ret = __vls_tddata_open(&p->data, r, &p->head, p->tep, 0);
	if (!ret) {
		p->own_tep = true;
		return 0;
	}
	tep_free(p->tep);
	p->tep = NULL;
	__vls_tdsyms_release(r->ctx, &p->syms);
	return ret > 0 ? 0 : ret;
}

static int td_open(vls_reader *r)
{
	struct td_priv *p = __vls_calloc(r->ctx, 1, sizeof(*p));
	int ret, ncpus;

	if (!p)
		return __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
	r->priv = p;
	/* libtracecmd and libtraceevent print their warnings on stderr; a
	 * library must not (the level is process-wide: there is no other) */
	tracecmd_set_loglevel(TEP_LOG_NONE);
	ret = __vls_tdhead_read(&p->head, r);
	if (!ret)
		ret = open_own(r);
	if (!ret && !p->data)
		ret = __vls_tdhead_check_pages(&p->head, r);
	if (!ret && !p->data)
		ret = open_handles(r);
	if (ret)
		return ret;
	p->swap = tep_is_file_bigendian(p->tep) != tep_is_local_bigendian(p->tep);
	p->long_size = tep_get_long_size(p->tep);
	if (p->long_size != 4 && p->long_size != 8)
		p->long_size = 8;
	ncpus = p->head.cpucount > 0 ? p->head.cpucount : tep_get_cpus(p->tep);
	common_fields_init(r);
	/* progress of libtracecmd's iteration */
	if (!p->data && ncpus > 0 && ncpus <= PROGRESS_CPUS_MAX) {
		p->pos = __vls_calloc(r->ctx, (size_t)p->nhandles * (size_t)ncpus,
				      sizeof(*p->pos));
		if (!p->pos)
			ret = __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
		else
			p->pos_cpus = ncpus;
	}
	if (!ret && !p->data)
		ret = __vls_tddata_open(&p->data, r, &p->head, p->tep, 0);
	if (ret > 0)
		ret = 0;        /* libtracecmd iterates (the log says why) */
	if (!ret)
		ret = __vls_meta_setf(r->ctx, &r->meta, "ncpus", "%d", ncpus);
	if (!ret)
		ret = __vls_meta_set(r->ctx, &r->meta, "format", "tracedat");
	return ret ? ret : set_present(r);
}

/* The records of reader-tracedat-data.c, until the end or a stop. */
static int read_own(vls_reader *r)
{
	struct td_priv *p = r->priv;
	struct tep_record rec;
	int ret;

	while ((ret = __vls_tddata_next(p->data, &rec)) > 0) {
		uint64_t done = __vls_tddata_done(p->data);

		if (done - p->shown >= TD_PROGRESS_STEP) {
			p->shown = done;
			__vls_reader_progress(r, done, p->head.data_bytes);
		}
		if (deliver(r, &rec))
			return 0;
	}
	return ret;
}

static int td_read(vls_reader *r)
{
	struct td_priv *p = r->priv;
	int ret;

	p->err = 0;
	if (p->data) {
		ret = read_own(r);
		if (ret && !p->err)
			p->err = ret;
	} else {
		tracecmd_iterate_events_multi(p->handles, p->nhandles, on_record, r);
	}
	r->stats.bytes_read = r->stats.bytes_total;
	if (p->err)
		return p->err;
	if (p->missed)
		return __vls_meta_setf(r->ctx, &r->meta, "missed_events",
				       "%" PRIu64, p->missed);
	return 0;
}

static void td_close(vls_reader *r)
{
	struct td_priv *p = r->priv;

	__vls_tddata_close(p->data);
	for (int i = p->nhandles - 1; i >= 0; i--)
		tracecmd_close(p->handles[i]);
	if (p->own_tep)
		tep_free(p->tep);
	__vls_tdhead_free(&p->head, r->ctx);
	for (size_t i = 0; i < p->nev; i++)
		__vls_free(r->ctx, p->ev[i].name);
	__vls_free(r->ctx, p->ev);
	__vls_free(r->ctx, p->pos);
	__vls_tdstacks_release(r->ctx, &p->stacks);
	__vls_tdsyms_release(r->ctx, &p->syms);
	__vls_free(r->ctx, p);
	r->priv = NULL;
}

const struct vls_reader_ops __vls_tracedat_ops = {
	.name = "tracedat",
	.open = td_open,
	.read = td_read,
	.close = td_close,
};
