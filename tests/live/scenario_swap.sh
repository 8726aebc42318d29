#!/usr/bin/env bash
# Issue 7, scenario swap (--setup-swap: a temporary zram swap device): 64 MB
# of anonymous memory pushed to swap, then faulted back by 2 threads.
# Ground truth: every page is a major fault (ru_majflt == pages) and the
# kernel swapped them in (vmstat pswpin >= pages). The trace counts each
# of those faults (faults >= ru_majflt). zram is a synchronous swap device
# (SWP_SYNCHRONOUS_IO): do_swap_page() reads the page without dropping the
# per-VMA lock, so none of them falls back for I/O: io_retry == 0 (a slow
# swap device would give VM_FAULT_RETRY like file I/O).
set -euo pipefail
source "$(dirname "$0")/scenario_common.bash"
record_preflight
modprobe zram 2>/dev/null || true
[ -e /sys/class/zram-control/hot_add ] || skip "no zram on this kernel"

scenario_record swap --setup-swap --threads 2 --size 64
scenario_check "$DB" <<'EOF'
faulters = threads("faulter")
pages = sum(t["pages"] for t in faulters)
expect(truth["vmstat_delta"]["pswpin"] >= pages, f"kernel: pswpin {truth['vmstat_delta']['pswpin']} >= pages {pages}")
for t in faulters:
    f = ft(t["tid"])
    expect(t["ru_majflt"] == t["pages"] > 0, f"tid {t['tid']}: ru_majflt {t['ru_majflt']} == pages {t['pages']}")
    expect(f["faults"] >= t["ru_majflt"], f"tid {t['tid']}: trace faults {f['faults']} >= ru_majflt")
    expect(f["io_retry"] == 0, f"tid {t['tid']}: io_retry {f['io_retry']} == 0 (zram reads synchronously under the VMA lock)")
EOF
scenario_check_report swap "swap --setup-swap --threads 2 --size 64"
[ -z "$(swapon --show=NAME --noheadings 2>/dev/null | grep zram || true)" ] ||
	echo "note: a zram swap is active (ours must be gone): $(swapon --show --noheadings)"
ok "swap: swap-ins are major faults that do not fall back on zram"
