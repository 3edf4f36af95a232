"""chatircd: the upstream goes away and comes back (issue 4): the IRC
session stays, the user is told, nothing typed meanwhile is lost silently."""
import re
import socket
import time

from gwlib import FakeUpstream, chat, irc
from conftest import CHATD, Daemon

FAST = ("--reconnect-min", "200", "--reconnect-max", "800")


def restart_chatd(procs, d, *args):
    """Kill chatd and start a new one on the same port."""
    d.kill()
    time.sleep(0.3)
    return start_chatd(procs, d.port, *args)


def start_chatd(procs, port, *args):
    new = Daemon([CHATD, "--bind", "127.0.0.1", "--port", str(port)] +
                 list(args), "chatd")
    procs.daemons.append(new)
    return new


def account(a, texts, wait=8.0):
    """Sort every typed text into delivered (echo-message echo: SEND-OK
    came), not confirmed, or not delivered, from everything a received;
    read until all are placed. Returns (placed, every line)."""
    rx = re.compile(r"^:alice!\S+ PRIVMSG echobot :(\S+)$|"
                    r"NOTICE alice :Message to echobot (not confirmed|"
                    r"not delivered): .*: (\S+)$")
    deadline = time.monotonic() + wait
    while True:
        a.drain(0.2)
        placed = {}
        for line in a.lines:
            m = rx.search(line)
            if not m or (m.group(1) or m.group(3)) not in texts:
                continue
            text = m.group(1) or m.group(3)
            assert text not in placed, "%s placed twice\n%s" % (
                text, a.transcript())
            placed[text] = "delivered" if m.group(1) else m.group(2)
        if len(placed) == len(texts) or time.monotonic() > deadline:
            return placed, list(a.lines)


def test_restart_mid_chat_nothing_unaccounted(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--hold-max", "5", *FAST)
    a = irc(procs, g, "alice", caps="echo-message")
    a.send("PRIVMSG echobot :before")
    a.expect(r"^:echobot!\S+ PRIVMSG alice :before$")
    inflight = ["inflight%d" % i for i in range(3)]
    for t in inflight:              # answered or "not confirmed"
        a.send("PRIVMSG echobot :" + t)
    d.kill()                        # the user is told
    a.expect(r"NOTICE alice :The connection to the chat server was lost "
             r"\((The chat server closed the connection|Chat server "
             r"connection error: .*)\); the gateway is reconnecting\. "
             r"Messages you send meanwhile are held \(up to 5\)")
    typed = ["outage%d" % i for i in range(8)]
    for t in typed:
        a.send("PRIVMSG echobot :" + t)
    time.sleep(0.5)
    start_chatd(procs, d.port)      # same port
    placed, seen = account(a, typed + inflight)
    assert any(re.search(r"NOTICE alice :Reconnected to the chat server as "
                         r"alice\.", x) for x in seen), a.transcript()
    delivered = [t for t in typed if placed.get(t) == "delivered"]
    reported = [t for t in typed if placed.get(t, "delivered") !=
                "delivered"]
    unaccounted = [t for t in typed if t not in placed]
    early = [placed.get(t) for t in inflight]
    assert None not in early
    print("in flight at the kill: %s" % early)
    print("restart count: typed %d delivered %d reported %d "
          "unaccounted %d" % (len(typed), len(delivered), len(reported),
                              len(unaccounted)))
    assert unaccounted == [], a.transcript()
    # hold-max 5: of the 8 typed while down (plus any in-flight one read
    # only after the loss) at most 5 wait, the rest are named at once
    assert len(delivered) <= 5 and len(reported) >= 3
    for t in delivered:             # echobot answers after the login
        a.drain(0.5)
        assert ":echobot!echobot@127.0.0.1 PRIVMSG alice :" + t in \
            a.lines, a.transcript()
    a.expect_none(r"^ERROR|NICK", wait=0.3)
    assert "reconnect attempt" in g.stderr()


def test_messages_held_in_order_and_relogin_same_nick(procs):
    d = procs.chatd()
    g = procs.chatircd(d, *FAST)
    a = irc(procs, g, "alice")
    d.kill()
    a.expect(r"the gateway is reconnecting")
    for i in range(3):
        a.send("PRIVMSG echobot :held%d" % i)
    d = start_chatd(procs, d.port)
    a.expect(r"NOTICE alice :Reconnected to the chat server as alice\. "
             r"Sending the messages held meanwhile\.")
    for i in range(3):
        a.expect(r"^:echobot!\S+ PRIVMSG alice :held%d$" % i)
    b = chat(procs, d, "bob")       # reachable under the same name again
    b.send("SEND alice after")
    a.expect(r"^:bob!\S+ PRIVMSG alice :after$")


def test_restart_when_nick_taken_meanwhile(procs):
    d = procs.chatd()
    # first retry 3-6 s after the loss: the raw login below must win the
    # name even when chatd starts slowly (the valgrind pass)
    g = procs.chatircd(d, "--reconnect-min", "6000", "--reconnect-max",
                       "12000")
    a = irc(procs, g, "alice")
    d = restart_chatd(procs, d)
    a.expect(r"the gateway is reconnecting")
    chat(procs, d, "alice")         # someone else took the name
    a.expect(r"^:alice!alice@\S+ NICK :alice2$", timeout=20)
    a.expect(r"NOTICE alice2 :Cannot log in as alice\. That username is "
             r"already in use\. Successfully logged in as alice2! Your "
             r"nick is alice2; /nick picks another\.")
    a.expect(r"NOTICE alice2 :Reconnected to the chat server as alice2\.")
    a.send("PRIVMSG echobot :as alice2")
    a.expect(r"^:echobot!\S+ PRIVMSG alice2 :as alice2$")


def test_queries_while_away_get_try_again(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--reconnect-min", "3000", "--reconnect-max",
                       "6000")
    a = irc(procs, g, "alice")
    d.kill()
    a.expect(r"the gateway is reconnecting")
    a.send("WHOIS echobot")
    a.expect(r" 263 alice WHOIS :Please wait a while and try again")
    a.send("NICK other")
    a.expect(r" 263 alice NICK :The chat server is not connected")


def test_send_in_flight_reported_not_confirmed(procs):
    up = FakeUpstream()             # never answers SEND
    try:
        g = procs.chatircd(up.addr, *FAST)
        a = irc(procs, g, "alice")
        a.send("PRIVMSG bob :are you there, with a long tail of text "
               "that is cut")
        deadline = time.monotonic() + 5
        while not any(x.startswith("SEND bob") for x in up.got):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with up.lock:
            for c in up.conns:
                c.shutdown(socket.SHUT_RDWR)
        a.expect(r"NOTICE alice :Message to bob not confirmed: the chat "
                 r"server connection was lost; it may or may not have "
                 r"arrived: are you there, with a long tail of text \.\.\.$")
        a.expect(r"NOTICE alice :Reconnected to the chat server as alice")
    finally:
        up.close()


def test_silent_upstream_is_noticed(procs):
    up = FakeUpstream()
    up.answer_who = False           # logs in, then never answers again
    try:
        g = procs.chatircd(up.addr, "-v", "--keepalive", "1",
                           "--upstream-timeout", "2", *FAST)
        a = irc(procs, g, "alice")
        a.expect(r"NOTICE alice :The connection to the chat server was lost "
                 r"\(no answer from the chat server for 2 seconds\)",
                 timeout=8)
        a.expect(r"NOTICE alice :Reconnected to the chat server as alice")
        assert "limit keepalive 1" in g.stderr()
        assert "limit upstream-timeout 2" in g.stderr()
        assert sum(1 for x in up.got if x == "HELLO-FROM alice") >= 2
    finally:
        up.close()


def test_backoff_grows_while_server_down(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "-v", "--reconnect-min", "100", "--reconnect-max",
                       "400")
    a = irc(procs, g, "alice")
    d.kill()
    a.expect(r"the gateway is reconnecting")
    time.sleep(3)
    n = g.stderr().count("reconnect attempt")
    # 100, 200, 400, 400... ms (jitter: half to all of each): 3 s holds
    # at least 6 and at most 3 / 0.05 attempts; without backoff far more
    assert 6 <= n <= 20, n
    a.expect_none(r"lost", wait=0.2)    # told once per outage
    assert "limit reconnect-max 400" in g.stderr()
