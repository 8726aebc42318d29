#!/usr/bin/env bash
# record_fault.sh - the kernel check of issue 3. Two threads fault in a
# file evicted from the page cache through a MADV_RANDOM mapping (one page
# per major fault) while a third loops mprotect() on the mapping's last
# pages (tests/live/iofault.c, until `vmlockstat workload iofault` lands).
#
# On 6.x with CONFIG_PER_VMA_LOCK, filemap_fault() drops the per-VMA lock
# for the read and returns VM_FAULT_RETRY; the retry takes mmap_lock for
# read through lock_mm_and_find_vma(). So per faulting thread, in the
# recorded trace (read with trace-cmd report + tests/live/fault_acq.awk):
#   retry acquisitions (after the fault's I/O)          == ru_majflt
#   all fault-path read acquisitions via lock_mm_and_find_vma
#                        == ru_majflt + direct fallbacks
# where a direct fallback is a fault that could not take the per-VMA lock
# (mprotect() was changing the VMA) and went to mmap_lock first; it then
# retries after its I/O like the others.
set -u
. "$(dirname "$0")/record_common.bash"
record_preflight
command -v cc >/dev/null || skip "no C compiler for the test workload"
grep -q '^CONFIG_PER_VMA_LOCK=y' <(zcat /proc/config.gz 2>/dev/null ||
	cat "/boot/config-$(uname -r)" 2>/dev/null) || skip "kernel without CONFIG_PER_VMA_LOCK"

cc -O2 -pthread -o "$WORK/iofault" "$VLS_SOURCE_DIR/tests/live/iofault.c" ||
	fail "cannot build the workload"
before=$(top_state)
PAGES=2048
"$VLS" record -o "$WORK/fault.dat" -b 8192 -- "$WORK/iofault" "$WORK/data.bin" $PAGES 2 \
	>"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] || fail "record exit $rc: $(cat "$WORK/err")"
grep -q 'LOST' "$WORK/err" && fail "events lost; the check needs them all: $(cat "$WORK/err")"
grep -q '^events.missing=.*exceptions:page_fault_user' "$WORK/fault.dat.meta" &&
	skip "no exceptions:page_fault_user on this kernel (x86 only)"

map=$(sed -n 's/^map=//p' "$WORK/out")
lo=${map%-*}
hi=${map#*-}
trace-cmd report "$WORK/fault.dat" >"$WORK/fault.txt" 2>/dev/null ||
	fail "trace-cmd report cannot open fault.dat"
awk -v lo="$lo" -v hi="$hi" -f "$VLS_SOURCE_DIR/tests/live/fault_acq.awk" \
	"$WORK/fault.txt" >"$WORK/acq"
cat "$WORK/out" "$WORK/acq"

nthreads=0
while read -r tidf majf minf pagesf; do
	tid=${tidf#tid=}
	maj=${majf#majflt=}
	line=$(grep "^tid=$tid " "$WORK/acq") || fail "tid $tid: no fault-path acquisitions in the trace"
	retry=$(echo "$line" | sed 's/.*retry=\([0-9]*\).*/\1/')
	direct=$(echo "$line" | sed 's/.*direct=\([0-9]*\).*/\1/')
	[ "$maj" -gt $((PAGES / 4)) ] || fail "tid $tid: only $maj major faults: page cache not evicted?"
	[ "$retry" -eq "$maj" ] ||
		fail "tid $tid: $retry retry acquisitions through lock_mm_and_find_vma, ru_majflt $maj"
	echo "ok: tid $tid: ru_majflt $maj == retry acquisitions $retry" \
	     "(all fault-path acquisitions $((retry + direct)) = $maj + $direct direct fallbacks)"
	nthreads=$((nthreads + 1))
done < <(grep '^tid=' "$WORK/out")
[ "$nthreads" -eq 2 ] || fail "expected 2 faulting threads, saw $nthreads"

# A buffer far too small: the loss must be loud, counted per CPU, with
# advice. Whether a 4 KB buffer overflows depends on the reader's luck:
# up to 3 tries; a run without loss must not warn.
lost=0
for try in 1 2 3; do
	"$VLS" record -o "$WORK/small.dat" -b 4 -- "$WORK/iofault" "$WORK/data2.bin" 2048 2 \
		>/dev/null 2>"$WORK/err" || fail "record -b 4: $(cat "$WORK/err")"
	lost=$(sed -n 's/^lost_events=//p' "$WORK/small.dat.meta")
	[ "$lost" -gt 0 ] && break
	grep -q LOST "$WORK/err" && fail "warned about lost events without losing any"
done
sum=$(sed -n 's/^cpu[0-9]*\.lost=//p' "$WORK/small.dat.meta" | paste -sd+ | bc)
[ "$lost" -gt 0 ] || fail "-b 4 lost nothing in 3 tries: cannot check the warning"
[ "$lost" -eq "$sum" ] || fail "lost_events $lost != sum of cpuN.lost $sum"
grep -q "LOST $lost EVENTS" "$WORK/err" || fail "no loud lost-events message: $(cat "$WORK/err")"
grep -q 'try again with -b [0-9]' "$WORK/err" || fail "no -b advice"
trace-cmd report "$WORK/small.dat" >/dev/null 2>&1 || fail "trace with losses does not open"
echo "ok: -b 4 lost $lost events, said so: $(grep -o 'try again with -b [0-9]*' "$WORK/err")"

[ -z "$(stale_instances)" ] || fail "instances left: $(stale_instances)"
[ "$(top_state)" = "$before" ] || fail "top-level tracefs state changed"
echo "ok: nothing left in tracefs"
