#!/usr/bin/python3
"""Figures for issue 19 (several gateways on one PostgreSQL database),
printed, never pass/fail:

  latency   a chat user sends to an account at RATE msg/s for SECONDS;
            one client is attached at the holding gateway, one at the
            other (live through NOTIFY): p50/p99 ms from SEND to the
            PRIVMSG at each
  takeover  kill -9 of the holder, N times: s from the kill to the
            first SEND-OK through the other gateway
  accounts  N detached accounts on one gateway: start-up time (until
            every account is held and logged in) and RSS per account

usage: shared_bench.py [latency|takeover|accounts] [N]  (binaries from
build/; its own PostgreSQL server, tests/pglib.py, with fsync and
synchronous_commit on as Debian ships it). Loopback only.
"""
import os
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, ".."))
import conftest                      # noqa: E402
import pglib                         # noqa: E402
from gwlib import chat               # noqa: E402

PW = "bench"


def add_users(db, names):
    for n in names:
        subprocess.run([conftest.CHATIRCD, "--db", db, "--add-user", n],
                       input=PW + "\n", text=True, check=True,
                       capture_output=True)


def gateway(procs, d, db):
    return procs.chatircd(d, "--db", db, "--reconnect-min", "100",
                          "--reconnect-max", "500", "--max-clients", "5000")


def held(g):
    return set(re.findall(r"account (\S+): held by this gateway",
                          g.stderr()))


def wait(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def attach(procs, g, who):
    c = procs.client(g, eol=b"\r\n", name=who)
    c.send("PASS :%s:%s" % (who, PW))
    c.send("NICK alice")
    c.send("USER u 0 * :x")
    c.expect(r" 001 alice ")
    return c


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


def latency_live(procs, pg, rate=1000, seconds=5):
    """Receivers read while the sender sends (a thread each)."""
    import threading
    db = pg.fresh()
    add_users(db, ["alice"])
    d = procs.chatd()
    a = gateway(procs, d, db)
    wait(lambda: held(a) == {"alice"}, 10)
    b = gateway(procs, d, db)
    time.sleep(1.5)
    socks = {}
    for name, g in (("holder", a), ("other", b)):
        s = socket.create_connection((g.host, g.port))
        s.sendall(("PASS :alice@%s:%s\r\nNICK alice\r\nUSER u 0 * :x\r\n"
                   % (name, PW)).encode())
        buf = b""
        while b" 001 alice " not in buf:
            buf += s.recv(65536)
        socks[name] = s
    time.sleep(0.5)
    n = rate * seconds
    sent = [0.0] * n
    arrived = {"holder": [None] * n, "other": [None] * n}

    def reader(name):
        s, buf = socks[name], b""
        s.settimeout(10)
        seen = 0
        try:
            while seen < n:
                chunk = s.recv(65536)
                if not chunk:
                    return
                now = time.monotonic()
                buf += chunk
                *lines, buf = buf.split(b"\r\n")
                for line in lines:
                    m = re.search(rb"PRIVMSG alice :t(\d+)$", line)
                    if m:
                        arrived[name][int(m.group(1))] = now
                        seen += 1
        except socket.timeout:
            return
    threads = [threading.Thread(target=reader, args=(k,)) for k in socks]
    for t in threads:
        t.start()
    bob = socket.create_connection((d.host, d.port))
    bob.sendall(b"HELLO-FROM bob\n")
    t0 = time.monotonic()
    for i in range(n):
        due = t0 + i / rate
        while time.monotonic() < due:
            time.sleep(0.0002)
        sent[i] = time.monotonic()
        bob.sendall(("SEND alice t%d\n" % i).encode())
    for t in threads:
        t.join(40)
    for name in ("holder", "other"):
        ms = [(arrived[name][i] - sent[i]) * 1000 for i in range(n)
              if arrived[name][i] is not None]
        print("latency %s gateway: %d/%d shown, p50 %.2f ms, p99 %.2f ms "
              "at %d msg/s" % (name, len(ms), n, pct(ms, 0.5),
                               pct(ms, 0.99), rate))


def takeover(procs, pg, times=5):
    import random
    for k in range(times):
        db = pg.fresh()
        add_users(db, ["alice"])
        d = procs.chatd()
        a = gateway(procs, d, db)
        wait(lambda: held(a) == {"alice"}, 10)
        b = gateway(procs, d, db)
        time.sleep(1.2 + random.random())
        bob = chat(procs, d, "bob%d" % k)
        a.kill()
        t = time.monotonic()
        refused = 0
        while time.monotonic() - t < 15:
            bob.send("SEND alice x")
            r = bob.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$").group(1)
            if r == "SEND-OK" and refused:
                break
            refused += r != "SEND-OK"
            time.sleep(0.01)
        print("takeover %d: %.2f s from kill -9 to SEND-OK through the "
              "other gateway" % (k + 1, time.monotonic() - t))
        b.stop()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def accounts(procs, pg, n=1000):
    db = pg.fresh()
    names = ["u%d" % i for i in range(n)]
    # one transaction: --add-user n times would hash n passwords
    h = subprocess.run([conftest.CHATIRCD, "--db", db, "--add-user", "u0"],
                       input=PW + "\n", text=True, check=True)
    del h
    pglib.query(db, "INSERT INTO account (name, chat_name, pwhash,"
                " created_ms) SELECT 'u' || g, 'u' || g, (SELECT pwhash"
                " FROM account WHERE name = 'u0'), 0 FROM"
                " generate_series(1, %d) AS g" % (n - 1))
    d = procs.chatd("--max-clients", "5000", "--per-address", "5000")
    t = time.monotonic()
    g = gateway(procs, d, db)
    ok = wait(lambda: len(held(g)) == n and
              g.stderr().count("logged in again as") >= n, 120)
    took = time.monotonic() - t
    time.sleep(1)
    print("accounts: %d detached accounts, all held and logged in: %s in "
          "%.2f s; gateway RSS %d KiB, %.2f KiB per account" %
          (n, ok, took, rss_kib(g.proc.pid), rss_kib(g.proc.pid) / n))
    del names


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "latency"
    arg = int(sys.argv[2]) if len(sys.argv) > 2 else None
    # as shipped (fsync, synchronous_commit on), not the tests' fast one
    pg = pglib.PgServer(durable=True)
    procs = conftest.Processes()
    try:
        if what == "latency":
            latency_live(procs, pg, *( [arg] if arg else []))
        elif what == "takeover":
            takeover(procs, pg, *([arg] if arg else []))
        elif what == "accounts":
            accounts(procs, pg, *([arg] if arg else []))
    finally:
        procs.teardown()
        pg.close()


if __name__ == "__main__":
    main()
