/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_tracedat.c - libFuzzer target for the trace.dat reader: our header
 * and options walk (reader-tracedat-layout.c), the libtraceevent handle
 * built from its texts and our kallsyms table (reader-tracedat-tep.c,
 * -syms.c) or libtracecmd's open, our record decoding, the analyzers and
 * the store. Seeds: the v7 fixture and small files cut from it
 * (scripts/fuzz.sh).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_ctx)
		fuzz_init();
	fuzz_write(data, size);
	fuzz_import(VLS_FORMAT_TRACEDAT);
	return 0;
}
