/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http.h - vmlockstat serve: the pieces of the local dashboard server.
 *
 *   http_server.c  lifecycle: bind, libmicrohttpd daemon, dispatch, logging
 *   http_conn.c    the deadline on request headers, room for new clients
 *   http_api.c     routing of /api/ and its handlers (the JSON contract)
 *   http_params.c  validation of query parameters and the Host header
 *   http_assets.c  the web assets compiled into the binary
 *   http_db.c      one read-only DB handle per server thread
 *   http_reply.c   replies: JSON bodies, JSON errors, security headers
 *
 * Nothing here prints except the request log and startup messages of
 * http_server.c; errors reach the browser as {"error": "..."}.
 */
#ifndef VLS_HTTP_H
#define VLS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vmlockstat.h"

/* Hard limits on what a request may ask for. */
#define HTTP_IDS_MAX 16          /* run ids in one compare or histograms */
#define HTTP_ID_MAXLEN 19        /* digits of an int64 */
#define HTTP_PARAM_MAXLEN 256    /* any query value */
#define HTTP_PARAMS_MAX 8        /* query arguments in one request */
#define HTTP_TOP_MAX 1000        /* rows per list */
#define HTTP_RUNS_MAX 10000      /* runs listed by /api/runs */
#define HTTP_URI_MAXLEN 4096     /* the request target, path and query */

/* ---- replies (http_reply.c) ---- */

struct http_reply {
	unsigned int status;
	const char *type;        /* Content-Type */
	const char *allow;       /* Allow header (405), or NULL */
	const void *body;        /* static or owned by free_body */
	size_t len;
	void *owned;             /* body from malloc(): freed once sent, or NULL */
};

/* A JSON error body {"error": msg}; status 400, 404, 405, 500... */
void http_reply_error(struct http_reply *r, unsigned int status,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Take a copy of a JSON body (the library's buffer stays the caller's). */
void http_reply_json(struct http_reply *r, const char *json);
/* A library failure: VLS_ENOTFOUND -> 404, VLS_EINVAL -> 400, else 500. */
void http_reply_lib(struct http_reply *r, vls_ctx *ctx, int err, const char *what);
void http_reply_free(struct http_reply *r);

/* ---- parameters (http_params.c): pure functions, no libmicrohttpd ---- */

/* One run id: a positive decimal integer without sign, spaces or leading
 * zeros, at most HTTP_ID_MAXLEN digits and <= INT64_MAX. */
bool http_param_id(int64_t *out, const char *s);
/* "1,2,3": between min and max distinct ids. */
bool http_param_ids(int64_t *out, size_t *nout, size_t min, size_t max,
		    const char *s);
/* "stock,patched": between min and max distinct names (labels), each
 * non-empty, shorter than HTTP_NAME_MAX and without control characters,
 * copied NUL-terminated into out[i]. */
#define HTTP_NAME_MAX 64
bool http_param_names(char (*out)[HTTP_NAME_MAX], size_t *nout, size_t min,
		      size_t max, const char *s);
/* A decimal count in [lo, hi]. */
bool http_param_uint(unsigned int *out, const char *s, unsigned int lo,
		     unsigned int hi);
/* Is name one of names (NULL-terminated)? */
bool http_param_known(const char *name, const char *const *names);
/* Host header of a request to a server bound to loopback port port: a
 * loopback name or address with that port (defeats DNS rebinding). */
bool http_host_ok(const char *host, unsigned int port);

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" -> a numeric socket address. */
int http_parse_listen(struct sockaddr_storage *out, socklen_t *outlen,
		      const char *spec, char *err, size_t errlen);
bool http_addr_is_loopback(const struct sockaddr *sa);

/* ---- assets (http_assets.c) ---- */

/* The embedded asset at exactly this path ("/" is "/index.html"); false
 * for anything else: no file system access, so no path can escape. */
bool http_asset(struct http_reply *r, const char *path);

/* ---- per-thread DB (http_db.c) ---- */

struct http_db {
	vls_ctx *ctx;
	vls_db *db;
};

int http_db_init(const char *path);       /* once, before the daemon */
void http_db_fini(void);                  /* after the daemon stopped */
/* This thread's handle, opened read-only on first use. */
int http_db_get(struct http_db **out, char *err, size_t errlen);

/* ---- API (http_api.c) ---- */

/* An argument lookup for the handlers (the server binds it to the
 * connection's query string). */
struct http_req {
	const char *path;
	const char *(*arg)(void *cls, const char *name);
	void *cls;
	/* Call fn for each query argument; stops early when fn returns false. */
	void (*each_arg)(void *cls, bool (*fn)(const char *k, const char *v,
					       void *data), void *data);
};

/* Answer a GET under /api/; false if path is not an API path. */
bool http_api(struct http_reply *r, const struct http_req *req);

/* ---- connections (http_conn.c): pure sockets, no libmicrohttpd ---- */

#define HTTP_HEADERS_S 10        /* from accept (or the last response) to
				  * complete request headers */
#define HTTP_WAITING_MAX 128     /* connections waiting for headers */

struct http_conns;
struct http_conn;

/* Start and stop the watchdog that cuts connections past their deadline. */
int http_conns_start(struct http_conns **out);
void http_conns_stop(struct http_conns *w);
/* A connection was accepted on socket fd: its clock starts, and the
 * oldest waiting one is cut if too many wait. NULL when out of memory
 * (the connection then has only the idle timeout). */
struct http_conn *http_conns_opened(struct http_conns *w, int fd);
/* Its request headers are complete: off the clock. */
void http_conns_headers(struct http_conns *w, struct http_conn *c);
/* Its response is done: the clock starts again for the next request. */
void http_conns_idle(struct http_conns *w, struct http_conn *c);
/* Closed (before its socket is): forget it. */
void http_conns_closed(struct http_conns *w, struct http_conn *c);
/* Connections cut so far: past their deadline, to make room. */
void http_conns_counts(struct http_conns *w, unsigned long *deadline,
		       unsigned long *reserve);

/* ---- server (http_server.c) ---- */

struct http_conf {
	const char *db_path;
	const char *listen;      /* NULL: 127.0.0.1:8080, another port if taken */
	bool log_requests;
	unsigned int threads;    /* 0: by CPU count */
};

struct http_server;

int http_server_start(struct http_server **out, const struct http_conf *conf,
		      char *err, size_t errlen);
/* The URL it serves, "http://127.0.0.1:PORT/" (borrowed). */
const char *http_server_url(const struct http_server *s);
bool http_server_loopback(const struct http_server *s);
void http_server_stop(struct http_server *s);

#endif /* VLS_HTTP_H */
