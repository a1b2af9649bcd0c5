"""Contrastive pretraining across compression levels (thesis §6.3, future work, Fig 6.2) and
the probe's start from its encoder.

The encoder is the classifier of :mod:`lcc.models` without its final ``Linear``: its
``embed`` (``(B, 3, S, S)`` -> ``(B, d)``). One network embeds both views, so the "pair of
weight-sharing encoders" of Fig 6.2 is one set of weights. A :class:`ProjectionHead` maps the
features to the space where NT-Xent (:mod:`lcc.train.ntxent`) pulls the two views of an image
together and pushes the other images of the batch apart. The views are two index-aligned
uint8 ``(N, H, W, 3)`` arrays of the same images at two compression levels; each step crops
and flips each view independently (:func:`lcc.train.augment.crop_flip`, batched on the
device). The head is dropped after pretraining; :func:`probe_init` starts a classifier from
the encoder, which is then trained on the original training split by :func:`lcc.train.train`.

Randomness as in :mod:`lcc.train.loop`: the weights start from ``seed``, epoch ``e`` draws
its order and augmentation from a generator seeded by ``(seed, e)``, so a run resumed from
``checkpoint.pt`` replays the epochs it missed and on the CPU ends bit for bit like an
uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lcc.evaluate import to_device_images
from lcc.evaluate.device_images import model_input
from lcc.evaluate.normalization import Normalization
from lcc.models import build
from lcc.specs.contrastive import CROP_PADDING, FLIP_PROBABILITY, ContrastiveSettings
from lcc.train import checkpoint
from lcc.train.augment import crop_flip
from lcc.train.loop import elapsed, epoch_seed
from lcc.train.ntxent import nt_xent

HEAD_PREFIX = "classifier."  # the final Linear's keys in a classifier's state_dict


class ProjectionHead(nn.Module):
    """``(B, d)`` features -> ``(B, projection_dim)``: Linear(d, d), ReLU, Linear(d, out)."""

    def __init__(self, width: int, projection_dim: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(width, width), nn.ReLU(inplace=True), nn.Linear(width, projection_dim)
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features)


@dataclass
class ContrastiveRecord:
    """One epoch: mean NT-Xent ``loss``, ``positive_top1`` (share of embeddings whose nearest
    other embedding in the batch is the other view of their image), ``alignment`` (mean cosine
    of the positive pairs' projections), ``seconds`` of the epoch, ``pairs`` seen."""

    epoch: int
    loss: float
    positive_top1: float
    alignment: float
    seconds: float
    pairs: int


@dataclass
class ContrastiveResult:
    """The encoder's weights (a CPU ``state_dict`` of the classifier without its head) and
    the curve."""

    encoder: dict[str, torch.Tensor]
    history: list[ContrastiveRecord] = field(default_factory=list)


def encoder_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of ``model``'s ``state_dict`` without the final ``Linear`` (the head)."""
    state = model.state_dict()
    return checkpoint.cpu_copy({k: v for k, v in state.items() if not k.startswith(HEAD_PREFIX)})


def check_views(a: np.ndarray, b: np.ndarray) -> None:
    """Two index-aligned views: uint8 ``(N, S, S, 3)`` of one shape, N >= 2."""
    for name, view in (("a", a), ("b", b)):
        if view.dtype != np.uint8 or view.ndim != 4 or view.shape[3] != 3:
            raise ValueError(f"view {name} must be uint8 (N, H, W, 3); got {view.dtype} "
                             f"{view.shape}")  # fmt: skip
    if a.shape != b.shape or len(a) < 2 or a.shape[1] != a.shape[2]:
        raise ValueError(f"views must be square, of one shape, N >= 2; got {a.shape}, {b.shape}")


def pretrain(
    arch: str,
    views: tuple[np.ndarray, np.ndarray],
    settings: ContrastiveSettings,
    normalization: Normalization,
    *,
    num_classes: int,
    device: str = "cpu",
    workdir: Path | None = None,
    on_epoch: Callable[[int], None] | None = None,
) -> ContrastiveResult:
    """Pretrain ``arch``'s encoder on ``views`` (two uint8 ``(N, S, S, 3)`` arrays, row i of
    each the same image at two compression levels) with NT-Xent.

    ``num_classes`` sizes the (unused) head so the encoder's keys are the classifier's. With a
    ``workdir`` every epoch rewrites ``checkpoint.pt`` (encoder, projection head, optimiser,
    curve) and then calls ``on_epoch(epoch)``; a ``checkpoint.pt`` already there is resumed.
    """
    a, b = views
    check_views(a, b)
    dev = torch.device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = build(arch, num_classes, a.shape[1])
        head = ProjectionHead(model.classifier.in_features, settings.projection_dim)
    model.to(dev)
    head.to(dev)
    params = [p for k, p in model.named_parameters() if not k.startswith(HEAD_PREFIX)]
    optimizer = torch.optim.Adam([*params, *head.parameters()], lr=settings.lr)
    identity = {"arch": arch, "n": len(a), **settings.pretraining_config(),
                "normalization": asdict(normalization)}  # fmt: skip
    history = resume(workdir, identity, model, head, optimizer) if workdir else []
    data = (to_device_images(a, dev), to_device_images(b, dev))
    for epoch in range(len(history) + 1, settings.epochs + 1):
        generator = torch.Generator(dev).manual_seed(epoch_seed(settings.seed, epoch))
        history.append(pretrain_epoch(epoch, model, head, optimizer, data, settings,
                                      normalization, generator))  # fmt: skip
        if workdir is not None:
            state = {"identity": identity, "model": model.state_dict(),
                     "head": head.state_dict(), "optimizer": optimizer.state_dict(),
                     "history": [asdict(r) for r in history]}  # fmt: skip
            checkpoint.save_atomic(state, Path(workdir) / checkpoint.CHECKPOINT)
        if on_epoch is not None:
            on_epoch(epoch)
    return ContrastiveResult(encoder_state(model), history)


def pretrain_epoch(
    epoch: int,
    model: nn.Module,
    head: ProjectionHead,
    optimizer: torch.optim.Optimizer,
    data: tuple[torch.Tensor, torch.Tensor],
    settings: ContrastiveSettings,
    normalization: Normalization,
    generator: torch.Generator,
) -> ContrastiveRecord:
    """One pass over device uint8 ``(N, 3, S, S)`` views in a random order; a last batch of
    one pair is skipped (NT-Xent needs another image to push away)."""
    model.train()
    head.train()
    started = time.perf_counter()
    a, b = data
    order = torch.randperm(len(a), generator=generator, device=a.device)
    totals = torch.zeros(4, dtype=torch.float64)  # loss, top-1 and alignment sums, pairs
    for start in range(0, len(order), settings.batch_size):
        index = order[start : start + settings.batch_size]
        if len(index) < 2:
            break
        views = [model_input(crop_flip(v[index], generator, CROP_PADDING, FLIP_PROBABILITY),
                             normalization) for v in (a, b)]  # fmt: skip
        projections = head(model.embed(torch.cat(views)))
        scores = nt_xent(projections[: len(index)], projections[len(index) :],
                         settings.temperature)  # fmt: skip
        optimizer.zero_grad(set_to_none=True)
        scores.loss.backward()
        optimizer.step()
        n = len(index)
        totals += torch.tensor([scores.loss.item() * n, scores.positive_top1 * n,
                                scores.alignment * n, n], dtype=torch.float64)  # fmt: skip
    loss, top1, alignment, n = totals.tolist()
    return ContrastiveRecord(epoch, loss / n, top1 / n, alignment / n,
                             elapsed(started, a.device), int(n))  # fmt: skip


def resume(
    workdir: Path,
    identity: dict,
    model: nn.Module,
    head: ProjectionHead,
    optimizer: torch.optim.Optimizer,
) -> list[ContrastiveRecord]:
    """Restore encoder, head, optimiser and curve from ``workdir/checkpoint.pt`` (an empty
    curve if absent); a checkpoint of another run is a one-line ValueError."""
    path = Path(workdir) / checkpoint.CHECKPOINT
    if not path.exists():
        return []
    state = checkpoint.load(path)
    if state["identity"] != identity:
        raise ValueError(f"{path} belongs to another run ({state['identity']}); "
                         f"expected {identity}")  # fmt: skip
    model.load_state_dict(state["model"])
    head.load_state_dict(state["head"])
    optimizer.load_state_dict(state["optimizer"])
    return [ContrastiveRecord(**r) for r in state["history"]]


def freeze_encoder(model: nn.Module) -> None:
    """Freeze everything but the final ``Linear``: no gradients, and every module of the
    encoder stays in eval mode (BatchNorm keeps the pretraining's statistics) even when the
    training loop calls ``model.train()``."""
    for key, param in model.named_parameters():
        param.requires_grad_(key.startswith(HEAD_PREFIX))
    for name, module in model.named_modules():
        if name and not name.startswith(HEAD_PREFIX.rstrip(".")) and not list(module.children()):
            module.register_forward_pre_hook(_stay_in_eval)


def _stay_in_eval(module: nn.Module, _inputs: tuple) -> None:
    module.train(False)


def probe_init(encoder: dict[str, torch.Tensor], probe: str) -> Callable[[nn.Module], None]:
    """What starts a probe classifier (``init`` of :func:`lcc.train.train`): load ``encoder``
    (:func:`encoder_state`) into every weight but the head's, and with ``probe == "linear"``
    :func:`freeze_encoder`; ``"finetune"`` trains everything from there."""
    ContrastiveSettings(probe=probe)  # a one-line ValueError for an unknown probe

    def init(model: nn.Module) -> None:
        missing, unexpected = model.load_state_dict(encoder, strict=False)
        if unexpected or any(not k.startswith(HEAD_PREFIX) for k in missing):
            raise ValueError(f"encoder weights do not fit the classifier: missing {missing}, "
                             f"unexpected {unexpected}")  # fmt: skip
        if probe == "linear":
            freeze_encoder(model)

    return init
