"""The sweep report: ``python -m analysis.report results/<sweep> [--out DIR]``.

Writes a self-contained folder (default ``results/<sweep>/report``): ``index.md`` with every
table and figure, ``figures/`` (PNG + the CSV behind each), ``tables/`` (Markdown + CSV),
``settings.json``, ``provenance.csv``, ``missing.csv`` and ``refused.csv``. A figure without
data is listed as not drawn, with what it needs, never drawn empty.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.derived import Derived
from analysis.figures.accuracy import (
    accuracy_data,
    draw_accuracy_vs_distortion,
    draw_accuracy_vs_rate,
    training_quality,
)
from analysis.figures.common import NoDataError
from analysis.figures.examples import draw_examples, example_data
from analysis.figures.parameters import draw_parameters, parameter_data
from analysis.figures.rate_distortion import draw_rate_distortion, rate_distortion_data
from analysis.figures.robustness import (
    bda_sets,
    by_corruption,
    by_severity,
    chosen_cells,
    clean_vs_corrupt,
    draw_by_corruption,
    draw_by_severity,
    draw_clean_vs_corrupt,
)
from analysis.figures.spectra import draw_spectra, spectra_data
from analysis.images import image_sets
from analysis.load import Results, load
from analysis.markdown import to_markdown
from analysis.provenance import package_versions, provenance_summary
from analysis.tables import table_3_1, table_4_1, table_4_2, table_4_3, table_model_sizes
from analysis.thesis_numbers import ROBUSTNESS_SETTING

TIES = """\
- Best epoch: the earliest epoch reaching the maximum test accuracy (NaN epochs never win).
- Best of seeds: the smallest seed reaching the maximum clean accuracy.
- BDA / BDAD / BDADS: scores compared after rounding to 12 decimals; tied levels are ranked
  smaller numeric level first.
- Figure 3.3: a codec's level nearest in mean bpp to the anchor column; ties: smaller level.
- Accuracy is top-1 on CIFAR-10 (and `synthetic`), top-5 on Tiny ImageNet (and
  `synthetic-tiny`), as in the thesis.
- Runs with a missing planned job, a NaN accuracy or a seed without a clean row, and selection
  groups with a missing or NaN cell, are refused (listed below), never averaged.
"""


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: its number, title, and how to build and draw it."""

    number: str
    title: str
    draw: Callable[[Results, Derived, Path], Path]


def _fig_3_4(r: Results, d: Derived, out: Path) -> Path:
    data = accuracy_data(d.best_epochs, d.epoch_summary, training_quality(r.rate_distortion))
    return draw_accuracy_vs_rate(data, out)


def _fig_3_5(r: Results, d: Derived, out: Path) -> Path:
    data = accuracy_data(d.best_epochs, d.epoch_summary, training_quality(r.rate_distortion))
    return draw_accuracy_vs_distortion(data, out)


FIGURES = (
    FigureSpec(
        "3.2",
        "Rate-distortion curves (±1 std over training images)",
        lambda r, d, out: draw_rate_distortion(rate_distortion_data(r.rate_distortion), out),
    ),
    FigureSpec(
        "3.3",
        "Examples of compressed images at matched bit rates",
        lambda r, d, out: draw_examples(
            example_data(r.rate_distortion, image_sets(r.plan, r.results_root)), out
        ),
    ),
    FigureSpec("3.4", "Clean accuracy vs bit rate of the training data", _fig_3_4),
    FigureSpec("3.5", "Clean accuracy vs PSNR / SSIM of the training data", _fig_3_5),
    FigureSpec(
        "3.6",
        "Fewer parameters and compressed data",
        lambda r, d, out: draw_parameters(parameter_data(d.epochs, d.unavailable_train), out),
    ),
    FigureSpec(
        "4.1",
        "(BDA) mean accuracy over corruptions vs severity",
        lambda r, d, out: draw_by_severity(
            by_severity(bda_sets(d.best_eval, d.ranked)), out, "fig4_1", "BDA"
        ),
    ),
    FigureSpec(
        "4.2",
        "(BDA) accuracy per corruption",
        lambda r, d, out: draw_by_corruption(
            by_corruption(bda_sets(d.best_eval, d.ranked)), out, "fig4_2", "BDA"
        ),
    ),
    FigureSpec(
        "4.3",
        "(BDA) clean vs corrupted accuracy",
        lambda r, d, out: draw_clean_vs_corrupt(
            clean_vs_corrupt(bda_sets(d.best_eval, d.ranked)), out
        ),
    ),
    FigureSpec(
        "4.4",
        "(BDAD) mean accuracy over corruptions vs severity",
        lambda r, d, out: draw_by_severity(
            by_severity(chosen_cells(d.best_eval, d.ranked, "bdad")), out, "fig4_4", "BDAD"
        ),
    ),
    FigureSpec(
        "4.5",
        "(BDADS) mean accuracy over corruptions vs severity",
        lambda r, d, out: draw_by_severity(
            by_severity(chosen_cells(d.best_eval, d.ranked, "bdads")), out, "fig4_5", "BDADS"
        ),
    ),
    FigureSpec(
        "4.6",
        "(BDAD) accuracy per corruption",
        lambda r, d, out: draw_by_corruption(
            by_corruption(chosen_cells(d.best_eval, d.ranked, "bdad")), out, "fig4_6", "BDAD"
        ),
    ),
    FigureSpec(
        "4.7",
        "Mean log-magnitude Fourier spectra of the BDA-selected training sets",
        lambda r, d, out: draw_spectra(
            spectra_data(d.ranked, image_sets(r.plan, r.results_root)), out
        ),
    ),
)


def _tables(results: Results, derived: Derived) -> list[tuple[str, str, pd.DataFrame]]:
    """(file stem, heading, table) of every table of the report."""
    seeds = derived.chosen_seeds.merge(
        derived.epoch_summary[derived.epoch_summary["eval_set"] == "clean"][
            ["arch", "dataset", "train_set", "mean", "std"]
        ],
        on=["arch", "dataset", "train_set"],
        how="left",
    )
    return [
        (
            "table3_1",
            "Table 3.1 — mean bit rates (bpp) of the training sets",
            table_3_1(results.rate_distortion),
        ),
        ("table3_2_3_3", "Tables 3.2 / 3.3 — model sizes (parameters)", table_model_sizes()),
        (
            "table4_1",
            f"Table 4.1 — augmentation levels (thesis: {ROBUSTNESS_SETTING})",
            table_4_1(derived.best_eval),
        ),
        ("table4_2", "Table 4.2 — BDA ranking", table_4_2(derived.ranked)),
        ("table4_3", "Table 4.3 — BDAD best level per corruption", table_4_3(derived.ranked)),
        (
            "seeds",
            "Best of seeds (clean accuracy, max over epochs) and mean ± std over seeds",
            seeds,
        ),
        ("selections", "All BDA / BDAD / BDADS rankings", derived.ranked),
    ]


def write_report(results_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """Write the report of the sweep in ``results_dir``; returns the path of ``index.md``."""
    results = load(results_dir)
    out = Path(out_dir) if out_dir else results.results_dir / "report"
    (out / "tables").mkdir(parents=True, exist_ok=True)
    derived = Derived.of(results)
    lines = [f"# Report: sweep `{results.sweep}`", ""]
    lines += [
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} from `{results.results_dir}`.",
        "",
    ]
    lines += _counts(results)
    lines += _missing_section(results, derived, out)
    lines += ["## Tables", ""]
    for stem, heading, table in _tables(results, derived):
        table.to_csv(out / "tables" / f"{stem}.csv", index=False)
        (out / "tables" / f"{stem}.md").write_text(f"# {heading}\n\n{to_markdown(table)}")
        lines += [f"### {heading}", "", f"[CSV](tables/{stem}.csv)", "", to_markdown(table)]
    lines += ["## Figures", ""]
    for spec in FIGURES:
        lines += _figure_section(spec, results, derived, out / "figures")
    lines += ["## Tie-breaking and refusal rules", "", TIES]
    lines += _settings_section(results, out)
    lines += _provenance_section(results, out)
    index = out / "index.md"
    index.write_text("\n".join(lines) + "\n")
    return index


def _counts(results: Results) -> list[str]:
    counts = pd.DataFrame(
        [
            (name, len(frame), frame["signature"].nunique())
            for name, frame in results.tables.items()
        ],
        columns=["table", "rows", "jobs"],
    )
    planned = len(results.plan.jobs) if results.plan else 0
    return ["## Rows", "", f"Planned jobs: {planned}.", "", to_markdown(counts)]


def _missing_section(results: Results, derived: Derived, out: Path) -> list[str]:
    results.missing.to_csv(out / "missing.csv", index=False)
    refused = pd.concat(
        [derived.refused_runs.assign(kind="run"), derived.refused_groups.assign(kind="selection")],
        ignore_index=True,
    )
    refused.to_csv(out / "refused.csv", index=False)
    lines = [f"## Missing cells ({len(results.missing)})", ""]
    if results.plan is None:
        lines += ["No `plan.json`: missing cells cannot be listed.", ""]
    shown = ["stage", "label", "dataset", "arch", "train_set", "seed", "signature", "reason"]
    lines += ["[CSV](missing.csv)", "", to_markdown(results.missing[shown])]
    lines += [f"## Refused summaries ({len(refused)})", ""]
    lines += ["Runs and selection groups left out because cells are missing or NaN.", ""]
    lines += ["[CSV](refused.csv)", "", to_markdown(refused)]
    return lines


def _figure_section(spec: FigureSpec, results: Results, derived: Derived, out: Path) -> list[str]:
    heading = [f"### Figure {spec.number} — {spec.title}", ""]
    try:
        png = spec.draw(results, derived, out)
    except NoDataError as error:
        return [*heading, f"_Not drawn: {error}._", ""]
    rel = f"figures/{png.name}"
    return [*heading, f"![Figure {spec.number}]({rel})", "", f"[data]({rel[:-4]}.csv)", ""]


def _settings_section(results: Results, out: Path) -> list[str]:
    settings = json.dumps(results.settings, indent=1, sort_keys=True, default=str)
    (out / "settings.json").write_text(settings + "\n")
    return [
        "## Sweep settings",
        "",
        "[settings.json](settings.json)",
        "",
        "```json",
        settings,
        "```",
        "",
    ]


def _provenance_section(results: Results, out: Path) -> list[str]:
    summary = provenance_summary(results)
    summary.to_csv(out / "provenance.csv", index=False)
    versions = package_versions(results)
    versions.to_csv(out / "package_versions.csv", index=False)
    return [
        "## Provenance",
        "",
        "[CSV](provenance.csv)",
        "",
        to_markdown(summary),
        "### Package versions",
        "",
        to_markdown(versions),
    ]


def main(argv: list[str] | None = None) -> None:
    """Command line: write the report and print where ``index.md`` is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", help="results/<sweep>")
    parser.add_argument(
        "--out", default=None, help="report folder (default results/<sweep>/report)"
    )
    args = parser.parse_args(argv)
    print(write_report(args.results_dir, args.out))


if __name__ == "__main__":
    main()
