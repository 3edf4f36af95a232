"""chatircd queries answered from upstream WHO/LIST (both dialects) and
the small commands answered locally."""
import pytest

from gwlib import chat, irc


@pytest.fixture(params=["original", "newer"])
def gw(request, procs):
    d = procs.chatd("--only-dialect", request.param)
    return d, procs.chatircd(d)


def test_names(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    chat(procs, d, "bob")
    a.send("NAMES")
    names = a.expect(r" 353 alice = \* :(.*)$").group(1).split()
    assert set(names) >= {"alice", "bob", "echobot", "delaybot"}
    a.expect(r" 366 alice \* :End of /NAMES list")
    a.send("NAMES #nowhere")
    a.expect(r" 366 alice #nowhere :End of /NAMES list")


def test_names_userhost_in_names(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice", caps="userhost-in-names")
    a.send("NAMES")
    a.expect(r" 353 alice = \* :.*\becho" r"bot!echobot@\S+")


def test_who(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("WHO")
    a.expect(r" 352 alice \* echobot \S+ \S+ echobot H :0 echobot")
    a.expect(r" 315 alice \* :End of WHO list")
    a.send("WHO *bot")
    seen = {a.expect(r" 352 alice \* (\S+) ").group(1) for _ in range(2)}
    assert seen == {"echobot", "delaybot"}
    a.expect(r" 315 alice \*bot ")
    a.send("WHO ECHOBOT")
    a.expect(r" 352 alice \* echobot ")
    a.send("WHO #chan")
    a.expect(r" 315 alice #chan ")


def test_whois(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("WHOIS echobot")
    a.expect(r" 311 alice echobot echobot \S+ \* :echobot")
    a.expect(r" 312 alice echobot ")
    a.expect(r" 318 alice echobot ")
    a.send("WHOIS nobody")
    a.expect(r" 401 alice nobody :No such nick")
    a.expect(r" 318 alice nobody ")
    a.send("WHOIS echobot echobot")
    a.expect(r" 311 alice echobot ")


def test_ison_userhost(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("ISON echobot nobody DelayBot")
    a.expect(r" 303 alice :echobot delaybot$")
    a.send("ISON :nobody")
    a.expect(r" 303 alice :$")
    a.send("USERHOST echobot nobody")
    a.expect(r" 302 alice :echobot=\+echobot@\S+$")


def test_lusers(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    chat(procs, d, "bob")
    a.send("LUSERS")
    a.expect(r" 251 alice :There are 4 users and 0 services on 1 servers")
    a.expect(r" 255 alice :I have 1 clients")
    a.expect(r" 265 alice 1 1 :Current local users 1, max 1")
    a.expect(r" 266 alice 4 4 :Current global users 4, max 4")


def test_nick_after_login(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    chat(procs, d, "bob")
    a.send("NICK bob")
    a.expect(r" 433 alice bob :Nickname is already in use")
    a.send("NICK bob_")
    a.expect(r" 432 alice bob_ :Erroneous nickname")
    a.send("NICK zed")      # issue 4: make before break
    a.expect(r"^:alice!alice@\S+ NICK :zed$")
    a.send("NICK ZED")
    a.expect(r"^:zed!zed@\S+ NICK :ZED$")
    a.send("PRIVMSG echobot :still me")
    a.expect(r"PRIVMSG ZED :still me")


def test_mode(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("MODE alice")
    a.expect(r" 221 alice \+$")
    a.send("MODE alice +i")
    a.expect(r"^:alice!\S+ MODE alice :\+i$")
    a.send("MODE alice")
    a.expect(r" 221 alice \+i$")
    a.send("MODE alice +x")
    a.expect(r" 501 alice :Unknown MODE flag")
    a.send("MODE echobot +i")
    a.expect(r" 502 alice ")
    a.send("MODE #c")
    a.expect(r" 403 alice #c ")


def test_small_commands(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.send("AWAY :lunch")
    a.expect(r" 306 alice ")
    a.send("AWAY")
    a.expect(r" 305 alice ")
    a.send("VERSION")
    a.expect(r" 351 alice chatircd-\S+ chatircd\.invalid :")
    a.send("TIME")
    a.expect(r" 391 alice chatircd\.invalid :")
    a.send("INFO")
    a.expect(r" 371 alice ")
    a.expect(r" 374 alice ")
    a.send("LIST")
    a.expect(r" 321 alice ")
    a.expect(r" 323 alice ")
    a.send("JOIN #chat,&x")
    a.expect(r" 403 alice #chat :No such channel \(the only channel "
             r"on this network is &chat\)")
    a.expect(r" 403 alice &x ")
    a.send("JOIN 0")
    a.send("PART #chat")
    a.expect(r" 403 alice #chat ")
    a.send("TOPIC #chat")
    a.expect(r" 403 alice #chat ")
    a.send("WHOWAS bob")
    a.expect(r" 406 alice bob ")
    a.expect(r" 369 alice bob ")
    a.send("PING")
    a.expect(r" 409 alice ")
    a.send("PONG :x")
    a.send("TAGMSG bob")
    a.send("FOO bar")
    a.expect(r" 421 alice FOO :Unknown command")


def lusers(c, nick):
    """LUSERS: every line of it, in order, as a dict of numbers."""
    c.send("LUSERS")
    got = {}
    got["users"] = int(c.expect(r" 251 %s :There are (\d+) users and 0 "
                                r"services on 1 servers$" % nick).group(1))
    got["ops"] = int(c.expect(r" 252 %s (\d+) :operator\(s\) online$" %
                              nick).group(1))
    got["unknown"] = int(c.expect(r" 253 %s (\d+) :unknown connection\(s\)$"
                                  % nick).group(1))
    got["channels"] = int(c.expect(r" 254 %s (\d+) :channels formed$" %
                                   nick).group(1))
    got["here"] = int(c.expect(r" 255 %s :I have (\d+) clients and 1 "
                               r"servers$" % nick).group(1))
    m = c.expect(r" 265 %s (\d+) (\d+) :Current local users \1, max \2$" %
                 nick)
    assert int(m.group(1)) == got["here"]
    m = c.expect(r" 266 %s (\d+) (\d+) :Current global users \1, max \2$" %
                 nick)
    assert int(m.group(1)) == got["users"]
    return got


def test_lusers_every_line_before_and_after_registration(procs, gw):
    d, g = gw
    a = irc(procs, g, "alice")
    a.expect(r" 366 alice &chat ")
    chat(procs, d, "bob")
    a.send("WHO *")
    a.expect(r" 315 alice ")
    n = sum(1 for l in a.lines if " 352 alice * " in l)
    got = lusers(a, "alice")
    assert got == {"users": n, "ops": 0, "unknown": 0, "channels": 1,
                   "here": 1}, got
    u = procs.client(g, eol=b"\r\n", name="early")
    u.send("NICK carol")
    got = lusers(u, "carol")            # before registration too
    assert got["unknown"] == 1 and got["ops"] == 0, got
    assert got["channels"] == 1 and got["here"] == 1, got
    assert lusers(a, "alice")["unknown"] == 1
    u.send("USER u 0 * :Real Name")
    u.expect(r" 366 carol &chat ")
    got = lusers(a, "alice")
    assert got["unknown"] == 0 and got["here"] == 2, got
    a.send("WHO *")
    a.expect(r" 315 alice ")
    n = sum(1 for l in a.lines if " 352 alice * " in l) - n
    assert got["users"] == n, (got, n)


def test_lusers_every_line_when_the_chat_server_cannot_list(procs):
    from gwlib import FakeUpstream
    import time
    up = FakeUpstream()
    try:
        up.answer_who = False
        g = procs.chatircd(up.addr)
        a = irc(procs, g, "alice")
        a.send("LUSERS")
        time.sleep(0.3)
        up.push("BAD-RQST-BODY\n")      # to the join's user list
        up.push("BAD-RQST-BODY\n")      # to LUSERS'
        a.expect(r"FAIL WHO UPSTREAM_REFUSED|NOTICE alice :.*could not "
                 r"list")
        got = lusers_lines(a, "alice")
        assert got["here"] == 1 and got["channels"] == 1, got
    finally:
        up.close()


def lusers_lines(c, nick):
    """The LUSERS lines already asked for."""
    got = {}
    for num, key in (("251", "users"), ("252", "ops"), ("253", "unknown"),
                     ("254", "channels"), ("255", "here"), ("265", None),
                     ("266", None)):
        m = c.expect(r" %s %s (?::There are |:I have )?(\d+)" % (num, nick))
        if key:
            got[key] = int(m.group(1))
    return got


def test_whois_311_312_317_318_and_401_318(procs, gw):
    import time
    d, g = gw
    c = procs.client(g, eol=b"\r\n", name="bob")
    c.send("NICK bob")
    c.send("USER bobby 0 * :Bob the Builder")
    c.expect(r" 366 bob &chat ")
    a = irc(procs, g, "alice")
    before = int(time.time())
    c.send("PRIVMSG echobot :hi")
    time.sleep(1.1)
    a.send("WHOIS bob")
    a.expect(r" 311 alice bob bobby \S+ \* :Bob the Builder$")
    a.expect(r" 312 alice bob \S+ :")
    m = a.expect(r" 317 alice bob (\d+) (\d+) :seconds idle, signon time$")
    assert 1 <= int(m.group(1)) <= 5, m.group(0)
    assert abs(int(m.group(2)) - before) <= 5, m.group(0)
    a.expect(r" 318 alice bob :End of /WHOIS list$")
    a.send("WHOIS echobot")            # a chat user: no idle known
    a.expect(r" 311 alice echobot echobot \S+ \* :echobot$")
    a.expect(r" 318 alice echobot ")
    assert not any(" 317 alice echobot" in l for l in a.lines)
    for nick in ("nobody", "bad_nick"):
        a.send("WHOIS " + nick)
        a.expect(r" 401 alice %s :No such nick/channel$" % nick)
        a.expect(r" 318 alice %s :End of /WHOIS list$" % nick)


def test_whois_and_lusers_end_even_when_they_cannot_be_asked(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "--reconnect-min", "3000", "--reconnect-max",
                       "6000")
    a = irc(procs, g, "alice")
    d.kill()
    a.expect(r"the gateway is reconnecting")
    a.send("WHOIS echobot")
    a.expect(r" 263 alice WHOIS :Please wait a while and try again")
    a.expect(r" 318 alice echobot :End of /WHOIS list$")
    a.send("LUSERS")
    got = lusers_lines(a, "alice")
    assert got["here"] == 1 and got["ops"] == 0, got
