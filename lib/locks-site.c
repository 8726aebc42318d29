/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * locks-site.c - what took mmap_lock (the call site, from the stack of the
 * acquisition) and why a holder slept (from the stack of its sched_switch).
 *
 * Frames are matched by function name, innermost first, ignoring the
 * "+0x1a/0x40" offset, compiler suffixes (".isra.0", ".constprop.0") and a
 * " [module]" tail, so the same table serves tracefs text, trace-cmd report
 * and trace.dat stacks.
 */
#include <string.h>

#include "faults.h"
#include "locks.h"

struct pattern {
	const char *fn;
	int cls;
};

static const char *const site_names[VLS_SITE__COUNT] = {
	"other", "fault fallback", "nested fault", "mmap", "munmap", "mprotect",
	"madvise", "mremap", "brk", "fork", "exec", "exit", "procfs", "GUP",
	"khugepaged", "MGLRU walk", "unknown",
};

static const char *const site_keys[VLS_SITE__COUNT] = {
	"other", "fault", "nested_fault", "mmap", "munmap", "mprotect",
	"madvise", "mremap", "brk", "fork", "exec", "exit", "procfs", "gup",
	"khugepaged", "mglru", "unknown",
};

static const char *const reason_names[VLS_SLEEP__COUNT] = {
	"running", "folio I/O", "reclaim", "rwsem", "VMA drain", "mutex",
	"block I/O", "other sleep", "D state",
};

static const char *const reason_keys[VLS_SLEEP__COUNT] = {
	"none", "folio_io", "reclaim", "rwsem", "vma_drain", "mutex",
	"block_io", "other", "unknown",
};

/* Innermost match wins, except that a fault keeps its class and the
 * contexts below (exec, fork, exit, ...) win over the mmap/GUP helpers
 * they call (load_elf_binary() -> vm_mmap(), get_arg_page() -> GUP). The
 * arch fault handlers, for both analyses: __vls_fault_handler_frame(). */
static const struct pattern site_direct[] = {
	{ "__vmf_anon_prepare", VLS_SITE_NESTED_FAULT },
	{ "vmf_anon_prepare", VLS_SITE_NESTED_FAULT },
	{ "vm_mmap_pgoff", VLS_SITE_MMAP },
	{ "do_mmap", VLS_SITE_MMAP },
	{ "ksys_mmap_pgoff", VLS_SITE_MMAP },
	{ "__vm_munmap", VLS_SITE_MUNMAP },
	{ "vm_munmap", VLS_SITE_MUNMAP },
	{ "do_vmi_munmap", VLS_SITE_MUNMAP },
	{ "do_vmi_align_munmap", VLS_SITE_MUNMAP },
	{ "__x64_sys_munmap", VLS_SITE_MUNMAP },
	{ "__arm64_sys_munmap", VLS_SITE_MUNMAP },
	{ "do_mprotect_pkey", VLS_SITE_MPROTECT },
	{ "__x64_sys_mprotect", VLS_SITE_MPROTECT },
	{ "__arm64_sys_mprotect", VLS_SITE_MPROTECT },
	{ "do_madvise", VLS_SITE_MADVISE },
	{ "madvise_lock", VLS_SITE_MADVISE },
	{ "vector_madvise", VLS_SITE_MADVISE },
	{ "__x64_sys_madvise", VLS_SITE_MADVISE },
	{ "__arm64_sys_madvise", VLS_SITE_MADVISE },
	{ "__do_sys_mremap", VLS_SITE_MREMAP },
	{ "do_mremap", VLS_SITE_MREMAP },
	{ "__x64_sys_mremap", VLS_SITE_MREMAP },
	{ "__arm64_sys_mremap", VLS_SITE_MREMAP },
	{ "__do_sys_brk", VLS_SITE_BRK },
	{ "__x64_sys_brk", VLS_SITE_BRK },
	{ "__arm64_sys_brk", VLS_SITE_BRK },
	{ "vm_brk_flags", VLS_SITE_BRK },
	{ "m_start", VLS_SITE_PROCFS },
	{ "show_map", VLS_SITE_PROCFS },
	{ "show_smap", VLS_SITE_PROCFS },
	{ "show_smaps_rollup", VLS_SITE_PROCFS },
	{ "pagemap_read", VLS_SITE_PROCFS },
	{ "clear_refs_write", VLS_SITE_PROCFS },
	{ "do_procmap_query", VLS_SITE_PROCFS },
	{ "proc_map_files_readdir", VLS_SITE_PROCFS },
	{ "proc_map_files_get_link", VLS_SITE_PROCFS },
	{ "map_files_d_revalidate", VLS_SITE_PROCFS },
	{ "get_mm_cmdline", VLS_SITE_PROCFS },
	{ "proc_pid_cmdline_read", VLS_SITE_PROCFS },
	{ "environ_read", VLS_SITE_PROCFS },
	{ "__get_user_pages", VLS_SITE_GUP },
	{ "get_user_pages", VLS_SITE_GUP },
	{ "get_user_pages_remote", VLS_SITE_GUP },
	{ "get_user_pages_unlocked", VLS_SITE_GUP },
	{ "__gup_longterm_locked", VLS_SITE_GUP },
	{ "pin_user_pages", VLS_SITE_GUP },
	{ "pin_user_pages_remote", VLS_SITE_GUP },
	{ "pin_user_pages_fast", VLS_SITE_GUP },
	{ "get_user_pages_fast", VLS_SITE_GUP },
	{ "gup_fast_fallback", VLS_SITE_GUP },
	{ "internal_get_user_pages_fast", VLS_SITE_GUP },
	{ "fixup_user_fault", VLS_SITE_GUP },
	{ "__access_remote_vm", VLS_SITE_GUP },
	{ "access_remote_vm", VLS_SITE_GUP },
	{ "process_vm_rw_core", VLS_SITE_GUP },
	{ "process_vm_rw", VLS_SITE_GUP },
	{ NULL, 0 },
};

static const struct pattern site_context[] = {
	{ "khugepaged", VLS_SITE_KHUGEPAGED },
	{ "khugepaged_scan_mm_slot", VLS_SITE_KHUGEPAGED },
	{ "hpage_collapse_scan_pmd", VLS_SITE_KHUGEPAGED },
	{ "collapse_huge_page", VLS_SITE_KHUGEPAGED },
	{ "walk_mm", VLS_SITE_MGLRU },
	{ "try_to_inc_max_seq", VLS_SITE_MGLRU },
	{ "lru_gen_look_around", VLS_SITE_MGLRU },
	{ "dup_mmap", VLS_SITE_FORK },
	{ "dup_mm", VLS_SITE_FORK },
	{ "copy_process", VLS_SITE_FORK },
	{ "get_arg_page", VLS_SITE_EXEC },
	{ "setup_arg_pages", VLS_SITE_EXEC },
	{ "exec_mmap", VLS_SITE_EXEC },
	{ "begin_new_exec", VLS_SITE_EXEC },
	{ "load_elf_binary", VLS_SITE_EXEC },
	{ "bprm_execve", VLS_SITE_EXEC },
	{ "do_execveat_common", VLS_SITE_EXEC },
	{ "exit_mmap", VLS_SITE_EXIT },
	{ "__mmput", VLS_SITE_EXIT },
	{ "exit_mm", VLS_SITE_EXIT },
	{ "acct_collect", VLS_SITE_EXIT },
	{ "do_exit", VLS_SITE_EXIT },
	{ NULL, 0 },
};

/* Where the task slept, innermost first after the scheduler frames. */
static const struct pattern sleep_direct[] = {
	{ "folio_wait_bit_common", VLS_SLEEP_FOLIO_IO },
	{ "folio_wait_bit", VLS_SLEEP_FOLIO_IO },
	{ "folio_wait_bit_killable", VLS_SLEEP_FOLIO_IO },
	{ "folio_wait_locked", VLS_SLEEP_FOLIO_IO },
	{ "folio_wait_writeback", VLS_SLEEP_FOLIO_IO },
	{ "__folio_lock", VLS_SLEEP_FOLIO_IO },
	{ "__folio_lock_killable", VLS_SLEEP_FOLIO_IO },
	{ "__folio_lock_or_retry", VLS_SLEEP_FOLIO_IO },
	{ "wait_on_page_bit_common", VLS_SLEEP_FOLIO_IO },
	{ "__lock_page", VLS_SLEEP_FOLIO_IO },
	{ "__lock_page_or_retry", VLS_SLEEP_FOLIO_IO },
	{ "rwsem_down_read_slowpath", VLS_SLEEP_RWSEM },
	{ "rwsem_down_write_slowpath", VLS_SLEEP_RWSEM },
	{ "percpu_rwsem_wait", VLS_SLEEP_RWSEM },
	{ "__mutex_lock", VLS_SLEEP_MUTEX },
	{ "__mutex_lock_slowpath", VLS_SLEEP_MUTEX },
	{ "rt_mutex_slowlock", VLS_SLEEP_MUTEX },
	{ "blk_mq_get_tag", VLS_SLEEP_BLOCK_IO },
	{ "submit_bio_wait", VLS_SLEEP_BLOCK_IO },
	{ "wait_for_completion_io", VLS_SLEEP_BLOCK_IO },
	{ "bit_wait_io", VLS_SLEEP_BLOCK_IO },
	{ "__wait_on_buffer", VLS_SLEEP_BLOCK_IO },
	{ NULL, 0 },
};

/* Anywhere in the stack: these decide over the innermost frame (reclaim
 * waiting on writeback is reclaim; vma_start_write() sleeps in an rwsem or
 * rcuwait on older/newer kernels but is the VMA readers' drain). */
static const struct pattern sleep_context[] = {
	{ "__vma_enter_locked", VLS_SLEEP_VMA_DRAIN },
	{ "__vma_start_write", VLS_SLEEP_VMA_DRAIN },
	{ "vma_start_write", VLS_SLEEP_VMA_DRAIN },
	{ "try_to_free_pages", VLS_SLEEP_RECLAIM },
	{ "do_try_to_free_pages", VLS_SLEEP_RECLAIM },
	{ "__perform_reclaim", VLS_SLEEP_RECLAIM },
	{ "__alloc_pages_slowpath", VLS_SLEEP_RECLAIM },
	{ "shrink_folio_list", VLS_SLEEP_RECLAIM },
	{ "shrink_node", VLS_SLEEP_RECLAIM },
	{ "reclaim_throttle", VLS_SLEEP_RECLAIM },
	{ "throttle_direct_reclaim", VLS_SLEEP_RECLAIM },
	{ "mem_cgroup_handle_over_high", VLS_SLEEP_RECLAIM },
	{ "try_charge_memcg", VLS_SLEEP_RECLAIM },
	{ "balance_dirty_pages", VLS_SLEEP_RECLAIM },
	{ NULL, 0 },
};

static const char *const sched_frames[] = {
	"__schedule", "schedule", "io_schedule", "schedule_timeout",
	"io_schedule_timeout", "schedule_preempt_disabled",
	"schedule_hrtimeout_range_clock", "schedule_hrtimeout_range",
	"__traceiter_sched_switch", "trace_event_raw_event_sched_switch",
	"__trace_stack", "stack_trace_save", "ftrace_stacktrace",
	"stacktrace_trigger", "event_triggers_call", "__bpf_trace_sched_switch",
	NULL,
};

static int match(const struct pattern *p, const char *frame)
{
	for (; p->fn; p++)
		if (__vls_frame_is(frame, p->fn))
			return p->cls;
	return -1;
}

enum vls_lock_site __vls_lock_site_classify(const char *const *frames,
					    uint32_t n)
{
	int direct = -1, cls;

	if (!n)
		return VLS_SITE_UNKNOWN;
	for (uint32_t i = __vls_stack_tracing_frames(frames, n); i < n; i++) {
		if (direct < 0 && __vls_fault_handler_frame(frames[i]))
			return VLS_SITE_FAULT;
		if (direct < 0 && (direct = match(site_direct, frames[i])) >= 0 &&
		    direct == VLS_SITE_NESTED_FAULT)
			return (enum vls_lock_site)direct;
		if ((cls = match(site_context, frames[i])) >= 0)
			return (enum vls_lock_site)cls;
	}
	return direct >= 0 ? (enum vls_lock_site)direct : VLS_SITE_OTHER;
}

static bool is_sched_frame(const char *f)
{
	for (const char *const *s = sched_frames; *s; s++)
		if (__vls_frame_is(f, *s))
			return true;
	return false;
}

enum vls_sleep_reason __vls_sleep_classify(const char *const *frames,
					   uint32_t n, const char **wchan)
{
	uint32_t i = 0;
	int cls;

	*wchan = NULL;
	if (!n)
		return VLS_SLEEP_UNKNOWN;
	while (i < n && is_sched_frame(frames[i]))
		i++;
	if (i < n)
		*wchan = frames[i];
	for (uint32_t j = i; j < n; j++)
		if ((cls = match(sleep_context, frames[j])) >= 0)
			return (enum vls_sleep_reason)cls;
	for (uint32_t j = i; j < n; j++)
		if ((cls = match(sleep_direct, frames[j])) >= 0)
			return (enum vls_sleep_reason)cls;
	return VLS_SLEEP_OTHER;
}

const char *__vls_lock_site_name(enum vls_lock_site site)
{
	return (unsigned)site < VLS_SITE__COUNT ? site_names[site] : "other";
}

const char *__vls_lock_site_key(enum vls_lock_site site)
{
	return (unsigned)site < VLS_SITE__COUNT ? site_keys[site] : "other";
}

bool __vls_lock_site_own_mm(enum vls_lock_site site)
{
	switch (site) {
	case VLS_SITE_FAULT:
	case VLS_SITE_NESTED_FAULT:
	case VLS_SITE_MMAP:
	case VLS_SITE_MUNMAP:
	case VLS_SITE_MPROTECT:
	case VLS_SITE_MADVISE:
	case VLS_SITE_MREMAP:
	case VLS_SITE_BRK:
	case VLS_SITE_EXEC:
		return true;
	default:
		return false;
	}
}

const char *__vls_sleep_reason_name(enum vls_sleep_reason r)
{
	return (unsigned)r < VLS_SLEEP__COUNT ? reason_names[r] : "other sleep";
}

const char *__vls_sleep_reason_key(enum vls_sleep_reason r)
{
	return (unsigned)r < VLS_SLEEP__COUNT ? reason_keys[r] : "other";
}

int __vls_lock_site_from_key(enum vls_lock_site *out, const char *key)
{
	for (int i = 0; i < VLS_SITE__COUNT; i++)
		if (key && !strcmp(key, site_keys[i])) {
			*out = (enum vls_lock_site)i;
			return 0;
		}
	*out = VLS_SITE_OTHER;
	return VLS_ENOTFOUND;
}

int __vls_sleep_reason_from_key(enum vls_sleep_reason *out, const char *key)
{
	for (int i = 0; i < VLS_SLEEP__COUNT; i++)
		if (key && !strcmp(key, reason_keys[i])) {
			*out = (enum vls_sleep_reason)i;
			return 0;
		}
	*out = VLS_SLEEP_OTHER;
	return VLS_ENOTFOUND;
}
