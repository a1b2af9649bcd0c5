"""Registers grid's own stage functions by importing every stage module of :mod:`grid.stages`
(each checked against its declaration, grid/stages/declared.py)."""

import importlib
import pkgutil

import grid.stages

for _module in pkgutil.iter_modules(grid.stages.__path__):
    if _module.name not in ("registry", "builtin", "declared"):
        importlib.import_module(f"grid.stages.{_module.name}")
