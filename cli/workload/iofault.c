/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iofault.c - threads fault in a shared file mapping evicted from the page
 * cache, optionally while writer threads change part of the same VMA (or
 * another VMA) under mmap_lock for write.
 *
 * With --random (MADV_RANDOM) filemap_fault() reads exactly the faulting
 * page, so every touched page is one major fault: the ground truth for the
 * "fallback after I/O" analysis. On kernels with per-VMA locks the fault
 * first runs under lock_vma_under_rcu(); filemap_fault() drops the VMA lock
 * to wait for the read (VM_FAULT_RETRY) and the retry takes mmap_lock in
 * lock_mm_and_find_vma().
 *
 * Layout: the faulting threads share [0, fault_pages) in equal slices; the
 * writers work on the last writer_pages pages of the same mapping, which
 * no faulter touches (so munmap+mmap never makes a faulter SIGSEGV), or on
 * an anonymous mapping of their own with --writer-target other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"

struct iofault {
	const struct wl_args *a;
	const struct wl_iofault_hooks *hooks;
	int fd;
	char path[4096];
	char *map;
	size_t size, ps;
	size_t fault_pages;
	char *wmap;          /* writers' region */
	size_t wlen;
	off_t woff;          /* file offset of the writers' region, -1 = anon */
	unsigned nthreads;
	struct wl_thread *threads;
	pthread_barrier_t pass;
	volatile int faulters_left;
	long resident_after_evict;
};

static void slice(const struct iofault *io, unsigned idx, size_t *first,
		  size_t *n)
{
	size_t per = io->fault_pages / io->a->threads;

	*first = per * idx;
	*n = idx + 1 == io->a->threads ? io->fault_pages - *first : per;
}

static size_t touch_slice(const struct iofault *io, size_t first, size_t n)
{
	size_t done = 0;

	for (size_t p = first; p < first + n && !wl_stop; p++, done++)
		(void)*(volatile char *)(io->map + p * io->ps);
	return done;
}

static void *faulter(void *arg)
{
	struct wl_thread *t = arg;
	struct iofault *io = t->priv;
	size_t first, n;

	if (io->a->set_nice && setpriority(PRIO_PROCESS, (id_t)wl_gettid(),
					   io->a->nice))
		wl_thread_fail(t, "setpriority");
	slice(io, t->idx, &first, &n);
	wl_barrier_wait();
	wl_thread_begin(t);
	for (unsigned long long it = 0; it < io->a->iterations; it++) {
		pthread_barrier_wait(&io->pass);
		if (!wl_stop) {
			t->pages += touch_slice(io, first, n);
			t->iterations++;
		}
		pthread_barrier_wait(&io->pass);
	}
	wl_thread_end(t);
	__atomic_sub_fetch(&io->faulters_left, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int writer_mprotect(struct iofault *io)
{
	if (mprotect(io->wmap, io->wlen, PROT_NONE))
		return -1;
	return mprotect(io->wmap, io->wlen, PROT_READ);
}

static int writer_munmap(struct iofault *io)
{
	void *p;

	if (munmap(io->wmap, io->wlen))
		return -1;
	if (io->woff >= 0)
		p = mmap(io->wmap, io->wlen, PROT_READ, MAP_SHARED | MAP_FIXED,
			 io->fd, io->woff);
	else
		p = mmap(io->wmap, io->wlen, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	return p == MAP_FAILED ? -1 : 0;
}

/* MADV_SEQUENTIAL and back changes vm_flags on part of the VMA: split and
 * merge under mmap_lock for write, like mprotect. */
static int writer_madvise(struct iofault *io)
{
	if (madvise(io->wmap, io->wlen, MADV_SEQUENTIAL))
		return -1;
	return madvise(io->wmap, io->wlen, io->a->random ? MADV_RANDOM : MADV_NORMAL);
}

static void *writer(void *arg)
{
	static int (*const ops[])(struct iofault *) = {
		[WL_OP_MPROTECT] = writer_mprotect,
		[WL_OP_MUNMAP] = writer_munmap,
		[WL_OP_MADVISE] = writer_madvise,
	};
	struct wl_thread *t = arg;
	struct iofault *io = t->priv;

	if (io->hooks && io->hooks->writer_setup)
		io->hooks->writer_setup(t, io->a, io->hooks->priv);
	wl_barrier_wait();
	wl_thread_begin(t);
	while (!wl_stop && __atomic_load_n(&io->faulters_left, __ATOMIC_SEQ_CST)) {
		if (ops[io->a->writer_op](io)) {
			wl_thread_fail(t, "writer operation");
			break;
		}
		t->iterations++;
		if (io->a->writer_sleep_us)
			usleep((useconds_t)io->a->writer_sleep_us);
	}
	t->pages = io->wlen / io->ps;
	wl_thread_end(t);
	return NULL;
}

static void unmap_all(void *arg)
{
	struct iofault *io = arg;

	if (io->map)
		munmap(io->map, io->size);
	if (io->woff < 0 && io->wmap)
		munmap(io->wmap, io->wlen);
	if (io->fd >= 0)
		close(io->fd);
}

static int check_args(const struct cli_cmd *cmd, struct iofault *io)
{
	const struct wl_args *a = io->a;
	size_t total = io->size / io->ps;

	if (a->threads < 1 || a->threads + a->writers > WL_MAX_THREADS)
		return cli_usage(cmd, "--threads must be 1..%d (with --writers)",
				 WL_MAX_THREADS);
	if (a->size_mb < 1 || a->size_mb > WL_MAX_SIZE_MB)
		return cli_usage(cmd, "--size must be 1..%llu MB", WL_MAX_SIZE_MB);
	if (a->writers && (a->writer_pages < 1 || a->writer_pages > total / 2))
		return cli_usage(cmd, "--writer-pages must be 1..%zu", total / 2);
	if (a->iterations < 1)
		return cli_usage(cmd, "--iterations must be at least 1");
	io->fault_pages = total - (a->writers && !a->writer_other ? a->writer_pages : 0);
	if (io->fault_pages < a->threads)
		return cli_usage(cmd, "fewer pages than threads");
	return 0;
}

static int map_file(const struct cli_cmd *cmd, struct iofault *io)
{
	const struct wl_args *a = io->a;

	io->fd = wl_file_open(cmd, a, io->size, io->path, sizeof(io->path));
	if (io->fd < 0)
		return CLI_EXIT_FAIL;
	io->map = mmap(NULL, io->size, PROT_READ, MAP_SHARED, io->fd, 0);
	if (io->map == MAP_FAILED) {
		io->map = NULL;
		cli_err(cmd, "mmap %s: %s", io->path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (a->random && madvise(io->map, io->size, MADV_RANDOM)) {
		cli_err(cmd, "madvise(MADV_RANDOM): %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	io->wlen = a->writer_pages * io->ps;
	if (!a->writers)
		return 0;
	if (!a->writer_other) {
		io->woff = (off_t)(io->fault_pages * io->ps);
		io->wmap = io->map + io->woff;
		return 0;
	}
	io->wmap = mmap(NULL, io->wlen, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (io->wmap == MAP_FAILED) {
		io->wmap = NULL;
		cli_err(cmd, "mmap: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* Between passes: drop our PTEs (pages mapped by a process are not
 * evicted by fadvise) and evict the faulters' range again. */
static int evict(const struct cli_cmd *cmd, struct iofault *io)
{
	size_t len = io->fault_pages * io->ps;

	if (madvise(io->map, len, MADV_DONTNEED)) {
		cli_err(cmd, "madvise(MADV_DONTNEED): %s", strerror(errno));
		return -1;
	}
	io->resident_after_evict = wl_file_evict(io->fd, io->map, len);
	if (io->resident_after_evict < 0) {
		cli_err(cmd, "evicting %s: %s", io->path, strerror(errno));
		return -1;
	}
	if (io->resident_after_evict > 0)
		cli_err(cmd, "warning: %ld pages of %s stay in the page cache",
			io->resident_after_evict, io->path);
	return 0;
}

static int run_passes(const struct cli_cmd *cmd, struct iofault *io)
{
	for (unsigned long long it = 0; it < io->a->iterations; it++) {
		if (it > 0 && !wl_stop && evict(cmd, io))
			wl_stop = 1;
		pthread_barrier_wait(&io->pass);
		pthread_barrier_wait(&io->pass);
	}
	return 0;
}

static void params(struct wl_json *j, const struct wl_args *a, void *priv)
{
	struct iofault *io = priv;

	wl_iofault_params(j, a);
	wl_json_str(j, "file", io->path);
	wl_json_bool(j, "file_on_tmpfs", wl_fs_is_memory(io->fd));
	wl_json_u64(j, "page_size", io->ps);
	wl_json_u64(j, "fault_pages", io->fault_pages);
	wl_json_i64(j, "resident_after_evict", io->resident_after_evict);
	if (io->hooks && io->hooks->params)
		io->hooks->params(j, a, io->hooks->priv);
}

void wl_iofault_params(struct wl_json *j, const struct wl_args *a)
{
	static const char *const ops[] = { "mprotect", "munmap", "madvise" };

	wl_json_u64(j, "threads", a->threads);
	wl_json_u64(j, "size_mb", a->size_mb);
	wl_json_bool(j, "random", a->random);
	wl_json_u64(j, "iterations", a->iterations);
	wl_json_u64(j, "writers", a->writers);
	wl_json_str(j, "writer_op", ops[a->writer_op]);
	wl_json_str(j, "writer_target", a->writer_other ? "other" : "same");
	wl_json_u64(j, "writer_sleep_us", a->writer_sleep_us);
	wl_json_u64(j, "writer_pages", a->writer_pages);
	if (a->set_nice)
		wl_json_i64(j, "nice", a->nice);
	else
		wl_json_null(j, "nice");
}

static int start(const struct cli_cmd *cmd, struct iofault *io,
		 struct wl_result *r)
{
	unsigned nf = io->a->threads;

	for (unsigned i = 0; i < io->nthreads; i++) {
		io->threads[i].priv = io;
		io->threads[i].role = i < nf ? WL_FAULTER : WL_WRITER;
	}
	io->faulters_left = (int)nf;
	if (wl_barrier_init(io->nthreads + 1) ||
	    pthread_barrier_init(&io->pass, NULL, nf + 1))
		return CLI_EXIT_FAIL;
	if (wl_threads_start(io->threads, nf, faulter) ||
	    wl_threads_start(io->threads + nf, io->nthreads - nf, writer)) {
		cli_err(cmd, "cannot start threads: %s", strerror(errno));
		wl_cleanup_run(); /* started threads wait on the barrier forever */
		exit(CLI_EXIT_FAIL);
	}
	wl_vmstat_read(&r->before);
	wl_barrier_wait();
	r->elapsed_ns = wl_now_ns();
	run_passes(cmd, io);
	wl_threads_join(io->threads, io->nthreads);
	r->elapsed_ns = wl_now_ns() - r->elapsed_ns;
	wl_vmstat_read(&r->after);
	pthread_barrier_destroy(&io->pass);
	wl_barrier_destroy();
	return 0;
}

int wl_iofault_run(const struct cli_cmd *cmd, const struct wl_args *a,
		   const char *scenario, const struct wl_iofault_hooks *hooks)
{
	struct iofault *io = calloc(1, sizeof(*io));
	struct wl_result r = { .scenario = scenario, .args = a, .params_fn = params };
	int ret;

	if (!io)
		return CLI_EXIT_FAIL;
	io->a = a;
	io->hooks = hooks;
	io->fd = -1;
	io->woff = -1;
	io->ps = wl_page_size();
	io->size = (size_t)a->size_mb << 20;
	io->nthreads = a->threads + a->writers;
	ret = check_args(cmd, io);
	if (ret)
		goto out;
	io->threads = calloc(io->nthreads, sizeof(*io->threads));
	ret = !io->threads || wl_cleanup_push(unmap_all, io) ? CLI_EXIT_FAIL : 0;
	if (ret)
		goto out;
	ret = map_file(cmd, io);
	if (ret || wl_stop)
		goto out;
	io->resident_after_evict = wl_file_evict(io->fd, io->map, io->size);
	if (hooks && hooks->before_start)
		ret = hooks->before_start(cmd, a, hooks->priv);
	if (ret || wl_stop)
		goto out;
	ret = start(cmd, io, &r);
	if (ret)
		goto out;
	r.priv = io;
	r.threads = io->threads;
	r.nthreads = io->nthreads;
	ret = wl_thread_errors(cmd, io->threads, io->nthreads);
	if (wl_truth_write(cmd, &r))
		ret = CLI_EXIT_FAIL;
out:
	/* io is not freed: the cleanup registry (unmap_all, unlink of
	 * io->path) points into it until the process ends */
	return ret;
}

static void defaults(struct wl_args *a)
{
	a->threads = 2;
	a->size_mb = 32;
	a->writer_pages = 16;
	a->writer_sleep_us = 100;
	a->iterations = 1;
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	return wl_iofault_run(cmd, a, "iofault", NULL);
}

static const struct cli_opt opts[] = {
	WL_OPT_THREADS,
	{ "size", 's', "MB", "size of the backing file", WL_O_SIZE },
	{ "random", 0, NULL, "MADV_RANDOM: one page per major fault (no readahead)", WL_O_RANDOM },
	{ "iterations", 'i', "N", "passes over the file, evicted again before each", WL_O_ITERATIONS },
	{ "writers", 'w', "N", "writer threads changing the mapping under mmap_lock", WL_O_WRITERS },
	{ "writer-op", 0, "OP", "mprotect | munmap | madvise (munmap means munmap+mmap)", WL_O_WRITER_OP },
	{ "writer-target", 0, "T", "same (last pages of the faulters' VMA) | other (own VMA)", WL_O_WRITER_TARGET },
	{ "writer-sleep-us", 0, "US", "pause between writer operations", WL_O_WRITER_SLEEP },
	{ "writer-pages", 0, "N", "pages the writers change", WL_O_WRITER_PAGES },
	WL_OPT_NICE,
	{ "file", 0, "PATH", "backing file (created if missing, kept)", WL_O_FILE },
	{ "dir", 0, "DIR", "directory for the temporary backing file (default /var/tmp)", WL_O_DIR },
	WL_OPT_TRUTH,
	{ 0 }
};

const struct wl_scenario wl_iofault = {
	"iofault", "threads fault in a file mapping evicted from the page cache",
	opts, defaults, run,
};
