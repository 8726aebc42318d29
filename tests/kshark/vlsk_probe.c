/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vlsk_probe.c - the KernelShark plugin's core without a GUI: open a trace
 * with libkshark as KernelShark does, run the core (kshark/vlsk.h) over
 * the stream's file, tie every mark back to KernelShark's entries and
 * print what was collected as JSON for check_report.py to hold against
 * `vmlockstat report --json` of the same trace.
 */
#include <inttypes.h>
#include <stdio.h>

#include "libkshark.h"
#include "libkshark-tepdata.h"

#include "vlsk-plugin.h"

struct found {
	uint64_t marks, missing;   /* edges of waits and holds not found */
};

/* A wait starts on the task's start_locking event and ends on its
 * acquire_returned; a hold ends on its released (or, open, the last
 * event of the trace: not the task's, not counted). */
static void check_edges(const struct vlsk_trace *t, struct kshark_entry **rows,
			size_t n, struct found *f)
{
	for (size_t i = 0; i < t->nmarks; i++) {
		const struct vlsk_mark *m = &t->marks[i];

		if (m->kind != VLSK_WAIT)
			continue;
		f->marks++;
		f->missing += !vlsk_entry_at(rows, n, (int64_t)m->start_ns, m->tid, -1);
		f->missing += !vlsk_entry_at(rows, n, (int64_t)m->end_ns, m->tid, -1);
	}
}

static void print(const struct vlsk_trace *t, const struct found *f, size_t rows)
{
	printf("{\"entries\": %zu, \"waits\": %" PRIu64 ", \"edges_missing\": %" PRIu64
	       ",\n \"acquisitions\": {\"read\": %" PRIu64 ", \"write\": %" PRIu64 "},"
	       "\n \"contended\": {\"read\": %" PRIu64 ", \"write\": %" PRIu64 "},"
	       "\n \"fallbacks\": %" PRIu64 ", \"by_reason\": {",
	       rows, f->marks, f->missing, t->acq[0], t->acq[1], t->contended[0],
	       t->contended[1], t->count[VLSK_FALLBACK]);
	for (unsigned int r = 0; r < VLSK__REASONS; r++)
		printf("%s\"%s\": %" PRIu64, r ? ", " : "", vlsk_reason_name(r),
		       t->by_reason[r]);
	printf("},\n \"chains\": %zu, \"blocks\": %" PRIu64 ", \"holds\": %" PRIu64 "}\n",
	       t->nchains, t->count[VLSK_BLOCK], t->count[VLSK_HOLD]);
}

int main(int argc, char **argv)
{
	struct kshark_context *ks = NULL;
	struct kshark_data_stream *stream;
	struct kshark_entry **rows = NULL;
	struct vlsk_trace t;
	struct found f = { 0, 0 };
	ssize_t n;
	int sd, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: vlsk_probe TRACE.dat\n");
		return 2;
	}
	if (!kshark_instance(&ks) || (sd = kshark_open(ks, argv[1])) < 0 ||
	    !(stream = kshark_get_data_stream(ks, sd))) {
		fprintf(stderr, "vlsk_probe: libkshark cannot open %s\n", argv[1]);
		return 1;
	}
	/* as KernelShark's GUI does: every ftrace instance is a stream */
	if (kshark_tep_init_all_buffers(ks, sd) < 0) {
		fprintf(stderr, "vlsk_probe: libkshark cannot open the buffers of %s\n",
			argv[1]);
		return 1;
	}
	n = kshark_load_all_entries(ks, &rows);
	if (n <= 0)
		fprintf(stderr, "vlsk_probe: libkshark loaded no entries\n");
	else if (vlsk_collect(&t, stream->file, 0) < 0)
		fprintf(stderr, "vlsk_probe: %s\n", t.err);
	else {
		check_edges(&t, rows, (size_t)n, &f);
		print(&t, &f, (size_t)n);
		ret = 0;
	}
	vlsk_release(&t);
	for (ssize_t i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
	kshark_close_all(ks);
	kshark_free(ks);
	return ret;
}
