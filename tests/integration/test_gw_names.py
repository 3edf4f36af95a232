"""chatircd name mapping: case-sensitive upstream names <-> IRC nicks
(lower case as is, X -> _x, leading digit -> _digit)."""
from gwlib import FakeUpstream, chat, irc


def test_case_variants_stay_distinct(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    low = chat(procs, d, "bob")
    up = chat(procs, d, "Bob")
    a.send("NAMES")
    names = a.expect(r" 353 alice = \* :(.*)$").group(1).split()
    assert "bob" in names and "_bob" in names
    a.send("PRIVMSG _BOB :to Bob")
    up.expect(r"^DELIVERY alice to Bob$")
    a.send("PRIVMSG BOB :to bob")
    low.expect(r"^DELIVERY alice to bob$")
    up.send("SEND alice from Bob")
    a.expect(r"^:_bob!Bob@\S+ PRIVMSG alice :from Bob$")
    low.send("SEND alice from bob")
    a.expect(r"^:bob!bob@\S+ PRIVMSG alice :from bob$")


def test_leading_digit_and_inner_capitals(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "alice")
    seven = chat(procs, d, "7up")
    mc = chat(procs, d, "McDonald")
    a.send("WHOIS _7UP")
    a.expect(r" 311 alice _7up 7up ")
    a.send("ISON _mc_donald")
    a.expect(r" 303 alice :_mc_donald$")
    a.send("PRIVMSG _7up,_Mc_Donald :hi")
    seven.expect(r"^DELIVERY alice hi$")
    mc.expect(r"^DELIVERY alice hi$")
    a.send("PRIVMSG 7up :x")
    a.expect(r" 401 alice 7up ")


def test_irc_user_can_choose_capitals(procs):
    d = procs.chatd()
    g = procs.chatircd(d)
    a = irc(procs, g, "_zed")
    assert a.nick == "_zed"
    w = chat(procs, d, "watch")
    a.send("PRIVMSG watch :hi")
    w.expect(r"^DELIVERY Zed hi$")


def test_name_too_long_for_irc(procs):
    """chatd caps names at 64; the reference server does not."""
    up = FakeUpstream()
    try:
        g = procs.chatircd(up.addr)
        a = irc(procs, g, "alice")
        longname = "L" * 70
        up.users = ["alice", longname, "echobot"]
        up.push("DELIVERY %s hello\n" % longname)
        a.expect(r"NOTICE alice :From a chat user whose name IRC cannot "
                 r"show \(L{16}\.\.\.\): hello")
        a.send("NAMES")
        names = a.expect(r" 353 alice = \* :(.*)$").group(1)
        assert names.split() == ["alice", "echobot"]
    finally:
        up.close()
