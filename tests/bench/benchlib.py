"""Shared by the Python benchmarks here: the tree's root and starting a
server that prints "listening on HOST:PORT" as its first line."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def start(argv):
    """Run argv; return (process, port) once it prints its port."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    m = re.search(r"listening on (\S+):(\d+)", line)
    if not m:
        p.kill()
        sys.exit("did not start: %r" % argv)
    return p, int(m.group(2))
