"""Throughput of every codec on CIFAR-sized images, and of a full split encode.

Each codec's batched ``encode`` (JPEG across processes, learned codecs in batches with
entropy coding across processes) is timed beside a naive loop that encodes one image per
call, on the same images in the same run. Learned codecs use freshly initialised networks
after ``update()``: their speed does not depend on training. The split encode (JPEG q20 with
per-image MSE/PSNR/SSIM streamed to a memory-mapped .npy) is compared with a per-image loop
using scikit-image's SSIM.

    .venv/bin/python benchmarks/bench_codecs.py [--size 2000] [--learned-size 512]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from skimage.metrics import structural_similarity

from lcc.codecs import encode_split, get
from lcc.codecs.architectures import build_model
from lcc.codecs.jpeg import JpegCodec
from lcc.codecs.learned import LearnedCodec
from lcc.data import load


def _rate(fn, n: int) -> float:
    started = time.perf_counter()
    fn()
    return n / (time.perf_counter() - started)


def _naive(codec, images: np.ndarray) -> None:
    for i in range(len(images)):
        codec.encode(images[i : i + 1], first_index=i)


def _untrained(name: str, **kwargs) -> LearnedCodec:
    torch.manual_seed(0)
    model = build_model(name)
    model.update(force=True)
    return LearnedCodec(name, 0.01, model, **kwargs)


def bench_codecs(images: np.ndarray, learned_images: np.ndarray) -> None:
    print(f"{'codec':<16}{'batched img/s':>15}{'naive img/s':>14}{'speed-up':>10}")
    cases = [
        ("jpeg q20", JpegCodec(20), JpegCodec(20, workers=1), images),
        ("noise 0.1", get("noise", 0.1), get("noise", 0.1), images),
        ("blur 5", get("blur", 5), get("blur", 5), images),
        ("identity", get("identity", None), get("identity", None), images),
        ("bls", _untrained("bls"), _untrained("bls", batch_size=1, workers=1), learned_images),
        (
            "bmhj",
            _untrained("bmhj"),
            _untrained("bmhj", batch_size=1, workers=1),
            learned_images[: len(learned_images) // 4],
        ),
    ]
    for label, batched, single, data in cases:
        fast = _rate(lambda b=batched, d=data: b.encode(d), len(data))
        slow = _rate(lambda s=single, d=data: _naive(s, d), len(data))
        print(f"{label:<16}{fast:>15.0f}{slow:>14.0f}{fast / slow:>9.1f}x")


def _naive_split(images: np.ndarray, out: np.ndarray) -> None:
    codec = JpegCodec(20, workers=1)
    for i in range(len(images)):
        out[i] = codec.encode(images[i : i + 1]).reconstructions[0]
        diff = images[i].astype(float) - out[i]
        10 * np.log10(255**2 / max((diff**2).mean(), 1e-12))
        structural_similarity(images[i], out[i], channel_axis=-1, data_range=255)


def bench_split(images: np.ndarray) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fast = _rate(
            lambda: encode_split(JpegCodec(20), images, Path(tmp) / "a.npy", chunk=4096),
            len(images),
        )
    slow = _rate(lambda: _naive_split(images, np.empty_like(images)), len(images))
    print(
        f"split encode (jpeg q20 + MSE/PSNR/SSIM), {len(images)} images: "
        f"{fast:.0f} img/s streamed vs {slow:.0f} img/s per-image loop ({fast / slow:.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="images for pixel codecs/split")
    parser.add_argument("--learned-size", type=int, default=512, help="images for bls (bmhj /4)")
    args = parser.parse_args()
    data = load("synthetic", "train", limit=args.size).images
    print(f"{len(data)} synthetic 32x32 images, {torch.get_num_threads()} torch threads")
    bench_codecs(np.ascontiguousarray(data), np.ascontiguousarray(data[: args.learned_size]))
    bench_split(np.ascontiguousarray(data))


if __name__ == "__main__":
    main()
