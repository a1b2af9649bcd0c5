"""The training recipe: every value of the thesis' setup as a setting, plus named presets."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lcc.evaluate.normalization import get_normalization
from lcc.models import get_spec

AUGMENTATIONS = ("crop-flip", "rotate-flip", "none")
BEST_METRICS = ("top1", "top5")
TINY_DATASETS = ("tinyimagenet", "synthetic-tiny")

# One-word overrides of the thesis recipe. "author": the public notebooks' learning rate.
PRESETS: dict[str, dict[str, Any]] = {"thesis": {}, "author": {"lr": 0.1}}


@dataclass(frozen=True)
class Recipe:
    """SGD training settings; the defaults are the thesis' CIFAR-10 recipe.

    ``augment``: ``"crop-flip"`` (random ``image_size`` crop of the image zero-padded by
    ``crop_padding`` pixels, then a horizontal flip with p=0.5), ``"rotate-flip"`` (rotation by
    an angle uniform in ±``rotation_degrees``, nearest neighbour, zero fill; then the flip) or
    ``"none"``. ``normalize`` names a per-dataset normalisation. ``best_metric`` is the clean
    test metric that picks the best epoch (the thesis: top-1 on CIFAR-10, top-5 on Tiny
    ImageNet). The thesis does not state the rotation range; 15 degrees is this suite's choice.
    """

    epochs: int = 30
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 5e-4
    batch_size: int = 128
    augment: str = "crop-flip"
    normalize: str = "cifar10"
    crop_padding: int = 4
    rotation_degrees: float = 15.0
    eval_batch_size: int = 500
    best_metric: str = "top1"

    def __post_init__(self) -> None:
        if self.augment not in AUGMENTATIONS:
            raise ValueError(f"unknown augment {self.augment!r}; valid: {', '.join(AUGMENTATIONS)}")
        if self.best_metric not in BEST_METRICS:
            raise ValueError(
                f"unknown best_metric {self.best_metric!r}; valid: {', '.join(BEST_METRICS)}"
            )
        get_normalization(self.normalize)
        for name in ("epochs", "batch_size", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"recipe {name} must be >= 1; got {getattr(self, name)}")
        if self.lr <= 0:
            raise ValueError(f"recipe lr must be > 0; got {self.lr}")

    @classmethod
    def for_dataset(cls, dataset: str, arch: str, preset: str = "thesis") -> Recipe:
        """The thesis recipe for ``dataset`` and ``arch``, with a named preset applied.

        Tiny ImageNet (and its synthetic stand-in) uses rotation+flip, top-5 for the best
        epoch, and batch 200 for ResNets / 300 for VGGs; everything else the CIFAR-10 recipe.
        """
        if preset not in PRESETS:
            raise KeyError(f"unknown recipe preset {preset!r}; valid: {', '.join(PRESETS)}")
        settings: dict[str, Any] = {"normalize": dataset}
        if dataset in TINY_DATASETS:
            big_batch = 200 if get_spec(arch).family == "resnet" else 300
            settings |= {"augment": "rotate-flip", "batch_size": big_batch, "best_metric": "top5"}
        return cls(**settings | PRESETS[preset])

    def with_settings(self, settings: Mapping[str, Any]) -> Recipe:
        """A copy with ``settings`` (field name -> value) replaced; unknown names -> KeyError.

        A ``None`` value keeps the current setting (a sweep's "null = the default").
        """
        fields = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(settings) - set(fields))
        if unknown:
            raise KeyError(f"unknown recipe settings {unknown}; valid: {', '.join(fields)}")
        return dataclasses.replace(self, **{k: v for k, v in settings.items() if v is not None})

    def to_config(self) -> dict[str, Any]:
        """All settings as a JSON-able dict (the inverse of :meth:`with_settings`)."""
        return dataclasses.asdict(self)
