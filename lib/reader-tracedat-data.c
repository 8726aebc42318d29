/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat-data.c - the flyrecord data of a trace.dat, read here
 * rather than by libtracecmd (trace-cmd.dat.v6(5), trace-cmd.dat.v7(5)).
 *
 * Why: libtracecmd 1.3 maps a v6 file's CPU data whole (the pages read stay
 * resident: RSS about the file's size) and keeps every decompressed v7
 * chunk until tracecmd_close() (its free_zpage() never finds the chunk of
 * a page), looking each page up in a list of them all: quadratic time and
 * memory growing with the trace. Here each CPU of each buffer is a stream
 * that holds one block of pages (v6, v7 uncompressed: read with pread())
 * or one decompressed chunk (v7 zstd) at a time, its records parsed as
 * libtraceevent's kbuffer parses them when libtracecmd sets it up
 * (reader-tracedat-page.h); the streams are merged by timestamp in a
 * binary heap.
 *
 * Same records, same order, as tracecmd_iterate_events_multi() gives:
 * the streams are numbered in libtracecmd's order (the top buffer's CPUs,
 * then each instance's, in the order their BUFFER options come) and a
 * timestamp tie goes to the lower number, as its scan for the strictly
 * smallest timestamp does. A page whose size word exceeds the page ends its
 * CPU's records (libtracecmd's update_page_info() fails there, and the CPU
 * gives no more), and so does a chunk that does not decompress (its
 * read_zpage() fails). What libtracecmd would add to the timestamps
 * (DATE, OFFSET, TSC2NSEC, TIME_SHIFT options) makes the file
 * libtracecmd's to read: reader-tracedat-layout.c says so in own_data_no.
 *
 * A compressed stream's chunks are read in batches (struct batch): the
 * chunks trace-cmd writes are ten pages each (7.3 KB compressed in a
 * 17 M-event trace), and reading them one by one was two pread() calls
 * and a decompression call a chunk, 35.5 k reads there. A batch
 * decompresses consecutive chunks, read 256 KB at a time, into one buffer
 * of pages; what ends a stream within a batch ends it after the pages
 * before it, as reading chunk by chunk would.
 *
 * Decompression was a quarter of a v7 import's reading instructions
 * (callgrind: 1,114 M of 4,206 M on kb.v7.dat). Where the context may use threads, a worker
 * thread decompresses each compressed stream's next batch while the
 * records of the one at hand are read (struct stream's next): the reader
 * takes it when its pages run out, and gives its used buffer back to be
 * filled. The worker owns the streams' place in the file (off,
 * chunks_left) and the batches being filled; the lock guards the handover.
 * Each stream holds at most two batches, of at most BATCH_BYTES, less
 * with many streams (batch_bytes()): memory stays bounded for any number
 * of CPUs and any length.
 *
 * The pages are read by reader-tracedat-page.h, as kbuffer reads them but
 * inline; the ring buffer of Linux 2.6.30 and earlier (tep_is_old_format())
 * is still kbuffer's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <zstd.h>

#include "reader-tracedat.h"
#include "reader-tracedat-page.h"

/* Bytes of pages one pread() brings in for an uncompressed stream. */
#define BLOCK_BYTES (128u << 10)
/* A chunk either side, as reader-tracedat-layout.c bounds the first. */
#define CHUNK_MAX (64u << 20)

/* Uncompressed bytes of chunks one batch takes, and compressed bytes one
 * pread() brings in for them. */
#define BATCH_BYTES (1u << 20)
#define WINDOW_BYTES (256u << 10)
/* The batches of all streams together, and the least one takes. */
#define BATCHES_BYTES (32u << 20)
#define BATCH_MIN_BYTES (64u << 10)

/* The chunk that ended a compressed stream, and why. */
struct chunk_end {
	enum {
		CHUNK_MORE,          /* none: the stream goes on */
		CHUNK_SHORT,         /* the file ends: no more records */
		CHUNK_SIZES,         /* sizes libtracecmd refuses: no more records */
		CHUNK_DECOMPRESS,    /* does not decompress: no more records */
		CHUNK_NOMEM,
		CHUNK_IO,            /* err: pread()'s errno */
	} how;
	int err;
	uint64_t off;
	uint32_t zsize, size;
};

/* Consecutive compressed chunks of a stream, decompressed: load_batch(). */
struct batch {
	unsigned char *buf;      /* len bytes of pages, a page of zeros after */
	size_t cap, len;
	uint64_t next_off;       /* of the chunk after the last one loaded */
	uint64_t chunks;         /* chunks used up: loaded, and one that failed */
	struct chunk_end end;    /* what ends the stream after the pages */
};

/* Compressed bytes read at once: [off, off + len) of the file. */
struct window {
	unsigned char *buf;
	size_t cap, len;
	uint64_t off;
};

/* What decompresses chunks, one per thread that does. */
struct unzip {
	ZSTD_DCtx *z;
	struct window win;
};

/* A compressed stream's next batch (with a worker thread). */
enum next_state {
	NEXT_EMPTY,          /* to be loaded (if chunks are left) */
	NEXT_BUSY,           /* the worker loads it */
	NEXT_READY,          /* loaded: the reader may take it */
};

struct stream {
	unsigned idx;            /* libtracecmd's order: ties go to the lower */
	uint32_t cpu;
	struct vls_rbpage pg;
	struct kbuffer *kbuf;    /* the old format's parser, else NULL */
	bool compressed;
	bool loaded;             /* a page is in pg (or kbuf) */
	bool done;
	/* the file: uncompressed pages left [off, end); chunks left from off
	 * (the worker's, with one: under the lock) */
	uint64_t off, end;
	uint64_t chunks_left;
	/* with a worker: the batch after the pages at hand */
	struct batch next;
	enum next_state next_state;
	/* the pages at hand: buf[pos, len), with a page of zeros after len */
	unsigned char *buf;
	size_t cap, len, pos;
	struct chunk_end ended;  /* said once the pages before it are used */
	/* the record at hand */
	struct {
		unsigned long long ts;
		void *data;
		int size;
		int missed;
	} cur;
};

struct vls_tddata {
	vls_reader *r;
	int fd;
	uint32_t page_size;
	int long_size;           /* of a page's commit word */
	struct vls_rbfmt fmt;    /* the file's byte order, the pages' commit word */
	uint64_t file_size;      /* for messages */
	size_t batch_bytes;      /* a batch's target: batch_bytes() */
	struct unzip uz;         /* the reading thread's, without a worker */
	/* the worker thread, decompressing ahead */
	bool threaded;
	pthread_t worker;
	struct unzip wuz;        /* the worker's */
	pthread_mutex_t lock;
	pthread_cond_t work_cond, ready_cond;
	bool stop, worker_waits;
	struct stream *wanted;   /* the stream the reader waits for */
	size_t rr;               /* where the worker looks first */
	struct stream *s;
	size_t ns;
	struct stream **heap;    /* the streams with a record, smallest first */
	size_t nheap;
	struct stream *last;     /* the stream of the record handed out */
	uint64_t done;           /* bytes of pages loaded, for progress */
};

static uint32_t file_u32(const struct vls_tddata *d, const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return d->fmt.big_endian ? __builtin_bswap32(v) : v;
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */
/* ------------------------------------------------------------------ */

/* cap bytes of buffer for n bytes of pages and a page of zeros after. */
static int reserve(struct vls_tddata *d, unsigned char **buf, size_t *cap, size_t n)
{
	unsigned char *nb;

	if (n <= *cap)
		return 0;
	nb = __vls_malloc(d->r->ctx, n);
	if (!nb)
		return __vls_error(d->r->ctx, VLS_ENOMEM, "out of memory");
	__vls_free(d->r->ctx, *buf);
	*buf = nb;
	*cap = n;
	return 0;
}

static int pread_all(struct vls_tddata *d, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(d->fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return __vls_error(d->r->ctx, VLS_EIO, "%s: %s", d->r->path,
					   strerror(errno));
		if (!k)
			return 1;       /* the file shrank under us */
		got += (size_t)k;
	}
	return 0;
}

/*
 * A page whose commit word does not fit it refuses the file, as
 * reader-tracedat-layout.c's check_pages() does before libtracecmd reads
 * one (same message): checked here as the pages come rather than in a
 * pass of its own over the file.
 */
static int check_commits(struct vls_tddata *d, const unsigned char *buf, size_t n,
			 uint64_t off)
{
	size_t p = __vls_td_bad_page(buf, n, d->page_size, d->long_size, d->fmt.big_endian);

	if (p == SIZE_MAX)
		return 0;
	return __vls_error(d->r->ctx, VLS_EPARSE, "%s: corrupt or truncated trace.dat: "
			   "event page commit size larger than the page at offset %" PRIu64
			   " (file size %" PRIu64 ")", d->r->path, off + p, d->file_size);
}

/* The next block of an uncompressed stream: 1, 0 at its end. */
static int fill_block(struct vls_tddata *d, struct stream *s)
{
	uint64_t n = s->end - s->off;
	int ret;

	if (!n)
		return 0;
	if (n > s->cap - d->page_size)
		n = s->cap - d->page_size;
	ret = pread_all(d, s->buf, (size_t)n, s->off);
	if (ret)
		return ret < 0 ? ret : 0;
	if ((ret = check_commits(d, s->buf, (size_t)n, s->off)))
		return ret;
	memset(s->buf + n, 0, d->page_size);
	s->off += n;
	s->len = (size_t)n;
	s->pos = 0;
	return 1;
}

/* n bytes at off are in the window (read from off on if not): false if
 * they cannot be (b says why). */
static bool window_has(struct vls_tddata *d, struct window *w, uint64_t off, size_t n,
		       struct batch *b)
{
	size_t want = n > WINDOW_BYTES ? n : WINDOW_BYTES, got = 0;

	if (off >= w->off && off + n <= w->off + w->len)
		return true;
	if (want > w->cap) {
		unsigned char *nb = __vls_malloc(d->r->ctx, want);

		if (!nb) {
			b->end.how = CHUNK_NOMEM;
			return false;
		}
		__vls_free(d->r->ctx, w->buf);
		w->buf = nb;
		w->cap = want;
	}
	w->off = off;
	w->len = 0;
	while (got < want) {
		ssize_t k = pread(d->fd, w->buf + got, want - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			b->end.how = CHUNK_IO;
			b->end.err = errno;
			return false;
		}
		if (!k)
			break;
		got += (size_t)k;
	}
	w->len = got;
	if (got >= n)
		return true;
	b->end.how = CHUNK_SHORT;     /* the file ends, or shrank under us */
	return false;
}

/* b->buf with room for n more bytes of pages and the page of zeros. */
static bool batch_room(struct vls_tddata *d, struct batch *b, size_t n)
{
	size_t need = b->len + n + d->page_size, cap = b->cap ? b->cap : d->batch_bytes;
	unsigned char *nb;

	if (need <= b->cap)
		return true;
	while (cap < need)
		cap *= 2;
	nb = __vls_realloc(d->r->ctx, b->buf, cap);
	if (!nb)
		return false;
	b->buf = nb;
	b->cap = cap;
	return true;
}

/*
 * Up to d->batch_bytes of a stream's chunks from off (at most left of
 * them) into b, with u. A chunk ends the stream where libtracecmd's
 * read_zpage() fails: sizes it refuses, a short file, data that does not
 * decompress. Thread-safe for distinct u and b: it reads d's constants.
 */
static void load_batch(struct vls_tddata *d, struct unzip *u, struct batch *b,
		       uint64_t off, uint64_t left)
{
	struct window *w = &u->win;

	b->len = 0;
	b->chunks = 0;
	b->end = (struct chunk_end){ .how = CHUNK_MORE };
	while (b->chunks < left && b->len < d->batch_bytes) {
		const unsigned char *z;
		uint32_t zsize, size;
		size_t n;

		b->chunks++;
		b->end.off = off;
		if (!window_has(d, w, off, 8, b))
			break;
		z = w->buf + (off - w->off);
		memcpy(&zsize, z, 4);
		memcpy(&size, z + 4, 4);
		if (d->fmt.big_endian) {
			zsize = __builtin_bswap32(zsize);
			size = __builtin_bswap32(size);
		}
		b->end.zsize = zsize;
		b->end.size = size;
		if (!zsize || !size || zsize > CHUNK_MAX || size > CHUNK_MAX ||
		    size % d->page_size) {
			b->end.how = CHUNK_SIZES;
			break;
		}
		if (!batch_room(d, b, size)) {
			b->end.how = CHUNK_NOMEM;
			break;
		}
		if (!window_has(d, w, off + 8, zsize, b))
			break;
		n = ZSTD_decompressDCtx(u->z, b->buf + b->len, size,
					w->buf + (off + 8 - w->off), zsize);
		if (ZSTD_isError(n) || n != size) {
			b->end.how = CHUNK_DECOMPRESS;
			break;
		}
		b->len += size;
		off += 8 + zsize;
	}
	b->next_off = off;
	if (b->buf)
		memset(b->buf + b->len, 0, d->page_size);
}

/* What ended a stream: the message, and 0 (or the error). */
static int stream_end(struct vls_tddata *d, const struct stream *s,
		      const struct chunk_end *e)
{
	switch (e->how) {
	case CHUNK_MORE:
	case CHUNK_SHORT:
		return 0;
	case CHUNK_SIZES:
		__vls_log(d->r->ctx, VLS_LOG_DEBUG, "%s: CPU %" PRIu32 ": chunk at "
			  "offset %" PRIu64 " of sizes %" PRIu32 "/%" PRIu32 ": no "
			  "more records", d->r->path, s->cpu, e->off, e->zsize, e->size);
		return 0;
	case CHUNK_DECOMPRESS:
		__vls_log(d->r->ctx, VLS_LOG_DEBUG, "%s: CPU %" PRIu32 ": chunk at "
			  "offset %" PRIu64 " does not decompress: no more records",
			  d->r->path, s->cpu, e->off);
		return 0;
	case CHUNK_NOMEM:
		return __vls_error(d->r->ctx, VLS_ENOMEM, "out of memory");
	case CHUNK_IO:
		return __vls_error(d->r->ctx, VLS_EIO, "%s: %s", d->r->path,
				   strerror(e->err));
	}
	return 0;
}

/* ---- the worker thread ---- */

/* The stream whose next batch to load: the one the reader waits for,
 * else the next one with chunks left and room. Under the lock. */
static struct stream *pick_locked(struct vls_tddata *d)
{
	struct stream *s = d->wanted;

	if (s && s->next_state == NEXT_EMPTY && s->chunks_left)
		return s;
	for (size_t i = 0; i < d->ns; i++) {
		s = &d->s[(d->rr + i) % d->ns];
		if (s->compressed && s->next_state == NEXT_EMPTY && s->chunks_left) {
			d->rr = (d->rr + i + 1) % d->ns;
			return s;
		}
	}
	return NULL;
}

static void *worker_main(void *arg)
{
	struct vls_tddata *d = arg;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct stream *s;
		struct batch b;
		uint64_t left;

		while (!d->stop && !(s = pick_locked(d))) {
			d->worker_waits = true;
			pthread_cond_wait(&d->work_cond, &d->lock);
			d->worker_waits = false;
		}
		if (d->stop)
			break;
		s->next_state = NEXT_BUSY;
		b = s->next;
		left = s->chunks_left;
		pthread_mutex_unlock(&d->lock);
		load_batch(d, &d->wuz, &b, s->off, left);
		pthread_mutex_lock(&d->lock);
		s->next = b;
		s->off = b.next_off;
		/* what ends the stream ends it after these pages */
		s->chunks_left = b.end.how == CHUNK_MORE ? left - b.chunks : 0;
		s->next_state = NEXT_READY;
		if (d->wanted == s)
			pthread_cond_signal(&d->ready_cond);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* The worker's batch of s into b, s's used buffer given back to it for
 * the batch after: 1, 0 at the stream's end. */
static int take_batch(struct vls_tddata *d, struct stream *s, struct batch *b)
{
	pthread_mutex_lock(&d->lock);
	while (s->next_state != NEXT_READY) {
		if (s->next_state == NEXT_EMPTY && !s->chunks_left) {
			pthread_mutex_unlock(&d->lock);
			return 0;
		}
		d->wanted = s;
		if (d->worker_waits)
			pthread_cond_signal(&d->work_cond);
		pthread_cond_wait(&d->ready_cond, &d->lock);
	}
	d->wanted = NULL;
	*b = s->next;
	s->next = (struct batch){ .buf = s->buf, .cap = s->cap };
	s->next_state = NEXT_EMPTY;
	if (s->chunks_left && d->worker_waits)
		pthread_cond_signal(&d->work_cond);
	pthread_mutex_unlock(&d->lock);
	return 1;
}

/* The next chunks of a compressed stream, decompressed: 1, 0 at its end
 * (or where libtracecmd would stop reading it). */
static int fill_chunk(struct vls_tddata *d, struct stream *s)
{
	struct batch b;

	if (s->ended.how != CHUNK_MORE) {
		struct chunk_end e = s->ended;

		s->ended.how = CHUNK_MORE;
		return stream_end(d, s, &e);
	}
	if (d->threaded) {
		if (!take_batch(d, s, &b))
			return 0;
	} else {
		if (!s->chunks_left)
			return 0;
		b = (struct batch){ .buf = s->buf, .cap = s->cap };
		load_batch(d, &d->uz, &b, s->off, s->chunks_left);
		/* what ends the stream ends it after these pages */
		s->chunks_left = b.end.how == CHUNK_MORE ? s->chunks_left - b.chunks : 0;
		s->off = b.next_off;
	}
	s->buf = b.buf;
	s->cap = b.cap;
	if (!b.len)
		return stream_end(d, s, &b.end);
	s->len = b.len;
	s->pos = 0;
	s->ended = b.end;            /* the pages first, then that */
	return 1;
}

/* The stream's next page into pg (or kbuf): 1, 0 at its end. */
static int next_page(struct vls_tddata *d, struct stream *s)
{
	int ret, size;

	if (s->pos >= s->len) {
		ret = s->compressed ? fill_chunk(d, s) : fill_block(d, s);
		if (ret <= 0)
			return ret;
	}
	if (s->kbuf) {
		kbuffer_load_subbuffer(s->kbuf, s->buf + s->pos);
		size = kbuffer_subbuffer_size(s->kbuf);
	} else {
		__vls_rb_load(&d->fmt, &s->pg, s->buf + s->pos);
		size = (int)s->pg.size;
	}
	d->done += d->page_size;
	s->pos += d->page_size;
	/* libtracecmd's update_page_info(): the CPU gives no more records */
	if (size > (int)d->page_size) {
		__vls_log(d->r->ctx, VLS_LOG_DEBUG, "%s: CPU %" PRIu32 ": page of "
			  "size %d: no more records", d->r->path, s->cpu, size);
		return 0;
	}
	return 1;
}

/* The loaded page's record at hand into s->cur, and on to the next
 * (kbuffer_read_event(), _event_size(), _missed_events(), _next_event()):
 * false past its last. */
static bool take_record(struct vls_tddata *d, struct stream *s)
{
	const unsigned char *end = s->buf + s->len + d->page_size;
	const unsigned char *data;
	unsigned long long ts;
	int size, missed;

	if (s->kbuf) {
		if (!(data = kbuffer_read_event(s->kbuf, &ts)))
			return false;
		size = kbuffer_event_size(s->kbuf);
		missed = kbuffer_missed_events(s->kbuf);
		kbuffer_next_event(s->kbuf, NULL);
	} else if (!__vls_rb_read(&d->fmt, &s->pg, &ts, &data, &size, &missed)) {
		return false;
	}
	/* a corrupt length must not take decoding past the buffer
	 * (libtracecmd reads on into its mapping) */
	if (size < 0)
		size = 0;
	if ((size_t)size > (size_t)(end - data))
		size = (int)(end - data);
	s->cur.ts = ts;
	s->cur.data = (void *)data;
	s->cur.size = size;
	s->cur.missed = missed;
	return true;
}

/* The stream's next record into s->cur: 1, 0 at its end. */
static int advance(struct vls_tddata *d, struct stream *s)
{
	int ret;

	for (;;) {
		if (s->loaded && take_record(d, s))
			return 1;
		s->loaded = false;
		ret = next_page(d, s);
		if (ret <= 0) {
			s->done = true;
			return ret;
		}
		s->loaded = true;
	}
}

/* ------------------------------------------------------------------ */
/* The merge                                                           */
/* ------------------------------------------------------------------ */

static bool before(const struct stream *a, const struct stream *b)
{
	return a->cur.ts < b->cur.ts || (a->cur.ts == b->cur.ts && a->idx < b->idx);
}

static void sift_down(struct vls_tddata *d, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct stream *t;

		if (l < d->nheap && before(d->heap[l], d->heap[m]))
			m = l;
		if (l + 1 < d->nheap && before(d->heap[l + 1], d->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		t = d->heap[i];
		d->heap[i] = d->heap[m];
		d->heap[m] = t;
		i = m;
	}
}

uint64_t __vls_tddata_done(const struct vls_tddata *d)
{
	return d->done;
}

bool __vls_tddata_threaded(const struct vls_tddata *d)
{
	return d->threaded;
}

int __vls_tddata_next(struct vls_tddata *d, struct tep_record *rec)
{
	struct stream *s;
	int ret;

	/* the record handed out last is used up: its stream moves on */
	if (d->last) {
		ret = advance(d, d->last);
		if (ret < 0)
			return ret;
		if (!ret)
			d->heap[0] = d->heap[--d->nheap];
		d->last = NULL;
		if (d->nheap)
			sift_down(d, 0);
	}
	if (!d->nheap)
		return 0;
	s = d->last = d->heap[0];
	memset(rec, 0, sizeof(*rec));
	rec->ts = s->cur.ts;
	rec->cpu = (int)s->cpu;
	rec->size = s->cur.size;
	rec->record_size = s->cur.size;
	rec->data = s->cur.data;
	rec->missed_events = s->cur.missed;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Open, close                                                         */
/* ------------------------------------------------------------------ */

static int stream_init(struct vls_tddata *d, struct stream *s, const struct vls_tdbuf *b,
		       const struct vls_tdcpu *c, struct tep_handle *tep)
{
	/* libtracecmd's init_cpu_data(): the commit word's size (the
	 * kernel's long) from header_page, the file's byte order */
	enum kbuffer_long_size ls = d->fmt.long8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4;
	enum kbuffer_endian en = d->fmt.big_endian ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE;
	size_t block = BLOCK_BYTES - BLOCK_BYTES % d->page_size;

	s->cpu = c->cpu;
	s->compressed = b->compressed;
	s->off = b->compressed ? c->offset + 4 : c->offset;
	s->end = c->offset + c->size;
	if (tep_is_old_format(tep)) {
		if (!(s->kbuf = kbuffer_alloc(ls, en)))
			return __vls_error(d->r->ctx, VLS_ENOMEM, "out of memory");
		kbuffer_set_old_format(s->kbuf);
	}
	if (b->compressed) {
		unsigned char n[4];
		int ret = pread_all(d, n, sizeof(n), c->offset);

		if (ret)
			return ret < 0 ? ret : __vls_error(d->r->ctx, VLS_EPARSE,
							   "%s: truncated", d->r->path);
		s->chunks_left = file_u32(d, n);
		return 0;
	}
	return reserve(d, &s->buf, &s->cap, (block ? block : d->page_size) + d->page_size);
}

/* Every CPU with data, numbered in libtracecmd's order, its first record
 * read and in the heap. */
static int streams_init(struct vls_tddata *d, const struct vls_tdhead *h,
			struct tep_handle *tep)
{
	size_t n = 0;
	int ret;

	for (size_t b = 0; b < h->nbufs; b++)
		n += h->bufs[b].ncpus;
	d->s = __vls_calloc(d->r->ctx, n ? n : 1, sizeof(*d->s));
	d->heap = __vls_calloc(d->r->ctx, n ? n : 1, sizeof(*d->heap));
	if (!d->s || !d->heap)
		return __vls_error(d->r->ctx, VLS_ENOMEM, "out of memory");
	for (size_t b = 0; b < h->nbufs; b++)
		for (size_t c = 0; c < h->bufs[b].ncpus; c++) {
			struct stream *s = &d->s[d->ns];

			s->idx = (unsigned)d->ns++;
			if (!h->bufs[b].cpus[c].size)
				continue;       /* libtracecmd: "CPU is empty" */
			if ((ret = stream_init(d, s, &h->bufs[b], &h->bufs[b].cpus[c], tep)))
				return ret;
			ret = advance(d, s);
			if (ret < 0)
				return ret;
			if (ret)
				d->heap[d->nheap++] = s;
		}
	for (size_t i = d->nheap / 2; i-- > 0;)
		sift_down(d, i);
	return 0;
}

/* A batch's target size: BATCH_BYTES, less when the two batches of every
 * compressed stream would take more than BATCHES_BYTES. */
static size_t batch_bytes(const struct vls_tdhead *h)
{
	size_t n = 0, bytes;

	for (size_t b = 0; b < h->nbufs; b++)
		for (size_t c = 0; c < h->bufs[b].ncpus; c++)
			n += h->bufs[b].compressed && h->bufs[b].cpus[c].size;
	bytes = n ? BATCHES_BYTES / (2 * n) : BATCH_BYTES;
	return bytes > BATCH_BYTES ? BATCH_BYTES : bytes < BATCH_MIN_BYTES ? BATCH_MIN_BYTES
									: bytes;
}

/* The worker, where the context may use threads and a compressed stream
 * has chunks left; without one (or when it cannot start) the reading
 * thread decompresses. */
static void worker_start(struct vls_tddata *d)
{
	bool work = false;

	for (size_t i = 0; i < d->ns; i++)
		work |= d->s[i].compressed && d->s[i].chunks_left;
	if (!work || !__vls_ctx_may_thread(d->r->ctx) || !(d->wuz.z = ZSTD_createDCtx()))
		return;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->work_cond, NULL);
	pthread_cond_init(&d->ready_cond, NULL);
	d->threaded = true;
	if (!pthread_create(&d->worker, NULL, worker_main, d))
		return;
	d->threaded = false;
	pthread_cond_destroy(&d->work_cond);
	pthread_cond_destroy(&d->ready_cond);
	pthread_mutex_destroy(&d->lock);
}

static void worker_stop(struct vls_tddata *d)
{
	if (!d->threaded)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->work_cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->worker, NULL);
	pthread_cond_destroy(&d->work_cond);
	pthread_cond_destroy(&d->ready_cond);
	pthread_mutex_destroy(&d->lock);
	d->threaded = false;
}

/* What libtracecmd would do that this file does not: NULL if nothing. */
static const char *unsupported(const struct vls_tdhead *h, struct tep_handle *tep)
{
	if (h->own_data_no)
		return h->own_data_no;
	/* libtracecmd's update_page_info() reads no page then */
	if (tep_get_header_timestamp_size(tep) != 8)
		return "a ring-buffer page timestamp that is not 8 bytes";
	if (!h->page_size)
		return "no page size";
	return NULL;
}

int __vls_tddata_open(struct vls_tddata **out, vls_reader *r,
		      const struct vls_tdhead *h, struct tep_handle *tep,
		      size_t batch_max)
{
	const char *why = unsupported(h, tep);
	struct vls_tddata *d;
	struct stat st;
	int ret;

	*out = NULL;
	if (why) {
		__vls_log(r->ctx, VLS_LOG_DEBUG, "%s: libtracecmd reads the events: "
			  "the file has %s", r->path, why);
		return 1;
	}
	d = __vls_calloc(r->ctx, 1, sizeof(*d));
	if (!d)
		return __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
	d->r = r;
	d->fmt.big_endian = h->big_endian;
	d->fmt.swap = h->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	/* the commit word's size as libtracecmd's init_cpu_data() takes it */
	d->fmt.long8 = tep_get_header_page_size(tep) == 8;
	d->page_size = h->page_size;
	d->long_size = h->long_size;
	d->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st) < 0) {
		ret = __vls_error(r->ctx, VLS_EIO, "%s: %s", r->path, strerror(errno));
		goto fail;
	}
	d->file_size = (uint64_t)st.st_size;
	d->batch_bytes = batch_bytes(h);
	if (batch_max && batch_max < d->batch_bytes)
		d->batch_bytes = batch_max;
	d->uz.z = ZSTD_createDCtx();
	ret = d->uz.z ? streams_init(d, h, tep) : __vls_error(r->ctx, VLS_ENOMEM,
							       "out of memory");
	if (ret)
		goto fail;
	worker_start(d);
	*out = d;
	return 0;
fail:
	__vls_tddata_close(d);
	return ret;
}

void __vls_tddata_close(struct vls_tddata *d)
{
	vls_ctx *ctx;

	if (!d)
		return;
	ctx = d->r->ctx;
	worker_stop(d);
	for (size_t i = 0; d->s && i < d->ns; i++) {
		if (d->s[i].kbuf)
			kbuffer_free(d->s[i].kbuf);
		__vls_free(ctx, d->s[i].buf);
		__vls_free(ctx, d->s[i].next.buf);
	}
	__vls_free(ctx, d->s);
	__vls_free(ctx, d->heap);
	__vls_free(ctx, d->uz.win.buf);
	__vls_free(ctx, d->wuz.win.buf);
	ZSTD_freeDCtx(d->uz.z);
	ZSTD_freeDCtx(d->wuz.z);
	if (d->fd >= 0)
		close(d->fd);
	__vls_free(ctx, d);
}
