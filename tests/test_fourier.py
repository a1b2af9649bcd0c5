"""Fourier-basis sensitivity (lcc.evaluate.fourier): basis, heat maps of toy models with a known
answer, and the fourier stage's rows, artifact, idempotent rerun and setting errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from torch import nn

from grid.context import JobContext
from grid.job import Job
from grid.stages.fourier import fourier_stage
from grid.store import schemas
from lcc.evaluate.fourier import basis_image, basis_row, fourier_heat_map, frequencies
from lcc.models import build
from tests.stage_folders import write_encoded, write_trained

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_basis_images_have_unit_norm_are_orthogonal_and_conjugate_symmetric():
    h = w = 8
    unique = [(i, j) for i in range(h // 2 + 1) for j in range(w)
              if (i, j) <= ((-i) % h, (-j) % w)]  # fmt: skip
    stack = torch.stack([basis_image(h, w, i, j).flatten() for i, j in unique]).double()
    assert len(unique) == (h * w) // 2 + 2  # 4 self-conjugate frequencies, the rest in pairs
    gram = stack @ stack.T
    torch.testing.assert_close(gram, torch.eye(len(unique), dtype=torch.float64), atol=1e-5,
                               rtol=0)  # fmt: skip
    for i in range(h):
        for j in range(w):
            assert torch.allclose(basis_image(h, w, i, j), basis_image(h, w, -i, -j), atol=1e-6)
    assert torch.allclose(basis_image(h, w, 0, 0), torch.full((h, w), 1 / 8))
    assert basis_row(h, w, 3).shape == (w, h, w)


class FirstChannelMean(nn.Module):
    """Class 1 iff the mean of channel 0 exceeds 0.5: blind to every frequency but DC."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x[:, 0].mean(dim=(1, 2))
        return torch.stack([0.5 - m, m - 0.5], dim=1)


class FrequencyDetector(nn.Module):
    """Class 1 iff channel 0 has energy along one basis image ``U`` (|<x - 0.5, U>| > 1)."""

    def __init__(self, u: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("u", u)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        energy = ((x[:, 0] - 0.5) * self.u).sum(dim=(1, 2)).abs()
        return torch.stack([1 - energy, energy - 1], dim=1)


def grey_images(n: int, offsets: np.ndarray) -> np.ndarray:
    """uint8 ``(n, 32, 32, 3)`` flat images of level ``128 + offset``."""
    return np.broadcast_to((128 + offsets).astype(np.uint8)[:, None, None, None],
                           (n, 32, 32, 3)).copy()  # fmt: skip


def test_a_model_blind_to_all_but_dc_errs_only_at_the_centre():
    n = 200
    offsets = np.where(np.arange(n) % 2 == 0, 10, -10)  # ±10/255 from the threshold
    labels = (offsets > 0).astype(np.int64)
    heat = fourier_heat_map(FirstChannelMean(), grey_images(n, offsets), labels, norm=4.0,
                            normalization="none", batch_size=64, seed=0,
                            precision="fp32")  # fmt: skip
    # DC: a constant shift of 4/32 = 0.125 > 10/255 moves the image across the threshold
    # whenever its random sign points the wrong way, about half the time.
    assert heat.error.shape == (32, 32) and heat.clean_error == 0.0
    centre = heat.error[16, 16]
    assert 0.4 < centre < 0.6
    others = np.delete(heat.error.ravel(), 16 * 32 + 16)
    assert (others == 0).all()
    assert heat.n_images == n and heat.images_per_s > 0


def test_a_frequency_detector_errs_at_its_frequency_and_its_mirror_only():
    fy, fx = -3, 5  # in the half-plane that is mirrored, not measured
    detector = FrequencyDetector(basis_image(32, 32, fy, fx))
    n = 12
    images = grey_images(n, np.zeros(n))
    heat = fourier_heat_map(detector, images, np.zeros(n, np.int64), norm=4.0,
                            normalization="none", batch_size=5, seed=3,
                            precision="fp32")  # fmt: skip
    wrong = {(int(a) - 16, int(b) - 16) for a, b in zip(*np.nonzero(heat.error), strict=True)}
    assert wrong == {(fy, fx), (-fy, -fx)}
    assert heat.error[16 + fy, 16 + fx] == 1.0 and heat.error[16 - fy, 16 - fx] == 1.0


def test_a_constant_model_errs_at_its_clean_rate_everywhere():
    class Constant(nn.Module):
        def forward(self, x):
            return torch.tensor([[1.0, 0.0, 0.0]]).expand(len(x), 3)

    labels = np.array([0, 1, 2, 0, 0, 1])
    heat = fourier_heat_map(Constant(), grey_images(6, np.zeros(6)), labels, norm=2.0,
                            normalization="none", batch_size=4, seed=0,
                            precision="fp32")  # fmt: skip
    assert heat.clean_error == pytest.approx(0.5)
    assert np.allclose(heat.error, 0.5)


def test_the_map_does_not_depend_on_the_batch_size_and_follows_the_seed():
    n = 40
    offsets = np.linspace(-30, 30, n).round()
    labels = (offsets > 0).astype(np.int64)
    images = grey_images(n, offsets)
    maps = [fourier_heat_map(FirstChannelMean(), images, labels, normalization="none",
                             batch_size=b, seed=s, precision="fp32").error
            for b, s in ((3, 0), (40, 0), (40, 1))]  # fmt: skip
    assert np.array_equal(maps[0], maps[1])
    assert not np.array_equal(maps[0], maps[2])


@pytest.mark.parametrize(
    ("norm", "images", "batch_size", "message"),
    [
        (0.0, 4, 4, "invalid fourier norm 0.0; valid: a number > 0"),
        (-1.0, 4, 4, "invalid fourier norm -1.0"),
        (4.0, 4, 0, "invalid fourier batch_size 0; valid: an integer >= 1"),
    ],
)
def test_bad_settings_raise_one_line(norm, images, batch_size, message):
    with pytest.raises(ValueError, match=message) as err:
        fourier_heat_map(FirstChannelMean(), grey_images(images, np.zeros(images)),
                         np.zeros(images, np.int64), norm=norm, normalization="none",
                         batch_size=batch_size, seed=0,
                            precision="fp32")  # fmt: skip
    assert "\n" not in str(err.value)


# --- the stage -----------------------------------------------------------------------------


def fourier_job(train: Job, clean: Job, **config) -> Job:
    config = {"norm": 4.0, "images": 6, "seed": 0, "batch_size": 4, "precision": "fp32"} | config
    inputs = {"model": (train.signature,), "test_clean": (clean.signature,)}
    return Job("fourier", config, inputs)


def test_stage_rows_artifact_and_rerun_give_the_same_rows(tmp_path):
    torch.manual_seed(0)
    train = write_trained(
        tmp_path,
        build("vgg11-5", 10, 32),
        codec="jpeg",
        level=10,
        seed=1,
        best_epoch=1,
        label="synthetic vgg11-5 jpeg:10 seed 1",
    )
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8)
    clean = write_encoded(tmp_path, images, np.arange(10) % 10, split="test")
    job = fourier_job(train, clean)
    ctx = JobContext(job=job, results_root=tmp_path, sweep="test")
    rows = fourier_stage(ctx)["fourier_sensitivity"]
    schema = schemas.TABLES["fourier_sensitivity"]
    assert set(rows.columns) == set(schema.names)
    pa.Table.from_pandas(rows[schema.names], schema=schema, preserve_index=False)
    assert len(rows) == 32 * 32
    assert set(rows["freq_y"]) == set(frequencies(32)) == set(rows["freq_x"])
    assert (rows["n_images"] == 6).all() and (rows["train_set"] == "jpeg:10").all()
    assert (rows["seed"] == 1).all() and (rows["level"] == 10.0).all()
    assert rows["error"].between(0, 1).all()
    heat = np.load(ctx.workdir / "heat_map.npy")
    assert np.array_equal(heat.ravel(), rows["error"].to_numpy())
    (ctx.workdir / "heat_map.npy").unlink()  # a killed run leaves a partial folder: rerun whole
    again = fourier_stage(ctx)["fourier_sensitivity"]
    pd.testing.assert_frame_equal(rows, again)


def test_stage_refuses_bad_settings_before_reading_the_model(tmp_path):
    job = Job("fourier", {"norm": 4.0, "images": 0, "seed": 0, "batch_size": 4},
              {"model": ("0" * 12,), "test_clean": ("1" * 12,)})  # fmt: skip
    with pytest.raises(ValueError, match="invalid fourier images 0; valid: an integer >= 1"):
        fourier_stage(JobContext(job=job, results_root=tmp_path, sweep="test"))
