"""chatircd standard-replies (issue 4): failures the user should see come
as FAIL when the client enabled CAP standard-replies, else as a NOTICE;
either way the message that was not delivered is named."""
import time
from gwlib import FakeUpstream, chat, irc


def test_standard_replies_offered(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    c = procs.client(gw, eol=b"\r\n")
    c.send("CAP LS 302")
    c.expect(r" CAP \* LS :.*\bstandard-replies\b")


def test_fail_when_enabled(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    chat(procs, chatd, "bob")
    alice = irc(procs, gw, "alice", caps="standard-replies")
    alice.send("PRIVMSG bob :\x01VERSION\x01")
    alice.expect(r"^:\S+ FAIL PRIVMSG CTCP_UNSUPPORTED bob :CTCP VERSION "
                 r"is not available to chat users; nothing was sent to bob$")


def test_notice_otherwise(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    chat(procs, chatd, "bob")
    alice = irc(procs, gw, "alice")
    alice.send("PRIVMSG bob :\x01VERSION\x01")
    alice.expect(r"^:\S+ NOTICE alice :CTCP VERSION is not available to "
                 r"chat users; nothing was sent to bob$")


def test_refused_message_named(procs):
    up = FakeUpstream()
    try:
        gw = procs.chatircd(up.addr)
        alice = irc(procs, gw, "alice", caps="standard-replies")
        alice.expect(r" 366 alice &chat ")
        alice.send("PRIVMSG bob :hi")   # the server refuses this SEND
        deadline = time.time() + 5
        while "SEND bob hi" not in up.got and time.time() < deadline:
            time.sleep(0.05)
        up.push("BAD-RQST-BODY\n")
        alice.expect(r"^:\S+ FAIL PRIVMSG NOT_DELIVERED bob :Message to "
                     r"bob not delivered: Error: Unknown issue in previous "
                     r"message body\.$")
    finally:
        up.close()
