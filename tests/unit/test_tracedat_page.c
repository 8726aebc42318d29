/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_tracedat_page.c - reader-tracedat-page.h against libtraceevent's
 * kbuffer, page by page: the same records (time, payload, size, missed
 * events) from pages made here in both byte orders, with 4- and 8-byte
 * commit words: data records short and long, paddings, time extends,
 * absolute time stamps (pages whose time has its top bits set too),
 * missed events counted, uncounted and none; and pages of random bytes,
 * where the page parser gives what kbuffer gives, or ends the page early
 * (a padding that sends kbuffer backwards).
 */
#include <stdlib.h>

#include <kbuffer.h>

#include "test.h"
#include "reader-tracedat-page.h"

#define PAGE 4096
#define PAGES 3000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : (uint32_t)rng;
}

struct writer {
	unsigned char *p;
	bool big;
};

static void put(const struct writer *w, size_t at, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		w->p[at + (size_t)i] = (unsigned char)(v >> (8 * (w->big ? n - 1 - i : i)));
}

/* A record header: type_len in the low 5 bits (little-endian files) or
 * the top 5 (big-endian), the time delta in the other 27. */
static uint32_t header(bool big, uint32_t type, uint32_t delta)
{
	return big ? type << 27 | (delta & VLS_RB_COMMIT_MASK) : delta << 5 | type;
}

/* A page as the kernel writes one; its data size. */
static unsigned int make_page(const struct writer *w, bool long8)
{
	unsigned int start = long8 ? 16 : 12, off = 0, room = PAGE - start - 8;
	uint64_t flags;

	/* sometimes the top bits of the page time set (absolute stamps
	 * keep them) */
	put(w, 0, rnd(8) ? rnd(0) : (uint64_t)rnd(0) << 32 | 0xf800000000000000ULL, 8);
	while (off + 64 < room && rnd(40)) {
		unsigned char *at = w->p + start + off;
		uint32_t kind = rnd(10), delta = rnd(1u << 27), n;

		switch (kind) {
		case 0:         /* time extend */
			put(w, start + off, header(w->big, VLS_RB_TIME_EXTEND, delta), 4);
			put(w, start + off + 4, rnd(1u << 20), 4);
			off += 8;
			break;
		case 1:         /* absolute time stamp */
			put(w, start + off, header(w->big, VLS_RB_TIME_STAMP, delta), 4);
			put(w, start + off + 4, rnd(0), 4);
			off += 8;
			break;
		case 2:         /* padding: its length word, what it covers */
			n = 4 * rnd(8);
			put(w, start + off, header(w->big, VLS_RB_PADDING, delta), 4);
			put(w, start + off + 4, n, 4);
			off += 8 + n;
			break;
		case 3:         /* long record: a length word (payload + 4) */
			n = 1 + rnd(48);
			put(w, start + off, header(w->big, 0, delta), 4);
			put(w, start + off + 4, n + 4, 4);
			for (uint32_t i = 0; i < n; i++)
				at[8 + i] = (unsigned char)rnd(256);
			off += 8 + ((n + 3) & ~3u);
			break;
		default:        /* short record: type_len words of payload */
			n = 1 + rnd(12);
			put(w, start + off, header(w->big, n, delta), 4);
			for (uint32_t i = 0; i < 4 * n; i++)
				at[4 + i] = (unsigned char)rnd(256);
			off += 4 + 4 * n;
			break;
		}
	}
	flags = off;
	switch (rnd(4)) {
	case 0:
		flags |= VLS_RB_MISSED_EVENTS;
		break;
	case 1:
		flags |= VLS_RB_MISSED_EVENTS | VLS_RB_MISSED_STORED;
		put(w, start + off, rnd(1000), long8 ? 8 : 4);
		break;
	}
	put(w, 8, flags, long8 ? 8 : 4);
	return off;
}

/* Random bytes with a data size that fits the page. */
static void random_page(const struct writer *w, bool long8)
{
	unsigned int start = long8 ? 16 : 12;

	for (size_t i = 0; i < PAGE; i++)
		w->p[i] = (unsigned char)rnd(256);
	put(w, 8, (rnd(0) & 0xc0000000u) | rnd(PAGE - start - 8), long8 ? 8 : 4);
}

/* The two readers over one page: records compared; false on a mismatch.
 * *records counts kbuffer's. */
static bool same_page(const unsigned char *page, bool big, bool long8, bool garbage,
		      size_t *records)
{
	struct kbuffer *kb = kbuffer_alloc(long8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
					   big ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
	struct vls_rbfmt f = { big, big != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__), long8 };
	struct vls_rbpage pg;
	bool ok = true;

	kbuffer_load_subbuffer(kb, (void *)page);
	__vls_rb_load(&f, &pg, page);
	if (kbuffer_subbuffer_size(kb) != (int)pg.size)
		ok = false;
	for (int n = 0; ok && n < PAGE; n++) {
		unsigned long long kts = 0, ts = 0;
		const unsigned char *d = NULL;
		int size = 0, missed = 0;
		void *kd = kbuffer_read_event(kb, &kts);
		int ksize = kd ? kbuffer_event_size(kb) : 0;
		int kmissed = kd ? kbuffer_missed_events(kb) : 0;
		bool got = __vls_rb_read(&f, &pg, &ts, &d, &size, &missed);

		if (!kd) {
			ok = !got;
			break;
		}
		(*records)++;
		/* on random bytes the page parser may end a page early (a
		 * padding sending kbuffer backwards), never differ before */
		if (!got) {
			ok = garbage;
			break;
		}
		kbuffer_next_event(kb, NULL);
		ok = kts == ts && kd == (const void *)d && ksize == size && kmissed == missed;
	}
	kbuffer_free(kb);
	return ok;
}

int main(void)
{
	unsigned char *buf = calloc(1, 2 * PAGE);
	size_t records = 0, bad = 0, garbage_bad = 0;

	if (!buf)
		return 1;
	for (int big = 0; big <= 1; big++)
		for (int long8 = 0; long8 <= 1; long8++)
			for (int i = 0; i < PAGES; i++) {
				struct writer w = { buf, big };

				memset(buf, 0, 2 * PAGE);
				make_page(&w, long8);
				bad += !same_page(buf, big, long8, false, &records);
				memset(buf, 0, 2 * PAGE);
				random_page(&w, long8);
				garbage_bad += !same_page(buf, big, long8, true, &records);
			}
	CHECK_INT(bad, 0);
	CHECK_INT(garbage_bad, 0);
	/* the pages hold records: about 9 a page, made or random */
	CHECK(records > 4 * PAGES * 2 * 5);
	printf("%zu records compared\n", records);
	free(buf);
	return TEST_DONE();
}
