/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_assets.c - the dashboard's files, compiled into the binary
 * (cmake/assets.cmake): served by exact path match against the table, so
 * "..", "%2e%2e", "//" and the like find nothing and no request reaches the
 * file system.
 */
#include <string.h>

#include "assets.h"
#include "http.h"

bool http_asset(struct http_reply *r, const char *path)
{
	if (!strcmp(path, "/"))
		path = "/index.html";
	for (const struct vls_asset *a = vls_assets; a->path; a++) {
		if (strcmp(a->path, path))
			continue;
		r->status = 200;
		r->type = a->content_type;
		r->body = a->data;
		r->len = a->size;
		r->owned = NULL;
		return true;
	}
	return false;
}
