"""Plugins: modules imported before planning and in every job, which may register or replace
stages (the sweep setting ``plugins``). Torch-free, so planning a sweep loads no torch."""

from __future__ import annotations

import importlib

from grid.cli import SettingsError

# Plugins every plan and every job imports first: stages registered from above grid, whose
# functions read analysis (select, report), so that grid itself never imports analysis
# (docs/ARCHITECTURE.md); a sweep's ``plugins`` come after them and may replace them.
DEFAULT_PLUGINS = ("analysis.stages",)


def import_plugins(modules: list[str]) -> None:
    """Import the default plugins, then the sweep's plugin modules (they may register or
    replace stages)."""
    for module in (*DEFAULT_PLUGINS, *modules):
        try:
            importlib.import_module(module)
        except ImportError as err:  # a missing module, or one whose own imports fail
            raise SettingsError(f"plugin {module!r} cannot be imported: {err}") from None
