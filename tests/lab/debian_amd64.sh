#!/usr/bin/env bash
# Issue 19: `vmlockstat lab` on Debian's newest 6.12 x86_64 kernel under
# qemu, scenario iofault with MADV_RANDOM (one page per major fault) and
# no writer. What 6.12 guarantees there: every major fault of a faulting
# thread is handled under the per-VMA lock until its read I/O, then drops
# it and is retried under mmap_lock once: per thread, io_retry ==
# fallback == ru_majflt (getrusage in the guest), and ru_majflt is the
# pages it touched. The figures come from report --json, the truth from
# the guest, nothing from here. With --keep the guest's trace stays in a
# directory of its own, and the run's source names it: the trace.dat
# written from the guest's capture (docs/capture.md), beside the text.
source "$(dirname "$0")/lab_common.bash"

mkdir "$WORK/keep"
lab_run --keep "$WORK/keep" --kernel debian:6.12-amd64 \
	-- iofault --random --threads 2 --size 16
kept=("$WORK"/keep/lab-1-1.*/trace.dat)
[ -s "${kept[0]}" ] || fail "--keep: no trace.dat under $WORK/keep"
[ -s "${kept[0]%.dat}.txt" ] || fail "--keep: no text trace beside it"
[ -s "${kept[0]%/*}/capture/capture.info" ] || fail "--keep: no capture beside it"
src=$("$VLS" runs --db "$DB" --json | python3 -c 'import json,sys; r = json.load(sys.stdin)[0]; print(r["source"], r["format"])')
[ "$src" = "${kept[0]} tracedat" ] || fail "--keep: the run's source is $src, not ${kept[0]} tracedat"
lab_check "$(cat <<'PY'
expect(len(runs) == 1, f"one run stored: {len(runs)}")
r = runs[0]
expect(r["arch"] == "x86_64", f"arch from the guest's uname: {r['arch']}")
expect(r["kernel"].startswith("6.12."), f"kernel release from the guest: {r['kernel']}")
expect(r["workload"]["scenario"] == "iofault", "the scenario stored with the run")
fs = faulters(r)
expect(len(fs) == 2, f"two faulter threads in the truth: {len(fs)}")
for t in fs:
    why = t["by_reason"]
    expect(t["ru_majflt"] > 0, f"tid {t['tid']}: major faults in the guest: {t['ru_majflt']}")
    expect(why["io_retry"] == t["ru_majflt"] == t["fallback_faults"],
           f"tid {t['tid']}: io_retry {why['io_retry']} == ru_majflt {t['ru_majflt']} "
           f"== fallback {t['fallback_faults']}")
    expect(why["no_vma_lock"] == 0, f"tid {t['tid']}: no no_vma_lock fallback on 6.12")
PY
)"
