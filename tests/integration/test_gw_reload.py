"""SIGHUP (issue 11): the -f file is read again; what may change from the
next use on (limits for new sessions, the MOTD, debug lines) does, each
change logged, the rest is named as needing a restart, and no session is
dropped."""
import signal
import time

from gwlib import irc


def test_sighup_reloads_what_it_can(procs, tmp_path):
    motd_a = tmp_path / "a.motd"
    motd_b = tmp_path / "b.motd"
    motd_a.write_text("first message of the day\n")
    motd_b.write_text("second message of the day\n")
    cfg = tmp_path / "chatircd.conf"
    cfg.write_text("max-clients 5\nmotd-file %s\nnetwork chat\n" % motd_a)
    d = procs.chatd()
    g = procs.chatircd(d, "-f", str(cfg))
    a = irc(procs, g, "alice")
    assert any("first message of the day" in line for line in a.lines)
    cfg.write_text("max-clients 1\nmotd-file %s\nnetwork other\n" % motd_b)
    g.signal(signal.SIGHUP)
    deadline = time.time() + 5
    while "reload: max-clients" not in g.stderr() and time.time() < deadline:
        time.sleep(0.05)
    log = g.stderr()
    assert "reload: max-clients 5 -> 1" in log
    assert "reload: motd-file %s -> %s" % (motd_a, motd_b) in log
    assert "reload: network is other in %s but stays chat until a restart" \
        % cfg in log
    a.send("PING still-here")                  # the session stayed
    a.expect(r"PONG \S+ :still-here")
    a.send("MOTD")
    a.expect(r" 372 alice :- second message of the day")
    late = procs.client(g, eol=b"\r\n", name="late")   # max-clients 1 now
    late.expect(r"^ERROR :Closing link: Server full: 1 clients")
