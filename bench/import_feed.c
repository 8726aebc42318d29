/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import_feed.c - how fast vls_import_feed() takes events, without a
 * reader: N synthetic events (a mix of mmap_lock, fault, filemap and
 * sched events over 64 tasks and 4 CPUs, every 4th with a stack) into a
 * fresh DB, committed as one run. Prints events/s for feed and commit.
 *
 *   cc -O2 -Iinclude bench/import_feed.c -Lbuild -lvmlockstat -o import_feed
 *   LD_LIBRARY_PATH=build ./import_feed /tmp/bench.db 5000000 [--keep-events]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmlockstat.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const frames[4][3] = {
	{ "lock_mm_and_find_vma", "do_user_addr_fault", "exc_page_fault" },
	{ "filemap_fault", "__do_fault", "do_read_fault" },
	{ "lock_vma_under_rcu", "do_user_addr_fault", "exc_page_fault" },
	{ "__mmap_lock_do_trace_released", "mmap_read_unlock", "do_user_addr_fault" },
};

static const vls_event_kind kinds[8] = {
	VLS_EV_MMAP_LOCK_START, VLS_EV_MMAP_LOCK_ACQUIRED, VLS_EV_PAGE_FAULT_USER,
	VLS_EV_FILEMAP_FAULT, VLS_EV_MMAP_LOCK_RELEASED, VLS_EV_SCHED_SWITCH,
	VLS_EV_SCHED_WAKING, VLS_EV_OTHER,
};

static void make_event(vls_event *ev, uint64_t i)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = 1000000 + i * 250;
	ev->cpu = (int)(i % 4);
	ev->tid = 1000 + (int)((i / 8) % 64);
	ev->pid = 1000;
	ev->kind = kinds[i % 8];
	ev->name = vls_event_kind_name(ev->kind);
	snprintf(ev->comm, sizeof(ev->comm), "worker-%d", ev->tid % 64);
	ev->u.mmap_lock.mm = 0xffff888100000000ULL;
	ev->u.mmap_lock.write = (i % 5) == 0;
	ev->u.mmap_lock.success = 1;
	if (ev->kind == VLS_EV_SCHED_SWITCH) {
		ev->u.sched_switch.prev_pid = ev->tid;
		ev->u.sched_switch.prev_prio = 120;
		ev->u.sched_switch.next_pid = ev->tid + 1;
		ev->u.sched_switch.next_prio = 120;
		strcpy(ev->u.sched_switch.next_comm, "worker");
	}
	if (i % 4 == 0) {
		ev->stack = frames[(i / 4) % 4];
		ev->stack_depth = 3;
	}
}

int main(int argc, char **argv)
{
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	vls_import *imp = NULL;
	uint64_t n;
	int64_t run;
	double t0, t1, t2;
	vls_event ev;
	int ret;

	if (argc < 3)
		return fprintf(stderr, "usage: %s DB N [--keep-events]\n", argv[0]), 2;
	n = strtoull(argv[2], NULL, 10);
	o.keep_events = argc > 3 && !strcmp(argv[3], "--keep-events");
	unlink(argv[1]);
	if (vls_ctx_new(&ctx) || vls_db_open(&db, ctx, argv[1], VLS_DB_READWRITE) ||
	    vls_import_begin(&imp, db, &o))
		return fprintf(stderr, "%s\n", vls_ctx_errmsg(ctx)), 1;
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		make_event(&ev, i);
		if ((ret = vls_import_feed(imp, &ev)))
			return fprintf(stderr, "%s\n", vls_ctx_errmsg(ctx)), 1;
	}
	t1 = now();
	if ((ret = vls_import_commit(&run, imp)))
		return fprintf(stderr, "%s\n", vls_ctx_errmsg(ctx)), 1;
	t2 = now();
	printf("%llu events%s: feed %.2f s (%.2f M events/s), commit %.2f s, "
	       "total %.2f M events/s\n", (unsigned long long)n,
	       o.keep_events ? " (keep-events)" : "", t1 - t0, n / (t1 - t0) / 1e6,
	       t2 - t1, n / (t2 - t0) / 1e6);
	vls_import_free(imp);
	vls_db_close(db);
	vls_ctx_free(ctx);
	return 0;
}
