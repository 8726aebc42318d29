/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_tasks.c - which process each task belongs to (lib/tasks-store.c,
 * lib/tasks-tgids.c): the input's tgid, sched_process_exec,
 * task:task_newtask's clone flags, sched_process_fork with the mm, the
 * recorder's thread lists; hostile lists and creator cycles.
 */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "test_sql.h"
#include "vls-local.h"

#define CLONE_THREAD 0x00010000ULL
#define CLONE_PROCESS 0x01200011ULL    /* what fork() passes: no CLONE_THREAD */

static char dir[] = "/tmp/vls_test_tasks.XXXXXX";
static char db_path[600];

static vls_event ev(uint64_t ts, int tid, vls_event_kind kind)
{
	vls_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.tid = tid;
	e.pid = -1;
	e.kind = kind;
	e.name = vls_event_kind_name(kind);
	snprintf(e.comm, sizeof(e.comm), "t%d", tid);
	return e;
}

static vls_event newtask(uint64_t ts, int creator, int child, uint64_t flags)
{
	vls_event e = ev(ts, creator, VLS_EV_TASK_NEWTASK);

	e.u.newtask.pid = child;
	e.u.newtask.clone_flags = flags;
	snprintf(e.u.newtask.comm, sizeof(e.u.newtask.comm), "t%d", child);
	return e;
}

static vls_event fault(uint64_t ts, int tid)
{
	return ev(ts, tid, VLS_EV_PAGE_FAULT_USER);
}

/* Its last switch: the row is written then, before the import ends. */
static vls_event dies(uint64_t ts, int tid)
{
	vls_event e = ev(ts, tid, VLS_EV_SCHED_SWITCH);

	e.u.sched_switch.prev_pid = tid;
	e.u.sched_switch.prev_state = VLS_TASK_EXIT_DEAD;
	e.u.sched_switch.next_pid = 0;
	return e;
}

static int64_t import(const char *const *meta, const vls_event *evs, size_t n)
{
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	vls_import *imp = NULL;
	int64_t run = 0;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	CHECK_INT(vls_db_open(&db, ctx, db_path, VLS_DB_READWRITE), 0);
	CHECK_INT(vls_import_begin(&imp, db, NULL), 0);
	for (size_t i = 0; meta && meta[i]; i += 2)
		CHECK_INT(vls_import_set_meta(imp, meta[i], meta[i + 1]), 0);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(vls_import_feed(imp, &evs[i]), 0);
	CHECK_INT(vls_import_commit(&run, imp), 0);
	vls_import_free(imp);
	vls_db_close(db);
	vls_ctx_free(ctx);
	return run;
}

/* The stored pid of tid in run, -1 for NULL, -999 for no row. */
static long long pid_of(int64_t run, int tid)
{
	char q[200];

	snprintf(q, sizeof(q), "SELECT coalesce(pid, -1) FROM task WHERE run_id = %lld "
		 "AND tid = %d", (long long)run, tid);
	return sql_int(db_path, q);
}

/* Threads by clone flags, up a chain of creators, a process among them. */
static void test_newtask(void)
{
	const vls_event evs[] = {
		fault(10, 100),
		newtask(20, 100, 101, CLONE_THREAD),
		newtask(30, 101, 102, CLONE_THREAD),    /* a thread's thread */
		newtask(40, 101, 103, CLONE_PROCESS),   /* a thread forks */
		newtask(50, 103, 104, CLONE_THREAD),
		fault(60, 102), fault(61, 104),
		dies(70, 102),                          /* written before the end */
		fault(80, 105),                         /* nothing says */
	};
	const char *const meta[] = { "tgids.start.0", "100:", NULL };
	int64_t run = import(meta, evs, sizeof(evs) / sizeof(*evs));

	CHECK_INT(pid_of(run, 100), 100);
	CHECK_INT(pid_of(run, 101), 100);
	CHECK_INT(pid_of(run, 102), 100);
	CHECK_INT(pid_of(run, 103), 103);
	CHECK_INT(pid_of(run, 104), 103);
	CHECK_INT(pid_of(run, 105), -1);
	/* the lists were used, not stored */
	CHECK_INT(sql_int(db_path, "SELECT count(*) FROM run_meta WHERE key LIKE 'tgids%'"), 0);
}

/* Without the start list, the creator's pid is unknown: so is its
 * threads'; the input's own tgid and exec decide where they speak. */
static void test_sources(void)
{
	vls_event evs[] = {
		newtask(10, 200, 201, CLONE_THREAD),
		fault(20, 201),
		fault(30, 300),                /* the input gives its tgid */
		ev(40, 400, VLS_EV_SCHED_EXEC),
		fault(50, 500), fault(51, 501), fault(52, 600),
	};
	const char *const meta[] = {
		"tgids.saved.0", "500:501 300:300",
		/* start before saved: the first list that names a tid wins */
		"tgids.start.0", "600:",
		"tgids.saved.1", "700:600",
		NULL,
	};
	int64_t run;

	evs[2].pid = 300;
	run = import(meta, evs, sizeof(evs) / sizeof(*evs));
	CHECK_INT(pid_of(run, 200), -1);
	CHECK_INT(pid_of(run, 201), -1);
	CHECK_INT(pid_of(run, 300), 300);
	CHECK_INT(pid_of(run, 400), 400);
	CHECK_INT(pid_of(run, 500), 500);
	CHECK_INT(pid_of(run, 501), 500);
	CHECK_INT(pid_of(run, 600), 600);
}

static vls_event start(uint64_t ts, int tid, uint64_t mm)
{
	vls_event e = ev(ts, tid, VLS_EV_MMAP_LOCK_START);

	e.u.mmap_lock.mm = mm;
	return e;
}

static vls_event forks(uint64_t ts, int parent, int child)
{
	vls_event e = ev(ts, parent, VLS_EV_SCHED_FORK);

	e.u.fork.parent_pid = parent;
	e.u.fork.child_pid = child;
	return e;
}

/* sched_process_fork alone: the child's first start_locking on its
 * parent's mm makes it a thread (or a vfork child, until its exec),
 * another mm a process; task_newtask, when there, decides first. */
static void test_fork_mm(void)
{
	const vls_event evs[] = {
		start(10, 100, 0xa),
		forks(20, 100, 101), start(21, 101, 0xa),       /* a thread */
		forks(30, 100, 102), start(31, 102, 0xb),       /* a process */
		forks(40, 100, 103), start(41, 103, 0xa),       /* vfork ... */
		ev(42, 103, VLS_EV_SCHED_EXEC),                 /* ... then exec */
		newtask(50, 100, 104, CLONE_THREAD), forks(51, 100, 104),
		start(52, 104, 0xc),                            /* newtask decided */
		forks(60, 105, 106), start(61, 106, 0xa),       /* parent's mm unknown */
		fault(70, 105),
		/* process 107 exits; the kernel reuses its tid for a thread */
		forks(80, 100, 107), start(81, 107, 0xb), dies(82, 107),
		forks(90, 100, 107), start(91, 107, 0xa),
		/* thread 108 (clone flags; its fork event changes nothing)
		 * exits; its tid comes back as a process */
		newtask(95, 100, 108, CLONE_THREAD), forks(96, 100, 108),
		start(97, 108, 0xb), dies(98, 108),
		newtask(110, 100, 108, CLONE_PROCESS), forks(111, 100, 108),
		start(112, 108, 0xa),
	};
	const char *const meta[] = { "tgids.start.0", "100:", NULL };
	int64_t run = import(meta, evs, sizeof(evs) / sizeof(*evs));

	CHECK_INT(pid_of(run, 101), 100);
	CHECK_INT(pid_of(run, 102), 102);
	CHECK_INT(pid_of(run, 103), 103);
	CHECK_INT(pid_of(run, 104), 100);
	CHECK_INT(pid_of(run, 106), -1);
	/* the rows of reused tids: the last task's, not the first's */
	CHECK_INT(pid_of(run, 107), 100);
	CHECK_INT(pid_of(run, 108), 108);
}

/* Hostile: creators in a cycle, a task creating itself, lists of junk. */
static void test_hostile(void)
{
	const vls_event evs[] = {
		newtask(10, 800, 801, CLONE_THREAD),
		newtask(20, 801, 800, CLONE_THREAD),
		newtask(30, 802, 802, CLONE_THREAD),
		newtask(40, 803, -5, CLONE_THREAD),
		fault(50, 800), fault(51, 801), fault(52, 802), fault(53, 900),
		fault(54, 901),
	};
	const char *const meta[] = {
		"tgids.start.0", "abc: 900:x,901 -5:1 99999999999:900 :: 900",
		"tgids.start.1", "901:,,,",
		NULL,
	};
	int64_t run = import(meta, evs, sizeof(evs) / sizeof(*evs));

	CHECK_INT(pid_of(run, 800), -1);
	CHECK_INT(pid_of(run, 801), -1);
	CHECK_INT(pid_of(run, 802), -1);
	CHECK_INT(pid_of(run, 900), -1);   /* the first value ends at "abc:" */
	CHECK_INT(pid_of(run, 901), 901);
	CHECK_INT(sql_int(db_path, "SELECT count(*) FROM task WHERE tid < 0"), 0);
}

int main(void)
{
	char cmd[700];

	if (!mkdtemp(dir))
		return 1;
	snprintf(db_path, sizeof(db_path), "%s/tasks.db", dir);
	test_newtask();
	test_sources();
	test_fork_mm();
	test_hostile();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_DONE();
}
