"""chatircd bounds: each limit is an option, logged at start, enforced
with a clear message: irc-line-max, upstream-line-max, sendq-soft,
sendq-max, max-pending, max-clients, per-address (reg-timeout is in
test_gw_register.py), and running out of file descriptors."""
import os
import re
import socket
import time

import conftest
from gwlib import CHATIRCD, FakeUpstream, chat, irc


def test_limits_are_logged(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "-v")
    log = g.stderr()
    for name in ("irc-line-max 512", "upstream-line-max 1048576",
                 "sendq-soft 65536", "sendq-max 4194304", "max-pending 64",
                 "per-address 256", "reg-timeout 60"):
        assert "limit " + name in log
    # the default max-clients fits the descriptors: 2 each + 16
    fds = int(re.search(r"limit open-files (\d+)", log).group(1))
    n = int(re.search(r"limit max-clients (\d+)", log).group(1))
    assert n == min(10000, (fds - 16) // 2), (n, fds)
    assert "warning" not in log, log


def test_start_is_one_line_without_v(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    log = g.stderr()
    assert "limit " not in log and "warning" not in log, log
    assert re.search(r"IRC clients on 127\.0\.0\.1:0, chat server "
                     r"127\.0\.0\.1:%d \(dialect auto\), max-clients \d+$"
                     % d.port, log, re.M), log


def test_irc_line_max_option_and_tags(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--irc-line-max", "1024")
    a = irc(procs, g, "alice", caps="message-tags")
    b = chat(procs, d, "bob")
    a.send("PRIVMSG bob :" + "x" * 900)
    b.expect(r"^DELIVERY alice x{900}$")
    a.send("PRIVMSG bob :" + "x" * 1100)
    a.expect(r" 417 alice ")
    a.send("@+typing=active;+x=" + "t" * 3000 + " PRIVMSG bob :tagged")
    b.expect(r"^DELIVERY alice tagged$")
    a.send("@+x=" + "t" * 9000 + " PRIVMSG bob :too many tags")
    a.expect(r" 417 alice ")
    a.send("PING alive")
    a.expect(r"PONG \S+ :alive")


def test_upstream_line_max(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--upstream-line-max", "2048", "--sendq-soft",
                       "4096", "--sendq-max", "16384")
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    b.send("SEND alice " + "y" * 1500)
    a.expect(r"PRIVMSG alice :y+$")
    b.send("SEND alice " + "z" * 5000)
    # issue 4: the session stays and the gateway logs in again
    a.expect(r"NOTICE alice :The connection to the chat server was lost "
             r"\(the chat server sent a line longer than upstream-line-max")
    a.expect(r"NOTICE alice :Reconnected to the chat server as alice")
    assert "upstream-line-max 2048" in g.stderr()


def test_slow_reader_costs_only_its_session(procs):
    """Issue 10: the gateway keeps reading the chat server for a client
    that reads nothing; past sendq-max that client alone is closed, and
    the chat server never has to drop the gateway's connection."""
    d = procs.chatd()
    g = procs.chatircd(d, "--sendq-soft", "4096", "--sendq-max", "200000",
                       "--upstream-line-max", "8192")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((g.host, g.port))
    s.sendall(b"NICK slow\r\nUSER s 0 * :s\r\n")
    time.sleep(0.3)
    b = chat(procs, d, "bob")
    n = 1000
    for i in range(n):
        b.send("SEND slow %04d %s" % (i, "w" * 3000))
    for i in range(n):
        b.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$", timeout=20)
    deadline = time.time() + 10
    while "SendQ exceeded" not in g.stderr() and time.time() < deadline:
        time.sleep(0.1)
    log = g.stderr()
    assert "sendq-soft 4096 reached" in log
    assert "sendq-max 200000 exceeded" in log
    assert "upstream lost" not in log       # chatd never dropped it
    s.close()


def test_sendq_max_closes(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--sendq-soft", "4096", "--sendq-max", "140000",
                       "--upstream-line-max", "8192")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((g.host, g.port))
    s.sendall(b"NICK flood\r\nUSER f 0 * :f\r\n")
    time.sleep(0.3)
    line = b"INFO\r\n" * 1000
    s.settimeout(0.2)
    deadline = time.time() + 10
    while "SendQ exceeded" not in g.stderr() and time.time() < deadline:
        try:
            s.sendall(line)
        except (socket.timeout, OSError):
            time.sleep(0.1)
    assert "sendq-max 140000 exceeded" in g.stderr()
    s.settimeout(5)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    assert b"ERROR :Closing link: flood[127.0.0.1] (SendQ exceeded)" in data
    s.close()


def test_max_pending(procs):
    up = FakeUpstream()
    try:
        g = procs.chatircd(up.addr, "--max-pending", "2",
                           "--poll-interval", "3600")
        a = irc(procs, g, "alice")
        a.expect(r" 366 alice &chat ")  # its user list is in: none pending
        up.answer_who = False
        # issue 9: past max-pending the client's input waits (nothing
        # refused) and goes on, in order, as replies come back
        a.send("PRIVMSG bob :one")
        a.send("PRIVMSG bob :two")
        a.send("PRIVMSG bob :three")
        a.send("PING x")
        a.expect_none(r"PONG|not delivered", wait=0.5)
        assert [l for l in up.got if l.startswith("SEND")] == [
            "SEND bob one", "SEND bob two"]
        up.push("SEND-OK\n")
        a.expect_none(r"PONG", wait=0.3)    # three went: two await again
        up.push("SEND-OK\n")
        a.expect(r"PONG")
        assert [l for l in up.got if l.startswith("SEND")] == [
            "SEND bob one", "SEND bob two", "SEND bob three"]
        assert "max-pending 2 reached: its input waits" in g.stderr()
        assert not any("not delivered" in l for l in a.lines)
    finally:
        up.close()


def test_desync_is_not_guessed(procs):
    up = FakeUpstream()
    try:
        g = procs.chatircd(up.addr)
        a = irc(procs, g, "alice")
        up.push("SEND-OK\n")
        a.expect(r"NOTICE alice :The connection to the chat server was "
                 r"lost \(out of step with the chat server\)")
        assert "desync" in g.stderr()
    finally:
        up.close()


def test_max_clients(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--max-clients", "2")
    irc(procs, g, "a1")
    irc(procs, g, "a2")
    c = procs.client(g, eol=b"\r\n")
    c.expect(r"^ERROR :Closing link: Server full: 2 clients \(max-clients\)")
    c.expect_closed()
    assert "max-clients 2 reached" in g.stderr()


def test_per_address(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--per-address", "1")
    a = irc(procs, g, "a1")
    c = procs.client(g, eol=b"\r\n")
    c.expect(r"^ERROR :Closing link: Too many connections from your "
             r"address: 1 \(per-address\)")
    a.send("QUIT")
    a.expect_closed()
    time.sleep(0.2)
    irc(procs, g, "a3")


def _cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_descriptors(procs):
    d = procs.chatd()
    g = conftest.Daemon(["prlimit", "--nofile=24", CHATIRCD, "--listen",
                         "127.0.0.1:0", "--upstream",
                         "127.0.0.1:%d" % d.port,
                         "--max-clients", "1000"], "chatircd")
    procs.daemons.append(g)
    clients, refused = [], 0
    for i in range(14):
        c = procs.client(g, eol=b"\r\n", name="c%d" % i)
        c.send("NICK u%d" % i)
        c.send("USER u 0 * :u")
        m = c.expect(r" 001 |^ERROR :Closing link: .*(resources|file "
                     r"descriptors)")
        if m.group(0).startswith("ERROR"):
            refused += 1
        else:
            clients.append(c)
    assert refused > 0 and clients
    before = _cpu(g.proc.pid)
    time.sleep(1.0)
    assert _cpu(g.proc.pid) - before < 0.5     # no busy loop
    for c in clients:
        c.send("QUIT")
        c.expect_closed()
    time.sleep(0.5)
    irc(procs, g, "again")
