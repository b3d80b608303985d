"""Helpers shared by the engine and the readers: strings, levels, and the
SARIF reader's options and report."""
import os

from ._ffi import U64_MAX, ffi, formats
from .errors import error

LEVELS = ("none", "note", "warning", "error")
"""The SARIF levels, in the order of their tally_level values (severity)."""

SUPPRESSED = 0x1  # TALLY_VIOLATION_SUPPRESSED


def encode(s):
    """``s`` as bytes: str is UTF-8 (lone surrogates from ``decode`` come back
    as the bytes they stood for); bytes-like as is."""
    if isinstance(s, str):
        return s.encode("utf-8", "surrogateescape")
    return bytes(s)


def decode(ptr, n=None):
    """A C string (or ``n`` bytes at ``ptr``) as str; bytes that are not
    UTF-8 become lone surrogates, so ``encode`` gives them back."""
    raw = ffi.string(ptr) if n is None else ffi.unpack(ptr, n)
    return raw.decode("utf-8", "surrogateescape")


def level_value(level):
    """The tally_level of a name ('warning') or of an int 0..3."""
    if isinstance(level, str):
        try:
            return LEVELS.index(level)
        except ValueError:
            raise ValueError("level must be one of %s, not %r" % (LEVELS, level)) from None
    if not 0 <= level < len(LEVELS):
        raise ValueError("level must be 0..3, not %r" % (level,))
    return level


@ffi.callback("void(void *, uint64_t, const char *)")
def _on_warning(arg, offset, message):
    ffi.from_handle(arg).append((None if offset == U64_MAX else offset, decode(message)))


class ReadOptions:
    """A tally_sarif_options, with what it points to kept alive.

    ``warnings`` collects the reader's (offset, sentence) pairs.
    """

    def __init__(self, input_format=None, include_suppressed=False, max_input_bytes=0):
        self.warnings = []
        self._handle = ffi.new_handle(self.warnings)
        self._format = ffi.new("char[]", encode(input_format)) if input_format else ffi.NULL
        self.c = ffi.new("tally_sarif_options *")
        self.c.struct_size = ffi.sizeof("tally_sarif_options")
        self.c.include_suppressed = bool(include_suppressed)
        self.c.warning = _on_warning
        self.c.warning_arg = self._handle
        self.c.max_input_bytes = max_input_bytes
        self.c.input_format = self._format


def report(rep, warnings):
    """A tally_sarif_report of a good input as a dict."""
    return {"results": rep.results, "runs": rep.runs, "bytes": rep.bytes,
            "warning_count": rep.warnings, "warnings": list(warnings)}


def read_into(engine, source, opt):
    """Read one input into the engine handle ``engine`` with ReadOptions
    ``opt``: a path (str or os.PathLike; "-" is standard input) or the
    input's bytes (any bytes-like object). Return its report as a dict;
    raise an errors.Error with the offset and sentence the reader gave."""
    rep = ffi.new("tally_sarif_report *")
    if isinstance(source, (str, os.PathLike)):
        path = os.fsencode(source)
        rc = formats.tally_sarif_read_file(engine, path, opt.c, rep)
        name = os.fsdecode(path)
    else:
        buf = ffi.from_buffer("char[]", source)
        rc = formats.tally_sarif_read_buffer(engine, buf, len(buf), opt.c, rep)
        name = None
    if rc != 0:
        raise error(rc, rep.error, name)
    return report(rep, opt.warnings)
