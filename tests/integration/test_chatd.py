"""contrib/chatd, the reference chat server: the protocol, row by row.

Every scenario talks to a real chatd on loopback through raw sockets and
reads like a transcript of what a client sends and gets back. Bounds,
load and process behaviour are in test_chatd_limits.py.
"""
import os
import re
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import login  # noqa: E402

# dialect -> (list request, its reply, unknown-destination reply)
DIALECTS = {
    "original": ("WHO", "WHO-OK", "UNKNOWN"),
    "newer": ("LIST", "LIST-OK", "BAD-DEST-USER"),
}


def names_of(m):
    return m.group(1).split(",")


def test_readme_transcript(procs):
    """The issue's check: HELLO, a user list with echobot, SEND-OK, echo."""
    d = procs.chatd()
    c = procs.client(d, name="alice")
    c.send_raw(b"HELLO-FROM alice\nWHO\nSEND echobot hi\n")
    c.expect(r"^HELLO alice$")
    m = c.expect(r"^WHO-OK (.*)$")
    assert "echobot" in names_of(m) and "alice" in names_of(m)
    c.expect(r"^SEND-OK$")
    c.expect(r"^DELIVERY echobot hi$")


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_user_list_in_login_order(procs, dialect):
    ask, reply, _ = DIALECTS[dialect]
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    login(procs.client(d, name="bob"), "bob")
    a.send(ask)
    m = a.expect(r"^%s (.*)$" % reply)
    assert names_of(m) == ["echobot", "delaybot", "alice", "bob"]


def test_user_list_without_bots(procs):
    d = procs.chatd("--no-bots")
    a = login(procs.client(d, name="alice"), "alice")
    a.send("WHO")
    a.expect(r"^WHO-OK alice$")
    a.send("SEND echobot hi")
    a.expect(r"^UNKNOWN$")


def test_logout_leaves_the_list(procs):
    d = procs.chatd("--no-bots")
    a = login(procs.client(d, name="alice"), "alice")
    b = login(procs.client(d, name="bob"), "bob")
    b.close()
    time.sleep(0.2)
    a.send("LIST")
    a.expect(r"^LIST-OK alice$")
    a.send("SEND bob still there?")
    a.expect(r"^BAD-DEST-USER$")


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_send_and_delivery(procs, dialect):
    ask, reply, _ = DIALECTS[dialect]
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    b = login(procs.client(d, name="bob"), "bob")
    a.send(ask)
    a.expect(r"^%s " % reply)
    a.send("SEND bob hello  there, bob ")
    a.expect(r"^SEND-OK$")
    b.expect(r"^DELIVERY alice hello  there, bob $")
    b.send("SEND alice hi")
    b.expect(r"^SEND-OK$")
    a.expect(r"^DELIVERY bob hi$")


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_unknown_destination_follows_last_dialect(procs, dialect):
    ask, reply, unknown = DIALECTS[dialect]
    other = [v for k, v in DIALECTS.items() if k != dialect][0]
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    a.send(ask)
    a.expect(r"^%s " % reply)
    a.send("SEND nobody hi")
    a.expect(r"^%s$" % unknown)
    a.send(other[0])
    a.expect(r"^%s " % other[1])
    a.send("SEND nobody hi")
    a.expect(r"^%s$" % other[2])


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_unknown_destination_default_dialect(procs, dialect):
    """Before WHO or LIST, --dialect decides; newer when not given."""
    d = procs.chatd("--dialect", dialect)
    a = login(procs.client(d, name="alice"), "alice")
    a.send("SEND nobody hi")
    a.expect(r"^%s$" % DIALECTS[dialect][2])
    d2 = procs.chatd()
    b = login(procs.client(d2, name="bob"), "bob")
    b.send("SEND nobody hi")
    b.expect(r"^BAD-DEST-USER$")


def test_send_to_self(procs):
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    a.send("SEND alice note to self")
    a.expect(r"^SEND-OK$")
    a.expect(r"^DELIVERY alice note to self$")
    assert a.lines[-2:] == ["SEND-OK", "DELIVERY alice note to self"]


@pytest.mark.parametrize("line", ["SEND bob", "SEND bob ", "SEND",
                                  "SEND  hi", "WHO extra", "LIST x"])
def test_bad_body_keeps_connection(procs, line):
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    login(procs.client(d, name="bob"), "bob")
    a.send(line)
    a.expect(r"^BAD-RQST-BODY$")
    a.send("SEND bob still here")
    a.expect(r"^SEND-OK$")


@pytest.mark.parametrize("line", ["HELLO alice", "FOO bar", "", "send bob x",
                                  "SEND-OK", "DELIVERY bob hi"])
def test_bad_header_keeps_connection(procs, line):
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    a.send(line)
    a.expect(r"^BAD-RQST-HDR$")
    a.send("SEND echobot still here")
    a.expect(r"^SEND-OK$")
    a.expect(r"^DELIVERY echobot still here$")


def test_second_hello_from_is_bad_header(procs):
    """Logged in already: HELLO-FROM is a header out of place; name kept."""
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    a.send("HELLO-FROM carol")
    a.expect(r"^BAD-RQST-HDR$")
    a.send("HELLO-FROM two words")
    a.expect(r"^BAD-RQST-HDR$")
    a.send("WHO")
    m = a.expect(r"^WHO-OK (.*)$")
    assert "alice" in names_of(m) and "carol" not in names_of(m)


@pytest.mark.parametrize("line", ["WHO", "LIST", "SEND echobot hi", "HELLO x",
                                  "nonsense", "SEND", "WHO x"])
def test_before_login_anything_else_closes(procs, line):
    d = procs.chatd()
    c = procs.client(d)
    c.send(line)
    c.expect(r"^BAD-RQST-HDR$")
    c.expect_closed()
    assert c.lines == ["BAD-RQST-HDR"]


def test_in_use_then_closed(procs):
    d = procs.chatd()
    login(procs.client(d, name="alice"), "alice")
    c = procs.client(d, name="alice2")
    c.send("HELLO-FROM alice")
    c.expect(r"^IN-USE$")
    c.expect_closed()
    c = procs.client(d, name="bot")
    c.send("HELLO-FROM echobot")
    c.expect(r"^IN-USE$")
    c.expect_closed()
    # names are case-sensitive, and the name is free again after logout
    login(procs.client(d, name="Alice"), "Alice")


def test_name_free_after_logout(procs):
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    a.close()
    deadline = time.monotonic() + 5
    while True:
        c = procs.client(d, name="again")
        c.send("HELLO-FROM alice")
        line = c.expect(r"^(HELLO alice|IN-USE)$").group(1)
        if line == "HELLO alice":
            break
        assert time.monotonic() < deadline, "alice never freed"
        time.sleep(0.05)


def test_busy_then_closed(procs):
    d = procs.chatd("--max-clients", "2")
    login(procs.client(d, name="a"), "a")
    login(procs.client(d, name="b"), "b")
    c = procs.client(d, name="c")
    c.send("HELLO-FROM c")
    c.expect(r"^BUSY$")
    c.expect_closed()
    assert c.lines == ["BUSY"]


@pytest.mark.parametrize("name", ["al-ice", "al_ice", "a,b", "caf\u00e9",
                                  "a.b", "x" * 65, "a b"])
def test_invalid_names_refused_then_closed(procs, name):
    d = procs.chatd()
    c = procs.client(d)
    c.send("HELLO-FROM " + name)
    c.expect(r"^BAD-RQST-BODY$")
    c.expect_closed()


def test_name_bounds(procs):
    d = procs.chatd()
    login(procs.client(d), "x" * 64)
    login(procs.client(d), "Z9")
    c = procs.client(d)
    c.send("HELLO-FROM")
    c.expect(r"^BAD-RQST-BODY$")
    c.expect_closed()


def test_replies_in_request_order(procs):
    d = procs.chatd("--no-bots")
    a = login(procs.client(d, name="alice"), "alice")
    b = login(procs.client(d, name="bob"), "bob")
    a.send_raw(b"WHO\nSEND nobody x\nSEND bob one\nBOGUS\nSEND bob\n"
               b"LIST\nSEND nobody y\nSEND alice me\n")
    want = ["WHO-OK alice,bob", "UNKNOWN", "SEND-OK", "BAD-RQST-HDR",
            "BAD-RQST-BODY", "LIST-OK alice,bob", "BAD-DEST-USER",
            "SEND-OK", "DELIVERY alice me"]
    a.expect(r"^DELIVERY alice me$")
    assert a.lines[1:] == want
    b.expect(r"^DELIVERY alice one$")


def test_one_byte_at_a_time(procs):
    d = procs.chatd()
    b = login(procs.client(d, name="bob"), "bob")
    a = procs.client(d, name="alice")
    for ch in b"HELLO-FROM alice\r\nSEND bob slow  words\nSEND echobot e\n":
        a.send_raw(bytes([ch]))
        time.sleep(0.002)
    a.expect(r"^HELLO alice$")
    a.expect(r"^SEND-OK$")
    b.expect(r"^DELIVERY alice slow  words$")
    a.expect(r"^SEND-OK$")
    a.expect(r"^DELIVERY echobot e$")


def test_two_lines_in_one_write(procs):
    d = procs.chatd()
    a = procs.client(d, name="alice")
    a.send_raw(b"HELLO-FROM alice\nLIST\n")
    a.expect(r"^HELLO alice$")
    a.expect(r"^LIST-OK echobot,delaybot,alice$")


def test_crlf_lines_accepted(procs):
    d = procs.chatd()
    a = procs.client(d, name="alice", eol=b"\r\n")
    login(a, "alice")
    a.send("SEND echobot crlf")
    a.expect(r"^DELIVERY echobot crlf$")
    assert all("\r" not in line for line in a.lines)


def test_echobot(procs):
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    text = "spaces  and \t tabs and \u00fcnicode " + "y" * 5000
    a.send("SEND echobot " + text)
    a.expect(r"^SEND-OK$")
    m = a.expect(r"^DELIVERY echobot (.*)$")
    assert m.group(1) == text


def read_raw(sock, want, timeout=5.0):
    """Read until want bytes arrived; returns the list of recv chunks."""
    chunks, got = [], 0
    deadline = time.monotonic() + timeout
    sock.settimeout(0.05)
    while got < want and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        chunks.append((time.monotonic(), chunk))
        got += len(chunk)
    return chunks


def test_delaybot_pieces(procs):
    """Twice the text, in pieces split mid-line, as PROTOCOL.md shows."""
    d = procs.chatd("--delaybot-pause", "100")
    a = login(procs.client(d, name="alice"), "alice")
    text = b"abcdefghij"
    want = (b"SEND-OK\n" + (b"DELIVERY delaybot " + text + b"\n") * 2)
    start = time.monotonic()
    a.send_raw(b"SEND delaybot " + text + b"\n")
    chunks = read_raw(a.sock, len(want))
    data = b"".join(c for _, c in chunks)
    assert data == want
    # Three writes 100 ms apart: one ends mid-line, one holds the end of
    # one line and the start of the next.
    assert len(chunks) >= 3, chunks
    assert chunks[-1][0] - start >= 0.18
    assert any(not c.endswith(b"\n") for _, c in chunks[:-1]), chunks
    assert any(b"\nDELIVERY dela" in c and not c.startswith(b"DELIVERY")
               and not c.endswith(b"\n") for _, c in chunks), chunks


def test_delaybot_keeps_other_lines_whole(procs):
    """Lines for a client never land inside delaybot's unfinished line."""
    d = procs.chatd("--delaybot-pause", "100")
    a = login(procs.client(d, name="alice"), "alice")
    b = login(procs.client(d, name="bob"), "bob")
    a.send("SEND delaybot first")
    a.send("SEND delaybot second")
    a.send("SEND echobot third")
    time.sleep(0.05)
    b.send("SEND alice from bob")
    b.expect(r"^SEND-OK$")
    for _ in range(4):
        a.expect(r"^DELIVERY delaybot (first|second)$")
    a.drain(0.2)
    assert sorted(a.lines[1:]) == sorted(
        ["SEND-OK"] * 3 + ["DELIVERY delaybot first"] * 2 +
        ["DELIVERY delaybot second"] * 2 + ["DELIVERY echobot third",
                                            "DELIVERY bob from bob"])


def test_delaybot_answers_after_half_close(procs):
    """A client that stops sending (nc) still gets delaybot's answers."""
    d = procs.chatd("--delaybot-pause", "50")
    a = procs.client(d, name="alice")
    a.send_raw(b"HELLO-FROM alice\nSEND delaybot bye\n")
    a.sock.shutdown(socket.SHUT_WR)
    a.expect(r"^DELIVERY delaybot bye$")
    a.expect(r"^DELIVERY delaybot bye$")
    a.expect_closed()


def test_handshake_timeout(procs):
    d = procs.chatd("--handshake-timeout", "1")
    idle = procs.client(d, name="idle")
    partial = procs.client(d, name="partial")
    partial.send_raw(b"HELLO-FR")
    ok = login(procs.client(d, name="alice"), "alice")
    start = time.monotonic()
    idle.expect_closed(timeout=4)
    partial.expect_closed(timeout=4)
    assert time.monotonic() - start < 3.5
    assert idle.lines == [] and partial.lines == []
    time.sleep(0.5)
    ok.send("SEND echobot alive")
    ok.expect(r"^DELIVERY echobot alive$")


def test_logins_logged_escaped(procs):
    d = procs.chatd()
    a = login(procs.client(d, name="alice"), "alice")
    c = procs.client(d)
    c.send_raw(b"HELLO-FROM bad\x1b[31mname\n")
    c.expect(r"^BAD-RQST-BODY$")
    a.close()
    time.sleep(0.3)
    log = d.stderr()
    assert re.search(r"login alice from 127\.0\.0\.1:\d+", log), log
    assert re.search(r"logout alice", log), log
    assert "\x1b" not in log and "bad\\x1b[31mname" in log, log

