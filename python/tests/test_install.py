"""The documented install: a venv with --system-site-packages, then
pip install --no-build-isolation --no-index of this directory (offline)."""
import os
import subprocess
import sys

from conftest import HERE

PACKAGE = HERE.parent


def test_venv_install(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    py = venv / "bin" / "python"
    # Build from a copy: the build writes build/ and *.egg-info next to the
    # sources, which must not land in the checkout.
    src = tmp_path / "src"
    subprocess.run(["cp", "-r", str(PACKAGE), str(src)], check=True)
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-build-isolation", "--no-index",
                    str(src)], check=True, env=env, cwd=tmp_path)
    out = subprocess.run(
        [str(py), "-c", "import tally; print(tally.__file__); "
         "e = tally.Engine(); e.append('t', 'r', 'f', 'm'); "
         "print(e.snapshot()['totals']['unique']); e.close()"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env).stdout.split()
    assert out[0].startswith(str(venv)) and out[1] == "1"
