"""A small WebSocket client for the tests (RFC 6455 from the client side:
masked frames out, frames in), so a test can cut frames where it likes.
The gateway itself frames with libwslay."""
import base64
import ssl
import hashlib
import os
import re
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 1, 2, 8, 9, 10


def frame(op, payload, fin=True, mask=True):
    """One client frame (masked, as RFC 6455 5.3 requires)."""
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | op
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    body = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
    return head + key + body


def request(port, path="/socket", protocols=None, origin=None,
            host=None, extra=""):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET %s HTTP/1.1" % path,
             "Host: %s" % (host or "127.0.0.1:%d" % port),
             "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    if origin:
        lines.append("Origin: " + origin)
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode(), key


class WSClient:
    """Connects, upgrades, then send(line) / expect(regex) like the
    LineClient of conftest.py; every message received is kept in
    self.msgs as (opcode, bytes)."""

    def __init__(self, port, protocols=None, origin=None, name="ws",
                 timeout=5.0, connect=True, tls=False):
        self.port = port
        self.name = name
        self.timeout = timeout
        self.buf = b""
        self.msgs = []
        self.unread = []
        self.close_code = None
        self.status = None
        self.headers = {}
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            self.sock = ctx.wrap_socket(self.sock)
        if connect:
            self.upgrade(protocols, origin)

    def upgrade(self, protocols=None, origin=None):
        req, key = request(self.port, protocols=protocols, origin=origin)
        self.sock.sendall(req)
        self.read_head()
        if self.status == 101:
            want = base64.b64encode(hashlib.sha1(key.encode() + GUID)
                                    .digest()).decode()
            assert self.headers.get("sec-websocket-accept") == want, \
                self.headers
        return self.status

    def read_head(self):
        deadline = time.time() + self.timeout
        while b"\r\n\r\n" not in self.buf:
            self._recv(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            self.headers[k.strip().lower()] = v.strip()
        return self.status

    def _recv(self, deadline):
        self.sock.settimeout(max(0.01, deadline - time.time()))
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            raise AssertionError("%s: timed out; got %r" %
                                 (self.name, self.msgs[-20:]))
        if not data:
            raise EOFError("%s: connection closed; got %r" %
                           (self.name, self.msgs[-20:]))
        self.buf += data

    def read_frame(self, deadline=None):
        """(fin, opcode, payload) of the next frame; server frames are
        never masked."""
        deadline = deadline or time.time() + self.timeout
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                assert not b1 & 0x80, "server frame masked"
                n, off = b1 & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    n, off = struct.unpack("!H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
                if (b1 & 0x7F) < 126 or off > 2:
                    if len(self.buf) >= off + n:
                        payload = self.buf[off:off + n]
                        self.buf = self.buf[off + n:]
                        return bool(b0 & 0x80), b0 & 0x0F, payload
            self._recv(deadline)

    def next_msg(self, deadline=None):
        fin, op, payload = self.read_frame(deadline)
        assert fin, "the gateway sends whole messages"
        if op == CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] \
                if len(payload) >= 2 else 1005
            self.close_reason = payload[2:].decode()
        self.msgs.append((op, payload))
        return op, payload

    def send_frame(self, data):
        self.sock.sendall(data)

    def send(self, line, op=TEXT):
        self.sock.sendall(frame(op, line))

    def expect(self, pattern, timeout=None):
        rx = re.compile(pattern)
        deadline = time.time() + (timeout or self.timeout)
        for i, (op, p) in enumerate(self.unread):
            if rx.search(p.decode("utf-8", "replace")):
                del self.unread[:i + 1]
                return rx.search(p.decode("utf-8", "replace"))
        self.unread = []
        while True:
            op, p = self.next_msg(deadline)
            if op == CLOSE:
                raise AssertionError("%s: closed %s before %r; got %r" % (
                    self.name, self.close_code, pattern, self.msgs[-20:]))
            if op in (TEXT, BINARY):
                m = rx.search(p.decode("utf-8", "replace"))
                if m:
                    self.last_op = op
                    return m

    def expect_close(self, timeout=None):
        """Reads to the close frame; its code."""
        deadline = time.time() + (timeout or self.timeout)
        while True:
            op, p = self.next_msg(deadline)
            if op == CLOSE:
                return self.close_code

    def register(self, nick):
        self.send("NICK " + nick)
        self.send("USER u 0 * :Real Name")
        self.nick = self.expect(r" 001 (\S+) ").group(1)
        self.expect(r" (376|422) ")
        return self

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
