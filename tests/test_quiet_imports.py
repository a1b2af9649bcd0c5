"""Loading the codecs prints nothing: compressai's import-time ``torch.jit.script``
deprecation warning is filtered (lcc/codecs/jit_warning.py), and only that one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def python_stderr(code: str) -> str:
    """The stderr of a fresh interpreter running ``code`` in the repo, warnings shown once."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def test_importing_the_codecs_prints_no_jit_script_warning() -> None:
    assert "torch.jit.script" not in python_stderr("import lcc.codecs, compressai.models")


def test_other_future_warnings_are_still_shown() -> None:
    err = python_stderr("import lcc.codecs, warnings; warnings.warn('kept', FutureWarning)")
    assert "FutureWarning: kept" in err
