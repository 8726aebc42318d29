/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat.h - shared between the trace.dat reader (reader-tracedat.c),
 * its file header / options parser (reader-tracedat-layout.c), the checks of
 * the texts it holds (reader-tracedat-text.c), the libtraceevent handle built
 * from them (reader-tracedat-tep.c), the records (reader-tracedat-data.c)
 * and the kernel symbols of stacks (reader-tracedat-syms.c).
 */
#ifndef VLS_READER_TRACEDAT_H
#define VLS_READER_TRACEDAT_H

#include "reader.h"
#include "util-arena.h"
#include "util-map.h"

/* Where one CPU's data of one buffer lies in the file. */
struct vls_tdcpu {
	uint32_t cpu;           /* the CPU its records carry (v6: its index) */
	uint64_t offset;        /* v7 compressed: the chunk count's offset */
	uint64_t size;
};

/* One buffer's CPU data, in the order libtracecmd keeps it. */
struct vls_tdbuf {
	bool compressed;        /* v7: zstd chunks, else ring-buffer pages */
	size_t ncpus;
	struct vls_tdcpu *cpus;
};

/* v7 metadata sections (options 16..21), by id - VLS_TDSECT_FIRST */
#define VLS_TDSECT_FIRST 16
#define VLS_TDSECTS 6

/* What the header and the options sections of a trace.dat say. */
struct vls_tdhead {
	int version;            /* 6 or 7 */
	int long_size;          /* the header's: 4 or 8 */
	char compression[32];   /* v7: "none", "zstd", "zlib", ...; v6: "none" */
	int header_cpus;        /* v6: CPUs count of the header, else -1 */
	int cpucount;           /* CPUCOUNT option, -1 if absent */
	/* every buffer's CPU data, uncompressed: the span libtracecmd's
	 * record offsets advance through (progress, not a limit) */
	uint64_t data_bytes;
	bool big_endian;
	uint32_t page_size;
	/*
	 * The CPU data of every buffer: [0] the top one (maybe with no CPU),
	 * then the instances in the order of their BUFFER options, which is
	 * the order libtracecmd iterates (and breaks timestamp ties) in.
	 */
	struct vls_tdbuf *bufs;
	size_t nbufs;
	/* Why reader-tracedat-data.c cannot read this file's data the way
	 * libtracecmd does (a static string), NULL if it can. */
	const char *own_data_no;
	/* Why reader-tracedat-tep.c cannot build the libtraceevent handle
	 * the way libtracecmd does (a static string), NULL if it can. */
	const char *own_head_no;
	/* Where the metadata texts are, for __vls_tdhead_texts(). v6: the
	 * offset of "header_page" (the formats, kallsyms, printk formats and
	 * saved cmdlines follow it). v7: each section's offset, by option id
	 * (the last option of an id wins, as in libtracecmd), and the ids in
	 * the order they first came. */
	uint64_t meta_off;
	uint64_t sect_off[VLS_TDSECTS];
	unsigned char sect_order[VLS_TDSECTS];
	size_t nsect;
	/* The kallsyms text the check read (NUL-terminated at ksyms_len),
	 * kept for __vls_tdhead_texts() when libtracecmd is not needed: a
	 * v7 section is not decompressed again for it. NULL once handed
	 * over, or when there is none. */
	char *ksyms;
	size_t ksyms_len;
	/* The check parsed it (__vls_tdsyms_parse(), names cut out in
	 * place): the table of the text at ksyms_tab_of, which
	 * __vls_tdtep_build() takes with that text (kallsyms are parsed
	 * once: 51 M instructions for a distribution kernel's). */
	struct vls_tdsym *ksyms_tab;
	size_t ksyms_ntab;
	const char *ksyms_tab_of;
};

/*
 * Read the fixed header of the file (magic, version, endianness, long and
 * page size, v7 compression header) and walk its options, filling r->meta:
 * kernel, arch, uname, trace_clock, tracedat.version,
 * tracedat.compression, tracedat.tracecmd_version, cpu<N>.lost and
 * lost_events (CPUSTAT). Also checks that every CPU's data lies inside the
 * file. VLS_EVERSION for a version other than 6 or 7, VLS_EPARSE for
 * anything else wrong (a truncated file included); the message names the
 * file.
 */
int __vls_tdhead_read(struct vls_tdhead *out, vls_reader *r);
/* The offset in buf (n bytes of ring-buffer pages, page_size apart, the
 * last one maybe cut) of the first page whose commit word's size does not
 * fit its page; SIZE_MAX when every one fits. long_size: of the word. */
size_t __vls_td_bad_page(const unsigned char *buf, size_t n, uint32_t page_size,
			 int long_size, bool big_endian);
/* Refuse uncompressed CPU data whose pages libtracecmd would crash on
 * (reader-tracedat-layout.c, check_pages()): before tracecmd_open(). */
int __vls_tdhead_check_pages(const struct vls_tdhead *h, vls_reader *r);

/* Free what __vls_tdhead_read() allocated in h (bufs, ksyms); h itself
 * stays. */
void __vls_tdhead_free(struct vls_tdhead *h, vls_ctx *ctx);

/* The metadata texts of a trace.dat, as libtracecmd hands them over. */
enum vls_tdtext {
	VLS_TDTEXT_HEADER_PAGE,
	VLS_TDTEXT_FORMAT,      /* system: "ftrace" or the event's system */
	VLS_TDTEXT_KALLSYMS,
	VLS_TDTEXT_PRINTK,
	VLS_TDTEXT_CMDLINES,
};

/* A text: NUL-terminated at len, allocated with the reader's ctx; the
 * callee owns it. 0 to go on, else a code (ctx message set). */
typedef int (*vls_tdtext_fn)(void *data, enum vls_tdtext kind, const char *system,
			     char *text, size_t len);

/*
 * Every metadata text of the file __vls_tdhead_read() read into h (which
 * checked them: h->own_head_no must be NULL), to fn, in the order
 * libtracecmd 3.1.6's tracecmd_read_headers() parses them: v6 in file
 * order; v7 section by section, the sections in the reverse order of
 * their options' first appearance (its list of sections is built by
 * prepending). The kallsyms text is h->ksyms, handed over (h->ksyms
 * becomes NULL). 0, or the first error (VLS_EPARSE, VLS_EIO, VLS_ENOMEM,
 * or fn's).
 */
int __vls_tdhead_texts(struct vls_tdhead *h, vls_reader *r, vls_tdtext_fn fn, void *data);

/* reader-tracedat-data.c: the records of every CPU of every buffer, read
 * from the file (v6 pages, v7 zstd chunks) with libtraceevent's kbuffer,
 * a few pages per CPU at a time, merged by timestamp as libtracecmd's
 * tracecmd_iterate_events_multi() does. */
struct vls_tddata;
struct tep_handle;
struct tep_record;
struct vls_tdsyms;

/*
 * 0 and *out ready; 1 (with a debug log saying why, *out NULL) when this
 * file needs libtracecmd's own reading (h->own_data_no, or a ring-buffer
 * header it does not support); a negative code on an error (ctx message).
 * batch_max: 0, or fewer uncompressed bytes a v7 stream decompresses at a
 * time than it would (tests: 1 decompresses chunk by chunk). Where r's
 * context may use threads, a worker thread decompresses ahead.
 */
int __vls_tddata_open(struct vls_tddata **out, vls_reader *r,
		      const struct vls_tdhead *h, struct tep_handle *tep,
		      size_t batch_max);

/*
 * The next record by timestamp into *rec (ts, cpu, size, data,
 * missed_events; data valid until the next call): 1, or 0 at the end, or
 * a negative code (VLS_EIO, VLS_ENOMEM) with the ctx message set.
 */
int __vls_tddata_next(struct vls_tddata *d, struct tep_record *rec);
/* Bytes of uncompressed CPU data read so far (of vls_tdhead.data_bytes). */
uint64_t __vls_tddata_done(const struct vls_tddata *d);
/* Whether a worker thread decompresses ahead (tests). */
bool __vls_tddata_threaded(const struct vls_tddata *d);

void __vls_tddata_close(struct vls_tddata *d);

/*
 * The text libtracecmd hands to libtraceevent, checked for the shape the
 * kernel writes (reader-tracedat-text.c): false, with why[] saying what is
 * wrong, for what libtraceevent or libtracecmd would crash on or read
 * past. The texts need not be NUL-terminated.
 *
 * header_page: "timestamp" (offset 0, size 8), "commit" (offset 8, size 4
 * or 8), an optional "overwrite", "data" right after commit and inside
 * the page; empty is fine (old kernels).
 * format: "name:", "ID:", "format:", field lines that parse, "print fmt:"
 * whose every REC->field is a field of the format (system names it).
 * kallsyms are checked as they are parsed, by __vls_tdsyms_parse():
 * "ADDR T name[\t[module]]" lines (__vls_td_kallsyms_line()).
 * printk: "0xADDR : \"fmt\"" lines, fmt at least 2 characters.
 */
bool __vls_td_check_header_page(const char *text, size_t len, uint64_t page_size,
				char *why, size_t why_size);
bool __vls_td_check_format(const char *text, size_t len, const char *system,
			   char *why, size_t why_size);
bool __vls_td_check_printk(const char *text, size_t len, char *why, size_t why_size);

/* One kallsyms line of that shape, its parts (name not NUL-terminated). */
struct vls_td_ksym {
	uint64_t addr;
	char type;
	const char *name;
	size_t name_len;
};

/* line (len bytes, no '\n'): true and *out if it is "ADDR T name" with
 * an optional "\t[module]". */
bool __vls_td_kallsyms_line(const char *line, size_t len, struct vls_td_ksym *out);

/*
 * reader-tracedat-tep.c: the libtraceevent handle of a file whose
 * metadata __vls_tdhead_read() checked (h->own_head_no NULL), built from
 * its texts as libtracecmd 3.1.6's tracecmd_open() builds it (byte order,
 * long size, CPU count, header_page, ftrace and event formats, printk
 * formats, saved cmdlines, its blktrace event), except kallsyms, which go
 * to syms (__vls_tdsyms_load()). 0 and *out (tep_free() it), or an error
 * code with the ctx message naming the file.
 */
int __vls_tdtep_build(struct tep_handle **out, struct vls_tdsyms *syms, vls_reader *r,
		      struct vls_tdhead *h);

/* One symbol of our own kallsyms table (reader-tracedat-syms.c). */
struct vls_tdsym {
	uint64_t addr;
	uint32_t name;          /* offset of its NUL-terminated name in text */
	uint32_t seq;           /* its line: ties sort latest first */
};

/*
 * The function names of kernel addresses, each distinct address looked up
 * once (reader-tracedat-syms.c): a record-style trace has a stack on every
 * read acquisition, about ten frames each, from a few thousand distinct
 * addresses. Looked up in our own table when __vls_tdsyms_load() filled it
 * (own), else in libtraceevent (tep_find_function(), a binary search over
 * all of kallsyms; its names are valid while its handle is).
 */
struct vls_tdsyms {
	struct vls_u64map map;  /* address -> index into names */
	const char **names;     /* NULL: kallsyms has no function there */
	size_t n, cap;
	bool own;               /* tab (maybe empty) answers, not the tep */
	char *text;             /* the kallsyms text, names cut out in place */
	struct vls_tdsym *tab;  /* sorted as libtraceevent sorts its own */
	size_t ntab;
};

/*
 * The kallsyms text (len bytes, NUL-terminated; s takes it, freeing it
 * on an error too) into s's own table, keeping what libtraceevent 1.7.1's
 * tep_parse_kallsyms() keeps. 0, or VLS_EPARSE for a line not of the
 * kernel's shape (message naming path and the line), or VLS_ENOMEM.
 */
int __vls_tdsyms_load(vls_ctx *ctx, struct vls_tdsyms *s, char *text, size_t len,
		      const char *path);
/* The part of that which reads text: *tab (free it with __vls_free),
 * sorted, names cut out of text in place. 0, VLS_EPARSE with the line
 * not of the kernel's shape in *bad_line (no message), VLS_ELIMIT for a
 * text of 4 GB or more, VLS_ENOMEM. */
int __vls_tdsyms_parse(vls_ctx *ctx, char *text, size_t len, struct vls_tdsym **tab,
		       size_t *ntab, size_t *bad_line);
/* s takes text and the table __vls_tdsyms_parse() made of it. */
void __vls_tdsyms_adopt(vls_ctx *ctx, struct vls_tdsyms *s, char *text,
			struct vls_tdsym *tab, size_t ntab);

/* *out: the function at addr, or NULL. 0, or VLS_ENOMEM (ctx message).
 * Past VLS_TDSYMS_MAX addresses the new ones are looked up every time. */
int __vls_tdsyms_find(const char **out, vls_ctx *ctx, struct vls_tdsyms *s,
		      struct tep_handle *tep, uint64_t addr);
/* *out: the frame name of addr, the function at it or else its address
 * written into hex ("0x..."; VLS_TDSYMS_HEX bytes). 0, or VLS_ENOMEM. */
#define VLS_TDSYMS_HEX 24
int __vls_tdsyms_frame(const char **out, char *hex, vls_ctx *ctx, struct vls_tdsyms *s,
		       struct tep_handle *tep, uint64_t addr);
void __vls_tdsyms_release(vls_ctx *ctx, struct vls_tdsyms *s);

/*
 * Stacks by their return addresses, each distinct one resolved once
 * (reader-tracedat-syms.c): the frames' names, in an array that stays
 * where it is, unchanged, until the table is released. The attach queue
 * and the import pipe keep that array instead of copying and hashing the
 * names of every stack (a record-style trace has one on every read
 * start_locking and a few hundred distinct ones).
 */
struct vls_tdstacks {
	struct vls_u64map map;  /* hash of the addresses -> index into st */
	struct vls_tdstack {
		const uint64_t *addr;
		const char **frames;
		uint32_t n;
	} *st;
	size_t n, cap;
	struct vls_arena arena; /* the addresses, frames and unknown names */
	size_t bytes;
	size_t max;             /* tests: stacks kept, 0 for the limit */
};

/* *out: the kept frames of the n (1..VLS_STACK_MAX) addresses, with
 * syms' names ("0x..." where it has none); NULL when the table is full
 * (the caller resolves them itself). 0, or VLS_ENOMEM (ctx message). */
int __vls_tdstacks_get(const char *const **out, vls_ctx *ctx, struct vls_tdstacks *t,
		       struct vls_tdsyms *syms, struct tep_handle *tep,
		       const uint64_t *addr, size_t n);
void __vls_tdstacks_release(vls_ctx *ctx, struct vls_tdstacks *t);

#endif
