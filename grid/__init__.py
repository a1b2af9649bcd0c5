"""Grid engine: sweeps → DAG of jobs → executors (Slurm arrays, local, fake) → Parquet rows.

``grid.plan(sweep, overrides)`` expands a sweep for analysts and tools; users run
``python -m grid.launch sweep=NAME`` and ``python -m grid.status sweep=NAME``.
"""

from grid.plan import Plan, plan

__all__ = ["Plan", "plan"]
