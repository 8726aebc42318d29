/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_tracedat_data.c - reader-tracedat-data.c against libtracecmd's own
 * iteration (tracecmd_iterate_events_multi()) on the fixtures: the same
 * records (timestamp, CPU, size, missed events, bytes) in the same order,
 * for the v7/zstd file and its v6 twin, read with a worker thread that
 * decompresses ahead and without one (a custom allocator keeps a context
 * on its thread), in batches of a megabyte and chunk by chunk; and a file
 * with what libtracecmd adds to timestamps (an OFFSET option) left to
 * libtracecmd.
 */
#include <stdlib.h>
#include <unistd.h>

#include <event-parse.h>
#include <trace-cmd.h>

#include "test.h"
#include "reader-tracedat.h"

#define V7 TEST_DATA("mprotect-fault-6.18-x86_64.dat")
#define V6XZ TEST_DATA("mprotect-fault-6.18-x86_64.v6.dat.xz")
/* events and kernel_stack records (tests/data/README.md: 1777 + 79) */
#define EXPECTED_RECORDS 1856

struct rec {
	unsigned long long ts;
	int cpu, size, missed;
	uint64_t hash;          /* FNV-1a of the record's bytes */
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static void add(struct recs *rs, const struct tep_record *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 4096;
		rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
		if (!rs->v)
			abort();
	}
	rs->v[rs->n++] = (struct rec){ r->ts, r->cpu, r->size, r->missed_events,
				       fnv(r->data, (size_t)r->size) };
}

static int on_rec(struct tracecmd_input *h, struct tep_record *r, int cpu, void *data)
{
	(void)h;
	(void)cpu;
	add(data, r);
	return 0;
}

/* Every record as libtracecmd iterates them (as reader-tracedat.c did). */
static int by_libtracecmd(const char *path, struct recs *out)
{
	struct tracecmd_input *h[257];
	int n = 1, nb;

	tracecmd_set_loglevel(TEP_LOG_NONE);
	h[0] = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h[0])
		return -1;
	nb = tracecmd_buffer_instances(h[0]);
	for (int i = 0; i < nb && n < 257; i++)
		if ((h[n] = tracecmd_buffer_instance_handle(h[0], i)))
			n++;
	tracecmd_iterate_events_multi(h, n, on_rec, out);
	while (n-- > 0)
		tracecmd_close(h[n]);
	return 0;
}

/* A reader with just what the layout and data readers use. */
static void fake_reader(vls_reader *r, vls_ctx *ctx, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->path = (char *)path;
}

/* An allocator that is not the default one: no threads. */
static void *my_malloc(size_t n, void *data)
{
	(void)data;
	return malloc(n);
}

static void *my_realloc(void *p, size_t n, void *data)
{
	(void)data;
	return realloc(p, n);
}

static void my_free(void *p, void *data)
{
	(void)data;
	free(p);
}

enum how { THREADED, ONE_THREAD };

/*
 * Every record through reader-tracedat-data.c (batch_max as
 * __vls_tddata_open() takes it): 0, or 1 if it leaves the file to
 * libtracecmd, or an error.
 */
static int by_own_reader(const char *path, struct recs *out, enum how how,
			 size_t batch_max)
{
	const vls_allocator mine = { VLS_ALLOCATOR_VERSION, my_malloc, my_realloc,
				     my_free, NULL };
	struct tracecmd_input *h;
	struct vls_tddata *d = NULL;
	struct vls_tdhead head;
	struct tep_record rec;
	vls_ctx *ctx = NULL;
	vls_reader r;
	int ret;

	vls_ctx_new(&ctx);
	if (how == ONE_THREAD)
		CHECK_INT(vls_ctx_set_allocator(ctx, &mine), 0);
	fake_reader(&r, ctx, path);
	tracecmd_set_loglevel(TEP_LOG_NONE);
	h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	ret = h ? __vls_tdhead_read(&head, &r) : -1;
	if (!ret)
		ret = __vls_tddata_open(&d, &r, &head, tracecmd_get_tep(h), batch_max);
	/* chunk by chunk, the first batches leave chunks to the worker */
	if (!ret && batch_max == 1)
		CHECK_INT(__vls_tddata_threaded(d),
			  how == THREADED && sysconf(_SC_NPROCESSORS_ONLN) > 1);
	while (!ret && (ret = __vls_tddata_next(d, &rec)) > 0) {
		add(out, &rec);
		ret = 0;
	}
	__vls_tddata_close(d);
	if (h)
		__vls_tdhead_free(&head, ctx);
	tracecmd_close(h);
	__vls_meta_clear(ctx, &r.meta);
	vls_ctx_free(ctx);
	return ret;
}

static bool same(const struct rec *a, const struct rec *b)
{
	return a->ts == b->ts && a->cpu == b->cpu && a->size == b->size &&
	       a->missed == b->missed && a->hash == b->hash;
}

static void check_same(const char *path, enum how how, size_t batch_max)
{
	struct recs a = { 0 }, b = { 0 };
	size_t first_diff = 0;

	CHECK_INT(by_libtracecmd(path, &a), 0);
	CHECK_INT(by_own_reader(path, &b, how, batch_max), 0);
	CHECK_INT(a.n, EXPECTED_RECORDS);
	CHECK_INT(b.n, a.n);
	while (first_diff < a.n && first_diff < b.n &&
	       same(&a.v[first_diff], &b.v[first_diff]))
		first_diff++;
	CHECK_INT(first_diff, a.n);
	if (first_diff < a.n && first_diff < b.n)
		fprintf(stderr, "  %s (%s, batch %zu): record %zu: ts %llu cpu %d / "
			"ts %llu cpu %d\n", path, how == THREADED ? "threaded" : "one thread",
			batch_max, first_diff, a.v[first_diff].ts, a.v[first_diff].cpu,
			b.v[first_diff].ts, b.v[first_diff].cpu);
	free(a.v);
	free(b.v);
}

/* ------------------------------------------------------------------ */
/* A v7 file with an OFFSET option                                     */
/* ------------------------------------------------------------------ */

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 64);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/*
 * The fixture with one more options section, chained from the last one:
 * OFFSET "1000000" (trace-cmd.dat.v7(5): added to every timestamp).
 * Returns the new length (buf has room for it), 0 if the walk fails.
 */
static size_t add_offset_option(unsigned char *buf, size_t len)
{
	/* magic, "7\0", endianness, long size, page size, "zstd\0", version */
	size_t off = 10 + 2 + 1 + 1 + 4, at;
	const char val[] = "1000000";
	uint64_t next;

	off += strlen((char *)buf + off) + 1;
	off += strlen((char *)buf + off) + 1;
	next = le(buf + off, 8);
	for (int sections = 0; next && next + 16 <= len && sections < 16; sections++) {
		at = (size_t)next + 16;         /* past the section header */
		while (at + 6 <= len && le(buf + at, 2) != 0)
			at += 6 + le(buf + at + 2, 4);
		if (at + 14 > len)
			return 0;
		next = le(buf + at + 6, 8);
		if (!next) {
			put_le(buf + at + 6, len, 8);
			break;
		}
	}
	at = len;
	put_le(buf + at, 0, 2);                         /* section: options */
	put_le(buf + at + 2, 0, 2);
	put_le(buf + at + 4, 0, 4);
	put_le(buf + at + 8, 6 + sizeof(val) + 14, 8);
	at += 16;
	put_le(buf + at, 7, 2);                         /* OFFSET */
	put_le(buf + at + 2, sizeof(val), 4);
	memcpy(buf + at + 6, val, sizeof(val));
	at += 6 + sizeof(val);
	put_le(buf + at, 0, 2);                         /* DONE, no next */
	put_le(buf + at + 2, 8, 4);
	put_le(buf + at + 6, 0, 8);
	return at + 14;
}

static void test_offset_option(const char *dir)
{
	struct recs plain = { 0 }, shifted = { 0 }, own = { 0 };
	char path[256];
	unsigned char *buf;
	size_t len = 0, n;
	FILE *f;

	buf = slurp(V7, &len);
	CHECK(buf != NULL);
	if (!buf)
		return;
	n = add_offset_option(buf, len);
	CHECK(n > len);
	snprintf(path, sizeof(path), "%s/offset.dat", dir);
	f = fopen(path, "wb");
	if (f) {
		CHECK_INT(fwrite(buf, 1, n, f), n);
		fclose(f);
	}
	free(buf);
	/* libtracecmd adds the offset; the own reader must not read it */
	CHECK_INT(by_libtracecmd(V7, &plain), 0);
	CHECK_INT(by_libtracecmd(path, &shifted), 0);
	CHECK_INT(shifted.n, plain.n);
	if (shifted.n && plain.n)
		CHECK_INT(shifted.v[0].ts - plain.v[0].ts, 1000000);
	CHECK_INT(by_own_reader(path, &own, THREADED, 0), 1);
	CHECK_INT(own.n, 0);
	free(plain.v);
	free(shifted.v);
	free(own.v);
}

int main(void)
{
	char dir[] = "/tmp/vls-test-tddata-XXXXXX", v6[128], cmd[512];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (int how = THREADED; how <= ONE_THREAD; how++) {
		check_same(V7, how, 0);
		check_same(V7, how, 1);
	}
	snprintf(v6, sizeof(v6), "%s/v6.dat", dir);
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", V6XZ, v6);
	CHECK_INT(system(cmd), 0);
	check_same(v6, THREADED, 0);
	test_offset_option(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_DONE();
}
