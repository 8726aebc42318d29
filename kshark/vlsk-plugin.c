/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vlsk-plugin.c - the KernelShark 2 plugin's entry points: when a stream
 * (a trace file) is loaded, run libvmlockstat's analysis over its file
 * (vlsk-collect.c) and register the draw handler (vlsk-draw.cpp) that
 * puts the marks on the task graphs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "vlsk-plugin.h"

static void ctx_free(struct vlsk_plugin_ctx *c)
{
	if (!c)
		return;
	vlsk_release(&c->trace);
	free(c);
}

KS_DEFINE_PLUGIN_CONTEXT(struct vlsk_plugin_ctx, ctx_free);

struct vlsk_plugin_ctx *vlsk_plugin_ctx_get(int sd)
{
	return __get_context(sd);
}

/* The analysis reads the file itself (libvmlockstat's own reader): a
 * stream KernelShark did not load from a trace.dat file has nothing to
 * give it, and the plugin then stays unloaded, saying why on stderr (the
 * only channel a KernelShark plugin has). */
int KSHARK_PLOT_PLUGIN_INITIALIZER(struct kshark_data_stream *stream)
{
	struct vlsk_plugin_ctx *c = __init(stream->stream_id);
	int ret;

	if (!c)
		return 0;
	ret = vlsk_collect(&c->trace, stream->file, 0);
	if (ret < 0) {
		fprintf(stderr, "vmlockstat plugin: %s: %s\n",
			stream->file ? stream->file : "(no file)", c->trace.err);
		__close(stream->stream_id);
		return 0;
	}
	c->ok = 1;
	c->mine = -1;
	kshark_register_draw_handler(stream, vlsk_draw);
	return 1;
}

int KSHARK_PLOT_PLUGIN_DEINITIALIZER(struct kshark_data_stream *stream)
{
	int sd = stream->stream_id, loaded = vlsk_plugin_ctx_get(sd) != NULL;

	if (loaded)
		kshark_unregister_draw_handler(stream, vlsk_draw);
	__close(sd);
	return loaded;
}

void *KSHARK_MENU_PLUGIN_INITIALIZER(void *gui)
{
	return vlsk_set_gui(gui);
}
