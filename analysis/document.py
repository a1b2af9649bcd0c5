"""The report as a list of blocks, rendered to Markdown (:mod:`analysis.markdown`) and HTML
(:mod:`analysis.html`) from the same content.

Text in :class:`Heading`, :class:`Text` and :class:`Bullets` may mark code with backticks
(```plan.json```); that is its only markup. Paths (``href``) are relative to the report folder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Heading:
    """A section heading; ``level`` 1 is the page title, 2 a section, 3 a subsection."""

    level: int
    text: str


@dataclass(frozen=True)
class Text:
    """A paragraph."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list, one item per string."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Absent:
    """Why a figure or table is not drawn (the sweep's rows do not support it)."""

    reason: str


@dataclass(frozen=True)
class Link:
    """A link to a file of the report folder (a table's CSV, ``settings.json``)."""

    label: str
    href: str


@dataclass(frozen=True)
class Table:
    """A table; the index is not shown. Cells are shown as :func:`cell_text` writes them."""

    frame: pd.DataFrame


@dataclass(frozen=True)
class Figure:
    """A drawn figure: its name (``Figure 3.2``), its PNG and the CSV of the data behind it."""

    name: str
    href: str
    data_href: str


@dataclass(frozen=True)
class Code:
    """A preformatted block (the sweep settings as JSON)."""

    text: str
    language: str = ""


Block = Heading | Text | Bullets | Absent | Link | Table | Figure | Code


def cell_text(value: object) -> str:
    """A table cell as text: blank for missing values, ``%.4g`` for floats, else ``str``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def code_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` cut at backticks into ``(part, is_code)`` pieces, in order, empty parts dropped."""
    return [(part, i % 2 == 1) for i, part in enumerate(text.split("`")) if part]
