"""Helpers for the chatircd integration tests (test_gw_*.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import CHATIRCD, login  # noqa: E402,F401


def irc(procs, gw, nick, caps=None, name=None):
    """An IRC client registered as nick (maybe under another name):
    returns it with .nick set to the nick in the 001."""
    c = procs.client(gw, eol=b"\r\n", name=name or nick)
    if caps:
        c.send("CAP LS 302")
        c.send("CAP REQ :" + caps)
    c.send("NICK " + nick)
    c.send("USER u 0 * :Real Name")
    if caps:
        c.expect(r" CAP \S+ ACK ")
        c.send("CAP END")
    c.nick = c.expect(r" 001 (\S+) ").group(1)
    c.expect(r" (376|422) ")
    return c


def chat(procs, chatd, name):
    """A plain chat-protocol client logged in as name."""
    c = procs.client(chatd, name=name)
    login(c, name)
    return c
