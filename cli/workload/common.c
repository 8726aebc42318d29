/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common.c - what every workload scenario needs: signals that only set a
 * flag, a cleanup registry run on every way out, timing, per-thread
 * getrusage(RUSAGE_THREAD) deltas, the start barrier, evicted backing files
 * and /proc/vmstat snapshots.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

volatile sig_atomic_t wl_stop;
volatile sig_atomic_t wl_signal;

#define WL_CLEANUP_MAX 16
static struct {
	void (*fn)(void *);
	void *arg;
} cleanups[WL_CLEANUP_MAX];
static int ncleanups;
static pthread_barrier_t barrier;

static void on_signal(int sig)
{
	wl_signal = sig;
	wl_stop = 1;
}

int wl_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -1;
	return 0;
}

int wl_cleanup_push(void (*fn)(void *), void *arg)
{
	if (ncleanups >= WL_CLEANUP_MAX)
		return -1;
	cleanups[ncleanups].fn = fn;
	cleanups[ncleanups].arg = arg;
	ncleanups++;
	return 0;
}

void wl_cleanup_run(void)
{
	while (ncleanups > 0) {
		ncleanups--;
		cleanups[ncleanups].fn(cleanups[ncleanups].arg);
	}
}

bool wl_stopping(void)
{
	return wl_stop != 0;
}

uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

size_t wl_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

pid_t wl_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void wl_sleep_ns(uint64_t ns)
{
	uint64_t end = wl_now_ns() + ns;

	while (!wl_stop) {
		uint64_t now = wl_now_ns();
		uint64_t step;
		struct timespec ts;

		if (now >= end)
			break;
		step = end - now;
		if (step > 20000000ULL)
			step = 20000000ULL;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step;
		nanosleep(&ts, NULL);
	}
}

void wl_thread_begin(struct wl_thread *t)
{
	struct rusage ru;

	t->tid = wl_gettid();
	errno = 0;
	t->nice = getpriority(PRIO_PROCESS, (id_t)t->tid);
	if (!t->policy)
		t->policy = "SCHED_OTHER";
	getrusage(RUSAGE_THREAD, &ru);
	t->minflt0 = ru.ru_minflt;
	t->majflt0 = ru.ru_majflt;
	t->t0 = wl_now_ns();
}

void wl_thread_end(struct wl_thread *t)
{
	struct rusage ru;

	t->elapsed_ns = wl_now_ns() - t->t0;
	getrusage(RUSAGE_THREAD, &ru);
	t->ru_minflt = ru.ru_minflt - t->minflt0;
	t->ru_majflt = ru.ru_majflt - t->majflt0;
}

void wl_thread_fail(struct wl_thread *t, const char *what)
{
	if (!t->err) {
		t->err = errno ? errno : EIO;
		t->err_what = what;
	}
	wl_stop = 1;
}

int wl_barrier_init(unsigned count)
{
	return pthread_barrier_init(&barrier, NULL, count) ? -1 : 0;
}

void wl_barrier_wait(void)
{
	pthread_barrier_wait(&barrier);
}

void wl_barrier_destroy(void)
{
	pthread_barrier_destroy(&barrier);
}

/* Workers block the stop signals so they are delivered to the main thread,
 * which is the only one sleeping in wl_sleep_ns() or join. */
int wl_threads_start(struct wl_thread *ts, unsigned n, void *(*fn)(void *))
{
	sigset_t set, old;
	int ret = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	for (unsigned i = 0; i < n; i++) {
		ts[i].idx = i;
		ret = pthread_create(&ts[i].handle, NULL, fn, &ts[i]);
		if (ret) {
			/* threads already started wait on the start barrier:
			 * the caller cleans up and exits */
			errno = ret;
			ret = -1;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

void wl_threads_join(struct wl_thread *ts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pthread_join(ts[i].handle, NULL);
}

bool wl_fs_is_memory(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return false;
	return sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC;
}

static void unlink_path(void *arg)
{
	unlink((const char *)arg);
}

static int fill_file(int fd, size_t size)
{
	enum { CHUNK = 1 << 20 };
	char *buf = malloc(CHUNK);
	size_t done = 0;
	int ret = -1;

	if (!buf)
		return -1;
	/* non-zero data, different per page, so no filesystem shortcut
	 * (holes, zero pages) replaces the reads */
	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (char)(i * 131 + (i >> 12) + 1);
	while (done < size && !wl_stop) {
		size_t n = size - done < CHUNK ? size - done : CHUNK;
		ssize_t w = pwrite(fd, buf, n, (off_t)done);

		if (w <= 0)
			goto out;
		done += (size_t)w;
	}
	ret = done == size && !fsync(fd) ? 0 : -1;
out:
	free(buf);
	return ret;
}

/* Files of runs killed by SIGKILL (or the OOM killer), whose pid is gone. */
static void reap_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];
	int pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "vmlockstat-wl-%d-", &pid) != 1 ||
		    !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static int open_temp(const struct cli_cmd *cmd, const char *dir, char *path,
		     size_t pathlen)
{
	int fd;

	reap_stale(dir);
	snprintf(path, pathlen, "%s/vmlockstat-wl-%d-XXXXXX", dir, (int)getpid());
	fd = mkstemp(path);
	if (fd < 0) {
		cli_err(cmd, "cannot create a file in %s: %s", dir, strerror(errno));
		return -1;
	}
	/* the path string lives in the caller's buffer for the whole run */
	if (wl_cleanup_push(unlink_path, path)) {
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

int wl_file_open(const struct cli_cmd *cmd, const struct wl_args *a,
		 size_t size, char *path, size_t pathlen)
{
	struct stat st;
	int fd;

	if (a->file) {
		snprintf(path, pathlen, "%s", a->file);
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0) {
			cli_err(cmd, "%s: %s", path, strerror(errno));
			return -1;
		}
	} else {
		fd = open_temp(cmd, a->dir ? a->dir : "/var/tmp", path, pathlen);
		if (fd < 0)
			return -1;
	}
	if (wl_fs_is_memory(fd))
		cli_err(cmd, "warning: %s is on tmpfs/ramfs: no I/O, no major faults",
			path);
	if (fstat(fd, &st) || (size_t)st.st_size != size) {
		if (ftruncate(fd, (off_t)size) || fill_file(fd, size)) {
			cli_err(cmd, "%s: cannot write %zu bytes: %s", path, size,
				wl_stop ? "interrupted" : strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

long wl_resident_pages(void *map, size_t size)
{
	size_t ps = wl_page_size(), n = (size + ps - 1) / ps;
	unsigned char *vec = malloc(n);
	long res = 0;

	if (!vec)
		return -1;
	if (mincore(map, size, vec)) {
		free(vec);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		res += vec[i] & 1;
	free(vec);
	return res;
}

long wl_file_evict(int fd, void *map, size_t size)
{
	long res = -1;

	/* dirty pages are not dropped by POSIX_FADV_DONTNEED: write first.
	 * A few rounds, since pages under writeback survive the first one. */
	for (int round = 0; round < 5; round++) {
		if (fsync(fd) || posix_fadvise(fd, 0, (off_t)size,
					       POSIX_FADV_DONTNEED))
			return -1;
		res = wl_resident_pages(map, size);
		if (res <= 0)
			break;
		wl_sleep_ns(10000000ULL);
	}
	return res;
}

static bool vmstat_wanted(const char *name)
{
	static const char *const keep[] = {
		"pgfault", "pgmajfault", "pswpin", "pswpout",
		"workingset_refault_file", "workingset_refault_anon", NULL
	};

	if (!strncmp(name, "vma_lock_", 9))
		return true;
	for (int i = 0; keep[i]; i++)
		if (!strcmp(name, keep[i]))
			return true;
	return false;
}

int wl_vmstat_read(struct wl_vmstat *v)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char name[64];
	unsigned long long val;

	v->n = 0;
	if (!f)
		return -1;
	while (fscanf(f, "%63s %llu", name, &val) == 2) {
		if (!vmstat_wanted(name) || v->n >= WL_VMSTAT_MAX)
			continue;
		snprintf(v->name[v->n], sizeof(v->name[0]), "%s", name);
		v->val[v->n++] = val;
	}
	fclose(f);
	return 0;
}

void wl_vmstat_delta(struct wl_vmstat *out, const struct wl_vmstat *before,
		     const struct wl_vmstat *after)
{
	out->n = 0;
	for (int i = 0; i < after->n; i++) {
		for (int k = 0; k < before->n; k++) {
			if (strcmp(after->name[i], before->name[k]))
				continue;
			memcpy(out->name[out->n], after->name[i], sizeof(out->name[0]));
			out->val[out->n++] = after->val[i] - before->val[k];
			break;
		}
	}
}

int wl_thread_errors(const struct cli_cmd *cmd, const struct wl_thread *ts,
		     unsigned n)
{
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!ts[i].err)
			continue;
		cli_err(cmd, "thread %u: %s: %s", i, ts[i].err_what,
			strerror(ts[i].err));
		ret = CLI_EXIT_FAIL;
	}
	return ret;
}

int wl_run_threads(const struct cli_cmd *cmd, struct wl_result *r,
		   void *(*fn)(void *), double duration)
{
	int ret;

	if (wl_barrier_init(r->nthreads + 1))
		return CLI_EXIT_FAIL;
	if (wl_threads_start(r->threads, r->nthreads, fn)) {
		cli_err(cmd, "cannot start threads: %s", strerror(errno));
		wl_cleanup_run(); /* started threads wait on the barrier forever */
		exit(CLI_EXIT_FAIL);
	}
	wl_vmstat_read(&r->before);
	wl_barrier_wait();
	r->elapsed_ns = wl_now_ns();
	if (duration > 0) {
		wl_sleep_ns((uint64_t)(duration * 1e9));
		wl_stop = 1;
	}
	wl_threads_join(r->threads, r->nthreads);
	r->elapsed_ns = wl_now_ns() - r->elapsed_ns;
	wl_vmstat_read(&r->after);
	wl_barrier_destroy();
	ret = wl_thread_errors(cmd, r->threads, r->nthreads);
	if (wl_truth_write(cmd, r))
		ret = CLI_EXIT_FAIL;
	return ret;
}
