/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-slab.c - the chunked table of util-slab.h.
 */
#include <stdint.h>
#include <string.h>

#include "util-slab.h"

void __vls_slab_init(struct vls_slab *s, size_t elem_size, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->elem_size = elem_size;
	s->max = max;
}

int __vls_slab_push(vls_ctx *ctx, struct vls_slab *s, void **out)
{
	size_t per = (size_t)1 << VLS_SLAB_SHIFT, c = s->n >> VLS_SLAB_SHIFT;
	void *p;
	int ret;

	if (s->n >= s->max)
		return __vls_error(ctx, VLS_ELIMIT,
				   "more than %zu elements: input too large",
				   s->max);
	if (c == s->nchunks) {
		ret = __vls_grow(ctx, (void **)&s->chunks, &s->capchunks, c + 1,
				 sizeof(*s->chunks), SIZE_MAX);
		if (ret)
			return ret;
		s->chunks[c] = __vls_calloc(ctx, per, s->elem_size);
		if (!s->chunks[c])
			return __vls_error(ctx, VLS_ENOMEM, "out of memory");
		s->nchunks++;
	}
	p = __vls_slab_at(s, s->n++);   /* zeroed by calloc, never reused */
	*out = p;
	return 0;
}

void __vls_slab_release(vls_ctx *ctx, struct vls_slab *s)
{
	for (size_t i = 0; i < s->nchunks; i++)
		__vls_free(ctx, s->chunks[i]);
	__vls_free(ctx, s->chunks);
	__vls_slab_init(s, s->elem_size, s->max);
}
