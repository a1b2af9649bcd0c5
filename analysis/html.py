"""HTML rendering of the report's blocks: one self-contained page (``index.html``).

The page needs no server and no network: figures are embedded as base64 PNG data URIs, the
style sheet is inline, and links point only at files of the report folder (CSVs, PNGs), so
the page reads the same from a ``file://`` URL, copied alone or with its folder. Cells are
written as in ``index.md`` (:func:`analysis.document.cell_text`), HTML-escaped. Columns of the
thesis' published values (``thesis``, ``thesis_*``) are shaded beside ours.
"""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

import pandas as pd

from analysis.document import (
    Absent,
    Block,
    Bullets,
    Code,
    Figure,
    Heading,
    Link,
    Table,
    Text,
    cell_text,
    code_spans,
)

INDEX_HTML = "index.html"
TALL_ROWS = 25  # a table with more rows scrolls in a box of about that height

STYLE = """\
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1d1d1f; background: #fff; margin: 0 auto; padding: 1.5em 2em 4em; max-width: 1250px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.35em; margin: 1.8em 0 0.5em; padding-bottom: 0.2em;
  border-bottom: 1px solid #d0d4da; }
h3 { font-size: 1.08em; margin: 1.5em 0 0.4em; }
code, pre { font: 0.9em/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code { background: #f2f3f5; padding: 0 0.25em; border-radius: 3px; }
pre { background: #f6f7f9; border: 1px solid #e1e4e8; padding: 0.8em; overflow: auto;
  max-height: 24em; }
a { color: #0b5cad; }
nav.toc { background: #f8f9fb; border: 1px solid #e1e4e8; border-radius: 6px; padding: 0.6em 1.2em;
  columns: 2 22em; column-gap: 2.5em; font-size: 0.93em; }
nav.toc ul { margin: 0.1em 0; padding-left: 1.1em; }
nav.toc > ul { padding-left: 0; list-style: none; }
nav.toc li { break-inside: avoid; }
nav.toc .absent, nav.toc .absent a { color: #8a8f98; }
.legend { font-size: 0.9em; color: #444; }
.scroll { overflow: auto; width: fit-content; max-width: 100%; margin: 0.4em 0 0.8em;
  border: 1px solid #e1e4e8; }
.scroll.tall { max-height: 36em; }
table { border-collapse: collapse; font-size: 0.88em; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #eceef1; text-align: left;
  vertical-align: top; }
th { background: #f2f3f5; position: sticky; top: 0; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.thesis { background: #fff3d1; }
th.thesis { background: #f6e3ae; }
tbody tr:hover td { background: #eef4fb; }
p.absent { color: #8a4b00; font-style: italic; }
p.empty { color: #666; font-style: italic; }
figure { margin: 0.4em 0 1em; }
figure img { display: block; max-width: 100%; height: auto; max-height: 820px;
  border: 1px solid #eceef1; }
figcaption { font-size: 0.88em; color: #555; margin-top: 0.2em; }
"""

# Records each image's decoded width, and the page's height in CSS pixels, once the page has
# loaded, so that a headless browser's DOM dump shows whether every figure decoded
# (analysis/browser.py, tests/test_report_browser.py).
SCRIPT = """\
addEventListener("load", () => {
  for (const img of document.images) img.dataset.naturalWidth = img.naturalWidth;
  document.body.dataset.imagesLoaded = document.images.length;
  document.body.dataset.pageHeight = document.documentElement.scrollHeight;
});
"""

LEGEND = (
    '<p class="legend">Shaded columns (<span class="thesis">&nbsp;thesis&nbsp;</span>) hold '
    "the thesis' published values, beside ours. Each table and figure links to the CSV behind "
    "it.</p>"
)


def inline(text: str) -> str:
    """Escaped ``text`` with its backtick spans as ``<code>``."""
    return "".join(
        f"<code>{escape(part)}</code>" if is_code else escape(part)
        for part, is_code in code_spans(text)
    )


def plain(text: str) -> str:
    """``text`` without its backticks (for the page title)."""
    return "".join(part for part, _ in code_spans(text))


def is_thesis_column(name: object) -> bool:
    """Whether a column holds the thesis' published values (``thesis``, ``thesis_*``)."""
    return str(name) == "thesis" or str(name).startswith("thesis_")


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _column_classes(frame: pd.DataFrame) -> list[str]:
    """A ``class`` attribute per column: ``num`` (right-aligned), ``thesis`` (shaded), or none."""
    attributes = []
    for i, name in enumerate(frame.columns):
        flags = (("num", _is_numeric(frame.iloc[:, i])), ("thesis", is_thesis_column(name)))
        names = " ".join(flag for flag, on in flags if on)
        attributes.append(f' class="{names}"' if names else "")
    return attributes


def table_html(frame: pd.DataFrame) -> str:
    """``frame`` as an HTML table (index dropped) in a box that scrolls sideways when wide and
    down when longer than :data:`TALL_ROWS` rows (header row kept in view); a note without rows."""
    if frame.empty:
        return '<p class="empty">(no rows)</p>'
    classes = _column_classes(frame)
    head = "".join(
        f'<th scope="col"{k}>{escape(str(c))}</th>'
        for k, c in zip(classes, frame.columns, strict=True)
    )
    rows = "\n".join(
        "<tr>"
        + "".join(f"<td{k}>{escape(cell_text(v))}</td>" for k, v in zip(classes, row, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    box = "scroll tall" if len(frame) > TALL_ROWS else "scroll"
    return (
        f'<div class="{box}"><table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody></table></div>"
    )


def figure_html(figure: Figure, folder: Path) -> str:
    """The figure's PNG embedded as a data URI, with links to the PNG and its data's CSV."""
    data = base64.b64encode((folder / figure.href).read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(figure.name)}">'
        f'<figcaption>{escape(figure.name)}: <a href="{escape(figure.href)}">PNG</a> · '
        f'<a href="{escape(figure.data_href)}">data (CSV)</a></figcaption></figure>'
    )


def _anchors(blocks: list[Block]) -> dict[int, str]:
    """A unique ``id`` per heading (by position in ``blocks``), from its text."""
    anchors: dict[int, str] = {}
    used: set[str] = set()
    for i, block in enumerate(blocks):
        if isinstance(block, Heading):
            slug = re.sub(r"[^a-z0-9]+", "-", plain(block.text).lower()).strip("-") or "section"
            anchor, n = slug, 2
            while anchor in used:
                anchor, n = f"{slug}-{n}", n + 1
            used.add(anchor)
            anchors[i] = anchor
    return anchors


def toc_html(blocks: list[Block], anchors: dict[int, str]) -> str:
    """Table of contents: sections and their subsections; absent items greyed and marked."""
    items: list[str] = []
    sub: list[str] = []

    def close() -> None:
        if sub:
            items[-1] += "<ul>" + "".join(sub) + "</ul>"
            sub.clear()

    for i, block in enumerate(blocks):
        if not isinstance(block, Heading) or block.level == 1:
            continue
        link = f'<a href="#{anchors[i]}">{inline(block.text)}</a>'
        if block.level == 2:
            close()
            items.append(f"<li>{link}")
        else:
            absent = i + 1 < len(blocks) and isinstance(blocks[i + 1], Absent)
            sub.append(f'<li class="absent">{link} (absent)</li>' if absent else f"<li>{link}</li>")
    close()
    return '<nav class="toc"><ul>' + "".join(f"{item}</li>" for item in items) + "</ul></nav>"


def block_html(block: Block, folder: Path, anchor: str | None = None) -> str:
    """One block as HTML; ``folder`` is the report folder that figure paths are relative to."""
    match block:
        case Heading(level, text):
            return f'<h{level} id="{anchor}">{inline(text)}</h{level}>'
        case Text(text):
            return f"<p>{inline(text)}</p>"
        case Bullets(items):
            return "<ul>" + "".join(f"<li>{inline(item)}</li>" for item in items) + "</ul>"
        case Absent(reason):
            return f'<p class="absent">Absent: {escape(reason)}.</p>'
        case Link(label, href):
            return f'<p><a href="{escape(href)}">{escape(label)}</a></p>'
        case Table(frame):
            return table_html(frame)
        case Figure():
            return figure_html(block, folder)
        case Code(text, _):
            return f"<pre><code>{escape(text)}</code></pre>"
    raise TypeError(f"not a report block: {block!r}")


def render_html(blocks: list[Block], folder: Path) -> str:
    """The blocks as one HTML page: the first level-1 heading is its title; a legend comes
    before the first section and the table of contents after it, so the page opens on what a
    reader came for (the report's first section is its headline: analysis/report.py)."""
    anchors = _anchors(blocks)
    title = next((plain(b.text) for b in blocks if isinstance(b, Heading) and b.level == 1), "")
    parts = []
    sections = 0
    for i, block in enumerate(blocks):
        if isinstance(block, Heading) and block.level == 2:
            sections += 1
            if sections == 1:
                parts.append(LEGEND)
            elif sections == 2:
                parts.append(toc_html(blocks, anchors))
        parts.append(block_html(block, folder, anchors.get(i)))
    if sections < 2:  # a page of one section (or none) still gets its contents, at the end
        parts.append(toc_html(blocks, anchors))
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}</style>\n"
        f"<script>\n{SCRIPT}</script>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
