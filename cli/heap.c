/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heap.c - the heap of a command that builds a big model from the DB
 * (report, compare) on transparent huge pages.
 *
 * Such a model is built once, read once and dropped at exit. A JSON
 * report of a run of 10 k threads touches about 24 MB: 6,000 pages of
 * 4 KB, each first touch a page fault. In a VM a fault can cost several
 * microseconds (2-10 us measured in this repository's PVM guest), a third
 * of that report's time. On 2 MB pages, where the kernel has them, the
 * same report takes about 1,300 faults (docs/benchmark.md).
 *
 * glibc's main arena grows its heap with brk(). Here big blocks stay in
 * the heap (M_MMAP_THRESHOLD), freed memory is kept for reuse
 * (M_TRIM_THRESHOLD), and the heap grows by HEAP_PAD at a time
 * (M_TOP_PAD) once, a pad advised MADV_HUGEPAGE before anything is in
 * it: the transparent_hugepage "madvise" mode, Debian's default, then
 * backs it with huge pages. The pad is virtual memory: a limit on it
 * (RLIMIT_DATA, strict overcommit) only refuses the growth, and the heap
 * then grows as before. glibc's glibc.malloc.hugetlb=1 tunable does the same,
 * but is only read from the environment at exec. Where this cannot be
 * done (another libc, a kernel without THP, a heap that brk() cannot
 * grow) nothing changes: the advice is a hint, and its failure is not
 * reported.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"

#define HUGE_PAGE (2u << 20)
#define HEAP_PAD (256u << 20)          /* virtual: touched as it is used */
#define HEAP_MMAP_MIN (64u << 20)      /* blocks from mmap() from here on */
#define TOP_PAD_DEFAULT (128u << 10)   /* mallopt(3) */

void cli_heap_huge(void)
{
#ifdef __GLIBC__
	uintptr_t lo, hi;
	void *p;

	if (!mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_MIN) ||
	    !mallopt(M_TRIM_THRESHOLD, 2 * HEAP_PAD) || !mallopt(M_TOP_PAD, HEAP_PAD))
		return;
	/* a block larger than the heap's free top grows it by the pad */
	lo = (uintptr_t)sbrk(0);
	p = malloc(HUGE_PAGE);
	free(p);
	hi = (uintptr_t)sbrk(0);
	mallopt(M_TOP_PAD, TOP_PAD_DEFAULT);
	lo = (lo + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	hi &= ~(uintptr_t)(HUGE_PAGE - 1);
	if (p && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
}
