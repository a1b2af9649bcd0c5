"""The report's catalogue (analysis/catalogue.py) as data: chapter 4's per-method figures are
generated from (number, method, view) triples, the headline names items of the catalogue,
and the tie-breaking rules are those of the modules that apply them."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import seeds, selections
from analysis.catalogue import (
    FIGURES,
    HEADLINE,
    METHOD_FIGURES,
    TABLES,
    TIES,
    VIEWS,
    method_figure,
)
from analysis.report_cli import parser
from grid.stage_table import SELECT_METHODS


def test_chapter_4_method_figures_are_made_from_method_view_triples() -> None:
    by_number = {spec.number: spec for spec in FIGURES}
    for number, method, view in METHOD_FIGURES:
        assert method in SELECT_METHODS and view in VIEWS
        assert by_number[number].title == f"({method.upper()}) {VIEWS[view]}"
        assert by_number[number].needs == ("selection",)
    assert by_number["4.1"].title.startswith("(BDA) mean accuracy over corruptions vs severity")
    assert by_number["4.6"].title.startswith("(BDAD) accuracy per corruption")


def test_figures_are_in_thesis_order_with_one_entry_per_number() -> None:
    numbers = [spec.number for spec in FIGURES]
    assert numbers == ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6",
                       "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7",
                       "F1", "F2", "F3", "F4"]  # fmt: skip


def test_an_unknown_view_is_a_one_line_error_listing_the_views() -> None:
    with pytest.raises(KeyError, match="unknown view 'heatmap'; valid views: severity, corruption"):
        method_figure("4.9", "bda", "heatmap")


def test_the_headline_names_items_of_the_catalogue() -> None:
    names = [spec.name for spec in TABLES] + [spec.name for spec in FIGURES]
    assert set(HEADLINE) <= set(names) and len(set(HEADLINE)) == len(HEADLINE)
    assert HEADLINE[:2] == ("Claims", "Codec gate")


def test_the_tie_rules_are_those_of_seeds_and_selections() -> None:
    assert seeds.BEST_EPOCH_RULE in TIES and seeds.BEST_SEED_RULE in TIES
    assert selections.TIE_RULE in TIES
    assert f"rounding to {selections.SCORE_DECIMALS} decimals" in selections.TIE_RULE


def test_levels_whose_scores_differ_below_the_stated_decimals_tie_smaller_level_first() -> None:
    """What TIE_RULE states is what rank_levels does: scores equal at SCORE_DECIMALS decimals
    tie, and the smaller level ranks first even when its unrounded score is lower."""
    tiny = 10.0 ** -(selections.SCORE_DECIMALS + 2)
    rows = pd.DataFrame(
        {
            "arch": "vgg11", "dataset": "cifar10", "codec": "jpeg", "eval_set": "cifar10c",
            "corruption": "fog", "severity": 1, "seed": 0, "joined": False,
            "control_for": None, "train_set": ["jpeg:20", "jpeg:60"], "level": [20.0, 60.0],
            "accuracy": [0.5, 0.5 + tiny],
        }
    )  # fmt: skip
    ranked = selections.rank_levels(rows, "bda")
    assert list(ranked.sort_values("rank")["level"]) == [20.0, 60.0]


def test_the_command_line_parses_a_folder_and_out() -> None:
    args = parser().parse_args(["results/demo", "--out", "elsewhere"])
    assert (args.results_dir, args.out) == ("results/demo", "elsewhere")
    assert parser().parse_args(["results/demo"]).out is None
