/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader.h - the trace readers' interface: one ops table per format
 * (reader-tracedat.c, reader-text.c) behind the public vls_reader
 * (reader.c: open, detect the format, read).
 */
#ifndef VLS_READER_H
#define VLS_READER_H

#include "attach.h"
#include "meta.h"


struct vls_reader_ops {
	const char *name;
	/* Open the file (already known to exist) and fill meta. */
	int (*open)(vls_reader *r);
	/* Deliver every event through r->attach. */
	int (*read)(vls_reader *r);
	void (*close)(vls_reader *r);
};

struct vls_reader {
	vls_ctx *ctx;
	const struct vls_reader_ops *ops;
	void *priv;
	char *path;
	vls_format format;
	vls_reader_opts opts;
	struct vls_meta meta;
	vls_reader_stats stats;
	struct vls_attach attach;
};

extern const struct vls_reader_ops __vls_tracedat_ops;
extern const struct vls_reader_ops __vls_text_ops;

/* text reader: which text dialect the first lines show (VLS_FORMAT_AUTO if
 * none). */
vls_format __vls_text_detect(const char *buf, size_t len);

/* Progress of a reader whose position is not a file offset (trace.dat:
 * records are addressed in the uncompressed CPU data, read CPU by CPU in
 * timestamp order): done of span units become bytes_read, the same share
 * of bytes_total. bytes_read never goes back and reaches bytes_total
 * only when done reaches span. */
void __vls_reader_progress(vls_reader *r, uint64_t done, uint64_t span);

/* Whether the stack of the event the callback has now stays unchanged
 * until r closes: the same pointer for the same frames (a trace.dat's
 * stacks, resolved once by their addresses). */
static inline bool __vls_reader_stack_kept(const vls_reader *r)
{
	return __vls_attach_emit_kept(&r->attach);
}

/* The attach's own counters (late stacks, waits that expired) into r's
 * metadata, "late_stacks" and "stack_waits_expired", each when not 0. */
int __vls_reader_attach_meta(vls_reader *r, const struct vls_attach *a);

#endif /* VLS_READER_H */
