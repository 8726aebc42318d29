/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * results.c - a guest's results back (lab.h): the tar it wrote onto the
 * results disk, unpacked (plain files, and directories under capture/
 * only), and imported as one run: the trace.dat written from the guest's
 * capture (its text trace when it has none), with the kernel release and arch from the
 * guest's uname, the scenario's ground truth (workload.truth, as `record
 * --scenario` stores it), vmstat before/after, the kernel's config flags,
 * the ring buffer's overruns, the qemu command line and the label.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lab.h"

#define FILE_MAX (1ull << 34)    /* 16 GiB: no trace of ours is larger */
#define META_MAX 1024          /* /proc/vmstat twice is ~400 */
#define TRUTH_MAX (60u * 1024u)  /* run_meta values stay below 64 KB */

static unsigned long long octal(const char *s, size_t n)
{
	unsigned long long v = 0;

	for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	return v;
}

static int copy_out(FILE *in, const char *path, unsigned long long size)
{
	FILE *out = path ? fopen(path, "we") : NULL;
	char buf[65536];
	unsigned long long left = (size + 511) / 512 * 512;
	int ret = path && !out ? -1 : 0;

	while (left) {
		size_t n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), in);

		if (!n)
			return -1;
		if (out && size && fwrite(buf, 1, n < size ? n : size, out) == 0)
			ret = -1;
		size -= n < size ? n : size;
		left -= n;
	}
	if (out && fclose(out))
		ret = -1;
	return ret;
}

/*
 * Where a tar member goes: NULL to skip it. Plain names, and paths under
 * capture/ whose components are plain names (no "..", nothing hidden);
 * the directories they need are made.
 */
static const char *member(const char *name, char type, const char *dir,
			  char *path, size_t size)
{
	const char *base = strncmp(name, "./", 2) ? name : name + 2;
	char *slash;

	if (!*base || (type != '0' && type != 0 && type != '5'))
		return NULL;
	if (strchr(base, '/') && strncmp(base, "capture/", 8))
		return NULL;
	for (const char *c = base; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (*c == '.' || *c == '/')
			return NULL;
	if ((size_t)snprintf(path, size, "%s/%s", dir, base) >= size)
		return NULL;
	/* its parents (and itself, a directory) */
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	if (type == '5') {
		size_t n = strlen(path);

		if (n && path[n - 1] == '/')
			path[n - 1] = 0;
		mkdir(path, 0755);
		return NULL;
	}
	return path[strlen(path) - 1] == '/' ? NULL : path;
}

int lab_results_extract(struct lab_env *env, const char *disk, const char *dir)
{
	FILE *in = fopen(disk, "re");
	char h[512], path[PATH_MAX + 128];
	int files = 0, ret = 0;

	/* dir is new: made here, or by --keep's mkdtemp() */
	if (!in || (mkdir(dir, 0755) && errno != EEXIST)) {
		cli_err(env->cmd, "cannot read results %s into %s: %s", disk, dir,
			strerror(errno));
		if (in)
			fclose(in);
		return CLI_EXIT_FAIL;
	}
	while (!ret && fread(h, 1, sizeof(h), in) == sizeof(h) && h[0]) {
		unsigned long long size = octal(h + 124, 12);
		char name[101];
		const char *to;

		snprintf(name, sizeof(name), "%.100s", h);
		if (size > FILE_MAX || memcmp(h + 257, "ustar", 5))
			break;
		to = member(name, h[156], dir, path, sizeof(path));
		ret = copy_out(in, to, size);
		files += to != NULL;
	}
	fclose(in);
	if (ret || !files) {
		cli_err(env->cmd, "%s: %s", disk, ret ? "a broken tar" :
			"no results: the guest wrote nothing (see its console)");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* dir/name, whole, trailing newlines cut; NULL when missing or > max */
static char *slurp(const char *dir, const char *name, size_t max)
{
	char path[PATH_MAX + 64], *buf;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "re")))
		return NULL;
	buf = malloc(max + 1);
	n = buf ? fread(buf, 1, max + 1, f) : 0;
	fclose(f);
	if (!buf || n > max) {
		free(buf);
		return NULL;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	return buf;
}

struct kv {
	const char *kv[2 * META_MAX];
	char *owned[META_MAX];
	size_t n, nowned;
};

static void put(struct kv *m, const char *key, const char *val)
{
	if (val && m->n < META_MAX) {
		m->kv[2 * m->n] = key;
		m->kv[2 * m->n + 1] = val;
		m->n++;
	}
}

static char *own(struct kv *m, char *s)
{
	if (s && m->nowned < META_MAX)
		return m->owned[m->nowned++] = s;
	free(s);
	return NULL;
}

/* config.CONFIG_X for the names a recording stores (record-meta.c) */
static void config_meta(struct kv *m, const char *path)
{
	FILE *f = path[0] ? fopen(path, "re") : NULL;
	char line[512];

	put(m, "config.source", path);
	if (!f)
		return;
	for (size_t i = 0; vls_record_config_name(i); i++) {
		const char *name = vls_record_config_name(i);
		char *key = NULL, *val = NULL;
		size_t n = strlen(name);

		rewind(f);
		while (!val && fgets(line, sizeof(line), f))
			if (!strncmp(line, "CONFIG_", 7) && !strncmp(line + 7, name, n) &&
			    line[7 + n] == '=')
				val = strndup(line + 8 + n, strcspn(line + 8 + n, "\n"));
		if (asprintf(&key, "config.CONFIG_%s", name) < 0)
			key = NULL;
		if (own(m, key))
			put(m, key, own(m, val ? val : strdup("n")));
	}
	fclose(f);
}

/* Lost events: the ring buffers' overruns, "cpuN overrun: K" lines */
static char *overruns(const char *dir)
{
	char *text = slurp(dir, "overrun.txt", 1 << 16), *out = NULL;
	unsigned long long total = 0;
	bool known = false;

	for (char *l = text; l && *l;) {
		char *p = strstr(l, "overrun:"), *eol = strchr(l, '\n');

		if (p && (!eol || p < eol)) {
			total += strtoull(p + 8, NULL, 10);
			known = true;
		}
		l = eol ? eol + 1 : NULL;
	}
	free(text);
	if (known && asprintf(&out, "%llu", total) < 0)
		out = NULL;
	return out;
}

static int fail_file(struct lab_env *env, const char *dir, const char *what)
{
	cli_err(env->cmd, "%s: the guest wrote no %s (see %s/init.log)", dir, what, dir);
	return CLI_EXIT_FAIL;
}

/*
 * The trace to import: the trace.dat written from the guest's capture (the
 * kernel's nanoseconds and pointers, the stacks' symbols), else the text
 * the guest printed (microseconds), said on stderr. > 0: an exit status.
 */
static int pick_trace(struct lab_env *env, vls_ctx *ctx, const char *dir,
		      char *trace, size_t size)
{
	char cap[PATH_MAX + 16];

	snprintf(cap, sizeof(cap), "%s/capture/capture.info", dir);
	if (!access(cap, R_OK)) {
		snprintf(cap, sizeof(cap), "%s/capture", dir);
		snprintf(trace, size, "%s/trace.dat", dir);
		return vls_capture_write_tracedat(ctx, cap, trace);
	}
	snprintf(trace, size, "%s/trace.txt", dir);
	if (access(trace, R_OK))
		return fail_file(env, dir, "trace");
	cli_err(env->cmd, "warning: %s: the guest wrote no capture (see init.log): "
		"the text trace is imported (timestamps in microseconds)", dir);
	return 0;
}

int lab_results_import(struct lab_env *env, const char *dir, struct lab_run *run)
{
	struct kv m = { 0 };
	vls_import_opts o = VLS_IMPORT_OPTS_INIT;
	struct cli_meta vm = { 0 };
	char trace[PATH_MAX + 16], arg[PATH_MAX + 64], rep[16], secs[32], boots[16];
	vls_ctx *ctx = NULL;
	vls_db *db = NULL;
	int ret;
	char *release = own(&m, slurp(dir, "uname.r", 256));
	char *arch = own(&m, slurp(dir, "uname.m", 64));
	char *truth = own(&m, slurp(dir, "truth.json", TRUTH_MAX));
	char *wrc = own(&m, slurp(dir, "workload.rc", 16));

	if (!release || !arch)
		return fail_file(env, dir, "uname");
	if (!wrc || strcmp(wrc, "0")) {
		char *out = slurp(dir, "workload.out", 4096);

		cli_err(env->cmd, "scenario %s failed in the guest (exit %s): %s",
			run->scenario, wrc ? wrc : "unknown", out ? out : "");
		free(out);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	snprintf(rep, sizeof(rep), "%u", run->rep);
	snprintf(secs, sizeof(secs), "%.1f", run->g->elapsed);
	snprintf(boots, sizeof(boots), "%u", run->g->boots);
	put(&m, "workload.scenario", run->scenario);
	put(&m, "workload.args", run->args_text);
	put(&m, "workload.truth", truth);
	put(&m, "lab.spec", run->k->spec);
	put(&m, "lab.package", run->k->package[0] ? run->k->package : NULL);
	put(&m, "lab.suite", run->k->suite[0] ? run->k->suite : NULL);
	put(&m, "lab.image", run->k->image);
	put(&m, "lab.qemu", run->g->cmdline);
	put(&m, "lab.rep", rep);
	put(&m, "lab.guest_seconds", secs);
	put(&m, "lab.boots", boots);
	put(&m, "lab.uname", own(&m, slurp(dir, "uname.a", 512)));
	put(&m, "events.missing", own(&m, slurp(dir, "events.missing", 4096)));
	put(&m, "ringbuf.overrun", own(&m, overruns(dir)));
	config_meta(&m, run->k->config);
	for (int i = 0; i < 2; i++) {
		snprintf(arg, sizeof(arg), "vmstat.%s=%s/vmstat.%s", i ? "after" : "before",
			 dir, i ? "after" : "before");
		if ((ret = cli_meta_add_file(&vm, arg)))
			goto out;
	}
	for (size_t i = 0; i + 1 < vm.n; i += 2)
		put(&m, vm.kv[i], vm.kv[i + 1]);
	o.label = run->label;
	o.kernel = release;
	o.arch = arch;
	o.meta = m.kv;
	o.nmeta = m.n;
	if ((ret = cli_ctx_new(&ctx, false)))
		goto fail;
	if ((ret = pick_trace(env, ctx, dir, trace, sizeof(trace))) > 0)
		goto out;
	if (ret < 0)
		goto fail;
	if ((ret = vls_db_open(&db, ctx, run->db, VLS_DB_READWRITE)) ||
	    (ret = vls_db_import_file(&run->id, db, trace, NULL, &o)))
		goto fail;
	ret = 0;
	goto out;
fail:
	ret = cli_fail(env->cmd, ctx, ret, run->db);
out:
	vls_db_close(db);
	vls_ctx_free(ctx);
	cli_meta_free(&vm);
	for (size_t i = 0; i < m.nowned; i++)
		free(m.owned[i]);
	return ret;
}
