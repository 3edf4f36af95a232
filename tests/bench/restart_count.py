#!/usr/bin/env python3
"""chatircd restart count (not a test): N IRC sessions (echo-message)
chat with echobot; chatd is killed, each session types M messages while
it is down, chatd restarts on the same port. Every message typed is then
either delivered (its echo: SEND-OK came), reported "not confirmed" or
reported "not delivered" (past --hold-max); prints the counts and how
long the sessions took to log in again.

  python3 tests/bench/restart_count.py [--sessions 5] [--messages 20]
      [--hold-max 100] [--down 2.0] [--build build]
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def start(argv):
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    m = re.search(r"listening on (\S+):(\d+)", p.stdout.readline().decode())
    if not m:
        p.kill()
        sys.exit("did not start: %r" % argv)
    return p, int(m.group(2))


class Irc:
    def __init__(self, port, nick):
        self.nick = nick
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setblocking(False)
        self.buf = b""
        self.lines = []
        self.send("CAP REQ :echo-message")
        self.send("NICK %s" % nick)
        self.send("USER b 0 * :b")
        self.send("CAP END")
        self.wait(r" (376|422) ", 10)

    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")

    def pump(self):
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    return
                self.buf += chunk
        except BlockingIOError:
            pass
        *done, self.buf = self.buf.split(b"\r\n")
        self.lines += [x.decode(errors="replace") for x in done]

    def wait(self, rx, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump()
            if any(re.search(rx, x) for x in self.lines):
                return True
            time.sleep(0.02)
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--messages", type=int, default=20)
    ap.add_argument("--hold-max", type=int, default=100)
    ap.add_argument("--down", type=float, default=2.0)
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    build = os.path.join(ROOT, a.build)
    chatd = os.path.join(build, "contrib/chatd/chatd")
    gwbin = os.path.join(build, "gateway/chatircd")
    d, dport = start([chatd, "--bind", "127.0.0.1", "--port", "0"])
    g, gport = start([gwbin, "--listen", "127.0.0.1:0", "--upstream",
                      "127.0.0.1:%d" % dport, "--hold-max",
                      str(a.hold_max), "--reconnect-min", "200",
                      "--reconnect-max", "1000"])
    try:
        users = [Irc(gport, "u%d" % i) for i in range(a.sessions)]
        typed = {}
        for u in users:
            for i in range(3):      # in flight when chatd dies
                t = "%s-inflight%d" % (u.nick, i)
                u.send("PRIVMSG echobot :" + t)
                typed[t] = u
        d.kill()
        d.wait()
        for u in users:
            u.wait(r"the gateway is reconnecting", 5)
        for u in users:
            for i in range(a.messages):
                t = "%s-down%d" % (u.nick, i)
                u.send("PRIVMSG echobot :" + t)
                typed[t] = u
        time.sleep(a.down)
        t0 = time.monotonic()
        d, _ = start([chatd, "--bind", "127.0.0.1", "--port", str(dport)])
        back = [u.wait(r"Reconnected to the chat server", 30)
                for u in users]
        relogin = time.monotonic() - t0
        time.sleep(1.0)
        placed = {}
        rx = re.compile(r"^:\S+ PRIVMSG echobot :(\S+)$|Message to echobot "
                        r"(not confirmed|not delivered): .*: (\S+)$")
        for u in users:
            u.pump()
            for line in u.lines:
                m = rx.search(line)
                if m and (m.group(1) or m.group(3)) in typed:
                    placed.setdefault(m.group(1) or m.group(3),
                                      "delivered" if m.group(1)
                                      else m.group(2))
        counts = {"delivered": 0, "not confirmed": 0, "not delivered": 0}
        for t in typed:
            if t in placed:
                counts[placed[t]] += 1
        unaccounted = len(typed) - len(placed)
        print("sessions %d, typed %d (3 each in flight at the kill, %d "
              "each while down), hold-max %d" % (a.sessions, len(typed),
                                                a.messages, a.hold_max))
        print("delivered %d, not confirmed %d, not delivered %d, "
              "unaccounted %d" % (counts["delivered"],
                                  counts["not confirmed"],
                                  counts["not delivered"], unaccounted))
        print("logged in again: %d/%d sessions, %.2f s after chatd came "
              "back" % (sum(back), len(users), relogin))
    finally:
        for p in (g, d):
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
