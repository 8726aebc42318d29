/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record.h - the recorder's private structures, shared by lib/record*.c:
 *   record.c           the public API: options, lifecycle
 *   record-instance.c  the tracefs instance: stale cleanup, events,
 *                      triggers, pid filter, teardown
 *   record-stream.c    per-CPU reader threads into temporary files
 *   record-tracedat.c  the trace.dat (v6) writer
 *   record-meta.c      run metadata (uname, config, vmstat, CPU stats)
 */
#ifndef VLS_RECORD_H
#define VLS_RECORD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "meta.h"

struct tracefs_instance;
struct tracefs_cpu;

#define VLS_RECORD_PREFIX "vmlockstat-"
#define VLS_RECORD_DEFAULT_KB 4096u
#define VLS_RECORD_MAX_KB (1024u * 1024u)   /* 1 GB per CPU */
#define VLS_RECORD_MAX_CPUS 8192
#define VLS_RECORD_MAX_EVENTS 256
#define VLS_RECORD_MAX_PIDS 65536

/* One event to enable; trigger is NULL or the trigger it carries. */
struct vls_rec_event {
	char *system;
	char *name;
	const char *trigger;
	bool present;           /* the kernel has it and it was enabled */
	bool trigger_set;
};

/* One CPU's reader: a thread streaming trace_pipe_raw into an unlinked
 * temporary file. Touched only by its thread between start and join. */
struct vls_rec_cpu {
	int cpu;
	int raw_fd;             /* trace_pipe_raw, O_NONBLOCK */
	int out_fd;             /* unlinked temporary file */
	struct tracefs_cpu *tcpu;
	pthread_t thread;
	bool running;
	int err;                /* errno of a failed read or write */
	uint64_t bytes;
};

struct vls_record {
	vls_ctx *ctx;
	vls_record_opts opts;
	char *output;
	char *instance_name;
	struct tracefs_instance *instance;
	bool instance_live;     /* created and not yet destroyed */
	struct vls_rec_event *events;
	size_t nevents;
	int32_t *pids;
	size_t npids;
	struct vls_rec_cpu *cpus;
	size_t ncpus;
	int page_size;
	int stop_fd;            /* eventfd: readers leave their poll */
	bool started, stopped;
	uint64_t start_ns;      /* CLOCK_MONOTONIC */
	struct vls_meta meta;
	vls_record_stats stats;
};

/* record-instance.c */
int __vls_rec_cleanup_stale(vls_ctx *ctx);
int __vls_rec_instance_setup(vls_record *rec);
/* Best effort, idempotent: triggers off, events off, pid filter cleared,
 * instance removed. Logs what it could not undo. */
void __vls_rec_instance_teardown(vls_record *rec);
/* The default event set (with triggers) plus opts->events. */
int __vls_rec_events_build(vls_record *rec);
/* Parse "sys:ev", "sys:*", "sys" or "sys/ev" into owned strings; *name
 * is NULL for a whole system. */
int __vls_rec_event_spec(vls_ctx *ctx, const char *spec, char **system,
			 char **name);

/* record-tasks.c: the thread groups of the recorded tasks, into the
 * metadata as "tgids.start.N" (at start) and "tgids.saved.N" (at stop). */
int __vls_rec_tasks_start(vls_record *rec);
int __vls_rec_tasks_stop(vls_record *rec);

/* record-stream.c */
int __vls_rec_stream_open(vls_record *rec);
int __vls_rec_stream_start(vls_record *rec);
/* Wake the readers, drain, join. Returns the first reader error. */
int __vls_rec_stream_stop(vls_record *rec);
void __vls_rec_stream_close(vls_record *rec);

/* record-tracedat.c: what a v6 trace.dat is written from. */
struct vls_tdw_event {
	const char *system;
	const char *name;       /* NULL: every event of the system's directory */
};

struct vls_tdw {
	/* a tracefs tree: events/header_page, events/header_event,
	 * events/SYSTEM/EVENT/format (all of events/ftrace), printk_formats
	 * and saved_cmdlines (both optional) */
	const char *tdir;
	const char *kallsyms;   /* NULL: none */
	const struct vls_tdw_event *events;   /* grouped by system as listed */
	size_t nevents;
	bool big_endian;        /* the traced kernel's byte order, long and */
	uint8_t long_size;      /* ring-buffer page size */
	uint32_t page_size;
	const char *clock;      /* NULL: "local" */
	const char *uname;      /* "sysname nodename release machine", NULL: none */
	const char *version;    /* NULL: "vmlockstat VERSION" */
	size_t ncpus;
	const int *cpu_fd;      /* per CPU: its pages, -1 for none */
	const char *const *cpustat;   /* per CPU: its stats text, or NULL */
};

/* out written by fn through a temporary file beside it (mode 0644),
 * renamed into place when fn succeeded: never half-written, and an old
 * out stays as it was on failure. */
int __vls_rec_replace_file(vls_ctx *ctx, const char *out,
			   int (*fn)(int fd, void *data), void *data);
/* Write t as a v6 trace.dat to fd (at its start, in one pass). */
int __vls_tracedat_write(vls_ctx *ctx, const struct vls_tdw *t, int fd);
/* The recording's trace.dat: tdir is the tracing dir, kallsyms_path NULL
 * for none. */
int __vls_rec_write_tracedat(vls_record *rec, int fd, const char *tdir,
			     const char *kallsyms_path);

/* record-meta.c */
int __vls_rec_meta_static(vls_record *rec);
/* Snapshot /proc/vmstat counters as "vmstat.<when>.<key>"; after the
 * "after" snapshot also "vmstat.delta.<key>". */
int __vls_rec_meta_vmstat(vls_record *rec, const char *when);
/* Per-CPU stats of the instance: cpu<N>.lost/.overrun/... */
int __vls_rec_meta_cpustats(vls_record *rec);

/* The first max bytes of path, NUL-terminated; NULL when it cannot be read. */
char *__vls_rec_read_small(vls_ctx *ctx, const char *path, size_t max);
/* path opened for reading if it is a regular file (tracefs' and /proc's
 * are), else -1 with errno (EINVAL for a FIFO, a device, a directory):
 * never waits for a FIFO's writer. */
int __vls_rec_open_file(const char *path);
/* What that errno means for a file: "not a regular file" for EINVAL. */
const char *__vls_rec_open_why(int err);

/* Parsers, exposed for the unit tests. */
/* The value of CONFIG_<name> in a kernel config text: "y", "m", a
 * string, "n" for "# CONFIG_X is not set", NULL when absent. *out is
 * owned. */
int __vls_rec_config_value(vls_ctx *ctx, char **out, const char *text,
			   size_t len, const char *name);
/* A per_cpu/cpuN/stats text: the numbers of one key ("overrun"). */
int __vls_rec_stats_value(uint64_t *out, const char *text, const char *key);
/* One /proc/vmstat value, VLS_ENOTFOUND when absent. */
int __vls_rec_vmstat_value(uint64_t *out, const char *text, const char *key);
/* A -b to try after losing lost of read+lost events with buffer_kb. */
uint32_t __vls_rec_suggest_kb(uint32_t buffer_kb, uint64_t read,
			      uint64_t lost);

#endif /* VLS_RECORD_H */
