/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vlsk-plugin.h - the KernelShark side of the plugin: its per-stream
 * context (vlsk-plugin.c), the entry lookup that ties a mark back to the
 * events it was built from (vlsk-entry.c) and the drawing (vlsk-draw.cpp).
 */
#ifndef VLSK_PLUGIN_H
#define VLSK_PLUGIN_H

#include "libkshark.h"
#include "libkshark-plugin.h"

#include "vlsk.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The plugin's state for one open stream (trace). */
struct vlsk_plugin_ctx {
	struct vlsk_trace trace;   /**< the analysis of the stream's file */
	int ok;                    /**< 1: trace holds it; 0: it failed */
	int mine;                  /**< 1: the marks are of this stream's
				        events, 0: of another instance's,
				        -1: not known yet (vlsk-draw.cpp) */
};

struct vlsk_plugin_ctx *vlsk_plugin_ctx_get(int sd);

/** The entry of task pid at exactly ts in rows (sorted by time, n of
 * them) of stream sd (-1: any), or NULL: the event a mark starts or ends
 * on. */
struct kshark_entry *vlsk_entry_at(struct kshark_entry **rows, size_t n,
				   int64_t ts, int32_t pid, int sd);

/** Drawing (vlsk-draw.cpp): the draw handler and the GUI pointer
 * KernelShark hands the menu initializer (for markEntryA/B). */
void vlsk_draw(struct kshark_cpp_argv *argv, int sd, int pid, int draw_action);
void *vlsk_set_gui(void *gui);

#ifdef __cplusplus
}
#endif
#endif
