"""The store's reads never stop the gateway's loop (issue 19): with
PostgreSQL and the message table locked by another session, a client's
CHATHISTORY, SEARCH and playback wait on the reader thread while every
other client of the same gateway goes on; once the lock goes the answers
come complete and in the order asked."""
import time

import pytest

from gwlib import chat, irc
import pglib  # noqa: E402 (tests/, on the path through gwlib)
from test_gw_bouncer import add_user, attach

CAPS = "draft/chathistory batch server-time message-tags"


class ReadLock:
    """A psql session holding a table (msg) in ACCESS EXCLUSIVE mode:
    every read of it (and every write) waits until release()."""

    def __init__(self, db, table="msg"):
        self.p = pglib.lock_table(db, table, "ACCESS EXCLUSIVE")

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("ROLLBACK;\n")
            self.p.stdin.close()
            self.p.wait(10)


@pytest.fixture
def pgdb(pg):
    db = pg.fresh()
    add_user(db, "alice")
    return db


def stored(procs, d, a, n):
    """bob sends alice n messages; she sees each (so each is stored)."""
    bob = chat(procs, d, "bob")
    for i in range(n):
        bob.send("SEND alice m%d" % i)
        bob.expect(r"^SEND-OK$")
        a.expect(r"PRIVMSG alice :m%d$" % i)
    return bob


def others_go_on(procs, d, g):
    """A plain session of the same gateway relays both ways at once."""
    carol = irc(procs, g, "carol")
    dave = chat(procs, d, "dave")
    t0 = time.monotonic()
    carol.send("PRIVMSG dave :while the store is locked")
    dave.expect(r"^DELIVERY carol while the store is locked$", timeout=2)
    dave.send("SEND carol still here")
    dave.expect(r"^SEND-OK$", timeout=2)
    carol.expect(r":dave!\S+ PRIVMSG carol :still here$", timeout=2)
    carol.send("PING :alive")
    carol.expect(r" PONG \S+ :alive$", timeout=2)
    return time.monotonic() - t0


def test_chathistory_waits_others_do_not(procs, pgdb):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", pgdb, "--allow-anonymous")
    a = attach(procs, g, caps=CAPS)
    stored(procs, d, a, 3)
    lock = ReadLock(pgdb)
    try:
        a.send("CHATHISTORY LATEST bob * 10")
        a.send("SEARCH text=m1")
        a.send("PRIVMSG *chatircd :search m2")
        a.send("PING :after")
        took = others_go_on(procs, d, g)
        assert took < 2, took
        a.expect_none(r"BATCH|PONG", wait=0.5)   # still waiting
    finally:
        lock.release()
    # complete, and in the order asked: the batch, the search, the PONG
    batch = a.expect(r"^:\S+ BATCH \+(\S+) chathistory bob$").group(1)
    for i in range(3):
        a.expect(r"^@batch=%s;msgid=\d+;time=\S+ :bob!\S+ PRIVMSG alice "
                 r":m%d$" % (batch, i))
    a.expect(r"^:\S+ BATCH -%s$" % batch)
    search = a.expect(r"^:\S+ BATCH \+(\S+) soju.im/search$").group(1)
    a.expect(r"^@batch=%s;\S+ :bob!\S+ PRIVMSG alice :m1$" % search)
    a.expect(r"^:\S+ BATCH -%s$" % search)
    a.expect(r"^:\*chatircd!\S+ PRIVMSG alice :\[[^]]+\] <bob> m2$")
    a.expect(r"^:\*chatircd!\S+ PRIVMSG alice :1 found$")
    a.expect(r" PONG \S+ :after$")


def test_playback_waits_others_do_not(procs, pgdb):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", pgdb, "--allow-anonymous")
    a = attach(procs, g)
    a.send("QUIT")
    a.expect_closed()
    bob = chat(procs, d, "bob")
    for i in range(3):
        bob.send("SEND alice away%d" % i)
        bob.expect(r"^SEND-OK$")
    time.sleep(1.0)                     # stored (group commits)
    lock = ReadLock(pgdb)
    try:
        a = attach(procs, g)            # the welcome does not wait
        a.send("PING :after")
        assert others_go_on(procs, d, g) < 2
        a.expect_none(r"away0|PONG", wait=0.5)
    finally:
        lock.release()
    for i in range(3):
        a.expect(r":bob!\S+ PRIVMSG alice :\[\d\d:\d\d\] away%d$" % i)
    a.expect(r" PONG \S+ :after$")


def test_read_queue_max(procs, pgdb):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", pgdb, "--read-queue-max", "1")
    one = attach(procs, g, who="alice@one", caps=CAPS)
    two = attach(procs, g, who="alice@two", caps=CAPS)
    stored(procs, d, one, 1)
    lock = ReadLock(pgdb)
    try:
        one.send("CHATHISTORY LATEST bob * 10")     # the one read queued
        time.sleep(0.2)
        two.send("CHATHISTORY LATEST bob * 10")
        two.expect(r"^:\S+ FAIL CHATHISTORY MESSAGE_ERROR LATEST :Too many "
                   r"requests wait for the history store: try again in a "
                   r"moment$")
        two.send("MARKREAD bob")
        two.expect(r" FAIL MARKREAD INTERNAL_ERROR bob :Too many requests")
        two.send("SEARCH text=m0")
        two.expect(r" FAIL SEARCH INTERNAL_ERROR \* :Too many requests")
    finally:
        lock.release()
    one.expect(r"PRIVMSG alice :m0$")
    one.expect(r" BATCH -")
    two.send("CHATHISTORY LATEST bob * 10")          # room again
    two.expect(r"PRIVMSG alice :m0$")
    assert "too many reads wait for the store" in g.stderr()


def test_account_poll_waits_others_do_not(procs, pgdb):
    """The accounts poll (every second) reads account_gen on the reader
    thread: with that table locked the gateway goes on; once the lock
    goes, an account added meanwhile logs in."""
    d = procs.chatd()
    g = procs.chatircd(d, "--db", pgdb, "--allow-anonymous")
    a = attach(procs, g, caps=CAPS)
    lock = ReadLock(pgdb, "account_gen")
    try:
        time.sleep(2.5)                 # two polls wait on the lock
        assert others_go_on(procs, d, g) < 2
        a.send("PING :poll")
        a.expect(r" PONG \S+ :poll$", timeout=2)
    finally:
        lock.release()
    add_user(pgdb, "erin")
    e = attach(procs, g, who="erin", nick="erin")
    e.send("PING :in")
    e.expect(r" PONG \S+ :in$")
