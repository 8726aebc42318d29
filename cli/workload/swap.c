/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * swap.c - anonymous memory pushed to swap with MADV_PAGEOUT, then faulted
 * back by the threads (do_swap_page(): one major fault per page on zram,
 * which reads synchronously without swap readahead).
 *
 * Uses the swap already active; with --setup-swap it first creates its own
 * zram device (hot_add), mkswap + swapon, and at exit swapoff, reset and
 * hot_remove. Without swap: exit 77, "skipped: ...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

struct swapwl {
	const struct wl_args *a;
	size_t ps, pages;         /* per thread */
	char *map;
	long zram;                /* our zram device, -1 none */
	bool swapon;
	char dev[64];
	unsigned long long swapped;
};

static struct swapwl sw = { .zram = -1 };

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

static bool swap_active(void)
{
	FILE *f = fopen("/proc/swaps", "re");
	char line[512];
	int n = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1; /* a header line, then one per swap area */
}

static void zram_teardown(void *arg)
{
	char path[128], val[32];

	(void)arg;
	if (sw.swapon && swapoff(sw.dev))
		fprintf(stderr, "vmlockstat workload swap: swapoff %s: %s\n", sw.dev,
			strerror(errno));
	snprintf(path, sizeof(path), "/sys/block/zram%ld/reset", sw.zram);
	sysfs_write(path, "1\n");
	snprintf(val, sizeof(val), "%ld\n", sw.zram);
	if (sysfs_write("/sys/class/zram-control/hot_remove", val))
		fprintf(stderr, "vmlockstat workload swap: hot_remove zram%ld: %s\n",
			sw.zram, strerror(errno));
}

static int run_mkswap(const char *dev)
{
	char *argv[] = { "mkswap", (char *)dev, NULL };
	int fd = open("/dev/null", O_WRONLY), status;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret;

	posix_spawn_file_actions_init(&fa);
	if (fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, fd, 1);
	ret = posix_spawnp(&pid, "mkswap", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (fd >= 0)
		close(fd);
	if (ret)
		return -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int zram_setup(const struct cli_cmd *cmd, unsigned long long bytes)
{
	char buf[32], path[128];
	FILE *f = fopen("/sys/class/zram-control/hot_add", "re");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		fprintf(stderr, "vmlockstat %s: skipped: no zram (/sys/class/zram-control/hot_add)\n",
			cmd->name);
		return WL_SKIP;
	}
	fclose(f);
	sw.zram = strtol(buf, NULL, 10);
	if (wl_cleanup_push(zram_teardown, NULL))
		return CLI_EXIT_FAIL;
	snprintf(path, sizeof(path), "/sys/block/zram%ld/disksize", sw.zram);
	snprintf(buf, sizeof(buf), "%llu\n", bytes);
	snprintf(sw.dev, sizeof(sw.dev), "/dev/zram%ld", sw.zram);
	if (sysfs_write(path, buf)) {
		cli_err(cmd, "%s: %s", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (run_mkswap(sw.dev)) {
		cli_err(cmd, "mkswap %s failed", sw.dev);
		return CLI_EXIT_FAIL;
	}
	if (swapon(sw.dev, 0)) {
		cli_err(cmd, "swapon %s: %s", sw.dev, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	sw.swapon = true;
	return 0;
}

/* Pages of [p, p+len) that /proc/self/pagemap shows swapped (bit 62). */
static long count_swapped(char *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	size_t n = len / sw.ps;
	uint64_t *e = malloc(n * sizeof(*e));
	long cnt = -1;

	if (fd >= 0 && e && pread(fd, e, n * sizeof(*e),
				  (off_t)((uintptr_t)p / sw.ps * sizeof(*e))) ==
			       (ssize_t)(n * sizeof(*e))) {
		cnt = 0;
		for (size_t i = 0; i < n; i++)
			cnt += (e[i] >> 62) & 1;
	}
	free(e);
	if (fd >= 0)
		close(fd);
	return cnt;
}

static int push_out(const struct cli_cmd *cmd, size_t len)
{
	long cnt;

	memset(sw.map, 0x5a, len); /* same-filled pages are fine: still swapped */
	for (size_t i = 0; i < len; i += sw.ps)
		sw.map[i] = (char)(i / sw.ps);
	if (madvise(sw.map, len, MADV_PAGEOUT)) {
		cli_err(cmd, "madvise(MADV_PAGEOUT): %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	cnt = count_swapped(sw.map, len);
	if (cnt < 0) {
		cli_err(cmd, "/proc/self/pagemap: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	sw.swapped = (unsigned long long)cnt;
	if (cnt == 0) {
		fprintf(stderr, "vmlockstat %s: skipped: MADV_PAGEOUT swapped nothing out\n",
			cmd->name);
		return WL_SKIP;
	}
	return 0;
}

static void *faulter(void *arg)
{
	struct wl_thread *t = arg;
	char *p = sw.map + t->idx * sw.pages * sw.ps;
	unsigned long sum = 0;

	t->pages = (unsigned long long)count_swapped(p, sw.pages * sw.ps);
	wl_barrier_wait();
	wl_thread_begin(t);
	for (size_t i = 0; i < sw.pages && !wl_stop; i++)
		sum += (unsigned char)*(volatile char *)(p + i * sw.ps);
	t->iterations = 1;
	(void)sum;
	wl_thread_end(t);
	return NULL;
}

static void params(struct wl_json *j, const struct wl_args *a, void *priv)
{
	(void)priv;
	wl_json_u64(j, "threads", a->threads);
	wl_json_u64(j, "size_mb", a->size_mb);
	wl_json_bool(j, "setup_swap", a->setup_swap);
	wl_json_str(j, "swap_device", sw.zram >= 0 ? sw.dev : "existing");
	wl_json_u64(j, "pages_swapped_out", sw.swapped);
	wl_json_u64(j, "page_size", sw.ps);
}

static size_t map_len;

/* before swapoff (cleanups run last-in first-out): unmapping frees the
 * swap slots, so swapoff has nothing to read back */
static void unmap(void *arg)
{
	(void)arg;
	munmap(sw.map, map_len);
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	struct wl_result r = { .scenario = "swap", .args = a, .params_fn = params,
			       .nthreads = a->threads };
	size_t len;
	int ret;

	if (a->threads < 1 || a->threads > WL_MAX_THREADS || a->size_mb < 1 ||
	    a->size_mb > WL_MAX_SIZE_MB)
		return cli_usage(cmd, "--threads must be 1..%d and --size 1..%llu",
				 WL_MAX_THREADS, WL_MAX_SIZE_MB);
	sw.a = a;
	sw.ps = wl_page_size();
	sw.pages = (size_t)(a->size_mb << 20) / sw.ps / a->threads;
	len = sw.pages * a->threads * sw.ps;
	if (a->setup_swap) {
		if (geteuid() != 0) {
			fprintf(stderr, "vmlockstat %s: skipped: --setup-swap needs root\n", cmd->name);
			return WL_SKIP;
		}
		ret = zram_setup(cmd, (a->size_mb << 20) * 2);
		if (ret)
			return ret;
	} else if (!swap_active()) {
		fprintf(stderr, "vmlockstat %s: skipped: no swap active (pass --setup-swap to create a temporary zram swap)\n",
			cmd->name);
		return WL_SKIP;
	}
	sw.map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sw.map == MAP_FAILED || madvise(sw.map, len, MADV_NOHUGEPAGE)) {
		cli_err(cmd, "mmap: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	map_len = len;
	if (wl_cleanup_push(unmap, NULL))
		return CLI_EXIT_FAIL;
	ret = push_out(cmd, len);
	if (ret || wl_stop)
		return ret;
	r.threads = calloc(a->threads, sizeof(*r.threads));
	if (!r.threads)
		return CLI_EXIT_FAIL;
	ret = wl_run_threads(cmd, &r, faulter, 0);
	free(r.threads);
	return ret;
}

static void defaults(struct wl_args *a)
{
	a->threads = 2;
	a->size_mb = 64;
}

static const struct cli_opt opts[] = {
	WL_OPT_THREADS,
	{ "size", 's', "MB", "anonymous memory pushed to swap and faulted back", WL_O_SIZE },
	{ "setup-swap", 0, NULL, "create a temporary zram swap (root), removed at exit", WL_O_SETUP_SWAP },
	WL_OPT_TRUTH,
	{ 0 }
};

const struct wl_scenario wl_swap = {
	"swap", "anonymous memory pushed to swap, then faulted back (do_swap_page)",
	opts, defaults, run,
};
