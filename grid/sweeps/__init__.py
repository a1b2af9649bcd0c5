"""Sweep declarations, one module per sweep; each defines ``SWEEP`` (settings that differ from
:data:`grid.settings.DEFAULTS`) or ``PARTS`` (names of sweeps combined into one, with the
command-line overrides applied to every part)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from grid.settings import SettingsError

JPEG_CH3 = [1, 5, 10, 20, 40, 60]
JPEG_CH4 = [*JPEG_CH3, 80]
LAMBDAS = [0.001, 0.003, 0.005, 0.012, 0.033, 0.05, 0.1]
NOISE_SIGMAS = [1.0, 0.8, 0.3, 0.1, 0.05, 0.01]
BLUR_KERNELS = [9, 7, 5, 3]
VGG_REDUCED = ["vgg11-1", "vgg11-2", "vgg11-3", "vgg11-4", "vgg11-5"]
RES_REDUCED = ["res18-1", "res18-2", "res18-3", "res18-4"]


def names() -> list[str]:
    """Every sweep shipped in this package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load(name: str) -> ModuleType:
    """The module declaring sweep ``name``; a one-line error listing the sweeps otherwise."""
    if name not in names():
        raise SettingsError(f"unknown sweep {name!r}; valid sweeps: {', '.join(names())}")
    return importlib.import_module(f"grid.sweeps.{name}")
