/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-json.h - a minimal JSON writer (no JSON library is among the project's
 * dependencies). It writes compact, valid UTF-8 JSON into a bounded
 * vls_buf: strings escaped per RFC 8259 (control characters as \u00XX,
 * invalid UTF-8 bytes replaced by U+FFFD), integers exactly, doubles with
 * 17 significant digits and non-finite doubles as null.
 *
 * Every value call takes the member name: pass NULL inside an array. The
 * writer tracks nesting and commas; errors (nesting deeper than
 * VLS_JSON_DEPTH_MAX, a key missing inside an object, the buffer limit)
 * are sticky and returned by __vls_json_finish().
 */
#ifndef VLS_UTIL_JSON_H
#define VLS_UTIL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "util-buf.h"

#define VLS_JSON_DEPTH_MAX 32
#define VLS_JSON_DTAB 8192        /* doubles' texts kept: 3/4 of it (util-json.c) */

struct vls_json {
	struct vls_buf buf;
	int depth;
	bool is_obj[VLS_JSON_DEPTH_MAX];
	bool has_item[VLS_JSON_DEPTH_MAX];
	struct vls_json_dtab *dtab;  /* allocated at the first double */
};

void __vls_json_init(struct vls_json *j, vls_ctx *ctx, size_t max);
void __vls_json_obj(struct vls_json *j, const char *key);
void __vls_json_obj_end(struct vls_json *j);
void __vls_json_arr(struct vls_json *j, const char *key);
void __vls_json_arr_end(struct vls_json *j);
void __vls_json_str(struct vls_json *j, const char *key, const char *s);
void __vls_json_int(struct vls_json *j, const char *key, int64_t v);
void __vls_json_double(struct vls_json *j, const char *key, double v);
void __vls_json_bool(struct vls_json *j, const char *key, bool v);
void __vls_json_null(struct vls_json *j, const char *key);
/* A place the document may be cut (after an element of a long array):
 * __vls_buf_cut(). */
static inline void __vls_json_cut(struct vls_json *j) { __vls_buf_cut(&j->buf); }
/* The document, NUL-terminated (free with __vls_free), or the error;
 * the writer's memory is released either way. With the buffer's writer,
 * the rest of the document goes there (out may be NULL). */
int __vls_json_finish(struct vls_json *j, char **out);

#endif /* VLS_UTIL_JSON_H */
