"""Shared fixtures. The library comes from $TALLY_LIBRARY_DIR (see README)."""
import os
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # test this checkout's package

try:
    import tally  # noqa: F401  (one clear message instead of one per module)
except ImportError as exc:
    pytest.exit(str(exc), returncode=1)
DATA = HERE / "data"
SOURCE_ROOT = HERE.parent.parent  # the C project, when run from its tree
CORPUS = pathlib.Path(os.environ.get(
    "TALLY_CORPUS", SOURCE_ROOT.parent / "shared" / "corpus"))


@pytest.fixture
def engine():
    import tally
    with tally.Engine(workers=2, batch_capacity=64) as e:
        yield e
