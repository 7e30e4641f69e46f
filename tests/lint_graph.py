#!/usr/bin/env python3
"""lint_graph: the one-way rules of the source tree, checked from the text.

1. Folder order: common -> capture -> analyzer -> db -> ui -> app.  A file may
   include headers of its own folder and of folders before it, never after
   (no "analyzer/ in capture/, no "ui/ in db/ ...).
2. No circles between the files of the folders in ACYCLIC: a file depends on
   a header it includes and on the file that defines a function it uses.  A
   circle is printed with the names that tie it.
3. In the folders of ROOMS a source and its header are one module (x.c and
   x.h: "x"), so a circle that runs through a header counts too: db/store.c
   called the writer while db/writer.h included store.h for its types, a
   circle no file-by-file look sees (issue 14).

Prints "lint_graph: ok" or one line per problem; exit status 1 on any."""
import os
import re
import sys

ORDER = ["common", "capture", "analyzer", "db", "ui", "app"]
ACYCLIC = ["common", "capture", "analyzer", "db"]
ROOMS = ["db"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([A-Za-z0-9_]+)\.h"', re.M)
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
DECL = re.compile(r"\b([a-z][a-z0-9_]*)\s*\(")
IDENT = re.compile(r"\b[a-z][a-z0-9_]*\b")
TAGGED = re.compile(r"\b(?:struct|enum|union)\s+[A-Za-z_][A-Za-z0-9_]*")
BRACED = re.compile(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")


def strip(text):
    text = COMMENT.sub(" ", text)
    return STRING.sub('""', text)


def sources(root, folder):
    d = os.path.join(root, folder)
    if not os.path.isdir(d):
        return []
    return sorted(f for f in os.listdir(d) if f.endswith((".c", ".h")))


def check_order(root):
    bad = []
    for rank, folder in enumerate(ORDER):
        for f in sources(root, folder):
            with open(os.path.join(root, folder, f), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            for m in INCLUDE.finditer(text):
                inc = m.group(1)
                if inc in ORDER and ORDER.index(inc) > rank:
                    bad.append(f"lint_graph: {folder}/{f} includes \"{inc}/{m.group(2)}.h\" "
                               f"({inc}/ comes after {folder}/)")
    return bad


DEFN = re.compile(r"^([A-Za-z_][^;{}()#]*?)\b([a-z_][a-z0-9_]*)\s*\([^;{}]*\)\s*\{", re.M)


def file_graph(root, folder):
    """file -> {file: set of names tying them}: an include of a header of the
    folder, or a use of a function another file of the folder defines
    (static functions are their file's own; inline ones count for the header)."""
    files = sources(root, folder)
    text = {}
    for f in files:
        with open(os.path.join(root, folder, f), encoding="utf-8", errors="replace") as fh:
            text[f] = strip(fh.read())
    owner = {}
    for f, t in text.items():
        for m in DEFN.finditer(t):
            head = m.group(1)
            if f.endswith(".c") and re.search(r"\bstatic\b", head):
                continue
            owner.setdefault(m.group(2), f)
    graph = {f: {} for f in files}
    for f, t in text.items():
        raw = open(os.path.join(root, folder, f), encoding="utf-8", errors="replace").read()
        for m in INCLUDE.finditer(raw):
            h = m.group(2) + ".h"
            if m.group(1) == folder and h != f and h in graph:
                graph[f].setdefault(h, set()).add("#include")
        used = TAGGED.sub(" ", t)
        if f.endswith(".h"):  # a prototype is no use: only inline bodies count
            used = " ".join(BRACED.findall(used))
        for ident in set(IDENT.findall(used)):
            dst = owner.get(ident)
            if dst and dst != f:
                graph[f].setdefault(dst, set()).add(ident)
    return graph


def room_graph(graph):
    """The file graph with each x.c and x.h merged into one module "x"."""
    stem = lambda f: os.path.splitext(f)[0]
    rooms = {stem(f): {} for f in graph}
    for a, edges in graph.items():
        for b, names in edges.items():
            if stem(b) != stem(a):
                rooms[stem(a)].setdefault(stem(b), set()).update(names)
    return rooms


def circles(graph):
    """Tarjan's strongly connected components of more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    sys.setrecursionlimit(10000)
    bad = check_order(root)
    for folder in ACYCLIC:
        g = file_graph(root, folder)
        if folder in ROOMS:
            g = room_graph(g)
        for comp in circles(g):
            bad.append(f"lint_graph: circle in {folder}/: {' '.join(comp)}")
            for a in comp:
                for b in comp:
                    if b in g[a]:
                        names = ", ".join(sorted(g[a][b])[:6])
                        bad.append(f"    {folder}/{a} -> {folder}/{b}: {names}")
    for line in bad:
        print(line)
    if not bad:
        print("lint_graph: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
