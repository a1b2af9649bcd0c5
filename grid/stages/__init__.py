"""Stage functions, one module per stage, and their registry.

Importing this package registers nothing (:mod:`grid.stages.registry` is torch-free, for
status and analysis); :mod:`grid.stages.builtin` imports every stage module, which registers
it. The select and report stages are registered from the analysis side (analysis/stages.py,
a default plugin of :func:`grid.runner.import_plugins`).
"""
