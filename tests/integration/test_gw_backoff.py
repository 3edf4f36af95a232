"""Issue 10 defect 3: a chat server that breaks every login soon after
accepting it gets a growing pause between attempts (a login must last
30 s to reset the backoff), and the user is told once, not every cycle;
and a user list longer than the old 64 KiB line bound (a server with
~8,000 users) no longer drops the connection."""
import time

from gwlib import BreakingUpstream, FakeUpstream, irc


def test_logins_that_do_not_last_back_off_and_are_told_once(procs):
    up = BreakingUpstream()
    try:
        g = procs.chatircd(up.addr, "--reconnect-min", "100",
                           "--reconnect-max", "1000")
        a = irc(procs, g, "alice")
        time.sleep(5)
        logins = sum(1 for l in up.got if l.startswith("HELLO-FROM"))
        told = [l for l in a.drain(0.2) if " NOTICE alice :" in l]
        lost = [l for l in told if "connection to the chat server was lost"
                in l or "Reconnected" in l]
        # 100, 200, 400, 800, 1000 ms (each 1/2..1 of that) plus 0.2 s a
        # login: at most 9 in 5 s (without the backoff: about 20)
        assert logins <= 9, (logins, told)
        assert len(lost) <= 2, told
        assert sum("keeps closing the connection" in l for l in told) == 1, (
            told, g.stderr()[-2500:])
    finally:
        up.close()


def test_user_list_of_8000_names(procs):
    up = FakeUpstream()
    up.users = ["user%d" % i for i in range(8000)]  # 76 KB on one line
    try:
        g = procs.chatircd(up.addr)
        a = irc(procs, g, "alice")
        a.expect(r" 366 alice &chat ", timeout=15)
        a.send("NAMES")
        a.expect(r" 353 alice = \* :.*user7999")
        a.expect(r" 366 alice \* ")
        assert "line over upstream-line-max" not in g.stderr()
    finally:
        up.close()
