"""The learned codecs' networks, built from CompressAI's layers and entropy models.

- ``bls``: the factorized-prior model the thesis trained on CIFAR-10 (docs/FACTS.md §2): 128
  filters; analysis = three 5x5 convolutions with strides 4, 2, 2 and GDN after the first two;
  synthesis mirrors it (5x5 up 2, 5x5 up 2, 9x9 up 4) with inverse GDN; an entropy bottleneck.
- ``bmhj``: CompressAI's scale hyperprior (``bmshj2018-hyperprior`` layout), 192 filters.
- ``bls-ssim``, ``bls-task``: the ``bls`` network, fitted with other objectives (thesis §6.1;
  :mod:`lcc.codecs.objectives`).
- ``mbt-mean``: CompressAI's mean-scale hyperprior (``MeanScaleHyperprior``, the
  ``mbt2018-mean`` layout) with N = 128, M = 192 (CompressAI's low-rate configuration), a
  stronger learned codec to tell "learned vs JPEG" from "BLS vs JPEG". One change for 32x32:
  the last stride-2 layer of each hyper transform has stride 1, so the total downsampling
  (the padding multiple) is 32 instead of 64 and a 32x32 image is coded as it is; with the
  original strides it would be padded to 64x64 and four times its area coded. 7,028,003
  parameters, entropy models included, as many as the unchanged class (``bls``: 1,753,603).

Each class attaches itself to the codecs declared in :mod:`lcc.specs.codecs` with
``@network(name, ...)`` (:data:`NETWORKS`), is built from the declaration's ``arch``
(:func:`build_model`), reports its padding multiple as CompressAI's models do
(``downsampling_factor``) and runs its own forward pass for coding (``analyse``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import torch
import torch.nn.functional as F
from compressai.entropy_models import EntropyBottleneck
from compressai.layers import GDN
from compressai.models import CompressionModel, MeanScaleHyperprior, ScaleHyperprior
from compressai.models.utils import conv, deconv
from torch import Tensor, nn

from lcc.specs.codecs import learned_names, spec_of

NETWORKS: dict[str, type[CompressionModel]] = {}  # learned codec name -> its network class


def network(*names: str) -> Callable[[type], type]:
    """Class decorator: attach a network class to the learned codecs ``names`` declared in
    :data:`lcc.specs.codecs.CODECS` (lcc/specs/codecs.py says why the declaration lives apart
    from the network). The class is built as ``cls(**spec.arch)`` and must have CompressAI's
    ``downsampling_factor`` (the padding multiple) and an ``analyse(x) -> Analysis`` method.
    One-line ValueError for an undeclared name, one that is not learned, or one taken."""

    def attach(cls: type) -> type:
        for name in names:
            if not spec_of(name).learned:
                learned = ", ".join(learned_names())
                raise ValueError(f"codec {name!r} is not learned; learned codecs: {learned}")
            if name in NETWORKS:
                raise ValueError(f"codec {name!r} already has network {NETWORKS[name].__name__}")
            NETWORKS[name] = cls
        return cls

    return attach


class Analysis(NamedTuple):
    """One forward pass: reconstruction ``(N, 3, H, W)`` on [0, 1] (unclipped), likelihood
    tensors, and what the entropy coder needs (``y``; for the hyperpriors also ``z`` and
    ``indexes``, and for ``mbt-mean`` the predicted ``means``)."""

    x_hat: Tensor
    likelihoods: list[Tensor]
    coding: dict[str, Tensor]


def _scale_analysis(model: CompressionModel, y: Tensor, z: Tensor, split_means: bool) -> Analysis:
    """The hyperprior half of :meth:`analyse` from latents ``y`` and hyper-latents ``z``:
    ``h_s`` predicts the scales of ``y`` (and, ``split_means``, their means too)."""
    z_hat, z_lik = model.entropy_bottleneck(z)
    params = model.h_s(z_hat)
    scales, means = params.chunk(2, 1) if split_means else (params, None)
    y_hat, y_lik = model.gaussian_conditional(y, scales, means=means)
    coding = {"y": y, "z": z, "indexes": model.gaussian_conditional.build_indexes(scales)}
    if split_means:
        coding["means"] = means
    return Analysis(model.g_s(y_hat), [y_lik, z_lik], coding)


@network("bls", "bls-ssim", "bls-task")
class BLSFactorizedPrior(CompressionModel):
    """Factorized-prior codec with the thesis' 4-2-2 strided analysis transform."""

    def __init__(self, filters: int = 128) -> None:
        super().__init__()
        self.entropy_bottleneck = EntropyBottleneck(filters)
        self.g_a = nn.Sequential(
            conv(3, filters, kernel_size=5, stride=4),
            GDN(filters),
            conv(filters, filters, kernel_size=5, stride=2),
            GDN(filters),
            conv(filters, filters, kernel_size=5, stride=2),
        )
        self.g_s = nn.Sequential(
            deconv(filters, filters, kernel_size=5, stride=2),
            GDN(filters, inverse=True),
            deconv(filters, filters, kernel_size=5, stride=2),
            GDN(filters, inverse=True),
            deconv(filters, 3, kernel_size=9, stride=4),
        )

    @property
    def downsampling_factor(self) -> int:
        """The padding multiple: the analysis transform's strides 4 x 2 x 2."""
        return 4 * 2 * 2

    def analyse(self, x: Tensor) -> Analysis:
        """See :func:`analyse`."""
        y = self.g_a(x)
        y_hat, y_lik = self.entropy_bottleneck(y)
        return Analysis(self.g_s(y_hat), [y_lik], {"y": y})

    def forward(self, x: Tensor) -> dict:
        y_hat, y_likelihoods = self.entropy_bottleneck(self.g_a(x))
        return {"x_hat": self.g_s(y_hat), "likelihoods": {"y": y_likelihoods}}

    def compress(self, x: Tensor) -> dict:
        y = self.g_a(x)
        return {"strings": [self.entropy_bottleneck.compress(y)], "shape": y.size()[-2:]}

    def decompress(self, strings: list, shape: tuple[int, int]) -> dict:
        y_hat = self.entropy_bottleneck.decompress(strings[0], shape)
        return {"x_hat": self.g_s(y_hat).clamp_(0, 1)}


@network("bmhj")
class ScaleHyperprior192(ScaleHyperprior):
    """CompressAI's scale hyperprior unchanged (its state dict is the parent's), built from
    the declared ``filters`` (N) and ``latent_channels`` (M); padding multiple 64."""

    def __init__(self, filters: int, latent_channels: int) -> None:
        super().__init__(filters, latent_channels)

    def analyse(self, x: Tensor) -> Analysis:
        """See :func:`analyse`."""
        y = self.g_a(x)
        return _scale_analysis(self, y, self.h_a(torch.abs(y)), split_means=False)


@network("mbt-mean")
class MeanScaleHyperprior32(MeanScaleHyperprior):
    """CompressAI's mean-scale hyperprior with hyper transforms that downsample by 2, not 4:
    the third convolution of ``h_a`` and the second of ``h_s`` have stride 1 (same kernels,
    same parameter count), so the model codes 32x32 images without padding (multiple 32)."""

    def __init__(self, filters: int, latent_channels: int) -> None:
        super().__init__(filters, latent_channels)
        self.h_a[4] = conv(filters, filters, kernel_size=5, stride=1)
        wide = latent_channels * 3 // 2
        self.h_s[2] = deconv(latent_channels, wide, kernel_size=5, stride=1)

    @property
    def downsampling_factor(self) -> int:
        """The padding multiple: ``g_a``'s 2^4 times ``h_a``'s 2 (CompressAI's parent: 2^6)."""
        return 2 ** (4 + 1)

    def analyse(self, x: Tensor) -> Analysis:
        """See :func:`analyse`."""
        y = self.g_a(x)
        return _scale_analysis(self, y, self.h_a(y), split_means=True)


def build_model(name: str) -> CompressionModel:
    """A freshly initialised network for learned codec ``name``: its class from
    :data:`NETWORKS`, built from its declared ``arch``; one-line KeyError listing the codecs
    that have a network otherwise."""
    if name not in NETWORKS:
        raise KeyError(f"no network for codec {name!r}; codecs with one: {', '.join(NETWORKS)}")
    return NETWORKS[name](**spec_of(name).arch)


@cache
def arch_record(name: str) -> dict[str, int]:
    """Learned codec ``name``'s architecture as a fit's meta.json records it and
    :func:`lcc.codecs.learned.check_meta` compares it: the declared ``arch`` and the padding
    ``multiple``, read from the built model's ``downsampling_factor`` (built once, remembered).
    """
    return {**spec_of(name).arch, "multiple": build_model(name).downsampling_factor}


@cache
def param_count(name: str) -> int:
    """Parameters of learned codec ``name``'s network, entropy models included (built once on
    the CPU, some 0.1 s, and remembered)."""
    return sum(p.numel() for p in build_model(name).parameters())


def pad_to_multiple(x: Tensor, multiple: int) -> Tensor:
    """Pad ``(N, C, H, W)`` on the bottom and right (edge replication) to multiples of
    ``multiple``, the architecture's total downsampling."""
    height, width = x.shape[-2:]
    pad_h, pad_w = -height % multiple, -width % multiple
    if pad_h == 0 and pad_w == 0:
        return x
    return F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")


def analyse(model: CompressionModel, x: Tensor) -> Analysis:
    """The forward pass of ``model`` (in its current train/eval mode) on padded ``x``, keeping
    the latents to entropy-code; in eval mode the quantisation equals ``compress()``'s. Each
    network class of :data:`NETWORKS` defines its own ``analyse``."""
    return model.analyse(x)


def estimated_bits(likelihoods: list[Tensor]) -> Tensor:
    """Per-image entropy-model rate ``-sum(log2 likelihoods)`` in bits, shape ``(N,)``."""
    return sum(-torch.log2(lik).flatten(1).sum(dim=1) for lik in likelihoods)


def entropy_modules(model: CompressionModel) -> dict[str, nn.Module]:
    """The model's entropy models (after ``update()``), to ship to coding processes."""
    modules = {"entropy_bottleneck": model.entropy_bottleneck}
    if hasattr(model, "gaussian_conditional"):
        modules["gaussian_conditional"] = model.gaussian_conditional
    return modules


def coded_bits(modules: dict[str, nn.Module], coding: dict[str, Tensor]) -> list[int]:
    """Actual coded length in bits per image: the rANS strings of ``y`` (and ``z``)."""
    with torch.no_grad():
        if "gaussian_conditional" not in modules:
            strings = [modules["entropy_bottleneck"].compress(coding["y"])]
        else:
            conditional = modules["gaussian_conditional"]
            means = coding.get("means")
            y = conditional.compress(coding["y"], coding["indexes"], means=means)
            strings = [y, modules["entropy_bottleneck"].compress(coding["z"])]
    return [8 * sum(len(s) for s in per_image) for per_image in zip(*strings, strict=True)]
