/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * meta-sidecar.c - the sidecar "<trace.dat>.meta" (format in meta.h):
 * written by the recorder, read by the import, so that what a recording
 * knows of the machine reaches the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "meta.h"

#define SIDECAR_MAGIC "# vmlockstat record metadata 1"
#define SIDECAR_LINE_MAX (70u * 1024u)
/* getline() grows its buffer to the whole line before we can look at its
 * length: the file's size is checked first (a real sidecar with a kernel
 * config is ~300 KB). */
#define SIDECAR_MAX (16u << 20)

/* ------------------------------------------------------------------ */

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

int __vls_meta_sidecar_write(vls_ctx *ctx, const struct vls_meta *m,
			     const char *path, const char *skip_prefix)
{
	size_t skip = skip_prefix ? strlen(skip_prefix) : 0;
	FILE *f = fopen(path, "we");

	if (!f)
		return __vls_error(ctx, VLS_EIO, "%s: %s", path, strerror(errno));
	fprintf(f, "%s\n", SIDECAR_MAGIC);
	for (size_t i = 0; i < m->n; i++) {
		if (skip && !strncmp(m->keys[i], skip_prefix, skip))
			continue;
		fprintf(f, "%s=", m->keys[i]);
		put_escaped(f, m->vals[i]);
		fputc('\n', f);
	}
	if (ferror(f) | fclose(f))
		return __vls_error(ctx, VLS_EIO, "%s: write failed", path);
	return 0;
}

/* Unescape in place; false on a bad escape. */
static bool unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*w++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*w++ = '\\';
		else if (*s == 'n')
			*w++ = '\n';
		else
			return false;
	}
	*w = 0;
	return true;
}

static bool key_ok(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || strchr("_.-", *k)))
			return false;
	return true;
}

static int sidecar_line(vls_ctx *ctx, const char *path, unsigned long lineno,
			char *line, struct vls_meta *m)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return __vls_error(ctx, VLS_EPARSE, "%s:%lu: no '=' in line", path, lineno);
	*eq = 0;
	if (!key_ok(line))
		return __vls_error(ctx, VLS_EPARSE, "%s:%lu: bad key '%s'", path, lineno, line);
	if (!unescape(eq + 1))
		return __vls_error(ctx, VLS_EPARSE, "%s:%lu: bad escape in value of %s",
				   path, lineno, line);
	return __vls_meta_set(ctx, m, line, eq + 1);
}

int __vls_meta_sidecar_load(vls_ctx *ctx, const char *tracedat_path,
			    struct vls_meta *m)
{
	char path[4096], *line = NULL;
	unsigned long lineno = 0;
	struct stat st;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = 1;

	if ((size_t)snprintf(path, sizeof(path), "%s.meta", tracedat_path) >= sizeof(path))
		return __vls_error(ctx, VLS_ELIMIT, "%s: path too long", tracedat_path);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 :
		       __vls_error(ctx, VLS_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || st.st_size > SIDECAR_MAX) {
		fclose(f);
		return __vls_error(ctx, VLS_ELIMIT, "%s: larger than %u MiB: not a "
				   "vmlockstat sidecar", path, SIDECAR_MAX >> 20);
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		if ((size_t)n > SIDECAR_LINE_MAX) {
			ret = __vls_error(ctx, VLS_ELIMIT, "%s:%lu: line longer than %u bytes",
					  path, lineno, SIDECAR_LINE_MAX);
			break;
		}
		if (lineno == 1 && strcmp(line, SIDECAR_MAGIC)) {
			ret = __vls_error(ctx, VLS_EPARSE, "%s: not a vmlockstat sidecar "
					  "(first line is not '%s')", path, SIDECAR_MAGIC);
			break;
		}
		if (lineno == 1 || !n || line[0] == '#')
			continue;
		if ((ret = sidecar_line(ctx, path, lineno, line, m)) < 0)
			break;
		ret = 1;
	}
	if (ret > 0 && ferror(f))
		ret = __vls_error(ctx, VLS_EIO, "%s: read error", path);
	free(line);
	fclose(f);
	return ret;
}
