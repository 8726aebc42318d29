/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * meta.c - ordered key/value metadata of a run (kernel, arch, ncpus, ...).
 * Small (tens of keys): a linear search is the right structure.
 */
#include <stdio.h>
#include <string.h>

#include "meta.h"

/* Keys and values longer than this come from hostile input. */
#define META_VALUE_MAX (64 * 1024)
#define META_KEYS_MAX 4096

static long find(const struct vls_meta *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key))
			return (long)i;
	return -1;
}

int __vls_meta_set(vls_ctx *ctx, struct vls_meta *m, const char *key,
		   const char *val)
{
	size_t cap = m->cap;
	char *k = NULL, *v = NULL;
	long i = find(m, key);
	int ret;

	if (strlen(val) > META_VALUE_MAX)
		return __vls_error(ctx, VLS_ELIMIT, "metadata %s: value too long", key);
	v = __vls_strdup(ctx, val);
	if (!v)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	if (i >= 0) {
		__vls_free(ctx, m->vals[i]);
		m->vals[i] = v;
		return 0;
	}
	k = __vls_strdup(ctx, key);
	if (!k) {
		ret = __vls_error(ctx, VLS_ENOMEM, "out of memory");
		goto fail;
	}
	ret = __vls_grow(ctx, (void **)&m->keys, &cap, m->n + 1, sizeof(char *),
			 META_KEYS_MAX);
	if (ret)
		goto fail;
	if (cap != m->cap) {
		char **nv = __vls_realloc(ctx, m->vals, cap * sizeof(char *));

		if (!nv) {
			/* keys grew but vals did not: keep cap consistent */
			ret = __vls_error(ctx, VLS_ENOMEM, "out of memory");
			goto fail;
		}
		m->vals = nv;
		m->cap = cap;
	}
	m->keys[m->n] = k;
	m->vals[m->n] = v;
	m->n++;
	return 0;
fail:
	__vls_free(ctx, k);
	__vls_free(ctx, v);
	return ret;
}

int __vls_meta_setf(vls_ctx *ctx, struct vls_meta *m, const char *key,
		    const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return __vls_meta_set(ctx, m, key, buf);
}

const char *__vls_meta_get(const struct vls_meta *m, const char *key)
{
	long i = find(m, key);

	return i < 0 ? NULL : m->vals[i];
}

void __vls_meta_clear(vls_ctx *ctx, struct vls_meta *m)
{
	for (size_t i = 0; i < m->n; i++) {
		__vls_free(ctx, m->keys[i]);
		__vls_free(ctx, m->vals[i]);
	}
	__vls_free(ctx, m->keys);
	__vls_free(ctx, m->vals);
	memset(m, 0, sizeof(*m));
}

bool __vls_clock_counts(const char *name)
{
	/* kernel/trace/trace.c trace_clocks[] with in_ns 0, and the arch
	 * clocks (ARCH_TRACE_CLOCKS) of x86 and powerpc */
	static const char *const counting[] = { "counter", "uptime", "x86-tsc",
						"ppc-tb" };

	for (size_t i = 0; name && i < sizeof(counting) / sizeof(counting[0]); i++)
		if (!strcmp(name, counting[i]))
			return true;
	return false;
}

bool __vls_meta_ts_counts(const struct vls_meta *m)
{
	const char *v = __vls_meta_get(m, VLS_META_TIMESTAMPS);

	return v && !strcmp(v, VLS_TIMESTAMPS_COUNTS);
}
