"""Rate–distortion of BLS (fit here, on CPU, for a bounded time) beside JPEG on CIFAR-10.

The thesis' Fig 3.2 plots PSNR against bpp for its learned codec at seven λ and JPEG at six
qualities. This script fits BLS on real CIFAR-10 train images at two or three λ, each for at
most ``--minutes`` of wall time (the thesis trained for hundreds of thousands of steps, so
absolute quality here is far lower), and prints the mean (± std) rate and distortion on test
images for every point: BLS's estimated and actually coded bpp, JPEG's content bpp.

    .venv/bin/python benchmarks/rd_cifar10_bls.py [--minutes 3] [--lambdas 0.001,0.012,0.1]
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

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10-jpeg75.tar.gz"
JPEG_QUALITIES = (1, 5, 10, 20, 40, 60)


class BudgetSpent(Exception):
    """Raised after an epoch's checkpoint once the time budget is used up."""


def cifar10_root(data: Path, scratch: Path) -> Path:
    """An image-folder CIFAR-10 root: ``data`` itself, or ``data`` (.tar.gz) extracted."""
    if data.is_dir():
        return data
    with tarfile.open(data) as tar:
        tar.extractall(scratch, filter="data")
    return scratch / "cifar10-jpeg75"


def fit_for(minutes: float, lmbda: float, images: np.ndarray, workdir: Path, args) -> int:
    """Fit BLS in 50-step epochs until ``minutes`` pass, then finish from the last checkpoint
    (resuming writes model.pt). Returns the number of optimizer steps."""
    settings = dict(
        batch_size=args.batch_size,
        crop=32,
        lr=args.lr,
        aux_lr=1e-3,
        seed=0,
        max_steps_per_epoch=50,
        workdir=workdir,
    )
    deadline = time.monotonic() + 60 * minutes
    done = []

    def stop_when_spent(epoch: int) -> None:
        done.append(epoch)
        if time.monotonic() > deadline:
            raise BudgetSpent

    try:
        rows = fit("bls", lmbda, images, epochs=10**6, on_epoch=stop_when_spent, **settings)
    except BudgetSpent:
        rows = fit("bls", lmbda, images, epochs=done[-1], **settings)
    return rows[-1]["steps"]


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
    parser.add_argument("--minutes", type=float, default=3.0, help="fit budget per lambda")
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
        print(f"{'point':<26}{'bpp (mean ± std)':<19}{'PSNR dB':<17}SSIM")
        for quality in JPEG_QUALITIES:
            result = get("jpeg", quality).encode(test)
            print(summary(f"jpeg q{quality}", result.bpp(), test, result))
        for lmbda in (float(v) for v in args.lambdas.split(",")):
            workdir = Path(tmp) / f"bls-{lmbda}"
            steps = fit_for(args.minutes, lmbda, train, workdir, args)
            result = get("bls", lmbda, weights=workdir).encode(test)
            pixels = test.shape[1] * test.shape[2]
            label = f"bls {lmbda:g} ({steps} steps)"
            print(summary(label + " est", result.bits_estimated / pixels, test, result))
            print(summary(label + " coded", result.bits_actual / pixels, test, result), flush=True)


if __name__ == "__main__":
    main()
