/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load.h - shared by the files that load the report model:
 * report-load.c (runs, metadata, tasks, lists), report-load-caps.c
 * (capabilities and notes), report-load-faults.c and report-load-locks.c (the
 * analyzers' tables).
 */
#ifndef VLS_REPORT_LOAD_H
#define VLS_REPORT_LOAD_H

#include <stdarg.h>
#include <stdio.h>

#include "report.h"
#include "store.h"
#include "util-map.h"

/* A process's lock STATS as the lock analyzer stored them: by pid, or
 * (pid VLS_RNULL) by the mm of tasks whose pid was unknown. */
struct vls_rplock {
	int64_t mm, mm_gen, mm_key, pid;
	char *comm;
	struct vls_rstats lock[2];   /* [0] read, [1] write */
};

struct vls_rloader {
	vls_ctx *ctx;
	vls_db *db;
	unsigned int sections, top;
	uint64_t chain_min_ns;
	int64_t pid;              /* row filters, 0 / NULL: none */
	const char *comm;
	struct vls_meta meta;     /* run_meta of the run being loaded */
	size_t task_cap;
	bool found;
	/* per-process lock STATS of the lock tables (report-load-locks.c),
	 * found by pid, or by mm for a row without one */
	struct vls_rplock *plocks;
	size_t nplocks, plocks_cap;
	struct vls_u64map plock_pid, plock_mm;  /* plock_mm by mm_key */
	/* (mm, gen) of the later incarnations seen (__vls_rl_mm_key()) */
	struct vls_rmm_gen {
		int64_t mm, gen;
	} *mm_gens;
	size_t nmm_gens, mm_gens_cap;
	struct vls_u64map mm_gen_map;
	bool has_mm_gen;          /* lock_stats.mm_gen exists (schema 5) */
	struct vls_arena *hists;  /* the report's: the histograms' memory */
	bool row_hists;           /* vls_rload_opts.row_hists */
};

/* Ids read into memory at once: the chains of a run's contended waits. */
#define VLS_RIDS_MAX (1u << 26)

typedef int (*vls_rl_row_fn)(struct vls_rloader *L, sqlite3_stmt *st, void *data);

/* Run sql with :run_id bound to run_id (no parameter at all for
 * VLS_RL_NO_RUN), calling fn per row. */
#define VLS_RL_NO_RUN INT64_MIN
int __vls_rl_query(struct vls_rloader *L, const char *sql, int64_t run_id,
		   vls_rl_row_fn fn, void *data);
bool __vls_rl_has_table(struct vls_rloader *L, const char *name);
bool __vls_rl_has_column(struct vls_rloader *L, const char *table, const char *column);
/* What a process without a pid is known by: its mm, or for a later
 * incarnation of the mm_struct (gen > 0) a number no mm is, INT64_MIN +
 * 1, + 2, ..., the same for the same (mm, gen) in one load. */
int __vls_rl_mm_key(struct vls_rloader *L, int64_t mm, int64_t gen, int64_t *out);
/* Column as int64, VLS_RNULL for SQL NULL. */
int64_t __vls_rl_int(sqlite3_stmt *st, int col);
/* Column as an owned copy (NULL for SQL NULL). */
int __vls_rl_text(struct vls_rloader *L, char **out, sqlite3_stmt *st, int col);
int __vls_rl_note(struct vls_rloader *L, struct vls_rrun *run,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void __vls_rl_cap(struct vls_rrun *run, const char *cap);
const char *__vls_rl_meta(const struct vls_rloader *L, const char *key);
/* The task of tid (run->tasks sorted by tid) or NULL. */
/* --pid, --comm (L->pid, L->comm): a row of this thread or process (tid
 * negative for a process), its pid (VLS_RNULL: unknown) and name, or a second
 * name it went by (NULL: none), is wanted. */
bool __vls_rl_wanted(const struct vls_rloader *L, int64_t tid, int64_t pid,
		     const char *comm, const char *comm2);
struct vls_rtask *__vls_rl_task(struct vls_rloader *L, struct vls_rrun *run,
				int64_t tid);

void __vls_rfaults_null(struct vls_rfaults *f);
void __vls_rstats_zero(struct vls_rstats *s);

/* report-load-caps.c */
int __vls_rl_caps(struct vls_rloader *L, struct vls_rrun *run);
int __vls_rl_notes(struct vls_rloader *L, struct vls_rrun *run);
/* report-load-faults.c */
int __vls_rl_faults(struct vls_rloader *L, struct vls_rrun *run);
/* report-load-locks.c: run, thread, process, call site STATS and chains. */
int __vls_rl_locks(struct vls_rloader *L, struct vls_rrun *run);
/* report-load-workload.c: the scenario and its threads' rusage, from the
 * run's "workload.*" metadata (`vmlockstat record --scenario`). */
int __vls_rl_workload(struct vls_rloader *L, struct vls_rrun *run);
/* report-load-procs.c: processes from the tasks (and the lock tables). */
int __vls_rl_processes(struct vls_rloader *L, struct vls_rrun *run);

#endif /* VLS_REPORT_LOAD_H */
