"""A synthetic results set in the on-disk layout of a real sweep, for tests and benchmarks.

:func:`write_synthetic_sweep` plans jobs (real :class:`grid.job.Job` objects, so signatures
and ``plan.json`` are genuine), writes each job's rows through the result store's own writer
into ``results/<sweep>/<table>/stage=<stage>/<signature>.parquet`` (each written job gets its
``job.json`` and done marker, as a launch leaves it), and optionally the encode jobs'
``images.npy``. Accuracies follow a smooth made-up law of the level plus seeded noise;
they mean nothing beyond exercising the analysis.

Each evaluate job also writes its ``predictions`` (one row per test image of each cell it
evaluates, ``SweepSpec.test_images`` images), and its ``evaluation`` rows are computed from
them: ``top1`` / ``top5`` over all images, ``select_*`` over the selection and ``judge_*``
over the judged images (:mod:`lcc.evaluate.holdout`), so the per-image evidence and the aggregate
rows agree exactly. ``SweepSpec.joined`` adds, per codec named, a joined set of its first two
levels (``<codec>:top2``) and its steps-matched controls (``<codec>:top2:part<r>``, level the
r-th listed, ``control_for`` the joined label), as a sweep with a selection plans them.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from grid.expand_contrastive import PROBE_CODEC_PREFIX, pair_label, probe_label
from grid.job import Job
from grid.plan import Plan, plan_path
from grid.store.files import atomic_write_parquet
from grid.store.folder import JobFolder
from grid.store.rows import to_table, view_path
from lcc.evaluate.holdout import JUDGE, SELECT, in_part


@dataclass
class SweepSpec:
    """What to simulate. ``skip`` holds job labels planned but left without rows."""

    datasets: tuple[str, ...] = ("cifar10",)
    archs: tuple[str, ...] = ("vgg11",)
    codecs: dict[str, list[float]] = field(
        default_factory=lambda: {"jpeg": [20.0, 60.0], "bls": [0.012, 0.1]}
    )
    seeds: int = 2
    images: int = 8  # images per encoded set (rate_distortion rows)
    saved_images: int = 8  # images written to images.npy (0: none)
    epochs: int = 3
    corruptions: tuple[str, ...] = ("gaussian_noise", "fog")
    severities: tuple[int, ...] = (1, 2)
    compressed_archs: tuple[str, ...] = ()  # also tested on compressed test data
    skip: tuple[str, ...] = ()
    fourier: bool = False  # also a Fourier heat map (stage fourier) per model of 32x32 data
    gabor: bool = False  # also Gabor response histograms (stage gabor) per training set
    saliency: bool = False  # also saliency maps (stage saliency) per model of 32x32 data
    test_images: int = 20  # test images per evaluated cell (predictions rows; n_images)
    joined: tuple[str, ...] = ()  # codecs given a joined set of their first two levels
    contrastive: tuple[str, ...] = ()  # codecs given a contrastive probe of their first two levels


def _noise(*key) -> float:
    """A reproducible number in [0, 1) from a key."""
    return (zlib.crc32(repr(key).encode()) % 10_000) / 10_000


def _write(root: Path, sweep: str, job: Job, table: str, rows: pd.DataFrame) -> None:
    _write_tables(root, sweep, job, {table: rows})


def _write_tables(root: Path, sweep: str, job: Job, tables: dict[str, pd.DataFrame]) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    provenance = {
        "signature": job.signature,
        "sweep": sweep,
        "git_commit": "synthetic",
        "code": "synthetic",
        "package_versions": json.dumps({"numpy": np.__version__, "pandas": pd.__version__}),
        "host": "synthetic-host",
        "slurm_job_id": None,
        "started_at": now,
        "finished_at": now,
        "device": "cpu",
    }
    # As a launch leaves a finished job: its spec, its done marker, then its rows in the view
    # (analysis.load counts only rows of done jobs).
    folder = JobFolder.of(root, job)
    folder.write_spec(job.to_dict())
    folder.mark_done({table: len(rows) for table, rows in tables.items()})
    for table, rows in tables.items():
        path = view_path(root, sweep, table, job.stage, job.signature)
        atomic_write_parquet(path, to_table(table, rows, provenance))


def _encode(root: Path, sweep: str, spec: SweepSpec, dataset: str, codec: str, level) -> Job:
    config = {"codec": codec, "level": level, "dataset": {"name": dataset}, "split": "train"}
    job = Job("encode", config, label=f"{dataset} train {codec}:{level}")
    if job.label in spec.skip:
        return job
    size = 64 if dataset in ("tinyimagenet", "synthetic-tiny") else 32
    quality = 0.5 if level is None else _quality(codec, level)
    rng = np.random.default_rng(zlib.crc32(job.signature.encode()))
    n = spec.images
    bpp = None if codec in ("identity", "noise", "blur") else 0.2 + 2.5 * quality
    rate = None if bpp is None else bpp + 0.1 * rng.standard_normal(n)
    # Coded bits: a learned codec's coded string is about 3 % above its estimate; JPEG's
    # content bits are its rate.
    coded = None if rate is None else rate * size * size * (1.03 if codec != "jpeg" else 1.0)
    rows = pd.DataFrame(
        {
            "dataset": dataset,
            "dataset_fingerprint": "synthetic",
            "split": "train",
            "codec": codec,
            "level": level,
            "image_index": np.arange(n),
            "label": np.arange(n) % 10,
            "pixels": size * size,
            "bits_estimated": None,
            "bits_actual": coded,
            "bits_file": None,
            "bpp": rate,
            "mse": 50 * (1 - quality) + rng.random(n),
            "psnr": 20 + 15 * quality + rng.random(n),
            "ssim": 0.5 + 0.45 * quality + 0.02 * rng.random(n),
        }
    )
    _write(root, sweep, job, "rate_distortion", rows)
    if spec.saved_images:
        folder = JobFolder.of(root, job)
        folder.path.mkdir(parents=True, exist_ok=True)
        images = rng.integers(0, 256, (spec.saved_images, size, size, 3), dtype=np.uint8)
        np.save(folder.images, images)
    return job


def _gate(root: Path, sweep: str, dataset: str, codec: str, level: float) -> Job:
    """A check-codec job's rows: a made-up JPEG curve and the codec 0.5 dB above it."""
    config = {"codec": codec, "level": level, "dataset": {"name": dataset}}
    job = Job("check-codec", config, label=f"{dataset} {codec}:{level} gate")
    reference = [
        {"codec": "jpeg", "level": float(q), "role": "reference", "bpp_coded": 0.3 + q / 30}
        for q in (1, 5, 10, 20, 40, 60)
    ]
    bpp = 0.2 + 2.5 * _quality(codec, level)
    rows = pd.DataFrame(
        [
            *reference,
            {"codec": codec, "level": level, "role": "candidate", "bpp_coded": bpp},
        ]
    )
    rows["dataset"], rows["n_images"] = dataset, 1000
    rows["bpp"], rows["bpp_std"] = rows["bpp_coded"], 0.1
    rows["psnr"] = 20 + 4 * rows["bpp_coded"]
    rows["ssim"] = 0.6 + 0.1 * rows["bpp_coded"]
    candidate = rows["role"] == "candidate"
    rows.loc[candidate, "psnr"] += 0.5
    rows.loc[candidate, "ssim"] += 0.01
    jpeg_psnr, jpeg_ssim = 20 + 4 * bpp, 0.6 + 0.1 * bpp
    rows["jpeg_psnr"] = np.where(candidate, jpeg_psnr, np.nan)
    rows["jpeg_ssim"] = np.where(candidate, jpeg_ssim, np.nan)
    rows["psnr_margin"] = np.where(candidate, 0.5, np.nan)
    rows["ssim_margin"] = np.where(candidate, 0.01, np.nan)
    # JPEG's scan header (0.125 bpp at 32x32) off its rates; the codec's have none: JPEG's
    # curve moves 0.125 bpp left, 0.5 dB and 0.0125 SSIM higher at the codec's rate
    rows["reference"] = "test"
    rows["bpp_no_header"] = rows["bpp_coded"] - np.where(candidate, 0.0, 0.125)
    rows["psnr_margin_no_header"] = np.where(candidate, 0.0, np.nan)
    rows["ssim_margin_no_header"] = np.where(candidate, -0.0025, np.nan)
    rows["extrapolated"] = [bool(bpp > 2.3) if c else None for c in candidate]
    rows["passes"] = [True if c else None for c in candidate]
    _write(root, sweep, job, "codec_gate", rows)
    return job


def _quality(codec: str, level: float) -> float:
    """A made-up quality in [0, 1] growing with the level's fidelity."""
    scale = {"jpeg": level / 100, "bls": level / 0.1, "bmhj": level / 0.1}
    if codec == "noise":
        return 1 - min(level, 1.0)
    if codec == "blur":
        return 1 - level / 10
    return float(min(scale.get(codec, 0.5), 1.0))


def _accuracy(base: float, *key) -> float:
    return float(np.clip(base + 0.05 * (_noise(*key) - 0.5), 0, 1))


def _train_and_evaluate(
    root, sweep, spec, dataset, arch, seed, codec, level, encode, kind=None
) -> list[Job]:
    """Train and evaluate jobs of one model. ``kind``: None for a single-level set; for a
    joined set ``{"label", "joined": True, "inputs"}``; for a steps-matched control
    ``{"label", "control_for", "rank", "inputs"}`` (level: the part's)."""
    kind = kind or {}
    label = kind.get("label") or ("original" if level is None else f"{codec}:{level:g}")
    joined = bool(kind.get("joined", False))
    control_for = kind.get("control_for")
    quality = 0.8 if level is None else _quality(codec, level)
    if joined:
        quality = 0.85
    # As grid/expand.py: a training evaluates each epoch on the clean test set only; its
    # evaluate job adds the compressed test set (single-level sets of compressed_archs).
    eval_sets = ["clean"]
    compressed = arch in spec.compressed_archs and not joined and not control_for
    train_set = {"label": label, "codec": codec, "level": None if joined else level}
    train_set["joined"] = joined
    if control_for:
        train_set.update(rank=kind["rank"], control_for=control_for)
    config = {
        "arch": arch,
        "dataset": {"name": dataset},
        "seed": seed,
        "train_set": train_set,
        "eval_sets": eval_sets,
    }
    inputs = kind.get("inputs") or {"train_data": (encode.signature,)}
    train = Job("train", config, inputs, label=f"{dataset} {arch} {label} seed {seed}")
    base = 0.5 + 0.4 * quality
    model = {
        "arch": arch,
        "dataset": dataset,
        "train_set": label,
        "codec": codec,
        "level": None if joined else level,
        "joined": joined,
        "seed": seed,
        "control_for": control_for,
    }
    if train.label not in spec.skip:
        curve = []
        for epoch in range(1, spec.epochs + 1):
            for eval_set in eval_sets:
                top1 = _accuracy(base * epoch / spec.epochs, train.signature, epoch, eval_set)
                top5 = _accuracy(min(1, 0.3 + base * epoch / spec.epochs), epoch, eval_set)
                shift = 0.02 * (_noise(train.signature, epoch, eval_set, "part") - 0.5)
                curve.append(
                    {
                        **model,
                        "epoch": epoch,
                        "train_loss": 1.0 / epoch,
                        "train_top1": 0.5,
                        "eval_set": eval_set,
                        "loss": 1.0,
                        "top1": top1,
                        "top5": top5,
                        "select_top1": float(np.clip(top1 + shift, 0, 1)),
                        "select_top5": float(np.clip(top5 + shift, 0, 1)),
                        "judge_top1": float(np.clip(top1 - shift, 0, 1)),
                        "judge_top5": float(np.clip(top5 - shift, 0, 1)),
                        "lr": 0.01,
                        "seconds": 1.0,
                        "images_per_s": 100.0,
                    }
                )
        _write(root, sweep, train, "train_curve", pd.DataFrame(curve))
    evaluate = Job(
        "evaluate",
        {"eval_sets": ["clean", *(["compressed"] if compressed else []), "cifar10c"]},
        {"model": (train.signature,)},
        label=train.label,
    )
    if evaluate.label in spec.skip or train.label in spec.skip:
        return [train, evaluate]
    cells = [("clean", None, None, _accuracy(base, evaluate.signature))]
    if compressed:
        cells.append(("compressed", None, None, _accuracy(base - 0.03, evaluate.signature, "c")))
    for corruption in spec.corruptions:
        for severity in spec.severities:
            acc = _accuracy(base - 0.08 * severity, evaluate.signature, corruption, severity)
            cells.append(("cifar10c", corruption, severity, acc))
    rows, predictions = [], []
    for eval_set, corruption, severity, target in cells:
        cell = {"eval_set": eval_set, "corruption": corruption, "severity": severity}
        hits = _predictions(spec.test_images, target, evaluate.signature, corruption, severity)
        predictions.append(pd.DataFrame({**model, **cell, **hits}))
        extra = {"n_images": spec.test_images, "loss": 1.0, **_accuracies(hits)}
        rows.append({**model, "best_epoch": spec.epochs, **cell, **extra})
    tables = {
        "evaluation": pd.DataFrame(rows),
        "predictions": pd.concat(predictions, ignore_index=True),
    }
    _write_tables(root, sweep, evaluate, tables)
    extra = []
    if spec.saliency and dataset not in ("tinyimagenet", "synthetic-tiny"):
        extra.append(_saliency(root, sweep, model, quality, train))
    if spec.fourier and dataset not in ("tinyimagenet", "synthetic-tiny"):
        return [train, evaluate, _fourier(root, sweep, model, quality, train), *extra]
    return [train, evaluate, *extra]


def _predictions(n: int, accuracy: float, *key) -> dict[str, np.ndarray]:
    """Per-image columns of one evaluated cell of ``n`` test images, about ``accuracy`` of
    them right (seeded by ``key``): image_index, predicted, top1, top5 (a superset of top1)."""
    rng = np.random.default_rng(zlib.crc32(repr(key).encode()))
    index = np.arange(n)
    top1 = rng.random(n) < accuracy
    labels = index % 10
    return {
        "image_index": index.astype(np.int32),
        "predicted": np.where(top1, labels, (labels + 1) % 10).astype(np.int16),
        "top1": top1,
        "top5": top1 | (rng.random(n) < 0.6),
    }


def _accuracies(hits: dict[str, np.ndarray]) -> dict[str, float]:
    """The evaluation row's accuracies from one cell's predictions: over all images and over
    each part of them (lcc.evaluate.holdout)."""
    out = {metric: float(hits[metric].mean()) for metric in ("top1", "top5")}
    for part in (SELECT, JUDGE):
        mask = in_part(hits["image_index"], part)
        for metric in ("top1", "top5"):
            out[f"{part}_{metric}"] = float(hits[metric][mask].mean()) if mask.any() else np.nan
    return out


def _fourier(root: Path, sweep: str, common: dict, quality: float, train: Job) -> Job:
    """A fourier job's rows: error growing with the frequency's radius, faster for a training
    set of lower quality."""
    job = Job("fourier", {"norm": 4.0, "images": 100}, {"model": (train.signature,)},
              label=f"{train.label} fourier")  # fmt: skip
    fy, fx = np.meshgrid(np.arange(32) - 16, np.arange(32) - 16, indexing="ij")
    radius = np.hypot(fy, fx).ravel() / 16
    error = np.clip(0.1 + (1.2 - quality) * radius * (0.9 + 0.2 * _noise(job.signature)), 0, 1)
    rows = pd.DataFrame({"freq_y": fy.ravel(), "freq_x": fx.ravel(), "error": error})
    for column, value in common.items():
        rows[column] = value
    rows["norm"], rows["n_images"], rows["clean_error"] = 4.0, 100, 0.1
    _write(root, sweep, job, "fourier_sensitivity", rows)
    return job


def _saliency(root: Path, sweep: str, common: dict, quality: float, train: Job) -> Job:
    """A saliency job's rows and ``saliency.npy`` for 8 test images: a Gaussian blob at the
    centre, sharper for a training set of higher quality, so its concentration ratio (mask:
    the centre 16 x 16 pixels, a quarter of the image) grows with the quality; the compressed
    view (JPEG q10) a little less concentrated than the clean one."""
    config = {"method": "smoothgrad", "samples": 4, "images": 8, "compressed": "jpeg:10"}
    job = Job("saliency", config, {"model": (train.signature,)}, label=f"{train.label} saliency")
    yy, xx = np.meshgrid(np.arange(32) - 15.5, np.arange(32) - 15.5, indexing="ij")
    mask = (np.abs(yy) < 8) & (np.abs(xx) < 8)
    maps, frames = [], []
    for view, width in (("clean", 4 + 12 * (1 - quality)), ("compressed", 6 + 14 * (1 - quality))):
        widths = width * (0.8 + 0.4 * np.array([_noise(job.signature, view, i) for i in range(8)]))
        blobs = np.exp(-(yy**2 + xx**2)[None] / (2 * widths[:, None, None] ** 2)) + 0.05
        maps.append(blobs.astype(np.float32))
        mass = (blobs * mask).sum(axis=(1, 2)) / blobs.sum(axis=(1, 2))
        frames.append(pd.DataFrame({
            "image_index": np.arange(8), "label": np.arange(8) % 10, "view": view,
            "view_codec": "identity" if view == "clean" else "jpeg",
            "view_level": None if view == "clean" else 10.0, "method": "smoothgrad",
            "samples": 4, "sigma": 0.15, "predicted": np.arange(8) % 10, "correct": True,
            "mass_fraction": mass, "area_fraction": mask.mean(), "ratio": mass / mask.mean(),
            "n_images": 8,
        }))  # fmt: skip
    rows = pd.concat(frames, ignore_index=True)
    for column, value in common.items():
        rows[column] = value
    folder = JobFolder.of(root, job)
    folder.path.mkdir(parents=True, exist_ok=True)
    np.save(folder.saliency, np.stack(maps))
    _write(root, sweep, job, "saliency", rows)
    return job


def _gabor(root: Path, sweep: str, dataset: str, codec: str, level, encode: Job) -> Job:
    """A gabor job's rows: per filter of a 4 x 3 bank, 40 bins over [0, 0.1] holding an
    exponential law whose mean grows with the set's quality and falls with the frequency (the
    original data at quality 1), so a blurred or strongly compressed set has more mass at small
    responses than the original's."""
    job = Job("gabor", {"images": 100, "bins": 40}, {"images": (encode.signature,)},
              label=f"{encode.label} gabor")  # fmt: skip
    quality = 1.0 if level is None else _quality(codec, level)
    edges = np.linspace(0.0, 0.1, 41)
    frames = []
    for frequency in (0.1, 0.2, 0.4):
        for orientation in (0.0, 45.0, 90.0, 135.0):
            scale = 0.004 + 0.012 * quality * (1 - frequency) * (0.9 + 0.2 * _noise(job.signature))
            mass = np.diff(-np.exp(-edges / scale))
            mass[-1] += np.exp(-edges[-1] / scale)  # the last bin counts the larger responses
            frames.append(pd.DataFrame({
                "orientation": orientation, "frequency": frequency, "bandwidth": 1.0,
                "bin": np.arange(40), "bin_low": edges[:-1], "bin_high": edges[1:],
                "fraction": mass, "density": mass / np.diff(edges),
                "overflow": np.exp(-edges[-1] / scale),
            }))  # fmt: skip
    rows = pd.concat(frames, ignore_index=True)
    rows["dataset"], rows["codec"], rows["level"], rows["n_images"] = dataset, codec, level, 100
    _write(root, sweep, job, "gabor_response", rows)
    return job


def _joined(root, sweep, spec, dataset: str, codec: str, encodes: dict) -> list[Job]:
    """The joined set of ``codec``'s first two levels and its two steps-matched controls."""
    levels = [float(lv) for lv in spec.codecs.get(codec, [])][:2]
    if len(levels) < 2:
        raise ValueError(f"SweepSpec.joined: codec {codec!r} needs two levels, has {levels}")
    parts = tuple(encodes[(dataset, codec, lv)].signature for lv in levels)
    label = f"{codec}:top2"
    jobs: list[Job] = []
    for arch in spec.archs:
        for seed in range(spec.seeds):
            kind = {"label": label, "joined": True, "inputs": {"candidates": parts}}
            jobs += _train_and_evaluate(
                root, sweep, spec, dataset, arch, seed, codec, None, None, kind
            )
            for rank, level in enumerate(levels, start=1):
                kind = {"label": f"{label}:part{rank}", "control_for": label, "rank": rank,
                        "inputs": {"candidates": parts}}  # fmt: skip
                jobs += _train_and_evaluate(
                    root, sweep, spec, dataset, arch, seed, codec, level, None, kind
                )
    return jobs


def _contrastive(root, sweep, spec, dataset: str, codec: str, encodes: dict) -> list[Job]:
    """Per arch, the contrastive job of ``codec``'s first two levels (a falling NT-Xent curve)
    and its linear probes' train and evaluate jobs (on the original set, one per seed)."""
    levels = [float(lv) for lv in spec.codecs.get(codec, [])][:2]
    if len(levels) < 2:
        raise ValueError(f"SweepSpec.contrastive: codec {codec!r} needs two levels, has {levels}")
    views = tuple(encodes[(dataset, codec, lv)].signature for lv in levels)
    pair = pair_label(codec, levels)
    jobs: list[Job] = []
    for arch in spec.archs:
        job = Job("contrastive", {"arch": arch, "pair": pair}, {"views": views},
                  label=f"{dataset} {arch} contrastive {pair}")  # fmt: skip
        curve = pd.DataFrame({
            "arch": arch, "dataset": dataset, "pair": pair, "codec": codec,
            "level_a": levels[0], "level_b": levels[1], "seed": 0,
            "epoch": np.arange(1, spec.epochs + 1, dtype=np.int32),
            "loss": 5.0 / np.arange(1, spec.epochs + 1), "positive_top1": 0.5, "alignment": 0.6,
            "pairs": spec.images, "seconds": 1.0,
        })  # fmt: skip
        _write(root, sweep, job, "contrastive_curve", curve)
        jobs.append(job)
        original = encodes[(dataset, "identity", None)]
        inputs = {"train_data": (original.signature,), "init": (job.signature,)}
        kind = {"label": probe_label(pair, "linear"), "inputs": inputs}
        for seed in range(spec.seeds):
            jobs += _train_and_evaluate(
                root, sweep, spec, dataset, arch, seed, PROBE_CODEC_PREFIX + codec, None,
                original, kind,
            )  # fmt: skip
    return jobs


def write_synthetic_sweep(root: Path, sweep: str, spec: SweepSpec | None = None) -> Path:
    """Write the sweep's rows, images and ``plan.json`` under ``root``; returns ``root/sweep``."""
    spec = spec or SweepSpec()
    jobs: list[Job] = []
    encodes: dict[tuple, Job] = {}
    for dataset in spec.datasets:
        sets = [
            ("identity", None),
            *((c, float(lv)) for c, lvs in spec.codecs.items() for lv in lvs),
        ]
        for codec, level in sets:
            if codec in ("bls", "bmhj"):
                jobs.append(_gate(root, sweep, dataset, codec, level))
            encode = _encode(root, sweep, spec, dataset, codec, level)
            jobs.append(encode)
            if spec.gabor:
                jobs.append(_gabor(root, sweep, dataset, codec, level, encode))
            encodes[(dataset, codec, level)] = encode
            for arch in spec.archs:
                for seed in range(spec.seeds):
                    jobs += _train_and_evaluate(
                        root, sweep, spec, dataset, arch, seed, codec, level, encode
                    )
        for codec in spec.joined:
            jobs += _joined(root, sweep, spec, dataset, codec, encodes)
        for codec in spec.contrastive:
            jobs += _contrastive(root, sweep, spec, dataset, codec, encodes)
    plan = Plan(sweep, {sweep: {"synthetic": True, "seeds": spec.seeds}}, jobs)  # per part
    path = plan_path(root, sweep)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(plan.to_json())
    return Path(root) / sweep
