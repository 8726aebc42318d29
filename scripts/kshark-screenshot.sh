#!/usr/bin/env bash
# KernelShark with the vmlockstat plugin under Xvfb, one screenshot
# (docs/kshark.md, "The screenshot"):
#   scripts/kshark-screenshot.sh TRACE.dat PLUGIN.so FROM_NS TO_NS TIDS OUT.png
# FROM_NS..TO_NS is the view (trace timestamps in ns), TIDS the task plots
# (comma list). KernelShark 2.2.1 takes them from a session (-s): this
# writes one. As root KernelShark opens a modal warning first, so it runs
# as nobody then (the trace, the plugin and their directories must be
# readable by it). Needs Xvfb, kernelshark and ImageMagick (import).
set -euo pipefail
[ $# -eq 6 ] || { sed -n 3,9p "$0" >&2; exit 2; }
trace=$(realpath "$1") plugin=$(realpath "$2") from=$3 to=$4 tids=$5 out=$6
tmp=$(mktemp -d)
chmod 755 "$tmp"
display=:${KSHOT_DISPLAY:-97}
xpid= kpid=
cleanup() {
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

python3 - "$trace" "$plugin" "$from" "$to" "$tids" > "$tmp/session.json" <<'EOF'
import json, os, sys
trace, plugin, lo, hi, tids = sys.argv[1:]
mtime = lambda p: int(os.stat(p).st_mtime)   # KernelShark checks it
json.dump({
    "type": "kshark.config.session",
    "MainWindow": [1600, 1000], "Splitter": [800, 120],
    "Model": {"type": "kshark.config.model", "range": [int(lo), int(hi)],
              "bins": 1400},
    "ComboPlots": [], "ViewTop": 0, "ColorScheme": 0.75,
    "Markers": {"type": "kshark.config.markers", "markA": {"isSet": False},
                "markB": {"isSet": False}, "Active": "A"},
    "User Plugins": {"type": "kshark.config.plugins", "obj. files": [
        {"type": "kshark.config.library", "file": plugin,
         "name": "vmlockstat", "time": mtime(plugin)}]},
    "data streams": [{
        "type": "kshark.config.stream", "stream id": 0,
        "data": {"type": "kshark.config.data", "file": trace,
                 "name": "top buffer", "time": mtime(trace)},
        "filters": {"type": "kshark.config.filter", "filter mask": 15},
        "plugins": {"type": "kshark.config.plugins",
                    "registered": [["vmlockstat", True]]},
        "CPUPlots": [], "TaskPlots": [int(t) for t in tids.split(",")]}],
}, sys.stdout, indent=2)
EOF
chmod 644 "$tmp/session.json"

Xvfb "$display" -screen 0 1600x1000x24 > "$tmp/xvfb.log" 2>&1 &
xpid=$!
sleep 2
run=()
mkdir "$tmp/home"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$tmp/home"
	run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
DISPLAY=$display HOME=$tmp/home "${run[@]}" kernelshark -s "$tmp/session.json" \
	> "$tmp/kshark.log" 2>&1 &
kpid=$!
sleep "${KSHOT_WAIT:-20}"     # the load and the plugin's analysis
grep -v XDG_RUNTIME_DIR "$tmp/kshark.log" >&2 || true
# the menu, the markers and the graphs; not the table below them
DISPLAY=$display import -window root -crop 1600x425+0+0 +repage "$out"
echo "wrote $out"
