/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * event-kind.c - the event kinds the analyzers understand and their names.
 */
#include <string.h>

#include "vls-local.h"

static const struct {
	const char *system;
	const char *name;
} kinds[VLS_EV__COUNT] = {
	[VLS_EV_OTHER] = { "other", "other" },
	[VLS_EV_MMAP_LOCK_START] = { "mmap_lock", "mmap_lock_start_locking" },
	[VLS_EV_MMAP_LOCK_ACQUIRED] = { "mmap_lock", "mmap_lock_acquire_returned" },
	[VLS_EV_MMAP_LOCK_RELEASED] = { "mmap_lock", "mmap_lock_released" },
	[VLS_EV_PAGE_FAULT_USER] = { "exceptions", "page_fault_user" },
	[VLS_EV_PAGE_FAULT_KERNEL] = { "exceptions", "page_fault_kernel" },
	[VLS_EV_FILEMAP_FAULT] = { "filemap", "mm_filemap_fault" },
	[VLS_EV_FILEMAP_ADD] = { "filemap", "mm_filemap_add_to_page_cache" },
	[VLS_EV_FILEMAP_DELETE] = { "filemap", "mm_filemap_delete_from_page_cache" },
	[VLS_EV_SCHED_SWITCH] = { "sched", "sched_switch" },
	[VLS_EV_SCHED_WAKEUP] = { "sched", "sched_wakeup" },
	[VLS_EV_SCHED_WAKING] = { "sched", "sched_waking" },
	[VLS_EV_SCHED_FORK] = { "sched", "sched_process_fork" },
	[VLS_EV_SCHED_EXIT] = { "sched", "sched_process_exit" },
	[VLS_EV_SCHED_EXEC] = { "sched", "sched_process_exec" },
	[VLS_EV_LOCK_CONTENTION_BEGIN] = { "lock", "contention_begin" },
	[VLS_EV_LOCK_CONTENTION_END] = { "lock", "contention_end" },
	[VLS_EV_BLOCK_RQ_ISSUE] = { "block", "block_rq_issue" },
	[VLS_EV_BLOCK_RQ_COMPLETE] = { "block", "block_rq_complete" },
	[VLS_EV_TASK_NEWTASK] = { "task", "task_newtask" },
};

static const char *const full_names[VLS_EV__COUNT] = {
	[VLS_EV_OTHER] = "other",
	[VLS_EV_MMAP_LOCK_START] = "mmap_lock:mmap_lock_start_locking",
	[VLS_EV_MMAP_LOCK_ACQUIRED] = "mmap_lock:mmap_lock_acquire_returned",
	[VLS_EV_MMAP_LOCK_RELEASED] = "mmap_lock:mmap_lock_released",
	[VLS_EV_PAGE_FAULT_USER] = "exceptions:page_fault_user",
	[VLS_EV_PAGE_FAULT_KERNEL] = "exceptions:page_fault_kernel",
	[VLS_EV_FILEMAP_FAULT] = "filemap:mm_filemap_fault",
	[VLS_EV_FILEMAP_ADD] = "filemap:mm_filemap_add_to_page_cache",
	[VLS_EV_FILEMAP_DELETE] = "filemap:mm_filemap_delete_from_page_cache",
	[VLS_EV_SCHED_SWITCH] = "sched:sched_switch",
	[VLS_EV_SCHED_WAKEUP] = "sched:sched_wakeup",
	[VLS_EV_SCHED_WAKING] = "sched:sched_waking",
	[VLS_EV_SCHED_FORK] = "sched:sched_process_fork",
	[VLS_EV_SCHED_EXIT] = "sched:sched_process_exit",
	[VLS_EV_SCHED_EXEC] = "sched:sched_process_exec",
	[VLS_EV_LOCK_CONTENTION_BEGIN] = "lock:contention_begin",
	[VLS_EV_LOCK_CONTENTION_END] = "lock:contention_end",
	[VLS_EV_BLOCK_RQ_ISSUE] = "block:block_rq_issue",
	[VLS_EV_BLOCK_RQ_COMPLETE] = "block:block_rq_complete",
	[VLS_EV_TASK_NEWTASK] = "task:task_newtask",
};

const char *vls_event_kind_name(vls_event_kind kind)
{
	if ((unsigned)kind >= VLS_EV__COUNT)
		return "other";
	return full_names[kind];
}

/* system may be NULL: text traces name the event without its system. */
vls_event_kind __vls_event_kind_from_name(const char *system, const char *name)
{
	for (int k = 1; k < VLS_EV__COUNT; k++) {
		if (strcmp(kinds[k].name, name))
			continue;
		if (!system || !strcmp(kinds[k].system, system))
			return (vls_event_kind)k;
	}
	return VLS_EV_OTHER;
}
