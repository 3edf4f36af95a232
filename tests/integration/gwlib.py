"""Helpers for the chatircd integration tests (test_gw_*.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import CHATIRCD, login  # noqa: E402,F401


def irc(procs, gw, nick, caps=None, name=None):
    """An IRC client registered as nick (maybe under another name):
    returns it with .nick set to the nick in the 001."""
    c = procs.client(gw, eol=b"\r\n", name=name or nick)
    if caps:
        c.send("CAP LS 302")
        c.send("CAP REQ :" + caps)
    c.send("NICK " + nick)
    c.send("USER u 0 * :Real Name")
    if caps:
        c.expect(r" CAP \S+ ACK ")
        c.send("CAP END")
    c.nick = c.expect(r" 001 (\S+) ").group(1)
    c.expect(r" (376|422) ")
    return c


def chat(procs, chatd, name):
    """A plain chat-protocol client logged in as name."""
    c = procs.client(chatd, name=name)
    login(c, name)
    return c


class FakeUpstream:
    """A scripted chat server: logs everyone in, answers WHO/LIST with
    self.users when self.answer_who, and never answers SEND unless
    self.answer_send. Lines it got are in self.got; push() writes raw
    bytes to the newest connection."""

    def __init__(self):
        import socket
        import threading
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        self.conns = []
        self.got = []
        self.users = ["echobot"]
        self.answer_who = True
        self.answer_send = False
        self.lock = threading.Lock()
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()

    def _accept(self):
        import threading
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _serve(self, c):
        buf = b""
        while True:
            try:
                chunk = c.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.decode(errors="replace")
                self.got.append(line)
                self.answer(c, line)

    def answer(self, c, line):
        """What the scripted server says to one line from connection c."""
        if line.startswith("HELLO-FROM "):
            c.sendall(("HELLO %s\n" % line[11:]).encode())
        elif line in ("WHO", "LIST") and self.answer_who:
            c.sendall(("%s-OK %s\n" % (line, ",".join(
                self.users))).encode())
        elif line.startswith("SEND ") and self.answer_send:
            c.sendall(b"SEND-OK\n")

    def push(self, data):
        if isinstance(data, str):
            data = data.encode()
        with self.lock:
            self.conns[-1].sendall(data)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


class BreakingUpstream(FakeUpstream):
    """Logs everyone in, then closes each connection 0.2 s later."""

    def _serve(self, c):
        import socket
        import threading

        def shut():
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        threading.Timer(0.2, shut).start()
        super()._serve(c)
