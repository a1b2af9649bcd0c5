"""The sweep report: ``python -m analysis.report results/<sweep> [--out DIR]``.

Writes a self-contained folder (default ``results/<sweep>/report``): ``index.md`` with every
table and figure, ``index.html`` (the same content as one page that opens from a ``file://``
URL: figures embedded, no network; :mod:`analysis.html`), ``figures/`` (PNG + the CSV behind
each), ``tables/`` (Markdown + CSV), ``contents.csv`` (each figure and table: drawn, or
absent and why), ``settings.json``, ``provenance.csv``, ``missing.csv``, ``refused.csv`` and
``stale.csv`` (done jobs whose stage code changed since they ran, grid/code.py).
Any sweep gets a report, complete or not: a figure or table its rows do not support (e.g.
chapter 4 in a sweep without a selection) is listed as absent with the reason, never drawn empty.

The page opens with what a reader came for (:data:`analysis.catalogue.HEADLINE`: the claims'
verdicts, the codec gate, the headline figures), then the bookkeeping (contents, row counts,
missing cells), then the other tables and figures of :mod:`analysis.catalogue`. The command
line's arguments and help are :mod:`analysis.report_cli`'s.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.catalogue import FIGURES, HEADLINE, TABLES, TIES, FigureSpec, TableSpec
from analysis.completeness import missing_cells
from analysis.derived import Derived
from analysis.document import Absent, Block, Bullets, Code, Figure, Heading, Link, Table, Text
from analysis.figures.common import NoDataError
from analysis.html import INDEX_HTML, render_html
from analysis.load import Results, load
from analysis.markdown import INDEX_MD, render_markdown, to_markdown
from analysis.needs import absence
from analysis.plan import describe_job
from analysis.provenance import package_versions, provenance_summary
from analysis.report_cli import parser
from grid.code import stale_jobs
from grid.usage import COLUMNS as USAGE_COLUMNS
from grid.usage import stage_usage

CONTENTS_COLUMNS = ["kind", "name", "title", "status", "reason", "file"]


def write_report(
    results_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    results: Results | None = None,
    derived: Derived | None = None,
) -> Path:
    """Write the report of the sweep in ``results_dir``; returns the path of ``index.md``.

    ``index.html`` beside it is rendered from the same blocks (:mod:`analysis.document`).
    ``results`` (:func:`analysis.load.load` of ``results_dir``) and ``derived`` (its
    :meth:`Derived.of`) are computed here unless given, e.g. by a caller that already has them.
    """
    results = results if results is not None else load(results_dir)
    out = Path(out_dir) if out_dir else results.results_dir / "report"
    for folder in (out / "tables", out / "figures"):
        _clear_outputs(folder)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    derived = derived if derived is not None else Derived.of(results)
    contents: list[dict] = []  # in page order: the headline, the other tables, the figures
    parts = {"Headline": [*HEADLINE]}
    parts["Tables"] = [s.name for s in TABLES if s.name not in HEADLINE]
    parts["Figures"] = [s.name for s in FIGURES if s.name not in HEADLINE]
    sections = {
        part: [Heading(2, part), *_sections(names, results, derived, out, contents)]
        for part, names in parts.items()
    }
    blocks: list[Block] = [
        Heading(1, f"Report: sweep `{results.sweep}`"),
        Text(f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} from `{results.results_dir}`."),
        *sections["Headline"],
    ]
    blocks += _contents_section(pd.DataFrame(contents, columns=CONTENTS_COLUMNS), out)
    blocks += _counts(results)
    blocks += _missing_section(results, derived, out)
    blocks += _stale_section(results, out)
    blocks += sections["Tables"] + sections["Figures"]
    blocks += [Heading(2, "Tie-breaking and refusal rules"), Bullets(TIES)]
    blocks += _usage_section(results, out)
    blocks += _settings_section(results, out)
    blocks += _provenance_section(results, out)
    index = out / INDEX_MD
    index.write_text(render_markdown(blocks), encoding="utf-8")
    (out / INDEX_HTML).write_text(render_html(blocks, out), encoding="utf-8")
    return index


def _sections(
    names: list[str], results: Results, derived: Derived, out: Path, contents: list[dict]
) -> list[Block]:
    """The sections of the catalogue's items ``names`` (tables and figures), in that order."""
    specs = {spec.name: spec for spec in (*TABLES, *FIGURES)}
    blocks: list[Block] = []
    for name in names:
        spec = specs[name]
        write = _table_section if isinstance(spec, TableSpec) else _figure_section
        blocks += write(spec, results, derived, out, contents)
    return blocks


def _clear_outputs(folder: Path) -> None:
    """Remove a previous report's tables / figures, so none outlives the rows it came from."""
    for path in folder.glob("*"):
        if path.is_file() and path.suffix in (".csv", ".md", ".png"):
            path.unlink()


def _contents_section(contents: pd.DataFrame, out: Path) -> list[Block]:
    contents.to_csv(out / "contents.csv", index=False)
    drawn = int((contents["status"] == "drawn").sum())
    return [
        Heading(2, f"Contents ({drawn} of {len(contents)} figures and tables drawn)"),
        Link("CSV", "contents.csv"),
        Table(contents[["kind", "name", "status", "reason"]]),
    ]


def _counts(results: Results) -> list[Block]:
    counts = pd.DataFrame(
        [
            (name, len(frame), frame["signature"].nunique())
            for name, frame in results.tables.items()
        ],
        columns=["table", "rows", "jobs"],
    )
    planned = len(results.plan.jobs) if results.plan else 0
    return [Heading(2, "Rows"), Text(f"Planned jobs: {planned}."), Table(counts)]


def _missing_section(results: Results, derived: Derived, out: Path) -> list[Block]:
    missing = missing_cells(results.missing, results.plan, results.results_root)
    missing.to_csv(out / "missing.csv", index=False)
    refused = pd.concat(
        [derived.refused_runs.assign(kind="run"), derived.refused_groups.assign(kind="selection")],
        ignore_index=True,
    )
    refused.to_csv(out / "refused.csv", index=False)
    blocks: list[Block] = [Heading(2, f"Missing cells ({len(missing)})")]
    if results.plan is None:
        blocks.append(Text("No `plan.json`: missing cells cannot be listed."))
    blocks.append(Text("Planned jobs without results, and the error each last recorded."))
    shown = ["stage", "label", "dataset", "arch", "train_set", "seed", "signature", "reason"]
    blocks += [Link("CSV", "missing.csv"), Table(missing[[*shown, "error"]])]
    blocks.append(Heading(2, f"Refused summaries ({len(refused)})"))
    blocks.append(Text("Runs and selection groups left out because cells are missing or NaN."))
    blocks += [Link("CSV", "refused.csv"), Table(refused)]
    return blocks


def _absent(kind: str, name: str, title: str, reason: str, contents: list[dict]) -> list[Block]:
    contents.append(dict(kind=kind, name=name, title=title, status="absent", reason=reason))
    return [Absent(reason)]


def _stale_section(results: Results, out: Path) -> list[Block]:
    """Done jobs whose stage code changed since they ran (grid/code.py): flagged, not
    rerun; their rows are in the tables above."""
    if results.plan is None:
        return []
    jobs = results.plan.jobs
    stale = stale_jobs(jobs, results.results_root)
    rows = [
        {**describe_job(results.plan, job), "changed": ", ".join(stale[job.signature])}
        for job in jobs
        if job.signature in stale
    ]
    columns = ["stage", "label", "signature", "changed"]
    frame = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    frame[columns].to_csv(out / "stale.csv", index=False)
    blocks: list[Block] = [Heading(2, f"Jobs computed by other code ({len(frame)})")]
    blocks.append(
        Text(
            "Done jobs whose stage's code (its module and every package file it imports) "
            "changed since they ran. Their rows are used as they are; to recompute them, bump "
            "the stage's version if the change alters results, or delete their job folders "
            "and relaunch."
        )
    )
    if rows:
        blocks += [Link("CSV", "stale.csv"), Table(frame[columns])]
    return blocks


def _table_section(
    spec: TableSpec, results: Results, derived: Derived, out: Path, contents: list[dict]
) -> list[Block]:
    title = f"{spec.name} — {spec.title}"
    heading: list[Block] = [Heading(3, title)]
    if reason := absence(spec.needs, results, derived):
        return heading + _absent("table", spec.name, spec.title, reason, contents)
    table = spec.build(results, derived)
    if table.empty:
        return heading + _absent("table", spec.name, spec.title, "no rows", contents)
    table.to_csv(out / "tables" / f"{spec.stem}.csv", index=False)
    (out / "tables" / f"{spec.stem}.md").write_text(f"# {title}\n\n{to_markdown(table)}")
    rel = f"tables/{spec.stem}.csv"
    contents.append(
        dict(kind="table", name=spec.name, title=spec.title, status="drawn", reason="", file=rel)
    )
    return [*heading, Link("CSV", rel), Table(table)]


def _figure_section(
    spec: FigureSpec, results: Results, derived: Derived, out: Path, contents: list[dict]
) -> list[Block]:
    heading: list[Block] = [Heading(3, f"{spec.name} — {spec.title}")]
    reason = absence(spec.needs, results, derived)
    if reason is None:
        try:
            png = spec.draw(results, derived, out / "figures")
        except NoDataError as error:
            reason = str(error)
    if reason:
        return heading + _absent("figure", spec.name, spec.title, reason, contents)
    rel = f"figures/{png.name}"
    contents.append(
        dict(kind="figure", name=spec.name, title=spec.title, status="drawn", reason="", file=rel)
    )
    return [*heading, Figure(spec.name, rel, f"{rel[:-4]}.csv")]


def _usage_section(results: Results, out: Path) -> list[Block]:
    """What the planned jobs used per stage (grid/usage.py), from the attempts recorded so
    far: the report may run before every job has ended."""
    jobs = results.plan.jobs if results.plan else []
    usage = stage_usage(jobs, results.results_root)
    pd.DataFrame([asdict(u) for u in usage]).to_csv(out / "usage.csv", index=False)
    frame = pd.DataFrame([u.cells() for u in usage], columns=list(USAGE_COLUMNS))
    blocks: list[Block] = [Heading(2, "Usage per stage")]
    blocks.append(
        Text(
            "CPU-, GPU- and wall-hours summed over every recorded attempt (done, failed, "
            "killed by the scheduler) of the planned jobs, the longest attempt and the largest "
            "peak memory of any. GPU-hours are wall time × the GPUs an attempt had. The CSV "
            "has the numbers unrounded (hours, seconds, GB)."
        )
    )
    if frame.empty:
        return [*blocks, Text("No attempt has recorded its usage yet.")]
    return [*blocks, Link("CSV", "usage.csv"), Table(frame)]


def _settings_section(results: Results, out: Path) -> list[Block]:
    settings = json.dumps(results.settings, indent=1, sort_keys=True, default=str)
    (out / "settings.json").write_text(settings + "\n")
    return [
        Heading(2, "Sweep settings"),
        Link("settings.json", "settings.json"),
        Code(settings, "json"),
    ]


def _provenance_section(results: Results, out: Path) -> list[Block]:
    summary = provenance_summary(results)
    summary.to_csv(out / "provenance.csv", index=False)
    versions = package_versions(results)
    versions.to_csv(out / "package_versions.csv", index=False)
    return [
        Heading(2, "Provenance"),
        Link("CSV", "provenance.csv"),
        Table(summary),
        Heading(3, "Package versions"),
        Table(versions),
    ]


def main(argv: list[str] | None = None) -> None:
    """Command line (:func:`analysis.report_cli.parser`): write the report and print where
    ``index.md`` and ``index.html`` are."""
    args = parser().parse_args(argv)
    index = write_report(args.results_dir, args.out)
    print(index)
    print(index.with_name(INDEX_HTML))


if __name__ == "__main__":
    main()
