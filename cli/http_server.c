/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_server.c - the server's lifecycle and its one request handler.
 *
 * libmicrohttpd with its internal epoll loop and a thread pool; each pool
 * thread answers whole requests (the library's reports are synchronous)
 * with its own read-only DB handle (http_db.c). Connections are kept
 * alive (HTTP/1.1, and HTTP/1.0 with Connection: keep-alive) and pipelined
 * requests are answered in order: a GET or HEAD is answered once the whole
 * request is read, which is what lets libmicrohttpd keep the connection.
 *
 * What bounds a client:
 *   - its request headers must be complete HTTP_HEADERS_S seconds after
 *     accept (or after its previous response), however slowly it keeps
 *     sending, and at most HTTP_WAITING_MAX connections may be waiting for
 *     theirs: the oldest is cut to make room (http_conn.c, slowloris);
 *   - a connection silent for HTTP_IDLE_S seconds is closed (a slow
 *     reader of a response, an idle kept-alive connection);
 *   - HTTP_CONN_MAX connections in all, HTTP_CONN_PER_IP from one address;
 *   - HTTP_MEM_PER_CONN bytes of request: longer headers get
 *     libmicrohttpd's own 414 or 431; a target longer than HTTP_URI_MAXLEN
 *     gets a 414 and more than HTTP_PARAMS_MAX arguments a 400 (uri_check());
 *   - no body: another method gets a 405 and a GET with a body a 400, both
 *     at once, and the connection is closed without reading the body.
 *
 * Every reply this file queues carries the security headers (add_headers()).
 * The few that libmicrohttpd 0.9.75 makes up itself cannot: it builds and
 * queues them inside the library (transmit_error_response() in
 * connection.c) with no callback between, and answers before any of ours
 * runs. They are its 400 for a malformed request or header line, its
 * 414 for a request line that does not fit the connection's memory, its
 * 431 for headers that do not, and its 505 for an HTTP version other than
 * 1.x: each a fixed HTML sentence that quotes nothing of the request and
 * runs no script, sent with Connection: close. (A first line without a
 * space gets no answer at all: the connection is closed.)
 */
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

#define HTTP_DEFAULT_LISTEN "127.0.0.1:8080"
#define HTTP_IDLE_S 10
#define HTTP_CONN_MAX 512
#define HTTP_CONN_PER_IP 256
#define HTTP_MEM_PER_CONN (64 * 1024)
#define HTTP_THREADS_MAX 16

/* What a page may load: only this server; no inline script. */
#define HTTP_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct http_server {
	struct MHD_Daemon *d;
	struct http_conns *conns;
	unsigned int port;
	bool loopback, log;
	char url[96];
};

/* ---- the connection's query string, for http_api.c ---- */

static const char *conn_arg(void *cls, const char *name)
{
	return MHD_lookup_connection_value(cls, MHD_GET_ARGUMENT_KIND, name);
}

struct each_ctx {
	bool (*fn)(const char *k, const char *v, void *data);
	void *data;
};

static enum MHD_Result each_cb(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct each_ctx *e = cls;

	(void)kind;
	return e->fn(key, value, e->data) ? MHD_YES : MHD_NO;
}

static void conn_each(void *cls, bool (*fn)(const char *k, const char *v, void *data),
		      void *data)
{
	struct each_ctx e = { fn, data };

	MHD_get_connection_values(cls, MHD_GET_ARGUMENT_KIND, each_cb, &e);
}

/* libmicrohttpd decodes %XX in the path and the arguments in place and
 * hands them on as C strings: a %00 would cut "/index.html%00.js" to
 * "/index.html" and "run=1%00x" to "1". Such a string stays undecoded, so
 * it matches no asset and fails validation. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	if (strstr(s, "%00"))
		return strlen(s);
	return MHD_http_unescape(s);
}

/* ---- one request ---- */

static void route(struct http_server *s, struct MHD_Connection *c,
		  const char *url, const char *version, struct http_reply *r)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);
	struct http_req req = { url, conn_arg, c, conn_each };

	/* HTTP/1.0 may leave Host out; HTTP/1.1 must send it (RFC 9112 3.2) */
	if (!host && strcmp(version, MHD_HTTP_VERSION_1_0))
		http_reply_error(r, 400, "%.16s request without a Host header",
				 version);
	else if (s->loopback && host && !http_host_ok(host, s->port))
		http_reply_error(r, 403, "Host '%.80s' is not this server "
				 "(ask for 127.0.0.1:%u)", host, s->port);
	else if (!http_api(r, &req) && !http_asset(r, url))
		http_reply_error(r, 404, "not found: %.80s", url);
}

static void add_headers(struct MHD_Response *resp, const struct http_reply *r)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy", HTTP_CSP);
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct http_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->owned) {
		resp = MHD_create_response_from_buffer_with_free_callback(
			r->len, r->owned, free);
		if (resp)
			r->owned = NULL;   /* libmicrohttpd frees it */
	} else {
		resp = MHD_create_response_from_buffer(r->len, (void *)r->body,
						       MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	add_headers(resp, r);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * What a request is at each call of on_request(): *con_cls points into
 * req_marks[]. uri_check() sets one of the REQ_NEW states before the first
 * call; a GET or HEAD then waits (REQ_WAIT + the same verdict) for the
 * call that ends the request, where it is answered.
 */
enum req_state {
	REQ_NEW,           /* the target is fine */
	REQ_NEW_LONG,      /* longer than HTTP_URI_MAXLEN */
	REQ_NEW_ARGS,      /* more than HTTP_PARAMS_MAX query arguments */
	REQ_WAIT,
	REQ_WAIT_LONG,
	REQ_WAIT_ARGS,
	REQ_DONE,          /* answered */
	REQ_NSTATES
};

static char req_marks[REQ_NSTATES];

static void *req_mark(enum req_state st)
{
	return &req_marks[st];
}

static enum req_state req_state(void *con_cls)
{
	char *p = con_cls;

	if (p < req_marks || p >= req_marks + REQ_NSTATES)
		return REQ_NEW;   /* not ours: cannot happen with uri_check() */
	return (enum req_state)(p - req_marks);
}

/*
 * The request target, before libmicrohttpd splits its query: 0.9.75 then
 * stores every argument in the connection's memory pool (some 56 bytes
 * each, HTTP_MEM_PER_CONN in all) and, when that runs out, closes the
 * connection without an answer (950 arguments, 6.6 KB, did). This is the
 * only callback that runs before, so a target that we would refuse anyway
 * loses its query here: uri is the request line in the connection's own
 * read buffer, which libmicrohttpd itself cuts up in place right after
 * (it writes a NUL over the '?'); we end the query at its first byte, so
 * it parses no argument and on_request() answers 414 or 400.
 */
static void *uri_check(void *cls, const char *uri, struct MHD_Connection *c)
{
	char *query = strchr(uri, '?');
	enum req_state st = REQ_NEW;
	unsigned int nargs = 1;

	(void)cls;
	(void)c;
	if (strlen(uri) > HTTP_URI_MAXLEN) {
		st = REQ_NEW_LONG;
	} else if (query) {
		for (const char *p = query; *p; p++)
			nargs += *p == '&';
		if (nargs > HTTP_PARAMS_MAX)
			st = REQ_NEW_ARGS;
	}
	if (st != REQ_NEW && query)
		query[1] = '\0';
	return req_mark(st);
}

static struct http_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static bool has_body(struct MHD_Connection *c)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (len && strcmp(len, "0")) ||
		MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static bool get_or_head(const char *method)
{
	return !strcmp(method, MHD_HTTP_METHOD_GET) ||
		!strcmp(method, MHD_HTTP_METHOD_HEAD);
}

static enum MHD_Result answer(struct http_server *s, struct MHD_Connection *c,
			      enum req_state verdict, const char *url,
			      const char *method, const char *version)
{
	struct http_reply r = { 0 };
	enum MHD_Result ret;

	if (!get_or_head(method)) {
		http_reply_error(&r, 405, "method %.16s not allowed: GET or HEAD", method);
		r.allow = "GET, HEAD";
	} else if (has_body(c)) {
		http_reply_error(&r, 400, "a %s request has no body", method);
	} else if (verdict == REQ_NEW_LONG) {
		http_reply_error(&r, 414, "request target longer than %d bytes",
				 HTTP_URI_MAXLEN);
	} else if (verdict == REQ_NEW_ARGS) {
		http_reply_error(&r, 400, "more than %d query arguments",
				 HTTP_PARAMS_MAX);
	} else {
		route(s, c, url, version, &r);
	}
	ret = send_reply(c, &r);
	if (s->log)
		fprintf(stderr, "%s %.512s %u\n", method, url, r.status);
	http_reply_free(&r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	enum req_state st = req_state(*con_cls);

	(void)upload_data;
	if (st == REQ_DONE || (st >= REQ_WAIT && *upload_size)) {
		*upload_size = 0;   /* a body we did not ask for: drop it */
		return MHD_YES;
	}
	if (st < REQ_WAIT) {       /* the headers are in */
		http_conns_headers(s->conns, conn_of(c));
		if (get_or_head(method) && !has_body(c)) {
			*con_cls = req_mark(st + REQ_WAIT);
			return MHD_YES;
		}
		/* answered now, so the body is never read: libmicrohttpd
		 * then closes the connection after the reply */
	} else {
		st -= REQ_WAIT;
	}
	*con_cls = req_mark(REQ_DONE);
	return answer(s, c, st, url, method, version);
}

/* ---- connections: the clock on their headers (http_conn.c) ---- */

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_ctx = ci ? http_conns_opened(s->conns, ci->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		http_conns_closed(s->conns, *socket_ctx);
		*socket_ctx = NULL;
	}
}

/* A response was sent: a kept-alive connection waits for the next
 * request's headers, on the clock again. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;

	(void)con_cls;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		http_conns_idle(s->conns, conn_of(c));
}

/* ---- lifecycle ---- */

static unsigned int pool_size(unsigned int want)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!want)
		want = cpus < 2 ? 2 : (unsigned int)cpus;
	return want > HTTP_THREADS_MAX ? HTTP_THREADS_MAX : want;
}

static struct MHD_Daemon *start_daemon(struct http_server *s,
				       const struct sockaddr *sa, unsigned int threads)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;

	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, sa,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_S,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_PER_IP,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEM_PER_CONN,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, uri_check, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
}

static void set_url(struct http_server *s, const struct sockaddr_storage *ss,
		    const char *listen)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t n = colon ? (size_t)(colon - listen) : 0;

	s->port = info ? info->port : 0;
	if (n >= sizeof(host) || n == 0 || !strncmp(listen, "localhost:", 10))
		snprintf(host, sizeof(host), "%s", ss->ss_family == AF_INET6 ?
			 "[::1]" : "127.0.0.1");
	else
		snprintf(host, sizeof(host), "%.*s", (int)n, listen);
	snprintf(s->url, sizeof(s->url), "http://%s:%u/", host, s->port);
}

int http_server_start(struct http_server **out, const struct http_conf *conf,
		      char *err, size_t errlen)
{
	const char *listen = conf->listen ? conf->listen : HTTP_DEFAULT_LISTEN;
	struct http_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned int threads = pool_size(conf->threads);

	*err = '\0';
	if (!s || http_parse_listen(&ss, &sslen, listen, err, errlen) ||
	    http_db_init(conf->db_path)) {
		if (!s || !*err)
			snprintf(err, errlen, "out of memory");
		free(s);
		return -1;
	}
	if (http_conns_start(&s->conns)) {
		snprintf(err, errlen, "cannot start the connection watchdog");
		http_db_fini();
		free(s);
		return -1;
	}
	s->loopback = http_addr_is_loopback((struct sockaddr *)&ss);
	s->log = conf->log_requests;
	s->d = start_daemon(s, (struct sockaddr *)&ss, threads);
	if (!s->d && !conf->listen) {   /* 8080 taken: any free port */
		((struct sockaddr_in *)&ss)->sin_port = 0;
		s->d = start_daemon(s, (struct sockaddr *)&ss, threads);
	}
	if (!s->d) {
		snprintf(err, errlen, "cannot listen on %s (address in use or not "
			 "this machine's?)", listen);
		http_conns_stop(s->conns);
		http_db_fini();
		free(s);
		return -1;
	}
	set_url(s, &ss, listen);
	*out = s;
	return 0;
}

const char *http_server_url(const struct http_server *s)
{
	return s->url;
}

bool http_server_loopback(const struct http_server *s)
{
	return s->loopback;
}

void http_server_stop(struct http_server *s)
{
	unsigned long late, room;

	if (!s)
		return;
	MHD_stop_daemon(s->d);   /* joins the pool: their DB handles close */
	http_conns_counts(s->conns, &late, &room);
	if (s->log)
		fprintf(stderr, "connections cut: %lu with late headers, %lu to make "
			"room\n", late, room);
	http_conns_stop(s->conns);   /* after the daemon: it reports closes */
	http_db_fini();
	free(s);
}
