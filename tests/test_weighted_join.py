"""Weighted multi-level training (thesis §6.3): the rules, the weighted loss, the train stage's
weights, the expansion of ``select.weighting`` and ``fourier``, and the setting errors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

import grid
from analysis.figures.robustness import bda_sets
from grid.expand import TrainSet
from grid.launch import main
from grid.settings import SettingsError
from grid.stages.train import join_weights
from lcc.data import load
from lcc.train import Recipe, train
from lcc.train.weights import (
    WEIGHTING_RULES,
    device_weights,
    level_weights,
    sample_weights,
    weighted_cross_entropy,
)
from tests.stage_folders import write_encoded

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_rules_give_mean_one_weights_decreasing_with_rank_or_distortion():
    assert np.allclose(level_weights("none", [30.0, 20.0]), [1.0, 1.0])
    assert np.allclose(level_weights("rank", [30.0, 20.0]), [4 / 3, 2 / 3])
    assert np.allclose(level_weights("psnr", [20.0, 30.0]), [0.8, 1.2])  # noisier counts less
    assert np.allclose(level_weights("rank", [1.0, 1.0, 1.0]).mean(), 1.0)
    with pytest.raises(ValueError, match="finite PSNRs"):
        level_weights("psnr", [float("inf"), 20.0])
    assert np.array_equal(sample_weights([2.0, 0.5], [2, 3]), [2, 2, 0.5, 0.5, 0.5])


def test_unknown_rule_is_one_line_listing_the_rules():
    with pytest.raises(ValueError) as err:
        level_weights("linear", [20.0])
    assert str(err.value) == "unknown weighting rule 'linear'; valid rules: none, rank, psnr"
    assert WEIGHTING_RULES == ("none", "rank", "psnr")


def test_a_zero_weight_removes_a_samples_effect():
    torch.manual_seed(0)
    logits = torch.randn(6, 4, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    weights = torch.tensor([1.0, 2.0, 0.0, 1.0, 0.5, 1.0])
    loss = weighted_cross_entropy(logits, labels, weights)
    (grad,) = torch.autograd.grad(loss, logits)
    assert torch.equal(grad[2], torch.zeros(4))
    keep = weights > 0
    losses = F.cross_entropy(logits[keep], labels[keep], reduction="none")
    expected = (losses * weights[keep]).sum() / weights[keep].sum()
    torch.testing.assert_close(loss, expected)
    assert not torch.allclose(loss, F.cross_entropy(logits, labels))  # the weights matter


def test_device_weights_checks_and_equal_weights_take_the_unweighted_path():
    assert device_weights(None, 3, "cpu") is None
    assert device_weights(np.full(3, 0.7), 3, "cpu") is None
    assert torch.equal(device_weights(np.array([1, 0, 2]), 3, "cpu"), torch.tensor([1.0, 0, 2]))
    for bad in (np.ones(2), np.array([1.0, -1.0, 1.0]), np.zeros(3), np.array([1, np.nan, 1])):
        with pytest.raises(ValueError):
            device_weights(bad, 3, "cpu")


@pytest.fixture(scope="module")
def tiny_sets():
    tr = load("synthetic", "train", limit=96)
    te = load("synthetic", "test", limit=20)
    return (tr.images, tr.labels), {"clean": (te.images, te.labels)}


def _weights_after(tiny_sets, weights):
    recipe = Recipe.for_dataset("synthetic", "vgg11-5").with_settings(
        {"epochs": 1, "batch_size": 32, "normalize": "synthetic"}
    )
    result = train("vgg11-5", *tiny_sets, recipe, num_classes=10, seed=0, progress="off",
                   weights=weights)  # fmt: skip
    return result.model.state_dict()


def test_all_equal_weights_train_bit_for_bit_like_no_weights(tiny_sets):
    plain = _weights_after(tiny_sets, None)
    equal = _weights_after(tiny_sets, np.full(96, 1.3))
    skewed = _weights_after(tiny_sets, np.repeat([1.5, 0.5], 48))
    assert all(torch.equal(plain[k], equal[k]) for k in plain)
    assert not all(torch.equal(plain[k], skewed[k]) for k in plain)


def test_join_weights_follow_the_rule_the_rank_order_and_each_levels_psnr(tmp_path):
    images = np.zeros((5, 8, 8, 3), np.uint8)
    parts = [write_encoded(tmp_path, images[:n], np.zeros(n, np.int64), "bls", lv)
             for n, lv in ((2, 0.1), (3, 0.01))]  # fmt: skip
    folders = []
    for job, psnr in zip(parts, (36.0, 24.0), strict=True):
        folder = tmp_path / "_jobs" / "encode" / job.signature
        (folder / "rows").mkdir()
        pd.DataFrame({"psnr": [psnr - 1, psnr + 1]}).to_parquet(
            folder / "rows" / "rate_distortion.parquet"
        )
        folders.append(folder)
    unweighted = {"label": "bls:top2", "joined": True}
    assert join_weights(unweighted, folders) is None
    psnr = join_weights({**unweighted, "weighting": "psnr"}, folders)
    assert np.allclose(psnr, [1.2, 1.2, 0.8, 0.8, 0.8])
    rank = join_weights({**unweighted, "weighting": "rank"}, folders[::-1])
    assert np.allclose(rank, [4 / 3] * 3 + [2 / 3] * 2)


# --- expansion -----------------------------------------------------------------------------

SMALL = ["datasets=[synthetic]", "archs=[vgg11-5]", "seeds=2", "codecs.bls=[0.01,0.1]",
         "codecs.jpeg=[10]", "codecs.noise=[]", "codecs.blur=[]"]  # fmt: skip


def test_each_weighting_rule_adds_a_joined_set_and_none_keeps_todays_jobs():
    default = grid.plan("robustness", SMALL).jobs
    weighted = grid.plan("robustness", [*SMALL, "select.weighting=[none,rank,psnr]"]).jobs
    joined = [j for j in weighted if j.stage == "train" and j.config["train_set"]["joined"]]
    labels = Counter(j.config["train_set"]["label"] for j in joined)
    assert labels == {"bls:top2": 2, "bls:top2:w=rank": 2, "bls:top2:w=psnr": 2}
    assert {j.config["train_set"].get("weighting") for j in joined} == {None, "rank", "psnr"}
    unchanged = {j.signature for j in default if j.stage != "report"}  # the report reads all
    assert unchanged <= {j.signature for j in weighted}
    extra = Counter(j.stage for j in weighted) - Counter(j.stage for j in default)
    assert extra == {"train": 4, "evaluate": 4}


def test_a_joined_set_names_its_rule_unless_it_is_unweighted():
    weighted = TrainSet.joined_set("bls", 3, "psnr")
    plain = TrainSet.joined_set("bls", 2, "none")
    assert (weighted.label, weighted.weighting, weighted.top_k) == ("bls:top3:w=psnr", "psnr", 3)
    assert (plain.label, plain.weighting, plain.top_k) == ("bls:top2", None, 2)
    assert weighted.joined and plain.joined


def test_fourier_enabled_adds_one_job_per_training():
    jobs = grid.plan("robustness", [*SMALL, "fourier.enabled=true", "fourier.images=50"]).jobs
    trains = {j.signature: j for j in jobs if j.stage == "train"}
    fourier = [j for j in jobs if j.stage == "fourier"]
    assert sorted(j.inputs["model"][0] for j in fourier) == sorted(trains)
    for job in fourier:
        assert job.config == {
            "norm": 4.0,
            "images": 50,
            "seed": 0,
            "batch_size": 64,
            "precision": "bf16",
        }
        assert job.inputs["test_clean"] == trains[job.inputs["model"][0]].inputs["test_clean"]
    assert not any(j.stage == "fourier" for j in grid.plan("robustness", SMALL).jobs)
    tiny = grid.plan("classification", ["datasets=[synthetic-tiny]", "archs=[vgg11]",
                                        "codecs.bls=[]", "fourier.enabled=true"]).jobs  # fmt: skip
    assert not any(j.stage == "fourier" for j in tiny)  # 64x64 data: no heat map


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("select.weighting=[none,linear]",
         "unknown weighting rule 'linear'; valid rules: none, rank, psnr"),
        ("select.weighting=rank", "select.weighting must be a non-empty list of rules"),
        ("fourier.norm=0", "invalid fourier norm 0; valid: a number > 0"),
        ("fourier.norm=-2.5", "invalid fourier norm -2.5; valid: a number > 0"),
        ("fourier.images=0", "invalid fourier images 0; valid: an integer >= 1"),
        ("fourier.batch_size=0", "invalid fourier batch_size 0; valid: an integer >= 1"),
    ],
)  # fmt: skip
def test_bad_future_work_settings_are_one_line_settings_errors(override, message):
    with pytest.raises(SettingsError) as err:
        grid.plan("robustness", [*SMALL, override])
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_the_weighted_join_appears_beside_the_unweighted_one_in_the_bda_figures():
    rows = []
    for train_set, codec, level, joined in [("original", "identity", np.nan, False),
                                            ("bls:0.1", "bls", 0.1, False),
                                            ("bls:top2", "bls", np.nan, True),
                                            ("bls:top2:w=rank", "bls", np.nan, True)]:  # fmt: skip
        rows.append({"arch": "vgg11-5", "dataset": "synthetic", "train_set": train_set,
                     "codec": codec, "level": level, "joined": joined, "eval_set": "cifar10c",
                     "corruption": "fog", "severity": 1, "accuracy": 0.5})  # fmt: skip
    ranked = pd.DataFrame([{"arch": "vgg11-5", "dataset": "synthetic", "method": "bda",
                            "codec": "bls", "level": 0.1, "rank": 1}])  # fmt: skip
    sets = set(bda_sets(pd.DataFrame(rows), ranked)["set"])
    assert sets == {"Original", "BLS λ=0.1 (BDA)", "BLS joined bls:top2",
                    "BLS joined bls:top2:w=rank"}  # fmt: skip


def test_a_bad_rule_stops_the_launcher_with_exit_2_before_anything_is_submitted(tmp_path, capsys):
    argv = ["sweep=robustness", *SMALL, "select.weighting=[linear]", "executor=fake",
            f"results={tmp_path}"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: unknown weighting rule 'linear'; valid rules: none")
    assert not (tmp_path / "_jobs").exists()
