/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * embed.c - how another tool embeds libvmlockstat.
 *
 *   embed TRACE [DB]
 *
 * 1. Reads TRACE with the library's reader and counts events per kind,
 *    with the stacks the reader attached.
 * 2. Feeds the same events, through the embedder API, into an import of
 *    its own (as a perf tool with its own reader would), into DB or an
 *    in-memory database, and lists the stored run.
 * Build against an installed library: cc embed.c $(pkg-config --cflags
 * --libs vmlockstat)
 */
#include <inttypes.h>
#include <stdio.h>

#include <vmlockstat.h>

struct counts {
	uint64_t per_kind[VLS_EV__COUNT];
	uint64_t with_stack;
	vls_import *imp;
	int feed_error;
};

static int on_event(const vls_event *ev, void *data)
{
	struct counts *c = data;

	c->per_kind[ev->kind]++;
	if (ev->stack_depth)
		c->with_stack++;
	c->feed_error = vls_import_feed(c->imp, ev);
	return c->feed_error != 0; /* non-zero stops the read */
}

static int print_run(const vls_run *run, void *data)
{
	(void)data;
	printf("stored run %" PRId64 ": label=%s events=%" PRIu64 "\n", run->id,
	       run->label, run->events);
	return 0;
}

static void log_to_stderr(vls_log_level level, const char *msg, void *data)
{
	(void)data;
	fprintf(stderr, "libvmlockstat[%d]: %s\n", (int)level, msg);
}

int main(int argc, char **argv)
{
	vls_import_opts iopts = VLS_IMPORT_OPTS_INIT;
	struct counts c = { { 0 }, 0, NULL, 0 };
	vls_ctx *ctx = NULL;
	vls_reader *reader = NULL;
	vls_db *db = NULL;
	int64_t run_id = 0;
	int ret, status = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s TRACE [DB]\n", argv[0]);
		return 2;
	}
	if (vls_ctx_new(&ctx))
		return 1;
	vls_ctx_set_log(ctx, log_to_stderr, VLS_LOG_WARN, NULL);
	ret = vls_reader_open(&reader, ctx, argv[1], NULL);
	if (!ret)
		ret = vls_db_open(&db, ctx, argc > 2 ? argv[2] : ":memory:",
				  VLS_DB_READWRITE);
	iopts.label = "embedded";
	if (!ret)
		ret = vls_import_begin(&c.imp, db, &iopts);
	if (!ret)
		ret = vls_reader_read(reader, on_event, &c);
	if (ret == VLS_ESTOPPED)
		ret = c.feed_error;
	if (!ret)
		ret = vls_import_commit(&run_id, c.imp);
	if (ret) {
		fprintf(stderr, "embed: %s: %s\n", vls_strerror(ret), vls_ctx_errmsg(ctx));
		goto out;
	}
	printf("format %s\n", vls_format_name(vls_reader_format(reader)));
	for (int k = 0; k < VLS_EV__COUNT; k++)
		if (c.per_kind[k])
			printf("%-45s %" PRIu64 "\n", vls_event_kind_name((vls_event_kind)k),
			       c.per_kind[k]);
	printf("events with a stack %" PRIu64 "\n", c.with_stack);
	vls_db_runs(db, print_run, NULL);
	status = 0;
out:
	vls_import_free(c.imp);
	vls_db_close(db);
	vls_reader_close(reader);
	vls_ctx_free(ctx);
	return status;
}
