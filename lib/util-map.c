/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util-map.c - the hash map of util-map.h: growth, deletion, and lookups
 * of keys that are hashes.
 */
#include <string.h>

#include "util-map.h"

static void put_raw(struct vls_u64map *m, uint64_t key, uint32_t val1)
{
	size_t i = __vls_u64map_slot(key, m->cap);

	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->vals[i])
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val1;
}

static int grow(vls_ctx *ctx, struct vls_u64map *m)
{
	struct vls_u64map old = *m;
	size_t cap = m->cap ? m->cap * 2 : 64;

	m->keys = __vls_calloc(ctx, cap, sizeof(*m->keys));
	m->vals = __vls_calloc(ctx, cap, sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		__vls_free(ctx, m->keys);
		__vls_free(ctx, m->vals);
		*m = old;
		return __vls_error(ctx, VLS_ENOMEM, "out of memory for a hash map");
	}
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.vals[i])
			put_raw(m, old.keys[i], old.vals[i]);
	__vls_free(ctx, old.keys);
	__vls_free(ctx, old.vals);
	return 0;
}

int __vls_u64map_put(vls_ctx *ctx, struct vls_u64map *m, uint64_t key,
		     uint32_t val)
{
	int err;

	if ((m->n + 1) * 2 > m->cap && (err = grow(ctx, m)) < 0)
		return err;
	put_raw(m, key, val + 1);
	return 0;
}

void __vls_u64map_release(vls_ctx *ctx, struct vls_u64map *m)
{
	__vls_free(ctx, m->keys);
	__vls_free(ctx, m->vals);
	memset(m, 0, sizeof(*m));
}

void __vls_u64map_del(struct vls_u64map *m, uint64_t key)
{
	size_t mask = m->cap - 1, i, j, home;

	if (!m->cap)
		return;
	for (i = __vls_u64map_slot(key, m->cap); m->vals[i] && m->keys[i] != key; i = (i + 1) & mask)
		;
	if (!m->vals[i])
		return;
	/* Backward shift: an entry later in the probe run moves into the hole
	 * unless its home slot lies cyclically in (hole, entry]. */
	for (j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
		home = __vls_u64map_slot(m->keys[j], m->cap);
		if (i < j ? (home <= i || home > j) : (home <= i && home > j)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = 0;
	m->n--;
}

int __vls_u64map_find(const struct vls_u64map *m, uint64_t *h, vls_u64map_eq eq,
		      const void *key, const void *data, uint32_t *out)
{
	uint32_t val;

	while (!__vls_u64map_get(m, *h, &val)) {
		if (eq(val, key, data)) {
			*out = val;
			return 0;
		}
		*h = *h * 0x9e3779b97f4a7c15ULL + 1;  /* the next key of h */
	}
	return VLS_ENOTFOUND;
}

int __vls_idvec_set(vls_ctx *ctx, struct vls_idvec *c, uint32_t id, uint32_t val)
{
	size_t old = c->cap;
	int ret;

	if (!id)
		return 0;
	ret = __vls_grow(ctx, (void **)&c->v, &c->cap, (size_t)id + 1, sizeof(*c->v),
			 (size_t)UINT32_MAX + 1);
	if (ret)
		return ret;
	if (c->cap > old)
		memset(c->v + old, 0, (c->cap - old) * sizeof(*c->v));
	c->v[id] = val;
	return 0;
}

void __vls_idvec_release(vls_ctx *ctx, struct vls_idvec *c)
{
	__vls_free(ctx, c->v);
	c->v = NULL;
	c->cap = 0;
}
