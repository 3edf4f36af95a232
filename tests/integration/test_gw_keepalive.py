"""chatircd: the shared presence poll is the gateway-wide liveness probe
(issue 4): a hung chat server is noticed by every session within a bounded
time, idle sessions cause no per-session WHO storm, and upstream sockets
carry TCP keep-alive."""
import re
import shutil
import signal
import subprocess
import time

import pytest
from gwlib import FakeUpstream, irc

FAST = ("--reconnect-min", "200", "--reconnect-max", "800")
LOST = (r"NOTICE {} :The connection to the chat server was lost \(no "
        r"answer from the chat server for \d+ seconds\)")


def whos(up):
    return sum(1 for x in list(up.got) if x in ("WHO", "LIST"))


def test_hung_server_every_session_told(procs):
    up = FakeUpstream()
    try:
        # poll every 2 s, timeout 2 s, keepalive left at its default
        # (600 s): only the poll and the probes it triggers can notice
        g = procs.chatircd(up.addr, "-v", "--poll-interval", "2",
                           "--upstream-timeout", "2", *FAST)
        users = [irc(procs, g, "user%d" % i) for i in range(8)]
        time.sleep(0.5)
        up.answer_who = False       # alive, logged in, answers no more
        t0 = time.monotonic()
        # poll within 2 s, unanswered for 2 s: its session is lost and
        # every other silent session is probed; those time out 2 s later
        # (plus the 1 s sweep, twice, and slack). Without the probes the
        # poll would reach one session per 4 s: 28 s for the last one.
        bound = 2 + 2 * 2 + 2 + 2
        for u in users:
            left = bound - (time.monotonic() - t0)
            assert left > 0, "not all told within %d s" % bound
            u.expect(LOST.format(u.nick), timeout=left)
        assert "probing every session silent since then" in g.stderr()
        assert "limit keepalive 600" in g.stderr()
    finally:
        up.close()


def test_hung_chatd_sigstop_every_session_told(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--poll-interval", "1", "--upstream-timeout",
                       "2", *FAST)
    users = [irc(procs, g, "user%d" % i) for i in range(5)]
    time.sleep(0.5)
    d.signal(signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        bound = 1 + 2 * 2 + 2 + 2
        for u in users:
            left = bound - (time.monotonic() - t0)
            assert left > 0, "not all told within %d s" % bound
            u.expect(LOST.format(u.nick), timeout=left)
    finally:
        d.signal(signal.SIGCONT)
    for u in users:                 # and back once chatd runs again
        u.expect(r"NOTICE %s :Reconnected to the chat server" % u.nick,
                 timeout=15)


def test_idle_sessions_one_poll_per_interval(procs):
    up = FakeUpstream()
    try:
        g = procs.chatircd(up.addr, "--poll-interval", "1",
                           "--upstream-timeout", "2")
        users = [irc(procs, g, "idle%d" % i) for i in range(10)]
        time.sleep(1.5)
        n0 = whos(up)
        time.sleep(5)
        n = whos(up) - n0
        # one shared poll a second (half-interval staleness check on a
        # 1 s tick); a per-session probe would be 10 per round
        assert 3 <= n <= 7, n
        for u in users:
            u.expect_none(r"connection to the chat server was lost",
                          wait=0.05)
        assert "probing every session" not in g.stderr()
    finally:
        up.close()


def test_backstop_keepalive_only_for_silent_sessions(procs):
    up = FakeUpstream()
    try:
        # presence polls every 60 s (rarely here), keepalive 2 s: every
        # idle upstream gets its own WHO, but one that just received a
        # DELIVERY is left alone
        g = procs.chatircd(up.addr, "-v", "--poll-interval", "60",
                           "--keepalive", "2")
        a = irc(procs, g, "alice")
        time.sleep(0.3)
        n0 = whos(up)
        time.sleep(3.5)
        assert whos(up) - n0 >= 1      # the backstop still exists
        n1 = whos(up)
        for _ in range(12):            # bob talks to alice all the time
            up.push("DELIVERY bob hi\n")
            a.expect(r"PRIVMSG alice :hi$")
            time.sleep(0.5)
        # 6 s: three keep-alives if the traffic did not count; at most
        # one already under way when it started
        assert whos(up) - n1 <= 1
        assert "limit keepalive 2" in g.stderr()
    finally:
        up.close()


def test_upstream_sockets_have_tcp_keepalive(procs):
    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) not installed")
    up = FakeUpstream()
    try:
        g = procs.chatircd(up.addr)
        irc(procs, g, "alice")
        time.sleep(0.3)
        out = subprocess.run(
            ["ss", "-tnoH", "state", "established", "dst",
             "127.0.0.1:%d" % up.port], capture_output=True,
            text=True).stdout
        lines = [l for l in out.splitlines() if l.strip()]
        assert lines, out
        # ss shows the kernel's keep-alive timer: first probe after 60 s
        assert all(re.search(r"timer:\(keepalive,", l) for l in lines), out
    finally:
        up.close()
