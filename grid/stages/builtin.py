"""Registers grid's own stages by importing every stage module of :mod:`grid.stages`."""

import importlib
import pkgutil

import grid.stages

for _module in pkgutil.iter_modules(grid.stages.__path__):
    if _module.name not in ("registry", "builtin"):
        importlib.import_module(f"grid.stages.{_module.name}")
