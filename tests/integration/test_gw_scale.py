"""Presence that costs linear time (issue 9): logins arriving together
share one user-list request for their &chat join, and past
--channel-large &chat neither lists everyone at join nor sends a JOIN or
QUIT per arrival (NAMES on request and MONITOR still work)."""
import socket
import time

from gwlib import FakeUpstream, chat, irc


class SlowListUpstream(FakeUpstream):
    """Answers WHO only when told to (answer_lists()), to whoever asked."""

    def __init__(self):
        super().__init__()
        self.askers = []

    def answer(self, c, line):
        if line in ("WHO", "LIST"):
            self.askers.append((c, line))
        else:
            super().answer(c, line)

    def answer_lists(self):
        for c, kw in self.askers:
            c.sendall(("%s-OK %s\n" % (kw, ",".join(self.users))).encode())
        self.askers = []


def test_logins_together_share_one_user_list(procs):
    up = SlowListUpstream()
    try:
        g = procs.chatircd(up.addr, "--poll-interval", "3600")
        socks = []
        for i in range(20):
            s = socket.create_connection((g.host, g.port))
            s.sendall(b"NICK user%d\r\nUSER u 0 * :u\r\n" % i)
            socks.append(s)
        deadline = time.time() + 10
        while (sum(1 for line in up.got if line.startswith("HELLO-FROM"))
               < len(socks) and time.time() < deadline):
            time.sleep(0.05)
        time.sleep(0.2)
        whos = sum(1 for line in up.got if line in ("WHO", "LIST"))
        up.answer_lists()
        joined = 0
        bufs = [b""] * len(socks)
        while joined < len(socks) and time.time() < deadline:
            joined = 0
            for i, s in enumerate(socks):
                s.settimeout(0.05)
                try:
                    bufs[i] += s.recv(65536)
                except socket.timeout:
                    pass
                joined += b" 366 " in bufs[i]
        assert joined == len(socks)
        # one per login before (20); now the logins share the one asked
        assert whos == 1, whos
        for s in socks:
            s.close()
    finally:
        up.close()


def test_large_channel_lists_nobody_at_join(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--channel-large", "3", "--poll-interval", "1")
    for name in ("bob", "carol", "dave"):
        chat(procs, d, name)
    a = irc(procs, g, "alice")
    names = a.expect(r" 353 alice = &chat :(.*)$").group(1)
    assert names == "alice"
    a.expect(r" 366 alice &chat ")
    a.expect(r"NOTICE &chat :\d+ users are online: too many to list")
    a.send("MONITOR + erin")
    a.expect(r" 731 alice :erin")
    chat(procs, d, "erin")
    a.expect(r" 730 alice :erin!erin@", timeout=5)    # MONITOR still works
    a.expect_none(r" JOIN &chat", wait=1.5)
    a.send("NAMES &chat")
    full = a.expect(r" 353 alice = &chat :(.*)$").group(1).split()
    assert {"bob", "carol", "dave", "erin", "alice"} <= set(full)
