/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inversion.c - priority inversion on mmap_lock: faulting threads at nice
 * 19 doing file I/O faults (the iofault engine, MADV_RANDOM by default)
 * while one high-priority thread (SCHED_FIFO when permitted, else nice
 * -20, else what it can get: reported) loops mprotect on the same VMA and
 * needs mmap_lock for write behind their fallbacks (the inversion the
 * per-VMA retry series' cover letter describes). For the first
 * MEDIUM_NS, one thread per CPU spins at the process's own priority: the
 * medium-priority load that keeps a low-priority holder off the CPU while
 * the high-priority writer waits for its lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"

static char got[64] = "not set";

/*
 * Without the medium load a quiet machine runs a nice 19 faulter as soon
 * as its I/O completes: its mmap_lock hold stays short and the writer
 * hardly waits (three recordings in a row had no writer wait of 100 us on
 * a quiet 2-core machine). With two CPU hogs running for the first 3 s
 * every recording had writer waits of 4 ms, 4 ms of them inverted. Two
 * seconds bound what the load adds to the run.
 */
#define MEDIUM_NS (2ull * 1000000000)
#define MEDIUM_MAX 64

static struct {
	pthread_t th[MEDIUM_MAX];
	unsigned n;
	uint64_t until;
	volatile int done;
} medium;

static void *spin(void *arg)
{
	(void)arg;
	while (!medium.done && !wl_stopping() && wl_now_ns() < medium.until)
		for (volatile int i = 0; i < 10000; i++)
			;
	return NULL;
}

/* before_start: the spinners, one per online CPU (fewer if a thread
 * cannot be made: their number goes to the truth). */
static int start_medium(const struct cli_cmd *cmd, const struct wl_args *a, void *priv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	(void)cmd;
	(void)a;
	(void)priv;
	medium.until = wl_now_ns() + MEDIUM_NS;
	for (long i = 0; i < cpus && medium.n < MEDIUM_MAX; i++)
		if (!pthread_create(&medium.th[medium.n], NULL, spin, NULL))
			medium.n++;
	return 0;
}

static void stop_medium(void)
{
	medium.done = 1;
	for (unsigned i = 0; i < medium.n; i++)
		pthread_join(medium.th[i], NULL);
}

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
	wl_json_u64(j, "medium_threads", medium.n);
	wl_json_dbl(j, "medium_seconds", MEDIUM_NS / 1e9);
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	struct wl_iofault_hooks hooks = { .before_start = start_medium,
					  .writer_setup = writer_setup,
					  .params = params };
	int ret;

	if (a->writers != 1)
		return cli_usage(cmd, "inversion runs exactly one writer");
	ret = wl_iofault_run(cmd, a, "inversion", &hooks);
	stop_medium();
	return ret;
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
	"inversion", "nice 19 I/O faulters vs a high-priority mprotect thread, 2 s of CPU load",
	opts, defaults, run,
};
