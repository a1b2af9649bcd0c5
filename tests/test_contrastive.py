"""Contrastive pretraining across compression levels (thesis §6.3): NT-Xent, the pretraining
loop and its resume, the probe's start, the settings' errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lcc.evaluate.normalization import NORMALIZATIONS
from lcc.models import build
from lcc.specs.contrastive import ContrastiveSettings
from lcc.train.contrastive import encoder_state, pretrain, probe_init
from lcc.train.ntxent import nt_xent

NORM = NORMALIZATIONS["cifar10"]
ARCH = "vgg11-5"


def direct_nt_xent(a: torch.Tensor, b: torch.Tensor, tau: float) -> float:
    """NT-Xent written out element by element (Chen et al. 2020, eq. 1)."""
    z = [v / v.norm() for v in torch.cat([a, b]).double()]
    n, total = len(a), 0.0
    for i in range(2 * n):
        positive = (i + n) % (2 * n)
        sim = [float(z[i] @ z[j]) / tau for j in range(2 * n)]
        denominator = sum(math.exp(sim[j]) for j in range(2 * n) if j != i)
        total += -math.log(math.exp(sim[positive]) / denominator)
    return total / (2 * n)


def test_nt_xent_equals_the_direct_sum_over_pairs():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 5, generator=gen), torch.randn(3, 5, generator=gen)
    for tau in (0.1, 0.5, 2.0):
        assert nt_xent(a, b, tau).loss.item() == pytest.approx(direct_nt_xent(a, b, tau), 1e-5)


def test_a_gradient_step_on_nt_xent_pulls_the_positives_together():
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(8, 4, generator=gen, requires_grad=True)
    b = torch.randn(8, 4, generator=gen, requires_grad=True)
    before = nt_xent(a, b, 0.5)
    before.loss.backward()
    with torch.no_grad():
        after = nt_xent(a - 0.5 * a.grad, b - 0.5 * b.grad, 0.5)
    assert after.alignment > before.alignment
    assert after.loss.item() < before.loss.item()


def test_positive_top1_is_one_for_identical_well_separated_views():
    scores = nt_xent(torch.eye(4), torch.eye(4), 0.5)
    assert scores.positive_top1 == 1.0 and scores.alignment == pytest.approx(1.0)


def images(n: int, seed: int) -> np.ndarray:
    """``n`` random 32x32 images, each 4x4 blocks of 8x8 uniform colour (smooth, so a crop
    shifted by a few pixels still shows most of its image)."""
    blocks = np.random.default_rng(seed).integers(0, 256, (n, 4, 4, 3), dtype=np.uint8)
    return np.ascontiguousarray(blocks.repeat(8, axis=1).repeat(8, axis=2))


SMALL = ContrastiveSettings(epochs=3, batch_size=16, temperature=0.5, projection_dim=8, lr=3e-3)


def test_matching_views_are_told_apart_better_than_unrelated_ones():
    x = images(32, 0)
    settings = ContrastiveSettings(epochs=6, batch_size=16, projection_dim=8, lr=3e-3)
    same = pretrain(ARCH, (x, x.copy()), settings, NORM, num_classes=10)
    unrelated = pretrain(ARCH, (x, images(32, 1)), settings, NORM, num_classes=10)
    # Measured: 0.44 against 0.05 after 6 epochs (chance: 1 in 31).
    assert same.history[-1].positive_top1 > unrelated.history[-1].positive_top1 + 0.2


def test_a_resumed_pretraining_ends_bit_for_bit_like_an_uninterrupted_one(tmp_path):
    x, y = images(24, 2), images(24, 3)
    whole = pretrain(ARCH, (x, y), SMALL, NORM, num_classes=10, workdir=tmp_path / "whole")

    class Interrupted(Exception):
        pass

    def stop_after_first(epoch: int) -> None:
        if epoch == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        pretrain(ARCH, (x, y), SMALL, NORM, num_classes=10, workdir=tmp_path / "cut",
                 on_epoch=stop_after_first)  # fmt: skip
    resumed = pretrain(ARCH, (x, y), SMALL, NORM, num_classes=10, workdir=tmp_path / "cut")
    assert [r.loss for r in resumed.history] == [r.loss for r in whole.history]
    for key, value in whole.encoder.items():
        assert torch.equal(value, resumed.encoder[key]), key


def test_a_checkpoint_of_other_settings_is_refused(tmp_path):
    x = images(8, 4)
    one = ContrastiveSettings(epochs=1, batch_size=4, projection_dim=4)
    pretrain(ARCH, (x, x), one, NORM, num_classes=10, workdir=tmp_path)
    other = ContrastiveSettings(epochs=2, batch_size=4, projection_dim=4, temperature=0.1)
    with pytest.raises(ValueError, match="belongs to another run"):
        pretrain(ARCH, (x, x), other, NORM, num_classes=10, workdir=tmp_path)


def test_the_linear_probe_trains_only_the_head_and_keeps_batchnorm_statistics():
    torch.manual_seed(0)
    encoder = encoder_state(build(ARCH, 10, 32))
    model = build(ARCH, 10, 32)
    probe_init(encoder, "linear")(model)
    trainable = [k for k, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["classifier.weight", "classifier.bias"]
    stats = {k: v.clone() for k, v in model.state_dict().items() if "running_mean" in k}
    model.train()
    model(torch.randn(4, 3, 32, 32)).sum().backward()
    for key, value in stats.items():
        assert torch.equal(model.state_dict()[key], value), key
        assert torch.equal(encoder[key], value), key


def test_finetune_starts_from_the_encoder_and_trains_everything():
    torch.manual_seed(0)
    encoder = encoder_state(build(ARCH, 10, 32))
    model = build(ARCH, 10, 32)
    probe_init(encoder, "finetune")(model)
    assert all(p.requires_grad for p in model.parameters())
    for key, value in encoder.items():
        assert torch.equal(model.state_dict()[key], value), key


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("probe", "knn", "invalid contrastive probe 'knn'; valid: linear, finetune"),
        ("temperature", 0, "invalid contrastive temperature 0; valid: a number > 0"),
        ("batch_size", 1, "invalid contrastive batch_size 1; valid: an integer >= 2"),
        ("epochs", True, "invalid contrastive epochs True; valid: an integer >= 1"),
    ],
)
def test_bad_settings_are_one_line_errors_naming_value_and_choices(field, value, message):
    with pytest.raises(ValueError) as err:
        ContrastiveSettings(**{field: value})
    assert str(err.value) == message and "\n" not in str(err.value)
