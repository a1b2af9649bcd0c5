"""Sweep declarations, one module per sweep; each defines ``SWEEP`` (settings that differ from
:data:`grid.settings.DEFAULTS`) or ``PARTS`` (names of sweeps combined into one, with the
command-line overrides applied to every part)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from grid.suggest import unknown
from lcc import thesis_levels

# The thesis' levels as lists (sweep settings are JSON lists); declared in lcc.thesis_levels.
JPEG_CH3 = list(thesis_levels.JPEG_CH3)
JPEG_CH4 = list(thesis_levels.JPEG_CH4)
LAMBDAS = list(thesis_levels.LAMBDAS)
NOISE_SIGMAS = list(thesis_levels.NOISE_SIGMAS)
BLUR_KERNELS = list(thesis_levels.BLUR_KERNELS)
VGG_REDUCED = list(thesis_levels.VGG_REDUCED)
RES_REDUCED = list(thesis_levels.RES_REDUCED)
JOINED_TOP_K = thesis_levels.JOINED_TOP_K


def names() -> list[str]:
    """Every sweep shipped in this package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load(name: str) -> ModuleType:
    """The module declaring sweep ``name``; a one-line error listing the sweeps otherwise."""
    if name not in names():
        raise unknown("sweep", name, names())
    return importlib.import_module(f"grid.sweeps.{name}")
