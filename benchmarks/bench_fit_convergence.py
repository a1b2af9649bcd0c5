"""Convergence of a codec fit on real CIFAR-10: held-out PSNR and bpp against wall time.

Fits BLS at one λ with each named fit recipe (lcc.specs.fit_recipe; ``fast`` is the default,
``thesis`` the author's batch 8 / Adam 1e-4), one after another in this process, each for at
most ``--minutes`` of wall time, and prints after every epoch the elapsed time, steps, the
learning rate and the held-out images' PSNR and estimated bpp. Each fit ends with the quality
gate: coded bpp, PSNR and SSIM on ``--test-limit`` test images beside JPEG's curve at that rate
(lcc.codecs.gate). Both recipes hold out the same 500 training images so their curves are
comparable (the thesis recipe itself holds none out).

The shared CIFAR-10 is stored as JPEG q75, which favours JPEG when it is re-encoded.

    .venv/bin/python benchmarks/bench_fit_convergence.py [--lmbda 0.012] [--minutes 5]
        [--recipes fast,thesis] [--threads 1]   (fast*3: the fast preset, 3x the epochs)
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from rd_cifar10_bls import SHARED, BudgetSpent, cifar10_root  # same folder: run as a script

from lcc.artifacts import CHECKPOINT
from lcc.codecs import fit, get
from lcc.codecs.fit import finish_from_checkpoint
from lcc.codecs.gate import GATE_JPEG_QUALITIES, describe, gate_verdict, rd_point
from lcc.data import load
from lcc.specs.fit_recipe import resolve_fit_recipe


def run_recipe(name: str, args, train: np.ndarray, workdir: Path) -> None:
    """Fit with recipe ``name`` for at most ``args.minutes``, printing one line per epoch.

    ``name`` is a preset, or ``preset*K``: the preset with K times its epochs (a K times
    longer schedule, e.g. ``fast*3``)."""
    preset, _, times = name.partition("*")
    overrides = {"held_out": 500}
    if preset == "thesis":  # checkpoint every 1000 steps; the constant rate is unaffected
        overrides.update(max_steps_per_epoch=1000, epochs=10**4)
    elif times:
        overrides["epochs"] = int(times) * resolve_fit_recipe(preset, image_size=32).epochs
    recipe = resolve_fit_recipe(preset, overrides, image_size=32)
    started = time.monotonic()

    def report(epoch: int) -> None:
        row = torch.load(workdir / CHECKPOINT, weights_only=True)["rows"][-1]
        elapsed = time.monotonic() - started
        val_psnr = -10 * math.log10(row["val_mse"])
        print(
            f"{name:>7} {elapsed:9.0f} {row['steps']:6d} {row['lr']:8.1e} {val_psnr:8.2f} "
            f"{row['val_bpp']:7.3f}",
            flush=True,
        )
        if time.monotonic() - started > 60 * args.minutes:
            raise BudgetSpent

    print(f"\n{name}: {recipe.as_config()}")
    print(f"{'recipe':>7} {'elapsed s':>9} {'steps':>6} {'lr':>8} {'val PSNR':>8} {'val bpp':>7}")
    try:
        rows = fit("bls", args.lmbda, train, recipe, workdir=workdir, on_epoch=report)
    except BudgetSpent:
        rows = finish_from_checkpoint(workdir)
    args.fitted[name] = (workdir, time.monotonic() - started, rows[-1]["steps"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED, help="tar.gz or image-folder root")
    parser.add_argument("--lmbda", type=float, default=0.012)
    parser.add_argument("--minutes", type=float, default=5.0, help="wall budget per recipe")
    parser.add_argument("--recipes", default="fast,thesis")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--test-limit", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.fitted = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = cifar10_root(args.data, Path(tmp))
        train = np.asarray(load("cifar10", "train", root=root).images)
        test = np.asarray(load("cifar10", "test", root=root, limit=args.test_limit).images)
        print(f"BLS λ={args.lmbda} on {len(train)} CIFAR-10 train images, {args.threads} thread(s)")
        for name in args.recipes.split(","):
            run_recipe(name, args, train, Path(tmp) / name)
        jpeg = [rd_point(get("jpeg", q), test) for q in GATE_JPEG_QUALITIES]
        print(f"\nquality gate on {len(test)} test images (JPEG q{GATE_JPEG_QUALITIES}):")
        for name, (workdir, elapsed, steps) in args.fitted.items():
            point = rd_point(get("bls", args.lmbda, weights=workdir), test)
            verdict = gate_verdict(point, jpeg)
            print(
                f"{name:>7} ({elapsed:4.0f} s, {steps} steps): {point['bpp_coded']:.3f} bpp coded "
                f"({point['bpp']:.3f} est), {point['psnr']:.2f} dB, SSIM {point['ssim']:.4f}; "
                f"JPEG there {verdict['jpeg_psnr']:.2f} dB, SSIM {verdict['jpeg_ssim']:.4f}"
            )
            print(f"         {describe('bls', args.lmbda, verdict)}")


if __name__ == "__main__":
    main()
