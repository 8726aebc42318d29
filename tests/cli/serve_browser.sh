#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/serve_browser.sh - the dashboard in headless Chromium, on a DB
# imported from the real traces. Each view's deep link is loaded, scripts
# run, and the DOM must hold the fixture's numbers (computed here from
# `vmlockstat report --json`, not from the server), its charts must have
# drawn data (canvas data-ink: coloured pixels counted in the plot area by
# the page; and the run colours counted in a screenshot), and no request
# may leave the server (outside names resolve to nothing; the page lists the
# hosts it loaded from; the server logs every request it got).
# Skips (77) only when chromium is not installed.
set -u
command -v chromium >/dev/null || { echo "chromium not installed: skipped (scripts/deps.sh installs it)"; exit 77; }
T=$(mktemp -d /tmp/vls_serve_browser.XXXXXX)
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 $SERVE_PID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$(dirname "$0")/serve/common.sh"
HERE=$(dirname "$0")

chrome() { # chrome OUTPUT-OPTION URL
	timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" \
		--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
		--hide-scrollbars --window-size=1300,1700 --virtual-time-budget=15000 \
		"$1" "$2" 2>>"$T/chrome.err"
}

# Control: in this setup a request to the outside fails visibly.
chrome --dump-dom 'data:text/html,<img src="http://example.com/x.png" onerror="document.title=`blocked`">' >"$T/control.html"
grep -q '<title>blocked</title>' "$T/control.html" || fail "an outside request did not fail in chromium"

DB=$T/fx.db
make_db "$DB" || { echo "FAIL: cannot build the fixture DB" >&2; exit 1; }
"$VLS" report --db "$DB" --run 1 --run 2 --run 3 --run 4 --run 5 --top 25 --json >"$T/report.json"
start_serve "$DB" || exit 1

# check VIEW-NAME HASH EXPR...: load URL#HASH, dump the DOM, assert the
# python expressions over dom (text), doc (the dump), R (the report runs).
check() {
	local name=$1 hash=$2
	shift 2
	chrome --dump-dom "$URL#$hash" >"$T/$name.html"
	python3 - "$T/$name.html" "$T/report.json" "$PORT" "$@" <<'PYEOF' || fail "$name ($hash): see above"
import html, json, re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
R = json.load(open(sys.argv[2]))["runs"]
port = sys.argv[3]
dom = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", doc)))
def rate(v): return "%.1f%%" % (v * 100)
def count(v): return "{:,}".format(v)
def attr(name, el_id):
    m = re.search(r'<[^>]*id="%s"[^>]*>' % el_id, doc)
    m = m and re.search(r'%s="([^"]*)"' % name, m.group(0))
    return m.group(1) if m else None
def ink(el_id): return int(attr("data-ink", el_id) or 0)
def body(name):
    m = re.search(r'<body[^>]*%s="([^"]*)"' % name, doc)
    return m and html.unescape(m.group(1))
def rows(cls): return len(re.findall(r"<tr>", doc.split('class="%s"' % cls, 1)[-1].split("</table>")[0])) - 1
ok = True
base = ['body("data-state") == "ready"', 'body("data-hosts") == "127.0.0.1:" + port',
        'body("data-problems") == ""']
for expr in base + sys.argv[4:]:
    try:
        r = eval(expr)
    except Exception as e:
        r = "%s: %s" % (type(e).__name__, e)
    if r is not True:
        print("  assertion %r -> %r" % (expr, r), file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
PYEOF
}

# Runs: every run with its fallback rate; filters and selection from the URL.
check runs "/runs" \
	'rows("runs") == 5' \
	'all(r["label"] in dom for r in R)' \
	'rate(R[0]["faults"]["fallback_rate"]) == "32.2%" and rate(R[0]["faults"]["fallback_rate"]) in dom' \
	'rate(R[1]["faults"]["fallback_rate"]) in dom and R[1]["faults"]["fallback_rate"] < 0.01' \
	'"user-fault fallback rate" in dom and rate(R[0]["faults"]["user_fallback_rate"]) == "32.0%" and "32.0%" in dom' \
	'count(R[3]["faults"]["total"]) in dom and count(R[0]["events"]) in dom' \
	'"imported" in dom and "duration" in dom and R[0]["duration_ns"] > 0'
check runs-filtered "/runs?arch=aarch64&sel=1,2" \
	'rows("runs") == 1' '"arm64-6.12" in dom and "stock" not in dom' \
	'"Compare selected (2)" in dom' 'attr("href", "compare-btn") == "#/compare?runs=1,2"'

# Matrix: one bar per kernel x arch, drawn.
check matrix "/matrix" \
	'ink("matrix-chart") > 500 and int(attr("width", "matrix-chart")) > 0' \
	'all(r["kernel"] in dom for r in R)' \
	'rate(R[0]["faults"]["fallback_rate"]) in dom and rate(R[3]["faults"]["fallback_rate"]) in dom' \
	'"User-fault fallback rate" in dom and rate(R[0]["faults"]["user_fallback_rate"]) in dom' \
	'"aarch64" in dom'

# Compare: Barry's table with changes, and the two overlaid histograms.
check compare "/compare?runs=1,2" \
	'"stock" in dom and "patched" in dom and "baseline" in dom' \
	'"io_retry fallbacks" in dom and R[0]["faults"]["by_reason"]["io_retry"] == 1028' \
	'"user-fault fallback rate" in dom and rate(R[0]["faults"]["user_fallback_rate"]) in dom' \
	'"\u22121,028 (\u2212100.0%)" in dom' \
	'rate(R[0]["faults"]["fallback_rate"]) in dom and rate(R[1]["faults"]["fallback_rate"]) in dom' \
	'count(R[0]["mmap_lock"]["read"]["acquisitions"]) in dom and count(R[1]["mmap_lock"]["read"]["acquisitions"]) in dom' \
	'ink("hist-read") > 500 and ink("hist-write") > 500' \
	'"process workload" in dom'

# Run detail: faults, processes, call sites, chains (waiter <- ... <- root cause).
check run "/run?id=1" \
	'count(R[0]["faults"]["total"]) in dom and count(R[0]["faults"]["fallback"]) in dom' \
	'rate(R[0]["faults"]["fallback_rate"]) in dom' \
	'"user-fault fallback rate" in dom and rate(R[0]["faults"]["user_fallback_rate"]) in dom' \
	'"kernel-mode faults" in dom and count(R[0]["faults"]["kernel_faults"]) in dom' \
	'len(re.findall(r"<li class=\"chain[ \"]", doc)) == len(R[0]["chains"]) > 0' \
	'"root cause" in dom and R[0]["chains"][0]["waiter"]["comm"] in dom' \
	'all(p["comm"] in dom for p in R[0]["processes"])' \
	'all(c["callsite"] in dom for c in R[0]["callsites"])' \
	'ink("hist-read") > 200'
check run-arm64 "/run?id=3" \
	'"aarch64" in dom and "class=\"cap\">mmap_lock<" in doc and "class=\"cap\">page_fault_user<" not in doc' \
	'count(R[2]["faults"]["fallback"]) in dom'
# A run that does not exist: the server's error, shown.
chrome --dump-dom "$URL#/run?id=99" >"$T/bad-run.html"
grep -q 'data-state="error"' "$T/bad-run.html" && grep -q 'class="error".*no run 99' "$T/bad-run.html" ||
	fail "run 99: no error shown"

# A screenshot of the compare view: the patched run's colour (#e07b39) is
# drawn in the histograms, not just in the legend's swatch.
chrome --screenshot="$T/compare.png" "$URL#/compare?runs=1,2" >/dev/null
orange=$(python3 "$HERE/serve/pngink.py" "$T/compare.png" 224 123 57 40)
[ "${orange:-0}" -gt 600 ] || fail "compare screenshot: $orange pixels of the run colour in the charts"

# Every request the server got was for its own pages and API.
bad=$(grep -vE '^(GET|HEAD) (/|/[a-z.-]+\.(js|css|html)|/api/(runs|report|chains|histograms|compare|matrix|kshark)|/favicon\.ico) [0-9]+$' \
	"$T/serve.err" | grep -v 'stopping$')
[ -z "$bad" ] || fail "unexpected requests: $bad"
grep -q '^GET /api/histograms 200$' "$T/serve.err" || fail "no histogram request logged"
stop_serve INT

# Repetitions (docs/compare.md): labels of 3 runs each, the first 100, 95
# and 90 % of the stock and patched traces. The compare view by label marks
# verdicts, colours only the changes, and draws the change chart.
DB2=$T/reps.db
for lab in stock patched; do
	lines=$(wc -l <"$T/$lab.txt")
	for pct in 100 95 90; do
		head -n $((lines * pct / 100)) "$T/$lab.txt" >"$T/part.txt"
		"$VLS" import --db "$DB2" --label "$lab" "$T/part.txt" >/dev/null || fail "import $lab $pct%"
	done
done
start_serve "$DB2" || exit 1
check runs-labels "/runs?sel=1,5" \
	'"Compare labels (2)" in dom' \
	'attr("href", "compare-labels-btn") == "#/compare?labels=stock,patched"'
check compare-labels "/compare?labels=stock,patched" \
	'"stock" in dom and "patched" in dom and "\u00b1" in dom' \
	'"\u2212100.0%) \u25bc" in dom' \
	'doc.count("data-verdict=\"decrease\"") >= 5 and "data-verdict=\"none\"" not in doc' \
	're.search(r"class=\"change better\"[^>]*data-verdict=\"decrease\"", doc) is not None' \
	'not re.search(r"class=\"change (better|worse|neutral)\"[^>]*data-verdict=\"(no change|inconclusive)\"", doc)' \
	'"whiskers: its 95 % interval" in dom' \
	'ink("change-chart") > 500 and ink("hist-read") > 500 and ink("hist-write") > 500'
check compare-runs-noverdict "/compare?runs=1,4" \
	'"One run a group: no intervals" in dom' \
	'"data-verdict=\"none\"" in doc and "class=\"change better\"" not in doc'
stop_serve INT

# Unknown is not zero (issue 16): the stock trace without its stacks
# cannot say which faults fell back. The run view shows the fallback
# figures as "–", never 0.0 %; compare names the missing capability first
# and gives those figures no change.
DB3=$T/nostack.db
"$VLS" import --db "$DB3" --label stock "$T/stock.txt" >/dev/null || fail "import stock"
awk '/<stack trace>/ { skip = 1; next } skip && /^ *=> / { next } { skip = 0; print }' \
	"$T/stock.txt" >"$T/nostack.txt"
"$VLS" import --db "$DB3" --label nostack "$T/nostack.txt" >/dev/null || fail "import nostack"
"$VLS" report --db "$DB3" --run 2 --json >"$T/nostack.json"
python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["runs"][0]["faults"]
assert "stacks" not in json.load(open(sys.argv[1]))["runs"][0]["capabilities"]
assert f["fallback"] is None and f["user_fallback_rate"] is None and f["fallback_rate"] is None, f' \
	"$T/nostack.json" || fail "the stripped trace still has stacks or fallback figures"
start_serve "$DB3" || exit 1
check run-nostack "/run?id=2" \
	'"user-fault fallback rate" in dom' \
	'not re.search(r"fallback rate:? 0\.0%", dom) and "0.0%" not in dom' \
	'"\u2013" in dom'
check compare-nostack "/compare?runs=1,2" \
	'"Capabilities differ: nostack lacks" in dom and "stacks" in dom.split("Capabilities differ",1)[1][:200]' \
	're.search(r"fallback rate \(all faults\) 32\.2% \u2013 \u2013", dom) is not None' \
	're.search(r"io_retry fallbacks [0-9,]+ \u2013 \u2013", dom) is not None' \
	're.search(r"user-fault fallback rate 32\.0% \u2013 \u2013", dom) is not None'
stop_serve INT

[ "$fails" = 0 ] && echo "serve_browser: all passed" || echo "serve_browser: $fails failures" >&2
[ "$fails" = 0 ]
