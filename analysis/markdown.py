"""Markdown rendering of the report's blocks and of small DataFrames (pipe tables), without
extra dependencies."""

from __future__ import annotations

import pandas as pd

from analysis import document
from analysis.document import Absent, Block, Bullets, Code, Figure, Heading, Link, Table, Text

INDEX_MD = "index.md"


def cell_text(value: object) -> str:
    """A pipe-table cell: :func:`analysis.document.cell_text`, pipes escaped, on one line."""
    return document.cell_text(value).replace("|", "\\|").replace("\n", " ")


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


def block_markdown(block: Block) -> str:
    """One block as Markdown, without the blank line that separates it from the next."""
    match block:
        case Heading(level, text):
            return f"{'#' * level} {text}"
        case Text(text):
            return text
        case Bullets(items):
            return "\n".join(f"- {item}" for item in items)
        case Absent(reason):
            return f"_Absent: {reason}._"
        case Link(label, href):
            return f"[{label}]({href})"
        case Table(frame):
            return to_markdown(frame).rstrip("\n")
        case Figure(name, href, data_href):
            return f"![{name}]({href})\n\n[data]({data_href})"
        case Code(text, language):
            return f"```{language}\n{text}\n```"
    raise TypeError(f"not a report block: {block!r}")


def render_markdown(blocks: list[Block]) -> str:
    """The blocks as one Markdown page, a blank line between blocks."""
    return "\n\n".join(block_markdown(block) for block in blocks) + "\n"
