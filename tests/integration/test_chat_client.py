"""contrib/chat, the terminal client, driven through pipes against chatd.

Each scenario types lines into the real `chat` binary and reads what it
prints, as a user at a terminal would see it.
"""
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import CHAT, login  # noqa: E402


class ChatProc:
    """The chat binary on pipes; stderr is merged into what we read."""

    def __init__(self, *args, timeout=5.0):
        self.timeout = timeout
        self.proc = subprocess.Popen([CHAT] + list(args),
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = b""          # everything printed so far
        self.pos = 0            # how far expect() has consumed

    def type(self, line):
        if isinstance(line, str):
            line = line.encode()
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def close_stdin(self):
        self.proc.stdin.close()

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        fd = self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return False
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        self.out += chunk
        return True

    def expect(self, pattern, timeout=None, partial=False):
        """Wait for output matching pattern in whole lines (or in what
        has arrived, if partial); consume output up to it."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str)
                        else pattern, re.M)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            end = len(self.out) if partial else self.out.rfind(b"\n") + 1
            m = rx.search(self.out, self.pos, max(end, self.pos))
            if m:
                self.pos = m.end()
                return m
            if not self._fill(deadline) and (
                    time.monotonic() >= deadline or
                    self.proc.poll() is not None):
                raise AssertionError("chat: no output matching %r\n%s" %
                                     (pattern, self.transcript()))

    def next_line(self):
        """The next whole line after what expect() consumed."""
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self.out[self.pos:]:
            assert self._fill(deadline), "chat: no next line\n" + \
                self.transcript()
        end = self.out.index(b"\n", self.pos)
        line, self.pos = self.out[self.pos:end], end + 1
        return line

    def expect_none(self, pattern, wait=0.3):
        rx = re.compile(pattern.encode(), re.M)
        deadline = time.monotonic() + wait
        while self._fill(deadline):
            pass
        assert not rx.search(self.out, self.pos), self.transcript()

    def wait(self, timeout=None):
        """Wait for exit, reading all output; returns the exit status."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while self._fill(deadline):
            pass
        try:
            return self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise AssertionError("chat did not exit\n" + self.transcript())

    def transcript(self):
        return "\n".join("  chat> " + l for l in
                         self.out.decode(errors="replace").split("\n"))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class ChatPty(ChatProc):
    """The chat binary on a pseudo-terminal, as a user runs it."""

    def __init__(self, *args, timeout=5.0):
        self.timeout = timeout
        self.fds = []
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([CHAT] + list(args), stdin=slave,
                                     stdout=slave, stderr=slave,
                                     start_new_session=True)
        self.tty = os.ttyname(slave)
        os.close(slave)
        self.out = b""
        self.pos = 0

    def type(self, text):
        if isinstance(text, str):
            text = text.encode()
        os.write(self.master, text)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.master], [], [], left)
        if not r:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:         # EIO: the child closed the terminal
            chunk = b""
        self.out += chunk
        return bool(chunk)

    def reopen(self):
        """The terminal's own side, to look at its mode."""
        fd = os.open(self.tty, os.O_RDWR | os.O_NOCTTY)
        self.fds.append(fd)
        return fd

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        if self.master is not None:
            os.close(self.master)
            self.master = None


@pytest.fixture
def chat(procs):
    """chat(daemon or 'HOST:PORT', ...) starts a client; all are stopped
    before the procs fixture stops chatd."""
    started = []

    def start(target=None, *args, tty=False):
        if target is not None and not isinstance(target, str):
            host = target.host
            if ":" in host:
                host = "[%s]" % host
            target = "%s:%d" % (host, target.port)
        argv = ([target] if target is not None else []) + list(args)
        c = (ChatPty if tty else ChatProc)(*argv)
        started.append(c)
        return c

    yield start
    for c in started:
        c.kill()


def logged_in(chat, daemon, name):
    c = chat(daemon)
    c.expect(r"^Enter a name:")
    c.type(name)
    c.expect(r"^Successfully logged in as %s!$" % name)
    return c


def test_login_who_echo_quit(procs, chat):
    d = procs.chatd()
    c = logged_in(chat, d, "alice")
    c.type("!who")
    n = int(c.expect(r"^There are (\d+) online users:\n").group(1))
    names = [c.next_line() for _ in range(n)]
    assert {b"  alice", b"  echobot"} <= set(names)
    c.type("@echobot hi there")
    c.expect(r"^Message sent\.$")
    c.expect(r"^From echobot: hi there$")
    c.type("!quit")
    assert c.wait() == 0


def test_name_taken_asks_again(procs, chat):
    d = procs.chatd()
    login(procs.client(d, name="alice"), "alice")
    c = chat(d)
    c.expect(r"^Enter a name:")
    c.type("alice")
    c.expect(r"^Cannot log in as alice\. That username is already in use\.$")
    c.expect(r"^Enter a name:")
    c.type("bob")
    c.expect(r"^Successfully logged in as bob!$")


def test_invalid_names_asked_again(procs, chat):
    d = procs.chatd()
    c = chat(d)
    c.expect(r"^Enter a name:")
    c.type("bad name")
    c.expect(r"^Cannot log in as bad name\. That username contains "
             r"disallowed characters")
    c.expect(r"^Enter a name:")
    c.type(b"x\x1b[2Jy")
    c.expect(r"^Cannot log in as x\\x1b\[2Jy\. That username contains "
             r"disallowed characters")
    c.expect(r"^Enter a name:")
    c.type("a" * 65)
    c.expect(r"^Cannot log in\. That username is too long")
    c.expect(r"^Enter a name:")
    c.type("carol")
    c.expect(r"^Successfully logged in as carol!$")
    assert b"\x1b" not in c.out


def test_message_from_other_user_shows_while_idle(procs, chat):
    d = procs.chatd()
    c = logged_in(chat, d, "dave")
    eve = login(procs.client(d, name="eve"), "eve")
    eve.send("SEND dave hello there, dave")
    eve.expect(r"^SEND-OK$")
    c.expect(r"^From eve: hello there, dave$")
    c.type("@eve hi back")
    c.expect(r"^Message sent\.$")
    eve.expect(r"^DELIVERY dave hi back$")


@pytest.mark.parametrize("dialect", ["original", "newer"])
def test_both_dialects(procs, chat, dialect):
    d = procs.chatd("--only-dialect", dialect)
    c = logged_in(chat, d, "frank")
    c.type("!who")
    c.expect(r"^There are \d+ online users:$")
    c.expect(r"^  echobot$")
    c.type("@nobody are you there")
    c.expect(r"^The destination user does not exist$")
    c.type("!who")          # the dialect is remembered: no error either
    c.expect(r"^There are \d+ online users:$")
    c.type("@echobot ping")
    c.expect(r"^From echobot: ping$")
    c.expect_none(r"Error|Unexpected|Reply to nothing")


def test_control_characters_escaped(procs, chat):
    d = procs.chatd()
    c = logged_in(chat, d, "gina")
    eve = login(procs.client(d, name="eve"), "eve")
    eve.send_raw(b"SEND gina a\x07b\x1b[31mc\x7fd\xc2\x9be\xffz \xc3\xa9\n")
    eve.expect(r"^SEND-OK$")
    c.expect(r"^From eve: a\\x07b\\x1b\[31mc\\x7fd\\u009be\\xffz \xc3\xa9$"
             .encode())
    for raw in (b"\x07", b"\x1b", b"\x7f", b"\xc2\x9b", b"\xff"):
        assert raw not in c.out


def test_bad_commands_get_hints(procs, chat):
    d = procs.chatd()
    c = logged_in(chat, d, "hank")
    c.type("hello")
    c.expect(r"^Commands: @user message, !who, !quit$")
    c.type("@echobot")
    c.expect(r"^Usage: @user message$")
    c.type("@bad,name hi")
    c.expect(r"^The destination user does not exist$")


def test_end_of_input_waits_for_replies(procs, chat):
    d = procs.chatd()
    c = chat(d)
    c.type("ivy")
    c.type("!who")
    c.close_stdin()
    assert c.wait() == 0
    assert re.search(rb"^  ivy$", c.out, re.M), c.transcript()


def test_server_gone_exits_with_message(procs, chat):
    d = procs.chatd()
    c = logged_in(chat, d, "jack")
    assert d.stop() == 0
    c.expect(r"server closed the connection")
    assert c.wait() == 1


def test_server_full(procs, chat):
    d = procs.chatd("--max-clients", "1")
    login(procs.client(d, name="kim"), "kim")
    c = chat(d)
    c.type("lee")
    c.expect(r"^Cannot log in\. The server is full!$")
    assert c.wait() == 1


def test_ipv6_target(procs, chat):
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    d = procs.chatd(bind="::1")
    c = logged_in(chat, d, "mo")
    c.type("@echobot v6")
    c.expect(r"^From echobot: v6$")


@pytest.mark.parametrize("target,why", [
    ("127.0.0.1:99999", "bad port"), ("127.0.0.1:", "bad port"),
    ("127.0.0.1:5x", "bad port"), ("[::1", "bad address"),
    ("[::1]5378", "bad address"), (":5378", "empty host")])
def test_bad_target(chat, target, why):
    c = chat(target)
    c.expect(r"^chat: %s" % why)
    assert c.wait() == 2


def test_connection_refused(chat):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                               # nothing listens there now
    c = chat("127.0.0.1:%d" % port)
    c.type("ned")
    c.expect(r"cannot connect to 127\.0\.0\.1 port %d" % port)
    assert c.wait() == 1


def test_terminal_shows_messages_while_typing(procs, chat):
    d = procs.chatd()
    c = chat(d, tty=True)
    c.expect(r"Enter a name: ", partial=True)
    c.type("olga\n")
    c.expect(r"Successfully logged in as olga!")
    c.type("hel")                        # half a line, no Enter yet
    c.expect(r"> hel", partial=True)
    eve = login(procs.client(d, name="eve"), "eve")
    eve.send("SEND olga are you typing?")
    # the message goes above the line being typed, which is drawn again
    c.expect(r"\r\x1b\[KFrom eve: are you typing\?\r\n\r\x1b\[K> hel",
             partial=True)
    c.type("\x7flp\n")                   # erase a character, go on
    c.expect(r"Commands: @user message, !who, !quit")
    c.type("!wz\x17!who\x1b[A\n")        # ^W erases a word, arrows ignored
    c.expect(r"  echobot\r\n")
    c.type("\x04")                       # ^D on an empty line: quit
    assert c.wait() == 0
    mode = termios.tcgetattr(c.reopen())[3]
    assert mode & termios.ICANON and mode & termios.ECHO, "terminal left raw"


def test_overlong_server_line_dropped_then_go_on(procs, chat):
    d = procs.chatd("--line-max", "200000")
    c = logged_in(chat, d, "pia")
    eve = login(procs.client(d, name="eve"), "eve")
    eve.send("SEND pia " + "y" * 60000)     # under chat's 64 KiB: shown
    c.expect(r"^From eve: y{60000}$")
    eve.send("SEND pia " + "x" * 100000)    # over it: dropped, said so
    c.expect(r"^\(a line of over 65536 bytes from the server was dropped\)$")
    eve.send("SEND pia still here")
    c.expect(r"^From eve: still here$")
    assert b"xxxxx" not in c.out


class ScriptedServer:
    """A fake server for replies chatd never sends: answer(line) gives
    (bytes to send, close?) for each line; one connection at a time."""

    def __init__(self, answer):
        self.answer = answer
        self.lines = []
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                self._serve(conn)

    def _serve(self, conn):
        buf = b""
        conn.settimeout(0.2)
        while self.running:
            try:
                chunk = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.lines.append(line)
                reply, close = self.answer(line)
                conn.sendall(reply)
                if close:
                    return

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def scripted_answer(line):
    if line == b"HELLO-FROM bad":
        return b"BAD-RQST-BODY\n", True
    if line.startswith(b"HELLO-FROM "):
        return (b"HELLO " + line[11:] + b"\nSEND-OK\nWHAT\x07EVER\n",
                False)
    if line in (b"WHO", b"LIST"):
        return b"BAD-RQST-HDR\n", False
    return b"BAD-RQST-BODY\n", False


def test_error_replies_from_a_scripted_server(chat):
    srv = ScriptedServer(scripted_answer)
    try:
        c = chat("127.0.0.1:%d" % srv.port)
        c.type("bad")       # valid here, refused by this server
        c.expect(r"^Cannot log in as bad\. That username contains "
                 r"disallowed characters\.$")
        c.expect(r"^Enter a name:$")
        c.type("good")
        c.expect(r"^Successfully logged in as good!$")
        c.expect(r"^Reply to nothing we asked: SEND-OK$")
        c.expect(r"^Unrecognised line from the server: WHAT\\x07EVER$")
        c.type("!who")      # WHO, then LIST: both unknown
        c.expect(r"^Error: Unknown issue in previous message header\.$")
        c.type("@someone hi")
        c.expect(r"^Error: Unknown issue in previous message body\.$")
        c.type("!quit")
        assert c.wait() == 0
        assert srv.connections == 2
        assert c.out.count(b"message header") == 1, c.transcript()
        assert srv.lines == [b"HELLO-FROM bad", b"HELLO-FROM good", b"WHO",
                             b"LIST", b"SEND someone hi"]
    finally:
        srv.stop()


def test_interrupt_gives_the_terminal_back(procs, chat):
    d = procs.chatd()
    c = chat(d, tty=True)
    c.expect(r"Enter a name: ", partial=True)
    c.type("pat\n")
    c.expect(r"Successfully logged in as pat!")
    c.type("half a li")
    c.expect(r"> half a li", partial=True)
    c.proc.send_signal(signal.SIGINT)    # as ^C does
    assert c.wait() == 128 + signal.SIGINT
    mode = termios.tcgetattr(c.reopen())[3]
    assert mode & termios.ICANON and mode & termios.ECHO, "terminal left raw"


def newer_answer(line):
    if line.startswith(b"HELLO-FROM "):
        return b"HELLO " + line[11:] + b"\n", False
    if line == b"LIST":
        return b"LIST-OK echobot,quinn\n", False
    return b"BAD-RQST-HDR\n", False


def test_dialect_is_remembered(chat):
    srv = ScriptedServer(newer_answer)
    try:
        c = chat("127.0.0.1:%d" % srv.port)
        c.type("quinn")
        c.expect(r"^Successfully logged in as quinn!$")
        c.type("!who")
        c.expect(r"^There are 2 online users:$")
        c.type("!who")
        c.expect(r"^There are 2 online users:$")
        c.type("!quit")
        assert c.wait() == 0
        assert srv.lines == [b"HELLO-FROM quinn", b"WHO", b"LIST", b"LIST"]
    finally:
        srv.stop()


def test_piped_burst_waits_for_replies(procs, chat):
    """More requests than chat keeps pending: it stops reading until the
    replies come, so every message is sent and answered."""
    d = procs.chatd()
    c = chat(d)
    c.proc.stdin.write(b"rose\n" + b"".join(
        b"@echobot n%d\n" % i for i in range(1000)))
    c.close_stdin()
    assert c.wait() == 0
    assert c.out.count(b"\nMessage sent.\n") == 1000, c.transcript()[-2000:]
    assert re.search(rb"^From echobot: n999$", c.out, re.M)
    assert b"Too many" not in c.out
