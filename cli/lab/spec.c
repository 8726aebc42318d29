/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spec.c - what --kernel SPEC names (lab.h): "debian:PREFIX-FLAVOUR"
 * (debian:6.12-arm64, debian:6.1-powerpc64le), or an image file,
 * "IMAGE[,modules=DIR][,config=FILE]", whose architecture its own header
 * says: an x86 bzImage ("HdrS" at 0x202), an arm64 Image ("ARM\x64" at
 * 0x38), or an ELF vmlinux (e_machine); gzip-compressed ones too.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "lab.h"

/* The qemu flags that booted Debian's kernels on these arches under TCG
 * (docs/lab.md). */
static const struct lab_arch arches[] = {
	{ "x86_64", "amd64", "amd64", "qemu-system-x86_64", "qemu-system-x86",
	  "ttyS0", "virtio-blk-pci", { "-cpu", "max", NULL } },
	{ "aarch64", "arm64", "arm64", "qemu-system-aarch64", "qemu-system-arm",
	  "ttyAMA0", "virtio-blk-pci",
	  { "-M", "virt", "-cpu", "max,pauth-impdef=on", NULL } },
	{ "s390x", "s390x", "s390x", "qemu-system-s390x", "qemu-system-misc",
	  "ttysclp0", "virtio-blk-ccw", { "-M", "s390-ccw-virtio", "-cpu", "max", NULL } },
	{ "ppc64le", "ppc64el", "powerpc64le", "qemu-system-ppc64", "qemu-system-ppc",
	  "hvc0", "virtio-blk-pci",
	  { "-M", "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,"
	    "cap-ccf-assist=off", "-cpu", "power9", NULL } },
};
#define NARCHES (sizeof(arches) / sizeof(arches[0]))

const struct lab_arch *lab_arch_find(const char *name)
{
	for (size_t i = 0; name && i < NARCHES; i++)
		if (!strcmp(name, arches[i].name) || !strcmp(name, arches[i].deb))
			return &arches[i];
	return NULL;
}

const struct lab_arch *lab_arch_by_flavour(const char *flavour)
{
	for (size_t i = 0; flavour && i < NARCHES; i++)
		if (!strcmp(flavour, arches[i].flavour))
			return &arches[i];
	return NULL;
}

#define HEAD_SIZE 4096

static const struct lab_arch *elf_arch(const unsigned char *h, size_t n)
{
	unsigned m;

	if (n < 20 || memcmp(h, ELFMAG, SELFMAG) || h[EI_CLASS] != ELFCLASS64)
		return NULL;
	m = h[EI_DATA] == ELFDATA2MSB ? (unsigned)(h[18] << 8 | h[19])
				      : (unsigned)(h[19] << 8 | h[18]);
	if (m == EM_X86_64)
		return lab_arch_find("x86_64");
	if (m == EM_AARCH64)
		return lab_arch_find("aarch64");
	if (m == EM_S390)
		return lab_arch_find("s390x");
	if (m == EM_PPC64 && h[EI_DATA] == ELFDATA2LSB)
		return lab_arch_find("ppc64le");
	return NULL;
}

const struct lab_arch *lab_image_arch(const char *path)
{
	unsigned char h[HEAD_SIZE];
	gzFile gz = gzopen(path, "rb");   /* reads plain files as they are */
	int n = gz ? gzread(gz, h, sizeof(h)) : -1;

	if (gz)
		gzclose(gz);
	if (n <= 0)
		return NULL;
	if (n >= 0x206 && !memcmp(h + 0x202, "HdrS", 4))
		return lab_arch_find("x86_64");
	if (n >= 0x3c && !memcmp(h + 0x38, "ARM\x64", 4))
		return lab_arch_find("aarch64");
	return elf_arch(h, (size_t)n);
}

/* "debian:6.12-arm64": prefix "6.12", flavour "arm64" */
static int parse_debian(struct lab_env *env, struct lab_kernel *k, const char *s)
{
	const char *dash = strchr(s, '-');
	const char *flavour = dash ? dash + 1 : "";

	if (!dash || dash == s || (size_t)(dash - s) >= sizeof(k->deb_prefix) ||
	    strspn(s, "0123456789.") != (size_t)(dash - s))
		return cli_usage(env->cmd, "--kernel debian:%s: not PREFIX-FLAVOUR "
				 "(debian:6.12-amd64, debian:6.1-arm64)", s);
	k->arch = lab_arch_by_flavour(flavour);
	if (!k->arch)
		return cli_usage(env->cmd, "--kernel debian:%s: flavour '%s' is not "
				 "amd64, arm64, s390x or powerpc64le", s, flavour);
	snprintf(k->deb_prefix, sizeof(k->deb_prefix), "%.*s", (int)(dash - s), s);
	return 0;
}

static int check_path(struct lab_env *env, const char *spec, const char *what,
		      const char *path, bool dir)
{
	struct stat st;

	if (stat(path, &st))
		return cli_usage(env->cmd, "--kernel %s: no %s %s", spec, what, path);
	if (dir != !!S_ISDIR(st.st_mode))
		return cli_usage(env->cmd, "--kernel %s: %s is not a %s", spec, path,
				 dir ? "directory" : "file");
	return 0;
}

static int set_path(char *dst, size_t size, const char *val, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(dst, val, n);
	dst[n] = 0;
	return 0;
}

/* "IMAGE[,modules=DIR][,config=FILE]" */
static int parse_image(struct lab_env *env, struct lab_kernel *k, const char *spec,
		       const char *arch_opt)
{
	const char *p = strchr(spec, ',');
	int ret;

	if (set_path(k->image, sizeof(k->image), spec, p ? (size_t)(p - spec) : strlen(spec)))
		return cli_usage(env->cmd, "--kernel: path too long");
	while (p) {
		const char *v = p + 1, *e = strchr(v, ',');
		size_t n = e ? (size_t)(e - v) : strlen(v);

		if (!strncmp(v, "modules=", 8))
			ret = set_path(k->modules, sizeof(k->modules), v + 8, n - 8);
		else if (!strncmp(v, "config=", 7))
			ret = set_path(k->config, sizeof(k->config), v + 7, n - 7);
		else
			return cli_usage(env->cmd, "--kernel %s: '%.*s' is not modules=DIR "
					 "or config=FILE", spec, (int)n, v);
		if (ret)
			return cli_usage(env->cmd, "--kernel: path too long");
		p = e;
	}
	if ((ret = check_path(env, spec, "kernel image", k->image, false)) ||
	    (k->modules[0] && (ret = check_path(env, spec, "modules directory",
						 k->modules, true))) ||
	    (k->config[0] && (ret = check_path(env, spec, "config", k->config, false))))
		return ret;
	k->arch = arch_opt ? lab_arch_find(arch_opt) : lab_image_arch(k->image);
	if (!k->arch)
		return cli_usage(env->cmd, "--kernel %s: %s is not a kernel image whose "
				 "architecture I know (bzImage, arm64 Image, ELF "
				 "vmlinux); say it with --arch", spec, k->image);
	return 0;
}

int lab_spec_parse(struct lab_env *env, struct lab_kernel *k, const char *spec,
		   const char *arch_opt)
{
	memset(k, 0, sizeof(*k));
	k->spec = spec;
	if (!strncmp(spec, "debian:", 7)) {
		int ret = parse_debian(env, k, spec + 7);

		if (!ret && arch_opt && lab_arch_find(arch_opt) != k->arch)
			return cli_usage(env->cmd, "--arch %s contradicts --kernel %s",
					 arch_opt, spec);
		return ret;
	}
	return parse_image(env, k, spec, arch_opt);
}
