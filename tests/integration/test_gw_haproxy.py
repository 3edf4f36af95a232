"""Beyond one process (issue 9): two chatircd in front of one chatd,
behind HAProxy in TCP mode with health checks on the IRC port. A client
through HAProxy logs in and chats with a client that landed on the other
gateway; a gateway stopped mid-run moves new logins to the other one.
Everything on 127.0.0.1."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from gwlib import irc

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class HAProxy:
    """haproxy -db with a TCP frontend over the given gateways."""

    def __init__(self, gateways):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="haproxy-")
        cfg = os.path.join(self.dir, "haproxy.cfg")
        servers = "\n".join(
            "    server gw%d 127.0.0.1:%d check inter 200 fall 1 rise 1" %
            (i, g.port) for i, g in enumerate(gateways))
        with open(cfg, "w") as f:
            f.write("""global
    maxconn 256
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
frontend irc
    bind 127.0.0.1:%d
    default_backend gateways
backend gateways
    balance leastconn
%s
""" % (self.port, servers))
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", cfg],
                                     stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        self.host = "127.0.0.1"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("haproxy did not start")

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def two_gateways(procs):
    if not os.path.exists(HAPROXY):
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    d = procs.chatd()
    g1 = procs.chatircd(d)
    g2 = procs.chatircd(d)
    hp = HAProxy([g1, g2])
    yield d, g1, g2, hp
    hp.close()


def logins(g):
    return g.stderr().count(": logged in as ")


def test_two_gateways_behind_haproxy(procs, two_gateways):
    d, g1, g2, hp = two_gateways
    alice = irc(procs, hp, "alice")
    bob = irc(procs, hp, "bob")
    # leastconn (health checks do not log in): one on each gateway
    assert (logins(g1), logins(g2)) == (1, 1), (logins(g1), logins(g2))
    alice.send("PRIVMSG bob :across gateways")
    bob.expect(r"^:alice!alice@\S+ PRIVMSG bob :across gateways$")
    bob.send("PRIVMSG alice :and back")
    alice.expect(r"^:bob!bob@\S+ PRIVMSG alice :and back$")
    # one gateway stops: new logins go to the other
    g1.signal(signal.SIGTERM)
    assert g1.proc.wait(10) == 0
    g1.proc.stdout.close()
    time.sleep(0.6)             # a few health checks
    before = logins(g2)
    for nick in ("carol", "dave", "erin"):
        c = irc(procs, hp, nick)
        c.send("PRIVMSG echobot :via haproxy")
        c.expect(r"PRIVMSG %s :via haproxy$" % nick)
    assert logins(g2) == before + 3
