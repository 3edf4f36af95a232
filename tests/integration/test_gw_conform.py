"""IRC conformance (issue 10): what a conformance suite run against the
gateway found. --channel none leaves &chat to the client; USER with an
empty realname and PING without a token are refused with their numerics;
CAP REQ :-cap removes; LUSERS in RFC 2812's words with 265/266; WHOIS of
a gateway user shows what its USER said; HELP the IRCv3 way and ADMIN;
an IPv6 upstream host never starts a parameter; long messages are split,
never truncated."""
import os
import re
import socket
import subprocess

import pytest

from gwlib import CHATIRCD, chat, irc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def register(procs, g, nick, user="u", realname="Real Name"):
    """An IRC client registered with the USER line given."""
    c = procs.client(g, eol=b"\r\n", name=nick)
    c.send("NICK " + nick)
    c.send("USER %s 0 * :%s" % (user, realname))
    c.nick = c.expect(r" 001 (\S+) ").group(1)
    c.expect(r" (376|422) ")
    return c


def help_lines(c, subject):
    """The text of one HELP answer: 704, 705..., 706 for subject."""
    s = re.escape(subject)
    lines = [c.expect(r" 704 %s %s :(.*)$" % (c.nick, s)).group(1)]
    while True:
        m = c.expect(r" (705|706) %s %s :(.*)$" % (c.nick, s))
        lines.append(m.group(2))
        if m.group(1) == "706":
            return lines


def table_commands():
    """The commands in the dispatcher's table (gateway/commands/irc_cmd.c)."""
    with open(os.path.join(ROOT, "gateway", "commands", "irc_cmd.c")) as f:
        return re.findall(r'^\t\{ "([A-Z]+)",', f.read(), re.M)


def test_channel_none_leaves_the_join_to_the_client(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--channel", "none")
    chat(procs, d, "bob")
    a = irc(procs, g, "alice")
    a.expect_none(r" JOIN | 353 | 366 ", wait=1.5)
    a.send("JOIN &chat")
    a.expect(r"^:alice!alice@\S+ JOIN &chat$")
    a.expect(r" 332 alice &chat :")
    names = set()
    while True:
        m = a.expect(r" (353|366) alice (?:= )?&chat :(.*)$")
        if m.group(1) == "366":
            break
        names.update(m.group(2).split())
    assert {"alice", "bob", "echobot", "delaybot"} <= names
    r = subprocess.run([CHATIRCD, "-n", "--channel", "none"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_user_with_empty_realname_gets_461(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    c = procs.client(g, eol=b"\r\n", name="alice")
    c.send("NICK alice")
    c.send("USER u 0 * :")
    c.expect(r"^:\S+ 461 alice USER :Not enough parameters$")
    c.expect_none(r" 001 ", wait=1.0)
    c.send("USER u 0 * :Alice")
    c.expect(r" 001 alice ")


def test_ping_without_token_gets_409(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    c = procs.client(g, eol=b"\r\n", name="alice")
    c.send("PING")
    c.expect(r"^:\S+ 409 \* :No origin specified$")
    c.send("NICK alice")
    c.send("USER u 0 * :Alice")
    c.expect(r" 001 alice ")
    c.send("PING")
    c.expect(r"^:\S+ 409 alice :No origin specified$")
    c.send("PING :")
    c.expect(r"^:\S+ 409 alice :No origin specified$")
    c.send("PING tok")
    c.expect(r"^:(\S+) PONG \1 :tok$")


def test_cap_req_minus_removes_a_capability(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice", caps="echo-message server-time")
    a.send("PRIVMSG echobot :one")
    a.expect(r"^@time=\S+ :echobot!echobot@\S+ PRIVMSG alice :one$")
    a.send("CAP REQ :-server-time")
    a.expect(r"^:\S+ CAP alice ACK :-server-time$")
    a.send("CAP LIST")
    caps = set(a.expect(r" CAP alice LIST :(.*)$").group(1).split())
    assert caps - {"cap-notify"} == {"echo-message"}
    a.send("PRIVMSG echobot :two")
    a.expect(r"^:alice!alice@\S+ PRIVMSG echobot :two$")    # echo kept
    a.expect(r"^:echobot!echobot@\S+ PRIVMSG alice :two$")  # no @time


def test_lusers_in_rfc2812_form_with_265_266(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    chat(procs, d, "carol")
    a = irc(procs, g, "alice")
    a.expect(r" 366 alice &chat ")
    b = irc(procs, g, "bob")
    b.expect(r" 366 bob &chat ")    # a list with all 5 came in
    b.send("QUIT :bye")
    b.expect_closed()
    a.send("LUSERS")
    a.expect(r" 251 alice :There are 4 users and 0 services on 1 servers$")
    a.expect(r" 255 alice :I have 1 clients and 1 servers$")
    a.expect(r" 265 alice 1 2 :Current local users 1, max 2$")
    a.expect(r" 266 alice 4 5 :Current global users 4, max 5$")


def test_whois_gateway_user_shows_its_user_and_realname(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    register(procs, g, "alice", "lidd", "Alice \x1b[31mLiddell")
    b = irc(procs, g, "bob")
    b.send("WHOIS alice")
    m = b.expect(r" 311 bob alice (\S+) \S+ \* :(.*)$")
    assert m.group(1) == "lidd"
    assert m.group(2) == "Alice \ufffd[31mLiddell"     # terminal-safe
    b.expect(r" 318 bob alice ")
    b.send("WHOIS echobot")         # a chat user: its name, as before
    b.expect(r" 311 bob echobot echobot \S+ \* :echobot$")


def test_help_the_ircv3_way(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    c = procs.client(g, eol=b"\r\n", name="early")
    c.nick = r"\*"
    c.send("HELP")                   # before registration too
    help_lines(c, "*")
    a = irc(procs, g, "alice")
    a.send("HELP")
    text = "\n".join(help_lines(a, "*"))
    for word in ("!who", "@user message", "!quit", "help"):
        assert word in text, text
    listed = set(re.findall(r"\b[A-Z]{3,}\b", text))
    missing = set(table_commands()) - listed
    assert not missing, "HELP does not list %s" % sorted(missing)
    for cmd in table_commands():
        a.send("HELP " + cmd.lower())
        assert len(help_lines(a, cmd.lower())) >= 3
    a.send("HELP &chat")
    text = "\n".join(help_lines(a, "&chat"))
    for word in ("!who", "@user message", "!quit", "help"):
        assert word in text, text
    a.send("HELP nosuch")
    a.expect(r"^:\S+ 524 alice nosuch :No help available on this topic$")
    a.send("HELP :two words")
    a.expect(r"^:\S+ 524 alice \* :No help available on this topic$")


def test_admin_answered(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    for target in ("", " chatircd.invalid", " alice", " echobot"):
        a.send("ADMIN" + target)
        a.expect(r"^:chatircd\.invalid 256 alice chatircd\.invalid :"
                 r"Administrative info")
        a.expect(r"^:chatircd\.invalid 257 alice :.+$")
        a.expect(r"^:chatircd\.invalid 258 alice :.+$")
        a.expect(r"^:chatircd\.invalid 259 alice :.+$")
    a.send("ADMIN elsewhere.example")
    a.expect(r"^:chatircd\.invalid 402 alice elsewhere.example :No such "
             r"server$")


def ipv6_loopback():
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="no ::1")
def test_ipv6_upstream_host_never_starts_a_parameter(procs):
    d = procs.chatd(bind="::1")
    g = procs.chatircd(d)
    a = irc(procs, g, "alice", caps="userhost-in-names")
    a.expect(r"^:alice!alice@0::1 JOIN &chat$")
    a.expect(r" 353 alice = &chat :.*\becho" r"bot!echobot@0::1\b")
    a.send("WHO echobot")
    a.expect(r" 352 alice \* echobot 0::1 chatircd\.invalid echobot H :0 "
             r"echobot$")
    a.send("WHOIS echobot")
    a.expect(r" 311 alice echobot echobot 0::1 \* :echobot$")
    a.send("WHO &chat")
    a.expect(r" 352 alice &chat echobot 0::1 chatircd\.invalid echobot H :0 "
             r"echobot$")
    a.send("USERHOST echobot")
    a.expect(r" 302 alice :echobot=\+echobot@0::1$")
    a.send("MONITOR + echobot")
    a.expect(r" 730 alice :echobot!echobot@0::1$")
    a.send("PRIVMSG echobot :hi")
    a.expect(r"^:echobot!echobot@0::1 PRIVMSG alice :hi$")
    big = "A" * 64                  # the longest prefix there can be
    b = chat(procs, d, big)
    text = "0123456789" * 300        # ASCII: every line filled exactly
    b.send("SEND alice " + text)
    got = ""
    while len(got) < len(text):
        got += a.expect(r"^:_a\S*!%s@0::1 PRIVMSG alice :(.*)$"
                        % big).group(1)
    assert got == text
    for line in a.lines:
        assert len(line.encode()) + 2 <= 512, line
        assert " ::1" not in line.split(" :", 1)[0], line


def test_long_message_split_not_truncated(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice", caps="server-time")
    big = "A" * 64
    b = chat(procs, d, big)
    text = "\u00e9\u20ac\U0001F600a" * 350       # 3500 bytes
    b.send("SEND alice " + text)
    got, n = "", 0
    while len(got) < len(text):
        got += a.expect(r"^@time=\S+ :_a\S*!%s@\S+ PRIVMSG alice :(.*)$"
                        % big).group(1)
        n += 1
    assert got == text and n >= 8
    for line in a.lines:
        assert len(line.split(" ", 1)[-1].encode()) + 2 <= 512, line
    head = "PRIVMSG %s :" % ("_a" * 64)
    words = " ".join("w%d" % i for i in range(40))
    msg = words + " " + "x" * (510 - len(head) - len(words) - 1)
    a.send(head + msg)                  # a full IRC line: one SEND
    b.expect(r"^DELIVERY alice %s$" % re.escape(msg))
