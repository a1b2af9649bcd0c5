"""The checkpoint of a codec fit: what a rerun in the same folder resumes from.

``checkpoint.pt`` (:data:`lcc.artifacts.CHECKPOINT`) is written atomically after every epoch:
the fit's settings (a rerun with other settings is refused), the model, both optimisers, the
numpy and torch RNG states, the rows so far, the optimizer steps and the held-out state
(:mod:`lcc.codecs.fit_schedule`). Restoring all of it makes a resumed fit end bit-for-bit equal
to an uninterrupted one on CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from compressai.models import CompressionModel

from lcc.atomic import atomic_path
from lcc.codecs.architectures import arch_record
from lcc.codecs.fit_schedule import resumed_state, start_state
from lcc.specs.fit_recipe import FitRecipe


def save_atomically(obj: object, path: Path) -> None:
    """``torch.save`` of ``obj`` to ``path``, all or nothing."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def fit_settings(
    codec: str,
    lmbda: float,
    n_images: int,
    n_val: int,
    recipe: FitRecipe,
    objective: dict[str, Any],
) -> dict[str, Any]:
    """What identifies a fit in its checkpoint: codec, λ, architecture, ``n_images`` training
    and ``n_val`` held-out images, the recipe and the objective's settings (only where it has
    some, so older checkpoints stay resumable)."""
    settings = {
        "codec": codec,
        "level": lmbda,
        "arch": arch_record(codec),
        "n_images": n_images,
        **recipe.as_config(),  # the plateau settings only for schedule plateau, as above
        "held_out": n_val,
    }
    if objective:
        settings["objective"] = dict(objective)
    return settings


@dataclass
class FitProgress:
    """Where a fit stands after its last finished epoch: one row per epoch, the optimizer
    steps taken and the held-out state (:mod:`lcc.codecs.fit_schedule`)."""

    rows: list[dict] = field(default_factory=list)
    steps: int = 0
    early: dict = field(default_factory=start_state)


@dataclass(frozen=True)
class FitCheckpoint:
    """The checkpoint file ``path`` of the fit with ``settings`` (:func:`fit_settings`) on
    ``device``."""

    path: Path
    settings: dict[str, Any]
    device: str

    def resume(
        self, model: CompressionModel, optimizers: tuple, rng: np.random.Generator
    ) -> FitProgress:
        """Load the saved state into ``model``, ``optimizers`` (network, auxiliary) and ``rng``
        and return the saved progress; a fresh start's progress when there is no checkpoint.
        A checkpoint of other settings is a one-line ValueError."""
        if not self.path.exists():
            return FitProgress()
        saved = torch.load(self.path, map_location=self.device, weights_only=True)
        if saved["settings"] != self.settings:
            diff = {
                k: (saved["settings"].get(k), v)
                for k, v in self.settings.items()
                if saved["settings"].get(k) != v
            }
            raise ValueError(
                f"checkpoint {self.path} belongs to another fit (saved vs requested: {diff})"
            )
        model.load_state_dict(saved["model"])
        optimizers[0].load_state_dict(saved["optimizer"])
        optimizers[1].load_state_dict(saved["aux_optimizer"])
        _restore_rng_states(saved["rng"], rng)
        return FitProgress(saved["rows"], saved["steps"], resumed_state(saved["early"]))

    def save(
        self,
        model: CompressionModel,
        optimizers: tuple,
        rng: np.random.Generator,
        progress: FitProgress,
    ) -> None:
        """Write the state after an epoch (what :meth:`resume` reads), atomically."""
        state = {
            "settings": self.settings,
            "model": model.state_dict(),
            "optimizer": optimizers[0].state_dict(),
            "aux_optimizer": optimizers[1].state_dict(),
            "rng": _rng_states(rng, self.device),
            "rows": progress.rows,
            "steps": progress.steps,
            "early": progress.early,
        }
        save_atomically(state, self.path)


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
