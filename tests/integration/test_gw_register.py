"""chatircd registration: CAP, NICK/USER in any order, taken and invalid
nicks, welcome numerics, the failures a user must be told about."""
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

from gwlib import CHATIRCD, chat, irc


@pytest.fixture
def gw(procs):
    d = procs.chatd()
    return d, procs.chatircd(d)


def test_irssi_connect_sequence(procs, gw):
    """irssi: CAP LS 302 and JOIN : first, NICK/USER only after answers."""
    d, g = gw
    c = procs.client(g, eol=b"\r\n", name="irssi")
    c.send("CAP LS 302")
    c.send("JOIN :")
    c.expect(r"^:\S+ CAP \* LS :.*echo-message")
    c.expect(r" 451 \* :You have not registered")
    c.send("NICK alice")
    c.send("USER alice alice localhost :Alice")
    c.send("CAP REQ :multi-prefix extended-join setname invite-notify "
           "away-notify chghost account-notify server-time")
    c.expect(r" CAP alice NAK :multi-prefix extended-join")
    c.send("CAP REQ :multi-prefix server-time")
    c.expect(r" CAP alice ACK :multi-prefix server-time")
    c.send("CAP END")
    c.expect(r"^:\S+ 001 alice :Welcome")
    c.expect(r" 005 alice .*CASEMAPPING=ascii")
    c.expect(r" 422 alice ")
    c.send("MODE alice +i")
    c.expect(r"^:alice!alice@\S+ MODE alice :\+i")
    c.send("WHOIS alice")
    c.expect(r" 311 alice alice alice ")
    c.expect(r" 318 alice alice ")
    c.send("PING chatircd")
    c.expect(r"PONG chatircd\.invalid :chatircd")


def test_weechat_pipelined_caps(procs, gw):
    """WeeChat: CAP LS, NICK, USER at once; REQ/END after the LS reply."""
    d, g = gw
    c = procs.client(g, eol=b"\r\n", name="weechat")
    c.send_raw("CAP LS 302\r\nNICK bob\r\nUSER bob 0 * :bob\r\n")
    c.expect(r" CAP \* LS ")
    c.expect_none(r" 001 ", wait=0.3)
    c.send("CAP REQ :cap-notify message-tags multi-prefix server-time "
           "userhost-in-names")
    c.expect(r" CAP bob ACK :cap-notify message-tags")
    c.send("CAP LIST")
    c.expect(r" CAP bob LIST :cap-notify message-tags multi-prefix "
             r"server-time userhost-in-names")
    c.send("CAP END")
    c.expect(r" 001 bob ")
    c.send("CAP BOGUS")
    c.expect(r" 410 bob BOGUS ")


def test_nick_taken_gets_free_name(procs, gw):
    d, g = gw
    chat(procs, d, "alice")
    c = irc(procs, g, "alice")
    assert c.nick == "alice2"
    c.expect(r"NOTICE alice2 :Cannot log in as alice\. That username is "
             r"already in use\. Successfully logged in as alice2!.*/nick")
    c2 = irc(procs, g, "alice", name="third")
    assert c2.nick == "alice3"


def test_invalid_nick_like_irssi_retry(procs, gw):
    """alice_ (what irssi/WeeChat retry with) is no chat name: alice."""
    d, g = gw
    c = irc(procs, g, "alice_")
    assert c.nick == "alice"
    c.expect(r"Cannot log in as alice_\. That username contains "
             r"disallowed characters\. Successfully logged in as alice!")


def test_taken_and_invalid_ends_on_digits(procs, gw):
    d, g = gw
    chat(procs, d, "bob")
    c = irc(procs, g, "bob__")
    assert c.nick == "bob2"


def test_mixed_case_nick_keeps_its_case(procs, gw):
    d, g = gw
    c = irc(procs, g, "Carol")
    assert c.nick == "Carol"
    w = chat(procs, d, "watcher")
    w.send("WHO")
    w.send("LIST")
    w.expect(r"(WHO|LIST)-OK .*\bcarol\b")


def test_commands_before_registration(procs, gw):
    d, g = gw
    c = procs.client(g, eol=b"\r\n")
    c.send("PRIVMSG echobot :hi")
    c.expect(r" 451 \* :You have not registered")
    c.send("FROB")
    c.expect(r" 421 \* FROB :Unknown command")
    c.send("USER onlytwo x")
    c.expect(r" 461 \* USER :Not enough parameters")
    c.send("PING early")
    c.expect(r"PONG \S+ :early")
    c.send("NICK")
    c.expect(r" 431 ")


def test_after_registration_rejects_reregister(procs, gw):
    d, g = gw
    c = irc(procs, g, "dave")
    c.send("USER a b c d")
    c.expect(r" 462 dave ")
    c.send("PASS secret")
    c.expect(r" 462 dave ")


def test_pass_before_registration_accepted(procs, gw):
    d, g = gw
    c = procs.client(g, eol=b"\r\n")
    c.send("PASS whatever")
    c.send("USER e 0 * :e")
    c.send("NICK erin")
    c.expect(r" 001 erin ")


def test_quit_frees_the_name(procs, gw):
    d, g = gw
    c = irc(procs, g, "frank")
    c.send("QUIT :bye now")
    c.expect(r"^ERROR :Closing link: frank\[127\.0\.0\.1\] \(Quit: bye now\)")
    c.expect_closed()
    c2 = irc(procs, g, "frank", name="frank2")
    assert c2.nick == "frank"


def test_unreachable_upstream(procs):
    s = __import__("socket").socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    g = procs.chatircd("127.0.0.1:%d" % port)
    c = procs.client(g, eol=b"\r\n")
    c.send("NICK gina")
    c.send("USER g 0 * :g")
    c.expect(r"^ERROR :Closing link: .*Cannot reach the chat server at "
             r"127\.0\.0\.1 port %d" % port)
    c.expect_closed()


def test_upstream_by_host_name(procs):
    d = procs.chatd()
    g = procs.chatircd("localhost:%d" % d.port)
    c = irc(procs, g, "hank")
    assert c.nick == "hank"


def test_busy_upstream(procs):
    d = procs.chatd("--max-clients", "1", "--no-bots")
    chat(procs, d, "ivy")
    g = procs.chatircd(d)
    c = procs.client(g, eol=b"\r\n")
    c.send("NICK jack")
    c.send("USER j 0 * :j")
    c.expect(r"NOTICE jack :Cannot log in\. The server is full!")
    c.expect(r"^ERROR :.*The chat server is full")
    c.expect_closed()


def test_registration_timeout(procs):
    d = procs.chatd()
    g = procs.chatircd(d, "-v", "--reg-timeout", "1")
    c = procs.client(g, eol=b"\r\n")
    c.send("NICK slow")
    c.expect(r"^ERROR :.*Registration timed out", timeout=4)
    c.expect_closed()
    assert "limit reg-timeout 1" in g.stderr()


def test_motd_file(procs, tmp_path):
    motd = tmp_path / "motd"
    motd.write_text("Welcome to the chat\nBe nice\n")
    d = procs.chatd()
    g = procs.chatircd(d, "--motd-file", str(motd), "--server-name",
                       "irc.example.test")
    c = procs.client(g, eol=b"\r\n")
    c.send("NICK kim")
    c.send("USER k 0 * :k")
    c.expect(r"^:irc\.example\.test 375 kim ")
    c.expect(r" 372 kim :- Welcome to the chat")
    c.expect(r" 372 kim :- Be nice")
    c.expect(r" 376 kim ")
    c.send("MOTD")
    c.expect(r" 375 kim ")


def test_sigterm_tells_every_client(procs, gw):
    d, g = gw
    a = irc(procs, g, "lea")
    b = procs.client(g, eol=b"\r\n", name="unregistered")
    b.send("NICK half")
    time.sleep(0.2)
    g.signal(signal.SIGTERM)
    a.expect(r"^ERROR :Closing link: .*Server shutting down")
    b.expect(r"^ERROR :Closing link: .*Server shutting down")
    assert g.proc.wait(5) == 0


def test_ipv6_listen(procs):
    d = procs.chatd()
    try:
        g = procs.chatircd(d, listen="[::1]:0")
    except AssertionError:
        pytest.skip("no IPv6 loopback here")
    c = irc(procs, g, "mia")
    assert c.nick == "mia"


def test_config_file_and_check(tmp_path):
    good = tmp_path / "good.conf"
    good.write_text("# comment\nmax-clients 50\nserver-name irc.test\n")
    r = subprocess.run([CHATIRCD, "-f", str(good), "-n"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "configuration OK" in r.stderr
    bad = tmp_path / "bad.conf"
    bad.write_text("max-clients 0\n")
    r = subprocess.run([CHATIRCD, "-f", str(bad), "-n"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "max-clients" in r.stderr and "from 1 to" in r.stderr
    r = subprocess.run([CHATIRCD, "--dialect", "klingon", "-n"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "dialect" in r.stderr
    assert r.stdout == ""


def test_overlong_config_line_is_an_error(tmp_path):
    """A config line past the parser's buffer is refused, not split in two
    (the rest would be read as a line of its own)."""
    f = tmp_path / "long.conf"
    f.write_text("server-name " + "x" * 2000 + "\nmax-clients 5\n")
    r = subprocess.run([CHATIRCD, "-f", str(f), "-n"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "long.conf:1: line longer than" in r.stderr
    assert "unknown option" not in r.stderr


def test_help_is_not_an_error():
    r = subprocess.run([CHATIRCD, "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "--upstream" in r.stdout and "--max-clients" in r.stdout


def test_lines_pipelined_during_login_wait_for_it(procs, gw):
    """A script that writes NICK, USER and PRIVMSGs in one go: the
    messages wait for the login instead of getting 451 and being lost."""
    d, g = gw
    c = procs.client(g, eol=b"\r\n", name="script")
    c.send_raw("NICK scripty\r\nUSER s 0 * :s\r\n"
               "PRIVMSG echobot :first\r\nPRIVMSG echobot :second\r\n"
               "PING :done\r\n")
    c.expect(r" 001 scripty ")
    c.expect(r"^:echobot!\S+ PRIVMSG scripty :first$")
    c.expect(r"^:echobot!\S+ PRIVMSG scripty :second$")
    assert any(re.search(r"PONG \S+ :done", l) for l in c.lines), \
        c.transcript()
    assert not any(" 451 " in l for l in c.lines), c.transcript()


def test_flood_during_login_is_bounded(procs, gw):
    """Input written while the login runs is held, but not without bound:
    the gateway stops reading the socket and carries on after the login."""
    d, g = gw
    c = procs.client(g, eol=b"\r\n", name="flood")
    c.send_raw("NICK flooder\r\nUSER f 0 * :f\r\n" +
               "PRIVMSG nobody :x\r\n" * 2000)
    c.expect(r" 001 flooder ", timeout=15)
    c.expect(r" 401 flooder nobody ", timeout=15)
    c.send("PING :alive")
    c.expect(r"PONG \S+ :alive", timeout=30)
