"""Learned codecs: fitting, resuming, real entropy coding, checkpoint checks."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from lcc import codecs
from lcc.codecs.architectures import pad_to_multiple
from lcc.codecs.learned import LearnedCodec
from lcc.data import load
from lcc.specs.fit_recipe import FitRecipe

FIT = {"batch_size": 8, "crop": 32, "lr": 1e-4, "aux_lr": 1e-3, "seed": 0}


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.array(load("synthetic", "train", limit=48).images)


@pytest.fixture(scope="module")
def bls_dir(images, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bls")
    recipe = FitRecipe(epochs=2, max_steps_per_epoch=3, **FIT)
    codecs.fit("bls", 0.01, images, recipe, workdir=workdir)
    return workdir


@pytest.fixture(scope="module")
def bmhj_dir(images, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bmhj")
    recipe = FitRecipe(epochs=1, max_steps_per_epoch=2, **FIT)
    codecs.fit("bmhj", 0.05, images, recipe, workdir=workdir)
    return workdir


def _decompressed(codec: LearnedCodec, images: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Reconstruction through compress() -> decompress() of the strings, and their bits."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        coded = codec.model.compress(pad_to_multiple(x, codec.multiple))
        x_hat = codec.model.decompress(coded["strings"], coded["shape"])["x_hat"]
    out = (x_hat[..., :32, :32] * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    bits = [8 * sum(len(s[i]) for s in coded["strings"]) for i in range(len(images))]
    return out, bits


@pytest.mark.parametrize(("name", "lmbda"), [("bls", 0.01), ("bmhj", 0.05)])
def test_decoded_strings_equal_the_forward_reconstruction(name, lmbda, images, request):
    workdir = request.getfixturevalue(f"{name}_dir")
    codec = codecs.get(name, lmbda, weights=workdir)
    result = codec.encode(images[:8])
    decoded, bits = _decompressed(codec, images[:8])
    assert np.abs(decoded.astype(int) - result.reconstructions).max() <= 1
    assert result.bits_actual.tolist() == bits
    assert result.bits_estimated.shape == (8,) and (result.bits_estimated > 0).all()
    assert result.bits_file is None
    assert np.allclose(result.bpp(), result.bits_estimated / 1024)


def test_actual_bits_are_within_a_few_percent_of_the_estimate(bls_dir, images):
    result = codecs.get("bls", 0.01, weights=bls_dir).encode(images)
    ratio = result.bits_actual.sum() / result.bits_estimated.sum()
    assert 0.97 < ratio < 1.05


def test_entropy_coding_in_processes_equals_one_process(bls_dir, images):
    model = codecs.get("bls", 0.01, weights=bls_dir).model
    serial = LearnedCodec("bls", 0.01, model, workers=1, batch_size=16).encode(images)
    parallel = LearnedCodec("bls", 0.01, model, workers=2, min_per_worker=8).encode(images)
    assert np.array_equal(serial.bits_actual, parallel.bits_actual)
    assert np.array_equal(serial.reconstructions, parallel.reconstructions)
    assert np.allclose(serial.bits_estimated, parallel.bits_estimated, rtol=1e-5)


class Interrupted(Exception):
    pass


def test_interrupted_fit_resumes_bit_for_bit(images, tmp_path):
    recipe = FitRecipe(epochs=3, max_steps_per_epoch=2, **FIT)
    whole = codecs.fit("bls", 0.02, images, recipe, workdir=tmp_path / "whole")

    seen = []

    def stop_after_epoch_2(epoch: int) -> None:
        seen.append(epoch)
        if epoch == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        codecs.fit(
            "bls", 0.02, images, recipe, workdir=tmp_path / "cut", on_epoch=stop_after_epoch_2
        )
    assert not (tmp_path / "cut" / "model.pt").exists()
    resumed = codecs.fit(
        "bls", 0.02, images, recipe, workdir=tmp_path / "cut", on_epoch=seen.append
    )
    assert seen == [1, 2, 3]
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in whole]
    assert [{k: v for k, v in row.items() if k != "seconds"} for row in resumed] == strip
    assert [row["steps"] for row in resumed] == [2, 4, 6]
    a = torch.load(tmp_path / "whole" / "model.pt", weights_only=True)
    b = torch.load(tmp_path / "cut" / "model.pt", weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    meta = json.loads((tmp_path / "cut" / "meta.json").read_text())
    assert meta["codec"] == "bls" and meta["level"] == 0.02


def test_resume_refuses_a_checkpoint_of_another_fit(bls_dir, images, tmp_path):
    shutil.copytree(bls_dir, tmp_path / "fit")
    with pytest.raises(ValueError, match="another fit"):
        recipe = FitRecipe(epochs=3, max_steps_per_epoch=3, **FIT)
        codecs.fit("bls", 0.05, images, recipe, workdir=tmp_path / "fit")


def test_checkpoint_of_another_lambda_or_architecture_is_refused(bls_dir, bmhj_dir, tmp_path):
    with pytest.raises(ValueError, match=r"lambda 0\.01, not 0\.02"):
        codecs.get("bls", 0.02, weights=bls_dir)
    with pytest.raises(ValueError, match="holds codec 'bls'"):
        codecs.get("bmhj", 0.01, weights=bls_dir / "model.pt")
    forged = tmp_path / "forged"
    forged.mkdir()
    shutil.copy(bmhj_dir / "model.pt", forged / "model.pt")
    shutil.copy(bls_dir / "meta.json", forged / "meta.json")
    with pytest.raises(ValueError, match="does not fit the 'bls' architecture"):
        codecs.get("bls", 0.01, weights=forged)


def test_fit_rejects_non_learned_codecs_and_oversized_crops(images, tmp_path):
    with pytest.raises(ValueError, match="cannot be fit"):
        codecs.fit("jpeg", 0.01, images, FitRecipe(epochs=1, **FIT), workdir=tmp_path)
    with pytest.raises(ValueError, match="crop 64"):
        recipe = FitRecipe(epochs=1, **{**FIT, "crop": 64})
        codecs.fit("bls", 0.01, images, recipe, workdir=tmp_path)
