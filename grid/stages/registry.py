"""Stage registry: stage name -> the function that runs one job of that stage.

A stage function takes a :class:`~grid.context.JobContext` and returns its result rows as
``{table name: pandas.DataFrame}`` (tables from :mod:`grid.store.schemas`, without the
provenance columns, which the engine adds). Artifacts (arrays, checkpoints) go under
``ctx.workdir``. Registering is done with the :func:`stage` decorator in ``grid/stages/*.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from grid.context import JobContext

StageFn = Callable[["JobContext"], dict[str, pd.DataFrame]]


@dataclass(frozen=True)
class Stage:
    """A registered stage.

    ``tables`` are the result tables its rows go to; ``resources`` names the cluster-profile
    resource class its jobs ask for (``"cpu"`` or ``"gpu"``). A stage with ``partial_inputs``
    (the report) runs once every input has ended, done or failed, and reads what finished.
    """

    name: str
    fn: StageFn
    tables: tuple[str, ...]
    resources: str
    partial_inputs: bool = False


STAGES: dict[str, Stage] = {}

# The DAG's stage order, for display and for validating sweeps. A stage missing from STAGES
# is "not available yet" (its module is not installed) and the launcher says so.
STAGE_ORDER = (
    "fit-codec",
    "check-codec",
    "encode",
    "prepare-cifar10c",
    "train",
    "evaluate",
    "fourier",
    "select",
    "report",
)


def stage(
    name: str,
    *,
    tables: tuple[str, ...] = (),
    resources: str = "cpu",
    partial_inputs: bool = False,
) -> Callable:
    """Decorator registering ``fn`` as the function of stage ``name``."""

    def register(fn: StageFn) -> StageFn:
        if name in STAGES and STAGES[name].fn is not fn:
            raise ValueError(f"stage {name!r} registered twice")
        STAGES[name] = Stage(name, fn, tables, resources, partial_inputs)
        return fn

    return register


def get_stage(name: str) -> Stage:
    """The registered stage ``name``; a one-line error listing the valid ones otherwise."""
    if name not in STAGES:
        valid = ", ".join(sorted(STAGES)) or "none"
        raise KeyError(f"stage {name!r} is not available; available stages: {valid}")
    return STAGES[name]
