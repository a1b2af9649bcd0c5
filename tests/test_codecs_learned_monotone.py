"""A learned codec's rate falls and its distortion rises as λ falls (after a short fit).

Early in training every λ codes at the entropy model's initial rate; after ~300 steps at a
high learning rate, a 100x smaller λ already gives far fewer bits and a lower PSNR/SSIM.
"""

import numpy as np
import pytest

from lcc.codecs import fit, get
from lcc.data import load
from lcc.metrics import psnr, ssim
from lcc.specs.fit_recipe import FitRecipe

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def fitted(lmbda: float, train: np.ndarray, workdir) -> object:
    recipe = FitRecipe(epochs=6, batch_size=8, crop=32, lr=3e-3, aux_lr=1e-3, seed=0)
    fit("bls", lmbda, train, recipe, workdir=workdir)
    return get("bls", lmbda, weights=workdir)


@pytest.mark.slow
def test_bls_rate_and_quality_rise_with_lambda(tmp_path) -> None:
    train = np.asarray(load("synthetic", "train", limit=400).images)
    test = np.asarray(load("synthetic", "test", limit=100).images)
    points = []
    for lmbda in (1e-4, 1e-2):
        result = fitted(lmbda, train, tmp_path / str(lmbda)).encode(test)
        points.append(
            (
                result.bits_estimated.mean(),
                result.bits_actual.mean(),
                psnr(test, result.reconstructions).mean(),
                ssim(test, result.reconstructions).mean(),
            )
        )
    (low_est, low_act, low_psnr, low_ssim), (high_est, high_act, high_psnr, high_ssim) = points
    assert high_est > 3 * low_est and high_act > 2 * low_act
    assert high_psnr > low_psnr + 0.5 and high_ssim > low_ssim
