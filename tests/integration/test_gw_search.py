"""Search in the history (issue 16): the soju.im/search capability and
SEARCH (text, in, from, after, before, limit) answered in a soju.im/search
batch of PRIVMSGs with @time and msgid; FAIL on a bad request; hostile
query text is words, never a database error; `*chatircd search` for
clients without the capability; the index follows retention.
"""
import re
import time

from gwlib import chat, irc
from test_gw_bouncer import add_user, attach

CAPS = "batch server-time message-tags soju.im/search"


def start(procs, db, *args):
    """alice's store db (a SQLite file or a PostgreSQL URI: store_db) and
    a gateway on it, alice attached."""
    add_user(db, "alice")
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db, *args)
    a = attach(procs, g, "alice", caps=CAPS)
    return db, d, g, a


def deliver(a, peer, texts):
    for t in texts:
        peer.send("SEND alice " + t)
        a.expect(r"PRIVMSG alice :" + re.escape(t) + "$")


def search(c, attrs):
    """SEARCH attrs: the (tags, from, to, text) of each result."""
    c.send("SEARCH " + attrs)
    bid = c.expect(r"^:\S+ BATCH \+(\S+) soju\.im/search$").group(1)
    rows = []
    while True:
        m = c.expect(r"^(?:@(\S+) :([^!\s]+)!\S+ PRIVMSG (\S+) :(.*)|"
                     r":\S+ BATCH -(\S+))$")
        if m.group(5) is not None:
            assert m.group(5) == bid
            return rows
        tags = dict(kv.split("=", 1) for kv in m.group(1).split(";"))
        assert tags["batch"] == bid
        rows.append((tags, m.group(2), m.group(3), m.group(4)))


def texts(rows):
    return [r[3] for r in rows]


def test_search_words_in_a_batch(procs, store_db):
    """SEARCH text=brown returns exactly the messages with the word."""
    _, d, g, a = start(procs, store_db)
    bob = chat(procs, d, "bob")
    deliver(a, bob, ["the quick brown fox", "a red fox", "Brown bread",
                     "brownie points", "BROWN!"])
    a.send("PRIVMSG bob :my brown hat")
    time.sleep(0.3)
    rows = search(a, "text=brown")
    assert texts(rows) == ["the quick brown fox", "Brown bread", "BROWN!",
                           "my brown hat"]
    for tags, _, _, _ in rows:
        assert re.match(r"^\d+$", tags["msgid"])
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                        tags["time"])
    assert rows[0][1] == "bob" and rows[0][2] == "alice"
    assert rows[3][1] == "alice" and rows[3][2] == "bob"
    assert [int(r[0]["msgid"]) for r in rows] == \
        sorted(int(r[0]["msgid"]) for r in rows)


def test_search_phrase_in_from_time_limit(procs, store_db):
    _, d, g, a = start(procs, store_db)
    bob = chat(procs, d, "bob")
    carol = chat(procs, d, "carol")
    deliver(a, bob, ["quick brown fox", "brown quick fox"])
    deliver(a, carol, ["a quick brown dog", "quick"])
    a.send("PRIVMSG carol :quick brown reply")
    time.sleep(0.3)
    # words AND, any order; a phrase keeps its order
    assert len(search(a, "text=quick\\sbrown")) == 4
    assert texts(search(a, 'text="brown\\squick"')) == ["brown quick fox"]
    # in= a conversation, from= a sender (the account itself too)
    assert texts(search(a, "text=quick;in=carol")) == [
        "a quick brown dog", "quick", "quick brown reply"]
    assert texts(search(a, "text=quick;from=carol")) == [
        "a quick brown dog", "quick"]
    assert texts(search(a, "text=quick;from=alice")) == [
        "quick brown reply"]
    assert search(a, "text=quick;from=bob;in=carol") == []
    # limit: the newest ones, oldest first
    assert texts(search(a, "text=quick;limit=2")) == [
        "quick", "quick brown reply"]
    # after / before: exclusive bounds on the stored time
    rows = search(a, "text=fox")
    t0, t1 = rows[0][0]["time"], rows[1][0]["time"]
    got = search(a, "text=quick;after=%s" % t0)
    assert "quick brown fox" not in texts(got) and len(got) >= 1
    got = search(a, "text=fox;before=%s" % t1)
    assert texts(got) == (["quick brown fox"] if t0 != t1 else [])
    # no text: the newest messages of a conversation
    assert texts(search(a, "in=bob;limit=1")) == ["brown quick fox"]


def test_search_no_match_bad_requests_hostile_text(procs, store_db):
    _, d, g, a = start(procs, store_db)
    bob = chat(procs, d, "bob")
    deliver(a, bob, ["the quick brown fox", 'she said "hi" OR NOT'])
    assert search(a, "text=zebra") == []
    for attrs, why in (
            ("colour=red", "Unknown search attribute"),
            ("text=a;text=b", "given twice"),
            ("limit=0", "limit= is a positive number"),
            ("after=yesterday", "timestamps"),
            ("text=***", "no word to search for"),
            ("in=bad!nick", "not a nick"),
            (";", "Nothing to search for"),
            ("text", "key=value")):
        a.send("SEARCH " + attrs)
        a.expect(r"^:\S+ FAIL SEARCH INVALID_PARAMS \* :.*%s" %
                 re.escape(why))
    # FTS5 syntax in the text is only words: no INTERNAL_ERROR ever
    for attrs, want in (
            ("text=brown\\sOR\\szebra", []),
            ("text=NEAR(quick\\sfox)", []),
            ("text=text:brown", []),
            ("text=brow*", []),
            ("text=(brown", ["the quick brown fox"]),
            ('text="brown', ["the quick brown fox"]),
            ('text=\\"hi\\"\\sOR', ['she said "hi" OR NOT']),
            ("text=-brown\\s^fox\\s+quick", ["the quick brown fox"]),
            ("text=brown\\:\\sAND", [])):
        assert texts(search(a, attrs)) == want, attrs
    a.expect_none(r"INTERNAL_ERROR")
    assert "SEARCH:" not in g.stderr()


def test_search_needs_an_account(procs, tmp_path):
    """Without --db no soju.im/search; a session without an account gets
    FAIL."""
    d = procs.chatd()
    g = procs.chatircd(d)
    c = procs.client(g, eol=b"\r\n", name="plain")
    c.send("CAP LS 302")
    caps = c.expect(r" CAP \* LS :(.*)$").group(1)
    assert "soju.im/search" not in caps
    c = irc(procs, g, "zed", caps="standard-replies")
    c.send("SEARCH text=x")
    c.expect(r" FAIL SEARCH MESSAGE_ERROR \* :History is kept for accounts")
    db = str(tmp_path / "b.db")
    add_user(db, "alice")
    g2 = procs.chatircd(d, "--db", db)
    c = procs.client(g2, eol=b"\r\n", name="withdb")
    c.send("CAP LS 302")
    assert "soju.im/search" in c.expect(r" CAP \* LS :(.*)$").group(1)


def test_service_search_plain_lines(procs, store_db):
    """*chatircd search TEXT for a client without the capability."""
    db = store_db
    add_user(db, "alice")
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db, "--playback-max", "2")
    a = attach(procs, g, "alice")
    bob = chat(procs, d, "bob")
    deliver(a, bob, ["brown one", "brown two", "grey", "brown three"])
    a.send("PRIVMSG bob :my brown hat")
    time.sleep(0.3)
    a.send("PRIVMSG *chatircd :search brown")
    svc = r"^:\*chatircd!service@\S+ PRIVMSG alice :"
    a.expect(svc + r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] <bob> "
             r"brown three$")
    a.expect(svc + r"\[[^]]+\] <alice> \(to bob\) my brown hat$")
    a.expect(svc + r"2 found \(the newest; playback-max is the most at "
             r"once\)")
    a.send("PRIVMSG *chatircd :search zebra")
    a.expect(svc + "No stored message has those words")
    a.send("PRIVMSG *chatircd :search ***")
    a.expect(svc + "Nothing to search for")


def test_index_follows_retention(procs, store_db, request):
    """Messages retention deleted are no longer found."""
    db, d, g, a = start(procs, store_db)
    bob = chat(procs, d, "bob")
    deliver(a, bob, ["brown %d" % i for i in range(5)])
    assert len(search(a, "text=brown")) == 5
    a.close()
    g.stop()
    g = procs.chatircd(d, "--db", db, "--history-max", "2")
    a = attach(procs, g, "alice", caps=CAPS)
    deadline = time.monotonic() + 5
    while len(search(a, "text=brown")) != 2:
        assert time.monotonic() < deadline, "retention never ran"
        time.sleep(0.2)
    assert texts(search(a, "text=brown")) == ["brown 3", "brown 4"]
    if db.startswith("postgres"):     # deleted rows take their words
        name = db.split("///", 1)[1].split("?")[0]
        assert request.getfixturevalue("pg").psql(
            name, "SELECT count(*) FROM msg_word AS w WHERE NOT EXISTS"
            " (SELECT 1 FROM msg AS m WHERE m.id = w.id)").strip() == "0"


def test_search_text_not_utf8(procs, store_db):
    """Bytes that are not UTF-8 in a stored message (a chat user may send
    any) and in text=: the other words are still found, and neither
    store turns them into INTERNAL_ERROR (PostgreSQL indexes such text in
    its escaped form)."""
    _, d, g, a = start(procs, store_db)
    bob = chat(procs, d, "bob")
    bob.send(b"SEND alice caf\xe9 brown \xff\xfe")
    a.expect(r"PRIVMSG alice :caf\S* brown ")
    bob.send("SEND alice plain words")
    a.expect(r"PRIVMSG alice :plain words$")
    rows = search(a, "text=brown")
    assert len(rows) == 1 and rows[0][3].startswith("caf")
    a.send(b"SEARCH text=caf\xe9")
    a.expect(r"^:\S+ BATCH \+\S+ soju\.im/search$|FAIL SEARCH "
             r"INVALID_PARAMS")
    assert texts(search(a, "text=plain")) == ["plain words"]
    a.expect_none(r"INTERNAL_ERROR")


def pg_index_caught_up(pg, db):
    """PostgreSQL (schema 8): no id range waits in msg_todo, and every
    stored row has its words in msg_word."""
    name = db.split("///", 1)[1].split("?")[0]
    return pg.psql(name, "SELECT (SELECT count(*) FROM msg_todo) = 0 AND"
                   " (SELECT count(*) FROM msg) = (SELECT count(*) FROM"
                   " msg_word AS w JOIN msg AS m ON m.id = w.id)"
                   ).strip() == "t"


def test_search_finds_what_was_just_stored(procs, store_db, request):
    """The search index is written apart from the group commits (SQLite,
    schema 7: a file and a thread of its own; PostgreSQL, schema 8: an
    indexer thread filling msg_word from msg_todo's id ranges): a
    SEARCH sent the moment the last of a burst is shown finds every one
    of them, and with no search the index catches up by itself."""
    db, d, g, a = start(procs, store_db)
    bob = chat(procs, d, "bob")
    burst = ["needle %d" % i for i in range(300)]
    for t in burst:
        bob.send("SEND alice " + t)
    for t in burst:
        a.expect(r"PRIVMSG alice :" + re.escape(t) + "$")
    assert texts(search(a, "text=needle;limit=1000")) == burst
    deliver(a, bob, ["late %d" % i for i in range(5)])
    deadline = time.monotonic() + 5
    if db.startswith("postgres"):
        pg = request.getfixturevalue("pg")
        while not pg_index_caught_up(pg, db):
            assert time.monotonic() < deadline, "the index never caught up"
            time.sleep(0.1)
        assert len(search(a, "text=late")) == 5
        assert len(search(a, "text=needle;limit=1000")) == 300
        return
    import sqlite3
    while True:
        con = sqlite3.connect(db, timeout=5)
        con.execute("ATTACH DATABASE ? AS search", (db + "-search",))
        upto, top = con.execute("SELECT (SELECT upto FROM"
                                " search.fts_state),"
                                " (SELECT max(id) FROM msg)").fetchone()
        con.close()
        if upto == top:
            break
        assert time.monotonic() < deadline, "the index never caught up"
        time.sleep(0.1)
    assert len(search(a, "text=late")) == 5


def test_search_file_that_cannot_be_made(procs, tmp_path):
    """SQLite: when FILE-search cannot be made (a directory in its place)
    messages are stored and shown as ever, a SEARCH answers FAIL and the
    log says why once; once it can, the index is made and finds them."""
    import os
    db = str(tmp_path / "b.db")
    os.mkdir(db + "-search")
    _, d, g, a = start(procs, db)
    bob = chat(procs, d, "bob")
    deliver(a, bob, ["needle %d" % i for i in range(3)])
    a.send("SEARCH text=needle")
    a.expect(r"FAIL SEARCH INTERNAL_ERROR \* :The history could not be "
             r"searched$")
    deliver(a, bob, ["needle after"])
    time.sleep(1)
    err = g.stderr()
    assert err.count("store search index:") == 1, err
    assert "not a regular file" in err
    os.rmdir(db + "-search")
    deadline = time.monotonic() + 10
    while "store search index: working again" not in g.stderr():
        assert time.monotonic() < deadline, g.stderr()
        time.sleep(0.2)
    assert texts(search(a, "text=needle")) == \
        ["needle 0", "needle 1", "needle 2", "needle after"]
