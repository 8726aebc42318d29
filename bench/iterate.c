/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iterate.c - the import benchmark's baselines.
 *
 *   iterate bare TRACE.dat    a bare libtracecmd loop: every record of every
 *                             buffer, in timestamp order, touching its type,
 *                             pid and timestamp (what any reader must do)
 *   iterate reader TRACE.dat  the same file through vls_reader_read() with an
 *                             empty callback (decode + stack attach cost)
 *   iterate kinds TRACE       events per kind and the reader's counters
 *
 * Prints one line: mode, records/events, seconds, events per second.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <trace-cmd.h>
#include <vmlockstat.h>

#define MAX_HANDLES 257

struct bare {
	struct tep_handle *tep;
	uint64_t n, sum;
};

static int bare_cb(struct tracecmd_input *h, struct tep_record *rec, int cpu,
		   void *data)
{
	struct bare *b = data;

	b->n++;
	b->sum += (uint64_t)tep_data_type(b->tep, rec) + (uint64_t)tep_data_pid(b->tep, rec) +
		  rec->ts;
	return 0;
}

static int run_bare(const char *path, uint64_t *n)
{
	struct tracecmd_input *h[MAX_HANDLES];
	struct bare b = { 0 };
	int nh = 1, ninst;

	h[0] = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h[0]) {
		fprintf(stderr, "iterate: %s: cannot open\n", path);
		return 1;
	}
	b.tep = tracecmd_get_tep(h[0]);
	ninst = tracecmd_buffer_instances(h[0]);
	for (int i = 0; i < ninst && nh < MAX_HANDLES; i++)
		if ((h[nh] = tracecmd_buffer_instance_handle(h[0], i)))
			nh++;
	tracecmd_iterate_events_multi(h, nh, bare_cb, &b);
	for (int i = nh - 1; i >= 0; i--)
		tracecmd_close(h[i]);
	*n = b.n;
	return b.sum == 42; /* keep the loop's work observable */
}

static int empty_cb(const vls_event *ev, void *data)
{
	uint64_t *kinds = data;

	kinds[ev->kind]++;
	kinds[VLS_EV__COUNT] += ev->stack_depth ? 1 : 0;
	return 0;
}

static int run_reader(const char *path, uint64_t *n, int print)
{
	uint64_t kinds[VLS_EV__COUNT + 1] = { 0 };
	vls_reader_stats st;
	vls_reader *r = NULL;
	vls_ctx *ctx = NULL;
	int ret = vls_ctx_new(&ctx);

	if (!ret)
		ret = vls_reader_open(&r, ctx, path, NULL);
	if (!ret)
		ret = vls_reader_read(r, empty_cb, kinds);
	if (ret)
		fprintf(stderr, "iterate: %s\n", vls_ctx_errmsg(ctx));
	vls_reader_get_stats(r, &st);
	*n = st.events;
	for (int k = 0; print && k < VLS_EV__COUNT; k++)
		if (kinds[k])
			printf("%-45s %" PRIu64 "\n", vls_event_kind_name(k), kinds[k]);
	if (print)
		printf("stacks %" PRIu64 " orphan %" PRIu64 " dup %" PRIu64
		       " bad %" PRIu64 " with_stack %" PRIu64 "\n", st.stacks,
		       st.orphan_stacks, st.dup_stacks, st.bad_records,
		       kinds[VLS_EV__COUNT]);
	for (size_t i = 0; print && !vls_reader_meta_at(r, i, NULL, NULL); i++) {
		const char *k, *v;

		vls_reader_meta_at(r, i, &k, &v);
		printf("meta %s=%s\n", k, v);
	}
	vls_reader_close(r);
	vls_ctx_free(ctx);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	uint64_t n = 0;
	double s;
	int ret;

	if (argc != 3 || (strcmp(argv[1], "bare") && strcmp(argv[1], "reader") &&
			  strcmp(argv[1], "kinds"))) {
		fprintf(stderr, "usage: iterate bare|reader|kinds TRACE.dat\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(argv[1], "bare"))
		ret = run_bare(argv[2], &n);
	else
		ret = run_reader(argv[2], &n, !strcmp(argv[1], "kinds"));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s %" PRIu64 " events %.3f s %.0f events/s\n", argv[1], n, s,
	       s > 0 ? (double)n / s : 0.0);
	return ret;
}
