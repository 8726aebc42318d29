/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fork.c - threads write to private anonymous memory while another thread
 * forks in a loop (children _exit at once). dup_mmap() holds mmap_lock for
 * write and write-locks every VMA it copies (vma_start_write()), and leaves
 * the parent's pages write-protected, so each pass of a faulter after a
 * fork takes copy-on-write faults that wait behind the next fork
 * (seeds/000: fork waiting in vma_start_write blocks page faults).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

struct forkwl {
	const struct wl_args *a;
	size_t ps;
	char *map;
};

static struct forkwl fw;

static void *forker(struct wl_thread *t)
{
	while (!wl_stop) {
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			wl_thread_fail(t, "fork");
			break;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		t->iterations++;
		if (fw.a->writer_sleep_us)
			usleep((useconds_t)fw.a->writer_sleep_us);
	}
	return NULL;
}

static void faulter(struct wl_thread *t)
{
	char *p = fw.map + t->idx * fw.a->pages * fw.ps;

	while (!wl_stop && (!fw.a->iterations || t->iterations < fw.a->iterations)) {
		for (size_t i = 0; i < fw.a->pages; i++)
			p[i * fw.ps]++;
		t->iterations++;
	}
	t->pages = fw.a->pages;
}

static void *thread(void *arg)
{
	struct wl_thread *t = arg;

	wl_barrier_wait();
	wl_thread_begin(t);
	if (t->role == WL_FORKER)
		forker(t);
	else
		faulter(t);
	wl_thread_end(t);
	return NULL;
}

static void params(struct wl_json *j, const struct wl_args *a, void *priv)
{
	(void)priv;
	wl_json_u64(j, "threads", a->threads);
	wl_json_u64(j, "pages", a->pages);
	wl_json_dbl(j, "duration_s", a->duration);
	wl_json_u64(j, "iterations", a->iterations);
	wl_json_u64(j, "fork_sleep_us", a->writer_sleep_us);
	wl_json_u64(j, "page_size", fw.ps);
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	struct wl_result r = { .scenario = "fork", .args = a, .params_fn = params,
			       .nthreads = a->threads + 1 };
	size_t len;
	int ret;

	if (a->threads < 1 || a->threads >= WL_MAX_THREADS || a->pages < 1 ||
	    a->pages > (WL_MAX_SIZE_MB << 8) / a->threads)
		return cli_usage(cmd, "--threads must be 1..%d, --pages 1..%llu",
				 WL_MAX_THREADS - 1, (WL_MAX_SIZE_MB << 8) / a->threads);
	if (a->duration <= 0)
		return cli_usage(cmd, "--duration must be above 0");
	fw.a = a;
	fw.ps = wl_page_size();
	len = a->pages * a->threads * fw.ps;
	fw.map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fw.map == MAP_FAILED || madvise(fw.map, len, MADV_NOHUGEPAGE)) {
		cli_err(cmd, "mmap: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	memset(fw.map, 1, len);
	r.threads = calloc(r.nthreads, sizeof(*r.threads));
	if (!r.threads)
		return CLI_EXIT_FAIL;
	r.threads[a->threads].role = WL_FORKER;
	ret = wl_run_threads(cmd, &r, thread, a->duration);
	free(r.threads);
	munmap(fw.map, len);
	return ret;
}

static void defaults(struct wl_args *a)
{
	a->threads = 2;
	a->pages = 1024;
	a->duration = 1.0;
	a->writer_sleep_us = 0;
}

static const struct cli_opt opts[] = {
	WL_OPT_THREADS,
	{ "pages", 0, "N", "pages each faulting thread writes per pass", WL_O_PAGES },
	{ "duration", 'D', "S", "seconds to run", WL_O_DURATION },
	{ "iterations", 'i', "N", "passes per faulting thread (0 = until --duration)", WL_O_ITERATIONS },
	{ "fork-sleep-us", 0, "US", "pause between forks", WL_O_WRITER_SLEEP },
	WL_OPT_TRUTH,
	{ 0 }
};

const struct wl_scenario wl_fork = {
	"fork", "copy-on-write faults while another thread forks repeatedly",
	opts, defaults, run,
};
