#!/usr/bin/env python3
"""chatd throughput and latency: sender/receiver pairs on loopback.

Each pair logs in as sN and rN; sN sends `SEND rN <seq> <send time>`
keeping at most --window SENDs without their SEND-OK, rN notes when each
DELIVERY arrives. Prints messages per second (deliveries / wall time) and
latency percentiles. Not a test: figures only.

  tests/bench/chatd_bench.py [--chatd BIN | --connect HOST:PORT]
      [--pairs 50] [--messages 10000] [--window 32] [--procs 2] [--size 32]
"""
import argparse
import multiprocessing
import os
import re
import selectors
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def start_chatd(binary):
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", "0",
                             "--no-bots"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    m = re.match(r"listening on (\S+):(\d+)", line)
    if not m:
        proc.kill()
        sys.exit("chatd did not start: %r" % line)
    return proc, m.group(1), int(m.group(2))


class Conn:
    def __init__(self, host, port, name):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(b"HELLO-FROM %s\n" % name.encode())
        buf = b""
        while b"\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                sys.exit("%s: closed during login" % name)
            buf += chunk
        if not buf.startswith(b"HELLO "):
            sys.exit("%s: login failed: %r" % (name, buf))
        self.sock.setblocking(False)
        self.buf = buf.split(b"\n", 1)[1]
        self.out = b""

    def lines(self):
        data = self.sock.recv(262144)
        if not data:
            raise EOFError
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        return lines


def run_pairs(host, port, first, count, messages, window, size, barrier,
              results):
    pad = b"x" * max(0, size - 24)
    pairs = []
    for i in range(first, first + count):
        s = Conn(host, port, "s%d" % i)
        r = Conn(host, port, "r%d" % i)
        pairs.append({"s": s, "r": r, "dest": b"r%d" % i, "next": 0,
                      "acked": 0, "got": 0})
    sel = selectors.DefaultSelector()
    for p in pairs:
        sel.register(p["s"].sock, selectors.EVENT_READ, (p, "s"))
        sel.register(p["r"].sock, selectors.EVENT_READ, (p, "r"))
    barrier.wait()
    lat = []
    todo = count * messages

    def fill(p):
        s = p["s"]
        chunk = []
        while p["next"] < messages and p["next"] - p["acked"] < window:
            chunk.append(b"SEND %s %d %d %s\n" % (
                p["dest"], p["next"], time.monotonic_ns(), pad))
            p["next"] += 1
        if chunk:
            s.out += b"".join(chunk)
        if s.out:
            try:
                n = s.sock.send(s.out)
                s.out = s.out[n:]
            except BlockingIOError:
                pass

    for p in pairs:
        fill(p)
    while todo > 0:
        for key, _ in sel.select(10):
            p, side = key.data
            conn = p[side]
            for line in conn.lines():
                if side == "s":
                    if line == b"SEND-OK":
                        p["acked"] += 1
                    else:
                        raise SystemExit("sender got %r" % line[:80])
                else:
                    now = time.monotonic_ns()
                    parts = line.split(b" ", 4)
                    lat.append(now - int(parts[3]))
                    p["got"] += 1
                    todo -= 1
            if side == "s" or conn.out:
                fill(p)
    for p in pairs:
        p["s"].sock.close()
        p["r"].sock.close()
    results.put(lat)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(sorted_ns, q):
    i = min(len(sorted_ns) - 1, int(q * len(sorted_ns)))
    return sorted_ns[i] / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chatd", default=os.environ.get(
        "CHATD_BIN", os.path.join(ROOT, "build", "contrib/chatd/chatd")))
    ap.add_argument("--connect", help="HOST:PORT of a running chatd")
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--messages", type=int, default=10000,
                    help="per sender")
    ap.add_argument("--window", type=int, default=32,
                    help="SENDs in flight per sender")
    ap.add_argument("--size", type=int, default=32,
                    help="bytes of text per message")
    ap.add_argument("--procs", type=int, default=2,
                    help="client processes")
    a = ap.parse_args()

    proc = None
    if a.connect:
        host, port = a.connect.rsplit(":", 1)
        port = int(port)
    else:
        proc, host, port = start_chatd(a.chatd)
    procs = max(1, min(a.procs, a.pairs))
    barrier = multiprocessing.Barrier(procs + 1)
    results = multiprocessing.Queue()
    workers, first = [], 0
    for k in range(procs):
        count = a.pairs // procs + (1 if k < a.pairs % procs else 0)
        w = multiprocessing.Process(target=run_pairs, args=(
            host, port, first, count, a.messages, a.window, a.size,
            barrier, results))
        w.start()
        workers.append(w)
        first += count
    barrier.wait()
    cpu0 = cpu_seconds(proc.pid) if proc else 0.0
    t0 = time.monotonic()
    lat = []
    for _ in workers:
        lat += results.get()
    elapsed = time.monotonic() - t0
    cpu = (cpu_seconds(proc.pid) - cpu0) if proc else 0.0
    for w in workers:
        w.join()
    if proc:
        proc.terminate()
        proc.wait(10)
    lat.sort()
    total = len(lat)
    print("chatd bench: %d pairs, %d messages of %d bytes, window %d, "
          "%d client processes" % (a.pairs, total, a.size, a.window, procs))
    print("  %.0f messages/second (%.2f s)" % (total / elapsed, elapsed))
    print("  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f" % (
        pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), lat[-1] / 1e6))
    if proc:
        print("  chatd CPU: %.2f s (%.0f%% of one core)" % (
            cpu, 100 * cpu / elapsed))


if __name__ == "__main__":
    main()
