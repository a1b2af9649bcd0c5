"""Training: recipe, batched augmentation, learning, determinism, checkpoints and resume."""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import asdict

import numpy as np
import pytest
import torch

from lcc.data import load
from lcc.evaluate import SCORE_KEYS, get_normalization
from lcc.train import (
    RECIPE_KEYS,
    EpochRecord,
    Recipe,
    RecipeError,
    checkpoint,
    make_progress,
    resolve_recipe,
    thesis_batch_size,
    train,
)
from lcc.train.augment import crop_flip, rotate_flip
from lcc.train.loop import _Run, end_epoch, learning_rate, loss_of, steps_per_epoch
from lcc.train.progress import BarProgress, LogProgress

TIMING = ("seconds", "images_per_s")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def synthetic():
    """2000 synthetic training images and 300 test images (32x32, 10 classes)."""
    train_split = load("synthetic", "train", limit=2000)
    test_split = load("synthetic", "test", limit=300)
    return (train_split.images, train_split.labels), (test_split.images, test_split.labels)


def small_recipe(**settings) -> Recipe:
    return Recipe.for_dataset("synthetic", "vgg11-5").with_settings(
        {"batch_size": 32, "lr": 0.02} | settings
    )


def curve(result) -> list[dict]:
    """The history without wall-clock figures."""
    return [{k: v for k, v in asdict(r).items() if k not in TIMING} for r in result.history]


def test_recipe_defaults_are_the_thesis_recipe():
    recipe = Recipe.for_dataset("cifar10", "resnet18")
    assert (recipe.epochs, recipe.lr, recipe.momentum, recipe.weight_decay) == (30, 0.01, 0.9, 5e-4)
    assert (recipe.batch_size, recipe.augment, recipe.normalize) == (128, "crop-flip", "cifar10")
    assert (recipe.crop_padding, recipe.flip_probability, recipe.best_metric) == (4, 0.5, "top1")
    assert recipe.mean == get_normalization("cifar10").mean
    assert recipe.std == get_normalization("cifar10").std
    tiny_vgg = Recipe.for_dataset("tinyimagenet", "vgg11")
    assert (tiny_vgg.batch_size, tiny_vgg.augment, tiny_vgg.best_metric) == (
        300,
        "rotate-flip",
        "top5",
    )
    assert Recipe.for_dataset("tinyimagenet", "resnet18").batch_size == 200
    assert Recipe.for_dataset("cifar10", "vgg11", preset="author").lr == 0.1
    assert recipe.with_settings({"batch_size": None, "lr": 0.05}) == Recipe.for_dataset(
        "cifar10", "resnet18", lr=0.05
    )


def test_resolved_recipe_holds_every_setting_and_round_trips():
    config = resolve_recipe("synthetic-tiny", 64, "resnet18", "author", {"epochs": 2})
    assert tuple(config) == RECIPE_KEYS
    assert config["batch_size"] == thesis_batch_size(64, "resnet18") == 200
    assert (config["lr"], config["epochs"], config["normalize"]) == (0.1, 2, "synthetic-tiny")
    assert json.loads(json.dumps(config)) == config  # JSON-able, so it can be a job config
    assert Recipe.from_config(config).to_config() == config
    with pytest.raises(RecipeError, match="missing \\['precision'\\]"):
        Recipe.from_config({k: v for k, v in config.items() if k != "precision"})
    with pytest.raises(RecipeError, match="unknown \\['lr_decay'\\]"):
        Recipe.from_config(config | {"lr_decay": 0.1})


def test_recipe_rejects_bad_settings():
    recipe = Recipe.for_dataset("cifar10", "vgg11")
    with pytest.raises(RecipeError, match="learning_rate"):
        recipe.with_settings({"learning_rate": 0.1})
    with pytest.raises(RecipeError, match="'mixup'"):
        recipe.with_settings({"augment": "mixup"})
    with pytest.raises(RecipeError, match=r"'imagenet'.*cifar10"):
        recipe.with_settings({"normalize": "imagenet"})
    with pytest.raises(RecipeError, match="'faster'"):
        Recipe.for_dataset("cifar10", "vgg11", preset="faster")
    bad = {"epochs": 0, "lr": 0, "momentum": 1.0, "weight_decay": -1, "batch_size": 0,
           "crop_padding": -1, "rotation_degrees": 200, "flip_probability": 1.5,
           "eval_batch_size": 0, "best_metric": "top3", "precision": "fp8",
           "std": [1, 0, 1]}  # fmt: skip
    for key, value in bad.items():
        with pytest.raises(RecipeError, match=f"train.{key} "):
            resolve_recipe("cifar10", 32, "vgg11", overrides={key: value})


def test_fast_preset_sets_schedule_smoothing_and_nesterov():
    thesis = Recipe.for_dataset("cifar10", "vgg11-4")
    assert (thesis.schedule, thesis.warmup_fraction, thesis.nesterov, thesis.label_smoothing) == (
        "constant",
        0.0,
        False,
        0.0,
    )
    fast = Recipe.for_dataset("cifar10", "vgg11-4", preset="fast", epochs=8)
    assert (fast.lr, fast.schedule, fast.warmup_fraction) == (0.05, "cosine", 0.05)
    assert (fast.nesterov, fast.label_smoothing, fast.epochs) == (True, 0.1, 8)
    config = resolve_recipe("cifar10", 32, "vgg11-4", "fast")
    assert tuple(config) == RECIPE_KEYS and Recipe.from_config(config).to_config() == config
    with pytest.raises(RecipeError, match="missing \\['label_smoothing'\\]"):
        Recipe.from_config({k: v for k, v in config.items() if k != "label_smoothing"})
    bad = {"schedule": "step", "warmup_fraction": 1.0, "nesterov": 1, "label_smoothing": 1.0}
    for key, value in bad.items():
        with pytest.raises(RecipeError, match=f"train.{key} "):
            resolve_recipe("cifar10", 32, "vgg11", "fast", overrides={key: value})
    with pytest.raises(RecipeError, match=r"train\.warmup_fraction needs train\.schedule=cosine"):
        resolve_recipe("cifar10", 32, "vgg11", overrides={"warmup_fraction": 0.1})
    with pytest.raises(RecipeError, match=r"train\.nesterov needs train\.momentum > 0"):
        resolve_recipe("cifar10", 32, "vgg11", overrides={"nesterov": True, "momentum": 0.0})


def test_learning_rate_schedules_per_step():
    thesis = Recipe.for_dataset("cifar10", "vgg11")
    assert {learning_rate(thesis, s, 100) for s in range(100)} == {0.01}
    fast = Recipe.for_dataset("cifar10", "vgg11", preset="fast")  # peak 0.05, 5 % warm-up
    rates = [learning_rate(fast, s, 100) for s in range(100)]
    assert rates[:5] == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.05])
    assert rates[5] == pytest.approx(0.05) and max(rates) == pytest.approx(0.05)
    assert all(a >= b for a, b in itertools.pairwise(rates[5:]))  # decays
    assert 0 < rates[-1] < 0.001
    # a steps-matched control (k x the epochs on 1/k of the images) takes the same rates
    # a joined set of two 1,000-image parts for 4 epochs, a part alone for 8: same steps
    assert steps_per_epoch(2000, 128) * 4 == steps_per_epoch(1000, 128) * 8 == 64
    assert steps_per_epoch(257, 128) == 2 and steps_per_epoch(256, 128) == 2
    assert steps_per_epoch(1, 128) == 1


def test_label_smoothing_mixes_a_uniform_target():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    labels = torch.tensor([0, 2])
    hard = loss_of(logits, labels, None, 0.0)
    assert hard == pytest.approx(torch.nn.functional.cross_entropy(logits, labels).item())
    logp = torch.log_softmax(logits, 1)
    expected = (0.9 * -logp[[0, 1], labels] + 0.1 * -logp.mean(1)).mean()
    assert loss_of(logits, labels, None, 0.1).item() == pytest.approx(expected.item())
    weights = torch.tensor([1.0, 0.0])  # weighted mean: only the first image counts
    assert loss_of(logits, labels, weights, 0.1).item() == pytest.approx(
        (0.9 * -logp[0, 0] + 0.1 * -logp[0].mean()).item()
    )


def test_fast_recipe_trains_and_resumes_exactly(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    recipe = small_recipe(epochs=3).with_settings(
        {"schedule": "cosine", "warmup_fraction": 0.2, "nesterov": True, "label_smoothing": 0.1}
    )
    args = ("vgg11-5", (x[:300], y[:300]), {"clean": (xt[:100], yt[:100])}, recipe)
    whole = train(*args, num_classes=10, seed=1, workdir=tmp_path / "a", progress="off")
    assert whole.history[0].lr > whole.history[1].lr > whole.history[2].lr > 0

    def stop_after_two(epoch: int) -> None:
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(*args, num_classes=10, seed=1, workdir=tmp_path / "b", on_epoch=stop_after_two,
              progress="off")  # fmt: skip
    resumed = train(*args, num_classes=10, seed=1, workdir=tmp_path / "b", progress="off")
    assert curve(resumed) == curve(whole)


def test_crop_flip_takes_a_window_of_the_zero_padded_image():
    batch = torch.randint(0, 256, (6, 3, 8, 8), dtype=torch.uint8)
    out = crop_flip(batch, torch.Generator().manual_seed(0), padding=2, flip_probability=0.5)
    padded = torch.nn.functional.pad(batch, (2, 2, 2, 2))
    seen_flip = set()
    for image, source in zip(out, padded, strict=True):
        windows = {
            (top, left, flip): source[:, top : top + 8, left : left + 8].flip(2)
            if flip
            else source[:, top : top + 8, left : left + 8]
            for top, left, flip in itertools.product(range(5), range(5), (False, True))
        }
        matching = [key for key, w in windows.items() if torch.equal(w, image)]
        assert matching, "output is not a (flipped) window of the padded image"
        seen_flip.add(matching[0][2])
    again = crop_flip(batch, torch.Generator().manual_seed(0), padding=2, flip_probability=0.5)
    assert torch.equal(out, again)
    assert seen_flip == {False, True}


def test_rotate_flip_copies_pixels_and_zero_fills():
    batch = torch.randint(1, 256, (8, 3, 16, 16), dtype=torch.uint8)
    still = rotate_flip(batch, torch.Generator().manual_seed(1), degrees=0.0, flip_probability=0.5)
    for image, source in zip(still, batch, strict=True):
        assert torch.equal(image, source) or torch.equal(image, source.flip(2))
    turned = rotate_flip(
        batch, torch.Generator().manual_seed(1), degrees=45.0, flip_probability=0.5
    )
    assert turned.dtype == torch.uint8 and turned.shape == batch.shape
    corners = turned[:, :, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners == 0).float().mean() > 0.5  # rotated corners fall outside the image
    assert not torch.equal(turned, batch)


def test_short_run_learns_well_above_chance(synthetic):
    train_set, test_set = synthetic
    result = train("vgg11-5", train_set, {"clean": test_set}, small_recipe(epochs=6),
                   num_classes=10, seed=0, progress="off")  # fmt: skip
    best = max(r.evals["clean"]["top1"] for r in result.history)
    assert best > 0.35  # chance is 0.1
    assert result.history[-1].train_loss < result.history[0].train_loss
    assert result.best_epoch == 1 + int(
        np.argmax([r.evals["clean"]["select_top1"] for r in result.history])
    )
    assert all(r.evals["clean"]["n_images"] == 300 for r in result.history)
    assert set(result.history[0].evals["clean"]) == set(SCORE_KEYS)


def test_same_seed_identical_curves_other_seed_differs(synthetic):
    (x, y), test_set = synthetic
    args = ("vgg11-5", (x[:300], y[:300]), {"clean": test_set}, small_recipe(epochs=2))
    first = train(*args, num_classes=10, seed=3, progress="off")
    second = train(*args, num_classes=10, seed=3, progress="off")
    other = train(*args, num_classes=10, seed=4, progress="off")
    assert curve(first) == curve(second)
    assert curve(first) != curve(other)


def test_resume_after_interruption_equals_uninterrupted_run(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    args = ("vgg11-5", (x[:300], y[:300]), {"clean": (xt[:100], yt[:100])}, small_recipe(epochs=3))
    whole = train(*args, num_classes=10, seed=1, workdir=tmp_path / "a", progress="off")

    class Interrupted(Exception):
        pass

    def stop_after_two(epoch: int) -> None:
        if epoch == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        train(*args, num_classes=10, seed=1, workdir=tmp_path / "b", on_epoch=stop_after_two,
              progress="off")  # fmt: skip
    replayed: list[int] = []
    resumed = train(*args, num_classes=10, seed=1, workdir=tmp_path / "b",
                    on_epoch=replayed.append, progress="off")  # fmt: skip
    assert replayed == [3]
    assert curve(resumed) == curve(whole)
    assert resumed.best_epoch == whole.best_epoch
    for name in ("last.pt", "best.pt"):
        a = torch.load(tmp_path / "a" / name, weights_only=True)
        b = torch.load(tmp_path / "b" / name, weights_only=True)
        assert all(torch.equal(a[k], b[k]) for k in a)
    state = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)
    assert len(state["history"]) == 3


def test_resume_refuses_a_checkpoint_of_another_run(synthetic, tmp_path):
    (x, y), test_set = synthetic
    args = ("vgg11-5", (x[:100], y[:100]), {"clean": test_set}, small_recipe(epochs=1))
    train(*args, num_classes=10, seed=1, workdir=tmp_path, progress="off")
    with pytest.raises(ValueError, match="different run"):
        train(*args, num_classes=10, seed=2, workdir=tmp_path, progress="off")


def test_best_checkpoint_is_a_real_copy_of_the_best_epoch(synthetic, tmp_path):
    (x, y), (xt, _) = synthetic
    noisy_labels = np.random.default_rng(0).integers(0, 10, 40)  # makes the best epoch vary
    args = ("vgg11-5", (x[:200], y[:200]), {"clean": (xt[:40], noisy_labels)})
    result = train(*args, small_recipe(epochs=3), num_classes=10, seed=5,
                   workdir=tmp_path / "full", progress="off")  # fmt: skip
    prefix = train(*args, small_recipe(epochs=result.best_epoch), num_classes=10, seed=5,
                   workdir=tmp_path / "prefix", progress="off")  # fmt: skip
    best = torch.load(tmp_path / "full" / "best.pt", weights_only=True)
    at_best_epoch = torch.load(tmp_path / "prefix" / "last.pt", weights_only=True)
    assert all(torch.equal(best[k], at_best_epoch[k]) for k in best)
    last = torch.load(tmp_path / "full" / "last.pt", weights_only=True)
    if result.best_epoch < 3:  # epoch 1 on this CPU: then best.pt must not be the live weights
        assert not all(torch.equal(best[k], last[k]) for k in best)
    assert all(torch.equal(best[k], result.best_state[k]) for k in best)
    with torch.no_grad():
        for p in result.model.parameters():
            p.add_(1.0)
    assert all(torch.equal(best[k], result.best_state[k]) for k in best)
    assert prefix.history[-1].evals == result.history[result.best_epoch - 1].evals


def test_bad_input_fails_before_training(synthetic, tmp_path):
    train_set, test_set = synthetic
    tiny = load("synthetic-tiny", "test", limit=20)
    with pytest.raises(KeyError, match="'vgg19'"):
        train("vgg19", train_set, {"clean": test_set}, small_recipe(), num_classes=10, seed=0,
              workdir=tmp_path)  # fmt: skip
    with pytest.raises(ValueError, match=r"vgg11-5.*got 64"):
        train("vgg11-5", (tiny.images, tiny.labels), {"clean": (tiny.images, tiny.labels)},
              small_recipe(), num_classes=200, seed=0, workdir=tmp_path)  # fmt: skip
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 5\)"):
        train("vgg11-5", train_set, {"clean": test_set}, small_recipe(), num_classes=5, seed=0)
    with pytest.raises(ValueError, match="differ in size"):
        train("res18-4", train_set, {"clean": (tiny.images, tiny.labels % 10)}, small_recipe(),
              num_classes=10, seed=0)  # fmt: skip
    assert not any(tmp_path.iterdir())


def test_progress_mode_follows_terminal_and_slurm(monkeypatch, caplog):
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    assert isinstance(make_progress("auto"), LogProgress)
    assert isinstance(make_progress("bar"), BarProgress)
    with pytest.raises(ValueError, match="'fancy'"):
        make_progress("fancy")
    reporter = LogProgress(interval_s=0.0)
    with caplog.at_level(logging.INFO, logger="lcc.train"):
        reporter.start_epoch(2, 30, 256)
        reporter.advance(128, lambda: 1.5)
        reporter.end_epoch("train loss 1.5")
    assert "epoch 2/30: 128/256 images" in caplog.text and "loss 1.5000" in caplog.text
    assert "epoch 2/30 done: train loss 1.5" in caplog.text


def test_tiny_imagenet_settings_pick_the_best_epoch_by_top5(synthetic):
    (x, y), (xt, yt) = synthetic
    recipe = Recipe.for_dataset("synthetic-tiny", "vgg11-5").with_settings(
        {"epochs": 3, "batch_size": 32, "lr": 0.02, "normalize": "synthetic"}
    )
    assert (recipe.augment, recipe.best_metric) == ("rotate-flip", "top5")
    result = train("vgg11-5", (x[:200], y[:200]), {"clean": (xt[:60], yt[:60])}, recipe,
                   num_classes=10, seed=0, progress="off")  # fmt: skip
    top5 = [r.evals["clean"]["select_top5"] for r in result.history]
    assert result.best_epoch == 1 + int(np.argmax(top5))


def scored_epoch(epoch: int, evals: dict[str, dict[str, float]]) -> EpochRecord:
    return EpochRecord(epoch, train_loss=1.0, train_top1=0.5, lr=0.01, seconds=1.0,
                       images_per_s=1.0, evals=evals)  # fmt: skip


def test_the_best_epoch_is_the_best_on_the_selection_part_of_the_first_eval_set(tmp_path):
    """Epoch 2 is best on the whole first eval set and epoch 3 on its selection part (the
    judged part disagrees); a second eval set best at epoch 1 is not asked. The selection part
    picks epoch 3, for the result and for best.pt."""
    whole = [0.50, 0.70, 0.60]
    select = [0.55, 0.50, 0.65]  # judge = 2 * whole - select: [0.45, 0.90, 0.55]
    recipe = small_recipe()
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    run = _Run()
    identity = {"run": "hand-made"}
    states = []
    for epoch, (top1, select_top1) in enumerate(zip(whole, select, strict=True), start=1):
        with torch.no_grad():
            model.weight.fill_(epoch)
        first = {"top1": top1, "select_top1": select_top1, "judge_top1": 2 * top1 - select_top1}
        evals = {"clean": first, "compressed": {"top1": 1.0 - epoch / 10, "select_top1": 1.0}}
        end_epoch(run, scored_epoch(epoch, evals), model, optimizer, recipe, tmp_path, identity)
        states.append(checkpoint.cpu_copy(model.state_dict()))
    assert 1 + int(np.argmax(whole)) == 2 and run.best_epoch == 1 + int(np.argmax(select)) == 3
    assert run.best_score == 0.65
    best = torch.load(tmp_path / checkpoint.BEST, weights_only=True)
    assert torch.equal(best["weight"], states[2]["weight"])
