/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-arena.c - the bump allocator of util-arena.h.
 */
#include <stdint.h>
#include <string.h>

#include "util-arena.h"

#define ARENA_CHUNK (64u << 10)

void *__vls_arena_alloc(vls_ctx *ctx, struct vls_arena *a, size_t size)
{
	size_t need = (size + 7) & ~(size_t)7;
	char *p;

	if (need < size)
		goto nomem;
	if (!a->nchunks || a->size - a->used < need) {
		size_t csize = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		if (__vls_grow(ctx, (void **)&a->chunks, &a->capchunks, a->nchunks + 1,
			       sizeof(*a->chunks), SIZE_MAX))
			return NULL;
		a->chunks[a->nchunks] = __vls_calloc(ctx, 1, csize);
		if (!a->chunks[a->nchunks])
			goto nomem;
		a->nchunks++;
		a->used = 0;
		a->size = csize;
	}
	p = a->chunks[a->nchunks - 1] + a->used;   /* zeroed by calloc */
	a->used += need;
	return p;
nomem:
	__vls_error(ctx, VLS_ENOMEM, "out of memory");
	return NULL;
}

void __vls_arena_release(vls_ctx *ctx, struct vls_arena *a)
{
	for (size_t i = 0; i < a->nchunks; i++)
		__vls_free(ctx, a->chunks[i]);
	__vls_free(ctx, a->chunks);
	memset(a, 0, sizeof(*a));
}
