/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import-pipe.c - read a file and feed its events to an import.
 *
 * Reading and analysis (the analyzers and SQLite) run on two threads on a
 * machine with two or more CPUs: a reader thread fills blocks with what it
 * reads, and the importing thread attaches stacks to their events and feeds
 * the analyzers in order. libtracecmd's own work per record is the larger
 * half, so the reader thread does as little else as it can: a reader with
 * ops->decode (trace.dat) ships each record's bytes undecoded and they are
 * decoded here; the text reader ships parsed events, and stack records
 * with their frames copied into the block's arena. At most PIPE_BLOCKS
 * blocks exist, so memory stays bounded whatever the input's size.
 *
 * With a custom allocator (vls_ctx_set_allocator(), which need not be
 * thread-safe) or one CPU, everything stays on the calling thread.
 */
#include <pthread.h>
#include <stdalign.h>
#include <string.h>
#include <unistd.h>

#include "import.h"

#define PIPE_EVENTS 1024          /* events per block: ~0.2 MB, handoffs rare */
#define PIPE_ARENA (256 * 1024)   /* stack bytes per block */
#define PIPE_BLOCKS 3
/* the most one event's stack can take: pointers plus cut frame names */
#define STACK_BYTES_MAX (VLS_STACK_MAX * (sizeof(char *) + 257))

enum item_kind {
	ITEM_EVENT,       /* ev[i] */
	ITEM_STACK,       /* ev[i]: its cpu, tid, stack and stack_depth */
	ITEM_RECORD,      /* rec[i], its bytes in the arena: decoded here */
};

struct block {
	size_t n, used;
	vls_reader_stats stats;   /* reader counters when the block was full */
	unsigned char kind[PIPE_EVENTS];
	vls_event ev[PIPE_EVENTS];
	struct vls_raw_record rec[PIPE_EVENTS];
	alignas(sizeof(char *)) char arena[PIPE_ARENA];
};

struct pipe {
	vls_import *imp;
	vls_reader *reader;
	const vls_import_opts *opts;
	uint64_t events;
	int feed_err;             /* consumer's error, stops the reader */
	/* threaded only */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct block *blocks[PIPE_BLOCKS];
	struct block *full[PIPE_BLOCKS];  /* FIFO of filled blocks */
	struct block *spare[PIPE_BLOCKS]; /* stack of empty blocks */
	size_t nfull, headfull, nspare;
	struct block *cur;        /* being filled by the reader */
	bool done, abort;
	int read_ret;
	/* the importing thread's */
	struct vls_attach attach;
	vls_reader_stats attach_stats; /* events, stacks, orphans, dups */
	const vls_reader_stats *block_stats;
};

/* ---- the consumer side: one event into the import ---- */

/* Reader counters for the progress callback: the reader's own, or when
 * threaded, those shipped with the block being fed plus the attaching
 * done on this thread. */
static void progress_stats(const struct pipe *p, vls_reader_stats *s)
{
	if (!p->block_stats) {
		vls_reader_get_stats(p->reader, s);
		return;
	}
	*s = *p->block_stats;
	s->events = p->attach_stats.events;
	s->other_events = p->attach_stats.other_events;
	s->stacks = p->attach_stats.stacks;
	s->bad_records += p->attach_stats.bad_records;
}

static int feed_one(struct pipe *p, const vls_event *ev)
{
	vls_reader_stats s;

	p->feed_err = vls_import_feed(p->imp, ev);
	if (p->feed_err)
		return p->feed_err;
	if (++p->events % VLS_IMPORT_PROGRESS_EVERY || !p->opts || !p->opts->progress)
		return 0;
	progress_stats(p, &s);
	if (p->opts->progress(&s, p->events, p->opts->progress_data))
		p->feed_err = __vls_error(p->imp->ctx, VLS_ESTOPPED, "import stopped");
	return p->feed_err;
}

/* The callback of the reader's attach (one thread), or of the importing
 * thread's (threaded): one event, its stack attached, into the import. */
static int feed_cb(const vls_event *ev, void *data)
{
	return feed_one(data, ev) ? 1 : 0;
}

/* ---- the reader thread ---- */

/* Hand the current block over and take an empty one; false on abort. */
static bool ship(struct pipe *p)
{
	bool ok;

	pthread_mutex_lock(&p->lock);
	if (p->cur) {
		vls_reader_get_stats(p->reader, &p->cur->stats);
		p->full[(p->headfull + p->nfull++) % PIPE_BLOCKS] = p->cur;
		p->cur = NULL;
		pthread_cond_broadcast(&p->cond);
	}
	while (!p->nspare && !p->abort)
		pthread_cond_wait(&p->cond, &p->lock);
	if (!p->abort) {
		p->cur = p->spare[--p->nspare];
		p->cur->n = p->cur->used = 0;
	}
	ok = !p->abort;
	pthread_mutex_unlock(&p->lock);
	return ok;
}

static void copy_stack(struct block *b, vls_event *dst, const char *const *src,
		       size_t n)
{
	const char **frames = (const char **)(void *)(b->arena + b->used);
	char *text = b->arena + b->used + n * sizeof(char *);
	size_t len;

	for (size_t i = 0; i < n; i++) {
		len = strnlen(src[i], 256);
		memcpy(text, src[i], len);
		text[len] = '\0';
		frames[i] = text;
		text += len + 1;
	}
	dst->stack = frames;
	dst->stack_depth = (uint32_t)n;
	/* keep the next stack's pointer array aligned */
	len = (size_t)(text - (b->arena + b->used));
	b->used += (len + sizeof(char *) - 1) & ~(sizeof(char *) - 1);
}

/* The next free item of the current block, shipping a full one first
 * (also when the arena lacks bytes for the item). */
static inline size_t next_item(struct pipe *p, enum item_kind kind, size_t bytes)
{
	struct block *b = p->cur;

	if (!b)                   /* an earlier ship() saw the abort */
		return SIZE_MAX;
	if (b->n == PIPE_EVENTS || PIPE_ARENA - b->used < bytes) {
		if (!ship(p))
			return SIZE_MAX;
		b = p->cur;
	}
	b->kind[b->n] = (unsigned char)kind;
	return b->n++;
}

static int pipe_event(const vls_event *ev, void *data)
{
	struct pipe *p = data;
	size_t i = next_item(p, ITEM_EVENT, 0);

	if (i == SIZE_MAX)
		return 1;
	p->cur->ev[i] = *ev;
	return 0;
}

static int pipe_stack(int32_t cpu, int32_t tid, const char *const *frames,
		      size_t n, void *data)
{
	struct pipe *p = data;
	size_t i = next_item(p, ITEM_STACK, STACK_BYTES_MAX);
	vls_event *dst;

	if (i == SIZE_MAX)
		return 1;
	dst = &p->cur->ev[i];
	dst->cpu = cpu;
	dst->tid = tid;
	copy_stack(p->cur, dst, frames, n);
	return 0;
}

/* A record's bytes are copied: libtracecmd frees it after this call. */
static int pipe_record(const struct vls_raw_record *rec, void *data)
{
	struct pipe *p = data;
	size_t size = rec->size > 0 ? (size_t)rec->size : 0;
	struct block *b;
	size_t i;

	if (size > PIPE_ARENA - sizeof(char *)) {
		/* a reader hands over at most what decoding reads: 64 KB */
		p->reader->stats.bad_records++;
		return 0;
	}
	i = next_item(p, ITEM_RECORD, size + sizeof(char *));
	if (i == SIZE_MAX)
		return 1;
	b = p->cur;
	b->rec[i] = *rec;
	b->rec[i].data = memcpy(b->arena + b->used, rec->data, size);
	b->used += (size + sizeof(char *) - 1) & ~(sizeof(char *) - 1);
	return 0;
}

static void *reader_thread(void *arg)
{
	struct pipe *p = arg;
	const struct vls_attach_raw raw = {
		pipe_event, pipe_stack, p->reader->ops->decode ? pipe_record : NULL, p
	};
	int ret = ship(p) ? __vls_reader_read_raw(p->reader, &raw) : VLS_ESTOPPED;

	pthread_mutex_lock(&p->lock);
	if (p->cur && p->cur->n)
		p->full[(p->headfull + p->nfull++) % PIPE_BLOCKS] = p->cur;
	else if (p->cur)
		p->spare[p->nspare++] = p->cur;
	p->cur = NULL;
	p->read_ret = ret;
	p->done = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ---- the importing thread ---- */

static struct block *next_full(struct pipe *p)
{
	struct block *b = NULL;

	pthread_mutex_lock(&p->lock);
	while (!p->nfull && !p->done)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->nfull) {
		b = p->full[p->headfull];
		p->headfull = (p->headfull + 1) % PIPE_BLOCKS;
		p->nfull--;
	}
	pthread_mutex_unlock(&p->lock);
	return b;
}

static void give_back(struct pipe *p, struct block *b, bool abort)
{
	pthread_mutex_lock(&p->lock);
	p->spare[p->nspare++] = b;
	p->abort |= abort;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static int consume_item(struct pipe *p, const struct block *b, size_t i)
{
	const vls_event *ev = &b->ev[i];

	switch (b->kind[i]) {
	case ITEM_STACK:
		return __vls_attach_stack(&p->attach, ev->cpu, ev->tid, ev->stack,
					  ev->stack_depth);
	case ITEM_RECORD:
		return p->reader->ops->decode(p->reader, &b->rec[i], &p->attach,
					      &p->attach_stats);
	default:
		return __vls_attach_event(&p->attach, ev);
	}
}

static int consume(struct pipe *p)
{
	struct block *b;
	int err = 0;

	while ((b = next_full(p))) {
		p->block_stats = &b->stats;
		for (size_t i = 0; i < b->n && !err; i++)
			err = consume_item(p, b, i);
		give_back(p, b, err != 0);
		if (err)
			return err;
	}
	return __vls_attach_flush(&p->attach);
}

/* The attaching was done here: its counters go to the reader's. */
static void add_attach_stats(vls_reader *r, const vls_reader_stats *a)
{
	r->stats.events += a->events;
	r->stats.other_events += a->other_events;
	r->stats.stacks += a->stacks;
	r->stats.orphan_stacks += a->orphan_stacks;
	r->stats.dup_stacks += a->dup_stacks;
	r->stats.bad_records += a->bad_records;
}

static int alloc_blocks(struct pipe *p, vls_ctx *ctx)
{
	for (size_t i = 0; i < PIPE_BLOCKS; i++) {
		p->blocks[i] = __vls_malloc(ctx, sizeof(struct block));
		if (!p->blocks[i])
			return __vls_error(ctx, VLS_ENOMEM, "out of memory");
		p->spare[p->nspare++] = p->blocks[i];
	}
	return 0;
}

/* *started is false when no thread could be made: read on this one. */
static int run_threaded(struct pipe *p, vls_ctx *ctx, bool *started)
{
	char saved[VLS_ERRMSG_MAX];
	pthread_t tid;
	int err, ret = alloc_blocks(p, ctx);

	*started = false;
	if (!ret)
		ret = __vls_attach_init(&p->attach, ctx, &p->attach_stats, feed_cb, p);
	if (ret)
		return ret;
	if (pthread_create(&tid, NULL, reader_thread, p)) {
		__vls_attach_release(&p->attach);
		return 0;
	}
	*started = true;
	err = consume(p);
	/* the attach reports a stopped callback as VLS_ESTOPPED, or not at all
	 * when it was flushing: the feed's own error is the one to give */
	if (p->feed_err && (!err || err == VLS_ESTOPPED))
		err = p->feed_err;
	/* the reader may write ctx's message while stopping: keep ours */
	memcpy(saved, ctx->errmsg, sizeof(saved));
	pthread_join(tid, NULL);
	if (err)
		memcpy(ctx->errmsg, saved, sizeof(saved));
	else if (!p->read_ret)
		err = __vls_reader_attach_meta(p->reader, &p->attach);
	__vls_attach_release(&p->attach);
	add_attach_stats(p->reader, &p->attach_stats);
	return err ? err : p->read_ret;
}

int __vls_import_read(vls_import *imp, vls_reader *r, const vls_import_opts *opts)
{
	struct pipe p = { .imp = imp, .reader = r, .opts = opts };
	vls_ctx *ctx = imp->ctx;
	bool threads = ctx->alloc.malloc_fn == __vls_default_allocator.malloc_fn &&
		       sysconf(_SC_NPROCESSORS_ONLN) > 1;
	bool started = false;
	int ret;

	if (threads) {
		pthread_mutex_init(&p.lock, NULL);
		pthread_cond_init(&p.cond, NULL);
		ret = run_threaded(&p, ctx, &started);
		for (size_t i = 0; i < PIPE_BLOCKS; i++)
			__vls_free(ctx, p.blocks[i]);
		pthread_cond_destroy(&p.cond);
		pthread_mutex_destroy(&p.lock);
		if (started || ret)
			return ret == VLS_ESTOPPED && p.feed_err ? p.feed_err : ret;
	}
	ret = vls_reader_read(r, feed_cb, &p);
	return ret == VLS_ESTOPPED && p.feed_err ? p.feed_err : ret;
}
