"""Every shipped sweep runs end to end, report included (issue 14).

Each sweep of ``grid/sweeps`` is shrunk by overrides to the embedded synthetic data (one
seed, one epoch, 100/50 images, codec fits of a few steps, a couple of levels per codec, two
corruptions at two severities) and run through the fake executor; its report must exist and
draw exactly the figures and tables its rows support, listing every other one as absent with
a reason. A sweep added to ``grid/sweeps`` without an entry in :data:`SWEEP_OVERRIDES` fails
:func:`test_every_shipped_sweep_has_an_end_to_end_run`.

The sweeps share one results folder, so jobs identical across sweeps run once (``thesis``
reuses the ``classification``, ``param_reduction`` and ``robustness`` jobs, ``demo`` its
parts'), as they would on a cluster (docs/ARCHITECTURE.md, "Jobs, stages, signatures").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.catalogue import FIGURES
from analysis.report import main
from grid import sweeps
from grid.launch import launch
from grid.planner import plan

SHRINK = [
    "executor=fake",
    "seeds=1",
    "epochs=1",
    "data.train_limit=100",
    "data.test_limit=50",
    "fit.epochs=1",
    "fit.max_steps_per_epoch=5",
    "gate.images=10",
    "corruptions=[gaussian_noise,fog]",
    "severities=[1,2]",
]
# Chapter 4 (thesis Table 4.1), two levels per augmentation so BDA has something to rank
# and the top-2 BLS levels can be joined.
CH4_LEVELS = [
    "codecs.bls=[0.01,0.1]",
    "codecs.jpeg=[10,20]",
    "codecs.noise=[0.05,0.1]",
    "codecs.blur=[3,5]",
]
# The future-work codecs (thesis §6.1, grid/sweeps/future_codecs.py), one λ each.
FUTURE_LEVELS = ["codecs.bls-ssim=[0.1]", "codecs.bls-task=[0.1]", "codecs.mbt-mean=[0.1]"]
# Contrastive pretraining (§6.3) on pairs of CH4_LEVELS' levels, one short epoch.
CONTRASTIVE_PAIRS = ["contrastive.pairs=[bls:0.01+0.1,jpeg:10+20]", "contrastive.epochs=1",
                     "contrastive.batch_size=16"]  # fmt: skip

# Sweep name -> overrides (besides SHRINK) that make it small. ``thesis`` applies its
# overrides to each of its parts, so it shares robustness's.
SWEEP_OVERRIDES: dict[str, list[str]] = {
    "classification": [
        "datasets=[synthetic,synthetic-tiny]",
        "archs=[vgg11]",
        "codecs.jpeg=[10]",
        "codecs.bls=[0.1]",
        "codecs.bmhj=[0.1]",
    ],
    "param_reduction": ["datasets=[synthetic]", "archs=[vgg11,vgg11-5]", "codecs.bls=[0.1]"],
    "robustness": ["datasets=[synthetic]", "archs=[vgg11-5]", *CH4_LEVELS],
    "thesis": ["datasets=[synthetic]", "archs=[vgg11-5]", *CH4_LEVELS],
    "demo": [],
    "demo_cifar": [],
    "demo_tiny": [],
    "reproduce": ["datasets=[synthetic]", "archs=[vgg11-5]", *CH4_LEVELS],
    "reproduce_v2": ["datasets=[synthetic]", "archs=[vgg11-5]", *CH4_LEVELS],
    "reproduce_gpu": ["datasets=[synthetic]", "archs=[vgg11-5]", *CH4_LEVELS],
    "future_work": [
        "datasets=[synthetic]",
        "archs=[vgg11-5]",
        *CH4_LEVELS,
        *FUTURE_LEVELS,
        "fourier.images=8",
        *CONTRASTIVE_PAIRS,
    ],
    "future_cpu": [
        "datasets=[synthetic]",
        "archs=[vgg11-5]",
        *CH4_LEVELS,
        "fourier.images=8",
        *CONTRASTIVE_PAIRS,
    ],
    "future_codecs": ["datasets=[synthetic]", "archs=[vgg11-5]", *CH4_LEVELS, *FUTURE_LEVELS],
    "future_codecs_cpu": ["datasets=[synthetic]", "codecs.jpeg=[10]", *FUTURE_LEVELS],
}

# Tables of the report that chapter 3 (and the codec quality gate) draw from.
CH3_TABLES = {"Table 3.1", "Tables 3.2 / 3.3", "Seeds", "Codec gate", "Claims"}
CH3_TABLES |= {"Best epochs", "Best epochs: optimism"}
CH3_FIGURES = {"Figure 3.1", "Figure 3.2", "Figure 3.3", "Figure 3.4", "Figure 3.5"}
CH4 = {"Table 4.1", "Table 4.2", "Table 4.3", "Rankings"} | {f"Figure 4.{n}" for n in range(1, 8)}
# The Gabor response histograms and their distances (§6.2), drawn where gabor.enabled.
GABOR = {"Figure F2", "Gabor distances"}
# The saliency maps and their concentration on the object (§6.2), drawn where saliency.enabled.
SALIENCY = {"Figure F3", "Saliency on the object"}
# Contrastive pretraining's curves and table (§6.3), drawn where contrastive.enabled.
CONTRASTIVE = {"Figure F4", "Contrastive pretraining (§6.3)"}
# Every figure and table of the report.
EVERYTHING = (
    CH3_TABLES | CH4 | GABOR | SALIENCY | CONTRASTIVE | {f"Figure {s.number}" for s in FIGURES}
)
# The human soft-label comparison (§6.3), planned only with data.soft_labels (CIFAR-10H, not
# shipped): listed by every report, drawn by none of these runs (tests/test_soft_labels_sweep.py).
SOFT_LABELS = {"Soft labels (§6.3)"}
# The future-work figures (thesis ch.6): Fourier heat maps, drawn where fourier.enabled, the
# Gabor, saliency and contrastive ones.
FUTURE = {"Figure F1"} | GABOR | SALIENCY | CONTRASTIVE

# Sweep name -> the figures and tables its shrunk report draws (the others are listed as
# absent with a reason). Figure 3.3 needs a learned codec beside JPEG, 3.6 a classifier
# trained and tested on compressed data (thesis §3.3), chapter 4 a selection (ch.4).
DRAWN: dict[str, set[str]] = {
    "classification": CH3_TABLES | CH3_FIGURES,
    "param_reduction": CH3_TABLES | CH3_FIGURES - {"Figure 3.3"} | {"Figure 3.6"},
    "robustness": CH3_TABLES | CH3_FIGURES | CH4,
    "thesis": EVERYTHING - FUTURE,
    "demo": EVERYTHING - GABOR - SALIENCY - CONTRASTIVE,
    "demo_cifar": EVERYTHING - GABOR - SALIENCY - CONTRASTIVE,
    "demo_tiny": CH3_TABLES | CH3_FIGURES,
    "reproduce": EVERYTHING - FUTURE,
    "reproduce_v2": EVERYTHING - FUTURE,
    "reproduce_gpu": EVERYTHING - FUTURE,
    "future_work": CH3_TABLES | CH3_FIGURES | CH4 | FUTURE,
    "future_cpu": CH3_TABLES | CH3_FIGURES | CH4 | FUTURE,
    "future_codecs": CH3_TABLES | CH3_FIGURES | CH4,
    "future_codecs_cpu": CH3_TABLES | CH3_FIGURES,
}


@pytest.fixture(scope="module")
def results_root(tmp_path_factory) -> Path:
    """One results folder for every sweep of this module (shared jobs run once)."""
    return tmp_path_factory.mktemp("results")


def _launch(sweep: str, root: Path, *extra: str):
    return launch([f"sweep={sweep}", *SHRINK, *SWEEP_OVERRIDES[sweep], f"results={root}", *extra])


def _contents(report: Path) -> pd.DataFrame:
    return pd.read_csv(report / "contents.csv").set_index("name")


def test_every_shipped_sweep_has_an_end_to_end_run():
    assert set(SWEEP_OVERRIDES) == set(sweeps.names())
    assert set(DRAWN) == set(sweeps.names())


@pytest.mark.slow
@pytest.mark.parametrize("sweep", sorted(SWEEP_OVERRIDES))
def test_sweep_runs_end_to_end_and_reports_what_its_rows_support(
    sweep, results_root, one_torch_thread
):
    outcome = _launch(sweep, results_root)
    assert outcome is not None and outcome.failed == {}
    report = results_root / sweep / "report"
    assert (report / "index.md").exists()
    contents = _contents(report)
    assert set(contents.index) == EVERYTHING | SOFT_LABELS
    drawn = set(contents.index[contents["status"] == "drawn"])
    assert drawn == DRAWN[sweep]
    for name in drawn:
        assert (report / contents.loc[name, "file"]).exists()
    absent = contents[contents["status"] == "absent"]
    assert all(isinstance(reason, str) and reason for reason in absent["reason"])


@pytest.mark.slow
def test_a_sweep_with_failed_jobs_reports_what_finished_and_lists_the_rest(
    tmp_path, one_torch_thread, capsys
):
    overrides = [*SHRINK, *SWEEP_OVERRIDES["robustness"], f"results={tmp_path}"]
    jobs = plan("robustness", overrides).jobs
    cifar10c = next(j for j in jobs if j.stage == "prepare-cifar10c")
    train = next(j for j in jobs if j.label == "synthetic vgg11-5 jpeg:10 seed 0")
    fail = f"fake.fail=[{cifar10c.signature},{train.signature}]"
    outcome = _launch("robustness", tmp_path, fail)
    assert {cifar10c.signature, train.signature} <= set(outcome.failed)
    report_job = next(j for j in jobs if j.stage == "report")
    assert report_job.signature not in outcome.failed  # the launch's report ran on what finished
    assert (tmp_path / "robustness" / "report" / "index.md").is_file()
    capsys.readouterr()

    main([str(tmp_path / "robustness")])
    report = tmp_path / "robustness" / "report"
    assert capsys.readouterr().out.split() == [str(report / "index.md"), str(report / "index.html")]
    missing = pd.read_csv(report / "missing.csv").set_index("signature")
    assert missing.loc[cifar10c.signature, "stage"] == "prepare-cifar10c"
    assert missing.loc[cifar10c.signature, "error"].startswith("InjectedFailure")
    assert missing.loc[train.signature, "error"].startswith("InjectedFailure")
    evaluations = missing[missing["stage"] == "evaluate"]
    assert len(evaluations) == sum(j.stage == "evaluate" for j in jobs)
    assert evaluations["error"].str.startswith("MissingInputError").all()
    assert "select" in set(missing["stage"])  # a whole stage missing: listed as well
    contents = _contents(report)
    assert contents.loc["Table 4.2", "reason"].startswith("no selection in this sweep")
    assert {"Table 3.1", "Seeds", "Figure 3.2", "Figure 3.3"} <= set(
        contents.index[contents["status"] == "drawn"]
    )
    seeds = pd.read_csv(report / "tables" / "seeds.csv")
    assert "jpeg:10" not in set(seeds["train_set"])  # its only seed failed
