"""The one "did you mean" line of every unknown name on the command line (issue 26).

An unknown key, sweep, executor, cluster profile or value among choices gets
:func:`unknown`: one line under :data:`MAX_LINE` characters naming the bad value, up to
:data:`CLOSEST` valid names nearest to it (:func:`difflib.get_close_matches`, as Python's own
"did you mean" does), every valid name when they fit on the line, and a pointer to ``--help``.
Imports nothing heavy (:mod:`grid.cli` is read by status and cancel without torch).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from grid.cli import SettingsError

MAX_LINE = 300  # characters: the longest error line the command line prints
CLOSEST = 3  # valid names suggested at most
# Characters of the bad value that count toward MAX_LINE: a longer one (a path) is still shown
# whole, and does not push the valid names off the line.
VALUE_BUDGET = 80
# difflib's similarity ratio (0..1) a valid name needs to be suggested: 0.6, difflib's default.
CUTOFF = 0.6
HELP = "python -m grid.launch --help"  # where every key, sweep, executor and profile is listed


def closest(value: Any, valid: Iterable[Any]) -> list[str]:
    """Up to :data:`CLOSEST` names of ``valid`` nearest to ``value``, nearest first."""
    return difflib.get_close_matches(str(value), [str(v) for v in valid], CLOSEST, CUTOFF)


def unknown_line(
    what: str, value: Any, valid: Iterable[Any], plural: str = "", where: str = "", pointer=HELP
) -> str:
    """``unknown key 'train.epoch'; did you mean train.epochs? ...``: one line naming ``value``
    in full (a ``what``, e.g. ``"key"``), its closest ``valid`` names, all of them when the
    line stays under :data:`MAX_LINE` characters, a value counting :data:`VALUE_BUDGET` at
    most (``plural``: the plural of ``what`` where it is not ``what + "s"``), and the pointer
    to ``--help`` (in their place where they do not fit);
    ``where`` (``"pack"``) follows the value as ``in pack``; ``pointer``: where the valid names
    are listed (``man sbatch`` for sbatch options)."""
    valid = [str(v) for v in valid]
    shown = repr(value)  # in full, however long (a path): the line names the bad value
    head = f"unknown {what} {shown}" + (f" in {where}" if where else "")
    near = closest(value, valid)
    guess = f"; did you mean {', '.join(near)}?" if near else ""
    valid_what = f"{' ' if near else '; '}valid {plural or what + 's'}: "
    line = f"{head}{guess}{valid_what}{', '.join(valid)} (see {pointer})"
    if len(line) - max(0, len(shown) - VALUE_BUDGET) >= MAX_LINE:
        line = f"{head}{guess}{valid_what}see {pointer}"
    return line


def unknown(
    what: str, value: Any, valid: Iterable[Any], plural: str = "", where: str = "", pointer=HELP
) -> SettingsError:
    """The :class:`SettingsError` to raise for an unknown ``value`` (:func:`unknown_line`)."""
    return SettingsError(unknown_line(what, value, valid, plural, where, pointer))
