"""The *chatircd service (issue 16): admin accounts from the command line,
and a service nick every client of an account can /msg: help, passwd,
sessions, status for everyone; user create/delete/passwd/list and server
status/notice for admins. A created account logs in at once; a deleted
one's clients close; a non-admin is refused.
"""
import subprocess

import pytest

from gwlib import CHATIRCD, chat, irc
from test_gw_bouncer import attach, wait_online

PW = "correct horse"
SVC = r":\*chatircd!service@\S+ PRIVMSG %s :"


def cli(db, *args, password=None):
    return subprocess.run([CHATIRCD, "--db", db] + list(args),
                          input=(password + "\n") if password else "",
                          text=True, capture_output=True, timeout=60)


@pytest.fixture
def db(store_db):
    """root (admin) and carol, on each store (SQLite, PostgreSQL)."""
    path = store_db
    assert cli(path, "--add-user", "root", "--admin",
               password=PW).returncode == 0
    assert cli(path, "--add-user", "carol", password=PW).returncode == 0
    return path


def svc(c, text, nick=None):
    c.send("PRIVMSG *chatircd :" + text)


def reply(c, pattern, nick="root"):
    return c.expect(SVC % nick + pattern)


def test_cli_admin_flags(db):
    r = cli(db, "--list-users")
    assert r.stdout == "carol carol\nroot root admin\n"
    assert cli(db, "--set-admin", "carol").returncode == 0
    assert cli(db, "--set-admin", "root", "--no-admin").returncode == 0
    assert cli(db, "--list-users").stdout == \
        "carol carol admin\nroot root\n"
    assert cli(db, "--passwd", "carol", "--no-admin",
               password="pw2").returncode == 0
    assert cli(db, "--list-users").stdout == "carol carol\nroot root\n"
    r = cli(db, "--set-admin", "nobody")
    assert r.returncode == 1 and "no such user" in r.stderr
    r = cli(db, "--list-users", "--admin")
    assert r.returncode == 1 and "--admin goes with" in r.stderr


def test_done_means(procs, db):
    """root creates dave, who logs in at once; carol may not create;
    carol's passwd changes her password."""
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    root = attach(procs, g, "root", nick="root")
    svc(root, "user create dave s3cret pass")
    reply(root, "Account dave created: it may log in now")
    wait_online(procs, d, "dave")
    dave = attach(procs, g, "dave", password="s3cret pass", nick="dave")
    dave.send("PING :x")
    dave.expect(r"PONG")
    carol = attach(procs, g, "carol", nick="carol")
    svc(carol, "user create eve pw")
    reply(carol, "Permission denied: user create is for admins, and carol "
          "is not one", nick="carol")
    assert "eve" not in cli(db, "--list-users").stdout
    svc(carol, "passwd new carol pw")
    reply(carol, "Password changed", nick="carol")
    assert "carol changed its own password" in g.stderr()
    assert "root created account dave" in g.stderr()
    bad = procs.client(g, eol=b"\r\n", name="old")
    bad.send("PASS carol:" + PW)
    bad.send("NICK carol")
    bad.send("USER u 0 * :x")
    bad.expect(r" 464 ")
    attach(procs, g, "carol", password="new carol pw", nick="carol")


def test_refusals_for_non_admins(procs, db):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    carol = attach(procs, g, "carol", nick="carol")
    for cmd in ("user create x pw", "user delete root", "user passwd root x",
                "user list", "server status", "server notice hi"):
        svc(carol, cmd)
        name = " ".join(cmd.split()[:2])
        reply(carol, "Permission denied: %s is for admins" % name,
              nick="carol")
    assert "carol may not run user list" in g.stderr()


def test_help_and_labels(procs, db):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    c = attach(procs, g, "carol", nick="carol",
               caps="labeled-response batch message-tags")
    svc(c, "help")
    reply(c, r"help \[COMMAND\]: the commands", nick="carol")
    reply(c, r"user create NAME PASSWORD \[-admin\]: .* \(admin\)",
          nick="carol")
    reply(c, r"Send these as /msg \*chatircd COMMAND", nick="carol")
    svc(c, "HELP user")
    reply(c, "user create ", nick="carol")
    reply(c, "user delete ", nick="carol")
    svc(c, "help passwd")
    reply(c, "passwd NEWPASSWORD: change your password", nick="carol")
    svc(c, "frobnicate now")
    reply(c, "Unknown command frobnicate: see help", nick="carol")
    svc(c, "user")
    reply(c, "user needs a subcommand: see help user", nick="carol")
    svc(c, "passwd")
    reply(c, "Usage: passwd NEWPASSWORD", nick="carol")
    # one reply: labeled; several: a labeled batch
    c.send("@label=one PRIVMSG *chatircd :status2")
    c.expect(r"^@label=one :\*chatircd!service@\S+ PRIVMSG carol "
             ":Unknown command")
    c.send("@label=two PRIVMSG *chatircd :help user")
    c.expect(r"^@label=two :\S+ BATCH \+(\S+) labeled-response")
    c.expect(r"^@batch=\S+ :\*chatircd!service@\S+ PRIVMSG carol :user "
             "create")


def test_never_upstream(procs, db):
    """Nothing sent to *chatircd reaches the chat server, NOTICE neither."""
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    w = chat(procs, d, "watcher")
    c = attach(procs, g, "carol", nick="carol")
    c.send("NOTICE *chatircd :help")
    svc(c, "help")
    reply(c, "help ", nick="carol")
    c.expect_none(r" 401 ")
    w.expect_none(r"help")


def test_passwd_two_clients_stay(procs, db):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    a = attach(procs, g, "carol@laptop", nick="carol")
    b = attach(procs, g, "carol@phone", nick="carol")
    svc(a, "passwd n3w one")
    reply(a, "Password changed: it counts from the next login; clients "
          "attached now stay attached", nick="carol")
    bob = chat(procs, d, "bob")
    bob.send("SEND carol still here")
    a.expect(r":bob!\S+ PRIVMSG carol :still here")
    b.expect(r":bob!\S+ PRIVMSG carol :still here")
    svc(b, "sessions")
    reply(b, r"client laptop from 127\.0\.0\.1 since \d{4}-\d\d-\d\d "
          r"\d\d:\d\d:\d\d UTC, caps: none", nick="carol")
    reply(b, r"client phone from 127\.0\.0\.1 since .*\(this one\)",
          nick="carol")
    reply(b, "2 clients attached to carol", nick="carol")
    attach(procs, g, "carol@desk", password="n3w one", nick="carol")


def test_status(procs, db):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    c = attach(procs, g, "carol", nick="carol")
    svc(c, "status")
    reply(c, "Account carol: logged in upstream as carol", nick="carol")
    reply(c, "Messages stored: 0; clients attached: 1", nick="carol")
    bob = chat(procs, d, "bob")
    bob.send("SEND carol hello")
    c.expect(r"PRIVMSG carol :hello")
    svc(c, "status")
    reply(c, r"Messages stored: 1, the oldest from \d{4}-\d\d-\d\d "
          r"\d\d:\d\d:\d\d UTC; clients attached: 1", nick="carol")


def test_user_admin_commands(procs, db):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    root = attach(procs, g, "root", nick="root")
    carol = attach(procs, g, "carol", nick="carol")
    svc(root, "user list")
    reply(root, "carol: chat name carol, 1 client attached, logged in "
          "upstream")
    reply(root, "root: chat name root, admin, 1 client attached")
    reply(root, "2 accounts")
    svc(root, "user create carol x")
    reply(root, "Account carol not created: user exists")
    svc(root, "user create bad!name x")
    reply(root, "Account bad!name not created: account names are")
    svc(root, "user create ops pw -admin")
    reply(root, r"Account ops created \(admin\)")
    assert "ops ops admin" in cli(db, "--list-users").stdout
    svc(root, "user passwd carol other pw")
    reply(root, "Password of carol changed")
    assert "root set the password of carol" in g.stderr()
    svc(root, "user passwd nobody x")
    reply(root, "Password of nobody not changed: no such user")
    # delete: a token first; a wrong one does nothing
    svc(root, "user delete root")
    reply(root, "You cannot delete the account you are using")
    svc(root, "user delete nobody")
    reply(root, "No account nobody")
    svc(root, "user delete carol 0123456789abcdef")
    reply(root, "Wrong or expired token")
    svc(root, "user delete carol")
    tok = reply(root, r"This deletes carol with its whole history and "
                r"closes its clients\. To go on, within 60 s: user delete "
                r"carol ([0-9a-f]{16})").group(1)
    svc(root, "user delete carol " + ("0" if tok[0] != "0" else "1") +
        tok[1:])
    reply(root, "Wrong or expired token")
    carol.expect_none(r"ERROR")
    svc(root, "user delete carol " + tok)
    reply(root, "Account carol deleted")
    carol.expect(r"NOTICE \S+ :Account carol was deleted from this bouncer")
    carol.expect(r"ERROR :Closing link: .*Account carol was deleted")
    assert carol.expect_closed()
    assert "root deleted account carol" in g.stderr()
    assert "carol" not in cli(db, "--list-users").stdout
    c = procs.client(g, eol=b"\r\n", name="gone")
    c.send("PASS carol:other pw")
    c.send("NICK carol")
    c.send("USER u 0 * :x")
    c.expect(r" 464 ")


def test_server_commands(procs, db):
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    root = attach(procs, g, "root", nick="root")
    carol = attach(procs, g, "carol", nick="carol")
    svc(root, "server status")
    reply(root, r"Sessions: 2 \(max-clients \d+\); links: 2")
    reply(root, r"Upstream \S+: 2 of 2 accounts logged in; \d+ chat users "
          "online")
    reply(root, r"Store (?:\S+bouncer\.db|postgresql://\S+): \d+ KiB, "
          r"0 messages, search index \d+ KiB")
    svc(root, "server notice maintenance at 5")
    carol.expect(r":\*chatircd!service@\S+ NOTICE carol :\[notice from "
                 r"root\] maintenance at 5")
    root.expect(r"NOTICE root :\[notice from root\] maintenance at 5")
    reply(root, "Notice sent to 2 clients")
    assert "root sent a server notice: maintenance at 5" in g.stderr()


def test_without_accounts(procs):
    """A plain gateway: *chatircd answers, but has nothing to do."""
    d = procs.chatd()
    g = procs.chatircd(d)
    c = irc(procs, g, "zed")
    svc(c, "help")
    reply(c, "help ", nick="zed")
    svc(c, "status")
    reply(c, r"This gateway keeps no accounts \(no --db\)", nick="zed")
    c.expect_none(r" 401 ")


def test_echo_message_echoes_the_command(procs, db):
    """Under echo-message the client's own line comes back first, as for
    any PRIVMSG."""
    d = procs.chatd()
    g = procs.chatircd(d, "--db", db)
    c = attach(procs, g, "carol", nick="carol", caps="echo-message")
    svc(c, "status")
    c.expect(r"^:carol!carol@\S+ PRIVMSG \*chatircd :status$")
    reply(c, "Account carol: logged in upstream", nick="carol")
