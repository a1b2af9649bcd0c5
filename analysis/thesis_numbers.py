"""The thesis' published numbers (docs/FACTS.md §1; thesis Tables 3.1, 4.1, 4.2, 4.3).

Levels are the suite's level values: JPEG quality, lambda, noise sigma on [0, 1], blur kernel
size (3 for 3x3). Model sizes of Tables 3.2/3.3 come from :func:`lcc.models.thesis_param_table`.
"""

from __future__ import annotations

from lcc.thesis_levels import (
    BLUR_KERNELS,
    JOINED_TOP_K,
    JPEG_CH3,
    JPEG_CH4,
    LAMBDAS,
    NOISE_SIGMAS,
)


def _pairs(dataset: str, codec: str, levels, bpp) -> dict[tuple[str, str, float], float]:
    return {(dataset, codec, float(lv)): b for lv, b in zip(levels, bpp, strict=True)}


# Table 3.1: mean bit rate (bpp) of the compressed training sets. The "learned" column is BLS
# on CIFAR-10 and BMHJ on Tiny ImageNet.
TABLE_3_1: dict[tuple[str, str, float], float] = {
    **_pairs("cifar10", "bls", LAMBDAS, (0.26, 0.52, 0.69, 1.08, 1.49, 1.63, 1.91)),
    **_pairs("cifar10", "jpeg", JPEG_CH3, (0.36, 0.48, 0.75, 1.0, 1.5, 1.91)),
    **_pairs("tinyimagenet", "bmhj", LAMBDAS, (0.22, 0.6, 0.93, 1.38, 1.99, 2.18, 2.64)),
    **_pairs("tinyimagenet", "jpeg", JPEG_CH3, (0.27, 0.38, 0.6, 0.94, 1.4, 2.77)),
}

# Table 4.1: the augmentation levels of the robustness study (CIFAR-10, VGG11).
TABLE_4_1: dict[str, tuple[float, ...]] = {
    "bls": LAMBDAS,
    "jpeg": JPEG_CH4,
    "noise": NOISE_SIGMAS,
    "blur": BLUR_KERNELS,
}

# Table 4.2: BDA ranking, best first.
TABLE_4_2: dict[str, tuple[float, ...]] = {
    "bls": (0.012, 0.1, 0.05, 0.033, 0.003, 0.001, 0.005),
    "jpeg": (80, 20, 60, 10, 40, 5, 1),
    "noise": (0.01, 0.05, 0.1, 0.3, 1, 0.8),
    "blur": (3, 5, 7, 9),
}

# CIFAR-10-C corruption -> the thesis' abbreviation, in the column order of Table 4.3.
CORRUPTION_ABBREVIATIONS: dict[str, str] = {
    "gaussian_noise": "GN",
    "gaussian_blur": "GB",
    "speckle_noise": "SN",
    "contrast": "C",
    "impulse_noise": "IN",
    "saturate": "S",
    "brightness": "B",
    "fog": "F",
    "frost": "Fr",
    "snow": "Sn",
}

_BDAD = {
    "bls": (0.05, 0.1, 0.012, 0.1, 0.05, 0.033, 0.033, 0.012, 0.1, 0.033),
    "jpeg": (20, 5, 20, 60, 20, 80, 80, 80, 80, 80),
    "noise": (0.05, 0.01, 0.05, 0.01, 0.1, 0.01, 0.01, 0.01, 0.01, 0.01),
    "blur": (3,) * 10,
}

# Table 4.3: BDAD best level per (codec, corruption).
TABLE_4_3: dict[tuple[str, str], float] = {
    (codec, corruption): float(level)
    for codec, levels in _BDAD.items()
    for corruption, level in zip(CORRUPTION_ABBREVIATIONS, levels, strict=True)
}

# The setting the chapter-4 numbers were measured in.
ROBUSTNESS_SETTING = "CIFAR-10, VGG11, best of 3 seeds by clean accuracy"

# §4.3: the top-2 BDA-ranked BLS sets (λ = 0.012 and 0.1, Table 4.2) joined into one training
# set (JOINED_TOP_K, from lcc.thesis_levels) raised mean accuracy over all deformations and
# severities (Figs 4.1, 4.3).
__all__ = [
    "CORRUPTION_ABBREVIATIONS",
    "JOINED_TOP_K",
    "JPEG_CH3",
    "LAMBDAS",
    "ROBUSTNESS_SETTING",
    "TABLE_3_1",
    "TABLE_4_1",
    "TABLE_4_2",
    "TABLE_4_3",
]
