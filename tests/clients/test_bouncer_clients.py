"""irssi and WeeChat, at their defaults plus a password, against chatircd
as a bouncer (--db): a message that arrived while no client was attached
is shown on attach in the query window of its sender, with the time it
reached the gateway (not the time of the replay).

To tell the two times apart, the stored message is moved three hours
back in the database while the gateway is stopped (msg.time_ms, see
docs/bouncer.md). Both clients take server-time by default; irssi 1.4
prints it only with `/set show_server_time on` (its default is off: its
lines carry the time they were printed), which docs/bouncer.md tells
irssi users to set, and so does this test.
"""
import re
import signal
import sqlite3
import subprocess
import time

from clientlib import chat_user, clients, online, wait_until  # noqa: F401
from conftest import CHATIRCD

PW = "hunter2"
BACK_MS = 3 * 3600 * 1000


def bouncer_with_a_missed_message(procs, tmp_path):
    """A gateway whose account alice got 'sent while away' from bob three
    hours ago (as stored); returns (gateway, the local HH:MM of it)."""
    db = str(tmp_path / "b.db")
    r = subprocess.run([CHATIRCD, "--db", db, "--add-user", "alice"],
                       input=PW + "\n", text=True, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--db", db)
    bob = chat_user(procs, chatd, "bob")
    wait_until(lambda: "alice" in online(bob), "alice online upstream")
    bob.send("SEND alice sent while away")
    bob.expect(r"^SEND-OK$")
    time.sleep(0.3)
    gw.signal(signal.SIGTERM)
    assert gw.proc.wait(10) == 0
    gw.proc.stdout.close()
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE msg SET time_ms = time_ms - ?", (BACK_MS,))
        stored = con.execute("SELECT max(time_ms) FROM msg").fetchone()[0]
    con.close()
    gw = procs.chatircd(chatd, "--db", db)
    return gw, time.strftime("%H:%M", time.localtime(stored / 1000))


def test_irssi_reattach_shows_missed_message_with_its_time(procs, clients,
                                                          tmp_path):
    gw, hhmm = bouncer_with_a_missed_message(procs, tmp_path)
    assert hhmm != time.strftime("%H:%M")
    irssi = clients.irssi(gw, "alice")
    irssi.type("/set show_server_time on")
    irssi.type("/connect %s %d alice:%s" % (irssi.tap.host, irssi.tap.port,
                                            PW))
    irssi.window("bob")
    # a time on another day (a run soon after midnight) has its date first
    irssi.wait_screen(r"^(?:\w{3} +\d+ \w{3} )?%s <.?bob> sent while away"
                      r"\s*$" % hhmm,
                      "bob's line in its query with the stored time %s" %
                      hhmm)


def test_weechat_reattach_shows_missed_message_with_its_time(procs, clients,
                                                            tmp_path):
    gw, hhmm = bouncer_with_a_missed_message(procs, tmp_path)
    w = clients.weechat(gw, "alice")
    w.command("/server add t %s/%d -nicks=alice -password=alice:%s" % (
        w.tap.host, w.tap.port, PW))
    w.command("/connect t")
    m = w.wait_log("irc.t.bob", r"^\d{4}-\d\d-\d\d (\d\d:\d\d):\d\d\tbob\t"
                   r"sent while away$", "the missed line in bob's query")
    assert m.group(1) == hhmm, w.report()
