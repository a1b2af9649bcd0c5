"""Training a learned codec at one λ, checkpointed and resumable.

The loss is the codec's objective (:mod:`lcc.codecs.objectives`; for ``bls`` CompressAI's
``RateDistortionLoss``, λ · 255² · MSE + bpp, the thesis' scale). The recipe is CompressAI's:
Adam on the network (learning rate by step, :func:`lcc.specs.fit_recipe.learning_rate`), a
second Adam on the entropy bottleneck's quantiles for the auxiliary loss, random crops, inputs
padded to the architecture's multiple, ``update()`` before the final weights are saved.
Optionally the last ``held_out`` training images are kept out of training, scored after every
epoch (eval mode: rounded latents, so deterministic) and used for early stopping or, with
schedule ``plateau``, for the reduce-on-plateau rate and the stop rule (:func:`plateau_epoch`).
A rerun in the same ``workdir`` resumes from the last epoch's checkpoint (model, optimisers,
RNG, early-stopping and plateau state) and ends bit-for-bit equal on CPU.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from compressai.models import CompressionModel

from lcc.artifacts import CHECKPOINT, META, MODEL
from lcc.atomic import atomic_path
from lcc.codecs.architectures import arch_record, build_model, pad_to_multiple
from lcc.codecs.objectives import Criterion, FrozenClassifier, resolve_objective
from lcc.codecs.registry import objective_of
from lcc.specs.fit_recipe import learning_rate
from lcc.specs.levels import lagrange_multiplier

GRAD_CLIP_NORM = 1.0  # CompressAI's example training script clips the net's gradients at 1
HELD_OUT_BATCH = 250


def _save_atomically(obj: object, path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def _optimizers(model: CompressionModel, lr: float, aux_lr: float) -> tuple:
    """Adam on the network's parameters and Adam on the bottleneck quantiles (aux loss)."""
    named = dict(model.named_parameters())
    net = [p for n, p in named.items() if not n.endswith(".quantiles")]
    aux = [p for n, p in named.items() if n.endswith(".quantiles")]
    return torch.optim.Adam(net, lr=lr), torch.optim.Adam(aux, lr=aux_lr)


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


def _train_step(model, optimizer, aux_optimizer, criterion, x, labels, multiple: int):
    height, width = x.shape[-2:]
    optimizer.zero_grad()
    aux_optimizer.zero_grad()
    out = model(pad_to_multiple(x, multiple))
    out["x_hat"] = out["x_hat"][..., :height, :width]
    losses = criterion(out, x, labels)
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


def _rng_states(rng: np.random.Generator, device: str) -> dict:
    states = {"numpy": rng.bit_generator.state, "torch": torch.get_rng_state()}
    if device.startswith("cuda"):
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _restore_rng_states(states: dict, rng: np.random.Generator) -> None:
    rng.bit_generator.state = states["numpy"]
    torch.set_rng_state(states["torch"])
    if "cuda" in states:
        torch.cuda.set_rng_state_all(states["cuda"])


def _check_resumable(saved: dict, settings: dict, path: Path) -> None:
    if saved != settings:
        diff = {k: (saved.get(k), v) for k, v in settings.items() if saved.get(k) != v}
        raise ValueError(f"checkpoint {path} belongs to another fit (saved vs requested: {diff})")


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
    *,
    epochs: int,
    batch_size: int,
    crop: int,
    lr: float,
    aux_lr: float,
    seed: int,
    workdir: str | Path,
    on_epoch: Callable[[int], None] | None = None,
    device: str = "cpu",
    max_steps_per_epoch: int | None = None,
    schedule: str = "constant",
    warmup_steps: int = 0,
    lr_floor: float = 1.0,
    held_out: int = 0,
    patience: int | None = None,
    min_delta: float = 0.0,
    decay_factor: float | None = None,
    decay_patience: int | None = None,
    stop_window: int | None = None,
    stop_delta: float | None = None,
    labels: np.ndarray | None = None,
    classifier: FrozenClassifier | None = None,
    objective: dict | None = None,
) -> list[dict]:
    """Train learned codec ``codec`` at ``lmbda`` on uint8 ``(N, H, W, 3)`` images.

    The settings are those of :mod:`lcc.specs.fit_recipe`. The last :func:`held_out_count`
    images are held out; each epoch visits a fresh permutation of the others in batches of
    ``batch_size`` random ``crop`` x ``crop`` crops (at most ``max_steps_per_epoch`` steps),
    scores the held-out images, saves ``workdir/checkpoint.pt`` and then calls
    ``on_epoch(epoch)`` (1-based). With ``patience``, training stops once the held-out loss has
    not fallen by a fraction ``min_delta`` of its best for ``patience`` epochs. With schedule
    ``plateau`` the rate and the end of the fit follow the held-out loss
    (:func:`plateau_epoch`; ``epochs`` is then a cap). The loss is the codec's objective with
    settings ``objective`` (:func:`lcc.codecs.objectives.resolve_objective`); the ``task``
    objective reads the images' int ``labels`` ``(N,)`` and a frozen ``classifier`` and needs
    crops of the whole image (the classifier's input size). Finally writes ``model.pt`` (state
    dict after ``update()``) and ``meta.json`` ``{codec, level, arch, epochs}``. Returns one
    row per epoch: ``codec, level, epoch, steps, loss, mse (on [0, 1]), bpp (estimate),
    aux_loss, seconds, lr (at the epoch's last step), val_loss, val_mse, val_bpp`` (None
    without held-out images), ``stopped`` (early stop after this epoch). ``meta.json`` also
    says why the fit ended (``stop_reason``: patience, plateau, floor, or cap).
    """
    kind = objective_of(codec)
    lmbda = lagrange_multiplier(codec, lmbda)
    height, width = images.shape[1:3]
    if not 1 <= crop <= min(height, width):
        raise ValueError(f"crop {crop} does not fit {height}x{width} images")
    objective = resolve_objective(kind, objective)
    criterion = Criterion(kind, lmbda, objective, classifier)
    if kind == "task":
        if labels is None or len(labels) != len(images):
            raise ValueError(f"codec {codec!r} needs one label per image (labels=...)")
        if crop != height or crop != width:
            raise ValueError(f"codec {codec!r} needs whole-image crops ({height}); got {crop}")
        classifier.model.to(device)
    else:
        labels = None
    n_val = held_out_count(len(images), held_out)
    if (patience is not None or schedule == "plateau") and n_val == 0:
        raise ValueError(f"early stopping needs held-out images; {len(images)} images give none")
    plateau = {
        "decay_factor": decay_factor,
        "decay_patience": decay_patience,
        "stop_window": stop_window,
        "stop_delta": stop_delta,
    }
    if schedule == "plateau" and None in plateau.values():
        raise ValueError(f"schedule plateau needs every plateau setting; got {plateau}")
    validation = images[len(images) - n_val :]
    images = images[: len(images) - n_val]
    val_labels = None
    if labels is not None:
        labels, val_labels = labels[: len(labels) - n_val], labels[len(labels) - n_val :]
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    settings = {
        "codec": codec,
        "level": lmbda,
        "arch": arch_record(codec),
        "n_images": len(images),
        "batch_size": batch_size,
        "crop": crop,
        "lr": lr,
        "aux_lr": aux_lr,
        "seed": seed,
        "max_steps_per_epoch": max_steps_per_epoch,
        "epochs": epochs,
        "schedule": schedule,
        "warmup_steps": warmup_steps,
        "lr_floor": lr_floor,
        "held_out": n_val,
        "patience": patience,
        "min_delta": min_delta,
    }
    if schedule == "plateau":  # only plateau fits: older checkpoints stay resumable
        settings.update(plateau)
    if objective:  # only objectives with settings (task): older checkpoints stay resumable
        settings["objective"] = dict(objective)

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model(codec).to(device).train()
    optimizer, aux_optimizer = _optimizers(model, lr, aux_lr)
    rows: list[dict] = []
    steps = 0
    early = {"best": math.inf, "bad_epochs": 0, "stopped": False, **PLATEAU_START}
    checkpoint_file = workdir / CHECKPOINT
    if checkpoint_file.exists():
        saved = torch.load(checkpoint_file, map_location=device, weights_only=True)
        _check_resumable(saved["settings"], settings, checkpoint_file)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        aux_optimizer.load_state_dict(saved["aux_optimizer"])
        _restore_rng_states(saved["rng"], rng)
        rows, steps, early = saved["rows"], saved["steps"], {**PLATEAU_START, **saved["early"]}

    steps_per_epoch = max(1, len(images) // batch_size)  # full batches; one when N < batch
    if max_steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, max_steps_per_epoch)
    total_steps = steps_per_epoch * epochs
    multiple = model.downsampling_factor  # the padding multiple, as CompressAI reads it
    for epoch in range(len(rows) + 1, epochs + 1):
        if early["stopped"]:
            break
        started = time.perf_counter()
        order = rng.permutation(len(images))
        sums = np.zeros(4)
        for step in range(steps_per_epoch):
            rate = learning_rate(
                steps + step, total_steps, lr, schedule, warmup_steps, lr_floor, early["scale"]
            )
            for group in optimizer.param_groups:
                group["lr"] = rate
            batch = np.sort(order[step * batch_size : (step + 1) * batch_size])
            crops = random_crops(images, batch, crop, rng)
            x = torch.from_numpy(crops).to(device).permute(0, 3, 1, 2).float() / 255.0
            y = _labels(labels, batch, device)
            sums += _train_step(model, optimizer, aux_optimizer, criterion, x, y, multiple)
        steps += steps_per_epoch
        loss, mse, bpp, aux = (float(v) for v in sums / steps_per_epoch)
        val = (None, None, None)  # no held-out images: null in the codec_fit table
        if n_val:
            val = validation_loss(model, criterion, validation, multiple, device, val_labels)
            if early["best"] == math.inf or val[0] < early["best"] * (1 - min_delta):
                early["best"], early["bad_epochs"] = val[0], 0
            else:
                early["bad_epochs"] += 1
            early["stopped"] = patience is not None and early["bad_epochs"] >= patience
            if early["stopped"]:
                early["reason"] = "patience"
            elif schedule == "plateau":
                plateau_epoch(early, epoch, val[0], plateau, min_delta, lr_floor)
        rows.append(
            {
                "codec": codec,
                "level": lmbda,
                "epoch": epoch,
                "steps": steps,
                "loss": loss,
                "mse": mse,
                "bpp": bpp,
                "aux_loss": aux,
                "seconds": time.perf_counter() - started,
                "lr": rate,
                "val_loss": val[0],
                "val_mse": val[1],
                "val_bpp": val[2],
                "stopped": early["stopped"],
            }
        )
        _save_atomically(
            {
                "settings": settings,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "aux_optimizer": aux_optimizer.state_dict(),
                "rng": _rng_states(rng, device),
                "rows": rows,
                "steps": steps,
                "early": early,
            },
            checkpoint_file,
        )
        if on_epoch is not None:
            on_epoch(epoch)

    reason = early["reason"] or ("cap" if len(rows) >= epochs else None)
    _write_final(model, workdir, codec, lmbda, rows, steps, early["stopped"], reason)
    return rows


# The plateau state of a fit's start (kept in the checkpoint with the early-stopping state).
PLATEAU_START = {
    "scale": 1.0,  # the rate's multiplier: the product of the decays so far
    "decays": 0,
    "last_decay": 0,  # the epoch after which the last decay took effect (0: none yet)
    "best_at_decay": None,  # the best held-out loss when it did
    "reason": None,  # why the fit ended: patience, plateau, floor (cap is decided at the end)
}


def plateau_epoch(
    state: dict, epoch: int, val_loss: float, plateau: dict, min_delta: float, lr_floor: float
) -> None:
    """Update the plateau ``state`` after epoch ``epoch`` scored ``val_loss``.

    ``state["best"]`` and ``state["bad_epochs"]`` are already updated (epochs since the
    held-out loss last fell by a fraction ``min_delta`` of its best). In order:

    1. ``stop_window`` epochs after a decay, stop ("plateau") if the best held-out loss fell
       by less than a fraction ``stop_delta`` of its value at the decay: the decay bought
       too little, so the fit has converged at this rate.
    2. After ``decay_patience`` bad epochs, multiply the rate by ``decay_factor`` (not below
       ``lr_floor`` of the peak) and reset the bad epochs; if the rate is already at the
       floor, stop ("floor").
    """
    if state["decays"] and epoch - state["last_decay"] == plateau["stop_window"]:
        before = state["best_at_decay"]
        if before - state["best"] < plateau["stop_delta"] * abs(before):
            state["stopped"], state["reason"] = True, "plateau"
            return
    if state["bad_epochs"] >= plateau["decay_patience"]:
        if state["scale"] <= lr_floor:
            state["stopped"], state["reason"] = True, "floor"
            return
        state["scale"] = max(lr_floor, state["scale"] * plateau["decay_factor"])
        state["decays"] += 1
        state["last_decay"] = epoch
        state["best_at_decay"] = state["best"]
        state["bad_epochs"] = 0


def _write_final(
    model, workdir: Path, codec: str, lmbda: float, rows, steps, stopped, reason=None
) -> None:
    model.update(force=True)
    _save_atomically(model.state_dict(), workdir / MODEL)
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
