"""The codecs by name, each declared once: its level check, display name and level notation,
whether it is learned (what its fit minimises, which datasets it is fitted on and applied to,
its network's parameters and parameter count) or seeded. Everything else reads this table:
:mod:`lcc.codecs.registry` (how to build a codec), :mod:`grid.settings` (the default of
``codec_datasets``), :mod:`grid.expand` (which datasets get a learned codec's jobs) and
:mod:`analysis.labels` (names, level notation, which codecs have a rate).

Why the declaration is split from the network. Planning (``grid.plan``, the launcher's dry
run, status) must load no torch or compressai (tests/test_layering.py), yet it has to know
every codec's name, levels and datasets, and the fit-codec disk estimate its parameter count.
So this module, on the torch-free floor :mod:`lcc.specs`, holds the whole declaration as plain
data, and the torch side attaches to it by name only: a learned codec's network class is
registered with ``@network("<name>")`` in :mod:`lcc.codecs.architectures` and built as
``cls(**spec.arch)``; its padding multiple is read from the built model's
``downsampling_factor``, as CompressAI's ``@register_model`` classes declare it, not written
here. The two facts the torch-free side cannot compute are checked against the network by
tests: :attr:`CodecSpec.params` (tests/test_stage_declarations.py) and that every learned
codec has a network (tests/test_codecs_declared.py). Adding a codec: docs/ARCHITECTURE.md,
"Adding a codec".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from lcc.specs import levels


@dataclass(frozen=True)
class CodecSpec:
    """A registered codec.

    ``check_level`` validates a level (raising ValueError) without weights or data; a
    ``rate`` codec writes a bit stream, so its training sets have a bit rate (bpp). ``label``
    is its display name in figures and tables, ``level_format`` how a level is written there
    (``str.format`` of the level as ``f"{level:g}"``: ``"q={}"`` gives ``q=20``). ``in_thesis``:
    the thesis' own codecs, which its claims are about (False: its future work, thesis §6.1,
    or a stronger codec shown beside them).

    ``learned`` codecs need a fit-codec job's weights to be built; their ``objective``
    (:mod:`lcc.codecs.objectives`) is what their fit minimises, ``datasets`` the datasets
    they are fitted on and applied to (the default of setting ``codec_datasets.<name>``),
    ``arch`` the keyword arguments of their network class (recorded in a fit's meta.json with
    the padding multiple) and ``params`` its parameter count, entropy models included. A
    ``seeded`` codec draws random numbers (Gaussian noise) from a seed its builder takes as a
    4th argument, so its output depends on that seed too. A ``gated`` codec is not learned but
    writes a bit stream and is put through the JPEG quality gate like the learned ones (which
    always are): measured against JPEG's curve, never held to it (``gate.enforce`` holds back
    only learned codecs).
    """

    name: str
    learned: bool
    check_level: Callable[[object], object]
    label: str
    level_format: str = "{}"
    rate: bool = False
    objective: str | None = None
    seeded: bool = False
    in_thesis: bool = True
    datasets: tuple[str, ...] = ()
    arch: Mapping[str, int] = field(default_factory=dict, hash=False)
    params: int | None = None
    gated: bool = False

    def __post_init__(self) -> None:
        if not self.name or not self.label:
            raise ValueError(f"a codec needs a name and a label, got {self.name!r}, {self.label!r}")
        learned_only = {"objective": self.objective, "datasets": self.datasets,
                        "arch": self.arch, "params": self.params}  # fmt: skip
        if self.learned:
            needed = {**learned_only, "rate": self.rate}
            missing = [key for key, value in needed.items() if not value]
            if missing:
                raise ValueError(f"learned codec {self.name!r} needs {', '.join(missing)}")
            return
        given = [key for key, value in learned_only.items() if value]
        if given:
            raise ValueError(f"codec {self.name!r} is not learned; remove {', '.join(given)}")
        if self.gated and not self.rate:
            raise ValueError(f"codec {self.name!r} writes no bit stream (rate) to gate")


def learned(name: str, label: str, objective: str, **fields) -> CodecSpec:
    """A learned codec: level λ (written ``λ=0.012``), built from a fit-codec job's weights."""
    check = partial(levels.lagrange_multiplier, name)
    return CodecSpec(name, True, check, label, "λ={}", True, objective, **fields)


_BLS = {"arch": {"filters": 128}, "params": 1_753_603}  # the thesis' factorized prior
_CIFAR = ("cifar10", "synthetic")  # BLS is fitted on CIFAR-10 (thesis ch. 3)

_HOG_QUALITY = partial(levels.jpeg_quality, codec="hog-jpeg")  # its background's quality

CODECS: dict[str, CodecSpec] = {}


def register(spec: CodecSpec) -> CodecSpec:
    """Enter ``spec`` in :data:`CODECS` under its name; a one-line ValueError if the name is
    taken. Returns ``spec``."""
    if spec.name in CODECS:
        raise ValueError(f"codec {spec.name!r} registered twice; registered: {', '.join(CODECS)}")
    CODECS[spec.name] = spec
    return spec


for _spec in (
    CodecSpec("jpeg", False, levels.jpeg_quality, "JPEG", "q={}", rate=True),
    learned("bls", "BLS", "mse", datasets=_CIFAR, **_BLS),
    learned(
        "bmhj",
        "BMHJ",
        "mse",
        datasets=("tinyimagenet", "synthetic-tiny"),  # thesis ch. 3: BMHJ on Tiny ImageNet
        arch={"filters": 192, "latent_channels": 192},
        params=10_144_899,
    ),
    # Thesis §6.1: BLS fitted on other objectives (structure-aware, task-aware).
    learned("bls-ssim", "BLS-SSIM", "ssim", in_thesis=False, datasets=_CIFAR, **_BLS),
    learned("bls-task", "BLS-task", "task", in_thesis=False, datasets=_CIFAR, **_BLS),
    learned(  # a stronger learned codec (lcc/codecs/architectures.py)
        "mbt-mean",
        "Mean-scale hyperprior",
        "mse",
        in_thesis=False,
        datasets=_CIFAR,
        arch={"filters": 128, "latent_channels": 192},
        params=7_028_003,
    ),
    # Thesis §6.1: JPEG outside a HOG foreground, the foreground kept (lcc/codecs/hog_jpeg.py).
    CodecSpec(
        "hog-jpeg",
        False,
        _HOG_QUALITY,
        "HOG-guided JPEG",
        "q={}",
        rate=True,
        in_thesis=False,
        gated=True,
    ),
    CodecSpec("noise", False, levels.noise_sigma, "Gaussian noise", "σ={}", seeded=True),
    CodecSpec("blur", False, levels.blur_kernel, "Gaussian blur", "{0}x{0}"),
    CodecSpec("identity", False, levels.no_level, "Original"),
):
    register(_spec)


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


def is_gated(name: str) -> bool:
    """Whether codec ``name`` goes through the JPEG quality gate: learned, or declared
    ``gated``."""
    spec = spec_of(name)
    return spec.learned or spec.gated


def learned_names() -> list[str]:
    """The learned codecs, in registration order."""
    return [name for name, spec in CODECS.items() if spec.learned]


def objective_of(name: str) -> str:
    """The objective a learned codec's fit minimises; a one-line ValueError listing the
    learned codecs for any other name."""
    names = learned_names()
    if name not in names:
        raise ValueError(f"codec {name!r} cannot be fit; learned codecs: {', '.join(names)}")
    return CODECS[name].objective


def learned_params(name: str) -> int:
    """Parameters of learned codec ``name``'s network (:attr:`CodecSpec.params`, read where
    torch is not loaded: the fit-codec disk estimate of a launcher's dry run,
    grid/stages/declared.py); a one-line KeyError listing the learned codecs for any other
    name."""
    names = learned_names()
    if name not in names:
        raise KeyError(f"codec {name!r} has no network; learned codecs: {', '.join(names)}")
    return CODECS[name].params


def fitted_datasets(name: str) -> tuple[str, ...]:
    """The datasets learned codec ``name`` is fitted on and applied to by default
    (:attr:`CodecSpec.datasets`; setting ``codec_datasets.<name>`` overrides it)."""
    return spec_of(name).datasets


def is_seeded(name: str) -> bool:
    """Whether codec ``name``'s output depends on a random seed (see :class:`CodecSpec`)."""
    return spec_of(name).seeded
