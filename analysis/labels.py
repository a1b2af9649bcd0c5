"""Human-readable names of codecs, levels, corruptions and training sets, for figures and tables."""

from __future__ import annotations

import math

CODEC_NAMES: dict[str, str] = {
    "identity": "Original",
    "jpeg": "JPEG",
    "bls": "BLS",
    "bmhj": "BMHJ",
    "bls-ssim": "BLS-SSIM",
    "bls-task": "BLS-task",
    "mbt-mean": "Mean-scale hyperprior",
    "noise": "Gaussian noise",
    "blur": "Gaussian blur",
}

# The thesis' learned codecs (its claims are about these; their level is the rate-distortion
# weight lambda).
LEARNED_CODECS = ("bls", "bmhj")

# Learned codecs of the thesis' future work (§6.1: other objectives) and a stronger one, shown
# beside BLS and JPEG in the same figures and tables, outside the thesis' claims.
FUTURE_CODECS = ("bls-ssim", "bls-task", "mbt-mean")

# Codecs whose training sets have a bit rate (Table 3.1, Figures 3.2–3.4).
RATE_CODECS = (*LEARNED_CODECS, *FUTURE_CODECS, "jpeg")

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
}

# Display order of augmentation codecs in chapter-4 figures and tables.
CODEC_ORDER = ("bls", "jpeg", "noise", "blur")


def codec_name(codec: str) -> str:
    """Display name of a codec registry name (unknown names are shown as given)."""
    return CODEC_NAMES.get(codec, codec)


def codec_color(codec: str) -> str | None:
    """The codec's colour in figures, or None (the axes' next colour) for unlisted names."""
    return CODEC_COLORS.get(codec)


def level_text(codec: str, level: float | None) -> str:
    """A level as the thesis writes it: ``q=20``, ``λ=0.012``, ``σ=0.1``, ``3x3``."""
    if level is None or (isinstance(level, float) and math.isnan(level)):
        return ""
    number = f"{level:g}"
    if codec == "jpeg":
        return f"q={number}"
    if codec in (*LEARNED_CODECS, *FUTURE_CODECS):
        return f"λ={number}"
    if codec == "noise":
        return f"σ={number}"
    if codec == "blur":
        return f"{int(level)}x{int(level)}"
    return number


def set_label(codec: str, level: float | None) -> str:
    """A training set's display label, e.g. ``BLS λ=0.012`` or ``Original``."""
    text = level_text(codec, level)
    return f"{codec_name(codec)} {text}".strip()
