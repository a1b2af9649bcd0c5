"""Data benchmark: images/s for loading each format (cold, cached) and for making CIFAR-10-C.

Each figure is printed next to the naive per-image loop measured in the same run (sequential
PIL decoding without cache; corruptions applied one image at a time). Real data comes from
``../shared/data`` when present (extracted to a temporary folder, not timed); otherwise the
real-format rows are built from the synthetic set.

    .venv/bin/python benchmarks/bench_data.py            # quick: about a minute
    .venv/bin/python benchmarks/bench_data.py --size full  # 10,000 test images, all of it
"""

from __future__ import annotations

import argparse
import pickle
import re
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from lcc.data import CORRUPTIONS, corrupt, load
from lcc.data.decode import list_images

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SIZES = {"quick": {"images": 2000, "naive": 100}, "full": {"images": 10000, "naive": 300}}


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def report(what: str, n: int, seconds: float, naive_seconds_per_image: float | None = None) -> None:
    rate = n / seconds
    line = f"{what:<46} {n:>7} images {seconds:8.2f} s {rate:>11,.0f} img/s"
    if naive_seconds_per_image:
        line += f"   x{rate * naive_seconds_per_image:,.1f} vs naive"
    print(line, flush=True)


def cifar_folder(work: Path, per_class: int) -> Path:
    """``{test}/<class>/*.jpg`` with ``per_class`` real images per class (or synthetic PNGs)."""
    root = work / "cifar10-folder"
    if (SHARED / "cifar10-jpeg75.tar.gz").is_file():
        pattern = re.compile(r"cifar10-jpeg75/test/[^/]+/(\d+)\.jpg$")
        with tarfile.open(SHARED / "cifar10-jpeg75.tar.gz") as tar:
            for member in tar:
                m = pattern.match(member.name)
                if m and int(m.group(1)) < per_class:
                    tar.extract(member, work, filter="data")
        (work / "cifar10-jpeg75").rename(root)
        return root
    data = load("synthetic", "train", limit=10 * per_class)
    for i, (image, label) in enumerate(zip(data.images, data.labels, strict=True)):
        folder = root / "test" / data.classes[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:05d}.png")
    return root


def cifar_batches(work: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    """The python-batch layout holding ``images`` as its test batch."""
    root = work / "cifar-10-batches-py"
    root.mkdir()
    names = [n.encode() for n in load("synthetic", "test", limit=10).classes]
    (root / "batches.meta").write_bytes(pickle.dumps({b"label_names": names}))
    flat = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {b"data": flat, b"labels": labels.tolist()}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (root / name).write_bytes(pickle.dumps(batch))
    return root


def naive_decode(files: list[Path]) -> np.ndarray:
    return np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files])


def bench_loading(work: Path, n: int) -> np.ndarray:
    seconds, data = timed(lambda: load("synthetic", "train"))
    report("synthetic train (generated)", len(data), seconds)
    root = cifar_folder(work, n // 10)
    files = [f for d in sorted((root / "test").iterdir()) for f in list_images(d)]
    naive, _ = timed(lambda: naive_decode(files))
    report("cifar10 image folder: naive PIL loop", len(files), naive)
    per_image = naive / len(files)
    cache = work / "cache"
    cold, data = timed(lambda: load("cifar10", "test", root=root, cache_dir=cache))
    report("cifar10 image folder: cold (decode + cache)", len(data), cold, per_image)
    warm, data = timed(lambda: load("cifar10", "test", root=root, cache_dir=cache))
    report("cifar10 image folder: cached", len(data), warm, per_image)
    batches = cifar_batches(work, np.asarray(data.images), data.labels)
    cold, data = timed(lambda: load("cifar10", "test", root=batches, cache_dir=cache))
    report("cifar10 python batches: cold", len(data), cold, per_image)
    warm, data = timed(lambda: load("cifar10", "test", root=batches, cache_dir=cache))
    report("cifar10 python batches: cached", len(data), warm, per_image)
    if (SHARED / "tiny-imagenet-200-subset.tar.gz").is_file():
        with tarfile.open(SHARED / "tiny-imagenet-200-subset.tar.gz") as tar:
            tar.extractall(work, filter="data")
        tiny = work / "tiny-imagenet-200"
        cold, data = timed(lambda: load("tinyimagenet", "train", root=tiny, cache_dir=cache))
        report("tinyimagenet train (64x64): cold", len(data), cold)
        warm, data = timed(lambda: load("tinyimagenet", "train", root=tiny, cache_dir=cache))
        report("tinyimagenet train (64x64): cached", len(data), warm)
    return np.asarray(load("cifar10", "test", root=root, cache_dir=cache).images)


def bench_cifar10c(images: np.ndarray, naive_n: int) -> None:
    total = naive_total = 0.0
    few = images[:naive_n]
    for corruption in CORRUPTIONS:
        seconds, _ = timed(lambda c=corruption: corrupt(images, c, 3, seed=0))
        naive, _ = timed(lambda c=corruption: [corrupt(im[None], c, 3, seed=0) for im in few])
        report(f"corrupt {corruption} (severity 3)", len(images), seconds, naive / naive_n)
        total += seconds / len(images)
        naive_total += naive / naive_n
    full = 5 * 10_000
    print(
        f"estimated full CIFAR-10-C (10 corruptions x 5 severities x 10,000 images): "
        f"{total * full / 60:.1f} min vectorised, {naive_total * full / 60:.1f} min naive"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    size = SIZES[parser.parse_args().size]
    with tempfile.TemporaryDirectory() as tmp:
        images = bench_loading(Path(tmp), size["images"])
        bench_cifar10c(images, size["naive"])


if __name__ == "__main__":
    main()
