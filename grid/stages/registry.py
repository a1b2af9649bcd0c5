"""Stage registry: stage name -> what the stage is (its declaration) and the function that
runs one job of it.

A stage's :class:`Declaration` (version, tables, resource class, partial inputs, disk
estimate) is entered with :func:`declare`, from a module that imports no implementation
(grid/stages/declared.py, analysis/declared.py), so the launcher, its dry run and its disk
check read it without torch: :func:`declaration`. Its function is registered with
:func:`stage` from the stage's own module (imported where jobs run: grid.runner), which
checks what it says against the declaration.

A stage's version is written once: grid's own stages (and analysis's select and report) have
theirs in :data:`grid.stage_table.STAGE_VERSIONS` (:data:`BUILT_IN`), and their ``declare``
and ``@stage`` give none; a plugin stage gives ``@stage(name, version=N)`` (or
``declare(name, version=N)``) once, which enters the table.

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

from grid.stage_table import SELECT_METHODS, STAGE_TABLES, STAGE_VERSIONS, stage_version

if TYPE_CHECKING:
    from grid.context import JobContext

# The stages whose version grid/stage_table.py declares (read before any plugin enters one):
# their declare(...) and @stage(...) must not repeat it, so a bump is one edit.
BUILT_IN = frozenset(STAGE_VERSIONS)

StageFn = Callable[["JobContext"], dict[str, pd.DataFrame]]
# A stage's resource class (a cluster profile's ``[resources.<class>]``): one name for every
# job of the stage, or a function of a job's resolved config returning it (encode: a learned
# codec needs the GPU, JPEG, noise and blur do not). Stage.resource_class reads either.
ResourcesFn = Callable[[dict], str]
# A stage's disk estimate: the bytes one job of it writes into its job folder (artifacts and
# rows), from its resolved config alone (grid/disk.py sums them over a launch).
DiskFn = Callable[[dict], int]

__all__ = [
    "BUILT_IN",
    "DECLARED",
    "SELECT_METHODS",
    "STAGES",
    "STAGE_ORDER",
    "STAGE_TABLES",
    "STAGE_VERSIONS",
    "Declaration",
    "DiskFn",
    "ResourcesFn",
    "Stage",
    "declaration",
    "declare",
    "get_declared",
    "get_stage",
    "stage",
    "stage_version",
]


def _resource_class(resources: str | ResourcesFn, config: dict) -> str:
    return resources(config) if callable(resources) else resources


@dataclass(frozen=True)
class Declaration:
    """What a stage is, without its function: the fields of :class:`Stage` but ``fn``, with
    the same meaning. Entered with :func:`declare`; read with :func:`declaration`."""

    name: str
    tables: tuple[str, ...]
    resources: str | ResourcesFn = "cpu"
    partial_inputs: bool = False
    version: int = 1
    disk: DiskFn | None = None

    def resource_class(self, config: dict) -> str:
        """The resource class one job of this stage, of resolved ``config``, asks for."""
        return _resource_class(self.resources, config)


@dataclass(frozen=True)
class Stage:
    """A registered stage.

    ``tables`` are the result tables its rows go to; ``resources`` is the cluster-profile
    resource class its jobs ask for (``"cpu"`` or ``"gpu"``), or a function of a job's
    config returning it: read it with :meth:`resource_class`, never directly. A stage with
    ``partial_inputs`` (the report) runs once every input has ended, done or failed, and
    reads what finished.
    ``version`` is its entry of :data:`STAGE_VERSIONS`. ``disk`` estimates the bytes one job
    writes from its config (None: no estimate; :mod:`grid.disk` counts it as 0 and says so).
    """

    name: str
    fn: StageFn
    tables: tuple[str, ...]
    resources: str | ResourcesFn
    partial_inputs: bool = False
    version: int = 1
    disk: DiskFn | None = None

    def resource_class(self, config: dict) -> str:
        """The resource class one job of this stage, of resolved ``config``, asks for."""
        return _resource_class(self.resources, config)


STAGES: dict[str, Stage] = {}
DECLARED: dict[str, Declaration] = {}

# The DAG's stage order, for display and for validating sweeps. A stage missing from STAGES
# is "not available yet" (its module is not installed) and the launcher says so.
STAGE_ORDER = (
    "fit-codec",
    "gate-reference",
    "check-codec",
    "encode",
    "gabor",
    "contrastive",
    "prepare-cifar10c",
    "train",
    "evaluate",
    "fourier",
    "saliency",
    "select",
    "report",
)


def _declared(table: dict, name: str, value, what: str):
    """``value`` checked against ``table[name]``; for a stage not declared there (a plugin's)
    the value given, which :func:`stage` then enters."""
    if name not in table:
        if value is None:
            raise ValueError(f"stage {name!r} is not in {what}; give @stage(..., {what}=...)")
        return value
    if value is not None and value != table[name]:
        raise ValueError(
            f"stage {name!r} says {what}={value!r} but grid/stage_table.py declares "
            f"{table[name]!r}; change both together"
        )
    return table[name]


def _check_version(name: str, version: object) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"stage {name!r}: version must be an integer >= 1; got {version!r}")


def _version(name: str, version: int | None) -> int:
    """The version of stage ``name``: :data:`STAGE_VERSIONS`'s for a :data:`BUILT_IN` stage
    (``version`` must be None: it is written there only), else ``version``, which must equal
    the one a plugin stage entered before; None for a stage not in the table is a
    ValueError (every stage has a version: it is part of each job's signature)."""
    if name in BUILT_IN:
        if version is not None:
            raise ValueError(
                f"stage {name!r} says version={version!r} but its version is "
                f"grid/stage_table.py's ({STAGE_VERSIONS[name]}); give none here, bump it there"
            )
        return STAGE_VERSIONS[name]
    if version is None:
        if name in STAGE_VERSIONS:  # a plugin's, entered by its declare(name, version=N)
            return STAGE_VERSIONS[name]
        raise ValueError(
            f"stage {name!r} has no version; a plugin stage gives @stage({name!r}, version=N) "
            f"(grid/stage_table.py declares those of: {', '.join(sorted(BUILT_IN))})"
        )
    _check_version(name, version)
    return _declared(STAGE_VERSIONS, name, version, "version")


def declare(
    name: str,
    *,
    version: int | None = None,
    tables: tuple[str, ...] | None = None,
    resources: str | ResourcesFn = "cpu",
    partial_inputs: bool = False,
    disk: DiskFn | None = None,
) -> Declaration:
    """Declare stage ``name`` (:class:`Declaration`) and return it. A :data:`BUILT_IN` stage
    gives no ``version`` (it is :data:`STAGE_VERSIONS`'s) and ``tables``, when given, must
    equal :data:`STAGE_TABLES`'s (the default); a stage not declared there (a plugin's) gives
    its ``version`` and enters both tables with the values given. ``resources`` is the
    resource class of every job (``"cpu"``, ``"gpu"``) or ``resources(config) -> str``, the
    class of one job from its resolved config; ``disk(config) -> int`` the bytes one job
    writes (a plain function beside the declaration, saying what it counts), read by the
    launcher's disk estimate (:mod:`grid.disk`). Declaring a stage again with other values is
    a ValueError."""
    version = _version(name, version)
    tables = _declared(STAGE_TABLES, name, None if tables is None else tuple(tables), "tables")
    STAGE_VERSIONS[name], STAGE_TABLES[name] = version, tables
    new = Declaration(name, tables, resources, partial_inputs, version, disk)
    if DECLARED.get(name, new) != new:
        raise ValueError(f"stage {name!r} declared twice, differently: {DECLARED[name]} and {new}")
    DECLARED[name] = new
    return new


def stage(
    name: str,
    *,
    version: int | None = None,
    tables: tuple[str, ...] | None = None,
    resources: str | ResourcesFn | None = None,
    partial_inputs: bool | None = None,
    disk: DiskFn | None = None,
) -> Callable:
    """Decorator registering ``fn`` as the function of stage ``name``.

    A declared stage (:func:`declare`) takes its declaration: what the decorator says (the
    arguments given) must equal it; a :data:`BUILT_IN` stage gives no ``version``. A stage not
    declared (a plugin's, or a test's) is declared here with the values given, ``version``
    among them (:func:`declare`'s defaults for the others left out).
    """
    given = {"resources": resources, "partial_inputs": partial_inputs, "disk": disk}
    if name in DECLARED:
        _version(name, version)
        _declared(STAGE_TABLES, name, None if tables is None else tuple(tables), "tables")
        declared = DECLARED[name]
        for what, value in given.items():
            if value is not None and value != getattr(declared, what):
                raise ValueError(
                    f"stage {name!r} says {what}={value!r} but its declaration says "
                    f"{getattr(declared, what)!r}; change both together"
                )
    else:
        set_ = {what: value for what, value in given.items() if value is not None}
        declared = declare(name, version=version, tables=tables, **set_)

    def register(fn: StageFn) -> StageFn:
        if name in STAGES and STAGES[name].fn is not fn:
            raise ValueError(f"stage {name!r} registered twice")
        STAGES[name] = Stage(
            name,
            fn,
            declared.tables,
            declared.resources,
            declared.partial_inputs,
            declared.version,
            declared.disk,
        )
        return fn

    return register


def declaration(name: str) -> Stage | Declaration | None:
    """What stage ``name`` is: its registered :class:`Stage` where this process imported its
    function (it agrees with the declaration: :func:`stage` checks), else its
    :class:`Declaration`; None when the stage is neither (its module is not installed)."""
    return STAGES.get(name) or DECLARED.get(name)


def get_declared(name: str) -> Stage | Declaration:
    """:func:`declaration` of stage ``name``; a one-line KeyError listing the known ones when
    it has none."""
    found = declaration(name)
    if found is None:
        valid = ", ".join(sorted({*STAGES, *DECLARED})) or "none"
        raise KeyError(f"stage {name!r} is not declared; declared stages: {valid}")
    return found


def get_stage(name: str) -> Stage:
    """The registered stage ``name``; a one-line error listing the valid ones otherwise."""
    if name not in STAGES:
        valid = ", ".join(sorted(STAGES)) or "none"
        raise KeyError(f"stage {name!r} is not available; available stages: {valid}")
    return STAGES[name]
