/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-text-perf.c - the lines of `perf script` output (linux-perf's
 * tools/perf/builtin-script.c), the text reader's "perf-script" dialect.
 *
 * An event line: "COMM TID [CPU] SECONDS.FRACTION: SYSTEM:EVENT: FIELDS".
 * perf_sample__fprintf_start() prints the comm (which may hold spaces) as
 * "%16s" or "%-16s", the tid as "%5d", or "PID/TID" with -F +pid; the time
 * with 6 decimals (microseconds) or 9 with --ns. The fields are the
 * tracepoint's TP_printk(), as tracefs prints them. With -g the callchain
 * follows, one frame a line, innermost first, kernel frames before user ones:
 * "\tADDR [SYM[+OFF]] [(DSO)]"; a blank line ends the event.
 */
#include <string.h>

#include "reader-text.h"

/* The attacher keeps per-CPU state for at most 65536 CPUs (attach.c). */
#define CPU_MAX 65535

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_spaces(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* Unsigned decimal int32 in [b, e), all of it. -1 if not one. */
static int parse_id(const char *b, const char *e, int32_t *out)
{
	int64_t v = 0;

	if (b == e)
		return VLS_ERROR;
	for (; b < e; b++) {
		if (!is_digit(*b))
			return VLS_ERROR;
		v = v * 10 + (*b - '0');
		if (v > INT32_MAX)
			return VLS_ERROR;
	}
	*out = (int32_t)v;
	return 0;
}

/* The comm and "TID" or "PID/TID" in [line, e): e is the CPU column's '['.
 * The ids are the last word; the comm is what comes before, trimmed. */
static int parse_task(struct text_line *l, const char *line, const char *e)
{
	const char *w, *slash, *c;

	while (e > line && is_space(e[-1]))
		e--;
	for (w = e; w > line && !is_space(w[-1]); w--)
		;
	slash = memchr(w, '/', (size_t)(e - w));
	if (slash) {
		if (parse_id(w, slash, &l->tgid) || parse_id(slash + 1, e, &l->tid))
			return VLS_ERROR;
		l->has_tgid = true;
	} else if (parse_id(w, e, &l->tid)) {
		return VLS_ERROR;
	}
	c = skip_spaces(line);
	while (w > c && is_space(w[-1]))
		w--;
	if (w == c)
		return VLS_ERROR;
	l->comm = c;
	l->comm_len = (size_t)(w - c);
	return 0;
}

/* After "TIME:": an optional period (counting events), then the event
 * name up to the ':' that a space or the end of the line follows. */
static int parse_name(struct text_line *l, const char *p)
{
	const char *n, *q;

	p = skip_spaces(p);
	for (q = p; is_digit(*q); q++)
		;
	if (q > p && *q == ' ')
		p = skip_spaces(q);
	for (n = p; *p; p++)
		if (p[0] == ':' && (p[1] == ' ' || !p[1]))
			break;
	if (!*p || p == n)
		return VLS_ERROR;
	for (q = n; q < p; q++)
		if (is_space(*q))
			return VLS_ERROR;
	l->type = TEXT_LINE_EVENT;
	l->name = n;
	l->name_len = (size_t)(p - n);
	l->fields = skip_spaces(p + 1);
	return 0;
}

/* From a '[': "[CPU] TIME:" with TIME's decimals counted. The position
 * after the ':' goes to *pp. */
static int parse_cpu_time(struct text_line *l, const char **pp)
{
	const char *p = *pp + 1, *q, *dot;
	int32_t cpu;

	for (q = p; is_digit(*q); q++)
		;
	if (*q != ']' || parse_id(p, q, &cpu) || cpu > CPU_MAX)
		return VLS_ERROR;
	p = skip_spaces(q + 1);
	if (__vls_text_parse_ts(&l->ts_ns, p, &q) || *q != ':' ||
	    (q[1] != ' ' && q[1]))
		return VLS_ERROR;
	dot = memchr(p, '.', (size_t)(q - p));
	l->ts_digits = dot ? (uint8_t)(q - dot - 1 > 9 ? 9 : q - dot - 1) : 0;
	l->cpu = cpu;
	*pp = q + 1;
	return 0;
}

int __vls_text_parse_perf_line(struct text_line *l, const char *line)
{
	memset(l, 0, sizeof(*l));
	for (const char *b = strchr(line, '['); b; b = strchr(b + 1, '[')) {
		const char *p = b;

		if (b == line || !is_space(b[-1]))
			continue;
		l->has_tgid = false;
		l->tgid = -1;
		if (parse_cpu_time(l, &p) || parse_task(l, line, b) || parse_name(l, p))
			continue;
		return 0;
	}
	return VLS_ERROR;
}

/* User-space mappings perf names in brackets, like kernel modules. */
static bool user_bracket(const char *d, size_t n)
{
	static const char *const names[] = { "[unknown]", "[vdso]", "[vdso32]",
					     "[vdsox32]", "[vsyscall]", "[heap]",
					     "[stack]", "[anon]", "[uprobes]" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !memcmp(d, names[i], n))
			return true;
	return false;
}

/* A kernel frame: the DSO is the kernel ("[kernel.kallsyms]") or a module
 * ("[xfs]"); without a known DSO, a top-half address (the kernel's on
 * x86_64, arm64, riscv64, ppc64). */
static bool kernel_frame(const struct text_perf_frame *f)
{
	if (f->dso_len > 2 && f->dso[0] == '[' && f->dso[f->dso_len - 1] == ']' &&
	    !user_bracket(f->dso, f->dso_len))
		return true;
	if (f->dso_len && !(f->dso_len == 9 && !memcmp(f->dso, "[unknown]", 9)))
		return false;
	return f->addr >> 63;
}

int __vls_text_parse_perf_frame(struct text_perf_frame *f, const char *line)
{
	const char *p = line, *s, *e;

	memset(f, 0, sizeof(*f));
	if (!is_space(*p))
		return VLS_ERROR;
	p = skip_spaces(p);
	p = __vls_text_parse_hex(p, &f->addr);
	if (!p || (*p && !is_space(*p)))
		return VLS_ERROR;
	p = skip_spaces(p);
	e = p + strlen(p);
	while (e > p && is_space(e[-1]))
		e--;
	/* " (DSO)" at the end; a DSO path may hold spaces */
	if (e > p && e[-1] == ')') {
		for (s = e - 1; s > p && *s != '('; s--)
			;
		if (*s == '(' && (s == p || is_space(s[-1]))) {
			f->dso = s + 1;
			f->dso_len = (size_t)(e - 1 - f->dso);
			e = s;
			while (e > p && is_space(e[-1]))
				e--;
		}
	}
	/* "SYM+0xOFF": the symbol alone, as the ftrace text's frames */
	for (s = p; s + 2 < e; s++)
		if (s[0] == '+' && s[1] == '0' && s[2] == 'x' && s > p) {
			e = s;
			break;
		}
	if (e > p && !(e - p == 9 && !memcmp(p, "[unknown]", 9))) {
		f->sym = p;
		f->sym_len = (size_t)(e - p);
	}
	f->kernel = kernel_frame(f);
	return 0;
}

/* "# os release : 6.1.0-18-amd64": the value of key, or NULL. */
const char *__vls_text_perf_header(const char *line, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	if (line[0] != '#')
		return NULL;
	p = skip_spaces(line + 1);
	if (strncmp(p, key, n))
		return NULL;
	p = skip_spaces(p + n);
	if (*p != ':')
		return NULL;
	p = skip_spaces(p + 1);
	return *p ? p : NULL;
}
