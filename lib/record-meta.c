/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record-meta.c - what a recording says about the machine and itself:
 * uname, CPU count, kernel config flags, /proc/vmstat before and after,
 * per-CPU lost/overrun counts (meta-sidecar.c carries it to the import).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <tracefs.h>

#include "record.h"

#define CONFIG_MAX (32u << 20)     /* a kernel .config is ~300 KB */
#define VMSTAT_MAX (1u << 20)

/* Config options that decide what the analyzers can conclude. */
static const char *const config_names[] = {
	"PER_VMA_LOCK", "PER_VMA_LOCK_STATS", "ARCH_SUPPORTS_PER_VMA_LOCK",
	"LOCK_STAT", "PREEMPT", "PREEMPT_DYNAMIC", "TRANSPARENT_HUGEPAGE",
};

const char *vls_record_config_name(size_t i)
{
	return i < sizeof(config_names) / sizeof(*config_names) ? config_names[i] : NULL;
}

/* /proc/vmstat keys kept: the fault counters and every vma_lock_*. */
static bool vmstat_wanted(const char *key, size_t len)
{
	return (len == 7 && !strncmp(key, "pgfault", 7)) ||
	       (len == 10 && !strncmp(key, "pgmajfault", 10)) ||
	       (len > 9 && !strncmp(key, "vma_lock_", 9));
}

/* Find "key" at a line start followed by a separator in sep. */
static const char *line_key(const char *text, const char *key, const char *sep)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, klen) && p[klen] && strchr(sep, p[klen]))
			return p + klen;
	return NULL;
}

int __vls_rec_stats_value(uint64_t *out, const char *text, const char *key)
{
	const char *v = line_key(text, key, ":");
	char *end;

	if (!v)
		return VLS_ENOTFOUND;
	errno = 0;
	*out = strtoull(v + 1, &end, 10);
	return errno || end == v + 1 ? VLS_EPARSE : 0;
}

int __vls_rec_vmstat_value(uint64_t *out, const char *text, const char *key)
{
	const char *v = line_key(text, key, " ");
	char *end;

	if (!v)
		return VLS_ENOTFOUND;
	errno = 0;
	*out = strtoull(v + 1, &end, 10);
	return errno || end == v + 1 ? VLS_EPARSE : 0;
}

int __vls_rec_config_value(vls_ctx *ctx, char **out, const char *text,
			   size_t len, const char *name)
{
	char set[96], unset[112];
	size_t slen, ulen;
	const char *p = text, *end = text + len;

	*out = NULL;
	slen = (size_t)snprintf(set, sizeof(set), "CONFIG_%s=", name);
	ulen = (size_t)snprintf(unset, sizeof(unset), "# CONFIG_%s is not set", name);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n >= slen && !memcmp(p, set, slen))
			*out = __vls_strndup(ctx, p + slen, n - slen);
		else if (n == ulen && !memcmp(p, unset, ulen))
			*out = __vls_strdup(ctx, "n");
		else {
			p += n + 1;
			continue;
		}
		return *out ? 0 : __vls_error(ctx, VLS_ENOMEM, "out of memory");
	}
	return 0;
}

/* Read a kernel config, gzip-compressed or not (gzread passes plain text
 * through). Returns the number of bytes, 0 when absent or unreadable (the
 * flags then stay unknown), or a negative error. */
static long read_config(vls_ctx *ctx, char **out, const char *path)
{
	const unsigned int chunk = 65536;
	gzFile gz = gzopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;
	long ret = 0;
	int r;

	*out = NULL;
	if (!gz)
		return 0;
	do {
		ret = __vls_grow(ctx, (void **)&buf, &cap, n + chunk, 1, CONFIG_MAX);
		if (ret) {
			if (ret == VLS_ELIMIT)
				__vls_error(ctx, VLS_ELIMIT, "%s: larger than %u bytes",
					    path, CONFIG_MAX);
			goto out;
		}
		r = gzread(gz, buf + n, chunk);
		if (r > 0)
			n += (size_t)r;
	} while (r > 0);
	if (r == 0 && n) {
		*out = buf;
		buf = NULL;
		ret = (long)n;
	}
out:
	gzclose(gz);
	__vls_free(ctx, buf);
	return ret;
}

static int meta_config(vls_record *rec, const char *release)
{
	char boot[300], *text = NULL, *val = NULL;
	const char *src = "/proc/config.gz";
	long len = read_config(rec->ctx, &text, src);
	int ret = 0;

	if (len == 0) {
		snprintf(boot, sizeof(boot), "/boot/config-%s", release);
		src = boot;
		len = read_config(rec->ctx, &text, src);
	}
	if (len < 0)
		return (int)len;
	if (len == 0) {
		__vls_log(rec->ctx, VLS_LOG_INFO,
			  "no kernel config (/proc/config.gz, %s): config flags unknown", boot);
		return __vls_meta_set(rec->ctx, &rec->meta, "config.source", "");
	}
	ret = __vls_meta_set(rec->ctx, &rec->meta, "config.source", src);
	for (size_t i = 0; !ret && i < sizeof(config_names) / sizeof(*config_names); i++) {
		char key[96];

		ret = __vls_rec_config_value(rec->ctx, &val, text, (size_t)len,
					     config_names[i]);
		if (ret)
			break;
		snprintf(key, sizeof(key), "config.CONFIG_%s", config_names[i]);
		ret = __vls_meta_set(rec->ctx, &rec->meta, key, val ? val : "n");
		__vls_free(rec->ctx, val);
		val = NULL;
	}
	__vls_free(rec->ctx, text);
	return ret;
}

/* "[local] global counter" -> "local" */
static int meta_clock(vls_record *rec)
{
	char *clk = tracefs_instance_file_read(rec->instance, "trace_clock", NULL);
	char *a = clk ? strchr(clk, '[') : NULL;
	char *b = a ? strchr(a, ']') : NULL;
	int ret;

	if (!b) {
		free(clk);
		return __vls_meta_set(rec->ctx, &rec->meta, "trace_clock", "local");
	}
	*b = 0;
	ret = __vls_meta_set(rec->ctx, &rec->meta, "trace_clock", a + 1);
	free(clk);
	return ret;
}

static int meta_target(vls_record *rec)
{
	struct vls_meta *m = &rec->meta;
	char buf[512];
	size_t off = 0;

	if (!rec->npids)
		return __vls_meta_set(rec->ctx, m, "record.target", "system");
	for (size_t i = 0; i < rec->npids && off < sizeof(buf) - 16; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%d",
					i ? "," : "", rec->pids[i]);
	if (__vls_meta_set(rec->ctx, m, "record.target",
			   rec->opts.command ? "command" : "pids"))
		return VLS_ENOMEM;
	return __vls_meta_set(rec->ctx, m, "record.pids", buf);
}

int __vls_rec_meta_static(vls_record *rec)
{
	struct vls_meta *m = &rec->meta;
	vls_ctx *ctx = rec->ctx;
	struct utsname u;
	char buf[1024];
	int ret = 0;

	if (uname(&u) < 0)
		return __vls_error(ctx, VLS_EIO, "uname: %s", strerror(errno));
	snprintf(buf, sizeof(buf), "%s %s %s %s %s", u.sysname, u.nodename,
		 u.release, u.version, u.machine);
	ret = ret ? ret : __vls_meta_set(ctx, m, "kernel", u.release);
	ret = ret ? ret : __vls_meta_set(ctx, m, "arch", u.machine);
	ret = ret ? ret : __vls_meta_set(ctx, m, "uname", buf);
	ret = ret ? ret : __vls_meta_set(ctx, m, "hostname", u.nodename);
	ret = ret ? ret : __vls_meta_setf(ctx, m, "ncpus", "%zu", rec->ncpus);
	ret = ret ? ret : __vls_meta_set(ctx, m, "source.tool",
					 "vmlockstat record " VLS_VERSION_STRING);
	ret = ret ? ret : __vls_meta_set(ctx, m, "record.instance", rec->instance_name);
	ret = ret ? ret : __vls_meta_setf(ctx, m, "record.buffer_kb", "%u",
					  rec->opts.buffer_kb);
	ret = ret ? ret : __vls_meta_setf(ctx, m, "record.write_stacks", "%d",
					  rec->opts.write_stacks ? 1 : 0);
	if (!ret && rec->opts.command)
		ret = __vls_meta_set(ctx, m, "record.command", rec->opts.command);
	if (!ret && rec->opts.label)
		ret = __vls_meta_set(ctx, m, "label", rec->opts.label);
	ret = ret ? ret : meta_target(rec);
	ret = ret ? ret : meta_clock(rec);
	return ret ? ret : meta_config(rec, u.release);
}

char *__vls_rec_read_small(vls_ctx *ctx, const char *path, size_t max)
{
	int fd = __vls_rec_open_file(path);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *buf = f ? __vls_malloc(ctx, max + 1) : NULL;
	size_t n;

	if (fd >= 0 && !f)
		close(fd);
	if (!buf) {
		if (f)
			fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int vmstat_line(vls_record *rec, const char *when, const char *line,
		       size_t len)
{
	const char *sp = memchr(line, ' ', len);
	char key[160];
	const char *before;
	unsigned long long v;

	if (!sp || !vmstat_wanted(line, (size_t)(sp - line)) || sp - line > 100)
		return 0;
	v = strtoull(sp + 1, NULL, 10);
	snprintf(key, sizeof(key), "vmstat.%s.%.*s", when, (int)(sp - line), line);
	if (__vls_meta_setf(rec->ctx, &rec->meta, key, "%llu", v))
		return VLS_ENOMEM;
	if (strcmp(when, "after"))
		return 0;
	snprintf(key, sizeof(key), "vmstat.before.%.*s", (int)(sp - line), line);
	before = __vls_meta_get(&rec->meta, key);
	if (!before)
		return 0;
	snprintf(key, sizeof(key), "vmstat.delta.%.*s", (int)(sp - line), line);
	return __vls_meta_setf(rec->ctx, &rec->meta, key, "%lld",
			       (long long)(v - strtoull(before, NULL, 10)));
}

int __vls_rec_meta_vmstat(vls_record *rec, const char *when)
{
	char *text = __vls_rec_read_small(rec->ctx, "/proc/vmstat", VMSTAT_MAX);
	int ret = 0;

	if (!text) {
		__vls_log(rec->ctx, VLS_LOG_INFO, "/proc/vmstat unreadable: no counters");
		return 0;
	}
	for (char *p = text; *p && !ret;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		ret = vmstat_line(rec, when, p, len);
		p += len + (nl ? 1 : 0);
	}
	__vls_free(rec->ctx, text);
	return ret;
}

uint32_t __vls_rec_suggest_kb(uint32_t buffer_kb, uint64_t read, uint64_t lost)
{
	uint64_t kb = buffer_kb ? buffer_kb : VLS_RECORD_DEFAULT_KB;
	uint64_t want;

	if (!lost)
		return 0;
	/* Scale by the share that got through, at least double, round up
	 * to a power of two, and stay within the hard limit. */
	want = read ? kb * ((read + lost + read - 1) / read) : kb * 4;
	if (want < kb * 2)
		want = kb * 2;
	for (kb = 1; kb < want; kb <<= 1)
		;
	return kb > VLS_RECORD_MAX_KB ? VLS_RECORD_MAX_KB : (uint32_t)kb;
}

static int cpustat_one(vls_record *rec, struct vls_rec_cpu *c, uint64_t *read,
		       uint64_t *lost)
{
	static const char *const keys[] = { "overrun", "commit overrun",
					    "dropped events", "read events", "entries" };
	static const char *const names[] = { "overrun", "commit_overrun",
					     "dropped", "read", "entries" };
	uint64_t v[5] = { 0 };
	char path[64], key[64];
	char *text;
	int ret = 0;

	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", c->cpu);
	text = tracefs_instance_file_read(rec->instance, path, NULL);
	if (!text)
		return 0;
	for (size_t i = 0; i < 5 && !ret; i++) {
		__vls_rec_stats_value(&v[i], text, keys[i]);
		snprintf(key, sizeof(key), "cpu%d.%s", c->cpu, names[i]);
		ret = __vls_meta_setf(rec->ctx, &rec->meta, key, "%llu",
				      (unsigned long long)v[i]);
	}
	snprintf(key, sizeof(key), "cpu%d.lost", c->cpu);
	ret = ret ? ret : __vls_meta_setf(rec->ctx, &rec->meta, key, "%llu",
					  (unsigned long long)(v[0] + v[1] + v[2]));
	snprintf(key, sizeof(key), "cpustat.%d", c->cpu);
	ret = ret ? ret : __vls_meta_set(rec->ctx, &rec->meta, key, text);
	*lost += v[0] + v[1] + v[2];
	*read += v[3];
	free(text);
	return ret;
}

int __vls_rec_meta_cpustats(vls_record *rec)
{
	uint64_t read = 0, lost = 0, bytes = 0;
	int ret = 0;

	for (size_t i = 0; i < rec->ncpus && !ret; i++) {
		ret = cpustat_one(rec, &rec->cpus[i], &read, &lost);
		bytes += rec->cpus[i].bytes;
	}
	if (ret)
		return ret;
	rec->stats.bytes = bytes;
	rec->stats.lost_events = lost;
	rec->stats.suggested_kb = __vls_rec_suggest_kb(rec->opts.buffer_kb, read, lost);
	if (__vls_meta_setf(rec->ctx, &rec->meta, "lost_events", "%llu",
			    (unsigned long long)lost))
		return VLS_ENOMEM;
	return __vls_meta_setf(rec->ctx, &rec->meta, "record.bytes", "%llu",
			       (unsigned long long)bytes);
}
