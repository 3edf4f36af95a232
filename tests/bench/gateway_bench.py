#!/usr/bin/env python3
"""chatircd relay benchmark (not a test): N IRC pairs on loopback, each
sender -> chatircd -> chatd -> chatircd -> its partner. Prints messages
per second relayed end to end, and with --idle the memory an idle
registered session costs the gateway.

  python3 tests/bench/gateway_bench.py [--pairs 50] [--messages 400]
      [--idle 1000] [--build build]
"""
import re
import selectors
import socket
import sys
import time

from benchlib import binaries, relay_args, start, start_chatd, stop


def register(port, nick):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("NICK %s\r\nUSER b 0 * :b\r\n" % nick).encode())
    buf = b""
    while b" 001 " not in buf or not re.search(rb" (376|422) ", buf):
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("%s: closed during registration: %r" % (nick, buf))
        buf += chunk
    got = re.search(rb" 001 (\S+) ", buf).group(1).decode()
    return s, got


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def relay(port, pairs, messages, window):
    senders, receivers = [], []
    for i in range(pairs):
        a, an = register(port, "snd%d" % i)
        b, bn = register(port, "rcv%d" % i)
        senders.append((a, bn))
        receivers.append(b)
    sel = selectors.DefaultSelector()
    for b in receivers:
        b.setblocking(False)
        sel.register(b, selectors.EVENT_READ, {"buf": b"", "n": 0})
    sent = [0] * pairs
    recvd = [0] * pairs
    idx = {b: i for i, b in enumerate(receivers)}
    total = pairs * messages
    text = "x" * 80
    start_t = time.monotonic()
    done = 0
    while done < total:
        for i, (a, bn) in enumerate(senders):
            burst = []
            while sent[i] < messages and sent[i] - recvd[i] < window:
                burst.append("PRIVMSG %s :%d %s\r\n" % (bn, sent[i], text))
                sent[i] += 1
            if burst:
                a.sendall("".join(burst).encode())
        for key, _ in sel.select(timeout=1.0):
            b = key.fileobj
            chunk = b.recv(262144)
            if not chunk:
                sys.exit("receiver closed")
            n = chunk.count(b" PRIVMSG ")
            recvd[idx[b]] += n
            done += n
        if time.monotonic() - start_t > 120:
            sys.exit("timed out: %d of %d" % (done, total))
    elapsed = time.monotonic() - start_t
    for a, _ in senders:
        a.close()
    for b in receivers:
        b.close()
    return total, elapsed


def main():
    args = relay_args(400, 0)
    chatd, chatircd = binaries(args.build)
    d, dport = start_chatd(chatd)
    g, gport = start([chatircd, "--listen", "127.0.0.1:0", "--upstream",
                      "127.0.0.1:%d" % dport, "--per-address", "100000"])
    try:
        total, elapsed = relay(gport, args.pairs, args.messages,
                               args.window)
        print("relay: %d pairs, %d messages in %.2f s: %.0f msgs/s "
              "(IRC -> chatircd -> chatd -> chatircd -> IRC)" %
              (args.pairs, total, elapsed, total / elapsed))
        if args.idle:
            time.sleep(0.5)
            before = rss_kib(g.pid)
            socks = [register(gport, "idle%d" % i)[0]
                     for i in range(args.idle)]
            time.sleep(0.5)
            after = rss_kib(g.pid)
            print("idle: %d registered sessions: gateway RSS %d -> %d KiB,"
                  " %.2f KiB per session (user space; kernel socket "
                  "buffers apart)" % (args.idle, before, after,
                                      (after - before) / args.idle))
            for s in socks:
                s.close()
    finally:
        stop(g, d)


if __name__ == "__main__":
    main()
