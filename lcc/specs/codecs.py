"""The codecs by name: how to check a level, whether a codec is learned (and what its fit
minimises) or seeded. Torch-free: planning reads it; :mod:`lcc.codecs.registry` adds how to
build each codec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from lcc.specs import levels


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
    objective: str | None = None
    seeded: bool = False


def _learned(name: str, objective: str) -> CodecSpec:
    """A learned codec: level λ, built from a fit-codec job's weights."""
    return CodecSpec(name, True, partial(levels.lagrange_multiplier, name), objective)


CODECS: dict[str, CodecSpec] = {
    spec.name: spec
    for spec in (
        CodecSpec("jpeg", False, levels.jpeg_quality),
        _learned("bls", "mse"),
        _learned("bmhj", "mse"),
        _learned("bls-ssim", "ssim"),  # thesis §6.1, structure-aware
        _learned("bls-task", "task"),  # thesis §6.1, task-aware
        _learned("mbt-mean", "mse"),  # a stronger learned codec
        CodecSpec("noise", False, levels.noise_sigma, seeded=True),
        CodecSpec("blur", False, levels.blur_kernel),
        CodecSpec("identity", False, levels.no_level),
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


# Parameters of each learned codec's network, entropy models included, as
# lcc.codecs.architectures.param_count counts them on the built network (tests/test_stage_
# declarations.py checks they agree): read where torch is not loaded (the fit-codec disk
# estimate of a launcher's dry run, grid/stages/declared.py).
LEARNED_PARAMS: dict[str, int] = {
    "bls": 1_753_603,
    "bmhj": 10_144_899,
    "bls-ssim": 1_753_603,
    "bls-task": 1_753_603,
    "mbt-mean": 7_028_003,
}


def learned_params(name: str) -> int:
    """Parameters of learned codec ``name``'s network (:data:`LEARNED_PARAMS`); a one-line
    KeyError listing the learned codecs for any other name."""
    if name not in LEARNED_PARAMS:
        learned = ", ".join(LEARNED_PARAMS)
        raise KeyError(f"codec {name!r} has no network; learned codecs: {learned}")
    return LEARNED_PARAMS[name]


def is_seeded(name: str) -> bool:
    """Whether codec ``name``'s output depends on a random seed (see :class:`CodecSpec`)."""
    return spec_of(name).seeded
