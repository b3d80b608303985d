"""tally: static-analysis results aggregation (Python binding).

A cffi (ABI mode) binding of libtally and libtally_formats: no compiler is
needed, the shared libraries are loaded at import from $TALLY_LIBRARY_DIR,
else through the dynamic loader (soname libtally.so.0.8), else by
ctypes.util.find_library.

    import tally
    with tally.Engine() as e:
        e.read("results.sarif")
        print(e.snapshot()["totals"])
"""
from ._common import LEVELS
from ._ffi import ffi as _ffi, lib as _lib
from .engine import KINDS, Engine
from .errors import (BatchFullError, CanceledError, EngineStateError, Error, FormatError,
                     InputError, InvalidArgumentError, NotFoundError, OutOfMemoryError,
                     OutOfRangeError, ParseError, TimedOutError, WouldBlockError, strerror)
from .formats import BASELINE_STATES, clusters, diff, input_formats

__version__ = "0.8.0"


def version():
    """The loaded library's version string, e.g. "0.8.0"."""
    return _ffi.string(_lib.tally_version()).decode()


def kernels():
    """The instruction set the engine's kernels use: scalar, avx2, avx512."""
    return _ffi.string(_lib.tally_kernels_active()).decode()


__all__ = [
    "BASELINE_STATES", "KINDS", "LEVELS", "BatchFullError", "CanceledError", "Engine",
    "EngineStateError", "Error", "FormatError", "InputError", "InvalidArgumentError",
    "NotFoundError", "OutOfMemoryError", "OutOfRangeError", "ParseError", "TimedOutError",
    "WouldBlockError", "clusters", "diff", "input_formats", "kernels", "strerror", "version",
]
