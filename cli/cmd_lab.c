/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_lab.c - `vmlockstat lab --kernel SPEC ... -- SCENARIO [OPTS]`: run a
 * `vmlockstat workload` scenario on other kernels and architectures under
 * qemu, each kernel x rep one run in the DB with its ground truth (the
 * pieces are in cli/lab/, lab.h; docs/lab.md).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "lab/lab.h"
#include "workload/common.h"

#define KERNELS_MAX 16
#define REPS_MAX 100
#define SARGS_MAX 128
#define SCRATCH_MB "2048"
#define OUTDISK_MB "1024"

enum {
	OPT_DB = 1, OPT_LABEL, OPT_REPS, OPT_SMP, OPT_MEM, OPT_TIMEOUT, OPT_KERNEL,
	OPT_ARCH, OPT_BUFFER, OPT_KEEP, OPT_SETUP_TIMEOUT,
};

static const struct cli_opt opts[] = {
	{ "db", 'd', "FILE", "DB to import the runs into (default $VMLOCKSTAT_DB "
	  "or vmlockstat.db)", OPT_DB },
	{ "label", 'l', "L", "label of every run (default: the kernel SPEC, the "
	  "scenario and its options)", OPT_LABEL },
	{ "reps", 0, "N", "runs per kernel, each a fresh boot (default 1)", OPT_REPS },
	{ "smp", 0, "N", "guest CPUs (default 2)", OPT_SMP },
	{ "mem", 0, "MB", "guest memory (default 1024)", OPT_MEM },
	{ "timeout", 0, "S", "kill a guest that has not finished after S seconds "
	  "(default 600)", OPT_TIMEOUT },
	{ "setup-timeout", 0, "S", "kill and boot again (3 boots in all) a guest "
	  "whose /init says nothing for S seconds before the scenario starts "
	  "(default 180)", OPT_SETUP_TIMEOUT },
	{ "kernel", 'k', "SPEC", "a kernel to boot: debian:PREFIX-FLAVOUR "
	  "(debian:6.12-amd64, debian:6.1-arm64) or IMAGE[,modules=DIR]"
	  "[,config=FILE]; repeatable", OPT_KERNEL },
	{ "arch", 0, "x86_64|aarch64|s390x|ppc64le", "the architecture of an "
	  "image file whose header does not say it", OPT_ARCH },
	{ "buffer-kb", 'b', "KB", "guest ring buffer per CPU (default 16384)",
	  OPT_BUFFER },
	{ "keep", 0, "DIR", "keep each run's trace and results in a directory of "
	  "its own under DIR (the run's source points there); default: deleted "
	  "once imported", OPT_KEEP },
	{ 0 }
};

static const struct cli_cmd lab_cmd = {
	"lab", "--kernel SPEC [--kernel SPEC...] [OPTIONS] -- SCENARIO [OPTS]",
	"Run a workload scenario on other kernels and architectures under qemu "
	"and import each kernel x rep as one run.",
	opts,
	.brief = "run a scenario on other kernels and architectures under qemu",
	.details =
	"Each kernel boots under qemu (KVM where /dev/kvm works for the host's "
	"arch, TCG otherwise) from an initramfs of busybox-static and the "
	"scenario built as a static program for the guest's arch. The guest "
	"traces the events and stack triggers 'vmlockstat record' uses, runs "
	"the scenario with its ground truth on an ext4 scratch disk, and hands "
	"back the text trace, the truth, vmstat before/after and its uname on a "
	"second disk. Debian kernels and busybox-static come from apt with a "
	"private configuration in $XDG_CACHE_HOME/vmlockstat/lab (the host's "
	"dpkg architectures are left alone). 'scripts/deps.sh --lab' installs "
	"qemu and the cross compilers; docs/lab.md has the details.",
	.exit_status =
	"77 something the host lacks (qemu, a guest workload, a package): the "
	"reason is on stderr\n"
	"130 stopped by SIGINT, SIGTERM, SIGHUP or SIGPIPE (its output closed): "
	"the guest is killed, finished "
	"runs are kept",
	.examples = (const struct cli_example[]){
		{ "vmlockstat lab --kernel debian:6.12-amd64 -- iofault --random "
		  "--threads 2 --size 16",
		  "Debian's newest 6.12 x86_64 kernel under qemu, one run" },
		{ "vmlockstat lab -l v2 --reps 3 --kernel bzImage,modules=mods/lib/"
		  "modules/6.12.0 -- iofault --random",
		  "a kernel of your own, three boots labelled v2" },
		{ "vmlockstat lab -l patched --keep traces --kernel bzImage -- iofault",
		  "keep the guest's trace (traces/patched-1-1.XXXXXX/trace.txt) for "
		  "KernelShark or a bug report" },
		{ 0 } },
	.args = CLI_ARGS_COMMAND,
};

const struct cli_cmd *cmd_lab_table(void)
{
	return &lab_cmd;
}

struct args {
	const char *db, *label, *arch, *keep;
	const char *kernels[KERNELS_MAX];
	int nkernels;
	unsigned long long reps, smp, mem, buffer_kb;
	double timeout, setup_timeout;
	const char *scenario;
	char *sargs[SARGS_MAX];   /* into argv: the parser's list is freed */
	int nsargs;
	char args_text[1024];
};

static int number(const char *name, const char *v, unsigned long long lo,
		  unsigned long long hi, unsigned long long *out)
{
	if (!cli_parse_u64(v, out) || *out < lo || *out > hi)
		return cli_usage(&lab_cmd, "--%s: '%s' is not %llu..%llu", name, v, lo, hi);
	return 0;
}

/* --timeout, --setup-timeout: seconds above 0, up to a day. */
static int seconds(const char *name, const char *v, double *out)
{
	if (!cli_parse_double(v, out) || *out <= 0 || *out > 86400)
		return cli_usage(&lab_cmd, "--%s: '%s' is not seconds above 0, "
				 "up to 86400", name, v);
	return 0;
}

static int parse_opt(struct args *a, int id, const char *v)
{
	switch (id) {
	case OPT_DB: a->db = v; return 0;
	case OPT_LABEL: a->label = v; return 0;
	case OPT_KEEP: a->keep = v; return 0;
	case OPT_ARCH:
		if (!lab_arch_find(v))
			return cli_usage(&lab_cmd, "--arch: '%s' is not x86_64, aarch64, "
					 "s390x or ppc64le", v);
		a->arch = v;
		return 0;
	case OPT_KERNEL:
		if (a->nkernels == KERNELS_MAX)
			return cli_usage(&lab_cmd, "more than %d --kernel", KERNELS_MAX);
		a->kernels[a->nkernels++] = v;
		return 0;
	case OPT_REPS: return number("reps", v, 1, REPS_MAX, &a->reps);
	case OPT_SMP: return number("smp", v, 1, 64, &a->smp);
	case OPT_MEM: return number("mem", v, 256, 65536, &a->mem);
	case OPT_BUFFER: return number("buffer-kb", v, 64, 1 << 20, &a->buffer_kb);
	case OPT_TIMEOUT: return seconds("timeout", v, &a->timeout);
	case OPT_SETUP_TIMEOUT: return seconds("setup-timeout", v, &a->setup_timeout);
	}
	return CLI_EXIT_USAGE;
}

/* The scenario after "--": its name, options, and their text (no --truth:
 * the guest sets it) */
static int scenario(struct args *a, char **pos, int npos)
{
	size_t len = 0;

	if (npos < 1)
		return cli_usage(&lab_cmd, "which scenario? (-- SCENARIO [OPTS]: %s)",
				 wl_scenario_names());
	a->scenario = pos[0];
	if (!wl_scenario_find(a->scenario))
		return cli_usage(&lab_cmd, "unknown scenario '%s' (%s)", a->scenario,
				 wl_scenario_names());
	if (npos - 1 > SARGS_MAX)
		return cli_usage(&lab_cmd, "more than %d scenario options", SARGS_MAX);
	a->nsargs = npos - 1;
	memcpy(a->sargs, pos + 1, (size_t)a->nsargs * sizeof(*pos));
	for (int i = 0; i < a->nsargs; i++) {
		if (!strncmp(a->sargs[i], "--truth", 7))
			return cli_usage(&lab_cmd, "the guest writes the truth: no --truth");
		len += (size_t)snprintf(a->args_text + len, sizeof(a->args_text) - len,
					"%s%s", i ? " " : "", a->sargs[i]);
		if (len >= sizeof(a->args_text))
			return cli_usage(&lab_cmd, "scenario options too long");
	}
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int parse(struct args *a, int argc, char **argv)
{
	struct cli_parser p;
	int id, ret = 0;

	memset(a, 0, sizeof(*a));
	a->reps = 1;
	a->smp = 2;
	a->mem = 1024;
	a->buffer_kb = 16384;
	a->timeout = 600;
	a->setup_timeout = LAB_SETUP_TIMEOUT;
	if (cli_parser_init(&p, &lab_cmd, argc, argv))
		return CLI_EXIT_FAIL;
	while (!ret && (id = cli_next(&p)) > 0)
		ret = parse_opt(a, id, p.optarg);
	if (!ret && id == CLI_HELP)
		ret = CLI_HELP;
	else if (!ret && id < 0)
		ret = CLI_EXIT_USAGE;
	if (!ret && !a->nkernels)
		ret = cli_usage(&lab_cmd, "which kernel? (--kernel SPEC)");
	if (!ret)
		ret = scenario(a, p.pos, p.npos);
	cli_parser_free(&p);
	if (!ret && !a->db)
		a->db = cli_default_db();
	if (!ret && a->keep && !is_dir(a->keep))
		ret = cli_usage(&lab_cmd, "--keep: '%s' is not a directory", a->keep);
	if (!ret && a->keep && strlen(a->keep) > LAB_DIR_MAX)
		ret = cli_usage(&lab_cmd, "--keep: path longer than %d bytes", LAB_DIR_MAX);
	return ret;
}

/* The static guest workload for arch: next to this program (a build
 * tree: guest/), or installed (../libexec/vmlockstat/) */
static int find_workload(struct lab_env *env, const struct lab_arch *arch,
			 char *path, size_t size)
{
	static const char *const where[] = { "%s/guest/vmlockstat-workload-%s",
		"%s/../libexec/vmlockstat/vmlockstat-workload-%s" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = 0;
		for (size_t i = 0; i < 2; i++) {
			snprintf(path, size, where[i], dirname(exe), arch->name);
			if (!access(path, X_OK))
				return 0;
			exe[n] = 0;
		}
	}
	cli_err(env->cmd, "no guest workload for %s (vmlockstat-workload-%s): the "
		"build makes it when a compiler for %s is installed (scripts/deps.sh "
		"--lab), then rebuild", arch->name, arch->name, arch->name);
	return LAB_EXIT_MISSING;
}

struct kernel_job {
	struct lab_kernel k;
	int idx;                 /* of --kernel, for file names */
	char busybox[PATH_MAX], workload[PATH_MAX], initrd[PATH_MAX + 32];
};

/* Everything a kernel's guests need, fetched and built once. */
static int prepare(struct lab_env *env, const struct args *a, struct kernel_job *j,
		   int idx)
{
	struct lab_initramfs in = { 0 };
	char *init = NULL, *params = NULL;
	int ret;

	if ((ret = lab_qemu_check(env, j->k.arch)) ||
	    (ret = find_workload(env, j->k.arch, j->workload, sizeof(j->workload))) ||
	    (ret = lab_fetch_kernel(env, &j->k)) ||
	    (ret = lab_fetch_busybox(env, j->k.arch, j->busybox, sizeof(j->busybox))))
		return ret;
	init = lab_guest_init((unsigned)a->buffer_kb);
	params = lab_guest_params(a->scenario, a->sargs, a->nsargs);
	snprintf(j->initrd, sizeof(j->initrd), "%s/initrd-%d.cpio", env->work, idx);
	in = (struct lab_initramfs){ j->busybox, j->workload, init, params,
				     j->k.modules };
	ret = init && params ? lab_initramfs_write(env, &in, j->initrd) : CLI_EXIT_FAIL;
	free(init);
	free(params);
	return ret;
}

static int make_disks(struct lab_env *env, const char *scratch, const char *out)
{
	unlink(scratch);
	unlink(out);
	if (lab_run((const char *const[]){ "truncate", "-s", SCRATCH_MB "M", scratch,
					   NULL }, NULL, NULL, NULL) ||
	    lab_run((const char *const[]){ "mke2fs", "-q", "-F", "-t", "ext4", "-E",
					   "lazy_itable_init=0,lazy_journal_init=0",
					   scratch, NULL }, NULL, "/dev/null", NULL) ||
	    lab_run((const char *const[]){ "truncate", "-s", OUTDISK_MB "M", out,
					   NULL }, NULL, NULL, NULL)) {
		cli_err(env->cmd, "cannot make the guest's disks in %s (mke2fs: "
			"e2fsprogs)", env->work);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* A kernel in progress lines: a debian: spec as given, an image file by
 * its name ("bzImage-patched", not the path and its ,config=...). */
static const char *spec_name(const char *spec)
{
	static char name[128];
	size_t len = strcspn(spec, ",");      /* the image's path */
	const char *base = spec;

	if (!strncmp(spec, "debian:", 7))
		return spec;
	for (size_t i = 0; i < len; i++)
		if (spec[i] == '/')
			base = spec + i + 1;
	snprintf(name, sizeof(name), "%.*s", (int)(spec + len - base), base);
	return name;
}

/* Where a run's results are unpacked and imported from: the work
 * directory, or with --keep a new directory under it named after the
 * label (its characters outside [A-Za-z0-9._-] as '_'), the kernel and the
 * rep: DIR/LABEL-K-REP.XXXXXX. */
static int results_dir(struct lab_env *env, const struct args *a,
		       const struct kernel_job *j, unsigned rep, char *res, size_t size)
{
	char name[64];
	size_t n = 0;

	if (!a->keep) {
		snprintf(res, size, "%s/results-%d-%u", env->work, j->idx, rep);
		return 0;
	}
	for (const char *s = a->label ? a->label : "lab"; *s && n < 40; s++)
		name[n++] = isalnum((unsigned char)*s) || strchr("._-", *s) ? *s : '_';
	name[n] = 0;
	snprintf(res, size, "%s/%s-%d-%u.XXXXXX", a->keep, name, j->idx, rep);
	if (!mkdtemp(res)) {
		cli_err(env->cmd, "--keep: cannot create %s: %s", res, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int one_run(struct lab_env *env, const struct args *a,
		   const struct kernel_job *j, unsigned rep)
{
	char scratch[PATH_MAX + 16], out[PATH_MAX + 16], console[PATH_MAX + 32],
	     res[PATH_MAX + 32], what[256], label[1400];
	struct lab_guest g = { 0 };
	struct lab_run run = { 0 };
	int ret;

	snprintf(what, sizeof(what), "%s rep %u/%llu", spec_name(j->k.spec), rep, a->reps);
	snprintf(scratch, sizeof(scratch), "%s/scratch.img", env->work);
	snprintf(out, sizeof(out), "%s/out.img", env->work);
	snprintf(console, sizeof(console), "%s/console-%d-%u.log", env->work, j->idx, rep);
	if ((ret = results_dir(env, a, j, rep, res, sizeof(res))))
		return ret;
	g = (struct lab_guest){ .k = &j->k, .initrd = j->initrd, .scratch = scratch,
		.outdisk = out, .console = console, .smp = (unsigned)a->smp,
		.mem_mb = (unsigned)a->mem, .timeout = a->timeout,
		.setup_timeout = a->setup_timeout };
	for (g.boots = 1;; g.boots++) {
		if ((ret = make_disks(env, scratch, out)))
			return ret;
		if ((ret = lab_qemu_run(env, &g, what)) != LAB_BOOT_AGAIN)
			break;
	}
	if (ret)
		return ret;
	lab_progress(env, "%s: importing", what);
	snprintf(label, sizeof(label), "%s %s%s%s", j->k.spec, a->scenario,
		 a->nsargs ? " " : "", a->args_text);
	run = (struct lab_run){ .db = a->db, .label = a->label ? a->label : label,
		.scenario = a->scenario, .args_text = a->args_text, .k = &j->k,
		.g = &g, .rep = rep };
	if ((ret = lab_results_extract(env, out, res)) ||
	    (ret = lab_results_import(env, res, &run)))
		return ret;
	if (!a->keep)
		lab_run((const char *const[]){ "rm", "-rf", res, NULL }, NULL, NULL, NULL);
	printf("run %lld: %s rep %u (%s)%s%s\n", (long long)run.id, j->k.spec, rep,
	       run.label, a->keep ? ", kept in " : "", a->keep ? res : "");
	fflush(stdout);
	return 0;
}

static int setup_env(struct lab_env *env)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *tmp = getenv("TMPDIR");

	env->cmd = &lab_cmd;
	env->t0 = lab_now();
	if (xdg && *xdg)
		snprintf(env->cache, sizeof(env->cache), "%s/vmlockstat/lab", xdg);
	else if (home && *home)
		snprintf(env->cache, sizeof(env->cache), "%s/.cache/vmlockstat/lab", home);
	else
		return cli_err(&lab_cmd, "no cache directory: set XDG_CACHE_HOME or HOME"),
		       CLI_EXIT_FAIL;
	snprintf(env->work, sizeof(env->work), "%s/vmlockstat-lab.XXXXXX",
		 tmp && *tmp ? tmp : "/var/tmp");
	if (strlen(env->cache) > LAB_DIR_MAX || strlen(env->work) > LAB_DIR_MAX) {
		cli_err(&lab_cmd, "cache or TMPDIR path longer than %d bytes", LAB_DIR_MAX);
		return CLI_EXIT_FAIL;
	}
	if (!mkdtemp(env->work)) {
		cli_err(&lab_cmd, "cannot create %s: %s", env->work, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (lab_signals_install()) {
		cli_err(&lab_cmd, "cannot install signal handlers");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int run_all(struct lab_env *env, const struct args *a,
		   struct kernel_job *jobs, int *done)
{
	int ret = 0;

	for (int i = 0; !ret && !lab_stop && i < a->nkernels; i++) {
		lab_progress(env, "kernel %s (%d of %d)", jobs[i].k.spec, i + 1,
			     a->nkernels);
		jobs[i].idx = i + 1;
		ret = prepare(env, a, &jobs[i], i);
		for (unsigned r = 1; !ret && !lab_stop && r <= a->reps; r++)
			if (!(ret = one_run(env, a, &jobs[i], r)))
				(*done)++;
	}
	return lab_stop && !ret ? LAB_EXIT_STOPPED : ret;
}

int cmd_lab(int argc, char **argv)
{
	static struct kernel_job jobs[KERNELS_MAX];
	struct lab_env env = { 0 };
	struct args a;
	int ret = parse(&a, argc, argv), done = 0;
	bool created;

	if (ret)
		return ret == CLI_HELP ? CLI_EXIT_OK : ret;
	env.cmd = &lab_cmd;
	for (int i = 0; i < a.nkernels; i++)
		if ((ret = lab_spec_parse(&env, &jobs[i].k, a.kernels[i], a.arch)))
			return ret;
	if ((ret = setup_env(&env)))
		return ret;
	created = cli_db_absent(a.db);
	ret = run_all(&env, &a, jobs, &done);
	cli_db_discard(&lab_cmd, a.db, created, done);
	if (done || !created)
		lab_progress(&env, "%d run%s stored in %s", done, done == 1 ? "" : "s", a.db);
	/* a failure keeps what a guest left for a look; one before any
	 * (a kernel that does not exist) leaves nothing, not an empty dir */
	if (ret == CLI_EXIT_FAIL && rmdir(env.work)) {
		cli_err(&lab_cmd, "kept %s for a look (consoles, results)", env.work);
		return ret;
	}
	lab_run((const char *const[]){ "rm", "-rf", env.work, NULL }, NULL, NULL, NULL);
	return ret;
}
