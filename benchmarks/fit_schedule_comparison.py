"""Like-for-like fit-schedule comparison: BLS at one λ, only the schedule changes.

Every recipe fits BLS at ``--lmbda`` (default 0.1) on the same images the reproduce sweep
fits on (grid/sweeps/reproduce.py: the first 10,000 CIFAR-10 training images of the shared
copy, the last 500 of them held out for the validation loss) and is measured on the same
test images (the first ``--test-limit`` = 1,000 CIFAR-10 test images): coded bpp, PSNR and
SSIM, and JPEG's PSNR and SSIM interpolated at that coded rate (lcc.codecs.gate helpers,
JPEG at the gate's qualities on the same test images). Recipes, one after another:

- ``fast``: the default preset as the reproduce sweep resolves it (16 epochs of at most 400
  steps; 9,500 training images in batches of 32 give 296 steps an epoch, 4,736 steps);
- ``fast*3``: the same preset with 3x the epochs (48, 14,208 steps; the cosine spans them);
- ``converge``: the held-out-plateau preset (lcc/specs/fit_recipe.py), up to its cap.

Each fit works in ``--workdir/<recipe>`` and resumes from its checkpoint when rerun; each
result is appended as one JSON line to ``--out`` and the table is printed from that file, so
recipes can run in separate processes and the table collects them all.

The shared CIFAR-10 is stored as JPEG q75, which favours JPEG when it re-encodes it
(docs/CODEC_FIT.md).

    nice .venv/bin/python benchmarks/fit_schedule_comparison.py --recipes fast,fast*3
        [--lmbda 0.1] [--out /tmp/fsc/results.jsonl] [--table-only]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from rd_cifar10_bls import SHARED, cifar10_root  # same folder: run as a script

from lcc.artifacts import CHECKPOINT
from lcc.codecs import fit, get
from lcc.codecs.gate import GATE_JPEG_QUALITIES, gate_verdict, rd_point
from lcc.data import load
from lcc.specs.fit_recipe import FitRecipe, resolve_fit_recipe


def recipe_of(name: str) -> FitRecipe:
    """``preset`` or ``preset*K`` (K times the preset's epochs), resolved for 32x32 images."""
    preset, _, times = name.partition("*")
    overrides = {}
    if times:
        overrides["epochs"] = int(times) * resolve_fit_recipe(preset, image_size=32).epochs
    return resolve_fit_recipe(preset, overrides, image_size=32)


def run_recipe(name: str, args, train: np.ndarray, test: np.ndarray, jpeg: list) -> dict:
    """Fit with recipe ``name`` (printing one line per epoch), then measure it on ``test``."""
    recipe = recipe_of(name)
    workdir = args.workdir / name.replace("*", "x")
    started = time.monotonic()

    def report(epoch: int) -> None:
        row = torch.load(workdir / CHECKPOINT, weights_only=True)["rows"][-1]
        print(
            f"{name:>9} {epoch:5d} {time.monotonic() - started:8.0f} {row['steps']:6d} "
            f"{row['lr']:8.1e} {row['val_loss']:8.4f} {-10 * math.log10(row['val_mse']):8.2f} "
            f"{row['val_bpp']:7.3f} {'stopped' if row['stopped'] else ''}",
            flush=True,
        )

    print(f"\n{name}: {recipe.as_config()}", flush=True)
    print(
        f"{'recipe':>9} {'epoch':>5} {'wall s':>8} {'steps':>6} {'lr':>8} {'val loss':>8} "
        f"{'val PSNR':>8} {'val bpp':>7}",
        flush=True,
    )
    rows = fit("bls", args.lmbda, train, recipe, workdir=workdir, on_epoch=report)
    seconds = time.monotonic() - started
    point = rd_point(get("bls", args.lmbda, weights=workdir), test)
    verdict = gate_verdict(point, jpeg)
    last = rows[-1]
    return {
        "recipe": name,
        "settings": recipe.as_config(),
        "lmbda": args.lmbda,
        "n_train": len(train),
        "n_test": len(test),
        "epochs": len(rows),
        "steps": last["steps"],
        "stop_reason": json.loads((workdir / "meta.json").read_text()).get("stop_reason"),
        "fit_seconds_this_run": seconds,
        "fit_seconds_sum": float(sum(r["seconds"] for r in rows)),
        "val_psnr": -10 * math.log10(last["val_mse"]),
        "val_bpp": last["val_bpp"],
        "bpp_coded": point["bpp_coded"],
        "psnr": point["psnr"],
        "ssim": point["ssim"],
        "jpeg_psnr": verdict["jpeg_psnr"],
        "jpeg_ssim": verdict["jpeg_ssim"],
        "psnr_margin": verdict["psnr_margin"],
        "ssim_margin": verdict["ssim_margin"],
        "extrapolated": verdict["extrapolated"],
        "jpeg_qualities": list(GATE_JPEG_QUALITIES),
        "threads": args.threads,
    }


def print_table(out: Path) -> None:
    records = {}
    for line in out.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            records[record["recipe"]] = record  # the latest line of a recipe wins
    if not records:
        return
    first = next(iter(records.values()))
    print(
        f"\nBLS λ = {first['lmbda']}: fitted on {first['n_train']} CIFAR-10 training images "
        f"(the last {min(500, first['n_train'] // 10)} held out), measured on the first "
        f"{first['n_test']} test images; "
        f"JPEG at q{first['jpeg_qualities']} on the same images, interpolated at the coded rate"
    )
    print(
        "| recipe | epochs | steps | stopped | fit min | held-out PSNR | coded bpp | PSNR | "
        "JPEG PSNR there | margin | SSIM margin |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in records.values():
        extrap = " (extrap.)" if r["extrapolated"] else ""
        print(
            f"| `{r['recipe']}` | {r['epochs']} | {r['steps']:,} | {r['stop_reason'] or 'budget'} "
            f"| {r['fit_seconds_sum'] / 60:.1f} | {r['val_psnr']:.2f} dB | {r['bpp_coded']:.3f} "
            f"| {r['psnr']:.2f} dB | {r['jpeg_psnr']:.2f} dB{extrap} "
            f"| {r['psnr_margin']:+.2f} dB | {r['ssim_margin']:+.4f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED, help="tar.gz or image-folder root")
    parser.add_argument("--lmbda", type=float, default=0.1)
    parser.add_argument("--recipes", default="fast,fast*3,converge")
    parser.add_argument("--train-limit", type=int, default=10000)
    parser.add_argument("--test-limit", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fit_schedule_comparison"))
    parser.add_argument("--out", type=Path, default=None, help="JSON lines (default: workdir)")
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    args.out = args.out or args.workdir / "results.jsonl"
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        torch.set_num_threads(args.threads)
        with tempfile.TemporaryDirectory() as tmp:
            root = cifar10_root(args.data, Path(tmp))
            train = np.asarray(load("cifar10", "train", root=root, limit=args.train_limit).images)
            test = np.asarray(load("cifar10", "test", root=root, limit=args.test_limit).images)
        jpeg = [rd_point(get("jpeg", q), test) for q in GATE_JPEG_QUALITIES]
        for name in args.recipes.split(","):
            record = run_recipe(name, args, train, test, jpeg)
            with args.out.open("a") as handle:
                handle.write(json.dumps(record) + "\n")
    if args.out.exists():
        print_table(args.out)


if __name__ == "__main__":
    main()
