"""Shared by the Python benchmarks here: the tree's root and starting a
server that prints "listening on HOST:PORT" as its first line."""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def start_ports(argv, want=1):
    """Run argv; return (process, ports of its first `want` listening
    lines)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    ports = []
    while len(ports) < want:
        line = p.stdout.readline().decode()
        m = re.search(r"listening on (\S+):(\d+)", line)
        if not m:
            p.kill()
            sys.exit("did not start: %r" % argv)
        ports.append(int(m.group(2)))
    return p, ports


def start(argv):
    """Run argv; return (process, port) once it prints its port."""
    p, ports = start_ports(argv, 1)
    return p, ports[0]


def binaries(build):
    """chatd and chatircd: $CHATD_BIN and $CHATIRCD_BIN, else in build."""
    chatd = os.environ.get("CHATD_BIN") or os.path.join(
        build, "contrib/chatd/chatd")
    chatircd = os.environ.get("CHATIRCD_BIN") or os.path.join(
        build, "gateway/chatircd")
    return chatd, chatircd


def relay_args(messages, idle, extra=()):
    """The relay benchmarks' options; extra: (name, default) int options."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--messages", type=int, default=messages)
    for name, default in extra:
        ap.add_argument(name, type=int, default=default)
    ap.add_argument("--window", type=int, default=20)
    ap.add_argument("--idle", type=int, default=idle)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    return ap.parse_args()


def start_chatd(chatd):
    """A chatd on a free loopback port taking any number of clients."""
    return start([chatd, "--bind", "127.0.0.1", "--port", "0",
                  "--max-clients", "100000"])


def stop(*procs):
    """Terminate every process, then wait for each."""
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait()
