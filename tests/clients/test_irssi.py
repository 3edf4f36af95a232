"""irssi 1.4, unconfigured, against chatircd in front of chatd.

irssi runs in a private tmux server with its own home dir; the tests type
into it and read its screen.  The only option given is the nick (-n).
"""
import re

from clientlib import (chat_login_soon, chat_user, clients, new_name,  # noqa
                       online, told_line, wait_until)

def status_nick(irssi):
    """The nick irssi's status bar shows, e.g. ' [04:01] [alice(+i)] ...'."""
    m = re.search(r"^ \[\d\d:\d\d\] \[([^\](]+)", irssi.view(), re.M)
    return m.group(1) if m else None


def logged_in(procs, clients, nick="alice", *gwargs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, *gwargs)
    irssi = clients.irssi(gw, nick)
    irssi.connect()
    irssi.wait_screen(r"End of MOTD|MOTD File is missing|No MOTD",
                      "the end of the welcome (MOTD or 422)")
    return chatd, gw, irssi


def test_connect_and_log_in(procs, clients):
    chatd, gw, irssi = logged_in(procs, clients)
    irssi.wait_screen(r"Welcome.*\balice\b", "a welcome for alice")
    assert status_nick(irssi) == "alice", irssi.report()
    watcher = chat_user(procs, chatd, "watcher")
    assert "alice" in online(watcher)


def test_nick_taken_ends_logged_in_under_another_name(procs, clients):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    taker = chat_user(procs, chatd, "alice")
    before = online(taker)
    irssi = clients.irssi(gw, "alice")
    irssi.connect()
    got = new_name(taker, before)
    assert re.fullmatch(r"[A-Za-z0-9]+", got)
    wait_until(lambda: told_line(irssi.view(), "alice", got),
               "a line telling that alice was taken and %s is used" % got,
               show=irssi.report)
    assert irssi.alive()
    # Really logged in under that name: the round trip works.
    irssi.type("/msg echobot taken-but-fine")
    irssi.window("echobot")
    irssi.wait_screen(r"<.?%s> taken-but-fine" % got, "own line as " + got)
    irssi.wait_screen(r"<.?echobot> taken-but-fine")
    # irssi 1.4 takes the 001's nick without redrawing its status bar; it
    # shows the new nick from the next redraw on (here: the window switch).
    wait_until(lambda: status_nick(irssi) == got,
               "irssi's status bar to show %s" % got, show=irssi.report)


def test_msg_echobot_round_trip(procs, clients):
    chatd, gw, irssi = logged_in(procs, clients)
    irssi.type("/msg echobot hi")
    irssi.window("echobot")
    irssi.wait_screen(r"<.?alice> hi\s*$", "own line in the query")
    irssi.wait_screen(r"<.?echobot> hi\s*$", "echobot's answer")


def test_message_from_another_user_opens_query(procs, clients):
    chatd, gw, irssi = logged_in(procs, clients)
    bob = chat_user(procs, chatd, "bob")
    bob.send("SEND alice hello from the chat side")
    bob.expect(r"^SEND-OK$")
    irssi.wait_screen(r"\[Act: .*2", "activity in a new window")
    irssi.window("bob")
    irssi.wait_screen(r"<.?bob> hello from the chat side\s*$")
    # and the answer goes back to bob
    irssi.type("hello bob")
    bob.expect(r"^DELIVERY alice hello bob$")


def test_missing_user_shows_no_such_nick(procs, clients):
    chatd, gw, irssi = logged_in(procs, clients)
    irssi.type("/msg nobody x")
    irssi.window("nobody")
    irssi.wait_screen(r"nobody.*No such nick", "the 401 in the query")


def test_quit_frees_the_name(procs, clients):
    chatd, gw, irssi = logged_in(procs, clients)
    irssi.type("/quit bye")
    wait_until(lambda: not irssi.alive(), "irssi to exit",
               show=irssi.report)
    assert "QUIT :bye" in irssi.tap.sent()
    chat_login_soon(procs, chatd, "alice")


# ---- issue 4: the &chat channel and surviving an upstream restart ----

NOTICE_RX = r"^(@\S+ )?(:\S+ )?(NOTICE|FAIL|WARN|NOTE) "


def users_shown(irssi):
    """Nicks of the last '[Users &chat]' block on the screen."""
    text = irssi.view()
    i = text.rfind("[Users &chat]")
    if i < 0:
        return set()
    block = text[i:].split("Total of")[0]
    return set(re.findall(r"\[.?([A-Za-z0-9_]+)\s*\]", block))


def test_chat_channel_joined_with_nick_list(procs, clients):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    chat_user(procs, chatd, "bob")
    irssi = clients.irssi(gw, "alice")
    irssi.connect()
    irssi.window("&chat")
    irssi.wait_screen(r"Total of \d+ nicks", "the nick list of &chat")
    assert {"alice", "bob", "echobot"} <= users_shown(irssi), irssi.report()
    # irssi's sync queries (MODE, WHO, MODE b) were all answered; irssi
    # paces them 2.5 s apart, an unanswered one would stall it for 60 s.
    irssi.wait_screen(r"Join to &chat was synced in \d+ secs",
                      "&chat synced", timeout=30)


def test_chat_channel_shows_arrivals_and_departures(procs, clients):
    chatd, gw, irssi = logged_in(procs, clients)
    irssi.window("&chat")
    irssi.wait_screen(r"Total of \d+ nicks", "the nick list of &chat")
    dave = chat_user(procs, chatd, "dave")
    irssi.wait_screen(r"\bdave\b.*has joined &chat", "dave joining")
    dave.close()
    irssi.wait_screen(r"\bdave\b.*has (quit|left)", "dave leaving")


def test_seed_commands_typed_in_chat_channel(procs, clients):
    """!who, @user message and help, typed in &chat as in the seed."""
    chatd, gw, irssi = logged_in(procs, clients)
    irssi.window("&chat")
    irssi.wait_screen(r"Total of \d+ nicks", "the nick list of &chat")
    irssi.type("!who")
    irssi.wait_screen(r"There are 3 online users:\s*\n.*\bechobot\b",
                      "the !who answer")
    irssi.type("@echobot hi there")
    irssi.wait_screen(r"echobot.*delivered", "the @echobot answer")
    irssi.type("@nobody x")
    irssi.wait_screen(r"The destination user does not exist.*nobody",
                      "the @nobody answer")
    irssi.window("echobot")
    irssi.wait_screen(r"<.?echobot> hi there\s*$", "echobot's answer")


def test_survives_upstream_restart(procs, clients):
    chatd, gw, irssi = logged_in(procs, clients)
    irssi.type("/msg echobot before")
    irssi.window("echobot")
    irssi.wait_screen(r"<.?echobot> before\s*$")
    port = chatd.port
    mark = irssi.tap.mark()
    assert chatd.stop() == 0
    # the user is told that the chat server went away
    wait_until(lambda: irssi.tap.got_since(mark, NOTICE_RX),
               "a notice about the lost chat server", show=irssi.report)
    chatd2 = procs.chatd("--port", str(port))
    assert chatd2.port == port
    # logged in again under the same name, without the client noticing
    watcher = chat_user(procs, chatd2, "watcher")
    wait_until(lambda: "alice" in online(watcher), "alice back upstream",
               timeout=30, show=irssi.report, step=0.5)
    irssi.type("/msg echobot after")
    irssi.window("echobot")
    irssi.wait_screen(r"<.?echobot> after\s*$")
    assert irssi.alive()
    assert irssi.tap.connections() == 1, \
        "irssi had to reconnect\n" + irssi.report()


# ---- issue 10: TLS ----

def test_tls_msg_echobot_round_trip(procs, clients, tmp_path):
    """`/connect -tls` with the test's certificate trusted (-tls_cafile)
    and verified: irssi 1.4 matches only DNS names, so it connects to
    localhost (-4: the tap listens on 127.0.0.1)."""
    from types import SimpleNamespace
    from conftest import make_cert
    cert, key, _ = make_cert(tmp_path)
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--tls-listen", "127.0.0.1:0",
                        "--tls-cert", cert, "--tls-key", key)
    tport = gw.listening_all(2)[1][1]
    irssi = clients.irssi(SimpleNamespace(host="127.0.0.1", port=tport))
    irssi.type("/connect -4 -tls -tls_verify -tls_cafile %s localhost %d"
               % (cert, irssi.tap.port))
    irssi.wait_screen(r"End of MOTD|MOTD File is missing|No MOTD",
                      "the end of the welcome (MOTD or 422)")
    irssi.type("/msg echobot over tls")
    irssi.window("echobot")
    irssi.wait_screen(r"<.?alice> over tls\s*$", "own line in the query")
    irssi.wait_screen(r"<.?echobot> over tls\s*$", "echobot's answer")
    wait_until(lambda: "over TLS" in gw.stderr(), "a TLS session",
               show=irssi.report)


def test_irssi_service_help(procs, clients, tmp_path):
    """/msg *chatircd help to the bouncer's service (issue 16): irssi opens
    the *chatircd query and shows its answer there."""
    import subprocess
    from conftest import CHATIRCD
    db = str(tmp_path / "b.db")
    r = subprocess.run([CHATIRCD, "--db", db, "--add-user", "alice"],
                       input="hunter2\n", text=True, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--db", db)
    irssi = clients.irssi(gw, "alice")
    irssi.type("/connect %s %d alice:hunter2" % (irssi.tap.host,
                                                 irssi.tap.port))
    irssi.wait_screen(r"End of MOTD|MOTD File is missing|No MOTD",
                      "the end of the welcome (MOTD or 422)")
    irssi.type("/msg *chatircd help passwd")
    irssi.window("*chatircd")
    irssi.wait_screen(r"<.?\*chatircd> passwd NEWPASSWORD: change your "
                      r"password", "the service's answer in its query")
    irssi.type("/msg *chatircd status")
    irssi.wait_screen(r"<.?\*chatircd> Account alice: logged in upstream "
                      r"as alice", "status in the same query")
