"""Hand-made HTTP/1.x over a raw socket, for the tests of `vmlockstat serve`
that need what http.client will not do: pipelined requests, a missing Host,
a request dripped byte by byte, and the connection's state between replies.

    request(port, path, ...) -> bytes    one request, Host included
    Conn(port): .send(data), .reply() -> Reply or None at EOF,
                .closed_within(seconds) -> bool (EOF or reset)
    exchange(port, data, count) -> ([Reply], closed after them?)
"""
import socket
import time

# what every reply of the server carries (http_server.c: add_headers())
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'self'",   # a prefix
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def missing_security_headers(self):
        return [k for k, v in SECURITY_HEADERS.items()
                if not (self.header(k) or "").startswith(v)]

    def __repr__(self):
        return "<%d %r %r>" % (self.status, self.headers, self.body[:80])


def request(port, path, method="GET", version="HTTP/1.1", host=True,
            headers=()):
    lines = ["%s %s %s" % (method, path, version)]
    if host:
        lines.append("Host: 127.0.0.1:%d" % port)
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Conn:
    """One connection; replies are read by Content-Length (every reply of
    the server has one) and what follows stays buffered (pipelining)."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout, self.buf = timeout, b""

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()

    def _fill(self):
        self.sock.settimeout(self.timeout)
        b = self.sock.recv(65536)
        self.buf += b
        return bool(b)

    def reply(self, head=False):
        """The next reply, None at EOF before it; head: a reply to HEAD."""
        try:
            while b"\r\n\r\n" not in self.buf:
                if not self._fill():
                    return None
        except ConnectionResetError:
            return None
        top, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = top.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = 0 if head else int(headers.get("content-length", "0"))
        while len(self.buf) < n and self._fill():
            pass
        body, self.buf = self.buf[:n], self.buf[n:]
        return Reply(int(lines[0].split()[1]), headers, body)

    def closed_within(self, seconds):
        """True if the server closes (EOF or reset) within seconds; data
        it sends meanwhile is dropped."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                if self.sock.recv(65536) == b"":
                    return True
            except socket.timeout:
                return False
            except OSError:
                return True


def exchange(port, data, count=1, timeout=10):
    """Send data on a new connection and read count replies (fewer if it
    closes first); returns (replies, whether it closed within 1 s after)."""
    c = Conn(port, timeout)
    try:
        c.send(data)
        replies = []
        while len(replies) < count:
            r = c.reply()
            if r is None:
                return replies, True
            replies.append(r)
        return replies, c.closed_within(1)
    finally:
        c.close()
