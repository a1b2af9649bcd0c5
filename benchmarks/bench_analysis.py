"""Time loading, selecting and reporting on a synthetic results set the size of the thesis grid.

The set: CIFAR-10 and Tiny ImageNet × (original + JPEG 7 + BLS 7 + BMHJ 7 + noise 6 + blur 4
levels) × VGG11, ResNet18 × 3 seeds, 30 epochs, 10 corruptions × 5 severities, and
``--images`` rate-distortion rows per encoded set (30,000 by default: about 2 million rows in
all). Prints the time to write it, to load it (beside a plain ``pandas.read_parquet`` of each
table, the naive baseline), to derive best-of-seeds and every selection, and to render the
report. ``--quick`` uses 3,000 images per set.

    .venv/bin/python benchmarks/bench_analysis.py [--quick] [--images N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
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


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    print(f"{label:<44s} {time.perf_counter() - start:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=30_000, help="rate-distortion rows per set")
    parser.add_argument("--quick", action="store_true", help="3,000 images per set")
    parser.add_argument("--keep", type=Path, default=None, help="write the results set here")
    args = parser.parse_args()
    images = 3_000 if args.quick else args.images
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_analysis_"))
    try:
        sweep = timed(
            "write synthetic results set",
            lambda: write_synthetic_sweep(root, "bench", thesis_grid(images)),
        )
        naive = timed(
            "naive: pandas.read_parquet of every table",
            lambda: {t: pd.read_parquet(sweep / t) for t in TABLES if (sweep / t).exists()},
        )
        rows = sum(len(f) for f in naive.values())
        results = timed("analysis.load (typed, categorical, missing)", lambda: load(sweep))
        timed("best epochs, best of seeds, BDA/BDAD/BDADS", lambda: Derived.of(results))
        index = timed("write_report (all tables and figures)", lambda: write_report(sweep))
        print(
            f"rows: {rows:,} in {sum(1 for _ in sweep.rglob('*.parquet')):,} files; report: {index}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
