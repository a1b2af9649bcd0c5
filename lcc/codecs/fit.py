"""Training a learned codec at one λ, checkpointed and resumable.

The loss is the codec's objective (:mod:`lcc.codecs.objectives`; for ``bls`` CompressAI's
``RateDistortionLoss``, λ · 255² · MSE + bpp, the thesis' scale). The recipe
(:class:`lcc.specs.fit_recipe.FitRecipe`) is CompressAI's: Adam on the network (learning rate
by step, :meth:`FitRecipe.rate`), a second Adam on the entropy bottleneck's quantiles for the
auxiliary loss, random crops, inputs padded to the architecture's multiple, ``update()`` before
the final weights are saved. Optionally the last ``held_out`` training images are kept out of
training, scored after every epoch (eval mode: rounded latents, so deterministic) and used for
early stopping or, with schedule ``plateau``, for the reduce-on-plateau rate and the stop rule
(:mod:`lcc.codecs.fit_schedule`). A rerun in the same ``workdir`` resumes from the last epoch's
checkpoint (:mod:`lcc.codecs.fit_checkpoint`) and ends bit-for-bit equal on CPU.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from compressai.models import CompressionModel

from lcc.artifacts import CHECKPOINT, META, MODEL
from lcc.codecs.architectures import arch_record, build_model, pad_to_multiple
from lcc.codecs.fit_checkpoint import FitCheckpoint, FitProgress, fit_settings, save_atomically
from lcc.codecs.fit_schedule import held_out_epoch, stop_reason
from lcc.codecs.objectives import Criterion, FrozenClassifier, resolve_objective
from lcc.codecs.registry import objective_of
from lcc.specs.fit_recipe import FitRecipe
from lcc.specs.levels import lagrange_multiplier

GRAD_CLIP_NORM = 1.0  # CompressAI's example training script clips the net's gradients at 1
HELD_OUT_BATCH = 250


def _optimizers(model: CompressionModel, lr: float, aux_lr: float) -> tuple:
    """Adam on the network's parameters and Adam on the bottleneck quantiles (aux loss)."""
    named = dict(model.named_parameters())
    net = [p for n, p in named.items() if not n.endswith(".quantiles")]
    aux = [p for n, p in named.items() if n.endswith(".quantiles")]
    return torch.optim.Adam(net, lr=lr), torch.optim.Adam(aux, lr=aux_lr)


class Split(NamedTuple):
    """uint8 ``(N, H, W, 3)`` images and their int ``(N,)`` labels (None where the objective
    reads none)."""

    images: np.ndarray
    labels: np.ndarray | None


@dataclass(frozen=True)
class _Training:
    """What one fit trains: the model, its optimisers (network, auxiliary) and the loss."""

    model: CompressionModel
    optimizers: tuple
    criterion: Criterion
    device: str


def random_crops(images: np.ndarray, indices: np.ndarray, crop: int, rng) -> np.ndarray:
    """uint8 ``(len(indices), crop, crop, 3)`` crops at offsets drawn from ``rng``."""
    height, width = images.shape[1:3]
    tops = rng.integers(0, height - crop + 1, size=len(indices))
    lefts = rng.integers(0, width - crop + 1, size=len(indices))
    return np.stack(
        [
            images[i, t : t + crop, s : s + crop]
            for i, t, s in zip(indices, tops, lefts, strict=True)
        ]
    )


def _train_step(training: _Training, x: torch.Tensor, labels: torch.Tensor | None) -> tuple:
    """One optimizer step on crops ``x`` ``(B, 3, H, W)`` on [0, 1]: ``(loss, mse, bpp,
    aux_loss)``."""
    model, (optimizer, aux_optimizer) = training.model, training.optimizers
    height, width = x.shape[-2:]
    optimizer.zero_grad()
    aux_optimizer.zero_grad()
    out = model(pad_to_multiple(x, model.downsampling_factor))
    out["x_hat"] = out["x_hat"][..., :height, :width]
    losses = training.criterion(out, x, labels)
    losses["loss"].backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP_NORM)
    optimizer.step()
    aux_loss = model.aux_loss()
    aux_loss.backward()
    aux_optimizer.step()
    return (
        losses["loss"].item(),
        losses["mse_loss"].item(),
        losses["bpp_loss"].item(),
        aux_loss.item(),
    )


def held_out_count(n_images: int, held_out: int) -> int:
    """Images kept out of training for validation: ``held_out``, at most a tenth of them."""
    return min(held_out, n_images // 10)


def _labels(labels: np.ndarray | None, indices, device: str) -> torch.Tensor | None:
    return None if labels is None else torch.from_numpy(labels[indices]).long().to(device)


def validation_loss(
    model, criterion, images: np.ndarray, multiple: int, device: str, labels=None
) -> tuple:
    """``(loss, mse on [0, 1], bpp)`` of whole uint8 ``images`` (with their ``labels`` where
    the objective reads them) in eval mode (rounded latents, no noise: deterministic and
    consuming no random numbers); the model is left in train mode."""
    model.eval()
    sums, n = np.zeros(3), 0
    with torch.no_grad():
        for start in range(0, len(images), HELD_OUT_BATCH):
            batch = np.ascontiguousarray(images[start : start + HELD_OUT_BATCH])
            x = torch.from_numpy(batch).to(device).permute(0, 3, 1, 2).float() / 255.0
            height, width = x.shape[-2:]
            out = model(pad_to_multiple(x, multiple))
            out["x_hat"] = out["x_hat"][..., :height, :width]
            batch_labels = _labels(labels, slice(start, start + HELD_OUT_BATCH), device)
            losses = criterion(out, x, batch_labels)
            parts = (losses["loss"], losses["mse_loss"], losses["bpp_loss"])
            sums += np.array([float(v) for v in parts]) * len(batch)
            n += len(batch)
    model.train()
    return tuple(float(v) for v in sums / max(n, 1))


def fit(
    codec: str,
    lmbda: float,
    images: np.ndarray,
    recipe: FitRecipe,
    *,
    workdir: str | Path,
    on_epoch: Callable[[int], None] | None = None,
    device: str = "cpu",
    labels: np.ndarray | None = None,
    classifier: FrozenClassifier | None = None,
    objective: dict | None = None,
) -> list[dict]:
    """Train learned codec ``codec`` at ``lmbda`` on uint8 ``(N, H, W, 3)`` images with
    ``recipe``.

    The last :func:`held_out_count` images are held out; each epoch visits a fresh permutation
    of the others in batches of ``recipe.batch_size`` random ``crop`` x ``crop`` crops (at most
    ``max_steps_per_epoch`` steps), scores the held-out images, saves ``workdir/checkpoint.pt``
    and then calls ``on_epoch(epoch)`` (1-based). With ``patience``, training stops once the
    held-out loss has not fallen by a fraction ``min_delta`` of its best for ``patience``
    epochs. With schedule ``plateau`` the rate and the end of the fit follow the held-out loss
    (:func:`lcc.codecs.fit_schedule.plateau_epoch`; ``epochs`` is then a cap). The loss is the
    codec's objective with settings ``objective``
    (:func:`lcc.codecs.objectives.resolve_objective`); the ``task`` objective reads the images'
    int ``labels`` ``(N,)`` and a frozen ``classifier`` and needs crops of the whole image (the
    classifier's input size). Finally writes ``model.pt`` (state dict after ``update()``) and
    ``meta.json`` ``{codec, level, arch, epochs}``. Returns one row per epoch: ``codec, level,
    epoch, steps, loss, mse (on [0, 1]), bpp (estimate), aux_loss, seconds, lr (at the epoch's
    last step), val_loss, val_mse, val_bpp`` (None without held-out images), ``stopped`` (early
    stop after this epoch). ``meta.json`` also says why the fit ended (``stop_reason``:
    patience, plateau, floor, or cap).
    """
    kind = objective_of(codec)
    lmbda = lagrange_multiplier(codec, lmbda)
    _check_crop(images, recipe.crop)
    objective = resolve_objective(kind, objective)
    criterion = Criterion(kind, lmbda, objective, classifier)
    labels = _task_labels(codec, kind, images, recipe.crop, labels, classifier, device)
    n_val = held_out_count(len(images), recipe.held_out)
    if (recipe.patience is not None or recipe.schedule == "plateau") and n_val == 0:
        raise ValueError(f"early stopping needs held-out images; {len(images)} images give none")
    train, validation = _split(images, labels, n_val)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    settings = fit_settings(codec, lmbda, len(train.images), n_val, recipe, objective)
    checkpoint = FitCheckpoint(workdir / CHECKPOINT, settings, device)

    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    model = build_model(codec).to(device).train()
    training = _Training(model, _optimizers(model, recipe.lr, recipe.aux_lr), criterion, device)
    progress = checkpoint.resume(model, training.optimizers, rng)
    steps_per_epoch = _steps_per_epoch(len(train.images), recipe)
    for epoch in range(len(progress.rows) + 1, recipe.epochs + 1):
        if progress.early["stopped"]:
            break
        started = time.perf_counter()
        means, rate = _train_epoch(training, train, recipe, rng, progress, steps_per_epoch)
        progress.steps += steps_per_epoch
        val = (None, None, None)  # no held-out images: null in the codec_fit table
        if n_val:
            val = _score(training, validation)
            held_out_epoch(progress.early, epoch, val[0], recipe)
        seconds = time.perf_counter() - started
        progress.rows.append(_row(codec, lmbda, epoch, progress, means, seconds, rate, val))
        checkpoint.save(model, training.optimizers, rng, progress)
        if on_epoch is not None:
            on_epoch(epoch)

    rows, steps, stopped = progress.rows, progress.steps, progress.early["stopped"]
    reason = stop_reason(progress.early, len(rows), recipe.epochs)
    _write_final(model, workdir, codec, lmbda, rows, steps, stopped, reason)
    return rows


def _check_crop(images: np.ndarray, crop: int) -> None:
    height, width = images.shape[1:3]
    if not 1 <= crop <= min(height, width):
        raise ValueError(f"crop {crop} does not fit {height}x{width} images")


def _task_labels(codec, kind, images, crop, labels, classifier, device) -> np.ndarray | None:
    """``labels`` checked for objective ``task`` (one per image, whole-image crops), its
    ``classifier`` moved to ``device``; None for the other objectives (they read none)."""
    if kind != "task":
        return None
    height, width = images.shape[1:3]
    if labels is None or len(labels) != len(images):
        raise ValueError(f"codec {codec!r} needs one label per image (labels=...)")
    if crop != height or crop != width:
        raise ValueError(f"codec {codec!r} needs whole-image crops ({height}); got {crop}")
    classifier.model.to(device)
    return labels


def _split(images: np.ndarray, labels: np.ndarray | None, n_val: int) -> tuple[Split, Split]:
    """The training images and the last ``n_val`` held out, each with their labels."""
    cut = len(images) - n_val
    if labels is None:
        return Split(images[:cut], None), Split(images[cut:], None)
    return Split(images[:cut], labels[:cut]), Split(images[cut:], labels[cut:])


def _steps_per_epoch(n_images: int, recipe: FitRecipe) -> int:
    """Full batches of ``n_images`` (one when there are fewer than a batch), at most
    ``recipe.max_steps_per_epoch``."""
    steps = max(1, n_images // recipe.batch_size)
    if recipe.max_steps_per_epoch is not None:
        steps = min(steps, recipe.max_steps_per_epoch)
    return steps


def _train_epoch(
    training: _Training,
    train: Split,
    recipe: FitRecipe,
    rng: np.random.Generator,
    progress: FitProgress,
    steps_per_epoch: int,
) -> tuple[tuple[float, float, float, float], float]:
    """One pass over a fresh permutation of ``train``: the means of ``(loss, mse, bpp,
    aux_loss)`` over its steps, and the learning rate of its last step."""
    total_steps = steps_per_epoch * recipe.epochs
    order = rng.permutation(len(train.images))
    sums = np.zeros(4)
    for step in range(steps_per_epoch):
        rate = recipe.rate(progress.steps + step, total_steps, progress.early["scale"])
        for group in training.optimizers[0].param_groups:
            group["lr"] = rate
        batch = np.sort(order[step * recipe.batch_size : (step + 1) * recipe.batch_size])
        crops = random_crops(train.images, batch, recipe.crop, rng)
        x = torch.from_numpy(crops).to(training.device).permute(0, 3, 1, 2).float() / 255.0
        y = _labels(train.labels, batch, training.device)
        sums += _train_step(training, x, y)
    loss, mse, bpp, aux = (float(v) for v in sums / steps_per_epoch)
    return (loss, mse, bpp, aux), rate


def _score(training: _Training, held_out: Split) -> tuple:
    """:func:`validation_loss` of the held-out images: ``(loss, mse, bpp)``."""
    model = training.model
    return validation_loss(
        model,
        training.criterion,
        held_out.images,
        model.downsampling_factor,
        training.device,
        held_out.labels,
    )


def _row(codec, lmbda, epoch, progress: FitProgress, means, seconds, rate, val) -> dict:
    """The codec_fit row of epoch ``epoch``: ``means`` (:func:`_train_epoch`) and held-out
    ``val`` (loss, mse, bpp; None without held-out images)."""
    loss, mse, bpp, aux = means
    return {
        "codec": codec,
        "level": lmbda,
        "epoch": epoch,
        "steps": progress.steps,
        "loss": loss,
        "mse": mse,
        "bpp": bpp,
        "aux_loss": aux,
        "seconds": seconds,
        "lr": rate,
        "val_loss": val[0],
        "val_mse": val[1],
        "val_bpp": val[2],
        "stopped": progress.early["stopped"],
    }


def _write_final(
    model, workdir: Path, codec: str, lmbda: float, rows, steps, stopped, reason=None
) -> None:
    model.update(force=True)
    save_atomically(model.state_dict(), workdir / MODEL)
    meta = {
        "codec": codec,
        "level": lmbda,
        "arch": arch_record(codec),
        "epochs": len(rows),
        "steps": steps,
        "stopped_early": stopped,
        "stop_reason": reason,
    }
    (workdir / META).write_text(json.dumps(meta, indent=2))


def finish_from_checkpoint(workdir: str | Path) -> list[dict]:
    """Write ``model.pt`` and ``meta.json`` from the last epoch's checkpoint of an interrupted
    fit (e.g. one stopped at a wall-time budget), without training further. Returns its rows."""
    workdir = Path(workdir)
    saved = torch.load(workdir / CHECKPOINT, map_location="cpu", weights_only=True)
    settings = saved["settings"]
    model = build_model(settings["codec"])
    model.load_state_dict(saved["model"])
    _write_final(
        model,
        workdir,
        settings["codec"],
        settings["level"],
        saved["rows"],
        saved["steps"],
        True,
        saved["early"].get("reason") or "budget",
    )
    return saved["rows"]
