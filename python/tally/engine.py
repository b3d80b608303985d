"""The aggregation engine: interning, appending, snapshots, reading."""
import array
import numbers
import sys
import threading

from ._common import LEVELS, SUPPRESSED, ReadOptions, decode, encode, level_value, read_into
from ._ffi import ffi, lib
from .errors import EngineStateError, check

KINDS = {"tool": 0, "rule": 1, "file": 2, "message": 3}
"""The interned-string namespaces (tally_strkind)."""

_POOL_PIN = 0x2  # TALLY_POOL_PIN
_ORDER_COUNT = 1  # TALLY_ORDER_COUNT
_DIM_TOOL, _DIM_RULE, _DIM_FILE, _DIM_FILE_RULE = range(4)

# append_many's columns: (C field, C element type, element size, None when 0).
_COLUMNS = (
    ("tool", "uint32_t", 4, False), ("rule", "uint32_t", 4, False),
    ("file", "uint32_t", 4, False), ("message", "uint32_t", 4, False),
    ("line", "uint32_t", 4, False), ("column", "uint32_t", 4, False),
    ("offset", "uint64_t", 8, True), ("level", "uint8_t", 1, False),
    ("flags", "uint8_t", 1, True),
)
_ARRAY_CODE = {1: "B", 4: "I", 8: "Q"}
_UNSIGNED = frozenset("BHILQN")
_NATIVE = ("@", "=", "<" if sys.byteorder == "little" else ">")


def _buffer(obj, ctype, size):
    """A C-contiguous buffer of unsigned ``size``-byte integers (or of raw
    bytes, read as native-endian integers; or of bools for 1-byte columns)
    as (cdata array, number of elements), without copying."""
    mv = memoryview(obj)
    fmt = mv.format[1:] if mv.format[:1] in _NATIVE else mv.format
    raw = mv.itemsize == 1 and fmt in ("B", "b", "c")
    typed = mv.itemsize == size and (fmt in _UNSIGNED or (size == 1 and fmt == "?"))
    if not (raw or typed):
        raise TypeError("expected a buffer of uint%d (or raw bytes), got format %r"
                        % (8 * size, mv.format))
    if mv.ndim != 1 or not mv.c_contiguous:
        raise ValueError("column buffers must be one-dimensional and contiguous")
    if mv.nbytes % size:
        raise ValueError("a raw byte column's length must be a multiple of %d" % size)
    return ffi.from_buffer(ctype + "[]", obj), mv.nbytes // size


def _constant(ctype, size, value, rows):
    """A column of ``rows`` copies of ``value``, built in C by array
    repetition (the cdata keeps the array alive)."""
    return ffi.from_buffer(ctype + "[]", array.array(_ARRAY_CODE[size], [value]) * rows)


class Engine:
    """A tally engine: worker threads that deduplicate and count violations.

    Use it as a context manager (``with tally.Engine() as e:``) or call
    ``close()``; an engine that is garbage-collected unclosed is destroyed
    then. Strings are interned into dense ids per kind (``tool()``,
    ``string()``); violations are appended as ids (``append()``,
    ``append_many()``) or read from SARIF and the native formats
    (``read()``); ``snapshot()`` returns the counts.

    Several threads may call ``tool``, ``string``, ``append``,
    ``append_many``, ``read``, ``flush`` and ``snapshot`` at once (the C
    calls release the GIL); ``close`` must come after all of them returned.

    Args:
        workers: aggregation threads; None picks one per online CPU less
            one (1 to 8).
        batch_capacity: violations per batch, a multiple of 64 up to 65536
            (None: 4096). ``append_many`` submits a batch per this many rows.
        max_inflight: batches submitted but not yet counted before a submit
            waits (None: 4 per worker).
        expected_unique: how many distinct violations to size the dedup
            table for at once (about 38 bytes each); 0 grows it as needed.
        min_level: count only violations at this level or above ('note',
            'warning', 'error' or 0..3); None counts all.
        path_glob: count only violations whose file matches this fnmatch(3)
            pattern ('*' matches '/' too); None counts all.
        snapshot_interval_ms: how often the engine publishes a snapshot
            on its own (None: 100).
        pin_workers: pin worker i to online CPU i mod n.
    """

    def __init__(self, workers=None, *, batch_capacity=None, max_inflight=None,
                 expected_unique=0, min_level=None, path_glob=None,
                 snapshot_interval_ms=None, pin_workers=False):
        cfg = ffi.new("tally_config *")
        cfg.struct_size = ffi.sizeof("tally_config")
        cfg.workers = workers or 0
        cfg.batch_capacity = batch_capacity or 0
        cfg.max_inflight = max_inflight or 0
        cfg.flags = _POOL_PIN if pin_workers else 0
        cfg.snapshot_interval_ms = snapshot_interval_ms or 0
        cfg.min_level = 0 if min_level is None else level_value(min_level)
        glob = ffi.new("char[]", encode(path_glob)) if path_glob is not None else ffi.NULL
        cfg.path_glob = glob
        cfg.expected_unique = expected_unique
        out = ffi.new("tally_engine **")
        check(lib.tally_engine_create(out, cfg))
        self._e = ffi.gc(out[0], lib.tally_engine_destroy)
        self._lock = threading.Lock()  # guards _pending and _row
        self._pending = None  # the batch append() fills, not yet submitted
        self._row = ffi.new("tally_violation *")
        b = self._acquire()
        self.batch_capacity = lib.tally_batch_capacity(b)
        lib.tally_batch_discard(self._e, b)

    # -- lifecycle -------------------------------------------------------

    def close(self):
        """Submit what ``append()`` holds, count everything submitted, stop
        the workers and free the engine. Calling it again does nothing."""
        if self._e is None:
            return
        try:
            self._submit_pending()
        finally:
            e, self._e = self._e, None
            ffi.release(e)  # tally_engine_destroy(): flushes, joins, frees

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def closed(self):
        """True once ``close()`` was called."""
        return self._e is None

    @property
    def _handle(self):
        if self._e is None:
            raise EngineStateError(-6, "the engine is closed")
        return self._e

    @property
    def workers(self):
        """The number of aggregation threads."""
        return lib.tally_engine_workers(self._handle)

    # -- interning -------------------------------------------------------

    def tool(self, name, version=None):
        """Intern a tool (str or bytes) and return its id; the first
        non-empty ``version`` given for it is kept (``tool_version()``)."""
        n = encode(name)
        v = encode(version) if version else b""
        out = ffi.new("uint32_t *")
        check(lib.tally_engine_tool_intern(self._handle, n, len(n), v, len(v), out))
        return out[0]

    def string(self, kind, s):
        """Intern ``s`` (str or bytes) as a 'rule', 'file' or 'message' and
        return its id: ids are dense per kind, from 0, in first-seen order."""
        if kind not in ("rule", "file", "message"):
            raise ValueError("kind must be 'rule', 'file' or 'message' (tools: tool())")
        b = encode(s)
        out = ffi.new("uint32_t *")
        check(lib.tally_engine_string_intern(self._handle, KINDS[kind], b, len(b), out))
        return out[0]

    def lookup(self, kind, id):
        """The string behind ``id`` of ``kind`` ('tool', 'rule', 'file',
        'message'); KeyError for an id never handed out."""
        n = ffi.new("size_t *")
        p = lib.tally_engine_string_lookup(self._handle, KINDS[kind], id, n)
        if p == ffi.NULL:
            raise KeyError((kind, id))
        return decode(p, n[0])

    def tool_version(self, id):
        """The version recorded for tool ``id`` ('' when none was given)."""
        n = ffi.new("size_t *")
        p = lib.tally_engine_tool_version(self._handle, id, n)
        if p == ffi.NULL:
            raise KeyError(("tool", id))
        return decode(p, n[0])

    def string_count(self, kind):
        """How many strings of ``kind`` were interned so far."""
        return lib.tally_engine_string_count(self._handle, KINDS[kind])

    def _id(self, kind, x):
        """An id as is; a str or bytes interned as ``kind``."""
        if isinstance(x, numbers.Integral):
            return int(x)
        return self.tool(x) if kind == "tool" else self.string(kind, x)

    # -- appending -------------------------------------------------------

    def _acquire(self):
        out = ffi.new("tally_batch **")
        check(lib.tally_batch_acquire(self._handle, out))
        return out[0]

    def _submit(self, b):
        """Submit batch ``b``, or discard it and raise."""
        rc = lib.tally_batch_submit(self._e, b)
        if rc != 0:
            lib.tally_batch_discard(self._e, b)
            check(rc)

    def _submit_pending(self):
        with self._lock:
            b, self._pending = self._pending, None
        if b is not None:
            self._submit(b)

    def append(self, tool, rule, file, message, line=0, column=0,
               level="warning", offset=0, suppressed=False):
        """Append one violation.

        ``tool``, ``rule``, ``file`` and ``message`` are ids from this
        engine, or strings (interned here). ``level`` is a name or 0..3.
        Rows are held in a batch that is submitted when full, or by
        ``flush()``, ``snapshot()``, ``append_many()`` and ``close()``.
        Raises OutOfRangeError for an id this engine did not hand out.
        """
        ids = [self._id(k, x) for k, x in
               (("tool", tool), ("rule", rule), ("file", file), ("message", message))]
        lvl = level_value(level)
        with self._lock:
            v = self._row
            v.tool, v.rule, v.file, v.message = ids
            v.line, v.column, v.offset = line, column, offset
            v.level, v.flags = lvl, SUPPRESSED if suppressed else 0
            if self._pending is None:
                self._pending = self._acquire()
            check(lib.tally_batch_append(self._pending, v))
            full = lib.tally_batch_count(self._pending) == self.batch_capacity
        if full:
            self._submit_pending()

    def append_many(self, tool, rule, file, message, line=0, column=0,
                    level="warning", offset=0, suppressed=False):
        """Append violations given as columns; return how many.

        Each argument is either a buffer with one element per row -- any
        object with the buffer protocol: array.array, memoryview, NumPy
        array, bytes/bytearray (raw bytes read as native-endian integers) --
        or a scalar that every row shares. Buffers are read in place with
        ``tally_batch_append_columns``, ``batch_capacity`` rows per batch:
        no Python work per row.

        Element types: ``tool``, ``rule``, ``file``, ``message`` (ids from
        this engine), ``line``, ``column``: uint32 ('I'); ``offset``:
        uint64; ``level``: uint8 tally_level values 0..3 (a scalar may be a
        name); ``suppressed``: uint8 or bool, 1 for suppressed. All buffers
        must have the same length; at least one argument must be a buffer.
        A scalar id, line, column or level costs one constant column of
        ``batch_capacity`` elements per call (the C API takes no scalars);
        a zero offset or a False ``suppressed`` costs nothing.

        Raises OutOfRangeError when a chunk holds an id, level, flag or
        offset the engine refuses; the chunks before it are already
        submitted (``batch_capacity`` rows each), nothing of it or after.
        """
        values = {"tool": tool, "rule": rule, "file": file, "message": message,
                  "line": line, "column": column, "offset": offset,
                  "level": level if not isinstance(level, str) else level_value(level),
                  "flags": suppressed}
        columns, rows = {}, set()
        for name, ctype, size, _ in _COLUMNS:
            if not isinstance(values[name], numbers.Integral):
                columns[name], length = _buffer(values[name], ctype, size)
                rows.add(length)
        if len(rows) != 1:
            raise ValueError("append_many needs at least one buffer, all of one length "
                             "(got lengths %s)" % sorted(rows))
        n = rows.pop()
        e = self._handle
        chunk = min(n, self.batch_capacity)
        keep = []  # the constant columns' arrays, alive until the end
        cols = ffi.new("tally_columns *")
        for name, ctype, size, nullable in _COLUMNS:
            if name not in columns:
                if nullable and not values[name]:
                    setattr(cols, name, ffi.NULL)
                    continue
                keep.append(_constant(ctype, size, int(values[name]), chunk))
                setattr(cols, name, keep[-1])
        self._submit_pending()
        done = 0
        while done < n:
            k = min(chunk, n - done)
            for name, ptr in columns.items():
                setattr(cols, name, ptr + done)
            b = self._acquire()
            rc = lib.tally_batch_append_columns(b, cols, k)
            if rc != 0:
                lib.tally_batch_discard(e, b)
                check(rc)
            self._submit(b)
            done += k
        return n

    # -- counting --------------------------------------------------------

    def flush(self):
        """Submit what ``append()`` holds and wait until everything
        submitted so far is counted."""
        self._submit_pending()
        check(lib.tally_engine_flush(self._handle))

    def snapshot(self, flush=True):
        """The counts, as a dict of plain Python values.

        With ``flush`` (the default) everything appended or read before the
        call is included; without, the latest snapshot the engine published
        on its own. Keys:

        - ``seq``: the snapshot's sequence number.
        - ``totals``: ``read`` (violations counted, duplicates and
          suppressed ones included), ``unique`` (distinct active ones),
          ``duplicates`` (read - unique - suppressed), ``suppressed``
          (distinct suppressed ones).
        - ``by_level``: {'none'|'note'|'warning'|'error': unique count}.
        - ``by_tool``: {tool: count}; ``by_rule``: {(tool, rule): count};
          ``by_file``: {file: count}; ``by_file_rule``: {(file, rule):
          count}. Unique active violations only, keys resolved to names,
          in descending count order (ties by name).
        """
        if flush:
            self.flush()
        out = ffi.new("tally_snapshot **")
        check(lib.tally_snapshot_acquire(self._handle, out))
        s = out[0]
        try:
            t = ffi.new("tally_totals *")
            lib.tally_snapshot_totals(s, t)
            name = self.lookup
            return {
                "seq": lib.tally_snapshot_seq(s),
                "totals": {"read": t.read, "unique": t.unique,
                           "duplicates": t.duplicates, "suppressed": t.suppressed},
                "by_level": {lv: lib.tally_snapshot_level(s, i) for i, lv in enumerate(LEVELS)},
                "by_tool": {name("tool", tl): c for c, tl, _, _ in _groups(s, _DIM_TOOL)},
                "by_rule": {(name("tool", tl), name("rule", r)): c
                            for c, tl, r, _ in _groups(s, _DIM_RULE)},
                "by_file": {name("file", f): c for c, _, _, f in _groups(s, _DIM_FILE)},
                "by_file_rule": {(name("file", f), name("rule", r)): c
                                 for c, _, r, f in _groups(s, _DIM_FILE_RULE)},
            }
        finally:
            lib.tally_snapshot_release(s)

    # -- reading ---------------------------------------------------------

    def read(self, source, input_format=None, *, include_suppressed=False,
             max_input_bytes=0):
        """Read one SARIF 2.1.0 log, or a native format, into the engine.

        ``source`` is a path (str or os.PathLike; "-" is standard input) or
        the input's bytes (any bytes-like object). gzip and zstd inputs are
        decompressed. ``input_format`` names the format (see
        ``tally.input_formats()``); None tells it by content.
        ``include_suppressed`` reads suppressed results as active.
        ``max_input_bytes`` refuses a longer file (0: 4 GiB).

        An input is all or nothing. Returns its report: ``results``,
        ``runs``, ``bytes``, ``warning_count`` and ``warnings`` (a list of
        (offset or None, sentence), at most 101). Raises InputError,
        ParseError, FormatError, ... with ``offset`` and the reader's
        sentence on a bad input.
        """
        opt = ReadOptions(input_format, include_suppressed, max_input_bytes)
        return read_into(self._handle, source, opt)

    def _violation(self, v):
        """A tally_violation (cdata) as a dict with names resolved."""
        return {"tool": self.lookup("tool", v.tool), "rule": self.lookup("rule", v.rule),
                "file": self.lookup("file", v.file),
                "message": self.lookup("message", v.message),
                "line": v.line, "column": v.column, "offset": v.offset,
                "level": LEVELS[v.level], "suppressed": bool(v.flags & SUPPRESSED)}


def _groups(s, dim):
    """The groups of snapshot ``s`` in dimension ``dim``, by count
    descending, as (count, tool, rule, file) ids."""
    cap = lib.tally_snapshot_group_count(s, dim)
    out = ffi.new("tally_group[]", cap)
    n = ffi.new("size_t *")
    check(lib.tally_snapshot_groups(s, dim, _ORDER_COUNT, out, cap, n))
    return [(g.count, g.tool, g.rule, g.file) for g in out[0:n[0]]]
