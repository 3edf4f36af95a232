"""Driving real IRC clients (irssi in tmux, weechat-headless, ii) in tests.

Every wait is bounded and fails with what the client showed (screen or log)
and the IRC traffic between client and server (recorded by a Tap, a small
logging TCP relay put in front of the server).  close() kills whatever a
driver started; the `clients` fixture closes everything at teardown.
"""
import glob
import itertools
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

WAIT = 20.0             # default bound for one wait, in seconds
_seq = itertools.count()


def unique(prefix):
    return "%s-%d-%d" % (prefix, os.getpid(), next(_seq))


def need(program):
    """Skip (with a clear reason) when a client program is not installed."""
    if shutil.which(program) is None:
        pytest.skip("%s is not installed (apt-get install it)" % program)


def wait_until(probe, what, timeout=WAIT, show=None, step=0.1):
    """Call probe() until it returns something true; return that.

    On timeout, fail with `what` and show() (the screen, a log...).
    """
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() >= deadline:
            detail = show() if show else ""
            raise AssertionError("timed out after %.0f s waiting for %s\n%s"
                                 % (timeout, what, detail))
        time.sleep(step)


def search(pattern, text):
    return re.search(pattern, text, re.M)


class Tap:
    """A logging TCP relay: clients connect to tap.port, traffic goes on to
    the real server, and every line is recorded with its direction."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.host, self.port = self.lsock.getsockname()
        self.log = []           # (connection no, "->" or "<-", bytes, t)
        self.t0 = time.monotonic()
        self.lock = threading.Lock()
        self.stopping = False
        self.pairs = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _record(self, conn, way, data, partial):
        with self.lock:
            buf = partial.get((conn, way), b"") + data
            *lines, rest = buf.split(b"\n")
            partial[(conn, way)] = rest
            now = time.monotonic() - self.t0
            for line in lines:
                self.log.append((conn, way, line.rstrip(b"\r"), now))

    def _run(self):
        peers = {}              # socket -> (other socket, conn no, way)
        partial = {}
        nconn = 0
        while not self.stopping:
            socks = [self.lsock] + list(peers)
            try:
                r, _, _ = select.select(socks, [], [], 0.1)
            except (OSError, ValueError):
                break
            for s in r:
                if s is self.lsock:
                    try:
                        c, _ = self.lsock.accept()
                        u = socket.create_connection(self.upstream, 5)
                    except OSError:
                        continue
                    nconn += 1
                    peers[c] = (u, nconn, "->")
                    peers[u] = (c, nconn, "<-")
                    self.pairs.append((c, u))
                    continue
                if s not in peers:
                    continue
                other, conn, way = peers[s]
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if data:
                    self._record(conn, way, data, partial)
                    try:
                        other.sendall(data)
                    except OSError:
                        data = b""
                if not data:
                    with self.lock:
                        self.log.append((conn, way, b"(closed)",
                                         time.monotonic() - self.t0))
                    for x in (s, other):
                        peers.pop(x, None)
                        try:
                            x.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        x.close()
        for s in list(peers) + [self.lsock]:
            s.close()

    def transcript(self, limit=150):
        with self.lock:
            rows = self.log[-limit:]
        return "\n".join("  %6.2f [%d] client %s %s" % (
            t, c, "sent" if w == "->" else "got ", l.decode(errors="replace"))
            for c, w, l, t in rows)

    def sent(self):
        """Every line the client sent, as text."""
        with self.lock:
            return [l.decode(errors="replace") for _, w, l, _ in self.log
                    if w == "->"]

    def mark(self):
        """A position in the log, for got_since()."""
        with self.lock:
            return len(self.log)

    def got_since(self, mark, pattern):
        """A line the client got after mark that matches pattern."""
        with self.lock:
            rows = self.log[mark:]
        for _, w, l, _ in rows:
            text = l.decode(errors="replace")
            if w == "<-" and re.search(pattern, text):
                return text
        return None

    def connections(self):
        """How many connections the client made through the tap."""
        with self.lock:
            return len(self.pairs)

    def close(self):
        self.stopping = True
        self.thread.join(5)


class Driver:
    """Common part: a scratch directory, a Tap, and the failure report."""

    def __init__(self, name, tap):
        self.name = name
        self.tap = tap
        self.dir = tempfile.mkdtemp(prefix=unique(name) + "-")

    def view(self):
        return ""

    def report(self):
        return "---- %s shows:\n%s\n---- IRC traffic (via tap):\n%s" % (
            self.name, self.view(), self.tap.transcript() if self.tap
            else "(none)")

    def cleanup(self):
        if getattr(self, "dir", None):
            shutil.rmtree(self.dir, ignore_errors=True)

    def _stop_proc(self, logfile):
        """Kill the client's process group (close() may follow a failed
        start, so every attribute may be missing)."""
        proc = getattr(self, "proc", None)
        if proc is not None:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        f = getattr(self, logfile, None)
        if f is not None:
            f.close()
        self.cleanup()


def _kill_tree(pid):
    """SIGKILL a process and its direct children (the client itself)."""
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                              text=True, timeout=5).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        kids = []
    for p in [pid] + [int(k) for k in kids]:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Tmux:
    """One private tmux server (-L unique name) with one window."""

    def __init__(self, argv, env, cols=160, rows=50):
        self.sock = unique("chatircd-test")
        self.base = ["tmux", "-L", self.sock, "-f", "/dev/null"]
        self.pid = None
        envargs = ["env"] + ["%s=%s" % kv for kv in env.items()]
        try:
            subprocess.run(self.base + ["new-session", "-d", "-s", "t",
                                        "-x", str(cols), "-y", str(rows)]
                           + envargs + argv, check=True, timeout=10)
            self.pid = int(self._tmux("display-message", "-p", "-t", "t",
                                      "#{pane_pid}").strip())
        except Exception:
            self.close()
            raise

    def _tmux(self, *args):
        r = subprocess.run(self.base + list(args), capture_output=True,
                           text=True, timeout=10)
        return r.stdout

    def alive(self):
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().split(") ")[1][0] != "Z"
        except OSError:
            return False

    def type(self, text):
        """Type one line and press Enter, then pause briefly: lines typed
        faster than a person would look like a paste to irssi, which then
        asks before sending them."""
        self._tmux("send-keys", "-t", "t", "-l", text)
        self._tmux("send-keys", "-t", "t", "Enter")
        time.sleep(0.05)

    def keys(self, *keys):
        self._tmux("send-keys", "-t", "t", *keys)

    def screen(self):
        return self._tmux("capture-pane", "-p", "-J", "-t", "t")

    def close(self):
        if self.alive():
            _kill_tree(self.pid)
        subprocess.run(self.base + ["kill-server"], capture_output=True,
                       timeout=10)


class Irssi(Driver):
    """irssi 1.4 at its defaults, in its own home dir, in tmux."""

    def __init__(self, tap, nick):
        need("irssi")
        need("tmux")
        super().__init__("irssi", tap)
        self.nick = nick
        env = {"HOME": self.dir, "TERM": "screen", "LANG": "C.UTF-8"}
        self.tmux = Tmux(["irssi", "--home=" + self.dir, "-n", nick], env)
        self.wait_screen(r"\[\(status\)\]", "irssi's status bar")

    def view(self):
        return self.tmux.screen()

    def type(self, text):
        self.tmux.type(text)

    def connect(self):
        self.type("/connect %s %d" % (self.tap.host, self.tap.port))

    def wait_screen(self, pattern, what=None, timeout=WAIT):
        return wait_until(lambda: search(pattern, self.tmux.screen()),
                          what or repr(pattern), timeout, self.report)

    def window(self, name, timeout=WAIT):
        """Show the window of a query or channel (as a user would), typing
        /window goto again every 2 s while that window does not exist."""
        prompt = r"^\[%s\] *$" % re.escape(name)
        last = [0.0]

        def probe():
            if search(prompt, self.tmux.screen()):
                return True
            if time.monotonic() - last[0] >= 2.0:
                self.type("/window goto " + name)
                last[0] = time.monotonic()
            return False

        wait_until(probe, "the prompt of window %s" % name, timeout,
                   self.report)

    def alive(self):
        return self.tmux.alive()

    def close(self):
        if getattr(self, "tmux", None):
            self.tmux.close()
        self.cleanup()


class WeeChat(Driver):
    """weechat-headless 3.8 at its defaults, own --dir, driven through the
    fifo plugin; what it shows is read from the logger's files."""

    def __init__(self, tap, nick):
        need("weechat-headless")
        super().__init__("weechat", tap)
        self.nick = nick
        self.out = open(os.path.join(self.dir, "stdout.txt"), "wb")
        self.proc = subprocess.Popen(
            ["weechat-headless", "--no-connect", "--dir", self.dir,
             "--run-command", "/set logger.file.flush_delay 0"],
            stdin=subprocess.DEVNULL, stdout=self.out,
            stderr=subprocess.STDOUT, env=dict(os.environ, HOME=self.dir,
                                               LANG="C.UTF-8"),
            start_new_session=True)
        self.fifo = wait_until(
            lambda: glob.glob(os.path.join(self.dir, "weechat_fifo_*")),
            "weechat's fifo", show=self.report)[0]
        self.wait_log("core.weechat", r"flush_delay = 0", "logger set up")

    def command(self, cmd):
        """Run a command as if typed in the core buffer."""
        self.in_buffer("core.weechat", cmd)

    def in_buffer(self, buf, text):
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, ("%s *%s\n" % (buf, text)).encode())
        finally:
            os.close(fd)

    def connect(self, server="t"):
        self.command("/server add %s %s/%d -nicks=%s" % (
            server, self.tap.host, self.tap.port, self.nick))
        self.command("/connect " + server)

    def log(self, buf):
        path = os.path.join(self.dir, "logs", buf.lower() + ".weechatlog")
        try:
            with open(path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def logs(self):
        return sorted(os.path.basename(p)[:-len(".weechatlog")] for p in
                      glob.glob(os.path.join(self.dir, "logs", "*.weechatlog")))

    def all_logs(self):
        """What every buffer but the core one showed, one after another."""
        return "\n".join(self.log(b) for b in self.logs()
                         if b != "core.weechat")

    def view(self):
        out = []
        for b in self.logs():
            if b != "core.weechat":
                out.append("== %s\n%s" % (b, self.log(b)[-3000:]))
        return "\n".join(out) or "(no buffer logs)"

    def wait_log(self, buf, pattern, what=None, timeout=WAIT):
        return wait_until(lambda: search(pattern, self.log(buf)),
                          "%s in buffer %s" % (what or repr(pattern), buf),
                          timeout, self.report)

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        self._stop_proc("out")


class II(Driver):
    """ii (suckless irc it): a file system of fifos and out files."""

    def __init__(self, tap, nick):
        need("ii")
        super().__init__("ii", tap)
        self.nick = nick
        self.errlog = open(os.path.join(self.dir, "stderr.txt"), "wb")
        self.root = os.path.join(self.dir, "irc")
        self.proc = subprocess.Popen(
            ["ii", "-s", tap.host, "-p", str(tap.port), "-n", nick,
             "-i", self.root],
            stdin=subprocess.DEVNULL, stdout=self.errlog,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.srv = os.path.join(self.root, tap.host)

    def write(self, text, where=""):
        """Write one line to the `in` fifo of the server or of a query."""
        path = os.path.join(self.srv, where, "in")
        wait_until(lambda: os.path.exists(path), path, show=self.report)
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, (text + "\n").encode())
        finally:
            os.close(fd)

    def out(self, where=""):
        try:
            with open(os.path.join(self.srv, where, "out"), "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def view(self):
        parts = []
        for p in sorted(glob.glob(os.path.join(self.srv, "**", "out"),
                                  recursive=True)):
            with open(p, "rb") as f:
                parts.append("== %s\n%s" % (os.path.relpath(p, self.srv),
                                            f.read()[-3000:].decode(
                                                errors="replace")))
        with open(self.errlog.name, "rb") as f:
            parts.append("== stderr\n" + f.read().decode(errors="replace"))
        return "\n".join(parts)

    def wait_out(self, pattern, where="", what=None, timeout=WAIT):
        return wait_until(lambda: search(pattern, self.out(where)),
                          "%s in %s/out" % (what or repr(pattern),
                                            where or "server"),
                          timeout, self.report)

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        self._stop_proc("errlog")


class Clients:
    """Starts clients (each behind its own Tap) and closes them all."""

    def __init__(self):
        self.things = []

    def tap(self, daemon):
        t = Tap(daemon.host, daemon.port)
        self.things.append(t)
        return t

    def _start(self, cls, daemon, nick):
        # Registered before it starts, so a client that fails to start is
        # still closed at teardown.
        c = cls.__new__(cls)
        self.things.append(c)
        c.__init__(self.tap(daemon), nick)
        return c

    def irssi(self, daemon, nick="alice"):
        return self._start(Irssi, daemon, nick)

    def weechat(self, daemon, nick="alice"):
        return self._start(WeeChat, daemon, nick)

    def ii(self, daemon, nick="alice"):
        return self._start(II, daemon, nick)

    def close(self):
        # Clients first, then the taps they talk through.
        for t in sorted(self.things, key=lambda x: isinstance(x, Tap)):
            try:
                t.close()
            except Exception:       # keep closing the others
                pass


@pytest.fixture
def clients():
    c = Clients()
    yield c
    c.close()


# ---- the chat side: raw chat-protocol users talking to chatd directly ----

def chat_user(procs, chatd, name):
    """A chat-protocol user logged in straight at chatd (not via IRC)."""
    c = procs.client(chatd, name="chat:" + name)
    c.send("HELLO-FROM " + name)
    c.expect(r"^HELLO %s$" % re.escape(name))
    return c


def chat_login_soon(procs, chatd, name, timeout=5.0):
    """Log in as name, retrying (a new connection each time, as the server
    closes after IN-USE) until the name is free or timeout passes."""
    deadline = time.monotonic() + timeout
    tries = []
    while True:
        c = procs.client(chatd, name="chat:" + name)
        c.send("HELLO-FROM " + name)
        m = c.expect(r"^(HELLO %s|IN-USE|BUSY)$" % re.escape(name))
        tries.append(m.group(1))
        if m.group(1).startswith("HELLO"):
            return c
        c.close()
        if time.monotonic() >= deadline:
            raise AssertionError("%s still not free after %.0f s: %s" %
                                 (name, timeout, tries))
        time.sleep(0.2)


def online(c):
    """The user list, asked by a chat-protocol user."""
    c.send("WHO")
    names = c.expect(r"^WHO-OK (.*)$").group(1)
    return set(n for n in names.split(",") if n)


def new_name(c, before, timeout=10.0):
    """Wait until exactly one name beyond `before` is online; return it."""
    found = [set()]

    def probe():
        found[0] = online(c) - before
        return len(found[0]) == 1

    wait_until(probe, "one new user online beyond %s" % sorted(before),
               timeout, lambda: "online now: %s" % sorted(found[0] | before),
               step=0.3)
    return found[0].pop()


def told_line(text, taken, got):
    """A line (not the 001 welcome) naming both the taken and the new name."""
    for line in text.splitlines():
        if "Welcome" in line:
            continue
        if re.search(r"\b%s\b" % re.escape(taken), line) and \
                re.search(r"\b%s\b" % re.escape(got), line):
            return line
    return None
