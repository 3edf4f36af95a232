"""The bouncer reads accounts when they are used (issue 18): an account
added, given a new password or deleted by `chatircd --db FILE --add-user`
(--passwd, --del-user) in another process while the gateway runs takes
effect at the next login, and its chat login starts (or ends, its
clients told and closed) within a few seconds, nobody else dropped. And
the store's queue at its bound (store-queue-max): received messages wait
on disk (store-spool-max), what is not kept is logged, told to the
account's clients and counted.
"""
import re
import signal
import subprocess
import time

from gwlib import CHATIRCD, chat
import pglib  # noqa: E402 (tests/, on the path through gwlib)
from test_gw_bouncer import PW, add_user, attach, bouncer, wait_online


def account_tool(db, op, name, password=None):
    r = subprocess.run([CHATIRCD, "--db", db, "--" + op, name],
                       input=(password + "\n") if password else "",
                       text=True, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr


def refused(procs, gw, who, password):
    c = procs.client(gw, eol=b"\r\n", name="refused-" + who)
    c.send("PASS %s:%s" % (who, password))
    c.send("NICK " + who)
    c.send("USER u 0 * :x")
    c.expect(r" 464 \S+ :Password incorrect")
    assert c.expect_closed(timeout=5)


def test_account_added_while_running_logs_in_at_once(procs, store_db):
    db = store_db
    add_user(db, "alice")
    d = procs.chatd()
    g = bouncer(procs, d, db)
    a = attach(procs, g)
    add_user(db, "carol")
    # at once: the login reads the store, no poll needed
    c = attach(procs, g, who="carol", nick="carol")
    c.send("PRIVMSG echobot :hello")
    c.expect(r"PRIVMSG carol :hello$")
    # an account nobody logs in to yet is logged in upstream by the poll
    add_user(db, "dave")
    wait_online(procs, d, "dave", timeout=5)
    bob = chat(procs, d, "bob")
    bob.send("SEND dave kept for you")
    bob.expect(r"^SEND-OK$")
    assert re.search(r"account dave added to the store", g.stderr())
    dv = attach(procs, g, who="dave", nick="dave")
    dv.expect(r":bob!\S+ PRIVMSG dave :(\[\d\d:\d\d\] )?kept for you$")
    a.send("PRIVMSG echobot :still here")
    a.expect(r"PRIVMSG alice :still here$")


def test_password_changed_while_running(procs, store_db):
    db = store_db
    add_user(db, "alice")
    d = procs.chatd()
    g = bouncer(procs, d, db)
    a = attach(procs, g)
    account_tool(db, "passwd", "alice", "new secret")
    refused(procs, g, "alice", PW)
    b = attach(procs, g, who="alice@laptop", password="new secret")
    # the client that was already attached stays
    a.send("PRIVMSG echobot :one")
    a.expect(r"PRIVMSG alice :one$")
    b.expect(r"PRIVMSG alice :one$")


def test_account_deleted_while_running(procs, store_db):
    db = store_db
    add_user(db, "alice")
    add_user(db, "bob")
    d = procs.chatd()
    g = bouncer(procs, d, db)
    a = attach(procs, g)
    b = attach(procs, g, who="bob", nick="bob")
    wait_online(procs, d, "alice")
    a.send("PRIVMSG bob :kept?")
    b.expect(r":alice!\S+ PRIVMSG bob :kept\?$")
    a.send("PRIVMSG echobot :one")
    a.expect(r"PRIVMSG alice :one$")
    account_tool(db, "del-user", "alice")
    a.expect(r"NOTICE alice :Account alice was deleted from this bouncer",
             timeout=5)
    a.expect(r"^ERROR :.*Account alice was deleted")
    assert a.expect_closed(timeout=5)
    # its chat login ends; bob's account goes on
    carol = chat(procs, d, "carol")
    deadline = time.monotonic() + 5
    while True:
        carol.send("SEND alice anyone?")
        r = carol.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$").group(1)
        if r != "SEND-OK":
            break
        assert time.monotonic() < deadline, "alice still logged in"
        time.sleep(0.2)
    carol.send("SEND bob hi bob")
    carol.expect(r"^SEND-OK$")
    b.expect(r":carol!\S+ PRIVMSG bob :hi bob$")
    refused(procs, g, "alice", PW)
    # alice's messages went with her; bob's copy of hers stays
    texts = sorted(r[0] for r in pglib.query(
        db, "SELECT %s FROM msg" % ("convert_from(text, 'UTF8')"
                                   if pglib.is_pg(db) else "text")))
    assert texts == ["hi bob", "kept?"]
    assert "account alice deleted from the store" in g.stderr()


def flood_held(procs, db, n, word, *args, attached=True):
    """alice's store behind another process's write lock, a gateway with
    store-queue-max 4096 (and args), bob's n confirmed SENDs "WORD i
    ...": (gateway, alice's client or None, the lock)."""
    add_user(db, "alice")
    d = procs.chatd()
    g = bouncer(procs, d, db, "--store-queue-max", "4096", *args)
    a = attach(procs, g) if attached else None
    wait_online(procs, d, "alice")
    lock = pglib.WriteLock(db)
    bob = chat(procs, d, "bob")
    for i in range(n):
        bob.send("SEND alice %s %04d %s" % (word, i, "x" * 60))
    for i in range(n):
        bob.expect(r"^SEND-OK$")
    return d, g, a, lock


def wait_log(g, text):
    deadline = time.monotonic() + 10
    while text not in g.stderr():
        assert time.monotonic() < deadline, g.stderr()
        time.sleep(0.1)


def test_store_queue_at_its_limit(procs, store_db):
    """The writer cannot write (another process holds the database's
    write lock): the queue fills to store-queue-max, then the spool on
    disk to store-spool-max, what does not fit is not kept, and the log
    and the client say how many; once the lock is free the queued and
    spooled ones are stored and shown, in order."""
    db = store_db
    n = 100
    _, g, a, lock = flood_held(procs, db, n, "flood", "--store-spool-max",
                               "2048")
    told = a.expect(r"NOTICE alice :(\d+) messages could not be kept: the "
                    r"store is behind \(store-queue-max 4096 bytes\)")
    assert int(told.group(1)) >= 1
    lock.release()
    shown = []
    not_kept = int(told.group(1))
    deadline = time.monotonic() + 10
    while len(shown) + not_kept < n and time.monotonic() < deadline:
        for line in a.drain(0.3):
            m = re.search(r"PRIVMSG alice :flood (\d+) ", line)
            if m:
                shown.append(int(m.group(1)))
            m = re.search(r"NOTICE alice :(\d+) messages could not be "
                          r"kept", line)
            if m:
                not_kept += int(m.group(1))
    assert shown, a.transcript()
    assert shown == sorted(shown), shown           # order kept
    assert len(shown) + not_kept == n, (len(shown), not_kept)
    stored = int(pglib.query(db, "SELECT count(*) FROM msg")[0][0])
    assert stored == len(shown)
    log = g.stderr()
    counts = [int(x) for x in re.findall(
        r"account alice: store-queue-max \(4096 bytes\) reached: (\d+) "
        r"messages not kept", log)]
    assert sum(counts) == not_kept, log


def test_store_spool_keeps_a_flood(procs, store_db):
    """The queue full (store-queue-max 4096, the write lock held by
    another process), received messages wait on disk: none is lost, none
    is shown before it is stored, all are shown in order once the store
    catches up, and the log says when they started and stopped waiting."""
    db = store_db
    n = 300
    _, g, a, lock = flood_held(procs, db, n, "spooled")
    wait_log(g, "received messages wait on disk")
    a.expect_none(r"PRIVMSG alice :spooled ", wait=0.5)
    lock.release()
    shown = []
    deadline = time.monotonic() + 20
    while len(shown) < n and time.monotonic() < deadline:
        for line in a.drain(0.3):
            m = re.search(r"PRIVMSG alice :spooled (\d+) ", line)
            if m:
                shown.append(int(m.group(1)))
    assert shown == list(range(n)), shown
    a.expect_none(r"could not be kept", wait=0.2)
    assert int(pglib.query(db, "SELECT count(*) FROM msg")[0][0]) == n
    log = g.stderr()
    assert re.search(r"account alice: store-queue-max \(4096 bytes\) "
                     r"reached: received messages wait on disk", log), log
    assert re.search(r"account alice: the store caught up: \d+ messages "
                     r"that waited on disk are queued", log), log
    assert "not kept" not in log, log


def test_store_spool_kept_across_shutdown(procs, store_db):
    """SIGTERM just as the store is free again, received messages still
    waiting on disk (on a fast store the spool may have drained by the
    time the daemon closes it; on this machine one of the two stores
    still had some in every run, logged `... are stored before the
    end`): none is lost, and the next daemon replays them in order."""
    db = store_db
    n = 2000
    d, g, _, lock = flood_held(procs, db, n, "late", attached=False)
    wait_log(g, "received messages wait on disk")
    time.sleep(0.5)                 # every DELIVERY read by the gateway
    lock.release()
    g.signal(signal.SIGTERM)
    assert g.proc.wait(30) == 0
    g.proc.stdout.close()
    assert int(pglib.query(db, "SELECT count(*) FROM msg")[0][0]) == n, \
        g.stderr()
    assert "not kept" not in g.stderr()
    g = bouncer(procs, d, db)
    a = attach(procs, g, caps="draft/chathistory batch")
    a.send("CHATHISTORY LATEST bob * 500")        # playback-max
    got = []
    while True:
        line = a.expect(r"(late \d+| BATCH -)").group(1)
        if "BATCH" in line:
            break
        got.append(int(line.split()[1]))
    assert got == list(range(n - 500, n))
