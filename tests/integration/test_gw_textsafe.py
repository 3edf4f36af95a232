"""Hostile text stays text (issue 10): what a chat user sends cannot drive
the IRC user's terminal (ESC, C1, BS, DEL become U+FFFD) while IRC
formatting and CTCP ACTION pass; a text of only \\x01 is not an empty
PRIVMSG; a NUL inside a client line is dropped, not the rest of the
line; every mapped nick fits the advertised NICKLEN."""
import re

from gwlib import chat, irc

STAND_IN = "\ufffd"


def test_escapes_from_a_chat_user_become_stand_ins(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    b.send("SEND alice \x1b[31mred \x1b]0;owned\x07 "
           "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ bs\x08 del\x7f "
           "c1\u009b2J \x1bP1$r\x1b\\ \x02bold\x02 \x0304color\x0f")
    b.expect(r"^SEND-OK$")
    text = a.expect(r"^:bob!bob@\S+ PRIVMSG alice :(.*)$").group(1)
    for bad in ("\x1b", "\x07", "\x08", "\x7f", "\u009b"):
        assert bad not in text, (bad, text)
    assert STAND_IN + "[31mred" in text
    assert STAND_IN + "]0;owned" + STAND_IN in text
    assert "\x02bold\x02 \x0304color\x0f" in text     # formatting kept


def test_ctcp_from_a_chat_user(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    b = chat(procs, d, "bob")
    b.send("SEND alice \x01")
    a.expect(r"^:bob!bob@\S+ PRIVMSG alice :%s$" % STAND_IN)
    b.send("SEND alice \x01ACTION waves\x01")
    a.expect(r"^:bob!bob@\S+ PRIVMSG alice :\x01ACTION waves\x01$")
    b.send("SEND alice \x01DCC SEND x\x01")
    a.expect(r"^:bob!bob@\S+ PRIVMSG alice :DCC SEND x$")


def test_nul_inside_a_line_is_dropped_not_the_rest(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    a.send(b"PRIVMSG echobot :a\x00b c")
    a.expect(r"^:echobot!echobot@\S+ PRIVMSG alice :ab c$")


def test_longest_mapped_nick_fits_nicklen(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    nicklen = int(re.search(r"NICKLEN=(\d+)", "\n".join(a.lines)).group(1))
    big = "A" * 64
    b = chat(procs, d, big)
    b.send("SEND alice hi")
    nick = a.expect(r"^:(\S+)!%s@\S+ PRIVMSG alice :hi$" % big).group(1)
    assert nick == "_a" * 64
    assert len(nick) <= nicklen


def test_away_text_is_shown_safe(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    c = irc(procs, g, "carol")
    a.send("AWAY :\x1b[2Jgone")
    a.expect(r" 306 alice ")
    c.send("WHOIS alice")
    away = c.expect(r" 301 carol alice :(.*)$").group(1)
    assert away == STAND_IN + "[2Jgone"
