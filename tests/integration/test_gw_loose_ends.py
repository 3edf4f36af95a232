"""Loose ends found by trying to break chatircd (issue 17): the log is
terminal-safe, long nicks, --insecure-listen, shutdown, the dialect."""
import re

import pytest

from gwlib import FakeUpstream, irc


@pytest.fixture
def fake():
    up = FakeUpstream()
    yield up
    up.close()


def stderr_bytes(d):
    with open(d.errlog.name, "rb") as f:
        return f.read()


def test_log_is_terminal_safe_and_shows_the_line_as_it_arrived(procs,
                                                               fake):
    g = procs.chatircd(fake.addr)
    a = irc(procs, g, "alice")
    # no text after the name: unparsable, after the parser cut at a space
    fake.push(b"DELIVERY \x9b31m\xc2\x9b\xff\x1b]0;x\x07\x7f\xc3\xa9\r\n")
    a.expect(r"NOTICE alice :Reconnected to the chat server as alice")
    log = stderr_bytes(g)
    assert re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", log) is None, log
    assert b"\x9b" not in log and b"\xff" not in log, log
    line = (rb"unparsable line from upstream: DELIVERY \x9b31m\xc2\x9b"
            rb"\xff\x1b]0;x\x07\x7f" + "é".encode())
    assert line + b"\n" in log, log
