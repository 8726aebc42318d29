/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lab.h - the pieces of `vmlockstat lab` (cmd_lab.c): one scenario run on
 * other kernels and architectures under qemu.
 *
 *   spec.c       SPEC -> arch, image, modules: debian:PREFIX-FLAVOUR or an
 *                image file (arch from its header)
 *   fetch.c      Debian packages through a private apt configuration in the
 *                cache (the host's dpkg architecture list is left alone)
 *   proc.c       helper programs (apt-get, dpkg, depmod, xz, mke2fs)
 *   cpio.c       the guest's initramfs (newc), modules in load order
 *   guest.c      the guest's /init: tracefs, record's events and triggers,
 *                the scenario, the results onto a disk as a tar
 *   qemu.c       the qemu command per arch, the guest under a timeout
 *   results.c    the results tar back, imported as one run
 *
 * Functions return 0, or an exit status after a message on stderr:
 * CLI_EXIT_FAIL, CLI_EXIT_USAGE, or LAB_EXIT_MISSING when something the
 * host lacks (qemu, a cross-built workload, a package) stops the run.
 */
#ifndef VLS_CLI_LAB_H
#define VLS_CLI_LAB_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cli.h"

#define LAB_EXIT_MISSING 77
#define LAB_EXIT_STOPPED 130

/* One guest architecture. */
struct lab_arch {
	const char *name;      /* uname -m: x86_64, aarch64, s390x, ppc64le */
	const char *deb;       /* Debian architecture: amd64, arm64, ... */
	const char *flavour;   /* Debian kernel flavour: amd64, arm64, ... */
	const char *qemu;      /* qemu-system-... */
	const char *qemu_pkg;  /* the Debian package that has it */
	const char *console;   /* kernel console= */
	const char *blk;       /* virtio-blk device model */
	const char *machine[6];  /* machine and cpu options, NULL-terminated */
};
const struct lab_arch *lab_arch_find(const char *name);  /* name or deb name */
const struct lab_arch *lab_arch_by_flavour(const char *flavour);

/* A kernel to boot, resolved from its SPEC. */
struct lab_kernel {
	const char *spec;
	const struct lab_arch *arch;
	char image[PATH_MAX];
	char modules[PATH_MAX];   /* lib/modules/RELEASE, "" when none */
	char config[PATH_MAX];    /* its .config, "" when unknown */
	char package[256];        /* Debian package, "" for an image file */
	char deb_prefix[64];      /* debian: the version prefix, "" otherwise */
	char suite[32];           /* its Debian suite when not the host's, or "" */
};

struct lab_env {
	const struct cli_cmd *cmd;
	char cache[PATH_MAX];     /* $XDG_CACHE_HOME/vmlockstat/lab */
	char work[PATH_MAX];      /* this invocation's scratch directory */
	double t0;                /* start, for elapsed times */
};

/* spec.c */
int lab_spec_parse(struct lab_env *env, struct lab_kernel *k, const char *spec,
		   const char *arch_opt);
/* arch of an image from its header (gzip-compressed too): NULL if unknown */
const struct lab_arch *lab_image_arch(const char *path);

/* fetch.c: resolve and fetch a debian: kernel, and busybox-static */
int lab_fetch_kernel(struct lab_env *env, struct lab_kernel *k);
int lab_fetch_busybox(struct lab_env *env, const struct lab_arch *a,
		      char *path, size_t size);

/* proc.c: run argv (NULL-terminated) in dir (NULL: here), stdout to out
 * (NULL: stderr's) or captured into *text (malloc'd, when text != NULL).
 * Returns the exit status, 127 when it cannot run, 128+N when killed. */
int lab_run(const char *const *argv, const char *dir, const char *out,
	    char **text);
bool lab_have_program(const char *name);
/* snprintf for paths: the cache and work directories are at most
 * LAB_DIR_MAX long (cmd_lab.c), so what is built on them fits; false if
 * not, with dst cut */
#define LAB_DIR_MAX 1024
bool lab_path(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
double lab_now(void);
void lab_progress(const struct lab_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* set by SIGINT/SIGTERM (lab_signals_install) */
extern volatile sig_atomic_t lab_stop;
int lab_signals_install(void);

/* cpio.c */
struct lab_initramfs {
	const char *busybox;
	const char *workload;
	const char *init;         /* the script's text */
	const char *params;       /* /params: the scenario's argv for sh */
	const char *modules;      /* lib/modules/RELEASE or "" */
};
int lab_initramfs_write(struct lab_env *env, const struct lab_initramfs *in,
			const char *out);

/* guest.c: the /init script (malloc'd), the scenario's argv quoted for sh */
char *lab_guest_init(unsigned buffer_kb);
char *lab_guest_params(const char *scenario, char *const *args, int nargs);
/* guest_capture.c, in the guest program only: after the scenario, the
 * recording as a capture (docs/capture.md) in out. 0 or 1 (stderr says). */
int lab_guest_capture(const char *tdir, const char *out);

/* qemu.c */
struct lab_guest {
	const struct lab_kernel *k;
	const char *initrd, *scratch, *outdisk, *console;
	unsigned smp, mem_mb;
	double timeout;
	double setup_timeout;     /* /init silent this long before "running": stuck */
	char cmdline[4096];       /* the qemu command, for the run's metadata */
	double elapsed;           /* of the boot that ran /init */
	unsigned boots;           /* this boot's number (LAB_BOOT_TRIES) */
	unsigned stages;          /* "VLS-LAB:" lines of the last boot */
	char stage[64];           /* the last of them */
	char crash[160];          /* its first Oops/BUG/panic line, or "" */
	bool panicked;            /* "Kernel panic" on its console */
	bool running;             /* /init said "running": the scenario began */
	bool stuck;               /* killed: /init's setup stopped (setup_timeout) */
	bool tcg;                 /* emulated, not KVM */
};
/* Boots of one run (fresh disks each) while its kernel panics in a way
 * that says nothing about the scenario: before /init prints anything, or
 * under TCG with an int3 Oops anywhere (the kernel's code patching races
 * the emulator: in 6.12's early boot and at module load, twice in about
 * 100 boots under load here). Any other crash after /init started is the
 * kernel's and fails the run. */
#define LAB_BOOT_TRIES 3
/* /init's setup (modules, disks, tracefs) takes seconds; a guest silent
 * for --setup-timeout (this by default) after one of its lines and before
 * "running" is stuck (under TCG: once at module load, the console's last
 * line "modules", its two CPUs busy for 15 minutes) and is booted again
 * as above. */
#define LAB_SETUP_TIMEOUT 180
#define LAB_BOOT_AGAIN (-2)       /* lab_qemu_run(): boot once more */
int lab_qemu_check(const struct lab_env *env, const struct lab_arch *a);
/* One boot of g (g->boots is its number): 0, an exit status after a
 * message, or LAB_BOOT_AGAIN after a crash that is not the run's */
int lab_qemu_run(struct lab_env *env, struct lab_guest *g, const char *what);

/* results.c */
struct lab_run {
	const char *db, *label, *scenario, *args_text;
	const struct lab_kernel *k;
	const struct lab_guest *g;
	unsigned rep;
	int64_t id;
};
int lab_results_extract(struct lab_env *env, const char *disk, const char *dir);
int lab_results_import(struct lab_env *env, const char *dir, struct lab_run *run);

#endif /* VLS_CLI_LAB_H */
