#!/usr/bin/env python3
"""perf/flame.py - `perf script` output to folded stacks and a flame graph.

  perf script -i perf.data | perf/flame.py OUT.svg [OUT.folded] [TITLE]

Folded stacks are Brendan Gregg's format (one line per distinct stack,
root first, frames joined by ';', then the sample count), so the usual
tools read them too. The SVG is a flame graph in his layout: x is the
share of samples (children sorted by name, as flamegraph.pl does), y the
stack depth, colour a hash of the function name; hovering a box shows its
name, samples and share. Debian 12 packages no flame graph tool, hence
this short script (stdlib only).
"""

import html
import re
import sys
import zlib

FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")


def fold(lines):
    """Count each stack of the `perf script` text, root first."""
    stacks, comm, frames = {}, None, []

    def flush():
        if comm is not None and frames:
            key = ";".join([comm] + frames[::-1])
            stacks[key] = stacks.get(key, 0) + 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            comm, frames = None, []
            continue
        if not line[0].isspace():
            flush()
            comm, frames = line.split()[0], []
            continue
        m = FRAME.match(line)
        if m is None:
            continue
        sym, dso = m.group(1), m.group(2)
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        if sym in ("[unknown]", ""):
            if dso == "[unknown]":
                continue  # an address the unwinder could not place
            sym = "[" + dso.rsplit("/", 1)[-1] + "]"
        if frames and frames[-1] == sym.replace(";", ":") and \
                sym.startswith("["):
            continue  # one box for a run of frames in one unnamed object
        frames.append(sym.replace(";", ":"))
    flush()
    return stacks


def tree(stacks):
    root = {"n": 0, "kids": {}}
    for stack, count in stacks.items():
        node = root
        node["n"] += count
        for f in stack.split(";"):
            node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
            node["n"] += count
    return root


def colour(name):
    h = zlib.crc32(name.encode())
    return "rgb(%d,%d,%d)" % (205 + h % 50, 80 + (h >> 8) % 130,
                              (h >> 16) % 55)


def svg(root, title, width=1200, row=16):
    boxes, depth = [], [0]

    def walk(node, name, x, level):
        depth[0] = max(depth[0], level)
        boxes.append((x, level, node["n"], name))
        for kname in sorted(node["kids"]):
            kid = node["kids"][kname]
            walk(kid, kname, x, level + 1)
            x += kid["n"]

    walk(root, "all", 0, 0)
    total = max(root["n"], 1)
    scale = (width - 20) / total
    height = (depth[0] + 1) * row + 50
    out = ['<?xml version="1.0" standalone="no"?>',
           '<svg version="1.1" width="%d" height="%d" '
           'xmlns="http://www.w3.org/2000/svg">' % (width, height),
           '<rect width="100%%" height="100%%" fill="#f8f8f8"/>',
           '<text x="%d" y="24" font-family="Verdana" font-size="17" '
           'text-anchor="middle">%s</text>'
           % (width // 2, html.escape(title))]
    for x, level, n, name in boxes:
        w = n * scale
        if w < 0.3:
            continue
        y = height - 10 - (level + 1) * row
        label = "%s (%d samples, %.2f%%)" % (name, n, 100.0 * n / total)
        out.append('<g><title>%s</title><rect x="%.1f" y="%d" width="%.1f" '
                   'height="%d" fill="%s" rx="2"/>'
                   % (html.escape(label), 10 + x * scale, y, w, row - 1,
                      colour(name)))
        chars = int(w / 7)
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append('<text x="%.1f" y="%d" font-family="Verdana" '
                       'font-size="11">%s</text>'
                       % (13 + x * scale, y + row - 4, html.escape(text)))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    stacks = fold(sys.stdin)
    if not stacks:
        print("flame: no stacks in the input (perf record -g?)",
              file=sys.stderr)
        return 1
    if len(argv) > 1 and argv[1]:
        with open(argv[1], "w") as f:
            for k in sorted(stacks):
                f.write("%s %d\n" % (k, stacks[k]))
    title = argv[2] if len(argv) > 2 else "Flame graph"
    with open(argv[0], "w") as f:
        f.write(svg(tree(stacks), title))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
