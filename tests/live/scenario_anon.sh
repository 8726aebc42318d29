#!/usr/bin/env bash
# Issue 7, scenario anon: first touch of anonymous memory.
# 1. A fresh VMA per thread, 3 times (mmap, touch 1024 pages, munmap): each
#    fresh VMA's first fault needs an anon_vma. On 6.18
#    __vmf_anon_prepare() takes mmap_read_trylock() inside the VMA-locked
#    fault: one nested acquisition per VMA, or, when that trylock fails
#    because the other thread's mmap()/munmap() holds or waits for the
#    lock for write, VM_FAULT_RETRY and one no_io fallback behind that
#    writer: nested + no_io == iterations, no other fallback. The trace's
#    faults cover rusage's (>= ru_minflt).
# 2. One VMA shared by 2 threads: one anon_vma for the VMA, so one nested
#    acquisition (or no_io fallback) in all.
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight

ARGS=(--threads 2 --iterations 3)
scenario_record anon "${ARGS[@]}"
scenario_check "$DB" <<'EOF'
for t in threads("faulter"):
    f = ft(t["tid"])
    expect(f["nested"] + f["no_io"] == t["iterations"] == 3 and f["fallback"] == f["no_io"]
           and f["no_io"] <= f["behind_writer"],
           f"tid {t['tid']}: nested {f['nested']} + no_io {f['no_io']} == iterations {t['iterations']}, "
           f"fallback {f['fallback']} == no_io, each behind a writer ({f['behind_writer']})")
    expect(f["faults"] >= t["ru_minflt"] >= t["pages"],
           f"tid {t['tid']}: trace faults {f['faults']} >= ru_minflt {t['ru_minflt']} >= pages {t['pages']}")
EOF
scenario_check_report anon "anon ${ARGS[*]}"

scenario_record anon --threads 2 --shared-vma
scenario_check "$DB" <<'EOF'
fs = [ft(t["tid"]) for t in threads("faulter")]
nested, fb = sum(f["nested"] for f in fs), sum(f["fallback"] for f in fs)
no_io = sum(f["no_io"] for f in fs)
# Threads that touch the shared VMA at once can all see !vma->anon_vma and
# all take __vmf_anon_prepare()'s trylock (__anon_vma_prepare() rechecks
# under the lock): at least one, at most one per thread.
expect(1 <= nested + no_io <= len(fs) and fb == no_io,
       f"shared VMA: 1 <= nested {nested} + no_io {no_io} <= {len(fs)} threads, fallback {fb} == no_io")
EOF
ok "anon: one anon_vma preparation per fresh VMA"
