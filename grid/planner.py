"""Planning: a sweep name and ``key=value`` overrides → the validated, expanded :class:`Plan`.

Reads lcc's torch-free declarations (lcc.specs: codecs, models, recipes; lcc.data's
registry), so planning imports no torch or compressai (tests/test_layering.py); a stage's
implementation is imported by the job that runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import lcc.data
from grid import sweeps
from grid.expand import expand
from grid.expand_soft_labels import add_soft_labels
from grid.job import Job
from grid.plan import Plan
from grid.plugins import DEFAULT_DECLARATIONS, import_plugins
from grid.profiles import profile_path
from grid.settings import DEFAULTS, SettingsError, apply_overrides, merge, parse_overrides
from grid.sources import setting_sources
from grid.validate import validate


def resolve(sweep: str, overrides: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """The settings of each part of ``sweep`` with ``overrides`` applied, validated."""
    flat = parse_overrides(overrides)
    import_plugins(flat.get("plugins", []), DEFAULT_DECLARATIONS)  # a plan needs no stage functions
    module = sweeps.load(sweep)
    parts = getattr(module, "PARTS", None) or [sweep]
    resolved = {}
    for part in parts:
        declared = sweeps.load(part).SWEEP
        settings = apply_overrides(merge(DEFAULTS, declared), flat)
        validate(settings)
        profile_path(str(settings["cluster"]))
        _check_retries(settings["retries"])
        resolved[part] = fill_defaults(settings)
    return resolved


def fill_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with the empty lists that mean "all" filled in, once, so every job config
    and every later check reads explicit lists: ``corruptions=[]`` -> the ten thesis
    corruptions (:data:`lcc.data.CORRUPTIONS`), ``severities=[]`` -> 1..5
    (:data:`lcc.data.SEVERITIES`). ``severities=[]`` thus plans the jobs of the default."""
    settings["corruptions"] = list(settings["corruptions"]) or list(lcc.data.CORRUPTIONS)
    settings["severities"] = list(settings["severities"]) or list(lcc.data.SEVERITIES)
    return settings


def _check_retries(retries: Any) -> None:
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise SettingsError(f"retries={retries!r} is not a whole number >= 0 (e.g. retries=2)")


def plan(sweep: str, overrides: Sequence[str] = ()) -> Plan:
    """Expand ``sweep`` (a name from ``grid/sweeps``) with ``key=value`` overrides.

    Returns every job (stage, signature, dependencies, resolved config), the report job last.
    Raises :class:`grid.settings.SettingsError` for any bad sweep, key or value.
    """
    resolved = resolve(sweep, overrides)
    jobs: dict[str, Job] = {}
    for settings in resolved.values():
        for job in expand(settings, lcc.data.dataset_info):
            jobs.setdefault(job.signature, job)
        add_soft_labels(settings, lcc.data.dataset_info, lambda j: jobs.setdefault(j.signature, j))
    report = Job("report", {"sweep": sweep}, {"all": tuple(jobs)}, label=f"{sweep} report")
    return Plan(sweep, resolved, [*jobs.values(), report], setting_sources(overrides, resolved))
