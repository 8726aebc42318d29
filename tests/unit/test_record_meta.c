/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_record_meta.c - the recorder's parsers (lib/record-meta.c,
 * lib/record-instance.c): kernel config flags, per-CPU stats, vmstat,
 * the -b suggestion, event specs, and the sidecar format import reads;
 * and vls_record_new() refusing outputs it could not write (lib/record.c),
 * which it checks before tracefs: no root needed.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "record.h"

static const char config[] =
	"#\n# Automatically generated file; DO NOT EDIT.\n#\n"
	"CONFIG_ARCH_SUPPORTS_PER_VMA_LOCK=y\n"
	"CONFIG_PER_VMA_LOCK=y\n"
	"# CONFIG_PER_VMA_LOCK_STATS is not set\n"
	"CONFIG_HZ=250\n"
	"CONFIG_LOCALVERSION=\"-fc\"\n"
	"CONFIG_PER_VMA_LOCK_X=m\n";

static void test_config(vls_ctx *ctx)
{
	static const struct { const char *name, *want; } cases[] = {
		{ "PER_VMA_LOCK", "y" },
		{ "PER_VMA_LOCK_STATS", "n" },   /* "is not set" */
		{ "ARCH_SUPPORTS_PER_VMA_LOCK", "y" },
		{ "HZ", "250" },
		{ "LOCALVERSION", "\"-fc\"" },
		{ "PER_VMA_LOCK_X", "m" },       /* not a prefix match of PER_VMA_LOCK */
		{ "LOCK_STAT", NULL },           /* absent */
		{ "PER_VMA", NULL },             /* a prefix of a name is not a name */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *v = NULL;

		CHECK_INT(__vls_rec_config_value(ctx, &v, config, sizeof(config) - 1,
						 cases[i].name), 0);
		if (cases[i].want)
			CHECK_STR(v, cases[i].want);
		else
			CHECK(v == NULL);
		free(v);
	}
}

/* A real per_cpu/cpu1/stats of this machine's 6.18 kernel. */
static const char stats[] =
	"entries: 12\noverrun: 3456\ncommit overrun: 7\nbytes: 4096\n"
	"oldest event ts:  5120.030994\nnow ts:  5120.232467\n"
	"dropped events: 89\nread events: 278\n";

static void test_stats(void)
{
	static const struct { const char *key; int ret; uint64_t want; } cases[] = {
		{ "entries", 0, 12 },
		{ "overrun", 0, 3456 },
		{ "commit overrun", 0, 7 },
		{ "dropped events", 0, 89 },
		{ "read events", 0, 278 },
		{ "lost", VLS_ENOTFOUND, 0 },
		{ "oldest event ts", 0, 5120 },  /* integer part */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		uint64_t v = 0;

		CHECK_INT(__vls_rec_stats_value(&v, stats, cases[i].key), cases[i].ret);
		if (!cases[i].ret)
			CHECK_INT(v, cases[i].want);
	}
}

static void test_vmstat(void)
{
	static const char vmstat[] = "nr_free_pages 5810219\npgfault 12049838\n"
		"pgmajfault 181055\nvma_lock_success 10\nvma_lock_abort 2\n";
	static const struct { const char *key; int ret; uint64_t want; } cases[] = {
		{ "pgfault", 0, 12049838 },
		{ "pgmajfault", 0, 181055 },
		{ "vma_lock_abort", 0, 2 },
		{ "vma_lock_retry", VLS_ENOTFOUND, 0 },
		{ "pgfaul", VLS_ENOTFOUND, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		uint64_t v = 0;

		CHECK_INT(__vls_rec_vmstat_value(&v, vmstat, cases[i].key), cases[i].ret);
		if (!cases[i].ret)
			CHECK_INT(v, cases[i].want);
	}
}

static void test_suggest(void)
{
	static const struct { uint32_t kb; uint64_t read, lost; uint32_t want; } cases[] = {
		{ 4096, 1000, 0, 0 },            /* nothing lost: no advice */
		{ 4096, 1000, 1, 8192 },         /* at least double */
		{ 4096, 1000, 1000, 8192 },      /* half got through */
		{ 4096, 1000, 3000, 16384 },     /* a quarter */
		{ 4096, 1000, 5000, 32768 },     /* 6x, rounded up to 8x */
		{ 4096, 0, 10, 16384 },          /* nothing read: 4x */
		{ 0, 1000, 1000, 8192 },         /* 0 = the default 4096 */
		{ 524288, 1, 1000000, 1048576 }, /* capped at the limit */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		CHECK_INT(__vls_rec_suggest_kb(cases[i].kb, cases[i].read, cases[i].lost),
			  cases[i].want);
}

static void test_event_spec(vls_ctx *ctx)
{
	static const struct { const char *spec; int ret; const char *sys, *name; } cases[] = {
		{ "sched:sched_switch", 0, "sched", "sched_switch" },
		{ "sched/sched_switch", 0, "sched", "sched_switch" },
		{ "mmap_lock:*", 0, "mmap_lock", NULL },
		{ "block", 0, "block", NULL },
		{ "a-b:c_d", 0, "a-b", "c_d" },
		{ "", VLS_EINVAL, NULL, NULL },
		{ ":x", VLS_EINVAL, NULL, NULL },
		{ "sched:", VLS_EINVAL, NULL, NULL },
		{ "../../x:y", VLS_EINVAL, NULL, NULL },   /* no path escapes */
		{ "sched:sw*", VLS_EINVAL, NULL, NULL },
		{ "s:a:b", VLS_EINVAL, NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *sys = NULL, *name = NULL;

		CHECK_INT(__vls_rec_event_spec(ctx, cases[i].spec, &sys, &name), cases[i].ret);
		if (!cases[i].ret) {
			CHECK_STR(sys, cases[i].sys);
			if (cases[i].name)
				CHECK_STR(name, cases[i].name);
			else
				CHECK(name == NULL);
		}
		free(sys);
		free(name);
	}
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Write through the recorder's writer, read back with the loader. */
static void test_sidecar_roundtrip(vls_ctx *ctx)
{
	static const struct { const char *key, *val; } items[] = {
		{ "kernel", "6.18.44-fc-v769" },
		{ "record.command", "sh -c 'echo a\\b'" },   /* backslash kept */
		{ "uname", "line1\nline2" },                  /* newline kept */
		{ "events.missing", "" },
		{ "cpustat.0", "CPU: 0\nentries: 0\n" },      /* not in the sidecar */
	};
	char dir[] = "/tmp/vls-sidecar-XXXXXX", dat[64], side[80];
	vls_record rec = { .ctx = ctx };
	struct vls_meta m = { 0 };

	CHECK(mkdtemp(dir) != NULL);
	snprintf(dat, sizeof(dat), "%s/t.dat", dir);
	snprintf(side, sizeof(side), "%s.meta", dat);
	CHECK_INT(__vls_meta_sidecar_load(ctx, dat, &m), 0);  /* none yet */
	for (size_t i = 0; i < sizeof(items) / sizeof(*items); i++)
		CHECK_INT(__vls_meta_set(ctx, &rec.meta, items[i].key, items[i].val), 0);
	CHECK_INT(__vls_meta_sidecar_write(ctx, &rec.meta, side, "cpustat."), 0);
	CHECK_INT(__vls_meta_sidecar_load(ctx, dat, &m), 1);
	CHECK_INT(m.n, 4);
	for (size_t i = 0; i < 4; i++)
		CHECK_STR(__vls_meta_get(&m, items[i].key), items[i].val);
	CHECK(__vls_meta_get(&m, "cpustat.0") == NULL);
	__vls_meta_clear(ctx, &m);
	__vls_meta_clear(ctx, &rec.meta);

	/* Hostile sidecars: each a clear error naming the file. */
	static const struct { const char *text; int ret; const char *msg; } bad[] = {
		{ "not a sidecar\nk=v\n", VLS_EPARSE, "not a vmlockstat sidecar" },
		{ "# vmlockstat record metadata 1\nno equals sign\n", VLS_EPARSE, ":2: no '='" },
		{ "# vmlockstat record metadata 1\nbad key=v\n", VLS_EPARSE, "bad key" },
		{ "# vmlockstat record metadata 1\nk=a\\tb\n", VLS_EPARSE, "bad escape" },
		{ "# vmlockstat record metadata 1\n# comment\n\nk=v\n", 1, NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		CHECK_INT(write_file(side, bad[i].text), 0);
		CHECK_INT(__vls_meta_sidecar_load(ctx, dat, &m), bad[i].ret);
		if (bad[i].msg) {
			CHECK(strstr(vls_ctx_errmsg(ctx), bad[i].msg) != NULL);
			CHECK(strstr(vls_ctx_errmsg(ctx), side) != NULL);
		}
		__vls_meta_clear(ctx, &m);
	}
	unlink(side);
	rmdir(dir);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Outputs that cannot be written fail in new(), before tracefs or any
 * instance, with the path and why; nothing is left in the directory. */
static void test_new_outputs(vls_ctx *ctx)
{
	char dir[] = "/tmp/vls-recout-XXXXXX", path[4][96];
	static const struct { const char *name; int ret; const char *msg; } cases[] = {
		{ "sub", VLS_EINVAL, "is a directory" },
		{ "none/t.dat", VLS_EIO, "does not exist" },
		{ "fifo", VLS_EINVAL, "not a regular file" },
		{ "side.dat", VLS_EINVAL, "side.dat.meta: is a directory" },
	};
	vls_record_opts o = VLS_RECORD_OPTS_INIT;
	vls_record *rec = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path[0], sizeof(path[0]), "%s/sub", dir);
	CHECK_INT(mkdir(path[0], 0755), 0);
	snprintf(path[0], sizeof(path[0]), "%s/side.dat.meta", dir);
	CHECK_INT(mkdir(path[0], 0755), 0);
	snprintf(path[0], sizeof(path[0]), "%s/fifo", dir);
	CHECK_INT(mkfifo(path[0], 0644), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir, cases[i].name);
		o.output = path[i];
		CHECK_INT(vls_record_new(&rec, ctx, &o), cases[i].ret);
		CHECK(rec == NULL);
		vls_record_free(rec);   /* an instance, had the check passed */
		rec = NULL;
		CHECK(strstr(vls_ctx_errmsg(ctx), cases[i].msg) != NULL);
		CHECK(strstr(vls_ctx_errmsg(ctx), dir) != NULL);
		CHECK_INT(count_entries(dir), 3);
	}
	snprintf(path[0], sizeof(path[0]), "%s/fifo", dir);
	unlink(path[0]);
	snprintf(path[0], sizeof(path[0]), "%s/sub", dir);
	rmdir(path[0]);
	snprintf(path[0], sizeof(path[0]), "%s/side.dat.meta", dir);
	rmdir(path[0]);
	rmdir(dir);
}

int main(void)
{
	vls_ctx *ctx = NULL;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	test_config(ctx);
	test_stats();
	test_vmstat();
	test_suggest();
	test_event_spec(ctx);
	test_sidecar_roundtrip(ctx);
	test_new_outputs(ctx);
	vls_ctx_free(ctx);
	return TEST_DONE();
}
