#!/usr/bin/env python3
"""Presence polling load (not a test): N idle IRC sessions logged in to
chatircd, which talks to chatd through a counting proxy; prints how many
user-list requests (WHO or LIST) reach the chat server per second once
everyone is logged in and idle.

  python3 tests/bench/presence_load.py [--sessions 1000] [--seconds 30]
      [--poll-interval 5] [--settle 3] [--build build]

Per-session upstream keep-alives (reconnect.c, --keepalive, a backstop:
600 s of silence by default, 60 s before the shared poll became the
liveness probe) come on top once the sessions have been idle that long:
--settle 70 shows whether any come after 60 s.
"""
import argparse
import asyncio
import os
import resource
import selectors
import socket
import threading
import time

from benchlib import ROOT, start


class CountingProxy:
    """gateway -> proxy -> chatd; counts WHO/LIST lines going upstream."""

    def __init__(self, upstream_port):
        self.up = upstream_port
        self.requests = 0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,),
                         daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        srv = self.loop.run_until_complete(asyncio.start_server(
            self._conn, "127.0.0.1", 0, backlog=2048))
        self.port = srv.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _conn(self, r, w):
        ur, uw = await asyncio.open_connection("127.0.0.1", self.up)
        await asyncio.gather(self._pump(r, uw, True),
                             self._pump(ur, w, False))

    async def _pump(self, r, w, count):
        while True:
            line = await r.readline()
            if not line:
                w.close()
                return
            if count and line in (b"WHO\n", b"LIST\n"):
                self.requests += 1
            w.write(line)
            await w.drain()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--poll-interval", type=int, default=5)
    ap.add_argument("--settle", type=float, default=3.0,
                    help="idle seconds before counting")
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    b = os.path.join(ROOT, a.build)
    n = a.sessions
    chatd, cport = start([os.environ.get("CHATD_BIN", b +
                          "/contrib/chatd/chatd"), "--port", "0",
                          "--max-clients", str(n + 100)])
    proxy = CountingProxy(cport)
    gw, gport = start([os.environ.get("CHATIRCD_BIN", b +
                       "/gateway/chatircd"), "--listen", "127.0.0.1:0",
                       "--upstream", "127.0.0.1:%d" % proxy.port,
                       "--max-clients", str(n + 100), "--per-address",
                       str(n + 100), "--poll-interval",
                       str(a.poll_interval)])
    sel = selectors.DefaultSelector()
    socks = []
    try:
        t0 = time.monotonic()
        joined = 0
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", gport))
            s.sendall(b"NICK idle%d\r\nUSER b 0 * :b\r\n" % i)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, bytearray())
            socks.append(s)
            joined += drain(sel, 0)
        while joined < n and time.monotonic() - t0 < 120:
            joined += drain(sel, 0.2)
        print("%d sessions in &chat after %.1f s" %
              (joined, time.monotonic() - t0))
        if joined < n:
            print("not in &chat yet: %s" % ", ".join(
                "idle%d" % i for i, s in enumerate(socks)
                if s not in sel.get_map() or
                sel.get_map()[s].data != b"!")[:300])
        end = time.monotonic() + a.settle
        while time.monotonic() < end:
            drain(sel, 0.2)
        before = proxy.requests
        end = time.monotonic() + a.seconds
        while time.monotonic() < end:
            drain(sel, 0.2)
        got = proxy.requests - before
        print("user-list requests (WHO/LIST) at the chat server: %d in "
              "%.0f s = %.2f/s with %d idle sessions, poll-interval %d s"
              % (got, a.seconds, got / a.seconds, n, a.poll_interval))
        print("(one poll per session would be %.0f/s)" %
              (n / a.poll_interval))
    finally:
        for s in socks:
            s.close()
        gw.terminate()
        gw.wait()
        chatd.terminate()
        chatd.wait()


def drain(sel, timeout):
    """Read what arrived; returns how many sessions finished their 366."""
    done = 0
    for key, _ in sel.select(timeout):
        try:
            data = key.fileobj.recv(65536)
        except BlockingIOError:
            continue
        if not data:
            sel.unregister(key.fileobj)
            continue
        buf = key.data          # the last bytes seen, or b"!" once done
        if buf != b"!" and b" 366 " in bytes(buf) + data:
            buf[:] = b"!"
            done += 1
        elif buf != b"!":
            buf[:] = data[-8:]
    return done


if __name__ == "__main__":
    main()
