#!/usr/bin/env python3
"""A bounded load on a local `vmlockstat serve`: CONNS keep-alive connections
at once, each sending REQS requests over its one connection, a mix of the
dashboard's API calls and assets. Prints requests, errors, throughput and
latency percentiles; exits 1 on any error (status other than 200, a
connection that was refused or dropped, a body that is not what was asked).

Usage: load.py PORT [CONNS [REQS]]   (loopback only)
"""
import http.client
import json
import sys
import threading
import time

PATHS = ["/api/runs", "/api/report?run=1&top=5", "/api/compare?runs=1,2",
         "/api/chains?run=4&top=10", "/api/matrix", "/index.html", "/app.js"]


def worker(port, reqs, lat, errors, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine, bad = [], []
    for i in range(reqs):
        path = PATHS[i % len(PATHS)]
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                bad.append(f"{path}: {resp.status}")
            elif path.startswith("/api/"):
                json.loads(body)
        except Exception as e:  # a dropped or refused connection is an error
            bad.append(f"{path}: {e!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine.append(time.perf_counter() - t0)
    conn.close()
    with lock:
        lat.extend(mine)
        errors.extend(bad)


def main():
    port = int(sys.argv[1])
    conns = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    reqs = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    lat, errors, lock = [], [], threading.Lock()
    threads = [threading.Thread(target=worker, args=(port, reqs, lat, errors, lock))
               for _ in range(conns)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000
    print(f"load: {len(lat)} requests on {conns} keep-alive connections in "
          f"{wall:.2f} s ({len(lat) / wall:.0f} req/s), {len(errors)} errors, "
          f"latency p50 {pct(50):.1f} ms p99 {pct(99):.1f} ms max {lat[-1] * 1000:.1f} ms")
    for e in errors[:10]:
        print("error:", e)
    sys.exit(1 if errors or len(lat) != conns * reqs else 0)


if __name__ == "__main__":
    main()
