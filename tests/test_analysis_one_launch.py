"""Every picker of best epochs, seeds or levels refuses rows of two launches of one model with
one line naming the cell, its signatures and how it happens; jobs of one model that differ in
eval sets (one launch of the thesis sweep has them) are not two launches."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.accuracy import with_accuracy
from analysis.load import Results, load
from analysis.one_launch import ADVICE, MixedLaunchesError, check_one_launch
from analysis.plan import describe_job
from analysis.seeds import best_epoch, best_of_seeds, choose_seeds, seed_summary
from analysis.selections import bda, bdads, select_levels, selection_rows
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid import sweeps
from grid.planner import plan
from tests.test_analysis_view import earlier_launch_of, planned

# (what the error names, the table it reads, the picker)
PICKERS = [
    ("best epoch", "train_curve", lambda r: best_epoch(r.train_curve)),
    ("best-of-seeds by clean accuracy", "evaluation", lambda r: choose_seeds(r.evaluation)),
    ("best-of-seeds by clean accuracy", "evaluation", lambda r: best_of_seeds(r.evaluation)),
    ("mean over seeds", "evaluation", lambda r: seed_summary(r.evaluation)),
    ("level selection", "evaluation", lambda r: select_levels(r.evaluation)),
    ("level selection", "evaluation", lambda r: selection_rows(r.evaluation, ["bda"], 0)),
    ("BDA ranking", "evaluation", lambda r: bda(with_accuracy(r.evaluation))),
    ("BDADS ranking", "evaluation", lambda r: bdads(with_accuracy(r.evaluation))),
]
IDS = [
    "best_epoch",
    "choose_seeds",
    "best_of_seeds",
    "seed_summary",
    "select_levels",
    "selection_rows",
    "bda",
    "bdads",
]
EVAL_SETS = {"train_curve": "clean", "evaluation": "cifar10c+clean"}


@pytest.fixture(scope="module")
def two_launches(tmp_path_factory) -> tuple[Results, dict[str, tuple[str, str]]]:
    """A sweep whose first training and first evaluation (same model) also have rows of an
    earlier launch, loaded with include_superseded; and per table, (planned, earlier) signature.
    """
    sweep = write_synthetic_sweep(tmp_path_factory.mktemp("results"), "s", SweepSpec())
    pairs = {}
    for stage, table in (("train", "train_curve"), ("evaluate", "evaluation")):
        job = planned(sweep, stage)[0]
        pairs[table] = (job.signature, earlier_launch_of(sweep, job).signature)
    return load(sweep, include_superseded=True), pairs


@pytest.mark.parametrize(("what", "table", "pick"), PICKERS, ids=IDS)
def test_a_picker_refuses_rows_of_two_launches_naming_the_cell_and_signatures(
    two_launches, what: str, table: str, pick
) -> None:
    results, pairs = two_launches
    with pytest.raises(MixedLaunchesError) as error:
        pick(results)
    message = str(error.value)
    assert isinstance(error.value, ValueError) and len(message.splitlines()) == 1
    cell = "arch=vgg11, dataset=cifar10, train_set=original, seed=0"
    assert message.startswith(f"{what}: 2 signatures for one cell {cell}, ")
    assert f"eval sets {EVAL_SETS[table]}: {', '.join(sorted(pairs[table]))};" in message
    assert message.endswith(ADVICE)


@pytest.mark.parametrize(("what", "table", "pick"), PICKERS, ids=IDS)
def test_the_pickers_run_on_the_current_rows_of_the_same_load(
    two_launches, what: str, table: str, pick
) -> None:
    results, _ = two_launches
    current = {n: f[~f["superseded"]].drop(columns="superseded") for n, f in results.tables.items()}
    pick(Results(**{**vars(results), "tables": current}))


def test_jobs_of_one_model_with_other_eval_sets_are_one_launch() -> None:
    """As in the thesis sweep: a model trained once tested on clean data only and once also on
    compressed data (two training signatures, one launch)."""
    curve = pd.DataFrame(
        {
            "arch": "vgg11",
            "dataset": "cifar10",
            "train_set": "bls:0.1",
            "codec": "bls",
            "level": 0.1,
            "joined": False,
            "seed": 0,
            "epoch": [1, 2, 1, 2, 1, 2],
            "eval_set": ["clean", "clean", "clean", "clean", "compressed", "compressed"],
            "signature": ["a"] * 2 + ["b"] * 4,
            "top1": [0.5, 0.6, 0.5, 0.7, 0.4, 0.45],
            "top5": 1.0,
        }
    )
    best = best_epoch(curve)
    assert len(best) == 2  # one row per eval set, as before
    check_one_launch(curve[curve["eval_set"] == "compressed"], "best epoch")
    with pytest.raises(MixedLaunchesError, match="eval sets clean: a, b"):
        check_one_launch(curve[curve["eval_set"] == "clean"], "best epoch")  # the documented limit


def test_a_frame_without_signatures_is_not_checked() -> None:
    check_one_launch(pd.DataFrame({"arch": ["a"], "seed": [0]}), "best epoch")


def test_the_message_counts_the_other_mixed_cells(tmp_path: Path) -> None:
    sweep = write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1))
    for job in planned(sweep, "train")[:3]:
        earlier_launch_of(sweep, job)
    with pytest.raises(MixedLaunchesError, match=r"\(and 2 more cells\); rows of two launches"):
        best_epoch(load(sweep, include_superseded=True).train_curve)


@pytest.mark.parametrize("name", sweeps.names())
def test_no_shipped_sweep_plans_two_jobs_of_one_cell(name: str) -> None:
    """The cell of :mod:`analysis.one_launch` fits every sweep: rows of one launch pass, the
    thesis sweep's trainings and evaluations of one model with other eval sets included."""
    the_plan = plan(name)
    for stage in ("train", "evaluate"):
        rows = [
            {**describe_job(the_plan, job), "eval_set": eval_set}
            for job in the_plan.jobs_of(stage)
            for eval_set in job.config["eval_sets"]
        ]
        check_one_launch(pd.DataFrame(rows), f"{name} {stage}")
