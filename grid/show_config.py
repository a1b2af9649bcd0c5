"""``python -m grid.launch sweep=NAME show=config [key=value ...]``: every resolved setting and
where its value came from, without planning (issue 26; Hydra's ``--cfg job``).

One ``key=value  # source`` line a setting, in declaration order (grid/settings.py), per part
of the sweep; the source is ``default``, ``sweep``, ``command line`` (grid/sources.py, which
``plan.json`` records too) or ``profile`` for a ``pack.<stage>`` the cluster profile's
``[pack]`` gives a Slurm launch. Settings are validated as a launch validates them (a bad key
or value: one-line :class:`grid.cli.SettingsError`); no job is expanded, no data or results
folder is read or written, and neither torch nor compressai is imported.
"""

from __future__ import annotations

from collections.abc import Sequence

from grid.help import cli_value, table
from grid.planner import resolve
from grid.profiles import load_profile
from grid.sources import PROFILE, leaves, profile_packs, setting_sources
from grid.suggest import unknown

SHOW = ("config",)  # the values of show=


def config_lines(sweep: str, overrides: Sequence[str]) -> list[str]:
    """The lines ``show=config`` prints for ``sweep`` with ``overrides``."""
    resolved = resolve(sweep, overrides)
    sources = setting_sources(overrides, resolved)
    lines = []
    for part, settings in resolved.items():
        profile = load_profile(settings["cluster"])
        profile.pack_sizes(settings["pack"])  # a bad pack.<stage> is an error, as in a launch
        from_profile = profile_packs(settings, profile.pack)
        shown = {**settings, "pack": {**profile.pack, **settings["pack"]}}
        marks = {**sources[part], **dict.fromkeys(from_profile, PROFILE)}
        rows = [(f"{key}={cli_value(v)}", f"# {marks[key]}") for key, v in leaves(shown).items()]
        where = "" if part == sweep else f", part {part}"
        lines.append(
            f"# sweep {sweep}{where} (grid/sweeps/{part}.py), cluster profile {profile.name}"
        )
        lines += table(rows, indent="")
    return lines


def show(what: str, sweep: str, overrides: Sequence[str]) -> None:
    """Print ``show=what`` (:data:`SHOW`) of ``sweep``; a did-you-mean error for another."""
    if what not in SHOW:
        raise unknown("show value", what, SHOW)
    print("\n".join(config_lines(sweep, overrides)))
