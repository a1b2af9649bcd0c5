"""Plugins: modules imported before planning and in every job, which may declare, register or
replace stages (the sweep setting ``plugins``). Torch-free, so planning a sweep loads no torch.

A plan needs each stage's declaration only (grid/stages/registry.py): it imports grid's own
(grid/stages/declared.py, here) and :data:`DEFAULT_DECLARATIONS`; a job needs the stage
functions: it imports :data:`DEFAULT_PLUGINS` (and grid.runner imports grid's own stages).
"""

from __future__ import annotations

import importlib

import grid.stages.declared  # noqa: F401  (declares grid's own stages)
from grid.cli import SettingsError

# Plugins every job imports first: stages registered from above grid, whose functions read
# analysis (select, report), so that grid itself never imports analysis
# (docs/ARCHITECTURE.md); a sweep's ``plugins`` come after them and may replace them.
DEFAULT_PLUGINS = ("analysis.stages",)
# What every plan imports first instead: the declarations of those stages, without the
# analysis modules their functions import (analysis.report: seaborn, matplotlib, scipy).
DEFAULT_DECLARATIONS = ("analysis.declared",)


def import_plugins(modules: list[str], defaults: tuple[str, ...] = DEFAULT_PLUGINS) -> None:
    """Import ``defaults`` (a job's: :data:`DEFAULT_PLUGINS`; a plan's:
    :data:`DEFAULT_DECLARATIONS`), then the sweep's plugin modules (they may register or
    replace stages)."""
    for module in (*defaults, *modules):
        try:
            importlib.import_module(module)
        except ImportError as err:  # a missing module, or one whose own imports fail
            raise SettingsError(f"plugin {module!r} cannot be imported: {err}") from None
