"""chatircd presence (issue 4): one shared user list for the whole gateway.
Every session learns arrivals and departures, yet the chat server sees
about one user-list request per poll interval, not one per session."""
import time

from gwlib import FakeUpstream, chat, irc


def polls(up, since=0):
    return sum(1 for l in up.got[since:] if l in ("WHO", "LIST"))


def test_one_poll_per_interval_for_many_sessions(procs):
    up = FakeUpstream()
    try:
        gw = procs.chatircd(up.addr, "--poll-interval", "1")
        n = 8
        users = [irc(procs, gw, "user%d" % i) for i in range(n)]
        for u in users:
            u.expect(r" 366 %s &chat " % u.nick)
        time.sleep(0.5)
        start = len(up.got)
        time.sleep(3.0)
        got = polls(up, start)
        # one session asks for all: about 3 in 3 s, never one each
        assert 1 <= got < n, "%d polls in 3 s for %d sessions" % (got, n)
    finally:
        up.close()


def test_every_session_sees_changes(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--poll-interval", "1")
    users = [irc(procs, gw, n) for n in ("alice", "bob", "carol")]
    for u in users:
        u.expect(r" 366 %s &chat " % u.nick)
    dave = chat(procs, chatd, "dave")
    for u in users:
        u.expect(r"^:dave!dave@\S+ JOIN &chat$", timeout=5)
    dave.close()
    for u in users:
        u.expect(r"^:dave!dave@\S+ QUIT :", timeout=5)
    # nobody is told about themselves
    for u in users:
        assert not any(l.startswith(":%s!" % u.nick) and " QUIT " in l
                       for l in u.lines), u.transcript()


def test_poll_interval_logged(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "-v", "--poll-interval", "7")
    irc(procs, gw, "alice").expect(r" 366 alice &chat ")
    assert "limit poll-interval 7" in gw.stderr()
    assert "one shared poll every 7 s" in gw.stderr()
