"""Several gateways on one PostgreSQL database (issue 19): exactly one
gateway at a time logs an account in upstream (a session-level advisory
lock per account), the accounts spread over the live gateways, a gateway
killed with -9 has its accounts taken over by another within 10 s, and
a gateway that loses its database session stops its logins at once and
takes its share back on its own once the server is back."""
import os
import random
import subprocess
import re
import time

import pytest

from gwlib import chat
import pglib  # noqa: E402 (tests/, on the path through gwlib)
from test_gw_bouncer import PW, add_user, attach, wait_online

HELD = r"account (\S+): held by this gateway: logging in upstream"


def gateway(procs, chatd, db):
    return procs.chatircd(chatd, "--db", db, "--reconnect-min", "100",
                          "--reconnect-max", "500")


def held(g):
    """Accounts g logged in upstream (held and not handed or lost since),
    from its log."""
    now = set()
    for line in g.stderr().splitlines():
        m = re.search(HELD, line)
        if m:
            now.add(m.group(1))
        m = re.search(r"account (\S+): handed to another gateway", line)
        if m:
            now.discard(m.group(1))
        if "the database session was lost" in line:
            now.clear()
    return now


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("never: " + what)


def online(procs, chatd):
    w = chat(procs, chatd, "w%d" % int(time.monotonic() * 1e6 % 1e9))
    w.send("WHO")
    users = w.expect(r"^WHO-OK (.*)$").group(1).split(",")
    w.close()
    return set(users)


@pytest.fixture
def pgdb(pg):
    return pg.fresh()


def test_two_gateways_one_login_per_account_spread(procs, pgdb):
    names = ["acct%d" % i for i in range(4)]
    for n in names:
        add_user(pgdb, n)
    d = procs.chatd()
    a = gateway(procs, d, pgdb)
    wait_for(lambda: held(a) == set(names), 10, "a holds all four")
    b = gateway(procs, d, pgdb)
    # a hands two to b: each holds its share, no account held twice
    wait_for(lambda: len(held(a)) == 2 and len(held(b)) == 2, 10,
             "two each: %s / %s" % (held(a), held(b)))
    assert not (held(a) & held(b))
    wait_for(lambda: set(names) <= online(procs, d), 10, "all online")
    for g in (a, b):
        assert "in use" not in g.stderr().lower(), g.stderr()
    # a client on the holder of acct0 gets a chat user's message and sends
    holder = a if "acct0" in held(a) else b
    other = b if holder is a else a
    c = attach(procs, holder, who="acct0", nick="acct0")
    o = attach(procs, other, who="acct0@o", nick="acct0")
    bob = chat(procs, d, "bob")
    bob.send("SEND acct0 hello through the holder")
    bob.expect(r"^SEND-OK$")
    # each client sees it once: live (the other gateway through NOTIFY),
    # or, when its attach's playback was read after the message was
    # stored, in that playback ("[HH:MM] " before it: no server-time)
    seen = r"PRIVMSG acct0 :(?:\[\d\d:\d\d\] )?hello through the holder$"
    for x in (c, o):
        x.expect(seen)
    for x in (c, o):
        x.expect_none(r"hello through the holder", wait=0.3)
    c.send("PRIVMSG bob :back")
    bob.expect(r"^DELIVERY acct0 back$")


def test_kill9_holder_taken_over_within_10s(procs, pgdb):
    add_user(pgdb, "alice")
    d = procs.chatd()
    a = gateway(procs, d, pgdb)
    wait_for(lambda: held(a) == {"alice"}, 10, "a holds alice")
    b = gateway(procs, d, pgdb)
    time.sleep(2)
    assert held(b) == set()             # one account: a keeps it
    # a client attached at the gateway that does not hold the account is
    # told so (its live messages come once this gateway holds it)
    c = attach(procs, b)
    c.expect(r"NOTICE alice :.*logged in through another gateway")
    carol = chat(procs, d, "carol")
    c.send("PRIVMSG carol :sent at the other gateway")  # through a
    bob = chat(procs, d, "bob")
    confirmed, unknown, n = set(), 0, 0
    for _ in range(50):                 # messages flowing
        bob.send("SEND alice m%d" % n)
        if bob.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$").group(1) == "SEND-OK":
            confirmed.add(n)
        n += 1
    time.sleep(random.random())         # anywhere in b's poll
    # the client at the other gateway saw them live (stored, NOTIFY)
    c.expect(r"PRIVMSG alice :m0$")
    c.expect(r"PRIVMSG alice :m%d$" % max(confirmed))
    a.kill()
    killed = time.monotonic()
    back = first_after = None       # SEND-OKs until chatd saw a go count
    while time.monotonic() - killed < 15:
        bob.send("SEND alice m%d" % n)
        r = bob.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$").group(1)
        if r == "SEND-OK":
            confirmed.add(n)
            if back is None and unknown:
                back = time.monotonic() - killed
                first_after = n
        else:
            unknown += 1
        n += 1
        if back is not None and len(confirmed) >= 100:
            break
        time.sleep(0.02)
    assert back is not None, b.stderr()
    print("takeover after kill -9: %.2f s (%d sent, %d confirmed, %d "
          "refused meanwhile)" % (back, n, len(confirmed), unknown))
    assert back <= 10.0
    assert held(b) == {"alice"}
    # the client attached at the new holder gets the next message, and
    # what was confirmed after the takeover is all stored
    carol.expect(r"^DELIVERY alice sent at the other gateway$")
    c.drain(1.0)
    bob.send("SEND alice after takeover")
    bob.expect(r"^SEND-OK$")
    c.expect(r"PRIVMSG alice :after takeover")
    rows = pglib.query(pgdb, "SELECT convert_from(text, 'UTF8') FROM msg"
                       " WHERE dir = 0")
    stored = {int(t[1:]) for (t,) in rows if re.match(r"^m\d+$", t)}
    after = {i for i in confirmed if i >= first_after}
    assert after <= stored, sorted(after - stored)


def test_database_stopped_and_started_under_a_gateway(procs):
    srv = pglib.PgServer()          # its own: this test stops it
    try:
        db = srv.fresh()
        add_user(db, "alice")
        d = procs.chatd()
        g = gateway(procs, d, db)
        wait_online(procs, d, "alice", timeout=10)
        srv.stop()
        wait_for(lambda: "the database session was lost" in g.stderr(), 5,
                 "the loss logged")
        wait_for(lambda: "alice" not in online(procs, d), 5,
                 "alice's login stopped")
        assert g.alive()
        time.sleep(1.5)
        assert "database not reachable" in g.stderr()
        srv.start()
        wait_online(procs, d, "alice", timeout=15)
        assert "database session up" in g.stderr()
        log = g.stderr()
        assert log.count("alice: held by this gateway") == 2, log
        c = attach(procs, g)
        bob = chat(procs, d, "bob")
        bob.send("SEND alice back again")
        bob.expect(r"^SEND-OK$")
        c.expect(r"PRIVMSG alice :back again")
    finally:
        srv.close()


def one_account_two_gateways(procs, pgdb, *args):
    """alice on two gateways: a holds her login, b does not."""
    add_user(pgdb, "alice")
    d = procs.chatd()
    a = gateway(procs, d, pgdb)
    wait_for(lambda: held(a) == {"alice"}, 10, "a holds alice")
    b = procs.chatircd(d, "--db", pgdb, *args)
    time.sleep(1.5)                     # b's poll: one account, a keeps it
    assert held(b) == set()
    return d, a, b


def sent_rows(db, text):
    return int(pglib.query(db, "SELECT count(*) FROM msg WHERE dir = 1"
                           " AND convert_from(text, 'UTF8') = '%s'"
                           % text)[0][0])


def test_send_at_the_gateway_that_does_not_hold(procs, pgdb):
    d, a, b = one_account_two_gateways(procs, pgdb)
    bob = chat(procs, d, "bob")
    c = attach(procs, b, who="alice@far", caps="echo-message")
    c.expect(r"NOTICE alice :.*logged in through another gateway; what "
             r"you send goes out through it")
    quiet = attach(procs, b, who="alice@quiet")     # no echo-message
    h = attach(procs, a, who="alice@near")
    c.send("PRIVMSG bob :hello from b")
    bob.expect(r"^DELIVERY alice hello from b$")
    # the echo comes once, after SEND-OK at a, once stored
    c.expect(r"^:alice!\S+ PRIVMSG bob :hello from b$")
    assert sent_rows(pgdb, "hello from b") == 1
    quiet.expect(r"^:alice!\S+ PRIVMSG bob :hello from b$")
    h.expect(r"^:alice!\S+ PRIVMSG bob :hello from b$")
    c.expect_none(r"PRIVMSG bob :hello from b", wait=1.5)
    quiet.expect_none(r"PRIVMSG bob :hello from b", wait=0.1)
    # an unknown chat user: 401 at b, nothing stored, no echo
    c.send("PRIVMSG nobody :hi there")
    c.expect(r" 401 alice nobody :No such nick")
    c.expect_none(r"PRIVMSG nobody", wait=0.5)
    assert sent_rows(pgdb, "hi there") == 0
    # a chat user's answer reaches both gateways' clients
    bob.send("SEND alice and back")
    bob.expect(r"^SEND-OK$")
    c.expect(r"^:bob!\S+ PRIVMSG alice :and back$")
    h.expect(r"^:bob!\S+ PRIVMSG alice :and back$")
    # labeled-response: the echo is the labeled reply, with its msgid
    lab = attach(procs, b, who="alice@lab",
                 caps="echo-message labeled-response message-tags")
    lab.send("@label=x1 PRIVMSG bob :labeled")
    bob.expect(r"^DELIVERY alice labeled$")
    lab.expect(r"^@label=x1;msgid=\d+\S* :alice!\S+ PRIVMSG bob :labeled$")
    # several in a row keep their order
    for i in range(5):
        c.send("PRIVMSG bob :n%d" % i)
    for i in range(5):
        bob.expect(r"^DELIVERY alice n%d$" % i)
        c.expect(r"PRIVMSG bob :n%d$" % i)
    # every row answered: done or answered, none left pending or sending
    wait_for(lambda: pglib.query(pgdb, "SELECT count(*) FROM outbox WHERE"
                                 " state < 2")[0][0] == "0", 5, "rows done")
    rows = pglib.query(pgdb, "SELECT state, result FROM outbox ORDER BY id")
    assert rows == [("2", "0")] + [("3", "1")] + [("2", "0")] * 6, rows
    assert held(b) == set() and held(a) == {"alice"}
    assert "in use" not in (a.stderr() + b.stderr()).lower()


def lock_account(db, name):
    """A session that is no gateway holds name's lock, so no gateway
    can log it in until it ends (as between a holder's death and the
    takeover, made to last)."""
    p = subprocess.Popen(
        ["psql", db, "-XAtq", "-c", "SELECT pg_advisory_lock(25441, (SELECT"
         " id::int FROM account WHERE name = '%s')); SELECT pg_sleep(120)"
         % name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, PGAPPNAME="locker"))
    wait_for(lambda: pglib.query(db, "SELECT count(*) FROM pg_locks WHERE"
                                 " locktype = 'advisory' AND classid = 25441"
                                 " AND granted")[0][0] == "1", 10,
             "the lock taken")
    return p


def unlock(db, p):
    """The locking session ends (its server side first: pg_sleep does
    not notice a client gone)."""
    pglib.query(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'locker'")
    p.kill()
    p.wait()


def test_send_while_no_gateway_holds_waits_then_goes(procs, pgdb):
    add_user(pgdb, "alice")
    locker = lock_account(pgdb, "alice")
    try:
        d = procs.chatd()
        a = gateway(procs, d, pgdb)
        b = procs.chatircd(d, "--db", pgdb, "--hold-max", "2")
        bob = chat(procs, d, "bob")
        c = attach(procs, b, who="alice@far", caps="echo-message")
        c.send("PRIVMSG bob :waiting one")
        c.expect(r"NOTICE alice :No gateway is logged in to the chat server "
                 r"for this account now: your message waits")
        c.send("PRIVMSG bob :waiting two")
        # past hold-max: refused with a notice, never dropped untold
        c.send("PRIVMSG bob :one too many")
        c.expect(r"NOTICE alice :Message to bob not delivered: .*hold-max")
        c.expect_none(r"PRIVMSG bob :waiting", wait=1.0)
        assert held(a) == set() and held(b) == set()
    finally:
        unlock(pgdb, locker)
    # the lock is free: a gateway takes the account and sends what waited
    bob.expect(r"^DELIVERY alice waiting one$", timeout=10)
    bob.expect(r"^DELIVERY alice waiting two$")
    c.expect(r"^:alice!\S+ PRIVMSG bob :waiting one$")
    c.expect(r"^:alice!\S+ PRIVMSG bob :waiting two$")
    c.expect_none(r"PRIVMSG bob :(waiting|one too many)", wait=1.0)
    bob.expect_none(r"one too many", wait=0.1)
    assert sent_rows(pgdb, "waiting one") == 1


def test_row_left_sending_by_a_dead_holder_is_told_not_sent(procs, pgdb):
    add_user(pgdb, "alice")
    locker = lock_account(pgdb, "alice")
    try:
        d = procs.chatd()
        b = gateway(procs, d, pgdb)
        bob = chat(procs, d, "bob")
        c = attach(procs, b, who="alice@far", caps="echo-message")
        c.send("PRIVMSG bob :in flight")
        c.expect(r"NOTICE alice :No gateway is logged in")
        # as if a holder had taken it and died before the chat server's
        # answer: sent or not, nobody knows
        pglib.query(pgdb, "UPDATE outbox SET state = 1")
    finally:
        unlock(pgdb, locker)
    c.expect(r"NOTICE alice :Message to bob not confirmed: the gateway that "
             r"was sending it stopped before the chat server's answer; it "
             r"may or may not have arrived", timeout=10)
    bob.expect_none(r"in flight", wait=1.0)     # never sent twice
    wait_for(lambda: held(b) == {"alice"}, 5, "b holds alice")
    c.send("PRIVMSG bob :after")
    bob.expect(r"^DELIVERY alice after$")
    c.expect(r"PRIVMSG bob :after$")
