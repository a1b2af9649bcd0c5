"""Wall time of what an analyst runs, in a fresh interpreter each time: ``import analysis.load``
and ``python -m grid.status sweep=demo_tiny`` on a launched results folder, with this tree
beside the old one (issue 13 item 5).

The baseline is the same commands run on the suite as it was at ``--old`` (default
``fb97988``, the commit before the layering change, when ``import analysis.load`` imported
torch, compressai and submitit through ``grid/__init__.py``, and status re-planned the sweep),
extracted with ``git archive`` into a temporary folder and run with the same interpreter and
virtual environment. Both status runs see the same results folder: a ``plan.json`` of
``demo_tiny`` (written untimed by this tree's planner, which the old status ignores: it plans
again) and no job run yet, so both print the same table. Each row is the best of ``--repeat``
runs (seconds); ``python -c pass`` is the interpreter's own start-up, for reference.

    .venv/bin/python benchmarks/bench_imports.py [--repeat N] [--old COMMIT]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SWEEP = "demo_tiny"


def extract(commit: str, into: Path) -> None:
    """The tree of ``commit`` as files under ``into`` (no git worktree is registered)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def best_of(repeat: int, tree: Path, *args: str) -> float:
    """Fastest wall time (s) of ``python ARGS`` run in ``tree`` with ``tree`` on PYTHONPATH."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONWARNINGS": "ignore"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} in {tree} failed: {done.stderr[-500:]!r}")
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per row (best is shown)")
    parser.add_argument("--old", default="fb97988", help="the baseline commit")
    args = parser.parse_args()
    import grid  # this tree's planner, to write the launched plan.json (untimed)

    with tempfile.TemporaryDirectory(prefix="bench_imports_") as tmp:
        old, results = Path(tmp) / "old", Path(tmp) / "results"
        extract(args.old, old)
        (results / SWEEP).mkdir(parents=True)
        (results / SWEEP / "plan.json").write_text(grid.plan(SWEEP).to_json())
        status = ("-m", "grid.status", f"sweep={SWEEP}", f"results={results}")
        rows = {
            "python -c pass": ("-c", "pass"),
            "import analysis.load": ("-c", "import analysis.load"),
            f"python -m grid.status sweep={SWEEP}": status,
        }
        print(f"best of {args.repeat} runs, seconds; old = {args.old}, new = this tree")
        print(f"{'command':<40}{'old':>8}{'new':>8}{'speed-up':>10}")
        for name, command in rows.items():
            before = best_of(args.repeat, old, *command)
            after = best_of(args.repeat, REPO, *command)
            print(f"{name:<40}{before:>8.2f}{after:>8.2f}{before / after:>9.1f}x")


if __name__ == "__main__":
    main()
