/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_common.h - shared by the libFuzzer targets: each input becomes a
 * file (the readers take a path) and goes through a whole import into an
 * in-memory DB: reader, stack attacher, every analyzer and the store.
 *
 * The library must return 0 or a negative VLS_E* code with a message on
 * the context; anything else (a crash, a sanitizer report, a leak, a
 * positive return, an empty message) is a finding. Included once per
 * target: the functions are static.
 */
#ifndef VLS_FUZZ_COMMON_H
#define VLS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmlockstat.h"

static char fuzz_path[64];
static vls_ctx *fuzz_ctx;

static void fuzz_cleanup(void)
{
	vls_ctx_free(fuzz_ctx);
	if (fuzz_path[0])
		unlink(fuzz_path);
}

static void fuzz_init(void)
{
	const char *dir = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";

	snprintf(fuzz_path, sizeof(fuzz_path), "%s/vls-fuzz-%d", dir, (int)getpid());
	if (vls_ctx_new(&fuzz_ctx))
		abort();
	atexit(fuzz_cleanup);
}

static void fuzz_write(const uint8_t *data, size_t size)
{
	FILE *f = fopen(fuzz_path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
}

/* Import the file as format; abort on a contract violation. */
static void fuzz_import(vls_format format)
{
	vls_reader_opts ro = VLS_READER_OPTS_INIT;
	vls_import_opts io = VLS_IMPORT_OPTS_INIT;
	vls_db *db = NULL;
	int64_t run = 0;
	int ret;

	/* A DB per input: a run's memory is then freed within the input, and
	 * libFuzzer's leak check (a full LeakSanitizer scan after any input
	 * that frees less than it allocates) stays out of the loop. A DB kept
	 * across inputs made every input such a one: 16 inputs/s. */
	if (vls_db_open(&db, fuzz_ctx, ":memory:", VLS_DB_READWRITE))
		abort();
	ro.format = format;
	io.keep_events = 1;     /* the raw-event writer too */
	ret = vls_db_import_file(&run, db, fuzz_path, &ro, &io);
	if (ret > 0 || (ret == 0 && run <= 0))
		abort();
	if (ret < 0 && !*vls_ctx_errmsg(fuzz_ctx))
		abort();        /* an error without a message */
	if (ret < 0 && !strstr(vls_ctx_errmsg(fuzz_ctx), fuzz_path) &&
	    ret != VLS_ENOMEM && ret != VLS_EDB)
		abort();        /* a reader error that does not name the file */
	vls_db_close(db);
}

#endif
