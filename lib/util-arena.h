/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-arena.h - bump allocation of small blocks freed all at once.
 *
 * For data that lives exactly as long as its owner: the report model's
 * wait histograms (tens of thousands of short arrays, most of them a few
 * buckets long). Blocks come from 64 KB chunks, 8-byte aligned; nothing
 * is freed before __vls_arena_release().
 */
#ifndef VLS_UTIL_ARENA_H
#define VLS_UTIL_ARENA_H

#include <stddef.h>

#include "vls-local.h"

struct vls_arena {
	char **chunks;
	size_t nchunks, capchunks;
	size_t used, size;       /* bytes taken of the last chunk, its size */
};

/* size bytes, zeroed; NULL with VLS_ENOMEM's message set in ctx. */
void *__vls_arena_alloc(vls_ctx *ctx, struct vls_arena *a, size_t size);
void __vls_arena_release(vls_ctx *ctx, struct vls_arena *a);

#endif /* VLS_UTIL_ARENA_H */
