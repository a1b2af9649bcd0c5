"""The report's catalogue: every figure and table as data (number or name, title, how to build
it, what rows it needs), the few that open the report, and the rules it states.

The writer (analysis/report.py) draws each item, or lists it as absent with the reason
(:func:`analysis.needs.absence`). Chapter 4's per-method figures are generated from
(number, method, view) triples (:data:`METHOD_FIGURES`); the tie-breaking rules come from the
modules that apply them (analysis/seeds.py, analysis/selections.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.accuracy import ACCURACY_RULE, HOLDOUT_RULE
from analysis.claims import claims_table
from analysis.completeness import REFUSAL_RULE, unavailable_runs
from analysis.contrastive import contrastive_table
from analysis.derived import Derived
from analysis.evidence import Evidence, evidence_of
from analysis.figures.accuracy import (
    accuracy_data,
    draw_accuracy_vs_distortion,
    draw_accuracy_vs_rate,
    training_quality,
)
from analysis.figures.codec_fit import codec_fit_data, draw_codec_fit
from analysis.figures.contrastive import contrastive_data, draw_contrastive
from analysis.figures.examples import NEAREST_LEVEL_RULE, draw_examples, example_data
from analysis.figures.fourier import draw_fourier, fourier_data
from analysis.figures.gabor import draw_gabor, gabor_data
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
from analysis.figures.saliency import draw_saliency, saliency_data
from analysis.figures.spectra import draw_spectra, spectra_data
from analysis.gabor_distances import gabor_distance_table
from analysis.images import image_sets
from analysis.load import Results
from analysis.saliency_table import saliency_table
from analysis.seeds import BEST_EPOCH_RULE, BEST_SEED_RULE, epoch_choices, selection_optimism
from analysis.selections import TIE_RULE
from analysis.soft_labels import soft_label_table
from analysis.stats import DECISION_RULE
from analysis.tables import (
    AGREEMENT_RULE,
    gate_table,
    rankings_table,
    table_3_1,
    table_4_1,
    table_4_2,
    table_4_3,
    table_model_sizes,
)
from analysis.thesis_numbers import ROBUSTNESS_SETTING


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: its number, title, how to draw it, and what it needs."""

    number: str
    title: str
    draw: Callable[[Results, Derived, Path], Path]
    needs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """How the report names it: ``Figure <number>``."""
        return f"Figure {self.number}"


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


def _sets(r: Results) -> pd.DataFrame:
    """Every planned encode job's ``images.npy`` (Figures 3.3 and 4.7 draw from them)."""
    return image_sets(r.plan, r.results_root)


def _fig_evidence(r: Results, d: Derived) -> Evidence:
    """Per-image scores of every set Figures 4.1–4.6 show, by severity and by corruption:
    read once per report (the same arguments each time, so :func:`evidence_of` reuses it)."""
    return evidence_of(r, by=GROUPINGS, arms=figure_arms(d.best_eval, d.ranked))


def _fig_4_3(r: Results, d: Derived, out: Path) -> Path:
    sets = pd.concat([bda_sets(d.best_eval, d.ranked), control_sets(d.best_eval)])
    return draw_clean_vs_corrupt(clean_vs_corrupt(sets, _fig_evidence(r, d)), out)


def _fig_by(method: str, view: str, name: str) -> Callable[[Results, Derived, Path], Path]:
    """A figure of ``method``'s sets (BDA: with the joined sets) in ``view`` (severity: curves
    with bands; corruption: bars with error bars), saved as ``name``."""

    def draw(r: Results, d: Derived, out: Path) -> Path:
        if method == "bda":
            sets = bda_sets(d.best_eval, d.ranked)
        else:
            sets = chosen_cells(d.best_eval, d.ranked, method)
        evidence = _fig_evidence(r, d)
        if view == "severity":
            return draw_by_severity(by_severity(sets, evidence), out, name, method.upper())
        return draw_by_corruption(by_corruption(sets, evidence), out, name, method.upper())

    return draw


# How chapter 4 shows one selection method's sets: view -> the figure's title after "(METHOD)".
VIEWS = {
    "severity": "mean accuracy over corruptions vs severity (judged half; 95 % bands)",
    "corruption": "accuracy per corruption (judged half; 95 % error bars)",
}
# Chapter 4's per-method figures (thesis Figures 4.1, 4.2, 4.4–4.6): (number, method, view).
METHOD_FIGURES = (
    ("4.1", "bda", "severity"),
    ("4.2", "bda", "corruption"),
    ("4.4", "bdad", "severity"),
    ("4.5", "bdads", "severity"),
    ("4.6", "bdad", "corruption"),
)


def method_figure(number: str, method: str, view: str) -> FigureSpec:
    """The figure ``number`` of ``method``'s sets in ``view`` (:data:`VIEWS`), drawn to
    ``fig<number>.png`` (dots as underscores)."""
    if view not in VIEWS:
        raise KeyError(f"unknown view {view!r}; valid views: {', '.join(VIEWS)}")
    name = f"fig{number.replace('.', '_')}"
    title = f"({method.upper()}) {VIEWS[view]}"
    return FigureSpec(number, title, _fig_by(method, view, name), ("selection",))


_CHAPTER_4 = {
    spec.number: spec
    for spec in (
        *(method_figure(*triple) for triple in METHOD_FIGURES),
        FigureSpec(
            "4.3",
            "(BDA) clean vs corrupted accuracy, joined sets beside their steps-matched controls "
            "(judged half; 95 % error bars)",
            _fig_4_3,
            ("selection",),
        ),
        FigureSpec(
            "4.7",
            "Mean log-magnitude Fourier spectra of the BDA-selected training sets",
            lambda r, d, out: draw_spectra(spectra_data(d.ranked, _sets(r)), out),
            ("selection",),
        ),
    )
}

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
        lambda r, d, out: draw_examples(example_data(r.rate_distortion, _sets(r)), out),
        ("bit_rates",),
    ),
    FigureSpec(
        "3.4",
        "Clean accuracy vs bit rate of the training data (judged half; mean over seeds, 95 % "
        "intervals)",
        lambda r, d, out: draw_accuracy_vs_rate(_fig_accuracy(r, d), out),
        ("bit_rates", "training"),
    ),
    FigureSpec(
        "3.5",
        "Clean accuracy vs PSNR / SSIM of the training data (judged half; mean over seeds, "
        "95 % intervals)",
        lambda r, d, out: draw_accuracy_vs_distortion(_fig_accuracy(r, d), out),
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
    *(_CHAPTER_4[number] for number in sorted(_CHAPTER_4)),
    FigureSpec(
        "F1",
        "(future work, §6.2) Fourier heat maps: error rate per perturbation frequency",
        lambda r, d, out: draw_fourier(fourier_data(r.fourier_sensitivity, d.ranked), out),
        ("fourier",),
    ),
    FigureSpec(
        "F2",
        "(future work, §6.2) Gabor response histograms of each training set against the "
        "original data's, one panel per filter",
        lambda r, d, out: draw_gabor(gabor_data(r.gabor_response), out),
        ("gabor",),
    ),
    FigureSpec(
        "F3",
        "(future work, §6.2) Saliency maps (SmoothGrad or gradient) of each training set's "
        "classifier on a few test images, clean and compressed, over the image",
        lambda r, d, out: draw_saliency(saliency_data(r.saliency, r.results_root, _sets(r)), out),
        ("saliency",),
    ),
    FigureSpec(
        "F4",
        "(future work, §6.3, Fig 6.2) contrastive pretraining across compression levels: "
        "NT-Xent loss and positive-pick share per epoch, a line per pair of levels",
        lambda r, d, out: draw_contrastive(contrastive_data(r.contrastive_curve), out),
        ("contrastive",),
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
    TableSpec(
        "gabor_distances",
        "Gabor distances",
        "(future work, §6.2) each training set's Gabor response histograms against the "
        "original data's: total variation (`tv_*`) and Jensen–Shannon distance (`js_*`) per "
        "filter, mean and largest over the filters (0 = identical, 1 = disjoint)",
        lambda r, d: gabor_distance_table(r.gabor_response),
        ("gabor", "gabor_original"),
    ),
    TableSpec(
        "soft_labels",
        "Soft labels (§6.3)",
        "(future work, §6.3) models trained on the test images against human soft labels "
        "(`data.soft_labels`, CIFAR-10H) and against their hard labels, on the training images: "
        "top-1 of each, `difference` soft − hard with one-sided 95 % bounds and MDE over the "
        "judged training images and seeds (`analysis/stats.py`); `*_loss`: mean cross-entropy "
        "(nats) over all training images",
        lambda r, d: soft_label_table(evidence_of(r), r.evaluation),
        ("soft_labels",),
    ),
    TableSpec(
        "saliency",
        "Saliency on the object",
        "(future work, §6.2) per training set, the mean concentration ratio of its "
        "classifiers' saliency maps on clean and compressed test images: the share of the map "
        "inside the clean image's HOG foreground mask over the mask's share of the pixels "
        "(1 = chance, > 1 = on the object), with a 95 % interval over seeds and images",
        lambda r, d: saliency_table(r.saliency),
        ("saliency",),
    ),
    TableSpec(
        "contrastive",
        "Contrastive pretraining (§6.3)",
        "(future work, §6.3, Fig 6.2) each probe (a classifier trained on the original split "
        "from an encoder pretrained with NT-Xent on one image at two compression levels) beside "
        "the same arch trained on the original data and on each level of its pair: judged-half "
        "top-1 clean, compressed and on CIFAR-10-C (mean over corruptions and severities), mean "
        "over seeds; the pretraining's last-epoch loss and positive-pick accuracy",
        lambda r, d: contrastive_table(r.evaluation, r.contrastive_curve),
        ("contrastive",),
    ),
)

# What a reader came for, in the order the report opens with it (before the bookkeeping):
# the claims' verdicts, the codec gate, and the headline figures (rate-distortion curves,
# clean accuracy vs bit rate, BDA's accuracy vs severity). Names as in contents.csv.
HEADLINE = ("Claims", "Codec gate", "Figure 3.2", "Figure 3.4", "Figure 4.1")

# The rules the report states under "Tie-breaking and refusal rules"; the tie-breaking ones
# are those of the modules that apply them.
TIES = (
    BEST_EPOCH_RULE,
    HOLDOUT_RULE,
    DECISION_RULE,
    BEST_SEED_RULE,
    TIE_RULE,
    NEAREST_LEVEL_RULE,
    ACCURACY_RULE,
    REFUSAL_RULE,
    AGREEMENT_RULE,
)
