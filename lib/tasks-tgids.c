/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks-tgids.c - the thread lists `vmlockstat record` leaves in the run's
 * metadata (record-tasks.c): "tgids.start.N" (the threads alive when it
 * started, from /proc) and "tgids.saved.N" (the kernel's saved_tgids when
 * it stopped), each "TGID:TID,TID TGID: ...", the leader implied.
 *
 * They are read into a map tid -> tgid; a tid listed under two groups (a
 * tid the kernel reused during the run) keeps the first one read, start
 * before saved. Hostile values are skipped, never trusted beyond a pid's
 * range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "tasks.h"

#define TGID_KEYS_MAX 1024

static const char *parse_id(const char *p, int32_t *out)
{
	char *end;
	long v = strtol(p, &end, 10);

	if (end == p || v <= 0 || v > INT32_MAX)
		return NULL;
	*out = (int32_t)v;
	return end;
}

static int put(vls_ctx *ctx, struct vls_u64map *m, int32_t tid, int32_t tgid)
{
	uint32_t old;

	if (!__vls_u64map_get(m, (uint64_t)tid, &old))
		return 0;
	return __vls_u64map_put(ctx, m, (uint64_t)tid, (uint32_t)tgid);
}

/* One value: groups separated by spaces; a malformed group ends it. */
static int load_value(vls_ctx *ctx, struct vls_u64map *m, const char *p)
{
	int ret = 0;

	while (!ret && p && *p) {
		int32_t tgid, tid;

		while (*p == ' ')
			p++;
		if (!*p || !(p = parse_id(p, &tgid)) || *p++ != ':')
			break;
		ret = put(ctx, m, tgid, tgid);
		while (!ret && p && *p && *p != ' ') {
			if (!(p = parse_id(p, &tid)))
				break;
			ret = put(ctx, m, tid, tgid);
			if (p && *p == ',')
				p++;
		}
	}
	return ret;
}

int __vls_tasks_tgids_load(vls_ctx *ctx, const struct vls_meta *meta,
			   struct vls_u64map *m)
{
	static const char *const prefixes[] = { "tgids.start", "tgids.saved" };
	int ret = 0;

	for (size_t k = 0; meta && !ret && k < 2; k++)
		for (unsigned int i = 0; !ret && i < TGID_KEYS_MAX; i++) {
			char key[32];
			const char *v;

			snprintf(key, sizeof(key), "%s.%u", prefixes[k], i);
			if (!(v = __vls_meta_get(meta, key)))
				break;
			ret = load_value(ctx, m, v);
		}
	return ret;
}

bool __vls_tasks_tgids_key(const char *key)
{
	return !strncmp(key, "tgids.start.", 12) || !strncmp(key, "tgids.saved.", 12);
}
