/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * faults-kernel.c - what the fault analysis knows about kernels: which
 * stack frames mean "the arch fault handler took mmap_lock", and which
 * kernels have per-VMA locks. Frames are matched by name, never by their
 * position: a user fault gives 4 frames on x86, a uaccess fault inside a
 * syscall a dozen, and Debian kernels add two tracing frames on top.
 */
#include <stdio.h>
#include <string.h>

#include "faults.h"

const char *const __vls_fault_reason_names[VLS_FR__COUNT] = {
#define REASON_NAME(e, name) [VLS_FR_##e] = name,
	VLS_FAULT_REASONS(REASON_NAME)
#undef REASON_NAME
};

const char *__vls_fault_reason_name(enum vls_fault_reason r)
{
	if ((unsigned int)r >= VLS_FR__COUNT)
		return "none";
	return __vls_fault_reason_names[r];
}

/*
 * The arch fault handlers that take mmap_lock for a fault: since 6.5 (and
 * in 6.1.37+ stable) through lock_mm_and_find_vma(), before that directly
 * (x86 do_user_addr_fault(), arm64 __do_page_fault()/do_page_fault(),
 * powerpc ___do_page_fault(), riscv handle_page_fault(), s390
 * do_exception(), which 6.12 still does). The lock analysis' call site
 * "fault" is the same set (locks-site.c).
 */
static const char *const handler_frames[] = {
	"lock_mm_and_find_vma", "get_mmap_lock_carefully", "do_user_addr_fault",
	"exc_page_fault",
	"asm_exc_page_fault", "do_page_fault", "__do_page_fault",
	"___do_page_fault", "do_translation_fault", "do_mem_abort",
	"handle_page_fault", "do_exception", "do_dat_exception", NULL
};

/* Frames inside handle_mm_fault(): mmap_lock taken there is nested in a
 * fault that already holds a lock (__vmf_anon_prepare()'s trylock under
 * the VMA lock on 6.12). */
static const char *const nested_frames[] = {
	"handle_mm_fault", "__handle_mm_fault", "__vmf_anon_prepare",
	"vmf_anon_prepare", "do_anonymous_page", NULL
};

/* Exception entry frames of a fault taken in user mode. Any other frame
 * outside the handler is kernel code that faulted (uaccess, el1_abort). */
static const char *const user_entry_frames[] = {
	"el0_da", "el0_ia", "el0t_64_sync_handler", "el0t_64_sync",
	"el0t_32_sync_handler", "el0t_32_sync", "el0_sync", "el0_sync_handler",
	"el0_sync_compat", "ret_from_exception", "handle_exception",
	"pgm_check_handler", "__do_pgm_check", "interrupt_return_srr",
	"data_access_common_virt", "instruction_access_common_virt", NULL
};

/* Where a task sleeps when a fault waits for I/O: filemap_fault() ->
 * __folio_lock_or_retry() / folio_wait_locked_killable(), do_swap_page()
 * -> swap_read_folio(), all ending in folio_wait_bit_common(). */
static const char *const io_wait_frames[] = {
	"folio_wait_bit_common", "folio_wait_locked", "folio_wait_bit_killable",
	"__folio_lock", "__folio_lock_killable", "__folio_lock_or_retry",
	"io_schedule", "swap_read_folio", "swap_readpage", "do_swap_page",
	"filemap_fault", "wait_on_page_bit_common", "__lock_page_or_retry",
	"__lock_page_killable", NULL
};

static bool frame_in(const char *frame, size_t n, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (set[i][0] == frame[0] && !strncmp(set[i], frame, n) &&
		    set[i][n] == '\0')
			return true;
	return false;
}

enum vls_fault_path __vls_fault_classify_stack(const char *const *frames,
					       uint32_t n)
{
	long outer = -1, nested = -1;
	size_t len;

	for (uint32_t i = 0; i < n; i++) {
		if (!frames[i])
			continue;
		len = __vls_frame_name_len(frames[i]);
		if (frame_in(frames[i], len, handler_frames))
			outer = (long)i;
		else if (nested < 0 && frame_in(frames[i], len, nested_frames))
			nested = (long)i;
	}
	if (outer < 0)
		return VLS_FP_OTHER;
	if (nested >= 0 && nested < outer)
		return VLS_FP_NESTED;
	for (uint32_t i = (uint32_t)outer + 1; i < n; i++)
		if (frames[i] &&
		    !frame_in(frames[i], __vls_frame_name_len(frames[i]), user_entry_frames))
			return VLS_FP_KERNEL;
	return VLS_FP_USER;
}

bool __vls_fault_handler_frame(const char *frame)
{
	return frame && frame_in(frame, __vls_frame_name_len(frame), handler_frames);
}

bool __vls_fault_io_stack(const char *const *frames, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (frames[i] &&
		    frame_in(frames[i], __vls_frame_name_len(frames[i]), io_wait_frames))
			return true;
	return false;
}

/*
 * First release with ARCH_SUPPORTS_PER_VMA_LOCK per arch (mm/Kconfig
 * PER_VMA_LOCK, default y with SMP and MMU): x86_64, arm64, powerpc
 * (book3s64) and s390 in 6.4, riscv in 6.6. No kernel before 6.4 has
 * per-VMA locks on any arch. Others: unknown.
 */
static const struct {
	const char *arch;
	int major, minor;
} vma_lock_since[] = {
	{ "x86_64", 6, 4 }, { "amd64", 6, 4 }, { "aarch64", 6, 4 },
	{ "arm64", 6, 4 }, { "ppc64le", 6, 4 }, { "ppc64", 6, 4 },
	{ "s390x", 6, 4 }, { "riscv64", 6, 6 },
};

static enum vls_vma_lock_cap cap_from_release(const char *release,
					      const char *arch)
{
	int major, minor;

	if (!release || sscanf(release, "%d.%d", &major, &minor) != 2)
		return VLS_VMA_LOCK_UNKNOWN;
	if (major < 6 || (major == 6 && minor < 4))
		return VLS_VMA_LOCK_NO;
	if (!arch)
		return VLS_VMA_LOCK_UNKNOWN;
	for (size_t i = 0; i < sizeof(vma_lock_since) / sizeof(vma_lock_since[0]); i++) {
		if (strcmp(arch, vma_lock_since[i].arch))
			continue;
		if (major > vma_lock_since[i].major ||
		    (major == vma_lock_since[i].major &&
		     minor >= vma_lock_since[i].minor))
			return VLS_VMA_LOCK_YES;
		return VLS_VMA_LOCK_NO;
	}
	return VLS_VMA_LOCK_UNKNOWN;
}

enum vls_vma_lock_cap __vls_fault_vma_lock_cap(enum vls_vma_lock_basis *basis,
					       const char *config,
					       const char *release,
					       const char *arch)
{
	enum vls_vma_lock_cap cap = VLS_VMA_LOCK_UNKNOWN;
	enum vls_vma_lock_basis b = VLS_VMA_BASIS_NONE;

	if (config && *config) {
		/* =y in .config; "is not set", n or empty: off */
		cap = !strcmp(config, "y") ? VLS_VMA_LOCK_YES : VLS_VMA_LOCK_NO;
		b = VLS_VMA_BASIS_CONFIG;
	} else {
		cap = cap_from_release(release, arch);
		if (cap != VLS_VMA_LOCK_UNKNOWN)
			b = VLS_VMA_BASIS_RELEASE;
	}
	if (basis)
		*basis = b;
	return cap;
}
