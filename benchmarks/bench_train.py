"""Training throughput: this suite's device-resident pipeline vs. a torchvision DataLoader.

For each model, two pipelines train the same network (same seed, thesis SGD settings, CIFAR
crop+flip augmentation, normalisation) on the same uint8 CIFAR-size images:

- ``lcc``: images live as one uint8 tensor on the device; each batch is cropped, flipped and
  normalised with a few batched tensor ops (``lcc.train.loop.train_epoch``);
- ``torchvision``: ``DataLoader`` over a Dataset yielding PIL images through
  ``transforms.Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(),
  Normalize])``, the usual CIFAR-10 training code. It runs twice, as two baseline rows: with
  0 workers (the data prepared in the training process), and in its best setting, with
  ``--workers`` worker processes (default: as many as this process may use CPU cores),
  ``persistent_workers=True``, and pinned memory on CUDA only (on CPU it only adds a copy).

Timing: every pipeline first runs one untimed warm-up epoch of its data path (for the
DataLoader this starts the persistent workers, so their start-up is not timed; the model
trains on that epoch's first batch only, as lcc's warm-up trains one batch), then one timed
epoch. Each measurement runs in a fresh process, so its peak resident memory (``ru_maxrss`` of
the training process, workers not counted; on CUDA also ``torch.cuda.max_memory_allocated``)
is its own. A data-only row per pipeline (augment + normalise, no model) shows the input
pipeline's own rate. Prints images/s, peak memory and, on each DataLoader row, the
lcc/torchvision images/s ratio against that row. The default run takes a few minutes on 2 CPU
cores.

    .venv/bin/python benchmarks/bench_train.py [--models vgg11,resnet18,vgg11-5]
        [--images 256] [--batch-size 64] [--workers N] [--device cpu] [--threads 1]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)  # lcc's "cifar10" entry


def fake_cifar(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random uint8 32x32 RGB images and labels (throughput does not depend on content)."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, n)


class ArrayDataset:
    """Map-style dataset of PIL images through ``transform`` (module level: picklable)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform) -> None:
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        from PIL import Image

        return self.transform(Image.fromarray(self.images[i])), int(self.labels[i])


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(model_name: str | None, pipeline: str, args: dict) -> dict:
    """Images/s of one (model, pipeline) after a warm-up epoch; runs in a fresh process."""
    import torch

    torch.set_num_threads(args["threads"])
    torch.manual_seed(0)
    device = torch.device(args["device"])
    images, labels = fake_cifar(args["images"])
    run = {"lcc": lcc_pipeline, "torchvision": torchvision_pipeline}[pipeline]
    step = run(model_name, images, labels, device, args)
    step(warmup=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    seen = step(warmup=False)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    gpu = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else float("nan")
    return {"images_per_s": seen / seconds, "peak_rss_mib": peak_rss_mib(), "peak_gpu_mib": gpu}


def make_training(model_name: str, device):
    """The model (channels-last on CUDA) and its thesis SGD optimizer."""
    import torch

    from lcc.models import build

    model = build(model_name, 10, 32).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    return model, optimizer


def lcc_pipeline(model_name, images, labels, device, args):
    """A step function running ``lcc.train``'s epoch (or, without a model, its data path)."""
    import torch

    from lcc.evaluate import get_normalization, to_device_images, to_device_labels
    from lcc.evaluate.device_images import model_input
    from lcc.train import Recipe
    from lcc.train.augment import augment
    from lcc.train.loop import train_epoch
    from lcc.train.progress import Progress

    recipe = Recipe.for_dataset("cifar10", "vgg11", batch_size=args["batch_size"])
    norm = get_normalization("cifar10")
    x, y = to_device_images(images, device), to_device_labels(labels, device)
    generator = torch.Generator(device).manual_seed(0)
    if model_name is None:

        def data_only(warmup: bool) -> int:  # the warm-up is a whole (untimed) epoch
            order = torch.randperm(len(x), generator=generator, device=device)
            for start in range(0, len(x), recipe.batch_size):
                batch = x[order[start : start + recipe.batch_size]]
                model_input(augment(batch, generator, recipe), norm)
            return len(x)

        return data_only
    model, optimizer = make_training(model_name, device)

    def epoch(warmup: bool) -> int:
        n = recipe.batch_size if warmup else len(x)
        return train_epoch(model, optimizer, x[:n], y[:n], recipe, generator, norm, Progress())[2]

    return epoch


def torchvision_pipeline(model_name, images, labels, device, args):
    """A step function running the classic DataLoader + transforms training loop."""
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader
    from torchvision import transforms

    transform = transforms.Compose([
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])  # fmt: skip

    workers = args["workers"]
    # fork (Linux's default before Python 3.14) shares the arrays with the workers instead of
    # pickling them; this process was itself spawned, so it must be asked for.
    fork = workers > 0 and "fork" in mp.get_all_start_methods()
    loader = DataLoader(ArrayDataset(images, labels, transform), batch_size=args["batch_size"],
                        shuffle=True, num_workers=workers, persistent_workers=workers > 0,
                        pin_memory=device.type == "cuda",
                        multiprocessing_context="fork" if fork else None)  # fmt: skip
    model, optimizer = (None, None) if model_name is None else make_training(model_name, device)

    def epoch(warmup: bool) -> int:
        """One epoch; the warm-up one iterates all the data but trains on one batch only."""
        seen = 0
        if model is not None:
            model.train()
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            seen += len(y)
            if model is not None and not (warmup and seen > len(y)):
                if device.type == "cuda":
                    x = x.contiguous(memory_format=torch.channels_last)
                with torch.autocast(device.type, torch.bfloat16, enabled=device.type == "cuda"):
                    logits = model(x).float()
                loss = F.cross_entropy(logits, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        return seen

    return epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="vgg11,resnet18,vgg11-5")
    parser.add_argument("--images", type=int, default=256, help="training images per epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parser.add_argument(
        "--workers",
        type=int,
        default=cores or 1,
        help="worker processes of the best-setting DataLoader row (default: usable CPU cores); "
        "a 0-worker DataLoader row is always printed too",
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (the "
        "CPU is shared: 2 spinning OpenMP threads can be far slower than 1)",
    )
    opts = parser.parse_args()
    args = {"images": opts.images, "batch_size": opts.batch_size,
            "device": opts.device, "threads": opts.threads}  # fmt: skip
    baselines = sorted({0, opts.workers})
    print(f"{opts.images} CIFAR-size images, batch {opts.batch_size}, device {opts.device}, "
          f"{opts.threads} torch thread(s) in the training process; timed: one epoch, after an "
          "untimed warm-up epoch")  # fmt: skip
    print(f"baselines: torchvision DataLoader with {' and with '.join(map(str, baselines))} "
          "worker(s) (persistent when > 0; pinned memory on CUDA); lcc/tv = lcc images/s "
          "divided by that row's images/s")  # fmt: skip
    header = f"{'model':<12} {'pipeline':<24} {'images/s':>10} {'peak RSS MiB':>13}"
    print(header + f" {'GPU MiB':>8} {'lcc/tv':>7}")
    context = mp.get_context("spawn")
    runs = [("lcc", "lcc", 0)] + [
        (f"torchvision, {w} worker{'s' * (w != 1)}", "torchvision", w) for w in baselines
    ]
    for model_name in [None, *opts.models.split(",")]:
        lcc_rate = None
        for label, pipeline, workers in runs:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                r = pool.submit(measure, model_name, pipeline, args | {"workers": workers})
                r = r.result()
            line = f"{model_name or '(data only)':<12} {label:<24} {r['images_per_s']:>10.1f} "
            line += f"{r['peak_rss_mib']:>13.0f} {r['peak_gpu_mib']:>8.0f}"
            if pipeline == "lcc":
                lcc_rate = r["images_per_s"]
            else:
                line += f" {lcc_rate / r['images_per_s']:>7.2f}x"
            print(line, flush=True)


if __name__ == "__main__":
    main()
