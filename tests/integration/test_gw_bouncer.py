"""The bouncer (issue 8): accounts in --db, a login upstream that stays
while no client is attached, several clients at once, a message store
with playback on attach and IRCv3 draft/chathistory, read markers, and a
gateway restart (SIGTERM and kill -9) that keeps every confirmed message.
"""
import base64
import re
import signal
import subprocess
import time

import pytest

from gwlib import CHATIRCD, chat, irc
import pglib  # noqa: E402 (tests/, on the path through gwlib)

PW = "correct horse"


def add_user(db, name, password=PW):
    r = subprocess.run([CHATIRCD, "--db", db, "--add-user", name],
                       input=password + "\n", text=True,
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def db(store_db):
    """alice's account, in SQLite and in PostgreSQL (a run each)."""
    add_user(store_db, "alice")
    return store_db


def bouncer(procs, chatd, db, *args):
    return procs.chatircd(chatd, "--db", db, *args)


def attach(procs, gw, who="alice", caps=None, password=PW, nick="alice"):
    """An IRC client that logs in to an account with PASS."""
    c = procs.client(gw, eol=b"\r\n", name=who)
    if caps:
        c.send("CAP LS 302")
        c.send("CAP REQ :" + caps)
        c.expect(r" CAP \S+ ACK ")
    c.send("PASS :%s:%s" % (who, password))
    c.send("NICK " + nick)
    c.send("USER u 0 * :Real Name")
    if caps:
        c.send("CAP END")
    c.expect(r" 900 \S+ \S+ %s :You are now logged in" % who.split("@")[0])
    c.expect(r" 001 %s " % nick)
    return c


def wait_online(procs, chatd, name, timeout=5.0):
    """Until a plain chat client sees name in the user list."""
    w = chat(procs, chatd, "watcher%d" % int(time.monotonic() * 1000 % 1e6))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        w.send("WHO")
        users = w.expect(r"^WHO-OK (.*)$").group(1).split(",")
        if name in users:
            w.close()
            return
        time.sleep(0.1)
    raise AssertionError("%s never came online" % name)


def test_wrong_password_and_no_password_refused(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    c = procs.client(g, eol=b"\r\n", name="bad")
    c.send("PASS alice:wrong")
    c.send("NICK alice")
    c.send("USER u 0 * :x")
    c.expect(r" 464 \S+ :Password incorrect")
    assert c.expect_closed(timeout=5)
    c = procs.client(g, eol=b"\r\n", name="none")
    c.send("NICK bob")
    c.send("USER u 0 * :x")
    c.expect(r" 464 \S+ :Password required")
    assert c.expect_closed(timeout=5)


def test_anonymous_allowed_when_asked(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db, "--allow-anonymous")
    a = irc(procs, g, "carol")
    a.send("PRIVMSG echobot :hi")
    a.expect(r"PRIVMSG carol :hi$")


def test_account_online_without_a_client(procs, db):
    d = procs.chatd()
    bouncer(procs, d, db)
    wait_online(procs, d, "alice")
    bob = chat(procs, d, "bob")
    bob.send("SEND alice are you there")
    bob.expect(r"^SEND-OK$")


def test_detach_then_playback_with_time(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    a = attach(procs, g, caps="server-time")
    a.send("QUIT :bye")
    a.expect_closed()
    bob = chat(procs, d, "bob")
    sent = time.time()
    bob.send("SEND alice while you were away")
    bob.expect(r"^SEND-OK$")
    time.sleep(1.2)
    a = attach(procs, g, caps="server-time")
    m = a.expect(r"^@time=(\S+) :bob!bob@\S+ PRIVMSG alice :while you were "
                 r"away$")
    stamp = time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%dT%H:%M:%S"))
    stamp -= time.timezone if time.daylight == 0 else time.altzone
    assert abs(stamp - sent) < 2, (m.group(1), sent)
    # seen once: the next attach of the same client replays nothing
    a.send("QUIT")
    a.expect_closed()
    a = attach(procs, g, caps="server-time")
    a.expect_none(r"while you were away", wait=0.5)


def test_playback_without_server_time_has_the_time_in_text(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    wait_online(procs, d, "alice")
    bob = chat(procs, d, "bob")
    bob.send("SEND alice hello later")
    bob.expect(r"^SEND-OK$")
    time.sleep(0.5)         # the DELIVERY reaches the gateway (ASan: slow)
    a = attach(procs, g)
    a.expect(r"^:bob!bob@\S+ PRIVMSG alice :\[\d\d:\d\d\] hello later$")


def test_two_clients_both_directions(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    phone = attach(procs, g, who="alice@phone", caps="echo-message")
    laptop = attach(procs, g, who="alice@laptop")
    bob = chat(procs, d, "bob")
    bob.send("SEND alice to both")
    phone.expect(r"^:bob!bob@\S+ PRIVMSG alice :to both$")
    laptop.expect(r"^:bob!bob@\S+ PRIVMSG alice :to both$")
    phone.send("PRIVMSG bob :from the phone")
    bob.expect(r"^DELIVERY alice from the phone$")
    phone.expect(r"^:alice!alice@\S+ PRIVMSG bob :from the phone$")
    laptop.expect(r"^:alice!alice@\S+ PRIVMSG bob :from the phone$")
    laptop.send("NICK alicia")
    laptop.expect(r"^:alice!alice@\S+ NICK :alicia$")
    phone.expect(r"^:alice!alice@\S+ NICK :alicia$")


def test_each_client_keeps_its_own_position(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    phone = attach(procs, g, who="alice@phone")
    laptop = attach(procs, g, who="alice@laptop")
    bob = chat(procs, d, "bob")
    bob.send("SEND alice zero")
    phone.expect(r"PRIVMSG alice :zero$")
    laptop.expect(r"PRIVMSG alice :zero$")
    laptop.send("QUIT")
    laptop.expect_closed()
    bob.send("SEND alice first")
    phone.expect(r"PRIVMSG alice :first$")
    phone.send("QUIT")
    phone.expect_closed()
    laptop = attach(procs, g, who="alice@laptop")
    laptop.expect(r"PRIVMSG alice :\[\d\d:\d\d\] first$")
    laptop.expect_none(r"zero", wait=0.3)
    phone = attach(procs, g, who="alice@phone")
    phone.expect_none(r"first|zero", wait=0.5)


def test_chathistory(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    caps = "draft/chathistory batch server-time message-tags"
    a = attach(procs, g, caps=caps)
    assert any(" 005 alice CHATHISTORY=500 " in line for line in a.lines)
    bob = chat(procs, d, "bob")
    for i in range(6):
        bob.send("SEND alice m%d" % i)
        bob.expect(r"^SEND-OK$")
    ids = []
    for i in range(6):
        m = a.expect(r"^@msgid=(\d+);time=\S+ :bob!\S+ PRIVMSG alice "
                     r":m%d$" % i)
        ids.append(m.group(1))
    a.send("CHATHISTORY LATEST bob * 3")
    batch = a.expect(r"^:\S+ BATCH \+(\S+) chathistory bob$").group(1)
    for i in (3, 4, 5):
        a.expect(r"^@batch=%s;msgid=%s;time=\S+ :bob!\S+ PRIVMSG alice "
                 r":m%d$" % (batch, ids[i], i))
    a.expect(r"^:\S+ BATCH -%s$" % batch)
    a.send("CHATHISTORY BEFORE bob msgid=%s 2" % ids[3])
    a.expect(r"msgid=%s;.*:m1$" % ids[1])
    a.expect(r"msgid=%s;.*:m2$" % ids[2])
    a.expect(r" BATCH -")
    a.send("CHATHISTORY AFTER bob msgid=%s 2" % ids[3])
    a.expect(r":m4$")
    a.expect(r":m5$")
    a.expect(r" BATCH -")
    a.send("CHATHISTORY BETWEEN bob msgid=%s msgid=%s 10" % (ids[0], ids[4]))
    got = []
    while True:
        line = a.expect(r"(PRIVMSG alice :m\d$| BATCH -)").group(1)
        if "BATCH" in line:
            break
        got.append(line[-2:])
    assert got == ["m1", "m2", "m3"]
    a.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
           "timestamp=2100-01-01T00:00:00.000Z 5")
    a.expect(r" CHATHISTORY TARGETS bob \d{4}-")
    a.send("CHATHISTORY SIDEWAYS bob * 3")
    a.expect(r"FAIL CHATHISTORY INVALID_PARAMS")
    a.send("CHATHISTORY LATEST bob * 99999")      # capped, not refused
    a.expect(r" BATCH \+\S+ chathistory bob$")


def test_read_marker_shared(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    one = attach(procs, g, who="alice@one", caps="draft/read-marker")
    two = attach(procs, g, who="alice@two", caps="draft/read-marker")
    one.send("MARKREAD bob")
    one.expect(r" MARKREAD bob \*$")
    one.send("MARKREAD bob timestamp=2026-01-02T03:04:05.678Z")
    two.expect(r" MARKREAD bob timestamp=2026-01-02T03:04:05.678Z$")
    one.expect(r" MARKREAD bob timestamp=2026-01-02T03:04:05.678Z$")
    two.send("MARKREAD bob timestamp=2025-01-01T00:00:00.000Z")
    two.expect(r" MARKREAD bob timestamp=2026-01-02T03:04:05.678Z$")


def test_sasl_plain(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    c = procs.client(g, eol=b"\r\n", name="sasl")
    c.send("CAP LS 302")
    c.expect(r" CAP \* LS :.*sasl=PLAIN")
    c.send("CAP REQ :sasl")
    c.expect(r" CAP \S+ ACK :sasl")
    c.send("NICK alice")
    c.send("USER u 0 * :x")
    c.send("AUTHENTICATE PLAIN")
    c.expect(r"^AUTHENTICATE \+$")
    c.send("AUTHENTICATE " + base64.b64encode(
        b"\0alice\0" + PW.encode()).decode())
    c.expect(r" 900 \S+ ")
    c.expect(r" 903 \S+ :SASL authentication successful")
    c.send("CAP END")
    c.expect(r" 001 alice ")
    bad = procs.client(g, eol=b"\r\n", name="saslbad")
    bad.send("CAP REQ :sasl")
    bad.send("NICK alice")
    bad.send("USER u 0 * :x")
    bad.send("AUTHENTICATE PLAIN")
    bad.send("AUTHENTICATE " + base64.b64encode(b"\0alice\0nope").decode())
    bad.expect(r" 904 ")
    assert bad.expect_closed(timeout=5)


def test_name_held_by_someone_else(procs, db):
    d = procs.chatd()
    squatter = chat(procs, d, "alice")
    g = bouncer(procs, d, db, "--reconnect-min", "100",
                "--reconnect-max", "300")
    a = attach(procs, g)
    a.expect(r"NOTICE alice :.*the chat name alice is in use on the chat "
             r"server")
    squatter.close()
    a.expect(r"NOTICE alice :Reconnected to the chat server as alice",
             timeout=10)
    bob = chat(procs, d, "bob")
    bob.send("SEND alice finally")
    a.expect(r"PRIVMSG alice :finally$")


@pytest.mark.parametrize("how", ["term", "kill"])
def test_restart_keeps_confirmed_messages(procs, db, how):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    wait_online(procs, d, "alice")
    bob = chat(procs, d, "bob")
    for i in range(20):
        bob.send("SEND alice keep %d" % i)
        bob.expect(r"^SEND-OK$")
    # what the chat server confirmed but had not yet written to the
    # gateway when it died cannot be kept (docs/bouncer.md): let it arrive
    time.sleep(0.5)
    if how == "term":
        g.signal(signal.SIGTERM)
        assert g.proc.wait(10) == 0
    else:
        g.proc.send_signal(signal.SIGKILL)
        g.proc.wait(10)
    g.proc.stdout.close()
    g = bouncer(procs, d, db)
    a = attach(procs, g, caps="draft/chathistory batch")
    a.send("CHATHISTORY LATEST bob * 50")
    got = []
    while True:
        line = a.expect(r"(keep \d+$| BATCH -)").group(1)
        if "BATCH" in line:
            break
        got.append(line)
    assert got == ["keep %d" % i for i in range(20)]


def test_labeled_response(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    a = attach(procs, g, caps="labeled-response echo-message batch")
    a.send("@label=one PING x")
    a.expect(r"^@label=one :\S+ PONG \S+ :x$")
    a.send("@label=two PRIVMSG echobot :hi")
    a.expect(r"^@label=two :alice!alice@\S+ PRIVMSG echobot :hi$")
    a.send("@label=three TAGMSG echobot")
    a.expect(r"^@label=three :\S+ ACK$")
    a.send("@label=four WHOIS echobot")
    batch = a.expect(r"^@label=four :\S+ BATCH \+(\S+) labeled-response$"
                     ).group(1)
    a.expect(r"^@batch=%s :\S+ 311 alice echobot " % batch)
    a.expect(r"^@batch=%s :\S+ 318 alice echobot " % batch)
    a.expect(r"^:\S+ BATCH -%s$" % batch)


def test_slow_reader_keeps_its_messages_for_the_next_attach(procs, db):
    """Issue 10: a client that reads nothing is closed past sendq-max;
    everything the chat server confirmed meanwhile is stored, and that
    client's position did not move past what it never got."""
    import socket
    d = procs.chatd()
    g = bouncer(procs, d, db, "--sendq-soft", "4096", "--sendq-max",
                "200000", "--upstream-line-max", "8192")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((g.host, g.port))
    s.sendall(("PASS :alice@slow:%s\r\nNICK alice\r\nUSER u 0 * :x\r\n"
               % PW).encode())
    time.sleep(0.5)
    bob = chat(procs, d, "bob")
    n = 1000
    for i in range(n):
        bob.send("SEND alice %04d %s" % (i, "w" * 3000))
    for i in range(n):
        bob.expect(r"^SEND-OK$", timeout=20)
    deadline = time.time() + 10
    while "SendQ exceeded" not in g.stderr() and time.time() < deadline:
        time.sleep(0.1)
    assert "sendq-max 200000 exceeded" in g.stderr()
    assert "upstream lost" not in g.stderr()
    s.close()
    time.sleep(0.3)
    stored = int(pglib.query(db, "SELECT count(*) FROM msg")[0][0])
    assert stored == n
    slow = attach(procs, g, who="alice@slow")
    slow.expect(r"PRIVMSG alice :\[\d\d:\d\d\] 0\d\d\d w")   # replayed
    slow.expect(r"NOTICE alice :\d+ newer messages were not replayed yet")


def test_user_names_the_account_and_client(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    c = procs.client(g, eol=b"\r\n", name="userpass")
    c.send("PASS :" + PW)                   # the password alone
    c.send("NICK alice")
    c.send("USER alice@tablet 0 * :x")      # who, and which device
    c.expect(r" 900 \S+ \S+ alice :You are now logged in as alice")
    c.expect(r" 001 alice ")
    assert "client tablet" in g.stderr()


def test_max_attach(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db, "--max-attach", "2")
    attach(procs, g, who="alice@one")
    attach(procs, g, who="alice@two")
    c = procs.client(g, eol=b"\r\n", name="three")
    c.send("PASS :alice@three:" + PW)
    c.send("NICK alice")
    c.send("USER u 0 * :x")
    c.expect(r" 464 \S+ :Too many clients attached to this account")
    assert c.expect_closed(timeout=5)


def test_chathistory_around(procs, db):
    d = procs.chatd()
    g = bouncer(procs, d, db)
    a = attach(procs, g, caps="draft/chathistory batch message-tags "
               "server-time")
    bob = chat(procs, d, "bob")
    ids = []
    for i in range(7):
        bob.send("SEND alice r%d" % i)
        bob.expect(r"^SEND-OK$")
        ids.append(a.expect(r"^@msgid=(\d+);time=\S+ :bob!\S+ PRIVMSG "
                            r"alice :r%d$" % i).group(1))
    a.send("CHATHISTORY AROUND bob msgid=%s 3" % ids[3])
    got = []
    while True:
        line = a.expect(r"(PRIVMSG alice :r\d$| BATCH -)").group(1)
        if "BATCH" in line:
            break
        got.append(line[-2:])
    # limit/2 before the selector, the rest from it on, in order
    assert got == ["r2", "r3", "r4"], got
