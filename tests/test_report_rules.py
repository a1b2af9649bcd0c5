"""The rules the report states (its "Tie-breaking and refusal rules" section) are written by
the modules that apply them, from the values those modules use."""

from __future__ import annotations

from analysis.accuracy import ACCURACY_RULE
from analysis.catalogue import TIES
from analysis.stats import DECISION_RULE
from analysis.tables import AGREEMENT_RULE


def test_the_accuracy_rule_names_each_dataset_with_the_metric_it_is_scored_by():
    assert ACCURACY_RULE == (
        "Accuracy, as in the thesis: top1 on `cifar10`, `synthetic`; "
        "top5 on `tinyimagenet`, `synthetic-tiny`."
    )


def test_the_decision_rule_states_the_level_and_power_that_analysis_stats_uses():
    assert "one-sided 95 % bounds" in DECISION_RULE
    assert "(MDE, 80 % power)" in DECISION_RULE


def test_the_report_states_the_ranking_agreement_and_decision_rules():
    assert DECISION_RULE in TIES and AGREEMENT_RULE in TIES and ACCURACY_RULE in TIES
    assert len(set(TIES)) == len(TIES) == 9
