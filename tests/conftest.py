"""Fixtures shared by the integration and client tests.

Every process runs for real on loopback: chatd, chatircd and the clients.
Binaries come from CHATD_BIN / CHATIRCD_BIN / CHAT_BIN (set by ctest), or
from build/ when pytest is run by hand.
"""
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary(env, rel):
    return os.environ.get(env) or os.path.join(ROOT, "build", rel)


CHATD = binary("CHATD_BIN", "contrib/chatd/chatd")
CHATIRCD = binary("CHATIRCD_BIN", "gateway/chatircd")
CHAT = binary("CHAT_BIN", "contrib/chat/chat")

LISTEN_RE = re.compile(rb"listening on (\S+):(\d+)")

# DAEMON_WRAPPER="valgrind --error-exitcode=99 ..." runs every daemon under
# it (scripts/test.sh does, for its valgrind pass).
WRAPPER = shlex.split(os.environ.get("DAEMON_WRAPPER", ""))
START_TIMEOUT = 30.0 if WRAPPER else 10.0


class Daemon:
    """A real process that prints 'listening on ADDR:PORT' once ready."""

    def __init__(self, argv, name):
        self.name = name
        self.argv = argv
        self.errlog = tempfile.NamedTemporaryFile(
            prefix=name + "-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(WRAPPER + argv, stdout=subprocess.PIPE,
                                     stderr=self.errlog,
                                     stdin=subprocess.DEVNULL)
        self.host, self.port = self._wait_listening(START_TIMEOUT)

    def _wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                m = LISTEN_RE.search(buf)
                if m:
                    self.stdout_seen = buf      # for listening_all()
                    host = m.group(1).decode().strip("[]")
                    return host, int(m.group(2))
            if self.proc.poll() is not None:
                break
        self.proc.kill()
        raise AssertionError("%s did not start: stdout=%r stderr=%s" %
                             (self.name, buf, self.stderr()))

    def listening_all(self, n, timeout=START_TIMEOUT):
        """The first n 'listening on ADDR:PORT[ (tls)]' lines, as
        (host, port, tls) tuples."""
        rx = re.compile(rb"listening on \[?([^\s\]]+?)\]?:(\d+)( \(tls\))?\n")
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while len(rx.findall(self.stdout_seen)) < n:
            left = deadline - time.monotonic()
            r, _, _ = select.select([fd], [], [], max(left, 0))
            chunk = os.read(fd, 4096) if r else b""
            if not chunk:
                raise AssertionError("%s: fewer than %d listening lines: "
                                     "%r\n%s" % (self.name, n,
                                                 self.stdout_seen,
                                                 self.stderr()))
            self.stdout_seen += chunk
        return [(h.decode(), int(p), bool(t))
                for h, p, t in rx.findall(self.stdout_seen)[:n]]

    def stderr(self):
        with open(self.errlog.name, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30.0 if WRAPPER else 10.0):
        """SIGTERM and wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("%s ignored SIGTERM" % self.name)
        self.proc.stdout.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class LineClient:
    """A raw TCP client that reads like a transcript.

    send() writes one line (adding the terminator), expect() waits for a
    line matching a regex and fails with everything seen so far.
    """

    def __init__(self, host, port, eol=b"\n", name="client", timeout=5.0):
        self.name = name
        self.eol = eol
        self.timeout = timeout
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.buf = b""
        self.lines = []         # every line received, in order
        self.unread = []        # received, not yet matched by expect()
        self.closed = False

    def send(self, line, eol=None):
        if isinstance(line, str):
            line = line.encode()
        self.sock.sendall(line + (self.eol if eol is None else eol))

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0 or self.closed:
            return False
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            return False
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.endswith(b"\r"):
                line = line[:-1]
            text = line.decode("utf-8", errors="replace")
            self.lines.append(text)
            self.unread.append(text)
        return True

    def transcript(self):
        return "\n".join("  %s <- %s" % (self.name, l) for l in self.lines)

    def expect(self, pattern, timeout=None):
        """Wait for a line matching pattern; consume lines up to it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, line in enumerate(self.unread):
                m = rx.search(line)
                if m:
                    del self.unread[:i + 1]
                    return m
            if not self._fill(deadline) and (
                    self.closed or time.monotonic() >= deadline):
                raise AssertionError(
                    "%s: no line matching %r (closed=%s)\n%s" %
                    (self.name, pattern, self.closed, self.transcript()))

    def expect_none(self, pattern, wait=0.5):
        """Assert no line matching pattern arrives within wait seconds."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            self._fill(deadline)
        for line in self.unread:
            assert not rx.search(line), "%s: unexpected %r\n%s" % (
                self.name, line, self.transcript())

    def drain(self, wait=0.2):
        """Read whatever arrives within wait seconds; return and forget it."""
        deadline = time.monotonic() + wait
        while self._fill(deadline):
            pass
        got, self.unread = self.unread, []
        return got

    def expect_closed(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.closed:
            if not self._fill(deadline) and not self.closed and \
                    time.monotonic() >= deadline:
                raise AssertionError("%s: still open\n%s" %
                                     (self.name, self.transcript()))
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Processes:
    """Starts daemons for one test and stops them all at teardown, failing
    the test if one crashed or did not exit cleanly (ASan leaks included)."""

    def __init__(self):
        self.daemons = []
        self.clients = []

    def chatd(self, *args, bind="127.0.0.1"):
        d = Daemon([CHATD, "--bind", bind, "--port", "0"] + list(args),
                   "chatd")
        self.daemons.append(d)
        return d

    def chatircd(self, upstream, *args, listen="127.0.0.1:0"):
        if isinstance(upstream, Daemon):
            host = upstream.host
            if ":" in host:
                host = "[%s]" % host
            upstream = "%s:%d" % (host, upstream.port)
        d = Daemon([CHATIRCD, "--listen", listen, "--upstream", upstream]
                   + list(args), "chatircd")
        self.daemons.append(d)
        return d

    def client(self, daemon, eol=b"\n", name="client", timeout=5.0):
        c = LineClient(daemon.host, daemon.port, eol=eol, name=name,
                       timeout=timeout)
        self.clients.append(c)
        return c

    def teardown(self):
        for c in self.clients:
            c.close()
        bad = []
        for d in reversed(self.daemons):
            if d.proc.poll() is not None and d.proc.stdout.closed:
                continue        # stopped on purpose by the test
            rc = d.stop()
            if rc != 0:
                bad.append("%s exited %s\n%s" % (d.name, rc, d.stderr()))
        for d in self.daemons:
            os.unlink(d.errlog.name)
        if bad:
            raise AssertionError("\n".join(bad))


@pytest.fixture
def procs():
    p = Processes()
    yield p
    p.teardown()


def login(c, name):
    """Chat-protocol login; returns after HELLO."""
    c.send("HELLO-FROM " + name)
    c.expect(r"^HELLO %s$" % re.escape(name))
    return c


def make_cert(directory, name="gw"):
    """A self-signed certificate for localhost and 127.0.0.1 (made with
    the openssl command, as an operator would): returns (cert, key,
    SHA-256 fingerprint of the DER certificate, lower-case hex)."""
    cert = os.path.join(str(directory), name + "-cert.pem")
    key = os.path.join(str(directory), name + "-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True,
                   capture_output=True, timeout=60)
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint",
                          "-sha256", "-in", cert], check=True,
                         capture_output=True, text=True).stdout
    fp = out.strip().split("=", 1)[1].replace(":", "").lower()
    return cert, key, fp


@pytest.fixture(scope="session")
def pg():
    """The session's PostgreSQL server (tests/pglib.py), stopped at the
    end; skips where Debian's postgresql is not installed."""
    import pglib
    if not pglib.available():
        pytest.skip("postgresql not installed (scripts/deps.sh test)")
    yield pglib.server()
    pglib.shutdown()


@pytest.fixture(params=["sqlite", "postgres"])
def store_db(request, tmp_path):
    """Where a fresh, empty store lives, once per backend: a SQLite file
    or a new database on the session's PostgreSQL server (a libpq URI)."""
    if request.param == "sqlite":
        return str(tmp_path / "bouncer.db")
    return request.getfixturevalue("pg").fresh()
