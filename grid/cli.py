"""The command line shared by launch, status and cancel, importing nothing heavy.

``grid.status`` and ``grid.cancel`` read a launched sweep's ``plan.json`` with only this,
:mod:`grid.plan` and :mod:`grid.store`: no torch, compressai or submitit
(tests/test_layering.py). :class:`SettingsError` lives here for that reason and is
re-exported by :mod:`grid.settings`.
"""

from __future__ import annotations

from collections.abc import Sequence

# The results folder when no ``results=`` is given (relative to the working directory).
DEFAULT_RESULTS = "results"


class SettingsError(ValueError):
    """A bad sweep name, key or value; its message is one line naming the valid choices."""


def split_sweep(argv: Sequence[str]) -> tuple[str, list[str]]:
    """``["sweep=demo", "epochs=2"]`` -> ``("demo", ["epochs=2"])``."""
    sweeps = [a.split("=", 1)[1] for a in argv if a.startswith("sweep=")]
    if len(sweeps) != 1:
        raise SettingsError(
            "give exactly one sweep=NAME (e.g. sweep=demo); --help lists the sweeps"
        )
    return sweeps[0], [a for a in argv if not a.startswith("sweep=")]


def take(args: Sequence[str], key: str) -> tuple[str | None, list[str]]:
    """The value of ``key=value`` in ``args`` (None when absent) and the other arguments."""
    values = [a.split("=", 1)[1] for a in args if a.startswith(f"{key}=")]
    if len(values) > 1:
        raise SettingsError(f"give {key}= at most once; got {', '.join(values)}")
    return (values[0] if values else None), [a for a in args if not a.startswith(f"{key}=")]


def flag(args: Sequence[str], key: str) -> tuple[bool, list[str]]:
    """Whether ``key=true`` is in ``args`` (``key=false`` or absent: False), and the rest."""
    value, rest = take(args, key)
    if value is None:
        return False, rest
    if value.lower() not in ("true", "false"):
        raise SettingsError(f"{key}={value!r} is not a boolean; valid values: true, false")
    return value.lower() == "true", rest
