"""Projected wall time of a 30-epoch thesis training run on one GPU (a prepared device check).

Runs ``lcc.train.train`` itself, the code path of the train stage, with the full recipe's
settings (thesis SGD, batch 128 on CIFAR-10 / 200-300 on Tiny ImageNet, batched on-device
augmentation, bf16 autocast + channels-last on CUDA, per-epoch evaluation and checkpoints) on
random uint8 images of the dataset's full size (50,000 / 100,000 training and 10,000 test
images; throughput does not depend on content). Epoch 1 warms up (cuDNN autotuning); the time
from epoch 1's checkpoint to epoch 2's is one full epoch. Prints training images/s, the
epoch's time split, peak GPU memory and the projected time for ``--epochs`` epochs.

``--sweep NAME`` also projects a whole sweep's training and evaluation on this device: it
plans the sweep (no data needed) and sums, per architecture, the training images of every
train job (epochs x images: a joined set trains on top_k x the images, a steps-matched control
for top_k x the epochs), its per-epoch clean evaluation, and the images of every evaluate job
(clean, compressed test split, 50 CIFAR-10-C cells), at the rates measured above, plus each
job's measured start-up (setup and the warm-up epoch's excess). Jobs run one at a time on the
one GPU. Codec fits, encodes and CIFAR-10-C generation are not included (printed as counts).
``--rates arch=train/eval,...`` projects from given images/s instead of measuring (no
training): a projection from assumed rates, labelled so.

    python benchmarks/gpu_train_projection.py --sweep reproduce_gpu   # on the GPU machine
    .venv/bin/python benchmarks/gpu_train_projection.py --quick   # a CPU smoke run (tiny sizes)
    .venv/bin/python benchmarks/gpu_train_projection.py --sweep reproduce_gpu \
        --rates vgg11=20000/60000,resnet18=8000/25000   # assumed rates, no device
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lcc.models import param_count
from lcc.train import Recipe, train

SIZES = {  # dataset: (train images, test images, image size, classes)
    "cifar10": (50_000, 10_000, 32, 10),
    "tinyimagenet": (100_000, 10_000, 64, 200),
}


def random_set(n: int, size: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8), rng.integers(0, classes, n)


@dataclass(frozen=True)
class Rates:
    """Measured (or assumed) throughput of one architecture on this device."""

    train_per_s: float  # training images per second
    eval_per_s: float  # evaluated images per second
    startup_s: float  # per job: setup and the first epoch's excess over a warm epoch


def project(arch: str, dataset: str, n_train: int, n_test: int, opts) -> Rates:
    """Train two epochs of ``arch``, print the measured rates and the projection."""
    _, _, size, classes = SIZES[dataset]
    recipe = Recipe.for_dataset(dataset, arch).with_settings({"epochs": 2})
    train_set = random_set(n_train, size, classes, 0)
    eval_sets = {name: random_set(n_test, size, classes, i + 1)
                 for i, name in enumerate(["clean", "compressed"][: opts.eval_sets])}  # fmt: skip
    marks: list[float] = []
    if opts.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        result = train(arch, train_set, eval_sets, recipe, num_classes=classes, seed=0,
                       device=opts.device, workdir=Path(workdir),
                       on_epoch=lambda _: marks.append(time.perf_counter()),
                       progress="off")  # fmt: skip
    setup_and_warmup = marks[0] - started
    epoch_s = marks[1] - marks[0]
    record = result.history[1]
    train_s = n_train / record.images_per_s
    eval_s = record.seconds - train_s
    peak = torch.cuda.max_memory_allocated() / 2**30 if opts.device == "cuda" else float("nan")
    total_min = (setup_and_warmup + (opts.epochs - 1) * epoch_s) / 60
    print(
        f"{arch:<9} {dataset:<12} batch {recipe.batch_size:>3} "
        f"params {param_count(result.model) / 1e6:5.2f}M | "
        f"train {record.images_per_s:>9.0f} img/s ({train_s:6.1f} s) | "
        f"eval x{opts.eval_sets} {eval_s:5.1f} s | epoch incl. checkpoints {epoch_s:6.1f} s | "
        f"peak GPU {peak:5.2f} GiB | {opts.epochs} epochs ~ {total_min:6.1f} min",
        flush=True,
    )
    return Rates(record.images_per_s, n_test * opts.eval_sets / eval_s, setup_and_warmup - epoch_s)


# Images per evaluate-job eval set, by name; CIFAR-10-C is 50 cells of the test split.
CIFAR10C_CELLS = 50


def sweep_workload(sweep: str) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    """Per architecture: training images, per-epoch eval images, evaluate-job images and job
    counts of every train and evaluate job of ``sweep``'s plan; and the count of every stage."""
    import grid

    the_plan = grid.plan(sweep, [])
    work: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    stages: dict[str, int] = defaultdict(int)
    train_arch: dict[str, str] = {}
    for job in the_plan.jobs:
        stages[job.stage] += 1
        if job.stage != "train":
            continue
        config = job.config
        name = config["dataset"]["name"]
        n_train, n_test, _, _ = SIZES[name]
        settings = the_plan.settings[next(iter(the_plan.settings))]
        n_train = settings["data"]["train_limit"] or n_train
        n_test = settings["data"]["test_limit"] or n_test
        tset = config["train_set"]
        images = n_train * (tset["top_k"] if tset.get("joined") else 1)
        epochs = config["recipe"]["epochs"]
        arch = config["arch"]
        train_arch[job.signature] = arch
        work[arch]["train_jobs"] += 1
        work[arch]["train_images"] += epochs * images
        work[arch]["epoch_eval_images"] += epochs * n_test * len(config["eval_sets"])
        work[arch]["n_test"] = n_test
    for job in the_plan.jobs:
        if job.stage != "evaluate":
            continue
        trained = [s for sigs in job.inputs.values() for s in sigs if s in train_arch]
        arch = train_arch[trained[0]]
        n_test = work[arch]["n_test"]
        sets = job.config["eval_sets"]
        cells = len(job.config.get("corruptions") or range(10)) * len(job.config["severities"])
        work[arch]["evaluate_jobs"] += 1
        work[arch]["evaluate_images"] += n_test * (
            sum(1 for s in sets if s != "cifar10c") + (cells if "cifar10c" in sets else 0)
        )
    return work, dict(stages)


def project_sweep(sweep: str, rates: dict[str, Rates], device: str) -> None:
    """Print the projected one-device time of ``sweep``'s training and evaluation."""
    work, stages = sweep_workload(sweep)
    total_s = 0.0
    print(f"sweep {sweep} on {device}: " + ", ".join(f"{n} {s}" for s, n in stages.items()))
    for arch, w in work.items():
        if arch not in rates:
            print(f"  {arch}: no rate measured (add it to --archs or --rates)")
            continue
        r = rates[arch]
        train_s = w["train_images"] / r.train_per_s
        eval_images = w["epoch_eval_images"] + w["evaluate_images"]
        eval_s = eval_images / r.eval_per_s
        startup = (w["train_jobs"] + w["evaluate_jobs"]) * max(r.startup_s, 0.0)
        total_s += train_s + eval_s + startup
        print(
            f"  {arch:<9} {int(w['train_jobs'])} train jobs, {w['train_images'] / 1e6:7.1f} M "
            f"training images ({train_s / 3600:5.2f} h) | {int(w['evaluate_jobs'])} evaluate "
            f"jobs + per-epoch evaluation, {eval_images / 1e6:6.1f} M images "
            f"({eval_s / 3600:5.2f} h) | start-up {startup / 3600:4.2f} h"
        )
    print(
        f"  projected training + evaluation: {total_s / 3600:.1f} h on one {device} "
        "(codec fits, encodes and CIFAR-10-C generation not included)",
        flush=True,
    )


def parse_rates(text: str) -> dict[str, Rates]:
    """``vgg11=20000/60000,resnet18=8000/25000`` -> train/eval images per second per arch."""
    rates = {}
    for item in text.split(","):
        arch, value = item.split("=")
        train_rate, eval_rate = value.split("/")
        rates[arch] = Rates(float(train_rate), float(eval_rate), 0.0)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", default="vgg11,resnet18")
    parser.add_argument("--dataset", default="cifar10", choices=sorted(SIZES))
    parser.add_argument("--epochs", type=int, default=30, help="epochs of the projected run")
    parser.add_argument("--eval-sets", type=int, default=1, choices=(1, 2),
                        help="test sets evaluated per epoch (2: clean + compressed)")  # fmt: skip
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="512 train / 256 test images")
    parser.add_argument("--sweep", help="also project this sweep's training and evaluation")
    parser.add_argument("--rates", help="arch=train/eval images/s,...: assumed, not measured")
    opts = parser.parse_args()
    if opts.rates:
        if not opts.sweep:
            parser.error("--rates needs --sweep")
        project_sweep(opts.sweep, parse_rates(opts.rates), "device at ASSUMED rates " + opts.rates)
        return
    n_train, n_test, _, _ = SIZES[opts.dataset]
    if opts.quick:
        n_train, n_test = 512, 256
    name = torch.cuda.get_device_name() if opts.device == "cuda" else "cpu"
    print(f"device {name}, torch {torch.__version__}, {n_train} train / {n_test} test images, "
          f"bf16 autocast + channels-last: {opts.device == 'cuda'}")  # fmt: skip
    rates = {arch: project(arch, opts.dataset, n_train, n_test, opts)
             for arch in opts.archs.split(",")}  # fmt: skip
    if opts.sweep:
        project_sweep(opts.sweep, rates, name)


if __name__ == "__main__":
    main()
