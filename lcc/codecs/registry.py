"""The codec registry: name -> how to validate a level and build the codec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from lcc.codecs import levels
from lcc.codecs.base import Codec
from lcc.codecs.blur import GaussianBlurCodec
from lcc.codecs.identity import IdentityCodec
from lcc.codecs.jpeg import JpegCodec
from lcc.codecs.learned import load_learned
from lcc.codecs.noise import GaussianNoiseCodec


@dataclass(frozen=True)
class CodecSpec:
    """A registered codec: ``check_level`` validates a level (raising ValueError) without
    weights or data; ``learned`` codecs need a fit-codec job's weights to be built, and their
    ``objective`` (:mod:`lcc.codecs.objectives`) is what their fit minimises. A ``seeded``
    codec draws random numbers (Gaussian noise) from a seed its builder takes as a 4th
    argument, so its output depends on that seed too."""

    name: str
    learned: bool
    check_level: Callable[[object], object]
    build: Callable[..., Codec]  # (level, weights, device[, seed])
    objective: str | None = None
    seeded: bool = False


def _learned(name: str, objective: str) -> CodecSpec:
    """A learned codec: level λ, built from a fit-codec job's weights."""
    check = partial(levels.lagrange_multiplier, name)
    return CodecSpec(name, True, check, partial(load_learned, name), objective)


def _simple(cls: type) -> Callable[[object, str | Path | None, str], Codec]:
    """A builder for a codec that needs neither weights nor a device."""
    return lambda level, weights, device: cls(level)


CODECS: dict[str, CodecSpec] = {
    spec.name: spec
    for spec in (
        CodecSpec("jpeg", False, levels.jpeg_quality, _simple(JpegCodec)),
        _learned("bls", "mse"),
        _learned("bmhj", "mse"),
        _learned("bls-ssim", "ssim"),  # thesis §6.1, structure-aware
        _learned("bls-task", "task"),  # thesis §6.1, task-aware
        _learned("mbt-mean", "mse"),  # a stronger learned codec
        CodecSpec(
            "noise",
            False,
            levels.noise_sigma,
            lambda level, weights, device, seed: GaussianNoiseCodec(level, seed),
            seeded=True,
        ),
        CodecSpec("blur", False, levels.blur_kernel, _simple(GaussianBlurCodec)),
        CodecSpec(
            "identity", False, levels.no_level, lambda level, weights, device: IdentityCodec()
        ),
    )
}


def spec_of(name: str) -> CodecSpec:
    """The registered codec ``name``; a one-line KeyError listing the valid names otherwise."""
    if name not in CODECS:
        raise KeyError(f"unknown codec {name!r}; valid codecs: {', '.join(CODECS)}")
    return CODECS[name]


def validate(name: str, level: object) -> None:
    """Check a codec name and level; ValueError naming the bad value and the valid choices."""
    if name not in CODECS:
        raise ValueError(f"unknown codec {name!r}; valid codecs: {', '.join(CODECS)}")
    CODECS[name].check_level(level)


def is_learned(name: str) -> bool:
    """Whether codec ``name`` needs trained weights (a fit-codec job)."""
    return spec_of(name).learned


def objective_of(name: str) -> str:
    """The objective a learned codec's fit minimises; a one-line ValueError listing the
    learned codecs for any other name."""
    learned = [n for n, spec in CODECS.items() if spec.learned]
    if name not in learned:
        raise ValueError(f"codec {name!r} cannot be fit; learned codecs: {', '.join(learned)}")
    return CODECS[name].objective


def is_seeded(name: str) -> bool:
    """Whether codec ``name``'s output depends on a random seed (see :class:`CodecSpec`)."""
    return spec_of(name).seeded


def get(
    name: str,
    level: object,
    weights: str | Path | None = None,
    device: str = "cpu",
    seed: int = 0,
) -> Codec:
    """Codec ``name`` at ``level``. Learned codecs need ``weights`` (a fit-codec job folder or
    its ``model.pt``) and run on ``device``; a seeded codec draws from ``seed``; the others
    ignore all three."""
    validate(name, level)
    spec = CODECS[name]
    if spec.seeded:
        return spec.build(level, weights, device, seed)
    return spec.build(level, weights, device)
