/* SPDX-License-Identifier: GPL-2.0-or-later */
/* assets.h - web assets compiled into the binary (cmake/assets.cmake). */
#ifndef VLS_ASSETS_H
#define VLS_ASSETS_H
#include <stddef.h>

struct vls_asset {
	const char *path;          /* "/index.html" */
	const char *content_type;
	const unsigned char *data;
	size_t size;
};

/* Terminated by an entry whose path is NULL. */
extern const struct vls_asset vls_assets[];

#endif
