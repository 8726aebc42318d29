/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vlsk.h - the KernelShark plugin's core (docs/kshark.md): libvmlockstat's
 * analysis of a trace (vls_analysis, the public API only) collected into
 * per-task arrays of intervals the drawing part puts on each task's graph.
 * No GUI and no libkshark here: tests/kshark/ drives it directly.
 */
#ifndef VLSK_H
#define VLSK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What an interval is. */
enum vlsk_kind {
	VLSK_WAIT,      /**< waiting for mmap_lock: start_locking .. acquired */
	VLSK_HOLD,      /**< holding it: acquired .. released */
	VLSK_FALLBACK,  /**< a fault episode that fell back to mmap_lock */
	VLSK_BLOCK,     /**< a chain's blocker: it held (or queued) the lock
			     a long wait waited for */
	VLSK__KINDS
};

/** The fallback reasons, in the order of vls_fault_ep.reason's names. */
enum vlsk_reason {
	VLSK_IO_RETRY, VLSK_NO_IO, VLSK_KERNEL_MODE, VLSK_NO_VMA_LOCK,
	VLSK__REASONS
};

/** One interval on one task's graph. */
struct vlsk_mark {
	uint64_t start_ns, end_ns;
	int32_t tid;
	uint8_t kind;       /**< enum vlsk_kind */
	uint8_t write;      /**< WAIT/HOLD/BLOCK: the mode */
	uint8_t contended;  /**< WAIT/HOLD: the acquisition was contended */
	uint8_t inversion;  /**< WAIT/BLOCK: its chain is a priority inversion */
	uint8_t reason;     /**< FALLBACK: enum vlsk_reason */
	uint8_t queued;     /**< BLOCK: a writer queued ahead, not holding */
	uint32_t attempts;  /**< FALLBACK: the retry chain's attempts */
	uint64_t io_wait_ns; /**< FALLBACK: asleep on I/O in the episode */
	int64_t chain;      /**< WAIT/BLOCK: the chain's seq, -1 none */
	int32_t peer;       /**< BLOCK: the task it blocked (the waiter, or
			         the blocker it blocked in turn) */
	uint32_t depth;     /**< BLOCK: 1 for a direct blocker */
};

/** A long wait's chain, for its waiter's wait mark. */
struct vlsk_chain {
	int64_t seq;
	int32_t tid;          /**< the waiter */
	uint64_t start_ns, wait_ns;
	int write, inversion;
	size_t nblockers;
};

/** The collected analysis of one trace. */
struct vlsk_trace {
	struct vlsk_mark *marks;    /**< sorted by tid, then start_ns */
	size_t nmarks, cap;
	struct vlsk_chain *chains;  /**< by seq */
	size_t nchains, chain_cap;
	uint64_t count[VLSK__KINDS];
	uint64_t acq[2], contended[2];      /**< per mode: read, write */
	uint64_t by_reason[VLSK__REASONS];
	char err[256];              /**< why vlsk_collect() failed */
};

/** Run the analysis over the trace file at path (chain threshold in ns;
 * 0: the library's default, as an import). 0, or a negative VLS_E* code
 * with the message in t->err. Free with vlsk_release() either way. */
int vlsk_collect(struct vlsk_trace *t, const char *path, uint64_t chain_threshold_ns);
void vlsk_release(struct vlsk_trace *t);

/** The marks of one task, sorted by start, *n of them; NULL when none. */
const struct vlsk_mark *vlsk_task_marks(const struct vlsk_trace *t, int32_t tid,
					size_t *n);

/** The chain of seq, or NULL. */
const struct vlsk_chain *vlsk_chain_get(const struct vlsk_trace *t, int64_t seq);

/** The name of a reason ("io_retry", ...) and of a kind ("wait", ...). */
const char *vlsk_reason_name(unsigned int reason);
const char *vlsk_kind_name(unsigned int kind);

#ifdef __cplusplus
}
#endif
#endif
