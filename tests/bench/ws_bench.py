#!/usr/bin/env python3
"""WebSocket benchmark (not a test): the relay of gateway_bench.py over
IRCv3 WebSocket (binary.ircv3.net at /socket of --http-listen) and over
TCP, against one chatd and one chatircd in the same run, and the memory
an idle registered WebSocket session costs the gateway. Goals (issue 15):
WebSocket relay >= 0.8x TCP, < 12 KiB per idle WebSocket session.

  python3 tests/bench/ws_bench.py [--pairs 50] [--messages 1000] [--rounds 3]
      [--idle 1000] [--build build]
"""
import base64
import os
import re
import selectors
import socket
import struct
import sys
import time

from benchlib import binaries, relay_args, start_chatd, start_ports as start, stop


def frame(line):
    """A client frame; the mask key 0 is legal and costs no time here."""
    data = line.encode()
    n = len(data)
    head = struct.pack("!BB", 0x82, 0x80 | n) if n < 126 else \
        struct.pack("!BBH", 0x82, 0x80 | 126, n)
    return head + b"\0\0\0\0" + data


class Tcp:
    def connect(self, port):
        return socket.create_connection(("127.0.0.1", port))

    def lines(self, lines):
        return "".join(l + "\r\n" for l in lines).encode()


class Ws(Tcp):
    def connect(self, port):
        s = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(("GET /socket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: binary.ircv3.net\r\n\r\n" %
                   key).encode())
        return s

    def lines(self, lines):
        return b"".join(frame(l) for l in lines)


def register(kind, port, nick):
    s = kind.connect(port)
    s.sendall(kind.lines(["NICK " + nick, "USER b 0 * :b"]))
    buf = b""
    while b" 001 " not in buf or not re.search(rb" (376|422) ", buf):
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("%s: closed during registration: %r" % (nick, buf))
        buf += chunk
    return s, re.search(rb" 001 (\S+) ", buf).group(1).decode()


def cpu_s(pid):
    """User + system CPU seconds of pid so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def relay(kind, tag, port, pairs, messages, window, pid):
    senders, receivers = [], []
    for i in range(pairs):
        a, _ = register(kind, port, "%ss%d" % (tag, i))
        b, bn = register(kind, port, "%sr%d" % (tag, i))
        senders.append((a, bn))
        receivers.append(b)
    sel = selectors.DefaultSelector()
    for b in receivers:
        b.setblocking(False)
        sel.register(b, selectors.EVENT_READ)
    sent, recvd = [0] * pairs, [0] * pairs
    idx = {b: i for i, b in enumerate(receivers)}
    total, done, text = pairs * messages, 0, "x" * 80
    t0 = time.monotonic()
    c0 = cpu_s(pid)
    while done < total:
        for i, (a, bn) in enumerate(senders):
            burst = []
            while sent[i] < messages and sent[i] - recvd[i] < window:
                burst.append("PRIVMSG %s :%d %s" % (bn, sent[i], text))
                sent[i] += 1
            if burst:
                a.sendall(kind.lines(burst))
        for key, _ in sel.select(timeout=1.0):
            chunk = key.fileobj.recv(262144)
            if not chunk:
                sys.exit("receiver closed")
            n = chunk.count(b" PRIVMSG ")
            recvd[idx[key.fileobj]] += n
            done += n
        if time.monotonic() - t0 > 120:
            sys.exit("timed out: %d of %d" % (done, total))
    elapsed = time.monotonic() - t0
    cpu = cpu_s(pid) - c0
    for s in [a for a, _ in senders] + receivers:
        s.close()
    return total / elapsed, cpu * 1e6 / total


def idle(kind, tag, pid, port, n):
    time.sleep(0.5)
    before = rss_kib(pid)
    socks = [register(kind, port, "%si%d" % (tag, i))[0] for i in range(n)]
    time.sleep(0.5)
    after = rss_kib(pid)
    for s in socks:
        s.close()
    time.sleep(0.5)
    return (after - before) / n


def main():
    args = relay_args(1000, 1000, [("--rounds", 3)])
    chatd, chatircd = binaries(args.build)
    d, dport = start_chatd(chatd)
    g, (gport, hport) = start([chatircd, "--listen", "127.0.0.1:0",
                               "--http-listen", "127.0.0.1:0",
                               "--upstream", "127.0.0.1:%d" % dport,
                               "--per-address", "100000"], want=2)
    try:
        # rounds alternate, so a busy moment of the machine hits both
        tcps, wss = [], []
        for r in range(args.rounds):
            tcps.append(relay(Tcp(), "t%d" % r, gport, args.pairs,
                              args.messages, args.window, g.pid))
            wss.append(relay(Ws(), "w%d" % r, hport, args.pairs,
                             args.messages, args.window, g.pid))
        mid = len(tcps) // 2
        tcp, ws = sorted(tcps)[mid], sorted(wss)[mid]
        tcpu = sorted(c for _, c in tcps)[mid]
        wcpu = sorted(c for _, c in wss)[mid]
        print("relay: %d pairs x %d messages, median of %d rounds: TCP "
              "%.0f msgs/s, WebSocket %.0f msgs/s: %.2fx (goal >= 0.8x)" % (
                  args.pairs, args.messages, args.rounds, tcp[0], ws[0],
                  ws[0] / tcp[0]))
        print("gateway CPU per message relayed: TCP %.1f us, WebSocket "
              "%.1f us: %.2fx as many messages per CPU second" % (
                  tcpu, wcpu, tcpu / wcpu))
        if args.idle:
            t = idle(Tcp(), "t", g.pid, gport, args.idle)
            w = idle(Ws(), "w", g.pid, hport, args.idle)
            print("idle: %d registered sessions: TCP %.2f KiB, WebSocket "
                  "%.2f KiB per session (goal < 12 KiB; user space, "
                  "kernel socket buffers apart)" % (args.idle, t, w))
    finally:
        stop(g, d)


if __name__ == "__main__":
    main()
