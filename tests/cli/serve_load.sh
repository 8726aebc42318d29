#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/serve_load.sh - 64 concurrent keep-alive connections x 40 requests
# against `vmlockstat serve` on loopback (the fixture DB of the real traces):
# zero errors, every request answered; the p99 latency is printed (a figure,
# not an assertion: speed is measured, not unit-tested). Bounded: 2560
# requests, 30 s timeout per request.
set -u
T=$(mktemp -d /tmp/vls_serve_load.XXXXXX)
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 $SERVE_PID 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/serve/common.sh"

make_db "$T/fx.db" || { echo "FAIL: cannot build the fixture DB" >&2; exit 1; }
start_serve "$T/fx.db" || exit 1
python3 "$(dirname "$0")/serve/load.py" "$PORT" 64 40 || fail "errors under load"
# the server is still healthy afterwards and stops cleanly
curl -sf -o /dev/null "${URL}api/runs" || fail "no answer after the load"
stop_serve INT
[ "$fails" = 0 ] && echo "serve load: ok"
exit $((fails > 0))
