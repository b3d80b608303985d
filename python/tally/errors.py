"""Exceptions: one class per tally status family (include/tally/common.h)."""
from ._ffi import U64_MAX, ffi, lib


class Error(Exception):
    """A tally function failed.

    Attributes:
        status: the tally status code (negative int), sub-code included.
        family: the code's family (``tally_status_family``), e.g. -8 for
            every TALLY_EPARSE_* code.
        offset: byte offset in the input where the error was found, or None.
        detail: the library's sentence about this failure (the report's
            message for a bad input), else ``tally_strerror(status)``.
        path: the input concerned, or None.
    """

    def __init__(self, status, detail=None, offset=None, path=None):
        self.status = status
        self.family = lib.tally_status_family(status)
        self.offset = offset
        self.detail = detail or strerror(status)
        self.path = path
        text = self.detail if path is None else "%s: %s" % (path, self.detail)
        super().__init__(text)


class InvalidArgumentError(Error, ValueError):
    """TALLY_EINVAL: an argument the library refuses."""


class OutOfMemoryError(Error):
    """TALLY_ENOMEM: the allocator returned NULL."""


class WouldBlockError(Error):
    """TALLY_EAGAIN: backpressure in non-blocking mode."""


class BatchFullError(Error):
    """TALLY_EFULL: the batch is full."""


class OutOfRangeError(Error, ValueError):
    """TALLY_ERANGE: an id, level, flag or offset the engine does not know."""


class EngineStateError(Error):
    """TALLY_ESTATE: the engine is failed or shutting down."""


class InputError(Error):
    """TALLY_EIO: an input could not be opened or read (TALLY_EIO_*)."""


class ParseError(Error):
    """TALLY_EPARSE: the input is not well-formed JSON (TALLY_EPARSE_*)."""


class FormatError(Error):
    """TALLY_EFORMAT: well-formed, but not a SARIF 2.1.0 log or not the
    native format it claims to be (TALLY_EFORMAT_*)."""


class CanceledError(Error):
    """TALLY_ECANCELED: the task group was cancelled."""


class TimedOutError(Error):
    """TALLY_ETIMEDOUT: a wait ran out of time."""


class NotFoundError(Error):
    """TALLY_ENOTFOUND: no such entry."""


_BY_FAMILY = {
    -1: InvalidArgumentError, -2: OutOfMemoryError, -3: WouldBlockError,
    -4: BatchFullError, -5: OutOfRangeError, -6: EngineStateError,
    -7: InputError, -8: ParseError, -9: FormatError, -10: CanceledError,
    -11: TimedOutError, -12: NotFoundError,
}


def strerror(status):
    """The library's short English description of a status code."""
    return ffi.string(lib.tally_strerror(status)).decode()


def error(status, err=None, path=None):
    """The exception for a non-zero status; ``err`` is a tally_error (cdata)
    whose message and offset it carries, when the function filled one."""
    cls = _BY_FAMILY.get(lib.tally_status_family(status), Error)
    detail = offset = None
    if err is not None and err.status != 0:
        detail = ffi.string(err.message).decode("utf-8", "replace") or None
        offset = None if err.offset == U64_MAX else err.offset
    return cls(status, detail, offset, path)


def check(status):
    """Raise the exception for ``status`` unless it is 0 (TALLY_OK)."""
    if status != 0:
        raise error(status)
