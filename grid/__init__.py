"""Grid engine: sweeps → DAG of jobs → executors (Slurm arrays, local, fake) → Parquet rows.

``grid.plan(sweep, overrides)`` expands a sweep for analysts and tools; users run
``python -m grid.launch sweep=NAME`` and ``python -m grid.status sweep=NAME``.

Importing ``grid`` (and :mod:`grid.store`, :mod:`grid.plan`, :mod:`grid.status`) loads no
torch, compressai or submitit (docs/ARCHITECTURE.md, tests/test_layering.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from grid.plan import Plan  # loads the module grid.plan first, so the function below wins


def plan(sweep: str, overrides: Sequence[str] = ()) -> Plan:
    """Expand ``sweep`` with ``key=value`` overrides: :func:`grid.planner.plan`.

    Planning needs lcc (torch, compressai); it is loaded on the first call, the one deferred
    import in grid, so that tools reading results through ``grid`` stay torch-free.
    """
    from grid.planner import plan as expand_sweep

    return expand_sweep(sweep, overrides)


__all__ = ["Plan", "plan"]
