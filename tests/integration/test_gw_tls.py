"""Access (issue 10): several listeners, TLS for IRC clients with the
certificate reread on SIGHUP, the gateway password, the refusal to listen
beyond loopback without one, and IRCv3 STS.

The certificates are made here with the openssl command; the TLS client
is `openssl s_client` (as a user would try it) or Python's ssl module
when the test needs the certificate the gateway showed.
"""
import hashlib
import os
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest

from conftest import CHATIRCD, Daemon, LineClient, make_cert
from gwlib import FakeUpstream


class SClient(LineClient):
    """`openssl s_client -connect 127.0.0.1:PORT -quiet`, read and written
    like any LineClient."""

    class _Pipe:
        def __init__(self, proc):
            self.proc = proc

        def fileno(self):
            return self.proc.stdout.fileno()

        def recv(self, n):
            return os.read(self.fileno(), n)

        def sendall(self, data):
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

        def close(self):
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(10)
            self.proc.stdin.close()
            self.proc.stdout.close()

    def __init__(self, port, name="s_client", extra=(), timeout=5.0):
        self.name = name
        self.eol = b"\r\n"
        self.timeout = timeout
        proc = subprocess.Popen(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
             "-quiet"] + list(extra), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.sock = self._Pipe(proc)
        self.buf = b""
        self.lines = []
        self.unread = []
        self.closed = False


class TlsClient(LineClient):
    """A LineClient over Python's ssl (no verification: the test compares
    fingerprints itself); .fingerprint is the SHA-256 of what the gateway
    showed."""

    def __init__(self, port, name="tls", timeout=5.0):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", port), timeout)
        self.sock = ctx.wrap_socket(raw)
        self.sock.settimeout(timeout)
        self.fingerprint = hashlib.sha256(
            self.sock.getpeercert(binary_form=True)).hexdigest()
        self.version = self.sock.version()
        self.name = name
        self.eol = b"\r\n"
        self.timeout = timeout
        self.buf = b""
        self.lines = []
        self.unread = []
        self.closed = False

    def _fill(self, deadline):
        # bytes already decrypted are not seen by select()
        if not self.closed and self.sock.pending():
            deadline = max(deadline, time.monotonic() + 0.01)
        return LineClient._fill(self, deadline)


def tls_gateway(procs, tmp_path, upstream, *args, cert=None):
    """chatircd with a plain and a TLS listener: (daemon, tls port, cert
    path, key path, fingerprint)."""
    if cert is None:
        cert = make_cert(tmp_path)
    path, key, fp = cert
    gw = procs.chatircd(upstream, "--tls-listen", "127.0.0.1:0",
                        "--tls-cert", path, "--tls-key", key, *args)
    (_, _, plain), (_, tport, tls) = gw.listening_all(2)
    assert not plain and tls
    return gw, tport, path, key, fp


def register(c, nick):
    c.send("NICK " + nick)
    c.send("USER u 0 * :Real Name")
    c.expect(r" 001 %s " % nick)
    c.expect(r" (376|422) ")
    return c


def stderr_until(d, pattern, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not re.search(pattern, d.stderr()):
        assert time.monotonic() < deadline, \
            "no %r in the log:\n%s" % (pattern, d.stderr())
        time.sleep(0.05)


def start_fails(*args, timeout=10.0):
    """Run chatircd expecting it to refuse to start: (status, stderr)."""
    p = subprocess.run([CHATIRCD] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    assert "listening on" not in p.stdout, p.stdout
    return p.returncode, p.stderr


# ---- TLS ----

def test_s_client_registers_and_echobot_round_trip(procs, tmp_path):
    chatd = procs.chatd()
    gw, tport, _, _, _ = tls_gateway(procs, tmp_path, chatd)
    c = SClient(tport)
    procs.clients.append(c)
    register(c, "alice")
    c.send("PRIVMSG echobot :over tls")
    c.expect(r"^:echobot!\S+ PRIVMSG alice :over tls$")
    assert "s1: connected from 127.0.0.1 over TLS" in gw.stderr()
    # the ERROR reaches the client through the TLS close (close_notify)
    c.send("QUIT :bye")
    c.expect(r"^ERROR :Closing link: .*Quit: bye")
    c.expect_closed()


def test_several_listen_and_tls_at_once(procs, tmp_path):
    chatd = procs.chatd()
    path, key, _ = make_cert(tmp_path)
    gw = procs.chatircd(chatd, "--listen", "[::1]:0", "--tls-listen",
                        "127.0.0.1:0", "--tls-cert", path, "--tls-key", key)
    got = gw.listening_all(3)
    assert [(h, t) for h, _, t in got] == [
        ("127.0.0.1", False), ("::1", False), ("127.0.0.1", True)], got
    a = register(LineClient("127.0.0.1", got[0][1], eol=b"\r\n",
                            name="v4"), "alice")
    b = register(LineClient("::1", got[1][1], eol=b"\r\n", name="v6"),
                 "bob")
    t = register(TlsClient(got[2][1]), "carol")
    procs.clients += [a, b, t]
    a.send("PRIVMSG carol :from plain")
    t.expect(r"^:alice!\S+ PRIVMSG carol :from plain$")
    t.send("PRIVMSG bob :from tls")
    b.expect(r"^:carol!\S+ PRIVMSG bob :from tls$")


def test_listen_lines_in_the_config_file(procs, tmp_path):
    chatd = procs.chatd()
    path, key, _ = make_cert(tmp_path)
    conf = tmp_path / "chatircd.conf"
    conf.write_text("listen 127.0.0.1:0\nlisten [::1]:0\n"
                    "tls-listen 127.0.0.1:0\ntls-cert %s\ntls-key %s\n"
                    "upstream 127.0.0.1:%d\n" % (path, key, chatd.port))
    gw = Daemon([CHATIRCD, "-f", str(conf)], "chatircd")
    procs.daemons.append(gw)
    got = gw.listening_all(3)
    assert [t for _, _, t in got] == [False, False, True], got
    register(TlsClient(got[2][1]), "alice").close()


def test_tls_only(procs, tmp_path):
    """--listen none: no plain listener, the TLS one alone."""
    chatd = procs.chatd()
    path, key, _ = make_cert(tmp_path)
    gw = Daemon([CHATIRCD, "--listen", "none", "--tls-listen",
                 "127.0.0.1:0", "--tls-cert", path, "--tls-key", key,
                 "--upstream", "127.0.0.1:%d" % chatd.port], "chatircd")
    procs.daemons.append(gw)
    assert gw.listening_all(1) == [("127.0.0.1", gw.port, True)]
    register(TlsClient(gw.port), "alice").close()


def test_tls_1_1_refused(procs, tmp_path):
    chatd = procs.chatd()
    gw, tport, _, _, _ = tls_gateway(procs, tmp_path, chatd)
    # the client is made to offer only TLS 1.1 (its own floor lowered)
    p = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % tport, "-tls1_1", "-cipher",
                        "DEFAULT@SECLEVEL=0"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    assert "alert protocol version" in p.stdout + p.stderr, p.stderr
    stderr_until(gw, r"closed: TLS error: .*unsupported protocol")
    # 1.2 and 1.3 are fine
    for v in ("-tls1_2", "-tls1_3"):
        p = subprocess.run(["openssl", "s_client", "-connect",
                            "127.0.0.1:%d" % tport, v],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=20)
        # "Protocol :" comes with the session, which a TLS 1.3 client
        # closing at once may not wait for; "New, TLSv1.x" always
        assert re.search(r"New, TLSv1\.%s," % v[-1], p.stdout), p.stdout


def test_sighup_reloads_certificate_sessions_stay(procs, tmp_path):
    chatd = procs.chatd()
    gw, tport, path, key, fp1 = tls_gateway(procs, tmp_path, chatd)
    old = register(TlsClient(tport, name="old"), "alice")
    procs.clients.append(old)
    assert old.fingerprint == fp1
    new_path, new_key, fp2 = make_cert(tmp_path, "new")
    assert fp2 != fp1
    os.replace(new_path, path)
    os.replace(new_key, key)
    gw.signal(signal.SIGHUP)
    stderr_until(gw, r"tls: certificate reloaded from ")
    new = register(TlsClient(tport, name="new"), "bob")
    procs.clients.append(new)
    assert new.fingerprint == fp2
    # the old session is alive and well
    old.send("PRIVMSG echobot :still here")
    old.expect(r"^:echobot!\S+ PRIVMSG alice :still here$")
    old.send("PRIVMSG bob :hello new")
    new.expect(r"^:alice!\S+ PRIVMSG bob :hello new$")
    # a broken file: said so, and the last good certificate stays
    with open(path, "w") as f:
        f.write("not a certificate\n")
    gw.signal(signal.SIGHUP)
    stderr_until(gw, r"tls: certificate not reloaded, the old one stays")
    third = TlsClient(tport, name="third")
    procs.clients.append(third)
    assert third.fingerprint == fp2
    old.send("PING :x")
    old.expect(r" PONG ")


def test_tls_listen_needs_cert_and_key(tmp_path):
    rc, err = start_fails("--tls-listen", "127.0.0.1:0", "--upstream",
                          "127.0.0.1:1")
    assert rc != 0 and "tls-cert" in err, err
    bad = tmp_path / "bad.pem"
    bad.write_text("nothing\n")
    rc, err = start_fails("--listen", "127.0.0.1:0", "--tls-listen",
                          "127.0.0.1:0", "--tls-cert", str(bad),
                          "--tls-key", str(bad), "--upstream",
                          "127.0.0.1:1")
    assert rc != 0 and str(bad) in err, err


# ---- the gateway password ----

def password_gateway(procs, tmp_path, upstream, *args, pw="s3cret pw"):
    pf = tmp_path / "password"
    pf.write_text(pw + "\nsecond line is ignored\n")
    return procs.chatircd(upstream, "--password-file", str(pf), *args)


def test_wrong_password_gets_464_closed_no_login(procs, tmp_path):
    up = FakeUpstream()
    try:
        gw = password_gateway(procs, tmp_path, up.addr)
        c = procs.client(gw, eol=b"\r\n", name="wrong")
        t0 = time.monotonic()
        c.send("PASS :s3cret p")
        c.send("NICK mallory")
        c.send("USER u 0 * :M")
        c.expect(r" 464 \* :Password incorrect")
        c.expect(r"^ERROR :Closing link: .*Password incorrect")
        c.expect_closed()
        assert time.monotonic() - t0 >= 0.8, "closed without a delay"
        # missing: the same, once NICK and USER are in
        c = procs.client(gw, eol=b"\r\n", name="missing")
        c.send("NICK mallory")
        c.send("USER u 0 * :M")
        c.expect(r" 464 mallory :Password required")
        c.expect_closed()
        assert not any(l.startswith("HELLO-FROM") for l in up.got), up.got
    finally:
        up.close()


def test_right_password_registers(procs, tmp_path):
    chatd = procs.chatd()
    gw = password_gateway(procs, tmp_path, chatd)
    c = procs.client(gw, eol=b"\r\n", name="right")
    c.send("CAP LS 302")
    c.send("PASS :s3cret pw")
    c.send("NICK alice")
    c.send("USER u 0 * :A")
    c.send("CAP END")
    c.expect(r" 001 alice ")
    c.send("PRIVMSG echobot :let in")
    c.expect(r"PRIVMSG alice :let in$")
    c.send("PASS :s3cret pw")
    c.expect(r" 462 ")


def test_password_over_tls(procs, tmp_path):
    chatd = procs.chatd()
    pf = tmp_path / "password"
    pf.write_text("tls-pw\n")
    gw, tport, _, _, _ = tls_gateway(procs, tmp_path, chatd,
                                     "--password-file", str(pf))
    c = TlsClient(tport)
    procs.clients.append(c)
    c.send("PASS tls-pw")
    register(c, "alice")
    bad = TlsClient(tport, name="bad")
    procs.clients.append(bad)
    bad.send("PASS nope")
    bad.expect(r" 464 ")
    bad.expect(r"^ERROR ")
    bad.expect_closed()


def test_non_loopback_listen_needs_a_password(procs, tmp_path):
    """Only started, never connected to: 0.0.0.0 is not loopback."""
    for opt in ("--listen", "--tls-listen"):
        rc, err = start_fails(opt, "0.0.0.0:0", "--tls-cert", "x",
                              "--tls-key", "x", "--upstream", "127.0.0.1:1")
        assert rc == 1, err
        assert "--password-file" in err and "0.0.0.0:0" in err, err
    gw = procs.chatircd("127.0.0.1:1", "--insecure-listen",
                        listen="0.0.0.0:0")
    assert gw.host == "0.0.0.0"
    pf = tmp_path / "password"
    pf.write_text("pw\n")
    gw = procs.chatircd("127.0.0.1:1", "--password-file", str(pf),
                        listen="0.0.0.0:0")
    assert gw.host == "0.0.0.0"
    rc, err = start_fails("--listen", "0.0.0.0:0", "--password-file",
                          str(tmp_path / "missing"), "--upstream",
                          "127.0.0.1:1")
    assert rc == 1 and "missing" in err, err


# ---- STS ----

def cap_ls(c):
    c.send("CAP LS 302")
    return c.expect(r" CAP \* LS :(.*)$").group(1).split()


def test_sts_offered_per_listener(procs, tmp_path):
    chatd = procs.chatd()
    gw, tport, _, _, _ = tls_gateway(procs, tmp_path, chatd,
                                     "--sts-duration", "300")
    plain = procs.client(gw, eol=b"\r\n", name="plain")
    assert "sts=port=%d" % tport in cap_ls(plain)
    plain.send("CAP REQ :sts")
    plain.expect(r" CAP \* NAK :sts")
    t = TlsClient(tport)
    procs.clients.append(t)
    assert "sts=duration=300" in cap_ls(t)


def test_sts_off_by_default_and_without_tls(procs, tmp_path):
    chatd = procs.chatd()
    gw, tport, _, _, _ = tls_gateway(procs, tmp_path, chatd)
    c = procs.client(gw, eol=b"\r\n")
    assert not any(x.startswith("sts") for x in cap_ls(c))
    gw2 = procs.chatircd(chatd, "--sts-duration", "300")
    c = procs.client(gw2, eol=b"\r\n")
    assert not any(x.startswith("sts") for x in cap_ls(c))


# ---- with the bouncer's accounts (--db) ----

def add_user(db, name, password):
    r = subprocess.run([CHATIRCD, "--db", db, "--add-user", name],
                       input=password + "\n", text=True,
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_accounts_count_as_authentication(procs, tmp_path):
    """--db without --allow-anonymous is enough beyond loopback (only
    started, never connected to); with --allow-anonymous it is not."""
    db = str(tmp_path / "b.db")
    add_user(db, "alice", "apw")
    gw = procs.chatircd("127.0.0.1:1", "--db", db, listen="0.0.0.0:0")
    assert gw.host == "0.0.0.0"
    rc, err = start_fails("--listen", "0.0.0.0:0", "--db", db,
                          "--allow-anonymous", "--upstream", "127.0.0.1:1")
    assert rc == 1 and "--password-file" in err, err


def test_gateway_password_with_accounts(procs, tmp_path):
    """--db --allow-anonymous --password-file: an account logs in with
    its own password, an anonymous client with the gateway's."""
    chatd = procs.chatd()
    db = str(tmp_path / "b.db")
    add_user(db, "alice", "apw")
    gw = password_gateway(procs, tmp_path, chatd, "--db", db,
                          "--allow-anonymous", pw="gatepw")
    a = procs.client(gw, eol=b"\r\n", name="account")
    a.send("PASS alice:apw")
    register(a, "alice")
    b = procs.client(gw, eol=b"\r\n", name="anonymous")
    b.send("PASS gatepw")
    register(b, "bob")
    b.send("PRIVMSG echobot :anon")
    b.expect(r"PRIVMSG bob :anon$")
    c = procs.client(gw, eol=b"\r\n", name="nopass")
    c.send("NICK carol")
    c.send("USER u 0 * :C")
    c.expect(r" 464 carol :Password required")
    c.expect_closed()
    d = procs.client(gw, eol=b"\r\n", name="wrong")
    d.send("PASS alice:nope")
    d.send("NICK dave")
    d.send("USER u 0 * :D")
    d.expect(r" 464 ")
    d.expect_closed()
