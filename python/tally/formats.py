"""Whole-log operations of libtally_formats: diff against a baseline,
cross-tool clusters, and the input formats."""
import os

from ._common import LEVELS, ReadOptions, decode, read_into
from ._ffi import ffi, formats
from .engine import Engine
from .errors import check, error

BASELINE_STATES = ("new", "unchanged", "updated", "absent")
"""The classes of a diff (tally_baseline, SARIF baselineState)."""


def input_formats():
    """The names ``input_format`` takes ("auto" first)."""
    names, i = [], 0
    while (p := formats.tally_sarif_input_format_name(i)) != ffi.NULL:
        names.append(decode(p))
        i += 1
    return names


def diff(baseline, current, *, input_format=None, include_suppressed=False):
    """Classify the results of log ``current`` against log ``baseline``
    (paths), as tally_sarif_diff_create() does: matched on tool, rule and
    file, then message and position in five passes.

    Returns a dict:

    - ``entries``: one dict per result, the current log's in order, then
      the absent baseline ones: ``state`` ('new', 'unchanged', 'updated',
      'absent'), ``index`` (position in its log), the result (``tool``,
      ``rule``, ``file``, ``message``, ``line``, ``column``, ``offset``,
      ``level``, ``suppressed``) and ``base``: the matched baseline result
      (same keys) for 'unchanged' and 'updated', else None.
    - ``counts``: {state: number of entries}.
    - ``suppressed``: suppressed results of ``current`` that match nothing
      (they are not entries).

    Raises an errors.Error naming whichever input failed.
    """
    opt = ReadOptions(input_format, include_suppressed)
    paths = (os.fsencode(baseline), os.fsencode(current))
    rep = ffi.new("tally_sarif_report[2]")
    out = ffi.new("tally_sarif_diff **")
    with Engine(workers=1) as e:
        rc = formats.tally_sarif_diff_create(e._handle, paths[0], paths[1], opt.c, out, rep)
        if rc != 0:
            bad = 0 if rep[0].error.status != 0 else 1
            raise error(rc, rep[bad].error, os.fsdecode(paths[bad]))
        d = out[0]
        try:
            n = ffi.new("size_t *")
            ents = formats.tally_sarif_diff_entries(d, n)
            entries = []
            for x in ents[0:n[0]]:
                state = BASELINE_STATES[x.state]
                base = e._violation(x.base) if state in ("unchanged", "updated") else None
                entries.append(dict(e._violation(x.v), state=state, index=x.index, base=base))
            return {"entries": entries,
                    "counts": {s: formats.tally_sarif_diff_count(d, i)
                               for i, s in enumerate(BASELINE_STATES)},
                    "suppressed": formats.tally_sarif_diff_suppressed(d)}
        finally:
            formats.tally_sarif_diff_destroy(d)


def clusters(paths, *, window=3, root=None, input_format=None, include_suppressed=False):
    """Cross-tool correlation clusters of the logs ``paths`` (tally/corr.h):
    unique results of different tools in one file, sharing a CWE or
    category tag, with lines within ``window`` of each other, connected.
    ``root``: paths under this directory are made relative to it.

    Returns a dict:

    - ``clusters``: sorted by (path, first_line, representative); each
      {``path``, ``first_line``, ``last_line``, ``size``, ``cwe`` (0 when
      only tags relate them), ``tools`` (names), ``members``: [{``tool``,
      ``rule``, ``path``, ``message``, ``line``, ``column``, ``level``}],
      the representative first}.
    - ``tools``: the tools of the results kept, by name.
    - ``categorized``: {tool: its unique results that have a category}.
    - ``agreement``: {(tool_a, tool_b): clusters holding both}; (t, t):
      clusters holding t.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    cfg = ffi.new("tally_corr_config *")
    cfg.struct_size = ffi.sizeof("tally_corr_config")
    cfg.window = window
    root_c = ffi.new("char[]", os.fsencode(root)) if root is not None else ffi.NULL
    cfg.root = root_c
    out = ffi.new("tally_corr **")
    check(formats.tally_corr_create(cfg, ffi.NULL, out))
    c = out[0]
    try:
        opt = ReadOptions(input_format, include_suppressed)
        opt.c.corr = c
        with Engine(workers=1) as e:
            for p in paths:
                read_into(e._handle, p, opt)
        check(formats.tally_corr_compute(c))
        return _clusters(c)
    finally:
        formats.tally_corr_destroy(c)


def _clusters(c):
    """The clusters and agreement of computed index ``c`` as dicts."""
    n = ffi.new("size_t *")
    tp = formats.tally_corr_tools(c, n)
    tools = [decode(tp[i]) for i in range(n[0])]
    cl = formats.tally_corr_clusters(c, n)
    result = []
    for k in cl[0:n[0]]:
        members = [{"tool": decode(m.tool), "rule": decode(m.rule), "path": decode(m.path),
                    "message": decode(m.message), "line": m.line, "column": m.column,
                    "level": LEVELS[m.level]} for m in k.members[0:k.size]]
        result.append({"path": decode(k.path), "first_line": k.first_line,
                       "last_line": k.last_line, "size": k.size, "cwe": k.cwe,
                       "tools": [tools[t] for t in k.tools[0:k.ntools]],
                       "members": members})
    return {"clusters": result, "tools": tools,
            "categorized": {t: formats.tally_corr_categorized(c, i) for i, t in enumerate(tools)},
            "agreement": {(a, b): formats.tally_corr_agreement(c, i, j)
                          for i, a in enumerate(tools) for j, b in enumerate(tools)}}
