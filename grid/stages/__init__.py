"""Stage functions, one module per stage, their declarations and their registry.

Importing this package registers nothing (:mod:`grid.stages.registry` is torch-free, for
status and analysis); :mod:`grid.stages.declared` declares grid's own stages without their
functions (no torch: what planning and the launcher read); :mod:`grid.stages.builtin`
imports every stage module, which registers its function. The select and report stages are
declared and registered from the analysis side (analysis/declared.py, analysis/stages.py, a
default plugin of :func:`grid.plugins.import_plugins`).
"""
