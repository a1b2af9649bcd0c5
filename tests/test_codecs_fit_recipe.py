"""Fit recipes: presets, the learning-rate schedule, early stopping, the plateau schedule
(decays and stops that follow the held-out loss), and bit-for-bit resume of a scheduled,
early-stopping or plateau fit after an interruption."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import torch

from lcc import codecs
from lcc.codecs.fit import finish_from_checkpoint
from lcc.data import load
from lcc.specs.fit_recipe import (
    BASE_KEYS,
    FIT_KEYS,
    FIT_PRESETS,
    PLATEAU_KEYS,
    FitRecipeError,
    learning_rate,
    resolve_fit_recipe,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.array(load("synthetic", "train", limit=60).images)


def test_thesis_preset_is_the_authors_setup() -> None:
    thesis = resolve_fit_recipe("thesis", image_size=32)
    assert (thesis.batch_size, thesis.lr, thesis.aux_lr) == (8, 1e-4, 1e-3)
    assert thesis.schedule == "constant" and thesis.held_out == 0
    assert thesis.crop == 32


def test_every_preset_resolves_every_key() -> None:
    for name in FIT_PRESETS:
        keys = FIT_KEYS if FIT_PRESETS[name]["schedule"] == "plateau" else BASE_KEYS
        assert tuple(resolve_fit_recipe(name, image_size=64).as_config()) == keys


def test_converge_preset_is_fast_with_a_plateau_schedule_up_to_a_cap() -> None:
    converge = resolve_fit_recipe("converge", image_size=32).as_config()
    fast = resolve_fit_recipe("fast", image_size=32).as_config()
    assert converge["schedule"] == "plateau" and converge["epochs"] > fast["epochs"]
    assert all(converge[k] == fast[k] for k in ("batch_size", "lr", "warmup_steps", "held_out"))
    assert all(converge[k] is not None for k in PLATEAU_KEYS)
    # schedule=plateau on another preset takes the converge preset's plateau settings
    plateau = resolve_fit_recipe("fast", {"schedule": "plateau"}, image_size=32).as_config()
    assert {k: plateau[k] for k in PLATEAU_KEYS} == {k: converge[k] for k in PLATEAU_KEYS}


def test_plateau_settings_are_in_the_fit_jobs_signature() -> None:
    from grid.job import signature_of

    def sig(**overrides):
        fit = resolve_fit_recipe("converge", overrides, image_size=32).as_config()
        return signature_of("fit-codec", {"codec": "bls", "level": 0.1, "fit": fit}, {})

    base = sig()
    assert (
        len(
            {
                base,
                sig(decay_factor=0.5),
                sig(decay_patience=3),
                sig(stop_window=3),
                sig(stop_delta=0.01),
            }
        )
        == 5
    )
    # other schedules resolve without the plateau keys: their fit jobs kept their signatures
    assert not set(PLATEAU_KEYS) & set(resolve_fit_recipe("fast", image_size=32).as_config())


def test_overrides_replace_preset_values_and_none_keeps_them() -> None:
    fast = resolve_fit_recipe("fast", {"lr": 5e-4, "batch_size": None}, image_size=32)
    assert fast.lr == 5e-4 and fast.batch_size == FIT_PRESETS["fast"]["batch_size"]


@pytest.mark.parametrize(
    ("preset", "overrides", "message"),
    [
        ("slow", {}, "unknown fit recipe 'slow'; valid fit recipes: thesis, fast, converge"),
        ("fast", {"lr": 0}, "fit.lr must be > 0"),
        ("fast", {"epochs": 0}, "fit.epochs must be an integer >= 1"),
        (
            "fast",
            {"schedule": "step"},
            "unknown fit.schedule 'step'; valid: constant, cosine, plateau",
        ),
        ("converge", {"decay_factor": 1.0}, "fit.decay_factor must be in \\(0, 1\\); got 1.0"),
        ("converge", {"decay_patience": 0}, "fit.decay_patience must be an integer >= 1"),
        ("converge", {"stop_window": 1.5}, "fit.stop_window must be an integer >= 1; got 1.5"),
        ("converge", {"stop_delta": -0.1}, "fit.stop_delta must be in \\[0, 1\\]"),
        ("converge", {"held_out": 0}, "fit.schedule plateau needs held-out images"),
        ("fast", {"stop_window": 3}, "fit.stop_window only applies to fit.schedule plateau"),
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
    rows = codecs.fit("bls", 0.01, images, recipe, workdir=tmp_path)
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
    whole, resumed = _whole_and_resumed(images, 0.02, recipe, tmp_path, stop_after=2)
    assert resumed == whole
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
        codecs.fit("bls", 0.02, images, recipe, workdir=tmp_path, on_epoch=stop_after_epoch_2)
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
        codecs.fit("bls", 0.01, images, recipe, workdir=tmp_path, on_epoch=stop_after_epoch_2)
    rows = codecs.fit("bls", 0.01, images, recipe, workdir=tmp_path)
    assert [r["stopped"] for r in rows] == [False, False, True]


def test_plateau_schedule_is_the_peak_rate_times_the_scale_after_warm_up() -> None:
    assert learning_rate(2, 100, 1e-3, "plateau", 10, 0.01, 0.3) == pytest.approx(3e-4)
    assert learning_rate(50, 100, 1e-3, "plateau", 10, 0.01, 0.09) == pytest.approx(9e-5)
    assert learning_rate(5000, 100, 1e-3, "plateau", 10, 0.01) == 1e-3  # no fixed total


def _plateau_recipe(**overrides):
    settings = {
        "epochs": 12,
        "max_steps_per_epoch": 1,
        "batch_size": 4,
        "held_out": 6,
        "warmup_steps": 0,
        **overrides,
    }
    return resolve_fit_recipe("converge", settings, image_size=32)


def test_plateau_decays_at_a_stall_and_stops_when_a_decay_buys_too_little(images, tmp_path) -> None:
    # min_delta 1.0: no epoch after the first improves, so after decay_patience 2 bad epochs
    # (epoch 3) the rate falls by 0.3, and stop_window 2 epochs later (epoch 5) the decay has
    # not cut the best loss by stop_delta: the fit stops, "plateau", well before the cap.
    recipe = _plateau_recipe(min_delta=1.0, decay_patience=2, stop_window=2, stop_delta=0.5)
    rows = codecs.fit("bls", 0.01, images, recipe, workdir=tmp_path)
    assert [r["stopped"] for r in rows] == [False] * 4 + [True]
    assert [r["lr"] for r in rows] == pytest.approx([1e-3] * 3 + [3e-4] * 2)
    assert json.loads((tmp_path / "meta.json").read_text())["stop_reason"] == "plateau"


def test_plateau_stops_at_the_rate_floor_and_at_the_cap(images, tmp_path) -> None:
    # decay_patience 1 < stop_window 2: a decay every epoch until the floor, then a stop
    floor = _plateau_recipe(min_delta=1.0, decay_patience=1, stop_window=2, lr_floor=0.05)
    rows = codecs.fit("bls", 0.01, images, floor, workdir=tmp_path / "floor")
    assert [r["lr"] for r in rows] == pytest.approx([1e-3, 1e-3, 3e-4, 9e-5, 5e-5])
    assert json.loads((tmp_path / "floor" / "meta.json").read_text())["stop_reason"] == "floor"
    # min_delta 0: no stall on this fast-falling start, so the cap ends it
    cap = _plateau_recipe(epochs=3, min_delta=0.0, decay_patience=5)
    rows = codecs.fit("bls", 0.01, images, cap, workdir=tmp_path / "cap")
    assert len(rows) == 3 and not rows[-1]["stopped"]
    assert json.loads((tmp_path / "cap" / "meta.json").read_text())["stop_reason"] == "cap"


def test_plateau_fit_resumes_bit_for_bit_with_its_decay_state(images, tmp_path) -> None:
    # Interrupted after epoch 4 (after the decay, inside the stop window): the resumed fit
    # must keep the decayed rate and the loss at the decay, and stop after epoch 5 too.
    recipe = _plateau_recipe(min_delta=1.0, decay_patience=2, stop_window=2, stop_delta=0.5)
    whole, resumed = _whole_and_resumed(images, 0.01, recipe, tmp_path, stop_after=4)
    assert resumed == whole and len(whole) == 5
    a = torch.load(tmp_path / "whole" / "model.pt", weights_only=True)
    b = torch.load(tmp_path / "cut" / "model.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_sweep_plans_converge_fits_and_refuses_plateau_settings_elsewhere(tmp_path) -> None:
    from grid.launch import plan

    jobs = plan("demo", ["fit.recipe=converge", "fit.stop_window=3", f"results={tmp_path}"]).jobs
    fits = [j.config["fit"] for j in jobs if j.stage == "fit-codec"]
    assert fits and all(f["schedule"] == "plateau" and f["stop_window"] == 3 for f in fits)
    default = [
        j.config["fit"]
        for j in plan("demo", [f"results={tmp_path}"]).jobs
        if j.stage == "fit-codec"
    ]
    assert default and not any(set(PLATEAU_KEYS) & set(f) for f in default)
    with pytest.raises(Exception, match=r"fit\.stop_window only applies to fit\.schedule plateau"):
        plan("demo", ["fit.stop_window=3", f"results={tmp_path}"])


def _whole_and_resumed(images, lmbda, recipe, tmp_path, stop_after: int):
    """The rows (without ``seconds``) of one uninterrupted BLS fit and of one interrupted after
    epoch ``stop_after`` and resumed from its checkpoint."""
    whole = codecs.fit("bls", lmbda, images, recipe, workdir=tmp_path / "whole")

    def stop(epoch: int) -> None:
        if epoch == stop_after:
            raise Interrupted

    with pytest.raises(Interrupted):
        codecs.fit("bls", lmbda, images, recipe, workdir=tmp_path / "cut", on_epoch=stop)
    resumed = codecs.fit("bls", lmbda, images, recipe, workdir=tmp_path / "cut")

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    return strip(whole), strip(resumed)
