/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import-pipe.c - read a file and feed its events to an import.
 *
 * Reading and analysis run on two threads on a machine with two or more
 * CPUs. The reader thread reads, decodes and attaches stacks to their
 * events (the reader's own vls_reader_read()), and fills blocks with the
 * events; the importing thread feeds them, in order, to the analyzers and
 * SQLite. The analyzers are the larger half (docs/benchmark.md), so
 * everything that is not theirs is on the reader's side. At most
 * PIPE_BLOCKS blocks exist, so memory stays bounded whatever the input's
 * size.
 *
 * Stacks are interned on the reader thread: an event's frames point into
 * the pipe's table of distinct stacks, which lives until the import ends,
 * and the event carries the stack's number to the analyzers
 * (vls_store_txn.stack_num), which then classify and intern each distinct
 * stack once rather than once per event. Past PIPE_STACKS_MAX distinct
 * stacks or PIPE_STACK_BYTES of them, stacks are copied into the block
 * as they come and carry no number.
 *
 * A handoff wakes the other thread only when it waits and, but for the
 * end or a thread about to wait itself, when half the blocks are ready
 * for it: a wakeup costs tens of microseconds in a VM, and one per block
 * was 4 % of an import.
 *
 * With the threads, a writer thread starts that steps the rows the
 * analyzers write, to the import's commit (store-writer.c).
 *
 * With a custom allocator (vls_ctx_set_allocator(), which need not be
 * thread-safe) or one CPU, everything stays on the calling thread.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "import.h"
#include "util-arena.h"
#include "util-map.h"

/*
 * An event into its block with non-temporal stores: the block's lines
 * were last read by the importing thread on the other CPU, and an
 * ordinary store first fetches each line back from there. Streamed, the
 * reader thread took 0.4 s less CPU on long.v7.dat (docs/benchmark.md,
 * fifteenth session). The fence before a block is handed over makes the
 * streamed stores visible first.
 */
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
/* The event's last two words are its stack: taken from the arguments. */
_Static_assert(offsetof(vls_event, stack_depth) == sizeof(vls_event) - 16 &&
	       offsetof(vls_event, stack) == sizeof(vls_event) - 8,
	       "vls_event ends with stack_depth, stack");

static inline void stream_event(vls_event *dst, const vls_event *src,
				uint32_t depth, const char *const *stack)
{
	typedef long long __attribute__((may_alias)) word;
	long long *d = (long long *)(void *)dst;
	const word *s = (const word *)(const void *)src;
	size_t n = sizeof(*dst) / 8 - 2;

	for (size_t i = 0; i < n; i++)
		_mm_stream_si64(d + i, s[i]);
	_mm_stream_si64(d + n, (long long)depth);
	_mm_stream_si64(d + n + 1, (long long)(uintptr_t)stack);
}
#define stream_fence() _mm_sfence()
#else
static inline void stream_event(vls_event *dst, const vls_event *src,
				uint32_t depth, const char *const *stack)
{
	*dst = *src;
	dst->stack_depth = depth;
	dst->stack = stack;
}
#define stream_fence() do { } while (0)
#endif

#define PIPE_EVENTS 4096          /* events per block: ~0.6 MB */
#define PIPE_ARENA (1024 * 1024)  /* stack bytes per block */
#define PIPE_BLOCKS 8
#define PIPE_HALF (PIPE_BLOCKS / 2)
#define FRAME_LEN_MAX 256         /* of a frame name; longer ones are cut */
/* the most one event's stack can take: pointers plus cut frame names */
#define STACK_BYTES_MAX (VLS_STACK_MAX * (sizeof(char *) + FRAME_LEN_MAX + 1))
/* distinct stacks kept: the 1.14 M stacks of a 17 M-event recording of a
 * kernel build were 159 distinct ones (301 names, 23 KB) */
#define PIPE_STACKS_MAX (1u << 20)
#define PIPE_STACK_BYTES (64u << 20)

/* The distinct stacks and frame names, the reader thread's. */
struct stack_tab {
	struct vls_u64map map;    /* hash of the frames -> index in st */
	struct vls_u64map kept;   /* a reader's kept frames -> index in st */
	struct tab_stack {
		const char **frames;  /* interned names, in the arena */
		uint32_t n;
	} *st;
	size_t nst, capst;
	struct vls_u64map names;  /* hash of a name -> index in name */
	const char **name;
	size_t nname, capname;
	struct vls_arena arena;
	size_t bytes;
	bool full;                /* a limit was reached: copy from now on */
};

struct block {
	size_t n, used;
	vls_reader_stats stats;   /* reader counters when the block was full */
	vls_event ev[PIPE_EVENTS];
	uint32_t stack_num[PIPE_EVENTS]; /* 1.. interned, 0: none or copied */
	alignas(sizeof(char *)) char arena[PIPE_ARENA];
};

struct pipe {
	vls_import *imp;
	vls_reader *reader;
	const vls_import_opts *opts;
	uint64_t events;
	int feed_err;             /* consumer's error, stops the reader */
	const vls_reader_stats *block_stats; /* threaded: of the block fed */
	/* threaded only */
	pthread_mutex_t lock;
	pthread_cond_t full_cond, spare_cond;
	bool reader_waits, consumer_waits;
	struct block *blocks[PIPE_BLOCKS];
	struct block *full[PIPE_BLOCKS];  /* FIFO of filled blocks */
	struct block *spare[PIPE_BLOCKS]; /* stack of empty blocks */
	size_t nfull, headfull, nspare;
	struct block *cur;        /* being filled by the reader */
	bool done, abort;
	int read_ret;
	struct stack_tab stacks;  /* the reader thread's until the end */
	int intern_err;           /* what stopped the reader in pipe_event() */
};

/* ---- the consumer side: one event into the import ---- */

static int feed_one(struct pipe *p, const vls_event *ev)
{
	vls_reader_stats s;

	p->feed_err = vls_import_feed(p->imp, ev);
	if (p->feed_err)
		return p->feed_err;
	if (++p->events % VLS_IMPORT_PROGRESS_EVERY || !p->opts || !p->opts->progress)
		return 0;
	/* threaded: the counters shipped with the block being fed */
	if (p->block_stats)
		s = *p->block_stats;
	else
		vls_reader_get_stats(p->reader, &s);
	if (p->opts->progress(&s, p->events, p->opts->progress_data))
		p->feed_err = __vls_error(p->imp->ctx, VLS_ESTOPPED, "import stopped");
	return p->feed_err;
}

/* The reader's callback on one thread: one event into the import. */
static int feed_cb(const vls_event *ev, void *data)
{
	return feed_one(data, ev) ? 1 : 0;
}

/* ---- the reader thread ---- */

/* Hand the current block over (if any) and take an empty one; false on
 * abort. Called with p->lock held. */
static bool ship_locked(struct pipe *p)
{
	if (p->cur) {
		vls_reader_get_stats(p->reader, &p->cur->stats);
		p->full[(p->headfull + p->nfull++) % PIPE_BLOCKS] = p->cur;
		p->cur = NULL;
		if (p->consumer_waits && (p->nfull >= PIPE_HALF || !p->nspare))
			pthread_cond_signal(&p->full_cond);
	}
	while (!p->nspare && !p->abort) {
		p->reader_waits = true;
		pthread_cond_wait(&p->spare_cond, &p->lock);
		p->reader_waits = false;
	}
	if (p->abort)
		return false;
	p->cur = p->spare[--p->nspare];
	p->cur->n = p->cur->used = 0;
	return true;
}

static bool ship(struct pipe *p)
{
	bool ok;

	stream_fence();
	pthread_mutex_lock(&p->lock);
	ok = ship_locked(p);
	pthread_mutex_unlock(&p->lock);
	return ok;
}

/* A copy of the n frames of src in the block: its frame array. */
static const char *const *copy_stack(struct block *b, const char *const *src,
				     size_t n)
{
	const char **frames = (const char **)(void *)(b->arena + b->used);
	char *text = b->arena + b->used + n * sizeof(char *);
	size_t len;

	for (size_t i = 0; i < n; i++) {
		len = strnlen(src[i], FRAME_LEN_MAX);
		memcpy(text, src[i], len);
		text[len] = '\0';
		frames[i] = text;
		text += len + 1;
	}
	/* keep the next stack's pointer array aligned */
	len = (size_t)(text - (b->arena + b->used));
	b->used += (len + sizeof(char *) - 1) & ~(sizeof(char *) - 1);
	return frames;
}

static uint64_t hash_name(const char *s, size_t *len)
{
	*len = strnlen(s, FRAME_LEN_MAX);
	return __vls_hash_words(VLS_HASH_INIT, s, *len);
}

struct name_key {
	const char *s;
	size_t len;
};

static bool name_eq(uint32_t idx, const void *key, const void *data)
{
	const struct stack_tab *t = data;
	const struct name_key *k = key;

	return !strncmp(t->name[idx], k->s, k->len) && t->name[idx][k->len] == '\0';
}

/* The table's copy of a frame name (cut at FRAME_LEN_MAX). */
static int intern_name(vls_ctx *ctx, struct stack_tab *t, const char *s,
		       const char **out)
{
	size_t len;
	uint64_t h = hash_name(s, &len);
	struct name_key key = { s, len };
	uint32_t idx;
	char *copy;
	int ret;

	if (!__vls_u64map_find(&t->names, &h, name_eq, &key, t, &idx)) {
		*out = t->name[idx];
		return 0;
	}
	if ((ret = __vls_grow(ctx, (void **)&t->name, &t->capname, t->nname + 1,
			      sizeof(*t->name), PIPE_STACKS_MAX * (size_t)VLS_STACK_MAX)))
		return ret;
	if (!(copy = __vls_arena_alloc(ctx, &t->arena, len + 1)))
		return VLS_ENOMEM;
	memcpy(copy, s, len);
	t->bytes += len + 1;
	if ((ret = __vls_u64map_put(ctx, &t->names, h, (uint32_t)t->nname)))
		return ret;
	t->name[t->nname++] = copy;
	*out = copy;
	return 0;
}

struct stack_key {
	const char *const *frames;
	uint32_t n;
};

static bool stack_eq(uint32_t idx, const void *key, const void *data)
{
	const struct tab_stack *st = &((const struct stack_tab *)data)->st[idx];
	const struct stack_key *k = key;

	if (st->n != k->n)
		return false;
	for (uint32_t i = 0; i < k->n; i++)
		if (strncmp(st->frames[i], k->frames[i], FRAME_LEN_MAX))
			return false;
	return true;
}

/*
 * The interned copy of a stack: *id its number (1..) and *frames its
 * names; *id 0 when the table is full (the stack is then to be copied).
 */
static int intern_stack(vls_ctx *ctx, struct stack_tab *t, const char *const *frames,
			uint32_t n, uint32_t *id, const char *const **out)
{
	struct stack_key key = { frames, n };
	uint64_t h = VLS_HASH_INIT;
	struct tab_stack *st;
	const char **copy;
	uint32_t idx;
	size_t len;
	int ret;

	*id = 0;
	for (uint32_t i = 0; i < n; i++) {
		len = strnlen(frames[i], FRAME_LEN_MAX);
		h = __vls_hash_words(h, frames[i], len);
	}
	if (!__vls_u64map_find(&t->map, &h, stack_eq, &key, t, &idx)) {
		*id = idx + 1;
		*out = t->st[idx].frames;
		return 0;
	}
	if (t->full || t->nst >= (ctx->pipe_stacks_max ? ctx->pipe_stacks_max
						       : PIPE_STACKS_MAX) ||
	    t->bytes >= PIPE_STACK_BYTES) {
		t->full = true;
		return 0;
	}
	if ((ret = __vls_grow(ctx, (void **)&t->st, &t->capst, t->nst + 1,
			      sizeof(*t->st), PIPE_STACKS_MAX)))
		return ret;
	if (!(copy = __vls_arena_alloc(ctx, &t->arena, n * sizeof(*copy))))
		return VLS_ENOMEM;
	t->bytes += n * sizeof(*copy);
	for (uint32_t i = 0; i < n; i++)
		if ((ret = intern_name(ctx, t, frames[i], &copy[i])))
			return ret;
	if ((ret = __vls_u64map_put(ctx, &t->map, h, (uint32_t)t->nst)))
		return ret;
	st = &t->st[t->nst++];
	st->frames = copy;
	st->n = n;
	*id = (uint32_t)t->nst;
	*out = copy;
	return 0;
}

/* intern_stack() of ev's stack, first by its pointer when the reader
 * keeps it: the names are hashed and compared once per distinct stack. */
static int pipe_stack(struct pipe *p, const vls_event *ev, uint32_t depth,
		      uint32_t *id, const char *const **frames)
{
	struct stack_tab *t = &p->stacks;
	vls_ctx *ctx = p->imp->ctx;
	bool kept = __vls_reader_stack_kept(p->reader);
	uint32_t idx;
	int ret;

	if (kept && !__vls_u64map_get(&t->kept, (uintptr_t)ev->stack, &idx)) {
		*id = idx + 1;
		*frames = t->st[idx].frames;
		return 0;
	}
	ret = intern_stack(ctx, t, ev->stack, depth, id, frames);
	if (!ret && kept && *id)
		ret = __vls_u64map_put(ctx, &t->kept, (uintptr_t)ev->stack, *id - 1);
	return ret;
}

static void stack_tab_release(vls_ctx *ctx, struct stack_tab *t)
{
	__vls_u64map_release(ctx, &t->map);
	__vls_u64map_release(ctx, &t->kept);
	__vls_u64map_release(ctx, &t->names);
	__vls_free(ctx, t->st);
	__vls_free(ctx, t->name);
	__vls_arena_release(ctx, &t->arena);
}

/* An event, its stack attached: into the current block, shipping a full
 * block first. The reader reuses what the event points to after this call:
 * its frames become the interned stack's, or a copy in the block when the
 * stack table is full. */
static int pipe_event(const vls_event *ev, void *data)
{
	struct pipe *p = data;
	uint32_t depth = ev->stack_depth < VLS_STACK_MAX ? ev->stack_depth : VLS_STACK_MAX;
	const char *const *frames = NULL;
	struct block *b = p->cur;
	uint32_t id = 0;

	if (!b)                   /* an earlier ship() saw the abort */
		return 1;
	if (depth && (p->intern_err = pipe_stack(p, ev, depth, &id, &frames)))
		return 1;
	if (b->n == PIPE_EVENTS ||
	    (depth && !id && PIPE_ARENA - b->used < STACK_BYTES_MAX)) {
		if (!ship(p))
			return 1;
		b = p->cur;
	}
	if (!id && depth)
		frames = copy_stack(b, ev->stack, depth);
	b->stack_num[b->n] = id;
	stream_event(&b->ev[b->n++], ev, depth, frames);
	return 0;
}

static void *reader_thread(void *arg)
{
	struct pipe *p = arg;
	int ret = ship(p) ? vls_reader_read(p->reader, pipe_event, p) : VLS_ESTOPPED;

	stream_fence();
	if (p->intern_err)
		ret = p->intern_err;
	pthread_mutex_lock(&p->lock);
	if (p->cur && p->cur->n)
		p->full[(p->headfull + p->nfull++) % PIPE_BLOCKS] = p->cur;
	else if (p->cur)
		p->spare[p->nspare++] = p->cur;
	p->cur = NULL;
	p->read_ret = ret;
	p->done = true;
	pthread_cond_signal(&p->full_cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ---- the importing thread ---- */

/* Give back the block fed (if any) and take the next full one: NULL at
 * the end of the input. */
static struct block *next_full(struct pipe *p, struct block *fed, bool abort)
{
	struct block *b = NULL;

	pthread_mutex_lock(&p->lock);
	if (fed) {
		p->spare[p->nspare++] = fed;
		p->abort |= abort;
		if (p->reader_waits && (p->nspare >= PIPE_HALF || !p->nfull || abort))
			pthread_cond_signal(&p->spare_cond);
	}
	while (!abort && !p->nfull && !p->done) {
		p->consumer_waits = true;
		pthread_cond_wait(&p->full_cond, &p->lock);
		p->consumer_waits = false;
	}
	if (!abort && p->nfull) {
		b = p->full[p->headfull];
		p->headfull = (p->headfull + 1) % PIPE_BLOCKS;
		p->nfull--;
	}
	pthread_mutex_unlock(&p->lock);
	return b;
}

static int consume(struct pipe *p)
{
	struct block *b = NULL;
	int err = 0;

	while ((b = next_full(p, b, false))) {
		p->block_stats = &b->stats;
		for (size_t i = 0; i < b->n && !err; i++) {
			p->imp->txn.stack_num = b->stack_num[i];
			err = feed_one(p, &b->ev[i]);
		}
		p->imp->txn.stack_num = 0;
		if (err) {
			next_full(p, b, true);
			return err;
		}
	}
	return 0;
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
		ret = __vls_store_writer_start(&p->imp->txn);
	if (ret)
		return ret;
	if (pthread_create(&tid, NULL, reader_thread, p))
		return 0;
	*started = true;
	err = consume(p);
	/* the consumer's own error, not the reader's VLS_ESTOPPED for it */
	if (p->feed_err && (!err || err == VLS_ESTOPPED))
		err = p->feed_err;
	/* the reader may write ctx's message while stopping: keep ours */
	memcpy(saved, ctx->errmsg, sizeof(saved));
	pthread_join(tid, NULL);
	if (err)
		memcpy(ctx->errmsg, saved, sizeof(saved));
	return err ? err : p->read_ret;
}

int __vls_import_read(vls_import *imp, vls_reader *r, const vls_import_opts *opts)
{
	struct pipe p = { .imp = imp, .reader = r, .opts = opts };
	vls_ctx *ctx = imp->ctx;
	bool threads = __vls_ctx_may_thread(ctx);
	bool started = false;
	int ret;

	if (threads) {
		pthread_mutex_init(&p.lock, NULL);
		pthread_cond_init(&p.full_cond, NULL);
		pthread_cond_init(&p.spare_cond, NULL);
		ret = run_threaded(&p, ctx, &started);
		for (size_t i = 0; i < PIPE_BLOCKS; i++)
			__vls_free(ctx, p.blocks[i]);
		stack_tab_release(ctx, &p.stacks);
		pthread_cond_destroy(&p.full_cond);
		pthread_cond_destroy(&p.spare_cond);
		pthread_mutex_destroy(&p.lock);
		if (started || ret)
			return ret == VLS_ESTOPPED && p.feed_err ? p.feed_err : ret;
	}
	ret = vls_reader_read(r, feed_cb, &p);
	return ret == VLS_ESTOPPED && p.feed_err ? p.feed_err : ret;
}
