"""Loose ends found by trying to break chatircd (issue 17): the log is
terminal-safe, long nicks, --insecure-listen, shutdown, the dialect."""
import re
import signal
import subprocess
import threading
import time

import pytest

from gwlib import CHATIRCD, FakeUpstream, irc


@pytest.fixture
def fake():
    up = FakeUpstream()
    yield up
    up.close()


def stderr_bytes(d):
    with open(d.errlog.name, "rb") as f:
        return f.read()


def test_log_is_terminal_safe_and_shows_the_line_as_it_arrived(procs,
                                                               fake):
    g = procs.chatircd(fake.addr)
    a = irc(procs, g, "alice")
    # no text after the name: unparsable, after the parser cut at a space
    fake.push(b"DELIVERY \x9b31m\xc2\x9b\xff\x1b]0;x\x07\x7f\xc3\xa9\r\n")
    a.expect(r"NOTICE alice :Reconnected to the chat server as alice")
    b = irc(procs, g, "bob")            # and what a client says
    b.send(b"QUIT :\x1b[2J\x9b\xc2\x9b bye")
    b.expect_closed()
    time.sleep(0.2)
    log = stderr_bytes(g)
    assert rb"closed: Quit: \x1b[2J\x9b\xc2\x9b bye" + b"\n" in log, log
    assert re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", log) is None, log
    assert b"\x9b" not in log and b"\xff" not in log, log
    line = (rb"unparsable line from upstream: DELIVERY \x9b31m\xc2\x9b"
            rb"\xff\x1b]0;x\x07\x7f" + "é".encode())
    assert line + b"\n" in log, log


@pytest.mark.parametrize("length", [65, 100])
def test_long_nick_cut_to_what_the_chat_server_takes_and_said_why(
        procs, length):
    d = procs.chatd()
    g = procs.chatircd(d)
    isupport = irc(procs, g, "probe")
    nicklen = int(re.search(r"\bNICKLEN=(\d+)", " ".join(
        l for l in isupport.lines if " 005 " in l)).group(1))
    assert length <= nicklen
    want = "n" * length
    c = procs.client(g, eol=b"\r\n", name="long")
    c.send("NICK " + want)
    c.send("USER u 0 * :Real Name")
    got = c.expect(r" 001 (\S+) ").group(1)
    assert got == "n" * 64
    n = c.expect(r"NOTICE \S+ :Cannot log in as (n+)\. (.*)")
    assert n.group(1) == want
    assert n.group(2).startswith(
        "That name is too long for the chat server: %d characters, and "
        "it takes at most 64. Successfully logged in as %s!" %
        (length, "n" * 64)), n.group(0)
    assert "disallowed" not in n.group(0)
    # and after login, NICK says the same reason
    c.send("NICK " + "m" * length)
    c.expect(r" 432 %s %s :Erroneous nickname: too long for the chat "
             r"server \(a chat name of %d characters; it takes at most "
             r"64\)$" % (got, "m" * length, length))


def start_fails(*args, timeout=10.0):
    """Run chatircd expecting it to refuse to start: (status, stderr)."""
    p = subprocess.run([CHATIRCD] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    assert "listening on" not in p.stdout, p.stdout
    return p.returncode, p.stderr


def test_insecure_listen_warns_once_and_a_refusal_is_alone(procs):
    """Only started, never connected to: 0.0.0.0 is not loopback."""
    gw = procs.chatircd("127.0.0.1:1", "--insecure-listen",
                        listen="0.0.0.0:0")
    warn = [l for l in gw.stderr().splitlines() if " warning: " in l]
    assert len(warn) == 1, gw.stderr()
    assert "0.0.0.0:0" in warn[0] and "--insecure-listen" in warn[0]
    assert "anyone" in warn[0], warn
    # on loopback: no warning
    gw = procs.chatircd("127.0.0.1:1", "--insecure-listen")
    assert " warning: " not in gw.stderr(), gw.stderr()
    rc, err = start_fails("--listen", "0.0.0.0:0", "--upstream",
                          "127.0.0.1:1")
    assert rc == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "is not a loopback address" in lines[0], err
    assert "IRC clients on" not in err, err


def test_sigterm_every_client_gets_closing_link(procs, fake):
    """100 clients, each with output queued and a line on its way in as
    the gateway stops; each reads: each gets its ERROR."""
    g = procs.chatircd(fake.addr)
    clients = []
    for i in range(100):
        c = procs.client(g, eol=b"\r\n", name="c%d" % i)
        c.send("NICK u%d" % i)
        c.send("USER u 0 * :Real Name")
        clients.append(c)
    for c in clients:
        c.expect(r" 366 ", timeout=10)
    line = ("DELIVERY echobot " + "x" * 1000 + "\n").encode()
    with fake.lock:
        for conn in fake.conns:
            conn.sendall(line * 200)
    time.sleep(0.5)
    g.signal(signal.SIGTERM)
    missing = []

    def read(c):
        try:
            c.send("PING x")
            c.expect(r"^ERROR :Closing link: .*Server shutting down",
                     timeout=8)
        except (AssertionError, OSError):
            missing.append(c.name)
    threads = [threading.Thread(target=read, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert g.stop() == 0
    assert not missing, "%d without ERROR: %s" % (len(missing), missing)


class NewerUpstream(FakeUpstream):
    """Speaks the newer dialect: LIST, never WHO."""

    def answer(self, c, line):
        if line == "WHO":
            c.sendall(b"BAD-RQST-HDR\n")
        elif line == "LIST":
            c.sendall(("LIST-OK %s\n" % ",".join(self.users)).encode())
        else:
            super().answer(c, line)


def test_dialect_once_detected_never_flips(procs):
    up = NewerUpstream()
    try:
        g = procs.chatircd(up.addr)
        a = irc(procs, g, "alice")
        a.expect(r" 366 alice &chat ")
        a.send("VERSION")
        a.expect(r" 351 alice .*\(newer dialect\)")
        a.send("PRIVMSG bob :hello")
        a.send("PING sync")
        a.expect(r"PONG")
        time.sleep(0.2)
        up.push("UNKNOWN\n")            # the other dialect's answer
        a.expect(r" 401 alice bob ")
        a.send("ISON echobot")
        a.expect(r" 303 alice :echobot$")
        a.send("VERSION")
        a.expect(r" 351 alice .*\(newer dialect\)")
        log = g.stderr()
        assert "UNKNOWN from a chat server detected as newer dialect: " \
            "answered as an error" in log, log
        assert "dialect: original" not in log, log
        assert up.got.count("WHO") <= 1, up.got
    finally:
        up.close()
