/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_text.c - libFuzzer target for the ftrace text reader (tracefs
 * "trace", trace-cmd report, atrace, perf script): format auto-detection, line
 * splitting, columns, fields, stacks, then the analyzers and the store.
 * Seeds: the text fixtures and fuzz/seeds/text/ (scripts/fuzz.sh).
 */
#include "fuzz_common.h"

static const uint8_t tracedat_magic[3] = { 0x17, 0x08, 0x44 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_ctx)
		fuzz_init();
	/* trace.dat inputs belong to the other target */
	if (size >= 3 && !memcmp(data, tracedat_magic, 3))
		return 0;
	fuzz_write(data, size);
	fuzz_import(VLS_FORMAT_AUTO);
	return 0;
}
