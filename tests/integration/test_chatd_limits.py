"""contrib/chatd under pressure: its bounds, its limits and its process.

Overlong lines, a reader that does not read, the per-address limit,
--only-dialect, IPv6, restarts, descriptor exhaustion, 200 clients at
once and clean exits on signals, each against a real chatd on loopback.
"""
import os
import random
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import CHATD, Daemon, login  # noqa: E402


def test_line_at_the_bound_is_relayed(procs):
    d = procs.chatd("--line-max", "1000")
    a = login(procs.client(d, name="alice"), "alice")
    text = "x" * (1000 - len("SEND echobot "))
    a.send("SEND echobot " + text, eol=b"\r\n")     # CR is not counted
    a.expect(r"^SEND-OK$")
    m = a.expect(r"^DELIVERY echobot (x+)$")
    assert len(m.group(1)) == len(text)


def test_overlong_line_that_ends_is_bad_body(procs):
    d = procs.chatd("--line-max", "1000")
    a = login(procs.client(d, name="alice"), "alice")
    a.send("SEND echobot " + "x" * 1000)
    a.expect(r"^BAD-RQST-BODY$")
    # up to twice the bound without LF is still one (overlong) line
    a.send_raw("SEND echobot " + "y" * 1500)
    time.sleep(0.2)
    a.send_raw("\nSEND echobot after\n")
    a.expect(r"^BAD-RQST-BODY$")
    a.expect(r"^SEND-OK$")
    a.expect(r"^DELIVERY echobot after$")
    assert not any("xxx" in line or "yyy" in line for line in a.lines)


def test_overlong_line_before_login_closes(procs):
    d = procs.chatd("--line-max", "100")
    c = procs.client(d)
    c.send("HELLO-FROM " + "a" * 200)
    c.expect(r"^BAD-RQST-BODY$")
    c.expect_closed()


def test_line_without_end_closes(procs):
    d = procs.chatd("--line-max", "1000")
    a = login(procs.client(d, name="alice"), "alice")
    try:
        for _ in range(30):
            a.send_raw("z" * 100)
    except OSError:
        pass                    # closed while we were still sending
    a.expect_closed()
    assert a.lines == ["HELLO alice"]
    assert "twice --line-max" in d.stderr()


def test_slow_reader_is_disconnected(procs):
    """A reader that never reads is cut off; its senders are not stalled."""
    d = procs.chatd("--line-max", "16384", "--sendq-max", "65536")
    slow = procs.client(d, name="slow")
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    login(slow, "slow")
    a = login(procs.client(d, name="alice"), "alice")
    b = login(procs.client(d, name="bob"), "bob")
    text = "m" * 16000
    sent = 0
    while True:
        a.send("SEND slow " + text)
        reply = a.expect(r"^(SEND-OK|BAD-DEST-USER)$").group(1)
        if reply == "BAD-DEST-USER":
            break
        sent += 1
        assert sent < 2000, "slow reader never cut off"
        if sent % 50 == 0:      # the others keep working meanwhile
            b.send("SEND alice ping %d" % sent)
            a.expect(r"^DELIVERY bob ping %d$" % sent)
    print("slow reader cut off after %d messages" % sent)
    assert re.search(r"logout slow .*sendq exceeded", d.stderr())
    a.send("LIST")
    a.expect(r"^LIST-OK echobot,delaybot,alice,bob$")
    b.send("SEND echobot fine")
    b.expect(r"^DELIVERY echobot fine$")


def test_pipelining_sender_is_throttled_not_dropped(procs):
    """Requests sent faster than replies are read: paused, not cut off."""
    d = procs.chatd("--line-max", "2048", "--sendq-max", "8192")
    a = login(procs.client(d, name="alice", timeout=20.0), "alice")
    n, pad = 4000, "p" * 1000
    data = b"".join(b"SEND echobot %d %s\n" % (i, pad.encode())
                    for i in range(n))
    writer = threading.Thread(target=a.send_raw, args=(data,))
    writer.start()
    time.sleep(0.5)             # let the replies back up first
    a.expect(r"^DELIVERY echobot %d " % (n - 1), timeout=30)
    writer.join()
    got = [line.split()[2] for line in a.lines
           if line.startswith("DELIVERY")]
    assert got == [str(i) for i in range(n)]
    assert a.lines.count("SEND-OK") == n


def test_per_address_limit_evicts_oldest_silently(procs):
    d = procs.chatd("--per-address", "5", "--no-bots")
    users = [login(procs.client(d, name="u%d" % i), "u%d" % i)
             for i in range(5)]
    users[0].send("SEND u1 before")
    users[1].expect(r"^DELIVERY u0 before$")
    sixth = login(procs.client(d, name="u5"), "u5")
    users[0].expect_closed()
    assert users[0].lines == ["HELLO u0", "SEND-OK"]
    sixth.send("WHO")
    sixth.expect(r"^WHO-OK u1,u2,u3,u4,u5$")
    users[1].send("SEND u2 still here")
    users[2].expect(r"^DELIVERY u1 still here$")
    login(procs.client(d, name="u6"), "u6")
    users[1].expect_closed()


def test_per_address_off_by_default(procs):
    d = procs.chatd("--no-bots")
    users = [login(procs.client(d), "u%d" % i) for i in range(8)]
    users[0].send("WHO")
    users[0].expect(r"^WHO-OK u0,u1,u2,u3,u4,u5,u6,u7$")


@pytest.mark.parametrize("only,ask,reply,refused,unknown", [
    ("newer", "LIST", "LIST-OK", "WHO", "BAD-DEST-USER"),
    ("original", "WHO", "WHO-OK", "LIST", "UNKNOWN"),
])
def test_only_dialect(procs, only, ask, reply, refused, unknown):
    d = procs.chatd("--only-dialect", only, "--no-bots")
    a = login(procs.client(d, name="alice"), "alice")
    a.send("SEND nobody x")
    a.expect(r"^%s$" % unknown)
    a.send(refused)
    a.expect(r"^BAD-RQST-HDR$")
    a.send(refused + " with a body")        # the header is wrong first
    a.expect(r"^BAD-RQST-HDR$")
    a.send(ask)
    a.expect(r"^%s alice$" % reply)
    a.send("SEND nobody x")
    a.expect(r"^%s$" % unknown)


def test_ipv6_loopback(procs):
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        pytest.skip("no IPv6 loopback")
    d = procs.chatd(bind="::1")
    assert d.host == "::1"
    a = login(procs.client(d, name="alice"), "alice")
    a.send("SEND echobot v6")
    a.expect(r"^DELIVERY echobot v6$")
    assert re.search(r"login alice from \[::1\]:\d+", d.stderr())


def test_listening_line_and_restart_on_same_port(procs):
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    a.send("SEND echobot x")
    a.expect(r"^DELIVERY echobot x$")
    port = d.port
    assert d.stop() == 0        # the server closes first: TIME_WAIT is ours
    d2 = procs.chatd("--port", str(port))
    assert d2.port == port
    login(procs.client(d2, name="alice"), "alice")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_zero(procs, sig):
    d = procs.chatd("--delaybot-pause", "2000")
    a = login(procs.client(d, name="alice"), "alice")
    a.send("SEND delaybot pending")         # a timer still running
    procs.client(d).send_raw(b"HELLO-FR")   # a handshake half done
    a.expect(r"^SEND-OK$")
    d.signal(sig)
    assert d.proc.wait(10) == 0
    a.expect_closed()
    d.proc.stdout.close()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_descriptors_does_not_spin(procs):
    """With no fds left, accepting pauses (logged) instead of spinning."""
    d = Daemon(["prlimit", "--nofile=24:24", CHATD, "--bind", "127.0.0.1",
                "--port", "0"], "chatd")
    procs.daemons.append(d)
    socks = []
    for _ in range(30):
        s = socket.create_connection((d.host, d.port))
        socks.append(s)
    time.sleep(0.3)
    before = cpu_seconds(d.proc.pid)
    time.sleep(1.0)
    assert cpu_seconds(d.proc.pid) - before < 0.3
    assert "not accepting" in d.stderr()
    for s in socks:
        s.close()
    a = login(procs.client(d, name="alice", timeout=5.0), "alice")
    a.send("SEND echobot back")
    a.expect(r"^DELIVERY echobot back$")


def test_200_clients_every_message_accounted_for(procs):
    """200 clients, each sends 10 messages to others; all arrive once."""
    n, per = 200, 10
    d = procs.chatd("--no-bots")
    sel = selectors.DefaultSelector()
    socks, bufs = [], {}
    for i in range(n):
        s = socket.create_connection((d.host, d.port))
        s.setblocking(False)
        socks.append(s)
        bufs[s] = b""
        sel.register(s, selectors.EVENT_READ, i)
    rng = random.Random(7)
    expect = {i: [] for i in range(n)}
    out = {}
    for i, s in enumerate(socks):
        lines = [b"HELLO-FROM user%d\n" % i]
        for k in range(per):
            j = rng.randrange(n)
            text = b"m %d %d" % (i, k)
            lines.append(b"SEND user%d %s\n" % (j, text))
            expect[j].append("DELIVERY user%d %s" % (i, text.decode()))
        out[s] = b"".join(lines)
    got = {i: [] for i in range(n)}
    oks = {i: 0 for i in range(n)}
    # all log in first, so every SEND finds its destination
    for s in socks:
        s.sendall(out[s].split(b"\n", 1)[0] + b"\n")
    hello = 0
    deadline = time.monotonic() + 30
    pending = n * per
    sent = False
    while (hello < n or pending or sum(oks.values()) < n * per) and \
            time.monotonic() < deadline:
        if hello == n and not sent:
            for s in socks:
                s.sendall(out[s].split(b"\n", 1)[1])
            sent = True
        for key, _ in sel.select(0.5):
            s, i = key.fileobj, key.data
            data = s.recv(65536)
            assert data, "user%d closed" % i
            bufs[s] += data
            *lines, bufs[s] = bufs[s].split(b"\n")
            for line in lines:
                line = line.decode()
                if line.startswith("HELLO "):
                    hello += 1
                elif line == "SEND-OK":
                    oks[i] += 1
                elif line.startswith("DELIVERY "):
                    got[i].append(line)
                    pending -= 1
                else:
                    raise AssertionError("user%d got %r" % (i, line))
    for s in socks:
        sel.unregister(s)
        s.close()
    sel.close()
    assert hello == n
    assert all(v == per for v in oks.values()), oks
    for i in range(n):
        # per sender, deliveries keep their order
        assert sorted(got[i]) == sorted(expect[i]), i
        for src in range(n):
            tag = "DELIVERY user%d " % src
            assert [x for x in got[i] if x.startswith(tag)] == \
                [x for x in expect[i] if x.startswith(tag)]


def test_port_in_use_fails_clearly():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    r = subprocess.run([CHATD, "--port", str(port)], capture_output=True,
                       timeout=10)
    taken.close()
    assert r.returncode == 1 and r.stdout == b""
    assert b"Address already in use" in r.stderr


@pytest.mark.parametrize("args,msg", [
    (["--port", "70000"], b"--port"),
    (["--dialect", "old"], b"--dialect"),
    (["--only-dialect", "x"], b"--only-dialect"),
    (["--max-clients", "0"], b"--max-clients"),
    (["--line-max", "100000", "--sendq-max", "2000"], b"--sendq-max"),
    (["--bogus"], b"usage"),
])
def test_bad_options_refused(args, msg):
    r = subprocess.run([CHATD] + args, capture_output=True, timeout=10)
    assert r.returncode == 2 and r.stdout == b""
    assert msg in r.stderr
