/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vlsk-entry.c - from a mark back to KernelShark's entries: an
 * acquisition's wait starts on its mmap_lock_start_locking event, a hold
 * on mmap_lock_acquire_returned and ends on mmap_lock_released, each at
 * the mark's timestamp and by the mark's task. KernelShark opens each
 * ftrace instance of a file as a stream of its own (`vmlockstat record`
 * traces into one), all merged in one array: the stream says whose.
 */
#include "vlsk-plugin.h"

struct kshark_entry *vlsk_entry_at(struct kshark_entry **rows, size_t n,
				   int64_t ts, int32_t pid, int sd)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {            /* the first entry at ts or later */
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid]->ts < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && rows[lo]->ts == ts; lo++)
		if (rows[lo]->pid == pid && (sd < 0 || rows[lo]->stream_id == sd))
			return rows[lo];
	return NULL;
}
