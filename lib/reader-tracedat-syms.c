/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat-syms.c - kernel addresses to function names, each
 * distinct address looked up in libtraceevent once (contract in
 * reader-tracedat.h).
 */
#include <event-parse.h>

#include "reader-tracedat.h"

/* Distinct addresses kept: far more than the stacks of any trace touch
 * (kernel text has ~100 k functions), 16 MB of cache at most. */
#define VLS_TDSYMS_MAX (1u << 20)

int __vls_tdsyms_find(const char **out, vls_ctx *ctx, struct vls_tdsyms *s,
		      struct tep_handle *tep, uint64_t addr)
{
	uint32_t idx;
	int ret;

	if (!__vls_u64map_get(&s->map, addr, &idx)) {
		*out = s->names[idx];
		return 0;
	}
	*out = tep_find_function(tep, addr);
	if (s->n >= VLS_TDSYMS_MAX)
		return 0;
	if ((ret = __vls_grow(ctx, (void **)&s->names, &s->cap, s->n + 1,
			      sizeof(*s->names), VLS_TDSYMS_MAX)) ||
	    (ret = __vls_u64map_put(ctx, &s->map, addr, (uint32_t)s->n)))
		return ret;
	s->names[s->n++] = *out;
	return 0;
}

void __vls_tdsyms_release(vls_ctx *ctx, struct vls_tdsyms *s)
{
	__vls_u64map_release(ctx, &s->map);
	__vls_free(ctx, (void *)s->names);
	s->names = NULL;
	s->n = s->cap = 0;
}
