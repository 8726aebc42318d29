/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-text-fields.c - the printed fields of each event kind back into
 * struct vls_event, as the kernel's TP_printk() formats (and trace-cmd's
 * sched plugin) print them.
 *
 * Values are written by the kernel, strings (comms, paths) by users: a
 * string value ends where the next known key begins, so comms with spaces
 * survive. Pointers are hashed in the tracefs text (%p) and raw in
 * trace-cmd report: both are kept as the number printed.
 *
 * `trace-cmd report -R` prints each event's fields instead of its format
 * (libtraceevent's raw print): "prev_state=2" with no "==>", "parent_comm=",
 * "i_ino=63f7c s_dev=266338304 index=0x3", "lock_addr=0x... flags=4",
 * "dev=266338304 sector=... nr_sector=... rwbs=WS". Those are read too;
 * its kernel_stack is an ARRAY of bytes without symbols (reader-text.c).
 */
#include <string.h>

#include "reader-text.h"

/* mm_filemap_* print the page index as a byte offset: index << PAGE_SHIFT.
 * The text does not say the page size; 4 KiB is every x86_64 and the
 * common arm64 configuration. */
#define TEXT_PAGE_SHIFT 12

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *__vls_text_parse_hex(const char *p, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hexval(p[2]) >= 0)
		p += 2;
	for (s = p; (d = hexval(*p)) >= 0; p++) {
		if (v >> 60)
			return NULL;
		v = v << 4 | (uint64_t)d;
	}
	if (p == s)
		return NULL;
	*out = v;
	return p;
}

static const char *parse_u64(const char *p, uint64_t *out)
{
	const char *s = p;
	uint64_t v = 0;

	for (; is_digit(*p); p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return NULL;    /* exact: UINT64_MAX itself parses */
		v = v * 10 + d;
	}
	if (p == s)
		return NULL;
	*out = v;
	return p;
}

/* "0x1f" as hex, anything else as decimal. */
static const char *parse_num(const char *p, uint64_t *out)
{
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return __vls_text_parse_hex(p, out);
	return parse_u64(p, out);
}

static const char *parse_i32(const char *p, int32_t *out)
{
	bool neg = *p == '-';
	uint64_t v;

	p = parse_u64(p + neg, &v);
	if (!p || v > (uint64_t)INT32_MAX + neg)
		return NULL;
	*out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return p;
}

/* The value of key (which ends in '=' or ' ') at the start of s or after a
 * space. NULL if absent. */
static const char *kv(const char *s, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = s; (p = strstr(p, key)); p++)
		if (p == s || p[-1] == ' ')
			return p + klen;
	return NULL;
}

static int hex_field(const char *s, const char *key, uint64_t *out)
{
	const char *v = kv(s, key);

	return v && __vls_text_parse_hex(v, out) ? 0 : -1;
}

static int u64_field(const char *s, const char *key, uint64_t *out)
{
	const char *v = kv(s, key);

	return v && parse_u64(v, out) ? 0 : -1;
}

static int i32_field(const char *s, const char *key, int32_t *out)
{
	const char *v = kv(s, key);

	return v && parse_i32(v, out) ? 0 : -1;
}

static int bool_field(const char *s, const char *key, uint8_t *out)
{
	const char *v = kv(s, key);

	if (!v)
		return VLS_ERROR;
	if (!strncmp(v, "true", 4) || *v == '1')
		*out = 1;
	else if (!strncmp(v, "false", 5) || *v == '0')
		*out = 0;
	else
		return VLS_ERROR;
	return 0;
}

/* A string value running up to the next key (next starts with a space). */
static int str_field(char dst[VLS_COMM_MAX], const char *s, const char *key,
		     const char *next)
{
	const char *v = kv(s, key), *e;

	if (!v || !(e = strstr(v, next)))
		return VLS_ERROR;
	__vls_copy_comm(dst, v, (size_t)(e - v));
	return 0;
}

static int parse_mmap_lock(vls_event *ev, const char *s)
{
	const char *v;

	if (hex_field(s, "mm=", &ev->u.mmap_lock.mm) ||
	    bool_field(s, "write=", &ev->u.mmap_lock.write))
		return VLS_ERROR;
	/* memcg_id= since 6.14; before, memcg_path= (then the id is 0) */
	v = kv(s, "memcg_id=");
	if (v && !parse_u64(v, &ev->u.mmap_lock.memcg_id))
		return VLS_ERROR;
	if (ev->kind == VLS_EV_MMAP_LOCK_ACQUIRED)
		return bool_field(s, "success=", &ev->u.mmap_lock.success);
	return 0;
}

/* A %ps value: a number, or a symbol ("copy_user+0x10/0x20") left 0. */
static void ps_field(const char *s, const char *key, uint64_t *out)
{
	const char *v = kv(s, key), *e;
	uint64_t x;

	if (v && (e = __vls_text_parse_hex(v, &x)) && (*e == ' ' || !*e))
		*out = x;
}

/* address= and ip= print with %ps: a kernel text address becomes a
 * symbol, which leaves the value 0. */
static int parse_fault(vls_event *ev, const char *s)
{
	ps_field(s, "address=", &ev->u.fault.address);
	ps_field(s, "ip=", &ev->u.fault.ip);
	return hex_field(s, "error_code=", &ev->u.fault.error_code);
}

/* "MAJ:MIN" to the kernel's dev_t (MINORBITS 20). */
static const char *parse_dev(const char *p, char sep, uint64_t *dev)
{
	uint64_t maj, min;

	p = parse_u64(p, &maj);
	if (!p || *p != sep || !(p = parse_u64(p + 1, &min)) || maj > 0xfff ||
	    min > 0xfffff)
		return NULL;
	*dev = maj << 20 | min;
	return p;
}

/* "dev=254:0 ino=3c5be ofs=122880" (mm_filemap_fault) or "dev 8:1 ino 1a2b
 * pfn=0x1234 ofs=4096 order=0" (add/delete). */
static int parse_filemap(vls_event *ev, const char *s)
{
	const char *dev = kv(s, "dev="), *ino = kv(s, "ino="), *v;
	uint64_t ofs;

	/* -R: "pfn=0x25b600 i_ino=63f7c index=0x0 s_dev=266338304 order=8",
	 * s_dev the kernel's dev_t, index in pages */
	if ((v = kv(s, "s_dev="))) {
		if (!parse_u64(v, &ev->u.filemap.dev) ||
		    hex_field(s, "i_ino=", &ev->u.filemap.ino) ||
		    hex_field(s, "index=", &ev->u.filemap.index))
			return VLS_ERROR;
		return (v = kv(s, "pfn=")) && !parse_num(v, &ev->u.filemap.pfn) ? -1 : 0;
	}
	if (!dev)
		dev = kv(s, "dev ");
	if (!ino)
		ino = kv(s, "ino ");
	if (!dev || !ino || !parse_dev(dev, ':', &ev->u.filemap.dev) ||
	    !__vls_text_parse_hex(ino, &ev->u.filemap.ino))
		return VLS_ERROR;
	if ((v = kv(s, "pfn=")) && !parse_num(v, &ev->u.filemap.pfn))
		return VLS_ERROR;
	if (!u64_field(s, "ofs=", &ofs))
		ev->u.filemap.index = ofs >> TEXT_PAGE_SHIFT;
	else if (u64_field(s, "index=", &ev->u.filemap.index))
		return VLS_ERROR;
	return 0;
}

/*
 * prev_state letters. The kernel's sched_switch prints TASK_REPORT bits
 * (__trace_sched_switch_state(), 4.14+): S D T t X Z P I, "+" for a
 * preempted task; older kernels also print x K W N, taken here at their
 * pre-4.14 values. trace-cmd's sched plugin prints bits with its own table
 * "SDTtZXxW" (so the kernel's Z is its X and I is its W) and never "+".
 */
uint64_t __vls_text_task_state(const char *s, size_t len, bool plugin)
{
	static const char plugin_letters[] = "SDTtZXxW";
	uint64_t state = 0;

	for (size_t i = 0; i < len; i++) {
		const char *c = plugin ? memchr(plugin_letters, s[i], 8) : NULL;

		if (c) {
			state |= 1ULL << (c - plugin_letters);
			continue;
		}
		switch (s[i]) {
		case 'S': state |= VLS_TASK_INTERRUPTIBLE; break;
		case 'D': state |= VLS_TASK_UNINTERRUPTIBLE; break;
		case 'T': state |= 0x4; break;
		case 't': state |= 0x8; break;
		case 'X': state |= 0x10; break;
		case 'Z': state |= 0x20; break;
		case 'P': case 'x': state |= 0x40; break;
		case 'I': case 'K': state |= 0x80; break;
		case '+': case 'W': state |= 0x100; break;
		case 'N': state |= 0x400; break;
		default: break; /* 'R', '|' */
		}
	}
	return state;
}

static size_t token_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ')
		n++;
	return n;
}

/* "prev_comm=a b prev_pid=1 prev_prio=120 prev_state=D ==> next_comm=c
 * next_pid=2 next_prio=120" */
static int parse_switch_kernel(vls_event *ev, const char *s)
{
	const char *arrow = strstr(s, " ==> "), *v;
	uint64_t state;

	if (str_field(ev->u.sched_switch.prev_comm, s, "prev_comm=", " prev_pid=") ||
	    i32_field(s, "prev_pid=", &ev->u.sched_switch.prev_pid) ||
	    i32_field(s, "prev_prio=", &ev->u.sched_switch.prev_prio) ||
	    !(v = kv(s, "prev_state=")))
		return VLS_ERROR;
	if (!arrow) {
		/* -R: the field, __trace_sched_switch_state(): TASK_REPORT
		 * bits, TASK_REPORT_MAX (0x100) for a preempted task, the
		 * VLS_TASK_* values (4.14+) */
		arrow = strstr(v, " next_comm=");
		if (!arrow || !parse_u64(v, &state))
			return VLS_ERROR;
		ev->u.sched_switch.prev_state = state & 0x1ff;
		s = arrow + 1;
	} else {
		ev->u.sched_switch.prev_state =
			__vls_text_task_state(v, token_len(v), false);
		s = arrow + 5;
	}
	if (str_field(ev->u.sched_switch.next_comm, s, "next_comm=", " next_pid=") ||
	    i32_field(s, "next_pid=", &ev->u.sched_switch.next_pid) ||
	    i32_field(s, "next_prio=", &ev->u.sched_switch.next_prio))
		return VLS_ERROR;
	return 0;
}

/* "COMM:PID [PRIO]" in [b, e), e just past the ']'; the comm may hold ':'
 * and spaces, so it is read from the right. */
static int comm_pid_prio(const char *b, const char *e, char comm[VLS_COMM_MAX],
			 int32_t *pid, int32_t *prio)
{
	const char *lb, *ps, *p;

	if (e - b < 6 || e[-1] != ']')
		return VLS_ERROR;
	for (lb = e - 2; lb > b && *lb != '['; lb--)
		;
	if (*lb != '[' || lb - b < 3 || lb[-1] != ' ')
		return VLS_ERROR;
	p = parse_i32(lb + 1, prio);
	if (p != e - 1)
		return VLS_ERROR;
	for (ps = lb - 1; ps > b && is_digit(ps[-1]); ps--)
		;
	if (ps == lb - 1 || ps - b < 1 || ps[-1] != ':' || !parse_i32(ps, pid))
		return VLS_ERROR;
	__vls_copy_comm(comm, b, (size_t)(ps - 1 - b));
	return 0;
}

/* trace-cmd's sched plugin: "a:1 [120] D ==> b:2 [120]" */
static int parse_switch_plugin(vls_event *ev, const char *s)
{
	const char *arrow = strstr(s, " ==> "), *st, *end;

	if (!arrow)
		return VLS_ERROR;
	for (st = arrow; st > s && st[-1] != ' '; st--)
		;
	if (st - s < 2 || comm_pid_prio(s, st - 1, ev->u.sched_switch.prev_comm,
					&ev->u.sched_switch.prev_pid,
					&ev->u.sched_switch.prev_prio))
		return VLS_ERROR;
	ev->u.sched_switch.prev_state =
		__vls_text_task_state(st, (size_t)(arrow - st), true);
	s = arrow + 5;
	for (end = s + strlen(s); end > s && end[-1] == ' '; end--)
		;
	return comm_pid_prio(s, end, ev->u.sched_switch.next_comm,
			     &ev->u.sched_switch.next_pid,
			     &ev->u.sched_switch.next_prio);
}

/* "comm=a pid=1 prio=120 [success=1 ]target_cpu=001", or the plugin's
 * "a:1 [120][ success=1] CPU:001" */
static int parse_wakeup(vls_event *ev, const char *s)
{
	const char *cpu, *rb, *p;

	if (!strncmp(s, "comm=", 5))
		return str_field(ev->u.wakeup.comm, s, "comm=", " pid=") ||
		       i32_field(s, "pid=", &ev->u.wakeup.pid) ||
		       i32_field(s, "prio=", &ev->u.wakeup.prio) ||
		       i32_field(s, "target_cpu=", &ev->u.wakeup.target_cpu) ? -1 : 0;
	for (cpu = NULL, p = s; (p = strstr(p, " CPU:")); p++)
		cpu = p;
	if (!cpu || !parse_i32(cpu + 5, &ev->u.wakeup.target_cpu))
		return VLS_ERROR;
	for (rb = cpu; rb > s && *rb != ']'; rb--)
		;
	return comm_pid_prio(s, rb + 1, ev->u.wakeup.comm, &ev->u.wakeup.pid,
			     &ev->u.wakeup.prio);
}

static int parse_fork(vls_event *ev, const char *s)
{
	if (!strncmp(s, "parent_comm=", 12))    /* -R */
		return str_field(ev->u.fork.parent_comm, s, "parent_comm=",
				 " parent_pid=") ||
		       i32_field(s, "parent_pid=", &ev->u.fork.parent_pid) ||
		       str_field(ev->u.fork.child_comm, s, "child_comm=", " child_pid=") ||
		       i32_field(s, "child_pid=", &ev->u.fork.child_pid) ? -1 : 0;
	return str_field(ev->u.fork.parent_comm, s, "comm=", " pid=") ||
	       i32_field(s, "pid=", &ev->u.fork.parent_pid) ||
	       str_field(ev->u.fork.child_comm, s, "child_comm=", " child_pid=") ||
	       i32_field(s, "child_pid=", &ev->u.fork.child_pid) ? -1 : 0;
}

static int parse_exit(vls_event *ev, const char *s)
{
	return str_field(ev->u.exit.comm, s, "comm=", " pid=") ||
	       i32_field(s, "pid=", &ev->u.exit.pid) ||
	       i32_field(s, "prio=", &ev->u.exit.prio) ? -1 : 0;
}

/* "filename=/a b pid=1 old_pid=1": the file name may hold anything, so the
 * numbers are the last ones. */
/* "pid=12 comm=a b clone_flags=3d0f00 oom_score_adj=0" */
static int parse_newtask(vls_event *ev, const char *s)
{
	return i32_field(s, "pid=", &ev->u.newtask.pid) ||
	       str_field(ev->u.newtask.comm, s, "comm=", " clone_flags=") ||
	       hex_field(s, "clone_flags=", &ev->u.newtask.clone_flags) ? -1 : 0;
}

static int parse_exec(vls_event *ev, const char *s)
{
	const char *old = NULL, *pid = NULL, *p;

	for (p = s; (p = strstr(p, " old_pid=")); p++)
		old = p;
	for (p = s; (p = strstr(p, " pid=")) && (!old || p < old); p++)
		pid = p;
	if (!old || !pid || !parse_i32(old + 9, &ev->u.exec.old_pid) ||
	    !parse_i32(pid + 5, &ev->u.exec.pid))
		return VLS_ERROR;
	return 0;
}

/* contention_begin "ADDR (flags=SPIN|WRITE)", contention_end "ADDR (ret=0)" */
static int parse_contention(vls_event *ev, const char *s)
{
	static const char *const names[] = { "SPIN", "READ", "WRITE", "RT",
					      "PERCPU", "MUTEX" };
	const char *v;
	uint64_t hex;

	if (!strncmp(s, "lock_addr=", 10)) {   /* -R: "lock_addr=0x.. flags=4" */
		if (hex_field(s, "lock_addr=", &ev->u.contention.lock_addr))
			return VLS_ERROR;
		if (ev->kind == VLS_EV_LOCK_CONTENTION_END)
			return i32_field(s, "ret=", &ev->u.contention.ret);
		if (u64_field(s, "flags=", &hex) || hex > UINT32_MAX)
			return VLS_ERROR;
		ev->u.contention.flags = (uint32_t)hex;
		return 0;
	}
	if (!__vls_text_parse_hex(s, &ev->u.contention.lock_addr))
		return VLS_ERROR;
	if (ev->kind == VLS_EV_LOCK_CONTENTION_END)
		return i32_field(s, "(ret=", &ev->u.contention.ret);
	if (!(v = kv(s, "(flags=")))
		return VLS_ERROR;
	if (__vls_text_parse_hex(v, &hex) && v[0] == '0' && v[1] == 'x') {
		ev->u.contention.flags = (uint32_t)hex;
		return 0;
	}
	while (*v && *v != ')') {
		size_t n = strcspn(v, "|)");

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i]) == n && !memcmp(v, names[i], n))
				ev->u.contention.flags |= 1U << i;
		v += n + (v[n] == '|');
	}
	return 0;
}

/* block_rq_issue "8,0 RM 4096 (cmd) 123 + 8 [be,0,4 ][comm]",
 * block_rq_complete "8,0 R (cmd) 123 + 8 [be,0,4 ][ERROR]" */
static int parse_block(vls_event *ev, const char *s)
{
	const char *p, *cmd, *lb;
	uint64_t nr;
	size_t n;

	if (!strncmp(s, "dev=", 4)) {   /* -R: "dev=266338304 sector=1 nr_sector=8 ... rwbs=WS" */
		if (u64_field(s, "dev=", &ev->u.block.dev) ||
		    u64_field(s, "sector=", &ev->u.block.sector) ||
		    u64_field(s, "nr_sector=", &nr) || nr > UINT32_MAX ||
		    !(p = kv(s, "rwbs=")))
			return VLS_ERROR;
		ev->u.block.nr_sector = (uint32_t)nr;
		n = token_len(p);
		memcpy(ev->u.block.rwbs, p, n < sizeof(ev->u.block.rwbs) ? n
					  : sizeof(ev->u.block.rwbs) - 1);
		return ev->kind == VLS_EV_BLOCK_RQ_COMPLETE ?
		       i32_field(s, "error=", &ev->u.block.error) : 0;
	}
	p = parse_dev(s, ',', &ev->u.block.dev);
	if (!p || *p != ' ')
		return VLS_ERROR;
	n = token_len(++p);
	memcpy(ev->u.block.rwbs, p, n < sizeof(ev->u.block.rwbs) ? n
				  : sizeof(ev->u.block.rwbs) - 1);
	cmd = strstr(p + n, " (");
	if (!cmd || !(cmd = strchr(cmd, ')')) || cmd[1] != ' ' ||
	    !(p = parse_u64(cmd + 2, &ev->u.block.sector)) || strncmp(p, " + ", 3) ||
	    !(p = parse_u64(p + 3, &nr)) || nr > UINT32_MAX)
		return VLS_ERROR;
	ev->u.block.nr_sector = (uint32_t)nr;
	if (ev->kind != VLS_EV_BLOCK_RQ_COMPLETE)
		return 0;
	lb = strrchr(p, '[');
	return lb && parse_i32(lb + 1, &ev->u.block.error) ? 0 : -1;
}

int __vls_text_parse_fields(vls_event *ev, const char *s)
{
	switch (ev->kind) {
	case VLS_EV_MMAP_LOCK_START:
	case VLS_EV_MMAP_LOCK_ACQUIRED:
	case VLS_EV_MMAP_LOCK_RELEASED:
		return parse_mmap_lock(ev, s);
	case VLS_EV_PAGE_FAULT_USER:
	case VLS_EV_PAGE_FAULT_KERNEL:
		return parse_fault(ev, s);
	case VLS_EV_FILEMAP_FAULT:
	case VLS_EV_FILEMAP_ADD:
	case VLS_EV_FILEMAP_DELETE:
		return parse_filemap(ev, s);
	case VLS_EV_SCHED_SWITCH:
		return strncmp(s, "prev_comm=", 10) ? parse_switch_plugin(ev, s)
						    : parse_switch_kernel(ev, s);
	case VLS_EV_SCHED_WAKEUP:
	case VLS_EV_SCHED_WAKING:
		return parse_wakeup(ev, s);
	case VLS_EV_SCHED_FORK:
		return parse_fork(ev, s);
	case VLS_EV_SCHED_EXIT:
		return parse_exit(ev, s);
	case VLS_EV_SCHED_EXEC:
		return parse_exec(ev, s);
	case VLS_EV_LOCK_CONTENTION_BEGIN:
	case VLS_EV_LOCK_CONTENTION_END:
		return parse_contention(ev, s);
	case VLS_EV_BLOCK_RQ_ISSUE:
	case VLS_EV_BLOCK_RQ_COMPLETE:
		return parse_block(ev, s);
	case VLS_EV_TASK_NEWTASK:
		return parse_newtask(ev, s);
	default:
		return 0;
	}
}
