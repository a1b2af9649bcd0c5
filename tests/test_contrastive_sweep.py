"""The contrastive stage in sweeps (thesis §6.3, Fig 6.2): planned per pair and arch only when
``contrastive.enabled`` (future_work and future_cpu enable it), its probes trained by the
train stage from the encoder and evaluated like every training, its settings checked at plan
time, and its table in the report."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import grid
from analysis.catalogue import FIGURES, TABLES
from analysis.derived import Derived
from analysis.load import Results, load
from analysis.needs import absence
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.launch import launch
from grid.plan import read_launched
from grid.settings import SettingsError
from grid.store.folder import JobFolder

SMALL = ["datasets=[synthetic]", "archs=[vgg11-5]", "seeds=1", "codecs.bls=[]", "select.joined=[]",
         "codecs.jpeg=[10,40]"]  # fmt: skip
ENABLED = [*SMALL, "contrastive.enabled=true", "contrastive.pairs=[jpeg:10+40]"]


def test_enabled_plans_a_contrastive_job_on_the_pair_and_a_probe_reading_it():
    jobs = grid.plan("robustness", ENABLED).jobs
    (pretraining,) = [j for j in jobs if j.stage == "contrastive"]
    encodes = {j.signature: j for j in jobs if j.stage == "encode"}
    views = [encodes[s].config for s in pretraining.inputs["views"]]
    assert [(v["codec"], v["level"], v["split"]) for v in views] == [
        ("jpeg", 10, "train"),
        ("jpeg", 40, "train"),
    ]
    (probe,) = [j for j in jobs if j.stage == "train" and "init" in j.inputs]
    assert probe.inputs["init"] == (pretraining.signature,)
    assert encodes[probe.inputs["train_data"][0]].config["codec"] == "identity"
    assert probe.config["train_set"]["label"] == "contrastive:jpeg:10+40:linear"
    assert probe.config["train_set"]["pretrained"]["probe"] == "linear"
    (evaluation,) = [j for j in jobs if j.stage == "evaluate" and j.inputs["model"] == (
        probe.signature,)]  # fmt: skip
    assert evaluation.config["eval_sets"][0] == "clean"


def test_disabled_by_default_it_plans_nothing_and_leaves_every_signature_alone():
    default = grid.plan("robustness", SMALL).jobs
    assert not any(j.stage == "contrastive" for j in default)
    enabled = grid.plan("robustness", ENABLED).jobs
    added = {j.signature for j in enabled} - {j.signature for j in default}
    stages = sorted(j.stage for j in enabled if j.signature in added)
    assert stages == ["contrastive", "evaluate", "report", "train"]


@pytest.mark.parametrize("sweep", ["future_work", "future_cpu"])
def test_the_future_work_sweeps_plan_bls_and_jpeg_pairs(sweep):
    jobs = grid.plan(sweep, []).jobs
    pairs = {j.config["pair"]["label"] for j in jobs if j.stage == "contrastive"}
    assert pairs == {"bls:0.012+0.1", "jpeg:10+40"}
    probes = [j for j in jobs if j.stage == "train" and "init" in j.inputs]
    assert {j.signature for j in probes} <= {
        s for j in jobs if j.stage == "evaluate" for s in j.inputs["model"]
    }


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("contrastive.probe=knn", "invalid contrastive probe 'knn'; valid: linear, finetune"),
        ("contrastive.temperature=0", "invalid contrastive temperature 0; valid: a number > 0"),
        ("contrastive.pairs=[jpeg:10+70]", r"level 70 is not among codecs.jpeg \[10, 40\]"),
        ("contrastive.pairs=[jpeg:10]", "invalid contrastive pair 'jpeg:10'; valid: <codec>:"),
    ],
)
def test_a_bad_contrastive_setting_is_a_one_line_settings_error(override, message):
    with pytest.raises(SettingsError, match=message) as err:
        grid.plan("robustness", [*ENABLED, override])
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_a_launch_pretrains_probes_and_evaluates_the_probe(tmp_path, one_torch_thread):
    args = ["sweep=classification", *ENABLED, "executor=fake", "epochs=1",
            "data.train_limit=60", "data.test_limit=20", "contrastive.epochs=2",
            "contrastive.batch_size=16", "contrastive.probe=finetune",
            f"results={tmp_path}"]  # fmt: skip
    assert launch(args).failed == {}
    plan = read_launched(tmp_path, "classification")
    (pretraining,) = plan.jobs_of("contrastive")
    assert JobFolder.of(tmp_path, pretraining).encoder.exists()
    results = load(tmp_path / "classification")
    curve = results.contrastive_curve
    assert list(curve["epoch"]) == [1, 2] and (curve["pairs"] == 60).all()
    probe = results.evaluation[results.evaluation["codec"] == "contrastive-jpeg"]
    assert set(probe["eval_set"]) >= {"clean"} and probe["top1"].between(0, 1).all()
    table = next(t for t in TABLES if t.stem == "contrastive").build(results, Derived.of(results))
    assert list(table["model"]) == ["contrastive:jpeg:10+40:finetune", "Original",
                                    "JPEG q=10", "JPEG q=40"]  # fmt: skip


def synthetic(tmp_path, spec: SweepSpec) -> tuple[Results, Derived]:
    """The rows of a synthetic sweep of ``spec`` and what the report derives from them."""
    results = load(write_synthetic_sweep(tmp_path, "s", spec))
    return results, Derived.of(results)


def test_the_report_table_puts_the_probe_beside_the_original_and_its_levels(tmp_path):
    spec = SweepSpec(seeds=2, contrastive=("bls",), codecs={"bls": [0.012, 0.1]})
    results, derived = synthetic(tmp_path, spec)
    table = next(t for t in TABLES if t.stem == "contrastive")
    assert absence(table.needs, results, derived) is None
    rows = table.build(results, derived).set_index("model")
    assert list(rows.index) == ["contrastive:bls:0.012+0.1:linear", "Original", "BLS λ=0.012",
                                "BLS λ=0.1"]  # fmt: skip
    assert (rows["seeds"] == 2).all() and rows[["clean", "cifar10c"]].notna().all().all()
    assert rows.loc["contrastive:bls:0.012+0.1:linear", "pretrain_loss"] > 0
    assert math.isnan(rows.loc["Original", "pretrain_loss"])


def test_a_sweep_without_contrastive_rows_lists_the_table_as_absent(tmp_path):
    results = load(write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1)))
    table = next(t for t in TABLES if t.stem == "contrastive")
    reason = absence(table.needs, results, Derived.of(results))
    assert reason.startswith("no contrastive pretraining")


def test_the_report_draws_the_pretraining_curves(tmp_path):
    spec = SweepSpec(seeds=1, contrastive=("jpeg",), codecs={"jpeg": [20.0, 60.0]})
    results, derived = synthetic(tmp_path, spec)
    figure = next(f for f in FIGURES if f.number == "F4")
    assert absence(figure.needs, results, derived) is None
    png = figure.draw(results, derived, tmp_path / "figures")
    assert png.exists() and len(pd.read_csv(png.with_suffix(".csv"))) == spec.epochs
