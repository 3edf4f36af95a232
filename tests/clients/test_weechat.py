"""WeeChat 3.8 (weechat-headless), unconfigured, against chatircd + chatd.

Each test runs weechat-headless with a throwaway --dir.  Commands go in
through the fifo plugin (as if typed in a buffer), what WeeChat shows is
read from the logger's per-buffer files (flush_delay 0).  Settings used:
the server (`/server add t 127.0.0.1/PORT -nicks=alice`), nothing else.
WeeChat's default anti-flood (one message per 2 s) is kept.
"""
import re

from clientlib import (chat_login_soon, chat_user, clients, new_name,  # noqa
                       online, told_line, wait_until)

SRV = "irc.server.t"


def logged_in(procs, clients, nick="alice"):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    w = clients.weechat(gw, nick)
    w.connect()
    w.wait_log(SRV, r"End of MOTD|MOTD File is missing|No MOTD",
               "the end of the welcome (MOTD or 422)")
    return chatd, gw, w


def test_connect_and_log_in(procs, clients):
    chatd, gw, w = logged_in(procs, clients)
    w.wait_log(SRV, r"Welcome.*\balice\b", "a welcome for alice")
    watcher = chat_user(procs, chatd, "watcher")
    assert "alice" in online(watcher)


def test_nick_taken_ends_logged_in_under_another_name(procs, clients):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    taker = chat_user(procs, chatd, "alice")
    before = online(taker)
    w = clients.weechat(gw, "alice")
    w.connect()
    got = new_name(taker, before)
    assert re.fullmatch(r"[A-Za-z0-9]+", got)
    wait_until(lambda: told_line(w.all_logs(), "alice", got),
               "a line telling that alice was taken and %s is used" % got,
               show=w.report)
    assert w.alive()
    w.in_buffer(SRV, "/msg echobot taken-but-fine")
    w.wait_log("irc.t.echobot", r"\techobot\ttaken-but-fine$")


def test_invalid_nick_ends_logged_in_under_a_valid_name(procs, clients):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    watcher = chat_user(procs, chatd, "watcher")
    before = online(watcher)
    w = clients.weechat(gw, "ali-ce")
    w.connect()
    got = new_name(watcher, before)
    assert re.fullmatch(r"[A-Za-z0-9]+", got)
    wait_until(lambda: told_line(w.all_logs(), "ali-ce", got),
               "a line telling that ali-ce is not allowed and %s is used"
               % got, show=w.report)
    w.in_buffer(SRV, "/msg echobot valid-now")
    w.wait_log("irc.t.echobot", r"\techobot\tvalid-now$")


def test_msg_echobot_round_trip(procs, clients):
    chatd, gw, w = logged_in(procs, clients)
    w.in_buffer(SRV, "/msg echobot hi")
    w.wait_log(SRV, r"MSG\(echobot\): hi$", "own message shown")
    w.wait_log("irc.t.echobot", r"\techobot\thi$", "echobot's answer")


def test_delaybot_and_non_ascii(procs, clients):
    """delaybot answers twice, each answer written upstream in pieces."""
    chatd, gw, w = logged_in(procs, clients)
    w.in_buffer(SRV, "/msg delaybot h\u00e9llo w\u00f6rld \u2713")
    wait_until(lambda: len(re.findall(
        "\tdelaybot\th\u00e9llo w\u00f6rld \u2713$",
        w.log("irc.t.delaybot"), re.M)) == 2,
        "both of delaybot's answers, whole", show=w.report)


def test_message_from_another_user_opens_query(procs, clients):
    chatd, gw, w = logged_in(procs, clients)
    bob = chat_user(procs, chatd, "bob")
    bob.send("SEND alice hello from the chat side")
    bob.expect(r"^SEND-OK$")
    w.wait_log("irc.t.bob", r"\tbob\thello from the chat side$")
    w.in_buffer("irc.t.bob", "hello bob")
    bob.expect(r"^DELIVERY alice hello bob$")
    w.wait_log("irc.t.bob", r"\talice\thello bob$", "own line in query")


def test_missing_user_shows_no_such_nick(procs, clients):
    chatd, gw, w = logged_in(procs, clients)
    w.in_buffer(SRV, "/msg nobody x")
    w.wait_log(SRV, r"nobody: No such nick", "the 401")


def test_quit_frees_the_name(procs, clients):
    chatd, gw, w = logged_in(procs, clients)
    w.command("/quit")
    wait_until(lambda: not w.alive(), "weechat to exit", show=w.report)
    assert any(l.startswith("QUIT") for l in w.tap.sent()), w.report()
    chat_login_soon(procs, chatd, "alice")


# ---- issue 4: the &chat channel and surviving an upstream restart ----

NOTICE_RX = r"^(@\S+ )?(:\S+ )?(NOTICE|FAIL|WARN|NOTE) "
CHAN = "irc.t.&chat"


def ask_names(w):
    """WeeChat 3.8 shows only a count on join ('Channel &chat: 4 nicks');
    /names typed in the channel prints the list ('Nicks &chat: [...]')."""
    w.wait_log(CHAN, r"Channel &chat: \d+ nicks", "&chat joined")
    w.in_buffer(CHAN, "/names")
    w.wait_log(CHAN, r"Nicks &chat: \[", "the nick list of &chat")


def nicks_shown(w):
    """Nicks of the last 'Nicks &chat: [...]' line WeeChat logged."""
    found = re.findall(r"Nicks &chat: \[(.*)\]", w.log(CHAN))
    if not found:
        return set()
    return set(n.lstrip("~&@%+").split("!")[0] for n in found[-1].split())


def test_chat_channel_joined_with_nick_list(procs, clients):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    chat_user(procs, chatd, "bob")
    w = clients.weechat(gw, "alice")
    w.connect()
    ask_names(w)
    assert {"alice", "bob", "echobot"} <= nicks_shown(w), w.report()


def test_chat_channel_shows_arrivals_and_departures(procs, clients):
    chatd, gw, w = logged_in(procs, clients)
    ask_names(w)
    dave = chat_user(procs, chatd, "dave")
    w.wait_log(CHAN, r"\bdave\b.*has joined &chat", "dave joining")
    dave.close()
    w.wait_log(CHAN, r"\bdave\b.*has (quit|left)", "dave leaving")


def test_survives_upstream_restart(procs, clients):
    chatd, gw, w = logged_in(procs, clients)
    w.in_buffer(SRV, "/msg echobot before")
    w.wait_log("irc.t.echobot", r"\techobot\tbefore$")
    port = chatd.port
    mark = w.tap.mark()
    assert chatd.stop() == 0
    # the user is told that the chat server went away
    wait_until(lambda: w.tap.got_since(mark, NOTICE_RX),
               "a notice about the lost chat server", show=w.report)
    # typed while the chat server is away: delivered later or reported
    w.in_buffer("irc.t.echobot", "during")
    wait_until(lambda: "PRIVMSG echobot :during" in w.tap.sent(),
               "weechat to send the message typed meanwhile", show=w.report)
    chatd2 = procs.chatd("--port", str(port))
    assert chatd2.port == port
    watcher = chat_user(procs, chatd2, "watcher")
    wait_until(lambda: "alice" in online(watcher), "alice back upstream",
               timeout=30, show=w.report, step=0.5)
    w.in_buffer("irc.t.echobot", "after")
    w.wait_log("irc.t.echobot", r"\techobot\tafter$")
    wait_until(lambda: re.search(r"\techobot\tduring$", w.log(
        "irc.t.echobot"), re.M) or w.tap.got_since(
        mark, r"(NOTICE|FAIL|WARN|NOTE) .*\bduring\b"),
        "'during' delivered (echobot answered) or reported as not sent",
        show=w.report)
    assert w.alive()
    assert w.tap.connections() == 1, \
        "weechat had to reconnect\n" + w.report()


# ---- issue 10: TLS ----

def test_tls_msg_echobot_round_trip(procs, clients, tmp_path):
    """WeeChat 3.8: `-ssl` on the server, ssl_verify off (the test's
    certificate is self-signed)."""
    from types import SimpleNamespace
    from conftest import make_cert
    cert, key, _ = make_cert(tmp_path)
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--tls-listen", "127.0.0.1:0",
                        "--tls-cert", cert, "--tls-key", key)
    tport = gw.listening_all(2)[1][1]
    w = clients.weechat(SimpleNamespace(host="127.0.0.1", port=tport))
    w.command("/server add t %s/%d -ssl -nicks=alice" % (
        w.tap.host, w.tap.port))
    w.command("/set irc.server.t.ssl_verify off")
    w.command("/connect t")
    w.wait_log(SRV, r"End of MOTD|MOTD File is missing|No MOTD",
               "the end of the welcome (MOTD or 422)")
    w.in_buffer(SRV, "/msg echobot over tls")
    w.wait_log("irc.t.echobot", r"\techobot\tover tls$", "echobot's answer")
    wait_until(lambda: "over TLS" in gw.stderr(), "a TLS session",
               show=w.report)


def test_weechat_service_help(procs, clients, tmp_path):
    """/msg *chatircd help to the bouncer's service (issue 16): WeeChat
    shows the answer in the *chatircd query buffer."""
    import subprocess
    from conftest import CHATIRCD
    db = str(tmp_path / "b.db")
    r = subprocess.run([CHATIRCD, "--db", db, "--add-user", "alice"],
                       input="hunter2\n", text=True, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--db", db)
    w = clients.weechat(gw, "alice")
    w.command("/server add t %s/%d -nicks=alice -password=alice:hunter2" % (
        w.tap.host, w.tap.port))
    w.command("/connect t")
    w.wait_log(SRV, r"End of MOTD|MOTD File is missing|No MOTD",
               "the end of the welcome (MOTD or 422)")
    w.in_buffer(SRV, "/msg *chatircd help passwd")
    w.wait_log("irc.t.*chatircd", r"\t\*chatircd\tpasswd NEWPASSWORD: "
               r"change your password", "the service's answer in its query")
