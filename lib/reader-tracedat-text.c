/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat-text.c - the text parts of a trace.dat file that
 * libtracecmd hands to libtraceevent unchecked: the header_page format, the
 * event formats, kallsyms and the printk formats.
 *
 * Why: libtraceevent 1.7.1 and libtracecmd 3.1.6 trust this text. A
 * header_page without the "timestamp", "commit" and "data" fields leaves
 * the ring-buffer page layout at zero, libtracecmd then fails to open the
 * buffers and crashes in its error path (tracecmd_close() under
 * tracecmd_buffer_instance_handle()); a print fmt whose __print_flags()
 * names a field the format lacks dereferences NULL in tep_parse_event();
 * a printk line without " : " or with an empty format makes
 * tep_register_print_string() read outside its string. Each text is
 * checked here for the shape the kernel writes, once per file at open:
 * linear scans, no allocation.
 */
#include <stdio.h>
#include <string.h>

#include "reader-tracedat.h"

#define FIELDS_MAX 1024         /* fields of one event format */

struct span {
	const char *p;
	size_t n;
};

/* The next line of [*p, end) without its '\n'; *p moves past it. */
static struct span next_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	struct span l = { *p, (size_t)((nl ? nl : end) - *p) };

	*p = nl ? nl + 1 : end;
	return l;
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool is_blank(struct span l)
{
	for (size_t i = 0; i < l.n; i++)
		if (l.p[i] != ' ' && l.p[i] != '\t')
			return false;
	return true;
}

static bool starts(struct span l, const char *s)
{
	size_t n = strlen(s);

	return l.n >= n && !memcmp(l.p, s, n);
}

/* At *i of l: the key, ':', a decimal number, ';'. */
static bool key_num(struct span l, size_t *i, const char *key, unsigned long *out)
{
	size_t k = strlen(key), d = 0;
	unsigned long v = 0;

	while (*i < l.n && (l.p[*i] == ' ' || l.p[*i] == '\t'))
		(*i)++;
	if (l.n - *i < k + 1 || memcmp(l.p + *i, key, k) || l.p[*i + k] != ':')
		return false;
	*i += k + 1;
	for (; *i < l.n && l.p[*i] >= '0' && l.p[*i] <= '9' && d < 9; (*i)++, d++)
		v = v * 10 + (unsigned long)(l.p[*i] - '0');
	if (!d || *i >= l.n || l.p[*i] != ';')
		return false;
	(*i)++;
	*out = v;
	return true;
}

/*
 * "\tfield:TYPE NAME[N];\toffset:O;\tsize:S;\tsigned:X;", "signed" absent
 * on old kernels. The name is the identifier that ends the declaration,
 * before any array suffix.
 */
static bool field_line(struct span l, struct span *name, unsigned long *off,
		       unsigned long *size)
{
	size_t i = 0, e, semi;
	unsigned long sgn;

	while (i < l.n && (l.p[i] == ' ' || l.p[i] == '\t'))
		i++;
	if (l.n - i < 6 || memcmp(l.p + i, "field:", 6))
		return false;
	i += 6;
	for (semi = i; semi < l.n && l.p[semi] != ';'; semi++)
		;
	if (semi >= l.n)
		return false;
	e = semi;
	while (e > i && l.p[e - 1] == ' ')
		e--;
	while (e > i && l.p[e - 1] == ']') {    /* "caller[8]", "char[] name" */
		while (e > i && l.p[e - 1] != '[')
			e--;
		if (e == i)
			return false;
		e--;
	}
	name->n = 0;
	while (e > i && is_ident(l.p[e - 1])) {
		e--;
		name->n++;
	}
	name->p = l.p + e;
	if (!name->n || (name->p[0] >= '0' && name->p[0] <= '9') || e == i)
		return false;           /* no name, or no type before it */
	i = semi + 1;
	if (!key_num(l, &i, "offset", off) || !key_num(l, &i, "size", size))
		return false;
	if (!is_blank((struct span){ l.p + i, l.n - i }) &&
	    !key_num(l, &i, "signed", &sgn))
		return false;
	return is_blank((struct span){ l.p + i, l.n - i });
}

static bool name_is(struct span name, const char *s)
{
	return name.n == strlen(s) && !memcmp(name.p, s, name.n);
}

bool __vls_td_check_header_page(const char *text, size_t len, uint64_t page_size,
				char *why, size_t why_size)
{
	/* libtraceevent's parse_header_field() takes them in this order */
	static const char *const want[] = { "timestamp", "commit", "overwrite", "data" };
	unsigned long off[4] = { 0 }, size[4] = { 0 };
	const char *p = text, *end = text + len;
	unsigned int k = 0;

	if (!len)
		return true;    /* old kernels: libtraceevent's defaults */
	while (p < end && k < 4) {
		struct span l = next_line(&p, end), name;
		unsigned long o, s;

		if (is_blank(l))
			continue;
		if (!field_line(l, &name, &o, &s)) {
			snprintf(why, why_size, "header_page: a line that is not a field");
			return false;
		}
		if (k == 2 && !name_is(name, "overwrite"))
			k++;    /* overwrite is optional */
		if (!name_is(name, want[k])) {
			snprintf(why, why_size, "header_page: field \"%.*s\" where "
				 "\"%s\" belongs", (int)(name.n > 32 ? 32 : name.n),
				 name.p, want[k]);
			return false;
		}
		off[k] = o;
		size[k] = s;
		k++;
	}
	if (k < 4) {
		snprintf(why, why_size, "header_page: no \"%s\" field", want[k]);
		return false;
	}
	if (off[0] != 0 || size[0] != 8 || off[1] != 8 ||
	    (size[1] != 4 && size[1] != 8) || off[3] != 8 + size[1] ||
	    !size[3] || size[3] > page_size || off[3] + size[3] > page_size) {
		snprintf(why, why_size, "header_page: timestamp %lu+%lu, commit "
			 "%lu+%lu, data %lu+%lu do not make a %llu-byte page",
			 off[0], size[0], off[1], size[1], off[3], size[3],
			 (unsigned long long)page_size);
		return false;
	}
	return true;
}

/* Is name one of the n fields? */
static bool has_field(const struct span *f, size_t n, struct span name)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].n == name.n && !memcmp(f[i].p, name.p, name.n))
			return true;
	return false;
}

/*
 * Every REC->name of the print fmt, outside its quoted strings, is a field
 * (common ones included, as tep_find_any_field() looks them up).
 */
static bool check_rec_refs(struct span fmt, const struct span *f, size_t n,
			   struct span *bad)
{
	bool quoted = false;

	for (size_t i = 0; i < fmt.n; i++) {
		char c = fmt.p[i];

		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (c == '"') {
			quoted = true;
			continue;
		}
		if (c != 'R' || fmt.n - i < 5 || memcmp(fmt.p + i, "REC->", 5) ||
		    (i && is_ident(fmt.p[i - 1])))
			continue;
		i += 5;
		bad->p = fmt.p + i;
		for (bad->n = 0; i < fmt.n && is_ident(fmt.p[i]); i++)
			bad->n++;
		if (!has_field(f, n, *bad))
			return false;
		i--;
	}
	return true;
}

/*
 * "name: N\nID: I\nformat:\n", field lines (a blank line between the
 * common ones and the others), "print fmt: ...".
 */
bool __vls_td_check_format(const char *text, size_t len, const char *system,
			   char *why, size_t why_size)
{
	struct span fields[FIELDS_MAX], name = { "?", 1 }, l, bad;
	const char *p = text, *end = text + len;
	size_t n = 0;
	unsigned long o, s;

	if (memchr(text, '\0', len)) {
		snprintf(why, why_size, "%s event format: a NUL byte", system);
		return false;
	}
	l = next_line(&p, end);
	if (starts(l, "name: ") && l.n > 6)
		name = (struct span){ l.p + 6, l.n - 6 };
	if (name.n > 64)
		name.n = 64;
#define FAIL(...) do {							\
		int w = snprintf(why, why_size, "event format %s:%.*s: ",	\
				 system, (int)name.n, name.p);		\
		if (w >= 0 && (size_t)w < why_size)			\
			snprintf(why + w, why_size - (size_t)w, __VA_ARGS__); \
		return false;						\
	} while (0)
	if (name.p[0] == '?')
		FAIL("no name line");
	l = next_line(&p, end);
	if (!starts(l, "ID: ") || l.n == 4 || l.p[4] < '0' || l.p[4] > '9')
		FAIL("no ID line");
	l = next_line(&p, end);
	if (!starts(l, "format:"))
		FAIL("no format line");
	for (;;) {
		if (p >= end)
			FAIL("no print fmt");
		l = next_line(&p, end);
		if (starts(l, "print fmt: "))
			break;
		if (is_blank(l))
			continue;
		if (n >= FIELDS_MAX)
			FAIL("more than %d fields", FIELDS_MAX);
		if (!field_line(l, &fields[n], &o, &s))
			FAIL("a field line that does not parse: \"%.*s\"",
			     (int)(l.n > 48 ? 48 : l.n), l.p);
		n++;
	}
	l.p += strlen("print fmt: ");
	l.n = (size_t)(end - l.p);
	if (!check_rec_refs(l, fields, n, &bad))
		FAIL("print fmt names REC->%.*s, not a field of the format",
		     (int)(bad.n > 48 ? 48 : bad.n), bad.p);
#undef FAIL
	return true;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_graph(char c)
{
	return (unsigned char)c > ' ' && c != 0x7f;
}

/* A byte of a symbol or module name: the ELF symbol table's bytes, all
 * but NUL and the blanks that end a word for libtraceevent's sscanf(). An
 * s390x kernel's modules have local labels ".L1\x0217" (with a 0x02). */
static bool is_name(char c)
{
	return c && c != ' ' && (c < '\t' || c > '\r');
}

/* A hex digit's value plus one, 0 for any other byte (a line per symbol,
 * some 100 k of them, read twice: no branch per digit). */
static const unsigned char hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
	['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13,
	['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13,
	['D'] = 14, ['E'] = 15, ['F'] = 16,
};

bool __vls_td_kallsyms_line(const char *line, size_t len, struct vls_td_ksym *out)
{
	struct span l = { line, len };
	size_t i = 0, j, max = len < 16 ? len : 16;
	unsigned d;

	out->addr = 0;
	for (; i < max && (d = hex1[(unsigned char)l.p[i]]); i++)
		out->addr = out->addr << 4 | (d - 1);
	if (!i || l.n - i < 4 || l.p[i] != ' ' || !is_graph(l.p[i + 1]) ||
	    l.p[i + 2] != ' ')
		return false;
	out->type = l.p[i + 1];
	for (i += 3, j = i; i < l.n && is_name(l.p[i]); i++)
		;
	if (i == j)
		return false;
	out->name = l.p + j;
	out->name_len = i - j;
	if (i == l.n)
		return true;
	if (l.n - i < 3 || l.p[i] != '\t' || l.p[i + 1] != '[' || l.p[l.n - 1] != ']')
		return false;
	for (i += 2; i < l.n - 1; i++)
		if (!is_name(l.p[i]))
			return false;
	return true;
}

/* 0xffffffff8281a8ff : "thaw_processes". The quoted format is at least
 * two characters: tep_register_print_string() looks two bytes before its
 * closing quote for a "\n" to strip, whatever the length. */
static bool printk_line(struct span l)
{
	size_t i = 2;

	if (l.n < 2 || l.p[0] != '0' || (l.p[1] != 'x' && l.p[1] != 'X'))
		return false;
	while (i < l.n && i < 18 && is_hex(l.p[i]))
		i++;
	if (i == 2 || l.n - i < 6 || memcmp(l.p + i, " : \"", 4))
		return false;
	i += 4;
	return l.p[l.n - 1] == '"' && l.n - i >= 3;
}

static bool check_lines(const char *text, size_t len, bool (*ok)(struct span),
			const char *what, char *why, size_t why_size)
{
	const char *p = text, *end = text + len;
	size_t line = 0;

	while (p < end) {
		struct span l = next_line(&p, end);

		line++;
		if (!l.n)
			continue;
		if (memchr(l.p, '\0', l.n) || !ok(l)) {
			snprintf(why, why_size, "%s line %zu is not of the kernel's shape",
				 what, line);
			return false;
		}
	}
	return true;
}

bool __vls_td_check_printk(const char *text, size_t len, char *why, size_t why_size)
{
	return check_lines(text, len, printk_line, "printk formats", why, why_size);
}
