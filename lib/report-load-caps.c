/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-load-caps.c - what a run can support (its capabilities) and the plain
 * statements the report makes about what it cannot.
 *
 * Capabilities come from the events the input declared or showed (run_meta
 * "events.present", written by the readers), from what the analyzers found
 * (report-load-faults.c, report-load-locks.c add theirs) and from recorded
 * vmstat. A figure that rests on a missing capability is null.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "report-load.h"
#include "util-fmt.h"

static const struct {
	const char *event;   /* as in events.present */
	const char *cap;
} event_caps[] = {
	{ "mmap_lock:mmap_lock_start_locking", VLS_CAP_MMAP_LOCK },
	{ "mmap_lock:mmap_lock_acquire_returned", VLS_CAP_MMAP_LOCK },
	{ "exceptions:page_fault_user", VLS_CAP_FAULT_USER },
	{ "exceptions:page_fault_kernel", VLS_CAP_FAULT_KERNEL },
	{ "filemap:mm_filemap_fault", VLS_CAP_FILEMAP },
	{ "sched:sched_switch", VLS_CAP_SCHED },
	{ "lock:contention_begin", VLS_CAP_CONTENTION },
};

static void caps_from_events(struct vls_rrun *run, const char *present)
{
	const char *p = present;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		for (size_t i = 0; i < sizeof(event_caps) / sizeof(event_caps[0]); i++)
			if (strlen(event_caps[i].event) == n &&
			    !strncmp(event_caps[i].event, p, n))
				__vls_rl_cap(run, event_caps[i].cap);
		p = comma ? comma + 1 : NULL;
	}
}

static int count_row(struct vls_rloader *L, sqlite3_stmt *st, void *data)
{
	*(int64_t *)data = sqlite3_column_int64(st, 0);
	return 0;
}

int __vls_rl_caps(struct vls_rloader *L, struct vls_rrun *run)
{
	int64_t stacks = 0;
	int err;

	caps_from_events(run, __vls_rl_meta(L, "events.present"));
	if (!__vls_meta_ts_counts(&L->meta))
		__vls_rl_cap(run, VLS_CAP_TIME);
	err = __vls_rl_query(L, "SELECT count(*) FROM stack WHERE run_id = :run_id",
			     run->id, count_row, &stacks);
	if (err)
		return err;
	if (stacks > 0)
		__vls_rl_cap(run, VLS_CAP_STACKS);
	if (__vls_rl_meta(L, "vmstat.before.pgfault") &&
	    __vls_rl_meta(L, "vmstat.after.pgfault"))
		__vls_rl_cap(run, VLS_CAP_VMSTAT);
	if (__vls_rl_meta(L, "vmstat.before.vma_lock_success"))
		__vls_rl_cap(run, VLS_CAP_VMA_LOCK_STATS);
	return 0;
}

/* How the stacks met their events (attach.h), when one did not plainly. */
static int stack_notes(struct vls_rloader *L, struct vls_rrun *run)
{
	const char *late = __vls_rl_meta(L, "late_stacks");
	const char *expired = __vls_rl_meta(L, "stack_waits_expired");
	const char *orphans = __vls_rl_meta(L, "orphan_stacks");
	int err = 0;

	if (late)
		err = __vls_rl_note(L, run, "%s stacks arrived late (their task "
				    "was preempted or moved to another CPU before "
				    "writing them) and were joined to their event by "
				    "task", late);
	if (!err && expired)
		err = __vls_rl_note(L, run, "%s events waited for a stack past the "
				    "limit (%.0f ms of trace time or %d held events) "
				    "and were taken without one", expired,
				    VLS_ATTACH_WAIT_NS / 1e6, VLS_ATTACH_HELD_MAX);
	if (!err && orphans && strcmp(orphans, "0"))
		err = __vls_rl_note(L, run, "%s stack records found no event to "
				    "join: the acquisitions they belong to have no "
				    "call site", orphans);
	return err;
}

/*
 * Timestamps in steps (run meta "timestamp_resolution_ns"): the trace
 * clock's own, measured by the import (import-step.c:
 * "timestamp_clock_step_ns"), or the decimals a text printed
 * (reader-text.c: microseconds from tracefs, trace-cmd report, and perf
 * script without --ns). A wait or hold shorter than a step reads as 0 and
 * every duration is a count of steps: the digits below one are not
 * measured.
 */
static int resolution_note(struct vls_rloader *L, struct vls_rrun *run)
{
	const char *clock = __vls_rl_meta(L, "timestamp_clock_step_ns");
	const char *ties = __vls_rl_meta(L, "timestamp_ties");
	const char *pairs = __vls_rl_meta(L, "timestamp_pairs");
	bool perf = run->format && !strcmp(run->format, "perf-script");
	char step[32];

	/* run->ts_step_ns: load_core() read it from the meta */
	if (run->ts_step_ns == VLS_RNULL || run->ts_step_ns <= 1)
		return 0;
	__vls_fmt_ns(step, sizeof(step), (uint64_t)run->ts_step_ns, 2);
	if (clock && strtoll(clock, NULL, 10) == run->ts_step_ns)
		return __vls_rl_note(L, run, "timestamps in steps of %s (the trace "
				     "clock's, measured: %s of %s events carry the "
				     "timestamp of the event before them on their "
				     "CPU): a wait or hold shorter than that reads as "
				     "0, and durations are whole steps, not measured "
				     "below one", step, ties ? ties : "?",
				     pairs ? pairs : "?");
	return __vls_rl_note(L, run, "timestamps in steps of %" PRId64 " ns (%s): "
			     "a wait or hold shorter than that reads as 0, and the "
			     "digits of a duration below it are not measured",
			     run->ts_step_ns, perf ? "perf script without --ns" :
			     "the decimals the trace printed");
}

/* A trace clock that counts (meta.h: VLS_META_TIMESTAMPS). */
static int untimed_note(struct vls_rloader *L, struct vls_rrun *run)
{
	const char *clock = __vls_rl_meta(L, "trace_clock");
	char what[96];

	if (clock)
		snprintf(what, sizeof(what), "the trace clock is %.32s, which counts", clock);
	else
		snprintf(what, sizeof(what), "the timestamps have no decimal point: "
			 "a trace clock that counts (counter, uptime, x86-tsc)");
	return __vls_rl_note(L, run, "%s, not time: every wait, hold, I/O wait "
			     "and duration is unknown and no wait-for chain is "
			     "shown; the counts stand (record with trace_clock "
			     "local, or any that keeps time)", what);
}

/* What the run lacks, said plainly, in the order a reader needs it. */
int __vls_rl_notes(struct vls_rloader *L, struct vls_rrun *run)
{
	bool lock = __vls_rrun_has_cap(run, VLS_CAP_MMAP_LOCK);
	int err = 0;

	if (run->events == 0)
		return __vls_rl_note(L, run, "this run has no events: nothing to report");
	if (run->lost_events != VLS_RNULL && run->lost_events > 0)
		err = __vls_rl_note(L, run, "%lld events were lost (ring buffer "
				    "overrun): counts are lower bounds",
				    (long long)run->lost_events);
	if (!err && __vls_rl_meta(L, "time_backwards"))
		err = __vls_rl_note(L, run, "%s events are stamped before their "
				    "task's previous event (up to %s ns back), taken at "
				    "the time of that one: durations around them are "
				    "not measured", __vls_rl_meta(L, "time_backwards"),
				    __vls_rl_meta(L, "time_backwards_max_ns") ?
				    __vls_rl_meta(L, "time_backwards_max_ns") : "?");
	if (!err)
		err = stack_notes(L, run);
	if (!err && !__vls_rrun_has_cap(run, VLS_CAP_TIME))
		err = untimed_note(L, run);
	if (!err)
		err = resolution_note(L, run);
	if (!err && !lock)
		err = __vls_rl_note(L, run, "no mmap_lock events in this trace: "
				    "lock figures unknown (enable mmap_lock:*)");
	if (!err && !__vls_rrun_has_cap(run, VLS_CAP_FAULT_USER))
		err = __vls_rl_note(L, run, "no page_fault_user tracepoint%s: %s",
				    run->arch && strcmp(run->arch, "x86_64") ?
				    " on this arch" : " in this trace",
				    run->f.total != VLS_RNULL && run->fault_source ?
				    "fault count from vmstat" :
				    "fault count and fallback rate unknown (no vmstat recorded)");
	if (!err && lock && !__vls_rrun_has_cap(run, VLS_CAP_STACKS))
		err = __vls_rl_note(L, run, "no kernel stacks: fault-path mmap_lock "
				    "acquisitions cannot be told from others");
	if (!err && lock && __vls_rrun_has_cap(run, VLS_CAP_STACKS))
		err = __vls_rl_note(L, run, "a wait runs from mmap_lock_start_locking "
				    "to acquire_returned: %s adds its cost to every "
				    "wait it fires on; 'contended' counts the real waits",
				    run->format && !strcmp(run->format, "perf-script") ?
				    "the callchain perf record -g takes at start_locking" :
				    "a stacktrace trigger on start_locking");
	if (!err && lock)
		err = __vls_rl_note(L, run, __vls_rrun_has_cap(run, VLS_CAP_CONTENTION) ?
				    "'contended': the waits whose task entered the "
				    "rwsem slow path (lock:contention_begin), as perf "
				    "lock contention counts them" :
				    "'contended' is inferred (a conflicting holder at "
				    "the start, or a sleep while waiting): record "
				    "lock:contention_begin for the kernel's own count");
	if (!err && !__vls_rrun_has_cap(run, VLS_CAP_FILEMAP))
		err = __vls_rl_note(L, run, "no filemap:mm_filemap_fault events: "
				    "refaults unknown, io_retry only from sleeps");
	if (!err && lock && !__vls_rrun_has_cap(run, VLS_CAP_SCHED))
		err = __vls_rl_note(L, run, "no sched_switch events: sleeps while "
				    "holding mmap_lock unknown");
	return err;
}
