/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_db.c - one read-only DB handle (and its context) per server thread.
 *
 * A vls_db must not be used by two threads at once. The alternative, one
 * handle behind a mutex, would queue every request behind the slowest
 * report; SQLite serves concurrent readers on separate connections, so each
 * thread of libmicrohttpd's pool opens its own on first use, and the
 * thread-specific key's destructor closes it when the pool stops.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "http.h"

static pthread_key_t db_key;
static const char *db_path;

static void db_destroy(void *p)
{
	struct http_db *h = p;

	vls_db_close(h->db);
	vls_ctx_free(h->ctx);
	free(h);
}

int http_db_init(const char *path)
{
	db_path = path;
	return pthread_key_create(&db_key, db_destroy) ? VLS_ENOMEM : 0;
}

void http_db_fini(void)
{
	struct http_db *h = pthread_getspecific(db_key);

	if (h)
		db_destroy(h);
	pthread_key_delete(db_key);
}

int http_db_get(struct http_db **out, char *err, size_t errlen)
{
	struct http_db *h = pthread_getspecific(db_key);
	int ret;

	if (h) {
		*out = h;
		return 0;
	}
	h = calloc(1, sizeof(*h));
	ret = h ? vls_ctx_new(&h->ctx) : VLS_ENOMEM;
	if (!ret)
		ret = vls_db_open(&h->db, h->ctx, db_path, VLS_DB_READONLY);
	if (!ret && pthread_setspecific(db_key, h))
		ret = VLS_ENOMEM;
	if (ret) {
		snprintf(err, errlen, "cannot open the DB: %s",
			 h && h->ctx && *vls_ctx_errmsg(h->ctx) ?
			 vls_ctx_errmsg(h->ctx) : vls_strerror(ret));
		if (h)
			db_destroy(h);
		return ret;
	}
	*out = h;
	return 0;
}
