/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * anon.c - first touch of anonymous memory, one fresh VMA per thread and
 * iteration, or one VMA shared by all threads (--shared-vma).
 *
 * The first write fault in a VMA without an anon_vma goes through
 * __vmf_anon_prepare(), which on 6.x kernels cannot finish under the
 * per-VMA lock alone (it takes mmap_lock, or retries under it): one
 * fallback per fresh VMA. Each private VMA has PROT_NONE guard pages on
 * both sides so the kernel cannot merge it with a neighbour that already
 * has an anon_vma. MADV_NOHUGEPAGE (unless --thp) keeps one fault per page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"

struct anon {
	const struct wl_args *a;
	size_t ps;
	char *shared;
};

/* pages+2 pages, guards at both ends; returns the first usable page */
static char *map_guarded(size_t pages, size_t ps, bool thp)
{
	size_t len = (pages + 2) * ps;
	char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + ps, pages * ps, PROT_READ | PROT_WRITE) ||
	    (!thp && madvise(p + ps, pages * ps, MADV_NOHUGEPAGE))) {
		munmap(p, len);
		return NULL;
	}
	return p + ps;
}

static void touch(char *p, size_t pages, size_t ps)
{
	for (size_t i = 0; i < pages && !wl_stop; i++)
		p[i * ps] = 1;
}

static int one_private(struct wl_thread *t, struct anon *an)
{
	size_t pages = an->a->pages;
	char *p = map_guarded(pages, an->ps, an->a->thp);

	if (!p) {
		wl_thread_fail(t, "mmap");
		return -1;
	}
	touch(p, pages, an->ps);
	munmap(p - an->ps, (pages + 2) * an->ps);
	return 0;
}

static void *faulter(void *arg)
{
	struct wl_thread *t = arg;
	struct anon *an = t->priv;

	wl_barrier_wait();
	wl_thread_begin(t);
	if (an->shared) {
		touch(an->shared + t->idx * an->a->pages * an->ps, an->a->pages, an->ps);
		t->pages = an->a->pages;
		t->iterations = 1;
	}
	for (unsigned long long i = 0; !an->shared && i < an->a->iterations && !wl_stop; i++) {
		if (one_private(t, an))
			break;
		t->pages += an->a->pages;
		t->iterations++;
	}
	wl_thread_end(t);
	return NULL;
}

static void params(struct wl_json *j, const struct wl_args *a, void *priv)
{
	struct anon *an = priv;

	wl_json_u64(j, "threads", a->threads);
	wl_json_u64(j, "pages", a->pages);
	wl_json_bool(j, "shared_vma", a->shared_vma);
	wl_json_u64(j, "iterations", a->shared_vma ? 1 : a->iterations);
	wl_json_bool(j, "thp", a->thp);
	wl_json_u64(j, "page_size", an->ps);
}

static int check(const struct cli_cmd *cmd, const struct wl_args *a)
{
	if (a->threads < 1 || a->threads > WL_MAX_THREADS)
		return cli_usage(cmd, "--threads must be 1..%d", WL_MAX_THREADS);
	if (a->pages < 1 || a->pages > (WL_MAX_SIZE_MB << 8) / a->threads)
		return cli_usage(cmd, "--pages must be 1..%llu per thread",
				 (WL_MAX_SIZE_MB << 8) / a->threads);
	if (a->iterations < 1)
		return cli_usage(cmd, "--iterations must be at least 1");
	return 0;
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	struct anon an = { .a = a, .ps = wl_page_size() };
	struct wl_result r = { .scenario = "anon", .args = a, .params_fn = params,
			       .priv = &an, .nthreads = a->threads };
	int ret = check(cmd, a);

	if (ret)
		return ret;
	if (a->shared_vma) {
		an.shared = map_guarded(a->pages * a->threads, an.ps, a->thp);
		if (!an.shared) {
			cli_err(cmd, "mmap: %s", strerror(errno));
			return CLI_EXIT_FAIL;
		}
	}
	r.threads = calloc(a->threads, sizeof(*r.threads));
	if (!r.threads)
		return CLI_EXIT_FAIL;
	for (unsigned i = 0; i < a->threads; i++)
		r.threads[i].priv = &an;
	ret = wl_run_threads(cmd, &r, faulter, 0);
	free(r.threads);
	return ret;
}

static void defaults(struct wl_args *a)
{
	a->threads = 2;
	a->pages = 1024;
	a->iterations = 50;
}

static const struct cli_opt opts[] = {
	WL_OPT_THREADS,
	{ "pages", 0, "N", "pages each thread touches per iteration", WL_O_PAGES },
	{ "shared-vma", 0, NULL, "one VMA for all threads (one iteration) instead of one per thread", WL_O_SHARED_VMA },
	{ "iterations", 'i', "N", "fresh VMAs per thread (mmap, touch, munmap)", WL_O_ITERATIONS },
	{ "thp", 0, NULL, "allow transparent huge pages (default MADV_NOHUGEPAGE)", WL_O_THP },
	WL_OPT_TRUTH,
	{ 0 }
};

const struct wl_scenario wl_anon = {
	"anon", "first touch of anonymous memory, a VMA per thread or one shared",
	opts, defaults, run,
};
