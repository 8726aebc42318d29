/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * faults-reason.h - why a fault took mmap_lock: the one list of reasons.
 *
 * The enum, the names (DB values and columns, JSON keys, report columns)
 * and their order all come from VLS_FAULT_REASONS. The fallback reasons,
 * in this order, are the JSON contract's "by_reason" (docs/report-json.md)
 * and web/util.js VLS.REASONS; every reason is a column of fault_run and
 * fault_task (schema/20_faults.sql). tests/unit/test_reasons.c holds the
 * schema, the contract and the web list to this one.
 */
#ifndef VLS_FAULTS_REASON_H
#define VLS_FAULTS_REASON_H

/*
 * X(ENUM, "name"). The fallback reasons come first: a fault that fell
 * back to mmap_lock has exactly one, so they add up to the fallbacks.
 * NESTED, last, is not a fallback: mmap_lock taken inside a fault the
 * VMA lock handled (anon_vma preparation), shown apart.
 */
#define VLS_FAULT_REASONS(X)                                                \
	X(IO_RETRY, "io_retry")       /* VMA attempt dropped its lock for I/O */ \
	X(NO_IO, "no_io")             /* fell back with no I/O evidence */       \
	X(KERNEL_MODE, "kernel_mode") /* never tries the VMA lock */             \
	X(NO_VMA_LOCK, "no_vma_lock") /* kernel without per-VMA locks */        \
	X(NESTED, "nested")           /* inside a VMA-locked fault */

enum vls_fault_reason {
#define VLS_FR_ENUM(e, name) VLS_FR_##e,
	VLS_FAULT_REASONS(VLS_FR_ENUM)
#undef VLS_FR_ENUM
	VLS_FR__COUNT,
	VLS_FR_NONE = VLS_FR__COUNT, /* the fault never took mmap_lock */
};

/* Reasons r < VLS_FR__FALLBACKS are fallbacks. */
#define VLS_FR__FALLBACKS VLS_FR_NESTED

/* "io_retry, no_io, ..., no_vma_lock, ": the DB columns, in order. */
#define VLS_FR_COL_(e, name) name ", "
#define VLS_FAULT_REASON_COLS VLS_FAULT_REASONS(VLS_FR_COL_)

/* The names, by reason: [r] for r < VLS_FR__COUNT. */
extern const char *const __vls_fault_reason_names[VLS_FR__COUNT];

/* The name of r; "none" for VLS_FR_NONE and anything out of range. */
const char *__vls_fault_reason_name(enum vls_fault_reason r);

#endif /* VLS_FAULTS_REASON_H */
