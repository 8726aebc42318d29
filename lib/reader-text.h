/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-text.h - shared between the ftrace text reader's files (reader-text.c:
 * the reader and its line loop, reader-text-line.c: one line's columns,
 * reader-text-fields.c: the printed fields of each event kind,
 * reader-text-perf.c: the lines of `perf script` output). Private to those
 * files.
 */
#ifndef VLS_READER_TEXT_H
#define VLS_READER_TEXT_H

#include "reader.h"

/* What a line holds once its columns are split. */
enum text_line_type {
	TEXT_LINE_EVENT,       /* "name: fields" */
	TEXT_LINE_STACK,       /* "<stack trace>" / trace-cmd "kernel_stack:" */
	TEXT_LINE_USER_STACK,  /* "<user stack trace>" / "user_stack:" */
	TEXT_LINE_FUNCTION,    /* function tracer: "func <-parent" */
};

/*
 * The columns of one event line, whatever the dialect:
 *   [BUFFER:] TASK-PID [(TGID)] [CPU] [FLAGS] TIMESTAMP: NAME: FIELDS
 *   TASK-PID CPUFLAGS TIMESTAMP: ...            (trace-cmd report -l)
 *   TASK-PID CPUFLAGS MICROSECONDSus!: ...      (latency-format option)
 * Pointers point into the line, which stays NUL-terminated at its end.
 */
struct text_line {
	enum text_line_type type;
	const char *comm;
	size_t comm_len;
	int32_t tid;
	int32_t tgid;          /* -1 when the line has no TGID column */
	int32_t cpu;
	uint64_t ts_ns;
	const char *name;      /* event name, not NUL-terminated */
	size_t name_len;
	const char *fields;    /* the rest of the line */
	bool has_tgid;         /* a "(TGID)" or "(-----)" column */
	bool has_flags;        /* a flags column ("d..2.") */
	bool latency;          /* "0d...." without brackets: trace-cmd -l or
				* tracefs's latency-format option */
	bool ts_us;            /* latency-format: "5459244784us!:" */
	bool buffer_prefix;    /* trace-cmd report of an instance: "name: " */
	/* no point and no "us": a clock that counts (counter, uptime's
	 * jiffies, x86-tsc cycles), ts_ns its raw count, not time */
	bool ts_count;
	uint8_t ts_digits;     /* decimals of the time (6, 9; "us": 6), 0 when
				* it has no point */
};

/* One frame of a perf script callchain: "\tADDR [SYM[+OFF]] [(DSO)]".
 * Pointers point into the line. */
struct text_perf_frame {
	uint64_t addr;
	const char *sym;       /* NULL when perf printed none or "[unknown]" */
	size_t sym_len;
	const char *dso;       /* NULL when perf printed none */
	size_t dso_len;
	bool kernel;           /* a kernel or module frame */
};

/*
 * The parsers below see a line but not the file it came from: they return 0
 * on success or VLS_ERROR, with no message, and their caller reports or
 * counts the line.
 */

/* reader-text-line.c: split an event line. VLS_ERROR if it is not one. */
int __vls_text_parse_line(struct text_line *out, const char *line);

/* reader-text-perf.c: split a perf script event line ("COMM [PID/]TID
 * [CPU] TIME: SYSTEM:EVENT: FIELDS"). VLS_ERROR if it is not one. */
int __vls_text_parse_perf_line(struct text_line *out, const char *line);

/* reader-text-perf.c: a callchain line. VLS_ERROR if it is not one. */
int __vls_text_parse_perf_frame(struct text_perf_frame *out, const char *line);

/* reader-text-perf.c: the value of a perf script --header line "# KEY :
 * VALUE", or NULL when line is not that key's. */
const char *__vls_text_perf_header(const char *line, const char *key);

/* reader-text-line.c: "SECONDS[.FRACTION]" to nanoseconds, exactly. *end
 * gets the first byte after the number. VLS_ERROR on no digits or overflow. */
int __vls_text_parse_ts(uint64_t *out, const char *s, const char **end);

/* reader-text-fields.c: hex, with or without "0x" (%p prints none), into
 * *out. The first byte after it, or NULL on no digit or overflow. */
const char *__vls_text_parse_hex(const char *p, uint64_t *out);

/* reader-text-fields.c: fill ev->u for ev->kind from the printed fields.
 * VLS_ERROR if a field the kind needs is missing or malformed. */
int __vls_text_parse_fields(vls_event *ev, const char *fields);

/* reader-text-fields.c: sched_switch prev_state letters to TASK_* report bits.
 * plugin: the letters of trace-cmd's sched_switch plugin (another table). */
uint64_t __vls_text_task_state(const char *s, size_t len, bool plugin);

#endif /* VLS_READER_TEXT_H */
