"""chatircd messages: PRIVMSG/NOTICE -> SEND, SEND-OK/UNKNOWN, DELIVERY
-> PRIVMSG (split on UTF-8 boundaries), echo-message, server-time, CTCP,
both dialects."""
import re
import time

import pytest

from gwlib import chat, irc


@pytest.fixture(params=["original", "newer"])
def gw(request, procs):
    d = procs.chatd("--only-dialect", request.param)
    return d, procs.chatircd(d)


def test_echobot_round_trip(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("PRIVMSG echobot :hello there")
    a.expect(r"^:echobot!echobot@\S+ PRIVMSG alice :hello there$")
    a.expect_none(r"PRIVMSG echobot", wait=0.2)     # no echo-message cap


def test_echo_message_only_after_send_ok(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice", caps="echo-message server-time")
    a.send("PRIVMSG echobot :ping one")
    a.expect(r"^@time=\S+Z :alice!alice@\S+ PRIVMSG echobot :ping one$")
    a.expect(r"^@time=\S+Z :echobot!echobot@\S+ PRIVMSG alice :ping one$")
    a.send("PRIVMSG nobody :lost")
    a.expect(r" 401 alice nobody :No such nick")
    assert not any("PRIVMSG nobody" in l for l in a.lines)


def test_no_such_nick_but_never_for_notice(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("NOTICE nobody :quiet")
    a.send("PRIVMSG nobody :loud")
    a.expect(r" 401 alice nobody ")
    a.send("NOTICE #chan :x")
    a.send("NOTICE bad-nick :x")
    a.send("PING done")
    a.expect(r"PONG \S+ :done")
    assert sum(" 401 " in l or " 403 " in l for l in a.lines) == 1


def test_comma_targets_one_send_each(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    a.send("PRIVMSG echobot,nobody,bob :to all")
    a.expect(r"^:echobot!\S+ PRIVMSG alice :to all$")
    a.expect(r" 401 alice nobody ")
    b.expect(r"^DELIVERY alice to all$")
    a.send("PRIVMSG a,b,c,d,e :x")
    a.expect(r" 407 alice e ")


def test_empty_and_missing(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("PRIVMSG echobot :")
    a.expect(r" 412 alice :No text to send")
    a.send("PRIVMSG echobot")
    a.expect(r" 412 alice ")
    a.send("PRIVMSG")
    a.expect(r" 411 alice ")
    a.send("PRIVMSG #room :hi")
    a.expect(r" 403 alice #room :No such channel \(the only channel")


def test_sessions_chat_with_each_other(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = irc(procs, g, "bob")
    c = chat(procs, d, "carol")
    a.send("PRIVMSG bob :hi bob")
    b.expect(r"^:alice!alice@\S+ PRIVMSG bob :hi bob$")
    b.send("PRIVMSG carol :hi carol")
    c.expect(r"^DELIVERY bob hi carol$")
    c.send("SEND alice hi from carol")
    c.expect(r"^SEND-OK$")
    a.expect(r"^:carol!carol@\S+ PRIVMSG alice :hi from carol$")
    a.send("PRIVMSG alice :note to self")
    a.expect(r"^:alice!alice@\S+ PRIVMSG alice :note to self$")


def test_every_user_has_its_own_prefix(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    chat(procs, d, "bob").send("SEND alice one")
    chat(procs, d, "carol").send("SEND alice two")
    p1 = a.expect(r"^:(\S+) PRIVMSG alice :one$").group(1)
    p2 = a.expect(r"^:(\S+) PRIVMSG alice :two$").group(1)
    assert p1.split("!")[1] != p2.split("!")[1]


def test_delaybot_pieces(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("PRIVMSG delaybot :abcdefghij")
    a.expect(r"^:delaybot!\S+ PRIVMSG alice :abcdefghij$", timeout=5)
    a.expect(r"^:delaybot!\S+ PRIVMSG alice :abcdefghij$", timeout=5)


def test_long_delivery_split_on_utf8(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    text = "é€😀a" * 400          # 4000 bytes, no spaces
    b.send("SEND alice " + text)
    got = ""
    while len(got) < len(text):
        got += a.expect(r"^:bob!bob@\S+ PRIVMSG alice :(.*)$").group(1)
    assert got == text
    assert "\ufffd" not in got
    lines = [l for l in a.lines if "PRIVMSG alice" in l]
    assert len(lines) >= 9
    assert all(len(l.encode()) + 2 <= 512 for l in lines)


def test_long_words_split_at_spaces(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    words = ["word%d" % i for i in range(300)]
    b.send("SEND alice " + " ".join(words))
    got = []
    while len(got) < len(words):
        got += a.expect(r"PRIVMSG alice :(.*)$").group(1).split(" ")
    assert got == words


def test_input_too_long_keeps_connection(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("PRIVMSG echobot :" + "x" * 600)
    a.expect(r" 417 alice :Input line was too long")
    a.send("PRIVMSG echobot :" + "y" * (510 - len("PRIVMSG echobot :")))
    got = ""
    while len(got) < 493:
        got += a.expect(r"PRIVMSG alice :(y+)$").group(1)
    assert got == "y" * 493


def test_overlong_line_in_pieces_is_one_417(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send_raw("PRIVMSG echobot :")
    for _ in range(5):
        a.send_raw("q" * 3000)
        time.sleep(0.05)
    a.send_raw("\r\nPRIVMSG echobot :after\r\n")
    a.expect(r" 417 alice ")
    a.expect(r"PRIVMSG alice :after$")
    assert sum(" 417 " in l for l in a.lines) == 1


def test_irssi_split_pieces_in_order(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    for i in range(5):
        a.send("PRIVMSG bob :%d %s" % (i, "z" * 420))
    for i in range(5):
        b.expect(r"^DELIVERY alice %d z{420}$" % i)


def test_non_ascii_both_ways(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    a.send("PRIVMSG bob :Grüße, 世界 🌍")
    b.expect(r"^DELIVERY alice Grüße, 世界 🌍$")
    b.send("SEND alice Привет")
    a.expect(r"PRIVMSG alice :Привет$")


def test_ctcp_action_both_ways(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    a.send("PRIVMSG bob :\x01ACTION waves\x01")
    b.expect(r"^DELIVERY alice \* alice waves$")
    b.send("SEND alice * bob waves back")
    a.expect(r"^:bob!bob@\S+ PRIVMSG alice :\x01ACTION waves back\x01$")
    b.send("SEND alice * carol is not bob")
    a.expect(r"PRIVMSG alice :\* carol is not bob$")


def test_other_ctcp_refused_and_stripped(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    a.send("PRIVMSG bob :\x01VERSION\x01")
    a.expect(r"NOTICE alice :CTCP VERSION is not available to chat users; "
             r"nothing was sent to bob")
    b.send("SEND alice \x01VERSION\x01")
    a.expect(r"PRIVMSG alice :VERSION$")
    a.send("NOTICE bob :\x01VERSION irssi\x01")
    b.expect_none(r"DELIVERY", wait=0.3)


def test_forced_dialect_works(procs):
    for dialect in ("original", "newer"):
        d = procs.chatd("--only-dialect", dialect)
        g = procs.chatircd(d, "--dialect", dialect)
        a = irc(procs, g, "alice")
        a.send("WHOIS echobot")
        a.expect(r" 311 alice echobot ")
        a.send("PRIVMSG nobody :x")
        a.expect(r" 401 alice nobody ")
        assert "trying" not in g.stderr()


def test_wrong_forced_dialect_says_why(procs):
    d = procs.chatd("--only-dialect", "newer")
    g = procs.chatircd(d, "--dialect", "original")
    a = irc(procs, g, "alice")
    a.send("WHOIS echobot")
    a.expect(r"NOTICE alice :The chat server could not list its users: "
             r"Error: Unknown issue in previous message header\.")
    a.expect(r" 318 alice echobot ")


def test_long_privmsg_split_for_the_recipients_line(procs):
    """A full 512-byte PRIVMSG between two users of this gateway: the
    recipient's line (and the echo) carries a longer prefix, so it is
    split there: every piece valid UTF-8, at most 512 bytes with its
    prefix and CR LF (tags apart), nothing lost."""
    d = procs.chatd()
    g = procs.chatircd(d)
    alice = irc(procs, g, "alice", caps="echo-message server-time")
    bob = irc(procs, g, "bob", caps="server-time")
    head = "PRIVMSG bob :"
    text = ""
    while len((head + text + "\u20ac").encode()) + 2 <= 512:
        text += "\u20ac" if len(text) % 7 else " "
    text = text.strip()
    assert len((head + text).encode()) + 2 >= 508
    alice.send(head + text)
    for c in (bob, alice):
        pos = pieces = 0
        while pos < len(text):
            line = c.expect(r"^(@\S+ )?:alice!alice@\S+ PRIVMSG bob :").string
            bare = line.split(" ", 1)[1] if line.startswith("@") else line
            assert len(bare.encode("utf-8")) + 2 <= 512, bare
            assert "\ufffd" not in bare, bare      # valid UTF-8
            piece = bare.split(" :", 1)[1]
            if pieces and text[pos] == " ":
                pos += 1        # the space the line break replaced
            assert text.startswith(piece, pos), (c.name, pos, piece)
            pos += len(piece)
            pieces += 1
        assert pieces >= 2, (c.name, pieces)
