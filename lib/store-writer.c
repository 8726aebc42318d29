/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-writer.c - the import's rows stepped on a thread of their own.
 *
 * From the start of a threaded import pipeline (import-pipe.c) to the
 * import's COMMIT, a row finished with __vls_row_step() is not bound and
 * stepped on the importing thread: its values (texts copied) go into a
 * buffer, and a writer thread binds and steps the buffered rows in the
 * order they were finished. SQLite was 40 % of the importing thread's time
 * (docs/benchmark.md, fifteenth session), and the importing thread was
 * the import's wall time.
 *
 * The connection is SQLite's "serialized" one (the default; the writer is
 * not started on a library built without threads), so the two threads may
 * call it at once; what keeps the rows' meaning is their order: every
 * write of the transaction during the pipeline goes through the writer,
 * and a query first waits until the writer has stepped everything before
 * it (__vls_store_writer_drain(), called by __vls_row_start_query()).
 *
 * At most WRITER_BUFS buffers exist: memory stays bounded, and an
 * importing thread that gets ahead of the writer waits for a spare one.
 * The first failed step stops the writing: the importing thread's next
 * row returns the error (SQLite's message as it was when the step
 * failed), and so does __vls_store_writer_stop().
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

#define WRITER_BUF (256 * 1024)   /* bytes of rows per buffer: ~600 episodes */
#define WRITER_BUFS 8
#define WRITER_MSG 256

/* One buffered row; its values follow it, then its texts. */
struct wrow {
	sqlite3_stmt *st;
	uint32_t size;            /* of the whole record, aligned */
	uint32_t n;               /* values: parameters 1..n */
};

struct wval {
	int64_t i;                /* VLS_ROW_INT: the value; TEXT: its offset */
	uint32_t len;             /* TEXT */
	uint32_t type;            /* enum vls_row_type */
};

struct wbuf {
	size_t used, cap;
	unsigned char *data;
};

struct vls_store_writer {
	vls_ctx *ctx;
	sqlite3 *sql;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t full_cond;   /* the writer waits for a full buffer */
	pthread_cond_t spare_cond;  /* the importer waits for a spare one */
	struct wbuf bufs[WRITER_BUFS];
	struct wbuf *full[WRITER_BUFS], *spare[WRITER_BUFS];
	size_t headfull, nfull, nspare;
	struct wbuf *cur;           /* the importer's */
	bool busy;                  /* the writer is stepping a buffer */
	bool stop;
	atomic_bool failed;         /* set once, by the writer */
	int rc;                     /* the failed step's */
	char what[VLS_STORE_WHAT_MAX]; /* its SQL, cut */
	char msg[WRITER_MSG];       /* SQLite's message then */
	int err;                    /* the importer's error for it, once made */
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* ---- the writer thread ---- */

/* Bind and step one row: 0, or SQLite's code with w->msg set. */
static int write_row(struct vls_store_writer *w, const struct wrow *row)
{
	const struct wval *v = (const struct wval *)(const void *)(row + 1);
	const char *text = (const char *)(v + row->n);
	sqlite3_mutex *mx = sqlite3_db_mutex(w->sql);
	int rc = SQLITE_OK;

	sqlite3_mutex_enter(mx);  /* so that the message is this step's */
	for (uint32_t i = 0; i < row->n && rc == SQLITE_OK; i++) {
		switch (v[i].type) {
		case VLS_ROW_INT:
			rc = sqlite3_bind_int64(row->st, (int)i + 1, v[i].i);
			break;
		case VLS_ROW_TEXT:
			rc = sqlite3_bind_text(row->st, (int)i + 1, text + v[i].i,
					       (int)v[i].len, SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(row->st, (int)i + 1);
			break;
		}
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(row->st);
		if (rc == SQLITE_DONE || rc == SQLITE_ROW)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		snprintf(w->msg, sizeof(w->msg), "%s", sqlite3_errmsg(w->sql));
		__vls_sql_what(w->what, sizeof(w->what), sqlite3_sql(row->st));
	}
	sqlite3_reset(row->st);
	sqlite3_mutex_leave(mx);
	return rc;
}

static void *writer_main(void *arg)
{
	struct vls_store_writer *w = arg;
	struct wbuf *b;
	int rc;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->nfull && !w->stop)
			pthread_cond_wait(&w->full_cond, &w->lock);
		if (!w->nfull)
			break;
		b = w->full[w->headfull];
		w->headfull = (w->headfull + 1) % WRITER_BUFS;
		w->nfull--;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		for (size_t off = 0; off < b->used && !atomic_load(&w->failed);) {
			const struct wrow *row = (const struct wrow *)(void *)(b->data + off);

			rc = write_row(w, row);
			if (rc != SQLITE_OK) {
				w->rc = rc;
				atomic_store(&w->failed, true);
			}
			off += row->size;
		}
		pthread_mutex_lock(&w->lock);
		b->used = 0;
		w->spare[w->nspare++] = b;
		w->busy = false;
		pthread_cond_broadcast(&w->spare_cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- the importing thread ---- */

/* The writer's failure as this thread's error, made once. */
static int writer_error(struct vls_store_writer *w)
{
	if (!w->err && atomic_load(&w->failed))
		w->err = __vls_store_error_msg(w->ctx, w->sql, w->rc, w->what, w->msg);
	return w->err;
}

/* Hand the current buffer (if it has rows) to the writer. Lock held. */
static void ship_locked(struct vls_store_writer *w)
{
	if (!w->cur || !w->cur->used)
		return;
	w->full[(w->headfull + w->nfull++) % WRITER_BUFS] = w->cur;
	w->cur = NULL;
	pthread_cond_signal(&w->full_cond);
}

/* A buffer with room for size bytes: the current one, or the next spare
 * after shipping it (waiting for the writer if none). */
static int room(struct vls_store_writer *w, size_t size)
{
	struct wbuf *b = w->cur;

	if (b && b->cap - b->used >= size)
		return 0;
	pthread_mutex_lock(&w->lock);
	ship_locked(w);
	if (!w->cur) {
		while (!w->nspare)
			pthread_cond_wait(&w->spare_cond, &w->lock);
		w->cur = w->spare[--w->nspare];
	}
	pthread_mutex_unlock(&w->lock);
	b = w->cur;
	if (b->cap < size) {        /* a row larger than a buffer: its own size */
		unsigned char *d = __vls_realloc(w->ctx, b->data, size);

		if (!d)
			return __vls_error(w->ctx, VLS_ENOMEM, "out of memory");
		b->data = d;
		b->cap = size;
	}
	return 0;
}

int __vls_store_writer_row(struct vls_store_writer *w, struct vls_row *r)
{
	size_t n = (size_t)r->nvals, text = 0, size;
	struct wrow *row;
	struct wval *v;
	char *t;
	int ret = writer_error(w);

	if (ret)
		return ret;
	for (size_t i = 1; i <= n; i++)
		if (r->vals[i].type == VLS_ROW_TEXT)
			text += r->vals[i].len;
	size = align8(sizeof(*row) + n * sizeof(*v) + text);
	if (size > UINT32_MAX)
		return __vls_error(w->ctx, VLS_ELIMIT, "a row of %zu bytes", size);
	if ((ret = room(w, size)))
		return ret;
	row = (struct wrow *)(void *)(w->cur->data + w->cur->used);
	row->st = r->st;
	row->size = (uint32_t)size;
	row->n = (uint32_t)n;
	v = (struct wval *)(void *)(row + 1);
	t = (char *)(v + n);
	text = 0;
	for (size_t i = 1; i <= n; i++) {
		v[i - 1].type = r->vals[i].type;
		v[i - 1].len = r->vals[i].len;
		if (r->vals[i].type == VLS_ROW_TEXT) {
			memcpy(t + text, r->vals[i].s, r->vals[i].len);
			v[i - 1].i = (int64_t)text;
			text += r->vals[i].len;
		} else {
			v[i - 1].i = r->vals[i].i;
		}
	}
	w->cur->used += size;
	return 0;
}

int __vls_store_writer_drain(struct vls_store_writer *w)
{
	pthread_mutex_lock(&w->lock);
	ship_locked(w);
	while (w->nfull || w->busy)
		pthread_cond_wait(&w->spare_cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return writer_error(w);
}

static void writer_free(vls_ctx *ctx, struct vls_store_writer *w)
{
	pthread_cond_destroy(&w->full_cond);
	pthread_cond_destroy(&w->spare_cond);
	pthread_mutex_destroy(&w->lock);
	for (size_t i = 0; i < WRITER_BUFS; i++)
		__vls_free(ctx, w->bufs[i].data);
	__vls_free(ctx, w);
}

int __vls_store_writer_start(struct vls_store_txn *txn)
{
	struct vls_store_writer *w;

	if (txn->writer || !sqlite3_threadsafe())
		return 0;
	w = __vls_calloc(txn->ctx, 1, sizeof(*w));
	if (!w)
		return __vls_error(txn->ctx, VLS_ENOMEM, "out of memory");
	w->ctx = txn->ctx;
	w->sql = txn->sql;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->full_cond, NULL);
	pthread_cond_init(&w->spare_cond, NULL);
	for (size_t i = 0; i < WRITER_BUFS; i++) {
		w->bufs[i].cap = WRITER_BUF;
		w->bufs[i].data = __vls_malloc(txn->ctx, WRITER_BUF);
		if (!w->bufs[i].data) {
			writer_free(txn->ctx, w);
			return __vls_error(txn->ctx, VLS_ENOMEM, "out of memory");
		}
		w->spare[w->nspare++] = &w->bufs[i];
	}
	/* no thread: the rows are stepped here, as without a writer */
	if (pthread_create(&w->thread, NULL, writer_main, w))
		writer_free(txn->ctx, w);
	else
		txn->writer = w;
	return 0;
}

int __vls_store_writer_stop(struct vls_store_txn *txn)
{
	struct vls_store_writer *w = txn->writer;
	int ret;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	ship_locked(w);
	w->stop = true;
	pthread_cond_signal(&w->full_cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	txn->writer = NULL;
	ret = writer_error(w);
	writer_free(txn->ctx, w);
	return ret;
}
