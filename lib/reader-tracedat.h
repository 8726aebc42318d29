/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat.h - shared between the trace.dat reader (reader-tracedat.c)
 * and its file header / options parser (reader-tracedat-layout.c).
 */
#ifndef VLS_READER_TRACEDAT_H
#define VLS_READER_TRACEDAT_H

#include "reader.h"
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

/* What the header and the options sections of a trace.dat say. */
struct vls_tdhead {
	int version;            /* 6 or 7 */
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

/* Free what __vls_tdhead_read() allocated in h (bufs); h itself stays. */
void __vls_tdhead_free(struct vls_tdhead *h, vls_ctx *ctx);

/* reader-tracedat-data.c: the records of every CPU of every buffer, read
 * from the file (v6 pages, v7 zstd chunks) with libtraceevent's kbuffer,
 * a few pages per CPU at a time, merged by timestamp as libtracecmd's
 * tracecmd_iterate_events_multi() does. */
struct vls_tddata;
struct tep_handle;
struct tep_record;

/*
 * 0 and *out ready; 1 (with a debug log saying why, *out NULL) when this
 * file needs libtracecmd's own reading (h->own_data_no, or a ring-buffer
 * header it does not support); a negative code on an error (ctx message).
 */
int __vls_tddata_open(struct vls_tddata **out, vls_reader *r,
		      const struct vls_tdhead *h, struct tep_handle *tep);

/*
 * The next record by timestamp into *rec (ts, cpu, size, data,
 * missed_events; data valid until the next call): 1, or 0 at the end, or
 * a negative code (VLS_EIO, VLS_ENOMEM) with the ctx message set.
 */
int __vls_tddata_next(struct vls_tddata *d, struct tep_record *rec);
/* Bytes of uncompressed CPU data read so far (of vls_tdhead.data_bytes). */
uint64_t __vls_tddata_done(const struct vls_tddata *d);

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
 * kallsyms: "ADDR T name[\t[module]]" lines.
 * printk: "0xADDR : \"fmt\"" lines, fmt at least 2 characters.
 */
bool __vls_td_check_header_page(const char *text, size_t len, uint64_t page_size,
				char *why, size_t why_size);
bool __vls_td_check_format(const char *text, size_t len, const char *system,
			   char *why, size_t why_size);
bool __vls_td_check_kallsyms(const char *text, size_t len, char *why, size_t why_size);
bool __vls_td_check_printk(const char *text, size_t len, char *why, size_t why_size);

/*
 * The function names of kernel addresses, looked up in libtraceevent once
 * per address (reader-tracedat-syms.c): a record-style trace has a stack
 * on every read acquisition, about ten frames each, from a few thousand
 * distinct addresses, and tep_find_function() is a binary search over the
 * whole of kallsyms. Names are libtraceevent's, valid while its handle is.
 */
struct vls_tdsyms {
	struct vls_u64map map;  /* address -> index into names */
	const char **names;     /* NULL: kallsyms has no function there */
	size_t n, cap;
};

/* *out: the function at addr, or NULL. 0, or VLS_ENOMEM (ctx message).
 * Past VLS_TDSYMS_MAX addresses the new ones are looked up every time. */
int __vls_tdsyms_find(const char **out, vls_ctx *ctx, struct vls_tdsyms *s,
		      struct tep_handle *tep, uint64_t addr);
void __vls_tdsyms_release(vls_ctx *ctx, struct vls_tdsyms *s);

#endif
