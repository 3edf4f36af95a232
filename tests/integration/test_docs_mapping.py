"""docs/mapping.md names a test for every row: each named test exists;
and its CAP LS and 005 rows say what the binary sends."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# The short names mapping.md uses for the test files.
ALIASES = {
    "reg": "test_gw_register.py", "msg": "test_gw_msg.py",
    "query": "test_gw_query.py", "names": "test_gw_names.py",
    "limits": "test_gw_limits.py", "up": "test_gw_upstream.py",
    "reconnect": "test_gw_reconnect.py", "nick": "test_gw_nick.py",
    "evict": "test_gw_eviction.py", "ping": "test_gw_ping.py",
    "chan": "test_gw_chan.py", "pres": "test_gw_presence.py",
    "mon": "test_gw_monitor.py", "repl": "test_gw_chan_replies.py",
    "safe": "test_gw_textsafe.py", "bouncer": "test_gw_bouncer.py",
    "conform": "test_gw_conform.py", "scale": "test_gw_scale.py",
    "backoff": "test_gw_backoff.py", "reload": "test_gw_reload.py",
    "haproxy": "test_gw_haproxy.py", "nodelay": "test_nodelay.py",
    "tls": "test_gw_tls.py", "accounts": "test_gw_bouncer_accounts.py",
    "svc": "test_gw_service.py", "search": "test_gw_search.py",
}


def defined_tests():
    found = set()
    for d in ("tests/integration", "tests/clients"):
        for f in os.listdir(os.path.join(ROOT, d)):
            if f.startswith("test_") and f.endswith(".py"):
                with open(os.path.join(ROOT, d, f)) as fh:
                    for m in re.finditer(r"^def (test_\w+)", fh.read(),
                                         re.M):
                        found.add((f, m.group(1)))
    return found


def test_every_named_test_exists():
    with open(os.path.join(ROOT, "docs", "mapping.md")) as f:
        text = f.read()
    tests = defined_tests()
    names = {t for _, t in tests}
    refs = re.findall(r"([a-z_.]*)::(test_\w+)", text)
    assert len(refs) > 100, "mapping.md names too few tests"
    missing = []
    for alias, name in refs:
        if alias == "":
            ok = name in names
        else:
            f = ALIASES.get(alias, alias)
            ok = (f, name) in tests
        if not ok:
            missing.append("%s::%s" % (alias, name))
    assert not missing, "mapping.md names tests that do not exist: %s" % (
        ", ".join(sorted(set(missing))))


def mapping_row(start):
    with open(os.path.join(ROOT, "docs", "mapping.md")) as f:
        for line in f:
            if line.startswith(start):
                return line
    raise AssertionError("mapping.md has no row starting %r" % start)


def test_isupport_and_cap_rows_match_the_binary(procs, tmp_path):
    """The CAP LS and 005 rows say what the binary sends (issue 11)."""
    import subprocess
    from gwlib import CHATIRCD
    db = str(tmp_path / "m.db")
    subprocess.run([CHATIRCD, "--db", db, "--add-user", "alice"],
                   input="pw\n", text=True, check=True, capture_output=True)
    d = procs.chatd()
    for nick, args in (("m", ()), ("n", ("--db", db, "--allow-anonymous"))):
        g = procs.chatircd(d, "--network", "chat", *args)
        c = procs.client(g, eol=b"\r\n", name="m")
        c.send("CAP LS")
        caps = c.expect(r" CAP \* LS :(.*)$").group(1).split()
        row = mapping_row("| `CAP LS [302]` |")
        doc = re.search(r"`CAP \* LS :([^`]*)`", row).group(1).split()
        bouncer = ["draft/chathistory", "draft/read-marker", "sasl",
                   "soju.im/search"]
        want = doc if args else [x for x in doc if x not in bouncer]
        assert caps == want, (caps, want)
        c.send("NICK " + nick)
        c.send("USER u 0 * :x")
        c.send("CAP END")
        c.expect(r" 001 %s " % nick)
        got = []
        while True:
            line = c.expect(r" (005|422|376) %s (.*)$" % nick)
            if line.group(1) != "005":
                break
            got += line.group(2).split(" :are supported")[0].split()
        row = mapping_row("| upstream `HELLO n` |")
        tokens = re.findall(r"`([A-Z]+=[^`]*)`", row)
        doc = tokens[0].replace("<network>", "chat").split()
        if args:
            doc += tokens[1].replace("<playback-max>", "500").split()
        assert got == doc, (got, doc)
