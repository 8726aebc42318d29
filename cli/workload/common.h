/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common.h - shared pieces of the `vmlockstat workload` scenarios: the
 * parameters, per-thread ground truth, start barrier, stop flag set by
 * signals, cleanup registry, evicted backing files, vmstat snapshots and the
 * ground-truth JSON writer.
 *
 * A scenario never exits from the middle: SIGINT/SIGTERM only set wl_stop;
 * threads leave their loops, the scenario returns, and the cleanup registry
 * removes what was created (files, cgroups, swap) before the process ends.
 */
#ifndef VLS_WL_COMMON_H
#define VLS_WL_COMMON_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h"

#define WL_SKIP 77             /* exit code: the kernel/machine lacks something */
#define WL_MAX_THREADS 256
#define WL_MAX_SIZE_MB (64ULL * 1024)  /* 64 GiB: refuse anything larger */

enum wl_writer_op { WL_OP_MPROTECT, WL_OP_MUNMAP, WL_OP_MADVISE };
enum wl_role { WL_FAULTER, WL_WRITER, WL_FORKER, WL_READER };

/* Every knob of every scenario; each scenario's option table exposes a
 * subset and its defaults() fills the rest. */
struct wl_args {
	unsigned threads;         /* faulting threads */
	unsigned long long size_mb;
	unsigned long long pages; /* per faulting thread (anon, fork, procmaps) */
	bool random;              /* MADV_RANDOM: one page per major fault */
	unsigned writers;
	enum wl_writer_op writer_op;
	bool writer_other;        /* writer works on another VMA */
	unsigned long long writer_sleep_us;
	unsigned long long writer_pages;
	bool set_nice;
	int nice;                 /* faulting threads */
	const char *file;         /* backing file to use (kept) */
	const char *dir;          /* directory for the temp backing file */
	bool shared_vma;
	bool thp;
	unsigned readers;
	double duration;          /* seconds; 0 = until the work is done */
	unsigned long long iterations;
	unsigned long long limit_mb;  /* pressure: cgroup memory limit */
	bool setup_swap;
	const char *writer_prio;  /* inversion: "fifo", "nice" */
	const char *truth;        /* output file, NULL = stdout */
};

/* Ground truth of one thread. */
struct wl_thread {
	pthread_t handle;
	pid_t tid;
	enum wl_role role;
	int nice;
	const char *policy;        /* "SCHED_OTHER", "SCHED_FIFO" */
	int rt_priority;
	long ru_minflt, ru_majflt; /* deltas over the thread's measured loop */
	unsigned long long iterations;
	unsigned long long pages;
	uint64_t elapsed_ns;
	int err;                   /* errno of a failure inside the thread, 0 */
	const char *err_what;
	/* scenario-private */
	void *priv;
	unsigned idx;
	uint64_t t0;           /* CLOCK_MONOTONIC at wl_thread_begin */
	long minflt0, majflt0;
};

/* Counters of /proc/vmstat the analysis compares with; vma_lock_* only
 * exist with CONFIG_PER_VMA_LOCK_STATS. */
#define WL_VMSTAT_MAX 24
struct wl_vmstat {
	int n;
	char name[WL_VMSTAT_MAX][64];
	unsigned long long val[WL_VMSTAT_MAX];
};

/* Tiny JSON writer: keeps track of commas. */
struct wl_json {
	FILE *f;
	int depth;
	bool first[16];
};

extern volatile sig_atomic_t wl_stop;   /* set by SIGINT/SIGTERM or end */
extern volatile sig_atomic_t wl_signal; /* the signal received, 0 */

/* Signals and cleanup. wl_cleanup_push registers fn(arg) to run (LIFO) in
 * wl_cleanup_run(); handlers only set flags. */
int wl_signals_install(void);
int wl_cleanup_push(void (*fn)(void *), void *arg);
void wl_cleanup_run(void);
bool wl_stopping(void);

uint64_t wl_now_ns(void);
size_t wl_page_size(void);
pid_t wl_gettid(void);
/* Sleep up to ns, returning early when wl_stop is set. */
void wl_sleep_ns(uint64_t ns);

/* Per-thread measurement: begin after the barrier, end after the loop. */
void wl_thread_begin(struct wl_thread *t);
void wl_thread_end(struct wl_thread *t);
void wl_thread_fail(struct wl_thread *t, const char *what);

/* Start barrier: every worker and the main thread wait here, so the
 * measured loops start together after setup. */
int wl_barrier_init(unsigned count);
void wl_barrier_wait(void);
void wl_barrier_destroy(void);

/* Start n threads running fn(&ts[i]); join them all. */
int wl_threads_start(struct wl_thread *ts, unsigned n, void *(*fn)(void *));
void wl_threads_join(struct wl_thread *ts, unsigned n);

/* Backing file of size bytes: args->file (kept), or a new temp file in
 * args->dir (default /var/tmp) that is unlinked at cleanup. Filled with
 * data, fsync'ed. Returns an fd or -1 (message printed). */
int wl_file_open(const struct cli_cmd *cmd, const struct wl_args *a,
		 size_t size, char *path, size_t pathlen);
/* Evict the file's pages from the page cache (fsync, POSIX_FADV_DONTNEED)
 * and count with mincore() over map how many stay resident; 0 is the goal.
 * Pages mapped by us are not evicted, so the caller unmaps their PTEs
 * first (MADV_DONTNEED). Returns resident pages or -1. */
long wl_file_evict(int fd, void *map, size_t size);
long wl_resident_pages(void *map, size_t size);

/* Refuse tmpfs/ramfs: the point of the file scenarios is I/O. */
bool wl_fs_is_memory(int fd);

int wl_vmstat_read(struct wl_vmstat *v);
void wl_vmstat_delta(struct wl_vmstat *out, const struct wl_vmstat *before,
		     const struct wl_vmstat *after);

/* JSON */
void wl_json_begin(struct wl_json *j, FILE *f);
void wl_json_obj(struct wl_json *j, const char *key);   /* key NULL in arrays */
void wl_json_arr(struct wl_json *j, const char *key);
void wl_json_end_obj(struct wl_json *j);
void wl_json_end_arr(struct wl_json *j);
void wl_json_str(struct wl_json *j, const char *key, const char *val);
void wl_json_u64(struct wl_json *j, const char *key, unsigned long long val);
void wl_json_i64(struct wl_json *j, const char *key, long long val);
void wl_json_bool(struct wl_json *j, const char *key, bool val);
void wl_json_dbl(struct wl_json *j, const char *key, double val);
void wl_json_null(struct wl_json *j, const char *key);

/* The result of a scenario, written by wl_truth_write(). params_fn writes
 * the scenario's own parameters (inside "params"). */
struct wl_result {
	const char *scenario;
	const struct wl_args *args;
	void (*params_fn)(struct wl_json *j, const struct wl_args *a,
			  void *priv);
	void *priv;
	struct wl_thread *threads;
	unsigned nthreads;
	uint64_t elapsed_ns;
	struct wl_vmstat before, after;
};
int wl_truth_write(const struct cli_cmd *cmd, const struct wl_result *r);

/* Print the errors threads recorded; CLI_EXIT_FAIL if any, else 0. */
int wl_thread_errors(const struct cli_cmd *cmd, const struct wl_thread *ts,
		     unsigned n);

/* The common run: start r->nthreads threads on fn (which dispatches on
 * t->role and calls wl_barrier_wait() first), snapshot vmstat, release the
 * barrier, let them run for duration seconds (then set wl_stop) or until
 * they return (duration 0), join, write the truth. Returns an exit code. */
int wl_run_threads(const struct cli_cmd *cmd, struct wl_result *r,
		   void *(*fn)(void *), double duration);

/* Scenario entry points. Return an exit code: 0, 1, 2 or WL_SKIP. */
struct wl_scenario {
	const char *name;
	const char *summary;
	const struct cli_opt *opts;
	void (*defaults)(struct wl_args *a);
	int (*run)(const struct cli_cmd *cmd, const struct wl_args *a);
};

/* The scenario called name, or NULL; the names, for messages. */
const struct wl_scenario *wl_scenario_find(const char *name);
const char *wl_scenario_names(void);

extern const struct wl_scenario wl_iofault, wl_anon, wl_pressure, wl_swap,
	wl_fork, wl_procmaps, wl_inversion;

/* The file-fault engine shared by iofault, pressure and inversion. */
struct wl_iofault_hooks {
	/* after the file is evicted, before threads start (pressure: enter
	 * the cgroup); returns an exit code, 0 to go on */
	int (*before_start)(const struct cli_cmd *cmd, const struct wl_args *a,
			    void *priv);
	/* writers' priority (inversion); sets t->policy/nice */
	void (*writer_setup)(struct wl_thread *t, const struct wl_args *a,
			     void *priv);
	void (*params)(struct wl_json *j, const struct wl_args *a, void *priv);
	void *priv;
};
int wl_iofault_run(const struct cli_cmd *cmd, const struct wl_args *a,
		   const char *scenario, const struct wl_iofault_hooks *hooks);
void wl_iofault_params(struct wl_json *j, const struct wl_args *a);

/* Option ids shared by every scenario's table (cmd_workload.c parses). */
enum {
	WL_O_THREADS = 1000, WL_O_SIZE, WL_O_PAGES, WL_O_RANDOM, WL_O_WRITERS,
	WL_O_WRITER_OP, WL_O_WRITER_TARGET, WL_O_WRITER_SLEEP, WL_O_WRITER_PAGES,
	WL_O_NICE, WL_O_FILE, WL_O_DIR, WL_O_SHARED_VMA, WL_O_THP, WL_O_READERS,
	WL_O_DURATION, WL_O_ITERATIONS, WL_O_LIMIT, WL_O_SETUP_SWAP,
	WL_O_WRITER_PRIO, WL_O_TRUTH,
};

#define WL_OPT_TRUTH { "truth", 0, "FILE", "write the ground-truth JSON to FILE instead of stdout", WL_O_TRUTH }
#define WL_OPT_THREADS { "threads", 't', "N", "faulting threads", WL_O_THREADS }
#define WL_OPT_NICE { "nice", 0, "N", "nice value of the faulting threads", WL_O_NICE }

#endif /* VLS_WL_COMMON_H */
