"""``make test`` runs pytest in two workers (``-n 2 --dist loadgroup``) grouped by
tests/conftest.py: the real-Slurm tests in one, every other test in the other."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_make_test_runs_the_slurm_tests_in_one_worker_and_the_rest_in_the_other() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LCC_TEST_SLURM"}  # Slurm tests skip
    files = ["tests/test_metrics.py", "tests/test_slurm_real.py", "tests/test_codecs_registry.py"]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v",
         "-p", "no:cacheprovider", *files],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:]
    workers = defaultdict(set)  # test file -> the workers that ran its tests
    for worker, path in re.findall(r"^\[(gw\d)\] .* (tests/\S+\.py)::", out.stdout, re.M):
        workers[path].add(worker)
    assert set(workers) == set(files), out.stdout[-2000:]
    (slurm,) = workers.pop("tests/test_slurm_real.py")
    machine = set().union(*workers.values())
    assert len(machine) == 1 and slurm not in machine, dict(workers)
