/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pressure.c - the iofault engine inside a memory cgroup whose limit is
 * smaller than the file, so pages are reclaimed between the read and the
 * retried fault (refaults, Willy's case): v2's memory.high (reclaim and
 * throttling, never the OOM killer), or v1's limit. Uses cgroup v2 when
 * its memory controller is usable at the root of the v2 mount, else the
 * v1 memory controller (a child of our current v1 memory cgroup). The
 * child cgroup is removed at exit after the process moves back to where
 * it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

struct cg {
	int version;          /* 1 or 2 */
	char orig[4096];      /* cgroup directory we came from */
	char dir[4200];       /* ours */
	bool created, moved;
	unsigned long long limit;
};

static struct cg cg;

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[4400];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

static bool has_word(const char *list, const char *word, const char *seps)
{
	char buf[1024], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, seps, &save); w; w = strtok_r(NULL, seps, &save))
		if (!strcmp(w, word))
			return true;
	return false;
}

/* Mount point of the cgroup fs of this version (v1: the one with the
 * memory controller). */
static bool find_mount(int version, char *mnt, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char dev[256], dir[1024], type[64], opts[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fscanf(f, "%255s %1023s %63s %1023s %*d %*d", dev, dir,
				type, opts) == 4) {
		if (version == 2 && !strcmp(type, "cgroup2"))
			found = true;
		if (version == 1 && !strcmp(type, "cgroup") && has_word(opts, "memory", ","))
			found = true;
		if (found)
			snprintf(mnt, len, "%s", dir);
	}
	fclose(f);
	return found;
}

/* Our cgroup path from /proc/self/cgroup: v2 "0::/path", v1 "N:ctrl,..:/path" */
static bool find_path(int version, char *path, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4400];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = 0;
		line[strcspn(line, ":")] = 0;
		c2[1 + strcspn(c2 + 1, "\n")] = 0;
		if (version == 2 && !strcmp(line, "0") && c1[1] == 0)
			found = true;
		if (version == 1 && has_word(c1 + 1, "memory", ","))
			found = true;
		if (found)
			snprintf(path, len, "%s", c2 + 1);
	}
	fclose(f);
	return found;
}

static bool v2_usable(const char *mnt)
{
	char path[4200], buf[1024] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mnt);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return has_word(buf, "memory", " ");
}

/* A run killed by SIGKILL (or the OOM killer) cannot clean up: remove
 * child cgroups whose owning pid is gone. */
static void reap_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	char path[4400];
	int pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "vmlockstat-wl-%d", &pid) != 1 ||
		    !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, e->d_name);
		rmdir(path);
	}
	closedir(d);
}

static int locate(void)
{
	char mnt[1024], path[2048];

	/* v2: children of the root, where processes and controllers may mix */
	if (find_mount(2, mnt, sizeof(mnt)) && v2_usable(mnt) &&
	    find_path(2, path, sizeof(path))) {
		cg.version = 2;
		snprintf(cg.orig, sizeof(cg.orig), "%s%s", mnt, path);
		snprintf(cg.dir, sizeof(cg.dir), "%s/vmlockstat-wl-%d", mnt, (int)getpid());
		reap_stale(mnt);
		return 0;
	}
	if (find_mount(1, mnt, sizeof(mnt)) && find_path(1, path, sizeof(path))) {
		cg.version = 1;
		snprintf(cg.orig, sizeof(cg.orig), "%s%s", mnt, path);
		snprintf(cg.dir, sizeof(cg.dir), "%s/vmlockstat-wl-%d",
			 cg.orig, (int)getpid());
		reap_stale(cg.orig);
		return 0;
	}
	return -1;
}

static void cg_remove(void *arg)
{
	char pid[32];

	(void)arg;
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (cg.moved)
		write_file(cg.orig, "cgroup.procs", pid);
	/* rmdir fails with EBUSY while the move settles: a few tries */
	for (int i = 0; cg.created && i < 50; i++) {
		if (!rmdir(cg.dir) || errno == ENOENT)
			break;
		usleep(20000);
	}
}

static int before_start(const struct cli_cmd *cmd, const struct wl_args *a,
			void *priv)
{
	char val[64];

	(void)a;
	(void)priv;
	if (mkdir(cg.dir, 0755)) {
		cli_err(cmd, "mkdir %s: %s", cg.dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	cg.created = true;
	if (wl_cleanup_push(cg_remove, NULL)) {
		rmdir(cg.dir);
		return CLI_EXIT_FAIL;
	}
	/* v2: memory.high, where the kernel reclaims and throttles the
	 * cgroup but never OOM-kills it; memory.max took the workload at
	 * 16 MB under load (its readahead in flight, nothing reclaimable:
	 * live_scenario_pressure, exit 137). v1 has no such limit. */
	snprintf(val, sizeof(val), "%llu\n", cg.limit);
	if (write_file(cg.dir, cg.version == 2 ? "memory.high" : "memory.limit_in_bytes", val)) {
		cli_err(cmd, "%s: cannot set the memory limit: %s", cg.dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	snprintf(val, sizeof(val), "%d\n", (int)getpid());
	if (write_file(cg.dir, "cgroup.procs", val)) {
		cli_err(cmd, "%s: cannot move pid %s: %s", cg.dir, val, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	cg.moved = true;
	return 0;
}

static void params(struct wl_json *j, const struct wl_args *a, void *priv)
{
	(void)a;
	(void)priv;
	wl_json_i64(j, "cgroup_version", cg.version);
	wl_json_str(j, "cgroup", cg.dir);
	wl_json_u64(j, "memory_limit_bytes", cg.limit);
}

static int run(const struct cli_cmd *cmd, const struct wl_args *a)
{
	struct wl_iofault_hooks hooks = { .before_start = before_start,
					  .params = params };

	/* below ~16 MB the memcg OOM killer takes the process (its own
	 * stacks and page tables are charged too), leaving files behind */
	if (a->limit_mb < 16 || a->limit_mb >= a->size_mb)
		return cli_usage(cmd, "--limit must be 16..%llu MB (below --size)",
				 a->size_mb - 1);
	if (geteuid() != 0) {
		fprintf(stderr, "vmlockstat %s: skipped: needs root to create a memory cgroup\n",
			cmd->name);
		return WL_SKIP;
	}
	if (locate()) {
		fprintf(stderr, "vmlockstat %s: skipped: no usable memory cgroup (v2 memory controller at the root, or v1 memory hierarchy)\n",
			cmd->name);
		return WL_SKIP;
	}
	cg.limit = a->limit_mb << 20;
	return wl_iofault_run(cmd, a, "pressure", &hooks);
}

static void defaults(struct wl_args *a)
{
	a->threads = 4;
	a->size_mb = 64;
	a->limit_mb = 16;
	a->writer_pages = 16;
	a->writer_sleep_us = 100;
	a->iterations = 1;
}

static const struct cli_opt opts[] = {
	WL_OPT_THREADS,
	{ "size", 's', "MB", "size of the backing file", WL_O_SIZE },
	{ "limit", 0, "MB", "memory limit of the cgroup (below --size)", WL_O_LIMIT },
	{ "random", 0, NULL, "MADV_RANDOM: one page per major fault (no readahead)", WL_O_RANDOM },
	{ "iterations", 'i', "N", "passes over the file, evicted again before each", WL_O_ITERATIONS },
	{ "writers", 'w', "N", "writer threads (see iofault)", WL_O_WRITERS },
	{ "writer-op", 0, "OP", "mprotect | munmap | madvise", WL_O_WRITER_OP },
	{ "writer-target", 0, "T", "same | other", WL_O_WRITER_TARGET },
	{ "writer-sleep-us", 0, "US", "pause between writer operations", WL_O_WRITER_SLEEP },
	WL_OPT_NICE,
	{ "dir", 0, "DIR", "directory for the temporary backing file (default /var/tmp)", WL_O_DIR },
	WL_OPT_TRUTH,
	{ 0 }
};

const struct wl_scenario wl_pressure = {
	"pressure", "file faults in a memory cgroup smaller than the file (refaults)",
	opts, defaults, run,
};
