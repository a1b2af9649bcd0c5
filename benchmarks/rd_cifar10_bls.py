"""Rate–distortion of BLS (fit here, on CPU, for a fixed step count) beside JPEG on CIFAR-10.

The thesis' Fig 3.2 plots PSNR against bpp for its learned codec at seven λ and JPEG at six
qualities. This script fits BLS on real CIFAR-10 train images at two or three λ, every λ for
the same ``--steps`` optimizer steps (the thesis trained for hundreds of thousands of steps,
so absolute quality here is far lower), and prints the mean (± std) rate and distortion on
test images for every point: BLS's estimated and actually coded bpp, JPEG's content bpp.

The shared CIFAR-10 copy is stored as JPEG q75 (4:2:0): the "originals" already carry JPEG
artifacts, which favours JPEG when it re-encodes them (its rates come out lower than on the
lossless release). The output says so.

    .venv/bin/python benchmarks/rd_cifar10_bls.py [--steps 2000] [--lambdas 0.001,0.012,0.1]
"""

from __future__ import annotations

import argparse
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

from lcc.codecs import fit, get
from lcc.data import load
from lcc.metrics import psnr, ssim
from lcc.specs.fit_recipe import FitRecipe

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10-jpeg75.tar.gz"
JPEG_QUALITIES = (1, 5, 10, 20, 40, 60)


class BudgetSpent(Exception):
    """Raised after an epoch's checkpoint once a time budget is used up (used by
    bench_fit_convergence.py; this script fits for a fixed step count instead)."""


def cifar10_root(data: Path, scratch: Path) -> Path:
    """An image-folder CIFAR-10 root: ``data`` itself, or ``data`` (.tar.gz) extracted."""
    if data.is_dir():
        return data
    with tarfile.open(data) as tar:
        tar.extractall(scratch, filter="data")
    return scratch / "cifar10-jpeg75"


def epoch_length(steps: int, n_train: int, batch_size: int, cap: int = 50) -> int:
    """Steps per epoch: the largest divisor of ``steps`` that is at most ``cap`` and at most
    the full batches in ``n_train`` images, so whole epochs add up to exactly ``steps``."""
    limit = max(1, min(cap, n_train // batch_size, steps))
    return next(d for d in range(limit, 0, -1) if steps % d == 0)


def fit_steps(steps: int, lmbda: float, images: np.ndarray, workdir: Path, args) -> tuple:
    """Fit BLS for exactly ``steps`` optimizer steps. Returns (steps done, wall seconds)."""
    per_epoch = epoch_length(steps, len(images), args.batch_size)
    started = time.perf_counter()
    recipe = FitRecipe(
        epochs=steps // per_epoch,
        max_steps_per_epoch=per_epoch,
        batch_size=args.batch_size,
        crop=32,
        lr=args.lr,
        aux_lr=1e-3,
        seed=0,
    )
    rows = fit("bls", lmbda, images, recipe, workdir=workdir)
    return rows[-1]["steps"], time.perf_counter() - started


def summary(label: str, bpp: np.ndarray, originals: np.ndarray, result) -> str:
    p = psnr(originals, result.reconstructions)
    s = ssim(originals, result.reconstructions)
    return (
        f"{label:<26}{bpp.mean():6.3f} ± {bpp.std():5.3f}   {p.mean():6.2f} ± {p.std():4.2f}"
        f"   {s.mean():6.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED, help="tar.gz or image-folder root")
    parser.add_argument("--lambdas", default="0.001,0.012,0.1")
    parser.add_argument(
        "--steps", type=int, default=2000, help="optimizer steps per lambda (the same for all)"
    )
    parser.add_argument("--train-limit", type=int, default=None, help="train images (all)")
    parser.add_argument("--test-limit", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument(
        "--lr",
        type=float,
        default=1e-3,
        help="Adam lr (thesis: 1e-4 over ~1e5 steps; raised for short budgets)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = cifar10_root(args.data, Path(tmp))
        train = load("cifar10", "train", root=root, limit=args.train_limit).images
        test = np.array(load("cifar10", "test", root=root, limit=args.test_limit).images)
        print(f"CIFAR-10: {len(train)} train images for fitting, {len(test)} test images")
        print(
            "note: these CIFAR-10 images are stored as JPEG q75 (4:2:0), so the 'originals' "
            "already carry JPEG artifacts; re-encoding them with JPEG is favoured (lower bpp "
            "at a given PSNR than on lossless CIFAR-10)"
        )
        print(
            f"BLS: every lambda fit for the same {args.steps} optimizer steps "
            f"(batch {args.batch_size}, lr {args.lr:g}); rates in bpp, PSNR/SSIM on test images"
        )
        print(f"{'point':<26}{'bpp (mean ± std)':<19}{'PSNR dB':<17}SSIM")
        for quality in JPEG_QUALITIES:
            result = get("jpeg", quality).encode(test)
            print(summary(f"jpeg q{quality}", result.bpp(), test, result))
        for lmbda in (float(v) for v in args.lambdas.split(",")):
            workdir = Path(tmp) / f"bls-{lmbda}"
            steps, seconds = fit_steps(args.steps, lmbda, train, workdir, args)
            result = get("bls", lmbda, weights=workdir).encode(test)
            pixels = test.shape[1] * test.shape[2]
            label = f"bls {lmbda:g} ({steps} steps)"
            print(f"  (bls {lmbda:g}: fit {steps} steps in {seconds:.0f} s wall)")
            print(summary(label + " est", result.bits_estimated / pixels, test, result))
            print(summary(label + " coded", result.bits_actual / pixels, test, result), flush=True)


if __name__ == "__main__":
    main()
