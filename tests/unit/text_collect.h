/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * text_collect.h - shared by the text reader's tests (test_text.c,
 * test_text_perf.c): the events a read delivers, kept for the checks, and
 * the files the tests write or unpack in a temporary directory. The
 * includer defines TEXT_TEST_TMPDIR ("/tmp/NAME-XXXXXX") first.
 */
#ifndef VLS_TEXT_COLLECT_H
#define VLS_TEXT_COLLECT_H

#include <stdlib.h>
#include <unistd.h>

#include "test.h"

static char tmpdir[] = TEXT_TEST_TMPDIR;

#define MAX_EVENTS 60000

struct collected {
	size_t n;
	vls_event *ev;               /* copies, stack pointers cleared; name
				      * valid while the reader is open */
	uint32_t depth[MAX_EVENTS];
	char top[MAX_EVENTS][64];    /* innermost frame */
	char bottom[MAX_EVENTS][64]; /* outermost frame */
};

static struct collected *col;

static int collect(const vls_event *ev, void *data)
{
	size_t i = col->n;

	(void)data;
	if (i == MAX_EVENTS)
		return 1;
	col->ev[i] = *ev;
	col->depth[i] = ev->stack_depth;
	col->top[i][0] = col->bottom[i][0] = '\0';
	if (ev->stack_depth) {
		snprintf(col->top[i], 64, "%s", ev->stack[0]);
		snprintf(col->bottom[i], 64, "%s", ev->stack[ev->stack_depth - 1]);
	}
	col->ev[i].stack = NULL;
	col->n++;
	return 0;
}

/* tmpdir/name with len bytes of text. */
static const char *write_tmp(const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	fwrite(text, 1, len, f);
	fclose(f);
	return path;
}

/* The xz file src unpacked to tmpdir/name; NULL if xz fails. */
static const char *unxz(const char *src, const char *name)
{
	static char path[512];
	char cmd[1200];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", src, path);
	return system(cmd) ? NULL : path;
}

/* Read a whole file. Returns the read's result; *r stays open for meta. */
static int read_file(vls_ctx *ctx, const char *path, int strict, vls_reader **r,
		     vls_reader_stats *st)
{
	vls_reader_opts o = VLS_READER_OPTS_INIT;
	int ret;

	o.strict = strict;
	col->n = 0;
	*r = NULL;
	ret = vls_reader_open(r, ctx, path, &o);
	if (ret)
		return ret;
	ret = vls_reader_read(*r, collect, NULL);
	vls_reader_get_stats(*r, st);
	return ret;
}

/* tmpdir and col made; 0, or -1 when they cannot be. */
static int text_test_setup(void)
{
	if (!mkdtemp(tmpdir))
		return -1;
	col = calloc(1, sizeof(*col));
	if (col)
		col->ev = calloc(MAX_EVENTS, sizeof(*col->ev));
	return col && col->ev ? 0 : -1;
}

static void text_test_cleanup(void)
{
	char cmd[128];

	if (col)
		free(col->ev);
	free(col);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

#endif /* VLS_TEXT_COLLECT_H */
