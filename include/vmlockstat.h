/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmlockstat.h - the public API of libvmlockstat.
 *
 * libvmlockstat reads kernel traces (trace-cmd trace.dat, ftrace text),
 * turns them into a stream of decoded events, runs the mmap_lock / page
 * fault analyzers over that stream and stores the results in SQLite.
 *
 * Conventions (see docs/api.md):
 *  - every function returns 0 or a positive count on success and a negative
 *    VLS_E* code on failure; vls_strerror() names the code and
 *    vls_ctx_errmsg() gives the detailed message of the last failure on
 *    that context;
 *  - the single output parameter comes first and is called out; a **out
 *    the caller owns is freed with the matching _free/_close, which all
 *    accept NULL;
 *  - a const char * returned by the library is borrowed: valid until the
 *    object it came from is freed;
 *  - the library never prints, never exits: diagnostics go through the
 *    log callback installed with vls_ctx_set_log();
 *  - handles are not shared between threads; separate contexts may be used
 *    from separate threads.
 */
#ifndef VMLOCKSTAT_H
#define VMLOCKSTAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VLS_VERSION_MAJOR 0
#define VLS_VERSION_MINOR 1
#define VLS_VERSION_PATCH 0
#define VLS_VERSION_STRING "0.1.0"
/** One number that grows with every release: 0xMMmmpp. */
#define VLS_VERSION_NUM \
	((VLS_VERSION_MAJOR << 16) | (VLS_VERSION_MINOR << 8) | VLS_VERSION_PATCH)

#if defined(_WIN32)
#define VLS_EXTERN
#else
#define VLS_EXTERN __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/** Return codes. Success is 0 (or a non-negative count). */
typedef enum vls_error {
	VLS_OK = 0,
	VLS_ERROR = -1,       /**< generic failure, see vls_ctx_errmsg() */
	VLS_ENOMEM = -2,      /**< an allocation failed */
	VLS_EINVAL = -3,      /**< a bad argument or option */
	VLS_EIO = -4,         /**< reading or writing a file failed */
	VLS_EPARSE = -5,      /**< the input is not what it claims to be */
	VLS_ENOTFOUND = -6,   /**< no such run, file, event or label */
	VLS_ELIMIT = -7,      /**< input exceeds a hard limit */
	VLS_EVERSION = -8,    /**< a file or DB of an unsupported version */
	VLS_EBUSY = -9,       /**< the DB is locked by another writer */
	VLS_EDB = -10,        /**< SQLite reported an error */
	VLS_EUNSUPPORTED = -11, /**< the kernel or input lacks a feature */
	VLS_ESTOPPED = -12,   /**< a callback asked to stop */
} vls_error;

/** Static name of an error code ("parse error", ...). Never NULL. */
VLS_EXTERN const char *vls_strerror(int err);

/**
 * A string from a trace (a comm, a label) made safe for a terminal: src
 * into dst (size bytes, NUL-terminated, cut if short) with every control
 * character, newline included, written as "\xHH" (C0, DEL, and U+0080 to
 * U+009F in UTF-8). The text and CSV reports do this already. Returns dst.
 */
VLS_EXTERN char *vls_text_escape(char *dst, size_t size, const char *src);

/** Compile-time version of the library actually linked. */
VLS_EXTERN int vls_version(int *major, int *minor, int *patch);

/* ------------------------------------------------------------------ */
/* Context: error message, logging, allocator                          */
/* ------------------------------------------------------------------ */

typedef struct vls_ctx vls_ctx;

typedef enum vls_log_level {
	VLS_LOG_ERROR = 0,
	VLS_LOG_WARN = 1,
	VLS_LOG_INFO = 2,
	VLS_LOG_DEBUG = 3,
} vls_log_level;

/** Receives one message, without a trailing newline. */
typedef void (*vls_log_fn)(vls_log_level level, const char *msg, void *data);

/**
 * Memory functions the library uses for its own allocations (libraries it
 * calls, such as SQLite and libtraceevent, use their own). Any of them may
 * fail: the library then returns VLS_ENOMEM and leaks nothing.
 */
#define VLS_ALLOCATOR_VERSION 1
typedef struct vls_allocator {
	unsigned int version;
	void *(*malloc_fn)(size_t size, void *data);
	void *(*realloc_fn)(void *ptr, size_t size, void *data);
	void (*free_fn)(void *ptr, void *data);
	void *data;
} vls_allocator;
#define VLS_ALLOCATOR_INIT { VLS_ALLOCATOR_VERSION, NULL, NULL, NULL, NULL }

/** Create a context. Free it with vls_ctx_free(). */
VLS_EXTERN int vls_ctx_new(vls_ctx **out);
VLS_EXTERN void vls_ctx_free(vls_ctx *ctx);

/** Install a log callback receiving messages up to max_level. NULL: silent. */
VLS_EXTERN void vls_ctx_set_log(vls_ctx *ctx, vls_log_fn fn,
				vls_log_level max_level, void *data);

/**
 * Replace the allocator. Only before any other object is created with this
 * context. Returns VLS_EINVAL for an unknown version or a missing function.
 */
VLS_EXTERN int vls_ctx_set_allocator(vls_ctx *ctx, const vls_allocator *alloc);

/** The detailed message of the last failure on this context ("" if none). */
VLS_EXTERN const char *vls_ctx_errmsg(const vls_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/** The events the analyzers understand. Others arrive as VLS_EV_OTHER. */
typedef enum vls_event_kind {
	VLS_EV_OTHER = 0,
	VLS_EV_MMAP_LOCK_START,       /**< mmap_lock:mmap_lock_start_locking */
	VLS_EV_MMAP_LOCK_ACQUIRED,    /**< mmap_lock:mmap_lock_acquire_returned */
	VLS_EV_MMAP_LOCK_RELEASED,    /**< mmap_lock:mmap_lock_released */
	VLS_EV_PAGE_FAULT_USER,       /**< exceptions:page_fault_user */
	VLS_EV_PAGE_FAULT_KERNEL,     /**< exceptions:page_fault_kernel */
	VLS_EV_FILEMAP_FAULT,         /**< filemap:mm_filemap_fault */
	VLS_EV_FILEMAP_ADD,           /**< filemap:mm_filemap_add_to_page_cache */
	VLS_EV_FILEMAP_DELETE,        /**< filemap:mm_filemap_delete_from_page_cache */
	VLS_EV_SCHED_SWITCH,          /**< sched:sched_switch */
	VLS_EV_SCHED_WAKEUP,          /**< sched:sched_wakeup */
	VLS_EV_SCHED_WAKING,          /**< sched:sched_waking */
	VLS_EV_SCHED_FORK,            /**< sched:sched_process_fork */
	VLS_EV_SCHED_EXIT,            /**< sched:sched_process_exit */
	VLS_EV_SCHED_EXEC,            /**< sched:sched_process_exec */
	VLS_EV_LOCK_CONTENTION_BEGIN, /**< lock:contention_begin */
	VLS_EV_LOCK_CONTENTION_END,   /**< lock:contention_end */
	VLS_EV_BLOCK_RQ_ISSUE,        /**< block:block_rq_issue */
	VLS_EV_BLOCK_RQ_COMPLETE,     /**< block:block_rq_complete */
	VLS_EV_TASK_NEWTASK,          /**< task:task_newtask */
	VLS_EV__COUNT
} vls_event_kind;

/** "system:name" of a kind ("other" for VLS_EV_OTHER). Never NULL. */
VLS_EXTERN const char *vls_event_kind_name(vls_event_kind kind);

/** Hard limits on what one event can carry. Longer input is cut. */
#define VLS_COMM_MAX 32      /**< bytes of a comm, NUL included */
#define VLS_STACK_MAX 64     /**< frames of one kernel stack */

/** sched_switch prev_state bits (TASK_* of include/linux/sched.h). */
#define VLS_TASK_INTERRUPTIBLE   0x1
#define VLS_TASK_UNINTERRUPTIBLE 0x2
#define VLS_TASK_EXIT_DEAD       0x10  /**< "X": the task's last switch */
#define VLS_TASK_EXIT_ZOMBIE     0x20  /**< "Z": the same, not yet reaped */

/**
 * One decoded event. Readers fill it; analyzers read it. Everything it
 * points to (name, stack) is borrowed for the duration of the callback.
 */
typedef struct vls_event {
	uint64_t ts_ns;          /**< trace clock, nanoseconds */
	int32_t cpu;
	int32_t pid;             /**< thread group id; -1 when unknown */
	int32_t tid;             /**< common_pid */
	vls_event_kind kind;
	char comm[VLS_COMM_MAX]; /**< of tid, "" when unknown */
	const char *name;        /**< "system:event" as in the input */
	union {
		struct {
			uint64_t mm;     /**< pointer; hashed in tracefs text */
			uint64_t memcg_id; /**< 0 when the kernel gives a path */
			uint8_t write;
			uint8_t success; /**< acquire_returned only */
		} mmap_lock;
		struct {
			uint64_t address;
			uint64_t ip;
			uint64_t error_code;
		} fault;
		struct {
			uint64_t dev;    /**< kernel dev_t: major << 20 | minor */
			uint64_t ino;
			uint64_t index;  /**< page index in the file */
			uint64_t pfn;    /**< 0 for mm_filemap_fault */
		} filemap;
		struct {
			char prev_comm[VLS_COMM_MAX];
			int32_t prev_pid;
			int32_t prev_prio;
			uint64_t prev_state; /**< VLS_TASK_* bits, 0 = runnable */
			char next_comm[VLS_COMM_MAX];
			int32_t next_pid;
			int32_t next_prio;
		} sched_switch;
		struct {
			char comm[VLS_COMM_MAX];
			int32_t pid;
			int32_t prio;
			int32_t target_cpu;
		} wakeup;                /**< sched_wakeup and sched_waking */
		struct {
			char parent_comm[VLS_COMM_MAX];
			int32_t parent_pid;
			char child_comm[VLS_COMM_MAX];
			int32_t child_pid;
		} fork;
		struct {
			char comm[VLS_COMM_MAX];
			int32_t pid;
			int32_t prio;
		} exit;
		struct {
			int32_t pid;
			int32_t old_pid;
		} exec;
		struct {
			char comm[VLS_COMM_MAX];
			int32_t pid;     /**< the new task; tid is its creator */
			uint64_t clone_flags; /**< CLONE_THREAD: a thread of tid's process */
		} newtask;
		struct {
			uint64_t lock_addr;
			uint32_t flags;  /**< contention_begin */
			int32_t ret;     /**< contention_end */
		} contention;
		struct {
			uint64_t dev;
			uint64_t sector;
			uint32_t nr_sector;
			int32_t error;   /**< block_rq_complete */
			char rwbs[12];
		} block;
	} u;
	uint32_t stack_depth;     /**< 0 when no stack was attached */
	const char *const *stack; /**< kernel frames, innermost first */
} vls_event;

/** Called for each event, in timestamp order. Non-zero stops the read. */
typedef int (*vls_event_cb)(const vls_event *ev, void *data);

/* ------------------------------------------------------------------ */
/* Readers                                                             */
/* ------------------------------------------------------------------ */

typedef struct vls_reader vls_reader;

/** Input formats. AUTO looks at the file's first bytes. */
typedef enum vls_format {
	VLS_FORMAT_AUTO = 0,
	VLS_FORMAT_TRACEDAT,      /**< trace-cmd trace.dat, v6 and v7 */
	VLS_FORMAT_FTRACE_TEXT,   /**< tracefs "trace" file (with or without
				       record-tgid's TGID column) */
	VLS_FORMAT_TRACECMD_TEXT, /**< "trace-cmd report" output */
	VLS_FORMAT_ATRACE_TEXT,   /**< Android atrace output: its "TRACE:"
				       line, then tracefs text */
	VLS_FORMAT_PERF_SCRIPT_TEXT, /**< "perf script" output of a perf
				       recording of tracepoints */
} vls_format;

/** Parse "auto", "tracedat", "ftrace", "trace-cmd", "atrace",
 * "perf-script". */
VLS_EXTERN int vls_format_parse(vls_format *out, const char *name);
VLS_EXTERN const char *vls_format_name(vls_format format);

#define VLS_READER_OPTS_VERSION 1
typedef struct vls_reader_opts {
	unsigned int version;
	vls_format format;
	/** Lines or records that cannot be parsed are fatal (else counted). */
	int strict;
} vls_reader_opts;
#define VLS_READER_OPTS_INIT { VLS_READER_OPTS_VERSION, VLS_FORMAT_AUTO, 0 }

/**
 * Open a trace file (xz/zstd-compressed text is not decompressed here:
 * decompress it first). opts may be NULL for the defaults.
 * Returns VLS_EIO, VLS_EPARSE or VLS_EVERSION with a message on ctx.
 */
VLS_EXTERN int vls_reader_open(vls_reader **out, vls_ctx *ctx, const char *path,
			       const vls_reader_opts *opts);
VLS_EXTERN void vls_reader_close(vls_reader *reader);

/**
 * Read the whole input, calling cb for each event in timestamp order with
 * its kernel stack attached. Returns 0 at the end, VLS_ESTOPPED if cb
 * asked to stop, or a negative error.
 */
VLS_EXTERN int vls_reader_read(vls_reader *reader, vls_event_cb cb, void *data);

/** The format actually detected. */
VLS_EXTERN vls_format vls_reader_format(const vls_reader *reader);

/**
 * Run metadata the input carries, as key/value pairs: "kernel", "arch",
 * "ncpus", "trace_clock", "source", "source_path" (absolute), "format",
 * "lost_events", "cpu<N>.lost", "events.present" (comma list), ...
 * (docs/schema.md).
 * Returns the value or NULL; valid until the reader is closed. Some keys
 * are only known once vls_reader_read() has finished.
 */
VLS_EXTERN const char *vls_reader_meta(const vls_reader *reader, const char *key);

/** Iterate metadata: 0..n-1. Returns VLS_ENOTFOUND past the end. */
VLS_EXTERN int vls_reader_meta_at(const vls_reader *reader, size_t idx,
				  const char **key, const char **value);

/** Counters of the read so far. */
typedef struct vls_reader_stats {
	uint64_t events;         /**< delivered to the callback */
	uint64_t other_events;   /**< of those, VLS_EV_OTHER */
	uint64_t stacks;         /**< stack records attached */
	uint64_t orphan_stacks;  /**< stack records with no event to attach to */
	uint64_t dup_stacks;     /**< a second stack for one event (dropped) */
	uint64_t bad_records;    /**< unparsable lines / records (skipped) */
	uint64_t bytes_read;     /**< progress through the input */
	uint64_t bytes_total;    /**< size of the input, 0 if unknown */
} vls_reader_stats;

VLS_EXTERN void vls_reader_get_stats(const vls_reader *reader,
				     vls_reader_stats *out);

/* ------------------------------------------------------------------ */
/* Store and import                                                    */
/* ------------------------------------------------------------------ */

typedef struct vls_db vls_db;

/** Schema version this library writes (PRAGMA user_version). */
#define VLS_SCHEMA_VERSION 5

typedef enum vls_db_mode {
	VLS_DB_READWRITE = 0, /**< create or migrate as needed */
	VLS_DB_READONLY = 1,  /**< never writes; the DB must exist */
} vls_db_mode;

/**
 * Open or create a DB. A DB of a newer schema is refused (VLS_EVERSION);
 * a file that is not a DB gives VLS_EPARSE. Nothing is written on failure.
 * Read-write, an older DB is migrated: one of schema 2 or later by the
 * first import, inside that import's transaction (an import that fails
 * leaves it as it was), an older one at the open. Read-only, one of
 * schema 2 is read as it is (3 only added indexes) and an older one is
 * refused (VLS_EVERSION: open it read-write once).
 */
VLS_EXTERN int vls_db_open(vls_db **out, vls_ctx *ctx, const char *path,
			   vls_db_mode mode);
VLS_EXTERN void vls_db_close(vls_db *db);

/**
 * Whether vls_db_open(..., VLS_DB_READWRITE) of path would succeed, found
 * without writing anything: not a migration, not a file. A DB that does
 * not exist must have a writable directory; one that exists must be a
 * vmlockstat DB (or an empty file) of this schema version or an older
 * one, and writable, with its directory. For a caller that must know
 * early (before a recording) and open later. 0 or an error, as
 * vls_db_open would give it.
 */
VLS_EXTERN int vls_db_check(vls_ctx *ctx, const char *path);

/** One import: analyzers fed by events, committed as one transaction. */
typedef struct vls_import vls_import;

#define VLS_IMPORT_OPTS_VERSION 1
typedef struct vls_import_opts {
	unsigned int version;
	const char *label;       /**< NULL: derived from the source name */
	const char *kernel;      /**< overrides what the input says */
	const char *arch;        /**< overrides what the input says */
	int keep_events;         /**< also store every raw event */
	uint64_t chain_threshold_ns; /**< 0: default (100 us) */
	/** Extra metadata: nmeta key/value pairs, meta[2i] = key, meta[2i+1] =
	 * value (vmstat.before.pgfault, config.CONFIG_PER_VMA_LOCK, ...). Like
	 * kernel and arch, they win over what the input says. */
	const char *const *meta;
	size_t nmeta;
	/** vls_db_import_file() only: called every VLS_IMPORT_PROGRESS_EVERY
	 * events with the reader's counters (bytes_read of bytes_total) and
	 * the events fed so far. Non-zero stops the import: VLS_ESTOPPED,
	 * nothing stored. NULL: none. */
	int (*progress)(const vls_reader_stats *stats, uint64_t events, void *data);
	void *progress_data;
} vls_import_opts;
#define VLS_IMPORT_OPTS_INIT \
	{ VLS_IMPORT_OPTS_VERSION, NULL, NULL, NULL, 0, 0, NULL, 0, NULL, NULL }
#define VLS_IMPORT_PROGRESS_EVERY 65536

/**
 * Begin an import into db: opens a write transaction (VLS_EBUSY if another
 * writer holds the DB past the busy timeout). Feed events with
 * vls_import_feed(), then vls_import_commit() or vls_import_abort().
 * An import that is never committed leaves the DB as it was.
 */
VLS_EXTERN int vls_import_begin(vls_import **out, vls_db *db,
				const vls_import_opts *opts);

/** Add one metadata item to the run being imported (kernel, arch, ...).
 * Set before the first event, analyzers see it (the fault analyzer reads
 * kernel, arch and config.CONFIG_PER_VMA_LOCK there). A key the import
 * options set (kernel, arch, opts meta) keeps the options' value. */
VLS_EXTERN int vls_import_set_meta(vls_import *imp, const char *key,
				   const char *value);

/** Feed one event (in timestamp order). */
VLS_EXTERN int vls_import_feed(vls_import *imp, const vls_event *ev);

/** Finish the analyzers, write the run, commit. *out gets the run id. */
VLS_EXTERN int vls_import_commit(int64_t *out, vls_import *imp);

/** Roll back and free. Accepts NULL and an already committed import. */
VLS_EXTERN void vls_import_free(vls_import *imp);

/**
 * Convenience: read a whole file into db as one run (vls_import_begin,
 * every reader metadata item, every event, vls_import_commit).
 */
VLS_EXTERN int vls_db_import_file(int64_t *out, vls_db *db, const char *path,
				  const vls_reader_opts *ropts,
				  const vls_import_opts *iopts);

/** One stored run, as listed by vls_db_runs(). Strings are borrowed. */
typedef struct vls_run {
	int64_t id;
	const char *label;
	const char *kernel;
	const char *arch;
	const char *source;
	const char *format;
	int64_t imported_at;   /**< unix seconds */
	uint64_t events;
	int64_t lost_events;   /**< -1 when the input does not say */
	int64_t duration_ns;   /**< first to last event; -1 without events or time (a
				  * trace clock that counts) */
	/** user faults that fell back to mmap_lock / user faults (the report's
	 * faults.user_fallback_rate), 0..1; negative when the run cannot say */
	double user_fallback_rate;
} vls_run;

typedef int (*vls_run_cb)(const vls_run *run, void *data);

/** Call cb for each run in id order. */
VLS_EXTERN int vls_db_runs(vls_db *db, vls_run_cb cb, void *data);

/** Run metadata value (borrowed until the next call on db) or NULL. */
VLS_EXTERN int vls_db_run_meta(const char **out, vls_db *db, int64_t run_id,
			       const char *key);


/* ------------------------------------------------------------------ */
/* Analysis without a DB (lib/analysis*.c, docs/api.md)                */
/* ------------------------------------------------------------------ */

/*
 * The analyzers an import runs, run over an event stream in memory, their
 * results handed to callbacks as they are found instead of stored: for a
 * tool that draws them (a timeline) or keeps its own
 * figures. The same trace gives the same acquisitions, episodes and
 * chains as an import of it (vmlockstat report --json counts them).
 * Every struct below, and all it points to, is borrowed for the duration
 * of the callback. Timestamps are the trace clock's, in nanoseconds.
 */
typedef struct vls_analysis vls_analysis;

/** One mmap_lock acquisition: its wait and its hold. */
typedef struct vls_mmap_acq {
	uint64_t mm;             /**< the mm_struct (hashed in tracefs text) */
	int32_t tid;
	int32_t pid;             /**< thread group; -1 when unknown */
	int write;               /**< 1: mmap_write_lock, 0: read */
	int contended;           /**< blocked at the start or slept waiting */
	int open;                /**< still held when the trace ended */
	int downgraded;          /**< a read hold begun by mmap_write_downgrade() */
	uint64_t start_ns;       /**< mmap_lock_start_locking */
	uint64_t acquire_ns;     /**< mmap_lock_acquire_returned */
	uint64_t release_ns;     /**< mmap_lock_released; open: the last event */
	uint64_t asleep_ns;      /**< in D state while holding */
	const char *site;        /**< call site: "fault", "mprotect", ... */
	const char *sleep_reason; /**< of the longest such sleep: "folio_io",
				       ...; "none" */
	const char *wchan;       /**< where that sleep blocked, or NULL */
	int64_t chain;           /**< seq of the chain of its wait, -1 none */
} vls_mmap_acq;

/** One fault episode (docs/faults.md): every fault of a task until it
 * returns to user space, its retries included. */
typedef struct vls_fault_ep {
	int32_t tid;
	int32_t pid;             /**< -1 when unknown */
	char comm[VLS_COMM_MAX];
	uint64_t mm;
	uint64_t start_ns;       /**< first event of the episode */
	uint64_t end_ns;         /**< last event of the episode */
	uint64_t lock_ns;        /**< first fault-path mmap_lock attempt, 0:
				      none (a nested acquisition only) */
	const char *reason;      /**< "io_retry", "no_io", "kernel_mode",
				      "no_vma_lock" (fallbacks), "nested", or
				      "none": it never took mmap_lock */
	int fallback;            /**< 1: the fault fell back to mmap_lock */
	int kernel_mode;         /**< a fault from kernel mode */
	int behind_writer;       /**< a read trylock failed behind a writer */
	uint32_t attempts;       /**< the retry chain: VMA + mmap_lock attempts */
	uint32_t mmap_attempts;  /**< fault-path mmap_lock attempts */
	uint32_t trylock_fails;
	uint32_t filemap_faults;
	uint32_t refaults;       /**< a file page read again in the episode */
	uint64_t io_wait_ns;     /**< asleep on I/O (D, not for mmap_lock) */
	uint64_t lock_wait_ns;   /**< waiting for mmap_lock, fault-path attempts */
} vls_fault_ep;

/** One task blocking a chain's waiter, directly (depth 1, parent -1) or
 * through another blocker (parent: its index in the chain's blockers).
 * Times are within the blocked window of its parent (docs/locks.md). */
typedef struct vls_chain_blocker {
	int32_t parent;
	uint32_t depth;
	int32_t tid;
	int32_t pid;             /**< -1 when unknown */
	int32_t prio;            /**< -1 when unknown */
	char comm[VLS_COMM_MAX];
	int write;               /**< the mode it held or queued for */
	int queued;              /**< a writer queued ahead, not holding */
	int woke;                /**< its wakeup of its parent was seen */
	const char *site;        /**< call site of its acquisition */
	const char *sleep_reason; /**< of its longest D sleep; "none" */
	const char *wchan;       /**< or NULL */
	uint64_t held_ns, queued_ns, asleep_ns;
	uint64_t hold_total_ns;  /**< its whole hold (to the end if open) */
	uint64_t first_ns, last_ns; /**< hull of its blocking interval */
} vls_chain_blocker;

/** The wait-for chain of a wait at or above the chain threshold. */
typedef struct vls_wait_chain {
	int64_t seq;             /**< 0, 1, ...: vls_mmap_acq.chain */
	uint64_t mm;
	int32_t tid;             /**< the waiter */
	int32_t pid;             /**< -1 when unknown */
	int32_t prio;            /**< -1 when unknown */
	char comm[VLS_COMM_MAX];
	int write;
	const char *site;
	uint64_t start_ns, wait_ns;
	int open;                /**< the wait had not ended with the trace */
	int woken;               /**< its last wakeup came from a blocker */
	int inversion;           /**< a lower-priority task blocked it */
	uint64_t inverted_ns;
	uint32_t depth;
	int32_t root;            /**< index of the root cause, -1 none */
	size_t nblockers;
	const vls_chain_blocker *blockers;
	uint32_t dropped;        /**< blockers past the chain's limit */
} vls_wait_chain;

/** Each callback's non-zero return stops the analysis (VLS_ESTOPPED). */
typedef int (*vls_mmap_acq_cb)(const vls_mmap_acq *acq, void *data);
typedef int (*vls_fault_ep_cb)(const vls_fault_ep *ep, void *data);
typedef int (*vls_wait_chain_cb)(const vls_wait_chain *chain, void *data);

#define VLS_ANALYSIS_OPTS_VERSION 1
typedef struct vls_analysis_opts {
	unsigned int version;
	uint64_t chain_threshold_ns; /**< 0: default (100 us), as an import */
	vls_mmap_acq_cb on_acq;      /**< every acquisition, when its hold
				          ends (or the trace does); NULL: none */
	vls_fault_ep_cb on_fault;    /**< every episode, when it ends; NULL:
				          none */
	vls_wait_chain_cb on_chain;  /**< when the wait ends; NULL: none */
	void *data;
} vls_analysis_opts;
#define VLS_ANALYSIS_OPTS_INIT \
	{ VLS_ANALYSIS_OPTS_VERSION, 0, NULL, NULL, NULL, NULL }

/** A new analysis. VLS_EINVAL for a version this library does not know. */
VLS_EXTERN int vls_analysis_new(vls_analysis **out, vls_ctx *ctx,
				const vls_analysis_opts *opts);
VLS_EXTERN void vls_analysis_free(vls_analysis *an);

/** Metadata the analysis rests on, as an import's (vls_import_set_meta()):
 * "kernel", "arch", "config.CONFIG_PER_VMA_LOCK" (per-VMA locks),
 * "events.present" (lock:contention_begin), the recorder's thread lists.
 * Before the first event only: VLS_EINVAL after it. */
VLS_EXTERN int vls_analysis_set_meta(vls_analysis *an, const char *key,
				     const char *value);

/** Feed one event (timestamp order). 0, VLS_ESTOPPED when a callback
 * asked to stop, VLS_ENOMEM, VLS_ELIMIT (input past a hard limit). */
VLS_EXTERN int vls_analysis_feed(vls_analysis *an, const vls_event *ev);

/** End of input: what is still open is handed out (open holds, waits and
 * episodes). Once; VLS_EINVAL the second time. */
VLS_EXTERN int vls_analysis_finish(vls_analysis *an);

/** Convenience: the reader's metadata, every event of it, then finish. */
VLS_EXTERN int vls_analysis_run(vls_analysis *an, vls_reader *reader);

/* ------------------------------------------------------------------ */
/* Reports (JSON contract: docs/report-json.md)                        */
/* ------------------------------------------------------------------ */

/** Resolve a run spec, a numeric id or a label (a label may name several
 * runs: repetitions), to run ids. *out is freed with vls_buf_free().
 * VLS_ENOTFOUND if nothing matches. */
VLS_EXTERN int vls_db_resolve_runs(int64_t **out, size_t *nout, vls_db *db,
				   const char *spec);

typedef enum vls_report_by {
	VLS_BY_PROCESS = 0,
	VLS_BY_THREAD = 1,
	VLS_BY_CALLSITE = 2,
} vls_report_by;

/** Parse "process", "thread", "callsite". */
VLS_EXTERN int vls_report_by_parse(vls_report_by *out, const char *name);

/** Parts of a report; VLS_REPORT_ALL for everything. */
#define VLS_REPORT_FAULTS    0x01u /**< "faults" of runs, tasks, processes */
#define VLS_REPORT_LOCKS     0x02u /**< "mmap_lock" STATS incl. histograms */
#define VLS_REPORT_TASKS     0x04u /**< "tasks" and "processes" lists */
#define VLS_REPORT_CHAINS    0x08u /**< "chains" */
#define VLS_REPORT_CALLSITES 0x10u /**< "callsites" */
#define VLS_REPORT_ALL       0xffu

/** Wait-for chains are shown for contended waits at least this long
 * (vls_report_opts.chain_min_ns 0). */
#define VLS_CHAIN_MIN_DEFAULT_NS 100000ULL

/* 2: chain_min_ns, pid, comm. Options of version 1 are still taken (the
 * fields after sections at their defaults). */
#define VLS_REPORT_OPTS_VERSION 2
typedef struct vls_report_opts {
	unsigned int version;
	const int64_t *run_ids;  /**< runs to report; none: the latest run */
	size_t nruns;
	vls_report_by by;        /**< the table --csv writes */
	unsigned int top;        /**< rows per list, 0 = all */
	unsigned int sections;   /**< VLS_REPORT_* bits, 0 = all */
	/** chains: contended waits at least this long; 0: the default
	 * (VLS_CHAIN_MIN_DEFAULT_NS). Chains exist only for waits at or above
	 * the import's vls_import_opts.chain_threshold_ns. */
	uint64_t chain_min_ns;
	/** tasks and processes: only those of this pid (a thread also by its
	 * tid), 0: any */
	int64_t pid;
	/** tasks and processes: only those of this name, NULL: any */
	const char *comm;
} vls_report_opts;
#define VLS_REPORT_OPTS_INIT \
	{ VLS_REPORT_OPTS_VERSION, NULL, 0, VLS_BY_PROCESS, 0, 0, 0, 0, NULL }

/** The version of the report and compare JSON (docs/report-json.md). */
#define VLS_REPORT_JSON_VERSION 4

/** The report as one JSON object {"format": "vmlockstat-report",
 * "version": VLS_REPORT_JSON_VERSION, "runs": [...]}, NUL-terminated; free
 * with vls_buf_free(). */
VLS_EXTERN int vls_report_json(char **out, vls_db *db, const vls_report_opts *opts);

/** The report as text for a terminal (same figures). */
VLS_EXTERN int vls_report_text(char **out, vls_db *db, const vls_report_opts *opts);

/** One table (opts->by) as CSV with a header line. */
VLS_EXTERN int vls_report_csv(char **out, vls_db *db, const vls_report_opts *opts);

/** Where vls_report_write() hands its text: a piece at a time, in order
 * (len > 0, not NUL-terminated). 0 to go on; anything else stops the
 * report, which then returns VLS_ESTOPPED. */
typedef int (*vls_write_fn)(void *data, const char *text, size_t len);

typedef enum vls_report_format {
	VLS_FORMAT_TEXT = 0,
	VLS_FORMAT_JSON = 1,
	VLS_FORMAT_CSV = 2,
} vls_report_format;

/** The report of vls_report_text(), _json() or _csv(), the same bytes,
 * handed to write as it is made rather than returned whole: what a run
 * of many threads (a 20 MB JSON document) keeps in memory is the model
 * and some 64 KB of text. The figures are all read before the first
 * write: an error in reading them (VLS_ENOTFOUND, VLS_EDB, VLS_ENOMEM)
 * comes with nothing written. */
VLS_EXTERN int vls_report_write(vls_db *db, const vls_report_opts *opts,
				vls_report_format format, vls_write_fn write,
				void *data);

/** A group of runs compared as one column (several runs = repetitions). */
typedef struct vls_compare_group {
	const char *name;        /**< column title: the label or "run N" */
	const int64_t *run_ids;
	size_t nruns;
} vls_compare_group;

/** The practical threshold of compare's verdicts, in % of the baseline. */
#define VLS_COMPARE_THRESHOLD_DEFAULT 5.0

/* Version 2 added threshold_pct and ci; a version 1 struct is still
 * accepted and gets their defaults. */
#define VLS_COMPARE_OPTS_VERSION 2
typedef struct vls_compare_opts {
	unsigned int version;
	const vls_compare_group *groups; /**< the first is the baseline */
	size_t ngroups;
	int matrix;              /**< 1: kernel x arch matrix of every run */
	/** A change smaller than this (in % of the baseline mean) is no change
	 * (the verdicts, docs/compare.md); finite, >= 0. */
	double threshold_pct;
	int ci;                  /**< text: 1: print the 95 % intervals too */
} vls_compare_opts;
#define VLS_COMPARE_OPTS_INIT \
	{ VLS_COMPARE_OPTS_VERSION, NULL, 0, 0, VLS_COMPARE_THRESHOLD_DEFAULT, 0 }

/** Comparison as JSON {"format": "vmlockstat-compare", "version":
 * VLS_REPORT_JSON_VERSION, ...}
 * or as text (one row per figure, one column per group, the change against
 * the first group, absolute and in %, with a verdict where each side has
 * 2 runs or more: docs/compare.md). 0, or VLS_EINVAL for bad options
 * (a version this library does not know, no groups, a group without runs,
 * a threshold that is negative or not finite), VLS_ENOTFOUND for a run
 * that does not exist, VLS_ENOMEM. */
VLS_EXTERN int vls_compare_json(char **out, vls_db *db, const vls_compare_opts *opts);
VLS_EXTERN int vls_compare_text(char **out, vls_db *db, const vls_compare_opts *opts);

/** Free a buffer the library returned (report text, run id arrays). */
VLS_EXTERN void vls_buf_free(vls_db *db, void *buf);


/* ------------------------------------------------------------------ */
/* Recording (lib/record*.c)                                           */
/* ------------------------------------------------------------------ */

/*
 * Live recording through tracefs into a trace-cmd trace.dat (version 6)
 * plus a metadata sidecar "<output>.meta" (key=value lines) that import
 * reads. Needs root and tracefs (mounted here if it is not).
 *
 * The recorder works in a private tracefs instance "vmlockstat-<pid>",
 * never in the top instance. vls_record_new() first removes instances
 * "vmlockstat-<pid>" whose process is gone (left by a SIGKILL).
 * vls_record_stop() and vls_record_free() remove triggers, disable events
 * and destroy the instance. The library installs no signal handler: the
 * caller blocks or catches signals and calls vls_record_stop().
 * Reader threads (one per CPU) run with every signal blocked.
 */
typedef struct vls_record vls_record;

#define VLS_RECORD_OPTS_VERSION 1
typedef struct vls_record_opts {
	unsigned int version;
	const char *output;        /**< trace.dat path; NULL: "trace.dat" */
	/** Extra events on top of the default set, NULL-terminated:
	 * "system:event", "system:*" or "system". NULL: none. */
	const char *const *events;
	/** Processes to record: every thread of each, and what they fork
	 * (tracefs set_event_pid + event-fork). npids 0: the whole system. */
	const int32_t *pids;
	size_t npids;
	unsigned int buffer_kb;    /**< per-CPU ring buffer; 0: 4096 */
	int write_stacks;          /**< stacks on write acquisitions too;
	                                *  VLS_RECORD_OPTS_INIT sets 1 */
	const char *command;       /**< workload command line (metadata) */
	const char *label;         /**< run label (metadata) */
} vls_record_opts;
#define VLS_RECORD_OPTS_INIT \
	{ VLS_RECORD_OPTS_VERSION, NULL, NULL, NULL, 0, 0, 1, NULL, NULL }

/** The events vls_record_new() enables by default, one at a time: the
 * i-th event's system, name and stack trigger (NULL: none; write_stacks
 * as vls_record_opts.write_stacks). VLS_ENOTFOUND past the last. For
 * recorders elsewhere (`vmlockstat lab`'s guests) that must trace the
 * same set without libtracefs. */
VLS_EXTERN int vls_record_default_event(size_t i, int write_stacks,
					const char **system, const char **name,
					const char **trigger);

/** The kernel config options a recording stores as run metadata
 * "config.CONFIG_<name>" (from /proc/config.gz or /boot/config-RELEASE):
 * the i-th name without "CONFIG_", NULL past the last. */
VLS_EXTERN const char *vls_record_config_name(size_t i);

/**
 * Prepare a recording: clean stale instances, create the instance, size
 * its buffer, enable the events the kernel has (others are skipped with a
 * VLS_LOG_WARN note and listed in "events.missing"), install the stack
 * triggers and the pid filter. Nothing is traced until vls_record_start().
 * Returns VLS_EUNSUPPORTED without tracefs or permission, VLS_EINVAL for
 * bad options, VLS_ENOTFOUND for an -e event the kernel lacks entirely.
 * On failure nothing is left in tracefs.
 */
VLS_EXTERN int vls_record_new(vls_record **out, vls_ctx *ctx,
			      const vls_record_opts *opts);

/** Take the "before" snapshot (vmstat), turn tracing on and start the
 * per-CPU reader threads streaming into unlinked temporary files. */
VLS_EXTERN int vls_record_start(vls_record *rec);

/**
 * Stop tracing, drain the buffers, read the per-CPU lost/overrun counts
 * and the "after" snapshot, tear the instance down, then write the
 * trace.dat (atomically: a temporary file renamed) and its sidecar.
 * Call from normal context (not a signal handler). Returns 0 or a
 * negative error; the instance is torn down either way.
 */
VLS_EXTERN int vls_record_stop(vls_record *rec);

/** Tear down what is left (instance, temporary files) and free. */
VLS_EXTERN void vls_record_free(vls_record *rec);

/**
 * Add or replace a metadata item before vls_record_stop() (e.g. the
 * workload's exit status). Keys: [a-z0-9_.-]+.
 */
VLS_EXTERN int vls_record_set_meta(vls_record *rec, const char *key,
				   const char *value);

/** Metadata value (borrowed until the recorder is freed) or NULL.
 * Keys: docs/record.md ("kernel", "events.present", "cpu0.lost", ...). */
VLS_EXTERN const char *vls_record_meta(const vls_record *rec, const char *key);

/** Iterate metadata: 0..n-1. Returns VLS_ENOTFOUND past the end. */
VLS_EXTERN int vls_record_meta_at(const vls_record *rec, size_t idx,
				  const char **key, const char **value);

/** What a finished recording saw. */
typedef struct vls_record_stats {
	uint64_t bytes;            /**< ring-buffer data written */
	uint64_t lost_events;      /**< overrun + dropped, all CPUs */
	uint32_t ncpus;
	uint32_t buffer_kb;        /**< per-CPU buffer used */
	uint32_t suggested_kb;     /**< a -b to try next when events were
				        lost, else 0 */
	uint32_t events_missing;   /**< default events the kernel lacks */
} vls_record_stats;

VLS_EXTERN void vls_record_get_stats(const vls_record *rec,
				     vls_record_stats *out);

/** The instance name ("vmlockstat-<pid>"); borrowed. */
VLS_EXTERN const char *vls_record_instance(const vls_record *rec);

/**
 * Write the trace.dat (version 6) of a capture: the tracefs files of a
 * recording copied on the traced machine, which needs neither trace-cmd
 * nor vmlockstat (docs/capture.md): capture.info (byte_order=little|big),
 * events/header_page, events/header_event, events/ftrace/EVENT/format and
 * events/SYSTEM/EVENT/format of the events recorded, per_cpu/cpuN/
 * trace_pipe_raw's pages, and optionally per_cpu/cpuN/stats,
 * printk_formats, saved_cmdlines and kallsyms. The file is in the traced
 * machine's byte order, long and page size; out is replaced whole or not
 * at all.
 */
VLS_EXTERN int vls_capture_write_tracedat(vls_ctx *ctx, const char *dir,
					  const char *out);

#ifdef __cplusplus
}
#endif

#endif /* VMLOCKSTAT_H */
