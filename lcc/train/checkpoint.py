"""Checkpoint files of a training run, written atomically, loadable with ``weights_only=True``.

``checkpoint.pt``: resume state (weights, optimizer, finished epochs, curve, best epoch);
``best.pt`` / ``last.pt``: plain ``state_dict``s of the best and the latest epoch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from lcc.artifacts import BEST, CHECKPOINT, LAST
from lcc.atomic import atomic_path

__all__ = ["BEST", "CHECKPOINT", "LAST", "cpu_copy", "load", "save_atomic"]


def cpu_copy(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A deep copy of a ``state_dict`` on the CPU (shares no storage with the live model)."""
    return {key: value.detach().to("cpu", copy=True) for key, value in state.items()}


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename it over ``path``
    (:func:`lcc.atomic.atomic_path`: on an error the old file stays and the temporary goes)."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load(path: Path) -> Any:
    """Load a checkpoint file onto the CPU with ``weights_only=True``."""
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    return torch.load(path, map_location="cpu", weights_only=True)
