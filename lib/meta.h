/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * meta.h - a run's metadata (kernel, arch, ncpus, config.*, vmstat.*, ...)
 * as an ordered key/value list, and the sidecar file that carries a
 * recording's metadata to its import.
 */
#ifndef VLS_META_H
#define VLS_META_H

#include <stdbool.h>
#include <stddef.h>

#include "vls-local.h"

/* An ordered key/value list; setting a key again replaces it. Small (tens
 * of keys): a linear search is the right structure. */
struct vls_meta {
	size_t n, cap;
	char **keys;
	char **vals;
};
int __vls_meta_set(vls_ctx *ctx, struct vls_meta *m, const char *key,
		   const char *val);
int __vls_meta_setf(vls_ctx *ctx, struct vls_meta *m, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *__vls_meta_get(const struct vls_meta *m, const char *key);
void __vls_meta_clear(vls_ctx *ctx, struct vls_meta *m);

/*
 * Run meta VLS_META_TIMESTAMPS = VLS_TIMESTAMPS_COUNTS: the trace clock
 * counts (tracefs's counter, uptime's jiffies, x86-tsc's cycles, ppc-tb's
 * ticks: the clocks the kernel marks not in_ns) and nothing in the trace
 * converts its counts to time. The events keep their order, so counts
 * stand; every duration is unknown. Absent: the timestamps are time.
 */
#define VLS_META_TIMESTAMPS "timestamps"
#define VLS_TIMESTAMPS_COUNTS "counts"

/* Is trace_clock name (as tracefs's trace_clock lists it) one that counts
 * rather than keeps time? false for a name it does not know. */
bool __vls_clock_counts(const char *name);
/* Does run meta m say the timestamps are counts? */
bool __vls_meta_ts_counts(const struct vls_meta *m);

/*
 * The sidecar "<trace.dat>.meta", written by vmlockstat record next to its
 * trace (trace.dat v6 has no place for free-form metadata): a first line
 * "# vmlockstat record metadata 1", then key=value lines; in values '\\'
 * is written "\\\\" and a newline "\\n".
 */
/* Write m to path, leaving out the keys that start with skip_prefix
 * (NULL: none). */
int __vls_meta_sidecar_write(vls_ctx *ctx, const struct vls_meta *m,
			     const char *path, const char *skip_prefix);
/* Load every key=value of "<tracedat_path>.meta" into m. Returns 0 when
 * there is no sidecar (nothing added), 1 when one was loaded, or
 * VLS_EPARSE / VLS_ELIMIT / VLS_EIO with a message naming the file. */
int __vls_meta_sidecar_load(vls_ctx *ctx, const char *tracedat_path,
			    struct vls_meta *m);

#endif /* VLS_META_H */
