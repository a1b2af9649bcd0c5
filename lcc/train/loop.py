"""The training loop: device-resident uint8 data, batched augmentation, per-epoch evaluation.

The best epoch (kept as ``best.pt``) is chosen on the selection part of the first eval set
(:mod:`lcc.evaluate.holdout`: about half the test images), by ``select_<best_metric>``, so
that the judged part, on which claims are decided, played no part in choosing
the weights it judges (docs/ARCHITECTURE.md, "Held-out split and per-image predictions").

Randomness: the weights are initialised from ``seed``; epoch ``e`` draws its shuffle and
augmentation from a generator seeded by ``(seed, e)``. A run resumed from ``checkpoint.pt``
therefore replays exactly the epochs it missed, and on the CPU ends bit for bit like an
uninterrupted one, with no RNG state to carry.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from lcc.evaluate import evaluate_tensors, to_device_images, to_device_labels
from lcc.evaluate.device_images import autocast, model_input
from lcc.evaluate.holdout import SELECT
from lcc.evaluate.normalization import Normalization, of_recipe
from lcc.models import build, validate
from lcc.specs.train_recipe import Recipe
from lcc.train import checkpoint
from lcc.train.augment import augment
from lcc.train.progress import Progress, make_progress
from lcc.train.weights import device_weights, weighted_cross_entropy

# uint8 (N, H, W, 3) images and integer (N,) labels; a training set may instead carry float
# (N, C) targets, one class distribution per image (soft labels, lcc.data.soft_labels).
ImageSet = tuple[np.ndarray, np.ndarray]


@dataclass
class EpochRecord:
    """Figures of one epoch: training loss/top-1 (on augmented batches) and each eval set's
    scores (:data:`lcc.evaluate.SCORE_KEYS`: ``loss``, ``top1``, ``top5``, ``n_images`` over
    all its images, and ``select_top1``, ``select_top5``, ``judge_top1``, ``judge_top5`` over
    each part of the held-out split); ``seconds`` covers training and evaluation,
    ``images_per_s`` training only."""

    epoch: int
    train_loss: float
    train_top1: float
    lr: float
    seconds: float
    images_per_s: float
    evals: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class TrainResult:
    """The trained model (last epoch's weights), the curve, and a CPU copy of the best weights."""

    model: nn.Module
    history: list[EpochRecord]
    best_epoch: int
    best_state: dict[str, torch.Tensor]


@dataclass
class _Run:
    """What a run carries from epoch to epoch (and through ``checkpoint.pt``)."""

    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    best_score: float = float("-inf")
    best_state: dict[str, torch.Tensor] = field(default_factory=dict)


def train(
    arch: str,
    train_set: ImageSet,
    eval_sets: Mapping[str, ImageSet],
    recipe: Recipe,
    *,
    num_classes: int,
    seed: int,
    device: str = "cpu",
    workdir: Path | None = None,
    on_epoch: Callable[[int], None] | None = None,
    progress: str | Progress = "auto",
    weights: np.ndarray | None = None,
    init: Callable[[nn.Module], None] | None = None,
) -> TrainResult:
    """Train ``arch`` from scratch on ``train_set`` with SGD and evaluate each epoch.

    The selection part of the first eval set picks the best epoch: the first epoch with the
    highest ``select_<recipe.best_metric>`` (:mod:`lcc.evaluate.holdout`; the judged part is
    left to judge). With a ``workdir``,
    every epoch writes ``best.pt`` (when improved), ``last.pt`` and ``checkpoint.pt`` and then
    calls ``on_epoch(epoch)``; a ``checkpoint.pt`` already there is resumed. On CUDA the model
    runs channels-last, under bf16 autocast with ``recipe.precision == "bf16"``. ``weights``
    (float ``(N,)``, one per training image, :mod:`lcc.train.weights`) make the loss a weighted
    mean. ``train_set``'s labels may be float ``(N, num_classes)`` targets, rows summing to 1
    (:mod:`lcc.data.soft_labels`): the loss is then the cross-entropy against them,
    -sum_c p_c log softmax_c, and ``train_top1`` counts agreement with each row's argmax.
    ``init(model)``, when given, runs on the freshly built network before training or
    resuming (a contrastive probe's start, :func:`lcc.train.contrastive.probe_init`). Bad
    arguments raise before any training.
    """
    image_size = check_sets(train_set, eval_sets, num_classes)
    validate(arch, num_classes, image_size)
    dev = torch.device(device)
    reporter = make_progress(progress) if isinstance(progress, str) else progress
    model, optimizer = make_model(arch, num_classes, image_size, recipe, seed, dev)
    if init is not None:
        init(model)
    identity = {
        "arch": arch,
        "num_classes": num_classes,
        "seed": seed,
        "n_train": len(train_set[1]),
        "recipe": {k: v for k, v in recipe.to_config().items() if k != "epochs"},
        "eval_sets": list(eval_sets),
    }
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
    run = resume(workdir, identity, model, optimizer) if workdir else _Run()
    data = (to_device_images(train_set[0], dev), device_targets(train_set[1], dev))
    sample_weights = device_weights(weights, len(train_set[1]), dev)
    evals = {
        k: (to_device_images(x, dev), to_device_labels(y, dev)) for k, (x, y) in eval_sets.items()
    }
    for epoch in range(len(run.history) + 1, recipe.epochs + 1):
        reporter.start_epoch(epoch, recipe.epochs, len(data[1]))
        generator = torch.Generator(dev).manual_seed(epoch_seed(seed, epoch))
        record = run_epoch(
            epoch, model, optimizer, data, evals, recipe, generator, reporter, sample_weights
        )
        end_epoch(run, record, model, optimizer, recipe, workdir, identity)
        reporter.end_epoch(summary(record))
        if on_epoch is not None:
            on_epoch(epoch)
    return TrainResult(model, run.history, run.best_epoch, run.best_state)


def make_model(
    arch: str, num_classes: int, image_size: int, recipe: Recipe, seed: int, device: torch.device
) -> tuple[nn.Module, torch.optim.Optimizer]:
    """The network initialised from ``seed`` (global RNG untouched) and its SGD optimizer.

    On CUDA the network is channels-last and cuDNN autotunes its kernels (fixed shapes).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build(arch, num_classes, image_size)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        model.to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=recipe.lr,
        momentum=recipe.momentum,
        weight_decay=recipe.weight_decay,
        nesterov=recipe.nesterov,
    )
    return model, optimizer


def device_targets(labels: np.ndarray, device: torch.device) -> torch.Tensor:
    """A training set's targets on ``device``: int64 ``(N,)`` for integer labels
    (:func:`to_device_labels`), float32 ``(N, C)`` for per-image class distributions."""
    if np.ndim(labels) == 2:
        return torch.from_numpy(np.asarray(labels, dtype=np.float32)).to(device)
    return to_device_labels(labels, device)


def steps_per_epoch(n_images: int, batch_size: int) -> int:
    """Optimiser steps of one epoch on ``n_images`` (a last batch of one image is skipped)."""
    return max(1, math.ceil(n_images / batch_size) - (n_images % batch_size == 1))


def learning_rate(recipe: Recipe, step: int, total_steps: int) -> float:
    """The rate of optimiser step ``step`` (0-based) of ``total_steps`` under ``recipe.schedule``.

    ``constant``: ``recipe.lr``. ``cosine``: a linear warm-up to ``recipe.lr`` over the first
    ``warmup_fraction`` of the steps (step ``s`` of ``w`` takes ``lr (s + 1) / w``), then
    ``lr (1 + cos(pi t)) / 2`` with ``t`` going from 0 at the first step after the warm-up to 1
    past the last step. A function of the step alone: a resumed run needs no scheduler state.
    """
    if recipe.schedule == "constant":
        return recipe.lr
    warmup = int(recipe.warmup_fraction * total_steps)
    if step < warmup:
        return recipe.lr * (step + 1) / warmup
    t = (step - warmup) / max(1, total_steps - warmup)
    return recipe.lr * 0.5 * (1.0 + math.cos(math.pi * t))


def loss_of(
    logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor | None, smoothing: float
) -> torch.Tensor:
    """The batch's training loss: :func:`weighted_cross_entropy`, with ``smoothing`` > 0 against
    targets that put ``smoothing`` of their mass uniformly on all classes. ``labels``: int64
    ``(B,)`` classes or float ``(B, C)`` distributions (``F.cross_entropy`` takes either)."""
    if not smoothing:
        return weighted_cross_entropy(logits, labels, weights)
    losses = F.cross_entropy(logits, labels, reduction="none", label_smoothing=smoothing)
    if weights is None:
        return losses.mean()
    return (losses * weights).sum() / weights.sum().clamp_min(torch.finfo(weights.dtype).tiny)


def run_epoch(
    epoch: int,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    data: tuple[torch.Tensor, torch.Tensor],
    evals: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
    recipe: Recipe,
    generator: torch.Generator,
    reporter: Progress,
    weights: torch.Tensor | None = None,
) -> EpochRecord:
    """Train one epoch on device ``data``, then evaluate on every device eval set."""
    normalization = of_recipe(recipe)
    device = data[0].device
    started = time.perf_counter()
    args = (model, optimizer, *data, recipe, generator, normalization, reporter, weights)
    train_loss, train_top1, n_seen = train_epoch(*args, epoch=epoch)
    train_seconds = elapsed(started, device)
    scores = {
        name: evaluate_tensors(
            model,
            x,
            y,
            batch_size=recipe.eval_batch_size,
            normalization=normalization,
            precision=recipe.precision,
        )
        for name, (x, y) in evals.items()
    }
    return EpochRecord(
        epoch=epoch,
        train_loss=train_loss,
        train_top1=train_top1,
        lr=optimizer.param_groups[0]["lr"],
        seconds=elapsed(started, device),
        images_per_s=n_seen / train_seconds,
        evals=scores,
    )


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    images: torch.Tensor,
    labels: torch.Tensor,
    recipe: Recipe,
    generator: torch.Generator,
    normalization: Normalization,
    reporter: Progress,
    weights: torch.Tensor | None = None,
    epoch: int = 1,
) -> tuple[float, float, int]:
    """One pass (epoch ``epoch``, 1-based) over device uint8 ``(N, 3, H, W)`` images in a random
    order, each step at its :func:`learning_rate`.

    Returns (mean loss, top-1 fraction, images trained on). A final batch of a single image is
    skipped (BatchNorm cannot normalise one sample).
    """
    model.train()
    per_epoch = steps_per_epoch(len(images), recipe.batch_size)
    step = (epoch - 1) * per_epoch
    order = torch.randperm(len(images), generator=generator, device=images.device)
    totals = torch.zeros(3, dtype=torch.float64, device=images.device)  # loss sum, hits, images

    def running_loss() -> float:
        return (totals[0] / totals[2]).item()

    for start in range(0, len(order), recipe.batch_size):
        index = order[start : start + recipe.batch_size]
        if len(index) < 2:
            break
        x = model_input(augment(images[index], generator, recipe), normalization)
        y = labels[index]
        with autocast(images.device, recipe.precision):
            logits = model(x).float()
        batch_weights = None if weights is None else weights[index]
        loss = loss_of(logits, y, batch_weights, recipe.label_smoothing)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(recipe, step, per_epoch * recipe.epochs)
        step += 1
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        hits = (logits.detach().argmax(1) == (y if y.ndim == 1 else y.argmax(1))).sum()
        totals[:2] += torch.stack([loss.detach().double() * len(y), hits.double()])
        totals[2] += len(y)
        reporter.advance(len(y), running_loss)
    loss_sum, hits, n = totals.tolist()
    return loss_sum / n, hits / n, int(n)


def end_epoch(
    run: _Run,
    record: EpochRecord,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    recipe: Recipe,
    workdir: Path | None,
    identity: dict[str, Any],
) -> None:
    """Record the epoch, keep a copy of improved weights (by the first eval set's
    ``select_<recipe.best_metric>``), write the checkpoint files."""
    run.history.append(record)
    score = next(iter(record.evals.values()))[f"{SELECT}_{recipe.best_metric}"]
    improved = score > run.best_score
    if improved:
        run.best_epoch, run.best_score = record.epoch, score
        run.best_state = checkpoint.cpu_copy(model.state_dict())
    if workdir is None:
        return
    workdir = Path(workdir)
    if improved:
        checkpoint.save_atomic(run.best_state, workdir / checkpoint.BEST)
    checkpoint.save_atomic(checkpoint.cpu_copy(model.state_dict()), workdir / checkpoint.LAST)
    state = {
        "identity": identity,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "history": [asdict(r) for r in run.history],
        "best_epoch": run.best_epoch,
        "best_score": run.best_score,
    }
    checkpoint.save_atomic(state, workdir / checkpoint.CHECKPOINT)


def resume(
    workdir: Path, identity: dict[str, Any], model: nn.Module, optimizer: torch.optim.Optimizer
) -> _Run:
    """Restore model, optimizer and curve from ``workdir/checkpoint.pt`` (fresh run if absent)."""
    path = Path(workdir) / checkpoint.CHECKPOINT
    if not path.exists():
        return _Run()
    state = checkpoint.load(path)
    if state["identity"] != identity:
        raise ValueError(
            f"{path} belongs to a different run ({state['identity']}); expected {identity}"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return _Run(
        history=[EpochRecord(**r) for r in state["history"]],
        best_epoch=state["best_epoch"],
        best_score=state["best_score"],
        best_state=checkpoint.load(Path(workdir) / checkpoint.BEST),
    )


def check_sets(train_set: ImageSet, eval_sets: Mapping[str, ImageSet], num_classes: int) -> int:
    """Validate the image sets (uint8 square RGB, one size, labels < num_classes, or the
    training set's float ``(N, num_classes)`` targets: :func:`check_targets`); the size."""
    if not eval_sets:
        raise ValueError("need at least one eval set (the first picks the best epoch)")
    sizes = set()
    for name, (images, labels) in {"train": train_set, **eval_sets}.items():
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
            raise ValueError(f"{name} images must be uint8 (N, H, W, 3); got {images.shape}")
        if images.shape[1] != images.shape[2] or len(labels) != len(images) or not len(images):
            raise ValueError(
                f"{name}: need square images and one label each; got {images.shape}, "
                f"{len(labels)} labels"
            )
        if np.ndim(labels) == 2 and name == "train":
            check_targets(labels, num_classes)
        elif int(np.min(labels)) < 0 or int(np.max(labels)) >= num_classes:
            raise ValueError(f"{name}: labels must lie in [0, {num_classes}); got "
                             f"[{int(np.min(labels))}, {int(np.max(labels))}]")  # fmt: skip
        sizes.add(images.shape[1])
    if len(sizes) != 1:
        raise ValueError(f"train and eval images differ in size: {sorted(sizes)}")
    return sizes.pop()


def check_targets(targets: np.ndarray, num_classes: int) -> None:
    """One-line ValueError unless ``targets`` is float ``(N, num_classes)``, finite, >= 0, rows
    summing to 1 within 1e-4 (float32 rounding of :mod:`lcc.data.soft_labels`' rows)."""
    targets = np.asarray(targets)
    if not np.issubdtype(targets.dtype, np.floating) or targets.shape[1] != num_classes:
        raise ValueError(f"train: soft targets must be float (N, {num_classes}); got "
                         f"{targets.dtype} {targets.shape}")  # fmt: skip
    sums = targets.sum(axis=1, dtype=np.float64)
    if not np.isfinite(targets).all() or (targets < 0).any() or np.abs(sums - 1).max() > 1e-4:
        raise ValueError("train: soft targets must be finite, >= 0, each row summing to 1")


def epoch_seed(seed: int, epoch: int) -> int:
    """A well-mixed 63-bit seed for epoch ``epoch`` of the run seeded ``seed``."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1, np.uint64)[0]) >> 1


def elapsed(started: float, device: torch.device) -> float:
    """Seconds since ``started`` once the device's queued work has finished."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started


def summary(record: EpochRecord) -> str:
    """One line: training loss/top-1, images/s and each eval set's top-1/top-5."""
    parts = [f"train loss {record.train_loss:.4f} top1 {record.train_top1:.3f}"]
    parts += [f"{k} top1 {v['top1']:.3f} top5 {v['top5']:.3f}" for k, v in record.evals.items()]
    parts.append(f"{record.images_per_s:.0f} images/s")
    return ", ".join(parts)
