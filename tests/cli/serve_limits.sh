#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/serve_limits.sh - what bounds a client of `vmlockstat serve`, and
# that the bounds leave ordinary clients alone (issue 17, items 11-13):
#   - keep-alive and pipelining: 20 requests on one HTTP/1.1 connection, 100
#     pipelined in one write all answered in order, HTTP/1.0 keep-alive (what
#     `ab -k` sends); a GET with a body, or a POST, answered and closed;
#   - bad requests: 950 query arguments (6.6 KB) -> 414, 100 -> 400, an
#     HTTP/1.1 request without Host -> 400 (HTTP/1.0 may omit it), each a JSON
#     error with the security headers, as every other reply of ours;
#   - slowloris: 300 connections dripping header bytes (reopened when cut)
#     do not lock the dashboard out, and a connection still sending its
#     headers 10 s after accept, or after its previous reply, is cut anyway.
# Bounded: about 35 s; what depends on timing allows 3 tries per request and
# twice the server's 10 s deadline. Environment (set by CTest): VLS,
# VLS_TEST_DATA.
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

# --- bad requests: an answer, with the security headers ---
python3 - "$PORT" <<'PYEOF' || fail "bad requests: see above"
import json, sys
from rawhttp import exchange, request
port = int(sys.argv[1])
bad = []

def check(what, data, want, json_error=True):
    try:
        replies, _ = exchange(port, data, timeout=8)
    except OSError as e:
        bad.append("%s: %r" % (what, e))
        return
    if not replies:
        bad.append("%s: closed without a reply" % what)
        return
    r = replies[0]
    if r.status != want:
        bad.append("%s: %d, expected %d: %r" % (what, r.status, want, r.body[:100]))
    if r.missing_security_headers():
        bad.append("%s: no %s" % (what, ", ".join(r.missing_security_headers())))
    if json_error:
        try:
            if not json.loads(r.body)["error"]:
                raise ValueError("empty")
        except Exception as e:
            bad.append("%s: not a JSON error (%s): %r" % (what, e, r.body[:100]))

args = "&".join("a%d=1" % i for i in range(950))
check("950 query arguments (%d bytes)" % len(args), request(port, "/api/runs?" + args), 414)
check("a 5000-byte path", request(port, "/" + "x" * 5000), 414)
check("100 query arguments", request(port, "/api/runs?" + "&".join("a=1" for _ in range(100))), 400)
check("9 query arguments", request(port, "/api/runs?" + "&".join("a=1" for _ in range(9))), 400)
check("HTTP/1.1 without Host", request(port, "/api/runs", host=False), 400)
check("HTTP/1.0 without Host", request(port, "/api/runs", version="HTTP/1.0", host=False), 200, False)
check("a page", request(port, "/"), 200, False)
check("a JSON document", request(port, "/api/matrix"), 200, False)
check("a bad parameter", request(port, "/api/report?run=x"), 400)
check("a foreign Host", request(port, "/api/runs", host=False, headers=["Host: attacker.example"]), 403)
check("not found", request(port, "/nope"), 404)
check("another method", request(port, "/api/runs", method="DELETE"), 405)
check("a GET with a body", request(port, "/api/runs", headers=["Transfer-Encoding: chunked"]) + b"0\r\n\r\n", 400)

# libmicrohttpd's own answers (http_server.c says why they lack our
# headers): still an answer, not a silent close
for what, data, want in (("a 70 KB request line", request(port, "/api/runs?" + "x" * 70000), 414),
                         ("9000 header lines", request(port, "/", headers=["X-A: b"] * 9000), 431)):
    replies, _ = exchange(port, data)
    if [r.status for r in replies] != [want]:
        bad.append("%s: %r, expected libmicrohttpd's %d" % (what, replies, want))

for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF

# --- slowloris: the dashboard stays up, dripping headers are cut ---
python3 - "$PORT" <<'PYEOF' || fail "slow clients: see above"
import socket, sys, time
from rawhttp import Conn, request
port = int(sys.argv[1])
bad = []
HEAD = b"GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

def drip_open():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(HEAD)
        s.setblocking(False)
        return s
    except OSError:
        return None

def drip(s):
    """one more header byte; False once the server has closed it"""
    try:
        s.send(b"a")
        return s.recv(100) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False

def get(path):
    """an ordinary request on a new connection: 3 tries"""
    err = None
    for _ in range(3):
        try:
            c = Conn(port, timeout=10)
            c.send(request(port, path, headers=["Connection: close"]))
            r = c.reply()
            c.close()
            if r is not None and r.status == 200:
                return None
            err = repr(r) if r else "closed without a reply"
        except OSError as e:
            err = repr(e)
        time.sleep(0.2)
    return err

# 300 dripping connections, more than the 256 one address may hold; a cut
# one is opened again. Meanwhile 20 ordinary requests, one every 0.5 s.
slow = [drip_open() for _ in range(300)]
failed, t0, last_drip = [], time.monotonic(), 0
for i in range(20):
    if time.monotonic() - last_drip >= 1:
        last_drip = time.monotonic()
        for j, s in enumerate(slow):
            if s is None or not drip(s):
                if s:
                    s.close()
                slow[j] = drip_open()
    e = get(["/api/matrix", "/", "/api/runs"][i % 3])
    if e:
        failed.append(e)
    time.sleep(0.5)
print("slowloris: %d of 20 ordinary requests failed behind 300 dripping "
      "connections (%.1f s)" % (len(failed), time.monotonic() - t0))
if failed:
    bad.append("%d of 20 requests failed: %s" % (len(failed), failed[0]))
for s in slow:
    if s:
        s.close()

# the deadline: dripping connections, fresh or kept alive after a reply,
# are cut 10 s after they began, however steadily they send
drippers = [drip_open() for _ in range(3)]
try:
    c = Conn(port)
    c.send(request(port, "/api/runs"))
    r = c.reply()
    if r is None or r.status != 200:
        raise OSError("reply %r" % r)
    c.sock.setblocking(False)
    c.sock.send(HEAD)
    drippers.append(c.sock)
except OSError as e:
    bad.append("kept-alive connection: %r" % e)
t0 = time.monotonic()
open_ = [s for s in drippers if s]
while open_ and time.monotonic() - t0 < 20:
    open_ = [s for s in open_ if drip(s)]
    time.sleep(0.5)
print("slowloris: %d of %d dripping connections cut after %.1f s" %
      (len(drippers) - len(open_), len(drippers), time.monotonic() - t0))
if open_ or None in drippers:
    bad.append("%d of %d dripping connections still open after 20 s" %
               (len(open_), len(drippers)))

for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF

curl -sf -o /dev/null "${URL}api/runs" || fail "no answer after the slow clients"
stop_serve INT
grep -q '^connections cut: [1-9][0-9]* with late headers' "$T/serve.err" ||
	fail "no connection cut for late headers: $(tail -2 "$T/serve.err")"
[ "$fails" = 0 ] && echo "serve_limits: all passed" || echo "serve_limits: $fails failures" >&2
[ "$fails" = 0 ]
