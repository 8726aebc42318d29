/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-map.h - an open-addressing hash map from uint64 keys (tids, mm
 * pointers, stack hashes) to uint32 values (indexes into the caller's own
 * tables). The table doubles at half load; callers bound the number of
 * keys.
 */
#ifndef VLS_UTIL_MAP_H
#define VLS_UTIL_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "vls-local.h"

struct vls_u64map {
	uint64_t *keys;
	uint32_t *vals;     /* value + 1; 0 = empty slot */
	size_t cap, n;
};

int __vls_u64map_put(vls_ctx *ctx, struct vls_u64map *m, uint64_t key,
		     uint32_t val);
/* 0 and *out set when found, VLS_ENOTFOUND otherwise. */
int __vls_u64map_get(const struct vls_u64map *m, uint64_t key, uint32_t *out);
/* Forget key (nothing when absent). */
void __vls_u64map_del(struct vls_u64map *m, uint64_t key);
void __vls_u64map_release(vls_ctx *ctx, struct vls_u64map *m);

#endif /* VLS_UTIL_MAP_H */
