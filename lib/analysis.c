/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * analysis.c - vls_analysis: the lock and fault analyses over an event
 * stream in memory, no DB (include/vmlockstat.h, docs/api.md). The same
 * cores as an import (locks-machine.c, faults-machine.c), started the way
 * their store writers start them (locks-store.c, faults-store.c), so a
 * trace gives the same results both ways (tests/unit/test_analysis.c).
 */
#include <string.h>

#include "analysis.h"
#include "reader.h"

static int cores_new(struct vls_analysis *an)
{
	const struct vls_locks_sink sink = {
		.chain = __vls_analysis_on_chain, .acq = __vls_analysis_on_acq,
		.every = true, .data = an,
	};
	int ret = __vls_groups_new(&an->groups, an->ctx);

	if (!ret)
		ret = __vls_locks_new(&an->locks, an->ctx,
				      an->opts.chain_threshold_ns, &sink);
	if (!ret)
		ret = __vls_faults_new(&an->faults, an->ctx, VLS_VMA_LOCK_UNKNOWN,
				       __vls_analysis_on_episode, NULL, an);
	return ret;
}

int vls_analysis_new(vls_analysis **out, vls_ctx *ctx,
		     const vls_analysis_opts *opts)
{
	struct vls_analysis *an;
	int ret;

	if (!out || !ctx)
		return ctx ? __vls_error(ctx, VLS_EINVAL, "vls_analysis_new: NULL argument")
			   : VLS_EINVAL;
	*out = NULL;
	if (opts && opts->version != VLS_ANALYSIS_OPTS_VERSION)
		return __vls_error(ctx, VLS_EINVAL,
				   "vls_analysis_opts version %u, this library knows %u",
				   opts->version, VLS_ANALYSIS_OPTS_VERSION);
	if (!(an = __vls_calloc(ctx, 1, sizeof(*an))))
		return __vls_error(ctx, VLS_ENOMEM, "out of memory for an analysis");
	an->ctx = ctx;
	ctx->live_objects++;
	if (opts)
		an->opts = *opts;
	else
		an->opts = (vls_analysis_opts)VLS_ANALYSIS_OPTS_INIT;
	if ((ret = cores_new(an)) < 0) {
		vls_analysis_free(an);
		return ret;
	}
	*out = an;
	return 0;
}

void vls_analysis_free(vls_analysis *an)
{
	if (!an)
		return;
	__vls_locks_free(an->locks);
	__vls_faults_free(an->faults);
	__vls_groups_free(an->groups);
	__vls_meta_clear(an->ctx, &an->meta);
	an->ctx->live_objects--;
	__vls_free(an->ctx, an);
}

int vls_analysis_set_meta(vls_analysis *an, const char *key, const char *value)
{
	if (!an || !key || !value)
		return an ? __vls_error(an->ctx, VLS_EINVAL,
					"vls_analysis_set_meta: NULL argument")
			  : VLS_EINVAL;
	if (an->started)
		return __vls_error(an->ctx, VLS_EINVAL,
				   "analysis metadata \"%s\" after the first event", key);
	return __vls_meta_set(an->ctx, &an->meta, key, value);
}

/* Before the first event, as the store writers decide it at theirs: the
 * recorded config, else the kernel release and arch, say whether the
 * kernel has per-VMA locks; the event list whether contention is traced. */
static void start(struct vls_analysis *an)
{
	const char *config = __vls_meta_get(&an->meta, "config.CONFIG_PER_VMA_LOCK");
	const char *kernel = __vls_meta_get(&an->meta, "kernel");
	const char *arch = __vls_meta_get(&an->meta, "arch");

	__vls_faults_set_cap(an->faults,
			     __vls_fault_vma_lock_cap(NULL, config, kernel, arch));
	__vls_locks_set_contention_events(an->locks,
					  __vls_locks_contention_listed(&an->meta));
	__vls_locks_set_groups(an->locks, an->groups);
	an->started = true;
}

int vls_analysis_feed(vls_analysis *an, const vls_event *ev)
{
	int ret;

	if (!an || !ev)
		return an ? __vls_error(an->ctx, VLS_EINVAL,
					"vls_analysis_feed: NULL argument")
			  : VLS_EINVAL;
	if (an->finished)
		return __vls_error(an->ctx, VLS_EINVAL, "an event after the analysis finished");
	if (!an->started)
		start(an);
	if ((ret = __vls_groups_event(an->groups, ev, &an->meta)) < 0)
		return ret;
	if ((ret = __vls_locks_event(an->locks, ev)) < 0)
		return ret;
	return __vls_faults_event(an->faults, ev);
}

int vls_analysis_finish(vls_analysis *an)
{
	int ret;

	if (!an)
		return VLS_EINVAL;
	if (an->finished)
		return __vls_error(an->ctx, VLS_EINVAL, "the analysis finished already");
	if (!an->started)
		start(an);
	an->finished = true;
	if ((ret = __vls_locks_finish(an->locks)) < 0)
		return ret;
	return __vls_faults_finish(an->faults);
}

struct run_state {
	struct vls_analysis *an;
	int err;                 /* what stopped the read, kept as it was */
};

static int feed_cb(const vls_event *ev, void *data)
{
	struct run_state *rs = data;

	rs->err = vls_analysis_feed(rs->an, ev);
	return rs->err;
}

/* The reader's metadata, then what `vmlockstat record` saved beside its
 * trace (meta-sidecar.c), as vls_db_import_file() takes them. */
static int reader_meta(struct vls_analysis *an, const vls_reader *r)
{
	struct vls_meta side = { 0 };
	const char *key, *value;
	int ret = 0;

	for (size_t i = 0; !ret && !vls_reader_meta_at(r, i, &key, &value); i++)
		ret = vls_analysis_set_meta(an, key, value);
	if (!ret && r->path && (ret = __vls_meta_sidecar_load(an->ctx, r->path, &side)) > 0)
		ret = 0;
	for (size_t i = 0; !ret && i < side.n; i++)
		ret = vls_analysis_set_meta(an, side.keys[i], side.vals[i]);
	__vls_meta_clear(an->ctx, &side);
	return ret;
}

int vls_analysis_run(vls_analysis *an, vls_reader *reader)
{
	struct run_state rs = { an, 0 };
	int ret;

	if (!an || !reader)
		return an ? __vls_error(an->ctx, VLS_EINVAL,
					"vls_analysis_run: NULL argument")
			  : VLS_EINVAL;
	if ((ret = reader_meta(an, reader)) < 0)
		return ret;
	ret = vls_reader_read(reader, feed_cb, &rs);
	if (ret == VLS_ESTOPPED && rs.err < 0)
		return rs.err;   /* the analysis' own error, its message kept */
	if (ret < 0)
		return ret;
	return vls_analysis_finish(an);
}
