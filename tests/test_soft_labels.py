"""Soft labels (thesis §6.3, future work): a file in CIFAR-10H's layout is read, checked and
aligned with the test split (lcc.data.soft_labels), and training against it is the
cross-entropy against each image's distribution, batched, resumable, and leaves hard-label
training as it was. The synthetic dataset has 10 classes and 1,000 test images (labels
``i % 10``), so its file is ``(1000, 10)``."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from lcc.data import load
from lcc.data.dataset import limit_rows
from lcc.data.soft_labels import (
    MIN_AGREEMENT,
    SoftLabelError,
    aligned_targets,
    fingerprint,
    read_soft_labels,
    split_targets,
)
from lcc.evaluate.device_images import model_input, to_device_images
from lcc.evaluate.normalization import of_recipe
from lcc.train import Recipe, train
from lcc.train.loop import device_targets, loss_of

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def human_like(labels: np.ndarray, classes: int = 10, share: float = 0.6) -> np.ndarray:
    """float64 ``(N, classes)``: ``share`` on each image's label, the rest on the next class."""
    probs = np.zeros((len(labels), classes))
    probs[np.arange(len(labels)), labels] = share
    probs[np.arange(len(labels)), (labels + 1) % classes] += 1 - share
    return probs


@pytest.fixture
def file_of(tmp_path):
    def write(array, name: str = "probs.npy"):
        path = tmp_path / name
        with open(path, "wb") as f:  # np.save(path) would append .npy to another suffix
            np.save(f, array)
        return path

    return write


def test_a_generated_file_in_the_layout_loads_and_aligns_with_the_synthetic_test_split(file_of):
    test = load("synthetic", "test")
    path = file_of(human_like(test.labels))
    probs = read_soft_labels(path, len(test.classes))
    assert probs.shape == (1000, 10) and probs.dtype == np.float64
    targets = split_targets(path, "synthetic", None, None)
    assert targets.dtype == np.float32 and np.array_equal(targets.argmax(1), test.labels)
    limited = load("synthetic", "test", limit=30)
    assert np.array_equal(split_targets(path, "synthetic", None, 30).argmax(1), limited.labels)


def test_a_limit_keeps_each_kept_image_s_own_row_not_the_first_n():
    labels = np.array([3, 3, 0, 1, 0, 2, 1, 2, 3, 0])  # not class-interleaved, unlike synthetic
    probs = np.eye(4)[labels] * 0.9 + 0.025  # rows sum to 1: 0.9 + 4 x 0.025
    rows = limit_rows(labels, 4)
    assert not np.array_equal(rows, np.arange(4))
    kept = aligned_targets(probs, labels, 4, "p.npy")
    np.testing.assert_array_equal(kept, probs[rows].astype(np.float32))
    assert np.array_equal(kept.argmax(1), labels[rows])


def test_rows_within_tolerance_are_renormalised_exactly(file_of):
    probs = human_like(np.arange(20) % 10) * (1 + 5e-7)
    rows = read_soft_labels(file_of(probs), 10)
    np.testing.assert_allclose(rows.sum(1), 1.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("array", "name", "message"),
    [
        (np.full((5, 10), 0.1), "probs.txt", "expected a .npy file"),
        (np.full((5, 9), 1 / 9), "probs.npy", r"shape \(5, 9\); expected \(N, 10\)"),
        (np.full((5,), 0.1), "probs.npy", r"shape \(5,\); expected \(N, 10\)"),
        (np.where(np.eye(10)[:5] > 0, np.nan, 0.1), "probs.npy", "row 0 is not finite"),
        (np.eye(10)[:5] * 2 - 0.1 * (np.arange(10) == 9), "probs.npy", "row 0 has a negative"),
        (np.eye(10)[:5] * 3, "probs.npy", r"row 0 sums to 3; every row must sum to 1 within"),
        (np.array([["a"] * 10] * 5), "probs.npy", "dtype <U1; expected floats"),
    ],
)
def test_each_bad_file_is_a_one_line_error_naming_the_file_and_what_is_valid(
    file_of, array, name, message
):
    path = file_of(array, name)
    with pytest.raises(SoftLabelError, match=message) as err:
        read_soft_labels(path, 10)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_a_missing_file_and_a_non_array_file_are_one_line_errors(tmp_path):
    with pytest.raises(SoftLabelError, match="no such file"):
        read_soft_labels(tmp_path / "absent.npy", 10)
    (tmp_path / "text.npy").write_text("not an array")
    with pytest.raises(SoftLabelError, match="not a numpy array file") as err:
        read_soft_labels(tmp_path / "text.npy", 10)
    assert "\n" not in str(err.value)


def test_a_file_in_another_order_is_refused_with_one_line(file_of):
    test = load("synthetic", "test")
    shuffled = human_like(np.random.default_rng(0).permutation(test.labels))
    with pytest.raises(SoftLabelError, match="the file's order does not match") as err:
        split_targets(file_of(shuffled), "synthetic", None, None)
    assert "\n" not in str(err.value)
    # Up to 1 - MIN_AGREEMENT of the rows may disagree, as humans do (CIFAR-10H: about 5 %).
    noisy = human_like(test.labels)
    flip = np.arange(int(len(noisy) * (1 - MIN_AGREEMENT)))
    noisy[flip] = noisy[flip][:, ::-1]
    assert split_targets(file_of(noisy, "noisy.npy"), "synthetic", None, None).shape == (1000, 10)
    with pytest.raises(SoftLabelError, match="1000 rows; the split has 300"):
        aligned_targets(noisy, test.labels[:300], None, "p.npy")


def test_a_changed_file_is_refused_against_the_planned_fingerprint(file_of):
    labels = load("synthetic", "test").labels
    path = file_of(human_like(labels))
    planned = fingerprint(read_soft_labels(path, 10))
    assert split_targets(path, "synthetic", None, None, expected=planned).shape == (1000, 10)
    np.save(path, human_like(labels, share=0.7))
    with pytest.raises(SoftLabelError, match=f"differs from {planned}, planned"):
        split_targets(path, "synthetic", None, None, expected=planned)


def test_soft_target_loss_is_the_cross_entropy_and_equals_it_for_one_hot_targets():
    logits = torch.randn(16, 10, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(16) % 10
    one_hot = F.one_hot(labels, 10).float()
    torch.testing.assert_close(
        loss_of(logits, one_hot, None, 0.0), loss_of(logits, labels, None, 0.0)
    )
    soft = torch.softmax(torch.randn(16, 10, generator=torch.Generator().manual_seed(1)), 1)
    expected = -(soft * torch.log_softmax(logits, 1)).sum(1).mean()
    torch.testing.assert_close(loss_of(logits, soft, None, 0.0), expected)
    weights = torch.linspace(0.5, 2, 16)
    weighted = (-(soft * torch.log_softmax(logits, 1)).sum(1) * weights).sum() / weights.sum()
    torch.testing.assert_close(loss_of(logits, soft, weights, 0.0), weighted)


def test_hard_labels_take_the_integer_path_unchanged():
    labels = np.arange(12) % 10
    targets = device_targets(labels, torch.device("cpu"))
    assert targets.dtype == torch.int64 and torch.equal(targets, torch.from_numpy(labels))


@pytest.fixture(scope="module")
def tiny():
    """300 synthetic test images (the soft-label set-up trains on test images), 100 train."""
    test, train_split = load("synthetic", "test", limit=300), load("synthetic", "train", limit=100)
    return (test.images, test.labels), (train_split.images, train_split.labels)


def _recipe(epochs: int) -> Recipe:
    return Recipe.for_dataset("synthetic", "vgg11-5").with_settings(
        {"batch_size": 32, "lr": 0.02, "epochs": epochs}
    )


def _curve(result) -> list[dict]:
    return [{k: v for k, v in asdict(r).items() if k not in ("seconds", "images_per_s")}
            for r in result.history]  # fmt: skip


def _probabilities(result, images: np.ndarray, recipe: Recipe) -> np.ndarray:
    model = result.model.eval()
    x = model_input(to_device_images(images, torch.device("cpu")), of_recipe(recipe))
    with torch.no_grad():
        return torch.softmax(model(x), 1).numpy()


def test_one_hot_targets_train_like_hard_labels(tiny):
    (x, y), evals = tiny
    args = ("vgg11-5", {"clean": evals}, _recipe(1))
    hard = train(args[0], (x, y), *args[1:], num_classes=10, seed=3, progress="off")
    one_hot = np.eye(10, dtype=np.float32)[y]
    soft = train(args[0], (x, one_hot), *args[1:], num_classes=10, seed=3, progress="off")
    for a, b in zip(
        hard.model.state_dict().values(), soft.model.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a.float(), b.float(), rtol=1e-4, atol=1e-5)


def test_soft_label_training_moves_the_model_toward_the_soft_distribution(tiny):
    (x, y), evals = tiny
    recipe = _recipe(6)
    soft_targets = human_like(y, share=0.6).astype(np.float32)
    settings = {"num_classes": 10, "seed": 0, "progress": "off"}
    runs = {
        name: train("vgg11-5", (x, t), {"clean": evals}, recipe, **settings)
        for name, t in (("hard", y), ("soft", soft_targets))
    }
    second = (y + 1) % 10
    mass = {
        n: _probabilities(r, x, recipe)[np.arange(len(y)), second].mean() for n, r in runs.items()
    }
    assert mass["soft"] > mass["hard"] + 0.05, mass


def test_resume_of_an_interrupted_soft_label_training_equals_the_uninterrupted_one(tiny, tmp_path):
    (x, y), evals = tiny
    data, targets = (x, human_like(y).astype(np.float32)), {"clean": evals}
    settings = {"num_classes": 10, "seed": 1, "progress": "off"}
    whole = train("vgg11-5", data, targets, _recipe(3), workdir=tmp_path / "a", **settings)
    # Stopped after epoch 2 (a recipe of 2 epochs leaves the checkpoint of epoch 2), resumed.
    train("vgg11-5", data, targets, _recipe(2), workdir=tmp_path / "b", **settings)
    replayed: list[int] = []
    resumed = train("vgg11-5", data, targets, _recipe(3), workdir=tmp_path / "b",
                    on_epoch=replayed.append, **settings)  # fmt: skip
    assert replayed == [3]
    assert _curve(resumed) == _curve(whole) and resumed.best_epoch == whole.best_epoch
    a = torch.load(tmp_path / "a" / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_bad_soft_targets_fail_before_training(tiny):
    (x, y), evals = tiny
    bad = np.eye(10, dtype=np.float32)[y] * 2
    with pytest.raises(ValueError, match="each row summing to 1"):
        train("vgg11-5", (x, bad), {"clean": evals}, _recipe(1), num_classes=10, seed=0)
    with pytest.raises(ValueError, match=r"soft targets must be float \(N, 10\)"):
        train("vgg11-5", (x, bad[:, :9]), {"clean": evals}, _recipe(1), num_classes=10, seed=0)
