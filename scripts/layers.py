#!/usr/bin/python3
"""The gateway's layering check: reads the compiled objects with nm and
fails on a call (any symbol reference) that goes up a layer or across to
a neighbour stack, on an object no layer declares, and on a circle of
more than MAX_CIRCLE files that call each other. Prints the figures:
call edges, the largest circle, file-scope mutable variables.

usage: layers.py BUILD_DIR [--quiet]
"""
import glob
import os
import subprocess
import sys

# (layer, rank, files): a file may call its own layer and any lower rank.
# Two layers of one rank are independent stacks: neither calls the other.
LAYERS = [
    ("core", 0, ["core", "conf", "log", "xmalloc", "names", "auth"]),
    ("store", 0, ["store", "store_msg", "chathistory", "account_cli"]),
    ("irc-side", 1, ["session", "irc_send", "listener"]),
    ("chat-side", 1, ["upstream", "upbind"]),
    ("link", 2, ["link", "link_nick", "link_send", "presence"]),
    ("irc-meaning", 3, ["gw", "account", "irc_cmd", "irc_cmd_history",
                        "irc_cmd_login", "irc_cmd_msg",
                        "irc_cmd_query", "irc_cmd_chan", "irc_cmd_help",
                        "control"]),
    ("main", 4, ["main"]),
]
MAX_CIRCLE = 3


def objects(build):
    found = {}
    for path in glob.glob(os.path.join(build, "gateway", "CMakeFiles",
                                       "*", "*.o")):
        name = os.path.basename(path).split(".")[0]
        found[name] = path
    return found


def symbols(path):
    out = subprocess.run(["nm", path], check=True, capture_output=True,
                         text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1].isupper():
            defined.add(parts[2])
    return defined, undefined, mutable_vars(path)


def mutable_vars(path):
    """Data objects in .data or .bss: const tables (.rodata,
    .data.rel.ro) are not counted."""
    out = subprocess.run(["objdump", "-t", path], check=True,
                         capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 6 and " O " in line and \
                parts[-3] in (".data", ".bss"):
            names.append(parts[-1])
    return names


def largest_circle(nodes, edges):
    """Tarjan's strongly connected components; the biggest one."""
    index, low, stack, on, best = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > len(best):
                best[:] = comp
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(best)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    quiet = "--quiet" in sys.argv
    objs = objects(build)
    if not objs:
        print("layers: no gateway objects under %s" % build)
        return 1
    where = {}
    for layer, rank, files in LAYERS:
        for f in files:
            where[f] = (layer, rank)
    owner, refs, mutable = {}, {}, {}
    for name, path in objs.items():
        d, u, m = symbols(path)
        for sym in d:
            owner[sym] = name
        refs[name] = u
        mutable[name] = m
    edges, bad = {}, []
    for a in sorted(objs):
        for sym in sorted(refs[a]):
            b = owner.get(sym)
            if b is None or b == a:
                continue
            edges.setdefault(a, set()).add(b)
    for a in sorted(objs):
        if a not in where:
            bad.append("%s.o is in no layer (declare it in %s)" %
                       (a, sys.argv[0]))
            continue
        for b in sorted(edges.get(a, ())):
            if b not in where:
                continue
            (la, ra), (lb, rb) = where[a], where[b]
            if la == lb or ra > rb:
                continue
            syms = sorted(s for s in refs[a] if owner.get(s) == b)
            kind = "up" if ra < rb else "across"
            bad.append("%s (%s) calls %s %s (%s): %s" %
                       (a, la, kind, b, lb, ", ".join(syms[:4])))
    circle = largest_circle(objs, edges)
    nedges = sum(len(v) for v in edges.values())
    if not quiet:
        print("layers: %d objects, %d call edges between files, largest "
              "circle %d (%s), %d file-scope mutable variables" %
              (len(objs), nedges, len(circle), " ".join(circle),
               sum(len(v) for v in mutable.values())))
        if "--vars" in sys.argv:
            for name in sorted(mutable):
                print("  %s: %s" % (name, " ".join(mutable[name])))
    if len(circle) > MAX_CIRCLE:
        bad.append("a circle of %d files calls each other: %s" %
                   (len(circle), " ".join(circle)))
    for b in bad:
        print("layers: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
