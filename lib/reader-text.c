/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-text.c - the ftrace text reader: the tracefs "trace" file, "trace-cmd
 * report" output and Android atrace text (dialects in reader-text-line.c),
 * and `perf script` output (reader-text-perf.c).
 *
 * The file is read in large blocks and cut into lines in place; nothing is
 * allocated per line. A stack is a "<stack trace>" line (trace-cmd:
 * "kernel_stack:") followed by "=> sym" lines; it is handed to the
 * attacher when the next non-frame line arrives, before that line's event,
 * so it attaches to the event that fired the trigger. In perf script
 * output the stack is the event's own callchain, the lines after it up to
 * a blank one: its kernel frames go the same way, its user frames (after
 * the kernel ones) are dropped, as "<user stack trace>" is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader-text.h"
#include "util-map.h"

#define TEXT_BUF_SIZE (1024 * 1024)
/* A longer line is counted bad and skipped without being buffered. */
#define TEXT_LINE_MAX (64 * 1024)
/* Frame names are cut here (kernel symbols are far shorter). */
#define FRAME_LEN 256
/* Distinct event names remembered; longer names are cut. */
#define NAME_LEN 64
#define NAMES_MAX 1024
/* Header lines looked at by open() for "#P:" / "cpus=". */
#define HEAD_SIZE (64 * 1024)

struct text_name {
	char name[NAME_LEN];
	size_t len;
	vls_event_kind kind;
};

struct text_state {
	int fd;
	char *buf;                  /* TEXT_BUF_SIZE + 1 (room for a NUL) */
	size_t start, end;          /* unread bytes */
	bool eof, skipping;         /* skipping: the rest of an over-long line */
	uint64_t lineno;
	bool in_stack, user_stack;  /* collecting a stack's frames */
	int32_t stack_cpu, stack_tid;
	size_t nframes;
	char frames[VLS_STACK_MAX][FRAME_LEN];
	bool ts_seen;
	uint64_t last_ts, out_of_order;
	uint64_t raw_stacks;        /* trace-cmd report -R: bytes, no frames */
	uint32_t kinds_seen;        /* 1 << vls_event_kind */
	uint32_t kinds_declared;    /* perf --header's "# event : name = " */
	bool skipped;               /* the last event of skipped_cpu was bad */
	int32_t skipped_cpu, skipped_tid;
	uint64_t lost;              /* overrun / dropped events the text says */
	bool lost_known;
	bool perf;                  /* the perf script dialect */
	bool perf_user;             /* the callchain reached user frames */
	uint8_t ts_digits;          /* the fewest decimals printed, 0: none yet */
	enum { TS_UNSEEN, TS_TIME, TS_COUNT } ts_kind; /* of the first event */
	struct text_name *names;    /* NAMES_MAX, interned event names */
	size_t nnames;
	struct vls_u64map by_name;  /* hash of a name -> index in names */
};

static int bad_line(vls_reader *r, struct text_state *st, const char *what)
{
	if (r->opts.strict)
		return __vls_error(r->ctx, VLS_EPARSE, "%s:%llu: %s", r->path,
				   (unsigned long long)st->lineno, what);
	r->stats.bad_records++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading lines                                                       */
/* ------------------------------------------------------------------ */

static int fill(vls_reader *r, struct text_state *st)
{
	ssize_t n;

	memmove(st->buf, st->buf + st->start, st->end - st->start);
	st->end -= st->start;
	st->start = 0;
	do {
		n = read(st->fd, st->buf + st->end, TEXT_BUF_SIZE - st->end);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return __vls_error(r->ctx, VLS_EIO, "%s: %s", r->path, strerror(errno));
	if (n == 0)
		st->eof = true;
	st->end += (size_t)n;
	r->stats.bytes_read += (uint64_t)n;
	return 0;
}

/* The next line, NUL-terminated in place without "\n" / "\r\n".
 * 1: a line, 0: end of input, < 0: error. */
static int next_line(vls_reader *r, struct text_state *st, char **out)
{
	char *s, *nl;
	size_t len;
	int ret;

	for (;;) {
		s = st->buf + st->start;
		nl = memchr(s, '\n', st->end - st->start);
		if (nl && (size_t)(nl - s) > TEXT_LINE_MAX && !st->skipping) {
			/* whole in the buffer, but over the limit all the same */
			st->skipping = true;
			st->lineno++;
			ret = bad_line(r, st, "line longer than 64 KiB");
			if (ret)
				return ret;
		}
		if (nl) {
			st->start = (size_t)(nl + 1 - st->buf);
			if (!st->skipping)
				break;
			st->skipping = false;
			continue;
		}
		if (st->skipping) {
			st->start = st->end = 0;
		} else if (st->end - st->start > TEXT_LINE_MAX) {
			st->skipping = true;
			st->start = st->end = 0;
			st->lineno++;
			ret = bad_line(r, st, "line longer than 64 KiB");
			if (ret)
				return ret;
		} else if (st->eof && st->start < st->end) {
			nl = st->buf + st->end; /* the buffer has room for this NUL */
			st->start = st->end;
			break;
		}
		if (st->eof)
			return 0;
		ret = fill(r, st);
		if (ret)
			return ret;
	}
	len = (size_t)(nl - s);
	if (len && s[len - 1] == '\r')
		len--;
	s[len] = '\0';
	st->lineno++;
	*out = s;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Event names                                                         */
/* ------------------------------------------------------------------ */

struct name_key {
	const char *name;
	size_t len;
};

static bool name_eq(uint32_t idx, const void *key, const void *data)
{
	const struct text_name *n = &((const struct text_state *)data)->names[idx];
	const struct name_key *k = key;

	return n->len == k->len && !memcmp(n->name, k->name, k->len);
}

/* perf script names "system:event"; the ftrace dialects the event alone. */
static vls_event_kind kind_of(const char *name)
{
	const char *colon = strchr(name, ':');
	char sys[NAME_LEN];

	if (!colon)
		return __vls_event_kind_from_name(NULL, name);
	memcpy(sys, name, (size_t)(colon - name));
	sys[colon - name] = '\0';
	return __vls_event_kind_from_name(sys, colon + 1);
}

/* *out: the interned name (stable until close) and kind of an event name. */
static int intern(vls_reader *r, struct text_state *st, const char *name,
		  size_t len, const struct text_name **out)
{
	static const struct text_name other = { "other", 5, VLS_EV_OTHER };
	struct name_key key = { name, len < NAME_LEN ? len : NAME_LEN - 1 };
	uint64_t h = __vls_hash_bytes(VLS_HASH_INIT, name, key.len);
	struct text_name *n;
	uint32_t idx;
	int ret;

	if (!__vls_u64map_find(&st->by_name, &h, name_eq, &key, st, &idx)) {
		*out = &st->names[idx];
		return 0;
	}
	if (st->nnames == NAMES_MAX) {
		*out = &other;
		return 0;
	}
	ret = __vls_u64map_put(r->ctx, &st->by_name, h, (uint32_t)st->nnames);
	if (ret)
		return ret;
	n = &st->names[st->nnames++];
	memcpy(n->name, name, key.len);
	n->name[key.len] = '\0';
	n->len = key.len;
	n->kind = kind_of(n->name);
	*out = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Stacks                                                              */
/* ------------------------------------------------------------------ */

/* " => sym", "=> sym (ffffffff81000c82)", " => sym+0x1d/0x40 <ffff...>" */
static void add_frame(struct text_state *st, const char *p)
{
	const char *e;
	size_t n;

	while (*p == ' ' || *p == '=' || *p == '>')
		p++;
	e = p + strlen(p);
	while (e > p && e[-1] == ' ')
		e--;
	if (e > p && (e[-1] == ')' || e[-1] == '>')) {
		const char *o = e - 1;

		while (o > p && *o != '(' && *o != '<')
			o--;
		if (o > p && o[-1] == ' ')
			e = o - 1;
	}
	for (const char *q = p; q < e; q++)
		if (q[0] == '+' && q[1] == '0' && q[2] == 'x' && q > p)
			e = q;
	if (st->user_stack || st->nframes == VLS_STACK_MAX)
		return;
	n = (size_t)(e - p) < FRAME_LEN ? (size_t)(e - p) : FRAME_LEN - 1;
	memcpy(st->frames[st->nframes], p, n);
	st->frames[st->nframes][n] = '\0';
	st->nframes++;
}

static int flush_stack(vls_reader *r, struct text_state *st)
{
	const char *frames[VLS_STACK_MAX];

	st->in_stack = false;
	if (st->perf && st->user_stack && st->nframes)
		r->stats.orphan_stacks++;
	if (st->user_stack || !st->nframes)
		return 0;
	for (size_t i = 0; i < st->nframes; i++)
		frames[i] = st->frames[i];
	return __vls_attach_stack(&r->attach, st->stack_cpu, st->stack_tid, frames,
				  st->nframes, false);
}

/* ------------------------------------------------------------------ */
/* Header and lost-event lines                                         */
/* ------------------------------------------------------------------ */

static int set_ncpus(vls_reader *r, const char *v)
{
	long n = strtol(v, NULL, 10);

	if (n <= 0 || n > 65536)
		return 0;
	return __vls_meta_setf(r->ctx, &r->meta, "ncpus", "%ld", n);
}

/* A perf script --header value, its trailing spaces cut. */
static int perf_meta(vls_reader *r, const char *key, const char *v)
{
	char val[256];
	size_t n = strlen(v);

	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (!n || n >= sizeof(val))
		return 0;
	memcpy(val, v, n);
	val[n] = '\0';
	return __vls_meta_set(r->ctx, &r->meta, key, val);
}

/* "# event : name = lock:contention_begin, , id = { 1336, 1337 }, ...":
 * an event the recording enabled, whether or not it fired. */
static void perf_declared(struct text_state *st, const char *v)
{
	char name[NAME_LEN];
	size_t n = strcspn(v, ", ");
	vls_event_kind k;

	if (!n || n >= sizeof(name))
		return;
	memcpy(name, v, n);
	name[n] = '\0';
	if ((k = kind_of(name)) != VLS_EV_OTHER)
		st->kinds_declared |= 1u << k;
}

/* perf script --header: "# os release : 6.1.0-18-amd64", "# arch :
 * x86_64", "# nrcpus avail : 2" (perf's HEADER_OSRELEASE, HEADER_ARCH,
 * HEADER_NRCPUS). perf says nothing of events the kernel dropped in the
 * text: lost_events stays unknown. */
static int perf_comment(vls_reader *r, struct text_state *st, const char *line)
{
	const char *v;

	if ((v = __vls_text_perf_header(line, "os release")))
		return perf_meta(r, "kernel", v);
	if ((v = __vls_text_perf_header(line, "arch")))
		return perf_meta(r, "arch", v);
	if ((v = __vls_text_perf_header(line, "nrcpus avail")))
		return set_ncpus(r, v);
	if ((v = __vls_text_perf_header(line, "event")) && !strncmp(v, "name = ", 7))
		perf_declared(st, v + 7);
	return 0;
}

/* "# entries-in-buffer/entries-written: 22196/22200   #P:4": the ring
 * buffer overwrote written - in-buffer events (get_total_entries()). */
static int comment_line(vls_reader *r, struct text_state *st, const char *line)
{
	unsigned long long in, written;
	const char *p;
	int ret = 0;

	if (st->perf)
		return perf_comment(r, st, line);
	p = strstr(line, "#P:");

	if (p)
		ret = set_ncpus(r, p + 3);
	p = strstr(line, "entries-written:");
	if (!ret && p && sscanf(p + 16, "%llu/%llu", &in, &written) == 2 &&
	    written >= in) {
		st->lost += written - in;
		st->lost_known = true;
	}
	return ret;
}

/* 0 or a negative error. */
static int add_cpu_lost(vls_reader *r, long cpu, unsigned long long n)
{
	char key[32];
	const char *old;

	snprintf(key, sizeof(key), "cpu%ld.lost", cpu);
	old = __vls_meta_get(&r->meta, key);
	if (old)
		n += strtoull(old, NULL, 10);
	return __vls_meta_setf(r->ctx, &r->meta, key, "%llu", n);
}

/* "CPU:1 [LOST 42 EVENTS]" (kernel), "CPU:1 [42 EVENTS DROPPED]" or
 * "CPU:1 [EVENTS DROPPED]" (trace-cmd). 1 if it was one, 0 if not, or a
 * negative error. */
static int lost_line(vls_reader *r, struct text_state *st, const char *line)
{
	unsigned long long n = 0;
	char *e;
	long cpu;
	int ret;

	if (strncmp(line, "CPU", 3) || (!strstr(line, "LOST") && !strstr(line, "DROPPED") &&
					!strstr(line, "lost")))
		return 0;
	cpu = strtol(line + 3 + (line[3] == ':' || line[3] == ' '), &e, 10);
	if (e == line + 4 || cpu < 0 || cpu > 65535)
		return 0;
	while (*e && (*e < '0' || *e > '9'))
		e++;
	if (*e)
		n = strtoull(e, NULL, 10);
	st->lost += n;
	st->lost_known = true;
	ret = add_cpu_lost(r, cpu, n);
	return ret ? ret : 1;
}

static int other_line(vls_reader *r, struct text_state *st, const char *line)
{
	int ret;

	if (!strncmp(line, "cpus=", 5))
		return set_ncpus(r, line + 5);
	/* trace-cmd report: "version = 6", "CPU 3 is empty" */
	if (!strncmp(line, "version = ", 10) || !strncmp(line, "TRACE:", 6) ||
	    (!strncmp(line, "CPU", 3) && strstr(line, " is empty")))
		return 0;
	ret = lost_line(r, st, line);
	if (ret)
		return ret < 0 ? ret : 0;
	for (const char *p = line; *p; p++)
		if (*p != ' ' && *p != '\t')
			return bad_line(r, st, "not an ftrace text line");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/* A stack that belongs to an event skipped as bad must not attach to the
 * event before it: it is dropped as an orphan. */
static void start_stack(vls_reader *r, struct text_state *st,
			const struct text_line *l)
{
	bool orphan = st->skipped && st->skipped_cpu == l->cpu &&
		      st->skipped_tid == l->tid;

	if (orphan && l->type == TEXT_LINE_STACK)
		r->stats.orphan_stacks++;
	/* trace-cmd report -R: "size=9 caller=ARRAY[9f, 44, ...]", the
	 * addresses' bytes and no symbol: a stack with no frame (none), and
	 * the import says how many (final_meta()) */
	if (l->type == TEXT_LINE_STACK && !strncmp(l->fields, "size=", 5) &&
	    strstr(l->fields, " caller=ARRAY["))
		st->raw_stacks++;
	st->in_stack = true;
	st->user_stack = l->type == TEXT_LINE_USER_STACK || orphan;
	st->stack_cpu = l->cpu;
	st->stack_tid = l->tid;
	st->nframes = 0;
}

/* perf: the lines after an event are its callchain; drop: the event was
 * skipped, and its callchain with it. */
static void perf_stack_start(struct text_state *st, const struct text_line *l,
			     bool drop)
{
	st->in_stack = true;
	st->user_stack = drop;
	st->stack_cpu = l ? l->cpu : -1;
	st->stack_tid = l ? l->tid : -1;
	st->nframes = 0;
}

static int event_line(vls_reader *r, struct text_state *st, const struct text_line *l)
{
	const struct text_name *n;
	int ret;
	vls_event ev;

	if (l->type == TEXT_LINE_STACK || l->type == TEXT_LINE_USER_STACK) {
		start_stack(r, st, l);
		return 0;
	}
	if (st->skipped && st->skipped_cpu == l->cpu)
		st->skipped = false;
	/* one clock per trace: a count among times (or a time among
	 * counts) cannot be placed on the trace's axis */
	if (st->ts_kind == TS_UNSEEN)
		st->ts_kind = l->ts_count ? TS_COUNT : TS_TIME;
	else if ((st->ts_kind == TS_COUNT) != l->ts_count) {
		st->user_stack = st->perf;
		st->skipped = true;
		st->skipped_cpu = l->cpu;
		st->skipped_tid = l->tid;
		return bad_line(r, st, l->ts_count ? "a timestamp without a point "
				"(a counting clock's) among times" :
				"a time among a counting clock's timestamps");
	}
	memset(&ev, 0, sizeof(ev));
	ret = intern(r, st, l->name, l->name_len, &n);
	if (ret)
		return ret;
	ev.kind = n->kind;
	ev.name = n->kind == VLS_EV_OTHER ? n->name : vls_event_kind_name(n->kind);
	ev.ts_ns = l->ts_ns;
	ev.cpu = l->cpu;
	ev.tid = l->tid;
	ev.pid = l->has_tgid ? l->tgid : -1;
	if (!(l->comm_len == 5 && !memcmp(l->comm, "<...>", 5)))
		__vls_copy_comm(ev.comm, l->comm, l->comm_len);
	if (st->perf)
		perf_stack_start(st, l, false);
	if (__vls_text_parse_fields(&ev, l->fields)) {
		st->user_stack = st->perf; /* its callchain goes with it */
		st->skipped = true;
		st->skipped_cpu = l->cpu;
		st->skipped_tid = l->tid;
		return bad_line(r, st, "fields of a known event do not parse");
	}
	if (st->ts_seen && ev.ts_ns < st->last_ts)
		st->out_of_order++;
	st->ts_seen = true;
	st->last_ts = ev.ts_ns;
	st->kinds_seen |= 1u << ev.kind;
	/* tracefs and trace-cmd print microseconds, perf script too
	 * unless --ns: the coarsest step is kept */
	if (l->ts_digits && (!st->ts_digits || l->ts_digits < st->ts_digits))
		st->ts_digits = l->ts_digits;
	return __vls_attach_event(&r->attach, &ev);
}

static bool is_frame(const char *p)
{
	while (*p == ' ')
		p++;
	return p[0] == '=' && p[1] == '>';
}

/* A callchain line: its kernel frames, up to the first user frame. */
static void perf_frame(struct text_state *st, const struct text_perf_frame *f)
{
	size_t n;

	if (!f->kernel)
		st->perf_user = true;
	if (st->perf_user || st->nframes == VLS_STACK_MAX)
		return;
	if (st->user_stack) {
		st->nframes = 1; /* dropped with its event: an orphan */
		return;
	}
	if (f->sym) {
		n = f->sym_len < FRAME_LEN ? f->sym_len : FRAME_LEN - 1;
		memcpy(st->frames[st->nframes], f->sym, n);
		st->frames[st->nframes][n] = '\0';
	} else {
		snprintf(st->frames[st->nframes], FRAME_LEN, "0x%llx",
			 (unsigned long long)f->addr);
	}
	st->nframes++;
}

/* A perf script line: an event, a frame of the callchain after it, a
 * header comment or the blank line that ends the event. */
static int perf_line(vls_reader *r, struct text_state *st, char *line)
{
	struct text_line l;
	bool event = line[0] != '#' && !__vls_text_parse_perf_line(&l, line);
	struct text_perf_frame f;
	const char *p;
	int ret;

	/* an event line first: a right-aligned comm ("     add 12 [0]")
	 * starts like a frame */
	if (!event && st->in_stack && !__vls_text_parse_perf_frame(&f, line)) {
		perf_frame(st, &f);
		return 0;
	}
	if (st->in_stack) {
		ret = flush_stack(r, st);
		if (ret)
			return ret;
	}
	st->perf_user = false;
	if (event)
		return event_line(r, st, &l);
	if (line[0] == '#')
		return comment_line(r, st, line);
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return 0;
	/* the frames of a line that is no event go with it */
	perf_stack_start(st, NULL, true);
	return bad_line(r, st, "not a perf script line");
}

static int do_line(vls_reader *r, struct text_state *st, char *line)
{
	struct text_line l;
	int ret;

	if (st->perf)
		return perf_line(r, st, line);
	if (is_frame(line)) {
		if (!st->in_stack)
			return bad_line(r, st, "stack frame without a stack");
		add_frame(st, line);
		return 0;
	}
	if (st->in_stack) {
		ret = flush_stack(r, st);
		if (ret)
			return ret;
	}
	if (line[0] == '#')
		return comment_line(r, st, line);
	if (!__vls_text_parse_line(&l, line))
		return event_line(r, st, &l);
	return other_line(r, st, line);
}

/* ------------------------------------------------------------------ */
/* Metadata after the read                                             */
/* ------------------------------------------------------------------ */

/* events.present: the kinds in kinds (1 << vls_event_kind). */
static int set_present(vls_reader *r, uint32_t kinds)
{
	char present[1024] = "";
	size_t off = 0;

	for (int k = 1; k < VLS_EV__COUNT; k++) {
		if (!(kinds & (1u << k)))
			continue;
		off += (size_t)snprintf(present + off, sizeof(present) - off, "%s%s",
					off ? "," : "", vls_event_kind_name(k));
		if (off >= sizeof(present))
			return __vls_error(r->ctx, VLS_ELIMIT, "event list too long");
	}
	return __vls_meta_set(r->ctx, &r->meta, "events.present", present);
}

/* The events perf's --header declares count as present, as a trace.dat's
 * formats do: they are known before the read, and the lock analyzer then
 * takes lock:contention_begin as the kernel's word from the first wait on
 * (locks-store.c), not from the first such event. */
static int final_meta(vls_reader *r, struct text_state *st)
{
	int ret = set_present(r, st->kinds_seen | st->kinds_declared);
	unsigned long long res = 1;

	for (int i = st->ts_digits; i < 9; i++)
		res *= 10;

	if (!ret)
		ret = __vls_meta_setf(r->ctx, &r->meta, "text.out_of_order", "%llu",
				      (unsigned long long)st->out_of_order);
	if (!ret && st->ts_digits && st->ts_kind != TS_COUNT)
		ret = __vls_meta_setf(r->ctx, &r->meta, "timestamp_resolution_ns",
				      "%llu", res);
	if (!ret && st->ts_kind == TS_COUNT)
		ret = __vls_meta_set(r->ctx, &r->meta, VLS_META_TIMESTAMPS,
				     VLS_TIMESTAMPS_COUNTS);
	if (!ret && st->lost_known)
		ret = __vls_meta_setf(r->ctx, &r->meta, "lost_events", "%llu",
				      (unsigned long long)st->lost);
	if (!ret && st->raw_stacks)
		ret = __vls_meta_setf(r->ctx, &r->meta, "text.raw_stacks", "%llu",
				      (unsigned long long)st->raw_stacks);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Reader operations                                                   */
/* ------------------------------------------------------------------ */

static void reset(struct text_state *st)
{
	st->start = st->end = 0;
	st->eof = st->skipping = st->in_stack = st->ts_seen = st->lost_known = false;
	st->skipped = false;
	st->lineno = st->last_ts = st->out_of_order = st->lost = 0;
	st->perf_user = false;
	st->ts_digits = 0;
	st->ts_kind = TS_UNSEEN;
	st->kinds_seen = 0;
}

/* "#P:" and "cpus=" from the head, so that ncpus is known before the read. */
static int scan_head(vls_reader *r, struct text_state *st)
{
	ssize_t n = pread(st->fd, st->buf, HEAD_SIZE, 0);
	char *line, *nl;
	int ret = 0;

	if (n < 0)
		return __vls_error(r->ctx, VLS_EIO, "%s: %s", r->path, strerror(errno));
	st->buf[n] = '\0';
	for (line = st->buf; !ret && (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		if (line[0] == '#')
			ret = comment_line(r, st, line);
		else if (!strncmp(line, "cpus=", 5))
			ret = set_ncpus(r, line + 5);
		else if (strncmp(line, "version = ", 10))
			break;
	}
	reset(st);
	if (!ret && st->kinds_declared)
		ret = set_present(r, st->kinds_declared);
	return ret;
}

static void text_close(vls_reader *r)
{
	struct text_state *st = r->priv;

	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	__vls_free(r->ctx, st->buf);
	__vls_free(r->ctx, st->names);
	__vls_u64map_release(r->ctx, &st->by_name);
	__vls_free(r->ctx, st);
	r->priv = NULL;
}

static int text_open(vls_reader *r)
{
	struct text_state *st = __vls_calloc(r->ctx, 1, sizeof(*st));

	if (!st)
		return __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
	r->priv = st;
	st->perf = r->format == VLS_FORMAT_PERF_SCRIPT_TEXT;
	st->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (st->fd < 0)
		return __vls_error(r->ctx, VLS_EIO, "%s: %s", r->path, strerror(errno));
	st->buf = __vls_malloc(r->ctx, TEXT_BUF_SIZE + 1);
	st->names = __vls_calloc(r->ctx, NAMES_MAX, sizeof(*st->names));
	if (!st->buf || !st->names)
		return __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
	return scan_head(r, st);
}

static int text_read(vls_reader *r)
{
	struct text_state *st = r->priv;
	char *line = NULL;
	int ret;

	if (lseek(st->fd, 0, SEEK_SET) < 0)
		return __vls_error(r->ctx, VLS_EIO, "%s: %s", r->path, strerror(errno));
	reset(st);
	r->stats.bytes_read = 0;
	while ((ret = next_line(r, st, &line)) > 0) {
		ret = do_line(r, st, line);
		if (ret)
			break;
	}
	if (!ret && st->in_stack)
		ret = flush_stack(r, st);
	if (ret != VLS_ENOMEM && ret != VLS_EIO) {
		int mret = final_meta(r, st);

		ret = ret ? ret : mret;
	}
	return ret;
}

const struct vls_reader_ops __vls_text_ops = {
	.name = "text",
	.open = text_open,
	.read = text_read,
	.close = text_close,
};
