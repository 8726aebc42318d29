/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat-page.h - a ring-buffer page's records, read as
 * libtraceevent's kbuffer reads them (kbuffer-parse.c, the format of Linux
 * 2.6.31 and later), inline and without its calls through function
 * pointers for every word: those were a quarter of the reading thread's
 * instructions in a v7 import (docs/benchmark.md, tenth session).
 *
 * struct vls_rbpage keeps kbuffer's fields and computes them as it does:
 * the event header, padding, time extends, absolute time stamps (their top
 * bits taken from the page's time), a length word for long records, missed
 * events (counted only on a page's first record), either byte order, a 4-
 * or 8-byte commit word; a corrupt padding cannot take it backwards
 * (__vls_rb_next()). test_tracedat_page.c checks it against kbuffer page
 * by page.
 *
 * Reads stay within page + 12 or 16 + size + 8 bytes, size at most the
 * commit mask: the caller refuses a page whose size exceeds its page size
 * and keeps a page of zeros after its last page (reader-tracedat-data.c).
 */
#ifndef VLS_READER_TRACEDAT_PAGE_H
#define VLS_READER_TRACEDAT_PAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* How the file writes its pages. */
struct vls_rbfmt {
	bool big_endian;         /* the file's byte order (the header's bits) */
	bool swap;               /* ... is not this machine's */
	bool long8;              /* 8-byte commit word (header_page) */
};

/*
 * A page being read, as kbuffer holds it: data the records (past the
 * page's time stamp and commit word), size the commit's bytes of them;
 * curr the record at hand (its header), index its payload, next the
 * record after; ts its time; lost the page's missed events (-1: some, not
 * counted).
 */
struct vls_rbpage {
	const unsigned char *data;
	unsigned long long ts;
	long long lost;
	unsigned int size, curr, index, next;
};

/* kbuffer's record types (type_len) beyond data lengths */
#define VLS_RB_PADDING 29
#define VLS_RB_TIME_EXTEND 30
#define VLS_RB_TIME_STAMP 31
#define VLS_RB_TS_SHIFT 27
#define VLS_RB_TS_MSB (0xf8ULL << 56)     /* an absolute time's top bits */
#define VLS_RB_COMMIT_MASK ((1u << 27) - 1)
#define VLS_RB_MISSED_EVENTS (1ULL << 31)
#define VLS_RB_MISSED_STORED (1ULL << 30)

static inline uint32_t __vls_rb_u32(const struct vls_rbfmt *f, const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return f->swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t __vls_rb_u64(const struct vls_rbfmt *f, const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return f->swap ? __builtin_bswap64(v) : v;
}

/* The record at pg->curr: its type; pg->ts moved on, index and next set
 * (kbuffer's translate_data() and update_pointers()). */
static inline unsigned int __vls_rb_update(const struct vls_rbfmt *f, struct vls_rbpage *pg)
{
	const unsigned char *p = pg->data + pg->curr;
	uint32_t head = __vls_rb_u32(f, p);
	unsigned int type = f->big_endian ? head >> 27 : head & 31;
	unsigned long long delta = f->big_endian ? head & VLS_RB_COMMIT_MASK : head >> 5;
	unsigned long long msb = 0;
	int length;

	p += 4;
	switch (type) {
	case VLS_RB_PADDING:
		length = (int)__vls_rb_u32(f, p);
		break;
	case VLS_RB_TIME_STAMP:
		msb = pg->ts & VLS_RB_TS_MSB;
		/* fall through */
	case VLS_RB_TIME_EXTEND:
		delta += (unsigned long long)__vls_rb_u32(f, p) << VLS_RB_TS_SHIFT;
		delta |= msb;
		p += 4;
		length = 0;
		break;
	case 0:
		length = (int)(__vls_rb_u32(f, p) - 4);
		length = (length + 3) & ~3;
		p += 4;
		break;
	default:
		length = (int)type * 4;
		break;
	}
	if (type == VLS_RB_TIME_STAMP)
		pg->ts = delta;
	else
		pg->ts += delta;
	pg->index = (unsigned int)(p - pg->data);
	pg->next = pg->index + (unsigned int)length;
	return type;
}

/*
 * On to the next data record (kbuffer's __next_event()): false at the
 * page's end. One thing differs: a padding whose length word takes the
 * next record back to or before itself ends the page, where kbuffer reads
 * on from there (and can go round for ever on a corrupt page).
 */
static inline bool __vls_rb_next(const struct vls_rbfmt *f, struct vls_rbpage *pg)
{
	unsigned int type;

	do {
		pg->curr = pg->next;
		if (pg->next >= pg->size)
			return false;
		type = __vls_rb_update(f, pg);
		if (pg->next <= pg->curr) {
			pg->curr = pg->next = pg->size;
			return false;
		}
	} while (type == VLS_RB_TIME_EXTEND || type == VLS_RB_TIME_STAMP ||
		 type == VLS_RB_PADDING);
	return true;
}

/* A page into pg, at its first record (kbuffer_load_subbuffer()). */
static inline void __vls_rb_load(const struct vls_rbfmt *f, struct vls_rbpage *pg,
				 const unsigned char *page)
{
	uint64_t flags = f->long8 ? __vls_rb_u64(f, page + 8) : __vls_rb_u32(f, page + 8);

	pg->ts = __vls_rb_u64(f, page);
	pg->data = page + (f->long8 ? 16 : 12);
	pg->size = (unsigned int)flags & VLS_RB_COMMIT_MASK;
	pg->lost = 0;
	if (flags & VLS_RB_MISSED_EVENTS) {
		const unsigned char *at = pg->data + pg->size;

		pg->lost = !(flags & VLS_RB_MISSED_STORED) ? -1
			   : (long long)(f->long8 ? __vls_rb_u64(f, at) : __vls_rb_u32(f, at));
	}
	pg->curr = pg->index = pg->next = 0;
	__vls_rb_next(f, pg);
}

/*
 * The record at hand, and on to the next (kbuffer_read_event(),
 * _event_size(), _missed_events(), _next_event()): false past the page's
 * last. *size is kbuffer's, unchecked.
 */
static inline bool __vls_rb_read(const struct vls_rbfmt *f, struct vls_rbpage *pg,
				 unsigned long long *ts, const unsigned char **data,
				 int *size, int *missed)
{
	if (pg->curr >= pg->size)
		return false;
	*ts = pg->ts;
	*data = pg->data + pg->index;
	*size = (int)(pg->next - pg->index);
	*missed = pg->curr ? 0 : (int)pg->lost;
	__vls_rb_next(f, pg);
	return true;
}

#endif
