"""The codec quality gate's reference qualities and its verdict in words (the gate itself
is :mod:`lcc.codecs.gate`)."""

from __future__ import annotations

# JPEG qualities of the gate's reference curve: every 5th from 1 to 95 (issue 21; the thesis'
# figure, Fig 3.2 and Table 3.1, used q1-q60 only: docs/FACTS.md §1), so a codec's rate rarely lies
# outside JPEG's range and the curve is read between close neighbours.
GATE_JPEG_QUALITIES = (1, *range(5, 100, 5))


def describe(codec: str, level: float, verdict: dict) -> str:
    """One line, e.g. ``bls λ=0.001: 1.20 dB below JPEG in PSNR, +0.010 SSIM (extrapolated)``."""
    psnr_margin = verdict["psnr_margin"]
    side = "above" if psnr_margin > 0 else "below"
    flag = " (JPEG extrapolated)" if verdict["extrapolated"] else ""
    word = "passes" if verdict["passes"] else "FAILS"
    return (
        f"{codec} λ={level:g}: {word} the JPEG gate: {abs(psnr_margin):.2f} dB {side} JPEG in "
        f"PSNR, {verdict['ssim_margin']:+.4f} SSIM at its rate{flag}"
    )
