#!/usr/bin/python3
"""Figures for docs/robustness.md (issue 10), printed, never pass/fail:

  slow   a client that reads nothing while a chat user floods it (N SENDs
         of 80 bytes): confirmed by the chat server, stored (with an
         account), shown, and the gateway's peak memory
  flap   a chat server that closes every login 0.2 s after accepting it:
         logins and notices in 60 s at the default backoff
  flood  a chat user floods a bouncer account with N SENDs (200,000) as
         fast as the chat server takes them, no client attached (issue
         18): confirmed, stored, and replayed afterwards through
         CHATHISTORY; lost = confirmed - replayed. --pg: the store on
         PostgreSQL (issue 19), its own server (tests/pglib.py) with
         fsync and synchronous_commit on, rows counted over its socket.
         FLOOD_GW_ARGS: more chatircd options ("--store-queue-max N")

usage: robustness.py [slow|slow-plain|flap|flood] [N] [--pg]   (binaries
from build/). Loopback only.
"""
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, ".."))
import conftest                      # noqa: E402
import pglib                         # noqa: E402
from gwlib import BreakingUpstream, chat  # noqa: E402


def vmhwm(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def slow(n, account=True):
    p = conftest.Processes()
    db = os.path.join(tempfile.mkdtemp(), "r.db")
    d = p.chatd()
    if account:
        subprocess.run([conftest.CHATIRCD, "--db", db, "--add-user",
                        "alice"], input="pw\n", text=True, check=True,
                       capture_output=True)
        g = p.chatircd(d, "--db", db)
    else:
        g = p.chatircd(d)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((g.host, g.port))
    s.sendall(b"PASS alice@slow:pw\r\nNICK alice\r\nUSER u 0 * :x\r\n"
              if account else b"NICK alice\r\nUSER u 0 * :x\r\n")
    time.sleep(1)
    bob = chat(p, d, "bob")
    t0 = time.monotonic()
    sent = [0]

    def send():
        for i in range(n):
            bob.sock.sendall(b"SEND alice %07d %s\n" % (i, b"x" * 71))
            sent[0] += 1
    th = threading.Thread(target=send)
    th.start()
    ok = bad = 0
    while ok + bad < n:
        r = bob.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$", timeout=60)
        if r.group(1) == "SEND-OK":
            ok += 1
        else:
            bad += 1
    th.join()
    secs = time.monotonic() - t0
    time.sleep(0.5)
    peak = vmhwm(g.proc.pid)
    stored = 0
    if account:
        con = sqlite3.connect(db)
        stored = con.execute("SELECT count(*) FROM msg").fetchone()[0]
        con.close()
    closed = "SendQ exceeded" in g.stderr()
    lost = "upstream lost" in g.stderr()
    print("slow reader%s: %d SENDs of 80 bytes in %.1f s: %d confirmed, "
          "%d refused; %s; client closed for SendQ: %s; chat server "
          "dropped the gateway: %s; gateway peak RSS %d KiB%s" %
          (" with an account" if account else "", n, secs, ok, bad,
           "%d stored" % stored if account else "no store", closed, lost,
           peak, "; unaccounted %d" % (ok - stored) if account else ""))
    s.close()
    p.teardown()


def flap(seconds=60):
    p = conftest.Processes()
    up = BreakingUpstream()
    g = p.chatircd(up.addr)
    a = p.client(g, eol=b"\r\n", name="alice")
    a.send("NICK alice")
    a.send("USER u 0 * :x")
    a.expect(r" 001 ")
    time.sleep(seconds)
    logins = sum(1 for line in up.got if line.startswith("HELLO-FROM"))
    notices = [l for l in a.drain(0.2) + a.lines if " NOTICE alice :" in l]
    print("flapping server: %d logins in %d s (%.1f per minute) at the "
          "default backoff; %d notices to the user" %
          (logins, seconds, logins * 60.0 / seconds, len(set(notices))))
    up.close()
    p.teardown()


def replay_all(c, peer):
    """Every stored message of a conversation, newest first, through
    CHATHISTORY BEFORE pages of 1000: the number of distinct msgids."""
    seen = set()
    before = "*"
    while True:
        if before == "*":
            c.send("CHATHISTORY LATEST %s * 1000" % peer)
        else:
            c.send("CHATHISTORY BEFORE %s msgid=%s 1000" % (peer, before))
        batch = c.expect(r" BATCH \+(\S+) chathistory ", timeout=60).group(1)
        page = []
        while True:
            line = c.expect(r"(msgid=(\d+)[; ]| BATCH -%s$)" % batch,
                            timeout=60)
            if line.group(2) is None:
                break
            page.append(int(line.group(2)))
        if not page:
            return len(seen)
        seen.update(page)
        before = str(min(page))


def flood_store(pg):
    """The flood's store: a SQLite file, or a database on a PostgreSQL
    server of its own (returned, to be closed at the end)."""
    if not pg:
        return os.path.join(tempfile.mkdtemp(), "f.db"), None
    server = pglib.PgServer(durable=True)
    return server.fresh(), server


def stored_count(db):
    return int(pglib.query(db, "SELECT count(*) FROM msg")[0][0])


def flood(n, pg=False):
    db, server = flood_store(pg)
    try:
        flood_run(n, db)
    finally:
        if server is not None:
            server.close()


def flood_run(n, db):
    p = conftest.Processes()
    subprocess.run([conftest.CHATIRCD, "--db", db, "--add-user", "alice"],
                   input="pw\n", text=True, check=True, capture_output=True)
    d = p.chatd()
    g = p.chatircd(d, "--db", db, "--history-max", "0", "--playback-max",
                   "1000", *os.environ.get("FLOOD_GW_ARGS", "").split())
    for _ in range(100):                # PostgreSQL: holder.c takes it
        if not pglib.is_pg(db) or "held by this gateway" in g.stderr():
            break
        time.sleep(0.1)
    time.sleep(1)                       # alice logs in upstream
    bob = chat(p, d, "bob")
    t0 = time.monotonic()

    def send():
        for i in range(n):
            bob.sock.sendall(b"SEND alice %07d %s\n" % (i, b"x" * 71))
    th = threading.Thread(target=send)
    th.start()
    ok = bad = 0
    while ok + bad < n:
        r = bob.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$", timeout=60)
        if r.group(1) == "SEND-OK":
            ok += 1
        else:
            bad += 1
    th.join()
    secs = time.monotonic() - t0
    stored, last, still = 0, -1, time.monotonic()
    while time.monotonic() - still < 3:         # the writer catches up
        stored = stored_count(db)
        if stored != last:
            last, still = stored, time.monotonic()
        if stored >= ok:
            break
        time.sleep(0.2)
    stored_s = time.monotonic() - t0
    peak = vmhwm(g.proc.pid)
    c = p.client(g, eol=b"\r\n", name="alice")
    c.send("CAP REQ :draft/chathistory batch message-tags")
    c.send("PASS alice@replay:pw")
    c.send("NICK alice")
    c.send("USER u 0 * :x")
    c.send("CAP END")
    c.expect(r" 001 ", timeout=30)
    replayed = replay_all(c, "bob")
    err = g.stderr()
    print("flood of a bouncer account (%s): %d SENDs of 80 bytes in %.1f s "
          "(%.0f/s), stored by %.1f s: %d confirmed, %d refused, %d stored, %d replayed, "
          "lost %d; not kept (store-queue-max): %s; chat server dropped "
          "the gateway: %s; gateway peak RSS %d KiB" %
          ("PostgreSQL" if pglib.is_pg(db) else "SQLite", n, secs,
           n / secs, stored_s, ok, bad, stored, replayed, ok - replayed,
           "yes" if "messages not kept" in err else "none",
           "upstream lost" in err, peak))
    for line in err.splitlines():               # why, when some were lost
        if "not kept" in line or "not stored" in line:
            print("  gateway: " + line.strip())
    p.teardown()


if __name__ == "__main__":
    pg = "--pg" in sys.argv
    if pg:
        sys.argv.remove("--pg")
    what = sys.argv[1] if len(sys.argv) > 1 else "slow"
    if what == "flood":
        flood(int(sys.argv[2]) if len(sys.argv) > 2 else 200000, pg)
    elif what.startswith("slow"):
        slow(int(sys.argv[2]) if len(sys.argv) > 2 else 200000,
             what == "slow")
    else:
        flap(int(sys.argv[2]) if len(sys.argv) > 2 else 60)
