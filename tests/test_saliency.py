"""Saliency maps (lcc.evaluate.saliency; thesis §6.2 future work): the map is the input
gradient of the true logit, SmoothGrad averages it over seeded noise independently of the batch
size, a model that reads only the object puts its mass there, the settings' one-line errors,
and the saliency stage's rows, artifact and rerun."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from torch import nn

from grid.context import JobContext
from grid.job import Job
from grid.stages.saliency import saliency_stage
from grid.store import schemas
from grid.store.folder import JobFolder
from lcc.evaluate.normalization import Normalization
from lcc.evaluate.saliency import foreground_concentration, saliency_maps
from lcc.models import build
from lcc.specs.saliency import SaliencySettings
from tests.stage_folders import write_encoded, write_trained

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NORM = Normalization("test", (0.5, 0.4, 0.3), (0.5, 0.25, 2.0))
GRADIENT = SaliencySettings(method="gradient", samples=1, batch_size=3)


def _images(n: int, side: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, side, side, 3), dtype=np.uint8)


def test_the_gradient_map_of_a_linear_model_is_its_weights_over_the_std_max_over_channels():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))
    labels = np.array([0, 3, 1, 2, 3])
    result = saliency_maps(model, _images(5), labels, GRADIENT, normalization=NORM)
    # z = (x - mean) / std with x on [0, 1], so d logit_y / d x = W[y] / std per channel.
    weights = model[1].weight.detach().view(4, 3, 8, 8) / torch.tensor(NORM.std).view(1, 3, 1, 1)
    expected = weights[labels].abs().amax(dim=1).numpy()
    np.testing.assert_allclose(result.maps, expected, rtol=1e-5, atol=1e-7)
    assert result.maps.shape == (5, 8, 8) and result.maps.dtype == np.float32


def test_the_gradient_map_matches_finite_differences_of_a_nonlinear_model():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.Flatten(),
                          nn.Linear(4 * 8 * 8, 3)).double()  # fmt: skip
    images, label = _images(1), 2
    result = saliency_maps(model.float(), images, np.array([label]), GRADIENT, normalization=NORM)
    model.double()
    x = torch.from_numpy(images).permute(0, 3, 1, 2).double() / 255.0
    mean = torch.tensor(NORM.mean, dtype=torch.float64).view(1, 3, 1, 1)
    std = torch.tensor(NORM.std, dtype=torch.float64).view(1, 3, 1, 1)

    @torch.no_grad()
    def logit(pixels: torch.Tensor) -> float:
        return float(model((pixels - mean) / std)[0, label])

    h, diffs = 1e-5, torch.zeros(3, 8, 8, dtype=torch.float64)
    for c in range(3):
        for i in range(8):
            for j in range(8):
                up, down = x.clone(), x.clone()
                up[0, c, i, j] += h
                down[0, c, i, j] -= h
                diffs[c, i, j] = (logit(up) - logit(down)) / (2 * h)
    np.testing.assert_allclose(result.maps[0], diffs.abs().amax(dim=0).numpy(), rtol=1e-3,
                               atol=1e-5)  # fmt: skip


def test_smoothgrad_of_a_linear_model_is_its_gradient_whatever_the_noise():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))
    labels = np.array([1, 2, 0])
    plain = saliency_maps(model, _images(3), labels, GRADIENT, normalization=NORM)
    smooth = saliency_maps(model, _images(3), labels, SaliencySettings(samples=5, sigma=0.5),
                           normalization=NORM)  # fmt: skip
    np.testing.assert_allclose(smooth.maps, plain.maps, rtol=1e-4, atol=1e-6)


def test_smoothgrad_follows_its_seed_and_not_the_batch_size():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 8 * 8, 3))  # fmt: skip
    images, labels = _images(7), np.arange(7) % 3

    def run(**kw):
        settings = SaliencySettings(samples=4, **kw)
        return saliency_maps(model, images, labels, settings, normalization=NORM).maps

    first = run(batch_size=2)
    np.testing.assert_allclose(run(batch_size=7), first, rtol=1e-5, atol=1e-7)
    assert not np.allclose(run(batch_size=2, seed=1), first)
    assert not np.allclose(
        saliency_maps(model, images, labels, GRADIENT, normalization=NORM).maps, first
    )


class Window(nn.Module):
    """Logits from the pixels of rows and columns ``window`` only (a nonlinear reader)."""

    def __init__(self, window: slice) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.window = window
        side = len(range(32)[window])
        self.read = nn.Sequential(nn.Flatten(), nn.Linear(3 * side * side, 16), nn.Tanh(),
                                  nn.Linear(16, 10))  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.read(x[:, :, self.window, self.window])


def _objects(n: int) -> np.ndarray:
    """Flat grey 32x32 images with a textured 12x12 square in the centre (the HOG object)."""
    rng = np.random.default_rng(0)
    images = np.full((n, 32, 32, 3), 120, dtype=np.uint8)
    images[:, 10:22, 10:22] = rng.integers(0, 256, (n, 12, 12, 3), dtype=np.uint8)
    return images


def test_a_model_reading_only_the_object_puts_its_mass_there_and_a_corner_reader_does_not():
    images, labels = _objects(6), np.arange(6)
    settings = SaliencySettings(samples=3)
    centre = saliency_maps(Window(slice(10, 22)), images, labels, settings, normalization=NORM)
    corner = saliency_maps(Window(slice(0, 6)), images, labels, settings, normalization=NORM)
    on_object = foreground_concentration(centre.maps, images)
    off_object = foreground_concentration(corner.maps, images)
    assert (on_object.area > 0).all() and (on_object.area < 0.5).all()
    assert (on_object.mass > 0.99).all() and (on_object.ratio > 2).all()
    assert (off_object.ratio < 1).all()
    np.testing.assert_array_equal(on_object.area, off_object.area)  # one mask: the images'


def test_an_even_map_is_at_chance_and_an_empty_mask_gives_nan():
    images = _objects(2)
    images[1] = 120  # flat: HOG finds no seed cell, so no mask
    result = foreground_concentration(np.ones((2, 32, 32), dtype=np.float32), images)
    assert result.ratio[0] == pytest.approx(1.0) and result.mass[0] == pytest.approx(result.area[0])
    assert result.area[1] == 0 and np.isnan(result.ratio[1])
    with pytest.raises(ValueError, match=r"maps \(2, 8, 8\) do not match images"):
        foreground_concentration(np.ones((2, 8, 8)), images)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"method": "occlusion"}, "invalid saliency method 'occlusion'; valid: gradient, smooth"),
        ({"samples": 0}, "invalid saliency samples 0; valid: an integer >= 1"),
        ({"method": "gradient"}, "invalid saliency samples 16 for method 'gradient'; valid: 1"),
        ({"sigma": 1.5}, r"invalid saliency sigma 1.5; valid: a number in \(0, 1\]"),
        ({"images": True}, "invalid saliency images True; valid: an integer >= 1"),
        ({"compressed": "jpeg"}, "invalid saliency compressed 'jpeg'; valid: '<codec>:<level>'"),
        ({"compressed": "jpeg:500"}, "invalid level 500.0 for codec 'jpeg'"),
        ({"compressed": "webp:5"}, "unknown codec 'webp'; valid codecs: jpeg"),
    ],
)
def test_a_bad_setting_is_a_one_line_error_naming_it(settings, message):
    with pytest.raises(ValueError, match=message) as err:
        SaliencySettings(**settings)
    assert "\n" not in str(err.value)


def _stage_inputs(tmp_path, n: int = 10):
    torch.manual_seed(0)
    train = write_trained(tmp_path, build("vgg11-5", 10, 32), codec="jpeg", level=10, seed=1,
                          label="synthetic vgg11-5 jpeg:10 seed 1")  # fmt: skip
    clean_images, labels = _objects(n), np.arange(n) % 10
    clean = write_encoded(tmp_path, clean_images, labels, split="test")
    blurred = ((clean_images.astype(np.int16) + 128) // 2).astype(np.uint8)
    compressed = write_encoded(tmp_path, blurred, labels, codec="jpeg", level=10, split="test")
    return train, clean, compressed


def saliency_job(train: Job, clean: Job, compressed: Job, **config) -> Job:
    config = SaliencySettings(samples=2, images=6, batch_size=4, **config).to_config()
    inputs = {"model": (train.signature,), "test_clean": (clean.signature,),
              "test_compressed": (compressed.signature,)}  # fmt: skip
    return Job("saliency", config, inputs)


def test_stage_rows_artifact_and_rerun_give_the_same_rows(tmp_path):
    job = saliency_job(*_stage_inputs(tmp_path))
    ctx = JobContext(job=job, results_root=tmp_path, sweep="test")
    rows = saliency_stage(ctx)["saliency"]
    schema = schemas.TABLES["saliency"]
    assert set(rows.columns) == set(schema.names)
    pa.Table.from_pandas(rows[schema.names], schema=schema, preserve_index=False)
    assert len(rows) == 2 * 6 and list(rows["view"]) == ["clean"] * 6 + ["compressed"] * 6
    assert list(rows["image_index"]) == [*range(6)] * 2 and (rows["n_images"] == 6).all()
    assert (rows["train_set"] == "jpeg:10").all() and (rows["seed"] == 1).all()
    comp = rows[rows["view"] == "compressed"]
    assert (comp["view_codec"] == "jpeg").all() and (comp["view_level"] == 10.0).all()
    assert rows[rows["view"] == "clean"]["view_level"].isna().all()
    # Both views are judged against the clean image's mask.
    np.testing.assert_array_equal(comp["area_fraction"], rows["area_fraction"][:6])
    assert (rows["correct"] == (rows["predicted"] == rows["label"])).all()
    maps = np.load(JobFolder.at(ctx.workdir).saliency)
    assert maps.shape == (2, 6, 32, 32) and maps.dtype == np.float32
    result = foreground_concentration(maps[1], _objects(6))
    np.testing.assert_allclose(comp["ratio"], result.ratio)
    JobFolder.at(ctx.workdir).saliency.unlink()  # a killed run: rerun whole, the same rows
    pd.testing.assert_frame_equal(rows, saliency_stage(ctx)["saliency"])


def test_stage_refuses_test_sets_whose_labels_differ(tmp_path):
    train, clean, _ = _stage_inputs(tmp_path)
    other = write_encoded(tmp_path, _objects(10), (np.arange(10) + 1) % 10, codec="jpeg",
                          level=40, split="test")  # fmt: skip
    ctx = JobContext(job=saliency_job(train, clean, other), results_root=tmp_path, sweep="t")
    with pytest.raises(ValueError, match="'test_clean' and 'test_compressed' disagree"):
        saliency_stage(ctx)
