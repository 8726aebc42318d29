#!/usr/bin/env bash
# The KernelShark plugin's core (kshark/) against the report: the fixture is
# opened with libkshark and collected by the core (vlsk_probe), then imported
# and reported by the command; acquisitions and contended per mode,
# fallbacks per reason and the chains must be the report's, and every
# wait's edges must be entries KernelShark loaded (what a double click
# selects). Skips (77) when the plugin was not built.
set -euo pipefail
[ -n "${VLSK_SKIP:-}" ] && { echo "skipped: $VLSK_SKIP (scripts/deps.sh installs libkshark-dev)"; exit 77; }
trace="$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$VLSK_PROBE" "$trace" > "$tmp/probe.json"
"$VLS" import -d "$tmp/db" "$trace" > /dev/null
"$VLS" report -d "$tmp/db" --json --chain-min 0 > "$tmp/report.json"
python3 "$(dirname "$0")/check_report.py" "$tmp/probe.json" "$tmp/report.json"

# the text report ends with the command that opens the trace with the
# plugin; none when the plugin named is not there
want="KernelShark: kernelshark -p '$VLSK_PLUGIN' '$(realpath "$trace")'"
got=$(VMLOCKSTAT_KSHARK_PLUGIN=$VLSK_PLUGIN "$VLS" report -d "$tmp/db" | tail -1)
[ "$got" = "$want" ] || { echo "FAIL: report's last line: $got"; exit 1; }
VMLOCKSTAT_KSHARK_PLUGIN=$tmp/none "$VLS" report -d "$tmp/db" | grep -q KernelShark &&
	{ echo "FAIL: a KernelShark command without the plugin"; exit 1; }
echo "report's KernelShark line ok"
