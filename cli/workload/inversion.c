/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inversion.c - priority inversion on mmap_lock: faulting threads at nice
 * 19 doing file I/O faults (the iofault engine, MADV_RANDOM by default)
 * while one high-priority thread (SCHED_FIFO when permitted, else nice
 * -20, else what it can get: reported) loops mprotect on the same VMA and
 * needs mmap_lock for write behind their fallbacks (the inversion the
 * per-VMA retry series' cover letter describes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"

static char got[64] = "not set";

static void writer_setup(struct wl_thread *t, const struct wl_args *a, void *priv)
{
	struct sched_param sp = { .sched_priority = 1 };
	pid_t tid = wl_gettid();

	(void)priv;
	if (!strcmp(a->writer_prio, "fifo") && !sched_setscheduler(tid, SCHED_FIFO, &sp)) {
		t->policy = "SCHED_FIFO";
		t->rt_priority = sp.sched_priority;
		snprintf(got, sizeof(got), "SCHED_FIFO %d", sp.sched_priority);
		return;
	}
	if (!setpriority(PRIO_PROCESS, (id_t)tid, -20)) {
		snprintf(got, sizeof(got), "nice -20");
		return;
	}
	snprintf(got, sizeof(got), "nice 0 (raising priority not permitted: %s)",
		 strerror(errno));
}

static void params(struct wl_json *j, const struct wl_args *a, void *priv)
{
	(void)priv;
	wl_json_str(j, "writer_prio_asked", a->writer_prio);
	wl_json_str(j, "writer_priority", got);
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	struct wl_iofault_hooks hooks = { .writer_setup = writer_setup,
					  .params = params };

	if (a->writers != 1)
		return cli_usage(cmd, "inversion runs exactly one writer");
	return wl_iofault_run(cmd, a, "inversion", &hooks);
}

static void defaults(struct wl_args *a)
{
	a->threads = 2;
	a->size_mb = 32;
	a->random = true;
	a->writers = 1;
	a->writer_op = WL_OP_MPROTECT;
	a->writer_pages = 16;
	a->writer_sleep_us = 200;
	a->iterations = 1;
	a->set_nice = true;
	a->nice = 19;
	a->writer_prio = "fifo";
}

static const struct cli_opt opts[] = {
	WL_OPT_THREADS,
	{ "size", 's', "MB", "size of the backing file", WL_O_SIZE },
	{ "writer-prio", 0, "P", "fifo (SCHED_FIFO 1, falls back to nice -20) | nice (nice -20)", WL_O_WRITER_PRIO },
	{ "writer-op", 0, "OP", "mprotect | munmap | madvise", WL_O_WRITER_OP },
	{ "writer-sleep-us", 0, "US", "pause between writer operations", WL_O_WRITER_SLEEP },
	WL_OPT_NICE,
	{ "dir", 0, "DIR", "directory for the temporary backing file (default /var/tmp)", WL_O_DIR },
	WL_OPT_TRUTH,
	{ 0 }
};

const struct wl_scenario wl_inversion = {
	"inversion", "nice 19 faulting threads doing I/O vs a high-priority mprotect thread",
	opts, defaults, run,
};
