"""Every codec keeps one colour of its own in every figure (analysis.labels.CODEC_COLORS)."""

from __future__ import annotations

from analysis.labels import CODEC_COLORS, codec_color
from lcc.specs.codecs import CODECS


def test_every_codec_but_the_identity_has_a_colour_no_other_codec_has() -> None:
    shown = [name for name in CODECS if name != "identity"]
    missing = [name for name in shown if codec_color(name) is None]
    assert not missing, f"codecs without a colour in analysis.labels.CODEC_COLORS: {missing}"
    colours = [codec_color(name) for name in shown]
    assert len(set(colours)) == len(colours), CODEC_COLORS
