"""The sweep report: ``python -m analysis.report results/<sweep> [--out DIR]``.

Writes a self-contained folder (default ``results/<sweep>/report``): ``index.md`` with every
table and figure, ``index.html`` (the same content as one page that opens from a ``file://``
URL: figures embedded, no network; :mod:`analysis.html`), ``figures/`` (PNG + the CSV behind
each), ``tables/`` (Markdown + CSV), ``contents.csv`` (each figure and table: drawn, or
absent and why), ``settings.json``, ``provenance.csv``, ``missing.csv``, ``refused.csv`` and
``stale.csv`` (done jobs whose stage code changed since they ran, grid/code.py).
Any sweep gets a report, complete or not: a figure or table its rows do not support (e.g.
chapter 4 in a sweep without a selection) is listed as absent with the reason, never drawn empty.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.claims import claims_table
from analysis.completeness import missing_cells, unavailable_runs
from analysis.derived import Derived
from analysis.document import Absent, Block, Bullets, Code, Figure, Heading, Link, Table, Text
from analysis.evidence import Evidence, evidence_of
from analysis.figures.accuracy import (
    accuracy_data,
    draw_accuracy_vs_distortion,
    draw_accuracy_vs_rate,
    training_quality,
)
from analysis.figures.codec_fit import codec_fit_data, draw_codec_fit
from analysis.figures.common import NoDataError
from analysis.figures.examples import draw_examples, example_data
from analysis.figures.fourier import draw_fourier, fourier_data
from analysis.figures.parameters import draw_parameters, parameter_data
from analysis.figures.rate_distortion import draw_rate_distortion, rate_distortion_data
from analysis.figures.robustness import (
    GROUPINGS,
    bda_sets,
    by_corruption,
    by_severity,
    chosen_cells,
    clean_vs_corrupt,
    control_sets,
    draw_by_corruption,
    draw_by_severity,
    draw_clean_vs_corrupt,
    figure_arms,
)
from analysis.figures.spectra import draw_spectra, spectra_data
from analysis.html import INDEX_HTML, render_html
from analysis.images import image_sets
from analysis.load import Results, load
from analysis.markdown import INDEX_MD, render_markdown, to_markdown
from analysis.plan import describe_job
from analysis.provenance import package_versions, provenance_summary
from analysis.seeds import epoch_choices, selection_optimism
from analysis.tables import (
    gate_table,
    rankings_table,
    table_3_1,
    table_4_1,
    table_4_2,
    table_4_3,
    table_model_sizes,
)
from analysis.thesis_numbers import ROBUSTNESS_SETTING
from grid.code import stale_jobs
from grid.help import sweep_lines
from grid.usage import COLUMNS as USAGE_COLUMNS
from grid.usage import stage_usage

TIES = (
    "Best epoch: the earliest epoch reaching the maximum clean accuracy, on the selection half "
    "of the test images for `best.pt` and everything evaluated from it, on all test images for "
    "the thesis' in-sample figures (NaN epochs never win).",
    "Held-out split: a fixed hash of each test image's row puts it in the selection half "
    "(epochs, seeds and levels are chosen there) or the judged half (the claims and the "
    "figures' accuracies are measured there); `moved`: the held-out and in-sample choices "
    "differ (blank where one side has no level).",
    "Claims: each comparison's estimate is a mean difference over the seeds both arms have and "
    "the judged images, with one-sided 95 % bounds from the seed-to-seed and image-to-image "
    "variance (`analysis/stats.py`); a claim holds when every comparison's lower bound clears "
    "zero, does not hold when one upper bound is below it, and is otherwise undecided with its "
    "minimum detectable effect (MDE, 80 % power). With one seed per arm nothing is decided.",
    "Best of seeds: the smallest seed reaching the maximum clean accuracy.",
    "BDA / BDAD / BDADS: scores compared after rounding to 12 decimals; tied levels are ranked "
    "smaller numeric level first.",
    "Figure 3.3: a codec's level nearest in mean bpp to the anchor column; ties: smaller level.",
    "Accuracy is top-1 on CIFAR-10 (and `synthetic`), top-5 on Tiny ImageNet (and "
    "`synthetic-tiny`), as in the thesis.",
    "Runs with a missing planned job, a NaN accuracy or a seed without a clean row, and "
    "selection groups with a missing or NaN cell, are refused (listed below), never averaged.",
    "Tables 4.2 / 4.3: `agrees` compares only levels both this sweep and the thesis ranked "
    "(Table 4.2 compares the two rankings cut to their common levels, `thesis_level_common`); "
    "it is blank where that comparison does not exist. `not ranked`: no level of ours there.",
)


def _lacks_bit_rates(r: Results, d: Derived) -> str | None:
    rows = r.rate_distortion
    if rows[(rows["split"] == "train") & rows["bpp"].notna()].empty:
        return "no training set with a bit rate (JPEG or a learned codec) in this sweep"
    return None


def _lacks_training(r: Results, d: Derived) -> str | None:
    return "no finished training in this sweep" if d.epochs.empty else None


def _lacks_cifar10c(r: Results, d: Derived) -> str | None:
    if (r.evaluation["eval_set"] == "cifar10c").any():
        return None
    return "no evaluation on CIFAR-10-C in this sweep"


def _lacks_gate(r: Results, d: Derived) -> str | None:
    if (r.codec_gate["role"] == "candidate").any():
        return None
    return "no fitted learned codec was gated in this sweep (no check-codec rows)"


def _lacks_selection(r: Results, d: Derived) -> str | None:
    if len(d.ranked):
        return None
    if _lacks_cifar10c(r, d):
        return "no selection in this sweep (nothing evaluated on CIFAR-10-C)"
    if len(d.refused_groups):
        return "no selection in this sweep (every ranking group was refused; see Refused summaries)"
    return "no selection in this sweep (no augmentation codec evaluated on CIFAR-10-C)"


def _lacks_fourier(r: Results, d: Derived) -> str | None:
    if len(r.fourier_sensitivity):
        return None
    return "no Fourier heat map in this sweep (fourier.enabled is false, or no 32x32 training)"


# What a figure or table is built from (thesis ch.3: bit rates and trained classifiers; ch.4:
# evaluation on CIFAR-10-C and the BDA/BDAD/BDADS selection). Each check returns why the
# sweep's rows lack it, or None.
NEEDS: dict[str, Callable[[Results, Derived], str | None]] = {
    "bit_rates": _lacks_bit_rates,
    "training": _lacks_training,
    "cifar10c": _lacks_cifar10c,
    "selection": _lacks_selection,
    "gate": _lacks_gate,
    "fourier": _lacks_fourier,
}


def absence(needs: tuple[str, ...], results: Results, derived: Derived) -> str | None:
    """Why the sweep's rows cannot give an item needing ``needs`` (the first unmet), or None."""
    for need in needs:
        if need not in NEEDS:
            raise KeyError(f"unknown need {need!r}; valid needs: {', '.join(NEEDS)}")
        if reason := NEEDS[need](results, derived):
            return reason
    return None


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: its number, title, how to draw it, and what it needs."""

    number: str
    title: str
    draw: Callable[[Results, Derived, Path], Path]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A table of the report: its file stem, name, title, how to build it, and what it needs."""

    stem: str
    name: str
    title: str
    build: Callable[[Results, Derived], pd.DataFrame]
    needs: tuple[str, ...] = ()


def _fig_accuracy(r: Results, d: Derived):
    """Figures 3.4 / 3.5's rows: judged-half clean accuracy of the runs the report summarises
    (the evidence of every model, read once per report: :func:`evidence_of`)."""
    return accuracy_data(d.best_eval, evidence_of(r), training_quality(r.rate_distortion))


def _fig_3_4(r: Results, d: Derived, out: Path) -> Path:
    return draw_accuracy_vs_rate(_fig_accuracy(r, d), out)


def _fig_3_5(r: Results, d: Derived, out: Path) -> Path:
    return draw_accuracy_vs_distortion(_fig_accuracy(r, d), out)


def _fig_evidence(r: Results, d: Derived) -> Evidence:
    """Per-image scores of every set Figures 4.1–4.6 show, by severity and by corruption:
    read once per report (the same arguments each time, so :func:`evidence_of` reuses it)."""
    return evidence_of(r, by=GROUPINGS, arms=figure_arms(d.best_eval, d.ranked))


def _fig_4_3(r: Results, d: Derived, out: Path) -> Path:
    sets = pd.concat([bda_sets(d.best_eval, d.ranked), control_sets(d.best_eval)])
    return draw_clean_vs_corrupt(clean_vs_corrupt(sets, _fig_evidence(r, d)), out)


def _fig_by(method: str, grouping: str, name: str) -> Callable[[Results, Derived, Path], Path]:
    """Figures 4.1, 4.2, 4.4–4.6: ``method``'s sets (BDA: with the joined sets) per
    ``grouping`` (severity: curves with bands; corruption: bars with error bars)."""

    def draw(r: Results, d: Derived, out: Path) -> Path:
        if method == "bda":
            sets = bda_sets(d.best_eval, d.ranked)
        else:
            sets = chosen_cells(d.best_eval, d.ranked, method)
        evidence = _fig_evidence(r, d)
        if grouping == "severity":
            return draw_by_severity(by_severity(sets, evidence), out, name, method.upper())
        return draw_by_corruption(by_corruption(sets, evidence), out, name, method.upper())

    return draw


FIGURES = (
    FigureSpec(
        "3.1",
        "Codec fits: held-out loss and PSNR vs steps per λ, each fit's end marked (plateau / cap)",
        lambda r, d, out: draw_codec_fit(codec_fit_data(r.codec_fit), out),
    ),
    FigureSpec(
        "3.2",
        "Rate-distortion curves (±1 std over training images)",
        lambda r, d, out: draw_rate_distortion(rate_distortion_data(r.rate_distortion), out),
        ("bit_rates",),
    ),
    FigureSpec(
        "3.3",
        "Examples of compressed images at matched bit rates",
        lambda r, d, out: draw_examples(
            example_data(r.rate_distortion, image_sets(r.plan, r.results_root)), out
        ),
        ("bit_rates",),
    ),
    FigureSpec(
        "3.4",
        "Clean accuracy vs bit rate of the training data (judged half; mean over seeds, 95 % "
        "intervals)",
        _fig_3_4,
        ("bit_rates", "training"),
    ),
    FigureSpec(
        "3.5",
        "Clean accuracy vs PSNR / SSIM of the training data (judged half; mean over seeds, "
        "95 % intervals)",
        _fig_3_5,
        ("bit_rates", "training"),
    ),
    FigureSpec(
        "3.6",
        "Fewer parameters and compressed data",
        lambda r, d, out: draw_parameters(
            parameter_data(r.evaluation, unavailable_runs(r.missing, "evaluation")), out
        ),
        ("training",),
    ),
    FigureSpec(
        "4.1",
        "(BDA) mean accuracy over corruptions vs severity (judged half; 95 % bands)",
        _fig_by("bda", "severity", "fig4_1"),
        ("selection",),
    ),
    FigureSpec(
        "4.2",
        "(BDA) accuracy per corruption (judged half; 95 % error bars)",
        _fig_by("bda", "corruption", "fig4_2"),
        ("selection",),
    ),
    FigureSpec(
        "4.3",
        "(BDA) clean vs corrupted accuracy, joined sets beside their steps-matched controls "
        "(judged half; 95 % error bars)",
        _fig_4_3,
        ("selection",),
    ),
    FigureSpec(
        "4.4",
        "(BDAD) mean accuracy over corruptions vs severity (judged half; 95 % bands)",
        _fig_by("bdad", "severity", "fig4_4"),
        ("selection",),
    ),
    FigureSpec(
        "4.5",
        "(BDADS) mean accuracy over corruptions vs severity (judged half; 95 % bands)",
        _fig_by("bdads", "severity", "fig4_5"),
        ("selection",),
    ),
    FigureSpec(
        "4.6",
        "(BDAD) accuracy per corruption (judged half; 95 % error bars)",
        _fig_by("bdad", "corruption", "fig4_6"),
        ("selection",),
    ),
    FigureSpec(
        "4.7",
        "Mean log-magnitude Fourier spectra of the BDA-selected training sets",
        lambda r, d, out: draw_spectra(
            spectra_data(d.ranked, image_sets(r.plan, r.results_root)), out
        ),
        ("selection",),
    ),
    FigureSpec(
        "F1",
        "(future work, §6.2) Fourier heat maps: error rate per perturbation frequency",
        lambda r, d, out: draw_fourier(fourier_data(r.fourier_sensitivity, d.ranked), out),
        ("fourier",),
    ),
)


def _seeds(results: Results, derived: Derived) -> pd.DataFrame:
    """The seed chosen per run beside the run's mean ± std clean accuracy over seeds."""
    summary = derived.epoch_summary
    clean = summary[summary["eval_set"] == "clean"][["arch", "dataset", "train_set", "mean", "std"]]
    return derived.chosen_seeds.merge(clean, on=["arch", "dataset", "train_set"], how="left")


def _best_epochs(results: Results, derived: Derived) -> pd.DataFrame:
    """Each model's in-sample best epoch beside its held-out one (:func:`epoch_choices`)."""
    return epoch_choices(results.train_curve, results.evaluation)


# Which test images chose what (lcc.evaluate.holdout): the selection half and
# all test images, the thesis' in-sample way.
HELD_OUT = "chosen on the selection half of the test images"
IN_SAMPLE = "`in_sample_*`: chosen on all test images, as the thesis did"


TABLES = (
    TableSpec(
        "claims",
        "Claims",
        "the thesis' claims this sweep can test: each claim's weakest comparison with its "
        "one-sided 95 % bounds, the minimum detectable effect, the seeds and judged images it "
        "used, the verdict (holds / does not hold / undecided / not testable) and the thesis' "
        "own sentence",
        lambda r, d: claims_table(r, d),
    ),
    TableSpec(
        "codec_gate",
        "Codec gate",
        "each fitted learned codec against JPEG's curve at the codec's coded rate "
        "(held-out test images; margins: codec minus JPEG)",
        lambda r, d: gate_table(r.codec_gate, r.codec_fit),
        ("gate",),
    ),
    TableSpec(
        "table3_1",
        "Table 3.1",
        "mean bit rates (bpp) of the training sets",
        lambda r, d: table_3_1(r.rate_distortion),
        ("bit_rates",),
    ),
    TableSpec(
        "table3_2_3_3",
        "Tables 3.2 / 3.3",
        "model sizes (parameters)",
        lambda r, d: table_model_sizes(),
    ),
    TableSpec(
        "table4_1",
        "Table 4.1",
        f"augmentation levels (thesis: {ROBUSTNESS_SETTING})",
        lambda r, d: table_4_1(d.best_eval),
        ("cifar10c",),
    ),
    TableSpec(
        "table4_2",
        "Table 4.2",
        f"BDA ranking: `level` / `score` {HELD_OUT}; {IN_SAMPLE}; `moved`: the two put "
        "different levels at that rank",
        lambda r, d: table_4_2(d.ranked, d.ranked_in_sample),
        ("selection",),
    ),
    TableSpec(
        "table4_3",
        "Table 4.3",
        f"BDAD best level per corruption: `level` / `score` {HELD_OUT}; {IN_SAMPLE}; `moved`: "
        "the two chose different levels",
        lambda r, d: table_4_3(d.ranked, d.ranked_in_sample),
        ("selection",),
    ),
    TableSpec(
        "seeds",
        "Seeds",
        "best of seeds (clean accuracy on all test images at each model's in-sample best "
        "epoch, as the thesis chose) and mean ± std over seeds",
        _seeds,
        ("training",),
    ),
    TableSpec(
        "best_epochs",
        "Best epochs",
        "each model's best epoch in-sample (max clean accuracy on all test images, the "
        "thesis' choice, and that maximum) beside held-out (chosen on the selection half, "
        "what `best.pt` holds and the evaluate stage evaluated; `held_out_accuracy` on the "
        "judged half); `optimism`: in-sample minus held-out accuracy",
        _best_epochs,
        ("training",),
    ),
    TableSpec(
        "best_epochs_optimism",
        "Best epochs: optimism",
        "per architecture and dataset, the mean in-sample minus held-out clean accuracy of "
        "the Best epochs table (how much choosing the epoch on the judging images flatters "
        "the thesis' figure)",
        lambda r, d: selection_optimism(_best_epochs(r, d)),
        ("training",),
    ),
    TableSpec(
        "selections",
        "Rankings",
        f"all BDA / BDAD / BDADS rankings: `rank` / `score` {HELD_OUT}; `in_sample_rank` / "
        "`in_sample_score` on all test images, as the thesis did; `moved`: the ranks differ",
        lambda r, d: rankings_table(d.ranked, d.ranked_in_sample),
        ("selection",),
    ),
)

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
    contents: list[dict] = []
    tables: list[Block] = [Heading(2, "Tables")]
    for spec in TABLES:
        tables += _table_section(spec, results, derived, out, contents)
    figures: list[Block] = [Heading(2, "Figures")]
    for spec in FIGURES:
        figures += _figure_section(spec, results, derived, out, contents)
    blocks: list[Block] = [
        Heading(1, f"Report: sweep `{results.sweep}`"),
        Text(f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} from `{results.results_dir}`."),
    ]
    blocks += _contents_section(pd.DataFrame(contents, columns=CONTENTS_COLUMNS), out)
    blocks += _counts(results)
    blocks += _missing_section(results, derived, out)
    blocks += _stale_section(results, out)
    blocks += tables + figures
    blocks += [Heading(2, "Tie-breaking and refusal rules"), Bullets(TIES)]
    blocks += _usage_section(results, out)
    blocks += _settings_section(results, out)
    blocks += _provenance_section(results, out)
    index = out / INDEX_MD
    index.write_text(render_markdown(blocks), encoding="utf-8")
    (out / INDEX_HTML).write_text(render_html(blocks, out), encoding="utf-8")
    return index


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
    heading: list[Block] = [Heading(3, f"Figure {spec.number} — {spec.title}")]
    name = f"Figure {spec.number}"
    reason = absence(spec.needs, results, derived)
    if reason is None:
        try:
            png = spec.draw(results, derived, out / "figures")
        except NoDataError as error:
            reason = str(error)
    if reason:
        return heading + _absent("figure", name, spec.title, reason, contents)
    rel = f"figures/{png.name}"
    contents.append(
        dict(kind="figure", name=name, title=spec.title, status="drawn", reason="", file=rel)
    )
    return [*heading, Figure(name, rel, f"{rel[:-4]}.csv")]


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


# The end of --help: where a sweep's settings are explained (grid/help.py).
REPORT_SETTINGS = (
    "A sweep's settings (e.g. train.epochs, the training epochs) are listed with their defaults\n"
    "by python -m grid.launch --help; the report's settings.json holds those it ran with."
)


def main(argv: list[str] | None = None) -> None:
    """Command line: write the report and print where ``index.md`` and ``index.html`` are."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis.report",
        description=__doc__.splitlines()[0],
        epilog="\n".join(["sweeps (results/<sweep> of python -m grid.launch sweep=NAME):",
                           *sweep_lines(), "", REPORT_SETTINGS]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("results_dir", help="results/<sweep>")
    parser.add_argument(
        "--out", default=None, help="report folder (default results/<sweep>/report)"
    )
    args = parser.parse_args(argv)
    index = write_report(args.results_dir, args.out)
    print(index)
    print(index.with_name(INDEX_HTML))


if __name__ == "__main__":
    main()
