"""chatircd's upstream side: the reply FIFO (DELIVERY between replies),
BAD-RQST-*, garbage, losing the server, dialect detection."""
import time

import pytest

from gwlib import FakeUpstream, chat, irc


@pytest.fixture
def fake():
    up = FakeUpstream()
    yield up
    up.close()


def test_replies_match_requests_in_order(procs, fake):
    g = procs.chatircd(fake.addr)
    a = irc(procs, g, "alice", caps="echo-message")
    a.send("PRIVMSG bob :first")
    a.send("PRIVMSG carol :second")
    a.send("NOTICE dave :third")
    a.send("PING sync")
    a.expect(r"PONG")
    time.sleep(0.2)
    fake.push("DELIVERY eve between\nSEND-OK\nDELIVERY eve again\n"
              "UNKNOWN\nBAD-DEST-USER\n")
    a.expect(r"^:alice!alice@\S+ PRIVMSG bob :first$")
    a.expect(r" 401 alice carol ")
    a.send("PING end")
    a.expect(r"PONG")
    seen = "\n".join(a.lines)
    assert ":eve!eve@" in seen and " 401 alice dave " not in seen
    assert seen.index("between") < seen.index("PRIVMSG bob :first")
    assert seen.index("again") < seen.index(" 401 alice carol ")


def test_bad_request_body_for_send_is_explained(procs, fake):
    g = procs.chatircd(fake.addr)
    a = irc(procs, g, "alice")
    a.send("PRIVMSG bob :refused")
    time.sleep(0.2)
    fake.push("BAD-RQST-BODY\n")
    a.expect(r"NOTICE alice :Message to bob not delivered: Error: Unknown "
             r"issue in previous message body\.")


def test_garbage_from_upstream_ends_session_clearly(procs, fake):
    g = procs.chatircd(fake.addr)
    a = irc(procs, g, "alice")
    fake.push("WHAT IS THIS\n")
    a.expect(r"NOTICE alice :The connection to the chat server was lost "
             r"\(the chat server sent a message the gateway does not "
             r"understand")
    a.expect(r"NOTICE alice :Reconnected to the chat server as alice")
    assert "unparsable line from upstream: WHAT IS THIS" in g.stderr()


def test_chat_server_gone_after_login(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    assert d.stop() == 0
    a.expect(r"NOTICE alice :The connection to the chat server was lost "
             r"\(The chat server closed the connection\); the gateway is "
             r"reconnecting")
    a.expect_none(r"^ERROR ", wait=1.5)   # issue 4: the session stays


@pytest.mark.parametrize("dialect", ["original", "newer"])
def test_dialect_detected_and_remembered(procs, dialect):
    d = procs.chatd("--only-dialect", dialect)
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    for _ in range(3):
        a.send("ISON echobot")
        a.expect(r" 303 alice :echobot$")
    a.send("VERSION")
    a.expect(r" 351 alice .*\(%s dialect\)" % dialect)
    log = g.stderr()
    assert log.count("upstream dialect: ") <= 2
    if dialect == "newer":
        assert "trying newer (BAD-RQST-HDR)" in log
    assert "trying original" not in log
