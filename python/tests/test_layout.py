"""The cdef's structs and constants against the C headers, compiled here
(skipped without a C compiler or the headers)."""
import shutil
import subprocess

import pytest

from conftest import SOURCE_ROOT

from tally import _common, engine, errors
from tally._ffi import ffi

INCLUDE = SOURCE_ROOT / "include"
CC = shutil.which("cc") or shutil.which("gcc")

STRUCTS = ("tally_error", "tally_config", "tally_violation", "tally_columns", "tally_totals",
           "tally_group", "tally_sarif_options", "tally_sarif_report",
           "tally_sarif_diff_entry", "tally_corr_config", "tally_corr_result",
           "tally_corr_cluster")

# Python-side constants and the C macro or enum each stands for.
CONSTANTS = {
    "TALLY_POOL_PIN": engine._POOL_PIN, "TALLY_ORDER_COUNT": engine._ORDER_COUNT,
    "TALLY_DIM_TOOL": engine._DIM_TOOL, "TALLY_DIM_RULE": engine._DIM_RULE,
    "TALLY_DIM_FILE": engine._DIM_FILE, "TALLY_DIM_FILE_RULE": engine._DIM_FILE_RULE,
    "TALLY_VIOLATION_SUPPRESSED": _common.SUPPRESSED, "TALLY_ERROR_MAX": 512,
    "TALLY_STR_TOOL": engine.KINDS["tool"], "TALLY_STR_RULE": engine.KINDS["rule"],
    "TALLY_STR_FILE": engine.KINDS["file"], "TALLY_STR_MESSAGE": engine.KINDS["message"],
    "TALLY_LEVEL_ERROR": _common.LEVELS.index("error"),
    "TALLY_LEVEL_NOTE": _common.LEVELS.index("note"),
    "TALLY_BASELINE_ABSENT": 3, "TALLY_BASELINE_UPDATED": 2,
    "TALLY_EINVAL": -1, "TALLY_ERANGE": -5, "TALLY_EIO": -7, "TALLY_EPARSE": -8,
    "TALLY_EFORMAT": -9, "TALLY_ENOTFOUND": -12,
}


def c_program():
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "tally.h"', "int main(void) {"]
    for s in STRUCTS:
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (s, s))
        for name, _ in ffi.typeof(s).fields:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (s, name, s, name))
    for name in CONSTANTS:
        lines.append('printf("%s %%lld\\n", (long long)(%s));' % (name, name))
    return "\n".join(lines + ["return 0; }"])


def python_values():
    out = {}
    for s in STRUCTS:
        out[s] = ffi.sizeof(s)
        for name, _ in ffi.typeof(s).fields:
            out["%s.%s" % (s, name)] = ffi.offsetof(s, name)
    out.update(CONSTANTS)
    return out


@pytest.mark.skipif(CC is None or not (INCLUDE / "tally.h").exists(),
                    reason="needs a C compiler and the C headers")
def test_layout_matches_headers(tmp_path):
    src = tmp_path / "layout.c"
    src.write_text(c_program())
    exe = tmp_path / "layout"
    subprocess.run([CC, "-std=c11", "-I", str(INCLUDE), str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    c_values = {k: int(v) for k, v in (line.split() for line in out.splitlines())}
    assert c_values == python_values()


def test_every_family_has_a_class():
    for family in range(-12, 0):
        cls = type(errors.error(family))
        assert cls is not errors.Error and cls.__doc__.startswith(
            "TALLY_E"), (family, cls)
