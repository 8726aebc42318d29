#!/usr/bin/env bash
# The KernelShark plugin's core (kshark/) against the report: each fixture
# is opened with libkshark and collected by the core (vlsk_probe), then
# imported and reported by the command; acquisitions and contended per
# mode, fallbacks per reason and the chains (each with its waiter, wait,
# mode and blockers) must be the report's, and every wait's edges must be
# entries KernelShark loaded (what a double click selects). Skips (77)
# when the plugin was not built.
set -euo pipefail
[ -n "${VLSK_SKIP:-}" ] && { echo "skipped: $VLSK_SKIP (scripts/deps.sh installs libkshark-dev)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check TRACE [--want-chains]: the core's collection against the report
check() {
	rm -rf "$tmp/db"
	"$VLSK_PROBE" "$1" > "$tmp/probe.json"
	"$VLS" import -d "$tmp/db" "$1" > /dev/null
	"$VLS" report -d "$tmp/db" --json --chain-min 0 --top 0 > "$tmp/report.json"
	python3 "$(dirname "$0")/check_report.py" "$tmp/probe.json" "$tmp/report.json" "${@:2}"
}
# trace-cmd's recording, in an instance (two streams in KernelShark); no
# wait of 100 us or more, so no chain
check "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat"
# vmlockstat record's iofault with an mprotect writer: 24 chains, the
# writer's and the faulting threads', up to 4 blockers, depth 2
check "$VLS_TEST_DATA/iofault-writer-6.18-x86_64.dat" --want-chains

# the text report ends with the command that opens the trace with the
# plugin (the last run checked); none when the plugin named is not there
want="KernelShark: kernelshark -p '$VLSK_PLUGIN' '$(realpath "$VLS_TEST_DATA/iofault-writer-6.18-x86_64.dat")'"
got=$(VMLOCKSTAT_KSHARK_PLUGIN=$VLSK_PLUGIN "$VLS" report -d "$tmp/db" | tail -1)
[ "$got" = "$want" ] || { echo "FAIL: report's last line: $got"; exit 1; }
VMLOCKSTAT_KSHARK_PLUGIN=$tmp/none "$VLS" report -d "$tmp/db" | grep -q KernelShark &&
	{ echo "FAIL: a KernelShark command without the plugin"; exit 1; }
echo "report's KernelShark line ok"
