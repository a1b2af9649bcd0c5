"""``--help`` / ``-h`` of the grid's entry points (grid.launch, grid.status, grid.cancel), made
from what it describes, never written twice (issue 26).

The usage line is the first line of the entry module's docstring; each sweep's line the first
sentence of its module's docstring (grid/sweeps/); each executor's that of its module
(:data:`grid.executors.EXECUTORS`, read with :mod:`ast`, so torch is not imported); each
profile's its ``description`` (slurm/profiles/); the keys, defaults and meanings
:data:`grid.settings.DEFAULTS` and :data:`grid.settings.MEANINGS`. ``--help sweep=NAME``
shows that sweep's docstring and the settings it sets. Imports no torch or compressai.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from collections.abc import Sequence

from grid import settings as grid_settings
from grid import sweeps
from grid.cli import split_sweep
from grid.executors import EXECUTORS as EXECUTOR_MODULES
from grid.profiles import load_profile, profile_names
from grid.sources import leaves
from grid.validate import EXECUTORS

HELP_FLAGS = ("--help", "-h")
COLUMN = 50  # characters the first column of a table is padded to, at most
ONE_LINE = 96  # characters of a sweep's or executor's description before it is cut with "…"
AUTO = "slurm where sbatch is on PATH, else local"  # grid.launch.choose_executor


def wants_help(argv: Sequence[str]) -> bool:
    """Whether ``argv`` asks for help (``--help`` or ``-h`` anywhere)."""
    return any(arg in HELP_FLAGS for arg in argv)


def cli_value(value: object) -> str:
    """``value`` as the command line spells it: ``null``, ``true``, ``[a,b]``, ``2``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ",".join(cli_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {cli_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def first_sentence(doc: str | None) -> str:
    """The first sentence of ``doc``'s first paragraph, on one line of at most :data:`ONE_LINE`
    characters (cut with "…")."""
    paragraph = " ".join((doc or "").strip().split("\n\n")[0].split())
    sentence = paragraph.split(". ")[0].rstrip(".")
    return sentence if len(sentence) <= ONE_LINE else sentence[: ONE_LINE - 1] + "…"


def _module_doc(module: str) -> str | None:
    """The docstring of ``module``, read from its source without importing it."""
    spec = importlib.util.find_spec(module)
    source = spec.loader.get_source(module) if spec and spec.loader else ""
    return ast.get_docstring(ast.parse(source or ""))


def table(rows: Sequence[tuple[str, str]], indent: str = "  ") -> list[str]:
    """Two columns, the first padded to its widest entry up to :data:`COLUMN` characters."""
    width = min(max((len(left) for left, _ in rows), default=0), COLUMN)
    return [f"{indent}{left.ljust(width)}  {right}".rstrip() for left, right in rows]


def sweep_lines() -> list[str]:
    """One line per shipped sweep: its name and its docstring's first sentence."""
    return table([(name, first_sentence(sweeps.load(name).__doc__)) for name in sweeps.names()])


def executor_lines() -> list[str]:
    """One line per executor: ``auto`` and each executor module's first sentence."""
    rows = [(name, AUTO if name == "auto" else "") for name in EXECUTORS]
    rows = [
        (name, text or first_sentence(_module_doc(EXECUTOR_MODULES[name].split(":")[0])))
        for name, text in rows
    ]
    return table(rows)


def profile_lines() -> list[str]:
    """One line per cluster profile of slurm/profiles/: its name and description."""
    return table([(name, load_profile(name).description) for name in profile_names()])


def setting_rows(tree: dict) -> list[tuple[str, str]]:
    """``(key=value, meaning)`` for every leaf of settings ``tree`` (no meaning for an entry of
    a dict setting, such as ``codecs.jpeg``)."""
    meanings = grid_settings.MEANINGS
    return [(f"{k}={cli_value(v)}", meanings.get(k, "")) for k, v in leaves(tree).items()]


def key_lines() -> list[str]:
    """One line per setting: ``key=default`` and its meaning (grid.settings.DECLARED)."""
    return table(setting_rows(grid_settings.DEFAULTS))


def _usage(command: str, doc: str | None) -> list[str]:
    """``usage: python -m grid.X ...`` and what it does: the entry module's docstring's first
    paragraph, ````python -m grid.X ...````: what it does."""
    first = " ".join((doc or "").strip().split("\n\n")[0].split())
    call, _, what = first.partition("``:")
    lines = [f"usage: {call.strip('`')}", f"       python -m {command} --help [sweep=NAME]"]
    if command == "grid.launch":
        lines.append("       python -m grid.launch sweep=NAME show=config [key=value ...]")
    return [*lines, "", what.strip()]


def _examples(command: str) -> list[str]:
    if command == "grid.launch":
        return [
            "  python -m grid.launch sweep=demo show=config epochs=2  # settings and their sources",
            "  python -m grid.launch sweep=demo dry_run=true           # the plan, nothing run",
            "  python -m grid.launch sweep=reproduce data.cifar10=/data/cifar-10-batches-py "
            "executor=local",
        ]
    return [
        f"  python -m {command} sweep=demo",
        f"  python -m {command} sweep=robustness results=/scratch/results",
    ]


def general_help(command: str, doc: str | None) -> str:
    """The whole ``--help`` of entry point ``command`` (``"grid.launch"``), whose module
    docstring is ``doc``."""
    aliases = ", ".join(f"{a}= ({k})" for a, k in grid_settings.ALIASES.items())
    lines = [
        *_usage(command, doc),
        "",
        "sweeps (sweep=NAME; --help sweep=NAME shows one):",
        *sweep_lines(),
        "",
        "executors (executor=NAME):",
        *executor_lines(),
        "",
        "cluster profiles (cluster=NAME for slurm/profiles/NAME.toml, or cluster=/path/mine.toml):",
        *profile_lines(),
        "",
        "keys (key=value with its default; lists as [a,b], null for none), and the short",
        f"forms {aliases}:",
        *key_lines(),
        "",
        "examples:",
        *_examples(command),
    ]
    return "\n".join(lines)


def sweep_help(command: str, doc: str | None, name: str) -> str:
    """``--help sweep=NAME``: the sweep's docstring, its parts and the settings each sets."""
    module = sweeps.load(name)
    lines = [*_usage(command, doc)[:1], "", f"sweep {name} (grid/sweeps/{name}.py):"]
    lines += ["  " + line for line in (module.__doc__ or "").strip().splitlines()]
    for part in getattr(module, "PARTS", None) or [name]:
        lines += [
            "",
            f"settings sweep {part} sets (the others are the defaults; --help lists them):",
        ]
        lines += table(setting_rows(sweeps.load(part).SWEEP)) or ["  (none)"]
    lines += ["", f"every resolved setting: python -m grid.launch sweep={name} show=config"]
    return "\n".join(lines)


def help_text(command: str, doc: str | None, argv: Sequence[str]) -> str:
    """``--help`` of ``command``: :func:`sweep_help` when ``argv`` names a sweep, else
    :func:`general_help`. Raises :class:`grid.cli.SettingsError` for an unknown sweep."""
    named = [arg for arg in argv if arg.startswith("sweep=")]
    if not named:
        return general_help(command, doc)
    name, _ = split_sweep(named)
    return sweep_help(command, doc, name)


def print_help(command: str, doc: str | None, argv: Sequence[str]) -> int:
    """Print :func:`help_text` and return the exit status 0, also when the reader stops early
    (``--help | head``: Python's documented way, stdout pointed at devnull)."""
    text = help_text(command, doc, argv)
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
