#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/serve_api.sh - vmlockstat serve's HTTP API on a DB imported from
# the real traces: status codes, JSON shapes and the fixture's figures (the
# report passed through as `vmlockstat report --json` gives it; stock vs
# patched io_retry fallbacks 1028 -> 0), every bad parameter a 400 with a
# JSON error, unknown paths 404, other methods 405 with Allow, path
# traversal finds nothing, a foreign Host is refused, idle half-open
# connections are cut without blocking others, SIGINT/SIGTERM exit 0.
# Environment (set by CTest): VLS, VLS_TEST_DATA.
set -u
T=$(mktemp -d /tmp/vls_serve_api.XXXXXX)
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 $SERVE_PID 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/serve/common.sh"

DB=$T/fx.db
# the KernelShark command (/api/kshark) names the plugin the build made, if
# it made one (docs/kshark.md)
PLUGIN=${VLS_BUILD_DIR:-/nonexistent}/kshark/plugin-vmlockstat.so
export VMLOCKSTAT_KSHARK_PLUGIN=$PLUGIN
make_db "$DB" || { echo "FAIL: cannot build the fixture DB" >&2; exit 1; }
start_serve "$DB" || exit 1

# get PATH [CURL ARGS]: body in $T/body, headers in $T/hdr, prints the status
get() {
	local p=$1
	shift
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@" "$URL${p#/}"
}
status() { # status WANT PATH [CURL ARGS]
	local want=$1 got
	shift
	got=$(get "$@")
	[ "$got" = "$want" ] || fail "$1: status $got, expected $want: $(head -c 200 "$T/body")"
}
# py EXPR...: python3 assertions over d = the JSON body (and cli = $T/cli.json)
py() {
	python3 - "$T/body" "$T/cli.json" "$@" <<'PYEOF' || fail "JSON check failed: ${*: -1}"
import json, sys
d = json.load(open(sys.argv[1]))
try:
    cli = json.load(open(sys.argv[2]))
except Exception:
    cli = None
ok = True
for expr in sys.argv[3:]:
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
# an error reply: STATUS PATH -> {"error": non-empty string}, JSON type
err() {
	status "$@"
	grep -qE '^\{"error": "([^"\\]|\\.){6,}"\}$' "$T/body" ||
		fail "$2: not a JSON error: $(head -c 200 "$T/body")"
	grep -qi '^content-type: application/json' "$T/hdr" || fail "$2: error not JSON"
}

# --- the pages and assets ---
status 200 /
grep -q '<title>vmlockstat</title>' "$T/body" || fail "/ is not index.html"
grep -qi "^content-security-policy: default-src 'self'" "$T/hdr" || fail "no CSP on /"
grep -qi '^x-content-type-options: nosniff' "$T/hdr" || fail "no nosniff on /"
status 200 /chart.min.js
cmp -s "$T/body" /usr/share/javascript/chart.js/chart.min.js || fail "chart.min.js differs from Debian's"
for a in index.html app.js util.js charts.js style.css view-runs.js view-matrix.js \
	 view-compare.js view-run.js; do
	status 200 "/$a"
	cmp -s "$T/body" "${VLS_SOURCE_DIR:-$(dirname "$0")/../..}/web/$a" || fail "/$a differs from web/$a"
done
[ "$(get / -I)" = 200 ] || fail "HEAD / not 200"

# --- runs: all five, with their faults ---
"$VLS" report --db "$DB" --run 1 --run 2 --run 3 --run 4 --run 5 --json >"$T/cli.json"
status 200 /api/runs
grep -qi '^content-type: application/json' "$T/hdr" || fail "/api/runs not JSON"
py 'd["format"] == "vmlockstat-report" and d["version"] == 4' \
   '[r["label"] for r in d["runs"]] == ["stock", "patched", "arm64-6.12", "debian-6.1", "mprotect-fault"]' \
   '[r["arch"] for r in d["runs"]] == ["x86_64", "x86_64", "aarch64", "x86_64", "x86_64"]' \
   'd["runs"][0]["kernel"] == "6.12.117" and d["runs"][1]["kernel"] == "6.12.117-retryvma"' \
   'all(r["faults"] == c["faults"] for r, c in zip(d["runs"], cli["runs"]))' \
   'd["runs"][0]["faults"]["by_reason"]["io_retry"] == 1028' \
   'd["runs"][1]["faults"]["by_reason"]["io_retry"] == 0' \
   'd["runs"][0]["faults"]["fallback_rate"] > 0.3 > 0.01 > d["runs"][1]["faults"]["fallback_rate"]' \
   'd["runs"][3]["faults"]["by_reason"]["no_vma_lock"] > 0' \
   'd["runs"][2]["faults"]["fallback_rate"] is None' \
   'd["runs"][0]["faults"]["user_fallback_rate"] > 0.3 > 0.01 > d["runs"][1]["faults"]["user_fallback_rate"]' \
   'd["runs"][0]["faults"]["kernel_faults"] == 6' \
   'all("tasks" not in r and "chains" not in r for r in d["runs"])'

# --- one run's report: exactly what `vmlockstat report --json` says ---
"$VLS" report --db "$DB" --run 1 --top 5 --json >"$T/cli.json"
status 200 "/api/report?run=1&top=5"
py 'd == cli' 'len(d["runs"]) == 1 and d["runs"][0]["id"] == 1' \
   'set(d["runs"][0]) >= {"capabilities", "faults", "mmap_lock", "tasks", "processes", "callsites", "chains", "chains_total"}' \
   '0 < len(d["runs"][0]["tasks"]) <= 5 and 0 < len(d["runs"][0]["chains"]) <= 5' \
   'd["runs"][0]["mmap_lock"]["read"]["histogram"]["scale"] == "log2_ns"'
status 200 "/api/report?run=3"
py 'd["runs"][0]["arch"] == "aarch64" and "page_fault_user" not in d["runs"][0]["capabilities"]' \
   'len(d["runs"][0]["tasks"]) <= 25'

# --- the KernelShark command: run 5's trace.dat, by its absolute path ---
TRACE=$(realpath "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat")
status 200 "/api/kshark?run=5"
if [ -r "$PLUGIN" ]; then
	py "d == {'run': 5, 'command': \"kernelshark -p '$PLUGIN' '$TRACE'\"}"
else
	py "d == {'run': 5, 'command': None}"
fi
# run 1 is a text trace, still on disk: KernelShark cannot open it
status 200 "/api/kshark?run=1"
py "d == {'run': 1, 'command': None}"
err 404 "/api/kshark?run=99"
err 400 "/api/kshark?run=5&top=3"

# --- chains ---
status 200 "/api/chains?run=1&top=3"
py 'len(d["runs"][0]["chains"]) == 3' 'd["runs"][0]["chains_total"] > 3' \
   'all(set(c) >= {"waiter", "links", "depth", "inversion"} for c in d["runs"][0]["chains"])' \
   'd["runs"][0]["chains"][0]["waiter"]["wait_ns"] >= d["runs"][0]["chains"][2]["waiter"]["wait_ns"]' \
   '"tasks" not in d["runs"][0]'
# chain_min= as report --chain-min: 0 is every contended chain, 2ms fewer
"$VLS" report --db "$DB" --run 1 --top 1000 --chain-min 0 --json >"$T/cli.json"
status 200 "/api/chains?run=1&top=1000&chain_min=0"
py 'd["runs"][0]["chains"] == cli["runs"][0]["chains"]' \
   'd["runs"][0]["chain_min_ns"] == cli["runs"][0]["chain_min_ns"]' \
   'd["runs"][0]["chains_total"] == cli["runs"][0]["chains_total"] > 3'
"$VLS" report --db "$DB" --run 1 --top 1000 --chain-min 2ms --json >"$T/cli.json"
status 200 "/api/report?run=1&top=1000&chain_min=2ms"
py 'd == cli' 'd["runs"][0]["chain_min_ns"] == 2000000' \
   'all(c["waiter"]["wait_ns"] >= 2000000 for c in d["runs"][0]["chains"])'

# --- histograms: each run's buckets add up to its waits ---
status 200 "/api/histograms?runs=2,1"
py '[r["id"] for r in d["runs"]] == [2, 1]' \
   'all(sum(r["mmap_lock"][m]["histogram"]["buckets"]) == r["mmap_lock"][m]["wait_ns"]["count"] for r in d["runs"] for m in ("read", "write"))' \
   'd["runs"][1]["mmap_lock"]["read"]["acquisitions"] > 10 * d["runs"][0]["mmap_lock"]["read"]["acquisitions"]'

# --- compare: Barry's table, stock as the baseline ---
status 200 "/api/compare?runs=1,2"
py 'd["format"] == "vmlockstat-compare" and d["mode"] == "groups"' \
   '[g["label"] for g in d["groups"]] == ["stock", "patched"]' \
   '[f["name"] for f in d["figures"]][:6] == ["user_fallback_rate", "read_acquisitions", "read_wait_total_ns", "write_wait_avg_ns", "fallback_rate", "io_retry_fallbacks"]' \
   '[v["mean"] for v in {f["name"]: f for f in d["figures"]}["io_retry_fallbacks"]["values"]] == [1028, 0]' \
   '{f["name"]: f for f in d["figures"]}["io_retry_fallbacks"]["change"] == [None, {"abs": -1028, "pct": -100, "ci95": None, "verdict": None}]' \
   'any(p["comm"] == "workload" for p in d["processes"])'
status 200 "/api/compare?runs=1,2,3,4,5"
py 'len(d["groups"]) == 5 and all(len(f["values"]) == 5 for f in d["figures"])'
# by label: each label's runs are a group (one run each here: no verdicts)
status 200 "/api/compare?labels=stock,patched,5"
py '[(g["name"], g["runs"]) for g in d["groups"]] == [("stock", [1]), ("patched", [2]), ("5", [5])]' \
   'd["threshold_pct"] == 5' \
   '{f["name"]: f for f in d["figures"]}["io_retry_fallbacks"]["change"][1]["verdict"] is None'
# threshold= as compare --threshold
"$VLS" compare --db "$DB" --threshold 12.5 --json stock patched >"$T/cli.json"
status 200 "/api/compare?labels=stock,patched&threshold=12.5"
py 'd["threshold_pct"] == 12.5' 'd == cli'

# --- the kernel x arch matrix ---
status 200 /api/matrix
py 'd["mode"] == "matrix" and len(d["cells"]) == 5' \
   'sorted((c["kernel"], c["arch"]) for c in d["cells"])[0] == ("6.1.0-56-amd64", "x86_64")' \
   'any(c["arch"] == "aarch64" for c in d["cells"])' \
   'all(set(c["by_reason"]) == {"io_retry", "no_io", "kernel_mode", "no_vma_lock"} for c in d["cells"])'

# --- bad parameters: 400 with a JSON error ---
for q in "report" "report?run=" "report?run=0" "report?run=-1" "report?run=01" \
	 "report?run=1.0" "report?run=abc" "report?run=%201" "report?run=1%00" \
	 "report?run=99999999999999999999" "report?run=1&top=0" "report?run=1&top=1001" \
	 "report?run=1&top=x" "report?run=1&x=1" "report?run=1;DROP%20TABLE%20run" \
	 "chains?run=1&runs=1" "histograms" "histograms?runs=" "histograms?runs=1,,2" \
	 "histograms?runs=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17" "compare?runs=1" \
	 "compare?runs=1,1" "compare?runs=1,2," "compare?runs=1,x" "runs?x=1" "matrix?by=kernel" \
	 "compare?labels=stock" "compare?labels=stock,stock" "compare?labels=stock,,patched" \
	 "compare?labels=stock,pat%01ched" "compare?labels=stock,patched&runs=1,2" \
	 "compare?labels=stock,$(printf 'x%.0s' $(seq 64))" \
	 "runs?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9" \
	 "chains?run=1&chain_min=" "chains?run=1&chain_min=x" "report?run=1&chain_min=-1ms" \
	 "report?run=1&chain_min=2h" "compare?runs=1,2&threshold=" "compare?runs=1,2&threshold=-1" \
	 "compare?runs=1,2&threshold=nan" "compare?runs=1,2&threshold=2e6" \
	 "compare?labels=stock,patched&threshold=5%25" "matrix?threshold=5" "histograms?runs=1&chain_min=0"; do
	err 400 "/api/$q"
done
long=$(printf '1,%.0s' $(seq 200))
err 400 "/api/compare?runs=${long}2"

# --- not found ---
err 404 "/api/report?run=99"
py '"99" in d["error"]'
err 404 "/api/compare?runs=1,99"
err 404 "/api/compare?labels=stock,nosuchlabel"
err 404 /api/nope
err 404 /api/
err 404 /api/runs/1
err 404 /nope.html
err 404 /favicon.ico

# --- no path escapes the embedded assets ---
for p in /../../../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /..%2f..%2fetc%2fpasswd \
	 //etc/passwd /web/index.html /./index.html /index.html/ /CMakeLists.txt \
	 /%2fetc%2fpasswd "/index.html%00.js"; do
	err 404 "$p" --path-as-is
	grep -q 'root:' "$T/body" && fail "$p leaked a file"
done

# --- other methods: 405 with Allow ---
for m in POST PUT DELETE PATCH OPTIONS; do
	err 405 /api/runs -X "$m" -d 'x=1'
	grep -qi '^allow: GET, HEAD' "$T/hdr" || fail "$m: no Allow: GET, HEAD"
done

# --- DNS rebinding: a foreign Host is refused ---
err 403 /api/runs -H 'Host: attacker.example'
status 200 /api/runs -H "Host: localhost:$PORT"

# --- slowloris: idle half-sent requests do not block others, and are cut ---
python3 - "$PORT" <<'PYEOF' || fail "slow clients: see above"
import socket, sys, time, urllib.request
port = int(sys.argv[1])
idle = []
for _ in range(40):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    idle.append(s)
t = time.time()
body = urllib.request.urlopen("http://127.0.0.1:%d/api/matrix" % port, timeout=5).read()
if time.time() - t > 2 or b"matrix" not in body:
    sys.exit("a request behind 40 idle connections took %.1f s" % (time.time() - t))
time.sleep(12)   # the server's idle timeout is 10 s
cut = 0
for s in idle:
    s.settimeout(2)
    try:
        cut += s.recv(100) == b""
    except (ConnectionResetError, socket.timeout):
        cut += 1
if cut != len(idle):
    sys.exit("%d of %d idle connections still open after the timeout" % (len(idle) - cut, len(idle)))
PYEOF

# --- concurrent keep-alive clients all answered ---
python3 - "$URL" <<'PYEOF' || fail "concurrent requests failed"
import http.client, sys, threading, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
bad = []
def worker(i):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for path in ("/api/runs", "/api/report?run=%d&top=3" % (i % 5 + 1), "/app.js", "/api/matrix"):
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        if r.status != 200:
            bad.append((path, r.status))
    c.close()
ts = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
[t.start() for t in ts]
[t.join() for t in ts]
if bad:
    sys.exit("non-200 replies: %r" % bad[:5])
PYEOF

# every request above is in the log
grep -q '^GET /api/compare 200$' "$T/serve.err" || fail "no request log: $(head -3 "$T/serve.err")"
stop_serve INT
grep -q 'interrupted, stopping' "$T/serve.err" || fail "no stop message"

# --- SIGTERM, the default port taken, non-loopback warning, bad usage ---
start_serve "$DB" || exit 1
stop_serve TERM
python3 -c 'import socket, sys, time; s = socket.socket()
try:
    s.bind(("127.0.0.1", 8080)); s.listen()
except OSError:
    pass   # taken already: the same case
open(sys.argv[1], "w").close(); time.sleep(8)' "$T/held" &
holder=$!
for i in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.1; done
(cd "$T" && exec "$VLS" serve --db "$DB" >"$T/def.out" 2>"$T/def.err") &
SERVE_PID=$!
for i in $(seq 50); do grep -q serving "$T/def.out" && break; sleep 0.1; done
grep -q '^serving http://127\.0\.0\.1:[0-9]*/$' "$T/def.out" || fail "default listen: $(cat "$T/def.out" "$T/def.err")"
grep -q ':8080/' "$T/def.out" && fail "served on 8080 though it was taken"
stop_serve INT
kill $holder 2>/dev/null
"$VLS" serve --db "$DB" --listen 0.0.0.0:0 >"$T/any.out" 2>"$T/any.err" &
SERVE_PID=$!
for i in $(seq 50); do grep -q serving "$T/any.out" && break; sleep 0.1; done
grep -q 'warning: listening on 0.0.0.0:0, not loopback' "$T/any.err" || fail "no warning for 0.0.0.0"
stop_serve INT
SERVE_PID=
"$VLS" serve --db "$T/missing.db" >/dev/null 2>"$T/err"
[ $? = 1 ] && grep -q 'no such DB' "$T/err" || fail "missing DB: $(cat "$T/err")"
for l in nohost 127.0.0.1 127.0.0.1:65536 127.0.0.1:-1 example.com:80 1.2.3:80; do
	"$VLS" serve --db "$DB" --listen "$l" >/dev/null 2>"$T/err"
	[ $? = 2 ] || fail "--listen $l: not a usage error"
done

[ "$fails" = 0 ] && echo "serve_api: all passed" || echo "serve_api: $fails failures" >&2
[ "$fails" = 0 ]
