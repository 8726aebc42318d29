/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_reply.c - the bodies the server answers with: JSON documents from
 * the library, and errors as {"error": "..."} (escaped: a message may
 * quote what the client sent).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define ERR_MAXLEN 512

static const char oom_body[] = "{\"error\": \"out of memory\"}";

static void set_static(struct http_reply *r, unsigned int status, const char *body)
{
	r->status = status;
	r->type = JSON_TYPE;
	r->body = body;
	r->len = strlen(body);
	r->owned = NULL;
}

/* msg as a JSON string body into out (at least 6 * strlen + 16 bytes). */
static void escape_into(char *out, const char *msg)
{
	char *o = out + sprintf(out, "{\"error\": \"");

	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p == '"' || *p == '\\')
			o += sprintf(o, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\u%04x", *p);
		else
			*o++ = (char)*p;
	}
	strcpy(o, "\"}");
}

void http_reply_error(struct http_reply *r, unsigned int status,
		      const char *fmt, ...)
{
	char msg[ERR_MAXLEN];
	va_list ap;
	char *body;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	body = malloc(strlen(msg) * 6 + 16);
	if (!body) {
		set_static(r, 500, oom_body);
		return;
	}
	escape_into(body, msg);
	set_static(r, status, body);
	r->owned = body;
}

void http_reply_json(struct http_reply *r, const char *json)
{
	char *copy = strdup(json);

	if (!copy) {
		set_static(r, 500, oom_body);
		return;
	}
	set_static(r, 200, copy);
	r->owned = copy;
}

void http_reply_lib(struct http_reply *r, vls_ctx *ctx, int err, const char *what)
{
	const char *msg = ctx ? vls_ctx_errmsg(ctx) : "";
	unsigned int status = err == VLS_ENOTFOUND ? 404 : err == VLS_EINVAL ? 400 : 500;

	http_reply_error(r, status, "%s: %s", what, *msg ? msg : vls_strerror(err));
}

void http_reply_free(struct http_reply *r)
{
	free(r->owned);
	r->owned = NULL;
}
