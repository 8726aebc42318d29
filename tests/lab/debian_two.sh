#!/usr/bin/env bash
# Issue 19's "done when": one `vmlockstat lab` over Debian's 6.12 arm64 and
# 6.1 x86_64 kernels stores two runs. On 6.12 aarch64 every faulter
# thread's io_retry equals its ru_majflt (each MADV_RANDOM major fault
# drops the per-VMA lock for its read and is retried once under
# mmap_lock); 6.1 has no per-VMA locks, so every fault of a faulter is a
# no_vma_lock fallback (== its ru_majflt here: the file pages are all it
# touches). arm64 has no exceptions:page_fault_user tracepoint, so the
# trace's fault count there is unknown (null), never 0.
source "$(dirname "$0")/lab_common.bash"

lab_run --kernel debian:6.12-arm64 --kernel debian:6.1-amd64 \
	-- iofault --random --threads 2 --size 16
lab_check "$(cat <<'PY'
expect(len(runs) == 2, f"two runs: {len(runs)}")
by = {r["arch"]: r for r in runs}
a, x = by.get("aarch64"), by.get("x86_64")
expect(a is not None and a["kernel"].startswith("6.12."), "a 6.12 aarch64 run")
expect(x is not None and x["kernel"].startswith("6.1.0-"), "a 6.1 x86_64 run")
for t in faulters(a) if a else []:
    why = t["by_reason"]
    expect(t["ru_majflt"] > 0 and why["io_retry"] == t["ru_majflt"],
           f"6.12 aarch64 tid {t['tid']}: io_retry {why['io_retry']} == ru_majflt {t['ru_majflt']}")
for t in faulters(x) if x else []:
    why = t["by_reason"]
    expect(t["faults"] > 0 and why["no_vma_lock"] == t["fallback_faults"] == t["faults"],
           f"6.1 x86_64 tid {t['tid']}: no_vma_lock {why['no_vma_lock']} == fallback "
           f"{t['fallback_faults']} == faults {t['faults']}")
    expect(why["io_retry"] == 0, f"6.1 x86_64 tid {t['tid']}: no io_retry")
expect(len(faulters(a) if a else []) == 2 and len(faulters(x) if x else []) == 2,
       "two faulters in each run's truth")
PY
)" -r 1 -r 2
