/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fetch.c - Debian packages for the guests (lab.h): the newest
 * linux-image-PREFIX...-FLAVOUR[-unsigned] of an architecture, and its
 * busybox-static, downloaded with apt-get and unpacked with dpkg -x into
 * the cache. apt runs with a private configuration per architecture
 * (package lists, archives and an empty dpkg status under
 * CACHE/apt-ARCH, APT::Architectures=ARCH) over the host's sources.list:
 * nothing of the host's dpkg state or architecture list changes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define LISTS_MAX_AGE (24 * 3600)
#define APT_ARGV_MAX 24

struct apt {
	char root[PATH_MAX];
	char opt[8][PATH_MAX + 64];
	const char *argv[APT_ARGV_MAX];
	int argc;
};

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	lab_path(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

/* apt-get/apt-cache TOOL with the private options, then the words */
static void apt_init(struct apt *a, const struct lab_env *env, const char *deb,
		     const char *tool)
{
	int n = 0;

	lab_path(a->root, sizeof(a->root), "%s/apt-%s", env->cache, deb);
	lab_path(a->opt[n++], sizeof(a->opt[0]), "Dir::State::Lists=%s/lists", a->root);
	lab_path(a->opt[n++], sizeof(a->opt[0]), "Dir::Cache=%s", a->root);
	lab_path(a->opt[n++], sizeof(a->opt[0]), "Dir::Cache::archives=%s/archives", a->root);
	lab_path(a->opt[n++], sizeof(a->opt[0]), "Dir::State::status=%s/status", a->root);
	lab_path(a->opt[n++], sizeof(a->opt[0]), "APT::Architecture=%s", deb);
	lab_path(a->opt[n++], sizeof(a->opt[0]), "APT::Architectures=%s", deb);
	if (geteuid() == 0)   /* the lists belong to us, not to _apt */
		lab_path(a->opt[n++], sizeof(a->opt[0]), "APT::Sandbox::User=root");
	a->argc = 0;
	a->argv[a->argc++] = tool;
	a->argv[a->argc++] = "-q";
	for (int i = 0; i < n; i++) {
		a->argv[a->argc++] = "-o";
		a->argv[a->argc++] = a->opt[i];
	}
	a->argv[a->argc] = NULL;
}

static void apt_add(struct apt *a, const char *word)
{
	if (a->argc < APT_ARGV_MAX - 1) {
		a->argv[a->argc++] = word;
		a->argv[a->argc] = NULL;
	}
}

static bool fresh(const char *path, time_t age)
{
	struct stat st;

	return !stat(path, &st) && time(NULL) - st.st_mtime < age;
}

/* Whether root/lists holds a Packages index (apt-get update succeeds
 * with warnings only when every download failed) */
static bool have_lists(const char *root)
{
	char dir[PATH_MAX + 16];
	DIR *d;
	struct dirent *e;
	bool found = false;

	lab_path(dir, sizeof(dir), "%s/lists", root);
	if (!(d = opendir(dir)))
		return false;
	while (!found && (e = readdir(d)))
		found = strstr(e->d_name, "_Packages") != NULL;
	closedir(d);
	return found;
}

/* Package lists for deb, at most a day old. */
static int apt_update(struct lab_env *env, const char *deb)
{
	struct apt a;
	char stamp[PATH_MAX + 16], dir[PATH_MAX + 32];
	FILE *f;

	apt_init(&a, env, deb, "apt-get");
	lab_path(stamp, sizeof(stamp), "%s/updated", a.root);
	if (fresh(stamp, LISTS_MAX_AGE))
		return 0;
	lab_path(dir, sizeof(dir), "%s/lists/partial", a.root);
	if (mkdirs(dir) || (lab_path(dir, sizeof(dir), "%s/archives/partial", a.root),
			    mkdirs(dir))) {
		cli_err(env->cmd, "cannot create %s: %s", dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	lab_path(dir, sizeof(dir), "%s/status", a.root);
	if ((f = fopen(dir, "a")))
		fclose(f);
	lab_progress(env, "apt-get update for %s (private lists in %s)", deb, a.root);
	apt_add(&a, "update");
	if (lab_run(a.argv, NULL, "/dev/null", NULL)) {
		cli_err(env->cmd, "apt-get update for %s failed (network? the host's "
			"sources.list?): no Debian packages for %s", deb, deb);
		return LAB_EXIT_MISSING;
	}
	if (!have_lists(a.root)) {
		cli_err(env->cmd, "apt-get update for %s fetched no package lists "
			"(network?): no Debian packages for %s", deb, deb);
		return LAB_EXIT_MISSING;
	}
	f = fopen(stamp, "w");
	if (f)
		fclose(f);
	return 0;
}

/* "6.1.0-57", "6.12.118+deb12": digits, dots, "+deb", and '-' before a
 * digit; not "6.12.118+deb12-rt" (another flavour) */
static bool abi_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')
			continue;
		if (s[i] == '-' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
			continue;
		if (s[i] == '+' && i + 4 < n && !strncmp(s + i, "+deb", 4)) {
			i += 3;
			continue;
		}
		return false;
	}
	return n > 0;
}

/* The ABI of name if it is linux-image-PREFIX...-FLAVOUR[-unsigned] */
static bool match(const char *name, const struct lab_kernel *k, size_t *abi_len)
{
	size_t plen = strlen(k->deb_prefix), n = strlen(name), flen;
	char tail[96];
	const char *abi = name + 12;

	if (strncmp(name, "linux-image-", 12) || strncmp(abi, k->deb_prefix, plen) ||
	    (abi[plen] != '.' && abi[plen] != '-'))
		return false;
	for (int unsigned_ = 0; unsigned_ < 2; unsigned_++) {
		lab_path(tail, sizeof(tail), "-%s%s", k->arch->flavour,
			 unsigned_ ? "-unsigned" : "");
		flen = strlen(tail);
		if (n > 12 + flen && !strcmp(name + n - flen, tail) &&
		    abi_ok(abi, n - 12 - flen)) {
			*abi_len = n - 12 - flen;
			return true;
		}
	}
	return false;
}

/* The newest matching package: highest ABI (strverscmp), -unsigned first */
static int resolve(struct lab_env *env, struct lab_kernel *k)
{
	struct apt a;
	char word[96], *text = NULL, *save = NULL, best_abi[128] = "";
	bool best_unsigned = false;

	apt_init(&a, env, k->arch->deb, "apt-cache");
	lab_path(word, sizeof(word), "linux-image-%s", k->deb_prefix);
	apt_add(&a, "pkgnames");
	apt_add(&a, word);
	lab_run(a.argv, NULL, NULL, &text);
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t alen;
		char abi[128];
		int c;

		if (!match(l, k, &alen) || alen >= sizeof(abi))
			continue;
		lab_path(abi, sizeof(abi), "%.*s", (int)alen, l + 12);
		c = best_abi[0] ? strverscmp(abi, best_abi) : 1;
		if (c > 0 || (c == 0 && !best_unsigned && strstr(l, "-unsigned"))) {
			lab_path(best_abi, sizeof(best_abi), "%s", abi);
			lab_path(k->package, sizeof(k->package), "%s", l);
			best_unsigned = strstr(l, "-unsigned") != NULL;
		}
	}
	free(text);
	if (!k->package[0]) {
		cli_err(env->cmd, "--kernel %s: no Debian package linux-image-%s*-%s in "
			"the %s package lists", k->spec, k->deb_prefix, k->arch->flavour,
			k->arch->deb);
		/* the lists are there: a kernel that does not exist, not a host
		 * that lacks something */
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* dir/NAME_*.deb into path */
static bool find_deb(const char *dir, const char *name, char *path, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = strlen(name);
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (!strncmp(e->d_name, name, n) && e->d_name[n] == '_' &&
		    len > 4 && !strcmp(e->d_name + len - 4, ".deb")) {
			lab_path(path, size, "%s/%s", dir, e->d_name);
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* Download package (of arch deb) and unpack it into CACHE/pkg/NAME once;
 * root gets that directory. */
static int fetch_deb(struct lab_env *env, const char *deb, const char *pkg,
		     char *root, size_t size)
{
	char debs[PATH_MAX], file[PATH_MAX + 256], tmp[PATH_MAX + 8];
	struct apt a;

	lab_path(root, size, "%s/pkg/%s", env->cache, pkg);
	if (!access(root, F_OK))
		return 0;
	lab_path(debs, sizeof(debs), "%s/apt-%s/debs", env->cache, deb);
	if (mkdirs(debs)) {
		cli_err(env->cmd, "cannot create %s: %s", debs, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (!find_deb(debs, pkg, file, sizeof(file))) {
		apt_init(&a, env, deb, "apt-get");
		apt_add(&a, "download");
		apt_add(&a, pkg);
		lab_progress(env, "fetching %s (%s)", pkg, deb);
		if (lab_run(a.argv, debs, "/dev/null", NULL) ||
		    !find_deb(debs, pkg, file, sizeof(file))) {
			cli_err(env->cmd, "apt-get download %s (%s) failed (network?)", pkg, deb);
			return LAB_EXIT_MISSING;
		}
	}
	lab_path(tmp, sizeof(tmp), "%s.part", root);
	if (mkdirs(tmp) || lab_run((const char *const[]){ "dpkg", "-x", file, tmp, NULL },
				   NULL, NULL, NULL) ||
	    rename(tmp, root)) {
		cli_err(env->cmd, "cannot unpack %s into %s", file, tmp);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* The one RELEASE under root/lib/modules (or usr/lib/modules) */
static bool find_release(const char *root, char *mods, size_t size, char *rel,
			 size_t rsize)
{
	static const char *const dirs[] = { "lib/modules", "usr/lib/modules" };

	for (size_t i = 0; i < 2; i++) {
		char dir[PATH_MAX];
		DIR *d;
		struct dirent *e;

		lab_path(dir, sizeof(dir), "%s/%s", root, dirs[i]);
		if (!(d = opendir(dir)))
			continue;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				lab_path(rel, rsize, "%s", e->d_name);
				lab_path(mods, size, "%s/%s", dir, e->d_name);
				closedir(d);
				return true;
			}
		closedir(d);
	}
	return false;
}

static int kernel_files(struct lab_env *env, struct lab_kernel *k, const char *root)
{
	char rel[256], dep[PATH_MAX + 16];

	if (!find_release(root, k->modules, sizeof(k->modules), rel, sizeof(rel))) {
		cli_err(env->cmd, "%s has no lib/modules/RELEASE", root);
		return CLI_EXIT_FAIL;
	}
	lab_path(k->image, sizeof(k->image), "%s/boot/vmlinuz-%s", root, rel);
	if (access(k->image, R_OK))
		lab_path(k->image, sizeof(k->image), "%s/boot/vmlinux-%s", root, rel);
	lab_path(k->config, sizeof(k->config), "%s/boot/config-%s", root, rel);
	if (access(k->config, R_OK))
		k->config[0] = 0;
	if (access(k->image, R_OK)) {
		cli_err(env->cmd, "%s has no boot/vmlinuz-%s", root, rel);
		return CLI_EXIT_FAIL;
	}
	lab_path(dep, sizeof(dep), "%s/modules.dep", k->modules);
	if (!access(dep, R_OK))
		return 0;
	if (!lab_have_program("depmod")) {
		cli_err(env->cmd, "depmod not found (apt-get install kmod)");
		return LAB_EXIT_MISSING;
	}
	/* depmod -b BASE looks in BASE/lib/modules/RELEASE */
	if (lab_run((const char *const[]){ "depmod", "-b", root, rel, NULL }, NULL,
		    NULL, NULL)) {
		cli_err(env->cmd, "depmod -b %s %s failed", root, rel);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

int lab_fetch_kernel(struct lab_env *env, struct lab_kernel *k)
{
	char root[PATH_MAX];
	int ret;

	if (!k->deb_prefix[0])
		return 0;
	if (!lab_have_program("apt-get") || !lab_have_program("dpkg")) {
		cli_err(env->cmd, "--kernel %s needs apt-get and dpkg (a Debian host)",
			k->spec);
		return LAB_EXIT_MISSING;
	}
	if ((ret = apt_update(env, k->arch->deb)) || (ret = resolve(env, k)) ||
	    (ret = fetch_deb(env, k->arch->deb, k->package, root, sizeof(root))))
		return ret;
	lab_progress(env, "kernel %s: %s", k->spec, k->package);
	return kernel_files(env, k, root);
}

int lab_fetch_busybox(struct lab_env *env, const struct lab_arch *a, char *path,
		      size_t size)
{
	char root[PATH_MAX], pkg[64];
	int ret;

	lab_path(pkg, sizeof(pkg), "busybox-static");
	if ((ret = apt_update(env, a->deb)))
		return ret;
	/* one unpacked copy per arch: pkg/busybox-static-ARCH */
	lab_path(root, sizeof(root), "%s/pkg/busybox-static-%s", env->cache, a->deb);
	if (access(root, F_OK)) {
		char tmp[PATH_MAX];

		if ((ret = fetch_deb(env, a->deb, pkg, tmp, sizeof(tmp))))
			return ret;
		if (rename(tmp, root)) {
			cli_err(env->cmd, "cannot rename %s: %s", tmp, strerror(errno));
			return CLI_EXIT_FAIL;
		}
	}
	lab_path(path, size, "%s/bin/busybox", root);
	if (access(path, R_OK)) {
		cli_err(env->cmd, "busybox-static for %s has no bin/busybox", a->deb);
		return CLI_EXIT_FAIL;
	}
	return 0;
}
