"""chatircd: the &chat channel (issue 4) — joined after login with everyone
online in its nick list, arrivals and departures, the channel queries
irssi and WeeChat send, and the seed's commands typed in it."""
import re

from gwlib import chat, irc

FAST = ("--poll-interval", "1")


def names_of(c, chan="&chat"):
    """Nicks in the 353 lines up to 366 for chan."""
    nicks = set()
    while True:
        m = c.expect(r" (353|366) %s (?:= )?(\S+)(?: :(.*))?$"
                     % re.escape(c.nick))
        if m.group(1) == "366":
            return nicks
        nicks.update(n.split("!")[0] for n in m.group(3).split())


def test_joined_after_login_with_the_nick_list(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, *FAST)
    chat(procs, chatd, "bob")
    chat(procs, chatd, "Carol")
    alice = irc(procs, gw, "alice")
    alice.expect(r"^:alice!alice@\S+ JOIN &chat$")
    alice.expect(r" 332 alice &chat :Everyone online on \S+\. Type help$")
    alice.expect(r" 333 alice &chat \S+ \d+$")
    nicks = names_of(alice)
    assert {"alice", "bob", "_carol", "echobot", "delaybot"} <= nicks


def test_isupport_advertises_the_channel_and_monitor(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    c = procs.client(gw, eol=b"\r\n")
    c.send("NICK alice")
    c.send("USER u 0 * :R")
    m = c.expect(r" 005 alice .*:are supported")
    assert "CHANTYPES=&" in m.string
    assert re.search(r"\bMONITOR=\d+", m.string)
    assert "WHOX" not in m.string


def test_channel_name_option(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--channel", "&lobby")
    alice = irc(procs, gw, "alice")
    alice.expect(r" JOIN &lobby$")
    alice.expect(r" 366 alice &lobby ")
    alice.send("JOIN &chat")
    alice.expect(r" 403 alice &chat :.*only channel .* is &lobby")


def test_bad_channel_option_refused(procs):
    import subprocess
    from gwlib import CHATIRCD
    r = subprocess.run([CHATIRCD, "-n", "--channel", "#chat"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "channel" in r.stderr


def test_arrivals_and_departures(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, *FAST)
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    dave = chat(procs, chatd, "Dave")
    alice.expect(r"^:_dave!Dave@\S+ JOIN &chat$", timeout=5)
    dave.close()
    alice.expect(r"^:_dave!Dave@\S+ QUIT :", timeout=5)
    # another IRC user of the gateway comes and goes too
    erin = irc(procs, gw, "erin")
    alice.expect(r"^:erin!erin@\S+ JOIN &chat$", timeout=5)
    erin.send("QUIT :bye")
    alice.expect(r"^:erin!erin@\S+ QUIT :", timeout=5)


def test_irssi_sync_queries_answered_in_order(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("MODE &chat")
    alice.expect(r" 324 alice &chat \+\S*n")
    alice.expect(r" 329 alice &chat \d+$")
    alice.send("WHO &chat")
    seen = set()
    while True:
        m = alice.expect(r" 352 alice &chat \S+ \S+ \S+ (\S+) H :0 |"
                         r" 315 alice &chat :End")
        if m.group(1) is None:
            break
        seen.add(m.group(1))
    assert {"alice", "echobot"} <= seen
    alice.send("MODE &chat b")
    alice.expect(r" 368 alice &chat :End of channel ban list")
    alice.send("MODE &chat +i")
    alice.expect(r" 482 alice &chat :")


def test_names_topic_list(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    chat(procs, chatd, "bob")
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("NAMES &chat")
    assert {"alice", "bob", "echobot"} <= names_of(alice)
    alice.send("TOPIC &chat")
    alice.expect(r" 332 alice &chat :Everyone online")
    alice.send("TOPIC &chat :new topic")
    alice.expect(r" 482 alice &chat :")
    alice.send("LIST")
    alice.expect(r" 321 alice Channel :")
    m = alice.expect(r" 322 alice &chat (\d+) :Everyone online")
    assert int(m.group(1)) >= 4     # alice bob echobot delaybot
    alice.expect(r" 323 alice :End of /LIST")


def test_other_channels_do_not_exist(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    for cmd in ("JOIN #linux", "PART #linux", "TOPIC #linux",
                "MODE #linux", "NAMES #linux", "PRIVMSG #linux :hi"):
        alice.send(cmd)
        alice.expect(r" 403 alice #linux :No such channel \(the only "
                     r"channel on this network is &chat\)")


def test_part_and_join_again(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, *FAST)
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("PART &chat :later")
    alice.expect(r"^:alice!\S+ PART &chat :later$")
    bob = chat(procs, chatd, "bob")
    alice.expect_none(r"bob.* JOIN &chat", wait=2.5)
    alice.send("PART &chat")
    alice.expect(r" 442 alice &chat ")
    alice.send("JOIN &chat")
    alice.expect(r"^:alice!\S+ JOIN &chat$")
    assert "bob" in names_of(alice)
    bob.close()
    alice.expect(r"^:bob!bob@\S+ QUIT :", timeout=5)


def test_who_in_chat(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    chat(procs, chatd, "bob")
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("PRIVMSG &chat :!who")
    m = alice.expect(r" NOTICE &chat :There are (\d+) online users:$")
    assert int(m.group(1)) == 4
    line = alice.expect(r" NOTICE &chat :(.*)$").group(1)
    assert set(line.split(", ")) == {"alice", "bob", "echobot", "delaybot"}


def test_at_user_message_delivered_and_not(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    bob = chat(procs, chatd, "Bob")
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("PRIVMSG &chat :@Bob hello there")
    bob.expect(r"^DELIVERY alice hello there$")
    alice.expect(r" NOTICE &chat :Message to Bob delivered\.$")
    alice.send("PRIVMSG &chat :@_bob by nick")
    bob.expect(r"^DELIVERY alice by nick$")
    alice.expect(r" NOTICE &chat :Message to _bob delivered\.$")
    alice.send("PRIVMSG &chat :@nobody are you there")
    alice.expect(r" NOTICE &chat :The destination user does not exist: "
                 r"nobody \(message not delivered: \"are you there\"\)")
    alice.send("PRIVMSG &chat :@bob")
    alice.expect(r" NOTICE &chat :Usage: @user message")


def test_help_hint_and_quit(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("PRIVMSG &chat :help")
    alice.expect(r" NOTICE &chat :&chat: everyone online")
    alice.expect(r" NOTICE &chat :!who ")
    alice.expect(r" NOTICE &chat :@user message ")
    alice.expect(r" NOTICE &chat :!quit ")
    alice.send("PRIVMSG &chat :hello everybody")
    alice.expect(r" NOTICE &chat :Not sent to anyone: \"hello everybody\"")
    alice.send("PRIVMSG &chat :!quit")
    alice.expect(r"^ERROR :Closing link: .*!quit")
    alice.expect_closed()
    # the name is free again at once
    chat(procs, chatd, "alice")


def test_echo_message_in_chat(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice", caps="echo-message")
    alice.expect(r" 366 alice &chat ")
    alice.send("PRIVMSG &chat :!who")
    alice.expect(r"^:alice!\S+ PRIVMSG &chat :!who$")
    alice.expect(r" NOTICE &chat :There are \d+ online users:")


def test_who_in_chat_when_the_server_refuses_the_list(procs):
    chatd = procs.chatd("--only-dialect", "original")
    gw = procs.chatircd(chatd, "--dialect", "newer")
    alice = irc(procs, gw, "alice")
    # the list was refused: &chat opens anyway, with what is known
    alice.expect(r" 366 alice &chat ")
    alice.send("PRIVMSG &chat :!who")
    alice.expect(r"NOTICE alice :The chat server could not list its users: "
                 r"Error: Unknown issue in previous message header\.")
    alice.expect(r" NOTICE &chat :There are 1 online users:$")
    alice.expect(r" NOTICE &chat :alice$")
