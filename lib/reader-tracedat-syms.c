/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat-syms.c - kernel addresses to function names, each
 * distinct address looked up once (contract in reader-tracedat.h), in our
 * own table of the file's kallsyms or in libtraceevent.
 *
 * Why our own table: libtracecmd 3.1.6 hands kallsyms to libtraceevent's
 * tep_parse_kallsyms() as it opens the file, which sscanf()s every line,
 * strdup()s every name into a list and qsort()s it all at the first
 * lookup: some 560 M instructions for a distribution kernel's kallsyms, on
 * the import's one thread before its two start. Here the names stay in the
 * section's own text (cut in place), the table is 16 bytes a symbol, and
 * /proc/kallsyms, sorted but for a few runs, is sorted only when it is not.
 *
 * The same names as tep_find_function() for every address: the lines
 * tep_parse_kallsyms() keeps (not a name starting with '$', ARM's mapping
 * symbols; not type 'A' or 'a', absolute ones like x86-64's per-CPU
 * offsets; a module's symbols by their name alone), ordered as its
 * func_map is (by address; its list is built by prepending and glibc
 * 2.36's qsort() is a merge sort, stable: equal addresses latest line
 * first), and searched as its bsearch() with func_bcmp() searches it: an
 * address matches a symbol it equals, or lies after one and before the
 * next (the last has no next: past it is no function, nor is below the
 * first). So an address after equal ones gets the first line of them; one
 * equal to them, the one glibc's bisection meets first, found here by the
 * same bisection on the same array.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "reader-tracedat.h"

/* Distinct addresses kept: far more than the stacks of any trace touch
 * (kernel text has ~100 k functions), 16 MB of cache at most. */
#define VLS_TDSYMS_MAX (1u << 20)

/* By address, then the latest line first. */
static int sym_cmp(const void *a, const void *b)
{
	const struct vls_tdsym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* Sorted but for equal addresses, which come in line order: reverse each
 * run of them (sym_cmp()'s order without a sort). */
static void reverse_ties(struct vls_tdsym *t, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && t[j].addr == t[i].addr; j++)
			;
		for (size_t a = i, b = j - 1; a < b; a++, b--) {
			struct vls_tdsym x = t[a];

			t[a] = t[b];
			t[b] = x;
		}
	}
}

/* The symbols of text into *tab, in line order; *sorted if by address. */
static int parse(vls_ctx *ctx, char *text, size_t len, struct vls_tdsym **tab,
		 size_t *ntab, size_t *bad_line, bool *sorted)
{
	char *p = text, *end = text + len;
	size_t cap = 0, line = 0, n = 0;
	struct vls_td_ksym k;
	int ret;

	*sorted = true;
	while (p < end) {
		char *l = p, *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;

		line++;
		p = nl ? nl + 1 : end;
		if (e == l)
			continue;       /* as tep_parse_kallsyms()'s strtok_r() does */
		if (!__vls_td_kallsyms_line(l, (size_t)(e - l), &k)) {
			*bad_line = line;
			return VLS_EPARSE;
		}
		if (k.name[0] == '$' || k.type == 'A' || k.type == 'a')
			continue;
		if ((ret = __vls_grow(ctx, (void **)tab, &cap, n + 1, sizeof(**tab), len)))
			return ret;
		((char *)k.name)[k.name_len] = '\0';    /* the '\t' or '\n' */
		if (n && k.addr < (*tab)[n - 1].addr)
			*sorted = false;
		(*tab)[n] = (struct vls_tdsym){ k.addr, (uint32_t)(k.name - text),
						(uint32_t)n };
		*ntab = ++n;
	}
	return 0;
}

int __vls_tdsyms_parse(vls_ctx *ctx, char *text, size_t len, struct vls_tdsym **tab,
		       size_t *ntab, size_t *bad_line)
{
	bool sorted = true;
	int ret;

	*tab = NULL;
	*ntab = 0;
	/* names are 32-bit offsets (reader-tracedat-layout.c: 256 MB at most) */
	ret = len < UINT32_MAX ? parse(ctx, text, len, tab, ntab, bad_line, &sorted)
			       : VLS_ELIMIT;
	if (ret) {
		__vls_free(ctx, *tab);
		*tab = NULL;
		*ntab = 0;
		return ret;
	}
	if (sorted)
		reverse_ties(*tab, *ntab);
	else
		qsort(*tab, *ntab, sizeof(**tab), sym_cmp);
	return 0;
}

void __vls_tdsyms_adopt(vls_ctx *ctx, struct vls_tdsyms *s, char *text,
			struct vls_tdsym *tab, size_t ntab)
{
	__vls_free(ctx, s->text);
	__vls_free(ctx, s->tab);
	s->text = text;
	s->tab = tab;
	s->ntab = ntab;
	s->own = true;
}

int __vls_tdsyms_load(vls_ctx *ctx, struct vls_tdsyms *s, char *text, size_t len,
		      const char *path)
{
	struct vls_tdsym *tab;
	size_t ntab, line = 0;
	int ret = __vls_tdsyms_parse(ctx, text, len, &tab, &ntab, &line);

	__vls_tdsyms_adopt(ctx, s, text, tab, ntab);
	if (ret == VLS_EPARSE)
		return __vls_error(ctx, VLS_EPARSE, "%s: corrupt trace.dat: kallsyms "
				   "line %zu is not of the kernel's shape", path, line);
	if (ret == VLS_ELIMIT)
		return __vls_error(ctx, VLS_ELIMIT, "%s: kallsyms larger than 4 GB", path);
	return ret;
}

/* libtraceevent's __find_func(): glibc's bsearch() with func_bcmp(), the
 * entry after the last one an address 0. */
static const char *own_find(const struct vls_tdsyms *s, uint64_t addr)
{
	size_t l = 0, u = s->ntab;

	while (l < u) {
		size_t i = (l + u) / 2;
		uint64_t a = s->tab[i].addr;
		uint64_t next = i + 1 < s->ntab ? s->tab[i + 1].addr : 0;

		if (addr == a || (addr > a && addr < next))
			return s->text + s->tab[i].name;
		if (addr < a)
			u = i;
		else
			l = i + 1;
	}
	return NULL;
}

int __vls_tdsyms_find(const char **out, vls_ctx *ctx, struct vls_tdsyms *s,
		      struct tep_handle *tep, uint64_t addr)
{
	uint32_t idx;
	int ret;

	if (!__vls_u64map_get(&s->map, addr, &idx)) {
		*out = s->names[idx];
		return 0;
	}
	*out = s->own ? own_find(s, addr) : tep_find_function(tep, addr);
	if (s->n >= VLS_TDSYMS_MAX)
		return 0;
	if ((ret = __vls_grow(ctx, (void **)&s->names, &s->cap, s->n + 1,
			      sizeof(*s->names), VLS_TDSYMS_MAX)) ||
	    (ret = __vls_u64map_put(ctx, &s->map, addr, (uint32_t)s->n)))
		return ret;
	s->names[s->n++] = *out;
	return 0;
}

int __vls_tdsyms_frame(const char **out, char *hex, vls_ctx *ctx, struct vls_tdsyms *s,
		       struct tep_handle *tep, uint64_t addr)
{
	int ret = __vls_tdsyms_find(out, ctx, s, tep, addr);

	if (!ret && !*out) {
		snprintf(hex, VLS_TDSYMS_HEX, "0x%" PRIx64, addr);
		*out = hex;
	}
	return ret;
}

void __vls_tdsyms_release(vls_ctx *ctx, struct vls_tdsyms *s)
{
	__vls_u64map_release(ctx, &s->map);
	__vls_free(ctx, (void *)s->names);
	__vls_free(ctx, s->text);
	__vls_free(ctx, s->tab);
	s->names = NULL;
	s->n = s->cap = 0;
	s->text = NULL;
	s->tab = NULL;
	s->ntab = 0;
	s->own = false;
}

/* ---- stacks by their addresses ---- */

/* Distinct stacks kept, and their bytes: past either, stacks are resolved
 * frame by frame as before (an input made to have millions). */
#define TDSTACKS_MAX (1u << 20)
#define TDSTACKS_BYTES (64u << 20)

struct addr_key {
	const uint64_t *addr;
	size_t n;
};

static bool addrs_eq(uint32_t idx, const void *key, const void *data)
{
	const struct vls_tdstack *st = &((const struct vls_tdstacks *)data)->st[idx];
	const struct addr_key *k = key;

	return st->n == k->n && !memcmp(st->addr, k->addr, k->n * sizeof(*k->addr));
}

int __vls_tdstacks_get(const char *const **out, vls_ctx *ctx, struct vls_tdstacks *t,
		       struct vls_tdsyms *syms, struct tep_handle *tep,
		       const uint64_t *addr, size_t n)
{
	struct addr_key key = { addr, n };
	uint64_t h = __vls_hash_words(VLS_HASH_INIT, addr, n * sizeof(*addr));
	size_t bytes = n * (sizeof(*addr) + sizeof(char *));
	struct vls_tdstack *st;
	uint64_t *copy;
	const char **frames;
	uint32_t idx;
	int ret;

	*out = NULL;
	if (!__vls_u64map_find(&t->map, &h, addrs_eq, &key, t, &idx)) {
		*out = t->st[idx].frames;
		return 0;
	}
	if (t->n >= (t->max ? t->max : TDSTACKS_MAX) ||
	    t->bytes + bytes + n * VLS_TDSYMS_HEX > TDSTACKS_BYTES)
		return 0;
	if ((ret = __vls_grow(ctx, (void **)&t->st, &t->cap, t->n + 1, sizeof(*t->st),
			      TDSTACKS_MAX)))
		return ret;
	if (!(copy = __vls_arena_alloc(ctx, &t->arena, bytes)))
		return VLS_ENOMEM;
	frames = (const char **)(void *)(copy + n);
	memcpy(copy, addr, n * sizeof(*addr));
	t->bytes += bytes;
	for (size_t i = 0; i < n; i++) {
		char hex[VLS_TDSYMS_HEX], *name;

		if ((ret = __vls_tdsyms_frame(&frames[i], hex, ctx, syms, tep, addr[i])))
			return ret;
		if (frames[i] != hex)
			continue;
		if (!(name = __vls_arena_alloc(ctx, &t->arena, sizeof(hex))))
			return VLS_ENOMEM;
		memcpy(name, hex, sizeof(hex));
		t->bytes += sizeof(hex);
		frames[i] = name;
	}
	if ((ret = __vls_u64map_put(ctx, &t->map, h, (uint32_t)t->n)))
		return ret;
	st = &t->st[t->n++];
	st->addr = copy;
	st->frames = frames;
	st->n = (uint32_t)n;
	*out = frames;
	return 0;
}

void __vls_tdstacks_release(vls_ctx *ctx, struct vls_tdstacks *t)
{
	__vls_u64map_release(ctx, &t->map);
	__vls_free(ctx, t->st);
	__vls_arena_release(ctx, &t->arena);
	t->st = NULL;
	t->n = t->cap = t->bytes = 0;
}
