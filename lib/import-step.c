/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import-step.c - the trace clock's step, measured on the events of an
 * import, whatever their reader.
 *
 * A clock that advances in steps of S stamps two events closer than S
 * with one timestamp, and events further apart at least S apart: a guest
 * kernel with no high-resolution clocksource counts jiffies (4 ms steps at
 * HZ=250, not exact multiples: 4000 us, 4001 us, ...), tracefs' `trace`
 * file prints microseconds. A wait or hold shorter than S then reads as 0
 * and every duration is a count of steps. A clock of nanoseconds, on the
 * other hand, gives two events of one CPU the same timestamp only now and
 * then (writing an event costs more than a nanosecond), and the smallest
 * difference between its events is a property of their spacing, not of
 * the clock.
 *
 * So, per CPU (a CPU's events are written in order, one at a time), the
 * import counts the events stamped with the timestamp of their CPU's
 * previous event (ties) and keeps the smallest positive difference (min).
 * The step is the clock's, and min is it, when at least 1 % of the events
 * that follow another on their CPU tie with it, and at least 16 do (fewer
 * say nothing either way). Measured: trace.dat files with nanosecond
 * timestamps tie 0 to 3 times in 1,775 to 2.17 M events (min 49 to 60 ns:
 * the spacing), perf script --ns never (min 1433 ns); tracefs text 0 to
 * 39 % of the time (min 1000 ns: the printed microseconds, which the text
 * reader gives anyway), the 6.12 guest of docs/lab.md 99 % (min 4 ms).
 * The rule cannot see a step that events are rarely closer than (then
 * durations are long against it), nor a clock that changed step within
 * the trace (the finest is kept).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "import.h"

#define TIES_PERCENT 1           /* of the events with a CPU predecessor */
#define TIES_MIN 16              /* and at least this many */

/* Returns 1 when cpu now has its slot, 0 when it is out of range (the
 * event is left out of the measure), or a negative error. */
int __vls_tstep_grow(vls_ctx *ctx, struct vls_tstep *t, int32_t cpu)
{
	size_t cap = t->ncpus;
	int ret;

	if (cpu < 0 || cpu >= VLS_TSTEP_CPUS_MAX)
		return 0;
	ret = __vls_grow(ctx, (void **)&t->last, &cap, (size_t)cpu + 1,
			 sizeof(*t->last), VLS_TSTEP_CPUS_MAX);
	if (ret)
		return ret;
	for (size_t i = t->ncpus; i < cap; i++)
		t->last[i] = UINT64_MAX;
	t->ncpus = cap;
	return 1;
}

/* The events that had a predecessor on their CPU. */
static uint64_t pairs(const struct vls_tstep *t)
{
	uint64_t cpus = 0;

	for (size_t i = 0; i < t->ncpus; i++)
		cpus += t->last[i] != UINT64_MAX;
	return t->events - cpus;
}

/* Is min the clock's step (see the top of this file)? */
static bool clock_step(const struct vls_tstep *t, uint64_t npairs)
{
	return t->min != UINT64_MAX && t->ties >= TIES_MIN &&
	       t->ties * 100 >= npairs * TIES_PERCENT;
}

/*
 * The measure as run metadata: timestamp_pairs, timestamp_ties,
 * timestamp_min_step_ns. When the step is the clock's and coarser than
 * the timestamp_resolution_ns the reader gave (the decimals a text
 * printed), it becomes timestamp_resolution_ns and timestamp_clock_step_ns
 * says where it came from; unless keep_resolution (an option fixed it).
 */
int __vls_tstep_meta(vls_ctx *ctx, const struct vls_tstep *t,
		     struct vls_meta *meta, bool keep_resolution)
{
	const char *v = __vls_meta_get(meta, "timestamp_resolution_ns");
	uint64_t npairs = pairs(t), res = v ? strtoull(v, NULL, 10) : 0;
	int ret;

	/* counts of a clock: no step of time to measure */
	if (!npairs || __vls_meta_ts_counts(meta))
		return 0;
	ret = __vls_meta_setf(ctx, meta, "timestamp_pairs", "%" PRIu64, npairs);
	if (!ret)
		ret = __vls_meta_setf(ctx, meta, "timestamp_ties", "%" PRIu64, t->ties);
	if (!ret && t->min != UINT64_MAX)
		ret = __vls_meta_setf(ctx, meta, "timestamp_min_step_ns", "%" PRIu64,
				      t->min);
	if (ret || keep_resolution || !clock_step(t, npairs) || res >= t->min)
		return ret;
	ret = __vls_meta_setf(ctx, meta, "timestamp_clock_step_ns", "%" PRIu64, t->min);
	if (!ret)
		ret = __vls_meta_setf(ctx, meta, "timestamp_resolution_ns", "%" PRIu64,
				      t->min);
	return ret;
}

void __vls_tstep_release(vls_ctx *ctx, struct vls_tstep *t)
{
	__vls_free(ctx, t->last);
	t->last = NULL;
	t->ncpus = 0;
}
