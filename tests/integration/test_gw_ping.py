"""chatircd pings idle IRC clients and drops the ones that do not answer
(issue 4): --ping-interval, --ping-timeout."""
import time

from gwlib import irc


def test_silent_client_dropped_with_ping_timeout(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "-v", "--ping-interval", "1", "--ping-timeout",
                       "1")
    a = irc(procs, g, "alice")
    a.expect(r"^PING :chatircd\.invalid$", timeout=4)
    a.expect(r"^ERROR :Closing link: alice\[127\.0\.0\.1\] \(Ping timeout: "
             r"\d seconds\)$", timeout=4)
    a.expect_closed()
    assert "limit ping-interval 1" in g.stderr()
    assert "limit ping-timeout 1" in g.stderr()


def test_client_answering_ping_stays(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--ping-interval", "1", "--ping-timeout", "1")
    a = irc(procs, g, "alice")
    for _ in range(3):
        a.expect(r"^PING :chatircd\.invalid$", timeout=4)
        a.send("PONG :chatircd.invalid")
    a.send("PRIVMSG echobot :still here")
    a.expect(r"^:echobot!\S+ PRIVMSG alice :still here$")


def test_busy_client_not_pinged(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--ping-interval", "2", "--ping-timeout", "1")
    a = irc(procs, g, "alice")
    end = time.monotonic() + 3.5
    while time.monotonic() < end:   # a line every 0.5 s: never idle
        a.send("PRIVMSG echobot :x")
        a.expect(r"PRIVMSG alice :x$")
        time.sleep(0.5)
    a.expect_none(r"^PING |^ERROR ", wait=0.2)
