/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_tracedat_tep.c - reader-tracedat-tep.c against libtracecmd's own
 * tracecmd_open() on the fixtures (v7/zstd, its v6 twin, the iofault
 * trace): the same libtraceevent handle for decoding (byte order, long
 * size, CPU count, ring-buffer page header, every event with its id,
 * system, name, fields and print format, blktrace included, the comm of
 * every pid) and, from our own kallsyms table, the same function as
 * tep_find_function() at every symbol's address and either side of it.
 */
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <trace-cmd.h>

#include "test.h"
#include "reader-tracedat.h"

#define V7 TEST_DATA("mprotect-fault-6.18-x86_64.dat")
#define V6XZ TEST_DATA("mprotect-fault-6.18-x86_64.v6.dat.xz")
#define IOFAULT TEST_DATA("iofault-writer-6.18-x86_64.dat")
#define PIDS (1 << 22)          /* the kernel's PID_MAX_LIMIT */

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_fields(const struct tep_format_field *a, const struct tep_format_field *b)
{
	for (; a && b; a = a->next, b = b->next)
		if (!same_str(a->name, b->name) || !same_str(a->type, b->type) ||
		    a->offset != b->offset || a->size != b->size || a->flags != b->flags ||
		    a->arraylen != b->arraylen || a->elementsize != b->elementsize)
			return false;
	return !a && !b;
}

static void check_events(struct tep_handle *own, struct tep_handle *lib)
{
	struct tep_event **a = tep_list_events(own, TEP_EVENT_SORT_ID);
	struct tep_event **b = tep_list_events(lib, TEP_EVENT_SORT_ID);
	size_t n = 0;
	bool blk = false;

	CHECK(a && b);
	for (; a && b && a[n] && b[n]; n++) {
		CHECK_INT(a[n]->id, b[n]->id);
		CHECK(same_str(a[n]->system, b[n]->system));
		CHECK(same_str(a[n]->name, b[n]->name));
		CHECK(same_str(a[n]->print_fmt.format, b[n]->print_fmt.format));
		CHECK(same_fields(a[n]->format.common_fields, b[n]->format.common_fields));
		CHECK(same_fields(a[n]->format.fields, b[n]->format.fields));
		blk |= !strcmp(a[n]->name, "blktrace");
	}
	CHECK(a && b && !a[n] && !b[n]);
	CHECK(n > 20);
	CHECK(blk);
}

static void check_comms(struct tep_handle *own, struct tep_handle *lib)
{
	int n = 0;

	for (int pid = 0; pid < PIDS; pid++) {
		bool r = tep_is_pid_registered(own, pid);

		CHECK(r == tep_is_pid_registered(lib, pid));
		if (!r)
			continue;
		CHECK(same_str(tep_data_comm_from_pid(own, pid),
			       tep_data_comm_from_pid(lib, pid)));
		n++;
	}
	CHECK(n > 10);
}

static void check_funcs(vls_ctx *ctx, struct vls_tdsyms *s, struct tep_handle *lib)
{
	size_t bad = 0;

	CHECK(s->own);
	CHECK(s->ntab > 1000);
	for (size_t i = 0; i < s->ntab; i++)
		for (int d = -1; d <= 1; d++) {
			uint64_t a = s->tab[i].addr + (uint64_t)d;
			const char *got = NULL;

			CHECK_INT(__vls_tdsyms_find(&got, ctx, s, NULL, a), 0);
			bad += !same_str(got, tep_find_function(lib, a));
		}
	CHECK_INT(bad, 0);
}

static void check_file(const char *path)
{
	struct tracecmd_input *h;
	struct tep_handle *own = NULL, *lib;
	struct vls_tdsyms syms = { 0 };
	struct vls_tdhead head;
	vls_ctx *ctx = NULL;
	vls_reader r;

	CHECK_INT(vls_ctx_new(&ctx), 0);
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.path = (char *)path;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	CHECK(h != NULL);
	CHECK_INT(__vls_tdhead_read(&head, &r), 0);
	CHECK(head.own_head_no == NULL);
	CHECK_INT(__vls_tdtep_build(&own, &syms, &r, &head), 0);
	if (h && own) {
		lib = tracecmd_get_tep(h);
		CHECK_INT(tep_get_cpus(own), tep_get_cpus(lib));
		CHECK_INT(tep_get_long_size(own), tep_get_long_size(lib));
		CHECK_INT(tep_is_file_bigendian(own), tep_is_file_bigendian(lib));
		CHECK_INT(tep_is_local_bigendian(own), tep_is_local_bigendian(lib));
		CHECK_INT(tep_get_header_page_size(own), tep_get_header_page_size(lib));
		CHECK_INT(tep_get_header_timestamp_size(own),
			  tep_get_header_timestamp_size(lib));
		CHECK_INT(tep_get_sub_buffer_size(own), tep_get_sub_buffer_size(lib));
		CHECK_INT(tep_is_old_format(own), tep_is_old_format(lib));
		check_events(own, lib);
		check_comms(own, lib);
		check_funcs(ctx, &syms, lib);
	}
	tep_free(own);
	__vls_tdsyms_release(ctx, &syms);
	__vls_tdhead_free(&head, ctx);
	tracecmd_close(h);
	__vls_meta_clear(ctx, &r.meta);
	vls_ctx_free(ctx);
}

int main(void)
{
	char dir[] = "/tmp/vls-test-tdtep-XXXXXX", v6[128], cmd[512];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	check_file(V7);
	check_file(IOFAULT);
	snprintf(v6, sizeof(v6), "%s/v6.dat", dir);
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", V6XZ, v6);
	CHECK_INT(system(cmd), 0);
	check_file(v6);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_DONE();
}
