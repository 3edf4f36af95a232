"""Browsers (issue 15): IRCv3 WebSocket at /socket of --http-listen, the
web client's files at /, and Prometheus text at /metrics of
--metrics-listen. A WebSocket session is a session like a TCP one.

The WebSocket client is wslib.py (frames cut where a test wants them)."""
import os
import re
import select
import socket
import struct
import time

import pytest

from conftest import START_TIMEOUT, make_cert
from gwlib import chat, irc
import wslib
from wslib import BINARY, CLOSE, PING, PONG, TEXT, WSClient, frame

HTTP_RE = re.compile(rb"listening on \[?([^\s\]]+?)\]?:(\d+) "
                     rb"\((http|https|metrics)\)\n")


def http_port(d, kind="http"):
    """The port of d's first listener of kind (http, https, metrics)."""
    deadline = time.monotonic() + START_TIMEOUT
    fd = d.proc.stdout.fileno()
    while True:
        for _, port, k in HTTP_RE.findall(d.stdout_seen):
            if k.decode() == kind:
                return int(port)
        r, _, _ = select.select([fd], [], [], max(0, deadline -
                                                  time.monotonic()))
        chunk = os.read(fd, 4096) if r else b""
        assert chunk, "no %s listener: %r" % (kind, d.stdout_seen)
        d.stdout_seen += chunk


def gateway(procs, *args):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--http-listen", "127.0.0.1:0", *args)
    return chatd, gw, http_port(gw)


def get(port, path, headers=(), method="GET", raw=None):
    """(status, headers, body) of one request."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    req = raw or ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (
        method, path, port, "".join(h + "\r\n" for h in headers))).encode()
    s.sendall(req)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, v = ln.split(":", 1)
        hdrs[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), hdrs, body


def test_ws_both_subprotocols_round_trip(procs):
    """binary.ircv3.net and text.ircv3.net, chosen in the client's order;
    the gateway answers over WebSocket as over TCP (PRIVMSG to a chat
    user and back)."""
    chatd, gw, port = gateway(procs)
    bob = chat(procs, chatd, "bob")
    b = WSClient(port, protocols=["binary.ircv3.net", "text.ircv3.net"])
    assert b.headers["sec-websocket-protocol"] == "binary.ircv3.net"
    t = WSClient(port, protocols=["text.ircv3.net", "binary.ircv3.net"])
    assert t.headers["sec-websocket-protocol"] == "text.ircv3.net"
    b.register("wsbin")
    t.register("wstext")
    assert all(op == BINARY for op, _ in b.msgs)
    assert all(op == TEXT for op, _ in t.msgs)
    b.send("PRIVMSG bob :hello over binary")
    bob.expect(r"^DELIVERY wsbin hello over binary$")
    bob.send("SEND wstext back to text")
    bob.expect(r"^SEND-OK")
    t.expect(r":bob!\S+ PRIVMSG wstext :back to text$")
    assert t.last_op == TEXT
    # one IRC line per message, no CR LF in it
    assert all(b"\r" not in p and b"\n" not in p for _, p in t.msgs)


def test_wss_over_https_listen(procs, tmp_path):
    """--https-listen: the same WebSocket over TLS with tls-cert and
    tls-key."""
    cert, key = make_cert(tmp_path)[:2]
    chatd = procs.chatd()
    bob = chat(procs, chatd, "bob")
    gw = procs.chatircd(chatd, "--https-listen", "127.0.0.1:0",
                        "--tls-cert", cert, "--tls-key", key)
    c = WSClient(http_port(gw, "https"), protocols=["text.ircv3.net"],
                 tls=True).register("secure")
    c.send("PRIVMSG bob :over wss")
    bob.expect(r"^DELIVERY secure over wss$")


def test_ws_no_sts(procs, tmp_path):
    """STS names a port of IRC over TLS: offered over TCP, never over
    WebSocket."""
    cert, key = make_cert(tmp_path)[:2]
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--http-listen", "127.0.0.1:0",
                        "--tls-listen", "127.0.0.1:0", "--tls-cert", cert,
                        "--tls-key", key, "--sts-duration", "600")
    t = procs.client(gw, eol=b"\r\n", name="tcp")
    t.send("CAP LS 302")
    t.expect(r"CAP \* LS :.*sts=port=\d+")
    w = WSClient(http_port(gw), protocols=["text.ircv3.net"])
    w.send("CAP LS 302")
    m = w.expect(r"CAP \* LS :")
    assert "sts=" not in m.string


def test_ws_no_subprotocol_answers_in_kind(procs):
    """Without a subprotocol the gateway answers in the type the client
    used; an unknown one is not chosen."""
    chatd, gw, port = gateway(procs)
    c = WSClient(port, protocols=["example.org"])
    assert c.status == 101
    assert "sec-websocket-protocol" not in c.headers
    c.send("NICK kind", op=BINARY)
    c.send("USER u 0 * :R", op=BINARY)
    c.expect(r" 001 ")
    assert c.last_op == BINARY


def test_ws_text_is_valid_utf8(procs):
    """A chat user's invalid UTF-8 reaches a text.ircv3.net client as
    valid UTF-8 (U+FFFD for each bad byte)."""
    chatd, gw, port = gateway(procs)
    bob = chat(procs, chatd, "bob")
    t = WSClient(port, protocols=["text.ircv3.net"]).register("utf")
    bob.sock.sendall(b"SEND utf caf\xe9 \xff ok\n")
    bob.expect(r"^SEND-OK")
    t.expect(r"PRIVMSG utf :")
    payload = [p for op, p in t.msgs if b"PRIVMSG utf" in p][0]
    payload.decode("utf-8")     # raises if not valid
    assert "\ufffd" in payload.decode()


def test_ws_frame_split_byte_by_byte(procs):
    """A frame (and a fragmented message) sent one byte at a time is read
    as one line."""
    chatd, gw, port = gateway(procs)
    bob = chat(procs, chatd, "bob")
    c = WSClient(port, protocols=["binary.ircv3.net"]).register("split")
    data = frame(BINARY, "PRIVMSG bob :one byte at a time")
    data += frame(TEXT, "PRIVMSG bob :frag", fin=False) + \
        frame(0, "mented", fin=True)
    for i in range(len(data)):
        c.sock.sendall(data[i:i + 1])
        time.sleep(0.002)
    bob.expect(r"^DELIVERY split one byte at a time$")
    bob.expect(r"^DELIVERY split fragmented$")


def test_ws_ping_pong_and_close(procs):
    """A WebSocket ping gets its pong; the client's close frame is
    answered and ends the session like a TCP close."""
    chatd, gw, port = gateway(procs)
    c = WSClient(port, protocols=["text.ircv3.net"]).register("pinger")
    c.send_frame(frame(PING, b"abc"))
    while True:
        op, p = c.next_msg()
        if op == PONG:
            assert p == b"abc"
            break
    c.send_frame(frame(CLOSE, struct.pack("!H", 1000)))
    assert c.expect_close() == 1000
    gw_err = lambda: open(gw.errlog.name).read()
    deadline = time.time() + 5
    while "closed: Connection closed" not in gw_err():
        assert time.time() < deadline, gw_err()
        time.sleep(0.05)


def test_ws_oversized_message_closes_1009(procs):
    """A message longer than a tagged IRC line gets a clear close
    (1009, message too big); a line just too long for IRC gets 417."""
    chatd, gw, port = gateway(procs)
    c = WSClient(port, protocols=["binary.ircv3.net"]).register("big")
    c.send("PRIVMSG x :" + "a" * 600)
    c.expect(r" 417 big :Input line was too long")
    c.send("PRIVMSG x :" + "a" * 20000)
    assert c.expect_close() == 1009


def test_ws_empty_message_ignored(procs):
    """An empty message (fuzz_websocket found it) is an empty line:
    ignored, the session goes on."""
    chatd, gw, port = gateway(procs)
    c = WSClient(port, protocols=["binary.ircv3.net"]).register("empty")
    c.send("", op=BINARY)
    c.send("", op=TEXT)
    c.send("PING :after")
    c.expect(r"PONG \S+ :after")


def test_ws_line_break_in_message_closes(procs):
    """One IRC line per message: a message with a line break inside is
    refused with a close saying so."""
    chatd, gw, port = gateway(procs)
    c = WSClient(port, protocols=["text.ircv3.net"]).register("crlf")
    c.send("PING :a\r\nPING :b")
    c.expect(r"^ERROR :Closing link: one IRC line per WebSocket message")
    assert c.expect_close() == 1007


def test_ws_origin(procs):
    """A foreign Origin is refused with 403 unless --http-origin allows
    it; this host's own Origin and no Origin are fine."""
    chatd, gw, port = gateway(procs, "--http-origin",
                              "https://*.example.org")
    assert WSClient(port, origin="https://evil.example.com").status == 403
    assert WSClient(port, origin="null").status == 403
    assert WSClient(port, origin="http://127.0.0.1:%d" % port).status == 101
    assert WSClient(port, origin="https://chat.example.org").status == 101
    assert WSClient(port).status == 101
    errlog = open(gw.errlog.name).read()
    assert "Origin https://evil.example.com is not this host" in errlog


def test_ws_handshake_never_finished(procs):
    """A client that never finishes its request is answered 408 and
    closed after --http-timeout; the gateway serves others meanwhile."""
    chatd, gw, port = gateway(procs, "--http-timeout", "1")
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /socket HTTP/1.1\r\nHost: x\r\nUpgrade: websock")
    c = WSClient(port).register("other")
    t0 = time.time()
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.1 408 "), data
    assert time.time() - t0 < 3
    c.send("PING :still")
    c.expect(r"PONG \S+ :still")


def test_http_bad_requests(procs):
    """Oversized heads get 431, malformed ones 400, a plain GET of
    /socket 426, a wrong version 426 naming 13; all in plain words."""
    chatd, gw, port = gateway(procs)
    st, _, body = get(port, "/", raw=b"GET / HTTP/1.1\r\nHost: x\r\nX: " +
                      b"a" * 9000 + b"\r\n\r\n")
    assert st == 431 and b"too large" in body
    st, _, body = get(port, "/", raw=b"GARBAGE\r\n\r\n")
    assert st == 400
    st, _, body = get(port, "/socket")
    assert st == 426 and b"Upgrade: websocket" in body
    st, h, _ = get(port, "/socket", headers=[
        "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 8"])
    assert st == 426 and h["sec-websocket-version"] == "13"
    st, _, _ = get(port, "/", method="POST")
    assert st == 405


def test_ws_bounds_per_address_and_registration(procs):
    """The bounds of a TCP session hold: per-address counts WebSocket
    and TCP sessions together (a refused one reads why), and
    registration has reg-timeout."""
    chatd, gw, port = gateway(procs, "--per-address", "2",
                              "--reg-timeout", "1")
    a = irc(procs, gw, "tcpuser")
    w = WSClient(port, protocols=["text.ircv3.net"]).register("wsuser")
    third = WSClient(port, protocols=["text.ircv3.net"])
    third.expect(r"^ERROR :Closing link: Too many connections from your "
                 r"address: 2 \(per-address\)")
    assert third.expect_close() == 1008
    w.close()
    time.sleep(0.3)
    slow = WSClient(port, protocols=["text.ircv3.net"])
    slow.expect(r"^ERROR :Closing link: .*Registration timed out", timeout=5)
    assert slow.expect_close() == 1000
    a.send("PING :ok")
    a.expect("PONG")


def test_ws_max_clients(procs):
    """max-clients counts WebSocket and TCP sessions together; the one
    past it reads why before the close frame (1008)."""
    chatd, gw, port = gateway(procs, "--max-clients", "1")
    a = irc(procs, gw, "first")
    w = WSClient(port, protocols=["text.ircv3.net"])
    w.expect(r"^ERROR :Closing link: Server full: 1 clients "
             r"\(max-clients\)")
    assert w.expect_close() == 1008
    a.send("PING :ok")
    a.expect("PONG")


def test_ws_shutdown_closes_cleanly(procs):
    """SIGTERM: a WebSocket client reads the ERROR and a close frame
    (1000) before the gateway exits 0."""
    chatd, gw, port = gateway(procs)
    c = WSClient(port, protocols=["text.ircv3.net"]).register("bye")
    t0 = time.time()
    gw.signal(15)
    c.expect(r"^ERROR :Closing link: bye\[127.0.0.1\] \(Server shutting "
             r"down\)")
    assert c.expect_close() == 1000
    c.close()
    assert gw.proc.wait(10) == 0
    assert time.time() - t0 < 5


def test_ws_thousand_sessions(procs):
    """1,000 WebSocket sessions at once, each registered; then each
    gets a message from a chat user."""
    chatd, gw, port = gateway(procs, "--per-address", "2000")
    clients = []
    for i in range(1000):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        req, _ = wslib.request(port, protocols=["text.ircv3.net"])
        s.sendall(req + frame(TEXT, "NICK k%d" % i) +
                  frame(TEXT, "USER u 0 * :R"))
        clients.append(s)
    welcomed = 0
    bufs = [b""] * len(clients)
    deadline = time.time() + 60
    pending = set(range(len(clients)))
    while pending and time.time() < deadline:
        fds = {clients[i].fileno(): i for i in pending}
        r, _, _ = select.select(list(fds), [], [], 1)
        for fd in r:
            i = fds[fd]
            bufs[i] += clients[i].recv(65536)
            if b" 001 " in bufs[i]:
                pending.discard(i)
                welcomed += 1
    assert welcomed == 1000, "%d welcomed" % welcomed
    for s in clients:
        s.close()


def test_http_serves_web_client(procs, tmp_path):
    """/ is the web client with its MIME types and a strict CSP; no path
    leaves the root (.., encoded .., symlinks); --http-root serves
    another directory."""
    chatd, gw, port = gateway(procs)
    st, h, body = get(port, "/")
    assert st == 200 and h["content-type"].startswith("text/html")
    assert b"<script" in body and b"app.js" in body
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp
    st, h, _ = get(port, "/app.js")
    assert st == 200 and h["content-type"].startswith("text/javascript")
    st, h, _ = get(port, "/style.css")
    assert st == 200 and h["content-type"].startswith("text/css")
    for bad in ["/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt",
                "/..%2fCMakeLists.txt", "/%2E%2E%2F%2E%2E%2Fetc/passwd",
                "/a/../../CMakeLists.txt", "/nothing.html"]:
        st, _, _ = get(port, bad)
        assert st == 404, bad
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.html").write_text("<p>other</p>")
    os.symlink("/etc/passwd", str(tmp_path / "web" / "passwd"))
    (tmp_path / "secret").write_text("no")
    gw2 = procs.chatircd(chatd, "--http-listen", "127.0.0.1:0",
                         "--http-root", str(tmp_path / "web"))
    p2 = http_port(gw2)
    st, _, body = get(p2, "/")
    assert st == 200 and body == b"<p>other</p>"
    assert get(p2, "/passwd")[0] == 404
    assert get(p2, "/../secret")[0] == 404
    st, _, body = get(p2, "/", method="HEAD")
    assert st == 200 and body == b""


def test_http_listen_beyond_loopback_refused(procs):
    """--http-listen beyond loopback needs a password or
    --insecure-listen, like --listen."""
    import subprocess
    from conftest import CHATIRCD
    r = subprocess.run([CHATIRCD, "--listen", "127.0.0.1:0",
                        "--http-listen", "0.0.0.0:0", "--upstream",
                        "127.0.0.1:1"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1
    assert "http-listen 0.0.0.0:0 is not a loopback address" in r.stderr


def parse_metrics(text):
    """{name: value} of a Prometheus text page; every sample has HELP
    and TYPE lines before it."""
    values, helps, types = {}, set(), set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
        elif line.startswith("# TYPE "):
            types.add(line.split()[2])
        elif line:
            name, value = line.rsplit(" ", 1)
            assert name in helps and name in types, name
            values[name] = float(value)
    return values


def test_metrics(procs, tmp_path):
    """/metrics counts what the test did: sessions, links, upstream
    connections, messages sent and delivered, store writes, sendq
    closes, upstream errors."""
    chatd = procs.chatd()
    db = str(tmp_path / "gw.db")
    import subprocess
    from conftest import CHATIRCD
    subprocess.run([CHATIRCD, "--db", db, "--add-user", "acc"],
                   input="pw\npw\n", text=True, check=True,
                   capture_output=True, timeout=30)
    gw = procs.chatircd(chatd, "--metrics-listen", "127.0.0.1:0",
                        "--http-listen", "127.0.0.1:0", "--db", db,
                        "--allow-anonymous", "--sendq-max", "200000",
                        "--sendq-soft", "4096",
                        "--upstream-line-max", "8192")
    mport = http_port(gw, "metrics")
    st, h, body = get(mport, "/metrics")
    assert st == 200 and h["content-type"].startswith("text/plain")
    m0 = parse_metrics(body.decode())
    for name in ["chatircd_sessions", "chatircd_links",
                 "chatircd_upstream_connections",
                 "chatircd_messages_sent_total",
                 "chatircd_messages_delivered_total",
                 "chatircd_upstream_errors_total",
                 "chatircd_store_writes_total",
                 "chatircd_sendq_closes_total"]:
        assert name in m0, name
    assert "# TYPE chatircd_sessions gauge" in body.decode()
    assert "# TYPE chatircd_messages_sent_total counter" in body.decode()
    bob = chat(procs, chatd, "bob")
    alice = irc(procs, gw, "alice")
    w = WSClient(http_port(gw), protocols=["text.ircv3.net"])
    w.send("PASS acc:pw")
    w.register("acc")
    for i in range(3):
        alice.send("PRIVMSG bob :m%d" % i)
        bob.expect(r"^DELIVERY alice m%d$" % i)
    w.send("PRIVMSG bob :stored")
    bob.expect(r"^DELIVERY \S+ stored$")
    bob.send("SEND alice back")
    alice.expect("PRIVMSG alice :back")
    time.sleep(0.3)
    m = parse_metrics(get(mport, "/metrics")[2].decode())
    assert m["chatircd_sessions"] == m0["chatircd_sessions"] + 2
    assert m["chatircd_websocket_sessions"] == 1
    assert m["chatircd_links"] >= 2
    assert m["chatircd_upstream_connections"] >= 2
    assert m["chatircd_messages_sent_total"] - \
        m0["chatircd_messages_sent_total"] == 4
    assert m["chatircd_messages_delivered_total"] - \
        m0["chatircd_messages_delivered_total"] >= 1
    assert m["chatircd_store_writes_total"] - \
        m0["chatircd_store_writes_total"] >= 1
    # a WebSocket client that reads nothing is closed past sendq-max
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", http_port(gw)))
    req, _ = wslib.request(http_port(gw), protocols=["binary.ircv3.net"])
    slow.sendall(req + frame(BINARY, "NICK slow") +
                 frame(BINARY, "USER u 0 * :R"))
    time.sleep(0.3)
    for i in range(1000):
        bob.send("SEND slow %04d %s" % (i, "w" * 3000))
    for i in range(1000):
        bob.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$", timeout=20)
    deadline = time.time() + 10
    while parse_metrics(get(mport, "/metrics")[2].decode())[
            "chatircd_sendq_closes_total"] < 1:
        assert time.time() < deadline, gw.stderr()
        time.sleep(0.2)
    assert "sendq-max 200000 exceeded" in gw.stderr()
    assert "upstream lost" not in gw.stderr()
    slow.close()
    # an upstream lost counts as an error
    chatd.stop()
    deadline = time.time() + 10
    while parse_metrics(get(mport, "/metrics")[2].decode())[
            "chatircd_upstream_errors_total"] < 1:
        assert time.time() < deadline
        time.sleep(0.2)
    assert get(mport, "/")[0] == 404
