/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat.h - shared between the trace.dat reader (reader-tracedat.c)
 * and its file header / options parser (reader-tracedat-layout.c).
 */
#ifndef VLS_READER_TRACEDAT_H
#define VLS_READER_TRACEDAT_H

#include "reader.h"

/* What the header and the options sections of a trace.dat say. */
struct vls_tdhead {
	int version;            /* 6 or 7 */
	char compression[32];   /* v7: "none", "zstd", "zlib", ...; v6: "none" */
	int header_cpus;        /* v6: CPUs count of the header, else -1 */
	int cpucount;           /* CPUCOUNT option, -1 if absent */
	/* every buffer's CPU data, uncompressed: the span libtracecmd's
	 * record offsets advance through (progress, not a limit) */
	uint64_t data_bytes;
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

#endif
