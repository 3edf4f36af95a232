"""chatircd behind a chat server that keeps at most 5 logins per source
address and silently closes the oldest (chatd --per-address 5): no
eviction war, users told why; --upstream-bind spreads sessions over local
addresses; --upstream-per-address is the gateway's own limit (issue 4)."""
import re
import time

from gwlib import irc

EVICTED = (r"NOTICE (\S+) :The chat server closed your connection right "
           r"after another user of this gateway logged in: it keeps at most "
           r"5 logins per source address")
REFUSED = r"^ERROR :Closing link: .*Cannot log in: this gateway already has"


def register(procs, g, nick):
    """Register nick; the client and 'ok' or 'refused'."""
    c = procs.client(g, eol=b"\r\n", name=nick)
    c.send("NICK " + nick)
    c.send("USER u 0 * :r")
    m = c.expect(r" 001 | 422 |%s" % REFUSED)
    return c, "refused" if "ERROR" in m.string else "ok"


def test_eight_sessions_behind_one_address_no_war(procs):
    d = procs.chatd("--per-address", "5")
    g = procs.chatircd(d, "--reconnect-min", "100", "--reconnect-max",
                       "1000")
    users = [register(procs, g, "user%d" % i) for i in range(8)]
    time.sleep(3)
    logins_then = len(re.findall(r"login attempt|reconnect attempt",
                                 g.stderr()))
    time.sleep(5)                   # a war would log in again and again
    logins = len(re.findall(r"login attempt|reconnect attempt",
                            g.stderr()))
    assert logins == logins_then, g.stderr()
    assert logins <= 10, g.stderr()
    told = 0
    for c, state in users:
        lines = c.drain(0.2)
        if state == "refused" or any(re.search(EVICTED, x) for x in
                                     c.lines):
            told += 1
    assert told == 3, "\n".join(c.transcript() for c, _ in users)
    assert "evicted by the chat server" in g.stderr()
    # one user leaves: a waiting one gets its slot back
    live = [c for c, s in users if s == "ok" and not any(
        re.search(EVICTED, x) for x in c.lines)]
    waiting = [c for c, s in users if any(re.search(EVICTED, x) for x in
                                          c.lines)]
    assert len(live) == 5
    if waiting:
        live[0].send("QUIT :bye")
        deadline = time.monotonic() + 5
        back = False
        while not back and time.monotonic() < deadline:
            for w in waiting:
                w.drain(0.1)
                back = back or any("Reconnected to the chat server" in x
                                   for x in w.lines)
        assert back, "\n".join(w.transcript() for w in waiting)


def test_upstream_bind_spreads_sessions(procs):
    d = procs.chatd("--per-address", "5")
    g = procs.chatircd(d, "--upstream-bind", "127.0.0.1,127.0.0.2")
    users = [register(procs, g, "user%d" % i) for i in range(8)]
    assert all(s == "ok" for _, s in users)
    time.sleep(1)
    for c, _ in users:
        c.send("PRIVMSG echobot :still here")
        c.expect(r"PRIVMSG %s :still here$" % c.name)
        assert not any("lost" in x or "closed your" in x for x in c.lines)
    assert "upstream-bind: 127.0.0.2" in g.stderr()


def test_upstream_per_address_refuses_past_limit(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "-v", "--upstream-per-address", "2")
    assert register(procs, g, "one")[1] == "ok"
    assert register(procs, g, "two")[1] == "ok"
    c, state = register(procs, g, "three")
    assert state == "refused"
    c.expect_closed()
    assert "limit upstream-per-address 2" in g.stderr()


def test_upstream_per_address_next_bind_address(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--upstream-per-address", "1", "--upstream-bind",
                       "127.0.0.1,127.0.0.3")
    assert register(procs, g, "one")[1] == "ok"
    assert register(procs, g, "two")[1] == "ok"
    assert register(procs, g, "three")[1] == "refused"


def test_upstream_bind_bad_value_refused_at_start():
    import subprocess
    from gwlib import CHATIRCD
    p = subprocess.run([CHATIRCD, "--listen", "127.0.0.1:0",
                        "--upstream-bind", "not-an-address"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10)
    assert p.returncode != 0
    assert b'upstream-bind: "not-an-address" is not a list' in p.stderr
