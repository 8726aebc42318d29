/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json_mini.h - a small strict JSON reader for tests: parses a document
 * into a tree (or fails on any syntax error), with lookups by member name
 * and index. Test-only: no limits beyond the input's size.
 */
#ifndef VLS_JSON_MINI_H
#define VLS_JSON_MINI_H

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	bool b, is_int;
	double num;
	char *str;            /* J_STR; member name of an object's child */
	char *key;
	struct jv *kids;
	size_t n;
};

struct jp { const char *s; bool err; };

static void jws(struct jp *p) { while (isspace((unsigned char)*p->s)) p->s++; }
static bool jparse_val(struct jp *p, struct jv *v);

static char *jparse_strlit(struct jp *p)
{
	char *out = malloc(strlen(p->s) + 1), *o = out;

	if (*p->s++ != '"') { p->err = true; return out; }
	while (*p->s && *p->s != '"') {
		if ((unsigned char)*p->s < 0x20) { p->err = true; break; }
		if (*p->s == '\\') {
			p->s++;
			switch (*p->s) {
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			case 'r': *o++ = '\r'; break;
			case 'b': *o++ = '\b'; break;
			case 'f': *o++ = '\f'; break;
			case '/': case '\\': case '"': *o++ = *p->s; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 1; i <= 4; i++) {
					if (!isxdigit((unsigned char)p->s[i])) { p->err = true; return out; }
					v = v * 16 + (unsigned)(isdigit((unsigned char)p->s[i]) ?
						p->s[i] - '0' : (tolower(p->s[i]) - 'a' + 10));
				}
				p->s += 4;
				*o++ = v < 0x80 ? (char)v : '?';
				break;
			}
			default: p->err = true; return out;
			}
			p->s++;
		} else {
			*o++ = *p->s++;
		}
	}
	*o = '\0';
	if (*p->s != '"') p->err = true; else p->s++;
	return out;
}

static bool jparse_list(struct jp *p, struct jv *v, char close, bool obj)
{
	p->s++;
	jws(p);
	if (*p->s == close) { p->s++; return true; }
	for (;;) {
		struct jv kid = { 0 };

		jws(p);
		if (obj) {
			kid.key = jparse_strlit(p);
			jws(p);
			if (p->err || *p->s++ != ':') { free(kid.key); return false; }
		}
		if (!jparse_val(p, &kid)) { free(kid.key); return false; }
		v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
		v->kids[v->n++] = kid;
		jws(p);
		if (*p->s == ',') { p->s++; continue; }
		if (*p->s == close) { p->s++; return true; }
		return false;
	}
}

static bool jparse_val(struct jp *p, struct jv *v)
{
	jws(p);
	if (*p->s == '{') { v->t = J_OBJ; return jparse_list(p, v, '}', true); }
	if (*p->s == '[') { v->t = J_ARR; return jparse_list(p, v, ']', false); }
	if (*p->s == '"') { v->t = J_STR; v->str = jparse_strlit(p); return !p->err; }
	if (!strncmp(p->s, "null", 4)) { v->t = J_NULL; p->s += 4; return true; }
	if (!strncmp(p->s, "true", 4)) { v->t = J_BOOL; v->b = true; p->s += 4; return true; }
	if (!strncmp(p->s, "false", 5)) { v->t = J_BOOL; p->s += 5; return true; }
	if (*p->s == '-' || isdigit((unsigned char)*p->s)) {
		const char *start = p->s;
		char *end;

		v->t = J_NUM;
		v->num = strtod(p->s, &end);
		p->s = end;
		v->is_int = !memchr(start, '.', (size_t)(end - start)) &&
			    !memchr(start, 'e', (size_t)(end - start)) &&
			    !memchr(start, 'E', (size_t)(end - start));
		return end != start;
	}
	return false;
}

static void jfree(struct jv *v)
{
	for (size_t i = 0; v && i < v->n; i++)
		jfree(&v->kids[i]);
	if (v) { free(v->kids); free(v->str); free(v->key); }
}

/* Parse text; false on any error or trailing garbage. */
static bool jparse(struct jv *out, const char *text)
{
	struct jp p = { text, false };

	memset(out, 0, sizeof(*out));
	if (!jparse_val(&p, out) || p.err) return false;
	jws(&p);
	return *p.s == '\0';
}

static const struct jv *jkey(const struct jv *o, const char *k)
{
	for (size_t i = 0; o && o->t == J_OBJ && i < o->n; i++)
		if (!strcmp(o->kids[i].key, k))
			return &o->kids[i];
	return NULL;
}

static const struct jv *jidx(const struct jv *a, size_t i)
{
	return a && a->t == J_ARR && i < a->n ? &a->kids[i] : NULL;
}

static bool jis(const struct jv *v, enum jt t) { return v && v->t == t; }
static bool jis_int(const struct jv *v) { return v && v->t == J_NUM && v->is_int; }
static long long jint(const struct jv *v) { return jis_int(v) ? (long long)v->num : -999999; }

#endif
