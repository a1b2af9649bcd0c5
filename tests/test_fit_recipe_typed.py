"""The typed fit recipe (issue 23): a FitRecipe checks itself with one-line errors (a bool is
not an integer), and gives exactly the fit-codec job config the plain dict gave before."""

from __future__ import annotations

import dataclasses
import math

import pytest

from lcc.specs.fit_recipe import (
    BASE_KEYS,
    FIT_KEYS,
    PLATEAU_KEYS,
    FitRecipe,
    FitRecipeError,
    learning_rate,
    resolve_fit_recipe,
)

# The fit-codec config.fit of each preset on 32x32 images, as the dict recipe resolved it
# before FitRecipe existed (keys in this order: the order is part of the job's signature).
THESIS_32 = {
    "epochs": 10,
    "max_steps_per_epoch": None,
    "batch_size": 8,
    "crop": 32,
    "lr": 1e-4,
    "aux_lr": 1e-3,
    "schedule": "constant",
    "warmup_steps": 0,
    "lr_floor": 1.0,
    "held_out": 0,
    "patience": None,
    "min_delta": 0.0,
    "seed": 0,
}
FAST_32 = {
    "epochs": 16,
    "max_steps_per_epoch": 400,
    "batch_size": 32,
    "crop": 32,
    "lr": 1e-3,
    "aux_lr": 1e-3,
    "schedule": "cosine",
    "warmup_steps": 200,
    "lr_floor": 0.01,
    "held_out": 500,
    "patience": None,
    "min_delta": 0.002,
    "seed": 0,
}
CONVERGE_32 = {  # fast's, in fast's order, then the plateau settings last
    **FAST_32,
    "epochs": 60,
    "schedule": "plateau",
    "decay_factor": 0.3,
    "decay_patience": 2,
    "stop_window": 2,
    "stop_delta": 0.005,
}


@pytest.mark.parametrize(
    ("preset", "expected"),
    [("thesis", THESIS_32), ("fast", FAST_32), ("converge", CONVERGE_32)],
)
def test_each_presets_job_config_is_the_dict_of_before_key_for_key_in_order(preset, expected):
    config = resolve_fit_recipe(preset, image_size=32).as_config()
    assert list(config.items()) == list(expected.items())
    assert all(type(config[k]) is type(v) for k, v in expected.items())  # 1.0 stays a float


def test_the_fields_are_the_one_list_of_fit_keys_in_config_order() -> None:
    assert tuple(f.name for f in dataclasses.fields(FitRecipe)) == FIT_KEYS
    assert tuple(CONVERGE_32) == FIT_KEYS
    assert tuple(THESIS_32) == BASE_KEYS
    assert PLATEAU_KEYS == ("decay_factor", "decay_patience", "stop_window", "stop_delta")


def test_a_job_config_reads_back_as_the_same_recipe() -> None:
    for preset in ("thesis", "fast", "converge"):
        recipe = resolve_fit_recipe(preset, {"epochs": 3}, image_size=64)
        assert FitRecipe.from_config(recipe.as_config()) == recipe


def test_a_job_config_with_a_missing_or_unknown_key_is_a_one_line_error() -> None:
    config = resolve_fit_recipe("fast", image_size=32).as_config()
    with pytest.raises(FitRecipeError, match=r"missing \['seed'\], unknown \[\]") as err:
        FitRecipe.from_config({k: v for k, v in config.items() if k != "seed"})
    assert "\n" not in str(err.value)
    with pytest.raises(FitRecipeError, match=r"missing \[\], unknown \['momentum'\]"):
        FitRecipe.from_config({**config, "momentum": 0.9})


def test_a_bool_epochs_is_refused_with_a_one_line_error_naming_it() -> None:
    with pytest.raises(FitRecipeError, match=r"^fit\.epochs must be an integer >= 1; got True$"):
        FitRecipe(crop=32, epochs=True)
    with pytest.raises(FitRecipeError, match=r"fit\.epochs .* got True") as err:
        resolve_fit_recipe("fast", {"epochs": True}, image_size=32)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"batch_size": True}, r"fit\.batch_size must be an integer >= 1; got True"),
        ({"crop": False}, r"fit\.crop must be an integer >= 1; got False"),
        ({"max_steps_per_epoch": True}, r"fit\.max_steps_per_epoch must be null or an integer"),
        ({"warmup_steps": False}, r"fit\.warmup_steps must be an integer >= 0; got False"),
        ({"held_out": True}, r"fit\.held_out must be an integer >= 0; got True"),
        ({"seed": True}, r"fit\.seed must be an integer >= 0; got True"),
        ({"held_out": 5, "patience": True}, r"fit\.patience must be null or an integer >= 1"),
        ({"lr": True}, r"fit\.lr must be > 0; got True"),
        ({"lr": math.nan}, r"fit\.lr must be > 0; got nan"),
        ({"aux_lr": "1e-3"}, r"fit\.aux_lr must be > 0; got '1e-3'"),
        ({"epochs": 2.0}, r"fit\.epochs must be an integer >= 1; got 2\.0"),
        ({"crop": None}, r"fit\.crop must be an integer >= 1; got None"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_one_line_error_naming_it(settings, message) -> None:
    with pytest.raises(FitRecipeError, match=message) as err:
        FitRecipe(**{"crop": 32, **settings})
    assert "\n" not in str(err.value)


def test_plateau_settings_belong_to_schedule_plateau_only() -> None:
    with pytest.raises(FitRecipeError, match=r"fit\.stop_window only applies to fit\.schedule"):
        FitRecipe(crop=32, stop_window=2)
    with pytest.raises(FitRecipeError, match=r"fit\.decay_factor must be in \(0, 1\); got None"):
        FitRecipe(crop=32, schedule="plateau", held_out=10)
    with pytest.raises(FitRecipeError, match=r"fit\.stop_window must be an integer >= 1; got True"):
        resolve_fit_recipe("converge", {"stop_window": True}, image_size=32)


def test_a_converge_recipe_with_another_schedule_drops_the_plateau_settings() -> None:
    recipe = resolve_fit_recipe("converge", {"schedule": "cosine"}, image_size=32)
    assert all(getattr(recipe, k) is None for k in PLATEAU_KEYS)
    assert tuple(recipe.as_config()) == BASE_KEYS


def test_the_recipes_rate_is_the_schedules_learning_rate() -> None:
    recipe = resolve_fit_recipe("fast", image_size=32)
    for step in (0, 199, 200, 3000, 6399):
        expected = learning_rate(step, 6400, 1e-3, "cosine", 200, 0.01)
        assert recipe.rate(step, 6400) == expected
    plateau = resolve_fit_recipe("converge", image_size=32)
    assert plateau.rate(5000, 24000, scale=0.09) == pytest.approx(9e-5)
