#!/usr/bin/env bash
# Issue 7, scenario anon: first touch of anonymous memory.
# 1. A fresh VMA per thread, 3 times (mmap, touch 1024 pages, munmap): each
#    fresh VMA's first fault needs an anon_vma. On 6.18
#    __vmf_anon_prepare() takes mmap_read_trylock() inside the VMA-locked
#    fault: exactly one nested acquisition per VMA (nested == iterations)
#    and no fallback; the trace's faults cover rusage's (>= ru_minflt).
# 2. One VMA shared by 2 threads: one anon_vma for the VMA, so one nested
#    acquisition in all, no fallback.
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight

ARGS=(--threads 2 --iterations 3)
scenario_record anon "${ARGS[@]}"
scenario_check "$DB" <<'EOF'
for t in threads("faulter"):
    f = ft(t["tid"])
    expect(f["nested"] == t["iterations"] == 3 and f["fallback"] == 0,
           f"tid {t['tid']}: nested {f['nested']} == iterations {t['iterations']}, fallback {f['fallback']} == 0")
    expect(f["faults"] >= t["ru_minflt"] >= t["pages"],
           f"tid {t['tid']}: trace faults {f['faults']} >= ru_minflt {t['ru_minflt']} >= pages {t['pages']}")
EOF
scenario_check_report anon "anon ${ARGS[*]}"

scenario_record anon --threads 2 --shared-vma
scenario_check "$DB" <<'EOF'
fs = [ft(t["tid"]) for t in threads("faulter")]
nested, fb = sum(f["nested"] for f in fs), sum(f["fallback"] for f in fs)
expect(nested == 1 and fb == 0, f"shared VMA: nested {nested} == 1 in all, fallback {fb} == 0")
EOF
ok "anon: one anon_vma preparation per fresh VMA"
