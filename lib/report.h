/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report.h - the report model, private to the library.
 *
 * report-load.c fills a vls_report from the DB (the tables of the store,
 * the fault analyzer and the lock analyzer); report-json.c, report-text.c
 * and report-csv.c render it; compare.c builds comparisons from it. The
 * renderers never touch SQL, the loader never formats.
 *
 * A figure the trace cannot support is VLS_RNULL (JSON null), never 0:
 * e.g. fault counts of an arm64 run without vmstat, lock figures of a run
 * without mmap_lock events, refaults without filemap events.
 */
#ifndef VLS_REPORT_H
#define VLS_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "faults-reason.h"
#include "util-arena.h"
#include "util-buf.h"
#include "vls-local.h"

#define VLS_RNULL INT64_MIN
#define VLS_RHIST_MAX 64          /* log2 ns buckets of a histogram */
#define VLS_RLIST_MAX (1u << 20)  /* rows of one list (tasks, chains, ...) */
#define VLS_RCAPS_MAX 32
#define VLS_RNOTES_MAX 16
#define VLS_RLINKS_MAX 64

/* count/sum/max/p50/p99 of a distribution in ns. */
struct vls_rdist {
	int64_t count, sum, max, p50, p99;
};

/* The STATS object of the contract, for one mode. */
struct vls_rstats {
	bool known;               /* false: the run has no mmap_lock events */
	bool untimed;             /* the run's timestamps count (no VLS_CAP_TIME):
				   * counts only, wait and hold times null */
	int64_t acquisitions, contended, trylock_fails;
	struct vls_rdist wait, hold;
	/* waits: hist[i] in [2^i, 2^(i+1)) ns (0 holds 0..1), i < nhist <=
	 * VLS_RHIST_MAX; in the report's arena (NULL when nhist is 0): most
	 * rows have a few buckets, and a model of 10 k threads with every
	 * histogram inline was half page faults and copies */
	int64_t *hist;
	unsigned int nhist;
};

#define VLS_RCHAIN_MAX 4        /* retry chains of 1, 2, 3, 4+ attempts */

struct vls_rfaults {
	int64_t total, fallback;
	int64_t kernel;              /* of total, kernel-mode faults (uaccess):
				      * they never try the per-VMA lock; their
				      * fallbacks are by_reason[KERNEL_MODE] */
	int64_t by_reason[VLS_FR__COUNT];
	int64_t behind_writer, refaults;
	int64_t chain[VLS_RCHAIN_MAX];
	struct vls_rdist io_wait;    /* asleep on I/O inside episodes */
};

/* The kernel's own counters over the run (vmstat after - before). */
enum vls_rvmstat {
	VLS_VM_PGFAULT, VLS_VM_PGMAJFAULT, VLS_VM_VMA_SUCCESS, VLS_VM_VMA_ABORT,
	VLS_VM_VMA_RETRY, VLS_VM_VMA_MISS, VLS_VM__COUNT
};
extern const char *const __vls_vmstat_names[VLS_VM__COUNT];

/* A thread (tid >= 0) or a process (tid < 0, pid set). */
struct vls_rtask {
	int64_t tid, pid, prio, nthreads;
	int64_t mm;                  /* its mm (hashed in tracefs text) or RNULL */
	int64_t mm_gen;              /* the mm_struct's incarnation (locks.h), 0:
				      * the first */
	int64_t mm_key;              /* mm and mm_gen as one, what a process
				      * without a pid is known by
				      * (__vls_rl_mm_key()); set by the loader */
	char *comm;
	struct vls_rfaults f;
	struct vls_rstats lock[2];   /* [0] read, [1] write */
	/* the workload's own getrusage(RUSAGE_THREAD) counts (run_meta
	 * "workload.truth" of `record --scenario`), VLS_RNULL without */
	int64_t ru_minflt, ru_majflt;
	char *role;                  /* its role in the scenario, or NULL */
};

struct vls_rsite {
	char *name;                  /* "fault fallback", "mprotect", ... */
	char *frames;                /* its most frequent stack, '\n'-joined */
	struct vls_rstats lock[2];
};

struct vls_rlink {
	int64_t tid, prio, depth, parent;  /* parent -1: blocks the waiter */
	char *comm, *site, *reason;        /* reason NULL: did not sleep */
	bool write;
	int64_t held_ns, asleep_ns;
};

struct vls_rchain {
	int64_t tid, prio, wait_ns, depth, inverted_ns;
	char *comm, *site;
	bool write, inversion;
	char *line;                  /* one-line rendering */
	struct vls_rlink *links;
	size_t nlinks;
};

struct vls_rrun {
	int64_t id, events, lost_events, imported_at;
	int64_t duration_ns;           /* first to last event, VLS_RNULL: none */
	/* the timestamps' step (run meta timestamp_resolution_ns: the trace
	 * clock's, or the decimals a text printed); 1 for nanoseconds,
	 * VLS_RNULL when the import did not say (a DB from before) */
	int64_t ts_step_ns;
	char *label, *kernel, *arch, *source, *format;
	const char *caps[VLS_RCAPS_MAX]; /* static strings */
	size_t ncaps;
	char *notes[VLS_RNOTES_MAX];   /* plain statements about the run */
	size_t nnotes;
	char *fault_source;            /* "page_fault_user", "vmstat", NULL */
	char *episode_method;          /* how episodes were built, or NULL */
	/* fallback and its reasons, behind_writer and retry chains are known:
	 * mmap_lock events, and stacks to tell fault-path acquisitions (or
	 * no read acquisition to tell) */
	bool fallback_known;
	struct vls_rfaults f;
	int64_t vmstat[VLS_VM__COUNT];
	struct vls_rstats lock[2];
	struct vls_rtask *tasks, *procs;
	size_t ntasks, nprocs;
	size_t ntasks_total, nprocs_total; /* before --top (after the filters) */
	struct vls_rsite *sites;
	size_t nsites;
	struct vls_rchain *chains;
	size_t nchains, nchains_total;  /* loaded (--top), and all that qualify */
	/* stored chains at least chain_min long whose wait was not contended
	 * (a stacktrace trigger's cost): not shown */
	size_t nchains_uncontended;
	int64_t chain_threshold_ns;     /* the import's, VLS_RNULL if unrecorded */
	char *workload, *workload_args; /* `record --scenario`, or NULL */
};

struct vls_report {
	vls_ctx *ctx;
	unsigned int top;            /* rows per list asked, 0: all */
	uint64_t chain_min_ns;       /* chains: contended waits this long */
	int64_t pid;                 /* the filters asked, 0 / NULL: none */
	char *comm;
	struct vls_rrun *runs;
	size_t nruns;
	struct vls_arena hists;      /* every vls_rstats.hist of the runs */
};

/* Capability names (see docs/report-json.md). */
#define VLS_CAP_MMAP_LOCK "mmap_lock"
#define VLS_CAP_FAULT_USER "page_fault_user"
#define VLS_CAP_FAULT_KERNEL "page_fault_kernel"
#define VLS_CAP_FILEMAP "filemap"
#define VLS_CAP_SCHED "sched_switch"
#define VLS_CAP_STACKS "stacks"
#define VLS_CAP_PER_VMA_LOCK "per_vma_lock"
#define VLS_CAP_VMSTAT "vmstat"
#define VLS_CAP_VMA_LOCK_STATS "vma_lock_stats"
#define VLS_CAP_CONTENTION "lock_contention"
/* timestamps that keep time: every run but one whose trace clock counts
 * (run meta VLS_META_TIMESTAMPS, meta.h) */
#define VLS_CAP_TIME "time"

/* What to load: only the sections asked (VLS_REPORT_* bits), at most top
 * rows per list (0: all), chains of contended waits of chain_min_ns or
 * more (0: VLS_CHAIN_MIN_DEFAULT_NS), tasks and processes filtered. */
struct vls_rload_opts {
	unsigned int sections, top;
	uint64_t chain_min_ns;
	int64_t pid;              /* tasks and processes of this pid only, 0: any */
	const char *comm;         /* ... of this name only, NULL: any */
	/* the wait histograms of tasks and processes too (the JSON's); the
	 * text, CSV and compare show the run's and call sites' only, and a
	 * run of 11 k threads has 45 k of them (nhist 0 without) */
	bool row_hists;
};

/* report-load.c: load the runs (nruns 0: the latest run). */
int __vls_report_load(struct vls_report **out, vls_db *db,
		      const int64_t *run_ids, size_t nruns,
		      const struct vls_rload_opts *o);
void __vls_report_free(struct vls_report *r);
bool __vls_rrun_has_cap(const struct vls_rrun *run, const char *cap);

/* fallback / total, or a negative value when unknown. */
double __vls_rfaults_rate(const struct vls_rfaults *f);
/* User faults (total - kernel) and their fallbacks (fallback - kernel_mode
 * fallbacks): the per-VMA lock's own figures. VLS_RNULL when unknown. */
int64_t __vls_rfaults_user(const struct vls_rfaults *f);
int64_t __vls_rfaults_user_fallback(const struct vls_rfaults *f);
/* user fallback / user faults, or a negative value when unknown. */
double __vls_rfaults_user_rate(const struct vls_rfaults *f);
/* sum / count, or VLS_RNULL. */
int64_t __vls_rdist_mean(const struct vls_rdist *d);

/* report-text.c: a figure's duration, "1.30 ms" (util-fmt.h, 2 decimals);
 * "-" for null. */
const char *__vls_rfmt_ns(char *buf, size_t size, int64_t ns);

/* Renderers: the text whole to *out->text (NUL-terminated, freed with
 * __vls_free) or in pieces to out->write (util-buf.h). */
int __vls_report_render_json(const struct vls_out *out, const struct vls_report *r,
			     unsigned int sections);
int __vls_report_render_text(const struct vls_out *out, const struct vls_report *r,
			     unsigned int sections, vls_report_by by);
int __vls_report_render_csv(const struct vls_out *out, const struct vls_report *r,
			    vls_report_by by);

#endif /* VLS_REPORT_H */
