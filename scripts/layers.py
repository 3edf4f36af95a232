#!/usr/bin/python3
"""The gateway's layering check. A file's folder under gateway/ is its
layer (main.c alone sits at the top); RANKS below is the one table of
their order. Reads the compiled objects with nm and fails on a call (any
symbol reference) that goes up a layer or across to a neighbour stack, on
a folder with no rank, on a source other than main.c at the top, and on a
circle of more than MAX_CIRCLE files that call each other. Prints the
figures: call edges, the largest circle, file-scope mutable variables.

usage: layers.py BUILD_DIR [--quiet] [--vars]
"""
import glob
import os
import subprocess
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "gateway")
# folder -> rank: a file may call its own folder and any lower rank. Two
# folders of one rank are independent stacks: neither calls the other.
RANKS = {
    "core": 0, "store": 0,          # base: the loop and log; the database
    "irc": 1, "chat": 1,            # the two sides: IRC clients; upstream
    "link": 2, "http": 2,           # one chat identity each; browsers
    "control": 3, "bouncer": 3,     # &chat, MONITOR, AWAY; the accounts
    "commands": 4,                  # the command table and handlers
    ".": 5,                         # main.c: start-up and wiring
}
MAX_CIRCLE = 3


def sources():
    """name -> layer folder, from the tree itself."""
    where = {}
    for path in glob.glob(os.path.join(SRC, "**", "*.c"), recursive=True):
        rel = os.path.relpath(path, SRC)
        layer = os.path.dirname(rel) or "."
        where[os.path.splitext(os.path.basename(rel))[0]] = layer
    return where


def objects(build, where):
    """name -> object file, for the sources that exist now (a stale
    object of a moved file is left out)."""
    found = {}
    top = os.path.join(build, "gateway", "CMakeFiles")
    for path in glob.glob(os.path.join(top, "*", "**", "*.o"),
                          recursive=True):
        rel = os.path.relpath(path, top).split(os.sep, 1)[1]
        layer = os.path.dirname(rel) or "."
        name = os.path.basename(rel).split(".")[0]
        if where.get(name) == layer:
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
    layer_of = sources()
    objs = objects(build, layer_of)
    if not objs:
        print("layers: no gateway objects under %s" % build)
        return 1
    where, bad = {}, []
    for name, layer in sorted(layer_of.items()):
        if layer == "." and name != "main":
            bad.append("gateway/%s.c: only main.c sits at the top; put it "
                       "in its layer's folder" % name)
        elif layer not in RANKS:
            bad.append("gateway/%s/ has no rank (add it to RANKS in %s)" %
                       (layer, sys.argv[0]))
        else:
            where[name] = (layer, RANKS[layer])
    owner, refs, mutable = {}, {}, {}
    for name, path in objs.items():
        d, u, m = symbols(path)
        for sym in d:
            owner[sym] = name
        refs[name] = u
        mutable[name] = m
    edges = {}
    for a in sorted(objs):
        for sym in sorted(refs[a]):
            b = owner.get(sym)
            if b is None or b == a:
                continue
            edges.setdefault(a, set()).add(b)
    for a in sorted(objs):
        if a not in where:
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
