"""The codec quality gate's reference qualities and its verdict in words (the gate itself
is :mod:`lcc.codecs.gate`)."""

from __future__ import annotations

from lcc.specs.codecs import CODECS

# JPEG qualities of the gate's reference curve: every 5th from 1 to 95 (issue 21; the thesis'
# figure, Fig 3.2 and Table 3.1, used q1-q60 only: docs/FACTS.md §1), so a codec's rate rarely lies
# outside JPEG's range and the curve is read between close neighbours.
GATE_JPEG_QUALITIES = (1, *range(5, 100, 5))

# The gate's image sets (a reference names one): the gated dataset's own test images, and
# Tiny ImageNet's validation images downsampled 2x to 32x32 (lcc.codecs.gate.downsample_2x), a
# set that does not share the 8x8 grid of a JPEG q75 copy (the shared CIFAR-10 is one). Measured on
# 1,000 images each: JPEG's PSNR rises 5.5 dB/bpp from q40 to q60 and 17.0 from q60 to q80 on
# the CIFAR-10 q75 copy, 2.8 and 2.8 on tiny-2x: the kink at q75 is the grid's, and tiny-2x has
# none (docs/CODEC_FIT.md, "The quality gate").
REFERENCES = ("test", "tiny-2x")


def describe(codec: str, level: float, verdict: dict) -> str:
    """One line, e.g. ``bls λ=0.001: 1.20 dB below JPEG in PSNR, +0.010 SSIM (extrapolated)``,
    the level written as the codec writes it (``q=10`` for HOG-guided JPEG)."""
    psnr_margin = verdict["psnr_margin"]
    side = "above" if psnr_margin > 0 else "below"
    flag = " (JPEG extrapolated)" if verdict["extrapolated"] else ""
    word = "passes" if verdict["passes"] else "FAILS"
    setting = CODECS[codec].level_format.format(f"{level:g}") if codec in CODECS else f"{level:g}"
    return (
        f"{codec} {setting}: {word} the JPEG gate: {abs(psnr_margin):.2f} dB {side} JPEG in "
        f"PSNR, {verdict['ssim_margin']:+.4f} SSIM at its rate{flag}"
    )
