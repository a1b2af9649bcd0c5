"""Throughput of every codec on CIFAR-sized images, and of a full split encode.

Each comparison is like with like, on the same images in the same run:

- batched ``encode`` in ONE process vs the best simple per-image loop a user would write in
  one process (JPEG: Pillow round trip per image; learned codecs: forward pass and rANS
  coding per image with the entropy modules taken once, no copies; pixel codecs: ``encode``
  of one image per call);
- process-level parallelism on its own rows: the same batched ``encode`` spread over all
  cores (from the first image: ``min_per_worker=1``) vs its single-process run, pool
  start-up included (it dominates at small sizes);
- the split encode (JPEG q20, per-image MSE/PSNR/SSIM with ``lcc.metrics``, reconstructions
  to a memory-mapped .npy) vs a per-image loop computing the same metrics with the same
  implementation and writing the same kind of memory-mapped .npy, both in one process; then
  the split encode over all cores vs in one process.

Learned codecs run twice: freshly initialised after ``update()`` (``bls``, ``bmhj``), and
``bls`` after a brief fit (``bls trained``: ``--fit-steps`` Adam steps on the same synthetic
training images, :func:`_briefly_trained`; the fit is not timed). rANS coding's cost depends
on the symbols it codes, and a fit changes them (the coded bpp of both is printed), so the
untrained rows alone do not give a trained codec's speed; a fit of a few hundred steps is
still far from the thesis' codecs (hundreds of thousands of steps), whose rates and speeds
differ again.

Every rate is the best of ``--repeats`` timed runs after an untimed warm-up call.

    .venv/bin/python benchmarks/bench_codecs.py [--size 2000] [--learned-size 512] [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from lcc.codecs import encode_split, fit, get
from lcc.codecs.architectures import (
    analyse,
    build_model,
    coded_bits,
    entropy_modules,
    estimated_bits,
    pad_to_multiple,
)
from lcc.codecs.jpeg import JpegCodec, encode_one
from lcc.codecs.learned import LearnedCodec, load_learned
from lcc.codecs.parallel import default_workers
from lcc.data import load
from lcc.metrics import mse, psnr, ssim
from lcc.specs.fit_recipe import FitRecipe

REPEATS = 3
LAMBDA = 0.01  # the λ of every learned codec here
FIT_BATCH = 16  # images per step of the brief fit (32x32 crops: whole images)


def _rate(fn, n: int) -> float:
    """Images per second of ``fn()`` over ``n`` images: the best of :data:`REPEATS` runs
    (callers also warm up first), so one-off stalls on a shared machine count for neither side."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return n / best


def _loop_codec(codec, images: np.ndarray) -> None:
    """Pixel codecs: one ``encode`` call per image (they have no per-call overhead to avoid)."""
    for i in range(len(images)):
        codec.encode(images[i : i + 1], first_index=i)


def _loop_jpeg(quality: int, images: np.ndarray) -> None:
    """JPEG: the Pillow round trip (decoded image, content and file bits) per image."""
    for image in images:
        encode_one(image, quality)


def _loop_learned(codec: LearnedCodec, images: np.ndarray) -> None:
    """Learned codec: per image, the forward pass (reconstruction, estimated bits) and the rANS
    coding (actual bits), entropy modules fetched once and used in place."""
    model = codec.model
    modules = entropy_modules(model)
    with torch.no_grad():
        for image in images:
            x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0
            result = analyse(model, pad_to_multiple(x, codec.multiple))
            x_hat = result.x_hat[..., : image.shape[0], : image.shape[1]].clamp(0, 1)
            x_hat.mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
            estimated_bits(result.likelihoods)
            coded_bits(modules, result.coding)


def _untrained(name: str, **kwargs) -> LearnedCodec:
    torch.manual_seed(0)
    model = build_model(name)
    model.update(force=True)
    return LearnedCodec(name, LAMBDA, model, **kwargs)


def _briefly_trained(name: str, images: np.ndarray, steps: int, workdir: Path) -> int:
    """Fit codec ``name`` at :data:`LAMBDA` on uint8 ``images`` (N, 32, 32, 3) for about
    ``steps`` Adam steps (whole epochs of :data:`FIT_BATCH` images, lr 1e-3, seed 0) into
    ``workdir``; returns the steps done. The benchmark's one call of :func:`lcc.codecs.fit`."""
    per_epoch = max(1, min(steps, len(images) // FIT_BATCH))
    recipe = FitRecipe(
        epochs=max(1, round(steps / per_epoch)),
        max_steps_per_epoch=per_epoch,
        batch_size=FIT_BATCH,
        crop=images.shape[1],
        lr=1e-3,
        aux_lr=1e-3,
        seed=0,
    )
    rows = fit(name, LAMBDA, images, recipe, workdir=workdir)
    return rows[-1]["steps"]


def _trained(name: str, workdir: Path, **kwargs) -> LearnedCodec:
    """The codec :func:`_briefly_trained` fit into ``workdir``, with ``kwargs`` (workers)."""
    return LearnedCodec(name, LAMBDA, load_learned(name, LAMBDA, workdir).model, **kwargs)


def _coded_bpp(codec: LearnedCodec, images: np.ndarray) -> float:
    """Mean coded bits per pixel of ``codec`` on ``images`` (rANS string lengths)."""
    bits = codec.encode(images).bits_actual
    return float(bits.mean()) / (images.shape[1] * images.shape[2])


def _row(label: str, fast: float, slow: float) -> None:
    print(f"{label:<34}{fast:>12.0f}{slow:>12.0f}{fast / slow:>9.2f}x")


def bench_codecs(
    images: np.ndarray, learned_images: np.ndarray, workers: int, trained: Path | None
) -> None:
    """Sections 1 and 2; ``trained``: the folder :func:`_briefly_trained` fit bls into (None:
    no trained rows)."""
    bmhj_images = learned_images[: len(learned_images) // 4]
    print("\n1) batched encode vs per-image loop, both in ONE process")
    print(f"{'codec (images)':<34}{'batched/s':>12}{'loop/s':>12}{'speed-up':>10}")
    cases = [("jpeg q20", JpegCodec(20, workers=1), lambda d: _loop_jpeg(20, d), images)]
    pixel = [("noise 0.1", "noise", 0.1), ("blur 5", "blur", 5), ("identity", "identity", None)]
    for label, name, level in pixel:
        codec = get(name, level)
        cases.append((label, codec, lambda d, c=codec: _loop_codec(c, d), images))
    bls, bmhj = _untrained("bls", workers=1), _untrained("bmhj", workers=1)
    cases += [
        ("bls", bls, lambda d: _loop_learned(bls, d), learned_images),
        ("bmhj", bmhj, lambda d: _loop_learned(bmhj, d), bmhj_images),
    ]
    if trained is not None:
        fitted = _trained("bls", trained, workers=1)
        cases.append(("bls trained", fitted, lambda d: _loop_learned(fitted, d), learned_images))
    for label, batched, loop, data in cases:
        batched.encode(data[:2])  # warm-up: first-call costs (allocations, lazy init) untimed
        loop(data[:2])
        fast = _rate(lambda b=batched, d=data: b.encode(d), len(data))
        slow = _rate(lambda f=loop, d=data: f(d), len(data))
        _row(f"{label} ({len(data)})", fast, slow)

    print(f"\n2) process-level parallelism: batched encode over {workers} processes vs 1 process")
    print(f"{'codec (images)':<34}{'N procs/s':>12}{'1 proc/s':>12}{'speed-up':>10}")
    parallel = [
        ("jpeg q20", JpegCodec(20, workers=workers, min_per_worker=1), JpegCodec(20, workers=1)),
        ("bls (entropy coding)", _untrained("bls", workers=workers, min_per_worker=1), bls),
    ]
    if trained is not None:
        many = _trained("bls", trained, workers=workers, min_per_worker=1)
        parallel.append(("bls trained (entropy coding)", many, fitted))
    for label, many, one in parallel:
        data = images if label.startswith("jpeg") else learned_images
        one.encode(data[:2])  # warm-up (the pool's start-up stays in the N-process timing)
        fast = _rate(lambda c=many, d=data: c.encode(d), len(data))
        slow = _rate(lambda c=one, d=data: c.encode(d), len(data))
        _row(f"{label} ({len(data)})", fast, slow)
    if trained is not None:
        untrained_bpp, trained_bpp = (
            _coded_bpp(bls, learned_images),
            _coded_bpp(fitted, learned_images),
        )
        print(f"(bls coded bpp: untrained {untrained_bpp:.3f}, trained {trained_bpp:.3f})")


def _loop_split(images: np.ndarray, out_file: Path) -> dict[str, np.ndarray]:
    """Per image: JPEG q20 round trip, MSE/PSNR/SSIM with lcc.metrics, reconstruction into a
    memory-mapped .npy, as encode_split writes."""
    out = np.lib.format.open_memmap(out_file, mode="w+", dtype=np.uint8, shape=images.shape)
    columns = {name: np.empty(len(images)) for name in ("bits", "mse", "psnr", "ssim")}
    for i in range(len(images)):
        original = images[i : i + 1]
        out[i], columns["bits"][i], _ = encode_one(images[i], 20)
        recon = out[i : i + 1]
        columns["mse"][i] = mse(original, recon)[0]
        columns["psnr"][i] = psnr(original, recon)[0]
        columns["ssim"][i] = ssim(original, recon)[0]
    out.flush()
    del out
    return columns


def bench_split(images: np.ndarray, workers: int) -> None:
    n = len(images)
    print("\n3) split encode: jpeg q20 + per-image MSE/PSNR/SSIM (lcc.metrics) -> memmap .npy")
    print(f"{'comparison (images)':<34}{'fast/s':>12}{'base/s':>12}{'speed-up':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.npy", Path(tmp) / "b.npy"
        one = _rate(lambda: encode_split(JpegCodec(20, workers=1), images, a), n)
        loop = _rate(lambda: _loop_split(images, b), n)
        same = np.array_equal(np.load(a, mmap_mode="r"), np.load(b, mmap_mode="r"))
        _row(f"encode_split vs loop, 1 proc ({n})", one, loop)
        many = _rate(
            lambda: encode_split(JpegCodec(20, workers=workers, min_per_worker=1), images, a), n
        )
        _row(f"encode_split {workers} procs vs 1 ({n})", many, one)
    print(f"(reconstructions identical between encode_split and the loop: {same})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="images for pixel codecs/split")
    parser.add_argument("--learned-size", type=int, default=512, help="images for bls (bmhj /4)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per rate (best kept)")
    parser.add_argument(
        "--fit-steps", type=int, default=300, help="steps of the brief bls fit (0: no fit)"
    )
    args = parser.parse_args()
    global REPEATS
    REPEATS = max(1, args.repeats)
    data = load("synthetic", "train", limit=args.size).images
    workers = default_workers()
    print(
        f"{len(data)} synthetic 32x32 images, {torch.get_num_threads()} torch threads, "
        f"{workers} cores for the multi-process rows; rates in images per second, "
        f"best of {REPEATS} timed runs after a warm-up"
    )
    with tempfile.TemporaryDirectory() as tmp:
        trained = None
        if args.fit_steps > 0:
            trained = Path(tmp) / "bls"
            started = time.perf_counter()
            steps = _briefly_trained("bls", np.ascontiguousarray(data), args.fit_steps, trained)
            print(
                f"bls trained: fit for {steps} steps (batch {FIT_BATCH}, lambda {LAMBDA}) on the "
                f"{len(data)} images in {time.perf_counter() - started:.0f} s (not timed below)"
            )
        bench_codecs(
            np.ascontiguousarray(data),
            np.ascontiguousarray(data[: args.learned_size]),
            workers,
            trained,
        )
    bench_split(np.ascontiguousarray(data), workers)


if __name__ == "__main__":
    main()
