"""TCP_NODELAY on the daemons' sockets, checked from outside the process.

Each socket of a live daemon is duplicated into the test with
pidfd_getfd(2) and asked for TCP_NODELAY: what the kernel says, not what
the code meant. Without it a small reply waits for the peer's delayed ACK
(issue 9: p50 17.9 ms through the gateway at 5,000 msg/s).
"""
import ctypes
import errno
import os
import platform
import socket

import pytest

from gwlib import chat, irc

# pidfd_getfd(2): 438 on x86_64 and in the asm-generic table (not alpha);
# Python has no wrapper for it.
SYS_PIDFD_GETFD = 438

_libc = ctypes.CDLL(None, use_errno=True)


def _pidfd_getfd(pidfd, fd):
    got = _libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
    if got < 0:
        err = ctypes.get_errno()
        raise OSError(err, "pidfd_getfd(%d): %s" % (fd, os.strerror(err)))
    return got


def _socket_fds(pid):
    """The fds of pid that are sockets, by their /proc link."""
    base = "/proc/%d/fd" % pid
    fds = []
    for name in os.listdir(base):
        try:
            target = os.readlink(os.path.join(base, name))
        except OSError:
            continue            # closed since listdir()
        if target.startswith("socket:"):
            fds.append(int(name))
    return sorted(fds)


def tcp_sockets_of(pid):
    """{fd: dict(nodelay, listening, local, peer)} for pid's TCP sockets."""
    out = {}
    pidfd = os.pidfd_open(pid)
    try:
        for fd in _socket_fds(pid):
            try:
                mine = _pidfd_getfd(pidfd, fd)
            except OSError as e:
                if e.errno in (errno.ENOSYS, errno.EPERM):
                    pytest.skip("pidfd_getfd needs Linux 5.6 and "
                                "ptrace rights (root): %s" % e)
                continue        # closed in between
            s = socket.socket(fileno=mine)
            try:
                if s.family not in (socket.AF_INET, socket.AF_INET6) or \
                        s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL) \
                        != socket.IPPROTO_TCP:
                    continue
                listening = s.getsockopt(socket.SOL_SOCKET,
                                         socket.SO_ACCEPTCONN) != 0
                try:
                    peer = s.getpeername()[:2]
                except OSError:
                    peer = None
                out[fd] = {
                    "nodelay": s.getsockopt(socket.IPPROTO_TCP,
                                            socket.TCP_NODELAY) != 0,
                    "listening": listening,
                    "local": s.getsockname()[:2],
                    "peer": peer,
                }
            finally:
                s.close()       # our duplicate only
    finally:
        os.close(pidfd)
    return out


def tcp_nodelay_of(pid):
    """{fd: TCP_NODELAY on?} for every TCP socket of pid, listeners too."""
    return {fd: v["nodelay"] for fd, v in tcp_sockets_of(pid).items()}


def accepted_for(daemon, clients):
    """The daemon's sockets facing each client: {client name: info}."""
    socks = tcp_sockets_of(daemon.proc.pid)
    by_peer = {v["peer"]: v for v in socks.values() if not v["listening"]}
    found = {}
    for c in clients:
        local = c.sock.getsockname()[:2]
        assert local in by_peer, "%s: no socket of %s has peer %r: %r" % (
            c.name, daemon.name, local, socks)
        found[c.name] = by_peer[local]
    return found


pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or not hasattr(os, "pidfd_open"),
    reason="needs Linux pidfd_open and pidfd_getfd")


def test_helper_sees_listener_and_nodelay(procs):
    d = procs.chatd()
    got = tcp_sockets_of(d.proc.pid)
    assert [v for v in got.values() if v["listening"]], got
    assert set(tcp_nodelay_of(d.proc.pid)) == set(got)


def test_chatd_accepted_sockets_nodelay(procs):
    d = procs.chatd()
    alice = chat(procs, d, "alice")
    bob = procs.client(d, name="bob")       # before the handshake, too
    alice.send("SEND alice hi")
    alice.expect(r"^SEND-OK$")
    found = accepted_for(d, [alice, bob])
    for name, info in found.items():
        assert info["nodelay"], "chatd socket for %s: %r" % (name, info)


def test_chatd_nodelay_for_gateway_upstream(procs):
    d = procs.chatd()
    gw = procs.chatircd(d)
    irc(procs, gw, "carol")
    ups = [v for v in tcp_sockets_of(gw.proc.pid).values()
           if v["peer"] == (d.host, d.port)]
    assert ups, "the gateway has no upstream socket yet"
    facing = {v["peer"]: v for v in tcp_sockets_of(d.proc.pid).values()}
    for u in ups:
        assert facing[u["local"]]["nodelay"], facing[u["local"]]


def test_chatircd_sockets_nodelay(procs):
    d = procs.chatd()
    gw = procs.chatircd(d)
    dave = irc(procs, gw, "dave")
    socks = tcp_sockets_of(gw.proc.pid)
    assert accepted_for(gw, [dave])["dave"]["nodelay"], socks
    ups = [v for v in socks.values() if v["peer"] == (d.host, d.port)]
    assert ups and all(v["nodelay"] for v in ups), socks
