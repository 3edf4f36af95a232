"""chatircd: NICK after login, make before break (issue 4): a second
upstream login under the new name, the old one closed only after it."""
import re
import time

import pytest

from gwlib import chat, irc


@pytest.fixture
def gw(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    return d, g


def test_nick_to_free_name_loses_nothing(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    b.send("SEND alice right before")
    a.send("NICK zed")
    for i in range(5):              # to the old name during the change
        b.send("SEND alice during %d" % i)
    a.expect(r"^:alice!alice@\S+ NICK :zed$")
    b.send("SEND zed right after")  # the new name, once told
    ok = 0
    for _ in range(7):
        if b.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$").group(1) == \
                "SEND-OK":
            ok += 1
    a.expect(r"^:bob!\S+ PRIVMSG (alice|zed) :right after$")
    a.drain(0.5)
    got = [x for x in a.lines if "PRIVMSG" in x and
           x.startswith(":bob!")]
    # every SEND-OK bob got is a line alice (now zed) saw
    assert len(got) == ok, (ok, got, a.transcript())
    assert any(x.endswith(":right before") for x in got)
    a.send("PRIVMSG echobot :new name")
    a.expect(r"^:echobot!\S+ PRIVMSG zed :new name$")
    time.sleep(1.5)                 # the old login stays 1 s after
    b.send("SEND alice gone?")      # its replies, then closes
    b.expect(r"^(UNKNOWN|BAD-DEST-USER)$")
    assert "nick alice -> zed (chat name zed)" in g.stderr()


def test_nick_to_taken_name_keeps_old(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    a.send("NICK bob")
    a.expect(r" 433 alice bob :Nickname is already in use")
    b.send("SEND alice still there")
    b.expect(r"^SEND-OK$")
    a.expect(r"^:bob!\S+ PRIVMSG alice :still there$")
    a.send("PRIVMSG echobot :same")
    a.expect(r"^:echobot!\S+ PRIVMSG alice :same$")
    a.expect_none(r" NICK ", wait=0.3)


def test_nick_invalid_refused_locally(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("NICK bad-name")
    a.expect(r" 432 alice bad-name :Erroneous nickname")
    a.send("NICK " + "x" * 70)
    a.expect(r" 432 alice x+ :Erroneous nickname")
    assert "nick change to" not in g.stderr()   # never went upstream
    a.send("PRIVMSG echobot :same")
    a.expect(r"^:echobot!\S+ PRIVMSG alice :same$")


def test_nick_twice_and_back(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("NICK one")
    a.expect(r"^:alice!alice@\S+ NICK :one$")
    a.send("NICK two")
    a.expect(r"^:one!one@\S+ NICK :two$")
    time.sleep(1.5)
    a.send("NICK alice")            # the first name was freed
    a.expect(r"^:two!two@\S+ NICK :alice$")
    time.sleep(1.5)
    b = chat(procs, d, "carol")
    b.send("WHO")
    names = re.search(r"^WHO-OK (\S+)$", b.expect(r"^WHO-OK ").string)
    users = names.group(1).split(",")
    assert "alice" in users and "one" not in users and "two" not in users
