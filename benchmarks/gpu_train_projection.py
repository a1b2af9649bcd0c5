"""Projected wall time of a 30-epoch thesis training run on one GPU (a prepared device check).

Runs ``lcc.train.train`` itself, the code path of the train stage, with the full recipe's
settings (thesis SGD, batch 128 on CIFAR-10 / 200-300 on Tiny ImageNet, batched on-device
augmentation, bf16 autocast + channels-last on CUDA, per-epoch evaluation and checkpoints) on
random uint8 images of the dataset's full size (50,000 / 100,000 training and 10,000 test
images; throughput does not depend on content). Epoch 1 warms up (cuDNN autotuning); the time
from epoch 1's checkpoint to epoch 2's is one full epoch. Prints training images/s, the
epoch's time split, peak GPU memory and the projected time for ``--epochs`` epochs.

    python benchmarks/gpu_train_projection.py                 # on the GPU machine
    .venv/bin/python benchmarks/gpu_train_projection.py --quick   # a CPU smoke run (tiny sizes)
"""

from __future__ import annotations

import argparse
import tempfile
import time
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


def project(arch: str, dataset: str, n_train: int, n_test: int, opts) -> None:
    """Train two epochs of ``arch`` and print the measured rates and the projection."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", default="vgg11,resnet18")
    parser.add_argument("--dataset", default="cifar10", choices=sorted(SIZES))
    parser.add_argument("--epochs", type=int, default=30, help="epochs of the projected run")
    parser.add_argument("--eval-sets", type=int, default=1, choices=(1, 2),
                        help="test sets evaluated per epoch (2: clean + compressed)")  # fmt: skip
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="512 train / 256 test images")
    opts = parser.parse_args()
    n_train, n_test, _, _ = SIZES[opts.dataset]
    if opts.quick:
        n_train, n_test = 512, 256
    name = torch.cuda.get_device_name() if opts.device == "cuda" else "cpu"
    print(f"device {name}, torch {torch.__version__}, {n_train} train / {n_test} test images, "
          f"bf16 autocast + channels-last: {opts.device == 'cuda'}")  # fmt: skip
    for arch in opts.archs.split(","):
        project(arch, opts.dataset, n_train, n_test, opts)


if __name__ == "__main__":
    main()
