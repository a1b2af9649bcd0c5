"""Data benchmark: images/s for loading each format (cold, cached) and for making CIFAR-10-C.

Every loading row ends with the pixels in memory: the loaders return a lazy, read-only memory
map, so each timed call also copies the images into an in-memory array (``np.array``), which
reads every pixel. Each row's ratio is against the naive loader of the same format, measured
in the same run: image folders against a sequential PIL decoding loop without cache; python
batches against ``pickle.load`` of the batch file plus the reshape / transpose to (N, 32, 32,
3), the usual CIFAR-10 code. "Cached" rows read the cache after the cold row wrote it (so from
the OS page cache) and, like the naive unpickle, are the best of 3 runs; cold and PIL rows run
once. Corruptions are compared with applying them one image at a time. Real data comes from
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


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The fastest of ``runs`` timed calls of ``fn`` (and its last result)."""
    results = [timed(fn) for _ in range(runs)]
    return min(t for t, _ in results), results[-1][1]


def in_memory(dataset) -> np.ndarray:
    """The dataset's images copied into RAM: reads every pixel of a lazy memory map."""
    return np.array(dataset.images)


def report(
    what: str,
    n: int,
    seconds: float,
    naive_seconds_per_image: float | None = None,
    naive: str = "naive",
) -> None:
    rate = n / seconds
    line = f"{what:<50} {n:>7} images {seconds:8.3f} s {rate:>11,.0f} img/s"
    if naive_seconds_per_image:
        line += f"   x{rate * naive_seconds_per_image:,.1f} vs {naive}"
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


def naive_unpickle(batch: Path) -> np.ndarray:
    """The usual CIFAR-10 python-batch code: unpickle, reshape, transpose to NHWC in memory."""
    with open(batch, "rb") as f:
        data = pickle.load(f, encoding="bytes")[b"data"]
    return np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def bench_loading(work: Path, n: int) -> np.ndarray:
    seconds, data = timed(lambda: load("synthetic", "train"))
    report("synthetic train (generated in memory)", len(data), seconds)
    root = cifar_folder(work, n // 10)
    files = [f for d in sorted((root / "test").iterdir()) for f in list_images(d)]
    naive, _ = timed(lambda: naive_decode(files))
    report("cifar10 image folder: naive PIL loop (baseline)", len(files), naive)
    pil = naive / len(files)
    cache = work / "cache"

    def folder() -> np.ndarray:
        return in_memory(load("cifar10", "test", root=root, cache_dir=cache))

    cold, images = timed(folder)
    report("cifar10 image folder: cold (decode + cache)", len(images), cold, pil, "PIL loop")
    warm, images = best_of(3, folder)
    report("cifar10 image folder: cached", len(images), warm, pil, "PIL loop")
    labels = load("cifar10", "test", root=root, cache_dir=cache).labels
    batches = cifar_batches(work, images, labels)
    naive, _ = best_of(3, lambda: naive_unpickle(batches / "test_batch"))
    report("cifar10 python batches: naive unpickle (baseline)", len(images), naive)
    unpickle = naive / len(images)

    def python_batches() -> np.ndarray:
        return in_memory(load("cifar10", "test", root=batches, cache_dir=cache))

    cold, data = timed(python_batches)
    report("cifar10 python batches: cold (unpickle + cache)", len(data), cold, unpickle, "unpickle")
    warm, data = best_of(3, python_batches)
    report("cifar10 python batches: cached", len(data), warm, unpickle, "unpickle")
    if (SHARED / "tiny-imagenet-200-subset.tar.gz").is_file():
        with tarfile.open(SHARED / "tiny-imagenet-200-subset.tar.gz") as tar:
            tar.extractall(work, filter="data")
        tiny = work / "tiny-imagenet-200"

        def tinyimagenet() -> np.ndarray:
            return in_memory(load("tinyimagenet", "train", root=tiny, cache_dir=cache))

        cold, data = timed(tinyimagenet)
        report("tinyimagenet train (64x64): cold", len(data), cold)
        warm, data = best_of(3, tinyimagenet)
        report("tinyimagenet train (64x64): cached", len(data), warm)
    return images


def bench_cifar10c(images: np.ndarray, naive_n: int) -> None:
    total = naive_total = 0.0
    few = images[:naive_n]
    for corruption in CORRUPTIONS:
        seconds, _ = timed(lambda c=corruption: corrupt(images, c, 3, seed=0))
        naive, _ = timed(lambda c=corruption: [corrupt(im[None], c, 3, seed=0) for im in few])
        report(
            f"corrupt {corruption} (severity 3)",
            len(images),
            seconds,
            naive / naive_n,
            f"per-image ({naive_n} images)",
        )
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
