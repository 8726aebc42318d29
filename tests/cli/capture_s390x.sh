#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/capture_s390x.sh - a big-endian trace.dat from a real kernel:
# the capture a Debian 6.12 s390x guest of `vmlockstat lab` took
# (docs/capture.md) and the text trace the same guest printed of the same
# recording (tests/data/README.md, lab/s390x-iofault.*). The trace.dat
# (written from the capture on this little-endian machine) is big-endian,
# long 8, page 4096; trace-cmd report prints as many events as the guest's
# text has; imported, it gives the text's events and counts, its waits
# within the text's microseconds, the kernel and arch from its uname
# option, the guest's kallsyms in the call sites; s390x's fault path
# (do_exception(), no trylock) is call site "fault" and its waits behind
# the mprotect writer are behind_writer. `vmlockstat import DIR` of a
# capture directory writes DIR/trace.dat and imports it.
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA.
source "$(dirname "$0")/cli_common.bash"
cli_setup capture
DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}/lab
DB=$T/s390x.db

xz -dc "$DATA/s390x-iofault.dat.xz" >"$T/s390x.dat" || fail "unpack the trace.dat"
xz -dc "$DATA/s390x-iofault.txt.xz" >"$T/s390x.txt" || fail "unpack the text"

# the head: magic, "6", byte order 1 (big), long 8, page size 4096 big-endian
eq "$(od -An -tu1 -j10 -N8 "$T/s390x.dat" | tr -s ' ')" " 54 0 1 8 0 0 16 0" \
	"version, byte order, long size, page size"

if command -v trace-cmd >/dev/null; then
	events=$(grep -vc '^#' "$T/s390x.txt")
	expect 0 trace-cmd report "$T/s390x.dat"
	eq "$(grep -vc '^cpus=' "$T/out")" "$events" "trace-cmd report's events"
fi

expect 0 "$VLS" import --db "$DB" "$T/s390x.dat"
expect 0 "$VLS" import --db "$DB" --kernel 6.12.107+deb13-s390x --arch s390x \
	--meta workload.scenario=iofault \
	--meta "workload.args=--random --threads 2 --size 4 --writers 1" \
	--meta "workload.truth=$(cat "$DATA/s390x-iofault.truth.json")" "$T/s390x.txt"
eq "$(q "$DB" "SELECT events, lost_events FROM run ORDER BY id")" \
	"22030|0
22030|0" "events of both"
eq "$(q "$DB" "SELECT kernel, arch FROM run WHERE id = 1")" \
	"6.12.107+deb13-s390x|s390x" "kernel and arch from the trace.dat's uname"

expect 0 "$VLS" report --db "$DB" --json --run 1 --run 2
cp "$T/out" "$T/report.json"
python3 - "$T/report.json" <<'PY' || fail "the trace.dat against the text"
import json, sys
dat, txt = json.load(open(sys.argv[1]))["runs"]
bad = 0
def expect(cond, msg):
    global bad
    if not cond:
        print("FAIL: " + msg)
        bad += 1
f, g = dat["faults"], txt["faults"]
for k in ("fallback", "by_reason", "nested", "behind_writer", "refaults",
          "retry_chains", "kernel_faults"):
    expect(f[k] == g[k], f"faults.{k}: {f[k]} != {g[k]}")
expect(f["behind_writer"] == 269, f"behind_writer {f['behind_writer']}")
expect(f["by_reason"]["io_retry"] == 961, f"io_retry {f['by_reason']}")
for mode in ("read", "write"):
    a, b = dat["mmap_lock"][mode], txt["mmap_lock"][mode]
    for k in ("acquisitions", "contended", "trylock_fails"):
        expect(a[k] == b[k], f"{mode} {k}: {a[k]} != {b[k]}")
    # the text's microseconds: each wait off by less than 1 us
    n = a["acquisitions"]
    expect(abs(a["wait_ns"]["sum"] - b["wait_ns"]["sum"]) <= n * 1000,
           f"{mode} wait sum {a['wait_ns']['sum']} vs {b['wait_ns']['sum']}")
    expect(a["wait_ns"]["sum"] % 1000 != 0, f"{mode}: nanoseconds in the trace.dat")
tasks = {t["tid"]: t for t in txt["tasks"]}
for t in dat["tasks"]:
    u = tasks.get(t["tid"])
    expect(u is not None, f"tid {t['tid']} in the text")
    if u:
        for k in ("fallback_faults", "by_reason", "behind_writer"):
            expect(t[k] == u[k], f"tid {t['tid']} {k}: {t[k]} != {u[k]}")
# the guest's truth (text run): each MADV_RANDOM major fault fell back once
faulters = [t for t in txt["tasks"] if t.get("workload_role") == "faulter"]
expect(len(faulters) == 2, f"{len(faulters)} faulters")
for t in faulters:
    expect(t["fallback_faults"] == t["ru_majflt"] == 504,
           f"tid {t['tid']}: fallback {t['fallback_faults']} ru_majflt {t['ru_majflt']}")
sites = {c["callsite"]: c for c in dat["callsites"]}
fault = sites.get("fault fallback") or sites.get("fault")
expect(fault is not None and fault["mmap_lock"]["read"]["acquisitions"] >= 1000,
       f"call site fault: {sorted(sites)}")
if fault:
    expect(fault["frames"][0] == "do_exception", f"frames {fault['frames'][:3]}")
expect("other" not in sites or sites["other"]["mmap_lock"]["read"]["acquisitions"] < 100,
       "fault waits left in 'other'")
sys.exit(1 if bad else 0)
PY

# a capture directory: its trace.dat written into it, then imported (the
# recorder's test pieces, tests/data/record/README.md), labelled by its name
REC=$VLS_TEST_DATA/record
mkdir -p "$T/board/per_cpu/cpu0" "$T/board/per_cpu/cpu1"
printf 'byte_order=little\nuname=Linux board 6.18.44 x86_64\n' >"$T/board/capture.info"
ln -s "$REC/tracefs/events" "$T/board/events"
ln -s "$REC/cpu0.raw" "$T/board/per_cpu/cpu0/trace_pipe_raw"
ln -s "$REC/cpu1.raw" "$T/board/per_cpu/cpu1/trace_pipe_raw"
expect 0 "$VLS" import --db "$DB" "$T/board/"
grep_err "a capture: its trace.dat written as $T/board/trace.dat"
eq "$(q "$DB" "SELECT label, kernel, events FROM run WHERE id = 3")" \
	"board|6.18.44|795" "the capture's run"

# a broken one: the error, no trace.dat, nothing stored
mkdir -p "$T/cap/per_cpu/cpu0"
printf 'byte_order=little\n' >"$T/cap/capture.info"
expect 1 "$VLS" import --db "$DB" "$T/cap"
grep_err "cap/events/header_page"
[ -e "$T/cap/trace.dat" ] && fail "a failed capture left a trace.dat"
eq "$(q "$DB" "SELECT count(*) FROM run")" 3 "nothing stored of a bad capture"

cli_done capture_s390x
