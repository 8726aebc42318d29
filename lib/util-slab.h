/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-slab.h - an append-only table of fixed-size elements, stored in chunks.
 *
 * For per-task state grown from a trace: thousands of tasks of a few
 * hundred bytes each. A doubled array would hold up to twice what is used
 * and, while realloc copies it, both copies; the heap it leaves behind stays
 * resident. Here an element never moves: its pointer is valid until
 * __vls_slab_release(), and memory grows one chunk at a time.
 */
#ifndef VLS_UTIL_SLAB_H
#define VLS_UTIL_SLAB_H

#include <stddef.h>

#include "vls-local.h"

#define VLS_SLAB_SHIFT 7     /* 128 elements per chunk */

struct vls_slab {
	char **chunks;
	size_t nchunks, capchunks;
	size_t n;                /* elements in use */
	size_t elem_size;
	size_t max;              /* hard limit on n */
};

void __vls_slab_init(struct vls_slab *s, size_t elem_size, size_t max);
/* Append a zeroed element: *out gets it, its index is the old s->n.
 * VLS_ELIMIT past max, VLS_ENOMEM; the message is set in ctx. */
int __vls_slab_push(vls_ctx *ctx, struct vls_slab *s, void **out);
void __vls_slab_release(vls_ctx *ctx, struct vls_slab *s);

/* Element i < s->n. */
static inline void *__vls_slab_at(const struct vls_slab *s, size_t i)
{
	return s->chunks[i >> VLS_SLAB_SHIFT] +
	       (i & ((1u << VLS_SLAB_SHIFT) - 1)) * s->elem_size;
}

#endif /* VLS_UTIL_SLAB_H */
