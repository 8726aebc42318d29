/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-map.h - the library's one hash map: open addressing from uint64
 * keys (tids, mm pointers, hashes of strings and stacks) to uint32 values
 * (indexes into the caller's own tables), and the one string hash. The
 * table doubles at half load; callers bound the number of keys.
 */
#ifndef VLS_UTIL_MAP_H
#define VLS_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vls-local.h"

struct vls_u64map {
	uint64_t *keys;
	uint32_t *vals;     /* value + 1; 0 = empty slot */
	size_t cap, n;
};

int __vls_u64map_put(vls_ctx *ctx, struct vls_u64map *m, uint64_t key,
		     uint32_t val);

static inline size_t __vls_u64map_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

/* 0 and *out set when found, VLS_ENOTFOUND otherwise. Inline: every
 * event looks its task up. */
static inline int __vls_u64map_get(const struct vls_u64map *m, uint64_t key,
				   uint32_t *out)
{
	if (!m->cap)
		return VLS_ENOTFOUND;
	for (size_t i = __vls_u64map_slot(key, m->cap); m->vals[i];
	     i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			*out = m->vals[i] - 1;
			return 0;
		}
	return VLS_ENOTFOUND;
}
/* Forget key (nothing when absent). */
void __vls_u64map_del(struct vls_u64map *m, uint64_t key);
void __vls_u64map_release(vls_ctx *ctx, struct vls_u64map *m);

/* FNV-1a, 64 bits, of len bytes (or of a string up to its NUL),
 * continuing from h (VLS_HASH_INIT to start). */
#define VLS_HASH_INIT 0xcbf29ce484222325ULL
#define VLS_HASH_PRIME 0x100000001b3ULL

static inline uint64_t __vls_hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * VLS_HASH_PRIME;
	return h;
}

/* A hash of len bytes taken 8 at a time, continuing from h: for keys
 * that are compared in full when found (not FNV-1a, several times
 * faster on long keys: the frame names of a stack). */
static inline uint64_t __vls_hash_words(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t w;

	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, b, len);
	h = (h ^ w ^ ((uint64_t)len << 56)) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static inline uint64_t __vls_hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * VLS_HASH_PRIME;
	return h;
}

/*
 * Keys that are hashes of longer things (strings, stacks): distinct things
 * with the same hash are put under h, then under the keys that follow it
 * (a fixed sequence). find() walks them from *h: 0 and *out when eq()
 * accepts an entry; VLS_ENOTFOUND with *h the key to put a new one under.
 */
typedef bool (*vls_u64map_eq)(uint32_t val, const void *key, const void *data);
int __vls_u64map_find(const struct vls_u64map *m, uint64_t *h, vls_u64map_eq eq,
		      const void *key, const void *data, uint32_t *out);

/*
 * Values by a dense number 1.. (vls_store_txn.stack_num: what an analyzer
 * derived from a stack, kept by the stack's number), 0 when none. Number
 * 0 is "not numbered": get() gives 0 for it and set() keeps nothing.
 */
struct vls_idvec {
	uint32_t *v;
	size_t cap;
};

static inline uint32_t __vls_idvec_get(const struct vls_idvec *c, uint32_t id)
{
	return id < c->cap ? c->v[id] : 0;
}

int __vls_idvec_set(vls_ctx *ctx, struct vls_idvec *c, uint32_t id, uint32_t val);
void __vls_idvec_release(vls_ctx *ctx, struct vls_idvec *c);

#endif /* VLS_UTIL_MAP_H */
