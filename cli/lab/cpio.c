/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpio.c - the guest's initramfs (lab.h): a newc archive, uncompressed,
 * with busybox (its applets are linked at boot), the workload, /init,
 * /params, and the modules a virtio disk with ext4 needs, in dependency
 * order from the kernel's modules.dep (decompressed: busybox insmod takes
 * plain .ko only). Modules that are not there are built in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab.h"

#define MODS_MAX 64
#define LINE_MAX_DEP 8192

/* What a guest needs to mount its scratch disk: virtio on PCI or CCW,
 * the block driver, ext4 and its checksum. */
static const char *const wanted[] = {
	"virtio_pci", "virtio_ccw", "virtio_blk", "crc32c_generic",
	"crc32c_intel", "ext4", NULL
};

struct cpio {
	FILE *f;
	unsigned ino;
	int err;
};

static void pad4(struct cpio *c, size_t n)
{
	static const char zero[4];

	if (n % 4)
		fwrite(zero, 1, 4 - n % 4, c->f);
}

static void header(struct cpio *c, const char *name, unsigned mode, size_t size,
		   unsigned rmaj, unsigned rmin)
{
	size_t n = strlen(name) + 1;

	fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		++c->ino, mode, 0u, 0u, 1u, 0u, size, 0u, 0u, rmaj, rmin, n, 0u);
	fwrite(name, 1, n, c->f);
	pad4(c, 110 + n);
}

static void add_data(struct cpio *c, const char *name, unsigned mode,
		     const void *data, size_t size)
{
	header(c, name, S_IFREG | mode, size, 0, 0);
	fwrite(data, 1, size, c->f);
	pad4(c, size);
}

static void add_file(struct cpio *c, const char *name, unsigned mode,
		     const char *path)
{
	FILE *in = fopen(path, "rb");
	char *buf = NULL;
	long n = -1;

	if (in && !fseek(in, 0, SEEK_END) && (n = ftell(in)) >= 0 &&
	    !fseek(in, 0, SEEK_SET) && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, in) == (size_t)n)
		add_data(c, name, mode, buf, (size_t)n);
	else
		c->err = errno ? errno : EIO;
	free(buf);
	if (in)
		fclose(in);
}

static void add_dirs(struct cpio *c)
{
	static const char *const dirs[] = {
		"bin", "dev", "proc", "sys", "tmp", "out", "var", "var/tmp", "lib",
		"lib/mod", "mnt", NULL
	};

	for (int i = 0; dirs[i]; i++)
		header(c, dirs[i], S_IFDIR | 0755, 0, 0, 0);
	header(c, "dev/console", S_IFCHR | 0600, 0, 5, 1);
	header(c, "bin/sh", S_IFLNK | 0777, 7, 0, 0);
	fwrite("busybox", 1, 7, c->f);
	pad4(c, 7);
}

/* "kernel/fs/ext4/ext4.ko.xz" is module "ext4"; '-' and '_' are one */
static bool is_module(const char *rel, size_t n, const char *mod)
{
	const char *base = memrchr(rel, '/', n);
	size_t k = strlen(mod);

	base = base ? base + 1 : rel;
	if ((size_t)(rel + n - base) < k + 3)
		return false;
	for (size_t i = 0; i < k; i++) {
		char a = base[i] == '-' ? '_' : base[i], b = mod[i] == '-' ? '_' : mod[i];

		if (a != b)
			return false;
	}
	return !strncmp(base + k, ".ko", 3);
}

struct mods {
	char *dep;            /* modules.dep, whole */
	char *order[MODS_MAX];
	int n;
};

/* Add mod's line of modules.dep after its dependencies */
static void resolve(struct mods *m, const char *mod, size_t mlen, int depth)
{
	char name[128];

	if (depth > 16 || mlen >= sizeof(name))
		return;
	memcpy(name, mod, mlen);
	name[mlen] = 0;
	for (char *l = m->dep; l && *l;) {
		char *colon = strchr(l, ':'), *eol = strchr(l, '\n');

		if (!eol)
			eol = l + strlen(l);
		if (colon && colon < eol && is_module(l, (size_t)(colon - l), name)) {
			for (char *d = colon + 1; d < eol;) {
				size_t n;

				while (d < eol && *d == ' ')
					d++;
				n = strcspn(d, " \n");
				if (n && d + n <= eol) {
					const char *b = memrchr(d, '/', n);
					const char *s = b ? b + 1 : d;
					const char *ko = strstr(s, ".ko");

					if (ko && ko < d + n)
						resolve(m, s, (size_t)(ko - s), depth + 1);
				}
				d += n;
			}
			for (int i = 0; i < m->n; i++)
				if (m->order[i] == l)
					return;
			if (m->n < MODS_MAX)
				m->order[m->n++] = l;
			return;
		}
		l = *eol ? eol + 1 : eol;
	}
}

/* module at dir/rel (.ko, .ko.xz, .ko.zst) as plain .ko in tmp */
static int plain_module(struct lab_env *env, const char *path, const char *tmp)
{
	size_t n = strlen(path);
	const char *tool = n > 3 && !strcmp(path + n - 3, ".xz") ? "xz" :
			   n > 4 && !strcmp(path + n - 4, ".zst") ? "zstd" : NULL;

	if (!tool)
		return lab_run((const char *const[]){ "cp", path, tmp, NULL }, NULL,
			       NULL, NULL);
	return lab_run((const char *const[]){ tool, "-dc", path, NULL }, NULL, tmp,
		       NULL);
}

static int add_modules(struct lab_env *env, struct cpio *c, const char *dir)
{
	struct mods m = { 0 };
	char path[2 * PATH_MAX + 2], list[MODS_MAX * 64] = "", tmp[PATH_MAX + 16];
	FILE *f;
	long n;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	f = fopen(path, "re");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(m.dep = calloc(1, (size_t)n + 1)) || fread(m.dep, 1, (size_t)n, f) != (size_t)n) {
		cli_err(env->cmd, "cannot read %s", path);
		ret = CLI_EXIT_FAIL;
	}
	if (f)
		fclose(f);
	for (int i = 0; !ret && wanted[i]; i++)
		resolve(&m, wanted[i], strlen(wanted[i]), 0);
	snprintf(tmp, sizeof(tmp), "%s/module.ko", env->work);
	for (int i = 0; !ret && i < m.n; i++) {
		size_t len = strcspn(m.order[i], ":");
		const char *b = memrchr(m.order[i], '/', len);
		const char *s = b ? b + 1 : m.order[i];
		char name[160], rel[PATH_MAX + 16];

		snprintf(rel, sizeof(rel), "%.*s", (int)len, m.order[i]);
		snprintf(name, sizeof(name), "%.*s.ko", (int)(strstr(s, ".ko") - s), s);
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		if (plain_module(env, path, tmp)) {
			cli_err(env->cmd, "cannot decompress %s (xz-utils, zstd)", path);
			ret = CLI_EXIT_FAIL;
			break;
		}
		snprintf(rel, sizeof(rel), "lib/mod/%s", name);
		add_file(c, rel, 0644, tmp);
		strncat(list, name, sizeof(list) - strlen(list) - 2);
		strcat(list, "\n");
	}
	unlink(tmp);
	add_data(c, "modules.list", 0644, list, strlen(list));
	free(m.dep);
	return ret;
}

int lab_initramfs_write(struct lab_env *env, const struct lab_initramfs *in,
			const char *out)
{
	struct cpio c = { fopen(out, "wbe"), 0, 0 };
	int ret = 0;

	if (!c.f) {
		cli_err(env->cmd, "cannot create %s: %s", out, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	add_dirs(&c);
	add_file(&c, "bin/busybox", 0755, in->busybox);
	add_file(&c, "bin/workload", 0755, in->workload);
	add_data(&c, "init", 0755, in->init, strlen(in->init));
	add_data(&c, "params", 0644, in->params, strlen(in->params));
	if (in->modules[0])
		ret = add_modules(env, &c, in->modules);
	else
		add_data(&c, "modules.list", 0644, "", 0);
	header(&c, "TRAILER!!!", 0, 0, 0, 0);
	if (fclose(c.f) || c.err) {
		if (!ret)
			cli_err(env->cmd, "cannot write %s: %s", out,
				strerror(c.err ? c.err : errno));
		return ret ? ret : CLI_EXIT_FAIL;
	}
	return ret;
}
