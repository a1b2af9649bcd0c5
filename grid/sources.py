"""Where each resolved setting came from: the defaults, the sweep file, the cluster profile or
the command line (issue 26).

A sweep part's settings are :data:`grid.settings.DEFAULTS`, merged with the part's ``SWEEP``,
then the command line's ``key=value`` overrides (:func:`grid.planner.resolve`); a Slurm launch
also takes each ``pack.<stage>`` the settings leave unset from the cluster profile's ``[pack]``
(:meth:`grid.profiles.Profile.pack_sizes`). :func:`setting_sources` names, for every leaf of
the resolved settings, the last of these that set it; ``plan.json`` records it
(:class:`grid.plan.Plan`) and ``show=config`` prints it (grid/show_config.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from grid import sweeps
from grid.settings import parse_overrides

DEFAULT, SWEEP, PROFILE, COMMAND_LINE = "default", "sweep", "profile", "command line"


def leaves(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value of every leaf of ``tree``: nested dicts are walked, an empty dict
    is a leaf (``{"select": {"top_k": 2}, "pack": {}}`` -> ``{"select.top_k": 2, "pack": {}}``)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping) and value:
            out |= leaves(value, f"{prefix}{key}.")
        else:
            out[prefix + key] = value
    return out


def _set_by(dotted: str, keys: Sequence[str]) -> bool:
    """Whether setting one of ``keys`` sets leaf ``dotted``: the key itself or an ancestor."""
    return any(dotted == key or dotted.startswith(key + ".") for key in keys)


def sources_of(
    settings: Mapping[str, Any], declared: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, str]:
    """Dotted key -> source of every leaf of one part's resolved ``settings``, given the part's
    ``SWEEP`` (``declared``) and the parsed command-line ``overrides``
    (:func:`grid.settings.parse_overrides`)."""
    from_sweep = list(leaves(declared))
    out = {}
    for dotted in leaves(settings):
        if _set_by(dotted, list(overrides)):
            out[dotted] = COMMAND_LINE
        elif _set_by(dotted, from_sweep):
            out[dotted] = SWEEP
        else:
            out[dotted] = DEFAULT
    return out


def setting_sources(
    overrides: Sequence[str], resolved: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    """Part -> dotted key -> source, for the ``resolved`` settings of each part
    (:func:`grid.planner.resolve`) planned with ``overrides`` (``["train.epochs=7"]``)."""
    flat = parse_overrides(overrides)
    return {
        part: sources_of(settings, sweeps.load(part).SWEEP, flat)
        for part, settings in resolved.items()
    }


def profile_packs(settings: Mapping[str, Any], profile_pack: Mapping[str, int]) -> dict[str, int]:
    """``pack.<stage>`` -> jobs per array task that a Slurm launch takes from the cluster
    profile's ``[pack]`` because ``settings`` leave them unset."""
    return {
        f"pack.{stage}": n for stage, n in profile_pack.items() if stage not in settings["pack"]
    }
