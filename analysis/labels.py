"""Human-readable names of codecs, levels, corruptions and training sets, for figures and tables.

A codec's display name, its level notation, whether it has a bit rate and whether it is one
of the thesis' own codecs are read from its declaration (:mod:`lcc.specs.codecs`), at call
time, so a codec registered after this module was imported (a plugin's) is named too. Only
the presentation choices that are no property of a codec live here: colours and the
chapter-4 display order.
"""

from __future__ import annotations

import math

from lcc.specs.codecs import CODECS

# One colour per codec in every figure (matplotlib's tab10), so a codec keeps its colour
# whichever others a panel shows; codecs not listed take the axes' next colour.
CODEC_COLORS: dict[str, str] = {
    "bls": "tab:blue",
    "jpeg": "tab:orange",
    "bmhj": "tab:green",
    "noise": "tab:red",
    "blur": "tab:purple",
    "bls-ssim": "tab:cyan",
    "bls-task": "tab:pink",
    "mbt-mean": "tab:olive",
    "hog-jpeg": "tab:brown",
}

# Display order of augmentation codecs in chapter-4 figures and tables.
CODEC_ORDER = ("bls", "jpeg", "noise", "blur")


def thesis_learned_codecs() -> tuple[str, ...]:
    """The thesis' own learned codecs (BLS, BMHJ), which its claims are about: learned and
    ``in_thesis``. The others (thesis §6.1's objectives, a stronger codec) are shown beside
    them in the same figures and tables, outside the thesis' claims."""
    return tuple(n for n, spec in CODECS.items() if spec.learned and spec.in_thesis)


def learned_codecs() -> tuple[str, ...]:
    """Every learned codec (its level is the rate-distortion weight λ), thesis' first."""
    learned = [n for n, spec in CODECS.items() if spec.learned]
    return tuple(sorted(learned, key=lambda n: not CODECS[n].in_thesis))


def rate_codecs() -> tuple[str, ...]:
    """Codecs whose training sets have a bit rate (Table 3.1, Figures 3.2–3.4): the learned
    ones (:func:`learned_codecs`), then the others that write a bit stream (JPEG)."""
    others = tuple(n for n, spec in CODECS.items() if spec.rate and not spec.learned)
    return (*learned_codecs(), *others)


def codec_name(codec: str) -> str:
    """Display name of a codec registry name (unknown names are shown as given)."""
    return CODECS[codec].label if codec in CODECS else codec


def codec_color(codec: str) -> str | None:
    """The codec's colour in figures, or None (the axes' next colour) for unlisted names."""
    return CODEC_COLORS.get(codec)


def level_text(codec: str, level: float | None) -> str:
    """A level as the thesis writes it: ``q=20``, ``λ=0.012``, ``σ=0.1``, ``3x3`` (the
    codec's ``level_format``; the bare number for an unknown codec)."""
    if level is None or (isinstance(level, float) and math.isnan(level)):
        return ""
    number = f"{level:g}"
    return CODECS[codec].level_format.format(number) if codec in CODECS else number


def set_label(codec: str, level: float | None) -> str:
    """A training set's display label, e.g. ``BLS λ=0.012`` or ``Original``."""
    text = level_text(codec, level)
    return f"{codec_name(codec)} {text}".strip()
