/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctx.c - the context: detailed error message, log callback, allocator.
 * The message lives in the context, never in a global, so that separate
 * embedders (or threads) do not overwrite each other's errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vls-local.h"

static void *default_malloc(size_t size, void *data)
{
	(void)data;
	return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *data)
{
	(void)data;
	return realloc(ptr, size);
}

static void default_free(void *ptr, void *data)
{
	(void)data;
	free(ptr);
}

const vls_allocator __vls_default_allocator = {
	VLS_ALLOCATOR_VERSION, default_malloc, default_realloc, default_free, NULL
};

int vls_ctx_new(vls_ctx **out)
{
	vls_ctx *ctx;

	if (!out)
		return VLS_EINVAL;
	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return VLS_ENOMEM;
	ctx->alloc = __vls_default_allocator;
	ctx->log_max = VLS_LOG_WARN;
	*out = ctx;
	return 0;
}

void vls_ctx_free(vls_ctx *ctx)
{
	free(ctx);
}

void vls_ctx_set_log(vls_ctx *ctx, vls_log_fn fn, vls_log_level max_level,
		     void *data)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_max = max_level;
	ctx->log_data = data;
}

int vls_ctx_set_allocator(vls_ctx *ctx, const vls_allocator *alloc)
{
	if (!ctx)
		return VLS_EINVAL;
	if (!alloc)
		return __vls_error(ctx, VLS_EINVAL, "no allocator given");
	if (alloc->version != VLS_ALLOCATOR_VERSION)
		return __vls_error(ctx, VLS_EINVAL, "allocator version %u, expected %u",
				   alloc->version, VLS_ALLOCATOR_VERSION);
	if (!alloc->malloc_fn || !alloc->realloc_fn || !alloc->free_fn)
		return __vls_error(ctx, VLS_EINVAL, "allocator lacks a function");
	if (ctx->live_objects)
		return __vls_error(ctx, VLS_EINVAL,
				   "allocator changed while objects are alive");
	ctx->alloc = *alloc;
	return 0;
}

const char *vls_ctx_errmsg(const vls_ctx *ctx)
{
	return ctx ? ctx->errmsg : "no context";
}

int __vls_error(vls_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return code;
	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	__vls_log(ctx, VLS_LOG_DEBUG, "error: %s", ctx->errmsg);
	return code;
}

int __vls_error_in(vls_ctx *ctx, int code, const char *path)
{
	char msg[VLS_ERRMSG_MAX];

	if (!ctx || code >= 0 || code == VLS_ESTOPPED || !path ||
	    strstr(ctx->errmsg, path))
		return code;
	snprintf(msg, sizeof(msg), "%s", ctx->errmsg);
	return __vls_error(ctx, code, "%s: %s", path, msg[0] ? msg : vls_strerror(code));
}

void __vls_log(vls_ctx *ctx, vls_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!ctx || !ctx->log_fn || level > ctx->log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_fn(level, msg, ctx->log_data);
}

bool __vls_ctx_may_thread(const vls_ctx *ctx)
{
	return ctx->alloc.malloc_fn == __vls_default_allocator.malloc_fn &&
	       sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

void *__vls_malloc(vls_ctx *ctx, size_t size)
{
	return ctx->alloc.malloc_fn(size ? size : 1, ctx->alloc.data);
}

void *__vls_calloc(vls_ctx *ctx, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = __vls_malloc(ctx, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *__vls_realloc(vls_ctx *ctx, void *ptr, size_t size)
{
	return ctx->alloc.realloc_fn(ptr, size ? size : 1, ctx->alloc.data);
}

void __vls_free(vls_ctx *ctx, void *ptr)
{
	if (ptr)
		ctx->alloc.free_fn(ptr, ctx->alloc.data);
}

char *__vls_strndup(vls_ctx *ctx, const char *s, size_t n)
{
	char *d = __vls_malloc(ctx, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *__vls_strdup(vls_ctx *ctx, const char *s)
{
	return __vls_strndup(ctx, s, strlen(s));
}

int __vls_grow(vls_ctx *ctx, void **arr, size_t *cap, size_t need,
	       size_t elem_size, size_t max)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	if (need > max)
		return __vls_error(ctx, VLS_ELIMIT,
				   "more than %zu elements: input too large", max);
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	p = __vls_realloc(ctx, *arr, ncap * elem_size);
	if (!p)
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

void __vls_copy_comm(char dst[VLS_COMM_MAX], const char *src, size_t len)
{
	if (len > VLS_COMM_MAX - 1)
		len = VLS_COMM_MAX - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int vls_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = VLS_VERSION_MAJOR;
	if (minor)
		*minor = VLS_VERSION_MINOR;
	if (patch)
		*patch = VLS_VERSION_PATCH;
	return 0;
}

const char *vls_strerror(int err)
{
	switch (err) {
	case VLS_OK: return "success";
	case VLS_ERROR: return "error";
	case VLS_ENOMEM: return "out of memory";
	case VLS_EINVAL: return "invalid argument";
	case VLS_EIO: return "I/O error";
	case VLS_EPARSE: return "parse error";
	case VLS_ENOTFOUND: return "not found";
	case VLS_ELIMIT: return "limit exceeded";
	case VLS_EVERSION: return "unsupported version";
	case VLS_EBUSY: return "database busy";
	case VLS_EDB: return "database error";
	case VLS_EUNSUPPORTED: return "not supported";
	case VLS_ESTOPPED: return "stopped";
	default: return "unknown error";
	}
}
