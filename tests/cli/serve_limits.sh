#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/serve_limits.sh - what bounds a client of `vmlockstat serve`, and
# that the bounds leave ordinary clients alone (issue 17, item 12):
#   - keep-alive and pipelining: 20 requests on one HTTP/1.1 connection, 100
#     pipelined in one write all answered in order, HTTP/1.0 keep-alive (what
#     `ab -k` sends); a GET with a body, or a POST, answered and closed.
# Bounded: a few seconds. Environment (set by CTest): VLS, VLS_TEST_DATA.
set -u
T=$(mktemp -d /tmp/vls_serve_limits.XXXXXX)
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 $SERVE_PID 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/serve/common.sh"
export PYTHONPATH="$(cd "$(dirname "$0")/serve" && pwd)${PYTHONPATH:+:$PYTHONPATH}"

make_db "$T/fx.db" || { echo "FAIL: cannot build the fixture DB" >&2; exit 1; }
start_serve "$T/fx.db" || exit 1

# --- keep-alive and pipelining ---
python3 - "$PORT" <<'PYEOF' || fail "keep-alive: see above"
import sys
from rawhttp import Conn, exchange, request
port = int(sys.argv[1])
bad = []
paths = ["/api/runs", "/app.js", "/api/report?run=1&top=3", "/", "/api/matrix"]

# 20 requests one after the other on one HTTP/1.1 connection
c = Conn(port)
for i in range(20):
    p = paths[i % len(paths)]
    c.send(request(port, p))
    r = c.reply()
    if r is None:
        bad.append("request %d (%s): connection closed after %d replies" % (i + 1, p, i))
        break
    if r.status != 200 or (r.header("connection") or "").lower() == "close":
        bad.append("request %d (%s): %d, Connection: %s" % (i + 1, p, r.status, r.header("connection")))
c.close()

# 100 pipelined requests in one write, the last asking to close
sent = [paths[i % len(paths)] for i in range(99)] + ["/api/runs"]
data = b"".join(request(port, p) for p in sent[:99])
data += request(port, sent[99], headers=["Connection: close"])
replies, closed = exchange(port, data, count=100, timeout=30)
if len(replies) != 100:
    bad.append("pipelined: %d of 100 answered" % len(replies))
types = {"/": "text/html", "/app.js": "application/javascript"}
for i, r in enumerate(replies):
    want = types.get(sent[i], "application/json")
    if r.status != 200 or not (r.header("content-type") or "").startswith(want):
        bad.append("pipelined %d (%s): %d %s" % (i + 1, sent[i], r.status, r.header("content-type")))
        break
if not closed:
    bad.append("pipelined: not closed after Connection: close")

# HTTP/1.0 with Connection: Keep-Alive, as `ab -k` asks
c = Conn(port)
for i in range(5):
    c.send(request(port, "/api/runs", version="HTTP/1.0", headers=["Connection: Keep-Alive"]))
    r = c.reply()
    if r is None or r.status != 200 or (r.header("connection") or "").lower() != "keep-alive":
        bad.append("HTTP/1.0 keep-alive request %d: %r" % (i + 1, r))
        break
c.close()

# HEAD keeps the connection too (no body follows its headers)
c = Conn(port)
c.send(request(port, "/app.js", method="HEAD") + request(port, "/api/runs"))
r1, r2 = c.reply(head=True), c.reply()
if not (r1 and r1.status == 200 and r2 and r2.status == 200 and r2.body.startswith(b"{")):
    bad.append("HEAD then GET: %r %r" % (r1, r2))
c.close()

# a body is never read: a GET with one gets 400, a POST 405, then close
for req, want in ((request(port, "/api/runs", headers=["Content-Length: 5"]) + b"hello", 400),
                  (request(port, "/api/runs", method="POST",
                           headers=["Content-Length: 100000000"]) + b"x" * 1000, 405)):
    replies, closed = exchange(port, req)
    if [r.status for r in replies] != [want] or not closed:
        bad.append("%s: %r, closed %s" % (req[:40], replies, closed))

for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF

stop_serve INT
[ "$fails" = 0 ] && echo "serve_limits: all passed" || echo "serve_limits: $fails failures" >&2
[ "$fails" = 0 ]
