"""Time loading, selecting and reporting on a synthetic results set the size of the thesis grid.

The set: CIFAR-10 and Tiny ImageNet × (original + JPEG 7 + BLS 7 + BMHJ 7 + noise 6 + blur 4
levels) × VGG11, ResNet18 × 3 seeds, 30 epochs, 10 corruptions × 5 severities, and ``--images``
rate-distortion rows per encoded set (30,000 by default: about 2 million rows in all). Prints,
each timed on its own: writing it; loading it with ``analysis.load`` beside a plain
``pandas.read_parquet`` of each table (the naive baseline; both on a warm OS file cache, after
an untimed read of every file), the two interleaved over ``--repeats`` rounds in alternating
order (naive first in even rounds, load first in odd ones, so neither always runs first), each
side's median with its min and max, and the ratio of the medians; deriving best epochs, best-of-
seeds and every selection (``Derived.of``); rendering the report (``write_report`` handed
the already-loaded results and derived tables, so no second load or derivation is timed); and,
for reference, the whole ``write_report`` call as a user runs it (load + derive + render; it
runs after the render row, which so pays the one-time plotting start-up, such as importing
matplotlib). ``--quick`` uses 3,000 images per set.

    .venv/bin/python benchmarks/bench_analysis.py [--quick] [--images N] [--keep DIR] [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.derived import Derived
from analysis.load import load
from analysis.report import write_report
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.store.schemas import TABLES
from lcc.data import CORRUPTIONS


def thesis_grid(images: int) -> SweepSpec:
    """The thesis grid's shape with ``images`` rate-distortion rows per encoded set."""
    return SweepSpec(
        datasets=("cifar10", "tinyimagenet"),
        archs=("vgg11", "resnet18"),
        codecs={
            "jpeg": [1, 5, 10, 20, 40, 60, 80],
            "bls": [0.001, 0.003, 0.005, 0.012, 0.033, 0.05, 0.1],
            "bmhj": [0.001, 0.003, 0.005, 0.012, 0.033, 0.05, 0.1],
            "noise": [1, 0.8, 0.3, 0.1, 0.05, 0.01],
            "blur": [9, 7, 5, 3],
        },
        seeds=3,
        images=images,
        saved_images=256,
        epochs=30,
        corruptions=CORRUPTIONS,
        severities=(1, 2, 3, 4, 5),
    )


def timed(label: str, fn) -> tuple[float, object]:
    """Run ``fn`` once; print its time."""
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<52s} {seconds:8.2f} s", flush=True)
    return seconds, value


def interleaved(first: Callable, second: Callable, repeats: int) -> tuple[list, list, tuple]:
    """Seconds of ``first()`` and of ``second()`` over ``repeats`` rounds, the two run in turn:
    ``first`` leads in even rounds, ``second`` in odd ones. Returns both lists of seconds and
    the two values the last round returned."""
    seconds: tuple[list[float], list[float]] = ([], [])
    values: list[object] = [None, None]
    for round_ in range(repeats):
        order = (0, 1) if round_ % 2 == 0 else (1, 0)
        for side in order:
            start = time.perf_counter()
            values[side] = (first, second)[side]()
            seconds[side].append(time.perf_counter() - start)
    return seconds[0], seconds[1], tuple(values)


def spread(label: str, seconds: list[float]) -> float:
    """Print ``label``'s median seconds with their min and max; return the median."""
    median = statistics.median(seconds)
    print(
        f"{label:<52s} {median:8.2f} s   (median of {len(seconds)}, "
        f"min {min(seconds):.2f}, max {max(seconds):.2f})",
        flush=True,
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=30_000, help="rate-distortion rows per set")
    parser.add_argument("--quick", action="store_true", help="3,000 images per set")
    parser.add_argument("--keep", type=Path, default=None, help="write the results set here")
    parser.add_argument(
        "--repeats", type=int, default=5, help="interleaved rounds of naive read and load"
    )
    args = parser.parse_args()
    images = 3_000 if args.quick else args.images
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_analysis_"))
    try:
        _, sweep = timed(
            "write synthetic results set",
            lambda: write_synthetic_sweep(root, "bench", thesis_grid(images)),
        )
        files = sorted(sweep.rglob("*.parquet"))
        for path in files:  # untimed: both reads below start from a warm OS file cache
            path.read_bytes()
        naive_times, load_times, (naive, results) = interleaved(
            lambda: {t: pd.read_parquet(sweep / t) for t in TABLES if (sweep / t).exists()},
            lambda: load(sweep),
            max(1, args.repeats),
        )
        rows = sum(len(f) for f in naive.values())
        naive_s = spread("naive baseline: pandas.read_parquet of every table", naive_times)
        load_s = spread("load: analysis.load (typed, categorical, missing)", load_times)
        print(f"{'':<52s} x{naive_s / load_s:.2f} vs naive read, medians (>1: faster)")
        derive_s, derived = timed(
            "selections: Derived.of (best epochs/seeds, BDA...)", lambda: Derived.of(results)
        )
        render_s, _ = timed(
            "render: write_report, given loaded + derived",
            lambda: write_report(sweep, results=results, derived=derived),
        )
        print(f"{'sum of load + selections + render':<52s} {load_s + derive_s + render_s:8.2f} s")
        _, index = timed(
            "end to end: write_report(dir) (own load + derive)", lambda: write_report(sweep)
        )
        print(f"rows: {rows:,} in {len(files):,} files; report: {index}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
