"""A synthetic results set in the on-disk layout of a real sweep, for tests and benchmarks.

:func:`write_synthetic_sweep` plans jobs (real :class:`grid.job.Job` objects, so signatures
and ``plan.json`` are genuine), writes each job's rows through the result store's own writer
into ``results/<sweep>/<table>/stage=<stage>/<signature>.parquet`` (each written job gets its
``job.json`` and done marker, as a launch leaves it), and optionally the encode jobs'
``images.npy``. Accuracies follow a smooth made-up law of the level plus seeded noise;
they mean nothing beyond exercising the analysis.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from grid.job import Job
from grid.store.files import atomic_write_parquet
from grid.store.folder import JobFolder
from grid.store.rows import to_table, view_path


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


def _noise(*key) -> float:
    """A reproducible number in [0, 1) from a key."""
    return (zlib.crc32(repr(key).encode()) % 10_000) / 10_000


def _write(root: Path, sweep: str, job: Job, table: str, rows: pd.DataFrame) -> None:
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
    folder.mark_done({table: len(rows)})
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
            "bits_actual": None,
            "bits_file": None,
            "bpp": None if bpp is None else bpp + 0.1 * rng.standard_normal(n),
            "mse": 50 * (1 - quality) + rng.random(n),
            "psnr": 20 + 15 * quality + rng.random(n),
            "ssim": 0.5 + 0.45 * quality + 0.02 * rng.random(n),
        }
    )
    _write(root, sweep, job, "rate_distortion", rows)
    if spec.saved_images:
        folder = JobFolder.of(root, job).path
        folder.mkdir(parents=True, exist_ok=True)
        images = rng.integers(0, 256, (spec.saved_images, size, size, 3), dtype=np.uint8)
        np.save(folder / "images.npy", images)
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


def _train_and_evaluate(root, sweep, spec, dataset, arch, seed, codec, level, encode) -> list[Job]:
    label = "original" if level is None else f"{codec}:{level:g}"
    quality = 0.8 if level is None else _quality(codec, level)
    eval_sets = ["clean", "compressed"] if arch in spec.compressed_archs else ["clean"]
    config = {
        "arch": arch,
        "dataset": {"name": dataset},
        "seed": seed,
        "train_set": {"label": label, "codec": codec, "level": level, "joined": False},
        "eval_sets": eval_sets,
    }
    train = Job(
        "train",
        config,
        {"train_data": (encode.signature,)},
        label=f"{dataset} {arch} {label} seed {seed}",
    )
    base = 0.5 + 0.4 * quality
    if train.label not in spec.skip:
        curve = [
            {
                "arch": arch,
                "dataset": dataset,
                "train_set": label,
                "codec": codec,
                "level": level,
                "joined": False,
                "seed": seed,
                "epoch": epoch,
                "train_loss": 1.0 / epoch,
                "train_top1": 0.5,
                "eval_set": eval_set,
                "loss": 1.0,
                "top1": _accuracy(base * epoch / spec.epochs, train.signature, epoch, eval_set),
                "top5": _accuracy(min(1, 0.3 + base * epoch / spec.epochs), epoch, eval_set),
                "lr": 0.01,
                "seconds": 1.0,
                "images_per_s": 100.0,
            }
            for epoch in range(1, spec.epochs + 1)
            for eval_set in eval_sets
        ]
        _write(root, sweep, train, "train_curve", pd.DataFrame(curve))
    evaluate = Job(
        "evaluate",
        {"eval_sets": ["clean", "cifar10c"]},
        {"model": (train.signature,)},
        label=train.label,
    )
    if evaluate.label in spec.skip or train.label in spec.skip:
        return [train, evaluate]
    common = {
        "arch": arch,
        "dataset": dataset,
        "train_set": label,
        "codec": codec,
        "level": level,
        "joined": False,
        "seed": seed,
        "best_epoch": spec.epochs,
        "n_images": 1000,
        "loss": 1.0,
    }
    rows = [
        {
            **common,
            "eval_set": "clean",
            "corruption": None,
            "severity": None,
            "top1": _accuracy(base, evaluate.signature),
            "top5": 1.0,
        }
    ]
    for corruption in spec.corruptions:
        for severity in spec.severities:
            acc = _accuracy(base - 0.08 * severity, evaluate.signature, corruption, severity)
            rows.append(
                {
                    **common,
                    "eval_set": "cifar10c",
                    "corruption": corruption,
                    "severity": severity,
                    "top1": acc,
                    "top5": min(1.0, acc + 0.2),
                }
            )
    _write(root, sweep, evaluate, "evaluation", pd.DataFrame(rows))
    if spec.fourier and dataset not in ("tinyimagenet", "synthetic-tiny"):
        return [train, evaluate, _fourier(root, sweep, common, quality, train)]
    return [train, evaluate]


def _fourier(root: Path, sweep: str, common: dict, quality: float, train: Job) -> Job:
    """A fourier job's rows: error growing with the frequency's radius, faster for a training
    set of lower quality."""
    job = Job("fourier", {"norm": 4.0, "images": 100}, {"model": (train.signature,)},
              label=f"{train.label} fourier")  # fmt: skip
    fy, fx = np.meshgrid(np.arange(32) - 16, np.arange(32) - 16, indexing="ij")
    radius = np.hypot(fy, fx).ravel() / 16
    error = np.clip(0.1 + (1.2 - quality) * radius * (0.9 + 0.2 * _noise(job.signature)), 0, 1)
    rows = pd.DataFrame({"freq_y": fy.ravel(), "freq_x": fx.ravel(), "error": error})
    keep = ("arch", "dataset", "train_set", "codec", "level", "joined", "seed")
    for column in keep:
        rows[column] = common[column]
    rows["norm"], rows["n_images"], rows["clean_error"] = 4.0, 100, 0.1
    _write(root, sweep, job, "fourier_sensitivity", rows)
    return job


def write_synthetic_sweep(root: Path, sweep: str, spec: SweepSpec | None = None) -> Path:
    """Write the sweep's rows, images and ``plan.json`` under ``root``; returns ``root/sweep``."""
    spec = spec or SweepSpec()
    jobs: list[Job] = []
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
            for arch in spec.archs:
                for seed in range(spec.seeds):
                    jobs += _train_and_evaluate(
                        root, sweep, spec, dataset, arch, seed, codec, level, encode
                    )
    plan = {
        "sweep": sweep,
        "settings": {"synthetic": True, "seeds": spec.seeds},
        "jobs": [job.to_dict() for job in jobs],
    }
    (Path(root) / sweep).mkdir(parents=True, exist_ok=True)
    (Path(root) / sweep / "plan.json").write_text(json.dumps(plan))
    return Path(root) / sweep
