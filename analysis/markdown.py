"""Markdown rendering of small DataFrames (pipe tables) without extra dependencies."""

from __future__ import annotations

import math

import pandas as pd


def cell_text(value: object) -> str:
    """A cell as text: blank for missing values, ``%.4g`` for floats, pipes escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(frame: pd.DataFrame) -> str:
    """``frame`` as a GitHub pipe table (index dropped); a note when it has no rows."""
    if frame.empty:
        return "_(no rows)_\n"
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(cell_text(v) for v in row) + " |"
        for row in frame.itertuples(index=False, name=None)
    ]
    return "\n".join([header, rule, *body]) + "\n"
