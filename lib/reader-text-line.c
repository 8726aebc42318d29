/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-text-line.c - the columns of one ftrace text line, and which text
 * dialect the first lines of a file show.
 *
 * The kernel prints "%16s-%-7d" (comm, pid) then "[%03d]" (cpu) in
 * print_trace_header()/trace_print_context(); the tgid column "(%7d)" or
 * "(-----)" comes with the record-tgid option, as Android's atrace leaves
 * it on: a tgid column alone is tracefs text (VLS_FORMAT_FTRACE_TEXT);
 * only atrace's own "TRACE:" line before it makes a file atrace. trace-cmd
 * report prints "%16s-%-5d [%03d]" without the flags column, "cpu+flags"
 * without brackets with -l, and prefixes each line with "instance: " when
 * the trace came from a tracefs instance. perf script output (its lines in
 * reader-text-perf.c) is told by its header or its first event line.
 */
#include <string.h>

#include "reader-text.h"

/* comm (at most 15 bytes, padded) plus the dash: the pid's dash is near. */
#define TASK_SCAN_MAX 64
/* CPU numbers above this make the line unparsable (the attacher keeps
 * per-CPU state for at most 65536 CPUs: attach.c). */
#define CPU_MAX 65535
/* Lines looked at by detection. */
#define DETECT_LINE_MAX 1024

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Unsigned decimal int32. NULL if no digit or too large. */
static const char *parse_i32(const char *p, int32_t *out)
{
	int64_t v = 0;
	const char *start = p;

	while (is_digit(*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > INT32_MAX)
			return NULL;
	}
	if (p == start)
		return NULL;
	*out = (int32_t)v;
	return p;
}

int __vls_text_parse_ts(uint64_t *out, const char *s, const char **end)
{
	static const uint64_t scale[10] = { 1000000000, 100000000, 10000000,
					    1000000, 100000, 10000, 1000, 100,
					    10, 1 };
	uint64_t sec = 0, frac = 0;
	const char *p = s;
	int nfrac = 0;

	if (!is_digit(*p))
		return VLS_ERROR;
	while (is_digit(*p)) {
		if (sec >= UINT64_MAX / 1000000000ULL)
			return VLS_ERROR;
		sec = sec * 10 + (uint64_t)(*p++ - '0');
	}
	/* sec * 10^9 + 999999999 must fit in 64 bits */
	if (sec >= UINT64_MAX / 1000000000ULL)
		return VLS_ERROR;
	if (*p == '.' && is_digit(p[1])) {
		p++;
		/* beyond nanoseconds: precision the clock does not have */
		for (; is_digit(*p); p++)
			if (nfrac < 9)
				frac = frac * 10 + (uint64_t)(*p - '0'), nfrac++;
	}
	*out = sec * 1000000000ULL + frac * scale[nfrac];
	*end = p;
	return 0;
}

/* "(   123)" or "(-----)": the tgid column. */
static const char *parse_tgid(struct text_line *l, const char *p)
{
	p = skip_spaces(p + 1);
	if (*p == '-') {
		while (*p == '-')
			p++;
		l->tgid = -1;
	} else if (!(p = parse_i32(p, &l->tgid))) {
		return NULL;
	}
	p = skip_spaces(p);
	if (*p != ')')
		return NULL;
	l->has_tgid = true;
	return skip_spaces(p + 1);
}

/* From the CPU column to the timestamp: "[001] d..2. " or "[001] " or
 * "0d.... " (trace-cmd -l). Returns the timestamp's start or NULL. */
static const char *parse_cpu(struct text_line *l, const char *p)
{
	const char *f;

	if (*p == '(' && !(p = parse_tgid(l, p)))
		return NULL;
	if (*p == '[') {
		p = parse_i32(p + 1, &l->cpu);
		if (!p || *p != ']' || l->cpu > CPU_MAX)
			return NULL;
		p = skip_spaces(p + 1);
		if (is_digit(*p))
			return p;
		/* irqs-off/need-resched/... flags never start with a digit */
		for (f = p; *p && *p != ' '; p++)
			;
		l->has_flags = p > f;
		return l->has_flags ? skip_spaces(p) : NULL;
	}
	p = parse_i32(p, &l->cpu);
	if (!p || *p == ' ' || !*p || (*p == '.' && is_digit(p[1])) || l->cpu > CPU_MAX)
		return NULL;
	while (*p && *p != ' ')
		p++;
	l->latency = l->has_flags = true;
	return skip_spaces(p);
}

/* "SECONDS.FRACTION: " or, with tracefs's latency-format option,
 * "MICROSECONDS" "us" and a delay mark ("5459244784us!: "). The position
 * after the ':' goes to *pp. */
static int parse_time(struct text_line *l, const char **pp)
{
	const char *p = *pp, *dot;
	uint64_t n = 0;
	bool big = false;

	for (; is_digit(*p); p++) {
		big |= n > (UINT64_MAX - 9) / 10;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	l->ts_us = p > *pp && p[0] == 'u' && p[1] == 's';
	l->ts_count = p > *pp && !l->ts_us && *p != '.';
	l->ts_digits = 0;
	if (l->ts_us) {
		if (big || n > UINT64_MAX / 1000)
			return VLS_ERROR;
		l->ts_ns = n * 1000;
		l->ts_digits = 6;
		p += 2;
		if (*p && *p != ':')
			p++;
	} else if (l->ts_count) {
		/* a clock that counts (its in_ns is 0): the raw count, which
		 * no rule turns into time (x86-tsc's cycles are 1e15 and up) */
		if (big)
			return VLS_ERROR;
		l->ts_ns = n;
	} else if (__vls_text_parse_ts(&l->ts_ns, *pp, &p)) {
		return VLS_ERROR;
	} else {
		dot = memchr(*pp, '.', (size_t)(p - *pp));
		l->ts_digits = dot ? (uint8_t)(p - dot - 1 > 9 ? 9 : p - dot - 1) : 0;
	}
	if (*p != ':' || (p[1] != ' ' && p[1]))
		return VLS_ERROR;
	*pp = p + 1;
	return 0;
}

/* `trace-cmd report --ts-diff`: "(+842)" after the timestamp, the time
 * since the CPU's event before, padded; nothing for a CPU's first event.
 * Past it, or p itself when there is none. */
static const char *skip_ts_diff(const char *p)
{
	const char *q = p;

	if (q[0] != '(' || q[1] != '+' || !is_digit(q[2]))
		return p;
	for (q += 2; is_digit(*q); q++)
		;
	return *q == ')' ? skip_spaces(q + 1) : p;
}

/* After "TIMESTAMP: ": the event name and its fields. */
static void parse_name(struct text_line *l, const char *p)
{
	const char *n;

	p = skip_ts_diff(p);
	n = p;

	l->type = TEXT_LINE_EVENT;
	if (!strncmp(p, "<stack trace>", 13)) {
		l->type = TEXT_LINE_STACK;
		l->name = p;
		l->name_len = 13;
		l->fields = p + 13;
		return;
	}
	if (!strncmp(p, "<user stack trace>", 18)) {
		l->type = TEXT_LINE_USER_STACK;
		l->name = p;
		l->name_len = 18;
		l->fields = p + 18;
		return;
	}
	while (*p && *p != ':' && *p != ' ')
		p++;
	if (*p != ':' || p == n) {
		/* function tracer: "do_sys_open <-__x64_sys_openat" */
		l->type = TEXT_LINE_FUNCTION;
		l->name = "function";
		l->name_len = 8;
		l->fields = n;
		return;
	}
	l->name = n;
	l->name_len = (size_t)(p - n);
	l->fields = skip_spaces(p + 1);
	if (l->name_len == 12 && !memcmp(n, "kernel_stack", 12))
		l->type = TEXT_LINE_STACK;
	else if (l->name_len == 10 && !memcmp(n, "user_stack", 10))
		l->type = TEXT_LINE_USER_STACK;
}

/* From the TASK column on. The comm may hold spaces and dashes: the pid
 * is the first "-DIGITS " followed by a valid CPU column. */
static int parse_task(struct text_line *l, const char *s)
{
	const char *task = skip_spaces(s), *q, *p;

	for (q = task; *q && q - task < TASK_SCAN_MAX; q++) {
		if (*q != '-' || !is_digit(q[1]) || q == task)
			continue;
		p = parse_i32(q + 1, &l->tid);
		if (!p || (*p != ' ' && *p != '('))
			continue;
		l->has_tgid = l->has_flags = l->latency = false;
		l->tgid = -1;
		p = parse_cpu(l, skip_spaces(p));
		if (!p || parse_time(l, &p))
			continue;
		l->comm = task;
		l->comm_len = (size_t)(q - task);
		parse_name(l, skip_spaces(p));
		return 0;
	}
	return VLS_ERROR;
}

int __vls_text_parse_line(struct text_line *l, const char *line)
{
	const char *p = line;

	l->buffer_prefix = false;
	if (*line && *line != ' ' && *line != '\t') {
		/* trace-cmd report of an instance: "vlstext:    comm-pid ..." */
		while (*p && *p != ' ')
			p++;
		if (p > line && p[-1] == ':' && !parse_task(l, p)) {
			l->buffer_prefix = true;
			return 0;
		}
	}
	return parse_task(l, line);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* One line of the head: a dialect, or AUTO to look further. */
static vls_format detect_line(const char *line, bool *tracer_hdr)
{
	struct text_line l;

	if (starts(line, "version = ") || starts(line, "cpus="))
		return VLS_FORMAT_TRACECMD_TEXT;
	if (starts(line, "TRACE:"))
		return VLS_FORMAT_ATRACE_TEXT;
	if (line[0] == '#') {
		if (starts(line, "# tracer:"))
			*tracer_hdr = true;
		/* perf script --header: its first key */
		if (__vls_text_perf_header(line, "captured on"))
			return VLS_FORMAT_PERF_SCRIPT_TEXT;
		return VLS_FORMAT_AUTO;
	}
	if (__vls_text_parse_line(&l, line)) {
		/* perf's "COMM TID [CPU]" has no dash before the TID: no line
		 * of the ftrace dialects reads as one */
		if (!__vls_text_parse_perf_line(&l, line))
			return VLS_FORMAT_PERF_SCRIPT_TEXT;
		return VLS_FORMAT_AUTO;
	}
	if (*tracer_hdr || l.ts_us || l.has_tgid)
		return VLS_FORMAT_FTRACE_TEXT;
	if (l.buffer_prefix || l.latency || !l.has_flags)
		return VLS_FORMAT_TRACECMD_TEXT;
	return VLS_FORMAT_FTRACE_TEXT;
}

vls_format __vls_text_detect(const char *buf, size_t len)
{
	char line[DETECT_LINE_MAX];
	bool tracer_hdr = false;
	size_t off = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		vls_format f;

		if (!nl && off)
			break; /* a cut last line says nothing reliable */
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, buf + off, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		f = detect_line(line, &tracer_hdr);
		if (f != VLS_FORMAT_AUTO)
			return f;
		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	if (tracer_hdr)
		return VLS_FORMAT_FTRACE_TEXT;
	return VLS_FORMAT_AUTO;
}
