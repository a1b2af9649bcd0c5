"""The soft-label part of a sweep (thesis §6.3, future work; grid/expand_soft_labels.py):
planned only with ``data.soft_labels``, a soft-label training and its hard-label control on
the test images per architecture and seed, evaluated on the training images, run through the
fake executor and reported in table "Soft labels (§6.3)"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import grid
from analysis.catalogue import TABLES
from analysis.derived import Derived
from analysis.load import load
from analysis.needs import absence
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.launch import launch
from grid.settings import SettingsError
from lcc.data import load as load_data
from lcc.specs.soft_labels import HARD_SET, SOFT_SET

SMALL = ["datasets=[synthetic]", "archs=[vgg11-5]", "seeds=2", "codecs.bls=[]",
         "select.joined=[]", "codecs.jpeg=[10]"]  # fmt: skip
TABLE = next(t for t in TABLES if t.stem == "soft_labels")


@pytest.fixture(scope="module")
def probs_file(tmp_path_factory):
    """A (1000, 10) file for the synthetic test split: 0.7 on each label, 0.3 on the next."""
    labels = load_data("synthetic", "test").labels
    probs = np.zeros((len(labels), 10))
    probs[np.arange(len(labels)), labels] = 0.7
    probs[np.arange(len(labels)), (labels + 1) % 10] = 0.3
    path = tmp_path_factory.mktemp("soft") / "probs.npy"
    np.save(path, probs)
    return path


def test_without_the_key_no_job_is_added_and_with_it_only_the_soft_label_jobs(probs_file):
    default = grid.plan("robustness", SMALL)
    assert not any("soft_labels" in j.config for j in default.jobs)
    given = grid.plan("robustness", [*SMALL, f"data.soft_labels={probs_file}"]).jobs
    before = {j.signature for j in default.jobs}
    added = [j for j in given if j.signature not in before]
    assert sorted(j.stage for j in added) == ["evaluate"] * 4 + ["report"] + ["train"] * 4
    trains = {(j.config["train_set"]["label"], j.config["seed"]): j for j in added
              if j.stage == "train"}  # fmt: skip
    assert set(trains) == {(s, seed) for s in (SOFT_SET, HARD_SET) for seed in (0, 1)}
    encodes = {j.signature: j for j in given if j.stage == "encode"}
    for (label, _), job in trains.items():
        trained_on = encodes[job.inputs["train_data"][0]].config
        judged_on = encodes[job.inputs["test_clean"][0]].config
        assert (trained_on["split"], trained_on["codec"]) == ("test", "identity")
        assert (judged_on["split"], judged_on["codec"]) == ("train", "identity")
        assert ("soft_labels" in job.config) == (label == SOFT_SET)
    soft = trains[(SOFT_SET, 0)].config["soft_labels"]
    assert soft["path"] == str(probs_file.resolve()) and len(soft["fingerprint"]) == 16
    evaluations = [j for j in added if j.stage == "evaluate"]
    assert {j.inputs["model"][0] for j in evaluations} == {j.signature for j in trains.values()}
    assert all(j.config["eval_sets"] == ["clean"] for j in evaluations)  # no CIFAR-10-C


def test_a_changed_file_reruns_only_the_soft_label_trainings(probs_file, tmp_path):
    first = grid.plan("robustness", [*SMALL, f"data.soft_labels={probs_file}"]).jobs
    changed = np.load(probs_file)
    changed[0] = 0.1  # a uniform first row
    np.save(tmp_path / "probs.npy", changed)
    second = grid.plan("robustness", [*SMALL, f"data.soft_labels={tmp_path / 'probs.npy'}"]).jobs
    new = {j.signature for j in second} - {j.signature for j in first}
    stages = sorted(j.stage for j in second if j.signature in new)
    assert stages == ["evaluate", "evaluate", "report", "train", "train"]


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.full((1000, 9), 1 / 9), r"match no test split of synthetic"),
        (np.full((1000, 10), 0.2), r"row 0 sums to 2; every row must sum to 1 within 1e-06"),
        (np.full((999, 10), 0.1), r"999 rows x 10 classes match no test split"),
    ],
)
def test_a_bad_file_is_a_one_line_settings_error_at_plan_time(tmp_path, array, message):
    np.save(tmp_path / "p.npy", array)
    with pytest.raises(SettingsError, match=message) as err:
        grid.plan("robustness", [*SMALL, f"data.soft_labels={tmp_path / 'p.npy'}"])
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_a_launch_trains_both_arms_evaluates_them_on_the_training_images_and_reports_them(
    probs_file, tmp_path, one_torch_thread
):
    args = ["sweep=classification", *SMALL, "codecs.jpeg=[]", "executor=fake", "epochs=1",
            "data.train_limit=60", "data.test_limit=40", f"data.soft_labels={probs_file}",
            f"results={tmp_path}"]  # fmt: skip
    assert launch(args).failed == {}
    results = load(tmp_path / "classification")
    rows = results.evaluation
    mine = rows[rows["train_set"].isin([SOFT_SET, HARD_SET])]
    assert len(mine) == 4 and (mine["n_images"] == 60).all()  # the 60 training images
    curve = results.train_curve
    trained = curve[curve["train_set"] == SOFT_SET].sort_values("seed")
    assert len(trained) == 2 and trained["train_top1"].between(0, 1).all()
    control = curve[curve["train_set"] == HARD_SET].sort_values("seed")
    # Same images, seed and batches; only the targets differ, and so does the loss.
    assert (trained["train_loss"].to_numpy() != control["train_loss"].to_numpy()).all()
    derived = Derived.of(results)
    assert absence(TABLE.needs, results, derived) is None
    table = TABLE.build(results, derived)
    assert list(table[["arch", "dataset"]].itertuples(index=False, name=None)) == [
        ("vgg11-5", "synthetic")
    ]
    row = table.iloc[0]
    assert row["n_seeds"] == 2 and 0 < row["n_images"] < 60  # the judged part of 60 images
    assert row["difference"] == pytest.approx(row["soft_top1"] - row["hard_top1"])
    assert row["lower"] <= row["difference"] <= row["upper"]
    assert np.isfinite(row["soft_loss"]) and np.isfinite(row["hard_loss"])
    contents = pd.read_csv(next(tmp_path.rglob("contents.csv"))).set_index("name")
    assert "Soft labels (§6.3)" in contents.index


def test_a_sweep_without_the_soft_label_arms_lists_the_table_as_absent(tmp_path):
    results = load(write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1)))
    reason = absence(TABLE.needs, results, Derived.of(results))
    assert reason.startswith("no evaluation of both soft-label comparison sets")


@pytest.mark.parametrize("sweep", ["future_work", "future_cpu"])
def test_the_future_work_sweeps_plan_the_comparison_only_with_a_cifar10_sized_file(sweep, tmp_path):
    probs = np.full((10_000, 10), 0.02)
    probs[np.arange(10_000), np.arange(10_000) % 10] = 0.82
    np.save(tmp_path / "cifar10h-probs.npy", probs)
    default = grid.plan(sweep, []).jobs
    given = grid.plan(sweep, [f"data.soft_labels={tmp_path / 'cifar10h-probs.npy'}"]).jobs
    assert not any(j.config.get("soft_labels") for j in default)
    labels = [j.config["train_set"]["label"] for j in given if j.stage == "train"]
    assert labels.count(SOFT_SET) == labels.count(HARD_SET) > 0
    assert {j.signature for j in default} - {j.signature for j in given} <= {
        j.signature for j in default if j.stage == "report"
    }


def test_a_soft_labels_value_that_is_no_path_is_a_one_line_settings_error():
    with pytest.raises(SettingsError, match=r"data.soft_labels must be a .npy path or null; got 5"):
        grid.plan("robustness", [*SMALL, "data.soft_labels=5"])
