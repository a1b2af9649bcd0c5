"""Fit recipes: presets, the learning-rate schedule, early stopping, and bit-for-bit resume of
a scheduled, early-stopping fit after an interruption."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from lcc import codecs
from lcc.codecs.fit import finish_from_checkpoint
from lcc.codecs.fit_recipe import (
    FIT_KEYS,
    FIT_PRESETS,
    FitRecipeError,
    learning_rate,
    resolve_fit_recipe,
)
from lcc.data import load

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.array(load("synthetic", "train", limit=60).images)


def test_thesis_preset_is_the_authors_setup() -> None:
    thesis = resolve_fit_recipe("thesis", image_size=32)
    assert (thesis["batch_size"], thesis["lr"], thesis["aux_lr"]) == (8, 1e-4, 1e-3)
    assert thesis["schedule"] == "constant" and thesis["held_out"] == 0
    assert thesis["crop"] == 32


def test_every_preset_resolves_every_key() -> None:
    for name in FIT_PRESETS:
        assert tuple(resolve_fit_recipe(name, image_size=64)) == FIT_KEYS


def test_overrides_replace_preset_values_and_none_keeps_them() -> None:
    fast = resolve_fit_recipe("fast", {"lr": 5e-4, "batch_size": None}, image_size=32)
    assert fast["lr"] == 5e-4 and fast["batch_size"] == FIT_PRESETS["fast"]["batch_size"]


@pytest.mark.parametrize(
    ("preset", "overrides", "message"),
    [
        ("slow", {}, "unknown fit recipe 'slow'; valid fit recipes: thesis, fast"),
        ("fast", {"lr": 0}, "fit.lr must be > 0"),
        ("fast", {"epochs": 0}, "fit.epochs must be an integer >= 1"),
        ("fast", {"schedule": "step"}, "unknown fit.schedule 'step'; valid: constant, cosine"),
        ("fast", {"lr_floor": 2}, "fit.lr_floor must be in"),
        ("fast", {"held_out": 0, "patience": 2}, "fit.patience needs held-out images"),
        ("fast", {"momentum": 0.9}, "unknown fit setting 'momentum'"),
    ],
)
def test_bad_fit_settings_are_one_line_errors(preset, overrides, message) -> None:
    with pytest.raises(FitRecipeError, match=message) as err:
        resolve_fit_recipe(preset, overrides, image_size=32)
    assert "\n" not in str(err.value)


def test_cosine_schedule_warms_up_then_decays_to_the_floor() -> None:
    rates = [learning_rate(s, 100, 1e-3, "cosine", 10, 0.01) for s in range(100)]
    assert rates[0] == pytest.approx(1e-4) and rates[9] == pytest.approx(1e-3)
    assert all(a >= b for a, b in itertools.pairwise(rates[9:]))
    assert rates[-1] == pytest.approx(1e-5)
    assert learning_rate(50, 100, 1e-3, "constant", 10, 0.01) == 1e-3


def test_early_stopping_ends_the_fit_when_the_held_out_loss_stalls(images, tmp_path) -> None:
    # min_delta 1.0 demands the held-out loss halve... to zero: no epoch after the first counts
    # as an improvement, so patience 2 stops after epoch 3 of 10.
    recipe = resolve_fit_recipe(
        "fast",
        {
            "epochs": 10,
            "max_steps_per_epoch": 1,
            "batch_size": 4,
            "held_out": 6,
            "patience": 2,
            "min_delta": 1.0,
            "warmup_steps": 0,
        },
        image_size=32,
    )
    rows = codecs.fit("bls", 0.01, images, **recipe, workdir=tmp_path)
    assert [r["stopped"] for r in rows] == [False, False, True]
    assert all(math.isfinite(r["val_loss"]) for r in rows)
    assert (tmp_path / "model.pt").is_file()


class Interrupted(Exception):
    pass


def test_scheduled_early_stopping_fit_resumes_bit_for_bit(images, tmp_path) -> None:
    recipe = resolve_fit_recipe(
        "fast",
        {
            "epochs": 4,
            "max_steps_per_epoch": 2,
            "batch_size": 4,
            "held_out": 6,
            "patience": 3,
            "warmup_steps": 3,
        },
        image_size=32,
    )
    whole = codecs.fit("bls", 0.02, images, **recipe, workdir=tmp_path / "whole")

    def stop_after_epoch_2(epoch: int) -> None:
        if epoch == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        codecs.fit(
            "bls", 0.02, images, **recipe, workdir=tmp_path / "cut", on_epoch=stop_after_epoch_2
        )
    resumed = codecs.fit("bls", 0.02, images, **recipe, workdir=tmp_path / "cut")

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    assert strip(resumed) == strip(whole)
    assert len({r["lr"] for r in whole}) == 4  # the rate changes every epoch (schedule)
    a = torch.load(tmp_path / "whole" / "model.pt", weights_only=True)
    b = torch.load(tmp_path / "cut" / "model.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_fit_stopped_at_a_budget_finishes_from_its_checkpoint(images, tmp_path) -> None:
    recipe = resolve_fit_recipe("thesis", {"epochs": 5, "max_steps_per_epoch": 1}, image_size=32)

    def stop_after_epoch_2(epoch: int) -> None:
        if epoch == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        codecs.fit("bls", 0.02, images, **recipe, workdir=tmp_path, on_epoch=stop_after_epoch_2)
    rows = finish_from_checkpoint(tmp_path)
    assert [r["epoch"] for r in rows] == [1, 2]
    encoded = codecs.get("bls", 0.02, weights=tmp_path).encode(images[:2])
    assert encoded.reconstructions.shape == images[:2].shape


def test_early_stopping_state_survives_an_interruption(images, tmp_path) -> None:
    # No epoch after the first improves (min_delta 1.0), so patience 2 stops after epoch 3.
    # Interrupted after epoch 2, the resumed fit must remember the best loss and the bad
    # epoch already counted, and stop after epoch 3 too.
    recipe = resolve_fit_recipe(
        "fast",
        {
            "epochs": 6,
            "max_steps_per_epoch": 1,
            "batch_size": 4,
            "held_out": 6,
            "patience": 2,
            "min_delta": 1.0,
            "warmup_steps": 0,
        },
        image_size=32,
    )

    def stop_after_epoch_2(epoch: int) -> None:
        if epoch == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        codecs.fit("bls", 0.01, images, **recipe, workdir=tmp_path, on_epoch=stop_after_epoch_2)
    rows = codecs.fit("bls", 0.01, images, **recipe, workdir=tmp_path)
    assert [r["stopped"] for r in rows] == [False, False, True]
