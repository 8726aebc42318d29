/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procmaps.c - threads fault in fresh anonymous mappings (mmap, touch,
 * munmap: faults plus mmap_lock writers) while reader threads loop over
 * /proc/self/maps and /proc/self/smaps, which walk the VMAs (and, for
 * smaps, the page tables) under mmap_lock (seeds/004: /proc readers and
 * priority inversion).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

static const struct wl_args *pa;
static size_t ps;

static int read_all(const char *path)
{
	static __thread char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

static void reader(struct wl_thread *t)
{
	static const char *const files[] = { "/proc/self/maps", "/proc/self/smaps" };

	while (!wl_stop) {
		if (read_all(files[t->iterations & 1])) {
			wl_thread_fail(t, files[t->iterations & 1]);
			break;
		}
		t->iterations++;
	}
}

static void faulter(struct wl_thread *t)
{
	size_t len = pa->pages * ps;

	while (!wl_stop && (!pa->iterations || t->iterations < pa->iterations)) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE)) {
			wl_thread_fail(t, "mmap");
			break;
		}
		for (size_t i = 0; i < pa->pages; i++)
			p[i * ps] = 1;
		munmap(p, len);
		t->pages += pa->pages;
		t->iterations++;
	}
}

static void *thread(void *arg)
{
	struct wl_thread *t = arg;

	wl_barrier_wait();
	wl_thread_begin(t);
	if (t->role == WL_READER)
		reader(t);
	else
		faulter(t);
	wl_thread_end(t);
	return NULL;
}

static void params(struct wl_json *j, const struct wl_args *a, void *priv)
{
	(void)priv;
	wl_json_u64(j, "threads", a->threads);
	wl_json_u64(j, "readers", a->readers);
	wl_json_u64(j, "pages", a->pages);
	wl_json_dbl(j, "duration_s", a->duration);
	wl_json_u64(j, "iterations", a->iterations);
	wl_json_str(j, "reader_files", "/proc/self/maps,/proc/self/smaps alternately");
	wl_json_u64(j, "page_size", ps);
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	struct wl_result r = { .scenario = "procmaps", .args = a, .params_fn = params,
			       .nthreads = a->threads + a->readers };
	int ret;

	if (a->threads < 1 || a->readers < 1 || r.nthreads > WL_MAX_THREADS ||
	    a->pages < 1 || a->pages > (WL_MAX_SIZE_MB << 8) / a->threads)
		return cli_usage(cmd, "need 1.. --threads and --readers (at most %d in all) and sane --pages",
				 WL_MAX_THREADS);
	if (a->duration <= 0)
		return cli_usage(cmd, "--duration must be above 0");
	pa = a;
	ps = wl_page_size();
	r.threads = calloc(r.nthreads, sizeof(*r.threads));
	if (!r.threads)
		return CLI_EXIT_FAIL;
	for (unsigned i = a->threads; i < r.nthreads; i++)
		r.threads[i].role = WL_READER;
	ret = wl_run_threads(cmd, &r, thread, a->duration);
	free(r.threads);
	return ret;
}

static void defaults(struct wl_args *a)
{
	a->threads = 2;
	a->readers = 2;
	a->pages = 256;
	a->duration = 1.0;
}

static const struct cli_opt opts[] = {
	WL_OPT_THREADS,
	{ "readers", 'R', "N", "threads reading /proc/self/maps and smaps", WL_O_READERS },
	{ "pages", 0, "N", "pages per fresh mapping", WL_O_PAGES },
	{ "duration", 'D', "S", "seconds to run", WL_O_DURATION },
	{ "iterations", 'i', "N", "mappings per faulting thread (0 = until --duration)", WL_O_ITERATIONS },
	WL_OPT_TRUTH,
	{ 0 }
};

const struct wl_scenario wl_procmaps = {
	"procmaps", "faults while readers loop over /proc/self/maps and smaps",
	opts, defaults, run,
};
